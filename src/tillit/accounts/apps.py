from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tillit.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from tillit.accounts.models import ApiToken, CompanyProfile, Team, User
        from tillit.core.changes import track

        track(User, prefix="user", exclude=("last_login",), masked=("password",))
        track(Team, prefix="team")
        track(ApiToken, prefix="api_token", exclude=("last_used_at", "last_used_ip"), masked=("key_hash",))
        track(CompanyProfile, prefix="company_profile")
