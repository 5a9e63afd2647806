"""The REST routes of the public API, read from the intake function's own OpenAPI document.

The intake handler declares each route once (Powertools decorators with typed models and a
``security`` requirement). CDK builds API Gateway from that document, the local stack reads the
synthesized template, and ``/api/openapi.json`` serves the same document: one source of truth.

Intake serves every route but those whose operation names another function in ``x-eservice-function``
(``POST /tsa``: the clock function holds the TSA key); API Gateway sends those to that function.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GATEWAY_REFUSALS", "ApiRoute", "GatewayRefusal", "intake_routes"]

REPO = Path(__file__).resolve().parents[1]
_METHODS = ("get", "post", "put", "delete", "patch")
#: The operation extension naming the function that serves a route intake only documents.
SERVED_BY = "x-eservice-function"


@dataclass(frozen=True, kw_only=True)
class ApiRoute:
    """One method on one path, and which user pool (if any) must have signed the caller in."""

    method: str
    path: str
    auth: str | None  # "citizen" | "officer" | None (public)
    operation_id: str
    function: str = "intake"  # the function that serves it: "intake", or the operation's x-eservice-function


@dataclass(frozen=True, kw_only=True)
class GatewayRefusal:
    """An answer API Gateway gives itself (no function runs), in the API's error shape."""

    response_type: str  # apigateway.ResponseType name
    status: int
    code: str
    th: str
    en: str

    def body(self) -> str:
        """The JSON body, as API Gateway's response template (and the local front) send it."""
        error = {"code": self.code, "message": {"th": self.th, "en": self.en}}
        return json.dumps({"error": error}, ensure_ascii=False, separators=(",", ":"))


#: What API Gateway answers before any function runs: the same error shape as every other refusal, so the
#: OpenAPI document's 401, 404, 413 and 429 hold for the gateway too.
GATEWAY_REFUSALS = (
    GatewayRefusal(
        response_type="UNAUTHORIZED", status=401, code="auth.required", th="กรุณาเข้าสู่ระบบ", en="Please sign in."
    ),
    GatewayRefusal(
        response_type="MISSING_AUTHENTICATION_TOKEN",  # what API Gateway calls an unknown path or method
        status=404,
        code="request.not_found",
        th="ไม่พบบริการที่เรียก",
        en="No such operation.",
    ),
    GatewayRefusal(
        response_type="REQUEST_TOO_LARGE",
        status=413,
        code="request.too_large",
        th="ข้อมูลที่ส่งมามีขนาดใหญ่เกินกำหนด",
        en="The request body is too large.",
    ),
    GatewayRefusal(
        response_type="THROTTLED",
        status=429,
        code="request.throttled",
        th="มีการเรียกใช้งานมากเกินไป กรุณารอสักครู่แล้วลองใหม่",
        en="Too many requests. Please wait a moment and retry.",
    ),
    GatewayRefusal(
        response_type="DEFAULT_4XX",
        status=400,
        code="request.refused",
        th="คำขอไม่ถูกต้อง",
        en="The request was refused.",
    ),
    GatewayRefusal(
        response_type="DEFAULT_5XX",
        status=502,
        code="internal.error",
        th="ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง",
        en="Something went wrong on our side. Please try again.",
    ),
)


def intake_routes() -> list[ApiRoute]:
    """Every route of the intake function's OpenAPI document, with the function that serves it.

    Read once per process: the document is the same for every tenant, and building it (importing the intake
    handler, Powertools' OpenAPI and its pydantic models) costs seconds, which a synthesis of many tenants
    would otherwise pay per tenant stack.
    """
    return list(_intake_routes())


@functools.cache
def _intake_routes() -> tuple[ApiRoute, ...]:
    spec = importlib.util.spec_from_file_location("_intake_app_for_cdk", REPO / "functions/intake/app.py")
    if spec is None or spec.loader is None:
        raise ImportError("functions/intake/app.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    schema = module.app.get_openapi_schema()
    routes: list[ApiRoute] = []
    for path, item in (schema.paths or {}).items():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None:
                continue
            requirements = operation.security or []
            names = sorted({name for requirement in requirements for name in requirement})
            if len(names) > 1:
                raise ValueError(f"{method.upper()} {path}: one user pool per route, got {names}")
            routes.append(
                ApiRoute(
                    method=method.upper(),
                    path=path,
                    auth=names[0] if names else None,
                    operation_id=operation.operationId or f"{method}{path}",
                    function=str((operation.model_extra or {}).get(SERVED_BY, "intake")),
                )
            )
    return tuple(sorted(routes, key=lambda r: (r.path, r.method)))
