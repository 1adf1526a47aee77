"""The short test override: a fast password hasher and a throwaway data dir."""

import os
import tempfile

os.environ.setdefault("TUOPIN_DATA_DIR", tempfile.mkdtemp(prefix="tuopin-test-"))

from tuopin.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
