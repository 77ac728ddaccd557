"""JSON Schemas of the GeoReport v2 responses, written from the specification
(http://wiki.open311.org/GeoReport_v2 and its Service Discovery page).

Where the specification says a field "may not be returned" it is optional here; where it
gives a fixed set of values, the set is enforced. gridgov always returns some optional fields
(noted), which the tests check separately.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

# w3 note subset of ISO 8601, with the time zone required ("Z" or ±HH:MM).
DATETIME: Schema = {
    "type": "string",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
}
TEXT: Schema = {"type": ["string", "null"]}
NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
ID: Schema = {"type": ["string", "integer"]}

ERRORS: Schema = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}

DISCOVERY: Schema = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],  # "All fields are required"
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "format": "uri"},
                    "url": {"type": "string"},
                    "changeset": {"type": "string"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string"},
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

SERVICE: Schema = {
    "type": "object",
    "required": [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ],
    "properties": {
        "service_code": ID,
        "service_name": {"type": "string"},
        "description": TEXT,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": TEXT,
        "group": TEXT,
    },
    "additionalProperties": False,
}
SERVICES: Schema = {"type": "array", "items": SERVICE}

ATTRIBUTE_VALUE: Schema = {
    "type": "object",
    "required": ["key", "name"],
    "properties": {"key": ID, "name": {"type": "string"}},
    "additionalProperties": False,
}
ATTRIBUTE: Schema = {
    "type": "object",
    "required": [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
    ],
    "properties": {
        "variable": {"type": "boolean"},
        "code": ID,
        "datatype": {
            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
        },
        "required": {"type": "boolean"},
        "datatype_description": TEXT,
        "order": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "values": {"type": "array", "items": ATTRIBUTE_VALUE},
    },
    # A list datatype needs its values.
    "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
    "then": {"required": ["values"], "properties": {"values": {"minItems": 1}}},
    "additionalProperties": False,
}
SERVICE_DEFINITION: Schema = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": ID,
        "attributes": {"type": "array", "items": ATTRIBUTE},
    },
    "additionalProperties": False,
}

# POST: the specification wants service_request_id or token; gridgov (a realtime service)
# returns the id, and a token as well.
CREATED: Schema = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {
            "service_request_id": ID,
            "token": ID,
            "service_notice": TEXT,
            "account_id": {"type": ["string", "integer", "null"]},
        },
        "additionalProperties": False,
    },
}

TOKEN: Schema = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": ID, "token": ID},
        "additionalProperties": False,
    },
}

REQUEST: Schema = {
    "type": "object",
    "required": [
        "service_request_id",
        "status",
        "service_name",
        "service_code",
        "requested_datetime",
        "updated_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
    ],
    "properties": {
        "service_request_id": ID,
        "status": {"enum": ["open", "closed"]},
        "status_notes": TEXT,
        "service_name": {"type": "string"},
        "service_code": ID,
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": TEXT,
        "service_notice": TEXT,
        "requested_datetime": DATETIME,
        "updated_datetime": DATETIME,
        "expected_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
        "address": TEXT,
        "address_id": {"type": ["string", "integer", "null"]},
        "zipcode": {"type": ["string", "integer", "null"]},
        "lat": NUMBER_OR_NULL,
        "long": NUMBER_OR_NULL,
        "media_url": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
REQUESTS: Schema = {"type": "array", "maxItems": 1000, "items": REQUEST}
ONE_REQUEST: Schema = {"type": "array", "minItems": 1, "maxItems": 1, "items": REQUEST}
