"""How an applicant wants to be told (Q4.4, R-4.6): the channels they choose and their LINE link.

E-mail is always on: official documents go by e-mail whatever else is chosen (R-4.6). SMS goes to
the phone given on each request; LINE to the account linked with a one-time code sent to the
agency's Official Account (``eservice.line``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from . import clock_source
from .applications import Applicant
from .errors import Conflict, InvalidInput
from .line import LINK_CODE_PATTERN, WebhookEvent, new_link_code
from .ports import Repositories
from .tenant import Tenant

__all__ = ["LINKED_TEXT", "UNKNOWN_CODE_TEXT", "ContactChannels"]

#: What the Official Account answers in the chat (Thai first, English below).
LINKED_TEXT = (
    "เชื่อมต่อบัญชี LINE กับบริการอิเล็กทรอนิกส์ของ{agency}แล้ว ท่านจะได้รับแจ้งความคืบหน้าของคำขอทาง LINE\n"
    "Your LINE account is now linked to the e-Services of {agency_en}: you will get your requests' news here."
)
UNKNOWN_CODE_TEXT = (
    "รหัสนี้ใช้ไม่ได้หรือหมดอายุแล้ว กรุณาขอรหัสใหม่ที่หน้าข้อมูลส่วนตัว\n"
    "This code is not valid or has expired. Please get a new one on your profile page."
)


class ContactChannels:
    """The applicant's channel choices and LINE linking."""

    def __init__(self, *, repos: Repositories, tenant: Tenant) -> None:
        self._channels = repos.channels
        self._profiles = repos.profiles
        self._tenant = tenant

    def of(self, applicant: Applicant) -> dict[str, Any]:
        """What the profile page shows: each channel, whether it is on, and where it goes."""
        chosen = self._channels.get(applicant.id)
        profile = self._profiles.get(applicant.id) or {}
        notifications = self._tenant.notifications
        linked = bool(chosen.get("line_user_id"))
        return {
            "email": {"on": True, "address": profile.get("email") or applicant.email},
            "sms": {"on": bool(chosen.get("sms", True)), "phone": profile.get("phone")},
            "line": {
                "available": notifications.line_enabled,
                "official_account": notifications.line_official_account,
                "linked": linked,
                "linked_at": chosen.get("line_linked_at"),
                "on": notifications.line_enabled and linked and bool(chosen.get("line", True)),
                "unlinked": chosen.get("line_unlinked"),
            },
        }

    def choose(self, applicant: Applicant, *, sms: bool, line: bool) -> dict[str, Any]:
        """Keep the choice; LINE only once an account is linked (e-mail cannot be turned off)."""
        if line:
            self._line_available()
            if not self._channels.get(applicant.id).get("line_user_id"):
                raise InvalidInput(
                    code="channels.line_not_linked",
                    th="ยังไม่ได้เชื่อมต่อบัญชี LINE กรุณาขอรหัสและส่งให้บัญชีทางการของหน่วยงานก่อน",
                    en="Link your LINE account first: get a code and send it to the agency's Official Account.",
                )
        self._channels.choose(applicant.id, sms=sms, line=line, at=clock_source.now().isoformat())
        return self.of(applicant)

    def link_code(self, applicant: Applicant) -> dict[str, Any]:
        """A new one-time code to send to the agency's LINE Official Account."""
        notifications = self._line_available()
        now = clock_source.now()
        expires = now + timedelta(minutes=notifications.line_link_code_minutes)
        code = new_link_code()
        self._channels.add_link_code(code, applicant.id, expires_at=expires.isoformat())
        return {
            "code": code,
            "expires_at": expires.isoformat(),
            "official_account": notifications.line_official_account,
        }

    def on_line_events(self, events: list[WebhookEvent], reply: Callable[[str, str], None]) -> dict[str, int]:
        """A verified webhook's events: link codes link accounts, an unfollow stops LINE messages.

        ``reply(user_id, text)`` answers in the chat."""
        now = clock_source.now().isoformat()
        linked = unlinked = 0
        for event in events:
            if event.kind == "unfollow":
                applicant_id = self._channels.applicant_of_line_user(event.user_id)
                if applicant_id is not None:
                    self._channels.unlink_line(applicant_id, at=now, reason="unfollowed")
                    unlinked += 1
                continue
            match = LINK_CODE_PATTERN.search(event.text.upper()) if event.kind == "message" else None
            if match is None:
                continue
            applicant_id = self._channels.link_with_code(match.group(1), event.user_id, now=now)
            if applicant_id is None:
                reply(event.user_id, UNKNOWN_CODE_TEXT)
                continue
            linked += 1
            reply(event.user_id, LINKED_TEXT.format(agency=self._tenant.name.th, agency_en=self._tenant.name.en))
        return {"linked": linked, "unlinked": unlinked}

    def _line_available(self) -> Any:
        notifications = self._tenant.notifications
        if not notifications.line_enabled:
            raise Conflict(
                code="channels.line_unavailable",
                th="หน่วยงานยังไม่เปิดให้รับแจ้งทาง LINE",
                en="This agency does not send messages by LINE.",
            )
        return notifications
