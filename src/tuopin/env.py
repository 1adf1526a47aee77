"""Tiny typed helpers for reading settings from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """The directory that holds the embedded database, keys and files (TUOPIN_DATA_DIR, default ./var), readable by
    its owner only: the directory 0700, and, by the process's umask, every file Tuopin creates 0600 and every
    directory 0700 (the database and its WAL, uploads, snapshots, exports), since they hold personal data."""
    os.umask(0o077)
    path = Path(env_str("TUOPIN_DATA_DIR", "var")).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)  # made by an earlier version, or by hand
    return path


def secret_from_file(path: Path, nbytes: int = 48) -> str:
    """Read a secret kept in the data dir, creating it (mode 0600) the first time.

    Only the embedded default uses this; a production deployment passes secrets in the environment.
    """
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()
