"""The one settings module. Everything that differs between machines comes from the environment.

TUOPIN_DATA_DIR   where the embedded database, keys and uploaded files live (default ./var)
DATABASE_URL      selects PostgreSQL (postgres://user@host:port/name); default is SQLite in the data dir
TUOPIN_SECRET_KEY the Django secret key; the embedded default generates one in the data dir
TUOPIN_DEBUG      1 for development error pages
TUOPIN_HTTPS      1 when served over HTTPS: secure cookies, HSTS, redirect (production)
TUOPIN_ALLOWED_HOSTS, TUOPIN_OTP_REQUIRED_ROLES  comma-separated lists
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from tuopin.env import data_dir, env_bool, env_int, env_list, env_str, secret_from_file

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

DEBUG = env_bool("TUOPIN_DEBUG")
HTTPS = env_bool("TUOPIN_HTTPS")
SECRET_KEY = env_str("TUOPIN_SECRET_KEY") or secret_from_file(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("TUOPIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("TUOPIN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "tuopin.core",
    "tuopin.areas",
    "tuopin.accounts",
    "tuopin.audit",
    "tuopin.registry",
    "tuopin.policy",
    "tuopin.assessment",
    "tuopin.procedures",
    "tuopin.monitoring",
    "tuopin.feeds",
    "tuopin.supervision",
    "tuopin.assistance",
    "tuopin.administration",
    "tuopin.contest",
    "tuopin.measures",
    "tuopin.dashboards",
    "tuopin.medwaste",
    "tuopin.fieldforms",
    "tuopin.api",
    "tuopin.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tuopin.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tuopin.accounts.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tuopin.urls"
WSGI_APPLICATION = "tuopin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tuopin.site.context.shell",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "tuopin.sqlite3",
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy timeout
            # instead of failing with "database is locked" when a read transaction upgrades.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("TUOPIN_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"

# Sessions: idle timeout (cookie age renewed on every request) and an absolute limit checked by
# SessionLimitsMiddleware.
SESSION_COOKIE_AGE = env_int("TUOPIN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
TUOPIN_SESSION_ABSOLUTE_SECONDS = env_int("TUOPIN_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Lockout after 5 failures per username: offices share one address, so never lock by address.
AXES_FAILURE_LIMIT = env_int("TUOPIN_LOCKOUT_FAILURES", 5)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = env_int("TUOPIN_LOCKOUT_HOURS", 1)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tuopin.accounts.views.locked_out"
AXES_VERBOSE = False
# axes.W006 asks to lock by address too; we deliberately lock by username only (shared office addresses).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Per-user limits on searches by ID number, reveals of full numbers and exports (SECURITY.md F2): at most COUNT in
# any window of MINUTES, counted from the user's own audit rows (tuopin.accounts.throttle). 0 refuses every one.
TUOPIN_THROTTLE_ID_SEARCHES = env_int("TUOPIN_THROTTLE_ID_SEARCHES", 30)
TUOPIN_THROTTLE_ID_SEARCH_MINUTES = env_int("TUOPIN_THROTTLE_ID_SEARCH_MINUTES", 10)
TUOPIN_THROTTLE_REVEALS = env_int("TUOPIN_THROTTLE_REVEALS", 20)
TUOPIN_THROTTLE_REVEAL_MINUTES = env_int("TUOPIN_THROTTLE_REVEAL_MINUTES", 60)
TUOPIN_THROTTLE_EXPORTS = env_int("TUOPIN_THROTTLE_EXPORTS", 10)
TUOPIN_THROTTLE_EXPORT_MINUTES = env_int("TUOPIN_THROTTLE_EXPORT_MINUTES", 60)

TUOPIN_OTP_REQUIRED_ROLES = env_list("TUOPIN_OTP_REQUIRED_ROLES", ["admin", "province", "city"])
OTP_TOTP_ISSUER = "Tuopin"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Refresh the dashboards' stored figures after an assessment, a screening or an import (tuopin.dashboards.figures).
TUOPIN_FIGURES_REFRESH = env_bool("TUOPIN_FIGURES_REFRESH", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TUOPIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "files"

# Upload limits (SECURITY.md E3).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
TUOPIN_UPLOAD_MAX_BYTES = env_int("TUOPIN_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
TUOPIN_XLSX_MAX_UNCOMPRESSED = env_int("TUOPIN_XLSX_MAX_UNCOMPRESSED", 500 * 1024 * 1024)
TUOPIN_XLSX_MAX_ENTRIES = env_int("TUOPIN_XLSX_MAX_ENTRIES", 10_000)
# The largest sheet the reader may build, rows × columns from its first to its last cell holding a value (about
# 32 bytes each in memory): a county registry of 100,000 households is far below it.
TUOPIN_XLSX_MAX_CELLS = env_int("TUOPIN_XLSX_MAX_CELLS", 20_000_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TUOPIN_LOG_LEVEL", "WARNING")},
}
