"""Encryption and keyed hashing of personal identifiers.

One master key (``DOORSTEP_ENCRYPTION_KEY``, 32 bytes, urlsafe base64) yields three subkeys: an
AES-256-GCM key for the stored ciphertext, a BLAKE2b key for the lookup hash that lets us find a
resident by exact ID number without decrypting the table, and a BLAKE2b key for the hash of the
ID's last four characters (search by tail), so that no part of the tail is stored in plain text.
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
def _keys(master_b64: str) -> tuple[AESGCM, bytes, bytes]:
    try:
        master = base64.urlsafe_b64decode(master_b64.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("DOORSTEP_ENCRYPTION_KEY is not valid base64.") from exc
    if len(master) != 32:
        raise ImproperlyConfigured("DOORSTEP_ENCRYPTION_KEY must decode to 32 bytes.")
    enc = hashlib.blake2b(master, person=b"doorstep-enc", digest_size=32).digest()
    mac = hashlib.blake2b(master, person=b"doorstep-mac", digest_size=32).digest()
    tail = hashlib.blake2b(master, person=b"doorstep-tail", digest_size=32).digest()
    return AESGCM(enc), mac, tail


def validate_key(key: str) -> None:
    """Raise ``ImproperlyConfigured`` unless ``key`` is a usable master key (the system check
    ``core.E001`` calls this at start)."""
    if not key:
        raise ImproperlyConfigured(
            "DOORSTEP_ENCRYPTION_KEY is not set; `make demo` writes one to .env, production "
            "sets it in the environment."
        )
    _keys(key)


def _current() -> tuple[AESGCM, bytes, bytes]:
    key = settings.DOORSTEP_ENCRYPTION_KEY
    validate_key(key)
    return _keys(key)


def encrypt(plain: str) -> str:
    aead = _current()[0]
    nonce = os.urandom(12)
    token = _VERSION + nonce + aead.encrypt(nonce, plain.encode(), None)
    return base64.b64encode(token).decode()


def decrypt(token: str) -> str:
    aead = _current()[0]
    raw = base64.b64decode(token)
    return aead.decrypt(raw[1:13], raw[13:], None).decode()


def keyed_hash(plain: str) -> str:
    mac = _current()[1]
    return hashlib.blake2b(plain.encode(), key=mac, digest_size=20).hexdigest()


def tail_hash(tail: str) -> str:
    """Keyed hash of an ID number's last four characters (``X`` upper case), for search by
    tail. Its own subkey: a tail hash can never be compared with a full-number hash."""
    key = _current()[2]
    return hashlib.blake2b(tail.upper().encode(), key=key, digest_size=20).hexdigest()


def encrypter():
    """Return fast (encrypt, keyed_hash) callables for bulk work (import of a million rows)."""
    aead, mac, _tail = _current()
    urandom, b64 = os.urandom, base64.b64encode
    blake = hashlib.blake2b

    def enc(plain: str) -> str:
        nonce = urandom(12)
        return b64(_VERSION + nonce + aead.encrypt(nonce, plain.encode(), None)).decode()

    def digest(plain: str) -> str:
        return blake(plain.encode(), key=mac, digest_size=20).hexdigest()

    return enc, digest


def encrypt_bytes(plain: bytes) -> bytes:
    """Encrypt a file's content (an uploaded register waiting for its import)."""
    aead = _current()[0]
    nonce = os.urandom(12)
    return _VERSION + nonce + aead.encrypt(nonce, plain, None)


def decrypt_bytes(token: bytes) -> bytes:
    aead = _current()[0]
    return aead.decrypt(token[1:13], token[13:], None)
