"""notify: every message to a person (e-mail through SES, SMS through SNS), with a delivery record.

Invoked by the saga (``notice``, ``deliver``) with ids only; it reads the contact details from the
table, composes the Thai/English message and records what was sent against the request.
"""

from __future__ import annotations

from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from eservice import clock_source
from eservice.aws import client, transient_errors_retried
from eservice.messages import Message, compose
from eservice.settings import settings, tenant
from eservice.store import Store

logger = Logger(service="eservice-notify")


@cache
def store() -> Store:
    return Store.from_env()


def _email(to: str, message: Message, attachments: list[tuple[str, bytes]]) -> str:
    agency = tenant()
    mime = MIMEMultipart()
    mime["Subject"] = message.subject
    mime["From"] = formataddr((agency.name.th, agency.notifications.email_from))
    mime["To"] = to
    mime.attach(MIMEText(message.body, "plain", "utf-8"))
    for name, data in attachments:
        part = MIMEApplication(data, "pdf")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        mime.attach(part)
    response = client("ses").send_raw_email(
        Source=agency.notifications.email_from, Destinations=[to], RawMessage={"Data": mime.as_string()}
    )
    return str(response["MessageId"])


def _sms(phone: str, text: str) -> str:
    number = "+66" + phone[1:] if phone.startswith("0") else phone
    return str(client("sns").publish(PhoneNumber=number, Message=text)["MessageId"])


def _attachments(record: dict[str, Any], kinds: list[str]) -> list[tuple[str, bytes]]:
    files = []
    for kind in kinds:
        document = (record.get("documents") or {}).get(kind)
        if document:
            body = client("s3").get_object(Bucket=settings().documents_bucket, Key=document["key"])["Body"].read()
            files.append((document["file_name"], body))
    return files


def send(request_id: str, template: str, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compose and send one message about a request to its applicant; record it."""
    record = store().get_request(request_id)
    agency = tenant()
    service = agency.service(record["service_id"])
    tracking_url = f"{settings().public_base_url or 'https://' + agency.domain}/#/requests/{request_id}"
    message = compose(template, tenant=agency, service=service, request=record, tracking_url=tracking_url, extra=extra)
    kinds = {
        "acknowledgment": ["acknowledgment"],
        "delivered": ["licence"],
        "rejected": ["refusal"],
        "payment": ["invoice"],
        "receipt": ["receipt"],
    }.get(template, [])
    sent: list[dict[str, Any]] = []
    address = record.get("applicant_email") or record.get("answers", {}).get("email")
    if address:
        sent.append({"channel": "email", "id": _email(address, message, _attachments(record, kinds))})
    phone = record.get("answers", {}).get("phone")
    if phone:
        sent.append({"channel": "sms", "id": _sms(phone, message.sms)})
    now = clock_source.now()
    store().put_item(
        {
            "PK": f"REQ#{request_id}",
            "SK": f"MESSAGE#{now.isoformat()}#{template}",
            "template": template,
            "subject": message.subject,
            "sent": sent,
            "at": now,
            "state": "sent" if sent else "no_channel",
        }
    )
    logger.info("message sent", extra={"template": template, "channels": [s["channel"] for s in sent]})
    return {"template": template, "channels": [s["channel"] for s in sent]}


@logger.inject_lambda_context(clear_state=True)
@transient_errors_retried
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """``notice`` (a status message) or ``deliver`` (the issued document)."""
    action = event["action"]
    request_id = event["request_id"]
    logger.append_keys(request_id=request_id, action=action)
    if action == "notice":
        return send(request_id, event["template"], extra=event.get("extra"))
    if action == "deliver":
        result = send(request_id, "delivered")
        return {"delivered": bool(result["channels"]), **result}
    raise ValueError(f"unknown notify action {action!r}")
