"""Django settings, read from the environment only (see README.md, "Configuration")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.env import env_bool, env_int, env_list, env_path, env_str, secret_key

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("KARTOTEKA_DATA_DIR", Path.cwd() / "data")
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = secret_key(DATA_DIR)
SITE_URL = env_str("KARTOTEKA_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")
BEHIND_TLS = urlsplit(SITE_URL).scheme == "https"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks_db",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kartoteka.core",
    "kartoteka.people",
    "kartoteka.customers",
    "kartoteka.cases",
    "kartoteka.mail",
    "kartoteka.documents",
    "kartoteka.activities",
    "kartoteka.notifications",
    "kartoteka.workflows",
    "kartoteka.kb",
    "kartoteka.desk",
    "kartoteka.api",
    "kartoteka.portal",
    "kartoteka.webforms",
    "kartoteka.search",
    "kartoteka.imports",
    "kartoteka.demo",
    "kartoteka.server",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kartoteka.people.middleware.UserPreferencesMiddleware",
    "kartoteka.people.middleware.TwoFactorSetupMiddleware",
    "kartoteka.core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees a locked-out sign-in and answers with kartoteka's own message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kartoteka.urls"
WSGI_APPLICATION = "kartoteka.wsgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: the embedded SQLite file in the data dir unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kartoteka.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with Kartoteka's SQL functions (kartoteka.core.text_search).
    DATABASES["default"]["ENGINE"] = "kartoteka.core.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so concurrent writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Automatic mail (notifications, acknowledgements): at most this many to one recipient per
# window, counted over all cases and within one case (see kartoteka.mail.sending.loop_guard).
MAIL_AUTO_LIMIT_10_MINUTES = env_int("KARTOTEKA_MAIL_AUTO_LIMIT_10_MINUTES", 10)
MAIL_AUTO_LIMIT_HOUR = env_int("KARTOTEKA_MAIL_AUTO_LIMIT_HOUR", 25)
MAIL_AUTO_LIMIT_10_MINUTES_PER_CASE = env_int("KARTOTEKA_MAIL_AUTO_LIMIT_10_MINUTES_PER_CASE", 10)
MAIL_AUTO_LIMIT_HOUR_PER_CASE = env_int("KARTOTEKA_MAIL_AUTO_LIMIT_HOUR_PER_CASE", 25)
# Automatic mail to an address a permanent bounce reported pauses this many days (or until
# a user clears the mark on the contact).
MAIL_UNDELIVERABLE_PAUSE_DAYS = env_int("KARTOTEKA_MAIL_UNDELIVERABLE_PAUSE_DAYS", 60)

# Sign-in throttling (django-axes, see README "Signing in"): this many failed sign-ins for one
# user name, or from one client address, lock it for the cool-off period; a successful
# sign-in clears the count, an administrator can unlock earlier. The client address is
# REMOTE_ADDR unless KARTOTEKA_TRUSTED_PROXIES says how many reverse proxies of ours append
# to X-Forwarded-For (kartoteka.people.throttling.client_address).
AUTHENTICATION_BACKENDS = [
    "kartoteka.people.backends.LockedSignInBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("KARTOTEKA_SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KARTOTEKA_SIGN_IN_LOCK_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False  # kartoteka.people.throttling.failures_clear instead
AXES_DISABLE_ACCESS_LOG = True
# A refused try during a lock is not recorded: the lock ends a fixed time after the last
# counted failure, and a hammering client does not grow the failure record.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_CLIENT_IP_CALLABLE = "kartoteka.people.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "kartoteka.people.throttling.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
TRUSTED_PROXIES = env_int("KARTOTEKA_TRUSTED_PROXIES", 0)
# Two-factor sign-in (django-otp): the name authenticator apps show next to the code.
OTP_TOTP_ISSUER = "Kartoteka"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: every user picks one; the installation's default comes from LANGUAGE_CODE.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "pl")
LANGUAGES = [("pl", _("Polish")), ("cs", _("Czech")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# The blank choice of a list's filter means "any value": one wording, translated (django-filter
# shows "---------" otherwise).
FILTERS_EMPTY_CHOICE_LABEL = pgettext_lazy("any value of a filter", "All")
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Warsaw")
PHONE_REGION = env_str("KARTOTEKA_PHONE_REGION", "PL")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"
# The largest file a document may hold, in megabytes (kartoteka.documents.services).
DOCUMENT_MAX_MB = env_int("KARTOTEKA_DOCUMENT_MAX_MB", 25)
# The largest file an import of customers may upload, in megabytes (kartoteka.imports).
IMPORT_MAX_MB = env_int("KARTOTEKA_IMPORT_MAX_MB", 50)
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Security. Cookies are marked secure and HSTS is sent only behind TLS (KARTOTEKA_URL
# starting with https), so a laptop start on http://127.0.0.1 still lets users log in.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BEHIND_TLS
CSRF_COOKIE_SECURE = BEHIND_TLS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if BEHIND_TLS and not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kartoteka.people.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kartoteka.core.rest.IsStaffMember"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kartoteka API",
    "DESCRIPTION": "Accounts, contacts and everything a customer file holds.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps every endpoint and field: for staff, like the API it describes.
    "SERVE_PERMISSIONS": ["kartoteka.core.rest.IsStaffMember"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MailSecurityEnum": "kartoteka.mail.models.Mailbox.Security",
        "WebFormFieldUseEnum": "kartoteka.webforms.models.WebForm.FieldUse",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Each periodic job would log two lines a minute; failures are still logged.
        "django.tasks": {"level": "WARNING"},
        # django-axes logs every failed sign-in at INFO; the lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}
