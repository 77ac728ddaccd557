"""How personal data is shown masked: one rule per kind, used by pages, the API, exports and
reports alike."""

from __future__ import annotations

import logging
import re


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


def mask_id_number(number: str) -> str:
    """220283********1234: the area code and the last four characters. Other documents
    (passports) keep their first and last two characters."""
    if len(number) == 18:
        return f"{number[:6]}********{number[-4:]}"
    if len(number) > 4:
        return f"{number[:2]}{'*' * (len(number) - 4)}{number[-2:]}"
    return "*" * len(number)


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    """Mask every resident ID number and mobile number that appears in free text."""
    text = _ID_IN_TEXT.sub(r"\1********\2", text)
    return _MOBILE_IN_TEXT.sub(r"\1****\2", text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks ID numbers and mobiles in every record's message, so that
    no log line carries them in clear whatever a caller passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logged as it is
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
