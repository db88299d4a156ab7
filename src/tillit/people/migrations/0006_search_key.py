"""``search_key`` on persons and organisations: their searchable text folded (tillit.core.search), so
"Brathen" finds "Bråthen" on SQLite and PostgreSQL alike. Existing rows are filled here."""

from django.db import migrations, models

from tillit.core.search import search_key

BATCH = 2000


def fill(apps, schema_editor):
    # Historical models have no SearchKeyed hooks: the key is built here from the same fields.
    for name, fields in (("Person", ("first_name", "last_name", "primary_email")),
                         ("Organization", ("name", "org_number", "domain", "city"))):
        model = apps.get_model("people", name)
        batch = []
        for row in model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=BATCH):
            row.search_key = search_key(*(getattr(row, f) for f in fields))
            batch.append(row)
            if len(batch) >= BATCH:
                model.objects.bulk_update(batch, ["search_key"])
                batch = []
        if batch:
            model.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0005_person_organization_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="search_key",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="person",
            name="search_key",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["search_key"], name="org_search_key"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["search_key"], name="person_search_key"),
        ),
    ]
