"""One attestation appraised (aegis.appraise): evidence from the manifest's swtpm vectors, a
certification and a quote by the same AK, with each check's outcome asserted in full; a check
broken alone fails alone (or skips what depends on it), and only a wrong argument raises."""

from __future__ import annotations

import hashlib
import inspect
import os
from typing import Any

import pytest

import aegis
from conftest import Tpm, read, vectors

BY_ID = {v["id"]: v for v in vectors("quote", "certify")}
# A certification and a quote signed by the same AK (equal ak_name in the manifest).
PAIRS = [
    ("certify-rsa2048-rsassa-sha256-ecc-p256", "quote-rsa2048-rsassa-sha256"),
    ("certify-ecc-p256-ecdsa-sha256-rsa2048", "quote-ecc-p256-ecdsa-sha256"),
]
needs_vectors = pytest.mark.skipif(
    any(c not in BY_ID or q not in BY_ID for c, q in PAIRS), reason="testdata/manifest.json lacks the vectors"
)

# (check, outcome, error name or skip reason)
Row = tuple[str, str, "str | None"]


def evidence(certify_id: str, quote_id: str, **override: Any) -> tuple[aegis.AttestationKey, dict[str, Any]]:
    c, q = BY_ID[certify_id], BY_ID[quote_id]
    assert c["ak_name"] == q["ak_name"], "the pair must be signed by one AK"
    ak = aegis.AttestationKey.from_tpm_public(read(q["ak"]))
    kwargs: dict[str, Any] = {
        "app_key": read(c["key"]),
        "certify_attest": read(c["attest"]),
        "certify_signature": read(c["signature"]),
        "quote_attest": read(q["attest"]),
        "quote_signature": read(q["signature"]),
        "pcrs": read(q["pcrs"]),
        "certify_nonce": bytes.fromhex(c["nonce"]),
        "quote_nonce": bytes.fromhex(q["nonce"]),
        "location_pcr": None,
    }
    kwargs.update(override)
    return ak, kwargs


def rows(appraisal: aegis.Appraisal) -> list[Row]:
    out: list[Row] = []
    for o in appraisal.outcomes:
        if o.outcome == "failed":
            assert isinstance(o.error, aegis.AegisError) and o.reason is None
            assert o.error.code == aegis.ERROR_CODES[o.error.name]
            out.append((o.check, o.outcome, o.error.name))
        elif o.outcome == "skipped":
            assert o.error is None and isinstance(o.reason, str)
            out.append((o.check, o.outcome, o.reason))
        else:
            assert o.outcome == "passed" and o.error is None and o.reason is None
            out.append((o.check, o.outcome, None))
    return out


def flip(data: bytes, index: int = -1) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


@needs_vectors
@pytest.mark.parametrize(("certify_id", "quote_id"), PAIRS, ids=[q for _, q in PAIRS])
def test_unbound_ak_fails_only_the_binding(certify_id: str, quote_id: str) -> None:
    ak, kwargs = evidence(certify_id, quote_id)
    appraisal = aegis.appraise(ak, None, **kwargs)
    assert rows(appraisal) == [
        ("ak-binding", "failed", "AkBindingMismatch"),
        ("app-key-certification", "passed", None),
        ("quote", "passed", None),
    ]
    assert not appraisal.passed
    binding_error = appraisal.outcomes[0].error
    assert isinstance(binding_error, aegis.EkError)
    # The verified parts are there, as verify_quote / verify_certify return them.
    c, q = BY_ID[certify_id], BY_ID[quote_id]
    assert appraisal.certification is not None and appraisal.quote is not None
    assert appraisal.certification.name == bytes.fromhex(c["key_name"])
    assert appraisal.certification.public == read(c["key"])
    assert appraisal.quote.pcrs == aegis.parse_pcrs(read(q["pcrs"]))
    assert appraisal.quote.qualified_signer == bytes.fromhex(q["ak_qualified_name"])
    # What passed is established, what failed is not (and neither the EK nor the boot state).
    assert len(appraisal.established) == 2
    assert any("App Key was created in the AK's TPM" in s for s in appraisal.established)
    assert any("quoted PCR values" in s for s in appraisal.established)
    assert any("refused" in s and "AK credential activation bound" in s for s in appraisal.not_established)
    assert any("genuine TPM" in s for s in appraisal.not_established)
    assert any("boot state" in s for s in appraisal.not_established)
    assert repr(appraisal) == "Appraisal(passed=False, not_passed={'ak-binding': 'failed'})"
    assert repr(appraisal.outcomes[1]) == "CheckOutcome(check='app-key-certification', outcome='passed')"
    assert repr(appraisal.outcomes[0]).startswith("CheckOutcome(check='ak-binding', outcome='failed', error=EkError(")


@needs_vectors
def test_flipped_quote_signature_fails_the_quote() -> None:
    c, q = PAIRS[0]
    ak, kwargs = evidence(c, q)
    kwargs["quote_signature"] = flip(kwargs["quote_signature"])
    appraisal = aegis.appraise(ak, None, **kwargs)
    assert rows(appraisal) == [
        ("ak-binding", "failed", "AkBindingMismatch"),
        ("app-key-certification", "passed", None),
        ("quote", "failed", "SignatureInvalid"),
    ]
    assert appraisal.quote is None and appraisal.certification is not None
    assert isinstance(appraisal.outcomes[2].error, aegis.SignatureError)


@needs_vectors
def test_each_broken_certification_input_fails_the_certification_alone() -> None:
    c, q = PAIRS[0]
    cases = {
        "certify_signature": ("SignatureInvalid",),
        "certify_nonce": ("NonceMismatch",),
    }
    for field, (error,) in cases.items():
        ak, kwargs = evidence(c, q)
        kwargs[field] = flip(kwargs[field])
        assert rows(aegis.appraise(ak, None, **kwargs)) == [
            ("ak-binding", "failed", "AkBindingMismatch"),
            ("app-key-certification", "failed", error),
            ("quote", "passed", None),
        ], field
    # The other App Key certified by the same AK is not the one this certification names.
    ak, kwargs = evidence(c, q, app_key=read(BY_ID["certify-rsa2048-rsassa-sha256-rsa2048"]["key"]))
    appraisal = aegis.appraise(ak, None, **kwargs)
    assert [r[:2] for r in rows(appraisal)][1] == ("app-key-certification", "failed")
    assert appraisal.certification is None
    # Evidence that does not parse fails its check with the parse error; nothing raises.
    ak, kwargs = evidence(c, q, quote_attest=b"\x00")
    outcome = aegis.appraise(ak, None, **kwargs).outcomes[2]
    assert outcome.check == "quote" and outcome.outcome == "failed" and isinstance(outcome.error, aegis.ParseError)


@needs_vectors
def test_evidence_by_another_ak_fails_every_check() -> None:
    c, q = PAIRS[0]
    _, kwargs = evidence(c, q)
    other = aegis.AttestationKey.from_tpm_public(read(BY_ID[PAIRS[1][1]]["ak"]))
    got = rows(aegis.appraise(other, None, **kwargs))
    assert [r[:2] for r in got] == [
        ("ak-binding", "failed"),
        ("app-key-certification", "failed"),
        ("quote", "failed"),
    ]


@needs_vectors
def test_location_pcr_default_and_skips() -> None:
    c, q = PAIRS[0]
    ak, kwargs = evidence(c, q)
    del kwargs["location_pcr"]  # the default: ("sha256", 15)
    assert inspect.signature(aegis.appraise).parameters["location_pcr"].default == ("sha256", 15)
    assert rows(aegis.appraise(ak, None, **kwargs)) == [
        ("ak-binding", "failed", "AkBindingMismatch"),
        ("app-key-certification", "passed", None),
        ("quote", "passed", None),
        ("location-log", "skipped", "no location log given"),
    ]
    kwargs["location_log"] = b"not read: the quote failed"
    kwargs["quote_signature"] = flip(kwargs["quote_signature"])
    assert rows(aegis.appraise(ak, None, **kwargs))[2:] == [
        ("quote", "failed", "SignatureInvalid"),
        ("location-log", "skipped", "the quote did not verify"),
    ]
    # The location PCR is required in the quote: PCR 16 is not in this quote's selection.
    ak, kwargs = evidence(c, q, location_pcr=("sha256", 16))
    assert rows(aegis.appraise(ak, None, **kwargs))[2:] == [
        ("quote", "failed", "RequiredPcrMissing"),
        ("location-log", "skipped", "no location log given"),
    ]


@needs_vectors
def test_possession_check() -> None:
    """The App Key's private half is in the TPM that made the vectors, so only refusals here (a
    passing possession proof: test_swtpm_* below)."""
    c, q = PAIRS[0]  # the App Key is ECC P-256
    ak, kwargs = evidence(c, q, possession=(b"message", "ecdsa-sha256", b"\x01" * 64))
    assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [("app-key-possession", "failed", "SignatureInvalid")]
    # A signature by another key of the same kind.
    other = aegis.PrivateKey.generate("ecc-p256")
    for fmt in ("raw", "der", "tpmt"):
        proof = (b"message", "ecdsa-sha256", other.sign(b"message", "ecdsa-sha256", format=fmt), fmt)
        ak, kwargs = evidence(c, q, possession=proof)
        assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [("app-key-possession", "failed", "SignatureInvalid")]
    # A scheme of the other key type, and SHA-1 (not allowed).
    ak, kwargs = evidence(c, q, possession=(b"message", "rsassa-sha256", b"\x01" * 256))
    assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [("app-key-possession", "failed", "SignatureSchemeMismatch")]
    ak, kwargs = evidence(c, q, possession=(b"message", "ecdsa-sha1", b"\x01" * 64))
    assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [("app-key-possession", "failed", "HashNotAllowed")]
    # No verified certification: no certified key to check the proof with.
    ak, kwargs = evidence(c, q, possession=(b"message", "ecdsa-sha256", b"\x01" * 64))
    kwargs["certify_signature"] = flip(kwargs["certify_signature"])
    assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [
        ("app-key-possession", "skipped", "the App Key's certification did not verify")
    ]


@needs_vectors
def test_wrong_arguments_raise() -> None:
    c, q = PAIRS[0]
    bad: list[dict[str, Any]] = [
        {"location_pcr": ("md5", 15)},
        {"location_pcr": ("sha256", 24)},
        {"possession": (b"m", "ecdsa-sha256")},
        {"possession": (b"m", "ecdsa-sha3", b"s")},
        {"possession": ("m", "ecdsa-sha256", b"s")},
        {"possession": (b"m", "ecdsa-sha256", b"s", "jws")},
        {"possession": [b"m", "ecdsa-sha256", b"s"]},
        {"pcrs": {"sha256": {99: bytes(32)}}},
    ]
    for override in bad:
        ak, kwargs = evidence(c, q, **override)
        with pytest.raises(aegis.UsageError) as raised:
            aegis.appraise(ak, None, **kwargs)
        assert raised.value.name == "InvalidArgument", override
    # A possession signature that does not decode in its format is evidence, not a usage error:
    # the check fails with the decoding error (r||s of the wrong length for the App Key's curve,
    # malformed DER).
    ak, kwargs = evidence(c, q, possession=(b"m", "ecdsa-sha256", b"\x01" * 63))
    assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [("app-key-possession", "failed", "SignatureLength")]
    ak, kwargs = evidence(c, q, possession=(b"m", "ecdsa-sha256", b"\x30\x00", "der"))
    assert rows(aegis.appraise(ak, None, **kwargs))[3:] == [("app-key-possession", "failed", "InvalidFormat")]
    # Keyword-only evidence.
    ak, kwargs = evidence(c, q)
    with pytest.raises(TypeError):
        aegis.appraise(ak, None, *kwargs.values())  # type: ignore[call-arg]


# --- A real TPM: enrolment, then an appraisal where every check passes ----------------------------

AK_HANDLE = 0x81010002
SIGN_ATTRS = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"


def test_swtpm_enrolment_then_every_check_passes(swtpm: Tpm) -> None:
    """The flow end to end on swtpm: the AK bound to the certified EK by an ActivationChallenge;
    an ECC App Key created in the TPM, certified by the AK over one nonce (tpm2-pytss: tpm2-tools
    5.4's tpm2_certify takes no qualifying data), a proof of possession signed by it (TPM2_Sign);
    a quote by the AK over another nonce (tpm2_quote). Every check passes; a flipped proof fails
    the possession check alone."""
    pytss = pytest.importorskip("tpm2_pytss", reason="tpm2-pytss (scripts/deps.sh python) signs in the TPM")
    from tpm2_pytss.ESAPI import ESAPI
    from tpm2_pytss.TCTILdr import TCTILdr

    ek_public, ak = swtpm.create_ek_and_ak()
    challenge = aegis.ActivationChallenge(swtpm.verified_ek(ek_public), ak)
    activated = swtpm.activate(challenge)
    assert activated is not None
    binding = challenge.complete(activated)
    swtpm.run("tpm2_evictcontrol", "-C", "o", "-c", "ak.ctx", hex(AK_HANDLE))
    swtpm.run("tpm2_flushcontext", "-t")

    certify_nonce, quote_nonce, message = os.urandom(32), os.urandom(32), b"proof of possession"
    name, conf = swtpm.tcti.split(":", 1)
    tcti = TCTILdr(name, conf)
    e = ESAPI(tcti)
    try:
        null = pytss.TPMT_SIG_SCHEME(scheme=pytss.TPM2_ALG.NULL)
        srk_template = pytss.TPM2B_PUBLIC.parse(
            "rsa2048:null:aes128cfb",
            objectAttributes="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt|noda",
        )
        srk, *_ = e.create_primary(None, srk_template, pytss.ESYS_TR.OWNER)
        priv, pub, *_ = e.create(srk, None, pytss.TPM2B_PUBLIC.parse("ecc256:ecdsa-sha256", objectAttributes=SIGN_ATTRS))
        app = e.load(srk, priv, pub)
        attest, certify_sig = e.certify(app, e.tr_from_tpmpublic(AK_HANDLE), certify_nonce, null)
        proof = e.sign(app, hashlib.sha256(message).digest(), null).marshal()
        e.flush_context(app)
        e.flush_context(srk)
        app_key, certify_attest, certify_signature = pub.marshal(), bytes(attest), certify_sig.marshal()
    finally:
        e.close()
        tcti.close()
    swtpm.run(
        *("tpm2_quote", "-c", hex(AK_HANDLE), "-l", "sha256:0,1,15", "-g", "sha256", "-q", quote_nonce.hex()),
        *("-m", "q.attest", "-s", "q.sig", "-o", "q.pcrs"),
    )

    def run(possession: tuple[bytes, str, bytes, str]) -> aegis.Appraisal:
        return aegis.appraise(
            ak,
            binding,
            app_key=app_key,
            certify_attest=certify_attest,
            certify_signature=certify_signature,
            quote_attest=(swtpm.dir / "q.attest").read_bytes(),
            quote_signature=(swtpm.dir / "q.sig").read_bytes(),
            pcrs=(swtpm.dir / "q.pcrs").read_bytes(),
            certify_nonce=certify_nonce,
            quote_nonce=quote_nonce,
            location_pcr=None,
            possession=possession,
        )

    appraisal = run((message, "ecdsa-sha256", proof, "tpmt"))
    assert rows(appraisal) == [
        ("ak-binding", "passed", None),
        ("app-key-certification", "passed", None),
        ("quote", "passed", None),
        ("app-key-possession", "passed", None),
    ]
    assert appraisal.passed
    assert repr(appraisal) == "Appraisal(passed=True, not_passed={})"
    assert len(appraisal.established) == 5 and "genuine TPM" in appraisal.established[0]
    assert not any("genuine TPM" in s for s in appraisal.not_established)
    assert any("boot state" in s for s in appraisal.not_established)
    assert appraisal.certification is not None and appraisal.certification.public == app_key
    assert appraisal.quote is not None and sorted(appraisal.quote.pcrs["sha256"]) == [0, 1, 15]
    # The App Key as a PublicKey verifies the same proof.
    certified = aegis.PublicKey.from_tpm_public(app_key)
    aegis.verify_signature(certified, "ecdsa-sha256", message, proof, format="tpmt")
    # A flipped proof fails the possession check alone.
    flipped = run((message, "ecdsa-sha256", flip(proof), "tpmt"))
    assert rows(flipped)[3] == ("app-key-possession", "failed", "SignatureInvalid")
    assert [r[1] for r in rows(flipped)[:3]] == ["passed"] * 3 and not flipped.passed


def jcs(value: object) -> str:
    """RFC 8785 for the values used here (ASCII strings, ints, floats with a fraction)."""
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_swtpm_verified_location(swtpm: Tpm) -> None:
    """Two location events extended into PCR 15 of swtpm (FORMATS.md: SHA-256(JCS(event) ||
    nonce)), the last one for the quote's nonce, logged as JSON Lines; a quote over sha256:15.
    The location check passes and Appraisal.location gives the current event exactly as
    measured."""
    _, ak = swtpm.create_ek_and_ak()
    swtpm.run("tpm2_evictcontrol", "-C", "o", "-c", "ak.ctx", hex(AK_HANDLE))
    swtpm.run("tpm2_flushcontext", "-t")
    quote_nonce = os.urandom(32)
    events = [
        ({"sensor_type": "static", "sensor_id": "test-site", "latitude": 52.5, "longitude": 13.25,
          "accuracy_m": 100.5, "time": 1700000000, "quality": "configured"}, os.urandom(32)),
        ({"sensor_type": "gnss", "sensor_id": "test-gnss", "latitude": 48.8566, "longitude": 2.3522,
          "accuracy_m": 4.5, "altitude_m": 35.25, "time": 1700000060, "quality": "3d-fix"}, quote_nonce),
    ]
    log, prev = b"", bytes(32)
    for seq, (event, nonce) in enumerate(events):
        digest = hashlib.sha256(jcs(event).encode() + nonce).digest()
        swtpm.run("tpm2_pcrextend", f"15:sha256={digest.hex()}")
        line = (jcs({"digest": digest.hex(), "event": event, "nonce": nonce.hex(), "prev": prev.hex(),
                     "seq": seq}) + "\n").encode()
        log += line
        prev = hashlib.sha256(line).digest()
    swtpm.run(
        *("tpm2_quote", "-c", hex(AK_HANDLE), "-l", "sha256:15", "-g", "sha256", "-q", quote_nonce.hex()),
        *("-m", "q.attest", "-s", "q.sig", "-o", "q.pcrs"),
    )

    def run(location_log: bytes) -> aegis.Appraisal:
        return aegis.appraise(
            ak,
            None,
            app_key=b"",
            certify_attest=b"",
            certify_signature=b"",
            quote_attest=(swtpm.dir / "q.attest").read_bytes(),
            quote_signature=(swtpm.dir / "q.sig").read_bytes(),
            pcrs=(swtpm.dir / "q.pcrs").read_bytes(),
            certify_nonce=b"",
            quote_nonce=quote_nonce,
            location_log=location_log,
        )

    appraisal = run(log)
    assert [r[:2] for r in rows(appraisal)][2:] == [("quote", "passed"), ("location-log", "passed")]
    location = appraisal.location
    assert isinstance(location, aegis.VerifiedLocation)
    assert location.event_count == 2 and location.pcr == ("sha256", 15)
    assert location.current_json == jcs(events[1][0])
    assert location.current == events[1][0] and location.current is not location.current
    canonical_order = dict(sorted(events[1][0].items()))  # the members in JCS order
    assert repr(location) == f"VerifiedLocation(event_count=2, pcr=('sha256', 15), current={canonical_order!r})"
    # A log that does not replay to the quoted PCR: no verified location.
    broken = run(log.split(b"\n")[0] + b"\n")
    assert rows(broken)[3][:2] == ("location-log", "failed") and broken.location is None
