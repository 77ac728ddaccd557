"""Errors of the case engine, each with a code the API maps to an HTTP status.

Bad input is Django's ``ValidationError`` with field-level Chinese messages (→ 400/422).
"""

from __future__ import annotations


class CaseError(Exception):
    code = "case_error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class CaseNotFound(CaseError):
    """No such case, or not in the caller's jurisdiction (→ 404; existence is not leaked)."""

    code = "not_found"


class CaseConflict(CaseError):
    """The case is not in a state that allows the action, or changed meanwhile (→ 409)."""

    code = "conflict"


class CaseForbidden(CaseError):
    """The caller may see the case but not take this action on it (→ 403)."""

    code = "forbidden"
