"""Panels other modules add to the customer card (open deals, owned products, tasks, cases …).

Each entry is a module with ``KEY`` (its name in the card API's ``panels``), ``PanelOut`` (the ninja
schema the API serialises the panel's data with; a globally unique class name) and a function
``panel(actor, *, person=None, organization=None, present=None) -> dict | None``: the dict holds
``template`` (included in the card's facts column, with the dict as ``panel``) and the data that
template renders — the same data ``PanelOut`` reads, so the page and the API cannot drift; ``None``
shows nothing. A panel reads through its module's selectors with the actor's access, in a fixed
number of queries (the card tests count them).

Most customers have no deals, tasks or cases, yet each panel's lists cost a query (about a
millisecond each, mostly Django building the SQL). So before the panels run, the card asks in ONE
query which of them have any rows for this customer at all: each module's ``probes(person_id=,
organization_id=)`` names querysets ("any open deal of this person" …), ignoring access. A panel
gets ``present`` (its probe names → bool; ``None`` when not probed: query everything) and skips
the lists whose probe found nothing — nothing visible either, so the page is the same. The probe
statement is compiled once per kind of party and database, then run with the customer's id.
"""

from __future__ import annotations

from importlib import import_module

from django.db import connections

from tillit.accounts.scopes import area_of_module

PANELS = (
    "tillit.insight.card",  # what the customer is worth and what to do next: first, above the lists
    "tillit.sales.card",
    "tillit.tasks.card",
    "tillit.service.card",
    "tillit.marketing.card",
)
# Stands for the customer's id while the probe statement is compiled (ids are positive).
_PARTY_ID = -917_000_000_013
_compiled: dict[tuple[str, str], tuple[str, list, list[tuple[str, str]]]] = {}


def panel_modules() -> list:
    return [import_module(path) for path in PANELS]


def card_panels(actor, *, person=None, organization=None, areas=None) -> list[dict]:
    """The panels in page order, each with its ``key``; with ``areas`` (a predicate on a scope area) only the
    panels of the areas it allows (an API token without ``sales:read`` gets no sales panel)."""
    modules = panel_modules()
    if areas is not None:
        modules = [module for module in modules if areas(area_of_module(module.__name__))]
    present = _probe(modules, person=person, organization=organization)
    panels = []
    for module in modules:
        found = None if present is None else present.get(module.__name__)
        panel = module.panel(actor, person=person, organization=organization, present=found)
        if panel:
            panels.append({**panel, "key": module.KEY})
    return panels


def panels_by_key(panels: list[dict]) -> dict[str, dict | None]:
    """``{key: panel data or None}`` for every registered panel: what the card API's ``panels`` holds."""
    found = {panel["key"]: panel for panel in panels}
    return {module.KEY: found.get(module.KEY) for module in panel_modules()}


def _probe(modules, *, person=None, organization=None) -> dict[str, dict[str, bool]] | None:
    """``{module name: {probe name: found}}`` for every module's probes, in one ``SELECT EXISTS(…), …``."""
    if (person is None) == (organization is None):
        return None
    party, party_id = ("person", person.pk) if person is not None else ("organization", organization.pk)
    db = "default"
    key = (db, party)
    if key not in _compiled:
        selects, params, names = [], [], []
        for module in modules:
            probes = getattr(module, "probes", None)
            if probes is None:
                continue
            for name, qs in probes(**{f"{party}_id": _PARTY_ID}).items():
                sql, qs_params = qs.order_by().values("pk").query.get_compiler(using=db).as_sql()
                selects.append(f"EXISTS({sql})")
                params.extend(qs_params)
                names.append((module.__name__, name))
        _compiled[key] = ("SELECT " + ", ".join(selects), params, names) if selects else ("", [], [])
    sql, params, names = _compiled[key]
    if not sql:
        return {}
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [party_id if p == _PARTY_ID else p for p in params])
        found = cursor.fetchone()
    present: dict[str, dict[str, bool]] = {}
    for (module, name), value in zip(names, found, strict=True):
        present.setdefault(module, {})[name] = bool(value)
    return present
