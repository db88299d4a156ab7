"""Domain events: one catalogue of what happens in Tillit, read by the audit log, rules and webhooks.

A module declares its event types (``register_event``) when its app is ready and emits them from its
services (``emit``); records the module tracks (``tillit.core.changes.track``) emit
``<prefix>.created`` / ``.changed`` / ``.deleted`` by themselves. Listeners subscribe here, so the low
apps that emit never import the higher apps that listen (the audit log, automation, webhooks):

- ``subscribe(fn, when="in_transaction")``: ``fn(event)`` runs at once, inside the writer's transaction,
  so what it writes (an audit row) stands or falls with the change itself;
- ``subscribe(fn, when="on_commit")``: ``fn(events)`` runs after the transaction commits, once per
  ``emit`` (one event) or ``emit_many`` (a whole batch, so rules can be evaluated set-based per batch),
  in the order they were emitted; a rolled-back change, savepoint included, is never announced.

Who acts is ambient (``acting_as`` and ``ActorMiddleware``): services need not pass the actor along for
the event to name it, and the worker's and the system's own changes say so (``via``).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


class Via:
    """How a change reached Tillit."""

    UI = "ui"
    API = "api"
    WORKER = "worker"
    SYSTEM = "system"


@dataclass(frozen=True)
class EventType:
    name: str  # "deal.changed", "interaction.logged"
    label: str  # shown in rule and webhook editors (may be a lazy translation)
    description: str = ""
    model: str = ""  # label_lower of the record the event is about ("sales.deal"), if any


@dataclass(frozen=True)
class Actor:
    user: object = None  # accounts.User or None (the system, the worker)
    via: str = Via.SYSTEM
    token_id: int | None = None  # the API token used, if any

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)


@dataclass(frozen=True)
class Event:
    type: str
    record: tuple[str, object] | None  # (model label_lower, pk)
    data: dict = field(default_factory=dict)  # JSON-serialisable facts of the event
    changes: dict = field(default_factory=dict)  # field → [old, new] (JSON-serialisable)
    actor: Actor = field(default_factory=Actor)
    occurred_at: datetime = field(default_factory=timezone.now)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # webhooks send it as webhook-id

    @property
    def model(self) -> str:
        return self.record[0] if self.record else ""

    @property
    def record_id(self):
        return self.record[1] if self.record else None


class UnknownEvent(LookupError):
    pass


_TYPES: dict[str, EventType] = {}
_IN_TRANSACTION: list[Callable[[Event], None]] = []
_ON_COMMIT: list[Callable[[list[Event]], None]] = []


def register_event(name: str, *, label, description: str = "", model: str = "") -> EventType:
    """Declare an event type (idempotent: apps may be readied twice in tests)."""
    event_type = EventType(name=name, label=label, description=description, model=model)
    _TYPES[name] = event_type
    return event_type


def event_types() -> list[EventType]:
    return sorted(_TYPES.values(), key=lambda t: t.name)


def event_type(name: str) -> EventType:
    try:
        return _TYPES[name]
    except KeyError:
        raise UnknownEvent(name) from None


def subscribe(listener: Callable, *, when: str = "on_commit") -> None:
    """Listen to every event (idempotent). See the module's docstring for ``when``."""
    target = {"in_transaction": _IN_TRANSACTION, "on_commit": _ON_COMMIT}[when]
    if listener not in target:
        target.append(listener)


def listening() -> bool:
    """Whether anyone listens (batch writers skip building events nobody reads)."""
    return bool(_IN_TRANSACTION or _ON_COMMIT)


def unsubscribe(listener: Callable) -> None:
    for target in (_IN_TRANSACTION, _ON_COMMIT):
        if listener in target:
            target.remove(listener)


# -- who acts ---------------------------------------------------------------------------------------

_actor: ContextVar[Actor | object | None] = ContextVar("tillit_actor", default=None)


@contextlib.contextmanager
def acting_as(user=None, *, via: str = Via.SYSTEM, token_id: int | None = None) -> Iterator[Actor]:
    """Name who acts for everything emitted inside (the worker: ``acting_as(None, via=Via.WORKER)``)."""
    actor = Actor(user=user, via=via, token_id=token_id)
    reset = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(reset)


def current_actor() -> Actor:
    value = _actor.get()
    if value is None:
        return Actor()
    if isinstance(value, Actor):
        return value
    return _from_request(value)


def _from_request(request) -> Actor:
    # Resolved when an event is emitted, not when the request arrives: the API authenticates the token
    # (and so the user) inside the view, after every middleware has run.
    user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    token = getattr(request, "api_token", None)
    via = Via.API if token is not None or request.path.startswith("/api/") else Via.UI
    return Actor(user=user, via=via, token_id=getattr(token, "pk", None))


class ActorMiddleware:
    """Make the request's user (or API token) the actor of every event emitted while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reset = _actor.set(request)
        try:
            return self.get_response(request)
        finally:
            _actor.reset(reset)


# -- emitting ---------------------------------------------------------------------------------------

def emit(name: str, *, record=None, data: dict | None = None, changes: dict | None = None,
         using: str = DEFAULT_DB_ALIAS) -> Event:
    """Announce that ``name`` happened (to ``record``, a model instance or a ``(label, pk)`` pair)."""
    if name not in _TYPES:
        raise UnknownEvent(name)
    if record is not None and not isinstance(record, tuple):
        record = (record._meta.label_lower, record.pk)
    event = Event(type=name, record=record, data=data or {}, changes=changes or {}, actor=current_actor())
    _dispatch([event], using)
    return event


def emit_many(events: Iterable[Event], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Announce many events at once (batch ingest): listeners see them in one list, in order."""
    events = list(events)
    unknown = {e.type for e in events} - _TYPES.keys()
    if unknown:
        raise UnknownEvent(", ".join(sorted(unknown)))
    _dispatch(events, using)


def new_event(name: str, *, record: tuple[str, object] | None = None, data: dict | None = None,
              changes: dict | None = None, actor: Actor | None = None) -> Event:
    """An event for ``emit_many`` (the actor defaults to who acts now)."""
    return Event(type=name, record=record, data=data or {}, changes=changes or {},
                 actor=actor or current_actor())


def _dispatch(events: list[Event], using: str) -> None:
    if not events:
        return
    for listener in list(_IN_TRANSACTION):
        for event in events:
            listener(event)
    if not _ON_COMMIT:
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        _deliver(events)
        return
    # One hook per emit: a rolled-back savepoint takes its events with it (Django drops its hooks), and
    # the hooks run after the commit in the order the events were emitted.
    transaction.on_commit(lambda: _deliver(events), using=using)


def _deliver(events: list[Event]) -> None:
    for listener in list(_ON_COMMIT):
        try:
            listener(events)
        except Exception:  # a listener's failure (a webhook, a rule) must not undo or fail the write
            logger.exception("event listener %r failed", listener)
