"""The fast hex-string reader gives pyHanko's result, position and error on every input (issue 14)."""

from __future__ import annotations

import random
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from pyhanko.pdf_utils import generic

from eservice_pdf import pdf_hex
from eservice_pdf.pdf_hex import read_hex_string, use_fast_hex_strings


def pyhanko_reader() -> Callable[[Any], Any]:
    use_fast_hex_strings()
    assert pdf_hex._pyhanko_reader is not None
    return pdf_hex._pyhanko_reader


def outcome(read: Callable[[Any], Any], stream: Any) -> tuple[object, ...]:
    """What a reader returned (type and bytes) or raised, and where it left the stream."""
    try:
        value = read(stream)
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc), stream.tell())
    return (type(value).__name__, value.original_bytes, stream.tell())


CASES = [
    b"<>",
    b"<feff0e2d0e1a0e15>",  # a Thai text string (UTF-16BE with BOM), as fpdf2 writes /Title
    b"<30 82\n0A\r\n\tff\x00\x0c>",  # PDF whitespace anywhere between the digits
    b"<abc>",  # odd count: the last digit is taken as if followed by 0
    b"<41>> trailing",
    b"<41 % a comment>\n42>",  # a comment: pyHanko's own reader decides
    b"<41G2>",
    b"<4142",  # no closing '>'
    b"<",
]


@pytest.mark.parametrize("data", CASES)
def test_given_a_hex_string_when_read_then_it_is_what_pyhanko_reads(data: bytes) -> None:
    ours, theirs = BytesIO(b"xx" + data), BytesIO(b"xx" + data)
    ours.seek(2)
    theirs.seek(2)

    assert outcome(read_hex_string, ours) == outcome(pyhanko_reader(), theirs)


def test_given_random_hostile_hex_strings_when_read_then_each_is_what_pyhanko_reads() -> None:
    pyhanko = pyhanko_reader()
    rng = random.Random(14)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%>gZ<("
    for _ in range(5000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        data = b"1 0 obj <" + body + rng.choice([b"", b">", b"> endobj", b"\n%c\n>"])
        ours, theirs = BytesIO(data), BytesIO(data)
        ours.seek(8)
        theirs.seek(8)
        assert outcome(read_hex_string, ours) == outcome(pyhanko, theirs), data


def test_given_a_stream_not_in_memory_when_read_then_pyhanko_reads_it(tmp_path: Any) -> None:
    path = tmp_path / "hex.bin"
    path.write_bytes(b"<4142>")
    with path.open("rb") as stream:
        value = read_hex_string(stream)
        assert value.original_bytes == b"AB" and stream.tell() == 6


def test_given_the_fast_reader_installed_then_pyhankos_parser_uses_it_and_parses_a_dictionary() -> None:
    use_fast_hex_strings()
    use_fast_hex_strings()  # idempotent: pyHanko's own reader stays the fallback

    parsed = generic.read_object(BytesIO(b"<< /ID [<0a0B> <ff>] /T (x) >>"), generic.Reference(1, 0))

    assert generic.read_hex_string_from_stream is read_hex_string
    assert pdf_hex._pyhanko_reader is not read_hex_string
    assert isinstance(parsed, generic.DictionaryObject)
    assert [s.original_bytes for s in parsed["/ID"]] == [b"\x0a\x0b", b"\xff"]
