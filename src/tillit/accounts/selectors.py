"""Reads of the accounts app that are more than a ``get``."""

from __future__ import annotations

from tillit.accounts.models import CompanyProfile


def company_profile() -> CompanyProfile:
    """The company's details; an unsaved empty profile (named from settings) until an admin saves one."""
    return CompanyProfile.objects.filter(pk=1).first() or CompanyProfile(pk=1)
