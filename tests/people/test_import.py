"""CSV import of persons and organisations: service, CLI and page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tillit.people.imports import ImportFileError, import_organizations, import_persons, sample_csv
from tillit.people.models import Affiliation, Identity, Organization, Person
from tillit.people.services import organization_create, person_create

GOOD = (
    "first_name,last_name,email,phone,organization,title,lifecycle_stage,city,country,custom.shoe_size\n"
    "Kari,Nordmann,kari@fjord.no,+47 912 34 567,Fjord AS,CEO,customer,Bergen,NO,38\n"
    "Ola,Hansen,OLA@fjord.no|ola@gmail.com,91234568,fjord as,CFO,Prospect,,,\n"
    "Anna,Lindqvist,anna@tra.se,+46 70 123 45 67,Ljusdal Trä AB,,lead,Ljusdal,SE,\n"
)


def _persons(actor, text, **kw):
    data = text.encode(kw.pop("encoding", "utf-8")) if isinstance(text, str) else text
    return import_persons(actor=actor, file=data, dry_run=kw.pop("dry_run", False), **kw)


def test_good_file_creates_persons_identities_organisations_and_roles(actors):
    report = _persons(actors["admin"], GOOD)

    assert (report.total, report.created, report.updated, report.skipped, report.rejected) == (3, 3, 0, 0, [])
    assert report.organizations_created == 2  # "Fjord AS" and "fjord as" are one organisation
    kari = Person.objects.get(last_name="Nordmann")
    assert (kari.primary_email, kari.primary_phone, kari.lifecycle_stage, kari.city, kari.country) == (
        "kari@fjord.no", "+4791234567", "customer", "Bergen", "NO",
    )
    assert kari.custom_fields == {"shoe_size": "38"}
    ola = Person.objects.get(last_name="Hansen")
    assert ola.lifecycle_stage == "prospect"
    assert sorted(Identity.objects.filter(person=ola, kind="email").values_list("normalized", flat=True)) == [
        "ola@fjord.no", "ola@gmail.com",
    ]
    fjord = Organization.objects.get(name="Fjord AS")
    assert set(Affiliation.objects.filter(organization=fjord).values_list("person__first_name", "title")) == {
        ("Kari", "CEO"), ("Ola", "CFO"),
    }


def test_an_existing_organisation_is_matched_by_name_in_any_case(actors):
    fjord = organization_create(actor=actors["admin"], name="Fjord AS")
    report = _persons(actors["admin"], GOOD)
    assert report.organizations_created == 1
    assert Affiliation.objects.filter(organization=fjord).count() == 2


def test_semicolon_delimiter_and_excel_bom(actors):
    text = "\ufefffirst_name;last_name;E-mail;Telefon\r\nKari;Nordmann;kari@fjord.no;+47 912 34 567\r\n"
    report = _persons(actors["admin"], text)
    assert report.delimiter == ";" and report.encoding == "UTF-8 (BOM)"
    assert report.created == 1 and report.unknown_columns == []
    assert Person.objects.get().primary_phone == "+4791234567"


def test_cp1252_file_from_old_excel_keeps_nordic_letters(actors):
    text = "first_name;last_name;city\nØystein;Ødegård;Tromsø\nÅsa;Ström;Malmö\n"
    report = _persons(actors["admin"], text, encoding="cp1252")
    assert report.encoding == "Windows-1252" and report.created == 2
    assert Person.objects.filter(last_name="Ødegård", first_name="Øystein", city="Tromsø").exists()
    assert Person.objects.filter(last_name="Ström").exists()


def test_tab_separated_utf16_from_excel_unicode_text(actors):
    data = "first_name\tlast_name\temail\nKari\tNordmann\tkari@fjord.no\n".encode("utf-16")
    report = _persons(actors["admin"], data)
    assert report.delimiter == "\t" and report.created == 1


def test_bad_phone_is_rejected_with_line_and_column_and_good_rows_are_kept(actors):
    text = (
        "first_name;last_name;email;phone\n"
        "Kari;Nordmann;kari@fjord.no;+47 912 34 567\n"
        "\n"
        "Ola;Hansen;ola@fjord.no;12\n"
        "Per;Vik;not-an-email;+47 400 00 000\n"
        "Anna;Berg;anna@berg.no;\n"
    )
    report = _persons(actors["admin"], text)

    assert report.created == 2 and report.rejected_count == 2
    by_line = {p.line: p for p in report.rejected}
    assert by_line[4].column == "phone" and "“12” is not a phone number" in by_line[4].reason
    assert by_line[5].column == "email"
    assert set(Person.objects.values_list("first_name", flat=True)) == {"Kari", "Anna"}


def test_dry_run_validates_everything_and_writes_nothing(actors):
    text = GOOD + "Bad,Phone,bad@x.no,12,,,,,,\n"
    report = _persons(actors["admin"], text, dry_run=True)
    assert report.dry_run and report.created == 3 and report.organizations_created == 2
    assert [(p.line, p.column) for p in report.rejected] == [(5, "phone")]
    assert Person.objects.count() == 0 and Organization.objects.count() == 0 and Identity.objects.count() == 0


def test_a_rejected_row_leaves_no_organisation_behind(actors):
    text = "first_name,last_name,phone,organization\nOla,Hansen,12,Ghost AS\nKari,Nordmann,,Ghost AS\n"
    report = _persons(actors["admin"], text)
    assert report.rejected_count == 1 and report.created == 1 and report.organizations_created == 1
    assert Organization.objects.filter(name="Ghost AS").count() == 1
    assert Affiliation.objects.get().person.first_name == "Kari"


def test_existing_email_is_skipped_unless_update_is_asked(actors):
    admin = actors["admin"]
    kari = person_create(actor=admin, first_name="Kari", last_name="Nordmann", emails=["kari@fjord.no"])
    text = (
        "first_name,last_name,email,phone,city,custom.vip\n"
        "Kari,Nordmann-Berg,KARI@fjord.no,+47 912 34 567,Oslo,yes\n"
    )

    skipped = _persons(admin, text)
    assert (skipped.created, skipped.skipped) == (0, 1)
    assert f"#{kari.pk}" in skipped.skipped_rows[0].reason and skipped.skipped_rows[0].line == 2

    updated = _persons(admin, text, update=True)
    assert (updated.created, updated.updated) == (0, 1)
    kari.refresh_from_db()
    assert (kari.last_name, kari.city, kari.custom_fields, kari.primary_phone) == (
        "Nordmann-Berg", "Oslo", {"vip": "yes"}, "+4791234567",
    )
    assert Person.objects.count() == 1


def test_the_same_person_twice_in_one_file_is_created_once(actors):
    text = "first_name,email\nKari,kari@fjord.no\nKari,Kari@Fjord.no\n"
    report = _persons(actors["admin"], text)
    assert (report.created, report.skipped) == (1, 1)


def test_persons_the_importer_cannot_see_are_not_matched(actors):
    person_create(actor=actors["rep_south"], first_name="Kari", emails=["kari@fjord.no"])
    report = _persons(actors["rep_north"], "first_name,email\nKari,kari@fjord.no\n")
    assert report.created == 1 and report.skipped == 0
    assert Person.objects.get(owner=actors["rep_north"]).primary_email == "kari@fjord.no"


def test_owner_by_username_or_email_and_unknown_owner_rejected(actors):
    actors["rep_north"].email = "rep.north@tillit.example"
    actors["rep_north"].save()
    text = "first_name,owner\nA,rep_north\nB,REP.NORTH@tillit.example\nC,nobody\n"
    report = _persons(actors["admin"], text)
    assert report.created == 2
    assert [(p.line, p.column) for p in report.rejected] == [(4, "owner")]
    assert Person.objects.filter(owner=actors["rep_north"]).count() == 2


def test_a_sales_rep_cannot_hand_imported_persons_to_a_colleague(actors):
    report = _persons(actors["rep_north"], "first_name,owner\nA,rep_north2\n")
    assert [(p.line, p.column) for p in report.rejected] == [(2, "owner")]


def test_unknown_columns_are_reported_once_and_ignored(actors):
    text = "first_name,favourite_colour,favourite_colour,Shoe size\nKari,blue,green,38\n"
    report = _persons(actors["admin"], text)
    assert report.unknown_columns == ["favourite_colour", "shoe_size"] and report.created == 1


def test_unknown_lifecycle_stage_is_rejected_on_its_column(actors):
    report = _persons(actors["admin"], "first_name,lifecycle_stage\nKari,vip\n")
    assert [(p.line, p.column) for p in report.rejected] == [(2, "lifecycle_stage")]


def test_row_with_too_many_cells_is_rejected(actors):
    report = _persons(actors["admin"], "first_name,last_name\nKari,Nordmann,Bergen\nOla,Hansen,,\n")
    assert [p.line for p in report.rejected] == [2] and report.created == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"%PDF-1.7\n", "not a CSV"),
        (b"colour,size\nblue,38\n", "first line must name the columns"),
    ],
)
def test_unreadable_files_get_a_clear_error(actors, data, message):
    with pytest.raises(ImportFileError) as exc:
        _persons(actors["admin"], data)
    assert message in exc.value.message and exc.value.field == "file"


def test_organisations_import_matches_by_number_or_name(actors):
    admin = actors["admin"]
    organization_create(actor=admin, name="Fjord AS", org_number="923456789")
    text = (
        "name;org_number;domain;industry;city;country;phone\n"
        "Fjord Shipping AS;923 456 789;fjord.no;Shipping;Bergen;NO;+47 55 12 34 56\n"
        "Ljusdal Trä AB;556123-4567;https://www.ljusdaltra.se/;Forestry;Ljusdal;SE;\n"
        "Bad Phone AS;;;;;;12\n"
        ";;;;;;\n"
        "LJUSDAL TRÄ AB;;;;;;\n"
    )
    report = import_organizations(actor=admin, file=text.encode(), dry_run=False)
    assert (report.created, report.skipped, report.rejected_count) == (1, 2, 1)
    assert [(p.line, p.column) for p in report.rejected] == [(4, "phone")]
    assert Organization.objects.get(name="Ljusdal Trä AB").domain == "ljusdaltra.se"

    updated = import_organizations(actor=admin, file=text.encode(), dry_run=False, update=True)
    assert updated.updated == 3  # Ljusdal twice: by its name in any case
    assert Organization.objects.get(name="Fjord Shipping AS").industry == "Shipping"
    assert Organization.objects.count() == 2


def test_sample_files_import_cleanly(actors):
    orgs = import_organizations(actor=actors["admin"], file=sample_csv("organizations").encode(), dry_run=False)
    persons = _persons(actors["admin"], sample_csv("persons"))
    assert orgs.ok and orgs.created == 2
    assert persons.ok and persons.created == 3 and persons.organizations_created == 0


def test_progress_is_reported_for_every_row(actors):
    calls = []
    _persons(actors["admin"], GOOD, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


# --- the CLI --------------------------------------------------------------------------------
def _write(tmp_path, text, name="people.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_cli_imports_and_prints_a_summary(actors, tmp_path):
    out = io.StringIO()
    call_command("import", "persons", _write(tmp_path, GOOD), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "Created: 3  Updated: 0  Skipped: 0  Rejected: 0" in text
    assert Person.objects.count() == 3


def test_cli_exit_code_is_1_and_rejected_rows_are_listed(actors, tmp_path):
    path = _write(tmp_path, "first_name;phone\nKari;+47 912 34 567\nOla;12\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "persons", path, stdout=out, stderr=err)
    assert exc.value.returncode == 1 and "1 row rejected" in str(exc.value)
    assert "line 3, column phone: “12” is not a phone number" in out.getvalue()
    assert "Created: 1" in out.getvalue()
    assert "0/2" in err.getvalue() and "2/2" in err.getvalue()  # the progress bar ran to the end
    assert Person.objects.count() == 1


def test_cli_dry_run_writes_nothing(actors, tmp_path):
    out = io.StringIO()
    call_command("import", "persons", _write(tmp_path, GOOD), "--dry-run", "--no-progress", stdout=out)
    assert "DRY RUN" in out.getvalue() and "Created: 3" in out.getvalue()
    assert Person.objects.count() == 0


def test_cli_update_and_organizations(actors, tmp_path):
    path = _write(tmp_path, "name,city\nFjord AS,Bergen\n", name="orgs.csv")
    call_command("import", "organizations", path, "--no-progress", stdout=io.StringIO())
    path = _write(tmp_path, "name,city\nFjord AS,Oslo\n", name="orgs.csv")
    out = io.StringIO()
    call_command("import", "organisations", path, "--update", "--no-progress", stdout=out)
    assert "Updated: 1" in out.getvalue()
    assert Organization.objects.get().city == "Oslo"


def test_cli_as_a_named_user_and_clear_errors(actors, tmp_path):
    path = _write(tmp_path, "first_name\nKari\n")
    call_command("import", "persons", path, "--user", "rep_north", "--no-progress", stdout=io.StringIO())
    assert Person.objects.get().owner == actors["rep_north"]
    with pytest.raises(CommandError, match="No active user"):
        call_command("import", "persons", path, "--user", "ghost", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No such file"):
        call_command("import", "persons", str(tmp_path / "missing.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="empty"):
        call_command("import", "persons", _write(tmp_path, ""), stdout=io.StringIO())


def test_cli_without_an_administrator_says_what_to_do(db, tmp_path):
    with pytest.raises(CommandError, match="No administrator"):
        call_command("import", "persons", _write(tmp_path, "first_name\nKari\n"), stdout=io.StringIO())


# --- the page -------------------------------------------------------------------------------
# The worker command closes the database connection when it is inside a transaction (as a test is),
# so tests that run it commit for real.
WORKER_DB = pytest.mark.django_db(transaction=True)


def _upload(name, text, encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _import_via_page(client, capture, data):
    """Post the form (it queues a job and redirects), run the worker until the queue is empty, open the job."""
    with capture(execute=True):
        response = client.post("/import/", data)
    assert response.status_code == 302
    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)
    return client.get(response["Location"])


def test_import_page_shows_the_form_and_column_help(actors, login):
    response = login(actors["rep_north"]).get("/import/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="file"' in html and 'name="dry_run"' in html and "relationship_category" in html


@WORKER_DB
def test_import_page_uploads_and_reports_every_rejected_row(actors, login, django_capture_on_commit_callbacks):
    client = login(actors["admin"])
    text = "first_name;last_name;phone\nKari;Nordmann;+47 912 34 567\nOla;Hansen;12\nPer;Vik;abc\n"
    response = _import_via_page(client, django_capture_on_commit_callbacks,
                                {"kind": "persons", "file": _upload("people.csv", text)})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report"' in html
    rows = response.context["report"].rejected
    assert [(r.line, r.column) for r in rows] == [(3, "phone"), (4, "phone")]
    assert html.count('data-testid="rejected-row"') == 2
    assert Person.objects.count() == 1


@WORKER_DB
def test_import_page_dry_run_writes_nothing(actors, login, django_capture_on_commit_callbacks):
    client = login(actors["admin"])
    response = _import_via_page(client, django_capture_on_commit_callbacks,
                                {"kind": "persons", "file": _upload("p.csv", GOOD), "dry_run": "on"})
    assert response.context["report"].created == 3
    assert "Dry run" in response.content.decode()
    assert Person.objects.count() == 0


@WORKER_DB
def test_import_page_updates_existing_when_asked(actors, login, django_capture_on_commit_callbacks):
    person_create(actor=actors["admin"], first_name="Kari", emails=["kari@fjord.no"])
    client = login(actors["admin"])
    response = _import_via_page(client, django_capture_on_commit_callbacks, {
        "kind": "persons", "update": "on", "file": _upload("p.csv", "first_name,email,city\nKari,kari@fjord.no,Oslo\n"),
    })
    assert response.context["report"].updated == 1
    assert Person.objects.get().city == "Oslo"


@WORKER_DB
def test_import_page_organisations(actors, login, django_capture_on_commit_callbacks):
    client = login(actors["admin"])
    response = _import_via_page(client, django_capture_on_commit_callbacks,
                                {"kind": "organizations", "file": _upload("o.csv", "name\nFjord AS\n")})
    assert response.context["report"].created == 1 and Organization.objects.get().name == "Fjord AS"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The submitted file is empty."),
        ("book.xlsx", b"PK\x03\x04\x14\x00", "Excel workbook"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV"),
    ],
)
def test_import_page_explains_unusable_files(actors, login, name, data, message):
    client = login(actors["admin"])
    response = client.post("/import/", {"kind": "persons", "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "report" not in response.context or response.context["report"] is None


def test_import_page_without_a_file_asks_for_one(actors, login):
    response = login(actors["admin"]).post("/import/", {"kind": "persons"})
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("kind", ["persons", "organizations"])
def test_sample_csv_downloads(actors, login, kind):
    response = login(actors["rep_north"]).get(f"/import/?sample={kind}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="tillit-{kind}-sample.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM so Excel reads UTF-8


@pytest.mark.parametrize("name", ["partner", "customer"])
def test_import_page_is_forbidden_for_non_employees(actors, login, name):
    client = login(actors[name])
    assert client.get("/import/").status_code == 403
    assert client.post("/import/", {"kind": "persons", "file": _upload("p.csv", GOOD)}).status_code == 403
    assert Person.objects.count() == 0
