"""Thai text for printed documents: where lines may break, and amounts of money in words.

Thai is written without spaces between words, so a line breaker that only knows spaces either
overflows or cuts a word in two. ``segment_for_wrapping`` marks the word boundaries found by
PyThaiNLP's dictionary segmenter (newmm) with ZERO WIDTH SPACE (U+200B), which fpdf2 treats as a
break opportunity that prints nothing (ARCHITECTURE "Thai text needs shaping").

``baht_text`` writes an amount the way Thai receipts and invoices spell it out (Q6.1, Q6.6), with the
เอ็ด / ยี่ / ล้าน rules of Thai numerals, like the spreadsheet function BAHTTEXT.

The segmenter's dictionary is built on first use, once per process, never at import time (cold start): a
sorted word list (``thai_dictionary.SortedWords``), which answers newmm as PyThaiNLP's trie does and is built
in a tenth of the trie's time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eservice_pdf.thai_dictionary import SortedWords

__all__ = [
    "WORD_BREAK",
    "baht_text",
    "format_baht",
    "format_number",
    "segment_for_wrapping",
    "thai_number_words",
]

#: The invisible break opportunity inserted between Thai words.
WORD_BREAK = "\u200b"
_NO_BREAK_SPACE = "\u00a0"

# Thai letters, vowels and tone marks (ก..๏); Thai digits ๐-๙ count as digits, not letters, so that
# "๒,๕๐๐" is never split.
_THAI_FIRST, _THAI_LAST = "\u0e01", "\u0e4f"
# Repetition mark (ๆ) and abbreviation mark (ฯ) belong to the word before them.
_ATTACHES_TO_PREVIOUS = frozenset("ๆฯ")


# Words these documents use that PyThaiNLP's dictionary lacks, so that they are never cut in two.
_EXTRA_WORDS = frozenset({"คิวอาร์โค้ด"})


@lru_cache(maxsize=1)
def _dictionary() -> SortedWords:
    """PyThaiNLP's word list without its dotted abbreviations, plus ``_EXTRA_WORDS`` (built once)."""
    from pythainlp.corpus import thai_words

    from eservice_pdf.thai_dictionary import SortedWords

    # Dotted abbreviations ("ร.", "น.") make newmm cut "โทร." into "โท|ร." and "บ้าน.jpg" into "บ้า|น.jpg".
    # Without them an abbreviation splits at its dots, where no break is allowed anyway.
    return SortedWords({word for word in thai_words() if "." not in word} | _EXTRA_WORDS)


def _is_thai_letter(char: str) -> bool:
    return _THAI_FIRST <= char <= _THAI_LAST


def _may_break_between(left: str, right: str) -> bool:
    """Whether a line may break between two adjacent non-space characters from different words."""
    if right in _ATTACHES_TO_PREVIOUS:
        return False
    # A break needs a Thai word on at least one side: Latin text, numbers, e-mail addresses and URLs
    # keep the breaking rules they would have anywhere else.
    if not (_is_thai_letter(left) or _is_thai_letter(right)):
        return False
    # Never next to punctuation: "(พื้นที่)" must not leave "(" at the end of a line or ")" at the
    # start of the next one; "พ.ศ." must stay whole.
    return (left.isalnum() or _is_thai_letter(left)) and (right.isalnum() or _is_thai_letter(right))


@lru_cache(maxsize=4096)
def segment_for_wrapping(text: str) -> str:
    """``text`` with U+200B between Thai words, so that a line breaks only at a word boundary.

    Spaces stay break opportunities, except the space before ๆ or ฯ, which becomes a no-break space
    so the mark never starts a line. Text without Thai letters is returned unchanged. Calling the
    function again on its own output gives the same result.
    """
    text = text.replace(WORD_BREAK, "")
    if not any(_is_thai_letter(c) for c in text):
        return text
    from pythainlp.tokenize import word_tokenize

    words = word_tokenize(text, engine="newmm", keep_whitespace=True, custom_dict=_dictionary())
    tokens = [t for t in words if t]
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index and _may_break_between(tokens[index - 1][-1], token[0]):
            out.append(WORD_BREAK)
        out.append(token)
    joined = "".join(out)
    for mark in _ATTACHES_TO_PREVIOUS:
        joined = joined.replace(" " + mark, _NO_BREAK_SPACE + mark)
    return joined


_DIGIT_WORDS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
# Place names within one group of six digits, from units up to hundred-thousands.
_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")
_MILLION = 1_000_000


def _group_words(number: int, *, has_higher: bool) -> str:
    """Words for 0 < number < 1,000,000; ``has_higher`` when more significant digits precede it."""
    digits = [int(d) for d in str(number)][::-1]  # units first
    words: list[str] = []
    for place in range(len(digits) - 1, -1, -1):
        digit = digits[place]
        if digit == 0:
            continue
        if place == 1:
            # 10 is สิบ (not หนึ่งสิบ), 20 is ยี่สิบ.
            words.append({1: "สิบ", 2: "ยี่สิบ"}.get(digit, _DIGIT_WORDS[digit] + "สิบ"))
        elif place == 0 and digit == 1 and (has_higher or number > 1):
            # A final one after other digits is เอ็ด: 11 สิบเอ็ด, 101 หนึ่งร้อยเอ็ด, 1,000,001 หนึ่งล้านเอ็ด.
            words.append("เอ็ด")
        else:
            words.append(_DIGIT_WORDS[digit] + _PLACES[place])
    return "".join(words)


def thai_number_words(number: int) -> str:
    """A non-negative integer in Thai words: 21 -> "ยี่สิบเอ็ด", 11,000,000 -> "สิบเอ็ดล้าน"."""
    if number < 0:
        raise ValueError("a negative number has no reading here")
    if number == 0:
        return _DIGIT_WORDS[0]

    def words(n: int, *, has_higher: bool) -> str:
        millions, rest = divmod(n, _MILLION)
        out = ""
        if millions:
            # ล้าน repeats for every six digits: 10^12 is หนึ่งล้านล้าน.
            out = words(millions, has_higher=has_higher) + "ล้าน"
        if rest:
            out += _group_words(rest, has_higher=has_higher or bool(millions))
        return out

    return words(number, has_higher=False)


def baht_text(satang: int) -> str:
    """An amount in satang written in Thai words, as on receipts: 250000 -> "สองพันห้าร้อยบาทถ้วน".

    Whole baht end in ถ้วน ("exactly"); otherwise the satang follow: 2125 -> "ยี่สิบเอ็ดบาทยี่สิบห้าสตางค์";
    50 -> "ห้าสิบสตางค์"; 0 -> "ศูนย์บาทถ้วน". A negative amount raises ValueError.
    """
    if satang < 0:
        raise ValueError("an amount of money to spell out cannot be negative")
    baht, rest = divmod(satang, 100)
    if baht == 0 and rest == 0:
        return "ศูนย์บาทถ้วน"
    text = thai_number_words(baht) + "บาท" if baht else ""
    return text + (thai_number_words(rest) + "สตางค์" if rest else "ถ้วน")


def format_number(value: int | float, *, decimals: int | None = None, thai_digits: bool = False) -> str:
    """A number with thousands separators: 1234567 -> "1,234,567"; 350.5 -> "350.5".

    ``decimals`` fixes the number of decimal places; by default an integral value shows none and any
    other value shows the decimals it has. ``thai_digits`` writes ๐-๙.
    """
    if decimals is not None:
        text = f"{value:,.{decimals}f}"
    elif float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,}"
    return _thai_digits(text) if thai_digits else text


def format_baht(satang: int, *, thai_digits: bool = False) -> str:
    """An amount in satang as baht with two decimals: 250000 -> "2,500.00 บาท" (Q6.1)."""
    sign = "-" if satang < 0 else ""
    baht, rest = divmod(abs(satang), 100)
    text = f"{sign}{baht:,}.{rest:02d} บาท"
    return _thai_digits(text) if thai_digits else text


def _thai_digits(text: str) -> str:
    # eservice.thai_dates pulls in the holiday calendar; only documents in Thai digits need it.
    from eservice.thai_dates import to_thai_digits

    return to_thai_digits(text)
