from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tillit.accounts import twofactor
from tillit.accounts.models import ApiToken, Team, User


@admin.register(User)
class TillitUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Tillit", {"fields": ("role", "team", "visibility", "language", "time_zone")}),)
    list_display = ("username", "first_name", "last_name", "role", "team", "is_active", "two_factor_enabled")
    list_filter = ("role", "team", "is_active", "two_factor_enabled")
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor sign-in (lost phone and recovery codes)"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            twofactor.reset(user=user)
        messages.success(request, _("Two-factor sign-in reset; those users set it up again at their next sign-in "
                                    "if their role requires it."))


admin.site.register(Team)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scopes", "expires_at", "created_at", "last_used_at", "last_used_ip",
                    "revoked_at")
    readonly_fields = ("prefix", "key_hash")
