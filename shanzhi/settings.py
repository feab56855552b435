"""Settings, all from environment variables (12-factor).

SHANZHI_MODE=development (default) or production. Production fails closed: it refuses to
start without SHANZHI_SECRET_KEY and SHANZHI_ALLOWED_HOSTS, and turns on every
`check --deploy` safeguard. See docs/operations.md for the full list of variables.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


MODE = env("SHANZHI_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("SHANZHI_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"

SECRET_KEY = env("SHANZHI_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SHANZHI_SECRET_KEY must be set in production mode.")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"

DEBUG = env_bool("SHANZHI_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("SHANZHI_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SHANZHI_ALLOWED_HOSTS must be set in production mode.")
CSRF_TRUSTED_ORIGINS = env_list("SHANZHI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "shanzhi.core.apps.TasksDatabaseConfig",  # django_tasks_db, with a translated name
    "shanzhi.core.apps.AxesConfig",  # axes, with a translated name
    "shanzhi.core",
    "shanzhi.accounts",
    "shanzhi.orgs",
    "shanzhi.notifications",
    "shanzhi.plans",
    "shanzhi.cases",
    "shanzhi.fieldwork",
    "shanzhi.projects",
    "shanzhi.cockpit",
    "shanzhi.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shanzhi.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "shanzhi.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "shanzhi.urls"
WSGI_APPLICATION = "shanzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shanzhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shanzhi.core.context_processors.shanzhi",
            ],
        },
    },
]

# Databases: SQLite (WAL) by default; PostgreSQL (or any) through DATABASE_URL.
DATA_DIR = Path(env("SHANZHI_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "shanzhi.sqlite3",
            "OPTIONS": {
                # WAL lets the web process and the worker read while one writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            },
            # One connection per worker thread, kept between requests (no reconnect and
            # PRAGMAs on every request).
            "CONN_MAX_AGE": int(env("SHANZHI_DB_CONN_MAX_AGE", "600")),
            "TEST": {"NAME": None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shanzhi_cache",
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with permission sets remembered per process for 5 s (accounts/backends.py).
    "shanzhi.accounts.backends.CachedPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed logins (django-axes): per username and IP.
AXES_FAILURE_LIMIT = int(env("SHANZHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("SHANZHI_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("SHANZHI_AXES_ENABLED", True)

# Languages: Simplified Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shanzhi" / "locale"]
HONOUR_BROWSER_LANGUAGE = env_bool("SHANZHI_HONOUR_BROWSER_LANGUAGE", False)
TIME_ZONE = env("SHANZHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("SHANZHI_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "shanzhi" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("SHANZHI_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

REST_FRAMEWORK = {
    # Token first: an API call without credentials is answered 401 with
    # "WWW-Authenticate: Token" (DRF takes the header from the first class; the session's has
    # none, which made it a 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shanzhi.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "shanzhi.core.filtersets.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "shanzhi.core.pagination.Pagination",  # limit/offset, ?limit= at most 1000
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "shanzhi.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "shanzhi.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": env("SHANZHI_ANON_THROTTLE", "600/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shanzhi API",
    "DESCRIPTION": "REST API of Shanzhi (善治): organisations and grids, plans, cases, field work, projects.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema is checked by a test (core/tests/test_url_sweep.py), not by `check --deploy`.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Background work: Django 6 tasks with the database-backed worker (django-tasks-db).
TASKS = {
    "default": {
        "BACKEND": env("SHANZHI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [],
    }
}

# Case intake: route (locate, classify, dispatch) while the request waits (default), or accept
# with one INSERT and let the task worker route in batches within seconds — for a city's
# intake rates. See docs/adr/0003-routing-in-the-worker.md.
CASES_ROUTE_IN_WORKER = env_bool("SHANZHI_CASES_ROUTE_IN_WORKER", False)

# Notifications: the gateway for SMS / WeChat. "log" writes messages to the log and the
# database outbox; production deployments plug their own (see docs/operations.md).
NOTIFICATION_GATEWAYS = env_list("SHANZHI_NOTIFICATION_GATEWAYS", "shanzhi.notifications.gateways.LogGateway")

# The tile server is optional: maps draw from our own GeoJSON with no internet.
MAP_TILE_URL = env("SHANZHI_MAP_TILE_URL", "")

# Organisation shown in the header; the demo loader sets its own in the database.
SITE_NAME = env("SHANZHI_SITE_NAME", "善治")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"forbidden_without_traceback": {"()": "shanzhi.core.log_filters.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("SHANZHI_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own configuration adds a second console handler under DEBUG: every line twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["forbidden_without_traceback"]},
        "django.db.backends": {"level": "INFO"},
        "jieba": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SHANZHI_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SHANZHI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SHANZHI_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_REFERRER_POLICY = "same-origin"

# Named enums for the cases API (several apps have fields called kind / status / source).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "CaseKindEnum": "shanzhi.cases.models.Case.Kind",
    "CaseStatusEnum": "shanzhi.cases.models.Case.Status",
    "CaseSourceEnum": "shanzhi.cases.models.Case.Source",
    "CaseSatisfactionEnum": "shanzhi.cases.models.Case.Satisfaction",
}
