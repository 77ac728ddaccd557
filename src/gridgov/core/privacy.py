"""How personal data is shown masked: one rule per kind, used by pages, the API, exports and
reports alike."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits, never the whole number (a short
    number keeps only its last four digits; fewer than four: none). Callers show an absent
    number as absent rather than masking it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 4:
        return f"****{digits[-4:]}"
    return "****"


def mask_name(name: str) -> str:
    """张** : the surname only."""
    return (name[0] + "*" * (len(name) - 1)) if name else ""
