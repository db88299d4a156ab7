from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tillit.accounts.models import ApiToken, Team, User


@admin.register(User)
class TillitUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Tillit", {"fields": ("role", "team", "visibility", "language", "time_zone")}),)
    list_display = ("username", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")


admin.site.register(Team)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash")
