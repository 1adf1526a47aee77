"""Field encryption and blind indexes (SECURITY.md B4)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tuopin.core.crypto import (
    INDEX_KEY_SQL,
    CryptoError,
    blind_index,
    decrypt,
    encrypt,
    index_key,
    index_keys,
    key_id_of,
    load_keyring,
    reencrypt,
    reset_keyring_cache,
    rotate_keyring,
)


@pytest.fixture(autouse=True)
def keys_dir(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("TUOPIN_DATA_KEYS", raising=False)
    settings.DATA_DIR = tmp_path
    reset_keyring_cache()
    yield tmp_path
    reset_keyring_cache()


def test_it_round_trips_and_never_repeats_a_ciphertext() -> None:
    first, second = encrypt("13012619800101123X 王建国"), encrypt("13012619800101123X 王建国")
    assert first != second
    assert decrypt(first) == decrypt(second) == "13012619800101123X 王建国"
    assert "1301261980" not in first


def test_it_refuses_a_tampered_token() -> None:
    token = encrypt("secret")
    key, body = token.split(":")
    tampered = f"{key}:{body[:-4]}{'AAAA' if body[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(CryptoError, match="altered"):
        decrypt(tampered)


def test_it_refuses_an_unknown_key() -> None:
    with pytest.raises(CryptoError, match="unknown key"):
        decrypt("k99:AAAA")


def test_the_blind_index_is_stable_and_normalised() -> None:
    assert blind_index("13012619800101123x") == blind_index(" 13012619800101123X ")
    assert blind_index("13012619800101123X") != blind_index("130126198001011231")
    assert len(blind_index("x")) == 64


def test_rotation_keeps_old_tokens_readable_and_the_index(keys_dir: Path) -> None:
    old = encrypt("value")
    index = blind_index("value")
    new_key = rotate_keyring()
    assert new_key == "k2"
    assert decrypt(old) == "value"
    assert key_id_of(encrypt("value")) == "k2"
    moved = reencrypt(old)
    assert key_id_of(moved) == "k2" and decrypt(moved) == "value"
    assert blind_index("value") == index
    assert (keys_dir / "keys.json").stat().st_mode & 0o777 == 0o600


def test_keys_from_the_environment_are_not_rotated_here(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = json.loads(
        json.dumps({"current": "k1", "keys": {"k1": "A" * 43 + "="}, "index_key": "B" * 43 + "="})
    )
    monkeypatch.setenv("TUOPIN_DATA_KEYS", json.dumps(ring))
    reset_keyring_cache()
    assert load_keyring().current == "k1"
    assert decrypt(encrypt("x")) == "x"
    with pytest.raises(CryptoError, match="secret store"):
        rotate_keyring()


def test_the_index_key_is_the_same_in_python_arrow_and_duckdb() -> None:
    """The batch engines join feeds to members on the integer key: the snapshot computes it in Arrow, the feed
    importer in DuckDB's SQL, evidence lookups in Python; all three must agree, and refuse what is no index."""
    import duckdb
    import pyarrow as pa

    indexes = [blind_index(f"13012619700305{n:03d}X") for n in range(200)]
    values = [*indexes, None, "", "abc", "f" * 64, "0" * 64]
    expected = [index_key(v) if v else None for v in values]
    assert expected[-5:] == [None, None, None, 2**63 - 1, 0]
    assert (
        all(key is not None and 0 <= key < 2**63 for key in expected[:200])
        and len(set(expected[:200])) == 200
    )
    array = pa.array(values, pa.string())
    assert index_keys(array.slice(1)).to_pylist() == expected[1:]  # a slice: the offsets do not start at zero
    con = duckdb.connect()
    con.register("t", pa.table({"i": array}))
    assert [
        row[0] for row in con.sql(f"SELECT {INDEX_KEY_SQL.format(index='i')} FROM t").fetchall()
    ] == expected
