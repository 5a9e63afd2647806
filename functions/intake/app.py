"""intake: the public REST API (citizens, officers and anyone for the public routes).

Each route is declared once here; CDK builds API Gateway from this OpenAPI document
(infra/routes.py) and ``GET /openapi.json`` serves it. Routes are thin: parse, call one use case,
map the answer. Must stay light: never imports pyHanko or fpdf2 (cold start).

Bad input gets a 4xx in the project's error shape, never a 5xx (issue 10): multipart bodies are refused
before Powertools tries to parse them, JSON bodies are read by a guard (UTF-8 text, at most 1 MB and
32 levels deep, an object), Powertools' validation errors are mapped to ``request.*`` codes with
per-field details, and anything unexpected answers 500 ``internal.error`` and is logged.
"""

from __future__ import annotations

# ruff: noqa: E402 (the imports below come after the collector is paused, on purpose)
import gc

#: Cold start (issue 14): importing this module and its libraries creates some 85,000 objects that live as long as
#: the container, and the cyclic collector would run over a hundred times while they are made (about a quarter of
#: the import's CPU time). It is paused until the module is loaded; see the end of the module.
_COLLECTING = gc.isenabled()
gc.disable()

import base64
import hashlib
import importlib
import json
import re
import traceback
import uuid
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.types import COMPONENT_REF_TEMPLATE, OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from eservice import clock_source
from eservice.aws import Saga, Uploads, client, invoke_function
from eservice.catalogue import agency_info, search_services, service_detail
from eservice.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    Unauthorized,
    UnsupportedMediaType,
)
from eservice.payment_providers import SIGNATURE_HEADER, provider_for
from eservice.settings import settings, tenant
from eservice.snapstart import after_restore, before_snapshot, clear_module_caches

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

    from eservice.announcements import Announcements
    from eservice.applications import Applicant, Applications
    from eservice.channel_keys import ChannelKeys
    from eservice.channels import ContactChannels
    from eservice.correspondence import Correspondence
    from eservice.dynamo import DynamoDatabase
    from eservice.licence_register import LicenceBook
    from eservice.line import LineApi
    from eservice.officer_pool import OfficerDirectory, OfficerGroups
    from eservice.officers import Officer, Officers
    from eservice.payments import PaymentDesk
    from eservice.ports import Page
    from eservice.privacy import PersonalDataExport
    from eservice.register import LicenceRegister
    from eservice.statistics import StatisticsReport
    from eservice.units import UnitMembership

#: Cold start (issue 14): the use cases and the table adapter load when a request first needs them, not with
#: the module (the catalogue, the first thing a visitor asks, needs none of them: about a tenth of intake's cold
#: start). With SnapStart they are loaded before the snapshot (``load_use_cases`` below), so a restored
#: environment never pays for them.
USE_CASE_MODULES = (
    "eservice.announcements",
    "eservice.applications",
    "eservice.channel_keys",
    "eservice.channels",
    "eservice.correspondence",
    "eservice.dynamo",
    "eservice.identity",
    "eservice.licence_register",
    "eservice.line",
    "eservice.officer_pool",
    "eservice.officers",
    "eservice.payments",
    "eservice.ports",
    "eservice.privacy",
    "eservice.register",
    "eservice.saga_steps",
    "eservice.units",
)

logger = Logger(service="eservice-intake")

# --- reading request bodies (issue 10: bad input gets a 4xx, never a 5xx) ---------------------------------
#: Larger than any form (a textarea holds 4,000 characters), far below API Gateway's 10 MB.
MAX_BODY_BYTES = 1024 * 1024
#: DynamoDB stores at most 32 levels of nesting; no request body needs more.
MAX_BODY_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_only() -> UnsupportedMediaType:
    return UnsupportedMediaType(
        code="request.unsupported_media_type",
        th="กรุณาส่งข้อมูลในรูปแบบ JSON (Content-Type: application/json)",
        en="Please send JSON (Content-Type: application/json).",
    )


def _malformed_json() -> InvalidInput:
    return InvalidInput(
        code="request.malformed_json",
        th="ข้อมูลที่ส่งมาไม่ใช่ JSON ที่ถูกต้อง",
        en="The request body is not valid JSON.",
    )


def read_json_body(text: str) -> Any:
    """Powertools' JSON body reader: a JSON object in UTF-8, at most ``MAX_BODY_BYTES`` and ``MAX_BODY_DEPTH``.

    Raises typed errors (400, 413) instead of what ``json.loads`` would let through or raise: NaN, a
    lone UTF-16 surrogate (``"\\ud800"``, which cannot be stored or hashed as UTF-8), or a
    RecursionError on deep nesting.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            code="request.too_large",
            th=f"ข้อมูลที่ส่งมามีขนาดใหญ่เกิน {MAX_BODY_BYTES // 1024:,} KB",
            en=f"The request body is larger than {MAX_BODY_BYTES // 1024:,} KB.",
        )
    try:
        body = json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise _malformed_json() from None
    if not isinstance(body, dict):
        raise InvalidInput(
            code="request.malformed_json",
            th="ข้อมูลที่ส่งมาต้องเป็นออบเจกต์ JSON",
            en="The request body must be a JSON object.",
        )
    _check_nesting_and_text(body)
    return body


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _too_deep() -> InvalidInput:
    return InvalidInput(
        code="request.too_deep",
        th=f"ข้อมูลที่ส่งมาซ้อนกันเกิน {MAX_BODY_DEPTH} ชั้น",
        en=f"The request body is nested more than {MAX_BODY_DEPTH} levels deep.",
    )


def _check_nesting_and_text(body: dict[str, Any]) -> None:
    # Iterative, so a deep body cannot exhaust the stack here either.
    pending: list[tuple[Any, int, tuple[str, ...]]] = [(body, 1, ())]
    while pending:
        value, depth, path = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_BODY_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else ((str(i), v) for i, v in enumerate(value))
            for key, item in items:
                if _SURROGATE.search(key):
                    raise _invalid_text(path)
                pending.append((item, depth + 1, (*path, key)))
        elif isinstance(value, str) and _SURROGATE.search(value):
            raise _invalid_text(path)


def _invalid_text(path: tuple[str, ...]) -> InvalidInput:
    th, en = "ข้อความมีอักขระที่ไม่ถูกต้อง", "The text contains an invalid character (a lone UTF-16 surrogate)."
    return InvalidInput(
        code="request.invalid_text",
        th="ข้อความบางช่องมีอักขระที่ไม่ถูกต้อง กรุณาพิมพ์ใหม่",
        en="Some text contains an invalid character. Please type it again.",
        details=[FieldError(field=".".join(path) or "body", code="field.invalid_text", th=th, en=en)],
    )


def _refused_media_type(event: dict[str, Any]) -> ServiceError | None:
    """No operation reads a multipart form (files go to S3 by presigned URL). Powertools would parse
    one, and crashes when the boundary is missing, so it is refused before the resolver sees it."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    if headers.get("content-type", "").strip().lower().startswith("multipart/form-data"):
        return _json_only()
    return None


class _Resolver(APIGatewayRestResolver):
    """Powertools' resolver, whose OpenAPI document is configured when first asked for (issue 14, cold start).

    Powertools' OpenAPI models (a few hundred pydantic classes) cost about as much to import as boto3; only
    ``GET /openapi.json``, CDK (infra/routes.py) and the tests need them, never the other requests.
    """

    _openapi_configured = False

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        if not self._openapi_configured:
            _configure_openapi(self)
            self._openapi_configured = True
        document = super().get_openapi_schema(**kwargs)
        _add_answer_models(document)
        return document


def _configure_openapi(resolver: APIGatewayRestResolver) -> None:
    from aws_lambda_powertools.event_handler.openapi.models import Contact, HTTPBearer, Server

    resolver.configure_openapi(
        title="Thai e-Service API",
        version="1.0.0",
        summary="Electronic requests, official time of receipt, tracking and licences "
        "(Act on Electronic Performance of Administrative Duties B.E. 2565)",
        servers=[Server(url="/api")],
        contact=Contact(name="e-Service maintainers"),
        security_schemes={
            "citizen": HTTPBearer(description="ID token of the citizen user pool"),
            "officer": HTTPBearer(description="ID token of the officer user pool"),
        },
    )


#: The API is reached at ``/api``: a silo's custom domain maps that base path to the stage, and API Gateway then puts
#: it in the event's path (``/api/requests``), which the routes (``/requests``) do not have.
API_BASE_PATH = "/api"
app = _Resolver(enable_validation=True, json_body_deserializer=read_json_body, strip_prefixes=[API_BASE_PATH])


class RequestBody(BaseModel):
    """A request body's model: validated as strictly as ever, its validator built by the first request that
    sends one (pydantic ``defer_build``), not when intake is imported (issue 14, cold start)."""

    model_config = ConfigDict(defer_build=True)


CITIZEN: list[dict[str, list[str]]] = [{"citizen": []}]
OFFICER: list[dict[str, list[str]]] = [{"officer": []}]


# --- composition root -------------------------------------------------------------------------------
@cache
def saga() -> Saga:
    return Saga(state_machine_arn=settings().state_machine_arn)


@cache
def database() -> DynamoDatabase:
    from eservice.dynamo import DynamoDatabase

    return DynamoDatabase.from_env()


@cache
def files(kind: str) -> Uploads:
    """Attachments (``uploads``) or issued documents (``documents``)."""
    config = settings()
    if kind == "uploads":
        # R-4.8: accepted evidence is locked for the tenant's retention, like issued documents.
        return Uploads(
            bucket=config.uploads_bucket,
            retain_days=tenant().retention.evidence.lock_days,
            quarantine_bucket=config.quarantine_bucket,
            tenant_id=config.tenant_id,
        )
    return Uploads(bucket=config.documents_bucket)


def _verify_upload(key: str) -> dict[str, Any]:
    # PDF validation needs pyHanko: the sign function does it, intake stays light.
    return invoke_function(settings().sign_function, {"action": "verify_upload", "key": key})


@cache
def applications() -> Applications:
    """The use cases, wired to this stack's table, bucket and state machine (once per container)."""
    from eservice.applications import Applications

    return Applications(
        repos=database().repositories,
        tenant=tenant(),
        uploads=files("uploads"),
        executions=saga(),
        documents_link=lambda key, name: files("documents").presign_get(key, file_name=name),
        verify_pdf=_verify_upload,
    )


@cache
def officers() -> Officers:
    from eservice.officers import Officers

    return Officers(
        repos=database().repositories,
        tenant=tenant(),
        executions=saga(),
        link=lambda kind, key, name: files(kind).presign_get(key, file_name=name),
    )


@cache
def payments() -> PaymentDesk:
    from eservice.payments import PaymentDesk

    return PaymentDesk(repos=database().repositories, tenant=tenant(), executions=saga())


@cache
def channel_keys() -> ChannelKeys:
    """The agency's channel keys, from Secrets Manager (once per container)."""
    from eservice.channel_keys import ChannelKeys

    secret = client("secretsmanager").get_secret_value(SecretId=settings().channel_keys_secret_arn)["SecretString"]
    return ChannelKeys.from_secret_string(str(secret))


@cache
def webhook_secret() -> str:
    """The payment provider's HMAC key."""
    return channel_keys().payment_webhook_key


@cache
def register() -> LicenceRegister:
    from eservice.register import LicenceRegister

    return LicenceRegister(licences=database().repositories.licences)


def current_applicant() -> Applicant:
    """The citizen signed in through the citizen pool's authorizer (ids only)."""
    from eservice.applications import Applicant
    from eservice.identity import identity_level

    claims = _claims()
    subject = claims.get("sub")
    if not subject:
        raise Unauthorized(code="auth.required", th="กรุณาเข้าสู่ระบบ", en="Please sign in.")
    # Official mail goes only to a verified address: Cognito keeps the verified e-mail in the token until a
    # new one is confirmed (UserAttributeUpdateSettings) and says email_verified=false for one never verified.
    verified = str(claims.get("email_verified", "true")).lower() != "false"
    # R-3.4: the level of this sign-in (a Digital ID provider's group in the token, else IAL1).
    return Applicant(
        id=str(subject),
        email=claims.get("email") if verified else None,
        identity_level=identity_level(claims, tenant()),
    )


def _claims() -> dict[str, Any]:
    event = app.current_event
    return dict((event.request_context.authorizer.claims or {}) if event else {})


def current_officer() -> Officer:
    """The officer signed in through the officer pool's authorizer, with their groups of this agency.

    In a cell the pool is shared by the cell's agencies (eservice.officer_pool): an officer whose groups are
    all another agency's is refused here, whatever route they call (403 ``auth.other_agency``)."""
    from eservice.officers import Officer

    claims = _claims()
    if not claims.get("sub"):
        raise Unauthorized(code="auth.required", th="กรุณาเข้าสู่ระบบ", en="Please sign in.")
    raw = str(claims.get("cognito:groups") or "")
    # API Gateway passes the groups claim as "a,b" (or "[a b]" in some integrations).
    pool_groups = frozenset(g for g in re.split(r"[\s,\[\]]+", raw) if g)
    groups = officer_groups()
    if not groups.is_member(pool_groups):
        raise Forbidden(
            code="auth.other_agency",
            th="บัญชีนี้ไม่ใช่บัญชีเจ้าหน้าที่ของหน่วยงานนี้ กรุณาเข้าสู่ระบบที่เว็บไซต์ของหน่วยงานของท่าน",
            en="This account is not an officer account of this agency; sign in on your own agency's site.",
        )
    return Officer(id=str(claims["sub"]), email=claims.get("email"), groups=groups.own(pool_groups))


def officer_groups() -> OfficerGroups:
    """This agency's group names in the officer pool (plain in silo mode, prefixed in a cell's pool)."""
    from eservice.officer_pool import OfficerGroups

    return OfficerGroups(prefix=settings().officer_group_prefix)


@cache
def officer_directory() -> OfficerDirectory:
    from eservice.officer_pool import OfficerDirectory

    return OfficerDirectory(cognito=client("cognito-idp"), pool_id=settings().officer_pool_id, groups=officer_groups())


@app.exception_handler(ServiceError)
def service_error(error: ServiceError) -> Response[Any]:
    """Typed errors become a stable code and a Thai/English message; the detail goes to the log."""
    logger.info("request refused", extra={"code": error.code, "status": error.status})
    return _answer(error)


def _answer(error: ServiceError) -> Response[Any]:
    return Response(status_code=error.status, content_type="application/json", body=error.as_dict())


@app.exception_handler(RequestValidationError)
def request_invalid(error: RequestValidationError) -> Response[Any]:
    """Powertools' validation of the path, query and body: 422 ``request.invalid`` with one detail a field."""
    # Only locations and types go to the log: the input itself may be personal data.
    logger.info("request invalid", extra={"errors": [(e.get("loc"), e.get("type")) for e in error.errors()[:10]]})
    return _answer(
        ServiceError(
            code="request.invalid",
            th="ข้อมูลที่ส่งมาไม่ถูกต้อง กรุณาแก้ไขช่องที่แจ้งไว้",
            en="The request is not valid. Please check the fields listed.",
            status=422,
            details=[_field_problem(e) for e in error.errors()],
        )
    )


@app.exception_handler(RequestUnsupportedContentType)
def unsupported_media_type(error: RequestUnsupportedContentType) -> Response[Any]:
    """A body that is not JSON (text/plain, a PDF) sent to an operation that reads JSON: 415."""
    return service_error(_json_only())


@app.not_found
def no_such_operation(error: Exception) -> Response[Any]:
    """API Gateway answers unknown paths itself; this keeps the shape when the function is called directly."""
    return service_error(NotFound(code="request.not_found", th="ไม่พบบริการที่เรียก", en="No such operation."))


@app.exception_handler(Exception)
def unexpected_error(error: Exception) -> Response[Any]:
    """A bug or an outage: 500 ``internal.error`` in the usual shape; the stack trace goes to the log only."""
    # The frames, not the message: a message may repeat the input, which may be personal data.
    logger.error(
        "unexpected error",
        extra={"error_type": type(error).__name__, "stack": traceback.format_tb(error.__traceback__)},
    )
    return _answer(
        ServiceError(
            code="internal.error",
            th="ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง",
            en="Something went wrong on our side. Please try again.",
            status=500,
        )
    )


#: Pydantic error types → stable field codes: the forms' own (eservice.forms) where one fits.
_FIELD_CODES: dict[str, str] = {
    "missing": "field.required",
    "string_too_short": "field.too_short",
    "string_too_long": "field.too_long",
    "too_long": "field.too_long",
    "literal_error": "field.choice",
    "enum": "field.choice",
    "string_pattern_mismatch": "field.format",
    "greater_than": "field.too_small",
    "greater_than_equal": "field.too_small",
    "less_than": "field.too_large",
    "less_than_equal": "field.too_large",
}
_FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "field.required": ("กรุณากรอกข้อมูลในช่องนี้", "This field is required."),
    "field.too_short": ("ข้อความสั้นเกินไป", "The text is too short."),
    "field.too_long": ("ข้อความยาวเกินกำหนด", "The text is too long."),
    "field.choice": ("กรุณาเลือกจากรายการที่กำหนด", "Please choose from the listed options."),
    "field.format": ("รูปแบบข้อมูลไม่ถูกต้อง", "The value is not in the expected format."),
    "field.too_small": ("ค่าน้อยเกินกำหนด", "The value is too small."),
    "field.too_large": ("ค่ามากเกินกำหนด", "The value is too large."),
    "field.date_format": (
        "กรุณาระบุวันที่ในรูปแบบ ปปปป-ดด-วว (ปี ค.ศ.) เช่น 2023-01-23",
        "Please enter the date as YYYY-MM-DD, e.g. 2023-01-23.",
    ),
    "field.type": ("ชนิดข้อมูลไม่ถูกต้อง", "The value is of the wrong type."),
    "field.invalid": ("ค่าไม่ถูกต้อง", "The value is not valid."),
}


def _field_problem(error: dict[str, Any]) -> FieldError:
    """One Powertools/pydantic error as a FieldError: ``answers``, ``on_behalf_of.kind``, ``query.limit``."""
    kind = str(error.get("type", ""))
    code = _FIELD_CODES.get(kind)
    if code is None:
        if kind.startswith("date"):
            code = "field.date_format"
        elif kind.endswith(("_type", "_parsing")):
            code = "field.type"
        else:
            code = "field.invalid"
    th, en = _FIELD_MESSAGES[code]
    limit = (error.get("ctx") or {}).get("max_length")
    if code == "field.too_long" and isinstance(limit, int):
        th, en = f"กรุณากรอกไม่เกิน {limit:,} ตัวอักษร", f"Please use at most {limit:,} characters."
    location = [str(part) for part in error.get("loc", ())]
    if location[:1] == ["body"] and len(location) > 1:
        location = location[1:]
    return FieldError(field=".".join(location) or "body", code=code, th=th, en=en)


# --- request bodies ----------------------------------------------------------------------------------
#: Every list is one page: ``limit`` rows (1-200, default 50) and the ``cursor`` of the next page.
Limit = Annotated[int | None, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=2000)]


def _paged(key: str, page: Page[dict[str, Any]]) -> dict[str, Any]:
    return {key: page.items, "next_cursor": page.cursor}


class OnBehalfOfBody(RequestBody):
    kind: Literal["person", "juristic_person"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    identifier: Annotated[str, Field(min_length=1, max_length=20)]


class NewDraft(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"service_id": "fire-certificate", "answers": {"applicant_name": "สมชาย ใจดี", "purpose": "insurance"}}
            ]
        }
    )

    service_id: str
    answers: dict[str, Any] = {}
    on_behalf_of: OnBehalfOfBody | None = None


class DraftUpdate(RequestBody):
    answers: dict[str, Any]
    on_behalf_of: OnBehalfOfBody | None = None
    estamp_code: Annotated[str, Field(max_length=40)] | None = None


class UploadStart(RequestBody):
    document_id: str
    file_name: Annotated[str, Field(min_length=1, max_length=255)]


class Submission(RequestBody):
    declaration: Annotated[str, Field(min_length=1, max_length=4000)]
    content_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    accept: bool


class SupplementStart(RequestBody):
    document_id: str
    file_name: Annotated[str, Field(min_length=1, max_length=255)]


class Resubmission(RequestBody):
    note: Annotated[str, Field(max_length=2000)] | None = None


class Withdrawal(RequestBody):
    reason: Annotated[str, Field(max_length=1000)] | None = None


class Decision(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"step": "review", "decision": "approve"},
                {"step": "review", "decision": "more_documents", "what": "สำเนาทะเบียนบ้าน", "deadline": "2026-12-15"},
            ]
        }
    )

    step: Literal["review", "approval", "signature", "dismissal", "unreachable", "deliver"]
    decision: Annotated[str, Field(max_length=40)]
    reason: Annotated[str, Field(max_length=2000)] | None = None
    what: Annotated[str, Field(max_length=2000)] | None = None
    deadline: date | None = None
    correct_agency: Annotated[str, Field(max_length=300)] | None = None
    #: With more_documents: the document slots needed (the applicant's upload form offers only these).
    documents: Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=30)] | None = None
    #: R-4.1: a refusal's legal basis (the sections relied on), printed on the sealed refusal letter.
    legal_basis: Annotated[str, Field(max_length=1000)] | None = None
    #: Q7.4: signing names the draft's licence number, confirming which document is signed.
    confirm: Annotated[str, Field(max_length=40)] | None = None


class ThreadMessage(RequestBody):
    text: Annotated[str, Field(min_length=1, max_length=2000)]


class PaperCopyRequest(RequestBody):
    method: Literal["pickup", "post"]
    note: Annotated[str, Field(max_length=1000)] | None = None


class PaperCopyClosing(RequestBody):
    outcome: Literal["handed_over", "posted", "declined"]
    note: Annotated[str, Field(max_length=1000)] | None = None


class LicenceFields(RequestBody):
    """Q7.1: the officer fields of the service's licence, by name."""

    values: dict[str, Any]


class Note(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "ตรวจสอบสถานที่แล้ว ถูกต้องตามแบบ"}]})

    text: Annotated[str, Field(min_length=1, max_length=4000)]


class LicenceStatusChange(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "suspended", "reason": "ไม่ผ่านการตรวจสุขลักษณะ", "until": "2027-01-31"}]
        }
    )

    status: Literal["in_force", "suspended", "revoked"]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    until: date | None = None


class SlipUpload(RequestBody):
    file_name: Annotated[str, Field(min_length=1, max_length=255)]


class SlipReport(RequestBody):
    attachment_id: Annotated[str, Field(max_length=20)]
    transaction_reference: Annotated[str, Field(min_length=1, max_length=60)]
    paid_on: date
    amount_satang: Annotated[int, Field(gt=0)]


class SlipDecision(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"decision": "verify"}, {"decision": "reject", "reason": "ยอดเงินไม่ตรงกับใบแจ้ง"}]}
    )

    decision: Literal["verify", "reject"]
    reason: Annotated[str, Field(max_length=1000)] | None = None


class Profile(RequestBody):
    full_name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class WebhookPayment(RequestBody):
    transaction_id: str
    ref1: Annotated[str, Field(description="The request's payment reference")]
    ref2: Annotated[str | None, Field(description="The invoice number")] = None
    amount_satang: Annotated[int, Field(gt=0)]
    currency: Literal["THB"] = "THB"
    channel: Literal["thai_qr", "card"] = "thai_qr"
    paid_at: str | None = None


class WebhookMessage(RequestBody):
    """The payment provider's signed message (read as raw bytes: the signature covers them)."""

    id: str
    type: Literal["payment.pending", "payment.succeeded", "payment.failed"]
    data: WebhookPayment


# --- what each operation answers (the OpenAPI document; issue 10) ------------------------------------------
#: Operations whose ``x-eservice-function`` names another function: API Gateway sends them there.
SERVED_BY = "x-eservice-function"
#: Bodies API Gateway passes as bytes (infra/stack.py lists them as the API's binary media types).
BINARY_MEDIA_TYPES = ("application/pdf", "application/timestamp-query", "application/timestamp-reply")


def operation_id(function: str, path: str, method: str) -> str:
    """The operationId Powertools gives a route (``get_draft_drafts__draft_id__get``), for OpenAPI links."""
    return re.sub(r"\W", "_", function + path) + "_" + method


_REFUSALS: dict[int, tuple[str, str, str, str]] = {
    400: (
        "Malformed or refused input",
        "request.malformed_json",
        "ข้อมูลที่ส่งมาไม่ใช่ JSON ที่ถูกต้อง",
        "The request body is not valid JSON.",
    ),
    401: ("Not signed in, or the sign-in expired", "auth.required", "กรุณาเข้าสู่ระบบ", "Please sign in."),
    403: ("Signed in, but not allowed to do this", "auth.forbidden", "ท่านไม่มีสิทธิ์ทำรายการนี้", "You may not do this."),
    404: ("No such thing, or not the caller's", "request.not_found", "ไม่พบคำขอนี้", "No such request."),
    409: (
        "Does not fit the current state",
        "request.wrong_status",
        "ไม่สามารถทำรายการนี้ในสถานะปัจจุบัน",
        "Not possible in the current status.",
    ),
    413: (
        "The request body is too large",
        "request.too_large",
        "ข้อมูลที่ส่งมามีขนาดใหญ่เกิน 1,024 KB",
        "The request body is larger than 1,024 KB.",
    ),
    415: (
        "The body is not of a media type the operation reads",
        "request.unsupported_media_type",
        "กรุณาส่งข้อมูลในรูปแบบ JSON (Content-Type: application/json)",
        "Please send JSON (Content-Type: application/json).",
    ),
    422: (
        "A path, query or body field is not valid (one detail a field)",
        "request.invalid",
        "ข้อมูลที่ส่งมาไม่ถูกต้อง กรุณาแก้ไขช่องที่แจ้งไว้",
        "The request is not valid. Please check the fields listed.",
    ),
    429: (
        "Too many requests: wait and retry",
        "request.throttled",
        "มีการเรียกใช้งานมากเกินไป กรุณารอสักครู่แล้วลองใหม่",
        "Too many requests. Please wait a moment and retry.",
    ),
    500: (
        "An unexpected failure on our side",
        "internal.error",
        "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง",
        "Something went wrong on our side. Please try again.",
    ),
}
#: Any operation may answer these: a multipart body is refused before routing, Powertools validates every
#: request (422 replaces its own schema, so that every refusal has the error shape), API Gateway throttles,
#: and an outage is an outage.
_ANY_OPERATION = (415, 422, 429, 500)
#: An operation that reads a JSON body also refuses malformed, oversized and invalid ones.
JSON_BODY = (400, 413, 422)


def _error_example(status: int) -> dict[str, Any]:
    _, code, th, en = _REFUSALS[status]
    error: dict[str, Any] = {"code": code, "message": {"th": th, "en": en}}
    if status == 422:
        error["details"] = [
            {
                "field": "query.limit",
                "code": "field.too_large",
                "message": {"th": "ค่ามากเกินกำหนด", "en": "The value is too large."},
            }
        ]
    return {"value": {"error": error}}


def answers(
    model: str | None,
    *refusals: int,
    status: int = 200,
    description: str = "Done",
    media_type: str = "application/json",
    links: dict[str, dict[str, Any]] | None = None,
) -> dict[int, OpenAPIResponse]:
    """The documented answers of one operation: its success (``model``, or a binary/text body) and every
    refusal it can give, each in the error shape (``ErrorBody``) with an example.

    ``model`` names the success's model in ``eservice.api_models`` or ``eservice.report_models``: a reference
    to the document's component, added when the document is built (``_Resolver``), so importing intake
    creates none of these models (issue 14, cold start)."""
    content: dict[str, Any] = {media_type: {"schema": {}}}
    if model is not None:
        content = {media_type: {"schema": _answer_model(model)}}
    if model is None and media_type == "application/json":
        content = {media_type: {"schema": {"type": "object"}}}
    if media_type in BINARY_MEDIA_TYPES:
        content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    success: OpenAPIResponse = {"description": description, "content": content}
    if links:
        success["links"] = links
    documented: dict[int, OpenAPIResponse] = {status: success}
    for code in sorted({*refusals, *_ANY_OPERATION}):
        documented[code] = {
            "description": _REFUSALS[code][0],
            "content": {
                "application/json": {
                    "schema": _answer_model("ErrorBody"),
                    "examples": {_REFUSALS[code][1]: _error_example(code)},
                }
            },
        }
    return documented


#: The answer models the operations name (``answers``); their schemas join the OpenAPI document's components.
_ANSWER_MODELS: set[str] = set()


def _answer_model(name: str) -> dict[str, Any]:
    _ANSWER_MODELS.add(name)
    return {"$ref": COMPONENT_REF_TEMPLATE.format(model=name)}


def _add_answer_models(document: OpenAPI) -> None:
    """The components of the answer models, as Powertools writes a response model's (serialization schema)."""
    from aws_lambda_powertools.event_handler.openapi.models import Components, Schema
    from pydantic.json_schema import models_json_schema

    from eservice import api_models, report_models

    models = [getattr(api_models, name, None) or getattr(report_models, name) for name in sorted(_ANSWER_MODELS)]
    _, definitions = models_json_schema([(m, "serialization") for m in models], ref_template=COMPONENT_REF_TEMPLATE)
    components = document.components or Components()
    schemas: dict[str, Any] = dict(components.schemas or {})
    for name, definition in definitions.get("$defs", {}).items():
        if name in schemas:
            raise RuntimeError(f"OpenAPI component {name!r} is both a request body and an answer model")
        schemas[name] = Schema.model_validate(definition)
    components.schemas = dict(sorted(schemas.items()))
    document.components = components


#: Bodies of the operations that read raw bytes (validation off): documented here, read from the event.
#: Powertools passes these markers as the arguments' values; the handlers never use them.
SIGNED_JSON_BODY: Any = Body(..., media_type="application/json", description="The provider's message, as signed")
PDF_BODY: Any = Body(..., media_type="application/pdf", description="The PDF file (at most 4 MB)")
TIMESTAMP_QUERY_BODY: Any = Body(..., media_type="application/timestamp-query", description="A DER TimeStampReq")


def link(operation_id: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link: call ``operation_id`` with values taken from this answer (or its request)."""
    return {"operationId": operation_id, "parameters": parameters}


# --- public: information (Q1) -------------------------------------------------------------------------
@app.get(
    "/openapi.json",
    summary="This API's OpenAPI document",
    tags=["information"],
    responses=answers(None, description="The OpenAPI 3 document"),
)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=app.get_openapi_json_schema())


@app.get(
    "/agency",
    summary="The agency: names, contact details, office hours",
    tags=["information"],
    responses=answers("Agency"),
)
def get_agency() -> dict[str, Any]:
    return agency_info(tenant())


@app.get(
    "/services",
    summary="List and search the agency's e-Services (Thai or English)",
    tags=["information"],
    responses=answers(
        "ServiceList",
        422,
        links={
            "GetService": link(
                operation_id("get_service", "/services/{service_id}", "get"), service_id="$response.body#/services/0/id"
            )
        },
    ),
)
def list_services(q: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    return {"services": search_services(tenant(), q)}


@app.get(
    "/services/<service_id>",
    summary="One e-Service: form, documents, fee, SLA",
    tags=["information"],
    responses=answers("ServiceDetail", 404, 422),
)
def get_service(service_id: str) -> dict[str, Any]:
    return service_detail(tenant(), applications().service(service_id))


# --- citizen: profile, drafts, attachments, submission, tracking (Q2, Q3) ------------------------------
@app.get(
    "/me/profile",
    summary="My profile (used to pre-fill forms)",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("MyProfile", 401),
)
def get_profile() -> dict[str, Any]:
    return applications().profile(current_applicant())


@app.put(
    "/me/profile",
    summary="Save my profile",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("MyProfile", 401, *JSON_BODY),
)
def put_profile(body: Profile) -> dict[str, Any]:
    return applications().save_profile(current_applicant(), body.model_dump(exclude_none=True))


# --- citizen: how to be told (Q4.4, R-4.6), and LINE's webhook that links accounts ---------------------
class ChannelChoice(RequestBody):
    """E-mail is always on; SMS and LINE are the applicant's choice."""

    sms: bool
    line: bool


class LineWebhookBody(RequestBody):
    """What LINE sends (Messaging API webhook): the bot's user id and the events."""

    destination: str
    events: list[dict[str, Any]]


@cache
def contact_channels() -> ContactChannels:
    from eservice.channels import ContactChannels

    return ContactChannels(repos=database().repositories, tenant=tenant())


@cache
def line_api() -> LineApi | None:
    """The tenant's LINE channel (its secret and access token, once per container); None: not set up."""
    from eservice.line import LineApi

    if not tenant().notifications.line_enabled or not settings().channel_keys_secret_arn:
        return None
    credentials = channel_keys().line
    return None if credentials is None else LineApi(base_url=settings().line_api_base, credentials=credentials)


@app.get(
    "/me/channels",
    summary="How I am told: e-mail, SMS, LINE",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("Channels", 401),
)
def get_channels() -> dict[str, Any]:
    return contact_channels().of(current_applicant())


@app.put(
    "/me/channels",
    summary="Choose SMS and LINE (e-mail is always on)",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("Channels", 401, 404, *JSON_BODY),
)
def put_channels(body: ChannelChoice) -> dict[str, Any]:
    return contact_channels().choose(current_applicant(), sms=body.sms, line=body.line)


@app.post(
    "/me/channels/line-code",
    summary="A one-time code to send to the agency's LINE Official Account",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("LineLinkCode", 401, 404),
)
def new_line_code() -> dict[str, Any]:
    return contact_channels().link_code(current_applicant())


@app.post(
    "/line/webhook",
    summary="LINE Messaging API webhook (X-Line-Signature, HMAC-SHA256)",
    description="LINE signs the raw body: header `X-Line-Signature` is the base64 HMAC-SHA256 of the body with "
    "the channel secret. A text message carrying a link code links the sender's LINE account; an unfollow "
    "stops LINE messages.",
    tags=["citizen"],
    enable_validation=False,  # the signature covers the raw bytes: they are verified before they are parsed
    responses=answers("LineWebhookOutcome", 400, 401, 404, 413),
)
def line_webhook(message: LineWebhookBody = SIGNED_JSON_BODY) -> dict[str, Any]:
    event = app.current_event
    raw = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    from eservice.line import LineMessage, parse_webhook, verify_signature

    api = line_api()
    if api is None:
        raise NotFound(code="line.disabled", th="หน่วยงานไม่ได้ใช้ LINE", en="This agency does not use LINE.")
    if not verify_signature(api.channel_secret, raw, event.headers.get("X-Line-Signature")):
        raise Unauthorized(code="line.bad_signature", th="ลายมือชื่อของ LINE ไม่ถูกต้อง", en="Bad LINE signature.")

    def reply(user_id: str, text: str) -> None:
        api.push(LineMessage(to=user_id, text=text, retry_key=str(uuid.uuid4())))

    return dict(contact_channels().on_line_events(parse_webhook(raw), reply))


_DRAFT = "/drafts/{draft_id}"


def _draft_links(draft_id: str) -> dict[str, dict[str, Any]]:
    """From an answer that names a draft to what can be done with it next."""
    return {
        "GetDraft": link(operation_id("get_draft", _DRAFT, "get"), draft_id=draft_id),
        "SaveDraft": link(operation_id("put_draft", _DRAFT, "put"), draft_id=draft_id),
        "StartUpload": link(operation_id("start_upload", f"{_DRAFT}/attachments", "post"), draft_id=draft_id),
        "Confirmation": link(operation_id("confirmation", f"{_DRAFT}/confirmation", "get"), draft_id=draft_id),
        "Submit": link(operation_id("submit", f"{_DRAFT}/submit", "post"), draft_id=draft_id),
        "Discard": link(operation_id("discard_draft", _DRAFT, "delete"), draft_id=draft_id),
    }


@app.get(
    "/drafts",
    summary="My open drafts",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("DraftList", 400, 401, 422, links=_draft_links("$response.body#/drafts/0/id")),
)
def list_drafts(limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    return _paged("drafts", applications().drafts(current_applicant(), limit=limit, cursor=cursor))


@app.post(
    "/drafts",
    summary="Start a draft (pre-filled)",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers(
        "Draft", 401, 404, *JSON_BODY, status=201, description="The new draft", links=_draft_links("$response.body#/id")
    ),
)
def create_draft(body: NewDraft) -> dict[str, Any]:
    return applications().create_draft(
        current_applicant(),
        body.service_id,
        answers=body.answers,
        on_behalf_of=body.on_behalf_of.model_dump() if body.on_behalf_of else None,
    )


@app.get(
    "/drafts/<draft_id>",
    summary="Resume a draft",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("Draft", 401, 404, 422),
)
def get_draft(draft_id: str) -> dict[str, Any]:
    return applications().draft(current_applicant(), draft_id)


@app.put(
    "/drafts/<draft_id>",
    summary="Save a draft",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("Draft", 401, 404, 409, *JSON_BODY),
)
def put_draft(draft_id: str, body: DraftUpdate) -> dict[str, Any]:
    return applications().update_draft(
        current_applicant(),
        draft_id,
        answers=body.answers,
        on_behalf_of=body.on_behalf_of.model_dump() if body.on_behalf_of else None,
        estamp_code=body.estamp_code,
    )


@app.delete(
    "/drafts/<draft_id>",
    summary="Discard a draft (kept, marked discarded)",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("Draft", 401, 404, 409, 422),
)
def discard_draft(draft_id: str) -> dict[str, Any]:
    return applications().discard_draft(current_applicant(), draft_id)


@app.post(
    "/drafts/<draft_id>/attachments",
    summary="Get an upload URL for one document slot",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers(
        "UploadOffer",
        401,
        404,
        409,
        *JSON_BODY,
        status=201,
        description="Where to PUT the file, and the slot's limits",
        links={
            "CheckUpload": link(
                operation_id("check_upload", f"{_DRAFT}/attachments/{{attachment_id}}/check", "post"),
                draft_id="$request.path.draft_id",
                attachment_id="$response.body#/attachment/id",
            )
        },
    ),
)
def start_upload(draft_id: str, body: UploadStart) -> dict[str, Any]:
    return applications().start_upload(
        current_applicant(), draft_id, document_id=body.document_id, file_name=body.file_name
    )


@app.post(
    "/drafts/<draft_id>/attachments/oversize",
    summary="Get an upload URL in a slot's place for files too large for it (Q3.4)",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers("UploadOffer", 401, 404, 409, *JSON_BODY, status=201, description="The upload form"),
)
def start_oversize_upload(draft_id: str, body: UploadStart) -> dict[str, Any]:
    return applications().start_oversize_upload(
        current_applicant(), draft_id, document_id=body.document_id, file_name=body.file_name
    )


@app.post(
    "/drafts/<draft_id>/attachments/<attachment_id>/check",
    summary="Check an uploaded file by its content and accept or reject it",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("CheckedAttachment", 400, 401, 404, 409, 422),
)
def check_upload(draft_id: str, attachment_id: str) -> dict[str, Any]:
    return applications().check_upload(current_applicant(), draft_id, attachment_id)


@app.post(
    "/drafts/<draft_id>/attachments/<attachment_id>/detach",
    summary="Take a file out of its slot before submitting (a status change: nothing is deleted)",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("CheckedAttachment", 401, 404, 409),
)
def detach_upload(draft_id: str, attachment_id: str) -> dict[str, Any]:
    return applications().detach_upload(current_applicant(), draft_id, attachment_id)


@app.get(
    "/drafts/<draft_id>/confirmation",
    summary="Everything to be submitted, with the declaration",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("Confirmation", 400, 401, 404, 409, 422),
)
def confirmation(draft_id: str, lang: Literal["th", "en"] = "th") -> dict[str, Any]:
    return applications().confirmation(current_applicant(), draft_id, lang=lang)


_REQUEST = "/requests/{request_id}"


def _request_links(request_id: str) -> dict[str, dict[str, Any]]:
    """From an answer that names a request to what its applicant can do with it next."""
    return {
        "GetRequest": link(operation_id("my_request", _REQUEST, "get"), request_id=request_id),
        "Payment": link(operation_id("payment_notice", f"{_REQUEST}/payment", "get"), request_id=request_id),
        "Withdraw": link(operation_id("withdraw", f"{_REQUEST}/withdraw", "post"), request_id=request_id),
        "Resubmit": link(operation_id("resubmit", f"{_REQUEST}/resubmit", "post"), request_id=request_id),
        "StartSupplement": link(
            operation_id("start_supplement", f"{_REQUEST}/attachments", "post"), request_id=request_id
        ),
        "StartSlipUpload": link(
            operation_id("start_slip_upload", f"{_REQUEST}/payment-slips/uploads", "post"), request_id=request_id
        ),
    }


@app.post(
    "/drafts/<draft_id>/submit",
    summary="Sign the declaration and submit (idempotent)",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers(
        "RequestDetail",
        401,
        404,
        409,
        *JSON_BODY,
        status=201,
        description="The request, received",
        links=_request_links("$response.body#/id"),
    ),
)
def submit(draft_id: str, body: Submission) -> dict[str, Any]:
    event = app.current_event
    identity = event.request_context.identity
    return applications().submit(
        current_applicant(),
        draft_id,
        declaration=body.declaration,
        content_hash=body.content_hash,
        accepted=body.accept,
        client_info={
            "source_ip": identity.source_ip or "",
            "user_agent": (identity.user_agent or "")[:300],
            "received_at": clock_source.now().isoformat(),
        },
    )


@app.get(
    "/requests",
    summary="My requests",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("RequestList", 400, 401, 422, links=_request_links("$response.body#/requests/0/id")),
)
def my_requests(limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    return _paged("requests", applications().my_requests(current_applicant(), limit=limit, cursor=cursor))


@app.get(
    "/requests/<request_id>",
    summary="Status, history and next step of my request",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("RequestDetail", 401, 404, 422),
)
def my_request(request_id: str) -> dict[str, Any]:
    return applications().request_detail(current_applicant(), request_id)


@app.get(
    "/requests/<request_id>/documents/<kind>",
    summary="Download an issued document of my request",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("DocumentLink", 401, 404, 422),
)
def my_document(request_id: str, kind: str) -> dict[str, Any]:
    return applications().document_link(current_applicant(), request_id, kind)


@app.post(
    "/requests/<request_id>/attachments",
    summary="Upload a document the officer asked for",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers(
        "UploadOffer",
        401,
        404,
        409,
        *JSON_BODY,
        status=201,
        description="Where to PUT the file, and the slot's limits",
        links={
            "CheckSupplement": link(
                operation_id("check_supplement", f"{_REQUEST}/attachments/{{attachment_id}}/check", "post"),
                request_id="$request.path.request_id",
                attachment_id="$response.body#/attachment/id",
            )
        },
    ),
)
def start_supplement(request_id: str, body: SupplementStart) -> dict[str, Any]:
    return applications().start_supplement_upload(
        current_applicant(), request_id, document_id=body.document_id, file_name=body.file_name
    )


@app.post(
    "/requests/<request_id>/attachments/<attachment_id>/check",
    summary="Check a supplementary file",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("CheckedAttachment", 400, 401, 404, 409, 422),
)
def check_supplement(request_id: str, attachment_id: str) -> dict[str, Any]:
    return applications().check_supplement(current_applicant(), request_id, attachment_id)


@app.post(
    "/requests/<request_id>/resubmit",
    summary="Send the requested documents back for review",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("RequestDetail", 401, 404, 409, *JSON_BODY),
)
def resubmit(request_id: str, body: Resubmission) -> dict[str, Any]:
    return applications().resubmit(current_applicant(), request_id, note=body.note)


@app.post(
    "/requests/<request_id>/withdraw",
    summary="Withdraw my request (needs a fresh sign-in)",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("RequestDetail", 401, 403, 404, 409, *JSON_BODY),
)
def withdraw(request_id: str, body: Withdrawal) -> dict[str, Any]:
    auth_time = _claims().get("auth_time")
    return applications().withdraw(
        current_applicant(),
        request_id,
        reason=body.reason,
        authenticated_at=float(auth_time) if auth_time else None,
    )


@app.post(
    "/requests/<request_id>/messages",
    summary="Write to the officers on my request (a contact with its deemed time of receipt)",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers("RequestDetail", 401, 404, *JSON_BODY, status=201, description="Written"),
)
def my_message(request_id: str, body: ThreadMessage) -> dict[str, Any]:
    return applications().send_message(current_applicant(), request_id, body.text)


@app.post(
    "/requests/<request_id>/paper-copies",
    summary="Ask for a paper copy (R-4.7), now or later",
    tags=["citizen"],
    security=CITIZEN,
    status_code=201,
    responses=answers("RequestDetail", 401, 404, 409, *JSON_BODY, status=201, description="Asked for"),
)
def my_paper_copy(request_id: str, body: PaperCopyRequest) -> dict[str, Any]:
    return applications().request_paper_copy(current_applicant(), request_id, method=body.method, note=body.note)


# --- citizen: paying the fee (Q6) ---------------------------------------------------------------------------
def _owned(request_id: str) -> dict[str, Any]:
    return applications().request_detail(current_applicant(), request_id)


@app.get(
    "/requests/<request_id>/payment",
    summary="Fee notice: amount, deadline, channels, Thai QR",
    tags=["payment"],
    security=CITIZEN,
    responses=answers("PaymentNotice", 401, 404, 422),
)
def payment_notice(request_id: str) -> dict[str, Any]:
    _owned(request_id)
    return payments().notice(request_id)


@app.post(
    "/requests/<request_id>/payments/card",
    summary="Pay by card on the provider's hosted page",
    tags=["payment"],
    security=CITIZEN,
    responses=answers("CardCheckout", 401, 404, 422),
)
def card_checkout(request_id: str) -> dict[str, Any]:
    from eservice.payments import reference_of

    _owned(request_id)
    notice = payments().notice(request_id)
    base = settings().public_base_url or f"https://{tenant().domain}"
    provider = provider_for(tenant(), public_base_url=base)
    url = provider.card_checkout_url(
        ref1=reference_of(request_id),
        ref2=notice["ref2"],
        amount_satang=notice["amount_satang"],
        return_url=f"{base}/#/requests/{request_id}",
    )
    return {"redirect_url": url, "provider": provider.name}


@app.post(
    "/requests/<request_id>/payment-slips/uploads",
    summary="Upload URL for a proof of payment",
    tags=["payment"],
    security=CITIZEN,
    status_code=201,
    responses=answers(
        "UploadOffer",
        401,
        404,
        409,
        *JSON_BODY,
        status=201,
        description="Where to PUT the slip, and its limits",
        links={
            "ReportSlip": link(
                operation_id("report_slip", f"{_REQUEST}/payment-slips", "post"),
                request_id="$request.path.request_id",
            )
        },
    ),
)
def start_slip_upload(request_id: str, body: SlipUpload) -> dict[str, Any]:
    return applications().start_slip_upload(current_applicant(), request_id, file_name=body.file_name)


@app.post(
    "/requests/<request_id>/payment-slips",
    summary="Report a payment with its proof (finance verifies)",
    tags=["payment"],
    security=CITIZEN,
    status_code=201,
    responses=answers("Slip", 401, 404, 409, *JSON_BODY, status=201, description="The slip, pending finance's check"),
)
def report_slip(request_id: str, body: SlipReport) -> dict[str, Any]:
    applicant = current_applicant()
    attachment = applications().checked_slip_file(applicant, request_id, body.attachment_id)
    return payments().submit_slip(
        request_id,
        applicant_id=applicant.id,
        attachment=attachment,
        transaction_reference=body.transaction_reference,
        paid_on=body.paid_on,
        amount_satang=body.amount_satang,
    )


@app.post(
    "/payments/webhook/<provider>",
    summary="Payment provider callback (HMAC-SHA256 signed)",
    description=f"The provider signs the raw body: header `{SIGNATURE_HEADER}: t=<unix time>,v1=<hex HMAC-SHA256 of "
    "'<t>.<body>'>`. Each message is recorded once; a retry of a processed message answers `duplicate`.",
    tags=["payment"],
    enable_validation=False,  # the signature covers the raw bytes: they are verified before they are parsed
    responses=answers("WebhookReceipt", 400, 401, 404, 409, 413, 422),
)
def payment_webhook(provider: str, message: WebhookMessage = SIGNED_JSON_BODY) -> dict[str, Any]:
    from eservice.payments import verify_webhook

    event = app.current_event
    raw = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    if provider != tenant().payment.provider:
        raise InvalidInput(code="webhook.unknown_provider", th="ไม่รู้จักผู้ให้บริการนี้", en="Unknown provider.")
    verified = verify_webhook(webhook_secret(), raw, event.headers.get(SIGNATURE_HEADER))
    return payments().receive(verified, provider=provider)


# --- officers: work lists, detail, decisions (Q4, Q5, Q7) ------------------------------------------------
_OFFICER_REQUEST = "/officer/requests/{request_id}"


def _officer_links(request_id: str) -> dict[str, dict[str, Any]]:
    """From a work list to the request's detail, decision and notes."""
    return {
        "Detail": link(operation_id("officer_request", _OFFICER_REQUEST, "get"), request_id=request_id),
        "Decide": link(operation_id("officer_decision", f"{_OFFICER_REQUEST}/decision", "post"), request_id=request_id),
        "Note": link(operation_id("officer_note", f"{_OFFICER_REQUEST}/notes", "post"), request_id=request_id),
    }


@app.get(
    "/officer/me",
    summary="The signed-in officer and their groups",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerMe", 401),
)
def officer_me() -> dict[str, Any]:
    from eservice.units import units_of

    officer = current_officer()
    return {
        "id": officer.id,
        "email": officer.email,
        "groups": sorted(officer.groups),
        "units": sorted(units_of(officer.groups)),  # R-2.1: whose requests this officer sees
    }


@app.get(
    "/officer/requests",
    summary="Work list with SLA state",
    tags=["officer"],
    security=OFFICER,
    responses=answers("WorkList", 400, 401, 422, links=_officer_links("$response.body#/requests/0/id")),
)
def officer_requests(
    status: Annotated[str | None, Query(max_length=40)] = None,
    mine: bool = False,
    limit: Limit = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = officers().work_list(current_officer(), status=status, mine=mine, limit=limit, cursor=cursor)
    return _paged("requests", page)


@app.get(
    "/officer/digest",
    summary="New and changed requests, SLA warnings (R-1.7)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("Digest", 401, links=_officer_links("$response.body#/changed/0/id")),
)
def officer_digest() -> dict[str, Any]:
    return officers().digest(current_officer())


@app.get(
    "/officer/requests/<request_id>",
    summary="Request detail for the officer",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerRequestDetail", 401, 404, 422),
)
def officer_request(request_id: str, lang: Literal["th", "en"] = "th") -> dict[str, Any]:
    detail = officers().detail(current_officer(), request_id, lang=lang)
    # Issue 13: the history names the officers who acted. Events keep ids only; officers read names here.
    acting = {
        str(e["by"]["id"])
        for e in detail.get("history", [])
        if isinstance(e.get("by"), dict) and e["by"].get("kind") == "officer" and e["by"].get("id")
    }
    return {**detail, "officer_names": {officer_id: _officer_name(officer_id) for officer_id in sorted(acting)}}


#: Officer id (the pool's ``sub``) -> e-mail; an officer's address does not change under their id.
_OFFICER_NAMES: dict[str, str] = {}


def _officer_name(officer_id: str) -> str:
    """The officer's e-mail in the officer pool, or the id itself if the account is gone (or, in a cell's
    shared pool, is no longer in any group of this agency)."""
    if officer_id not in _OFFICER_NAMES:
        email = officer_directory().email_of(officer_id)
        if email is None:
            return officer_id
        _OFFICER_NAMES[officer_id] = email
    return _OFFICER_NAMES[officer_id]


@app.get(
    "/officer/requests/<request_id>/attachments/<attachment_id>",
    summary="A short-lived download link for one attached file (the download is recorded)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("FileLink", 401, 403, 404),
)
def officer_attachment(request_id: str, attachment_id: str) -> dict[str, Any]:
    return officers().attachment_download(current_officer(), request_id, attachment_id)


@app.get(
    "/officer/requests/<request_id>/audit",
    summary="Who read the request's personal data or downloaded its files, and when (head and admin only)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("AccessLogPage", 400, 401, 403, 404),
)
def officer_access_log(request_id: str, limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    return _paged("entries", officers().access_log(current_officer(), request_id, limit=limit, cursor=cursor))


@app.post(
    "/officer/requests/<request_id>/decision",
    summary="Decide the step the request waits at",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerRequestDetail", 401, 403, 404, 409, *JSON_BODY),
)
def officer_decision(request_id: str, body: Decision) -> dict[str, Any]:
    return officers().decide(
        current_officer(),
        request_id,
        step=body.step,
        decision=body.decision,
        reason=body.reason,
        what=body.what,
        deadline=body.deadline,
        correct_agency=body.correct_agency,
        documents=body.documents,
        legal_basis=body.legal_basis,
        confirm=body.confirm,
    )


@app.post(
    "/officer/requests/<request_id>/messages",
    summary="Write to the applicant on the request's thread",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerRequestDetail", 401, 404, *JSON_BODY),
)
def officer_message(request_id: str, body: ThreadMessage) -> dict[str, Any]:
    return officers().send_message(current_officer(), request_id, body.text)


@app.post(
    "/officer/requests/<request_id>/paper-copies/<copy_id>",
    summary="Close an applicant's paper-copy request (R-4.7)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerRequestDetail", 401, 404, 409, *JSON_BODY),
)
def officer_paper_copy(request_id: str, copy_id: str, body: PaperCopyClosing) -> dict[str, Any]:
    return officers().close_paper_copy(current_officer(), request_id, copy_id, outcome=body.outcome, note=body.note)


@app.put(
    "/officer/requests/<request_id>/licence-fields",
    summary="Fill in what the agency adds to the licence (Q7.1)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerRequestDetail", 401, 403, 404, 409, *JSON_BODY),
)
def officer_licence_fields(request_id: str, body: LicenceFields) -> dict[str, Any]:
    return officers().set_licence_fields(current_officer(), request_id, body.values)


@app.post(
    "/officer/requests/<request_id>/notes",
    summary="Record a finding",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerRequestDetail", 401, 404, *JSON_BODY),
)
def officer_note(request_id: str, body: Note) -> dict[str, Any]:
    return officers().add_note(current_officer(), request_id, body.text)


@app.post(
    "/officer/register/<licence_number>/status",
    summary="Suspend, revoke or reinstate a licence (R-5.4)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("LicenceEntry", 401, 403, 404, 409, *JSON_BODY),
)
def officer_licence_status(licence_number: str, body: LicenceStatusChange) -> dict[str, Any]:
    officer = current_officer()
    if not officer.groups & {"head", "admin"}:
        raise Forbidden(
            code="licence.forbidden",
            th="เฉพาะผู้บริหารหรือผู้ดูแลระบบ",
            en="Only the head of the agency or an administrator may do this.",
        )
    entry, notice = licence_book().change_status(
        licence_number, status=body.status, reason=body.reason, by=officer.id, until=body.until
    )
    if notice is not None:
        # R-5.4: the holder gets the sealed status notice (notify has the sign function seal it).
        client("lambda").invoke(
            FunctionName=settings().notify_function, InvocationType="Event", Payload=json.dumps(notice).encode()
        )
    logger.info("licence status changed", extra={"status": body.status, "notified": notice is not None})
    return entry


@app.get(
    "/officer/payments/slips",
    summary="Payment slips waiting for finance",
    tags=["payment"],
    security=OFFICER,
    responses=answers(
        "SlipList",
        400,
        401,
        403,
        422,
        links={
            "DecideSlip": link(
                operation_id("decide_slip", "/officer/payments/slips/{request_id}/{slip_id}", "post"),
                request_id="$response.body#/slips/0/request_id",
                slip_id="$response.body#/slips/0/id",
            )
        },
    ),
)
def pending_slips(limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    _finance()
    page = payments().pending_slips(limit=limit, cursor=cursor)
    slips = page.items
    for slip in slips:
        # Finance looks at the proof itself before deciding (Q6.6).
        attachment = slip.get("attachment") or {}
        if attachment.get("key"):
            slip["url"] = files("uploads").presign_get(attachment["key"], file_name=attachment["file_name"])
    return _paged("slips", page)


@app.post(
    "/officer/payments/slips/<request_id>/<slip_id>",
    summary="Verify or reject a payment slip (Q6.6)",
    tags=["payment"],
    security=OFFICER,
    responses=answers("SlipOutcome", 401, 403, 404, 409, *JSON_BODY),
)
def decide_slip(request_id: str, slip_id: str, body: SlipDecision) -> dict[str, Any]:
    officer = _finance()
    result = payments().decide_slip(
        request_id, slip_id, decision=body.decision, reason=body.reason, by=officer.id, groups=officer.groups
    )
    if body.decision == "reject":
        invoke_function(
            settings().notify_function,
            {
                "action": "notice",
                "request_id": request_id,
                "template": "slip_rejected",
                "key": f"slip-{slip_id}",
                "extra": {"reason": body.reason},
            },
        )
    return result


_RECONCILIATION_CSV: OpenAPIResponse = {
    "description": "The whole day as CSV (UTF-8 with a BOM), with `format=csv`",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


@app.get(
    "/officer/payments/reconciliation",
    summary="Payments of a day, totals and mismatches (R-3.5)",
    tags=["payment"],
    security=OFFICER,
    responses=answers("Reconciliation", 400, 401, 403, 422),
)
def reconciliation(
    day: date, format: Literal["json", "csv"] = "json", limit: Limit = None, cursor: Cursor = None
) -> Any:
    _finance()
    if format == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=payments().reconciliation_csv(day).decode("utf-8"),
            headers={"Content-Disposition": f'attachment; filename="reconciliation-{day.isoformat()}.csv"'},
        )
    return payments().reconciliation(day, limit=limit, cursor=cursor)


def _finance() -> Officer:
    officer = current_officer()
    if "finance" not in officer.groups:
        raise Forbidden(code="payment.finance_only", th="เฉพาะเจ้าหน้าที่การเงิน", en="Finance officers only.")
    return officer


# --- public: licence register and verification (R-5, Act §13(1), R-3.3.6) --------------------------------
@app.get(
    "/register",
    summary="The public licence register, in force first",
    tags=["register"],
    responses=answers(
        "LicencePage",
        400,
        422,
        links={
            "Licence": link(
                operation_id("public_licence", "/register/{licence_number}", "get"),
                licence_number="$response.body#/licences/0/licence_number",
            )
        },
    ),
)
def public_register(
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = None,
    cursor: Cursor = None,
    service: Annotated[str | None, Query(max_length=60)] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[Literal["in_force", "suspended", "revoked", "expired"] | None, Query()] = None,
) -> dict[str, Any]:
    """By number, holder or business name (``q``), service, area and status; in force first (R-5.2)."""
    page = licence_book().search(q=q, service_id=service, area=area, status=status, limit=limit, cursor=cursor)
    return _paged("licences", page)


@app.get(
    "/register/<licence_number>",
    summary="One licence and its current status",
    tags=["register"],
    responses=answers("PublicLicence", 404, 422),
)
def public_licence(licence_number: str) -> dict[str, Any]:
    entry = register().entry(licence_number)
    if not entry.get("on_public_register"):
        return {"licence": entry}  # R-5.5: valid or not valid, nothing more
    record = database().repositories.licences.get(licence_number) or {}
    view = {**licence_book().public_view(record), "on_public_register": True, "image": _licence_image(record)}
    return {"licence": view}


# --- the complete licence register: back catalogue, scans, open data (R-5.1-R-5.3) ----------------------
@cache
def licence_book() -> LicenceBook:
    from eservice.licence_register import LicenceBook

    return LicenceBook(repos=database().repositories, tenant=tenant())


#: A scanned paper licence: PDF or an image, up to 20 MB.
MAX_SCAN_BYTES = 20 * 1024 * 1024
_SCAN_FORMATS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}


def _licence_image(record: dict[str, Any]) -> dict[str, Any] | None:
    """Act §13(1): the image of the licence. An issued licence's image is its sealed PDF itself (exact and
    verifiable; no rasteriser runs in Lambda); an imported one's is its scan. A short-lived link, inline."""
    key = media_type = None
    kind = "sealed_pdf"
    if record.get("scan"):
        key, media_type, kind = record["scan"]["key"], record["scan"]["media_type"], "scan"
    elif record.get("request_id"):
        document = (database().requests.get(record["request_id"]).get("documents") or {}).get("licence")
        if document:
            key, media_type = document["key"], "application/pdf"
    if key is None:
        return None
    url = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings().documents_bucket,
            "Key": key,
            "ResponseContentDisposition": "inline",
            "ResponseContentType": media_type,
        },
        ExpiresIn=300,
    )
    return {"kind": kind, "media_type": media_type, "url": url}


def _register_keeper() -> Officer:
    officer = current_officer()
    if not officer.groups & {"head", "admin"}:
        raise Forbidden(
            code="register.forbidden",
            th="เฉพาะผู้บริหารหรือผู้ดูแลระบบ",
            en="Only the head of the agency or an administrator may do this.",
        )
    return officer


def _scans(ids: set[str]) -> dict[str, dict[str, Any]]:
    """The uploaded scans the rows name, checked (a PDF or an image, scanned for malware when the agency
    scans uploads) and kept with the issued documents; an unusable one is left out (the row is refused)."""
    from eservice.files import sniff_format

    kept: dict[str, dict[str, Any]] = {}
    uploads = files("uploads")
    for scan_id in sorted(ids):
        if not re.fullmatch(r"[0-9a-f]{32}", scan_id):
            continue
        source = f"quarantine/licence-scans/{scan_id}"
        data = uploads.read(source, max_bytes=MAX_SCAN_BYTES)
        if not data or len(data) > MAX_SCAN_BYTES:
            continue
        if tenant().security.malware_scanning:
            verdict = uploads.scan_status(source)
            if verdict is None:
                # Still being scanned: the client asks again shortly (as for attachments), nothing is imported.
                raise Conflict(
                    code="file.scan_pending",
                    th="กำลังตรวจหามัลแวร์ในไฟล์สแกน กรุณารอสักครู่แล้วลองอีกครั้ง",
                    en="The scan is still being checked for malware. Please wait a moment and try again.",
                )
            if verdict != "NO_THREATS_FOUND":
                continue
        fmt = sniff_format(data[:64])
        media_type = _SCAN_FORMATS.get(str(fmt.value) if fmt else "")
        if media_type is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        key = f"licences/scans/{scan_id}-{digest[:16]}.{fmt.value if fmt else 'bin'}"
        client("s3").put_object(Bucket=settings().documents_bucket, Key=key, Body=data, ContentType=media_type)
        kept[scan_id] = {"key": key, "media_type": media_type, "sha256": digest, "size": len(data)}
    return kept


class ScanUpload(RequestBody):
    file_name: Annotated[str, Field(min_length=1, max_length=255)]


class LicenceImportFile(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "csv": "licence_number,service_id,holder,issued_on,valid_until,shop_name,area_sqm\n"
                    "FS 12/2566,food-shop,นางสาวสมใจ ดีงาม,2026-03-01,2027-02-28,ร้านสมใจ,320\n"
                }
            ]
        }
    )

    csv: Annotated[str, Field(min_length=1, max_length=6_000_000)]


class LicenceImportRow(RequestBody):
    licence_number: Annotated[str, Field(max_length=60)]
    service_id: Annotated[str, Field(max_length=60)]
    holder: Annotated[str, Field(max_length=300)]
    issued_on: Annotated[str, Field(max_length=20)]
    valid_until: Annotated[str | None, Field(max_length=20)] = None
    area: Annotated[str | None, Field(max_length=300)] = None
    scan_id: Annotated[str | None, Field(max_length=40)] = None
    fields: dict[str, Any] = {}
    # The holder's contact, for the status notices (R-5.4); personal data, never on the public register.
    holder_email: Annotated[str | None, Field(max_length=320)] = None
    holder_phone: Annotated[str | None, Field(max_length=30)] = None
    holder_address: Annotated[str | None, Field(max_length=600)] = None


@app.post(
    "/officer/register/scans",
    summary="Upload the scan of a paper licence before importing it (R-5.2)",
    tags=["register"],
    security=OFFICER,
    status_code=201,
    responses=answers("ScanOffer", 401, 403, *JSON_BODY, status=201, description="Where to upload the scan"),
)
def officer_register_scan(body: ScanUpload) -> dict[str, Any]:
    _register_keeper()
    scan_id = uuid.uuid4().hex
    offer = files("uploads").presign_post(f"quarantine/licence-scans/{scan_id}", max_bytes=MAX_SCAN_BYTES)
    return {"scan_id": scan_id, "file_name": body.file_name, "upload": {"method": "POST", **offer, "expires_in": 900}}


@app.post(
    "/officer/register/import",
    summary="Import paper licences in force from a CSV file, with a report per row (R-5.2)",
    tags=["register"],
    security=OFFICER,
    responses=answers("LicenceImportReport", 401, 403, 409, *JSON_BODY),
)
def officer_register_import(body: LicenceImportFile) -> dict[str, Any]:
    officer = _register_keeper()
    import csv as _csv
    import io as _io

    head = _csv.DictReader(_io.StringIO(body.csv.lstrip("\ufeff")))
    ids: set[str] = set()
    if "scan_id" in (head.fieldnames or []):
        ids = {str(row.get("scan_id") or "").strip() for row in head} - {""}
    report = licence_book().import_csv(body.csv, by=officer.id, scans=_scans(ids))
    logger.info("licences imported", extra={k: len(v) if isinstance(v, list) else v for k, v in report.items()})
    return report


@app.post(
    "/officer/register/licences",
    summary="Import one paper licence in force (R-5.2)",
    tags=["register"],
    security=OFFICER,
    responses=answers("LicenceImportReport", 401, 403, 409, *JSON_BODY),
)
def officer_register_import_one(body: LicenceImportRow) -> dict[str, Any]:
    officer = _register_keeper()
    row = {k: v for k, v in body.model_dump().items() if k != "fields" and v is not None}
    clash = sorted(set(body.fields) & {*row, "fields"})
    if clash:
        raise InvalidInput(
            code="import.field_clash",
            th=f"ช่องข้อมูลซ้ำกับคอลัมน์หลัก: {', '.join(clash)}",
            en=f"Fields repeat a main column: {', '.join(clash)}",
        )
    row.update({k: v for k, v in body.fields.items()})
    return licence_book().import_rows([row], by=officer.id, scans=_scans({body.scan_id} if body.scan_id else set()))


@app.post(
    "/officer/open-data/publish",
    summary="Publish the public register as open data now: exports, CKAN, the parent agency (R-5.3)",
    tags=["register"],
    security=OFFICER,
    responses=answers("OpenDataReport", 401, 403),
)
def officer_open_data_publish() -> dict[str, Any]:
    officer = current_officer()
    if "admin" not in officer.groups:
        raise Forbidden(code="open_data.admin_only", th="เฉพาะผู้ดูแลระบบ", en="Administrators only.")
    # The clock function holds the exports, CKAN and mail wiring; it publishes even an unchanged register.
    return invoke_function(settings().clock_function, {"action": "open_data", "force": True})


# --- the holders of paper licences: contact and status notices (R-5.2, R-5.4, PDPA) -----------------------
class HolderContactChange(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "somjai@example.com",
                    "phone": "0812345678",
                    "address": "9 ถนนท่าทอง ตำบลคลองน้อย",
                    "reason": "ผู้รับอนุญาตแจ้งที่อยู่อีเมลที่สำนักงาน",
                }
            ]
        }
    )

    email: Annotated[str | None, Field(max_length=320)] = None
    phone: Annotated[str | None, Field(max_length=30)] = None
    address: Annotated[str | None, Field(max_length=600)] = None
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


def _holder_keeper() -> Officer:
    officer = current_officer()
    if not officer.groups & {"records", "head", "admin"}:
        raise Forbidden(
            code="register.holder_forbidden",
            th="เฉพาะเจ้าหน้าที่สารบรรณ ผู้บริหาร หรือผู้ดูแลระบบ",
            en="Only records officers, the head of the agency or an administrator may do this.",
        )
    return officer


@app.get(
    "/officer/register/holders-not-reached",
    summary="Paper licences whose holder could not be told of a status change (R-5.4; records, head, admin)",
    tags=["register"],
    security=OFFICER,
    responses=answers("OfficerLicenceList", 401, 403),
)
def officer_holders_not_reached() -> dict[str, Any]:
    _holder_keeper()
    return {"licences": licence_book().holders_not_reached()}


@app.get(
    "/officer/register/licences/<licence_number>",
    summary="One licence with its holder's contact and notices (records, head, admin)",
    tags=["register"],
    security=OFFICER,
    responses=answers("OfficerLicence", 401, 403, 404),
)
def officer_register_licence(licence_number: str) -> dict[str, Any]:
    _holder_keeper()
    return licence_book().officer_entry(licence_number)


@app.post(
    "/officer/register/licences/<licence_number>/holder-contact",
    summary="Add or correct the contact of a paper licence's holder; the old value stays in its history (R-5.4)",
    tags=["register"],
    security=OFFICER,
    responses=answers("OfficerLicence", 401, 403, 404, 409, *JSON_BODY),
)
def officer_holder_contact(licence_number: str, body: HolderContactChange) -> dict[str, Any]:
    officer = _holder_keeper()
    contact = {k: v for k, v in body.model_dump().items() if k != "reason" and v is not None}
    entry, notices = licence_book().set_holder_contact(
        licence_number, contact=contact, reason=body.reason, by=officer.id
    )
    for notice in notices:
        # The notices the holder could not be given before go now, once each (notify claims each channel).
        client("lambda").invoke(
            FunctionName=settings().notify_function, InvocationType="Event", Payload=json.dumps(notice).encode()
        )
    logger.info("holder contact changed", extra={"resent": len(notices)})
    return entry


# --- the agency's announcements, issued once (Act §10, §13(1), §16; R-3.5(2)) ----------------------------
def _issue_announcement(announcement_id: str) -> dict[str, Any]:
    # Rendering and sealing need pyHanko and fpdf2: the sign function does it, intake stays light.
    result = invoke_function(
        settings().sign_function, {"action": "issue_announcement", "announcement_id": announcement_id}
    )
    if "error" in result:
        error = result["error"]["error"]
        raise ServiceError(
            code=error["code"], th=error["message"]["th"], en=error["message"]["en"], status=int(result["status"])
        )
    return dict(result["announcement"])


@cache
def announcements() -> Announcements:
    from eservice.announcements import Announcements

    return Announcements(
        announcements=database().repositories.announcements,
        tenant=tenant(),
        eservice_url=settings().public_base_url or f"https://{tenant().domain}",
        seal=_issue_announcement,
    )


class AnnouncementDraft(RequestBody):
    kind: Annotated[str, Field(min_length=1, max_length=40)]


class AnnouncementApproval(RequestBody):
    signer_name: Annotated[str, Field(min_length=1, max_length=200)]
    signer_position: Annotated[str, Field(max_length=300)] | None = None


class GazettePublication(RequestBody):
    published_on: date
    reference: Annotated[str, Field(max_length=300)] | None = None


@app.get(
    "/announcements",
    summary="The agency's issued announcements, with superseded ones",
    tags=["information"],
    responses=answers("AnnouncementPage", 400, 422),
)
def list_announcements(limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    return _paged("announcements", announcements().published(limit=limit, cursor=cursor))


@app.get(
    "/announcements/<ref>/pdf",
    summary="An issued announcement's sealed PDF (by id, or the one in force of a kind), from storage",
    tags=["information"],
    enable_validation=False,  # it answers a PDF, not JSON
    responses={
        **answers(None, 404, media_type="application/pdf", description="The sealed PDF"),
        304: {"description": "Not modified: `If-None-Match` names the PDF's ETag"},
    },
)
def announcement_pdf(ref: str) -> Response[Any]:
    # Validation is off for this route only: it answers a PDF, not JSON.
    document = announcements().document(ref)
    etag = f'"{document["sha256"]}"'
    # An issued document never changes: by id it is cached for good; a kind's current one may be superseded.
    cache_control = "public, max-age=300" if document["current"] else "public, max-age=31536000, immutable"
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if app.current_event.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers, body="")
    pdf = files("documents").read(document["key"], max_bytes=20 * 1024 * 1024)
    if pdf is None:
        raise NotFound(code="announcement.not_found", th="ไม่พบประกาศนี้", en="No such announcement.")
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=pdf,
        headers={**headers, "Content-Disposition": f'inline; filename="{document["file_name"]}"'},
    )


@app.get(
    "/officer/announcements",
    summary="Every announcement, drafts included (head, admin)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("AnnouncementPage", 400, 401, 403, 422),
)
def officer_announcements(limit: Limit = None, cursor: Cursor = None) -> dict[str, Any]:
    page = announcements().for_officers(current_officer().groups, limit=limit, cursor=cursor)
    return _paged("announcements", page)


@app.post(
    "/officer/announcements",
    summary="Draft an announcement from the tenant file (admin)",
    tags=["officer"],
    security=OFFICER,
    status_code=201,
    responses=answers("Announcement", 401, 403, 404, 409, *JSON_BODY, status=201, description="The draft"),
)
def draft_announcement(body: AnnouncementDraft) -> dict[str, Any]:
    officer = current_officer()
    return announcements().draft(officer.id, officer.groups, body.kind)


@app.post(
    "/officer/announcements/<announcement_id>/approve",
    summary="Approve and sign an announcement: sealed once (head)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("Announcement", 401, 403, 404, 409, *JSON_BODY),
)
def approve_announcement(announcement_id: str, body: AnnouncementApproval) -> dict[str, Any]:
    officer = current_officer()
    return announcements().approve(
        officer.id,
        officer.groups,
        announcement_id,
        signer_name=body.signer_name,
        signer_position=body.signer_position,
    )


@app.post(
    "/officer/announcements/<announcement_id>/gazette",
    summary="Record the Royal Gazette publication of an issued announcement (head, admin)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("Announcement", 401, 403, 404, 409, *JSON_BODY),
)
def record_gazette(announcement_id: str, body: GazettePublication) -> dict[str, Any]:
    officer = current_officer()
    return announcements().record_gazette(
        officer.id, officer.groups, announcement_id, published_on=body.published_on, reference=body.reference
    )


#: The largest PDF verification reads (API Gateway's payload limit leaves room for base64).
MAX_VERIFIED_PDF = 4 * 1024 * 1024


@app.post(
    "/verify",
    summary="Verify a signed PDF (signature, timestamp, changes, status)",
    tags=["register"],
    enable_validation=False,  # the body is a PDF, read as bytes
    responses=answers("Verification", 400, 413),
)
def verify_document(pdf: bytes = PDF_BODY) -> dict[str, Any]:
    del pdf  # the marker above; the bytes come from the event
    pdf = _uploaded_pdf()
    if not pdf:
        raise InvalidInput(code="verify.empty", th="กรุณาแนบไฟล์ PDF", en="Attach a PDF file.")
    if len(pdf) > MAX_VERIFIED_PDF:
        raise PayloadTooLarge(code="verify.too_large", th="ไฟล์ใหญ่เกิน 4 MB", en="The file is larger than 4 MB.")
    # Every PDF starts with "%PDF-" (readers allow some bytes before it); anything else is not one.
    if b"%PDF-" not in pdf[:1024]:
        raise _not_a_pdf()
    return invoke_function(settings().sign_function, {"action": "verify", "pdf_base64": base64.b64encode(pdf).decode()})


def _uploaded_pdf() -> bytes:
    event = app.current_event
    raw = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(raw)
    try:
        # A PDF sent with a text media type arrives one character per byte.
        return raw.encode("latin-1")
    except UnicodeEncodeError:
        raise _not_a_pdf() from None


def _not_a_pdf() -> UnsupportedMediaType:
    return UnsupportedMediaType(
        code="verify.not_pdf",
        th="ไฟล์นี้ไม่ใช่ PDF กรุณาแนบไฟล์ PDF (Content-Type: application/pdf)",
        en="This is not a PDF file. Please attach a PDF (Content-Type: application/pdf).",
    )


@app.post(
    "/tsa",
    summary="RFC 3161 timestamp authority (Q3.8)",
    description="Send a DER `TimeStampReq`; the answer is a DER `TimeStampResp`, granted or a rejection with its "
    "reason (RFC 3161 §2.4.2). Served by the clock function, which holds the TSA key.",
    tags=["register"],
    enable_validation=False,
    openapi_extensions={SERVED_BY: "clock"},
    responses=answers(None, media_type="application/timestamp-reply", description="A DER TimeStampResp"),
)
def timestamp_authority(query: bytes = TIMESTAMP_QUERY_BODY) -> dict[str, Any]:
    # API Gateway sends this operation to the clock function (infra/routes.py); intake never holds the key.
    raise NotFound(code="request.not_found", th="ไม่พบบริการที่เรียก", en="No such operation.")


# --- officers: statistics and analytic reports (Q10.5) --------------------------------------------------
@cache
def statistics_report() -> StatisticsReport:
    from eservice.saga_steps import office_calendar
    from eservice.statistics import StatisticsReport  # only the statistics reports need it (issue 14)

    db = database()
    return StatisticsReport(
        tenant=tenant(),
        calendar=office_calendar(tenant()),
        received=db.requests,
        requests=db.repositories.requests,
        payments=db.repositories.payments,
    )


_STATISTICS_CSV: OpenAPIResponse = {
    "description": "The same rows as CSV (UTF-8 with a BOM), with `format=csv`",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


def _with_csv(documented: dict[int, OpenAPIResponse]) -> dict[int, OpenAPIResponse]:
    """The JSON answer, and the CSV one of ``format=csv``."""
    success = documented[200]
    success["content"] = {**success["content"], **_STATISTICS_CSV["content"]}
    success["description"] = "The rows as JSON, or as CSV (UTF-8 with a BOM) with `format=csv`"
    return documented


#: Who reads the agency's statistics: the head, the administrators and finance (fees).
STATISTICS_GROUPS = frozenset({"head", "admin", "finance"})
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


@app.get(
    "/officer/statistics",
    summary="Requests per service and month: outcomes, working days, SLA compliance, fees (Q10.5)",
    tags=["officer"],
    security=OFFICER,
    responses=_with_csv(answers("StatisticsAnswer", 400, 401, 403)),
)
def get_statistics(
    from_month: Annotated[str, Query(alias="from", pattern=_MONTH, description="First month, YYYY-MM")],
    to_month: Annotated[str, Query(alias="to", pattern=_MONTH, description="Last month, YYYY-MM")],
    service: Annotated[str | None, Query(max_length=60)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    officer = current_officer()
    if not officer.groups & STATISTICS_GROUPS:
        raise Forbidden(
            code="statistics.not_allowed",
            th="เฉพาะหัวหน้าหน่วยงาน ผู้ดูแลระบบ และเจ้าหน้าที่การเงิน",
            en="The head of the agency, administrators and finance officers only.",
        )
    if format == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=statistics_report().csv(from_month, to_month, service_id=service).decode("utf-8"),
            headers={"Content-Disposition": f'attachment; filename="statistics-{from_month}-{to_month}.csv"'},
        )
    return statistics_report().report(from_month, to_month, service_id=service)


# --- citizen: personal data (PDPA right of access, R-4.8) ------------------------------------------------
@cache
def personal_data() -> PersonalDataExport:
    from eservice.privacy import PersonalDataExport

    db = database()
    return PersonalDataExport(
        repos=db.repositories,
        holdings=db.requests,
        upload_link=lambda key, name, seconds: files("uploads").presign_get(key, file_name=name, expires_in=seconds),
        document_link=lambda key, name, seconds: files("documents").presign_get(
            key, file_name=name, expires_in=seconds
        ),
    )


@app.get(
    "/me/data-export",
    summary="Everything held about me: JSON, with short-lived links to my files (PDPA)",
    tags=["citizen"],
    security=CITIZEN,
    responses=answers("MyDataExport", 401),
)
def my_data_export() -> Response[str]:
    applicant = current_applicant()
    body = json.dumps(personal_data().export(applicant.id), ensure_ascii=False, separators=(",", ":"), default=str)
    logger.info("personal data exported")  # no identifier of the person in the log
    return Response(
        status_code=200,
        content_type="application/json",
        body=body,
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
        },
    )


# --- registers of correspondence (R-2.1, R-2.5, R-4.9) and units (R-2.1) -----------------------------------
@cache
def correspondence() -> Correspondence:
    from eservice.correspondence import Correspondence

    return Correspondence(
        store=database().correspondence,
        tenant=tenant(),
        uploads=files("uploads"),
        link=lambda key, name: files("uploads").presign_get(key, file_name=name),
    )


@cache
def unit_membership() -> UnitMembership:
    from eservice.units import UnitMembership

    return UnitMembership(tenant=tenant(), officers=officer_directory())


class ScanStart(RequestBody):
    file_name: Annotated[str, Field(min_length=1, max_length=255)]


class LetterColumns(RequestBody):
    """The Regulation's columns a records officer writes (ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ)."""

    document_number: Annotated[str, Field(max_length=100)] | None = None
    document_date: date | None = None
    sender: Annotated[str, Field(max_length=300)] | None = None
    addressee: Annotated[str, Field(max_length=300)] | None = None
    subject: Annotated[str, Field(max_length=500)] | None = None
    action: Annotated[str, Field(max_length=300)] | None = None
    remarks: Annotated[str, Field(max_length=600)] | None = None


class LetterEntry(LetterColumns):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scan_id": "S-7K3M9QX2TD",
                    "channel": "paper",
                    "sender": "นายสมชาย ใจดี",
                    "subject": "ขอความอนุเคราะห์ซ่อมไฟฟ้าส่องสว่าง",
                    "arrived_at": "2026-12-01T10:15:00+07:00",
                }
            ]
        }
    )

    scan_id: Annotated[str, Field(min_length=1, max_length=20)]
    channel: Literal["email", "paper"]
    #: When the e-mail reached the saraban address, or the letter the office (default: now).
    arrived_at: datetime | None = None


class LetterCorrection(LetterColumns):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class UnitsOfOfficer(RequestBody):
    units: Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=50)]


Register = Literal["received", "dispatched"]
#: The page as JSON, or with ``format=csv`` the period in the Regulation's columns (UTF-8 with a BOM).
_CORRESPONDENCE_ANSWERS = answers("CorrespondencePage", 400, 401, 403, 404, 409, 422)
_CORRESPONDENCE_ANSWERS[200]["content"]["text/csv"] = {"schema": {"type": "string"}}


@app.get(
    "/officer/correspondence/<register>",
    summary="Browse or search a register of correspondence for a period; CSV with format=csv (records, head, admin)",
    tags=["correspondence"],
    security=OFFICER,
    responses=_CORRESPONDENCE_ANSWERS,
)
def officer_correspondence(
    register: Register,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    format: Literal["json", "csv"] = "json",
    limit: Limit = None,
    cursor: Cursor = None,
) -> Any:
    groups = current_officer().groups
    if format == "csv":
        name = f"{register}-{start or 'all'}-{end or 'all'}.csv"
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=correspondence().csv(groups, register, start=start, end=end).decode("utf-8"),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    page = correspondence().browse(groups, register, start=start, end=end, q=q, limit=limit, cursor=cursor)
    return _paged("entries", page)


@app.get(
    "/officer/correspondence/<register>/pdf",
    summary="A register of correspondence for a period as a sealed PDF (records, head, admin)",
    tags=["correspondence"],
    security=OFFICER,
    enable_validation=False,  # it answers a PDF, not JSON
    responses=answers(None, 400, 401, 403, 404, 409, 422, media_type="application/pdf", description="The sealed PDF"),
)
def officer_correspondence_pdf(
    register: Register,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response[Any]:
    # Validation is off for this route only (a PDF answer): the documented query is read and checked here.
    query = app.current_event.query_string_parameters or {}
    start, end = _query_date(query, "from"), _query_date(query, "to")
    officer = current_officer()
    correspondence().browse(officer.groups, register, start=start, end=end, limit=1)  # authorises, checks the period
    # Rendering and sealing need pyHanko and fpdf2: the sign function does it, intake stays light.
    result = invoke_function(
        settings().sign_function,
        {
            "action": "correspondence_pdf",
            "register": register,
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "by": officer.id,
        },
    )
    if "error" in result:
        error = result["error"]["error"]
        raise ServiceError(
            code=error["code"], th=error["message"]["th"], en=error["message"]["en"], status=int(result["status"])
        )
    pdf = files("documents").read(result["key"], max_bytes=20 * 1024 * 1024)
    if pdf is None:
        raise NotFound(code="correspondence.not_found", th="ไม่พบไฟล์ทะเบียน", en="The register file is missing.")
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=pdf,
        headers={"Content-Disposition": f'attachment; filename="{result["file_name"]}"'},
    )


def _query_date(query: dict[str, str], name: str) -> date | None:
    value = query.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        th, en = _FIELD_MESSAGES["field.date_format"]
        raise ServiceError(
            code="request.invalid",
            th="ข้อมูลที่ส่งมาไม่ถูกต้อง กรุณาแก้ไขช่องที่แจ้งไว้",
            en="The request is not valid. Please check the fields listed.",
            status=422,
            details=[FieldError(field=f"query.{name}", code="field.date_format", th=th, en=en)],
        ) from None


@app.get(
    "/officer/correspondence/<register>/<year>/<number>",
    summary="One entry of a register of correspondence, with its scan (records, head, admin)",
    tags=["correspondence"],
    security=OFFICER,
    responses=answers("CorrespondenceEntry", 401, 403, 404, 422),
)
def officer_correspondence_entry(register: Register, year: int, number: int) -> dict[str, Any]:
    return correspondence().entry(current_officer().groups, register, year, number)


@app.post(
    "/officer/correspondence/scans",
    summary="Start the upload of a letter's scan, to enter it in the receiving register (records)",
    tags=["correspondence"],
    security=OFFICER,
    status_code=201,
    responses=answers("ScanUploadOffer", 401, 403, *JSON_BODY, status=201, description="The upload form"),
)
def officer_correspondence_scan(body: ScanStart) -> dict[str, Any]:
    officer = current_officer()
    return correspondence().start_scan(officer.id, officer.groups, file_name=body.file_name)


@app.post(
    "/officer/correspondence/entries",
    summary="Enter a letter received by e-mail or on paper in the receiving register, with its scan (records)",
    tags=["correspondence"],
    security=OFFICER,
    status_code=201,
    responses=answers("CorrespondenceEntry", 401, 403, 404, 409, *JSON_BODY, status=201, description="The entry"),
)
def officer_correspondence_enter(body: LetterEntry) -> dict[str, Any]:
    officer = current_officer()
    entry = correspondence().enter(
        officer.id,
        officer.groups,
        scan_id=body.scan_id,
        channel=body.channel,
        fields=body.model_dump(include=set(LetterColumns.model_fields)),
        arrived_at=body.arrived_at,
    )
    return correspondence().entry(officer.groups, "received", int(entry["year"]), int(entry["number"]))


@app.post(
    "/officer/correspondence/<register>/<year>/<number>/corrections",
    summary="Correct an entry of the receiving register: a new entry that names the old one (records)",
    tags=["correspondence"],
    security=OFFICER,
    status_code=201,
    responses=answers("CorrespondenceEntry", 401, 403, 404, 409, *JSON_BODY, status=201, description="The new entry"),
)
def officer_correspondence_correct(
    register: Register, year: int, number: int, body: LetterCorrection
) -> dict[str, Any]:
    officer = current_officer()
    if register != "received":
        raise NotFound(
            code="correspondence.not_correctable",
            th="แก้ไขได้เฉพาะรายการในทะเบียนหนังสือรับ",
            en="Only entries of the receiving register are corrected by hand.",
        )
    entry = correspondence().correct(
        officer.id,
        officer.groups,
        year,
        number,
        fields=body.model_dump(include=set(LetterColumns.model_fields)),
        reason=body.reason,
    )
    return correspondence().entry(officer.groups, "received", int(entry["year"]), int(entry["number"]))


@app.get(
    "/officer/officers/<username>/units",
    summary="The units an officer belongs to (admin)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerUnits", 401, 403, 404),
)
def officer_units(username: str) -> dict[str, Any]:
    return unit_membership().units(current_officer().groups, username)


@app.put(
    "/officer/officers/<username>/units",
    summary="Set the units an officer belongs to: they see those units' requests (admin, R-2.1)",
    tags=["officer"],
    security=OFFICER,
    responses=answers("OfficerUnits", 401, 403, 404, *JSON_BODY),
)
def set_officer_units(username: str, body: UnitsOfOfficer) -> dict[str, Any]:
    return unit_membership().set_units(current_officer().groups, username, body.units)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy entry point."""
    refused = _refused_media_type(event)
    if refused is not None:
        logger.info("request refused", extra={"code": refused.code, "status": refused.status})
        return {
            "statusCode": refused.status,
            "multiValueHeaders": {"Content-Type": ["application/json"]},
            "body": json.dumps(refused.as_dict(), separators=(",", ":")),
            "isBase64Encoded": False,
        }
    return app.resolve(event, context)


# --- SnapStart (issue 14): nothing restored from the snapshot holds a client, a connection or a secret --------
@before_snapshot
def load_use_cases() -> None:
    """The modules a request loads when first needed (``USE_CASE_MODULES``), loaded into the snapshot instead."""
    for name in USE_CASE_MODULES:
        importlib.import_module(name)


@after_restore
def forget_clients_and_secrets() -> None:
    """Every cache of this module (clients, use cases built on them, secrets) is built again when next needed."""
    clear_module_caches(globals())


# --- cold start (issue 14): the collector resumes --------------------------------------------------------------
# The objects made while importing live as long as the container: frozen, later collections (the first request's
# too) never scan them again. Only the first load of a process freezes: the local stack loads this module again
# for each new container, in a process that also holds other state.
if gc.get_freeze_count() == 0:
    gc.freeze()
if _COLLECTING:
    gc.enable()
