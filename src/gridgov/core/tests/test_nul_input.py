"""A NUL character (which PostgreSQL cannot store or compare) in any input is refused or
replaced cleanly, never a server error: JSON API bodies and query strings, and pages (Open311:
see its test_post)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from gridgov.cases.models import Case
from gridgov.testing import api_error, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits_left():
    cache.clear()
    yield
    cache.clear()


def test_the_api_refuses_nul_in_a_body_field_by_name(client):
    response = client.post(
        "/api/v1/cases",
        {"title": "路灯\x00不亮", "description": "x", "item": "CG-\x00001"},
        content_type="application/json",
        **bearer("grid_worker"),
    )
    assert response.status_code == 400
    assert set(api_error(response)["fields"]) == {"title", "item"}
    assert not Case.objects.exists()


def test_a_body_that_is_not_json_gets_the_one_error_shape(client):
    response = client.post(
        "/api/v1/cases", "{not json", content_type="application/json", **bearer("grid_worker")
    )
    assert response.status_code == 400 and api_error(response)["code"] == "invalid_body"


def test_the_api_refuses_nul_in_a_query_parameter(client):
    for url in (
        "/api/v1/metrics/regions/220283/figures?board=J%00F",
        "/api/v1/cases?q=%00",
    ):
        response = client.get(url, **bearer("county_op"))
        assert response.status_code == 400, url
        assert api_error(response)["fields"], url


def test_pages_replace_nul_in_their_filters(client, people):
    client.force_login(people.county_op)
    assert client.get("/work/cases/?q=%E8%B7%AF%00").status_code == 200
    assert client.get("/work/metrics/220283/?board=J%00F&item=%00").status_code == 200
    assert client.get("/work/cases/export.csv?q=%00").status_code == 200


def test_the_middleware_replaces_nul_in_page_forms_but_not_on_the_refusing_surfaces(rf):
    from gridgov.core.middleware import ReplaceNulMiddleware

    seen = {}

    def view(request):
        seen["post"] = request.POST.get("note")
        seen["get"] = request.GET.get("q")
        from django.http import HttpResponse

        return HttpResponse()

    middleware = ReplaceNulMiddleware(view)
    middleware(rf.post("/screen/220283/command/?q=%E8%B7%AF%00", {"note": "请\x00尽快"}))
    assert seen == {"post": "请\ufffd尽快", "get": "路\ufffd"}
    middleware(rf.post("/open311/v2/requests.json?q=%00", {"note": "a\x00"}))
    assert seen == {"post": "a\x00", "get": "\x00"}
    middleware(rf.get("/work/cases/?q=ok"))
    assert seen["get"] == "ok"
