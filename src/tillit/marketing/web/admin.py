"""Django admin: tracking sites (keys and origins) and campaigns, for looking up and fixing records.
The everyday pages are /marketing/tracking/ and /marketing/campaigns/."""

from django.contrib import admin

from tillit.marketing.web.models import Campaign, TrackingSite, Visitor
from tillit.marketing.web.tracking import new_site_key


@admin.register(TrackingSite)
class TrackingSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "allowed_origins", "is_active", "accepted_events", "dropped_events")
    readonly_fields = ("key", "accepted_events", "dropped_events", "created_at", "updated_at")
    search_fields = ("name", "key", "allowed_origins")

    def save_model(self, request, obj, form, change):
        if not obj.key:
            obj.key = new_site_key()
        super().save_model(request, obj, form, change)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "status", "channel", "starts_on", "ends_on", "budget", "currency")
    list_filter = ("status", "channel")
    search_fields = ("name", "code")
    readonly_fields = ("version", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1  # API clients holding the old ETag get a 409 instead of overwriting the fix
        super().save_model(request, obj, form, change)


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ("visitor_id", "site", "person", "first_seen", "last_seen", "identified_at")
    list_filter = ("site",)
    raw_id_fields = ("person",)
    search_fields = ("visitor_id",)
