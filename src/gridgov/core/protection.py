"""Personal data at rest (registers, case reporters): field encryption with rotatable keys,
and keyed hashes for exact lookup.

- ``GRIDGOV_FIELD_KEYS``: Fernet keys (URL-safe base64 of 32 bytes), newest first, comma
  separated. New values are encrypted with the first; every key decrypts, so a new key can be
  put in front and ``gridgov rotate-field-keys`` re-encrypts the old rows before the old key is
  dropped. Without the setting (demo, tests) a key is derived from ``SECRET_KEY``.
- ``GRIDGOV_LOOKUP_KEY``: the HMAC key of the lookup hashes (ID number, phone). It cannot be
  rotated without the clear values, which ``rotate-field-keys --rehash`` recovers by decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"gridgov.{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    del secret  # part of the cache key only: a derived key follows SECRET_KEY
    if not keys:
        keys = (base64.urlsafe_b64encode(_derived("field-key")).decode(),)
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "GRIDGOV_FIELD_KEYS must be Fernet keys (URL-safe base64 of 32 bytes), comma separated"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.GRIDGOV_FIELD_KEYS), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    """The ciphertext of ``value`` ("" stays "")."""
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a protected field cannot be decrypted with GRIDGOV_FIELD_KEYS (a key was dropped "
            "before `gridgov rotate-field-keys` ran)"
        ) from exc


def rotate(token: str) -> str:
    """The same value encrypted with the newest key."""
    return fernet().rotate(token.encode()).decode() if token else ""


def lookup_key() -> bytes:
    configured: str = settings.GRIDGOV_LOOKUP_KEY
    return configured.encode() if configured else _derived("lookup-key")


def lookup_hash(value: str, kind: str) -> str:
    """HMAC-SHA256 of a normalised value, for exact search and duplicate checks ("" stays "")."""
    if not value:
        return ""
    return hmac.new(lookup_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()
