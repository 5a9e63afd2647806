"""The local stand-in for Cognito's e-mail OTP sign-in (``USER_AUTH`` with ``EMAIL_OTP``), which moto lacks.

In AWS the citizen pool's sign-in policy allows password and e-mail OTP as first factors (Q2.2) and
Cognito itself sends the code; none of this module runs there. moto 5.2.5 refuses the ``USER_AUTH``
flow, so the local front answers these two calls here, the way Cognito does:

- ``InitiateAuth`` (``AuthFlow=USER_AUTH``, ``PREFERRED_CHALLENGE=EMAIL_OTP``) → an 8-digit code is
  e-mailed (it shows in ``/_local/mailbox``) and the ``EMAIL_OTP`` challenge is returned with a session;
- ``RespondToAuthChallenge`` (``ChallengeName=EMAIL_OTP``, ``EMAIL_OTP_CODE``) → the pool's tokens, issued
  by moto itself; three wrong codes end the session; a code is valid for 3 minutes.

Every other Cognito call goes to moto unchanged.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import boto3
from werkzeug.wrappers import Response

__all__ = ["EmailOtpSignIn"]

_TARGET = "AWSCognitoIdentityProviderService."
_CODE_LIFETIME_S = 180
_MAX_ATTEMPTS = 3


@dataclass
class _Pending:
    pool_id: str
    client_id: str
    username: str | None  # None: an unknown user, answered like a known one (no account enumeration)
    code: str
    expires: float
    attempts: int = 0


class EmailOtpSignIn:
    """Answers the two e-mail OTP calls of the Cognito API; returns None for every other call."""

    def __init__(self, *, region: str, account: str, sender: str) -> None:
        self._region = region
        self._account = account
        self._sender = sender
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    def __call__(self, target: str, body: dict[str, Any]) -> Response | None:
        if target == _TARGET + "InitiateAuth" and body.get("AuthFlow") == "USER_AUTH":
            return self._initiate(body)
        if target == _TARGET + "RespondToAuthChallenge" and body.get("ChallengeName") == "EMAIL_OTP":
            return self._respond(body)
        return None

    # ------------------------------------------------------------------------------------------
    def _backend(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends[self._account][self._region]

    def _pool_and_client(self, client_id: str) -> tuple[Any, Any] | None:
        for pool in self._backend().user_pools.values():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        return None

    def _initiate(self, body: dict[str, Any]) -> Response:
        parameters = body.get("AuthParameters") or {}
        found = self._pool_and_client(str(body.get("ClientId", "")))
        if found is None:
            return _error("ResourceNotFoundException", "User pool client does not exist.")
        pool, client = found
        if parameters.get("PREFERRED_CHALLENGE") != "EMAIL_OTP":
            return _error("InvalidParameterException", "Only EMAIL_OTP is offered locally for USER_AUTH.")
        allowed = (pool.extended_config.get("Policies") or {}).get("SignInPolicy", {}).get("AllowedFirstAuthFactors")
        if allowed is not None and "EMAIL_OTP" not in allowed:
            return _error("InvalidParameterException", "EMAIL_OTP is not an allowed first factor of this pool.")
        username = str(parameters.get("USERNAME", ""))
        try:
            user = pool._get_user(username)
        except Exception:
            user = None
        known = user is not None and user.status == "CONFIRMED" and user.enabled
        code = f"{secrets.randbelow(10**8):08d}"
        session = secrets.token_urlsafe(48)
        with self._lock:
            self._pending[session] = _Pending(
                pool_id=pool.id,
                client_id=client.id,
                username=username if known else None,
                code=code,
                expires=time.monotonic() + _CODE_LIFETIME_S,
            )
        if known:
            self._send(username, code)
        masked = username[:1] + "***@" + username.split("@")[-1][:1] + "***" if "@" in username else "***"
        return _ok(
            {
                "ChallengeName": "EMAIL_OTP",
                "Session": session,
                "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": masked},
            }
        )

    def _respond(self, body: dict[str, Any]) -> Response:
        session = str(body.get("Session", ""))
        code = str((body.get("ChallengeResponses") or {}).get("EMAIL_OTP_CODE", ""))
        with self._lock:
            pending = self._pending.get(session)
            if pending is None or pending.client_id != body.get("ClientId") or time.monotonic() > pending.expires:
                self._pending.pop(session, None)
                return _error("NotAuthorizedException", "Invalid session for the user, session is expired.")
            if pending.username is None or not secrets.compare_digest(code, pending.code):
                pending.attempts += 1
                if pending.attempts >= _MAX_ATTEMPTS:
                    self._pending.pop(session, None)
                return _error("CodeMismatchException", "Invalid code or auth state for the user.")
            del self._pending[session]
        backend = self._backend()
        pool = backend.user_pools[pending.pool_id]
        return _ok(backend._log_user_in(pool, pool.clients[pending.client_id], pending.username))

    def _send(self, address: str, code: str) -> None:
        boto3.client("ses", region_name=self._region).send_email(
            Source=self._sender,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": "รหัสยืนยันตัวตน / Your sign-in code", "Charset": "UTF-8"},
                "Body": {
                    "Text": {
                        "Data": f"รหัสยืนยันตัวตนของท่านคือ {code} (ใช้ได้ 3 นาที)\nYour sign-in code is {code} "
                        "(valid for 3 minutes).",
                        "Charset": "UTF-8",
                    }
                },
            },
        )


def _ok(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=200, content_type="application/x-amz-json-1.1")


def _error(kind: str, message: str) -> Response:
    return Response(
        json.dumps({"__type": kind, "message": message}), status=400, content_type="application/x-amz-json-1.1"
    )
