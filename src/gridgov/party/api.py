"""Party building in the JSON API (/api/v1/party/…)."""

from ninja import Router

router = Router(tags=["party"])
