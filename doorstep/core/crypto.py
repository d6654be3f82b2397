"""Encryption and keyed hashing of personal identifiers.

One master key (``DOORSTEP_ENCRYPTION_KEY``, 32 bytes, urlsafe base64) yields two subkeys: an
AES-256-GCM key for the stored ciphertext, and a BLAKE2b key for the lookup hash that lets us
find a resident by exact ID number without decrypting the table.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = b"\x01"


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@cache
def _keys(master_b64: str) -> tuple[AESGCM, bytes]:
    try:
        master = base64.urlsafe_b64decode(master_b64.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("DOORSTEP_ENCRYPTION_KEY is not valid base64.") from exc
    if len(master) != 32:
        raise ImproperlyConfigured("DOORSTEP_ENCRYPTION_KEY must decode to 32 bytes.")
    enc = hashlib.blake2b(master, person=b"doorstep-enc", digest_size=32).digest()
    mac = hashlib.blake2b(master, person=b"doorstep-mac", digest_size=32).digest()
    return AESGCM(enc), mac


def _current() -> tuple[AESGCM, bytes]:
    key = settings.DOORSTEP_ENCRYPTION_KEY
    if not key:
        raise ImproperlyConfigured(
            "DOORSTEP_ENCRYPTION_KEY is not set; `make demo` writes one to .env, production "
            "sets it in the environment."
        )
    return _keys(key)


def encrypt(plain: str) -> str:
    aead, _ = _current()
    nonce = os.urandom(12)
    token = _VERSION + nonce + aead.encrypt(nonce, plain.encode(), None)
    return base64.b64encode(token).decode()


def decrypt(token: str) -> str:
    aead, _ = _current()
    raw = base64.b64decode(token)
    return aead.decrypt(raw[1:13], raw[13:], None).decode()


def keyed_hash(plain: str) -> str:
    _, mac = _current()
    return hashlib.blake2b(plain.encode(), key=mac, digest_size=20).hexdigest()


def encrypter():
    """Return fast (encrypt, keyed_hash) callables for bulk work (import of a million rows)."""
    aead, mac = _current()
    urandom, b64 = os.urandom, base64.b64encode
    blake = hashlib.blake2b

    def enc(plain: str) -> str:
        nonce = urandom(12)
        return b64(_VERSION + nonce + aead.encrypt(nonce, plain.encode(), None)).decode()

    def digest(plain: str) -> str:
        return blake(plain.encode(), key=mac, digest_size=20).hexdigest()

    return enc, digest
