"""Work-list benchmark: one page of the officers' work list with 1,000 and with 10,000 open requests,
against a full read of the open-request index, in one run (not part of the tests).

Run from the repository root::

    .venv/bin/python bench/bench_worklist.py [--runs 5] [--sizes 1000,10000] [--page 50]

DynamoDB is moto's in-process mock, and moto is no model of DynamoDB's speed: its Query walks every
item of the table to find an index partition, sorts it, and skips to the cursor, so a page costs
O(table) in moto where DynamoDB reads only the page (O(page)); its response serializer costs a few
milliseconds per returned item. So each row also reports what does not depend on moto:

- ``items read``: DynamoDB's own ``ScannedCount`` summed over the call's queries, i.e. the items
  DynamoDB evaluates (and bills read units for). This is what DynamoDB's latency follows;
- ``rows fetched``: the rows a page completes from the table by key (``BatchGetItem``): the indexes hold
  only keys and what their queries filter on (issue 14), so a page of 50 reads its 50 items once more;
- ``outside moto``: the call's time minus the time spent inside moto (measured with botocore's
  ``before-send`` event around moto's handler): boto3, the adapter and the use case.

The full read (the contrast) reads every page of the GSI4 ``OPEN`` partition with ``Select=COUNT``:
DynamoDB reads every item either way, and returning the items would cost moto about 5 ms each
(a minute per run at 10,000). The table grows from one size to the next in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from unittest import mock

import boto3
from boto3.dynamodb.conditions import Key
from moto import mock_aws

from eservice.domain import Actor, RequestStatus, StatusChange
from eservice.dynamo import DynamoDatabase, from_dynamo
from eservice.indexes import INDEX_ATTRIBUTES, projection, table_indexes
from eservice.officers import Officer, Officers
from eservice.ports import Executions, Page
from eservice.tenant import load_tenant

REPO = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
TABLE_NAME = "eservice-klongnoy-bench"
BASE = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
SERVICES = ("food-shop", "fire-certificate")
PAGE_1, PAGE_2, FULL = "work-list page 1", "work-list page 2 (cursor)", "full read of GSI4 OPEN"
CASES = (PAGE_1, PAGE_2, FULL)


def table_definition() -> dict[str, Any]:
    """The table of infra/stack.py, mirrored: synthesizing the stack to read it from the template takes about
    a minute whenever the sources changed. Same keys: PK/SK and GSI1..GSI4, each ``<index>PK``/``<index>SK``
    strings, each index holding the keys and what its queries filter on (``eservice.indexes``, the source
    infra/stack.py builds them from; on-demand; encryption, PITR and TTL have no effect on queries).
    :func:`template_drift` compares it with a synthesized template, if one is cached."""
    indexes = list(INDEX_ATTRIBUTES)
    names = ["PK", "SK"] + [f"{index}{part}" for index in indexes for part in ("PK", "SK")]
    return {
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in names],
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": f"{index}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
                ],
                "Projection": projection(index, lean=lean),
            }
            for name, index, lean in table_indexes(None)
        ],
    }


def template_drift(template: Path = REPO / ".local" / "cdk.out-klongnoy" / "eservice-klongnoy.template.json") -> str:
    """One line: does :func:`table_definition` match the table of the template ``make run`` synthesized?"""
    if not template.exists():
        return f"table mirrored from infra/stack.py (no synthesized template at {template.relative_to(REPO)})"
    tables = [r for r in json.loads(template.read_text())["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]

    def shape(props: dict[str, Any]) -> tuple[Any, ...]:
        return (
            sorted((a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]),
            props["KeySchema"],
            sorted(props.get("GlobalSecondaryIndexes", []), key=lambda i: str(i["IndexName"])),
        )

    where = template.relative_to(REPO)
    if len(tables) == 1 and shape(tables[0]["Properties"]) == shape(table_definition()):
        return f"table mirrored from infra/stack.py; same keys and indexes as {where}"
    return f"WARNING: the mirrored table differs from {where} (stale? `make run` synthesizes it again)"


# --- the data ---------------------------------------------------------------------------------------------
def request(i: int) -> tuple[dict[str, Any], StatusChange]:
    """Request number ``i``: in review, waiting for a reviewer; a later ``i`` changed more recently."""
    submitted = BASE + timedelta(minutes=i)
    request_id = f"R-BENCH{i:06d}"
    applicant = f"citizen-{i % 997:03d}"
    record = {
        "id": request_id,
        "tenant_id": "klongnoy",
        "service_id": SERVICES[i % len(SERVICES)],
        "applicant_id": applicant,
        "status": RequestStatus.IN_REVIEW.value,
        "version": 3,
        "submitted_at": submitted.isoformat(),
        "updated_at": (submitted + timedelta(hours=2)).isoformat(),
        "answers": {},
        "due_at": (submitted + timedelta(days=30)).isoformat(),
        "waiting": {"step": "review", "state": "waiting", "role": "reviewer", "sequence": 1, "token": "t"},
    }
    first_event = StatusChange(
        request_id=request_id,
        seq=1,
        from_status=None,
        to_status=RequestStatus.SUBMITTED,
        at=submitted,
        actor=Actor(kind="applicant", id=applicant),
    )
    return record, first_event


def created_items(record: dict[str, Any], first_event: StatusChange) -> list[dict[str, Any]]:
    """The two items ``DynamoRequests.create`` writes (layers/core/python/eservice/dynamo.py), for a
    batch write: moto deep-copies the table for every transaction, so 1,000 creates took 414 s. Checked
    against a real ``create`` at the start of every fill (:meth:`World.grow`)."""
    request_id = record["id"]
    meta = {
        "PK": f"REQ#{request_id}",
        "SK": "META",
        **record,
        "GSI1PK": f"APPLICANT#{record['applicant_id']}",
        "GSI1SK": f"{record['submitted_at']}#{request_id}",
        "GSI2PK": f"STATUS#{record['status']}",
        "GSI2SK": f"{record['updated_at']}#{request_id}",
        "GSI4PK": "OPEN",
        "GSI4SK": f"{record['updated_at']}#{request_id}",
        # Every request by submission time, for the statistics (Q10.5).
        "GSI3PK": "REQUESTS",
        "GSI3SK": f"{record['submitted_at']}#{request_id}",
    }
    event = {
        "PK": f"REQ#{request_id}",
        "SK": f"EVT#{first_event.seq:06d}",
        "request_id": request_id,
        "seq": first_event.seq,
        "from_status": None,
        "to_status": first_event.to_status.value,
        "at": first_event.at.isoformat(),
        "actor": first_event.actor.as_dict(),
        "reason": first_event.reason,
        "data": dict(first_event.data),
    }
    return [meta, event]


# --- measuring --------------------------------------------------------------------------------------------
class Meter:
    """What one boto3 client sent: queries, items DynamoDB read for them, and the time spent in moto.

    moto answers in a ``before-send`` handler; ours run first and last around it."""

    def __init__(self, client: Any) -> None:
        self.queries = 0
        self.items_read = 0
        self.rows_fetched = 0
        self.moto_s = 0.0
        self._sent_at = 0.0
        client.meta.events.register_first("before-send", self._before_moto)
        client.meta.events.register_last("before-send", self._after_moto)
        client.meta.events.register("after-call.dynamodb.Query", self._query_done)
        client.meta.events.register("after-call.dynamodb.BatchGetItem", self._fetched)

    def reset(self) -> None:
        self.queries, self.items_read, self.rows_fetched, self.moto_s = 0, 0, 0, 0.0

    def _before_moto(self, **_: Any) -> None:
        self._sent_at = time.perf_counter()

    def _after_moto(self, **_: Any) -> None:
        self.moto_s += time.perf_counter() - self._sent_at

    def _query_done(self, parsed: dict[str, Any], **_: Any) -> None:
        self.queries += 1
        self.items_read += int(parsed.get("ScannedCount", 0))

    def _fetched(self, parsed: dict[str, Any], **_: Any) -> None:
        self.rows_fetched += sum(len(items) for items in parsed.get("Responses", {}).values())


@dataclass(frozen=True)
class Figure:
    """One operation at one table size: medians over the runs; queries and items read per call."""

    case: str
    size: int
    runs: int
    median_ms: float
    min_ms: float
    moto_ms: float  # inside moto: its query (O(table)) and its response serializer
    outside_ms: float  # boto3, the adapter and the use case
    queries: int
    items_read: int  # DynamoDB's ScannedCount: what DynamoDB reads and bills for the call
    rows: int
    rows_fetched: int = 0  # items read from the table by key to complete the page (BatchGetItem)


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    fill_s: dict[int, float] = field(default_factory=dict)  # seconds to grow the table to each size
    pages: dict[int, list[Page[dict[str, Any]]]] = field(default_factory=dict)  # first two (or all) pages
    table_note: str = ""
    page: int = 50

    def in_order(self) -> list[Figure]:
        """By operation, then by size."""
        return sorted(self.figures, key=lambda f: (CASES.index(f.case), f.size))

    def figure(self, case: str, size: int) -> Figure:
        return next(f for f in self.figures if f.case == case and f.size == size)

    def ratio(self, case: str, attr: str, small: int, large: int) -> float:
        return float(getattr(self.figure(case, large), attr)) / float(getattr(self.figure(case, small), attr))


class _NoSaga:
    """The work list only reads: any use of the saga's executions is a bug in this benchmark."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the work list used executions.{name}")


@dataclass
class World:
    table: Any
    database: DynamoDatabase
    officers: Officers
    officer: Officer
    meter: Meter
    size: int = 0

    def grow(self, size: int) -> None:
        """Add open requests up to ``size``; the first goes through ``create``, the rest by batch."""
        if self.size == 0 and size > 0:
            record, first_event = request(0)
            if not self.database.requests.create(record, first_event):
                raise AssertionError(f"{record['id']} exists already")
            written = [
                from_dynamo(self.table.get_item(Key={"PK": i["PK"], "SK": i["SK"]})["Item"])
                for i in created_items(record, first_event)
            ]
            if written != created_items(record, first_event):
                raise AssertionError(f"the batch items are not what create writes: {written}")
            self.size = 1
        with self.table.batch_writer() as batch:
            for i in range(self.size, size):
                for item in created_items(*request(i)):
                    batch.put_item(Item=item)
        self.size = max(self.size, size)

    def page(self, limit: int, cursor: str | None = None) -> Page[dict[str, Any]]:
        return self.officers.work_list(self.officer, limit=limit, cursor=cursor)

    def read_partition(self) -> int:
        """Every page of GSI4 ``OPEN`` (what a list without pagination would read): the item count."""
        kwargs: dict[str, Any] = {
            "IndexName": "GSI4",
            "KeyConditionExpression": Key("GSI4PK").eq("OPEN"),
            "Select": "COUNT",
        }
        count = 0
        while True:
            page = self.table.query(**kwargs)
            count += int(page["Count"])
            if "LastEvaluatedKey" not in page:
                return count
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@contextmanager
def world() -> Iterator[World]:
    """An empty tenant table in moto (in-process) and the officers' use case over it."""
    with mock.patch.dict(os.environ), mock_aws():
        for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
            del os.environ[name]  # a local stack's endpoint would send the calls past moto's mock
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST", **table_definition()
        )
        table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAME)
        database = DynamoDatabase(table)
        tenant = load_tenant(REPO / "tenants" / "klongnoy.yaml")
        officers = Officers(
            repos=database.repositories,
            tenant=tenant,
            executions=cast(Executions, _NoSaga()),
            link=lambda *a: "",
        )
        # A reviewer of every unit: the page reads what it read before unit routing.
        units = frozenset(f"unit-{unit}" for unit in tenant.units)
        officer = Officer(id="officer-bench", email="reviewer@klongnoy.go.th", groups=frozenset({"reviewer"}) | units)
        yield World(table, database, officers, officer, Meter(table.meta.client))


def measure(
    case: str, size: int, call: Callable[[], Any], runs: int, meter: Meter, *, warm_up: bool = True
) -> tuple[Figure, Any]:
    """Median of ``runs`` calls (after one warm-up call); the last call's result."""
    if warm_up:
        call()
    totals, motos, outsides = [], [], []
    result: Any = None
    for _ in range(runs):
        meter.reset()
        start = time.perf_counter()
        result = call()
        total = time.perf_counter() - start
        totals.append(total * 1000)
        motos.append(meter.moto_s * 1000)
        outsides.append((total - meter.moto_s) * 1000)
    rows = result if isinstance(result, int) else len(result.items)
    figure = Figure(
        case=case,
        size=size,
        runs=runs,
        median_ms=statistics.median(totals),
        min_ms=min(totals),
        moto_ms=statistics.median(motos),
        outside_ms=statistics.median(outsides),
        queries=meter.queries,
        items_read=meter.items_read,
        rows=rows,
        rows_fetched=meter.rows_fetched,
    )
    return figure, result


def run(
    sizes: Sequence[int] = (1_000, 10_000),
    *,
    page: int = 50,
    runs: int = 5,
    full_runs: int = 3,
    walk: bool = False,
) -> Report:
    """Both pages and the full read at each size, growing one table. ``walk`` also follows the
    cursors to the end once per size, untimed (for the tests: 200 pages at 10,000 take minutes in moto)."""
    if min(sizes) <= page:
        raise ValueError("every size must hold more than one page")
    report = Report(table_note=template_drift(), page=page)
    with world() as w:
        for size in sorted(sizes):
            start = time.perf_counter()
            w.grow(size)
            report.fill_s[size] = time.perf_counter() - start
            first_figure, first = measure(PAGE_1, size, lambda: w.page(page), runs, w.meter)
            second_figure, second = measure(PAGE_2, size, lambda c=first.cursor: w.page(page, c), runs, w.meter)
            # The full read is warm after the first size, and a warm-up costs seconds at 10,000.
            warm_up = size == min(sizes)
            full_figure, _ = measure(FULL, size, w.read_partition, full_runs, w.meter, warm_up=warm_up)
            report.figures += [first_figure, second_figure, full_figure]
            pages = [first, second]
            while walk and pages[-1].cursor:
                pages.append(w.page(page, pages[-1].cursor))
            report.pages[size] = pages
    return report


def print_report(report: Report) -> None:
    sizes = sorted(report.fill_s)
    width = max(len(row_name(case, size)) for case in CASES for size in sizes)
    header = (
        f"{'case':<{width}}  {'median ms':>9}  {'min ms':>7}  {'in moto':>7}  {'outside':>7}  {'queries':>7}"
        f"  {'items read':>10}  {'rows':>6}  {'rows fetched':>12}"
    )
    print(header)
    print("-" * len(header))
    for f in report.in_order():
        print(
            f"{row_name(f.case, f.size):<{width}}  {f.median_ms:9.1f}  {f.min_ms:7.1f}  {f.moto_ms:7.1f}"
            f"  {f.outside_ms:7.1f}  {f.queries:7d}  {f.items_read:10,d}  {f.rows:6,d}  {f.rows_fetched:12,d}"
        )
    print("\nin moto / outside: ms inside moto's DynamoDB / the rest (boto3, the adapter, the use case).")
    print_ratios(report)


def row_name(case: str, size: int) -> str:
    return f"{case}, {size:,} open"


def print_ratios(report: Report) -> None:
    """Largest size / smallest size per operation (time, time outside moto, items read), and notes."""
    sizes = sorted(report.fill_s)
    small, large = sizes[0], sizes[-1]
    label = f"{large // 1000}k/{small // 1000}k" if small >= 1000 else f"{large}/{small}"
    print()
    for case in CASES:
        items = f"{report.figure(case, small).items_read:,} -> {report.figure(case, large).items_read:,}"
        print(
            f"{case + ' ' + label + ':':<38} time {report.ratio(case, 'median_ms', small, large):5.2f}x"
            f"   outside moto {report.ratio(case, 'outside_ms', small, large):5.2f}x"
            f"   items read {report.ratio(case, 'items_read', small, large):5.2f}x ({items})"
        )
    first = report.figure(PAGE_1, small)
    growth = ", then ".join(f"to {size:,} in {report.fill_s[size]:.1f} s" for size in sizes)
    print(
        f"\nwork list: median of {first.runs} runs (full read: {report.figure(FULL, small).runs}) after a warm-up; "
        f"pages of {report.page}; DynamoDB = moto in-process.\n"
        "items read = DynamoDB's ScannedCount per call: the items DynamoDB reads (and bills) for it;\n"
        "rows fetched = items a page then reads from the table by key (BatchGetItem, billed per item).\n"
        "moto walks the whole table for every index query, so its page time grows with the table;\n"
        "DynamoDB reads only the page: read the items-read and outside-moto ratios, not moto's milliseconds.\n"
        "Full read: every page of GSI4 OPEN with Select=COUNT (returning the items costs moto ~5 ms each).\n"
        f"Table grown with batch_writer, two items per request as create writes them: {growth}.\n"
        f"{report.table_note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-runs", type=int, default=3)
    parser.add_argument("--page", type=int, default=50)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated table sizes, grown in order")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print_report(run(sizes, page=args.page, runs=args.runs, full_runs=args.full_runs))


if __name__ == "__main__":
    main()
