"""The segment rule language: what a rule may say, and validation that names the path of a bad rule.

A rule tree is JSON (see ``docs/marketing-segments.md``)::

    {"all": [
        {"attr": "lifecycle_stage", "op": "in", "value": ["customer"]},
        {"did": true, "kind": "content_read", "topic": "heat pumps", "at_least": 2, "days": 90},
        {"not": {"campaign": "spring-news", "event": "opened"}}
    ]}

``validate_rules`` returns a normalised copy (defaults filled in, strings trimmed) or raises one
``ValidationError`` listing every problem as ``{"field": "rules.all[2].at_least", "reason": ...}``.
``tillit.marketing.segments`` compiles the normalised tree into one query.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.core.errors import ValidationError
from tillit.interactions.models import Channel, Kind
from tillit.people.models import LifecycleStage, ValueTier

MAX_DEPTH = 6
MAX_CONDITIONS = 60
MAX_DAYS = 3660
MAX_AT_LEAST = 100_000
MAX_VALUES = 200
# Custom field keys become JSON key look-ups: letters, digits, single underscores/hyphens only.
CUSTOM_KEY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_))*$")
EVENTS = {"opened": Kind.EMAIL_OPENED, "clicked": Kind.EMAIL_CLICKED}


@dataclass(frozen=True)
class Attr:
    """One attribute a condition may test. ``type``: text, choice, ref (a user/team id), consent, number.

    ``field`` is a lookup path from ``Person`` (or ``Organization``), so a module above may register a
    field of its own one-to-one row (``insight_value__clv``) without this module importing it.
    ``options`` (a callable giving ``[(value, label)]``) fills the editor's list for choices that are
    records (RFM classes, personas); their values are checked as text, since the records may change.
    """

    field: str
    label: Any
    type: str = "text"
    choices: tuple = ()
    options: Callable[[], list] | None = None

    def choice_pairs(self) -> list:
        return list(self.options()) if self.options is not None else list(self.choices)


_STAGE = Attr("lifecycle_stage", gettext_lazy("Lifecycle stage"), "choice", tuple(LifecycleStage.choices))
PERSON_ATTRS: dict[str, Attr] = {
    "lifecycle_stage": _STAGE,
    "value_tier": Attr("value_tier", gettext_lazy("Value tier"), "choice", tuple(ValueTier.choices)),
    "persona": Attr("persona", gettext_lazy("Persona")),
    "relationship_category": Attr("relationship_category", gettext_lazy("Relationship category")),
    "city": Attr("city", gettext_lazy("City")),
    "country": Attr("country", gettext_lazy("Country")),
    "first_name": Attr("first_name", gettext_lazy("First name")),
    "last_name": Attr("last_name", gettext_lazy("Last name")),
    "email": Attr("primary_email", gettext_lazy("Email")),
    "owner": Attr("owner_id", gettext_lazy("Owner"), "ref"),
    "team": Attr("team_id", gettext_lazy("Team"), "ref"),
    "consent": Attr("consent", gettext_lazy("Consent (active)"), "consent"),
}
ORGANIZATION_ATTRS: dict[str, Attr] = {
    "name": Attr("name", gettext_lazy("Name")),
    "industry": Attr("industry", gettext_lazy("Industry")),
    "city": Attr("city", gettext_lazy("City")),
    "country": Attr("country", gettext_lazy("Country")),
    "domain": Attr("domain", gettext_lazy("Web domain")),
    "lifecycle_stage": _STAGE,
    "value_tier": Attr("value_tier", gettext_lazy("Value tier"), "choice", tuple(ValueTier.choices)),
    "owner": Attr("owner_id", gettext_lazy("Owner"), "ref"),
    "team": Attr("team_id", gettext_lazy("Team"), "ref"),
}
CUSTOM = Attr("custom_fields", gettext_lazy("Custom field"))


def register_attr(scope: str, name: str, attr: Attr) -> None:
    """Let a module above add (or refine) an attribute segments can test; called from ``AppConfig.ready``.

    ``scope`` is ``person`` or ``organization``; the editor and the API offer the attribute at once.
    """
    if scope not in ("person", "organization") or not CUSTOM_KEY.match(name):
        raise ValueError(f"bad segment attribute {scope}.{name}")
    (PERSON_ATTRS if scope == "person" else ORGANIZATION_ATTRS)[name] = attr

OPS: dict[str, tuple[str, ...]] = {
    "text": ("eq", "ne", "in", "not_in", "contains", "starts_with", "empty", "not_empty"),
    "choice": ("eq", "ne", "in", "not_in", "empty", "not_empty"),
    "ref": ("eq", "ne", "in", "not_in", "empty", "not_empty"),
    "consent": ("in", "not_in"),
    "number": ("gte", "lte", "eq", "empty", "not_empty"),
}
OP_LABELS = {
    "eq": gettext_lazy("is"), "ne": gettext_lazy("is not"), "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"), "contains": gettext_lazy("contains"),
    "starts_with": gettext_lazy("starts with"), "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is not empty"), "gte": gettext_lazy("is at least"),
    "lte": gettext_lazy("is at most"),
}
LIST_OPS = {"in", "not_in"}
NO_VALUE_OPS = {"empty", "not_empty"}


def resolve_attr(name: str) -> tuple[str, Attr, str | None] | None:
    """``(scope, attr, custom_key)`` for an attribute name; scope is ``person`` or ``organization``."""
    scope, rest = "person", name
    if name.startswith("organization."):
        scope, rest = "organization", name.removeprefix("organization.")
    if rest.startswith("custom."):
        key = rest.removeprefix("custom.")
        return (scope, CUSTOM, key) if CUSTOM_KEY.match(key) else None
    table = PERSON_ATTRS if scope == "person" else ORGANIZATION_ATTRS
    attr = table.get(rest)
    return (scope, attr, None) if attr else None


class _Checker:
    def __init__(self):
        self.errors: list[dict] = []
        self.count = 0

    def error(self, path: str, reason: str) -> None:
        self.errors.append({"field": path, "reason": reason})

    def node(self, node: Any, path: str, depth: int) -> dict | None:
        if not isinstance(node, dict):
            self.error(path, _("must be an object (a group or a condition)"))
            return None
        if depth > MAX_DEPTH:
            self.error(path, _("groups may be nested at most %(n)d deep") % {"n": MAX_DEPTH})
            return None
        groups = [k for k in ("all", "any", "not") if k in node]
        if groups:
            if len(node) != 1:
                self.error(path, _("a group has exactly one key: all, any or not"))
                return None
            key = groups[0]
            if key == "not":
                inner = self.node(node["not"], f"{path}.not", depth + 1)
                return None if inner is None else {"not": inner}
            children = node[key]
            if not isinstance(children, list):
                self.error(f"{path}.{key}", _("must be a list of conditions"))
                return None
            out = [self.node(child, f"{path}.{key}[{i}]", depth + 1) for i, child in enumerate(children)]
            return {key: out}
        self.count += 1
        if self.count > MAX_CONDITIONS:
            if self.count == MAX_CONDITIONS + 1:
                self.error(path, _("a segment may have at most %(n)d conditions") % {"n": MAX_CONDITIONS})
            return None
        if "attr" in node:
            return self.attribute(node, path)
        if "event" in node:
            return self.campaign(node, path)
        if {"did", "kind", "channel", "topic", "product"} & set(node):
            return self.behaviour(node, path)
        if "campaign" in node:
            return self.campaign(node, path)
        self.error(path, _("is neither a group (all/any/not) nor a condition (attr/did/campaign)"))
        return None

    def unknown_keys(self, node: dict, path: str, allowed: set[str]) -> None:
        for key in sorted(set(node) - allowed):
            self.error(f"{path}.{key}", _("is not a known key here"))

    def attribute(self, node: dict, path: str) -> dict | None:
        self.unknown_keys(node, path, {"attr", "op", "value"})
        name = node.get("attr")
        resolved = resolve_attr(name) if isinstance(name, str) else None
        if resolved is None:
            if isinstance(name, str) and name.endswith("custom."):
                self.error(f"{path}.attr", _("name the custom field after “custom.”"))
                return None
            self.error(f"{path}.attr", _("is not an attribute segments know"))
            return None
        _scope, attr, _key = resolved
        op = node.get("op", "in" if attr.type == "consent" else "eq")
        if op not in OPS[attr.type]:
            self.error(f"{path}.op", _("must be one of: %(ops)s") % {"ops": ", ".join(OPS[attr.type])})
            return None
        out = {"attr": name, "op": op}
        if op in NO_VALUE_OPS:
            return out
        value = node.get("value")
        if op in LIST_OPS:
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                value = [value]
            if not isinstance(value, list) or not value:
                self.error(f"{path}.value", _("must be a non-empty list"))
                return None
            if len(value) > MAX_VALUES:
                self.error(f"{path}.value", _("may hold at most %(n)d values") % {"n": MAX_VALUES})
                return None
            cleaned = [self.scalar(attr, v, f"{path}.value[{i}]") for i, v in enumerate(value)]
            if any(v is None for v in cleaned):
                return None
            out["value"] = cleaned
        else:
            cleaned = self.scalar(attr, value, f"{path}.value")
            if cleaned is None:
                return None
            out["value"] = cleaned
        return out

    def scalar(self, attr: Attr, value: Any, path: str):
        if attr.type == "number":
            return self.number(value, path)
        if attr.type == "ref":
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.error(path, _("must be the id of a user or team"))
                return None
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(path, _("must be a non-empty text"))
            return None
        value = value.strip()
        if len(value) > 200:
            self.error(path, _("may be at most 200 characters"))
            return None
        if attr.type == "choice" and attr.choices and value not in {c for c, _label in attr.choices}:
            self.error(path, _("must be one of: %(values)s") % {"values": ", ".join(c for c, _l in attr.choices)})
            return None
        return value

    def number(self, value: Any, path: str) -> int | float | None:
        """A finite number (JSON number or numeric text, "10 000" and "0,5" too), kept as a JSON number."""
        if isinstance(value, str):
            value = value.replace(" ", "").replace("\u00a0", "").replace(",", ".")
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal("1e14"):
            self.error(path, _("must be a number"))
            return None
        as_float = float(number)
        return int(number) if number == number.to_integral_value() and math.isfinite(as_float) else as_float

    def positive(self, node: dict, key: str, path: str, limit: int, *, default: int | None) -> int | None:
        value = node.get(key, default)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(f"{path}.{key}", _("must be a positive whole number"))
            return None
        if value > limit:
            self.error(f"{path}.{key}", _("may be at most %(n)d") % {"n": limit})
            return None
        return value

    def text(self, node: dict, key: str, path: str) -> str:
        value = node.get(key) or ""
        if not isinstance(value, str):
            self.error(f"{path}.{key}", _("must be a text"))
            return ""
        if len(value.strip()) > 100:
            self.error(f"{path}.{key}", _("may be at most 100 characters"))
        return value.strip()

    def behaviour(self, node: dict, path: str) -> dict | None:
        self.unknown_keys(node, path, {"did", "kind", "channel", "topic", "product", "campaign", "at_least", "days"})
        did = node.get("did", True)
        if not isinstance(did, bool):
            self.error(f"{path}.did", _("must be true or false"))
        kind = node.get("kind") or ""
        if kind and kind not in Kind.values:
            self.error(f"{path}.kind", _("is not an interaction kind"))
        channel = node.get("channel") or ""
        if channel and channel not in Channel.values:
            self.error(f"{path}.channel", _("is not a channel"))
        out = {
            "did": did, "kind": kind, "channel": channel,
            "topic": self.text(node, "topic", path), "product": self.text(node, "product", path),
            "campaign": self.text(node, "campaign", path),
            "at_least": self.positive(node, "at_least", path, MAX_AT_LEAST, default=1),
            "days": self.positive(node, "days", path, MAX_DAYS, default=None),
        }
        if not (kind or channel or out["topic"] or out["product"] or out["campaign"]):
            self.error(path, _("a behaviour needs at least a kind, channel, topic, product or campaign"))
        return out

    def campaign(self, node: dict, path: str) -> dict | None:
        self.unknown_keys(node, path, {"campaign", "event", "did", "days"})
        code = node.get("campaign")
        if not isinstance(code, str) or not code.strip():
            self.error(f"{path}.campaign", _("must be a campaign code"))
            code = ""
        event = node.get("event", "opened")
        if event not in EVENTS:
            self.error(f"{path}.event", _("must be opened or clicked"))
        did = node.get("did", True)
        if not isinstance(did, bool):
            self.error(f"{path}.did", _("must be true or false"))
        days = self.positive(node, "days", path, MAX_DAYS, default=None)
        return {"campaign": code.strip()[:100], "event": event, "did": did, "days": days}


def validate_rules(rules: Any, *, path: str = "rules") -> dict:
    """The normalised rule tree, or ``ValidationError`` naming every bad path.

    An empty object (or an empty ``all``) is everyone.
    """
    if rules in (None, {}):
        return {"all": []}
    checker = _Checker()
    out = checker.node(rules, path, 0)
    if out is not None and not any(k in out for k in ("all", "any", "not")):
        out = {"all": [out]}  # a single condition at the top is an "all" of one
    if checker.errors:
        first = checker.errors[0]
        raise ValidationError(f"{first['field']}: {first['reason']}", field=first["field"], errors=checker.errors)
    return out


# Whole sentences for "did …" conditions: word order (and where "not" goes) differs between languages,
# so the verb, the count and the time frame are never glued together from pieces.
def _behaviour_sentence(did: bool, many: bool, days: bool) -> str:
    return {
        (True, False, False): _("did %(what)s"),
        (True, False, True): _("did %(what)s in the last %(days)d days"),
        (True, True, False): _("did %(what)s at least %(n)d times"),
        (True, True, True): _("did %(what)s at least %(n)d times in the last %(days)d days"),
        (False, False, False): _("never did %(what)s"),
        (False, False, True): _("did not do %(what)s in the last %(days)d days"),
        (False, True, False): _("did %(what)s fewer than %(n)d times"),
        (False, True, True): _("did %(what)s fewer than %(n)d times in the last %(days)d days"),
    }[(did, many, days)]


def _event_sentence(did: bool, event: str, days: bool) -> str:
    return {
        (True, "opened", False): _("opened an email of campaign “%(code)s”"),
        (True, "opened", True): _("opened an email of campaign “%(code)s” in the last %(days)d days"),
        (False, "opened", False): _("did not open any email of campaign “%(code)s”"),
        (False, "opened", True): _("did not open any email of campaign “%(code)s” in the last %(days)d days"),
        (True, "clicked", False): _("clicked a link in an email of campaign “%(code)s”"),
        (True, "clicked", True): _("clicked a link in an email of campaign “%(code)s” in the last %(days)d days"),
        (False, "clicked", False): _("did not click any link in an email of campaign “%(code)s”"),
        (False, "clicked", True): _("did not click any link in an email of campaign “%(code)s” in the last "
                                    "%(days)d days"),
    }[(did, event, days)]


def summarize(rules: Any, *, users: dict | None = None, teams: dict | None = None) -> str:
    """A short human sentence for a stored rule tree (lists, read-only views); never raises."""
    try:
        tree = validate_rules(rules)
    except ValidationError:
        return _("(rules that are no longer valid)")
    users, teams = users or {}, teams or {}
    kinds, channels = dict(Kind.choices), dict(Channel.choices)

    def value_text(attr: Attr, name: str, value) -> str:
        values = value if isinstance(value, list) else [value]
        if attr.type == "choice":
            labels = dict(attr.choice_pairs())
            values = [labels.get(v, v) for v in values]
        elif attr.type == "ref":
            table = teams if name.endswith("team") else users
            values = [str(table.get(v, f"#{v}")) for v in values]
        return ", ".join(f"“{v}”" if attr.type in ("text", "consent") else str(v) for v in values)

    def node(n: dict, top: bool = False) -> str:
        for key, joiner in (("all", _(" and ")), ("any", _(" or "))):
            if key in n:
                if not n[key]:
                    return _("everyone") if key == "all" else _("nobody")
                text = joiner.join(node(c) for c in n[key])
                return text if top or len(n[key]) == 1 else f"({text})"
        if "not" in n:
            inner = n["not"]
            if not any(k in inner for k in ("all", "any", "not", "attr")):
                return node(dict(inner, did=not inner.get("did", True)))  # "did not …" reads better
            return _("not %(x)s") % {"x": node(inner)}
        if "attr" in n:
            scope, attr, key = resolve_attr(n["attr"])
            label = _("custom field %(key)s") % {"key": key} if key else str(attr.label)
            if scope == "organization":
                label = _("organisation %(field)s") % {"field": label.lower()}
            op = str(OP_LABELS[n["op"]])
            if n["op"] in NO_VALUE_OPS:
                return f"{label} {op}"
            return f"{label} {op} {value_text(attr, n['attr'], n['value'])}"
        did = bool(n.get("did", True))
        days = n.get("days")
        if "event" in n:
            return _event_sentence(did, n["event"], bool(days)) % {"code": n["campaign"], "days": days or 0}
        what = str(kinds[n["kind"]]).lower() if n["kind"] else _("anything")
        # Each qualifier is a whole phrase around what was done, so a translation may put it either side.
        if n["channel"]:
            what = _("%(what)s on %(channel)s") % {"what": what, "channel": channels.get(n["channel"], n["channel"])}
        if n.get("topic"):
            what = _("%(what)s about “%(topic)s”") % {"what": what, "topic": n["topic"]}
        if n.get("product"):
            what = _("%(what)s about product “%(product)s”") % {"what": what, "product": n["product"]}
        if n.get("campaign"):
            what = _("%(what)s in campaign “%(campaign)s”") % {"what": what, "campaign": n["campaign"]}
        n_times = n.get("at_least") or 1
        return _behaviour_sentence(did, n_times > 1, bool(days)) % {"what": what, "n": n_times, "days": days or 0}

    text = node(tree, top=True)
    return text[:1].upper() + text[1:]
