import hashlib
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")
    PARTNER = "partner", _("Partner")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.SERVICE, Role.MARKETING})


class Visibility(models.TextChoices):
    OWN = "own", _("Own records")
    TEAM = "team", _("Team's records")
    ALL = "all", _("All records")
    NONE = "none", _("No records")


TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # Empty means "the default for the role" (settings.TILLIT_ROLE_VISIBILITY).
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, blank=True)
    # Raised by "sign out everywhere else": every session signed with an older value stops working.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Kept by tillit.accounts.twofactor with the confirmed authenticator, so most requests need no device query.
    two_factor_enabled = models.BooleanField(_("two-factor sign-in"), default=False, editable=False)

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django signs each session with a hash of the password; adding the epoch lets a user end all other
        # sessions without changing the password. Epoch 0 keeps the plain hash, so sessions survive the upgrade.
        value = self.password if not self.session_epoch else f"{self.password}|{self.session_epoch}"
        return salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", value,
                           secret=secret, algorithm="sha256").hexdigest()

    @property
    def requires_two_factor(self) -> bool:
        return self.role in settings.TILLIT_2FA_REQUIRED_ROLES

    @property
    def is_staff_role(self) -> bool:
        return self.is_superuser or self.role in STAFF_ROLES

    @property
    def effective_visibility(self) -> str:
        if self.is_superuser:
            return Visibility.ALL
        return self.visibility or settings.TILLIT_ROLE_VISIBILITY.get(self.role, Visibility.NONE)


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the key is shown once when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # "people:read", "sales:write", … (tillit.accounts.scopes); write includes read.
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # IPs or networks ("192.0.2.10", "10.0.0.0/8") the token may be used from; empty: any address.
    allowed_addresses = models.JSONField(_("allowed addresses"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class CompanyProfile(models.Model):
    """The company's own details, printed on quotes and shown on the customer's accept page. One row
    (``pk=1``), edited by administrators at ``/accounts/company/``; the logo file lives in the data
    directory (``MEDIA_ROOT``)."""

    name = models.CharField(_("company name"), max_length=200, blank=True,
                            help_text=_("Empty: the name from the server's settings."))
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    org_number = models.CharField(_("organisation number"), max_length=40, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    iban = models.CharField(_("IBAN"), max_length=40, blank=True)
    bic = models.CharField(_("BIC / SWIFT"), max_length=20, blank=True)
    logo = models.FileField(_("logo"), upload_to="company/", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or getattr(settings, "TILLIT_COMPANY_NAME", "") or "Tillit"

    @property
    def address_lines(self) -> list[str]:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return [line for line in (self.street_address, place, self.country) if line]
