"""Sending SMS through a pluggable backend (设置 GRIDGOV_SMS_BACKEND).

The default writes the message to the log, which is what an isolated intranet without a
gateway can do; a real gateway is a class with ``send(phone, text)`` named by the setting.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("gridgov.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogBackend:
    """Logs every message (the code can be read by the operator from the server log)."""

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)


class MemoryBackend:
    """Keeps messages in memory: for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def send_sms(phone: str, text: str) -> None:
    _backend(getattr(settings, "GRIDGOV_SMS_BACKEND", "gridgov.core.sms.LogBackend")).send(
        phone, text
    )
