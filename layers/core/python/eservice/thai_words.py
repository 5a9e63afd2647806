"""Thai word segmentation for the catalogue search (issue 13, item 10), light enough for the core layer.

Thai is written without spaces between words, so a phrase such as "ขออนุญาตเปิดร้านอาหาร" must be cut
into words before it can be matched. PyThaiNLP does this with a large lexicon but lives in the PDF layer
(fonts, HarfBuzz); the search only needs the words the catalogue itself uses, so this module cuts text
by *maximal matching* over a small dictionary: the tenant's own vocabulary (service names, descriptions
and keywords) and the common words of a request ("ขอ", "อนุญาต", "เปิด", ...). Of every way to cut the
text into dictionary words and unknown runs, it keeps the one with the fewest unknown characters, then
the fewest words (dynamic programming over the text, as in the classic maximal-matching segmenter).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["COMMON_WORDS", "STOP_WORDS", "Segmenter", "has_thai", "normalise"]

_THAI = re.compile(r"[\u0E01-\u0E5B]")

#: Words of a request that say what the person wants to do, not which service: dropped from the search.
STOP_WORDS = frozenset(
    {
        # Thai
        "ขอ", "อนุญาต", "ขออนุญาต", "การ", "ต้องการ", "อยาก", "จะ", "ยื่น", "คำขอ", "ทำ", "เปิด", "ที่",
        "ของ", "และ", "ใน", "ให้", "ได้", "ไป", "กับ", "ครับ", "ค่ะ", "คะ", "หน่อย", "วิธี", "อย่างไร",
        "ยังไง", "เรื่อง", "เกี่ยวกับ", "สำหรับ", "เพื่อ", "ผม", "ดิฉัน", "ฉัน", "เรา", "ใหม่", "ต่อ",
        # English
        "a", "an", "the", "to", "for", "of", "i", "want", "would", "like", "apply", "open", "my", "new",
        "get", "how", "do", "request",
    }
)  # fmt: skip

#: Common words of requests to a municipality, so that the words around a service's own are cut well.
COMMON_WORDS = frozenset(
    {
        "ขอ", "อนุญาต", "ขออนุญาต", "ใบอนุญาต", "การ", "ต้องการ", "อยาก", "จะ", "ยื่น", "คำขอ", "ทำ",
        "เปิด", "ที่", "ของ", "และ", "ใน", "ให้", "ได้", "ไป", "กับ", "ครับ", "ค่ะ", "คะ", "หน่อย", "วิธี",
        "อย่างไร", "ยังไง", "เรื่อง", "เกี่ยวกับ", "สำหรับ", "เพื่อ", "ผม", "ดิฉัน", "ฉัน", "เรา", "ใหม่",
        "ต่อ", "ต่ออายุ", "อายุ", "ร้าน", "ร้านค้า", "ขาย", "จำหน่าย", "สินค้า", "ตั้ง", "จัดตั้ง", "สถานที่",
        "หนังสือ", "รับรอง", "ใบ", "บ้าน", "ทะเบียน", "จด", "แจ้ง", "ย้าย", "เกิด", "ไฟ", "ไหม้", "ไฟไหม้",
        "บริการ", "ไม่", "มี", "ไม่มี", "นี้", "นั้น", "อาคาร", "ก่อสร้าง", "ป้าย", "ภาษี", "ขยะ", "น้ำ",
        "ถนน", "ตลาด", "อาหาร", "ร้านอาหาร", "ค้า", "พาณิชย์", "กิจการ", "ประกอบ",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    """NFC, case-folded, trimmed: the form both the dictionary and the queries are compared in."""
    return unicodedata.normalize("NFC", text).casefold().strip()


def has_thai(text: str) -> bool:
    return bool(_THAI.search(text))


class Segmenter:
    """Maximal matching over a fixed dictionary (hashable words; the longest word bounds the search)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in (normalise(x) for x in words) if w)
        self.longest = max((len(w) for w in self.words), default=1)

    @classmethod
    def of(cls, texts: Iterable[str], extra: Iterable[str] = COMMON_WORDS) -> Segmenter:
        """A dictionary from free texts: their Thai runs and their space-separated words, and ``extra``."""
        words: set[str] = set(extra)
        for text in texts:
            for part in normalise(text).split():
                part = part.strip("()[]{}.,;:!?\"'“”‘’")
                if len(part) >= 2:
                    words.add(part)
        return cls(words)

    def cut(self, text: str) -> list[str]:
        """The words of ``text``: spaces split it first; Thai runs are then cut by maximal matching."""
        out: list[str] = []
        for part in normalise(text).split():
            out += self._cut_run(part) if has_thai(part) else [part]
        return out

    def _cut_run(self, run: str) -> list[str]:
        n = len(run)
        # best[i]: (unknown characters, words) of the best cut of run[i:], and where its first word ends.
        best: list[tuple[int, int, int, bool]] = [(0, 0, n, True)] * (n + 1)
        for i in range(n - 1, -1, -1):
            # An unknown character, joined to the unknown run that may follow it.
            unknown, count, _, _ = best[i + 1]
            choice = (unknown + 1, count + 1, i + 1, False)
            for j in range(i + 1, min(n, i + self.longest) + 1):
                if run[i:j] in self.words:
                    u, c, _, _ = best[j]
                    if (u, c + 1) < choice[:2]:
                        choice = (u, c + 1, j, True)
            best[i] = choice
        words: list[str] = []
        unknown_run = ""
        i = 0
        while i < n:
            _, _, end, known = best[i]
            if known:
                if unknown_run:
                    words.append(unknown_run)
                    unknown_run = ""
                words.append(run[i:end])
            else:
                unknown_run += run[i:end]
            i = end
        if unknown_run:
            words.append(unknown_run)
        return words


@lru_cache(maxsize=8)
def segmenter_for(texts: tuple[str, ...]) -> Segmenter:
    """One segmenter per catalogue (the tenant's texts), built once per warm function."""
    return Segmenter.of(texts)
