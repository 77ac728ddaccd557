"""Request middleware of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

# surfaces that refuse a NUL with their own error (the API names the field, Open311 answers
# with its error document) instead of having it replaced
REFUSING = ("/api/", "/open311/")


MARK = "\ufffd"  # the Unicode replacement character: the value stays visibly not what it was


def _without_nul(data: QueryDict) -> QueryDict | None:
    """A copy of ``data`` with every NUL replaced by MARK, or None when it has none."""
    if not any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists()):
        return None
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(key.replace("\x00", MARK), [v.replace("\x00", MARK) for v in values])
    cleaned._mutable = False
    return cleaned


class ReplaceNulMiddleware:
    """Replace NUL characters in what pages read (query strings, form fields) with U+FFFD:
    PostgreSQL can neither store nor compare them, so a stray ``%00`` in a search box or a
    note would otherwise be a server error. Replacing rather than deleting keeps a malformed
    value malformed (an unknown period or code still gets its notice). The API and Open311
    refuse them instead (``gridgov.api.NulFreeParser``, ``open311.views.param``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(REFUSING):
            query = _without_nul(request.GET)
            if query is not None:
                request.GET = query  # type: ignore[assignment]  # an immutable QueryDict too
            if request.method == "POST":
                form = _without_nul(request.POST)
                if form is not None:
                    request.POST = form  # type: ignore[assignment]
        return self.get_response(request)
