"""CCHC settings. Every value comes from an environment variable; see README "Configuration"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cchc.env import database_from_env, env_bool, env_int, env_list, env_str, redis_url_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_INSECURE_DEV_KEY = "django-insecure-dev-only-key-never-use-in-production-cchc"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DEBUG off) refuses to start without a real secret key; "
            "set SECRET_KEY to a long random value, or DEBUG=1 for local development."
        )
    SECRET_KEY = _INSECURE_DEV_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "scoring",
    "appraisal",
    "evidence",
    "cchc.apps.AxesConfig",  # login throttling (issue 10): django-axes, named in Vietnamese
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: compressed ahead of time, never by the next one
    "cchc.middleware.CompressedTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cchc.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cchc.middleware.DatabaseUnavailableMiddleware",  # a lost database connection: 503, no traceback
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cchc.middleware.ActionLandingMiddleware",  # a GET of a POST-only action: to its page; a 405 readable
    "cchc.middleware.PasswordChangeRequiredMiddleware",  # a password set by an administrator: changed first
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the Vietnamese lockout page
]

ROOT_URLCONF = "cchc.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cchc.context_processors.page_address",
            ],
        },
    },
]

WSGI_APPLICATION = "cchc.wsgi.application"
ASGI_APPLICATION = "cchc.asgi.application"

DATABASES = {"default": database_from_env("DATABASE_URL", sqlite_path=str(BASE_DIR / "db.sqlite3"))}
# PostgreSQL: the hot reads and writes (scoring/compiled.py) are prepared once per connection. Set to 0 behind a
# pooler that hands a session's statements to other clients (PgBouncer in transaction mode).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: 5 failed attempts for one username from one address → locked for 15 minutes; and
# LOGIN_ADDRESS_FAILURE_LIMIT failed attempts from one address, whatever the usernames (one password tried on many
# accounts), lock every sign-in from that address for the same cool-off. High, as the officials of one office often
# share one address; 0 turns that second limit off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cchc.auth.ModelBackend",  # Django's, reading the signed-in user by a query compiled once per process
]
SESSION_ENGINE = "cchc.auth"  # Django's database sessions, read the same way
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
if LOGIN_ADDRESS_FAILURE_LIMIT < 0:
    raise ImproperlyConfigured(
        f"LOGIN_ADDRESS_FAILURE_LIMIT={LOGIN_ADDRESS_FAILURE_LIMIT} is negative: give the number of failed sign-ins "
        "from one address that locks it (0: no limit per address)."
    )
AXES_HANDLER = "cchc.login_lockout.LoginLockoutHandler"  # axes' own, with the limit per address
AXES_LOCKOUT_CALLABLE = "cchc.login_lockout.lockout_response"  # the Vietnamese page: which lock, how long
# Behind reverse proxies, PROXY_COUNT of them: the client's address is the one the outermost proxy
# appended to X-Forwarded-For (what a client writes there itself is ignored); without one, the peer address.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"PROXY_COUNT={PROXY_COUNT} is negative: give the number of reverse proxies (0: none).")
AXES_CLIENT_IP_CALLABLE = "cchc.client_address.client_address"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
FORMAT_MODULE_PATH = ["cchc.formats"]  # typed dates day before month in both languages (cchc/formats)
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media-not-served/"  # evidence is never served directly: every download passes a permission check
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
# Files one request may carry (Django's default, stated here): a larger choice is refused whole, before any file
# is kept; the evidence pages' script sends more than this in batches under it (static/js/evidence.js).
DATA_UPLOAD_MAX_NUMBER_FILES = 100

# E-mail: console by default (nothing leaves the machine until configured).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cchc@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people open the links of notification e-mails at: in production, unless set, the first allowed
# host over HTTPS (a link to 127.0.0.1 in an e-mail leads nowhere).
SITE_URL = env_str("SITE_URL") or (
    "http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS or ALLOWED_HOSTS[0] in ("*", "")
    else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
)
# The province whose People's Committee publishes the results (the heading of the PDF report).
CCHC_PROVINCE_NAME = env_str("CCHC_PROVINCE_NAME") or "Tiền Giang"

# Celery: Redis when REDIS_URL is set; otherwise tasks run eagerly in-process (embedded default).
REDIS_URL = redis_url_from_env("REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "cchc")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Recompute every result that is older than its assessment (a lost or failed task heals here).
    "reconcile-stale-results": {
        "task": "appraisal.tasks.reconcile_stale_results_task",
        "schedule": crontab(minute="*/10"),
    },
    # E-mail units whose explanation or self-assessment deadline is within two days (once per deadline).
    "deadline-reminders": {
        "task": "appraisal.tasks.send_deadline_reminders_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Imports and exports whose worker died (or whose message was lost) are marked failed.
    "worker-jobs-sweep": {
        "task": "scoring.tasks.worker_jobs_sweep_task",
        "schedule": crontab(minute="*/15"),
    },
    # Remove export files (xlsx, PDF, evidence packs) past their retention, and half-written leftovers.
    "export-files-sweep": {
        "task": "scoring.publication.tasks.export_files_sweep_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
# Minutes after which an import or export still not finished is given up as failed (its worker died).
WORKER_JOB_TIMEOUT_MINUTES = env_int("WORKER_JOB_TIMEOUT_MINUTES", 60)
# Days an export file is kept on disk after it is built; a later request builds it again.
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "scoring.authentication.ApiTokenAuthentication",  # first, so anonymous callers get 401 + WWW-Authenticate
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, whoever asks: a browser's Accept would otherwise get DRF's browsable page (English, outside the
    # one error format) instead of the API's answer; the documentation is the schema's pages (/api/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [  # DRF's, with a JSON parser that refuses too deep a body as malformed
        "cchc.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "cchc.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["cchc.api.AnonThrottle", "cchc.api.UserThrottle"],
    # The client an anonymous rate counts is the one the login lockout sees: the address PROXY_COUNT proxies
    # vouch for (none: the connection's), never an X-Forwarded-For a client writes itself.
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "1200/min"),
    },
    "EXCEPTION_HANDLER": "cchc.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CCHC API",
    "DESCRIPTION": (
        "API của hệ thống Chỉ số cải cách hành chính (đơn vị, bộ chỉ số, kỳ đánh giá, tự chấm, thẩm định, kết quả)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a «status»: each its own enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "IndicatorSetStatusEnum": "scoring.models.IndicatorSet.Status",
        "ExtensionRequestStatusEnum": "scoring.models.ExtensionRequest.Status",
        "ExportJobStatusEnum": "scoring.models.ExportJob.Status",
        "UserImportStatusEnum": "scoring.models.UserImport.Status",
        "SurveyImportStatusEnum": "appraisal.models.SurveyImport.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "cchc.api.document_common_errors",
    ],
}

# Security. Production (DEBUG off) gets HTTPS-only cookies and HSTS; CSRF is always on.
# A request counts as HTTPS by its X-Forwarded-Proto only behind a declared proxy (PROXY_COUNT ≥ 1), which must set
# the header itself (replacing any a client sent). Without one the header is the client's own: trusting it would
# let a plain HTTP request pass as HTTPS (no redirect to HTTPS, an HSTS header over HTTP).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PROXY_COUNT > 0 else None
CSRF_FAILURE_VIEW = "cchc.api.csrf_failure"  # in the user's language, not Django's English page
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy: no inline script or style anywhere; page code lives in static/js as ES modules.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
X_FRAME_OPTIONS = "DENY"  # an inline-preview view may relax this for itself (xframe_options_sameorigin)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
