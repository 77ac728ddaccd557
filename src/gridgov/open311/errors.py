"""The one error of the Open311 endpoint: an HTTP status and a description for the user."""

from __future__ import annotations


class Open311Error(Exception):
    """Answered as ``[{"code": status, "description": …}]`` (or ``<errors>`` in XML)."""

    def __init__(
        self, status: int, description: str, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.description = description
        self.headers = headers or {}
        super().__init__(description)

    def document(self) -> list[dict[str, object]]:
        return [{"code": self.status, "description": self.description}]
