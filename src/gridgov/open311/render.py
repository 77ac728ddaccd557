"""One renderer for both formats: the same Python data becomes JSON or XML.

The XML follows the GeoReport v2 element names; the JSON is its Spark-convention mapping
(a container of one repeated child is an array). Text is cleaned once, before either format
is written, so the two always carry the same values: characters XML 1.0 cannot hold are
dropped, line ends become ``\\n`` (an XML parser would normalise them anyway) and empty
strings become null (an empty element).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# A container element and the name of each element it repeats.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(text: str) -> str | None:
    """The text as both formats can carry it; ``None`` when nothing is left."""
    text = _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text or None


def clean(value: Any) -> Any:
    """Clean every string in a document (see :func:`clean_text`)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {str(key): clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean(item) for item in value]
    return value


def to_json(data: Any) -> bytes:
    return json.dumps(clean(data), ensure_ascii=False, allow_nan=False).encode("utf-8")


def to_xml(root: str, data: Any) -> bytes:
    """``data`` under an element named ``root``; lists repeat the name in ``ITEM_NAMES``."""
    element = ET.Element(root)
    _fill(element, root, clean(data))
    body = ET.tostring(element, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def render(fmt: str, root: str, data: Any) -> bytes:
    return to_json(data) if fmt == "json" else to_xml(root, data)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_name = ITEM_NAMES[name]
        for item in value:
            _fill(ET.SubElement(element, item_name), item_name, item)
    elif value is not None:
        element.text = _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
