"""Errors of mediation beyond bad input (``ValidationError``), 404 and 403."""

from __future__ import annotations


class MediationConflict(Exception):
    """The record is not in a state that allows the change (→ 409)."""

    code = "conflict"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
