"""Exact fast paths under pyHanko 0.38, for the sealing and the check of every seal (issue 14, sealing speed).

Each replaces one pyHanko function by one that returns what pyHanko returns, computed faster on the
inputs our seals produce, and that hands every other input to pyHanko's own function. Nothing is
trusted less: the same bytes are checked by the same validation. pyHanko 0.38 is the latest release;
all three are worth proposing upstream. On the benchmark machine (bench/bench_seal.py) they saved
about 20, 4 and 3 ms of CPU of a seal that took about 80 ms.

**Hex strings.** pyHanko reads a hex string (``<...>``) one ``stream.read(1)`` and one generator step
per digit. A signature's ``/Contents`` is one: the seal's CMS and the archive timestamp are about
23,000 hex digits. :func:`read_hex_string` reads a string that holds nothing but hex digits and PDF
whitespace up to its ``>`` (every ``/Contents``, every ``/ID``, the Thai text strings fpdf2 writes as
UTF-16 hex) with one regular expression over the in-memory buffer and :func:`binascii.unhexlify`.
Anything else (a comment, a stray character, a missing ``>``, a stream not in memory) goes to
pyHanko's reader from the same position, so hostile input gets exactly pyHanko's result and errors.

**Names.** pyHanko reads a name (``/Type``) one byte at a time too, then decodes it byte by byte; the
check reads about 400 of them per seal (pyHanko's difference analysis reads every object of the
document). :func:`read_name` takes a name of printable ASCII without ``#`` escapes, ended by PDF
whitespace, a delimiter or the end of the data, in one match; any other goes to pyHanko's reader.

**Literal strings.** pyHanko reads a literal string (``(...)``) one byte at a time, escapes
included; it writes every text string of the ``/Info`` dictionary and of each signature dictionary
that way, with octal escapes for the Thai bytes. :func:`read_literal_string_bytes` reads runs of plain
bytes, balanced parentheses and the escapes pyHanko accepts with one match each. Anything it would
refuse or read oddly (an unknown escape, an octal escape with an 8 or a 9 or above 255, a string
without its closing ``)``, a stream not in memory) goes to pyHanko's reader from the same position.

**Issuer names in signing-certificate attributes.** pyHanko matches an ESS certificate id against a
certificate by comparing the issuers' DER first, and RFC 5280 name matching (stringprep over every
attribute, slow for Thai names) only when the bytes differ. But a parsed ``GeneralName`` keeps the
``[4]`` tag of ``directoryName`` in the DER of its name, so the bytes never match, and every
timestamp token and seal paid for the slow path. :func:`match_issuer_serial` compares the untagged
names; when they differ it is pyHanko's own function that answers. The one difference: two
byte-identical names that stringprep refuses now match, as pyHanko's own comment intends.

**Name keys and name equality.** pyhanko-certvalidator looks certificates up by ``Name.hashable``
and compares names with ``==`` (RFC 5280 name preparation both: stringprep over every attribute, about
0.4 ms for a Thai name), for every certificate it parses again from a CMS, several times per seal.
:func:`name_hashable` keeps the answer per DER encoding of the name, prepared from that encoding
alone: a name's encoding determines its prepared form. :func:`name_equals` answers ``True`` for two
names of the same encoding after preparing that encoding once (so a name that stringprep refuses
raises as asn1crypto's comparison does); names encoded differently go to asn1crypto's comparison.
The one difference: a name changed in place after it was prepared is prepared as its new value,
where asn1crypto keeps the old one (pyhanko-certvalidator never changes a name).
"""

from __future__ import annotations

import binascii
import re
import threading
from collections.abc import Callable
from io import BytesIO
from typing import Any

from asn1crypto import x509

__all__ = [
    "match_issuer_serial",
    "name_equals",
    "name_hashable",
    "read_hex_string",
    "read_literal_string_bytes",
    "read_name",
    "use_fast_paths",
]

# Hex digits and the six PDF whitespace characters (ISO 32000-1 §7.2.2) up to the closing '>';
# possessive, so a string without its '>' fails in one linear pass.
_PLAIN_HEX_STRING = re.compile(rb"[0-9A-Fa-f \t\n\r\f\x00]*+>")
_PDF_WHITESPACE = b" \t\n\r\f\x00"

# "/" and the regular printable ASCII characters but '#' (ISO 32000-1 §7.3.5), then what ends a name.
_NAME_CHARACTERS = bytes(c for c in range(0x21, 0x7F) if c not in b"()<>[]{}/%#")
_PLAIN_NAME = re.compile(rb"/[" + re.escape(_NAME_CHARACTERS) + rb"]*+")
_NAME_ENDS = frozenset(_PDF_WHITESPACE + b"()<>[]{}/%")

# One token of a literal string (ISO 32000-1 §7.3.4.2) as pyHanko reads it: a run of plain bytes, a
# parenthesis, an octal escape of up to three digits (pyHanko takes any digit, so 8 and 9 are checked
# after), an escaped character it keeps as is or translates, or an escaped line break (one or two of
# CR and LF).
_LITERAL_TOKEN = re.compile(rb"[^()\\]++|[()]|\\[0-9]{1,3}|\\[nrtbf() /%<>\[\]#_&$\\]|\\[\r\n][\r\n]?")
_ESCAPED = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
_BACKSLASH, _OPEN, _CLOSE = ord("\\"), ord("("), ord(")")

# Prepared names by DER; cleared when full, so hostile documents cannot make it grow without bound.
_NAME_KEYS: dict[bytes, str] = {}
_NAME_KEYS_MAX = 512

# pyHanko's own functions, kept by use_fast_paths() for every input the fast paths do not take.
_pyhanko: dict[str, Callable[..., Any]] = {}
_installing = threading.Lock()


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
    return _pyhanko.get("read_hex_string_from_stream", generic.read_hex_string_from_stream)(stream)


def read_literal_string_bytes(stream: Any) -> bytes:
    """Read the bytes of the literal string at the stream's position (its ``(``), as pyHanko's reader does.

    :return: the string's bytes, escapes resolved (pyHanko's ``_read_string_literal_bytes``).
    """
    from pyhanko.pdf_utils import generic

    if isinstance(stream, BytesIO):
        start = stream.tell()
        with stream.getbuffer() as buffer:
            parts, end = _literal_string_parts(buffer, start + 1)
        if end is not None:
            stream.seek(end)
            return b"".join(parts)
    return _pyhanko.get("_read_string_literal_bytes", generic._read_string_literal_bytes)(stream)  # type: ignore[no-any-return]


def _literal_string_parts(buffer: memoryview, position: int) -> tuple[list[bytes], int | None]:
    """The parts of a literal string after its ``(``, and the position after its ``)``; None: ask pyHanko."""
    parts: list[bytes] = []
    depth = 1
    while True:
        token = _LITERAL_TOKEN.match(buffer, position)
        if token is None:
            return parts, None  # an escape pyHanko refuses, or the end of the data before the ')'
        position = token.end()
        first = buffer[token.start()]
        if first == _CLOSE:
            depth -= 1
            if depth == 0:
                return parts, position
            parts.append(b")")
        elif first == _OPEN:
            depth += 1
            parts.append(b"(")
        elif first != _BACKSLASH:
            parts.append(bytes(buffer[token.start() : position]))
        else:
            escaped = bytes(buffer[token.start() + 1 : position])
            if escaped[:1].isdigit():
                if b"8" in escaped or b"9" in escaped or int(escaped, 8) > 0xFF:
                    return parts, None  # pyHanko raises on these
                parts.append(bytes((int(escaped, 8),)))
            elif escaped[:1] in (b"\r", b"\n"):
                continue  # an escaped line break is no part of the string
            else:
                parts.append(_ESCAPED.get(escaped[0], escaped))


def read_name(stream: Any) -> Any:
    """Read the name at the stream's position (its ``/``), as pyHanko's reader does.

    :return: pyHanko's ``NameObject``.
    """
    from pyhanko.pdf_utils import generic

    if isinstance(stream, BytesIO):
        start = stream.tell()
        with stream.getbuffer() as buffer:
            match = _PLAIN_NAME.match(buffer, start)
            end = None if match is None else match.end()
            name = None
            if end is not None and (end == len(buffer) or buffer[end] in _NAME_ENDS):
                name = bytes(buffer[start:end]).decode("ascii")
        if end is not None and name is not None:
            stream.seek(end)  # on what ends the name, as pyHanko leaves it
            return generic.NameObject(name)
    return _pyhanko.get("NameObject.read_from_stream", generic.NameObject.read_from_stream)(stream)


def match_issuer_serial(expected_issuer_serial: Any, cert: x509.Certificate) -> bool:
    """pyHanko's ``match_issuer_serial``, with its byte comparison of the issuers made to work.

    :param expected_issuer_serial: a ``cms.IssuerAndSerialNumber`` or an ESS ``tsp.IssuerSerial``.
    :param cert: the certificate to match.
    """
    from pyhanko.sign import general

    issuer = expected_issuer_serial["issuer"]
    if isinstance(issuer, x509.GeneralNames) and len(issuer) == 1 and issuer[0].name == "directory_name":
        issuer = issuer[0].chosen
    if (
        isinstance(issuer, x509.Name)
        and issuer.chosen.dump() == cert.issuer.chosen.dump()
        and expected_issuer_serial["serial_number"] == cert["tbs_certificate"]["serial_number"]
    ):
        return True
    return bool(_pyhanko.get("match_issuer_serial", general.match_issuer_serial)(expected_issuer_serial, cert))


def name_hashable(name: x509.Name) -> str:
    """asn1crypto's ``Name.hashable`` (RFC 5280 prepared form), computed once per DER encoding.

    :param name: an X.509 name.
    """
    der = name.dump()
    try:
        return _NAME_KEYS[der]
    except KeyError:
        pass
    # Prepared from the encoding alone: asn1crypto keeps each attribute's prepared value, so a name
    # changed after it was prepared would otherwise leave the old key under the new encoding.
    prepared: str = _pyhanko["Name.hashable"](x509.Name.load(der))
    if len(_NAME_KEYS) >= _NAME_KEYS_MAX:
        _NAME_KEYS.clear()
    _NAME_KEYS[der] = prepared
    return prepared


def name_equals(name: x509.Name, other: object) -> bool:
    """asn1crypto's ``Name.__eq__`` (RFC 5280 §7.1), without preparing two names of the same encoding again.

    :param name: an X.509 name.
    :param other: what it is compared with.
    """
    if isinstance(other, x509.Name) and name.dump() == other.dump():
        # Prepares every attribute as asn1crypto's comparison would, so a refused value raises here too.
        name_hashable(name)
        return True
    return bool(_pyhanko["Name.__eq__"](name, other))


def use_fast_paths() -> None:
    """Make pyHanko and pyhanko-certvalidator use the fast paths of this module (idempotent)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign import general

    # Under a lock, so that pyHanko's own functions are the ones kept, never a fast path itself.
    with _installing:
        if not _pyhanko:
            _pyhanko["read_hex_string_from_stream"] = generic.read_hex_string_from_stream
            _pyhanko["NameObject.read_from_stream"] = generic.NameObject.read_from_stream
            _pyhanko["match_issuer_serial"] = general.match_issuer_serial
            _pyhanko["_read_string_literal_bytes"] = generic._read_string_literal_bytes
            _pyhanko["Name.hashable"] = x509.Name.hashable.fget  # type: ignore[attr-defined]
            _pyhanko["Name.__eq__"] = x509.Name.__eq__
            generic.read_hex_string_from_stream = read_hex_string
            generic.NameObject.read_from_stream = staticmethod(read_name)  # type: ignore[method-assign]
            general.match_issuer_serial = match_issuer_serial
            generic._read_string_literal_bytes = read_literal_string_bytes
            x509.Name.hashable = property(name_hashable)  # type: ignore[method-assign,assignment]
            x509.Name.__eq__ = name_equals  # type: ignore[method-assign,assignment]
