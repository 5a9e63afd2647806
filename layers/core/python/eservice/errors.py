"""Typed errors: a stable code for programs, a message in Thai and English for people.

Every error a client can see is a ``ServiceError``. Handlers map it once to an HTTP answer::

    {"error": {"code": "form.invalid", "message": {"th": "...", "en": "..."}, "details": [...]}}

Logs get the detail; clients never get stack traces or internal names (STYLE rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "ServiceError",
    "Unauthorized",
]


@dataclass(frozen=True, kw_only=True)
class FieldError:
    """One problem with one input field (Q3.6: per-field errors)."""

    field: str
    code: str
    th: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape clients read."""
        return {"field": self.field, "code": self.code, "message": {"th": self.th, "en": self.en}}


@dataclass(kw_only=True)
class ServiceError(Exception):
    """Base of every error a client may see."""

    code: str
    th: str
    en: str
    status: int = 400
    details: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.en}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of the HTTP answer."""
        body: dict[str, Any] = {"code": self.code, "message": {"th": self.th, "en": self.en}}
        if self.details:
            body["details"] = [d.as_dict() for d in self.details]
        return {"error": body}


@dataclass(kw_only=True)
class InvalidInput(ServiceError):
    """The request is malformed or fails validation (400)."""

    status: int = 400


@dataclass(kw_only=True)
class Unauthorized(ServiceError):
    """No valid sign-in (401)."""

    status: int = 401


@dataclass(kw_only=True)
class Forbidden(ServiceError):
    """Signed in, but not allowed to do this (403)."""

    status: int = 403


@dataclass(kw_only=True)
class NotFound(ServiceError):
    """No such thing, or not visible to the caller (404)."""

    status: int = 404


@dataclass(kw_only=True)
class Conflict(ServiceError):
    """The action does not fit the current state (409): a used task token, a wrong status."""

    status: int = 409


class TransientError(Exception):
    """A failure worth retrying (throttling, a busy service): the saga retries it with backoff."""


__all__ += ["TransientError"]


class TokenGone(Exception):
    """The saga no longer waits on this task token (its execution ended, or the token was used)."""


__all__ += ["TokenGone"]
