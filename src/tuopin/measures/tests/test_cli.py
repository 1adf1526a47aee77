"""`tuopin measures` as a user runs it: a real process, its exit status, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def tuopin(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TUOPIN_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "tuopin.cli", "measures", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_measures_a_file_and_refuses_a_bad_one_with_nothing_on_stdout(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("id,a,b\n1,1,1\n2,1,0\n3,0,0\n4,0,1\n", encoding="utf-8")
    result = tuopin(tmp_path, "mpi", "--input", str(good), "--weights", "a=1,b=1", "--k", "0.5", "--json")
    assert result.returncode == 0, result.stderr
    # Everyone deprived in at least half is poor: H = 3/4, A = (1 + 1/2 + 1/2)/3 = 2/3, M0 = 1/2.
    assert json.loads(result.stdout)["M0"] == 0.5

    bad = tmp_path / "bad.csv"
    bad.write_text("id,income\n1,abc\n", encoding="utf-8")
    result = tuopin(tmp_path, "fgt", "--input", str(bad), "--line", "100", "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "row 2, column income ('abc'): not a number" in result.stderr


def test_the_registry_form_refuses_an_unknown_area_with_nothing_on_stdout(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TUOPIN_DATA_DIR"] = str(tmp_path)
    migrate = [sys.executable, "-m", "tuopin.cli", "migrate", "--verbosity", "0"]
    subprocess.run(migrate, env=env, check=True, timeout=300, capture_output=True)
    result = tuopin(tmp_path, "--year", "2020", "--area", "139999", "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "no area has the code '139999'" in result.stderr
    result = tuopin(tmp_path, "--year", "2020", "--json")  # an empty registry: nobody to measure
    assert result.returncode != 0 and result.stdout == ""
    assert "no household measured has members and an income record for 2020" in result.stderr
