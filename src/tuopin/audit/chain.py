"""The hash of an audit row: pure functions over its recorded fields."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from tuopin.core.idmask import mask_id_text

GENESIS = "0" * 64


def mask_id_numbers(value: Any) -> Any:
    """Mask anything shaped like an 18-character ID number, wherever it sits in the details."""
    if isinstance(value, str):
        return mask_id_text(value)
    if isinstance(value, dict):
        return {key: mask_id_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_id_numbers(item) for item in value]
    return value


def row_hash(*, prev_hash: str, seq: int, at: datetime, fields: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), fields],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
