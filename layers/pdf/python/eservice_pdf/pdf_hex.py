"""Read PDF hex strings in one step instead of pyHanko's one byte at a time (issue 14, sealing speed).

pyHanko 0.38 reads a hex string (``<...>``) through ``read_non_whitespace``, one ``stream.read(1)``
and one generator step per hex digit. A signature's ``/Contents`` is such a string: the seal's CMS
and the archive timestamp together are about 23,000 hex digits, and reading them cost about 20 ms of
CPU per seal (bench/bench_seal.py): a quarter of the whole seal, and more than pyHanko's difference
analysis. pyHanko 0.38 is the latest release and reads them the same way.

:func:`use_fast_hex_strings` replaces pyHanko's reader with one that gives the same result whenever
the string holds nothing but hex digits and PDF whitespace up to its ``>`` (every ``/Contents``,
every ``/ID``, and the Thai text strings fpdf2 writes as UTF-16 hex): it matches that span with one
regular expression over the in-memory buffer and decodes it with :func:`binascii.unhexlify`.
Anything else (a comment, a stray character, a missing ``>``, a stream that is not in memory) goes
to pyHanko's own reader from the same position, so hostile input gets exactly pyHanko's behaviour
and errors. Nothing is trusted less: the signature bytes are the same, and every check runs on them
as before.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from io import BytesIO
from typing import Any

__all__ = ["read_hex_string", "use_fast_hex_strings"]

# Hex digits and the six PDF whitespace characters (ISO 32000-1 §7.2.2) up to the closing '>';
# possessive, so a string without its '>' fails in one linear pass.
_PLAIN_HEX_STRING = re.compile(rb"[0-9A-Fa-f \t\n\r\f\x00]*+>")
_PDF_WHITESPACE = b" \t\n\r\f\x00"

_pyhanko_reader: Callable[[Any], Any] | None = None


def read_hex_string(stream: Any) -> Any:
    """Read the hex string at the stream's position (its ``<``), as pyHanko's reader does.

    :return: pyHanko's ``TextStringObject`` or ``ByteStringObject``, as ``pdf_string`` chooses.
    """
    from pyhanko.pdf_utils import generic

    if isinstance(stream, BytesIO):
        start = stream.tell()
        # The view is released before returning: a BytesIO cannot grow while one is held.
        with stream.getbuffer() as buffer:
            match = _PLAIN_HEX_STRING.match(buffer, start + 1)
            end = None if match is None else match.end()
            digits = None if end is None else bytes(buffer[start + 1 : end - 1])
        if end is not None and digits is not None:
            digits = digits.translate(None, _PDF_WHITESPACE)
            if len(digits) % 2:
                digits += b"0"  # as pyHanko (and ISO 32000): a missing final digit is taken as 0
            stream.seek(end)
            return generic.pdf_string(binascii.unhexlify(digits))
    return (_pyhanko_reader or generic.read_hex_string_from_stream)(stream)


def use_fast_hex_strings() -> None:
    """Make pyHanko's object parser read hex strings with :func:`read_hex_string` (idempotent)."""
    global _pyhanko_reader
    from pyhanko.pdf_utils import generic

    if _pyhanko_reader is None:
        _pyhanko_reader = generic.read_hex_string_from_stream
        generic.read_hex_string_from_stream = read_hex_string
