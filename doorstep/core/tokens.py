"""Secrets handed to another system (API keys, ledger feed links): made here, kept only as a
digest. A plain SHA-256 suffices: the secret is 256 random bits, so there is nothing to guess
that a slow hash would protect."""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
