"""Errors of the registers beyond bad input (``ValidationError``), 404 (``Http404``) and 403
(``PermissionDenied``)."""

from __future__ import annotations


class RegistryConflict(Exception):
    """The record changed meanwhile, or is not in a state that allows the change (→ 409)."""

    code = "conflict"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
