"""Seal benchmark: our PAdES seals against endesive, side by side, in one run (not part of the tests).

Run from the repository root::

    .venv/bin/python bench/bench_seal.py [--runs 20]

Everything runs offline: KMS is moto's in-process mock, so "KMS" rows measure pyHanko + boto3 + moto,
not the network round trip of real KMS (add roughly one regional RTT, ~10-30 ms, per KMS call).

To add a row (the lead will add rendering), append ``(name, callable)`` to the list returned by
:func:`cases`; a callable that returns ``bytes`` also gets its output size reported. KMS calls per
run are counted for every row from the counters of the signers and the TSA.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import statistics
import sys
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fpdf import FPDF
from moto import mock_aws

from eservice_pdf.kms_signer import KmsSigner
from eservice_pdf.pki import LocalPki, create_local_pki
from eservice_pdf.seal import seal_pdf, seal_pdf_basic
from eservice_pdf.tsa import EXAMPLE_POLICY_OID, InProcessTimeStamper, KmsTimeStampAuthority
from eservice_pdf.verify import verify_pdf

Case = tuple[str, Callable[[], object]]

REASON = "ออกใบอนุญาตตามคำขอเลขที่ 2569/000123"
LOCATION = "klongnoy.go.th"


@dataclass(frozen=True)
class Row:
    name: str
    median_ms: float
    min_ms: float
    kms_calls: float
    size_kb: float | None


class _KmsHsm:
    """endesive ``hsm=`` object that signs with KMS: endesive hands it the DER signed attributes, so
    KMS RAW works here too (endesive documents the hook for PKCS#11 tokens).
    """

    def __init__(self, kms: Any, key_id: str, cert_pem: bytes) -> None:
        self._kms, self._key_id, self._cert_pem = kms, key_id, cert_pem
        self.kms_calls = 0

    def certificate(self) -> tuple[str, bytes]:
        return self._key_id, self._cert_pem

    def sign(self, keyid: str, data: bytes, mech: str) -> bytes:
        self.kms_calls += 1
        response = self._kms.sign(
            KeyId=keyid, Message=data, MessageType="RAW", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"
        )
        signature: bytes = response["Signature"]
        return signature


def _endesive_cms() -> types.ModuleType:
    """endesive.pdf.cms, even where endesive.pdf's package init cannot be imported.

    endesive/pdf/__init__.py also imports its verifier, which needs oscrypto; oscrypto 1.3.0 cannot
    parse OpenSSL versions with a two-digit patch number (3.0.10+, wbond/oscrypto#78), and this machine
    has 3.0.19. Signing does not need the verifier, so load the package without its init.
    """
    _let_endesive_pass_encryption_key_to_pypdf()
    try:
        return importlib.import_module("endesive.pdf.cms")
    except Exception:  # oscrypto.errors.LibraryNotFoundError, raised at import time
        import endesive

        for name in [m for m in sys.modules if m.startswith("endesive.pdf")]:
            del sys.modules[name]
        package = types.ModuleType("endesive.pdf")
        package.__path__ = [str(Path(endesive.__file__).parent / "pdf")]
        sys.modules["endesive.pdf"] = package
        return importlib.import_module("endesive.pdf.cms")


def _let_endesive_pass_encryption_key_to_pypdf() -> None:
    """endesive 3.0.1 calls ``trailer.write_to_stream(stream, None)``; pypdf 5+ dropped that
    ``encryption_key`` parameter (this venv has pypdf 7.1). Passing None meant "no encryption", so the
    benchmark accepts and drops it; nothing outside this process is patched.
    """
    import inspect

    from pypdf.generic import DictionaryObject

    original = DictionaryObject.write_to_stream
    if len(inspect.signature(original).parameters) >= 3:
        return

    def write_to_stream(self: DictionaryObject, stream: Any, encryption_key: object = None) -> None:
        if encryption_key is not None:
            raise NotImplementedError("encrypted output is not supported by this shim")
        original(self, stream)

    DictionaryObject.write_to_stream = write_to_stream  # type: ignore[method-assign]


def licence_pdf() -> bytes:
    """A one-page document of about the size of a licence (fonts are the render engineer's job)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in range(40):
        pdf.cell(text=f"Licence 2569/000123 - condition {line + 1}: the holder shall comply.")
        pdf.ln(6)
    return bytes(pdf.output())


@dataclass
class World:
    kms: Any
    pki: LocalPki
    signer: KmsSigner
    tsa: KmsTimeStampAuthority
    timestamper: Any
    local_key: rsa.RSAPrivateKey
    local_cert: x509.Certificate
    root_cert: x509.Certificate
    hsm: _KmsHsm
    pdf: bytes

    def kms_calls(self) -> int:
        return self.signer.kms_calls + self.tsa.kms_calls + self.hsm.kms_calls


@contextmanager
def world() -> Iterator[World]:
    with mock_aws():
        kms = boto3.client("kms", region_name="ap-southeast-1")
        seal_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        tsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        pki = create_local_pki(
            kms_client=kms,
            seal_key_id=seal_key,
            tsa_key_id=tsa_key,
            agency_name_th="องค์การบริหารส่วนตำบลคลองน้อย",
            agency_name_en="Khlong Noi Subdistrict Administrative Organization",
            domain="klongnoy.go.th",
        )
        tsa = KmsTimeStampAuthority(
            kms_client=kms,
            key_id=tsa_key,
            tsa_cert=pki.tsa_cert,
            chain=[pki.root_cert],
            policy_oid=EXAMPLE_POLICY_OID,
        )
        signer = KmsSigner(kms_client=kms, key_id=seal_key, signing_cert=pki.agency_cert, chain=[pki.root_cert])
        root_cert = x509.load_der_x509_certificate(pki.root_cert.dump())
        local_key, local_cert = _local_agency_key(pki, root_cert)
        agency_pem = pki.pem("agency_cert")
        yield World(
            kms=kms,
            pki=pki,
            signer=signer,
            tsa=tsa,
            timestamper=InProcessTimeStamper(authority=tsa),  # one per process, as in the sign function
            local_key=local_key,
            local_cert=local_cert,
            root_cert=root_cert,
            hsm=_KmsHsm(kms, seal_key, agency_pem),
            pdf=licence_pdf(),
        )


def _local_agency_key(pki: LocalPki, root_cert: x509.Certificate) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    # endesive's default path needs the private key in memory: a same-subject certificate over a
    # local key, issued by the same dev root.
    assert pki.root_key_pem is not None
    root_key = serialization.load_pem_private_key(pki.root_key_pem, password=None)
    assert isinstance(root_key, rsa.RSAPrivateKey)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    agency = x509.load_der_x509_certificate(pki.agency_cert.dump())
    builder = (
        x509.CertificateBuilder()
        .subject_name(agency.subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(agency.not_valid_before_utc)
        .not_valid_after(agency.not_valid_after_utc)
    )
    for ext in agency.extensions:
        if ext.oid != x509.SubjectKeyIdentifier.oid:
            builder = builder.add_extension(ext.value, ext.critical)
    return key, builder.sign(root_key, hashes.SHA256())


def _endesive_dict() -> dict[str, Any]:
    return {
        "aligned": 8192,  # fixed reservation: endesive otherwise signs twice to size the signature
        "sigflags": 3,
        "sigfield": "AgencySeal",
        "contact": "saraban@klongnoy.go.th",
        "location": LOCATION,
        "signingdate": dt.datetime.now(dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'"),
        "reason": REASON,
    }


def cases(w: World) -> list[Case]:
    """The rows of the table, first row = baseline for the ratios."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    endesive = _endesive_cms()
    local_simple_signer = signers.SimpleSigner(
        signing_cert=_to_asn1(w.local_cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            w.local_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([w.pki.root_cert]),
    )
    b_lta = seal_pdf(
        w.pdf,
        signer=w.signer,
        timestamper=w.timestamper,
        pki_roots=w.pki.trust_roots,
        crls=w.pki.crls,
        reason=REASON,
        location=LOCATION,
    )

    def endesive_local() -> bytes:
        return w.pdf + endesive.sign(w.pdf, _endesive_dict(), w.local_key, w.local_cert, [w.root_cert], "sha256")

    def endesive_kms() -> bytes:
        return w.pdf + endesive.sign(w.pdf, _endesive_dict(), None, None, [w.root_cert], "sha256", hsm=w.hsm)

    def pyhanko_local() -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name="AgencySeal",
            md_algorithm="sha256",
            reason=REASON,
            location=LOCATION,
            subfilter=SigSeedSubFilter.PADES,
        )
        out: BytesIO = signers.PdfSigner(meta, signer=local_simple_signer).sign_pdf(
            IncrementalPdfFileWriter(BytesIO(w.pdf))
        )
        return out.getvalue()

    def ours_b_b() -> bytes:
        return seal_pdf_basic(w.pdf, signer=w.signer, reason=REASON, location=LOCATION)

    def ours_b_b_checked() -> bytes:
        return seal_pdf_basic(w.pdf, signer=w.signer, reason=REASON, location=LOCATION, pki_roots=w.pki.trust_roots)

    def ours_b_lta() -> bytes:
        return seal_pdf(
            w.pdf,
            signer=w.signer,
            timestamper=w.timestamper,
            pki_roots=w.pki.trust_roots,
            crls=w.pki.crls,
            reason=REASON,
            location=LOCATION,
        )

    def verify_b_lta() -> object:
        report = verify_pdf(b_lta, trust_roots=w.pki.trust_roots)
        assert report.summary == "valid", report.reason
        return report

    return [
        ("endesive B-B, local key (baseline)", endesive_local),
        ("endesive B-B, KMS via BaseHSM adapter", endesive_kms),
        ("pyHanko B-B, local key (SimpleSigner)", pyhanko_local),
        ("ours seal_pdf_basic B-B, KMS", ours_b_b),
        ("ours seal_pdf_basic B-B, KMS + validate", ours_b_b_checked),
        ("ours seal_pdf B-LTA, KMS + TSA + validate", ours_b_lta),
        ("ours verify_pdf on a B-LTA seal", verify_b_lta),
    ]


def measure(name: str, run: Callable[[], object], runs: int, kms_calls: Callable[[], int]) -> Row:
    run()  # warm-up: imports, pyHanko's one-off dummy timestamp, caches
    timings, before = [], kms_calls()
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        timings.append((time.perf_counter() - start) * 1000)
    return Row(
        name=name,
        median_ms=statistics.median(timings),
        min_ms=min(timings),
        kms_calls=(kms_calls() - before) / runs,
        size_kb=len(result) / 1024 if isinstance(result, bytes) else None,
    )


def print_table(rows: list[Row], runs: int) -> None:
    baseline = rows[0].median_ms
    width = max(len(r.name) for r in rows)
    header = f"{'case':<{width}}  {'median ms':>9}  {'min ms':>7}  {'x base':>6}  {'KMS calls':>9}  {'size KB':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        size = f"{r.size_kb:7.1f}" if r.size_kb is not None else f"{'-':>7}"
        print(
            f"{r.name:<{width}}  {r.median_ms:9.1f}  {r.min_ms:7.1f}  {r.median_ms / baseline:6.2f}"
            f"  {r.kms_calls:9.1f}  {size}"
        )
    print(f"\nmedian of {runs} runs after one warm-up run; KMS = moto in-process (no network).")
    print(
        "endesive has no KMS signer: the baseline signs with a local key, as endesive users would.\n"
        "Its hsm= hook (meant for PKCS#11 tokens) receives the DER signed attributes, so a 20-line\n"
        "adapter sends them to KMS with MessageType=RAW (second row).\n"
        "pyHanko's SimpleSigner re-parses (and re-validates) the RSA key on every signature, dry run\n"
        "included, which is why the local-key pyHanko row is slower than the KMS one.\n"
        "B-LTA KMS calls: 1 seal signature + 2 TSA tokens (signature timestamp, document timestamp)."
    )


def licence_renderer() -> Callable[[], bytes]:
    """The Thai food-shop licence of tenants/klongnoy.yaml, rendered as the sign function does."""
    from zoneinfo import ZoneInfo

    from eservice.tenant import load_tenant
    from eservice_pdf import render

    tenant = load_tenant(Path(__file__).resolve().parents[1] / "tenants" / "klongnoy.yaml")
    service = tenant.service("food-shop")
    data = render.LicenceData(
        licence_number="FS-2569-00012",
        request_reference="R-7K3M9QX2TD",
        issued_at=dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Bangkok")),
        valid_until=dt.date(2027, 11, 22),
        answers={
            "applicant_name": "สมหญิง รักดี",
            "shop_name": "ครัวคุณหญิง",
            "shop_address": "45 ถนนตลาดใหม่ ตำบลคลองน้อย",
            "food_type": "restaurant",
            "area_sqm": 250.0,
        },
        verify_url="https://klongnoy.go.th/#/verify/FS-2569-00012",
        holder_name="สมหญิง รักดี",
    )
    return lambda: render.render_licence(tenant, service, data)


def licence_sealer(w: World, render_licence: Callable[[], bytes]) -> Callable[[], bytes]:
    """Render the licence and seal it as the sign function does: PAdES B-LTA with the KMS key, then check it."""

    def render_and_seal() -> bytes:
        return seal_licence(w, render_licence())

    return render_and_seal


def seal_licence(w: World, pdf: bytes) -> bytes:
    """Seal a rendered licence as the sign function does: PAdES B-LTA with the KMS key, then check it."""
    return seal_pdf(
        pdf,
        signer=w.signer,
        timestamper=w.timestamper,
        pki_roots=w.pki.trust_roots,
        crls=w.pki.crls,
        reason="ออกใบอนุญาต FS-2569-00012",
        location=LOCATION,
    )


def seal_ratio(w: World, runs: int) -> tuple[Row, Row, float]:
    """Issue 14: render alone vs render + B-LTA seal + check, runs interleaved (a noisy machine's load
    then weighs on both alike). Also returns the ratio of the median CPU times of this process, which
    other processes on a shared machine disturb less than the wall-clock one."""
    render_licence = licence_renderer()
    render_and_seal = licence_sealer(w, render_licence)

    cases = (
        ("render licence (Thai, fpdf2 + HarfBuzz)", render_licence),
        ("render + B-LTA seal + check", render_and_seal),
    )
    timings: dict[str, list[float]] = {name: [] for name, _ in cases}
    cpu: dict[str, list[float]] = {name: [] for name, _ in cases}
    calls: dict[str, int] = dict.fromkeys(timings, 0)
    sizes: dict[str, int] = {}
    for _name, run in cases:
        run()  # warm-up
    for _ in range(runs):
        for name, run in cases:
            before = w.kms_calls()
            start, start_cpu = time.perf_counter(), time.process_time()
            sizes[name] = len(run())
            cpu[name].append(time.process_time() - start_cpu)
            timings[name].append((time.perf_counter() - start) * 1000)
            calls[name] += w.kms_calls() - before
    rows = tuple(
        Row(name, statistics.median(t), min(t), calls[name] / runs, sizes[name] / 1024) for name, t in timings.items()
    )
    render_cpu, sealed_cpu = (statistics.median(cpu[name]) for name, _ in cases)
    return rows[0], rows[1], sealed_cpu / render_cpu


def seal_share(w: World, runs: int) -> tuple[float, float]:
    """Issue 14: the seal's part alone, less noisy than the ratio above on a shared machine.

    The rendered licence is sealed and checked, and rendered again, in turn, run by run; returns the
    median CPU times of this process (seal + check, render) in ms. ``1 + seal / render`` is the ratio
    that render + seal + check would have without the machine's noise in between.
    """
    render_licence = licence_renderer()
    pdf = render_licence()

    def seal_and_check() -> bytes:
        return seal_licence(w, pdf)

    cpu: dict[str, list[float]] = {"seal": [], "render": []}
    seal_and_check()  # warm-up
    for _ in range(runs):
        for name, run in (("seal", seal_and_check), ("render", render_licence)):
            start = time.process_time()
            run()
            cpu[name].append((time.process_time() - start) * 1000)
    return statistics.median(cpu["seal"]), statistics.median(cpu["render"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with world() as w:
        rows = [measure(name, run, args.runs, w.kms_calls) for name, run in cases(w)]
        render_row, sealed_row, cpu_ratio = seal_ratio(w, args.runs)
        seal_cpu, render_cpu = seal_share(w, args.runs * 2)
    print_table(rows, args.runs)
    print()
    print_table([render_row, sealed_row], args.runs)
    print(
        f"\nrender + B-LTA seal + check / render alone: {sealed_row.median_ms / render_row.median_ms:5.2f}x"
        f" (goal 1.30x; minimum over minimum {sealed_row.min_ms / render_row.min_ms:5.2f}x;"
        f" CPU time of this process {cpu_ratio:5.2f}x)"
    )
    print(
        f"seal + check alone / render alone, CPU time in turn: {seal_cpu / render_cpu:5.3f}"
        f" (seal {seal_cpu:.1f} ms, render {render_cpu:.1f} ms; medians of {args.runs * 2} runs each)"
    )


def _to_asn1(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


if __name__ == "__main__":
    main()
