"""Statistics and analytic reports (Q10.5): per service and month of receipt, what became of the requests.

A month's row counts the requests **received** that month (by their deemed time of receipt, R-2.4) and
what became of them so far: completed (a licence was issued), rejected, referred, withdrawn, dismissed,
or still open. For the requests decided (completed or rejected) it gives the median and the
90th-percentile processing time in **working days** of the agency's calendar (``time_rules``), and
the share decided within the service's time limit (``sla_working_days`` of the tenant file).

The service-level clock stops while the request waits on the applicant (Q4.5): the working days spent
in *more documents requested*, *awaiting payment* and *applicant unreachable* are not counted.

Fees are those collected in the month (succeeded payments of the ledger that match a request, by the
Bangkok date they were received), attributed to the request's service.

The computation (``request_facts``, ``summarise``) is pure; ``StatisticsReport`` reads the ports.
"""

from __future__ import annotations

import csv
import io
import statistics as stats
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from .domain import RequestStatus
from .errors import InvalidInput
from .fees import format_baht
from .ports import Page, PaymentLedger, RequestRepository
from .tenant import Tenant
from .time_rules import BANGKOK, OfficeCalendar, deemed_receipt_time, working_days_between

__all__ = [
    "APPLICANT_WAIT",
    "MAX_MONTHS",
    "OUTCOMES",
    "MonthRow",
    "ReceivedRequests",
    "RequestFacts",
    "StatisticsReport",
    "month_range",
    "percentile",
    "request_facts",
    "statistics_csv",
    "summarise",
]

S = RequestStatus

#: Statuses in which the request waits on the applicant: the service-level clock stops (Q4.5).
APPLICANT_WAIT = frozenset({S.MORE_DOCUMENTS_REQUESTED, S.AWAITING_PAYMENT, S.UNREACHABLE})

#: What became of a request, by the first status that decides it.
OUTCOMES: Mapping[RequestStatus, str] = {
    S.ISSUED: "completed",
    S.DELIVERED: "completed",
    S.REJECTED: "rejected",
    S.REFERRED: "referred",
    S.WITHDRAWN: "withdrawn",
    S.DISMISSED: "dismissed",
}
_DECIDED = frozenset({"completed", "rejected"})

#: The longest period one report covers (each month reads its own requests and payment days).
MAX_MONTHS = 24


class ReceivedRequests(Protocol):
    """Requests by the time they were submitted (the statistics read; one page at a time)."""

    def received_between(
        self, start: datetime, end: datetime, *, limit: int, cursor: str | None
    ) -> Page[dict[str, Any]]:
        """Requests submitted in ``[start, end)``, oldest first."""


@dataclass(frozen=True, kw_only=True)
class RequestFacts:
    """What the statistics need to know about one request (no personal data)."""

    service_id: str
    month: str  # YYYY-MM of the deemed time of receipt, Bangkok time
    outcome: str | None  # completed, rejected, referred, withdrawn, dismissed; None while open
    working_days: int | None  # processing time of a decided request, applicant's waits excluded
    within_sla: bool | None


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def request_facts(
    record: Mapping[str, Any], events: Iterable[Mapping[str, Any]], *, sla_working_days: int, calendar: OfficeCalendar
) -> RequestFacts:
    """The facts of one request from its record and its history (oldest event first)."""
    received = (
        _moment(record["deemed_received_at"])
        if record.get("deemed_received_at")
        else deemed_receipt_time(_moment(record["submitted_at"]), calendar)
    )
    outcome: str | None = None
    decided_at: datetime | None = None
    paused_since: datetime | None = None
    paused_days = 0
    for event in sorted(events, key=lambda e: int(e["seq"])):
        status = S(event["to_status"])
        at = _moment(event["at"])
        if paused_since is not None and status not in APPLICANT_WAIT:
            paused_days += working_days_between(paused_since, at, calendar)
            paused_since = None
        elif paused_since is None and status in APPLICANT_WAIT:
            paused_since = at
        if status in OUTCOMES:
            outcome, decided_at = OUTCOMES[status], at
            break
    working_days: int | None = None
    within: bool | None = None
    if outcome in _DECIDED and decided_at is not None:
        working_days = max(0, working_days_between(received, decided_at, calendar) - paused_days)
        within = working_days <= sla_working_days
    return RequestFacts(
        service_id=str(record["service_id"]),
        month=received.astimezone(calendar.timezone).strftime("%Y-%m"),
        outcome=outcome,
        working_days=working_days,
        within_sla=within,
    )


def percentile(values: list[int], fraction: float) -> float | None:
    """The ``fraction`` quantile by linear interpolation between closest ranks (``statistics.quantiles``
    inclusive method); None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    cuts = stats.quantiles(values, n=100, method="inclusive")
    return round(float(cuts[round(fraction * 100) - 1]), 2)


@dataclass(frozen=True, kw_only=True)
class MonthRow:
    """One service's month."""

    service_id: str
    month: str
    received: int = 0
    completed: int = 0
    rejected: int = 0
    referred: int = 0
    withdrawn: int = 0
    dismissed: int = 0
    open: int = 0
    median_working_days: float | None = None
    p90_working_days: float | None = None
    sla_decided: int = 0
    sla_met: int = 0
    sla_compliance_percent: float | None = None
    fees_satang: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain form for the API."""
        return dict(self.__dict__)


def summarise(
    facts: Iterable[RequestFacts],
    fees: Mapping[tuple[str, str], int],
    *,
    services: Iterable[str],
    months: list[str],
) -> list[MonthRow]:
    """One row per service and month (every pair, zeros included), services in tenant order."""
    grouped: dict[tuple[str, str], list[RequestFacts]] = {}
    for fact in facts:
        grouped.setdefault((fact.service_id, fact.month), []).append(fact)
    rows: list[MonthRow] = []
    for service_id in services:
        for month in months:
            group = grouped.get((service_id, month), [])
            counts = {name: sum(1 for f in group if f.outcome == name) for name in set(OUTCOMES.values())}
            days = sorted(f.working_days for f in group if f.working_days is not None)
            decided = [f for f in group if f.within_sla is not None]
            met = sum(1 for f in decided if f.within_sla)
            rows.append(
                MonthRow(
                    service_id=service_id,
                    month=month,
                    received=len(group),
                    open=sum(1 for f in group if f.outcome is None),
                    median_working_days=float(stats.median(days)) if days else None,
                    p90_working_days=percentile(days, 0.9),
                    sla_decided=len(decided),
                    sla_met=met,
                    sla_compliance_percent=round(100 * met / len(decided), 1) if decided else None,
                    fees_satang=fees.get((service_id, month), 0),
                    **counts,
                )
            )
    return rows


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``); InvalidInput if reversed or too long."""
    try:
        start, end = date.fromisoformat(f"{first}-01"), date.fromisoformat(f"{last}-01")
    except ValueError:
        raise InvalidInput(
            code="statistics.bad_month", th="เดือนต้องอยู่ในรูปแบบ ปปปป-ดด (ค.ศ.)", en="Months are written YYYY-MM."
        ) from None
    months: list[str] = []
    day = start
    while day <= end:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    if not months or len(months) > MAX_MONTHS:
        raise InvalidInput(
            code="statistics.bad_period",
            th=f"ช่วงเวลาต้องเริ่มไม่หลังเดือนสุดท้าย และยาวไม่เกิน {MAX_MONTHS} เดือน",
            en=f"The period must start no later than it ends and cover at most {MAX_MONTHS} months.",
        )
    return months


_CSV_HEADER = [
    "บริการ/service",
    "ชื่อบริการ/service name",
    "เดือน/month",
    "รับ/received",
    "แล้วเสร็จ/completed",
    "ไม่อนุญาต/rejected",
    "ส่งต่อ/referred",
    "ถอน/withdrawn",
    "จำหน่ายเรื่อง/dismissed",
    "ค้างดำเนินการ/open",
    "มัธยฐาน (วันทำการ)/median working days",
    "เปอร์เซ็นไทล์ที่ 90 (วันทำการ)/90th percentile working days",
    "พิจารณาแล้ว/decided",
    "ทันกำหนด/within time limit",
    "ร้อยละทันกำหนด/SLA compliance %",
    "ค่าธรรมเนียม (บาท)/fees",
]


def _cell(value: float | None) -> str:
    return "" if value is None else (str(int(value)) if float(value).is_integer() else str(value))


def statistics_csv(rows: list[MonthRow], names: Mapping[str, str]) -> bytes:
    """The rows as CSV, UTF-8 with a BOM so that Excel shows Thai; cells a spreadsheet would read as a
    formula are neutralised (as in the payments reconciliation)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_HEADER)
    for row in rows:
        cells = [
            row.service_id,
            names.get(row.service_id, row.service_id),
            row.month,
            *(
                str(n)
                for n in (
                    row.received,
                    row.completed,
                    row.rejected,
                    row.referred,
                    row.withdrawn,
                    row.dismissed,
                    row.open,
                )
            ),
            _cell(row.median_working_days),
            _cell(row.p90_working_days),
            str(row.sla_decided),
            str(row.sla_met),
            _cell(row.sla_compliance_percent),
            format_baht(row.fees_satang),
        ]
        writer.writerow([f"'{c}" if c and c[0] in "=+-@\t\r" else c for c in cells])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


class StatisticsReport:
    """Q10.5 over the ports: the requests received in the period and the payments collected in it."""

    def __init__(
        self,
        *,
        tenant: Tenant,
        calendar: OfficeCalendar,
        received: ReceivedRequests,
        requests: RequestRepository,
        payments: PaymentLedger,
    ) -> None:
        self._tenant = tenant
        self._calendar = calendar
        self._received = received
        self._requests = requests
        self._payments = payments

    def _pages(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            page = self._received.received_between(start, end, limit=200, cursor=cursor)
            yield from page.items
            if page.cursor is None:
                return
            cursor = page.cursor

    def rows(self, first: str, last: str, *, service_id: str | None = None) -> list[MonthRow]:
        """Per service (or one service) and month, ``first`` to ``last`` (``YYYY-MM``)."""
        months = month_range(first, last)
        services = [s for s in self._tenant.services if service_id in (None, s.id)]
        if not services:
            raise InvalidInput(code="statistics.unknown_service", th="ไม่พบบริการนี้", en="No such service.")
        wanted = {s.id for s in services}
        sla = {s.id: s.sla_working_days for s in services}
        period_start = datetime.fromisoformat(f"{months[0]}-01T00:00:00").replace(tzinfo=BANGKOK)
        period_end = (datetime.fromisoformat(f"{months[-1]}-01T00:00:00") + timedelta(days=32)).replace(
            day=1, tzinfo=BANGKOK
        )
        # A submission entered up to a long holiday before the month may be deemed received in it.
        facts: list[RequestFacts] = []
        service_of: dict[str, str] = {}
        for record in self._pages(period_start - timedelta(days=14), period_end):
            if record["service_id"] not in wanted:
                continue
            service_of[record["id"]] = record["service_id"]
            events = [] if record["status"] in (S.SUBMITTED, S.RECEIVED) else self._requests.events(record["id"])
            fact = request_facts(record, events, sla_working_days=sla[record["service_id"]], calendar=self._calendar)
            if fact.month in months:
                facts.append(fact)
        fees: dict[tuple[str, str], int] = {}
        day = period_start.date()
        while day < period_end.date():
            cursor: str | None = None
            while True:
                page = self._payments.of_day(day, limit=200, cursor=cursor)
                for payment in page.items:
                    if payment.get("status") != "succeeded" or payment.get("mismatch") or not payment.get("request_id"):
                        continue
                    owner = service_of.get(payment["request_id"])
                    if owner is None:
                        found = self._requests.find(payment["request_id"])
                        owner = found["service_id"] if found else None
                        if owner is not None:
                            service_of[payment["request_id"]] = owner
                    if owner in wanted:
                        key = (owner, day.strftime("%Y-%m"))
                        fees[key] = fees.get(key, 0) + int(payment["amount_satang"])
                cursor = page.cursor
                if cursor is None:
                    break
            day += timedelta(days=1)
        return summarise(facts, fees, services=[s.id for s in services], months=months)

    def report(self, first: str, last: str, *, service_id: str | None = None) -> dict[str, Any]:
        """The rows with the services' names and time limits, for the API and the charts."""
        rows = self.rows(first, last, service_id=service_id)
        return {
            "from": first,
            "to": last,
            "services": [
                {"id": s.id, "name": s.name.model_dump(), "sla_working_days": s.sla_working_days}
                for s in self._tenant.services
                if service_id in (None, s.id)
            ],
            "rows": [r.as_dict() for r in rows],
        }

    def csv(self, first: str, last: str, *, service_id: str | None = None) -> bytes:
        """The rows as CSV (UTF-8 with BOM)."""
        names = {s.id: s.name.th for s in self._tenant.services}
        return statistics_csv(self.rows(first, last, service_id=service_id), names)
