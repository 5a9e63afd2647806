"""intake: the public REST API (citizens, officers and anyone for the public routes).

Each route is declared once here; CDK builds API Gateway from this OpenAPI document
(infra/routes.py) and ``GET /openapi.json`` serves it. Routes are thin: parse, call one use case,
map the answer. Must stay light: never imports pyHanko or fpdf2 (cold start).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.models import Contact, HTTPBearer, Server
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from eservice import clock_source
from eservice.applications import Applicant, Applications
from eservice.aws import Saga, Uploads
from eservice.catalogue import agency_info, search_services, service_detail
from eservice.errors import ServiceError, Unauthorized
from eservice.settings import settings, tenant
from eservice.store import Store

logger = Logger(service="eservice-intake")
app = APIGatewayRestResolver(enable_validation=True)
app.configure_openapi(
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

CITIZEN: list[dict[str, list[str]]] = [{"citizen": []}]
OFFICER: list[dict[str, list[str]]] = [{"officer": []}]


# --- composition root -------------------------------------------------------------------------------
@cache
def applications() -> Applications:
    """The use cases, wired to this stack's table, bucket and state machine (once per container)."""
    config = settings()
    saga = Saga(state_machine_arn=config.state_machine_arn)
    return Applications(
        store=Store.from_env(),
        tenant=tenant(),
        uploads=Uploads(bucket=config.uploads_bucket),
        start_saga=saga.start,
    )


def current_applicant() -> Applicant:
    """The citizen signed in through the citizen pool's authorizer (ids only)."""
    claims = (app.current_event.request_context.authorizer.claims or {}) if app.current_event else {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthorized(code="auth.required", th="กรุณาเข้าสู่ระบบ", en="Please sign in.")
    return Applicant(id=str(subject), email=claims.get("email"))


@app.exception_handler(ServiceError)
def service_error(error: ServiceError) -> Response[Any]:
    """Typed errors become a stable code and a Thai/English message; the detail goes to the log."""
    logger.info("request refused", extra={"code": error.code, "status": error.status})
    return Response(status_code=error.status, content_type="application/json", body=error.as_dict())


# --- request bodies ----------------------------------------------------------------------------------
class OnBehalfOfBody(BaseModel):
    kind: Literal["person", "juristic_person"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    identifier: Annotated[str, Field(min_length=1, max_length=20)]


class NewDraft(BaseModel):
    service_id: str
    answers: dict[str, Any] = {}
    on_behalf_of: OnBehalfOfBody | None = None


class DraftUpdate(BaseModel):
    answers: dict[str, Any]
    on_behalf_of: OnBehalfOfBody | None = None
    estamp_code: Annotated[str, Field(max_length=40)] | None = None


class UploadStart(BaseModel):
    document_id: str
    file_name: Annotated[str, Field(min_length=1, max_length=255)]


class Submission(BaseModel):
    declaration: Annotated[str, Field(min_length=1, max_length=4000)]
    content_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    accept: bool


class Profile(BaseModel):
    full_name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


# --- public: information (Q1) -------------------------------------------------------------------------
@app.get("/openapi.json", summary="This API's OpenAPI document", tags=["information"])
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=app.get_openapi_json_schema())


@app.get("/agency", summary="The agency: names, contact details, office hours", tags=["information"])
def get_agency() -> dict[str, Any]:
    return agency_info(tenant())


@app.get("/services", summary="List and search the agency's e-Services (Thai or English)", tags=["information"])
def list_services(q: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    return {"services": search_services(tenant(), q)}


@app.get("/services/<service_id>", summary="One e-Service: form, documents, fee, SLA", tags=["information"])
def get_service(service_id: str) -> dict[str, Any]:
    return service_detail(tenant(), applications().service(service_id))


# --- citizen: profile, drafts, attachments, submission, tracking (Q2, Q3) ------------------------------
@app.get("/me/profile", summary="My profile (used to pre-fill forms)", tags=["citizen"], security=CITIZEN)
def get_profile() -> dict[str, Any]:
    return applications().profile(current_applicant())


@app.put("/me/profile", summary="Save my profile", tags=["citizen"], security=CITIZEN)
def put_profile(body: Profile) -> dict[str, Any]:
    return applications().save_profile(current_applicant(), body.model_dump(exclude_none=True))


@app.get("/drafts", summary="My open drafts", tags=["citizen"], security=CITIZEN)
def list_drafts() -> dict[str, Any]:
    return {"drafts": applications().drafts(current_applicant())}


@app.post("/drafts", summary="Start a draft (pre-filled)", tags=["citizen"], security=CITIZEN, status_code=201)
def create_draft(body: NewDraft) -> dict[str, Any]:
    return applications().create_draft(
        current_applicant(),
        body.service_id,
        answers=body.answers,
        on_behalf_of=body.on_behalf_of.model_dump() if body.on_behalf_of else None,
    )


@app.get("/drafts/<draft_id>", summary="Resume a draft", tags=["citizen"], security=CITIZEN)
def get_draft(draft_id: str) -> dict[str, Any]:
    return applications().draft(current_applicant(), draft_id)


@app.put("/drafts/<draft_id>", summary="Save a draft", tags=["citizen"], security=CITIZEN)
def put_draft(draft_id: str, body: DraftUpdate) -> dict[str, Any]:
    return applications().update_draft(
        current_applicant(),
        draft_id,
        answers=body.answers,
        on_behalf_of=body.on_behalf_of.model_dump() if body.on_behalf_of else None,
        estamp_code=body.estamp_code,
    )


@app.delete("/drafts/<draft_id>", summary="Discard a draft (kept, marked discarded)", tags=["citizen"],
            security=CITIZEN)
def discard_draft(draft_id: str) -> dict[str, Any]:
    return applications().discard_draft(current_applicant(), draft_id)


@app.post("/drafts/<draft_id>/attachments", summary="Get an upload URL for one document slot",
          tags=["citizen"], security=CITIZEN, status_code=201)
def start_upload(draft_id: str, body: UploadStart) -> dict[str, Any]:
    return applications().start_upload(
        current_applicant(), draft_id, document_id=body.document_id, file_name=body.file_name
    )


@app.post("/drafts/<draft_id>/attachments/<attachment_id>/check",
          summary="Check an uploaded file by its content and accept or reject it", tags=["citizen"],
          security=CITIZEN)
def check_upload(draft_id: str, attachment_id: str) -> dict[str, Any]:
    return applications().check_upload(current_applicant(), draft_id, attachment_id)


@app.get("/drafts/<draft_id>/confirmation", summary="Everything to be submitted, with the declaration",
         tags=["citizen"], security=CITIZEN)
def confirmation(draft_id: str, lang: Literal["th", "en"] = "th") -> dict[str, Any]:
    return applications().confirmation(current_applicant(), draft_id, lang=lang)


@app.post("/drafts/<draft_id>/submit", summary="Sign the declaration and submit (idempotent)",
          tags=["citizen"], security=CITIZEN, status_code=201)
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


@app.get("/requests", summary="My requests", tags=["citizen"], security=CITIZEN)
def my_requests() -> dict[str, Any]:
    return {"requests": applications().my_requests(current_applicant())}


@app.get("/requests/<request_id>", summary="Status, history and next step of my request",
         tags=["citizen"], security=CITIZEN)
def my_request(request_id: str) -> dict[str, Any]:
    return applications().request_detail(current_applicant(), request_id)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy entry point."""
    return app.resolve(event, context)
