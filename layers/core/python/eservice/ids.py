"""Identifiers: short, unambiguous, safe in URLs, S3 keys and Step Functions execution names."""

from __future__ import annotations

import secrets

__all__ = ["new_id"]

# Crockford's base32 without I, L, O, U: easy to read out over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str, length: int = 10) -> str:
    """A random id such as ``R-7K3M9QX2TD`` (50 bits of randomness at the default length)."""
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
