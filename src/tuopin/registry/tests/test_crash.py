"""SECURITY.md E4 / G1: an import killed with SIGKILL part-way leaves none of its rows or all of them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TUOPIN_DATA_DIR"] = str(data_dir)
    return env


def _tuopin(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuopin.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _write_locked(database: Path) -> bool:
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def test_a_killed_import_leaves_zero_or_all_rows(tmp_path: Path) -> None:
    assert _tuopin(tmp_path, "init").returncode == 0
    workbook = tmp_path / "big.xlsx"
    generated = _tuopin(
        tmp_path,
        "bench",
        "registry",
        "--step",
        "generate",
        "--workbook",
        str(workbook),
        "--households",
        "1500",
    )
    assert generated.returncode == 0, generated.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "tuopin.cli", "import", "registry", str(workbook)],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    database = tmp_path / "tuopin.sqlite3"
    deadline = time.monotonic() + 120
    # Kill it while its write transaction is open: then another writer cannot take the lock.
    while time.monotonic() < deadline and process.poll() is None and not _write_locked(database):
        time.sleep(0.01)
    time.sleep(0.05)
    assert process.poll() is None, "the import finished before it could be killed; give it more rows"
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(database) as db:
        households = db.execute("SELECT COUNT(*) FROM registry_household").fetchone()[0]
        members = db.execute("SELECT COUNT(*) FROM registry_member").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    assert integrity == "ok"
    # Killed inside its transaction nothing of it remains; a kill that lands just after the commit leaves all of it.
    # Never a part (the promise), whichever way the race with the signal goes on a fast machine.
    assert (households, members) in {(0, 0), (1500, 4285)}
    rerun = _tuopin(tmp_path, "import", "registry", str(workbook), "--json")
    assert rerun.returncode == 0, rerun.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM registry_household").fetchone()[0] == 1500
