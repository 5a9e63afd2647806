"""Typed errors: a stable code for programs, a message in Thai and English for people.

Every error a client can see is a ``ServiceError``. Handlers map it once to an HTTP answer::

    {"error": {"code": "form.invalid", "message": {"th": "...", "en": "..."}, "details": [...]}}

At most ``MAX_LISTED_DETAILS`` field errors are listed; ``details_omitted`` counts the rest, so a
hostile request with thousands of bad fields still gets a small answer.

Logs get the detail; clients never get stack traces or internal names (STYLE rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Field errors listed in one answer; enough to fix a whole form, small enough to always send.
MAX_LISTED_DETAILS = 50

__all__ = [
    "MAX_LISTED_DETAILS",
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "ServiceError",
    "Unauthorized",
    "UnsupportedMediaType",
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
    #: Field errors found but not listed (beyond ``MAX_LISTED_DETAILS``).
    details_omitted: int = 0

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.en}")
        if len(self.details) > MAX_LISTED_DETAILS:
            self.details_omitted += len(self.details) - MAX_LISTED_DETAILS
            self.details = self.details[:MAX_LISTED_DETAILS]

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of the HTTP answer."""
        body: dict[str, Any] = {"code": self.code, "message": {"th": self.th, "en": self.en}}
        if self.details:
            body["details"] = [d.as_dict() for d in self.details]
        if self.details_omitted:
            body["details_omitted"] = self.details_omitted
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


@dataclass(kw_only=True)
class PayloadTooLarge(ServiceError):
    """The request body is larger than any operation reads (413)."""

    status: int = 413


@dataclass(kw_only=True)
class UnsupportedMediaType(ServiceError):
    """The request body is not of a kind the operation reads: text for JSON, a form, not a PDF (415)."""

    status: int = 415


class TransientError(Exception):
    """A failure worth retrying (throttling, a busy service): the saga retries it with backoff."""


__all__ += ["TransientError"]


class TokenGone(Exception):
    """The saga no longer waits on this task token (its execution ended, or the token was used)."""


__all__ += ["TokenGone"]
