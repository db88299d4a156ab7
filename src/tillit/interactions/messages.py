"""System messages live in ``tillit.core.messages`` (people, below interactions, writes them too); this name stays
for the modules that import them from here."""

from tillit.core.messages import PAYLOAD_KEY, message, of, register, render, stored

__all__ = ["PAYLOAD_KEY", "message", "of", "register", "render", "stored"]
