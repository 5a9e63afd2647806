"""clock: official time. Saga steps (stamp, await, transition, deadlines) and the RFC 3161 TSA.

Invoked by the request saga with ``{"action": ..., "request_id": ...}``, by EventBridge Scheduler
when a deadline is due (``deadline_due``), and by API Gateway for ``POST /tsa``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from eservice import clock_source
from eservice.aws import Saga, client, transient_errors_retried
from eservice.correspondence import Correspondence
from eservice.dynamo import DynamoDatabase
from eservice.recovery import Sweeper
from eservice.saga_steps import DeadlineScheduler, SagaSteps
from eservice.settings import settings, tenant
from eservice.snapstart import after_restore, clear_module_caches

logger = Logger(service="eservice-clock")


@cache
def database() -> DynamoDatabase:
    return DynamoDatabase.from_env()


@cache
def saga() -> Saga:
    return Saga(state_machine_arn=settings().state_machine_arn)


@cache
def steps(function_arn: str) -> SagaSteps:
    """The saga steps wired to this stack (once per container)."""
    config = settings()
    return SagaSteps(
        repos=database().repositories,
        tenant=tenant(),
        deadlines=DeadlineScheduler(
            scheduler=client("scheduler"),
            group=config.schedule_group,
            role_arn=config.scheduler_role_arn,
            target_arn=function_arn,
            tenant_id=config.tenant_id,
        ),
        executions=saga(),
        timestamp=_stamp_digest,
        notify=_notify,
        correspondence=Correspondence(store=database().correspondence, tenant=tenant()),
    )


def sweep(grace_seconds: float = 120) -> dict[str, Any]:
    """Deliver pending saga answers and resume stranded requests; report what was done."""
    from datetime import timedelta

    repos = database().repositories
    sweeper = Sweeper(
        requests=repos.requests, waiting=repos.waiting, executions=saga(), grace=timedelta(seconds=grace_seconds)
    )
    report = sweeper.sweep(now=clock_source.now())
    if any(report.values()):
        logger.warning("sweeper recovered requests", extra={k: len(v) for k, v in report.items()})
    return report


def expire_licences() -> dict[str, Any]:
    """R-5.4: the daily sweep; each expired licence's holder is told with a sealed notice (notify)."""
    import json

    from eservice.licence_register import LicenceBook

    notices = LicenceBook(repos=database().repositories, tenant=tenant()).expire_due()
    for notice in notices:
        client("lambda").invoke(
            FunctionName=settings().notify_function, InvocationType="Event", Payload=json.dumps(notice)
        )
    logger.info("licences expired", extra={"count": len(notices)})
    return {"expired": len(notices)}


def open_data(*, force: bool = False) -> dict[str, Any]:
    """R-5.3: publish the public register (month-end when it changed, or on an administrator's demand)."""
    from eservice.open_data import OpenDataPublisher

    config = settings()
    publisher = OpenDataPublisher(
        repos=database().repositories,
        tenant=tenant(),
        s3=client("s3"),
        bucket=config.exports_bucket,
        public_url=config.exports_base_url or config.public_base_url or f"https://{tenant().domain}",
        ckan=_ckan,
        send_parent=_send_parent,
    )
    return publisher.publish(force=force)


def _ckan() -> Any:
    """The CKAN portal with the agency's API key (a secret), or None when the agency has none yet."""
    from ckanapi import RemoteCKAN  # type: ignore[import-untyped]

    from eservice.channel_keys import ChannelKeys

    config = settings()
    if not config.channel_keys_secret_arn:
        return None
    secret = client("secretsmanager").get_secret_value(SecretId=config.channel_keys_secret_arn)["SecretString"]
    key = ChannelKeys.from_secret_string(str(secret)).ckan_api_key
    if not key:
        return None
    url = config.ckan_url or tenant().open_data.ckan_url
    return RemoteCKAN(url, apikey=key, user_agent=f"eservice-{tenant().id}/open-data")


def _send_parent(to: str, digest: str, files: list[Any]) -> str:
    """R-5.3: the export to the parent agency, by e-mail from the saraban address with the files."""
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import formataddr

    agency = tenant()
    parent = agency.open_data.parent_agency
    mime = MIMEMultipart()
    mime["Subject"] = f"ทะเบียนใบอนุญาต {agency.name.th} / Licence register of {agency.name.en}"
    mime["From"] = formataddr((agency.name.th, agency.saraban_email))
    mime["To"] = to
    body = (
        f"เรียน {parent.th if parent else ''}\n\n{agency.name.th}ขอส่งทะเบียนใบอนุญาตที่เปิดเผยต่อสาธารณะ "
        f"(ไฟล์ CSV และ JSON) ตามที่แนบมานี้\nSHA-256: {digest}\n\n"
        f"Attached: the public licence register of {agency.name.en} (CSV and JSON).\n"
    )
    mime.attach(MIMEText(body, "plain", "utf-8"))
    for file in files:
        subtype = "csv" if file.name.endswith(".csv") else "json"
        part = MIMEApplication(file.data, subtype)
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", file.name))
        mime.attach(part)
    response = client("ses").send_raw_email(
        Source=agency.saraban_email, Destinations=[to], RawMessage={"Data": mime.as_string()}
    )
    return str(response["MessageId"])


def _notify(request_id: str, template: str, extra: dict[str, Any]) -> None:
    """Tell the applicant through the notify function, without waiting for delivery."""
    import json

    client("lambda").invoke(
        FunctionName=settings().notify_function,
        InvocationType="Event",
        Payload=json.dumps(
            {
                "action": "notice",
                "request_id": request_id,
                "template": template,
                "extra": extra,
                "key": extra.get("key"),
            }
        ),
    )


def _stamp_digest(digest: bytes) -> bytes:
    # The PDF layer (asn1crypto, cryptography) is imported only when a stamp is needed.
    from eservice_pdf.agency_keys import timestamp_authority

    return timestamp_authority().stamp_digest(digest)


def _tsa_http(event: dict[str, Any]) -> dict[str, Any]:
    """RFC 3161 over HTTP: application/timestamp-query in, application/timestamp-reply out."""
    import base64

    from eservice_pdf.agency_keys import timestamp_authority

    body = event.get("body") or ""
    query = base64.b64decode(body) if event.get("isBase64Encoded") else _text_as_bytes(body)
    reply = timestamp_authority().respond(query)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/timestamp-reply"},
        "body": base64.b64encode(reply).decode(),
        "isBase64Encoded": True,
    }


def _text_as_bytes(body: str) -> bytes:
    """A query sent with a text media type: one character a byte, as sent. Text beyond Latin-1 (Thai) cannot be
    DER; as UTF-8 it fails to parse and gets a rejection, never a crash."""
    try:
        return body.encode("latin-1")
    except UnicodeEncodeError:
        return body.encode("utf-8", "surrogatepass")


@logger.inject_lambda_context(clear_state=True)
@transient_errors_retried
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Dispatch one saga step, a due deadline, the sweeper, or a TSA request."""
    if "httpMethod" in event:
        return _tsa_http(event)
    action = event["action"]
    if action == "sweep":
        return sweep(float(event.get("grace_seconds", 120)))
    if action == "expire_licences":
        return expire_licences()
    if action == "open_data":
        return open_data(force=bool(event.get("force")))
    request_id = event["request_id"]
    logger.append_keys(request_id=request_id, action=action, step=event.get("step"))
    work = steps(context.invoked_function_arn)
    if action == "stamp":
        return work.stamp(request_id)
    if action == "await":
        return work.await_step(request_id, event["step"], event["token"])
    if action == "deadline_due":
        return work.deadline_due(request_id, event["step"], int(event["sequence"]))
    if action == "transition":
        return work.transition(request_id, event["to"])
    if action == "propose_dismissal":
        return work.propose_dismissal(request_id, event.get("cause"))
    if action == "resume":
        return work.resume(request_id)
    if action == "record_failure":
        logger.error("saga step failed", extra={"error": (event.get("error") or {}).get("Error")})
        return work.record_failure(request_id, event.get("error"))
    raise ValueError(f"unknown clock action {action!r}")


# --- SnapStart (issue 14): nothing restored from the snapshot holds a client, a connection or a secret --------
@after_restore
def forget_clients_and_secrets() -> None:
    """Every cache of this module (clients, use cases built on them, secrets) is built again when next needed."""
    clear_module_caches(globals())
