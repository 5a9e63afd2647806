"""DynamoDB adapter: one table per tenant, single-table design.

- request: ``REQ#<id>`` / ``META``; GSI1 ``APPLICANT#<sub>`` / ``<at>#<id>`` (my requests);
  GSI2 ``STATUS#<status>`` / ``<at>#<id>`` (officer work lists)
- status event: ``REQ#<id>`` / ``EVT#<seq:06>``; decision ``DECISION#<at>``; note ``NOTE#<at>``;
  message ``MESSAGE#<at>#<template>``; supplement ``SUPPLEMENT#<file id>``; failure ``FAILURE#<at>``
- waiting task token: ``REQ#<id>`` / ``TOKEN``
- draft: ``APPLICANT#<sub>`` / ``DRAFT#<id>``; profile: ``APPLICANT#<sub>`` / ``PROFILE``
- counter: ``COUNTER#<series>#<year>`` / ``COUNTER``; claimed number ``NUMBER#<series>#<year>#<n>``;
  its owner ``OWNER#<series>#<year>#<request>`` (both ``/ NUMBER``)
- licence: ``LIC#<number>`` / ``META``; GSI3 ``REGISTER`` / ``<issued at>#<number>`` (public register)
- issued document by hash: ``DOCHASH#<sha256>`` / ``DOC`` (verification)
- payments and the agency PKI: see ``payments.py`` and ``eservice_pdf.agency_keys``

Nothing here deletes a business item: status changes are updates plus appended events.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from .domain import Request, RequestStatus, StatusChange
from .errors import Conflict, NotFound

__all__ = ["Store", "from_dynamo", "to_dynamo"]


def to_dynamo(value: Any) -> Any:
    """Python -> DynamoDB: floats become Decimals, datetimes ISO strings, empty strings stay."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, datetime):
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


def _request_keys(request_id: str) -> dict[str, str]:
    return {"PK": f"REQ#{request_id}", "SK": "META"}


class Store:
    """The tenant table, in the words of the domain."""

    def __init__(self, *, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    @classmethod
    def from_env(cls) -> Store:
        """The table named by the function's settings."""
        import boto3

        from .settings import settings

        return cls(table=boto3.resource("dynamodb").Table(settings().table_name))

    @property
    def table_name(self) -> str:
        """The physical table name."""
        return str(self._table.name)

    # --- requests -----------------------------------------------------------------------------
    def create_request(self, record: Mapping[str, Any], first_event: StatusChange) -> None:
        """Store a new request and its first event atomically; Conflict if the id exists."""
        item = {
            **_request_keys(record["id"]),
            **to_dynamo(record),
            "GSI1PK": f"APPLICANT#{record['applicant_id']}",
            "GSI1SK": f"{record['submitted_at']}#{record['id']}",
            "GSI2PK": f"STATUS#{record['status']}",
            "GSI2SK": f"{record['updated_at']}#{record['id']}",
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": self._serialize(item),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    self._event_put(first_event),
                ]
            )
        except ClientError as exc:
            if _condition_failed(exc):
                raise Conflict(
                    code="request.exists", th="คำขอนี้ถูกยื่นไว้แล้ว", en="This request was already submitted."
                ) from None
            raise

    def get_request(self, request_id: str) -> dict[str, Any]:
        """The request record; NotFound if there is none."""
        item = self._table.get_item(Key=_request_keys(request_id), ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")
        return from_dynamo(item)  # type: ignore[no-any-return]

    def request_domain(self, record: Mapping[str, Any]) -> Request:
        """The domain view of a stored request."""
        return Request(
            id=record["id"],
            tenant_id=record["tenant_id"],
            service_id=record["service_id"],
            applicant_id=record["applicant_id"],
            status=RequestStatus(record["status"]),
            version=int(record["version"]),
            submitted_at=datetime.fromisoformat(record["submitted_at"]),
        )

    def apply_status_change(self, event: StatusChange, *, set_fields: Mapping[str, Any] | None = None) -> None:
        """Record one status change: the request moves only if nobody else moved it first."""
        updates = {
            "status": event.to_status.value,
            "version": event.seq,
            "updated_at": event.at.isoformat(),
            "GSI2PK": f"STATUS#{event.to_status.value}",
            "GSI2SK": f"{event.at.isoformat()}#{event.request_id}",
            **(set_fields or {}),
        }
        names = {f"#f{i}": k for i, k in enumerate(updates)}
        values = {f":v{i}": to_dynamo(v) for i, v in enumerate(updates.values())}
        values[":expected"] = event.seq - 1
        update = {
            "TableName": self.table_name,
            "Key": self._serialize(_request_keys(event.request_id)),
            "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(updates))),
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {**names, "#version": "version"},
            "ExpressionAttributeValues": self._serialize(values),
        }
        try:
            self._client.transact_write_items(TransactItems=[{"Update": update}, self._event_put(event)])
        except ClientError as exc:
            if _condition_failed(exc):
                raise Conflict(
                    code="request.changed",
                    th="คำขอนี้เพิ่งถูกเปลี่ยนแปลง กรุณาโหลดข้อมูลใหม่แล้วลองอีกครั้ง",
                    en="This request has just changed. Reload it and try again.",
                ) from None
            raise

    def update_request_fields(self, request_id: str, fields: Mapping[str, Any]) -> None:
        """Set fields that are not a status change (e.g. the receipt's PDF key)."""
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": to_dynamo(v) for i, v in enumerate(fields.values())}
        self._table.update_item(
            Key=_request_keys(request_id),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def events(self, request_id: str) -> list[dict[str, Any]]:
        """The request's history, oldest first."""
        return [from_dynamo(i) for i in self._query(Key("PK").eq(f"REQ#{request_id}") & Key("SK").begins_with("EVT#"))]

    def requests_of_applicant(self, applicant_id: str) -> list[dict[str, Any]]:
        """An applicant's requests, newest first."""
        items = self._query(Key("GSI1PK").eq(f"APPLICANT#{applicant_id}"), index="GSI1", forward=False)
        return [from_dynamo(i) for i in items]

    def requests_in_status(self, status: RequestStatus) -> list[dict[str, Any]]:
        """Requests in one status, most recently changed first (officer work lists, Q4.1)."""
        items = self._query(Key("GSI2PK").eq(f"STATUS#{status.value}"), index="GSI2", forward=False)
        return [from_dynamo(i) for i in items]

    # --- generic items (drafts, profile, token, notes, licences) ------------------------------
    def put_item(self, item: Mapping[str, Any], *, must_not_exist: bool = False) -> None:
        """Write one item as it is."""
        kwargs: dict[str, Any] = {}
        if must_not_exist:
            kwargs["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self._table.put_item(Item=to_dynamo(item), **kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(code="item.exists", th="มีข้อมูลนี้อยู่แล้ว", en="This already exists.") from None
            raise

    def get_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        """One item, or None."""
        item = self._table.get_item(Key={"PK": pk, "SK": sk}, ConsistentRead=True).get("Item")
        return None if item is None else from_dynamo(item)

    def query_prefix(self, pk: str, sk_prefix: str, *, newest_first: bool = False) -> list[dict[str, Any]]:
        """Items under one partition whose sort key starts with the prefix."""
        items = self._query(Key("PK").eq(pk) & Key("SK").begins_with(sk_prefix), forward=not newest_first)
        return [from_dynamo(i) for i in items]

    def query_partition(self, pk: str) -> list[dict[str, Any]]:
        """Every item of one partition, in sort-key order."""
        return [from_dynamo(i) for i in self._query(Key("PK").eq(pk))]

    def query_index(self, index: str, pk: str, *, forward: bool = True) -> list[dict[str, Any]]:
        """Items of one GSI partition."""
        return [from_dynamo(i) for i in self._query(Key(f"{index}PK").eq(pk), index=index, forward=forward)]

    def conditional_update(
        self,
        pk: str,
        sk: str,
        fields: Mapping[str, Any],
        *,
        condition: str,
        values: Mapping[str, Any],
        names: Mapping[str, str] | None = None,
    ) -> bool:
        """Set fields if the condition holds; False if it did not (someone else got there first)."""
        names = {**{f"#f{i}": k for i, k in enumerate(fields)}, **(names or {})}
        all_values = {f":v{i}": to_dynamo(v) for i, v in enumerate(fields.values())}
        all_values.update({k: to_dynamo(v) for k, v in values.items()})
        try:
            self._table.update_item(
                Key={"PK": pk, "SK": sk},
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=all_values,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- numbers: unique and gap-free (R-2.3) --------------------------------------------------
    def next_number(self, series: str, year: int, *, owner: str, attempts: int = 50) -> int:
        """Take the next number of a series for ``owner`` (a request id), gap-free and unique.

        Counter increment and the number's claim commit in one transaction, so a failed attempt
        consumes nothing. If ``owner`` already holds a number of the series, that number is returned
        (a retried step does not take a second one).
        """
        held = self.get_item(f"OWNER#{series}#{year}#{owner}", "NUMBER")
        if held is not None:
            return int(held["number"])
        counter_key = {"PK": f"COUNTER#{series}#{year}", "SK": "COUNTER"}
        for attempt in range(attempts):
            current = self._table.get_item(Key=counter_key, ConsistentRead=True).get("Item")
            last = int(current["last"]) if current else 0
            number = last + 1
            counter_update: dict[str, Any] = {
                "TableName": self.table_name,
                "Key": self._serialize(counter_key),
                "UpdateExpression": "SET #last = :next",
                "ExpressionAttributeNames": {"#last": "last"},
                "ExpressionAttributeValues": self._serialize({":next": number}),
            }
            if current:
                counter_update["ConditionExpression"] = "#last = :last"
                counter_update["ExpressionAttributeValues"] = self._serialize({":next": number, ":last": last})
            else:
                counter_update["ConditionExpression"] = "attribute_not_exists(PK)"
            claim = {
                "PK": f"NUMBER#{series}#{year}#{number}",
                "SK": "NUMBER",
                "owner": owner,
                "number": number,
            }
            owner_item = {"PK": f"OWNER#{series}#{year}#{owner}", "SK": "NUMBER", "number": number}
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {"Update": counter_update},
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": self._serialize(claim),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": self._serialize(owner_item),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                    ]
                )
                return number
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in (
                    "TransactionCanceledException",
                    "ConditionalCheckFailedException",
                    "TransactionConflictException",
                ):
                    raise
                held = self.get_item(f"OWNER#{series}#{year}#{owner}", "NUMBER")
                if held is not None:
                    return int(held["number"])
                time.sleep(min(0.005 * (2 ** min(attempt, 6)), 0.2))
        raise Conflict(
            code="number.busy",
            th="ระบบกำลังออกเลขจำนวนมาก กรุณาลองใหม่",
            en="Too many numbers are being issued at once; try again.",
        )

    # --- internals --------------------------------------------------------------------------------
    def _event_put(self, event: StatusChange) -> dict[str, Any]:
        item = {
            "PK": f"REQ#{event.request_id}",
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
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": self._serialize(item),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    @staticmethod
    def _serialize(item: Mapping[str, Any]) -> dict[str, Any]:
        # The table resource's client serializes to DynamoDB's typed JSON itself.
        return {k: to_dynamo(v) for k, v in item.items()}

    def _query(self, condition: Any, *, index: str | None = None, forward: bool = True) -> Iterator[Any]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": forward}
        if index:
            kwargs["IndexName"] = index
        while True:
            page = self._table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

