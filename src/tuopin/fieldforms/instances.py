"""Instance XML as ODK Collect sends it (meta/instanceID, the form's id and version on the root), built from a dict:
for the demo's submissions and the tests.

    instance_xml("visit", {"household": "H001", "visited_on": "2026-12-01", "purpose": "走访"})
"""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from tuopin.fieldforms.forms import FORMS


def new_instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def _fill(parent: Element, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):  # a repeat
            for item in value:
                _fill(SubElement(parent, name), item)
        elif isinstance(value, dict):  # a group
            _fill(SubElement(parent, name), value)
        else:
            SubElement(parent, name).text = (
                " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            )


def instance_xml(
    form_id: str, values: dict[str, Any], *, instance_id: str = "", version: str | None = None
) -> bytes:
    """The instance of `form_id` holding `values` (a list of dicts is a repeat, a list of strings a
    select_multiple), with the form's current version and meta/instanceID."""
    root = Element(
        "data",
        {
            "id": form_id,
            "version": FORMS[form_id].version if version is None else version,
            "xmlns:jr": "http://openrosa.org/javarosa",
            "xmlns:orx": "http://openrosa.org/xforms",
        },
    )
    _fill(root, values)
    meta = SubElement(root, "meta")
    SubElement(meta, "instanceID").text = instance_id or new_instance_id()
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="unicode").encode()
