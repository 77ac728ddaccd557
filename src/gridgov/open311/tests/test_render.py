"""The renderer: whatever the text, the XML is well-formed and says what the JSON says."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from gridgov.open311.render import clean_text, to_json, to_xml
from gridgov.open311.tests.conftest import xml_data

texts = st.one_of(st.none(), st.text(), st.text(alphabet="\r\n\t <>&\"']]>\x00\x0b\ufffe好"))
coordinates = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
requests = st.lists(
    st.fixed_dictionaries(
        {
            "service_request_id": st.text(min_size=1),
            "description": texts,
            "status_notes": texts,
            "lat": coordinates,
            "long": coordinates,
        }
    ),
    max_size=4,
)
services = st.lists(
    st.fixed_dictionaries({"service_code": st.text(), "metadata": st.booleans()}), max_size=3
)


@given(requests)
def test_requests_render_alike(documents):
    assert xml_data(to_xml("service_requests", documents)) == json.loads(to_json(documents))


@given(services)
def test_services_render_alike(documents):
    assert xml_data(to_xml("services", documents)) == json.loads(to_json(documents))


@given(st.text())
def test_clean_text_leaves_what_xml_can_hold(text):
    cleaned = clean_text(text)
    assert cleaned is None or ("\r" not in cleaned and "\x00" not in cleaned)
    assert (cleaned or "") == (clean_text(cleaned or "") or "")


def test_nested_lists_and_values():
    document = {
        "service_code": "CG-001",
        "attributes": [
            {
                "code": "urgency",
                "required": False,
                "order": 1,
                "values": [{"key": "normal", "name": "一般"}],
            }
        ],
    }
    xml = to_xml("service_definition", document)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<service_definition>')
    assert b"<values><value><key>normal</key><name>\xe4\xb8\x80\xe8\x88\xac</name>" in xml
    assert xml_data(xml) == json.loads(to_json(document))
    assert to_xml("errors", []) == b'<?xml version="1.0" encoding="UTF-8"?>\n<errors />'
    assert json.loads(to_json({"a": ""})) == {"a": None}  # empty text is null in both
    assert math.isclose(json.loads(to_json({"lat": 44.1234567}))["lat"], 44.1234567)
