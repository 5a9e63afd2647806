"""Personal data (PDPA §30 right of access; R-4.8): everything the e-Service holds about one applicant.

The export is one JSON document: the profile, the chosen channels, every draft, and every request with
everything kept under it (its history, the messages sent about it, the payments and slips, the
officers' decisions and messages, the supplements, the paper copies, and the access log entries of
officers who read it). Nothing is left out but what is not about the person: the saga's task tokens
(``OUTBOX`` rows and the ``waiting`` token), which are capabilities of the workflow engine.

The files (uploads and issued documents) are listed with short-lived presigned download links rather
than zipped by the function: an applicant's files can exceed what a Lambda answer carries (6 MB), a
zip kept in S3 would be one more copy of personal data to protect and retain, and a link hands out
exactly the stored, hash-checked bytes (the manifest gives each file's SHA-256).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from . import clock_source
from .ports import Page, Repositories

__all__ = ["LINK_SECONDS", "NOT_ABOUT_THE_PERSON", "PersonalDataExport", "RequestHoldings"]

#: How long a file link of the export works.
LINK_SECONDS = 900

#: Rows under a request that are the workflow engine's, not the person's.
NOT_ABOUT_THE_PERSON = frozenset({"OUTBOX"})

#: Draft documents not yet issued are working copies; what was issued is listed.
_WORKING_COPIES = frozenset({"licence_draft", "licence_unsealed"})


class RequestHoldings(Protocol):
    """Everything stored under a request, with the kind of each row."""

    def held_under(self, request_id: str) -> list[dict[str, Any]]:
        """Every row kept under the request (its record excluded), each with ``kind`` and ``row_id``."""

    def applicant_rows(self, applicant_id: str) -> list[dict[str, Any]]:
        """Every row kept under the applicant (profile, channels, drafts in any state), with ``kind``."""


Link = Callable[[str, str, int], str]


def _all(fetch: Callable[[str | None], Page[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def _values(attachments: Any) -> list[dict[str, Any]]:
    """A draft keeps its attachments by id (a map); a request as a list."""
    items = attachments.values() if isinstance(attachments, dict) else attachments or []
    return [a for a in items if isinstance(a, dict)]


def _without_kind(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("kind", "row_id")}


def _without_tokens(record: dict[str, Any]) -> dict[str, Any]:
    waiting = record.get("waiting")
    if isinstance(waiting, dict):
        record["waiting"] = {k: v for k, v in waiting.items() if k != "token"}
    return record


class PersonalDataExport:
    """Builds the export of one applicant from the stores (read only)."""

    def __init__(
        self, *, repos: Repositories, holdings: RequestHoldings, upload_link: Link, document_link: Link
    ) -> None:
        self._repos = repos
        self._holdings = holdings
        self._upload_link = upload_link
        self._document_link = document_link

    def export(self, applicant_id: str) -> dict[str, Any]:
        """The applicant's data (JSON) and a manifest of their files with download links."""
        repos = self._repos
        # Drafts in every state (open, submitted, discarded): the work list of drafts shows only open ones.
        own = self._holdings.applicant_rows(applicant_id)
        drafts = [_without_kind(r) for r in own if r.get("kind") == "DRAFT"]
        other = {
            str(r["kind"]).lower(): _without_kind(r)
            for r in own
            if r.get("kind") not in ("DRAFT", "PROFILE", "CHANNELS")
        }
        requests = list(_all(lambda c: repos.requests.of_applicant(applicant_id, limit=200, cursor=c)))
        files: list[dict[str, Any]] = []
        for draft in drafts:
            for attachment in _values(draft.get("attachments")):
                files += self._upload(attachment, draft_id=draft.get("id"))
        exported_requests = []
        for record in requests:
            request_id = record["id"]
            held: dict[str, list[dict[str, Any]]] = {}
            for row in self._holdings.held_under(request_id):
                kind = str(row.pop("kind"))
                if kind in NOT_ABOUT_THE_PERSON:
                    continue
                held.setdefault(_section(kind), []).append(row)
            for attachment in record.get("attachments") or []:
                files += self._upload(attachment, request_id=request_id)
            for supplement in held.get("supplements", []):
                files += self._upload(supplement, request_id=request_id)
            for slip in held.get("slips", []):
                if isinstance(slip.get("attachment"), dict):
                    files += self._upload(slip["attachment"], request_id=request_id)
            for kind, document in sorted((record.get("documents") or {}).items()):
                if kind in _WORKING_COPIES or not isinstance(document, dict) or not document.get("key"):
                    continue
                files.append(
                    {
                        "source": "issued_document",
                        "request_id": request_id,
                        "kind": kind,
                        "file_name": document.get("file_name"),
                        "sha256": document.get("sha256"),
                        "url": self._document_link(document["key"], document.get("file_name") or kind, LINK_SECONDS),
                    }
                )
            exported_requests.append({"request": _without_tokens(dict(record)), **held})
        return {
            "exported_at": clock_source.now().isoformat(),
            "applicant_id": applicant_id,
            "profile": repos.profiles.get(applicant_id),
            "channels": repos.channels.get(applicant_id),
            "drafts": drafts,
            "requests": exported_requests,
            "files": files,
            "other": other,
            "links_expire_in_seconds": LINK_SECONDS,
        }

    def _upload(
        self, attachment: dict[str, Any], *, request_id: str | None = None, draft_id: str | None = None
    ) -> list[dict[str, Any]]:
        # Only accepted files are kept as evidence; a refused or unchecked upload has no clean copy.
        if attachment.get("state") not in (None, "accepted") or not attachment.get("key"):
            return []
        name = attachment.get("file_name") or attachment.get("id") or "file"
        return [
            {
                "source": "upload",
                "request_id": request_id,
                "draft_id": draft_id,
                "id": attachment.get("id"),
                "document_id": attachment.get("document_id"),
                "file_name": name,
                "sha256": attachment.get("sha256"),
                "url": self._upload_link(attachment["key"], name, LINK_SECONDS),
            }
        ]


_SECTIONS = {
    "EVT": "events",
    "MESSAGE": "messages",
    "PAYMENT": "payments",
    "AUDIT": "access_log",
    "THREAD": "thread",
    "DECISION": "decisions",
    "NOTE": "notes",
    "SUPPLEMENT": "supplements",
    "SLIP": "slips",
    "SLIPFILE": "slip_files",
    "PAPERCOPY": "paper_copies",
    "FAILURE": "failures",
}


def _section(kind: str) -> str:
    """The export's name for a kind of row (an unknown kind keeps its own name: nothing is dropped)."""
    return _SECTIONS.get(kind, kind.lower())
