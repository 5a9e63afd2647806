"""Variable cost per 1,000 completed requests, from counts MEASURED on the local stack (issue 14, item 3).

    python bench/request_cost.py [--requests 3] [--sms-usd RATE] [--payment-fee-usd FEE]

Starts the local stack in this process (as the stack tests do), drives N complete food-shop requests
over HTTP the way the applicant and the officers do (draft, four uploads, submit, review, two
approvals, Thai QR payment through the provider's signed webhook, signature, sealed delivery, the
applicant downloads the licence), and counts what AWS would bill:

- every botocore call made by the functions (``local.faults.function_scope`` marks them; the bench's
  own calls and moto's are not counted), by service and operation;
- Lambda invocations and their in-process duration, times the memory size of the synthesized
  template (GB-seconds, billed per ms);
- Step Functions state transitions, from the execution history of every saga execution;
- DynamoDB request units computed from the items' sizes (moto's ConsumedCapacity is a constant):
  1 RRU per 4 KB strongly consistent read (half when eventually consistent), 1 WRU per 1 KB written,
  twice that in a transaction;
- what the browser sends to S3 itself (form-post uploads, presigned downloads) and API Gateway requests;
- the bytes of every e-mail sent (SES bills attachment data per GB; the whole raw message is counted, an
  upper bound of its attachments).

Three totals, each labelled: with SMS and payment fees (only when their rates are given: SMS is priced per
destination country, a payment by the provider's contract), without them (issue 14's goal), and without any
message fee (e-mail, SMS) or payment fee at all, the platform's own cost.

Status polling is what a browser tab does while it waits, at a rate this bench cannot fix: the bench's
polls carry ``X-Bench-Poll`` and are left out (their invocation and calls); each wait ends with one
counted view of the page, as a person would look once.

DynamoDB bills a write by the size of the whole item, the larger of before and after, and each global
secondary index entry the write puts, changes or removes by the size of that entry (its table and index
keys, the attributes the index projects, and 100 bytes of overhead per entry); an index key that changes
is a delete and a put, and an index whose projected attributes the write leaves as they were costs
nothing. The bench reads each written item from moto's store before and after the call (not a billed
call) and the indexes' projections from the synthesized template. A transaction's table writes count
twice, its index writes once.

Prices: USD list prices, Asia Pacific (Singapore), each with its page. Lower bounds, stated: SES delivery and
bounce events (one notify invocation
and a write each),
CloudWatch Logs ingestion and X-Ray traces, GuardDuty malware scans, CloudFront and WAF requests are
not priced; local durations are this machine's, not Lambda's.
"""

from __future__ import annotations

import argparse
import base64
import contextvars
import json
import math
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

__all__ = [
    "PRICES",
    "Counts",
    "Index",
    "Meter",
    "Totals",
    "dynamodb_units",
    "email_size",
    "item_size",
    "item_write_units",
    "main",
    "price_rows",
    "run",
    "totals",
]

POLL_HEADER = "X-Bench-Poll"

#: USD per unit named, with the page (Asia Pacific (Singapore), checked 2026).
PRICES: dict[str, tuple[float, str]] = {
    "sfn_transition": (0.025 / 1000, "https://aws.amazon.com/step-functions/pricing/ (Singapore, per transition)"),
    "lambda_request": (0.20e-6, "https://aws.amazon.com/lambda/pricing/ (per request)"),
    "lambda_gb_second_x86": (0.0000166667, "https://aws.amazon.com/lambda/pricing/ (x86, per GB-second)"),
    "lambda_gb_second_arm": (0.0000133334, "https://aws.amazon.com/lambda/pricing/ (arm64, per GB-second)"),
    "apigw_request": (3.50e-6, "https://aws.amazon.com/api-gateway/pricing/ (REST API, first 333 million)"),
    "kms_request": (0.03 / 10_000, "https://aws.amazon.com/kms/pricing/ (symmetric and RSA 2048 requests)"),
    "dynamodb_wru": (0.7125e-6, "https://aws.amazon.com/dynamodb/pricing/on-demand/ (Singapore, per WRU)"),
    "dynamodb_rru": (0.1425e-6, "https://aws.amazon.com/dynamodb/pricing/on-demand/ (Singapore, per RRU)"),
    "s3_put": (0.005 / 1000, "https://aws.amazon.com/s3/pricing/ (Standard PUT, COPY, POST, LIST)"),
    "s3_get": (0.0004 / 1000, "https://aws.amazon.com/s3/pricing/ (Standard GET, SELECT, all other)"),
    "ses_message": (0.10 / 1000, "https://aws.amazon.com/ses/pricing/ (outbound e-mail)"),
    "ses_attachment_mb": (0.12 / 1024, "https://aws.amazon.com/ses/pricing/ (attachments, 0.12 per GB)"),
    "sns_publish": (0.50e-6, "https://aws.amazon.com/sns/pricing/ (publish, per request)"),
    "secrets_call": (0.05 / 10_000, "https://aws.amazon.com/secrets-manager/pricing/ (API calls)"),
    "scheduler_call": (1.00e-6, "https://aws.amazon.com/eventbridge/pricing/ (Scheduler invocations)"),
}

S3_PUTS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "PutObjectRetention",
        "PutObjectTagging",
        "PutObjectLegalHold",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
    }
)
S3_PUTS_LIST = frozenset({"ListObjects", "ListObjectsV2", "ListObjectVersions"})
S3_FREE = frozenset({"DeleteObject", "DeleteObjects"})
SES_SENDS = frozenset({"SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail"})
#: Step Functions calls that are not billed as such: the transitions count instead.
SFN_FREE = frozenset({"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "StartExecution", "DescribeExecution"})


# --- DynamoDB request units from item sizes ---------------------------------------------------------------
_TYPE_TAGS = frozenset({"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"})


def _value_size(value: Any) -> int:
    """Bytes of one attribute value by DynamoDB's item-size rules, typed (``{"S": ...}``) or as boto3's
    resource layer hands it to botocore (str, Decimal, bytes, list, dict...)."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _TYPE_TAGS:
        (kind, raw), *_ = value.items()
        if kind == "B" and isinstance(raw, str):
            return len(base64.b64decode(raw))
        if kind in ("SS", "NS", "BS", "L"):
            return 3 + sum(1 + _value_size(x if kind == "L" else {kind[0]: x}) for x in raw)
        if kind == "M":
            return 3 + item_size(raw) + len(raw)
        if kind == "N":
            return len(str(raw).lstrip("-").replace(".", "")) // 2 + 1
        return _value_size(raw)
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, int | float | Decimal):
        return len(str(value).lstrip("-").replace(".", "")) // 2 + 1
    if isinstance(value, bytes | bytearray):
        return len(value)
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3's Binary
        return len(value.value)
    if isinstance(value, dict):
        return 3 + item_size(value) + len(value)
    if isinstance(value, list | set | tuple | frozenset):
        return 3 + sum(1 + _value_size(x) for x in value)
    return len(str(value).encode())


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes of an item: attribute names plus values."""
    return sum(len(str(name).encode()) + _value_size(value) for name, value in (item or {}).items())


def _read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def _write_units(size: int) -> float:
    return float(max(1, math.ceil(size / 1024)))


def _index_writes(item: dict[str, Any] | None, update_expression: str, index_keys: tuple[str, ...]) -> int:
    """Global secondary indexes a write also writes: those whose partition key the item holds or the update sets
    (an update of other attributes of an indexed item rewrites the index too: not seen here, a lower bound)."""
    return sum(1 for key in index_keys if key in (item or {}) or key in update_expression)


#: The item a write left in a table, by table name and key: (its size in bytes, its attribute names); None if none.
StoredItem = Callable[[str, dict[str, Any]], "tuple[int, frozenset[str]] | None"]


def _update_units(update: dict[str, Any], index_keys: tuple[str, ...], stored: StoredItem | None) -> tuple[float, int]:
    """(write units, index writes) of one update: the whole item as stored after it (DynamoDB bills the larger
    of before and after), else what was sent when the stored item is not known."""
    text = _update_text(update)
    size = item_size(update.get("Key")) + item_size(update.get("ExpressionAttributeValues") or {})
    attributes: frozenset[str] = frozenset()
    found = stored(str(update.get("TableName", "")), dict(update.get("Key") or {})) if stored else None
    if found is not None:
        size, attributes = max(size, found[0]), found[1]
    return _write_units(size), sum(1 for key in index_keys if key in attributes or key in text)


def _update_text(update: dict[str, Any]) -> str:
    """An update's expression with its attribute-name placeholders spelled out (``#g`` for ``GSI1PK``)."""
    text = str(update.get("UpdateExpression", ""))
    names = update.get("ExpressionAttributeNames") or {}
    for placeholder, name in sorted(names.items(), key=lambda kv: -len(kv[0])):  # #status before #s
        text = text.replace(placeholder, str(name))
    return text


def dynamodb_units(
    operation: str,
    params: dict[str, Any],
    response: dict[str, Any],
    index_keys: tuple[str, ...] = (),
    stored: StoredItem | None = None,
) -> tuple[float, float]:
    """(read request units, write request units) one DynamoDB call consumed, from the items it moved.

    ``index_keys``: the partition key attribute of each global secondary index (projection ALL: an index
    write costs what the table write costs, once, also inside a transaction). ``stored``: the item an update
    left, which its units are counted from."""
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return _read_units(item_size(response.get("Item")), consistent), 0.0
    if operation in ("Query", "Scan"):
        return _read_units(sum(item_size(i) for i in response.get("Items", [])), consistent), 0.0
    if operation == "BatchGetItem":
        items = [i for table in response.get("Responses", {}).values() for i in table]
        return sum(_read_units(item_size(i), consistent) for i in items), 0.0
    if operation == "TransactGetItems":
        return sum(2 * _read_units(item_size(r.get("Item")), True) for r in response.get("Responses", [])), 0.0
    if operation == "PutItem":
        units = _write_units(item_size(params.get("Item")))
        return 0.0, units * (1 + _index_writes(params.get("Item"), "", index_keys))
    if operation == "UpdateItem":
        units, indexes = _update_units(params, index_keys, stored)
        return 0.0, units * (1 + indexes)
    if operation == "DeleteItem":
        return 0.0, 1.0
    if operation == "BatchWriteItem":
        requested = [w for table in params.get("RequestItems", {}).values() for w in table]
        return 0.0, sum(_write_units(item_size((w.get("PutRequest") or {}).get("Item"))) for w in requested)
    if operation == "TransactWriteItems":
        reads = writes = 0.0
        for entry in params.get("TransactItems", []):
            (kind, body), *_ = entry.items()
            if kind == "ConditionCheck":
                reads += 2 * _read_units(item_size(body.get("Key")), True)
            elif kind == "Put":
                units = _write_units(item_size(body.get("Item")))
                writes += units * (2 + _index_writes(body.get("Item"), "", index_keys))
            elif kind == "Update":
                units, indexes = _update_units(body, index_keys, stored)
                writes += units * (2 + indexes)
            else:
                writes += 2.0
        return reads, writes
    return 0.0, 0.0


#: Bytes DynamoDB adds to each index entry (table and index keys are counted in the entry itself).
INDEX_ENTRY_OVERHEAD = 100


@dataclass(frozen=True)
class Index:
    """A global secondary index as the template declares it: its keys and what it projects."""

    name: str
    #: Partition key, then sort key (if any).
    keys: tuple[str, ...]
    projection: str = "ALL"
    #: INCLUDE's non-key attributes.
    attributes: frozenset[str] = frozenset()
    table_keys: tuple[str, ...] = ("PK", "SK")

    def entry(self, item: dict[str, Any] | None) -> dict[str, Any] | None:
        """The index's copy of an item; None when the item is not in the index (an index key missing)."""
        if item is None or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        kept = {*self.table_keys, *self.keys, *(self.attributes if self.projection == "INCLUDE" else ())}
        return {name: value for name, value in item.items() if name in kept}

    def write_units(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> float:
        """What one table write costs this index: nothing if its copy is unchanged; a put, an update or a
        delete of the copy by its size; a delete and a put when an index key changed."""
        old, new = self.entry(before), self.entry(after)
        if old == new:
            return 0.0
        if old is None or new is None:
            return _write_units(item_size(old if new is None else new) + INDEX_ENTRY_OVERHEAD)
        sizes = [_write_units(item_size(e) + INDEX_ENTRY_OVERHEAD) for e in (old, new)]
        if any(old.get(key) != new.get(key) for key in self.keys):
            return sum(sizes)
        return max(sizes)


def item_write_units(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    indexes: tuple[Index, ...] = (),
    *,
    transaction: bool = False,
) -> float:
    """Write units of one item written (put, updated or deleted; ``after`` == ``before`` when a condition
    refused it): the larger of the item before and after, twice in a transaction, plus each index's."""
    table = _write_units(max(item_size(before), item_size(after)))
    return table * (2 if transaction else 1) + sum(index.write_units(before, after) for index in indexes)


def _written(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(table, item or key, in a transaction) of every item a write call touches; [] for other calls."""
    if operation == "PutItem":
        return [(str(params.get("TableName", "")), dict(params.get("Item") or {}), False)]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(str(params.get("TableName", "")), dict(params.get("Key") or {}), False)]
    if operation == "TransactWriteItems":
        written = []
        for entry in params.get("TransactItems", []):
            (kind, body), *_ = entry.items()
            if kind != "ConditionCheck":
                written.append((str(body.get("TableName", "")), dict(body.get("Item") or body.get("Key") or {}), True))
        return written
    if operation == "BatchWriteItem":
        batch = [
            (str(table), w.get("PutRequest") or w.get("DeleteRequest") or {})
            for table, requests in params.get("RequestItems", {}).items()
            for w in requests
        ]
        return [(table, dict(r.get("Item") or r.get("Key") or {}), False) for table, r in batch]
    return []


#: The item a table holds now, by table name and the item or its key (typed attributes); None if none.
ItemReader = Callable[[str, dict[str, Any]], "dict[str, Any] | None"]


def email_size(params: dict[str, Any]) -> int:
    """Bytes of one e-mail as sent: the raw MIME message (attachments base64-encoded), else subject and body."""
    raw = (params.get("RawMessage") or {}).get("Data")
    if raw is not None:
        return len(raw.encode() if isinstance(raw, str) else raw)
    message = params.get("Message") or {}
    parts = [(message.get("Subject") or {}).get("Data", "")]
    parts += [part.get("Data", "") for part in (message.get("Body") or {}).values()]
    return sum(len(str(part).encode()) for part in parts)


# --- the meter -------------------------------------------------------------------------------------------
@dataclass
class Counts:
    """What the functions asked AWS for, summed over the run."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    gb_seconds: dict[str, float] = field(default_factory=dict)
    api_requests: int = 0
    rru: float = 0.0
    wru: float = 0.0
    sms: int = 0
    email_bytes: int = 0
    browser_s3_puts: int = 0
    browser_s3_gets: int = 0


_excluded: contextvars.ContextVar[bool] = contextvars.ContextVar("bench_excluded", default=False)


class Meter:
    """Wraps botocore's call path and moto's Lambda invocation (after ``LocalStack.start`` installed its own)."""

    def __init__(
        self,
        memory_mb: dict[str, int],
        index_keys: tuple[str, ...] = (),
        stored: StoredItem | None = None,
        *,
        indexes: tuple[Index, ...] = (),
        items: ItemReader | None = None,
    ) -> None:
        self.memory_mb = memory_mb
        self.index_keys = index_keys
        self.stored = stored
        #: With both: writes are priced from each item before and after the call (``item_write_units``).
        self.indexes = indexes
        self.items = items
        self.counts = Counts()
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[Counts]:
        from botocore.client import BaseClient
        from botocore.exceptions import ClientError
        from moto.awslambda.models import LambdaFunction

        from local import faults

        calls_before = BaseClient._make_api_call  # type: ignore[attr-defined]
        invoke_before = LambdaFunction._invoke_lambda
        meter = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            # Only the functions' calls: faults marks them (the private contextvar is its scope).
            counted = faults.running() is not None and not _excluded.get()
            service = client.meta.service_model.service_name
            written = _written(operation, params) if counted and service == "dynamodb" and meter.items else []
            before = [meter.items(table, key) for table, key, _ in written] if meter.items else []
            try:
                response = calls_before(client, operation, params)
            except ClientError:
                if counted:  # a refused call is billed too (a failed condition still consumes its write units)
                    meter._count_call(service, operation, params, {}, meter._writes(written, before))
                raise
            if counted:
                meter._count_call(service, operation, params, response, meter._writes(written, before))
            return response

        def invoke(function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
            parsed = json.loads(event) if isinstance(event, str | bytes) and event else event
            is_api = isinstance(parsed, dict) and "httpMethod" in parsed
            headers = (parsed.get("headers") or {}) if is_api else {}
            polling = any(k.lower() == POLL_HEADER.lower() for k in headers)
            token = _excluded.set(polling or _excluded.get())
            started = time.perf_counter()
            try:
                return invoke_before(function, event)
            finally:
                elapsed = time.perf_counter() - started
                _excluded.reset(token)
                if not polling and not _excluded.get():
                    meter._count_invocation(function.function_name, elapsed, is_api=is_api)

        BaseClient._make_api_call = make_api_call  # type: ignore[attr-defined]
        LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign,assignment]
        try:
            yield self.counts
        finally:
            BaseClient._make_api_call = calls_before  # type: ignore[attr-defined]
            LambdaFunction._invoke_lambda = invoke_before  # type: ignore[method-assign]

    def _writes(self, written: list[tuple[str, dict[str, Any], bool]], before: list[Any]) -> float | None:
        """Write units of the items a call wrote, from each before and after it; None when not known."""
        if not written or self.items is None:
            return None
        return sum(
            item_write_units(old, self.items(table, key), self.indexes, transaction=transaction)
            for (table, key, transaction), old in zip(written, before, strict=True)
        )

    def _count_call(
        self, service: str, operation: str, params: dict[str, Any], response: Any, writes: float | None = None
    ) -> None:
        with self._lock:
            self.counts.calls[(service, operation)] += 1
            if service == "dynamodb":
                body = response if isinstance(response, dict) else {}
                reads, estimated = dynamodb_units(operation, params, body, self.index_keys, self.stored)
                self.counts.rru += reads
                self.counts.wru += estimated if writes is None else writes
            if service == "sns" and operation == "Publish" and params.get("PhoneNumber"):
                self.counts.sms += 1
            if service == "ses" and operation in SES_SENDS:
                self.counts.email_bytes += email_size(params)

    def _count_invocation(self, name: str, seconds: float, *, is_api: bool) -> None:
        billed = math.ceil(seconds * 1000) / 1000  # Lambda bills per 1 ms
        with self._lock:
            self.counts.invocations[name] += 1
            memory = self.memory_mb.get(name, 128)
            self.counts.gb_seconds[name] = self.counts.gb_seconds.get(name, 0.0) + billed * memory / 1024
            if is_api:
                self.counts.api_requests += 1


# --- driving complete requests over HTTP ----------------------------------------------------------------
def _poll(client: Any, path: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
    """Poll (not counted) until the predicate holds, then look once (counted), as a person would."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.session.get(client.url(path), headers={POLL_HEADER: "1"}, timeout=60)
        last = response.json() if response.status_code == 200 else {"status_code": response.status_code}
        if response.status_code == 200 and predicate(last):
            seen = client.get(path)
            assert seen.status_code == 200, seen.text
            return dict(seen.json())
        time.sleep(0.2)
    raise AssertionError(f"{path} never reached the expected state; last seen: {last}")


def _waiting(step: str, role: str) -> Callable[[dict[str, Any]], bool]:
    return lambda d: (d["request"].get("waiting") or {}).get("step") == step and d["request"]["waiting"]["role"] == role


def drive_one(stack: Any, new_citizen: Callable[[], Any], officer: Callable[[str], Any], counts: Counts) -> str:
    """One food-shop request from the first draft to the downloaded sealed licence; returns its id."""
    import requests

    from tests.stack.conftest import prepared_draft, submit

    citizen = new_citizen()
    request_id = str(submit(citizen, prepared_draft(citizen, "food-shop"))["id"])
    counts.browser_s3_puts += 4  # the four attachments, posted by the browser straight to S3
    detail = f"/officer/requests/{request_id}"
    for group, step in (("reviewer", "review"), ("approver", "approval"), ("head", "approval")):
        _poll(officer(group), detail, _waiting(step, group))
        answer = officer(group).post(f"{detail}/decision", json={"step": step, "decision": "approve"})
        assert answer.status_code == 200, answer.text
    notice = _poll(citizen, f"/requests/{request_id}/payment", lambda n: "qr_payload" in n)
    paid = requests.post(
        f"{stack.url}/_local/pay/qr", json={"payload": notice["qr_payload"], "outcome": "paid"}, timeout=60
    ).json()
    assert paid["answer"]["recorded"] is True, paid
    signer_view = _poll(officer("signer"), detail, _waiting("signature", "signer"))
    signed = officer("signer").post(
        f"{detail}/decision",
        json={"step": "signature", "decision": "sign", "confirm": signer_view["licence_number"]},
    )
    assert signed.status_code == 200, signed.text
    final = _poll(citizen, f"/requests/{request_id}", lambda r: r.get("status") == "delivered", timeout=120)
    assert "licence" in final["documents"], final
    link = citizen.get(f"/requests/{request_id}/documents/licence")
    assert link.status_code == 200, link.text
    url = link.json().get("url")
    if url:
        assert requests.get(url, timeout=60).status_code == 200
        counts.browser_s3_gets += 1
    return request_id


def _memory_sizes(stack: Any) -> tuple[dict[str, int], dict[str, str]]:
    """Memory (MB) and architecture of each function, by physical name, from the synthesized template."""
    memory: dict[str, int] = {}
    arch: dict[str, str] = {}
    for logical in stack.template.of_type("AWS::Lambda::Function"):
        props = stack.template.body["Resources"][logical].get("Properties", {})
        name = stack.provisioned.refs[logical]
        memory[name] = int(props.get("MemorySize", 128))
        arch[name] = (props.get("Architectures") or ["x86_64"])[0]
    return memory, arch


def _indexes(stack: Any) -> tuple[Index, ...]:
    """Every global secondary index of the stack's tables, with its projection (template)."""
    indexes: list[Index] = []
    for logical in stack.template.of_type("AWS::DynamoDB::Table"):
        props = stack.template.body["Resources"][logical].get("Properties", {})
        table_keys = tuple(k["AttributeName"] for k in props.get("KeySchema", []))
        for index in props.get("GlobalSecondaryIndexes", []):
            schema = sorted(index["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
            projection = index.get("Projection") or {}
            indexes.append(
                Index(
                    name=index["IndexName"],
                    keys=tuple(k["AttributeName"] for k in schema),
                    projection=projection.get("ProjectionType", "ALL"),
                    attributes=frozenset(projection.get("NonKeyAttributes", [])),
                    table_keys=table_keys,
                )
            )
    return tuple(indexes)


def _moto_item(table: str, item_or_key: dict[str, Any]) -> dict[str, Any] | None:
    """The item moto's in-process store holds now under the key of ``item_or_key`` (typed; no call to count)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    from local.stack import REGION

    backend = get_backend("dynamodb")[DEFAULT_ACCOUNT_ID][REGION]
    try:
        stored_table = backend.get_table(table)
        names = [stored_table.hash_key_attr, *([stored_table.range_key_attr] if stored_table.range_key_attr else [])]
        key = {name: _typed(item_or_key[name]) for name in names}
        item = backend.get_item(table, key)
    except Exception:
        return None
    return None if item is None else dict(item.to_json()["Attributes"])


def _typed(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _TYPE_TAGS:
        return value
    return {"N" if isinstance(value, int | Decimal) else "S": str(value)}


def _transitions(stack: Any, since: float) -> tuple[int, int]:
    """(state transitions, executions) of every saga execution started since ``since`` (epoch seconds)."""
    import boto3

    from local.stack import REGION

    sfn = boto3.client("stepfunctions", region_name=REGION)
    transitions = executions = 0
    for logical in stack.template.of_type("AWS::StepFunctions::StateMachine"):
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=stack.provisioned.refs[logical])
        for execution in (e for page in pages for e in page["executions"]):
            if execution["startDate"].timestamp() < since:
                continue
            executions += 1
            history = sfn.get_paginator("get_execution_history").paginate(executionArn=execution["executionArn"])
            # Standard workflows bill a transition each time a state is entered (retries included).
            transitions += sum(1 for page in history for e in page["events"] if e["type"].endswith("StateEntered"))
    return transitions, executions


@dataclass(frozen=True)
class Measured:
    requests: int
    counts: Counts
    transitions: int
    executions: int
    arch: dict[str, str]
    seconds: float


def run(n: int) -> Measured:
    """Start the local stack, drive ``n`` complete requests, stop it; the counts."""
    import logging

    import boto3
    from moto.core.base_backend import BackendDict

    from local.stack import REGION, LocalStack, Login
    from tests.stack.conftest import Client

    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    # moto's accounts are process-wide: a local stack started and stopped before in this process (the pages of
    # bench_web in `make bench`) left its tables, buckets and keys, and a new stack creates the same ones.
    BackendDict.reset()
    stack = LocalStack().start()
    try:
        memory, arch = _memory_sizes(stack)
        config = stack._site_config()["citizen"]
        cognito = boto3.client("cognito-idp", region_name=REGION)

        def new_citizen() -> Client:
            login = Login(
                pool="citizen", email=f"bench-{uuid.uuid4().hex[:10]}@example.com", password="Citizen#2569local"
            )
            cognito.sign_up(
                ClientId=config["clientId"],
                Username=login.email,
                Password=login.password,
                UserAttributes=[{"Name": "email", "Value": login.email}],
            )
            cognito.admin_confirm_sign_up(UserPoolId=config["userPoolId"], Username=login.email)
            return Client(stack, login)

        officers: dict[str, Client] = {}

        def officer(group: str) -> Client:
            if group not in officers:
                login = next(x for x in stack.logins if x.pool == "officer" and group in x.groups)
                officers[group] = Client(stack, login)
            return officers[group]

        for group in ("reviewer", "approver", "head", "signer"):
            officer(group)  # signed in before counting: a session serves many requests
        meter = Meter(memory, indexes=_indexes(stack), items=_moto_item)
        started_at = time.time()
        started = time.perf_counter()
        with meter.installed() as counts:
            for _ in range(n):
                drive_one(stack, new_citizen, officer, counts)
            # Messages and the last saga steps finish after delivery is visible: let them end.
            time.sleep(2)
        seconds = time.perf_counter() - started
        transitions, executions = _transitions(stack, started_at)
        return Measured(n, counts, transitions, executions, arch, seconds)
    finally:
        stack.stop()


# --- pricing --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriceRow:
    item: str
    per_request: float
    unit_usd: float | None
    apart: bool = False
    #: A fee per message delivered (e-mail, SMS), as against the platform's own cost.
    message: bool = False

    @property
    def per_thousand(self) -> float:
        return 0.0 if self.unit_usd is None else self.per_request * self.unit_usd * 1000


def _p(item: str) -> float:
    return PRICES[item][0]


def price_rows(m: Measured) -> list[PriceRow]:
    """Each billed item per completed request, its unit price, and what 1,000 requests cost."""
    c, n = m.counts, m.requests
    gb_x86 = sum(s for name, s in c.gb_seconds.items() if m.arch.get(name, "x86_64") == "x86_64")
    gb_arm = sum(s for name, s in c.gb_seconds.items() if m.arch.get(name) == "arm64")
    kms = sum(v for (service, _), v in c.calls.items() if service == "kms")
    s3_put = sum(v for (s, op), v in c.calls.items() if s == "s3" and (op in S3_PUTS or op in S3_PUTS_LIST))
    s3_get = sum(v for (s, op), v in c.calls.items() if s == "s3" and op not in S3_PUTS | S3_PUTS_LIST | S3_FREE)
    ses = sum(v for (s, op), v in c.calls.items() if s == "ses" and op in SES_SENDS)
    topic = sum(v for (s, op), v in c.calls.items() if s == "sns" and op == "Publish") - c.sms
    secrets = sum(v for (s, _), v in c.calls.items() if s == "secretsmanager")
    rows = [
        PriceRow("Step Functions state transitions", m.transitions / n, _p("sfn_transition")),
        PriceRow("Lambda invocations", sum(c.invocations.values()) / n, _p("lambda_request")),
        PriceRow("Lambda GB-seconds (x86_64)", gb_x86 / n, _p("lambda_gb_second_x86")),
        PriceRow("Lambda GB-seconds (arm64)", gb_arm / n, _p("lambda_gb_second_arm")),
        PriceRow("API Gateway requests (REST)", c.api_requests / n, _p("apigw_request")),
        PriceRow("KMS requests", kms / n, _p("kms_request")),
        PriceRow("DynamoDB write request units", c.wru / n, _p("dynamodb_wru")),
        PriceRow("DynamoDB read request units", c.rru / n, _p("dynamodb_rru")),
        PriceRow("S3 PUT/POST/LIST (functions)", s3_put / n, _p("s3_put")),
        PriceRow("S3 PUT (browser uploads)", c.browser_s3_puts / n, _p("s3_put")),
        PriceRow("S3 GET/HEAD (functions)", s3_get / n, _p("s3_get")),
        PriceRow("S3 GET (browser downloads)", c.browser_s3_gets / n, _p("s3_get")),
        PriceRow("SES e-mails", ses / n, _p("ses_message"), message=True),
        PriceRow(
            "SES attachment data (MB, raw message)", c.email_bytes / 2**20 / n, _p("ses_attachment_mb"), message=True
        ),
        PriceRow("SNS topic publishes", topic / n, _p("sns_publish")),
        PriceRow("Secrets Manager calls", secrets / n, _p("secrets_call")),
        # Shown apart (issue 14): SMS is priced per destination country, the payment fee by the provider's contract.
        PriceRow("SMS messages (country rate)", c.sms / n, None, apart=True, message=True),
        PriceRow("payments (provider's fee)", 1.0, None, apart=True),
    ]
    return [r for r in rows if r.per_request or r.apart]


@dataclass(frozen=True)
class Totals:
    """USD per 1,000 completed requests."""

    #: Every priced AWS item, e-mail included; SMS and payment fees apart (issue 14's goal, <= 0.50).
    goal: float
    #: The part of ``goal`` that is e-mail (SES messages and attachment data).
    email: float
    #: SMS at the rate given, None without one.
    sms: float | None
    #: Payment fees at the fee given, None without one.
    payments: float | None

    @property
    def without_messages(self) -> float:
        """The platform's own cost: no message fee (e-mail, SMS) and no payment fee."""
        return self.goal - self.email

    @property
    def with_fees(self) -> float | None:
        """Everything, SMS and payment fees included; None unless both rates were given."""
        if self.sms is None or self.payments is None:
            return None
        return self.goal + self.sms + self.payments


def totals(rows: list[PriceRow], *, sms_usd: float | None = None, payment_fee_usd: float | None = None) -> Totals:
    """The three totals of the price table; SMS and payments priced only at the rates given (per message, per
    payment)."""

    def apart(item: str, rate: float | None) -> float | None:
        row = next((r for r in rows if r.apart and r.item.startswith(item)), None)
        return None if rate is None else (row.per_request if row else 0.0) * rate * 1000

    return Totals(
        goal=sum(r.per_thousand for r in rows if not r.apart),
        email=sum(r.per_thousand for r in rows if r.message and not r.apart),
        sms=apart("SMS", sms_usd),
        payments=apart("payments", payment_fee_usd),
    )


def print_report(m: Measured, *, sms_usd: float | None = None, payment_fee_usd: float | None = None) -> float:
    """Print the table; returns the AWS cost per 1,000 completed requests, SMS and payment fees apart (USD)."""
    rows = price_rows(m)
    print(f"{m.requests} completed food-shop requests in {m.seconds:.0f} s; {m.executions} saga executions")
    print(f"{'item':<36} {'per request':>12} {'unit USD':>12} {'USD / 1,000':>12}")
    for r in rows:
        unit = "see note" if r.unit_usd is None else f"{r.unit_usd:.3g}"
        cost = "apart" if r.apart else f"{r.per_thousand:.4f}"
        print(f"{r.item:<36} {r.per_request:>12.2f} {unit:>12} {cost:>12}")
    total = totals(rows, sms_usd=sms_usd, payment_fee_usd=payment_fee_usd)
    if total.with_fees is None:
        print(f"{'total, SMS and payment fees included':<62} {'not priced':>12}   (--sms-usd, --payment-fee-usd)")
    else:
        rates = f"SMS {sms_usd} USD each, payment fee {payment_fee_usd} USD"
        print(f"{'total, SMS and payment fees included':<62} {total.with_fees:>12.4f}   ({rates})")
    print(f"{'total without SMS and payment fees (issue 14 goal 0.50)':<62} {total.goal:>12.4f}")
    print(f"{'  of which e-mail (SES messages and attachment data)':<62} {total.email:>12.4f}")
    print(f"{'without any message fee (e-mail, SMS) or payment fee':<62} {total.without_messages:>12.4f}")
    print(f"state transitions per request: {m.transitions / m.requests:.1f}")
    by_function = ", ".join(
        f"{re.sub(r'function[0-9a-f]{8}$', '', name.split('-')[-1])} {count / m.requests:.1f}"
        f" ({m.counts.gb_seconds.get(name, 0.0) / m.requests:.2f} GB-s)"
        for name, count in sorted(m.counts.invocations.items())
    )
    print(f"invocations per request by function (GB-seconds, cold starts included): {by_function}")
    calls = ", ".join(f"{s}.{op} {v / m.requests:.1f}" for (s, op), v in sorted(m.counts.calls.items()))
    print(f"AWS calls per request by the functions: {calls}")
    print(
        "SMS: Amazon SNS / End User Messaging per-country rate (https://aws.amazon.com/end-user-messaging/pricing/);"
        " payments: the provider's contract fee per payment, paid apart from AWS."
    )
    return total.goal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3, help="complete requests to drive (default 3)")
    parser.add_argument("--sms-usd", type=float, help="USD per SMS at the destination country's rate (else apart)")
    parser.add_argument("--payment-fee-usd", type=float, help="USD per payment by the provider's contract (else apart)")
    args = parser.parse_args()
    print_report(run(args.requests), sms_usd=args.sms_usd, payment_fee_usd=args.payment_fee_usd)


if __name__ == "__main__":
    main()
