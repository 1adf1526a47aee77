"""The short test override: a fast password hasher and a throwaway data dir."""

import os
import tempfile

# One data dir per test process: pytest-xdist's workers inherit the controller's environment, and two workers
# writing the same snapshot or feed files would race.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker or "TUOPIN_DATA_DIR" not in os.environ:
    os.environ["TUOPIN_DATA_DIR"] = tempfile.mkdtemp(prefix=f"tuopin-test-{_worker or 'main'}-")

from tuopin.settings import *  # noqa: E402, F403 - after the data dir is chosen

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
# Other apps' tests do not pay for the dashboards' refresh after each assessment or import; the dashboards' own
# tests turn it on where they test it.
TUOPIN_FIGURES_REFRESH = False
