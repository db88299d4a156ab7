"""The default relationship types (editable afterwards on the relationships page)."""

from django.db import migrations

from tillit.insight.relationship_defaults import DEFAULT_TYPES


def seed(apps, schema_editor):
    RelationshipType = apps.get_model("insight", "RelationshipType")
    for row in DEFAULT_TYPES:
        RelationshipType.objects.get_or_create(key=row["key"], defaults={k: str(v) if k in ("name", "playbook")
                                                                         else v for k, v in row.items()})


def unseed(apps, schema_editor):
    apps.get_model("insight", "RelationshipType").objects.filter(key__in=[r["key"] for r in DEFAULT_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("insight", "0003_relationships")]
    operations = [migrations.RunPython(seed, unseed)]
