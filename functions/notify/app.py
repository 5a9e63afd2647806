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
    extra: dict[str, Any] = {}
    if settings().mail_configuration_set:
        # Bounces and complaints come back through the configuration set's event destination.
        extra["ConfigurationSetName"] = settings().mail_configuration_set
    response = client("ses").send_raw_email(
        Source=agency.notifications.email_from, Destinations=[to], RawMessage={"Data": mime.as_string()}, **extra
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
    for message_sent in sent:
        if message_sent["channel"] == "email":
            # Bounce reports name the SES message id: keep the way back to the request.
            store().put_item(
                {
                    "PK": f"SESMSG#{message_sent['id']}",
                    "SK": "MESSAGE",
                    "request_id": request_id,
                    "template": template,
                    "at": now,
                }
            )
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


def mail_events(records: list[dict[str, Any]]) -> dict[str, Any]:
    """SES bounce, complaint and delivery notifications (through SNS): R-3.2 contact problems."""
    import json

    flagged = 0
    for record in records:
        notification = json.loads(record["Sns"]["Message"])
        kind = notification.get("eventType") or notification.get("notificationType")
        message_id = notification.get("mail", {}).get("messageId", "")
        sent = store().get_item(f"SESMSG#{message_id}", "MESSAGE")
        if sent is None:
            continue
        request_id = sent["request_id"]
        if kind == "Delivery":
            store().conditional_update(
                f"SESMSG#{message_id}", "MESSAGE", {"state": "delivered"}, condition="attribute_exists(PK)", values={}
            )
            continue
        if kind == "Bounce" and notification.get("bounce", {}).get("bounceType") != "Permanent":
            continue  # a transient bounce: SES retries by itself
        now = clock_source.now()
        record_item = store().get_request(request_id)
        problems = [
            *record_item.get("contact_problems", []),
            {
                "channel": "email",
                "kind": kind.lower(),
                "template": sent["template"],
                "at": now.isoformat(),
            },
        ]
        store().update_request_fields(request_id, {"contact_problems": problems})
        store().conditional_update(
            f"SESMSG#{message_id}", "MESSAGE", {"state": kind.lower()}, condition="attribute_exists(PK)", values={}
        )
        logger.warning("applicant e-mail failed", extra={"request_id": request_id, "kind": kind})
        flagged += 1
    return {"flagged": flagged}


def digest() -> dict[str, Any]:
    """R-1.7: twice each working day, every officer gets the new and changed requests and SLA warnings."""
    from datetime import datetime

    from eservice.officers import Officer, Officers
    from eservice.saga_steps import office_calendar
    from eservice.tenant import OFFICER_GROUPS

    agency = tenant()
    now = clock_source.now()
    if not office_calendar(agency).is_working_day(now.astimezone(office_calendar(agency).timezone).date()):
        return {"sent": 0, "reason": "not a working day"}
    last = store().get_item("DIGEST#officers", "LAST")
    since = datetime.fromisoformat(last["at"]) if last else None
    cognito = client("cognito-idp")
    recipients: dict[str, set[str]] = {}
    for group in OFFICER_GROUPS:
        pages = cognito.get_paginator("list_users_in_group").paginate(
            UserPoolId=settings().officer_pool_id, GroupName=group
        )
        for page in pages:
            for user in page["Users"]:
                email = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"), None)
                if email:
                    recipients.setdefault(email, set()).add(group)
    desk = Officers(store=store(), tenant=agency, answer_step=lambda *_: None, link=lambda *_: "")
    base = settings().public_base_url or f"https://{agency.domain}"
    sent = 0
    for email, groups in sorted(recipients.items()):
        report = desk.digest(Officer(id=email, email=email, groups=frozenset(groups)), since=since)
        mine = [r for r in report["changed"] if r["waiting"] and r["waiting"]["role"] in groups]
        lines = [
            f"{r['id']}  {r['status_label']['th']}  SLA: {r['sla_state'] or '-'}  {r['service']['name']['th']}"
            for r in mine + [r for r in report["overdue"] + report["due_soon"] if r not in mine]
        ]
        subject = (
            f"สรุปคำขอ {agency.name.th}: ใหม่/เปลี่ยนแปลง {len(report['changed'])} "
            f"ใกล้ครบกำหนด {len(report['due_soon'])} เกินกำหนด {len(report['overdue'])} / Officer digest"
        )
        body = (
            f"คำขอใหม่ {len(report['new'])} รายการ, มีความเปลี่ยนแปลง {len(report['changed'])} รายการ, "
            f"ใกล้ครบกำหนด {len(report['due_soon'])}, เกินกำหนด {len(report['overdue'])}\n"
            f"New {len(report['new'])}, changed {len(report['changed'])}, due soon {len(report['due_soon'])}, "
            f"overdue {len(report['overdue'])}\n\n" + "\n".join(lines) + f"\n\n{base}/officer/\n"
        )
        _email(email, Message(subject=subject, body=body, sms=""), [])
        sent += 1
    store().put_item({"PK": "DIGEST#officers", "SK": "LAST", "at": now.isoformat()})
    return {"sent": sent}


@logger.inject_lambda_context(clear_state=True)
@transient_errors_retried
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """``notice`` (a status message) or ``deliver`` (the issued document)."""
    if "Records" in event:
        return mail_events(event["Records"])
    action = event["action"]
    if action == "digest":
        return digest()
    request_id = event["request_id"]
    logger.append_keys(request_id=request_id, action=action)
    if action == "notice":
        return send(request_id, event["template"], extra=event.get("extra"))
    if action == "deliver":
        result = send(request_id, "delivered")
        return {"delivered": bool(result["channels"]), **result}
    raise ValueError(f"unknown notify action {action!r}")
