"""The fast paths under pyHanko answer as pyHanko does: hex strings, names, ESS issuers, prepared names (issue 14)."""

from __future__ import annotations

import datetime as dt
import operator
import random
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.sign import general
from pyhanko.sign.general import as_signing_certificate_v2

from eservice_pdf import pyhanko_fast_paths
from eservice_pdf.pyhanko_fast_paths import (
    match_issuer_serial,
    read_hex_string,
    read_literal_string_bytes,
    read_name,
    use_fast_paths,
)


def pyhanko_own(name: str) -> Callable[..., Any]:
    use_fast_paths()
    return pyhanko_fast_paths._pyhanko[name]


def pyhanko_reader() -> Callable[[Any], Any]:
    return pyhanko_own("read_hex_string_from_stream")


def outcome(read: Callable[[Any], Any], stream: Any) -> tuple[object, ...]:
    """What a reader returned (type and value) or raised, and where it left the stream."""
    try:
        value = read(stream)
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc), stream.tell())
    return (type(value).__name__, getattr(value, "original_bytes", value), stream.tell())


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


def twins(data: bytes, at: int) -> tuple[BytesIO, BytesIO]:
    """Two streams of the same bytes at the same position: one for our reader, one for pyHanko's."""
    ours, theirs = BytesIO(data), BytesIO(data)
    ours.seek(at)
    theirs.seek(at)
    return ours, theirs


@pytest.mark.parametrize("data", CASES)
def test_given_a_hex_string_when_read_then_it_is_what_pyhanko_reads(data: bytes) -> None:
    ours, theirs = twins(b"xx" + data, 2)

    assert outcome(read_hex_string, ours) == outcome(pyhanko_reader(), theirs)


def test_given_random_hostile_hex_strings_when_read_then_each_is_what_pyhanko_reads() -> None:
    pyhanko = pyhanko_reader()
    rng = random.Random(14)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%>gZ<("
    for _ in range(5000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        data = b"1 0 obj <" + body + rng.choice([b"", b">", b"> endobj", b"\n%c\n>"])
        ours, theirs = twins(data, 8)
        assert outcome(read_hex_string, ours) == outcome(pyhanko, theirs), data


def test_given_a_stream_not_in_memory_when_read_then_pyhanko_reads_it(tmp_path: Any) -> None:
    path = tmp_path / "hex.bin"
    path.write_bytes(b"<4142>")
    with path.open("rb") as stream:
        value = read_hex_string(stream)
        assert value.original_bytes == b"AB" and stream.tell() == 6


NAMES = [
    b"/Type /Sig",
    b"/ByteRange[0 1]",
    b"/A#20B ",  # an escape: pyHanko's own reader decodes it
    b"/A#2",
    b"/\xe0\xb8\x81 ",  # a raw byte above 0x7e: pyHanko refuses it
    b"/Tab\x01x ",
    b"/",
    b"/ ",
    b"/Name",  # ends with the data
    b"Name",  # no '/'
    b'/a!"$&*+,-.:;=?@\\^_`|~Z%comment',
]


@pytest.mark.parametrize("data", NAMES)
def test_given_a_name_when_read_then_it_is_what_pyhanko_reads(data: bytes) -> None:
    ours, theirs = twins(b"<<" + data, 2)

    assert outcome(read_name, ours) == outcome(pyhanko_own("NameObject.read_from_stream"), theirs)


def test_given_random_hostile_names_when_read_then_each_is_what_pyhanko_reads() -> None:
    pyhanko = pyhanko_own("NameObject.read_from_stream")
    rng = random.Random(14)
    alphabet = b"AZaz09/#2F%()<>[]{} \n\r\t\x00\x01\x7f\xe0!~"
    for _ in range(5000):
        data = b"<< /" + bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        ours, theirs = twins(data, 3)
        assert outcome(read_name, ours) == outcome(pyhanko, theirs), data


LITERALS = [
    b"()",
    b"(klongnoy\\056go\\056th)",  # as pyHanko writes /Location
    b"(\\376\\377\\016\\055\\016\\055)",  # a Thai text string with octal escapes, as pyHanko writes /Reason
    b"(a (nested (twice)) b)",
    b"(\\( \\) \\\\ \\/ \\% \\< \\> \\[ \\] \\# \\_ \\& \\$ \\n\\r\\t\\b\\f)",
    b"(line\\\r\nbreak\\\nand\\\r\rmore)",  # escaped line breaks are dropped
    b"(\\0\\12\\1234)",  # one, two and three octal digits; a fourth digit is a byte of its own
    b"(\\8)",  # pyHanko takes 8 as an octal digit and fails
    b"(\\400)",  # above 255: pyHanko fails
    b"(\\a)",  # an escape pyHanko refuses
    b"(no end",
    b"(ends with a backslash\\",
    b"(\\12",
]


@pytest.mark.parametrize("data", LITERALS)
def test_given_a_literal_string_when_read_then_it_is_what_pyhanko_reads(data: bytes) -> None:
    ours, theirs = twins(b"/T " + data + b" >>", 3)

    assert outcome(read_literal_string_bytes, ours) == outcome(pyhanko_own("_read_string_literal_bytes"), theirs)


def test_given_random_hostile_literal_strings_when_read_then_each_is_what_pyhanko_reads() -> None:
    pyhanko = pyhanko_own("_read_string_literal_bytes")
    rng = random.Random(14)
    alphabet = b"ab()\\\\\\01789nrtf \r\n%/#\xe0"
    for _ in range(5000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        data = b"/T (" + body + rng.choice([b"", b")", b") >>", b"))"])
        ours, theirs = twins(data, 3)
        assert outcome(read_literal_string_bytes, ours) == outcome(pyhanko, theirs), data


def test_given_the_fast_paths_installed_then_pyhankos_parser_uses_them_and_parses_a_dictionary() -> None:
    use_fast_paths()
    use_fast_paths()  # idempotent: pyHanko's own functions stay the fallback

    parsed = generic.read_object(BytesIO(b"<< /ID [<0a0B> <ff>] /T (x) >>"), generic.Reference(1, 0))

    assert generic.read_hex_string_from_stream is read_hex_string
    assert generic.NameObject.read_from_stream is read_name
    assert general.match_issuer_serial is match_issuer_serial
    assert generic._read_string_literal_bytes is read_literal_string_bytes
    assert pyhanko_own("read_hex_string_from_stream") is not read_hex_string
    assert pyhanko_own("match_issuer_serial") is not match_issuer_serial
    assert isinstance(parsed, generic.DictionaryObject)
    assert [type(key) for key in parsed] == [generic.NameObject, generic.NameObject]
    assert [s.original_bytes for s in parsed["/ID"]] == [b"\x0a\x0b", b"\xff"]


# --- issuers in ESS certificate ids and CMS signer ids ------------------------------------------------


@dataclass(frozen=True)
class Certs:
    root: asn1_x509.Certificate
    agency: asn1_x509.Certificate
    other_root: asn1_x509.Certificate  # same Thai name, other key: what a look-alike CA would use


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "องค์การบริหารส่วนตำบลคลองน้อย"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, public: Any, serial: int) -> Any:
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="module")
def certs() -> Certs:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    agency_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name("e-Service Root CA")
    return Certs(
        root=_certificate(root_name, root_name, root_key, root_key.public_key(), 1),
        agency=_certificate(_name("Khlong Noi seal"), root_name, root_key, agency_key.public_key(), 2**127 + 7),
        other_root=_certificate(root_name, root_name, agency_key, agency_key.public_key(), 1),
    )


def ess_issuer_serial(cert: asn1_x509.Certificate) -> tsp.IssuerSerial:
    """The issuer-serial of a signing-certificate-v2 attribute as a validator reads it: parsed from DER."""
    certid = tsp.SigningCertificateV2.load(as_signing_certificate_v2(cert).dump())["certs"][0]
    issuer_serial: tsp.IssuerSerial = certid["issuer_serial"]
    return issuer_serial


def cms_issuer_serial(cert: asn1_x509.Certificate) -> cms.IssuerAndSerialNumber:
    return cms.IssuerAndSerialNumber.load(
        cms.IssuerAndSerialNumber({"issuer": cert.issuer, "serial_number": cert.serial_number}).dump()
    )


def test_given_issuer_serials_of_certificates_when_matched_then_the_answers_are_pyhankos(certs: Certs) -> None:
    pyhanko = pyhanko_own("match_issuer_serial")
    for expected in (ess_issuer_serial, cms_issuer_serial):
        for owner in (certs.root, certs.agency):
            for cert in (certs.root, certs.agency, certs.other_root):
                assert match_issuer_serial(expected(owner), cert) == pyhanko(expected(owner), cert)
    assert match_issuer_serial(ess_issuer_serial(certs.agency), certs.agency)
    assert not match_issuer_serial(ess_issuer_serial(certs.agency), certs.root)  # same issuer, other serial


def test_given_an_ess_issuer_serial_of_the_certificate_when_matched_then_no_thai_name_is_stringprepped(
    certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = ess_issuer_serial(certs.agency)
    # pyHanko's DER comparison misses it: the parsed directoryName keeps its [4] tag.
    assert expected["issuer"][0].chosen.dump() != certs.agency.issuer.dump()

    def refuse(*_: object) -> str:
        raise AssertionError("RFC 5280 name preparation ran")

    monkeypatch.setattr(asn1_x509.NameTypeAndValue, "_ldap_string_prep", refuse)

    assert match_issuer_serial(expected, certs.agency)
    # pyHanko 0.38 itself prepares both names; once it no longer does, this fast path can go.
    with pytest.raises(AssertionError, match="name preparation"):
        pyhanko_own("match_issuer_serial")(expected, certs.agency)


def test_given_an_ess_issuer_naming_another_issuer_when_matched_then_pyhanko_refuses_it(certs: Certs) -> None:
    other_issuer = tsp.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=certs.agency.subject)],
            "serial_number": certs.agency.serial_number,
        }
    )
    expected = tsp.IssuerSerial.load(other_issuer.dump())

    assert not match_issuer_serial(expected, certs.agency)
    assert not pyhanko_own("match_issuer_serial")(expected, certs.agency)


# --- prepared names (Name.hashable) -------------------------------------------------------------------


def _names() -> list[asn1_x509.Name]:
    thai = "องค์การบริหารส่วนตำบลคลองน้อย"
    built = [
        asn1_x509.Name.build({"country_name": "TH", "organization_name": thai, "common_name": "Khlong Noi seal"}),
        asn1_x509.Name.build({"common_name": "  Mixed   CASE  spaces "}),
        asn1_x509.Name.build({"common_name": "mixed case spaces"}),
        asn1_x509.Name.build({"email_address": "Saraban@KlongNoy.go.th", "common_name": thai}),
        asn1_x509.Name.build({"common_name": "x"}, use_printable=True),
        asn1_x509.Name.build({}),
    ]
    multi_valued = asn1_x509.Name.load(
        x509.Name(
            [
                x509.RelativeDistinguishedName(
                    [x509.NameAttribute(NameOID.COMMON_NAME, "a"), x509.NameAttribute(NameOID.SERIAL_NUMBER, "1")]
                )
            ]
        ).public_bytes()
    )
    return [asn1_x509.Name.load(name.dump()) for name in [*built, multi_valued]]


def test_given_names_when_prepared_then_each_key_is_asn1cryptos() -> None:
    asn1crypto_own = pyhanko_own("Name.hashable")
    for name in _names():
        # Each name twice: once computed, once remembered; both from a fresh parse, as pyHanko reads them.
        for _ in range(2):
            fresh = asn1_x509.Name.load(name.dump())
            assert fresh.hashable == asn1crypto_own(asn1_x509.Name.load(name.dump()))


def test_given_a_name_changed_after_it_was_prepared_then_its_key_is_that_of_its_new_encoding() -> None:
    use_fast_paths()
    name = asn1_x509.Name.build({"common_name": "Khlong Noi seal"})
    before = name.hashable

    name.chosen[0][0]["value"] = asn1_x509.DirectoryString(name="utf8_string", value="Other agency")

    expected = pyhanko_own("Name.hashable")(asn1_x509.Name.load(name.dump()))
    assert expected != before
    assert name.hashable == expected  # asn1crypto itself would still answer with the old key
    assert asn1_x509.Name.load(name.dump()).hashable == expected  # and the new encoding is not misfiled


def test_given_many_names_when_prepared_then_the_remembered_keys_stay_bounded() -> None:
    use_fast_paths()
    for n in range(pyhanko_fast_paths._NAME_KEYS_MAX + 10):
        assert asn1_x509.Name.build({"common_name": f"agency {n}"}).hashable == f"common_name:  agency  {n} "
    assert len(pyhanko_fast_paths._NAME_KEYS) <= pyhanko_fast_paths._NAME_KEYS_MAX


def _compared(compare: Callable[[object, object], object], name: object, other: object) -> tuple[object, ...]:
    try:
        return ("returned", compare(name, other))
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


def _fresh(value: object) -> object:
    """A name parsed again, as pyhanko-certvalidator compares names of the certificates it reads."""
    return asn1_x509.Name.load(value.dump()) if isinstance(value, asn1_x509.Name) else value


def test_given_pairs_of_names_when_compared_then_each_answer_is_asn1cryptos() -> None:
    use_fast_paths()
    asn1crypto_own = pyhanko_own("Name.__eq__")
    names = [
        *_names(),
        asn1_x509.Name.build({"common_name": "x"}),  # the same value as a PrintableString one, in UTF-8
        asn1_x509.Name.build({"common_name": "a\ufffd"}),  # stringprep refuses it: asn1crypto raises
    ]
    for name in names:
        for other in [*names, "not a name", None]:
            theirs = _compared(asn1crypto_own, _fresh(name), _fresh(other))

            assert _compared(operator.eq, _fresh(name), _fresh(other)) == theirs, (name.dump(), other)
            negated = theirs if theirs[0] == "raised" else ("returned", not theirs[1])
            assert _compared(operator.ne, _fresh(name), _fresh(other)) == negated
