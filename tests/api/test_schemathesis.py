"""Property-based tests of the whole API from its own OpenAPI document (schemathesis): no
request may cause a server error, and every response must match the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from gridgov.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Revoking the token would end the run's authentication; logging in is covered elsewhere.
schema = schema.exclude(path="/api/v1/auth/token")

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    """A county operator's token; and, as Django's own test client does, the WSGI requests
    must not close the test's database connection at their end."""
    from django.core import signals
    from django.db import close_old_connections

    from gridgov.testing import bearer

    cache.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield bearer("county_op")["HTTP_AUTHORIZATION"]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_never_errors_and_keeps_its_schema(case, token):
    response = case.call(headers={"Authorization": token})
    case.validate_response(
        response,
        checks=(
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
        ),
    )
