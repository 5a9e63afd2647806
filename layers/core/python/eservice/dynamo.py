"""DynamoDB adapters of the ports (one table per tenant, single-table design). Keys live only here.

- request ``REQ#<id>`` / ``META``: GSI1 ``APPLICANT#<sub>`` / ``<submitted at>#<id>`` (my requests);
  GSI2 ``STATUS#<status>`` / ``<updated at>#<id>`` (work lists); GSI4 ``OPEN`` / ``<updated at>#<id>``
  while the request is open (every open request, most recently changed first). The step the saga
  waits at is the map ``waiting`` on the same item, so a work-list row costs no extra read.
- under a request: events ``EVT#<seq:06>``; records ``<KIND>#<id>`` (``DECISION``, ``NOTE``, ``FAILURE``,
  ``SUPPLEMENT``, ``SLIPFILE``, ``SLIP``); saga answers ``OUTBOX#<sequence:06>`` (GSI2 ``OUTBOX#pending``
  until delivered); messages ``MESSAGE#<key>#<channel>``; payment copies ``PAYMENT#PAY#<provider>#<txn>``
- draft ``APPLICANT#<sub>`` / ``DRAFT#<id>``; profile ``APPLICANT#<sub>`` / ``PROFILE``; chosen channels and
  the linked LINE account ``APPLICANT#<sub>`` / ``CHANNELS``; LINE link code ``LINKCODE#<code>`` / ``LINK``;
  LINE account ``LINEUSER#<user id>`` / ``LINK``
- numbers: ``COUNTER#<series>#<year>`` / ``COUNTER``; ``NUMBER#<series>#<year>#<n>`` and
  ``OWNER#<series>#<year>#<owner>`` / ``NUMBER`` — counter and claim in one transaction
- payment ``PAY#<provider>#<txn>`` / ``PAYMENT``; its day ``PAYDAY#<date>`` / ``<at>#PAY#…``;
  slips pending for finance: GSI2 ``SLIPS#pending``; webhook message ``WEBHOOK#<provider>#<id>`` / ``EVENT``
- e-mail by provider id ``SESMSG#<id>`` / ``MESSAGE``
- licence ``LIC#<number>`` / ``META``; GSI3 ``REGISTER`` / ``<issued at>#<number>``; issued document
  ``DOCHASH#<sha256>`` / ``DOC``; the agency PKI ``PKI#agency`` / ``BUNDLE``
- announcement ``ANNOUNCE#<id>`` / ``META``: GSI3 ``ANNOUNCEMENTS`` / ``<drafted at>#<id>`` (every one);
  once issued GSI2 ``ANNOUNCEMENTS#published`` / ``<issued at>#<id>``; the one in force of a kind
  ``ANNOUNCE#CURRENT#<kind>`` / ``POINTER``

Nothing here deletes a business item: status changes are updates plus appended events.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from . import clock_source
from .domain import FINAL_STATUSES, RequestStatus, StatusChange
from .errors import Conflict, InvalidInput, NotFound
from .indexes import INDEX_ATTRIBUTES, LEAN_SUFFIX
from .ports import AlreadyAnswered, Answer, Page, Repositories

__all__ = ["DynamoDatabase", "from_dynamo", "to_dynamo"]

if TYPE_CHECKING:
    from boto3.dynamodb import conditions


# boto3's condition builders, imported when a query first needs one: importing boto3 costs as much as the
# rest of intake, and a request that reads no table never needs it (issue 14, cold start).
def Key(name: str) -> conditions.Key:
    from boto3.dynamodb.conditions import Key as key

    return key(name)


def Attr(name: str) -> conditions.Attr:
    from boto3.dynamodb.conditions import Attr as attr

    return attr(name)


def to_dynamo(value: Any) -> Any:
    """Python -> DynamoDB: floats become Decimals, datetimes ISO strings."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    """DynamoDB -> Python: Decimals become int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


_KEY_ATTRS = ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "GSI4PK", "GSI4SK")

#: Index names that did not answer in this container (removed, or still being built): read the other one.
_unreadable_indexes: set[tuple[str, str]] = set()


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item without its key attributes."""
    return {k: v for k, v in from_dynamo(item).items() if k not in _KEY_ATTRS}


def _condition_failed(exc: ClientError) -> bool:
    """True only when a condition did not hold (not for malformed writes, which must surface)."""
    error = exc.response["Error"]["Code"]
    if error == "ConditionalCheckFailedException":
        return True
    if error == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons") or []
        codes = {r.get("Code") for r in reasons} - {"None", None}
        if not reasons:
            return "ConditionalCheckFailed" in str(exc)
        return codes <= {"ConditionalCheckFailed"}
    return False


def _index_unreadable(exc: ClientError, index: str) -> bool:
    """True when a query failed because the index is not there (removed by an upgrade) or not yet built.
    DynamoDB answers ValidationException "The table does not have the specified index: <name>" for a missing
    index (as quoted in aws-amplify/amplify-js#10989); for one still backfilling it answers "Cannot read from
    backfilling global secondary index" (aws-cloudformation/cloudformation-coverage-roadmap#1075, quoted without
    a name: if it names none, the query fails until the backfill ends, as the README's upgrade notes say). The
    local stack's moto answers the same (local/moto_dynamodb.py)."""
    error = exc.response["Error"]
    named = re.search(rf"index: {re.escape(index)}(?!\w)", str(error.get("Message", ""))) is not None
    return named and error.get("Code") == "ValidationException"


def _failed_items(exc: ClientError) -> set[int]:
    """Which items of a cancelled transaction failed their condition (empty if unknown)."""
    reasons = exc.response.get("CancellationReasons") or []
    return {i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"}


def _encode_cursor(key: Mapping[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(from_dynamo(key), separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput(code="cursor.invalid", th="ตัวชี้หน้าถัดไปไม่ถูกต้อง", en="The page cursor is not valid.")
    return data


class _Table:
    """The table, with expression builders and paginated queries."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.client = table.meta.client
        self.name = str(table.name)

    # reads
    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"PK": pk, "SK": sk}, ConsistentRead=True).get("Item")
        return None if item is None else from_dynamo(item)  # type: ignore[no-any-return]

    def query_all(
        self, condition: Any, *, index: str | None = None, forward: bool = True, **extra: Any
    ) -> Iterator[Any]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": forward, **extra}
        while True:
            page = self._query(index, kwargs)
            yield from self._whole(index, page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def query_page(
        self,
        condition: Any,
        *,
        limit: int,
        cursor: str | None,
        index: str | None = None,
        forward: bool = True,
        filter_expression: Any = None,
    ) -> Page[dict[str, Any]]:
        """One page. With a filter, DynamoDB may return fewer rows than asked: keep reading until the
        page is full, the partition ends, or ``4 × limit`` items were read (a page then comes back
        short, with a cursor), so that no page costs more reads as the table grows."""
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": forward}
        if filter_expression is not None:
            kwargs["FilterExpression"] = filter_expression
        start = _decode_cursor(cursor)
        items: list[dict[str, Any]] = []
        budget = limit * 4
        while True:
            if start:
                kwargs["ExclusiveStartKey"] = start
            kwargs["Limit"] = min(limit - len(items), budget)
            page = self._query(index, kwargs)
            items.extend(from_dynamo(i) for i in self._whole(index, page.get("Items", [])))
            budget -= int(page.get("ScannedCount", kwargs["Limit"]))
            start = page.get("LastEvaluatedKey")
            if not start or len(items) >= limit or budget <= 0:
                return Page(items=items, cursor=_encode_cursor(start))

    def _query(self, index: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        """One Query, on the table or on an index by its logical name (GSI1..GSI4): the plain name, else the
        lean one of a table half-way through its upgrade (``table_indexes``)."""
        if index is None:
            return self.table.query(**kwargs)  # type: ignore[no-any-return]
        lean = f"{index}{LEAN_SUFFIX}"
        if (self.name, index) not in _unreadable_indexes:
            try:
                return self.table.query(IndexName=index, **kwargs)  # type: ignore[no-any-return]
            except ClientError as exc:
                if not _index_unreadable(exc, index):
                    raise
                _unreadable_indexes.add((self.name, index))
        return self.table.query(IndexName=lean, **kwargs)  # type: ignore[no-any-return]

    def _whole(self, index: str | None, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The whole items of an index page, in its order: an entry of a lean index holds only keys and the
        attributes its queries filter on, so those are read from the table by key (one ``BatchGetItem`` per
        100). An entry that holds more (an index of whole items, before an upgrade) is whole already."""
        if index is None:
            return items
        projected = {*_KEY_ATTRS, *INDEX_ATTRIBUTES[index]}
        wanted = {(i["PK"], i["SK"]) for i in items if set(i) <= projected}
        if not wanted:
            return items
        found = self._batch_get(sorted(wanted))
        whole = []
        for item in items:
            key = (item["PK"], item["SK"])
            if key not in wanted:
                whole.append(item)
            else:  # items are never deleted (Q4.6) and the read is consistent: every one is found
                whole.append(found[key])
        return whole

    def _batch_get(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        pending = [{"PK": pk, "SK": sk} for pk, sk in keys]
        delay = 0.05
        while pending:
            chunk, pending = pending[:100], pending[100:]
            # Strongly consistent: an entry the index already shows is then always found in the table (a row is
            # never left out of a page because a replica had not caught up).
            answer = self.client.batch_get_item(RequestItems={self.name: {"Keys": chunk, "ConsistentRead": True}})
            for item in answer.get("Responses", {}).get(self.name, []):
                found[(item["PK"], item["SK"])] = item
            left = answer.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])
            if left:  # DynamoDB answered part of the batch (throughput): ask again for the rest, backing off
                pending = [*left, *pending]
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        return found

    # writes
    def put(self, item: Mapping[str, Any], *, only_new: bool = False) -> bool:
        kwargs: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"} if only_new else {}
        try:
            self.table.put_item(Item=to_dynamo(item), **kwargs)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def update(self, pk: str, sk: str, **spec: Any) -> bool:
        op = self.update_op(pk, sk, **spec)["Update"]
        kwargs = {k: v for k, v in op.items() if k != "TableName"}
        try:
            self.client.update_item(TableName=self.name, **kwargs)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def transact(self, ops: list[dict[str, Any]]) -> None:
        self.client.transact_write_items(TransactItems=ops)

    # builders
    def put_op(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = "attribute_not_exists(PK)",
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        op: dict[str, Any] = {"TableName": self.name, "Item": to_dynamo(item)}
        if condition:
            op["ConditionExpression"] = condition
        if names:
            op["ExpressionAttributeNames"] = dict(names)
        if values:
            op["ExpressionAttributeValues"] = to_dynamo(values)
        return {"Put": op}

    def update_op(
        self,
        pk: str,
        sk: str,
        *,
        set_fields: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        append: Mapping[str, list[Any]] | None = None,
        condition: str | None = "attribute_exists(PK)",
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An Update. Field names may be dotted paths (``waiting.state``): each part is its own name."""
        all_names: dict[str, str] = dict(names or {})
        all_values: dict[str, Any] = {k: to_dynamo(v) for k, v in (values or {}).items()}
        counter = iter(range(10_000))

        def path(dotted: str) -> str:
            parts = []
            for part in dotted.split("."):
                alias = f"#p{next(counter)}"
                all_names[alias] = part
                parts.append(alias)
            return ".".join(parts)

        sets = []
        for name, value in (set_fields or {}).items():
            alias = f":s{next(counter)}"
            all_values[alias] = to_dynamo(value)
            sets.append(f"{path(name)} = {alias}")
        for name, items in (append or {}).items():
            alias, empty = f":a{next(counter)}", f":e{next(counter)}"
            all_values[alias] = to_dynamo(items)
            all_values[empty] = []
            target = path(name)
            sets.append(f"{target} = list_append(if_not_exists({target}, {empty}), {alias})")
        removes = [path(name) for name in remove]
        expression = ""
        if sets:
            expression += "SET " + ", ".join(sets)
        if removes:
            expression += (" " if expression else "") + "REMOVE " + ", ".join(removes)
        op: dict[str, Any] = {"TableName": self.name, "Key": {"PK": pk, "SK": sk}, "UpdateExpression": expression}
        if condition:
            op["ConditionExpression"] = condition
        if all_names:
            op["ExpressionAttributeNames"] = all_names
        if all_values:
            op["ExpressionAttributeValues"] = all_values
        return {"Update": op}


# --- requests -----------------------------------------------------------------------------------------
def _utc(moment: datetime) -> str:
    """A sort-key bound in the form submission times are stored in (ISO, UTC)."""
    return moment.astimezone(UTC).isoformat()


def _req(request_id: str) -> str:
    return f"REQ#{request_id}"


def _status_keys(event: StatusChange) -> tuple[dict[str, Any], list[str]]:
    """What a status change sets on the request item (and removes: a closed request leaves GSI4)."""
    at = event.at.isoformat()
    fields: dict[str, Any] = {
        "status": event.to_status.value,
        "version": event.seq,
        "updated_at": at,
        "GSI2PK": f"STATUS#{event.to_status.value}",
        "GSI2SK": f"{at}#{event.request_id}",
    }
    if event.to_status in FINAL_STATUSES:
        return fields, ["GSI4PK", "GSI4SK"]
    fields.update({"GSI4PK": "OPEN", "GSI4SK": f"{at}#{event.request_id}"})
    return fields, []


def _event_item(event: StatusChange) -> dict[str, Any]:
    return {
        "PK": _req(event.request_id),
        "SK": f"EVT#{event.seq:06d}",
        "request_id": event.request_id,
        "seq": event.seq,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value,
        "at": event.at.isoformat(),
        "actor": event.actor.as_dict(),
        "reason": event.reason,
        "data": to_dynamo(event.data),
    }


_CHANGED = Conflict(
    code="request.changed",
    th="คำขอนี้เพิ่งถูกเปลี่ยนแปลง กรุณาโหลดข้อมูลใหม่แล้วลองอีกครั้ง",
    en="This request has just changed. Reload it and try again.",
)


class DynamoRequests:
    """RequestRepository and NumberSeries over the tenant table."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def create(
        self, record: Mapping[str, Any], first_event: StatusChange, *, draft: tuple[str, str] | None = None
    ) -> bool:
        item = {
            "PK": _req(record["id"]),
            "SK": "META",
            **record,
            "GSI1PK": f"APPLICANT#{record['applicant_id']}",
            "GSI1SK": f"{record['submitted_at']}#{record['id']}",
            "GSI2PK": f"STATUS#{record['status']}",
            "GSI2SK": f"{record['updated_at']}#{record['id']}",
            "GSI4PK": "OPEN",
            "GSI4SK": f"{record['updated_at']}#{record['id']}",
            # Every request by its submission time, for the statistics (Q10.5).
            "GSI3PK": "REQUESTS",
            "GSI3SK": f"{record['submitted_at']}#{record['id']}",
        }
        ops = [self._t.put_op(item), self._t.put_op(_event_item(first_event))]
        if draft is not None:
            ops.append(
                self._t.update_op(
                    f"APPLICANT#{draft[0]}",
                    f"DRAFT#{draft[1]}",
                    set_fields={"state": "submitted", "request_id": record["id"], "updated_at": record["submitted_at"]},
                    condition="#state = :open",
                    names={"#state": "state"},
                    values={":open": "open"},
                )
            )
        try:
            self._t.transact(ops)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def find(self, request_id: str) -> dict[str, Any] | None:
        item = self._t.get(_req(request_id), "META")
        return None if item is None else _plain(item)

    def get(self, request_id: str) -> dict[str, Any]:
        record = self.find(request_id)
        if record is None:
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")
        return record

    def status_change_ops(
        self,
        event: StatusChange,
        *,
        set_fields: Mapping[str, Any] | None = None,
        extra_condition: str = "",
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        fields, remove = _status_keys(event)
        condition = "#version = :expected" + (f" AND {extra_condition}" if extra_condition else "")
        return [
            self._t.update_op(
                _req(event.request_id),
                "META",
                set_fields={**fields, **(set_fields or {})},
                remove=remove,
                condition=condition,
                names={"#version": "version", **(names or {})},
                values={":expected": event.seq - 1, **(values or {})},
            ),
            self._t.put_op(_event_item(event)),
        ]

    def change_status(self, event: StatusChange, *, set_fields: Mapping[str, Any] | None = None) -> None:
        try:
            self._t.transact(self.status_change_ops(event, set_fields=set_fields))
        except ClientError as exc:
            if _condition_failed(exc):
                raise _CHANGED from None
            raise

    def set_fields(self, request_id: str, fields: Mapping[str, Any]) -> None:
        if not self._t.update(_req(request_id), "META", set_fields=fields):
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")

    def set_document(self, request_id: str, kind: str, document: Mapping[str, Any]) -> None:
        # The documents map exists from submission on (``{}``), so the path update is always valid.
        if not self._t.update(_req(request_id), "META", set_fields={f"documents.{kind}": document}):
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")

    def add_attachments(self, request_id: str, attachments: list[Mapping[str, Any]]) -> None:
        self._t.update(_req(request_id), "META", append={"attachments": list(attachments)})

    def events(self, request_id: str) -> list[dict[str, Any]]:
        return [_plain(i) for i in self._t.query_all(Key("PK").eq(_req(request_id)) & Key("SK").begins_with("EVT#"))]

    def put_record(self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any]) -> None:
        self._t.put({"PK": _req(request_id), "SK": f"{kind}#{record_id}", **data})

    def add_record(self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any]) -> bool:
        return self._t.put({"PK": _req(request_id), "SK": f"{kind}#{record_id}", **data}, only_new=True)

    def replace_record(
        self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any], *, state: str
    ) -> bool:
        try:
            self._t.transact(
                [
                    self._t.put_op(
                        {"PK": _req(request_id), "SK": f"{kind}#{record_id}", **data},
                        condition="#state = :state",
                        names={"#state": "state"},
                        values={":state": state},
                    )
                ]
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def get_record(self, request_id: str, kind: str, record_id: str) -> dict[str, Any] | None:
        item = self._t.get(_req(request_id), f"{kind}#{record_id}")
        return None if item is None else _plain(item)

    def records(self, request_id: str, kind: str) -> list[dict[str, Any]]:
        condition = Key("PK").eq(_req(request_id)) & Key("SK").begins_with(f"{kind}#")
        return [_plain(i) for i in self._t.query_all(condition)]

    def of_applicant(self, applicant_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(
            Key("GSI1PK").eq(f"APPLICANT#{applicant_id}"), index="GSI1", forward=False, limit=limit, cursor=cursor
        )
        return Page([_plain(i) for i in page.items], page.cursor)

    def in_status(
        self, status: RequestStatus, *, limit: int, cursor: str | None, service_ids: frozenset[str] | None = None
    ) -> Page[dict[str, Any]]:
        page = self._t.query_page(
            Key("GSI2PK").eq(f"STATUS#{status.value}"),
            index="GSI2",
            forward=False,
            limit=limit,
            cursor=cursor,
            filter_expression=None if service_ids is None else Attr("service_id").is_in(sorted(service_ids)),
        )
        return Page([_plain(i) for i in page.items], page.cursor)

    def open(
        self,
        *,
        limit: int,
        cursor: str | None,
        changed_since: datetime | None = None,
        due_before: datetime | None = None,
        waiting_roles: frozenset[str] | None = None,
        service_ids: frozenset[str] | None = None,
    ) -> Page[dict[str, Any]]:
        condition: Any = Key("GSI4PK").eq("OPEN")
        if changed_since is not None:
            condition = condition & Key("GSI4SK").gte(changed_since.isoformat())
        filters: list[Any] = []
        if due_before is not None:
            filters.append(Attr("due_at").lte(due_before.isoformat()))
        if waiting_roles is not None:
            filters.append(Attr("waiting.state").eq("waiting") & Attr("waiting.role").is_in(sorted(waiting_roles)))
        if service_ids is not None:
            filters.append(Attr("service_id").is_in(sorted(service_ids)))
        expression: Any = None
        for f in filters:
            expression = f if expression is None else expression & f
        page = self._t.query_page(
            condition, index="GSI4", forward=False, limit=limit, cursor=cursor, filter_expression=expression
        )
        return Page([_plain(i) for i in page.items], page.cursor)

    # numbers -------------------------------------------------------------------------------------
    def received_between(
        self, start: datetime, end: datetime, *, limit: int, cursor: str | None
    ) -> Page[dict[str, Any]]:
        """Requests submitted in ``[start, end)``, oldest first (GSI3 ``REQUESTS``; statistics, Q10.5)."""
        condition = Key("GSI3PK").eq("REQUESTS") & Key("GSI3SK").between(
            _utc(start), _utc(end - timedelta(microseconds=1)) + "~"
        )
        page = self._t.query_page(condition, index="GSI3", limit=limit, cursor=cursor)
        return Page(items=[_plain(i) for i in page.items], cursor=page.cursor)

    def applicant_rows(self, applicant_id: str) -> list[dict[str, Any]]:
        """Every row kept under the applicant (profile, channels, drafts in any state), with ``kind`` and
        ``row_id`` (PDPA export)."""
        rows = []
        for item in self._t.query_all(Key("PK").eq(f"APPLICANT#{applicant_id}")):
            kind, _, row_id = str(item["SK"]).partition("#")
            rows.append({**_plain(item), "kind": kind, "row_id": row_id})
        return rows

    def held_under(self, request_id: str) -> list[dict[str, Any]]:
        """Every row kept under the request but its record, with ``kind`` and ``row_id`` (PDPA export)."""
        rows = []
        for item in self._t.query_all(Key("PK").eq(_req(request_id))):
            if item["SK"] == "META":
                continue
            kind, _, row_id = str(item["SK"]).partition("#")
            rows.append({**_plain(item), "kind": kind, "row_id": row_id})
        return rows

    def _number_ops(self, series: str, year: int, owner: str, current: int | None) -> tuple[int, list[dict[str, Any]]]:
        number = (current or 0) + 1
        counter_key = (f"COUNTER#{series}#{year}", "COUNTER")
        if current is None:
            counter = self._t.put_op({"PK": counter_key[0], "SK": counter_key[1], "last": number})
        else:
            counter = self._t.update_op(
                *counter_key,
                set_fields={"last": number},
                condition="#last = :last",
                names={"#last": "last"},
                values={":last": current},
            )
        claim = {"PK": f"NUMBER#{series}#{year}#{number}", "SK": "NUMBER", "owner": owner, "number": number}
        owner_item = {"PK": f"OWNER#{series}#{year}#{owner}", "SK": "NUMBER", "number": number}
        return number, [counter, self._t.put_op(claim), self._t.put_op(owner_item)]

    def _held(self, series: str, year: int, owner: str) -> int | None:
        held = self._t.get(f"OWNER#{series}#{year}#{owner}", "NUMBER")
        return None if held is None else int(held["number"])

    def _with_number(
        self, series: str, year: int, owner: str, more: Callable[[int], list[dict[str, Any]]], attempts: int = 60
    ) -> int:
        """Counter, claim, owner and ``more(number)`` in one transaction; retried while others race."""
        for attempt in range(attempts):
            held = self._held(series, year, owner)
            if held is not None:
                return held
            counter = self._t.get(f"COUNTER#{series}#{year}", "COUNTER")
            number, ops = self._number_ops(series, year, owner, int(counter["last"]) if counter else None)
            extra = more(number)
            try:
                self._t.transact(ops + extra)
                return number
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code not in ("TransactionCanceledException", "TransactionConflictException"):
                    raise
                failed = _failed_items(exc)
                if failed and min(failed) >= len(ops):
                    # Only the business part's condition failed (not the race for the number): stop. A lost
                    # race fails the number's items, and may fail the business part too (the winner holds
                    # the same number): DynamoDB names every failed condition, so that is retried.
                    raise _CHANGED from None
                time.sleep(min(0.004 * (2 ** min(attempt, 6)), 0.15))
        raise Conflict(
            code="number.busy",
            th="ระบบกำลังออกเลขจำนวนมาก กรุณาลองใหม่",
            en="Too many numbers are being issued at once; try again.",
        )

    def take(self, series: str, year: int, *, owner: str) -> int:
        return self._with_number(series, year, owner, lambda _: [])

    def register(
        self,
        request_id: str,
        *,
        series: str,
        year: int,
        build: Callable[[int], tuple[StatusChange, Mapping[str, Any]]],
    ) -> int:
        def status_change(number: int) -> list[dict[str, Any]]:
            event, fields = build(number)
            return self.status_change_ops(event, set_fields=fields)

        return self._with_number(series, year, request_id, status_change)


# --- waiting steps and the outbox ----------------------------------------------------------------------
def _outbox_item(answer: Answer, at: str) -> dict[str, Any]:
    message = answer.outbox
    return {
        "PK": _req(message.request_id),
        "SK": f"OUTBOX#{message.sequence:06d}",
        **message.as_dict(),
        "state": "pending",
        "created_at": at,
        "GSI2PK": "OUTBOX#pending",
        "GSI2SK": f"{at}#{message.request_id}#{message.sequence:06d}",
    }


class DynamoWaitingSteps:
    """WaitingSteps: the ``waiting`` map on the request item, and ``OUTBOX#`` rows."""

    def __init__(self, t: _Table, requests: DynamoRequests) -> None:
        self._t = t
        self._requests = requests

    def park(
        self, request_id: str, waiting: Mapping[str, Any], *, event: StatusChange | None, expected_sequence: int
    ) -> None:
        # The step moves only from the sequence the caller saw (a retried await parks once).
        condition = "(attribute_not_exists(#w) OR #w.#seq = :seq)"
        names = {"#w": "waiting", "#seq": "sequence"}
        values = {":seq": expected_sequence}
        try:
            if event is None:
                ok = self._t.update(
                    _req(request_id),
                    "META",
                    set_fields={"waiting": waiting},
                    condition=f"attribute_exists(PK) AND {condition}",
                    names=names,
                    values=values,
                )
                if not ok:
                    raise _CHANGED
                return
            ops = self._requests.status_change_ops(
                event, set_fields={"waiting": waiting}, extra_condition=condition, names=names, values=values
            )
            self._t.transact(ops)
        except ClientError as exc:
            if _condition_failed(exc):
                raise _CHANGED from None
            raise

    def answer_ops(self, answer: Answer, at: str) -> list[dict[str, Any]]:
        """The transaction items of an answer (used by the payment ledger too)."""
        claim = {
            "waiting.state": answer.state,
            "waiting.answered_at": at,
            "waiting.answered_by": answer.by,
            "waiting.outcome": answer.outcome,
            "waiting.output": answer.outbox.output if answer.outbox.kind == "succeed" else None,
            "waiting.error": answer.outbox.error,
        }
        condition = "#w.#state = :waiting AND #w.#token = :token"
        names = {"#w": "waiting", "#state": "state", "#token": "token"}
        values = {":waiting": "waiting", ":token": answer.token}
        if answer.event is not None:
            ops = self._requests.status_change_ops(
                answer.event,
                set_fields={**claim, **answer.fields},
                extra_condition=condition,
                names=names,
                values=values,
            )
        else:
            ops = [
                self._t.update_op(
                    _req(answer.request_id),
                    "META",
                    set_fields={**claim, **answer.fields},
                    condition=condition,
                    names=names,
                    values=values,
                )
            ]
        if answer.record is not None:
            kind, record_id, data = answer.record
            ops.append(self._t.put_op({"PK": _req(answer.request_id), "SK": f"{kind}#{record_id}", **data}))
        for kind, record_id, data in answer.also:
            ops.append(self._t.put_op({"PK": _req(answer.request_id), "SK": f"{kind}#{record_id}", **data}))
        ops.append(self._t.put_op(_outbox_item(answer, at)))
        return ops

    def answer(self, answer: Answer) -> None:
        at = clock_source.now().isoformat()
        try:
            self._t.transact(self.answer_ops(answer, at))
        except ClientError as exc:
            if _condition_failed(exc):
                raise AlreadyAnswered(
                    code="decision.already_made", th="มีการพิจารณาขั้นตอนนี้ไปแล้ว", en="This step has already been decided."
                ) from None
            raise

    def outbox(self, request_id: str, sequence: int) -> dict[str, Any] | None:
        item = self._t.get(_req(request_id), f"OUTBOX#{sequence:06d}")
        return None if item is None else _plain(item)

    def mark_outbox(self, request_id: str, sequence: int, state: Literal["delivered", "stale", "resumed"]) -> None:
        at = clock_source.now().isoformat()
        if state == "stale":
            # Listed for the sweeper until it resumes the request; only a still-pending answer (one
            # delivered a moment ago by someone else is not stale, whatever Step Functions says now).
            self._t.update(
                _req(request_id),
                f"OUTBOX#{sequence:06d}",
                set_fields={"state": state, "stale_at": at, "GSI2PK": "OUTBOX#stale"},
                condition="#state = :pending",
                names={"#state": "state"},
                values={":pending": "pending"},
            )
            return
        self._t.update(
            _req(request_id),
            f"OUTBOX#{sequence:06d}",
            set_fields={"state": state, "delivered_at": at},
            remove=["GSI2PK", "GSI2SK"],
        )

    def pending_outbox(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(Key("GSI2PK").eq("OUTBOX#pending"), index="GSI2", limit=limit, cursor=cursor)
        return Page([_plain(i) for i in page.items], page.cursor)

    def stale_outbox(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(Key("GSI2PK").eq("OUTBOX#stale"), index="GSI2", limit=limit, cursor=cursor)
        return Page([_plain(i) for i in page.items], page.cursor)


# --- drafts and profiles ----------------------------------------------------------------------------------
class DynamoDrafts:
    """DraftRepository."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def create(self, draft: Mapping[str, Any]) -> None:
        item = {"PK": f"APPLICANT#{draft['applicant_id']}", "SK": f"DRAFT#{draft['id']}", **draft}
        if not self._t.put(item, only_new=True):
            raise Conflict(code="draft.exists", th="มีแบบร่างนี้อยู่แล้ว", en="This draft exists already.")

    def get(self, applicant_id: str, draft_id: str) -> dict[str, Any] | None:
        item = self._t.get(f"APPLICANT#{applicant_id}", f"DRAFT#{draft_id}")
        return None if item is None else _plain(item)

    def of_applicant(self, applicant_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(
            Key("PK").eq(f"APPLICANT#{applicant_id}") & Key("SK").begins_with("DRAFT#"),
            forward=False,
            limit=limit,
            cursor=cursor,
            filter_expression=Attr("state").eq("open"),
        )
        return Page([_plain(i) for i in page.items], page.cursor)

    def save(self, applicant_id: str, draft_id: str, fields: Mapping[str, Any], *, expected_state: str | None) -> bool:
        if expected_state is None:
            return self._t.update(f"APPLICANT#{applicant_id}", f"DRAFT#{draft_id}", set_fields=fields)
        return self._t.update(
            f"APPLICANT#{applicant_id}",
            f"DRAFT#{draft_id}",
            set_fields=fields,
            condition="attribute_exists(PK) AND #state = :state",
            names={"#state": "state"},
            values={":state": expected_state},
        )

    def set_attachment(self, applicant_id: str, draft_id: str, attachment: Mapping[str, Any]) -> bool:
        return self._t.update(
            f"APPLICANT#{applicant_id}",
            f"DRAFT#{draft_id}",
            set_fields={
                f"attachments.{attachment['id']}": attachment,
                "updated_at": attachment.get("checked_at") or attachment.get("created_at"),
            },
            condition="attribute_exists(PK) AND #state = :open",
            names={"#state": "state"},
            values={":open": "open"},
        )


class DynamoProfiles:
    """ProfileRepository."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def get(self, applicant_id: str) -> dict[str, Any] | None:
        item = self._t.get(f"APPLICANT#{applicant_id}", "PROFILE")
        return None if item is None else _plain(item)

    def put(self, applicant_id: str, profile: Mapping[str, Any]) -> None:
        self._t.put({"PK": f"APPLICANT#{applicant_id}", "SK": "PROFILE", **profile})


class DynamoChannels:
    """ChannelRepository."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def get(self, applicant_id: str) -> dict[str, Any]:
        item = self._t.get(f"APPLICANT#{applicant_id}", "CHANNELS")
        return {} if item is None else _plain(item)

    def choose(self, applicant_id: str, *, sms: bool, line: bool, at: str) -> None:
        self._t.update(
            f"APPLICANT#{applicant_id}",
            "CHANNELS",
            set_fields={"sms": sms, "line": line, "chosen_at": at},
            condition=None,
        )

    def add_link_code(self, code: str, applicant_id: str, *, expires_at: str) -> None:
        item = {"PK": f"LINKCODE#{code}", "SK": "LINK", "applicant_id": applicant_id, "expires_at": expires_at}
        if not self._t.put({**item, "used": False}, only_new=True):
            raise Conflict(code="line.code_taken", th="รหัสนี้ถูกใช้แล้ว กรุณาขอใหม่", en="That code is taken; ask again.")

    def link_with_code(self, code: str, line_user_id: str, *, now: str) -> str | None:
        # One transaction: a webhook that dies halfway uses no code and links nothing, so LINE's redelivery
        # (or the citizen sending the code again) still links.
        item = self._t.get(f"LINKCODE#{code}", "LINK")
        if item is None:
            return None
        applicant_id = str(item["applicant_id"])
        if item.get("used"):
            return applicant_id if item.get("line_user_id") == line_user_id else None
        if str(item["expires_at"]) <= now:
            return None
        try:
            self._t.transact(
                [
                    self._t.update_op(
                        f"LINKCODE#{code}",
                        "LINK",
                        set_fields={"used": True, "used_at": now, "line_user_id": line_user_id},
                        condition="attribute_exists(PK) AND #used = :no AND #expires > :now",
                        names={"#used": "used", "#expires": "expires_at"},
                        values={":no": False, ":now": now},
                    ),
                    self._t.update_op(
                        f"APPLICANT#{applicant_id}",
                        "CHANNELS",
                        set_fields={"line_user_id": line_user_id, "line_linked_at": now},
                        remove=["line_unlinked"],
                        condition=None,
                    ),
                    self._t.put_op(
                        {"PK": f"LINEUSER#{line_user_id}", "SK": "LINK", "applicant_id": applicant_id, "at": now},
                        condition=None,
                    ),
                ]
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            # Taken meanwhile: by this account (a concurrent redelivery) it is linked all the same.
            again = self._t.get(f"LINKCODE#{code}", "LINK") or {}
            return applicant_id if again.get("line_user_id") == line_user_id else None
        return applicant_id

    def applicant_of_line_user(self, line_user_id: str) -> str | None:
        item = self._t.get(f"LINEUSER#{line_user_id}", "LINK")
        return None if item is None else str(item["applicant_id"])

    def unlink_line(self, applicant_id: str, *, at: str, reason: str) -> None:
        # The LINEUSER link stays (nothing is deleted): it still says whose account it was.
        self._t.update(
            f"APPLICANT#{applicant_id}",
            "CHANNELS",
            set_fields={"line_unlinked": {"at": at, "reason": reason}},
            remove=["line_user_id", "line_linked_at"],
            condition=None,
        )


# --- payments ---------------------------------------------------------------------------------------------
def _pay(provider: str, transaction_id: str) -> str:
    return f"PAY#{provider}#{transaction_id}"


class DynamoPayments:
    """PaymentLedger and WebhookInbox."""

    def __init__(self, t: _Table, waiting: DynamoWaitingSteps) -> None:
        self._t = t
        self._waiting = waiting

    def get(self, provider: str, transaction_id: str) -> dict[str, Any] | None:
        item = self._t.get(_pay(provider, transaction_id), "PAYMENT")
        return None if item is None else _plain(item)

    def _record_ops(self, payment: Mapping[str, Any], day: date) -> list[dict[str, Any]]:
        key = _pay(payment["provider"], payment["transaction_id"])
        day_sk = f"{payment['received_at']}#{key}"
        ops = [
            self._t.put_op({"PK": key, "SK": "PAYMENT", **payment, "day": day.isoformat(), "day_sk": day_sk}),
            self._t.put_op({"PK": f"PAYDAY#{day.isoformat()}", "SK": day_sk, **payment, "key": key}),
        ]
        if payment.get("request_id"):
            ops.append(self._t.put_op({"PK": _req(payment["request_id"]), "SK": f"PAYMENT#{key}", **payment}))
        return ops

    def record(self, payment: Mapping[str, Any], *, day: date) -> bool:
        try:
            self._t.transact(self._record_ops(payment, day))
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def _copies(self, provider: str, transaction_id: str) -> list[tuple[str, str]]:
        primary = self.get(provider, transaction_id)
        if primary is None:
            return []
        key = _pay(provider, transaction_id)
        copies = [(key, "PAYMENT"), (f"PAYDAY#{primary['day']}", primary["day_sk"])]
        if primary.get("request_id"):
            copies.append((_req(primary["request_id"]), f"PAYMENT#{key}"))
        return copies

    def _copy_ops(
        self,
        provider: str,
        transaction_id: str,
        fields: Mapping[str, Any],
        *,
        primary_condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        ops = []
        for index, (pk, sk) in enumerate(self._copies(provider, transaction_id)):
            if index == 0 and primary_condition:
                ops.append(
                    self._t.update_op(
                        pk, sk, set_fields=fields, condition=primary_condition, names=names, values=values
                    )
                )
            else:
                ops.append(self._t.update_op(pk, sk, set_fields=fields))
        return ops

    def advance(self, provider: str, transaction_id: str, *, was: str, to: str, at: datetime) -> bool:
        ops = self._copy_ops(
            provider,
            transaction_id,
            {"status": to, "updated_at": at.isoformat()},
            primary_condition="#status = :was",
            names={"#status": "status"},
            values={":was": was},
        )
        try:
            self._t.transact(ops)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def mark(self, provider: str, transaction_id: str, fields: Mapping[str, Any]) -> None:
        self._t.transact(self._copy_ops(provider, transaction_id, fields))

    def settle(self, provider: str, transaction_id: str, *, answer: Answer, paid: Mapping[str, Any]) -> None:
        at = clock_source.now().isoformat()
        ops = self._waiting.answer_ops(answer, at)
        ops += self._copy_ops(
            provider,
            transaction_id,
            {"applied_to": answer.request_id, "held": None},
            primary_condition="attribute_not_exists(#applied) OR #applied = :none",
            names={"#applied": "applied_to"},
            values={":none": None},
        )
        try:
            self._t.transact(ops)
        except ClientError as exc:
            if _condition_failed(exc):
                raise AlreadyAnswered(
                    code="payment.already_applied", th="การชำระเงินนี้ถูกบันทึกแล้ว", en="This payment was applied already."
                ) from None
            raise

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        condition = Key("PK").eq(_req(request_id)) & Key("SK").begins_with("PAYMENT#")
        return [_plain(i) for i in self._t.query_all(condition)]

    def of_day(self, day: date, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(Key("PK").eq(f"PAYDAY#{day.isoformat()}"), limit=limit, cursor=cursor)
        return Page([_plain(i) for i in page.items], page.cursor)

    def totals_of_day(self, day: date) -> dict[str, int]:
        totals: dict[str, int] = {}
        rows = self._t.query_all(
            Key("PK").eq(f"PAYDAY#{day.isoformat()}"),
            ProjectionExpression="#c, #a, #s, #m",
            ExpressionAttributeNames={"#c": "channel", "#a": "amount_satang", "#s": "status", "#m": "mismatch"},
        )
        for row in rows:
            if row.get("status") == "succeeded" and not row.get("mismatch"):
                totals[row["channel"]] = totals.get(row["channel"], 0) + int(row["amount_satang"])
        return totals

    # slips
    def add_slip(self, slip: Mapping[str, Any]) -> None:
        self._t.put(
            {
                "PK": _req(slip["request_id"]),
                "SK": f"SLIP#{slip['id']}",
                **slip,
                "GSI2PK": "SLIPS#pending",
                "GSI2SK": f"{slip['submitted_at']}#{slip['id']}",
            },
            only_new=True,
        )

    def get_slip(self, request_id: str, slip_id: str) -> dict[str, Any] | None:
        item = self._t.get(_req(request_id), f"SLIP#{slip_id}")
        return None if item is None else _plain(item)

    def pending_slips(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(Key("GSI2PK").eq("SLIPS#pending"), index="GSI2", limit=limit, cursor=cursor)
        return Page([_plain(i) for i in page.items], page.cursor)

    def _slip_op(self, request_id: str, slip_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._t.update_op(
            _req(request_id),
            f"SLIP#{slip_id}",
            set_fields=fields,
            remove=["GSI2PK", "GSI2SK"],
            condition="#state = :pending",
            names={"#state": "state"},
            values={":pending": "pending"},
        )

    def reject_slip(self, request_id: str, slip_id: str, fields: Mapping[str, Any]) -> bool:
        try:
            self._t.transact([self._slip_op(request_id, slip_id, fields)])
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def verify_slip(
        self,
        request_id: str,
        slip_id: str,
        fields: Mapping[str, Any],
        *,
        payment: Mapping[str, Any],
        day: date,
        answer: Answer | None,
        paid: Mapping[str, Any] | None,
    ) -> None:
        at = clock_source.now().isoformat()
        ops = [self._slip_op(request_id, slip_id, fields)]
        record_ops = self._record_ops(payment, day)
        ops += record_ops
        if answer is not None:
            ops += self._waiting.answer_ops(answer, at)
        try:
            self._t.transact(ops)
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            failed = _failed_items(exc)
            slip = self.get_slip(request_id, slip_id)
            if (slip is not None and slip.get("state") != "pending") or 0 in failed:
                raise Conflict(
                    code="slip.decided", th="หลักฐานนี้ได้รับการพิจารณาแล้ว", en="This slip was already decided."
                ) from None
            if self.get(payment["provider"], payment["transaction_id"]) is not None or 1 in failed:
                raise Conflict(
                    code="slip.duplicate_reference",
                    th="เลขที่รายการนี้ถูกใช้ชำระไปแล้ว",
                    en="This transaction reference was already used for a payment.",
                ) from None
            raise AlreadyAnswered(
                code="payment.not_awaited", th="คำขอนี้ไม่ได้รอการชำระเงินแล้ว", en="No payment is awaited any more."
            ) from None

    # webhook inbox
    def claim(
        self, provider: str, event_id: str, *, at: datetime, lease_seconds: int
    ) -> Literal["claimed", "done", "busy"]:
        expired = (at - timedelta(seconds=lease_seconds)).isoformat()
        ok = self._t.update(
            f"WEBHOOK#{provider}#{event_id}",
            "EVENT",
            set_fields={"state": "processing", "claimed_at": at.isoformat()},
            condition="attribute_not_exists(PK) OR #state = :failed OR (#state = :processing AND #claimed < :expired)",
            names={"#state": "state", "#claimed": "claimed_at"},
            values={":failed": "failed", ":processing": "processing", ":expired": expired},
        )
        if ok:
            return "claimed"
        item = self._t.get(f"WEBHOOK#{provider}#{event_id}", "EVENT")
        return "done" if item and item.get("state") == "done" else "busy"

    def done(self, provider: str, event_id: str, *, result: Mapping[str, Any]) -> None:
        self._t.update(f"WEBHOOK#{provider}#{event_id}", "EVENT", set_fields={"state": "done", "result": result})

    def release(self, provider: str, event_id: str, *, error: str) -> None:
        self._t.update(f"WEBHOOK#{provider}#{event_id}", "EVENT", set_fields={"state": "failed", "error": error[:500]})


# --- messages -----------------------------------------------------------------------------------------------
class DynamoMessages:
    """MessageLog."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def claim(self, request_id: str, message_key: str, channel: str, data: Mapping[str, Any]) -> bool:
        # Never sent, or claimed and never confirmed (a crash), or failed in a way a retry may mend.
        return self._t.update(
            _req(request_id),
            f"MESSAGE#{message_key}#{channel}",
            set_fields={**data, "channel": channel, "key": message_key, "state": "sending"},
            condition=(
                "attribute_not_exists(PK) OR #state = :sending"
                " OR (#state = :failed AND (attribute_not_exists(#retryable) OR #retryable = :yes))"
            ),
            names={"#state": "state", "#retryable": "retryable"},
            values={":sending": "sending", ":failed": "failed", ":yes": True},
        )

    def sent(self, request_id: str, message_key: str, channel: str, *, provider_id: str) -> None:
        sk = f"MESSAGE#{message_key}#{channel}"
        if channel != "email":
            # Only SES reports back on a message by its id (deliveries, bounces, complaints: ); an SMS or a
            # LINE push needs no link to it, so one plain write, not a transaction of two (issue 14 cost).
            self._t.update(_req(request_id), sk, set_fields={"state": "sent", "provider_id": provider_id})
            return
        self._t.transact(
            [
                self._t.update_op(_req(request_id), sk, set_fields={"state": "sent", "provider_id": provider_id}),
                self._t.put_op(
                    {
                        "PK": f"SESMSG#{provider_id}",
                        "SK": "MESSAGE",
                        "request_id": request_id,
                        "sk": sk,
                        "template": message_key.split("#", 1)[0],
                        "channel": channel,
                    },
                    condition=None,
                ),
            ]
        )

    def failed(self, request_id: str, message_key: str, channel: str, *, error: str, retryable: bool = True) -> None:
        self._t.update(
            _req(request_id),
            f"MESSAGE#{message_key}#{channel}",
            set_fields={"state": "failed", "error": error[:300], "retryable": retryable},
            append={"failures": [{"at": clock_source.now().isoformat(), "error": error[:300]}]},
        )

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        condition = Key("PK").eq(_req(request_id)) & Key("SK").begins_with("MESSAGE#")
        return [_plain(i) for i in self._t.query_all(condition)]

    def by_provider_id(self, provider_id: str) -> dict[str, Any] | None:
        item = self._t.get(f"SESMSG#{provider_id}", "MESSAGE")
        return None if item is None else _plain(item)

    def set_state(self, provider_id: str, state: str) -> None:
        link = self.by_provider_id(provider_id)
        if link is None:
            return
        if state == "delivered":
            fields: dict[str, Any] = {"delivery": state, "state": "delivered"}
        else:
            # A bounce or a complaint: the address does not take our mail; sending again would not help.
            fields = {"delivery": state, "state": "failed", "error": state, "retryable": False}
        self._t.update(_req(link["request_id"]), link["sk"], set_fields=fields)

    def last_digest(self) -> str | None:
        item = self._t.get("DIGEST#officers", "LAST")
        return None if item is None else str(item["at"])

    def digest_sent(self, at: str) -> None:
        self._t.put({"PK": "DIGEST#officers", "SK": "LAST", "at": at})


# --- licences -------------------------------------------------------------------------------------------------
class DynamoLicences:
    """LicenceRepository."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def add(self, entry: Mapping[str, Any]) -> bool:
        item = {
            "PK": f"LIC#{entry['licence_number']}",
            "SK": "META",
            **entry,
            "GSI3PK": "REGISTER" if entry.get("public") else "REGISTER#private",
            "GSI3SK": f"{entry['issued_at']}#{entry['licence_number']}",
        }
        return self._t.put(item, only_new=True)

    def get(self, licence_number: str) -> dict[str, Any] | None:
        item = self._t.get(f"LIC#{licence_number}", "META")
        return None if item is None else _plain(item)

    def change(self, licence_number: str, *, was: str, fields: Mapping[str, Any]) -> bool:
        return self._t.update(
            f"LIC#{licence_number}",
            "META",
            set_fields=fields,
            condition="#status = :was",
            names={"#status": "status"},
            values={":was": was},
        )

    def public(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(Key("GSI3PK").eq("REGISTER"), index="GSI3", forward=False, limit=limit, cursor=cursor)
        return Page([_plain(i) for i in page.items], page.cursor)

    def keep_document(self, sha256: str, data: Mapping[str, Any]) -> None:
        self._t.put({"PK": f"DOCHASH#{sha256}", "SK": "DOC", **data})

    def document(self, sha256: str) -> dict[str, Any] | None:
        item = self._t.get(f"DOCHASH#{sha256}", "DOC")
        return None if item is None else _plain(item)

    def every(self, *, public: bool) -> list[dict[str, Any]]:
        partition = "REGISTER" if public else "REGISTER#private"
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self._t.query_page(
                Key("GSI3PK").eq(partition), index="GSI3", forward=False, limit=500, cursor=cursor
            )
            rows.extend(_plain(i) for i in page.items)
            cursor = page.cursor
            if not cursor:
                return rows

    def revise(self, licence_number: str, *, revision: int, fields: Mapping[str, Any]) -> bool:
        if revision == 0:
            condition = "attribute_exists(PK) AND attribute_not_exists(#rev)"
            values: dict[str, Any] | None = None
        else:
            condition, values = "#rev = :rev", {":rev": revision}
        return self._t.update(
            f"LIC#{licence_number}",
            "META",
            set_fields={**fields, "holder_revision": revision + 1},
            condition=condition,
            names={"#rev": "holder_revision"},
            values=values,
        )


# --- announcements -----------------------------------------------------------------------------------------
def _ann(announcement_id: str) -> str:
    return f"ANNOUNCE#{announcement_id}"


class DynamoAnnouncements:
    """AnnouncementRepository."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def add(self, record: Mapping[str, Any]) -> None:
        item = {
            "PK": _ann(record["id"]),
            "SK": "META",
            **record,
            "GSI3PK": "ANNOUNCEMENTS",
            "GSI3SK": f"{record['drafted_at']}#{record['id']}",
        }
        if not self._t.put(item, only_new=True):
            raise Conflict(code="announcement.exists", th="มีประกาศเลขนี้แล้ว", en="This announcement exists.")

    def get(self, announcement_id: str) -> dict[str, Any] | None:
        item = self._t.get(_ann(announcement_id), "META")
        return None if item is None else _plain(item)

    def current(self, kind: str) -> dict[str, Any] | None:
        pointer = self._t.get(f"ANNOUNCE#CURRENT#{kind}", "POINTER")
        return None if pointer is None else self.get(str(pointer["id"]))

    def claim_approval(
        self, announcement_id: str, *, approval: Mapping[str, Any], signer: Mapping[str, Any], now: str
    ) -> bool:
        return self._t.update(
            _ann(announcement_id),
            "META",
            set_fields={"state": "approving", "approval": approval, "signer": signer},
            condition="#state = :draft OR (#state = :approving AND #approval.#lease < :now)",
            names={"#state": "state", "#approval": "approval", "#lease": "lease_until"},
            values={":draft": "draft", ":approving": "approving", ":now": now},
        )

    def issue(self, announcement_id: str, fields: Mapping[str, Any], *, kind: str, replaces: str | None) -> bool:
        pointer = f"ANNOUNCE#CURRENT#{kind}"
        published = {"GSI2PK": "ANNOUNCEMENTS#published", "GSI2SK": f"{fields['issued_at']}#{announcement_id}"}
        ops = [
            self._t.update_op(
                _ann(announcement_id),
                "META",
                set_fields={**fields, **published},
                condition="#state = :approving",
                names={"#state": "state"},
                values={":approving": "approving"},
            )
        ]
        if replaces is None:
            ops.append(self._t.put_op({"PK": pointer, "SK": "POINTER", "id": announcement_id}))
        else:
            ops.append(
                self._t.update_op(
                    pointer,
                    "POINTER",
                    set_fields={"id": announcement_id},
                    condition="#id = :was",
                    names={"#id": "id"},
                    values={":was": replaces},
                )
            )
            ops.append(
                self._t.update_op(
                    _ann(replaces),
                    "META",
                    set_fields={
                        "state": "superseded",
                        "superseded_by": announcement_id,
                        "superseded_at": fields["issued_at"],
                    },
                    condition="#state = :issued",
                    names={"#state": "state"},
                    values={":issued": "issued"},
                )
            )
        try:
            self._t.transact(ops)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException" and _failed_items(exc):
                return False
            raise
        return True

    def record_gazette(self, announcement_id: str, gazette: Mapping[str, Any]) -> bool:
        return self._t.update(
            _ann(announcement_id),
            "META",
            set_fields={"gazette": gazette},
            condition="(#state = :issued OR #state = :superseded) AND attribute_not_exists(#gazette)",
            names={"#state": "state", "#gazette": "gazette"},
            values={":issued": "issued", ":superseded": "superseded"},
        )

    def published(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(
            Key("GSI2PK").eq("ANNOUNCEMENTS#published"), index="GSI2", forward=False, limit=limit, cursor=cursor
        )
        return Page([_plain(i) for i in page.items], page.cursor)

    def all(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        page = self._t.query_page(
            Key("GSI3PK").eq("ANNOUNCEMENTS"), index="GSI3", forward=False, limit=limit, cursor=cursor
        )
        return Page([_plain(i) for i in page.items], page.cursor)


class DynamoAccessLog:
    """AccessLog: one item per read, beside the request (``AUDIT#<at>#<id>``, so a query reads it in order)."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def record(self, entry: Mapping[str, Any]) -> None:
        self._t.put({"PK": _req(entry["request_id"]), "SK": f"AUDIT#{entry['at']}#{entry['id']}", **entry})

    def of_request(self, request_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        condition = Key("PK").eq(_req(request_id)) & Key("SK").begins_with("AUDIT#")
        page = self._t.query_page(condition, limit=limit, cursor=cursor)
        return Page([_plain(i) for i in page.items], page.cursor)


class DynamoPkiBundle:
    """Where the local PKI bundle is kept (local-pki mode)."""

    def __init__(self, t: _Table) -> None:
        self._t = t

    def load(self) -> str | None:
        item = self._t.get("PKI#agency", "BUNDLE")
        return None if item is None else str(item["bundle"])

    def save(self, bundle: str, *, only_new: bool) -> bool:
        return self._t.put(
            {"PK": "PKI#agency", "SK": "BUNDLE", "bundle": bundle, "mode": "local-pki"}, only_new=only_new
        )


class DynamoDatabase:
    """Every adapter over one tenant table."""

    def __init__(self, table: Any) -> None:
        t = _Table(table)
        self.table_name = t.name
        self.requests = DynamoRequests(t)
        self.waiting = DynamoWaitingSteps(t, self.requests)
        self.payments = DynamoPayments(t, self.waiting)
        self.pki = DynamoPkiBundle(t)
        self.repositories = Repositories(
            requests=self.requests,
            numbers=self.requests,
            waiting=self.waiting,
            drafts=DynamoDrafts(t),
            profiles=DynamoProfiles(t),
            payments=self.payments,
            webhooks=self.payments,
            messages=DynamoMessages(t),
            licences=DynamoLicences(t),
            announcements=DynamoAnnouncements(t),
            access_log=DynamoAccessLog(t),
            channels=DynamoChannels(t),
        )
        #: The registers of correspondence (not a field of ``Repositories``: only their users wire them).
        self.correspondence = DynamoCorrespondence(t, self.requests)

    @classmethod
    def from_env(cls) -> DynamoDatabase:
        """The table named by the function's settings."""
        import boto3

        from .settings import settings

        return cls(boto3.resource("dynamodb").Table(settings().table_name))


# --- registers of correspondence (R-2.5, R-4.9) ------------------------------------------------------------
def _corr(register: str, year: int, number: int) -> str:
    return f"CORR#{register}#{year}#{number:07d}"


class DynamoCorrespondence:
    """CorrespondenceStore: an entry ``CORR#<register>#<year>#<number>`` / ``ENTRY`` on GSI3
    ``CORR#<register>`` / ``<UTC time>#<year>#<number>``; the entry made for an owner (a message, a scan, a
    correction) ``CORROWNER#<register>#<owner>`` / ``ENTRY``; a scan ``CORRSCAN#<id>`` / ``SCAN``. An entry
    is written only if new, with its number (counter, claim and owner) in the same transaction."""

    def __init__(self, t: _Table, requests: DynamoRequests) -> None:
        self._t = t
        self._requests = requests

    def _item(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        register = str(entry["book"])
        return {
            "PK": _corr(register, int(entry["year"]), int(entry["number"])),
            "SK": "ENTRY",
            **entry,
            "GSI3PK": f"CORR#{register}",
            "GSI3SK": entry["sort"],
        }

    def add(self, entry: Mapping[str, Any]) -> bool:
        return self._t.put(self._item(entry), only_new=True)

    def add_numbered(
        self, register: str, series: str, year: int, owner: str, build: Callable[[int], Mapping[str, Any]]
    ) -> dict[str, Any]:
        found = self.of_owner(register, owner)
        if found is not None:
            return found
        built: dict[int, Mapping[str, Any]] = {}

        def ops(number: int) -> list[dict[str, Any]]:
            entry = built[number] = build(number)
            link = {"PK": f"CORROWNER#{register}#{owner}", "SK": "ENTRY", "year": year, "number": number}
            return [self._t.put_op(self._item(entry)), self._t.put_op(link)]

        number = self._requests._with_number(series, year, owner, ops)
        stored = self.get(register, year, number)
        if stored is None:
            raise Conflict(code="correspondence.busy", th="กรุณาลองใหม่", en="Please try again.")
        return stored

    def get(self, register: str, year: int, number: int) -> dict[str, Any] | None:
        item = self._t.get(_corr(register, year, number), "ENTRY")
        return None if item is None else _plain(item)

    def of_owner(self, register: str, owner: str) -> dict[str, Any] | None:
        link = self._t.get(f"CORROWNER#{register}#{owner}", "ENTRY")
        return None if link is None else self.get(register, int(link["year"]), int(link["number"]))

    def between(
        self,
        register: str,
        low: str,
        high: str,
        *,
        contains: str | None,
        limit: int,
        cursor: str | None,
        oldest_first: bool = False,
    ) -> Page[dict[str, Any]]:
        # [low, high): the sort keys are "<time>#<year>#<number>", and high ends in "#0#0000000".
        condition = Key("GSI3PK").eq(f"CORR#{register}") & Key("GSI3SK").between(low, high)
        page = self._t.query_page(
            condition,
            index="GSI3",
            forward=oldest_first,
            limit=limit,
            cursor=cursor,
            filter_expression=Attr("search").contains(contains) if contains else None,
        )
        return Page([_plain(i) for i in page.items if str(i.get("GSI3SK")) < high], page.cursor)

    def put_scan(self, scan: Mapping[str, Any]) -> None:
        self._t.put({"PK": f"CORRSCAN#{scan['id']}", "SK": "SCAN", **scan})

    def get_scan(self, scan_id: str) -> dict[str, Any] | None:
        item = self._t.get(f"CORRSCAN#{scan_id}", "SCAN")
        return None if item is None else _plain(item)
