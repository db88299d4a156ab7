"""Tillit — an open-source CRM built around one log of every customer interaction."""

__version__ = "0.1.0"
