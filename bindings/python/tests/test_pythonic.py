"""The wheel as a Python user expects it (issue 10, item 4): byte arguments in every buffer form,
argument errors that are ValueErrors, Python-style reprs, docstrings that document every
argument, and an `aegis.keylime` that names its extra when `cryptography` is missing."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import aegis
from conftest import read, vectors

BY_ID = {v["id"]: v for v in vectors("quote", "certify", "ek", "poc")}
RSA_QUOTE = BY_ID["quote-rsa2048-rsassa-sha256"]
CERTIFY = BY_ID["certify-rsa2048-rsassa-sha256-ecc-p256"]
EK = BY_ID["ek/rsa2048"]
POC = BY_ID["poc/valid"]


def quote_inputs() -> tuple[aegis.AttestationKey, bytes, bytes, bytes, bytes]:
    v = RSA_QUOTE
    return (
        aegis.AttestationKey.from_tpm_public(read(v["ak"])),
        read(v["attest"]),
        read(v["signature"]),
        read(v["pcrs"]),
        bytes.fromhex(v["nonce"]),
    )


# --- byte arguments: bytes, bytearray, memoryview -------------------------------------------------

FORMS: list[Callable[[bytes], Any]] = [bytes, bytearray, memoryview, lambda b: memoryview(bytearray(b))]
FORM_IDS = ["bytes", "bytearray", "memoryview", "memoryview-of-bytearray"]


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_verify_quote_takes_every_buffer_form(form: Callable[[bytes], Any]) -> None:
    ak, attest, sig, pcrs, nonce = quote_inputs()
    expected = aegis.verify_quote(ak, attest, sig, pcrs, nonce)
    q = aegis.verify_quote(
        aegis.AttestationKey.from_tpm_public(form(read(RSA_QUOTE["ak"]))),
        form(attest),
        form(sig),
        form(pcrs),
        form(nonce),
        expected_signer=form(bytes.fromhex(RSA_QUOTE["ak_qualified_name"])),
    )
    assert q.pcrs == expected.pcrs and q.hash == expected.hash
    # PCR values in a mapping may be buffers too.
    as_dict = {bank: {i: form(v) for i, v in values.items()} for bank, values in aegis.parse_pcrs(form(pcrs)).items()}
    assert aegis.verify_quote(ak, attest, sig, as_dict, nonce).pcrs == expected.pcrs


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_every_byte_argument_takes_every_buffer_form(form: Callable[[bytes], Any]) -> None:
    c = CERTIFY
    ak = aegis.AttestationKey.from_tpm_public(read(c["ak"]))
    cert = aegis.verify_certify(
        ak, form(read(c["key"])), form(read(c["attest"])), form(read(c["signature"])), form(bytes.fromhex(c["nonce"]))
    )
    assert cert.name == bytes.fromhex(c["key_name"])
    assert aegis.inspect(form(read(RSA_QUOTE["attest"])), "tpms_attest")["magic_is_tpm_generated"] is True
    pem = read(RSA_QUOTE["ak"].replace("ak.pub", "ak.pem"))
    assert not aegis.AttestationKey.from_bare_key_unchecked(form(pem)).is_checked
    # Signatures.
    key = aegis.PrivateKey.from_pem(form(aegis.PrivateKey.generate("ecc-p256").to_pem()))
    sig = key.sign(form(b"message"), "ecdsa-sha256")
    aegis.verify_signature(key.public_key, "ecdsa-sha256", form(b"message"), form(sig))
    assert aegis.PublicKey.from_spki(form(key.public_key.to_spki_der())) == key.public_key
    assert aegis.PublicKey.from_tpm_public(form(read(c["key"]))).kind == "ecc"
    # EK certificates, credentials, Names.
    store = aegis.EkTrustStore()
    for root in EK["ca_roots"]:
        store.add_root(form(read(root)))
    for intermediate in EK.get("ca_intermediates", []):
        store.add_intermediate(form(read(intermediate)))
    vek = aegis.verify_ek_certificate(store, form(read(EK["ek_cert"])), form(read(EK["ek_pub"])), EK["verify_time"])
    assert vek.public == read(EK["ek_pub"])
    made = aegis.make_credential(form(vek.public), form(bytes.fromhex(RSA_QUOTE["ak_name"])), form(b"secret"))
    again = aegis.MadeCredential.from_tpm2_tools_file(form(made.to_tpm2_tools_file()))
    assert again.credential_blob == made.credential_blob
    aegis.check_activated(form(b"secret"), form(b"secret"))
    endorsement = aegis.name_of_handle(aegis.ENDORSEMENT_HIERARCHY)
    assert aegis.qualified_name(form(vek.name), form(endorsement)) == vek.qualified_name
    challenge = aegis.ActivationChallenge(form(vek.public), ak)
    with pytest.raises(aegis.EkError):
        challenge.complete(form(b"wrong"))


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_appraise_takes_every_buffer_form(form: Callable[[bytes], Any]) -> None:
    c, q = CERTIFY, RSA_QUOTE
    ak = aegis.AttestationKey.from_tpm_public(read(q["ak"]))
    appraisal = aegis.appraise(
        ak,
        None,
        app_key=form(read(c["key"])),
        certify_attest=form(read(c["attest"])),
        certify_signature=form(read(c["signature"])),
        quote_attest=form(read(q["attest"])),
        quote_signature=form(read(q["signature"])),
        pcrs=form(read(q["pcrs"])),
        certify_nonce=form(bytes.fromhex(c["nonce"])),
        quote_nonce=form(bytes.fromhex(q["nonce"])),
        location_pcr=None,
        possession=(form(b"m"), "ecdsa-sha256", form(bytes(64))),
    )
    outcomes = {o.check: o.outcome for o in appraisal.outcomes}
    assert outcomes["app-key-certification"] == "passed" and outcomes["quote"] == "passed"
    assert outcomes["app-key-possession"] == "failed"


def test_bytes_are_not_copied_and_a_bytearray_is_read_once() -> None:
    """A bytearray is copied before the GIL is released: changing it afterwards (another thread
    could) cannot change what was verified."""
    ak, attest, sig, pcrs, nonce = quote_inputs()
    buf = bytearray(attest)
    assert aegis.verify_quote(ak, buf, sig, pcrs, nonce).hash == "sha256"
    buf[-1] ^= 1
    with pytest.raises(aegis.SignatureError):
        aegis.verify_quote(ak, buf, sig, pcrs, nonce)


@pytest.mark.parametrize(
    "wrong",
    ["text", 42, [1, 2, 3], memoryview(b"abcdef")[::2], memoryview(bytearray(8)).cast("I")],
    ids=["str", "int", "list", "strided-memoryview", "memoryview-of-uint32"],
)
def test_a_non_buffer_is_a_usage_error_naming_its_type(wrong: Any) -> None:
    ak, attest, sig, pcrs, nonce = quote_inputs()
    for call in (
        lambda: aegis.verify_quote(ak, wrong, sig, pcrs, nonce),
        lambda: aegis.parse_pcrs(wrong),
        lambda: aegis.AttestationKey.from_tpm_public(wrong),
        lambda: aegis.PublicKey.from_spki(wrong),
    ):
        with pytest.raises(aegis.UsageError) as raised:
            call()
        assert isinstance(raised.value, ValueError)
        assert raised.value.name == "InvalidArgument"
    with pytest.raises(ValueError, match=type(wrong).__name__):
        aegis.inspect(wrong)


# --- argument errors are UsageError, which is also a ValueError ----------------------------------


def test_usage_error_is_a_value_error_and_nothing_else_is() -> None:
    assert issubclass(aegis.UsageError, ValueError) and issubclass(aegis.UsageError, aegis.AegisError)
    for cls in (aegis.ParseError, aegis.SignatureError, aegis.PcrError, aegis.KeyPolicyError, aegis.EkError):
        assert not issubclass(cls, ValueError), cls
    e = aegis.UsageError("m", 1001, "InvalidArgument")
    assert (e.code, e.name, e.message) == (1001, "InvalidArgument", "m")
    assert aegis.UsageError.__module__ == "aegis._aegis"


def argument_errors() -> list[tuple[str, Callable[[], object]]]:
    ak, attest, sig, pcrs, nonce = quote_inputs()
    key = aegis.PrivateKey.generate("ecc-p256")
    q = RSA_QUOTE
    c = CERTIFY

    def appraise(**override: Any) -> object:
        kwargs: dict[str, Any] = dict(
            app_key=read(c["key"]),
            certify_attest=read(c["attest"]),
            certify_signature=read(c["signature"]),
            quote_attest=read(q["attest"]),
            quote_signature=read(q["signature"]),
            pcrs=pcrs,
            certify_nonce=bytes.fromhex(c["nonce"]),
            quote_nonce=nonce,
        )
        kwargs.update(override)
        return aegis.appraise(ak, None, **kwargs)

    pem = read(q["ak"].replace("ak.pub", "ak.pem"))
    return [
        ("scheme string", lambda: key.sign(b"m", "ecdsa_sha256")),
        ("scheme hash", lambda: aegis.verify_signature(key.public_key, "ecdsa-md5", b"m", b"s")),
        ("signature format", lambda: key.sign(b"m", "ecdsa-sha256", format="jws")),
        ("key kind", lambda: aegis.PrivateKey.generate("ecc-p999")),
        ("AK scheme", lambda: aegis.AttestationKey.from_bare_key_unchecked(pem, "rsa-pkcs1")),
        ("AK hash", lambda: aegis.AttestationKey.from_bare_key_unchecked(pem, "rsassa", "sha3")),
        ("bank name in require_pcrs", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={"md5": [0]})),
        ("bank of a wrong type", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={1: [0]})),  # type: ignore[dict-item]
        ("PCR index 24", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={"sha256": [24]})),
        ("PCR index -1", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={"sha256": [-1]})),
        ("require_pcrs not a mapping", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs=[15])),  # type: ignore[arg-type]
        ("indices not iterable", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={"sha256": 15})),  # type: ignore[dict-item]
        ("hash name", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, hashes=["sha3"])),
        ("hashes as a str", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, hashes="sha256")),
        ("sha1 without allow_sha1", lambda: aegis.verify_quote(ak, attest, sig, pcrs, nonce, hashes=["sha1"])),
        ("PCR dict bank", lambda: aegis.verify_quote(ak, attest, sig, {"md5": {0: bytes(32)}}, nonce)),
        ("PCR dict index", lambda: aegis.verify_quote(ak, attest, sig, {"sha256": {99: bytes(32)}}, nonce)),
        ("PCR dict value", lambda: aegis.verify_quote(ak, attest, sig, {"sha256": {0: "00" * 32}}, nonce)),  # type: ignore[dict-item]
        ("pcrs of a wrong type", lambda: aegis.verify_quote(ak, attest, sig, 42, nonce)),  # type: ignore[arg-type]
        ("inspect structure name", lambda: aegis.inspect(attest, "no_such_structure")),
        ("location_pcr bank", lambda: appraise(location_pcr=("md5", 15))),
        ("location_pcr index", lambda: appraise(location_pcr=("sha256", 300))),
        ("location_pcr shape", lambda: appraise(location_pcr="sha256:15")),
        ("possession shape", lambda: appraise(possession=(b"m", "ecdsa-sha256"))),
        ("possession scheme", lambda: appraise(possession=(b"m", "ecdsa", bytes(64)))),
        ("ek argument", lambda: aegis.ActivationChallenge("not bytes", ak)),  # type: ignore[arg-type]
        ("empty expected secret", lambda: aegis.check_activated(b"", b"x")),
    ]


ARGUMENT_ERRORS = argument_errors()


@pytest.mark.parametrize("call", [c for _, c in ARGUMENT_ERRORS], ids=[n for n, _ in ARGUMENT_ERRORS])
def test_every_argument_error_is_a_usage_error_and_a_value_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError) as raised:
        call()
    err = raised.value
    assert isinstance(err, aegis.UsageError), repr(err)
    assert (err.code, err.name) == (aegis.ERROR_CODES["InvalidArgument"], "InvalidArgument")
    # The binding's own messages name algorithms ("sha256"), never TPM_ALG_ID numbers.
    assert not re.search(r"0x[0-9a-fA-F]{4}\b", err.message), err.message


def test_bank_messages_name_the_algorithms() -> None:
    ak, attest, sig, pcrs, nonce = quote_inputs()
    with pytest.raises(aegis.UsageError) as raised:
        aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={"sha3": [0]})
    assert all(name in raised.value.message for name in ("sha1", "sha256", "sha384", "sha512"))


# --- reprs -----------------------------------------------------------------------------------------

RUST_ISMS = ("Some(", "{ ", "None (", '"', "Name(", "HashAlg", "::", "b\"")


def instances() -> dict[str, object]:
    """One instance of every class of `aegis.__all__` except AkBinding and VerifiedLocation (only
    a real activation or a real PCR 15 makes one: their reprs are pinned by the swtpm tests of
    test_binding.py and test_appraise.py)."""
    ak, attest, sig, pcrs, nonce = quote_inputs()
    q = aegis.verify_quote(ak, attest, sig, pcrs, nonce)
    c = CERTIFY
    cert_ak = aegis.AttestationKey.from_tpm_public(read(c["ak"]))
    cert = aegis.verify_certify(cert_ak, read(c["key"]), read(c["attest"]), read(c["signature"]), bytes.fromhex(c["nonce"]))
    store = aegis.EkTrustStore()
    for root in EK["ca_roots"]:
        store.add_root(read(root))
    for intermediate in EK.get("ca_intermediates", []):
        store.add_intermediate(read(intermediate))
    vek = aegis.verify_ek_certificate(store, read(EK["ek_cert"]), read(EK["ek_pub"]), EK["verify_time"])
    key = aegis.PrivateKey.generate("ecc-p256")
    appraisal = aegis.appraise(
        cert_ak,
        None,
        app_key=read(c["key"]),
        certify_attest=read(c["attest"]),
        certify_signature=read(c["signature"]),
        quote_attest=attest,
        quote_signature=sig,
        pcrs=pcrs,
        certify_nonce=bytes.fromhex(c["nonce"]),
        quote_nonce=nonce,
    )
    pem = read(RSA_QUOTE["ak"].replace("ak.pub", "ak.pem"))
    objects: dict[str, object] = {
        "AttestationKey": ak,
        "ClockInfo": q.clock,
        "VerifiedQuote": q,
        "VerifiedCertification": cert,
        "EkTrustStore": store,
        "VerifiedEk": vek,
        "MadeCredential": aegis.make_credential(vek.public, bytes.fromhex(RSA_QUOTE["ak_name"]), b"secret"),
        "PublicKey": key.public_key,
        "PrivateKey": key,
        "ActivationChallenge": aegis.ActivationChallenge(vek, ak),
        "Appraisal": appraisal,
        "CheckOutcome": appraisal.outcomes[0],
        "KeyPolicy": aegis.KeyPolicy(),
        "SovereignAttestation": aegis.SovereignAttestation.from_json(read(POC["bundle"])),
        "PocLocationLog": aegis.PocLocationLog.from_json(read(POC["location_log"])),
    }
    fence = aegis.GeofencePolicy.from_json(
        '{"version": 1, "areas": [{"id": "a", "effect": "allow", "geometry": {"type": "Circle", '
        '"center": [6.14, 46.2], "radius_m": 1000}}], "max_accuracy_radius_m": 100, "max_age_s": 300}'
    )
    decision = fence.evaluate(
        '{"sensor_type": "gnss", "sensor_id": "g", "latitude": 46.2, "longitude": 6.14, "accuracy_m": 10, '
        '"time": 1767225590, "quality": "3d-fix"}',
        now=1767225600,
    )
    objects.update(GeofencePolicy=fence, GeofenceDecision=decision, GeofenceReason=decision.reasons[0])
    b = next(v for v in vectors("bundle") if v["id"] == "bundle/ecc-geneva")
    bundle = aegis.EvidenceBundle.from_json(read(b["bundle"]))
    objects["EvidenceBundle"] = bundle
    objects["EnrolmentRecord"] = aegis.EnrolmentRecord.from_json(read(b["enrolment"]))
    objects["AttestationResult"] = aegis.appraise_bundle(bundle, nonce=bundle.nonce, time=b["time"])
    objects["Resolution"] = aegis.geo_resolve(46.2044, 6.1432, 25.0)
    e = next(v for v in vectors("ear") if v["expect"]["verdict"] == "valid")
    ear_nonce = e.get("nonce")
    objects["Ear"] = aegis.verify_ear(
        aegis.PublicKey.from_spki(read(e["key"])),
        read(e["token"]),
        now=e["time"],
        nonce=bytes.fromhex(ear_nonce) if ear_nonce else None,
        algorithms=e.get("algorithms"),
    )
    p = next(v for v in vectors("proof") if v["id"] == "proof/dpog-es256-valid")
    proof_ear = aegis.verify_ear(aegis.PublicKey.from_spki(read(p["ear_key"])), read(p["ear"]), now=p["time"])
    cache = aegis.ReplayCache(16)
    objects["ReplayCache"] = cache
    objects["VerifiedProof"] = aegis.verify_proof(
        read(p["token"]), kind="dpog", htm=p["htm"], htu=p["htu"], now=p["time"], ear=proof_ear,
        ear_max_age=p["ear_max_age"], replay_cache=cache,
    )
    w = next(v for v in vectors("proof") if v["id"] == "proof/wpt-es256-valid")
    objects["VerifiedWpt"] = aegis.verify_wpt(
        read(w["token"]), aud=w["aud"], wit=w["wit"], now=w["time"], ear=proof_ear, ear_max_age=w["ear_max_age"],
        replay_cache=cache,
    )
    for name, code in (("AegisError", 0), ("UsageError", 1001), ("ParseError", 2000), ("SignatureError", 3005)):
        cls = getattr(aegis, name)
        objects[name] = cls('a "quoted" message', code, "Name")
    objects["bare AttestationKey"] = aegis.AttestationKey.from_bare_key_unchecked(pem)
    objects["NetworkVerifier"] = aegis.NetworkVerifier(lambda query: ("true", 0))
    return objects


def test_every_class_has_a_python_repr() -> None:
    objects = instances()
    classes = {n for n in aegis.__all__ if isinstance(getattr(aegis, n), type)}
    assert classes - {n.split()[-1] for n in objects} == {"AkBinding", "VerifiedLocation"} | {
        g for g in classes if g.endswith("Error") and g not in objects
    }
    for label, obj in objects.items():
        text = repr(obj)
        assert text.startswith(type(obj).__name__ + "("), (label, text)
        assert text.endswith(")"), (label, text)
        assert not any(r in text for r in RUST_ISMS if not (label.endswith("Error") and r == '"')), (label, text)
    q = objects["VerifiedQuote"]
    assert repr(q) == f"VerifiedQuote(hash='sha256', pcrs={{'sha256': [0, 1, 15]}}, clock={q.clock!r})"  # type: ignore[attr-defined]
    assert repr(objects["AttestationKey"]) == "AttestationKey(scheme='rsassa', hash='sha256', checked=True)"
    assert repr(objects["bare AttestationKey"]) == "AttestationKey(scheme='rsassa', hash='sha256', checked=False)"
    assert repr(objects["NetworkVerifier"]) == "NetworkVerifier(cache_ttl_s=900)"
    # Evaluating a repr of plain values gives the value back.
    clock = objects["ClockInfo"]
    assert eval(repr(clock), {"ClockInfo": aegis.ClockInfo}) == clock
    e = objects["UsageError"]
    assert eval(repr(e), {"UsageError": aegis.UsageError}).message == 'a "quoted" message'


# --- docstrings ------------------------------------------------------------------------------------


def documented(obj: Any) -> list[tuple[str, Any]]:
    """The callables of the public surface: functions, classes (their constructors), and the
    public methods of classes."""
    out: list[tuple[str, Any]] = []
    for name in aegis.__all__:
        value = getattr(aegis, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            continue  # the exception classes: documented by the generator (test_error_table.py)
        if callable(value):
            out.append((name, value))
        if isinstance(value, type):
            for attr in vars(value):
                if not attr.startswith("_"):
                    out.append((f"{name}.{attr}", getattr(value, attr)))
    return out


SURFACE = documented(aegis)


def params_of(obj: Any) -> list[str]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p for p in sig.parameters if p not in ("self", "cls")]


def test_signatures_are_introspectable() -> None:
    """pyo3 gives every function and method a __text_signature__; inspect.signature reads it."""
    assert params_of(aegis.verify_quote) == [
        "ak", "attest", "signature", "pcrs", "nonce", "require_pcrs", "allow_sha1", "hashes", "expected_signer",
        "previous_clock",
    ]
    assert params_of(aegis.ClockInfo) == ["clock", "reset_count", "restart_count", "safe"]
    assert params_of(aegis.ActivationChallenge) == ["ek", "ak"]
    assert params_of(aegis.PrivateKey.sign) == ["message", "scheme", "format"]


@pytest.mark.parametrize("obj", [o for _, o in SURFACE], ids=[n for n, _ in SURFACE])
def test_docstring_documents_every_argument(obj: Any) -> None:
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), "no docstring"
    if isinstance(obj, (property, type(aegis.VerifiedQuote.hash))) or not callable(obj):
        return  # a property (getset descriptor): its docstring says what it is
    params = params_of(obj)
    if isinstance(obj, type):
        if not params:
            # No public constructor (or none with arguments): the docstring says how to get one.
            assert re.search(r"makes? one|constructor|no arguments|Build it|Build one|Make one", doc), doc
            return
    else:
        assert "Returns:" in doc, "no Returns: section"
        assert "Raises:" in doc, "no Raises: section"
    if params:
        assert "Args:" in doc, "no Args: section"
        args = doc.split("Args:", 1)[1]
        for p in params:
            assert re.search(rf"^\s+{p}:", args, re.MULTILINE), f"argument {p!r} is not documented"


def test_byte_forms_are_documented() -> None:
    """The docstrings say which byte forms each function accepts."""
    for obj, forms in [
        (aegis.verify_quote, ["TPMS_ATTEST", "TPM2B_ATTEST", "TPMT_SIGNATURE", "PCR file", "PCR", "JSON", "dict"]),
        (aegis.verify_certify, ["TPM2B_PUBLIC", "TPMT_PUBLIC", "TPMS_ATTEST", "TPM2B_ATTEST"]),
        (aegis.AttestationKey.from_tpm_public, ["TPM2B_PUBLIC", "TPMT_PUBLIC", "bytearray", "memoryview"]),
        (aegis.PublicKey.from_spki, ["DER", "PEM"]),
        (aegis.parse_pcrs, ["tpm2-tools PCR file", "PCR JSON"]),
        (aegis.appraise, ["TPM2B_PUBLIC", "TPMS_ATTEST", "TPMT_SIGNATURE", "PCR file", "dict"]),
        (aegis.verify_ek_certificate, ["DER", "TPM2B_PUBLIC", "TPMT_PUBLIC"]),
    ]:
        doc = inspect.getdoc(obj) or ""
        for form in forms:
            assert form in doc, (obj, form)


def test_keylime_docstrings() -> None:
    import aegis.keylime as keylime

    for fn in (keylime.checkquote, keylime.checkquote_tpm2b):
        doc = inspect.getdoc(fn) or ""
        for section in ("Args:", "Returns:", "Raises:"):
            assert section in doc
        for p in inspect.signature(fn).parameters:
            assert re.search(rf"^\s+{p}:", doc, re.MULTILINE), (fn, p)
    assert "keylime" in (keylime.__doc__ or "") and "aegis[keylime]" in (keylime.__doc__ or "")


# --- the keylime extra -----------------------------------------------------------------------------


def test_keylime_without_cryptography_names_the_extra() -> None:
    """Without `cryptography` (the `keylime` extra), importing aegis.keylime raises an ImportError
    that says what to install; `import aegis` itself does not need it."""
    script = (
        "import sys\n"
        "sys.modules['cryptography'] = None  # as if not installed\n"
        "import aegis\n"
        "try:\n"
        "    import aegis.keylime\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "else:\n"
        "    raise SystemExit('imported')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "pip install 'aegis[keylime]'" in out.stdout and "cryptography" in out.stdout, out.stdout
