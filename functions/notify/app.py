"""notify: every message to a person (e-mail through SES, SMS through SNS, LINE), once per channel.

Invoked by the saga (``notice``, ``deliver``) and the clock (``notice`` when a waiting step begins)
with ids only, and by whatever changes a licence's status (``licence_notice``); ``eservice.notices``
composes the Thai/English message and records each channel's delivery against the request, so a
retried step sends only what was not sent. Notices the e-mail must carry as sealed PDFs are made by
the sign function first (R-4.3-R-4.5). SES bounces (R-3.2) and the officers' digest (R-1.7) come
here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from eservice import clock_source
from eservice.aws import Saga, client, invoke_function, transient_errors_retried
from eservice.channel_keys import ChannelKeys
from eservice.correspondence import Correspondence
from eservice.dynamo import DynamoDatabase
from eservice.errors import TransientError
from eservice.licence_register import HOLDER_SUBJECT_PREFIX, HolderNotices, LicenceBook
from eservice.line import LineApi, LineApiError
from eservice.messages import Message
from eservice.notices import DeliveryRefused, LineMessage, Notifier
from eservice.saga_steps import APPLICANT_STEPS, SagaSteps
from eservice.settings import settings, tenant
from eservice.snapstart import after_restore, clear_module_caches

logger = Logger(service="eservice-notify")


@cache
def database() -> DynamoDatabase:
    return DynamoDatabase.from_env()


@cache
def saga_steps() -> SagaSteps:
    """The saga's steps, here to start the 30-day hold when a notice bounces (R-3.2) and to record delivery.
    Answering a task token needs no state machine ARN: the token names its execution."""
    return SagaSteps(
        repos=database().repositories,
        tenant=tenant(),
        deadlines=None,
        executions=Saga(state_machine_arn=settings().state_machine_arn),
    )


def _email(to: str, message: Message, attachments: list[tuple[str, bytes]], *, sender: str | None = None) -> str:
    """One e-mail through SES. To applicants it comes from the saraban address (R-4.6), which they may
    answer; ``sender`` (the no-reply address) is for what is not an official communication."""
    agency = tenant()
    source = sender or agency.saraban_email
    mime = MIMEMultipart()
    mime["Subject"] = message.subject
    mime["From"] = formataddr((agency.name.th, source))
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
    from botocore.exceptions import ClientError

    try:
        response = client("ses").send_raw_email(
            Source=source, Destinations=[to], RawMessage={"Data": mime.as_string()}, **extra
        )
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if code in _EMAIL_REFUSED:
            raise DeliveryRefused(f"email_{code}") from exc
        raise
    return str(response["MessageId"])


#: SES answers that no retry will change (the message or the address is refused for good).
_EMAIL_REFUSED = frozenset({"MessageRejected"})


#: SNS answers that no retry will change (a malformed number, an opted-out phone).
_SMS_REFUSED = frozenset({"InvalidParameter", "InvalidParameterValue", "OptedOut", "OptedOutException"})


def _sms(phone: str, text: str) -> str:
    """One SMS through SNS, from the tenant's sender id when it has one (transactional: not marketing)."""
    from botocore.exceptions import ClientError

    number = "+66" + phone[1:] if phone.startswith("0") else phone
    attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    sender = tenant().notifications.sms_sender
    if sender:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender}
    try:
        response = client("sns").publish(PhoneNumber=number, Message=text, MessageAttributes=attributes)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if code in _SMS_REFUSED:
            raise DeliveryRefused(f"sms_{code}") from exc
        raise
    return str(response["MessageId"])


@cache
def line_api() -> LineApi | None:
    """The LINE Messaging API with the tenant's channel credentials; None when LINE is not set up."""
    if not tenant().notifications.line_enabled or not settings().channel_keys_secret_arn:
        return None
    secret = client("secretsmanager").get_secret_value(SecretId=settings().channel_keys_secret_arn)["SecretString"]
    credentials = ChannelKeys.from_secret_string(str(secret)).line
    return None if credentials is None else LineApi(base_url=settings().line_api_base, credentials=credentials)


def _line(message: LineMessage) -> str:
    api = line_api()
    if api is None:
        raise DeliveryRefused("line_not_configured")
    return api.push(message)


def _notice_document(request_id: str, template: str, message_key: str, extra: Mapping[str, Any]) -> str:
    """The sign function makes, seals and keeps the notice (once per message); its document kind."""
    document = invoke_function(
        settings().sign_function,
        {"action": "notice", "request_id": request_id, "template": template, "key": message_key, "extra": dict(extra)},
    )
    if "kind" not in document:
        raise RuntimeError("the sign function made no notice")
    return str(document["kind"])


@cache
def notifier() -> Notifier:
    return Notifier(
        repos=database().repositories,
        tenant=tenant(),
        public_base_url=settings().public_base_url or f"https://{tenant().domain}",
        send_email=lambda to, message, request_id, kinds: _email(to, message, _documents(request_id, kinds)),
        send_sms=_sms,
        send_line=_line,
        notice_document=_notice_document,
        correspondence=Correspondence(store=database().correspondence, tenant=tenant()),
    )


def _documents(request_id: str, kinds: list[str]) -> list[tuple[str, bytes]]:
    record = database().requests.get(request_id)
    files = []
    for kind in kinds:
        document = (record.get("documents") or {}).get(kind)
        if document:
            body = client("s3").get_object(Bucket=settings().documents_bucket, Key=document["key"])["Body"].read()
            files.append((document["file_name"], body))
    return files


def send(
    request_id: str, template: str, *, extra: dict[str, Any] | None = None, key: str | None = None
) -> dict[str, Any]:
    """Send one message about a request (what was sent before is not sent again)."""
    try:
        result = notifier().send(request_id, template, extra=extra, key=key)
    except LineApiError as exc:
        # LINE is down or busy (5xx, 429, no answer): the saga retries the step, which pushes only to LINE.
        raise TransientError(f"LINE push failed: {exc.status or 'unreachable'}") from exc
    logger.info("message", extra={"template": template, "channels": result["channels"]})
    refused = _refused_everywhere(request_id, result["key"]) if template in APPLICANT_STEPS else []
    if refused:
        # every channel refused the notice for good while the applicant must act: the 30-day hold
        # starts, as it does when the e-mail bounces later.
        held = saga_steps().contact_failed(request_id, channel="+".join(refused), kind="refused", template=template)
        logger.info("contact failure", extra={"request_id": request_id, "held": held["held"]})
    return result


def _refused_everywhere(request_id: str, message_key: str) -> list[str]:
    """The channels of this message, if every one of them refused it for good (none delivered it).

    Read from the message log, not from this call's results: a call retried after a crash finds the
    channels that refused before already claimed (``sent_before``), and the hold must still start.
    """
    rows = [
        row
        for row in database().repositories.messages.of_request(request_id)
        if row.get("key") == message_key and row.get("channel") != "none"
    ]
    if rows and all(row.get("state") == "failed" and row.get("retryable") is False for row in rows):
        return sorted(str(row["channel"]) for row in rows)
    return []


def mail_events(records: list[dict[str, Any]]) -> dict[str, Any]:
    """SES bounce, complaint and delivery notifications (through SNS): R-3.2 contact problems."""
    import json

    messages = database().repositories.messages
    flagged = 0
    for record in records:
        notification = json.loads(record["Sns"]["Message"])
        kind = notification.get("eventType") or notification.get("notificationType")
        message_id = notification.get("mail", {}).get("messageId", "")
        sent = messages.by_provider_id(message_id)
        if sent is None:
            continue
        request_id = sent["request_id"]
        if str(request_id).startswith(HOLDER_SUBJECT_PREFIX):
            flagged += _holder_mail_event(sent, kind, notification, message_id)
            continue
        if kind == "Delivery":
            messages.set_state(message_id, "delivered")
            continue
        if kind == "Bounce" and notification.get("bounce", {}).get("bounceType") != "Permanent":
            continue  # a transient bounce: SES retries by itself
        now = clock_source.now()
        current = database().requests.get(request_id)
        problems = [
            *current.get("contact_problems", []),
            {"channel": "email", "kind": kind.lower(), "template": sent["template"], "at": now.isoformat()},
        ]
        database().requests.set_fields(request_id, {"contact_problems": problems})
        messages.set_state(message_id, kind.lower())
        logger.warning("applicant e-mail failed", extra={"request_id": request_id, "kind": kind})
        flagged += 1
        if kind == "Bounce":
            # if the applicant must act now (more documents, the fee), the 30-day hold starts.
            held = saga_steps().contact_failed(request_id, channel="email", kind="bounce", template=sent["template"])
            logger.info("contact failure", extra={"request_id": request_id, "held": held["held"]})
    return {"flagged": flagged}


def digest() -> dict[str, Any]:
    """R-1.7: twice each working day, every officer gets the new and changed requests and SLA warnings.

    The lists are read once (one query each) and filtered per officer in memory."""
    from datetime import datetime

    from eservice.officers import Officers, digest_for
    from eservice.saga_steps import office_calendar
    from eservice.tenant import OFFICER_GROUPS

    agency = tenant()
    now = clock_source.now()
    calendar = office_calendar(agency)
    if not calendar.is_working_day(now.astimezone(calendar.timezone).date()):
        return {"sent": 0, "reason": "not a working day"}
    messages = database().repositories.messages
    last = messages.last_digest()
    since = datetime.fromisoformat(last) if last else None
    recipients: dict[str, set[str]] = {}
    # R-2.1: each officer's digest holds their units' requests, so their unit groups are read too.
    from eservice.officer_pool import OfficerDirectory, OfficerGroups, email_attribute
    from eservice.units import unit_group

    # This agency's groups only (in a cell's shared officer pool, the ones named after it).
    officers = OfficerDirectory(
        cognito=client("cognito-idp"),
        pool_id=settings().officer_pool_id,
        groups=OfficerGroups(prefix=settings().officer_group_prefix),
    )
    groups_to_read = [*OFFICER_GROUPS, *(unit_group(u) for u in sorted({s.responsible_unit for s in agency.services}))]
    for group in groups_to_read:
        for user in officers.members(group):
            email = email_attribute(user)
            if email:
                recipients.setdefault(email, set()).add(group)
    desk = Officers(repos=database().repositories, tenant=agency, executions=_NoSaga(), link=lambda *_: "")
    lists = desk.digest_lists(since=since)
    base = settings().public_base_url or f"https://{agency.domain}"
    sent = 0
    for email, groups in sorted(recipients.items()):
        report = digest_for(lists, groups)
        mine = report["mine"]
        lines = [
            f"{r['id']}  {r['status_label']['th']}  SLA: {r['sla_state'] or '-'}  {r['service']['name']['th']}"
            for r in mine + [r for r in report["overdue"] + report["due_soon"] if r not in mine]
        ]
        changed = len(report["new"]) + len(report["changed"])
        subject = (
            f"สรุปคำขอ {agency.name.th}: ใหม่/เปลี่ยนแปลง {changed} "
            f"ใกล้ครบกำหนด {len(report['due_soon'])} เกินกำหนด {len(report['overdue'])} / Officer digest"
        )
        body = (
            f"คำขอใหม่ {len(report['new'])} รายการ, มีความเปลี่ยนแปลง {len(report['changed'])} รายการ, "
            f"ใกล้ครบกำหนด {len(report['due_soon'])}, เกินกำหนด {len(report['overdue'])}\n"
            f"New {len(report['new'])}, changed {len(report['changed'])}, due soon {len(report['due_soon'])}, "
            f"overdue {len(report['overdue'])}\n\n" + "\n".join(lines) + f"\n\n{base}/officer/\n"
        )
        _email(email, Message(subject=subject, body=body, sms=""), [], sender=agency.notifications.email_from)
        sent += 1
    messages.digest_sent(now.isoformat())
    return {"sent": sent}


# --- the holders of licences born of no request (R-5.2, R-5.4) ---------------------------------------------
def _holder_document(licence_number: str, template: str, occasion: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The sign function makes, seals and keeps the holder's notice (once per occasion)."""
    document = invoke_function(
        settings().sign_function,
        {
            "action": "licence_holder_notice",
            "licence_number": licence_number,
            "template": template,
            "key": occasion,
            "extra": dict(extra),
        },
    )
    if "kind" not in document:
        raise RuntimeError("the sign function made no notice")
    return dict(document)


def _holder_email(to: str, message: Message, document: Mapping[str, Any]) -> str:
    body = client("s3").get_object(Bucket=settings().documents_bucket, Key=document["key"])["Body"].read()
    return _email(to, message, [(str(document["file_name"]), body)])


@cache
def holder_notices() -> HolderNotices:
    return HolderNotices(
        repos=database().repositories,
        tenant=tenant(),
        public_base_url=settings().public_base_url or f"https://{tenant().domain}",
        send_email=_holder_email,
        send_sms=_sms,
        notice_document=_holder_document,
        correspondence=Correspondence(store=database().correspondence, tenant=tenant()),
    )


def licence_holder_notice(event: Mapping[str, Any]) -> dict[str, Any]:
    """Tell the holder of a paper licence of its new status, each channel once (ids and the change only)."""
    result = holder_notices().send(
        str(event["licence_number"]),
        str(event["new_status"]),
        reason=str(event.get("reason") or ""),
        effective_at=str(event["effective_at"]),
        until=event.get("until"),
        key=str(event["key"]),
        contact_version=int(event.get("contact_version") or 0),
    )
    logger.info("holder notice", extra={"template": result["template"], "channels": result["channels"]})
    return result


def _holder_mail_event(sent: Mapping[str, Any], kind: str, notification: Mapping[str, Any], message_id: str) -> int:
    """A bounce or complaint of a holder's e-mail: the message is failed and the licence says the holder
    was not reached (the records officer corrects the contact, and the notice goes again)."""
    messages = database().repositories.messages
    if kind == "Delivery":
        messages.set_state(message_id, "delivered")
        return 0
    if kind == "Bounce" and notification.get("bounce", {}).get("bounceType") != "Permanent":
        return 0
    messages.set_state(message_id, kind.lower())
    licence_number = str(sent["request_id"]).removeprefix(HOLDER_SUBJECT_PREFIX)
    occasion = str(sent.get("sk") or "").removeprefix("MESSAGE#").split("#", 2)
    key = occasion[1].split("~", 1)[0] if len(occasion) > 1 else ""
    if key:
        LicenceBook(repos=database().repositories, tenant=tenant()).note_holder_notice(
            licence_number, key, {"state": "not_reached", "why": f"email_{kind.lower()}"}
        )
    logger.warning("holder e-mail failed", extra={"kind": kind})
    return 1


class _NoSaga:
    """The digest only reads; it never answers the saga."""

    def start(self, name: str, request_id: str, *, resume: bool = False) -> str:
        raise RuntimeError("the digest does not start executions")

    def status(self, name: str) -> str | None:
        return None

    def succeed(self, token: str, output: Any) -> None:
        raise RuntimeError("the digest does not answer the saga")

    def fail(self, token: str, *, error: str, cause: str) -> None:
        raise RuntimeError("the digest does not answer the saga")

    def ended_badly(self) -> list[str]:
        return []


@logger.inject_lambda_context(clear_state=True)
@transient_errors_retried
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """``notice`` (a status message), ``deliver`` (the issued document) or ``licence_notice``."""
    if "Records" in event:
        return mail_events(event["Records"])
    action = event["action"]
    if action == "digest":
        return digest()
    if action == "licence_holder_notice":
        # a paper licence (born of no request) changed status; keyed by the licence.
        return licence_holder_notice(event)
    request_id = event["request_id"]
    logger.append_keys(request_id=request_id, action=action)
    if action == "notice":
        return send(request_id, event["template"], extra=event.get("extra"), key=event.get("key"))
    if action == "deliver":
        result = send(request_id, "delivered")
        # The status change follows the sending in the same task (issue 14: not a saga state of its own); a
        # retried task sends only what was not sent and records the change once.
        saga_steps().transition(request_id, "delivered")
        return {"delivered": bool(result["channels"]), **result}
    if action == "licence_notice":
        # a licence suspended, reinstated, revoked or expired; its holder is told with a sealed notice.
        try:
            return notifier().licence_status(
                request_id,
                event["new_status"],
                reason=event["reason"],
                effective_at=event["effective_at"],
                until=event.get("until"),
                key=event.get("key"),
            )
        except LineApiError as exc:
            raise TransientError(f"LINE push failed: {exc.status or 'unreachable'}") from exc
    raise ValueError(f"unknown notify action {action!r}")


# --- SnapStart (issue 14): nothing restored from the snapshot holds a client, a connection or a secret --------
@after_restore
def forget_clients_and_secrets() -> None:
    """Every cache of this module (clients, use cases built on them, secrets) is built again when next needed."""
    clear_module_caches(globals())
