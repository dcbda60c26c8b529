#!/usr/bin/env python3
"""Make the X.509-SVID test chains in testdata/svid/ and their index (testdata/svid/index.json).

    .venv/bin/python testdata/gen/make_svid_vectors.py        (or: make -C testdata svid-vectors)

The certificates are made here with Python's `cryptography`, and the two SVID extensions
(FORMATS.md, "X.509 SVID extensions") are DER-encoded by this script, independently of Aegis:

- AttestedClaims, OID 1.3.6.1.4.1.55744.1.1: a DER UTF8String holding the `grc.*` JSON;
- CMW, id-pe-cmw 1.3.6.1.5.5.7.1.35: `CMW ::= CHOICE { json UTF8String, cbor OCTET STRING }`
  holding a CMW record of the EAR (JWT in the json arm, CWT in the cbor arm): the -04 tokens of
  testdata/ear/, copied here as ear.jwt and ear.cwt (signed with testdata/ear/issuer-p256.key.pem).

One trust domain, example.org: a root CA (bundle.pem; its key root.key.pem is a committed test
key, never used for anything else), an intermediate signing certificate, and leaf SVIDs. Each
chain file is PEM, the leaf first and then its intermediates (the bundle is never in it). One
valid chain with both extensions, a few other valid ones, then one chain per broken rule of the
SPIFFE X509-SVID specification and per extension check, each recorded in index.json with the
aegis-core error it must raise at the index's "time".

The manifest gets one entry of kind "svid" per chain of the index (and a few more verifying an
index chain with a trust domain or at another time): "chain", "bundle", optional
"trust_domain", "time", and "expect" (verdict; for a valid chain "spiffe_id"; for an invalid one
"error", its stable "code" and, for errors with several causes, "detail", text its message must
contain). Walkers verify with verify_svid (Rust aegis_core::svid::verify_svid, C
aegis_svid_verify, Python verify_svid, Go VerifySVID).

Then the gateway vectors (docs/gateway.md) in svid/gateway/: chains whose AttestedClaims and
CMW-wrapped EAR (JWT, ietf-04, signed here with `cryptography` by testdata/ear/issuer-p256.key.pem
unless a vector says otherwise) break one gateway check each, with a gateway policy per vector.
Kind "gateway": "chain", "bundle", "policy" (a file), "ear_key" (SPKI PEM), "time", and "expect":
{"verdict": "allow", "headers": {...}} (exactly the headers forwarded) or {"verdict": "deny",
"denials": [names], "codes": [codes]} (exactly the denying reasons, in check order, as the
geofence vectors give them). Walkers decide
with no network location verifier (Rust aegis_core::svid::gateway::decide_chain, C
aegis_gateway_check, Python gateway_check, Go GatewayCheck). Only the manifest entries of kinds
"svid" and "gateway" are replaced.

Keys, serial numbers and signatures change on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
OUT = TESTDATA / "svid"

# Verification time of every vector: 2027-01-15T08:00:00Z.
TIME = 1_800_000_000
NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
NOT_AFTER = dt.datetime(2035, 1, 1, tzinfo=dt.timezone.utc)
EXPIRED_AFTER = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)

ATTESTED_CLAIMS_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55744.1.1")
CMW_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.35")
# A private extension no SPIFFE validator knows.
UNKNOWN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55744.1.99")

TRUST_DOMAIN = "example.org"
LEAF_ID = f"spiffe://{TRUST_DOMAIN}/ns/prod/sa/python-app"

EAR_PROFILE = "tag:ietf.org,2026:rats/ear#04"

ATTESTED_CLAIMS = {
    # The grc.* model of docs/gateway.md (aegis_core::svid::claims::AttestedClaims).
    "grc.workload": {
        "spiffe_id": LEAF_ID,
    },
    "grc.tpm-attestation": {
        "status": "affirming",
        "app_key": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"},
    },
    "grc.geolocation": {
        "sensor_type": "gnss",
        "sensor_id": "gnss-0001",
        "jurisdiction-country": "ES",
        "jurisdiction-subdivision": "ES-CT",
    },
}


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + der_len(len(content)) + content


def utf8string(text: str) -> bytes:
    return der_tlv(0x0C, text.encode())


def octet_string(content: bytes) -> bytes:
    return der_tlv(0x04, content)


def cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(n)


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cmw_json_record(media_type: str, value: bytes) -> bytes:
    """The json arm: a UTF8String holding ["<type>", "<base64url>"] (compact, like Go's json)."""
    record = json.dumps([media_type, b64url(value)], separators=(",", ":"))
    return utf8string(record)


def cmw_cbor_record(media_type: str, value: bytes) -> bytes:
    """The cbor arm: an OCTET STRING holding the CBOR array [tstr type, bstr value]."""
    t = media_type.encode()
    record = cbor_head(4, 2) + cbor_head(3, len(t)) + t + cbor_head(2, len(value)) + value
    return octet_string(record)


def ext_value(oid: x509.ObjectIdentifier, value: bytes) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(oid, value)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Aegis test"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def key_usage(**set_bits: bool) -> x509.KeyUsage:
    bits = dict(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    bits.update(set_bits)
    return x509.KeyUsage(**bits)


class Issuer:
    def __init__(self, subject: x509.Name, key, cert: x509.Certificate | None):
        self.subject = subject
        self.key = key
        self.cert = cert


def make_ca(subject: str, issuer: Issuer | None, uri: str | None, *, ca: bool = True,
            cert_sign: bool = True, ku: bool = True, key=None) -> Issuer:
    key = key or new_key()
    subj = name(subject)
    signer = issuer or Issuer(subj, key, None)
    b = (
        x509.CertificateBuilder()
        .subject_name(subj)
        .issuer_name(signer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ku:
        b = b.add_extension(key_usage(key_cert_sign=cert_sign, crl_sign=True), critical=True)
    if uri:
        b = b.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri)]), critical=False
        )
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    cert = b.sign(signer.key, hashes.SHA256())
    return Issuer(subj, key, cert)


def make_leaf(issuer: Issuer, *, uris=(LEAF_ID,), ca: bool = False, ku=None,
              ku_critical: bool = True, not_after=NOT_AFTER, extra=(),
              subject: x509.Name | None = None, key=None) -> x509.Certificate:
    key = key or new_key()
    b = (
        x509.CertificateBuilder()
        .subject_name(name("python-app") if subject is None else subject)
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    )
    if ku is None:
        ku = key_usage(digital_signature=True)
    if ku is not False:
        b = b.add_extension(ku, critical=ku_critical)
    if uris:
        b = b.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in uris]),
            critical=False,
        )
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    return b.sign(issuer.key, hashes.SHA256())


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    root_key_path = OUT / "root.key.pem"
    if root_key_path.exists():
        root_key = serialization.load_pem_private_key(root_key_path.read_bytes(), None)
    else:
        root_key = new_key()
        root_key_path.write_bytes(
            root_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    root = make_ca("Aegis test SPIFFE root", None, f"spiffe://{TRUST_DOMAIN}", key=root_key)
    inter = make_ca("Aegis test SPIFFE intermediate", root, f"spiffe://{TRUST_DOMAIN}")
    other_root = make_ca("Aegis test SPIFFE root", None, f"spiffe://{TRUST_DOMAIN}")
    not_ca = make_ca("Aegis test not a CA", root, None, ca=False)
    no_cert_sign = make_ca("Aegis test no keyCertSign", root, None, cert_sign=False)
    no_ku = make_ca("Aegis test no keyUsage", root, None, ku=False)

    (OUT / "bundle.pem").write_bytes(pem(root.cert))

    jwt = (TESTDATA / "ear" / "ear-jwt-ietf-04-valid.jwt").read_bytes().strip()
    cwt = (TESTDATA / "ear" / "ear-cwt-ietf-04-valid.cwt").read_bytes()
    # Copies, so that a new run of make_ear_vectors.py leaves these chains consistent.
    (OUT / "ear.jwt").write_bytes(jwt)
    (OUT / "ear.cwt").write_bytes(cwt)
    claims = json.dumps(ATTESTED_CLAIMS, separators=(",", ":"), sort_keys=True)
    (OUT / "attested-claims.json").write_text(claims)
    ac = ext_value(ATTESTED_CLAIMS_OID, utf8string(claims))
    cmw_jwt = ext_value(
        CMW_OID, cmw_json_record(f'application/eat+jwt; eat_profile="{EAR_PROFILE}"', jwt)
    )
    cmw_cwt = ext_value(
        CMW_OID, cmw_cbor_record(f'application/eat+cwt; eat_profile="{EAR_PROFILE}"', cwt)
    )
    both = ((ac, False), (cmw_jwt, False))

    vectors: list[tuple[str, str, bytes, str | None, str | None]] = []

    def add(vid: str, what: str, chain: bytes, error: str | None,
            detail: str | None = None) -> None:
        """`detail`: text the error's message must contain (for errors with several causes)."""
        vectors.append((vid, what, chain, error, detail))

    add("valid", "leaf with AttestedClaims and a CMW-wrapped EAR JWT, one intermediate",
        pem(make_leaf(inter, extra=both), inter.cert), None)
    add("valid-cwt", "leaf with a CMW-wrapped EAR CWT (cbor arm), one intermediate",
        pem(make_leaf(inter, extra=((cmw_cwt, False),)), inter.cert), None)
    add("valid-leaf-only", "leaf issued by the root, no extensions",
        pem(make_leaf(root)), None)

    add("two-uri-sans", "two URI SANs",
        pem(make_leaf(inter, uris=(LEAF_ID, f"spiffe://{TRUST_DOMAIN}/other")), inter.cert),
        "SvidUriSanMultiple")
    add("no-uri-san", "no subjectAltName", pem(make_leaf(inter, uris=()), inter.cert),
        "SvidUriSanMissing")
    add("non-spiffe-uri", "an https URI SAN",
        pem(make_leaf(inter, uris=("https://example.org/app",)), inter.cert), "SvidIdNotSpiffe")
    add("bad-trust-domain", "uppercase trust domain",
        pem(make_leaf(inter, uris=("spiffe://Example.ORG/app",)), inter.cert),
        "SvidTrustDomainInvalid")
    add("bad-path", "dot segment in the path",
        pem(make_leaf(inter, uris=("spiffe://example.org/a/../b",)), inter.cert),
        "SvidIdPathInvalid")
    add("id-without-path", "a leaf named by the trust domain's own ID",
        pem(make_leaf(inter, uris=("spiffe://example.org",)), inter.cert), "SvidIdNoPath")
    add("empty-subject-san-not-critical", "no subject and a non-critical subjectAltName",
        pem(make_leaf(inter, subject=x509.Name([])), inter.cert), "SvidCertificateInvalid",
        "no subject and a non-critical subjectAltName")
    add("leaf-is-ca", "basicConstraints cA=TRUE on the leaf",
        pem(make_leaf(inter, ca=True), inter.cert), "SvidLeafIsCa")
    add("key-usage-missing", "no keyUsage", pem(make_leaf(inter, ku=False), inter.cert),
        "SvidKeyUsageMissing")
    add("key-usage-not-critical", "keyUsage not critical",
        pem(make_leaf(inter, ku_critical=False), inter.cert), "SvidKeyUsageNotCritical")
    add("no-digital-signature", "keyUsage without digitalSignature",
        pem(make_leaf(inter, ku=key_usage(key_agreement=True)), inter.cert),
        "SvidKeyUsageNoDigitalSignature")
    add("key-cert-sign", "leaf keyUsage with keyCertSign",
        pem(make_leaf(inter, ku=key_usage(digital_signature=True, key_cert_sign=True)),
            inter.cert),
        "SvidKeyUsageCertSign")
    add("crl-sign", "leaf keyUsage with cRLSign",
        pem(make_leaf(inter, ku=key_usage(digital_signature=True, crl_sign=True)), inter.cert),
        "SvidKeyUsageCrlSign")
    add("expired", "leaf notAfter before the verification time",
        pem(make_leaf(inter, not_after=EXPIRED_AFTER), inter.cert), "SvidExpired")
    add("untrusted-root", "chain to another root with the same name",
        pem(make_leaf(other_root)), "SvidUntrusted")
    add("missing-intermediate", "the intermediate is not presented",
        pem(make_leaf(inter)), "SvidUntrusted")
    add("unknown-critical-extension", "a private extension marked critical",
        pem(make_leaf(inter, extra=((ext_value(UNKNOWN_OID, b"\x05\x00"), True),)), inter.cert),
        "SvidUnknownCriticalExtension")
    add("intermediate-not-ca", "the intermediate has cA=FALSE",
        pem(make_leaf(not_ca), not_ca.cert), "SvidSigningCertificateInvalid", "cA=TRUE")
    add("intermediate-no-key-cert-sign", "the intermediate's keyUsage lacks keyCertSign",
        pem(make_leaf(no_cert_sign), no_cert_sign.cert), "SvidSigningCertificateInvalid",
        "keyCertSign")
    add("intermediate-no-key-usage", "the intermediate has no keyUsage (SPIFFE 4.3)",
        pem(make_leaf(no_ku), no_ku.cert), "SvidSigningCertificateInvalid",
        "without keyUsage")
    add("attested-claims-not-json", "AttestedClaims UTF8String is not JSON",
        pem(make_leaf(inter, extra=((ext_value(ATTESTED_CLAIMS_OID, utf8string("grc")), False),)),
            inter.cert),
        "SvidAttestedClaimsMalformed")
    add("attested-claims-octet-string", "AttestedClaims JSON in an OCTET STRING",
        pem(make_leaf(inter, extra=((ext_value(ATTESTED_CLAIMS_OID, octet_string(claims.encode())),
                                     False),)), inter.cert),
        "SvidAttestedClaimsMalformed")
    add("cmw-not-ear", "a CMW record of another media type",
        pem(make_leaf(inter, extra=((ext_value(CMW_OID, cmw_json_record("application/json", jwt)),
                                     False),)), inter.cert),
        "SvidCmwNotEar")
    add("cmw-bad-base64", "a CMW record whose value is padded base64",
        pem(make_leaf(inter, extra=((ext_value(CMW_OID, utf8string(
            json.dumps(["application/eat+jwt", b64url(jwt) + "=="], separators=(",", ":")))),
            False),)), inter.cert),
        "SvidCmwMalformed")

    for old in OUT.glob("*.chain.pem"):
        old.unlink()
    index = {
        "time": TIME,
        "bundle": "bundle.pem",
        "trust_domain": TRUST_DOMAIN,
        "spiffe_id": LEAF_ID,
        "attested_claims": "attested-claims.json",
        "ear_jwt": "ear.jwt",
        "ear_cwt": "ear.cwt",
        "ear_key": "../ear/issuer-p256.key.pem",
        "vectors": [],
    }
    for vid, what, chain, error, detail in vectors:
        (OUT / f"{vid}.chain.pem").write_bytes(chain)
        expect = {"verdict": "valid"} if error is None else {"verdict": "invalid", "error": error}
        if detail:
            expect["detail"] = detail
        index["vectors"].append(
            {"id": vid, "chain": f"{vid}.chain.pem", "what": what, "expect": expect}
        )
    (OUT / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"make_svid_vectors: wrote {len(vectors)} chains to {OUT}")

    codes = error_codes()
    entries = svid_entries(index, codes) + gateway_entries(inter, codes)
    manifest_path = TESTDATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["vectors"] = [
        v for v in manifest["vectors"] if v["kind"] not in ("svid", "gateway")
    ] + entries
    import make_vectors  # its dump_json keeps the manifest's layout

    manifest_path.write_text(make_vectors.dump_json(manifest))
    print(f"make_svid_vectors: {len(entries)} svid and gateway manifest entries")


def error_codes() -> dict[str, int]:
    """Stable codes of aegis-core's error table (aegis-core/src/error.rs, `error_table!`)."""
    text = (TESTDATA.parent / "aegis-core" / "src" / "error.rs").read_text()
    return {m.group(2): int(m.group(1))
            for m in re.finditer(r"^\s*(\d{4,5})\s+(\w+)\s*(?:=>|\{)", text, re.M)}


def svid_entries(index: dict, codes: dict[str, int]) -> list[dict]:
    """One "svid" manifest entry per index chain, plus a trust domain given, one not the
    leaf's, and a time before the chain's validity."""
    out = []

    def entry(vid: str, what: str, chain: str, expect: dict, *, trust_domain: str | None = None,
              time: int = TIME) -> None:
        e = {"id": f"svid/{vid}", "kind": "svid", "description": what,
             "chain": f"svid/{chain}", "bundle": "svid/bundle.pem", "time": time}
        if trust_domain is not None:
            e["trust_domain"] = trust_domain
        if expect.get("error"):
            expect = {**expect, "code": codes[expect["error"]]}
        else:
            expect = {**expect, "spiffe_id": LEAF_ID}
        e["expect"] = expect
        out.append(e)

    for v in index["vectors"]:
        entry(v["id"], v["what"], v["chain"], dict(v["expect"]))
    entry("valid-in-trust-domain", "the valid chain, restricted to its own trust domain",
          "valid.chain.pem", {"verdict": "valid"}, trust_domain=TRUST_DOMAIN)
    entry("trust-domain-mismatch", "the valid chain, restricted to another trust domain",
          "valid.chain.pem", {"verdict": "invalid", "error": "SvidTrustDomainMismatch"},
          trust_domain="other.example")
    entry("before-not-before", "the valid chain verified before its notBefore",
          "valid.chain.pem", {"verdict": "invalid", "error": "SvidExpired"}, time=1_700_000_000)
    return out


def jwk_thumbprint(key: ec.EllipticCurvePrivateKey) -> str:
    """RFC 7638 thumbprint of a P-256 public key (SHA-256, base64url)."""
    n = key.public_key().public_numbers()
    jwk = {"crv": "P-256", "kty": "EC", "x": b64url(n.x.to_bytes(32, "big")),
           "y": b64url(n.y.to_bytes(32, "big"))}
    return b64url(hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True)
                                 .encode()).digest())


GATEWAY_OUT = OUT / "gateway"
AGENT_ID = f"spiffe://{TRUST_DOMAIN}/agent/edge-7"


def gateway_entries(inter: Issuer, codes: dict[str, int]) -> list[dict]:
    """The gateway vectors (module documentation): one allowed gnss chain, the PoC's form
    [workload SVID, agent SVID], then one chain or policy per gateway check it breaks."""
    from make_ear_vectors import jwt as sign_jwt

    ear_key = serialization.load_pem_private_key(
        (TESTDATA / "ear" / "issuer-p256.key.pem").read_bytes(), None)
    other_key = new_key()
    app = new_key()  # the workload's App Key, certified by the leaf
    jkt = jwk_thumbprint(app)

    def ear(*, iat: int = TIME - 60, status: str = "affirming", jkt: str = jkt,
            country: str | None = "ES", subdivision: str | None = "ES-CT", key=ear_key) -> bytes:
        tv = {"instance-identity": 2}
        if status == "warning":
            tv["configuration"] = 32  # an unsafe configuration justifies a warning
        location = {"ear_status": status, "ear_trustworthiness_vector": tv}
        if country:
            location["grc.jurisdiction-country"] = country
        if subdivision:
            location["grc.jurisdiction-subdivision"] = subdivision
        claims = {
            "eat_profile": EAR_PROFILE,
            "iat": iat,
            "ear_verifier_id": {"developer": "https://aegis.example", "build": "svid-vectors"},
            "ear_status": status,
            "submods": {
                "workload-key": {"ear_status": status, "ear_trustworthiness_vector": tv,
                                 "ear_verifier_claims": {"app_key": {"jkt": jkt}}},
                "location": location,
            },
        }
        return sign_jwt(key, claims).encode()

    gnss = {"sensor_type": "gnss", "sensor_id": "gnss-0001", "tpm_attested": True,
            "tpm_pcr_index": 15, "latitude": 41.3874, "longitude": 2.1686, "accuracy_m": 5.0,
            "time": TIME - 120, "jurisdiction-country": "ES", "jurisdiction-subdivision": "ES-CT"}
    mobile = {**gnss, "sensor_type": "mobile", "sensor_id": "12d1:1433",
              "sensor_msisdn": "+34696810912"}

    def claims(*, geo: dict | None = gnss, status: str = "affirming", app_key: bool = True,
               workload: str = LEAF_ID) -> dict:
        tpm: dict = {"status": status}
        if app_key:
            tpm["app_key"] = {"jkt": jkt}
        c = {"grc.workload": {"spiffe_id": workload}, "grc.tpm-attestation": tpm}
        if geo is not None:
            c["grc.geolocation"] = geo
        return c

    def exts(c: dict | None, token: bytes | None) -> tuple:
        out = []
        if c is not None:
            text = json.dumps(c, separators=(",", ":"), sort_keys=True)
            out.append((ext_value(ATTESTED_CLAIMS_OID, utf8string(text)), False))
        if token is not None:
            media = f'application/eat+jwt; eat_profile="{EAR_PROFILE}"'
            out.append((ext_value(CMW_OID, cmw_json_record(media, token)), False))
        return tuple(out)

    def leaf(c: dict | None = None, token: bytes | None = None, **kw) -> x509.Certificate:
        return make_leaf(inter, key=app, extra=exts(c, token), **kw)

    base_policy = {"version": 1, "countries": ["ES"]}
    GATEWAY_OUT.mkdir(exist_ok=True)
    for old in GATEWAY_OUT.glob("*"):
        old.unlink()
    entries = []

    def allow_headers(sensor: dict, spiffe_id: str = LEAF_ID) -> dict:
        return {
            "X-Sensor-ID": sensor["sensor_id"],
            "X-Sensor-Type": sensor["sensor_type"],
            "X-Location-Verification": "tpm-attested",
            "X-Jurisdiction-Country": "ES",
            "X-Jurisdiction-Subdivision": "ES-CT",
            "X-Workload-Key-Thumbprint": jkt,
            "X-Attestation-Status": "affirming",
            "X-Attestation-Time": str(TIME - 60),
            "X-SPIFFE-ID": spiffe_id,
        }

    def add(vid: str, what: str, chain: bytes, *, headers: dict | None = None,
            denials: tuple = (), policy: dict = base_policy,
            ear_pub: str = "ear/issuer-p256.pub.pem") -> None:
        (GATEWAY_OUT / f"{vid}.chain.pem").write_bytes(chain)
        (GATEWAY_OUT / f"{vid}.policy.json").write_text(json.dumps(policy, indent=2) + "\n")
        if headers is not None:
            expect = {"verdict": "allow", "headers": headers}
        else:
            assert denials, vid
            expect = {"verdict": "deny", "denials": list(denials),
                      "codes": [codes[n] for n in denials]}
        entries.append({
            "id": f"gateway/{vid}", "kind": "gateway", "description": what,
            "chain": f"svid/gateway/{vid}.chain.pem", "bundle": "svid/bundle.pem",
            "policy": f"svid/gateway/{vid}.policy.json", "ear_key": ear_pub, "time": TIME,
            "expect": expect,
        })

    add("allow-gnss", "gnss reading in ES-CT, affirming EAR naming the leaf's App Key: allowed",
        pem(leaf(claims(), ear()), inter.cert), headers=allow_headers(gnss))
    add("allow-no-jurisdiction-rules", "the same chain under a policy with no jurisdiction rules",
        pem(leaf(claims(), ear()), inter.cert), headers=allow_headers(gnss),
        policy={"version": 1})
    workload = make_leaf(inter, extra=exts({"grc.workload": {"spiffe_id": LEAF_ID}}, None))
    agent = make_leaf(inter, key=app, uris=(AGENT_ID,),
                      extra=exts(claims(workload=AGENT_ID), ear()))
    add("allow-agent-svid", "the PoC's chain [workload SVID, agent SVID]: the agent SVID's claims "
        "and EAR, the workload's SPIFFE ID", pem(workload, agent, inter.cert),
        headers=allow_headers(gnss))
    add("deny-mobile-without-network", "a mobile reading and no network location verifier",
        pem(leaf(claims(geo=mobile), ear()), inter.cert),
        denials=("GatewayNetworkVerifierMissing",))
    add("deny-geolocation-missing", "claims without grc.geolocation",
        pem(leaf(claims(geo=None), ear()), inter.cert), denials=("GatewayClaimMissing",))
    add("deny-app-key-missing", "claims without grc.tpm-attestation.app_key",
        pem(leaf(claims(app_key=False), ear()), inter.cert), denials=("GatewayClaimMissing",))
    add("deny-claims-extension-missing", "a CMW EAR but no AttestedClaims extension",
        pem(leaf(None, ear()), inter.cert), denials=("GatewayClaimMissing",))
    add("deny-ear-missing", "AttestedClaims but no CMW EAR",
        pem(leaf(claims(), None), inter.cert), denials=("GatewayEarMissing",))
    add("deny-ear-other-key", "the EAR is signed by another key than the verifier's",
        pem(leaf(claims(), ear(key=other_key)), inter.cert), denials=("GatewayEarInvalid",))
    add("deny-ear-stale", "the EAR was issued two hours before the decision",
        pem(leaf(claims(), ear(iat=TIME - 7200)), inter.cert), denials=("GatewayEarStale",))
    add("deny-ear-not-affirming", "the EAR and its submods are warning",
        pem(leaf(claims(), ear(status="warning")), inter.cert),
        denials=("GatewayEarNotAffirming",))
    add("deny-claims-not-affirming", "the claims' own status is warning",
        pem(leaf(claims(status="warning"), ear()), inter.cert),
        denials=("GatewayClaimsNotAffirming",))
    add("deny-app-key-mismatch", "the EAR names another App Key",
        pem(leaf(claims(), ear(jkt=jwk_thumbprint(other_key))), inter.cert),
        denials=("GatewayAppKeyMismatch",))
    add("deny-jurisdiction-mismatch", "the claims say FR, the EAR ES",
        pem(leaf(claims(geo={**gnss, "jurisdiction-country": "FR",
                             "jurisdiction-subdivision": "FR-75"}), ear()), inter.cert),
        denials=("GatewayJurisdictionMismatch",))
    add("deny-sensor-not-accepted", "a gnss reading and a policy accepting only mobile",
        pem(leaf(claims(), ear()), inter.cert), denials=("GatewaySensorNotAccepted",),
        policy={**base_policy, "sensor_types": ["mobile"]})
    add("deny-sensor-not-attested", "a gnss reading with tpm_attested false",
        pem(leaf(claims(geo={**gnss, "tpm_attested": False}), ear()), inter.cert),
        denials=("GatewaySensorNotAttested",))
    add("deny-jurisdiction-missing", "the EAR's location submod names no country",
        pem(leaf(claims(geo={k: v for k, v in gnss.items() if not k.startswith("jurisdiction")}),
                 ear(country=None, subdivision=None)), inter.cert),
        denials=("GatewayJurisdictionMissing",))
    add("deny-country-not-allowed", "an ES EAR and a policy allowing only FR",
        pem(leaf(claims(), ear()), inter.cert), denials=("GatewayCountryNotAllowed",),
        policy={"version": 1, "countries": ["FR"]})
    add("deny-subdivision-not-allowed", "an ES-CT EAR and a policy allowing only ES-MD in ES",
        pem(leaf(claims(), ear()), inter.cert), denials=("GatewaySubdivisionNotAllowed",),
        policy={"version": 1, "countries": ["ES"], "subdivisions": ["ES-MD"]})
    add("deny-chain-untrusted", "the attested leaf without its intermediate",
        pem(leaf(claims(), ear())), denials=("SvidUntrusted",))
    add("deny-chain-expired", "the attested leaf expired before the decision",
        pem(leaf(claims(), ear(), not_after=EXPIRED_AFTER), inter.cert), denials=("SvidExpired",))
    other_td = make_leaf(inter, uris=("spiffe://other.example/agent/edge-7",),
                         extra=exts(claims(), ear()))
    add("deny-agent-other-trust-domain", "an agent SVID of another trust domain than the leaf's",
        pem(workload, other_td, inter.cert), denials=("GatewayChainTrustDomainMismatch",))
    add("deny-several", "a stale, non-affirming EAR and a mobile reading: every check reports",
        pem(leaf(claims(geo=mobile), ear(iat=TIME - 7200, status="warning")), inter.cert),
        denials=("GatewayEarStale", "GatewayEarNotAffirming", "GatewayNetworkVerifierMissing"))
    return entries


if __name__ == "__main__":
    main()
