"""CSV exports never hand a spreadsheet a live formula, whichever column the text is in, and an export
re-imports unchanged."""

import csv
import io

import pytest
from django.urls import reverse

from tillit.core import csvsafe
from tillit.people import imports, services
from tillit.people.models import Person

ATTACKS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_formula_is_written_as_text(text):
    out = io.StringIO()
    csvsafe.writer(out).writerow([text, 5])
    [row] = csv.reader(io.StringIO(out.getvalue()))
    assert row == ["'" + text, "5"]
    assert csvsafe.restore(row[0]) == text


@pytest.mark.parametrize("value", ["+4791234567", "-12.5", "42", "Kari", "", "'quoted"])
def test_numbers_phones_and_plain_text_stay_as_they_are(value):
    assert csvsafe.cell(value) == value and csvsafe.restore(value) == value


@pytest.mark.django_db
def test_the_person_export_protects_every_text_column_and_reimports_unchanged(actors, login):
    services.person_create(actor=actors["admin"], first_name="@SUM(1+1)", last_name='=HYPERLINK("x")',
                           city="+cmd|' /C calc'!A0", phones=["+47 912 34 567"])
    body = b"".join(login(actors["admin"]).get(reverse("people:person_export")).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    header, [row] = rows[0], rows[1:]
    record = dict(zip(header, row, strict=True))
    assert record["first name"] == "'@SUM(1+1)" and record["last name"] == "'=HYPERLINK(\"x\")"
    assert record["city"] == "'+cmd|' /C calc'!A0"
    assert record["phone"] == "+4791234567"  # a number to a spreadsheet, left readable

    # What the importer reads back is what was stored.
    parsed = imports.parse(io.BytesIO(body.encode()))
    assert [cells[1:3] for _line, cells in parsed.rows][0] == ["@SUM(1+1)", '=HYPERLINK("x")']
    assert Person.objects.count() == 1
