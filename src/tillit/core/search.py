"""Accent- and case-insensitive search: one folding rule for stored keys and typed queries.

``fold("Bråthen")`` → ``"brathen"``; ``fold("Æble")`` → ``"aeble"``. Lower-case (``casefold``), the
Nordic and German letters that are not "a letter plus an accent" mapped by hand (ø→o, æ→ae, å→a,
ö→o, ä→a, ü→u, ß→ss, ð→d, þ→th, ł→l, œ→oe), then every other accent dropped (Unicode NFKD with the
combining marks stripped: é→e, č→c, ñ→n). Persons and organisations store the folded text of their
searchable fields in ``search_key`` (kept by the model on every save, ``bulk_create``, ``bulk_update``
and ``save_versioned``); the selectors fold the query the same way and match ``search_key`` with
``contains`` — plain ASCII-or-folded text, so SQLite and PostgreSQL answer alike. Trigram (PostgreSQL)
or FTS5 (SQLite) indexes can be built on the same column without changing this rule.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db import models

_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ö": "o", "ä": "a", "ü": "u", "ß": "ss", "ð": "d",
                          "þ": "th", "ł": "l", "œ": "oe", "đ": "d", "ı": "i"})


def fold(text: str | None) -> str:
    """Lower-case, Nordic letters mapped, accents dropped; whitespace kept as it is."""
    text = (text or "").casefold().translate(_LETTERS)
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text


def search_key(*parts: str | None) -> str:
    """The stored key: the folded parts, one space between them (a query word never holds a space,
    so it cannot match across two fields)."""
    return " ".join(" ".join(fold(p).split()) for p in parts if p and p.strip())


def search_words(q: str | None, *, limit: int | None = None) -> list[str]:
    """A typed query as folded words, each to be found in the key (blank → no words)."""
    words = fold(q).split()
    return words[:limit] if limit else words


class SearchKeyed(models.Model):
    """A model with a ``search_key`` built from ``SEARCH_FIELDS``; every ORM write keeps it current."""

    SEARCH_FIELDS: tuple[str, ...] = ()

    search_key = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        kwargs["update_fields"] = keep_search_key(self, kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def compute_search_key(self) -> str:
        return search_key(*(getattr(self, name) for name in self.SEARCH_FIELDS))


def keep_search_key(instance: SearchKeyed, update_fields: Iterable[str] | None) -> list[str] | None:
    """Refresh ``instance.search_key``; add it to ``update_fields`` when one of its sources is written."""
    instance.search_key = instance.compute_search_key()
    if update_fields is None:
        return None
    fields = list(update_fields)
    if set(fields) & set(instance.SEARCH_FIELDS) and "search_key" not in fields:
        fields.append("search_key")
    return fields


class SearchKeyQuerySet(models.QuerySet):
    """``bulk_create`` / ``bulk_update`` fill the key; an ``update()`` of a source field without the key
    is refused, so no write path can leave a stale key behind."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.search_key = obj.compute_search_key()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if set(fields) & set(self.model.SEARCH_FIELDS):
            for obj in objs:
                obj.search_key = obj.compute_search_key()
            if "search_key" not in fields:
                fields.append("search_key")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if set(kwargs) & set(self.model.SEARCH_FIELDS) and "search_key" not in kwargs:
            raise TypeError(
                f"{self.model.__name__}: updating {sorted(set(kwargs) & set(self.model.SEARCH_FIELDS))} needs "
                "search_key too; save the instance, use bulk_update or save_versioned"
            )
        return super().update(**kwargs)
