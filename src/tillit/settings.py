"""Django settings for Tillit.

Defaults give a working single-user trial: SQLite (WAL) in a data folder, a secret key created
on first run and kept there, DEBUG off. Everything else is set through environment variables.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TILLIT_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("TILLIT_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Created once and kept, so sessions and signed links survive restarts.
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("TILLIT_DEBUG")
ALLOWED_HOSTS = os.environ.get("TILLIT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("TILLIT_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Reverse proxies in front of Tillit (comma-separated IPs or CIDRs). Only from these is X-Forwarded-For
# believed, for per-visitor limits on public pages (see tillit.service.proxies).
TILLIT_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TILLIT_TRUSTED_PROXIES", "").split(",") if p.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",  # its Swagger UI assets as static files: /api/v1/docs needs no CDN
    "django_tasks",
    "django_tasks_db",
    "axes",  # sign-in throttling and lockout
    "csp",  # the Content-Security-Policy header
    "django_otp",  # two-factor sign-in: TOTP apps and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tillit.core",
    "tillit.accounts",
    "tillit.people",
    "tillit.interactions",
    "tillit.card",
    "tillit.sales",
    "tillit.tasks",
    "tillit.service",
    "tillit.marketing",
    "tillit.marketing.web",
    "tillit.marketing.email",
    "tillit.insight",
]

MIDDLEWARE = [
    "tillit.core.api.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tillit.core.events.ActorMiddleware",  # who acts, for the audit log, rules and webhooks
    "django_otp.middleware.OTPMiddleware",
    "tillit.accounts.middleware.UserPreferencesMiddleware",
    "tillit.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "tillit.urls"
WSGI_APPLICATION = "tillit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # JIT compilation costs ~100 ms on the list/card queries and pays off only for long analytics.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "tillit.sqlite3",
            "OPTIONS": {
                # WAL lets readers work while a batch is written; NORMAL is durable in WAL mode
                # against process crashes (the "acknowledged survives a killed process" target).
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "card:search"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user or address before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes): after N failures for one username, or from one address, that username or
# address is locked for M minutes; an administrator can unlock it at /accounts/lockouts/.
AXES_FAILURE_LIMIT = int(os.environ.get("TILLIT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("TILLIT_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tillit.accounts.views_security.locked_out"
AXES_CLIENT_IP_CALLABLE = "tillit.core.proxies.client_ip_or_none"
AXES_VERBOSE = False
# Two-factor sign-in (TOTP + recovery codes) is required for these roles and optional for the others. The demo
# (scripts/run) sets it empty so its users can look around at once.
TILLIT_2FA_REQUIRED_ROLES = [r.strip() for r in os.environ.get("TILLIT_2FA_REQUIRED_ROLES", "admin,manager").split(",")
                             if r.strip()]
OTP_TOTP_ISSUER = "Tillit"
# A session ends this many hours after sign-in (and at "sign out everywhere else").
SESSION_COOKIE_AGE = int(os.environ.get("TILLIT_SESSION_HOURS", "12")) * 3600
PASSWORD_RESET_TIMEOUT = 3600 * 2  # a reset link works for two hours

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sv", _("Swedish")),
    ("da", _("Danish")),
    ("nb", _("Norwegian Bokmål")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tillit.formats"]
USE_I18N = True
TIME_ZONE = os.environ.get("TILLIT_TIME_ZONE", "Europe/Oslo")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even though it serves from the package
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the package; no collectstatic step needed
MEDIA_ROOT = DATA_DIR / "media"

# Background work (CSV imports): the django-tasks API with the database backend. `tillit serve` starts a
# worker; in production run `tillit db_worker` as its own service.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A file cache needs no server and is shared by the web and worker processes on one machine: the import
# writes its progress here, outside its own database transaction, so the page can show it at once.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache",
        "TIMEOUT": 24 * 3600,
    }
}

# Behind HTTPS (TILLIT_HTTPS=1): secure cookies, redirect plain HTTP, HSTS. See docs/security.md.
TILLIT_HTTPS = _env_bool("TILLIT_HTTPS")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = TILLIT_HTTPS or _env_bool("TILLIT_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = TILLIT_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^health"]  # the load balancer's check may speak plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("TILLIT_HSTS_SECONDS", "31536000")) if TILLIT_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("TILLIT_HSTS_SUBDOMAINS", True)
# "preload" only permits submitting the domain to the browsers' preload list; it submits nothing by itself.
SECURE_HSTS_PRELOAD = _env_bool("TILLIT_HSTS_PRELOAD", True)
if TILLIT_HTTPS and TILLIT_TRUSTED_PROXIES:
    # The proxy ends TLS and says so; believed only because Django is reachable through the proxy alone.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from Tillit's own files — no inline scripts or event
# handlers in templates (tests/core/test_security_headers.py checks every template). Inline styles stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TILLIT_LOG_LEVEL", "WARNING")},
}

# --- Tillit ---------------------------------------------------------------------------------
# Region used to read phone numbers written without a country code ("912 34 567").
TILLIT_PHONE_REGION = os.environ.get("TILLIT_PHONE_REGION", "NO")
# Default record visibility per role: "own" (records they own), "team" (their team's), "all".
TILLIT_ROLE_VISIBILITY = {
    "admin": "all",
    "manager": "team",
    "sales": "own",
    "service": "all",
    "marketing": "all",
    "partner": "none",
    "customer": "none",
}
TILLIT_BATCH_LIMIT = 10_000
TILLIT_TIMELINE_PAGE_SIZE = 25

TILLIT_BASE_CURRENCY = os.environ.get("TILLIT_BASE_CURRENCY", "NOK")
# The company that uses Tillit: on quotes, order confirmations and emails to customers.
TILLIT_COMPANY_NAME = os.environ.get("TILLIT_COMPANY_NAME", "Tillit")

# --- email -------------------------------------------------------------------------------------
# TILLIT_SMTP_URL=smtp://user:password@host:587 (or smtps:// for implicit TLS) sends real mail.
# Without it, outgoing mail is written to DATA_DIR/outbox so a trial never fails on a send.
TILLIT_SMTP_URL = os.environ.get("TILLIT_SMTP_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("TILLIT_FROM_EMAIL", "Tillit <tillit@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 30
if TILLIT_SMTP_URL:
    from urllib.parse import unquote, urlsplit

    _smtp = urlsplit(TILLIT_SMTP_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp" and EMAIL_PORT == 587
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
# The address customers' replies and inbound mail arrive at (cases join by Message-ID and subject).
TILLIT_INBOUND_EMAIL = os.environ.get("TILLIT_INBOUND_EMAIL", "support@localhost")
# Absolute base URL for links in emails (survey links, tracking, quotes).
TILLIT_BASE_URL = os.environ.get("TILLIT_BASE_URL", "http://127.0.0.1:8000")

# Periodic background tasks: (django-tasks task, every N seconds); see tillit.core.schedule.
TILLIT_PERIODIC_TASKS: list[tuple[str, int]] = [
    ("tillit.service.tasks.sla_sweep", 60),  # SLA warnings, breaches and escalation
    ("tillit.tasks.tasks.send_due_reminders", 60),
    ("tillit.service.tasks_cases.retry_failed_replies_task", 600),
    ("tillit.sales.tasks.expire_quotes", 3600),
    ("tillit.service.tasks.run_due_surveys", 3600),  # periodic NPS runs
    ("tillit.marketing.email.tasks.send_due", 60),  # scheduled mailings at their rate per minute
    ("tillit.marketing.web.tasks.purge_anonymous_events", 86400),  # anonymous web history ages out
    ("tillit.marketing.tasks.refresh_segment_counts", 3600),
    ("tillit.insight.tasks.recompute_task", 86400),  # RFM classes, class history and tiers, nightly
    ("tillit.insight.tasks_relationships.recompute_relationships_task", 86400),  # relationship types (nightly)
    ("tillit.insight.tasks_relationships.recompute_churn_task", 86400),  # churn risk and reasons
    ("tillit.insight.tasks_relationships.recompute_offers_task", 86400),  # next best offers
    ("tillit.insight.tasks_personas.recompute_personas", 3600),  # personas follow the log and the figures
]
