"""Django admin for looking records up and fixing odd ones.

Identities are read-only here: they must be normalised and kept in step with the person's
primary email/phone, which only the services do. Every admin save bumps the version so API
clients holding an old ETag get a 409 instead of overwriting the fix.
"""

from django.contrib import admin

from tillit.people.models import Affiliation, Consent, Identity, MergeRecord, Organization, Person


class VersionBumpingAdmin(admin.ModelAdmin):
    readonly_fields = ("version", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    can_delete = False
    fields = ("kind", "system", "value", "normalized", "is_primary", "label")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    fields = ("person", "organization", "title", "department", "is_decision_maker", "buying_role", "start_date",
              "end_date")
    raw_id_fields = ("person", "organization")


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "lawful_basis", "given_at", "withdrawn_at", "source")


@admin.register(Person)
class PersonAdmin(VersionBumpingAdmin):
    list_display = ("__str__", "primary_email", "primary_phone", "lifecycle_stage", "owner", "team", "updated_at")
    list_filter = ("lifecycle_stage", "team")
    search_fields = ("first_name", "last_name", "primary_email", "primary_phone")
    list_select_related = ("owner", "team")
    raw_id_fields = ("owner",)
    readonly_fields = (*VersionBumpingAdmin.readonly_fields, "primary_email", "primary_phone")
    inlines = (IdentityInline, AffiliationInline, ConsentInline)


@admin.register(Organization)
class OrganizationAdmin(VersionBumpingAdmin):
    list_display = ("name", "org_number", "city", "country", "lifecycle_stage", "owner", "team")
    list_filter = ("lifecycle_stage", "country", "team")
    search_fields = ("name", "org_number", "domain")
    list_select_related = ("owner", "team")
    raw_id_fields = ("owner",)
    inlines = (AffiliationInline,)


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    list_display = ("merged_person_id", "survivor", "merged_by", "merged_at")
    list_select_related = ("survivor", "merged_by")
    readonly_fields = ("survivor", "merged_person_id", "merged_snapshot", "moved_counts", "merged_by", "merged_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
