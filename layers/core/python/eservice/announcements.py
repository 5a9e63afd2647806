"""The agency's announcements, issued once (Act §10, §13(1), §16; R-3.5(2); seed 003 annexes).

An administrator drafts an announcement from the tenant file; its content is frozen in the draft, so
the head approves exactly what was drafted. The head's approval names the signer (name and position)
and has the sign function seal it **once**: it is numbered from the agency's series, dated in the
Buddhist era, kept in the documents bucket and indexed by its hash, so that verification recognises
it as ours. From then on it is served from storage. A later issue of the same kind supersedes the
one in force; nothing is deleted, both stay listed with their state.

The §13(1) announcement takes effect on its publication in the Royal Gazette (template clause 1): the
head or an administrator records the publication date after issuing, and until then the listing says
that it takes effect on publication. The others take effect on the day they are signed (template
note 2(3) of §10) or, for the §16 order, on the date it states.

Kinds: ``channels`` (Act §10 electronic channels), ``display`` (Act §13(1) electronic display of
licences), ``payment`` (R-3.5(2) electronic payment) and ``internal-systems`` (the Act §16 order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import clock_source
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .ids import new_id
from .ports import AnnouncementRepository, Page, page_size
from .tenant import Localized, Tenant
from .time_rules import BANGKOK

__all__ = [
    "APPROVAL_LEASE",
    "KINDS",
    "AnnouncementKind",
    "Announcements",
    "announcement_content",
    "issued_fields",
    "public_view",
    "title_of",
]

#: How long an approval holds the announcement while the sign function seals it. A second approval
#: within it is refused (no second seal); after it, a head may approve again to finish a seal that died.
APPROVAL_LEASE = timedelta(minutes=2)


@dataclass(frozen=True, kw_only=True)
class AnnouncementKind:
    """One kind of announcement: its subject, the law it is made under and whether the Gazette applies."""

    id: str
    subject: Localized  # "เรื่อง ..." without the agency's name, which the title adds
    legal_basis: Localized
    order: bool = False  # a คำสั่ง (order) rather than a ประกาศ (announcement)
    gazette: bool = False  # takes effect on publication in the Royal Gazette


KINDS: dict[str, AnnouncementKind] = {
    k.id: k
    for k in (
        AnnouncementKind(
            id="channels",
            subject=Localized(th="ช่องทางอิเล็กทรอนิกส์สำหรับติดต่อ{agency}", en="Electronic channels to contact {agency}"),
            legal_basis=Localized(
                th="มาตรา 10 วรรคหนึ่ง แห่งพระราชบัญญัติการปฏิบัติราชการทางอิเล็กทรอนิกส์ พ.ศ. 2565",
                en="Act on Electronic Performance of Administrative Duties B.E. 2565, section 10 paragraph 1",
            ),
        ),
        AnnouncementKind(
            id="display",
            subject=Localized(th="วิธีการแสดงใบอนุญาตโดยวิธีการทางอิเล็กทรอนิกส์", en="Displaying licences by electronic means"),
            legal_basis=Localized(
                th="มาตรา 13 (1) แห่งพระราชบัญญัติการปฏิบัติราชการทางอิเล็กทรอนิกส์ พ.ศ. 2565",
                en="Act on Electronic Performance of Administrative Duties B.E. 2565, section 13(1)",
            ),
            gazette=True,
        ),
        AnnouncementKind(
            id="payment",
            subject=Localized(th="วิธีการชำระเงินทางอิเล็กทรอนิกส์", en="Paying the agency by electronic means"),
            legal_basis=Localized(
                th="แนวทางวิธีการทางอิเล็กทรอนิกส์ระดับมาตรฐาน ข้อ 3.5 (2) (หนังสือสำนักงาน ก.พ.ร. 12 พฤษภาคม 2566)",
                en="OPDC standard-level electronic methods, clause 3.5(2) (letter of 12 May 2023)",
            ),
        ),
        AnnouncementKind(
            id="internal-systems",
            subject=Localized(
                th="ระบบสำหรับการปฏิบัติหน้าที่โดยวิธีการทางอิเล็กทรอนิกส์",
                en="Systems for performing duties by electronic means",
            ),
            legal_basis=Localized(
                th="มาตรา 16 วรรคหนึ่ง แห่งพระราชบัญญัติการปฏิบัติราชการทางอิเล็กทรอนิกส์ พ.ศ. 2565",
                en="Act on Electronic Performance of Administrative Duties B.E. 2565, section 16 paragraph 1",
            ),
            order=True,
        ),
    )
}

_NOT_FOUND = NotFound(code="announcement.not_found", th="ไม่พบประกาศนี้", en="No such announcement.")


def _kind(kind: str) -> AnnouncementKind:
    found = KINDS.get(kind)
    if found is None:
        raise NotFound(
            code="announcement.unknown_kind",
            th="ไม่มีประกาศประเภทนี้ (มีเฉพาะ " + ", ".join(KINDS) + ")",
            en="There is no such kind of announcement (one of " + ", ".join(KINDS) + ").",
        )
    return found


def title_of(tenant: Tenant, kind: str, edition: int = 1) -> dict[str, str]:
    """ "ประกาศเทศบาลตำบลคลองน้อย เรื่อง ..." in Thai and English, with "(ฉบับที่ 2)" from the second edition on."""
    info = _kind(kind)
    th_word, en_word = ("คำสั่ง", "Order of") if info.order else ("ประกาศ", "Announcement of")
    th = f"{th_word}{tenant.name.th} เรื่อง {info.subject.th.format(agency=tenant.name.th)}"
    en = f"{en_word} {tenant.name.en}: {info.subject.en.format(agency=tenant.name.en)}"
    if edition > 1:
        th += f" (ฉบับที่ {edition})"
        en += f" (No. {edition})"
    return {"th": th, "en": en}


def announcement_content(tenant: Tenant, kind: str, *, eservice_url: str) -> dict[str, Any]:
    """What the announcement says, from the tenant file: frozen in the draft, rendered at sealing.

    Only the items of the seed's templates: §10 names the central e-mail, the website and the e-Service's
    own URL, the applications and the phones that confirm receipt; §13(1) each licence on the public
    register with the law it is issued under; R-3.5(2) the account, the methods of payment and where
    to send the proof.
    """
    _kind(kind)
    website = f"https://{tenant.domain}"
    eservice = eservice_url.rstrip("/")
    if kind == "channels":
        phones = [{"label": {"th": "งานสารบรรณ", "en": "Records office"}, "number": tenant.phones.records_office}]
        phones += [{"label": unit.name.model_dump(), "number": unit.phone} for unit in tenant.units.values()]
        return {
            "email": tenant.saraban_email,
            "website": website,
            "eservice_url": eservice,
            "applications": [a.model_dump() for a in tenant.applications],
            "phones": phones,
        }
    if kind == "display":
        licences = [
            {"service_id": s.id, "title": s.licence.title.model_dump(), "law": s.licence.law.model_dump()}
            for s in tenant.services
            if s.public_register and s.licence.law is not None
        ]
        if not licences:
            raise Conflict(
                code="announcement.no_public_licence",
                th="ไม่มีใบอนุญาตที่กฎหมายกำหนดให้แสดงไว้ในที่เปิดเผย จึงไม่ต้องออกประกาศตามมาตรา 13 (1)",
                en="No licence of this agency must be displayed publicly: there is nothing to announce under §13(1).",
            )
        return {"licences": licences, "eservice_url": eservice}
    if kind == "payment":
        return {
            "account_name": tenant.payment.account_name.model_dump(),
            "bank": tenant.payment.bank.model_dump(),
            "methods": list(tenant.payment.channels),
            "eservice_url": eservice,
            "email": tenant.saraban_email,
        }
    return {"eservice_url": eservice, "domain": tenant.domain}


def _effect(record: Mapping[str, Any]) -> dict[str, Any]:
    """When the announcement takes effect, in words for the public list."""
    gazette = record.get("gazette")
    if KINDS[record["kind"]].gazette:
        if not gazette:
            return {
                "in_effect": False,
                "on": None,
                "th": "มีผลเมื่อประกาศในราชกิจจานุเบกษา",
                "en": "Takes effect on publication in the Royal Gazette",
            }
        return {
            "in_effect": True,
            "on": gazette["published_on"],
            "th": f"ประกาศในราชกิจจานุเบกษาเมื่อวันที่ {_thai_date(gazette['published_on'])} มีผลตั้งแต่วันดังกล่าว",
            "en": f"Published in the Royal Gazette on {gazette['published_on']}; in effect from that day",
        }
    on = record.get("issued_on")
    return {
        "in_effect": bool(on),
        "on": on,
        "th": f"มีผลตั้งแต่วันที่ {_thai_date(on)}" if on else "",
        "en": f"In effect from {on}" if on else "",
    }


def _thai_date(iso: str) -> str:
    from .thai_dates import format_thai_date

    return format_thai_date(date.fromisoformat(iso))


#: What anyone may read of an issued announcement (no officer ids).
_PUBLIC_FIELDS = (
    "id",
    "kind",
    "title",
    "number",
    "edition",
    "issued_on",
    "issued_at",
    "signer",
    "state",
    "superseded_by",
    "superseded_at",
    "replaces",
    "gazette",
)


def public_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """An issued (or superseded) announcement as the public list shows it, with where to download it."""
    view = {k: record.get(k) for k in _PUBLIC_FIELDS}
    info = KINDS[record["kind"]]
    document = record.get("document") or {}
    view.update(
        legal_basis=info.legal_basis.model_dump(),
        order=info.order,
        effect=_effect(record),
        sha256=document.get("sha256"),
        size=document.get("size"),
        pdf_url=f"/api/announcements/{record['id']}/pdf",
    )
    if view["gazette"]:
        view["gazette"] = {k: view["gazette"].get(k) for k in ("published_on", "reference")}
    return view


class Announcements:
    """Drafting, approving, listing and recording the Gazette publication of announcements."""

    def __init__(
        self,
        *,
        announcements: AnnouncementRepository,
        tenant: Tenant,
        eservice_url: str,
        seal: Callable[[str], Mapping[str, Any]],
    ) -> None:
        self._repo = announcements
        self._tenant = tenant
        self._eservice_url = eservice_url
        # Renders, seals and keeps the approved announcement (the sign function), returning the record.
        self._seal = seal

    # --- officers --------------------------------------------------------------------------------------
    def draft(self, officer_id: str, groups: frozenset[str], kind: str) -> dict[str, Any]:
        """An administrator drafts an announcement of ``kind`` from the tenant file."""
        if "admin" not in groups:
            raise Forbidden(
                code="announcement.admin_only",
                th="เฉพาะผู้ดูแลระบบเท่านั้นที่จัดทำร่างประกาศได้",
                en="Only an administrator may draft an announcement.",
            )
        _kind(kind)
        now = clock_source.now().isoformat()
        record = {
            "id": new_id("ANN"),
            "kind": kind,
            "state": "draft",
            "title": title_of(self._tenant, kind),
            "content": announcement_content(self._tenant, kind, eservice_url=self._eservice_url),
            "drafted_by": officer_id,
            "drafted_at": now,
        }
        self._repo.add(record)
        return record

    def approve(
        self,
        officer_id: str,
        groups: frozenset[str],
        announcement_id: str,
        *,
        signer_name: str,
        signer_position: str | None = None,
    ) -> dict[str, Any]:
        """The head approves a draft: it is sealed once, with the head's name and position as signer.

        A second approval gets ``announcement.already_issued`` and seals nothing; one made while the
        first is still being sealed gets ``announcement.being_issued``.
        """
        if "head" not in groups:
            raise Forbidden(
                code="announcement.head_only",
                th="เฉพาะหัวหน้าหน่วยงานเท่านั้นที่อนุมัติและลงนามประกาศได้",
                en="Only the head of the agency may approve and sign an announcement.",
            )
        name = " ".join(signer_name.split())
        if not name:
            raise InvalidInput(
                code="announcement.signer_required",
                th="กรุณาระบุชื่อผู้ลงนามในประกาศ",
                en="Give the name of the signer as it is printed on the announcement.",
            )
        position = " ".join((signer_position or "").split()) or self._tenant.head_title.th
        record = self._repo.get(announcement_id)
        if record is None:
            raise _NOT_FOUND
        self._refuse_if_issued(record)
        now = clock_source.now()
        approval = {
            "by": officer_id,
            "at": now.isoformat(),
            "lease_until": (now + APPROVAL_LEASE).isoformat(),
        }
        signer = {"name": name, "position": position}
        if not self._repo.claim_approval(announcement_id, approval=approval, signer=signer, now=now.isoformat()):
            current = self._repo.get(announcement_id) or record
            self._refuse_if_issued(current)
            raise Conflict(
                code="announcement.being_issued",
                th="ประกาศนี้กำลังอยู่ระหว่างการลงนามและประทับตรา กรุณารอสักครู่",
                en="This announcement is being signed and sealed. Please wait a moment.",
            )
        issued = self._seal(announcement_id)
        return dict(issued)

    @staticmethod
    def _refuse_if_issued(record: Mapping[str, Any]) -> None:
        if record["state"] in ("issued", "superseded"):
            raise Conflict(
                code="announcement.already_issued",
                th=f"ประกาศนี้ออกแล้ว เลขที่ {record.get('number')} จะไม่ประทับตราซ้ำ",
                en=f"This announcement is already issued (No. {record.get('number')}); it is not sealed again.",
            )

    def record_gazette(
        self,
        officer_id: str,
        groups: frozenset[str],
        announcement_id: str,
        *,
        published_on: date,
        reference: str | None = None,
    ) -> dict[str, Any]:
        """The head or an administrator records the Royal Gazette publication of a §13(1) announcement."""
        if not groups & {"head", "admin"}:
            raise Forbidden(
                code="announcement.gazette_forbidden",
                th="เฉพาะหัวหน้าหน่วยงานหรือผู้ดูแลระบบเท่านั้นที่บันทึกการประกาศในราชกิจจานุเบกษาได้",
                en="Only the head of the agency or an administrator may record the Royal Gazette publication.",
            )
        record = self._repo.get(announcement_id)
        if record is None:
            raise _NOT_FOUND
        if not KINDS[record["kind"]].gazette:
            raise Conflict(
                code="announcement.no_gazette",
                th="ประกาศประเภทนี้ไม่ต้องประกาศในราชกิจจานุเบกษา",
                en="This kind of announcement is not published in the Royal Gazette.",
            )
        if record["state"] not in ("issued", "superseded"):
            raise Conflict(
                code="announcement.not_issued",
                th="ประกาศนี้ยังไม่ได้ลงนาม จึงยังบันทึกการประกาศในราชกิจจานุเบกษาไม่ได้",
                en="This announcement is not issued yet, so its Gazette publication cannot be recorded.",
            )
        today = clock_source.now().astimezone(BANGKOK).date()
        if published_on < date.fromisoformat(record["issued_on"]) or published_on > today:
            raise InvalidInput(
                code="announcement.gazette_date",
                th="วันที่ประกาศในราชกิจจานุเบกษาต้องไม่ก่อนวันที่ลงนามและไม่เกินวันนี้",
                en="The Gazette date must be on or after the signing date and not in the future.",
            )
        gazette = {
            "published_on": published_on.isoformat(),
            "reference": " ".join((reference or "").split()) or None,
            "recorded_by": officer_id,
            "recorded_at": clock_source.now().isoformat(),
        }
        if not self._repo.record_gazette(announcement_id, gazette):
            raise Conflict(
                code="announcement.gazette_recorded",
                th="บันทึกวันที่ประกาศในราชกิจจานุเบกษาของประกาศนี้ไว้แล้ว",
                en="The Gazette publication of this announcement is already recorded.",
            )
        updated = self._repo.get(announcement_id)
        assert updated is not None
        return updated

    def for_officers(
        self, groups: frozenset[str], *, limit: int | None = None, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """Every announcement, drafts included, newest first (administrators and the head)."""
        if not groups & {"head", "admin"}:
            raise Forbidden(
                code="announcement.forbidden",
                th="เฉพาะหัวหน้าหน่วยงานหรือผู้ดูแลระบบ",
                en="Only the head of the agency or an administrator.",
            )
        page = self._repo.all(limit=page_size(limit), cursor=cursor)
        items = [{**r, **(public_view(r) if r["state"] in ("issued", "superseded") else {})} for r in page.items]
        return Page(items, page.cursor)

    # --- the public -----------------------------------------------------------------------------------
    def published(self, *, limit: int | None = None, cursor: str | None = None) -> Page[dict[str, Any]]:
        """Issued announcements, newest first; superseded ones stay listed as superseded."""
        page = self._repo.published(limit=page_size(limit), cursor=cursor)
        return Page([public_view(r) for r in page.items], page.cursor)

    def document(self, ref: str) -> dict[str, Any]:
        """The stored document of an announcement by its id, or of the one in force of a kind."""
        record = self._repo.current(ref) if ref in KINDS else self._repo.get(ref)
        if record is None or record["state"] not in ("issued", "superseded"):
            raise _NOT_FOUND
        return {**record["document"], "id": record["id"], "kind": record["kind"], "current": ref in KINDS}


def issued_fields(
    *,
    title: Mapping[str, str],
    number: str,
    edition: int,
    now: datetime,
    replaces: str | None,
    document: Mapping[str, Any],
) -> dict[str, Any]:
    """The fields an announcement gets when it is sealed (written with its supersession, atomically)."""
    return {
        "state": "issued",
        "title": dict(title),
        "number": number,
        "edition": edition,
        "issued_at": now.isoformat(),
        "issued_on": now.astimezone(BANGKOK).date().isoformat(),
        "replaces": replaces,
        "document": dict(document),
    }
