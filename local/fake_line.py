"""A fake LINE Messaging API for the local stack and the tests: it keeps what it was asked to push.

It answers ``POST /v2/bot/message/push`` as LINE does: the channel access token is checked (401),
the body is checked (400: a ``to`` that is not a user id, no text), a repeated ``X-Line-Retry-Key``
that was accepted before answers 409 with ``x-line-accepted-request-id`` (and is not a second
message). Fault rules of ``/_local/faults`` with ``service: "line"`` and ``operation: "PushMessage"``
make a push fail with their status, as an outage of LINE would.

``/_local/line`` on the front reads what it received (``GET``), and ``POST`` ``{"user_id", "text"}``
plays a citizen who sends a chat message to the agency's Official Account: the fake signs a webhook
with the channel secret and posts it to the stack's ``/api/line/webhook``, as LINE's platform does.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from eservice.line import LineCredentials, signature_of

from . import faults
from .front import LocalServer

__all__ = ["FakeLine", "webhook_body"]

_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


class FakeLine:
    """The fake API (its own server on 127.0.0.1) and the ``/_local/line`` tool."""

    def __init__(self, *, credentials: Callable[[], LineCredentials], webhook_url: Callable[[], str]) -> None:
        self._credentials = credentials
        self._webhook_url = webhook_url
        self._lock = threading.Lock()
        self._pushes: list[dict[str, Any]] = []
        self._accepted: dict[str, str] = {}  # retry key -> request id
        self._server: LocalServer | None = None
        self.url = ""

    def start(self) -> FakeLine:
        """Serve the API on a free port; ``url`` is its base."""
        self._server = LocalServer(self._api, name="fake-line")
        self.url = f"http://127.0.0.1:{self._server.port}"
        return self

    def stop(self) -> None:
        """Stop serving (what it received stays readable)."""
        if self._server is not None:
            self._server.stop(0)
            self._server = None

    def pushes(self) -> list[dict[str, Any]]:
        """Every push LINE accepted, oldest first."""
        with self._lock:
            return [dict(p) for p in self._pushes]

    # --- the Messaging API ------------------------------------------------------------------------------
    def _api(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "POST" and request.path == "/v2/bot/message/push":
            response = self._push(request)
        else:
            response = _json({"message": "Not found"}, 404)
        return response(environ, start_response)

    def _push(self, request: Request) -> Response:
        token = self._credentials().channel_access_token
        if request.headers.get("Authorization") != f"Bearer {token}":
            return _json({"message": "Authentication failed. Confirm that the access token is valid."}, 401)
        fault = faults.fault_for_call("line", "PushMessage")
        if fault is not None:
            return _json({"message": faults.MESSAGE}, fault.status)
        body = request.get_json(force=True, silent=True)
        problem = _invalid(body)
        if problem or not isinstance(body, dict):
            details = [{"message": problem or "The request body must be JSON"}]
            return _json({"message": "The request body has 1 error(s)", "details": details}, 400)
        retry_key = request.headers.get("X-Line-Retry-Key")
        with self._lock:
            if retry_key and retry_key in self._accepted:
                return _json(
                    {"message": "The retry key is already accepted"},
                    409,
                    headers={"x-line-accepted-request-id": self._accepted[retry_key]},
                )
            request_id = str(uuid.uuid4())
            message_ids = [str(uuid.uuid4().int)[:18] for _ in body["messages"]]
            self._pushes.append(
                {
                    "to": body["to"],
                    "messages": body["messages"],
                    "retry_key": retry_key,
                    "request_id": request_id,
                    "message_ids": message_ids,
                    "at": datetime.now(UTC).isoformat(),
                }
            )
            if retry_key:
                self._accepted[retry_key] = request_id
        sent = [{"id": i, "quoteToken": uuid.uuid4().hex} for i in message_ids]
        return _json({"sentMessages": sent}, 200, headers={"x-line-request-id": request_id})

    # --- /_local/line -----------------------------------------------------------------------------------
    def endpoint(self, request: Request) -> Response:
        """``GET``: what LINE received. ``POST {"user_id", "text"}``: a citizen's chat message, as a signed webhook."""
        if request.method == "GET":
            return _json({"pushes": self.pushes()}, 200)
        if request.method != "POST":
            return _json({"error": "use GET or POST"}, 405)
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not body.get("user_id") or not isinstance(body.get("text"), str):
            return _json({"error": 'send {"user_id": "U...", "text": "..."}'}, 400)
        answer = self.send_chat(str(body["user_id"]), body["text"])
        return _json({"webhook_status": answer.status_code, "webhook_answer": answer.json()}, 200)

    def send_chat(self, user_id: str, text: str) -> requests.Response:
        """What LINE's platform does when a user writes to the Official Account: a signed webhook."""
        payload = json.dumps(webhook_body(user_id, text), ensure_ascii=False).encode()
        signature = signature_of(self._credentials().channel_secret, payload)
        return requests.post(
            self._webhook_url(),
            data=payload,
            headers={"Content-Type": "application/json", "X-Line-Signature": signature},
            timeout=30,
        )


def webhook_body(user_id: str, text: str) -> dict[str, Any]:
    """A webhook body with one text message from ``user_id`` (LINE's format)."""
    return {
        "destination": "U" + "0" * 32,
        "events": [
            {
                "type": "message",
                "mode": "active",
                "timestamp": int(datetime.now(UTC).timestamp() * 1000),
                "webhookEventId": uuid.uuid4().hex.upper()[:26],
                "deliveryContext": {"isRedelivery": False},
                "source": {"type": "user", "userId": user_id},
                "replyToken": uuid.uuid4().hex,
                "message": {"type": "text", "id": str(uuid.uuid4().int)[:18], "text": text},
            }
        ],
    }


def _invalid(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "The request body must be JSON"
    if not isinstance(body.get("to"), str) or not _USER_ID.match(body["to"]):
        return "The property, 'to', in the request body is invalid"
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5"
    for message in messages:
        if message.get("type") != "text" or not message.get("text") or len(message["text"]) > 5000:
            return "A text message needs 1 to 5000 characters"
    return None


def _json(body: dict[str, Any], status: int, *, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json", headers=headers
    )
