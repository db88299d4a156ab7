"""Django admin for the interaction log: read-only, because the log is append-only.

Interactions are written through ``tillit.interactions.services`` (UI, API, imports); the admin
is for looking rows up. No counts over the whole table (it grows to tens of millions of rows).
"""

from django.contrib import admin

from tillit.interactions.models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "channel", "kind", "direction", "person", "organization", "handled_by", "source")
    list_filter = ("channel", "kind", "direction")
    list_select_related = ("person", "organization", "handled_by")
    search_fields = ("=external_id",)
    raw_id_fields = ("person", "organization", "handled_by", "partner")
    date_hierarchy = None
    show_full_result_count = False
    ordering = ("-occurred_at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
