"""CSV that a spreadsheet cannot be tricked into running: a text cell starting with = + - @ tab or CR (a
formula to Excel, LibreOffice and Google Sheets: ``=HYPERLINK(…)``, ``@SUM(…)``, ``+cmd|…``) is written with a
leading apostrophe, which spreadsheets show as text. Plain numbers and E.164 phones (``-12.5``, ``+4791234567``)
stay as they are: a spreadsheet reads them as numbers, never as formulas. Tillit's importers take the apostrophe
off again (``restore``), so an export can be re-imported unchanged."""

import csv
import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?\Z")


def cell(value):
    if isinstance(value, str) and value[:1] in TRIGGERS and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The cell as it was before ``cell`` protected it."""
    return value[1:] if value[:1] == "'" and value[1:2] in TRIGGERS else value


class writer:  # noqa: N801 — used like csv.writer
    """``csv.writer`` that protects every cell."""

    def __init__(self, fileobj, **kwargs):
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
