"""Personal fields encrypted at rest (AES-GCM) and blind indexes (HMAC-SHA256) for exact lookup (SECURITY.md B4).

The key ring comes from TUOPIN_DATA_KEYS (JSON) or from keys.json in the data dir, created on first use (mode 0600).
Shape: {"current": "k1", "keys": {"k1": "<base64 of 32 bytes>"}, "index_key": "<base64 of 32 bytes>"}.
Tokens name their key ("k1:<base64>"), so old tokens stay readable after a rotation; the index key never rotates
(every blind index would change).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class CryptoError(ValueError):
    pass


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]
    index_key: bytes


def _keys_file() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "keys.json"


def _decode(data: dict[str, object]) -> KeyRing:
    try:
        keys = {str(k): base64.b64decode(str(v)) for k, v in dict(data["keys"]).items()}  # type: ignore[call-overload]
        ring = KeyRing(str(data["current"]), keys, base64.b64decode(str(data["index_key"])))
    except (KeyError, TypeError, ValueError) as error:
        raise CryptoError(f"the key ring is malformed: {error}") from error
    if ring.current not in ring.keys or any(len(k) != 32 for k in (*ring.keys.values(), ring.index_key)):
        raise CryptoError("the key ring is malformed: unknown current key or a key that is not 32 bytes")
    return ring


def _encode(ring: KeyRing) -> str:
    return json.dumps(
        {
            "current": ring.current,
            "keys": {k: base64.b64encode(v).decode() for k, v in ring.keys.items()},
            "index_key": base64.b64encode(ring.index_key).decode(),
        },
        indent=2,
    )


def _write(path: Path, ring: KeyRing) -> None:
    temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(_encode(ring))
    os.replace(temporary, path)


@cache
def load_keyring() -> KeyRing:
    from_env = os.environ.get("TUOPIN_DATA_KEYS")
    if from_env:
        return _decode(json.loads(from_env))
    path = _keys_file()
    if not path.exists():
        ring = KeyRing("k1", {"k1": secrets.token_bytes(32)}, secrets.token_bytes(32))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_encode(ring))
    return _decode(json.loads(path.read_text()))


def reset_keyring_cache() -> None:
    load_keyring.cache_clear()


def rotate_keyring() -> str:
    """Add a new encryption key and make it current; returns its id. Old tokens stay readable."""
    if os.environ.get("TUOPIN_DATA_KEYS"):
        raise CryptoError("the keys come from TUOPIN_DATA_KEYS: rotate them in your secret store")
    ring = load_keyring()
    number = 1 + max(int(k[1:]) for k in ring.keys if k[1:].isdigit())
    new_id = f"k{number}"
    _write(_keys_file(), KeyRing(new_id, {**ring.keys, new_id: secrets.token_bytes(32)}, ring.index_key))
    reset_keyring_cache()
    return new_id


def encrypt(plaintext: str) -> str:
    ring = load_keyring()
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode(), ring.current.encode())
    return f"{ring.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str:
    return token.split(":", 1)[0]


def decrypt(token: str) -> str:
    key_id, _sep, body = token.partition(":")
    key = load_keyring().keys.get(key_id)
    if key is None:
        raise CryptoError(f"unknown key {key_id!r}: the key ring does not hold it")
    try:
        raw = base64.urlsafe_b64decode(body)
        return AESGCM(key).decrypt(raw[:12], raw[12:], key_id.encode()).decode()
    except (InvalidTag, ValueError) as error:
        raise CryptoError("the encrypted value was altered or is damaged") from error


def reencrypt(token: str) -> str:
    return token if key_id_of(token) == load_keyring().current else encrypt(decrypt(token))


def blind_index(value: str) -> str:
    normalised = value.strip().upper().encode()
    return hmac.new(load_keyring().index_key, normalised, hashlib.sha256).hexdigest()


# A blind index's integer form, for the batch engines: they group and join tens of millions of feed rows on it, and a
# 64-bit integer costs them a fraction of a 64-character string (hashing, comparing, reading from Parquet). It is
# the index's first 63 bits (the first 16 hex digits shifted right by one, so that it fits a signed BIGINT on every
# engine). Two of n people share a key with a probability of about n² / 2⁶⁴: 1 in 80,000 for a province of
# 15 million people. The same expression in DuckDB's SQL is INDEX_KEY_SQL.
INDEX_KEY_SQL = "CASE WHEN length({index}) = 64 THEN CAST(TRY_CAST('0x' || left({index}, 16) AS UBIGINT) >> 1 AS BIGINT) END"


def index_key(index: str) -> int | None:
    """The integer form of one blind index (None for an empty one)."""
    return int(index[:16], 16) >> 1 if len(index) == 64 else None


def index_keys(indexes: Any) -> Any:
    """index_key of every value of an Arrow string array, vectorised (the snapshot turns millions at a time);
    returns an Arrow int64 array, null where a value is null or not a blind index."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = pa.array(indexes).cast(pa.string())
    count = len(strings)
    valid = pc.and_(pc.is_valid(strings), pc.equal(pc.utf8_length(strings), 64)).fill_null(False)
    # The first 16 hex digits of each value (zeros for an invalid one), 16 bytes each in one buffer: turned into
    # 8 bytes each and read as big-endian numbers.
    heads = pc.if_else(valid, pc.utf8_slice_codeunits(strings, 0, 16), "0" * 16)
    first = int(np.frombuffer(heads.buffers()[1], np.int32)[heads.offset]) if count else 0
    digits = np.frombuffer(heads.buffers()[2] or b"", np.uint8)[first : first + 16 * count].reshape(count, 16)
    nibbles = _nibbles()[digits]
    packed = np.ascontiguousarray(nibbles[:, 0::2] << 4 | nibbles[:, 1::2], dtype=np.uint8)
    keys = (packed.view(">u8").ravel() >> np.uint64(1)).astype(np.int64)
    return pa.array(keys, pa.int64(), mask=~valid.to_numpy(zero_copy_only=False))


@cache
def _nibbles() -> Any:
    import numpy as np

    table = np.zeros(256, np.uint8)
    for value, char in enumerate("0123456789abcdef"):
        table[ord(char)] = table[ord(char.upper())] = value
    return table
