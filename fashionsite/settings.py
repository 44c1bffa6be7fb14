"""One settings module; everything that differs between a laptop and production is an env var.

With no variables set, the app runs on an embedded Postgres (pgserver) and the broker chosen by
`manage.py runstack`. Secrets can also come from `<NAME>_FILE`.
"""

import os
from pathlib import Path

from fashionsite.queues import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(env("FASHIONSITE_VAR_DIR", str(BASE_DIR / "var")))
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "fashionsite",
    "accounts",
    "closet",
    "recommend",
    "shop",
    "tryon",
    "stylists",
    "wearlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fashionsite.urls"
WSGI_APPLICATION = "fashionsite.wsgi.application"
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
            ]
        },
    }
]

# Database: DATABASE_URL, or the embedded Postgres in $FASHIONSITE_VAR_DIR/pgdata.
# DATABASE_NAME overrides the database name in either case (the test worker uses it).
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if env("DATABASE_NAME"):
        DATABASES["default"]["NAME"] = env("DATABASE_NAME")
else:
    from fashionsite import embedded_pg

    DATABASES = {"default": embedded_pg.start(VAR_DIR / "pgdata", env("DATABASE_NAME", "fashionsite"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "closet:grid"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "fashionsite <noreply@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# Media is private: never served from a public folder, only through closet.views.media (owner check).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# Upload limits
MAX_UPLOAD_BYTES = int(env("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
MAX_IMAGE_PIXELS = int(env("MAX_IMAGE_PIXELS", str(40_000_000)))
DATA_UPLOAD_MAX_NUMBER_FILES = int(env("MAX_FILES_PER_REQUEST", "500"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Models
ML_WEIGHTS_DIR = Path(env("ML_WEIGHTS_DIR", str(BASE_DIR / "ml" / "weights")))
TORCH_DEVICE = env("TORCH_DEVICE", "cpu")
TORCH_NUM_THREADS = int(env("TORCH_NUM_THREADS", "1"))
CATEGORY_REVIEW_BELOW = float(env("CATEGORY_REVIEW_BELOW", "0.6"))
DUPLICATE_MAX_DISTANCE = float(env("DUPLICATE_MAX_DISTANCE", "0.09"))
# outfit photos: detections kept above this detector score; a closet garment within this cosine distance
# of a detected garment's crop is marked as the likely match (scripts/outfit_match_calibration.py)
OUTFIT_MIN_SCORE = float(env("OUTFIT_MIN_SCORE", "0.3"))
OUTFIT_MATCH_MAX_DISTANCE = float(env("OUTFIT_MATCH_MAX_DISTANCE", "0.2"))

# Celery
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or env("REDIS_URL") or "redis://127.0.0.1:6379/0"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))}
if CELERY_BROKER_URL.startswith("filesystem://"):
    from fashionsite.broker import filesystem_transport_options

    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_transport_options(VAR_DIR)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "closet.tasks.ingest_photo_task": {"queue": Queue.GPU.value},
    "recommend.tasks.suggest_task": {"queue": Queue.GPU.value},
    "closet.tasks.recut_task": {"queue": Queue.GPU.value},
    "recommend.tasks.embed_name_task": {"queue": Queue.GPU.value},
    "shop.tasks.import_chunk_task": {"queue": Queue.GPU.value},
    "tryon.tasks.preview_task": {"queue": Queue.GPU.value},
    "wearlog.tasks.detect_outfit_task": {"queue": Queue.GPU.value},
}  # model work goes to the gpu queue
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = int(env("CELERY_PREFETCH_MULTIPLIER", "1"))
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job whose worker vanished is retaken after this long (same-host dead workers are retaken at once).
JOB_LEASE_SECONDS = int(env("JOB_LEASE_SECONDS", "300"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "fashionsite.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "fashionsite API",
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    # one name per choice set that several fields share (else the schema gets hashed names)
    "ENUM_NAME_OVERRIDES": {
        "GarmentCategoryEnum": "closet.models.CATEGORY_CHOICES",
        "GarmentCategoryGroupEnum": "closet.models.GROUP_CHOICES",
        "ModelOrUserEnum": "closet.models.Garment.Source",
        "JobStatusEnum": "fashionsite.jobs.JobStatus",
        "SeasonEnum": "stylists.models.Look.Season",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}, "django.db.backends": {"level": "INFO"}},
}
DEMO_PASSWORD = env("DEMO_PASSWORD", "closet-demo-2026")
