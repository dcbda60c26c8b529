#!/usr/bin/env python3
"""Regenerate ALL vectors in testdata/ from a freshly manufactured software TPM.

    .venv/bin/python testdata/gen/make_vectors.py        (or: make -C testdata vectors)

Starts swtpm with scripts/swtpm.sh (EKs + EK certificates from a throw-away local CA), makes AKs
with tpm2-tools, quotes with tpm2_quote (so quote.attest / quote.sig / pcrs.bin are byte-for-byte
what tpm2-tools writes), and uses tpm2-pytss where tpm2-tools 5.4 cannot do the job (TPM2_Certify
with qualifying data, TPM2_GetTime, TPM2_Hash + TPM2_Sign). Attack vectors are real TPM output
mutated here, or forged structures that the TPM itself signs; nothing is edited by hand.

Nonces are fixed (derived from the vector id); keys, signatures and clock values change per run.
Before replacing testdata/, every vector is re-verified by refcheck.py (a small independent
reference verifier) and the run fails if any expected verdict disagrees.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
ROOT = TESTDATA.parent
sys.path.insert(0, str(HERE))

import refcheck  # noqa: E402
import tpmfmt as T  # noqa: E402

# Persistent handles made by scripts/swtpm.sh (swtpm_setup) and by this script.
EK_RSA = 0x81010001
EK_ECC = 0x81010016
EK_CERT_RSA_NV = 0x01C00002  # TCG EK Credential Profile: RSA 2048 EK certificate
EK_CERT_ECC_NV = 0x01C00016  # high range: ECC NIST P-384 EK certificate
SRK = 0x81000001

AKS = {
    # name: (tpm2_createak -G, -g, -s, persistent handle, description)
    "rsa2048-rsassa-sha256": ("rsa", "sha256", "rsassa", 0x81010010, "RSA-2048 RSASSA-SHA256"),
    "rsa2048-rsapss-sha256": ("rsa", "sha256", "rsapss", 0x81010011, "RSA-2048 RSAPSS-SHA256"),
    "ecc-p256-ecdsa-sha256": ("ecc256", "sha256", "ecdsa", 0x81010012, "ECC P-256 ECDSA-SHA256"),
    "ecc-p384-ecdsa-sha384": ("ecc384", "sha384", "ecdsa", 0x81010013, "ECC P-384 ECDSA-SHA384"),
    "rsa2048-rsassa-sha1": ("rsa", "sha1", "rsassa", 0x81010014, "RSA-2048 RSASSA-SHA1"),
}

SIGN_ATTRS = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"
APP_KEYS = {
    # name: (tpm2-pytss template, objectAttributes)
    "ecc-p256": ("ecc256:ecdsa-sha256", SIGN_ATTRS),
    "rsa2048": ("rsa2048:rsassa-sha256", SIGN_ATTRS),
    "dup-ecc-p256": ("ecc256:ecdsa-sha256", "sensitivedataorigin|userwithauth|sign"),
    "storage-rsa2048": ("rsa2048:null:aes128cfb", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt"),
    "signdecrypt-rsa2048": ("rsa2048:null:null", SIGN_ATTRS + "|decrypt"),
    "rsa1024": ("rsa1024:rsassa-sha256", SIGN_ATTRS),
    "unrestricted-rsa2048": ("rsa2048:rsassa-sha256", SIGN_ATTRS),
}

APP_KEY_DESC = {"ecc-p256": "ECC P-256 ECDSA-SHA256", "rsa2048": "RSA-2048 RSASSA-SHA256"}

PCR15_EVENT = b"aegis testdata: PCR 15 event (stands in for a location event)\n"
PCR16_EVENT = b"aegis testdata: PCR 16 (debug PCR) event\n"
SEL_ONE_BANK = "sha256:0,1,15"
SEL_MULTI = "sha1:0+sha256:0,1,15+sha384:15"


def nonce_for(label: str) -> bytes:
    return hashlib.sha256(b"aegis-testdata-nonce:" + label.encode()).digest()


def log(msg: str) -> None:
    print(f"make_vectors: {msg}", file=sys.stderr, flush=True)


class Gen:
    def __init__(self, tpmdir: Path, stage: Path):
        self.tpmdir = tpmdir
        self.stage = stage
        self.scratch = tpmdir / "scratch"
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.tcti = (tpmdir / "tcti").read_text().strip()
        self.env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti)
        self.vectors: list = []
        self.aks: dict = {}  # name -> {"handle", "pub", "public", "hash"}
        self.app: dict = {}  # name -> (TPM2B_PRIVATE, TPM2B_PUBLIC)
        self.quotes: dict = {}
        self.skipped: list = []

    # -- plumbing -------------------------------------------------------------------------------

    def tools(self, *args: str) -> subprocess.CompletedProcess:
        p = subprocess.run([str(a) for a in args], env=self.env, capture_output=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} failed ({p.returncode}): {p.stderr.decode()}")
        return p

    @contextlib.contextmanager
    def esys(self):
        """One ESAPI connection; swtpm serves one client at a time, so close it before tpm2-tools."""
        from tpm2_pytss.ESAPI import ESAPI
        from tpm2_pytss.TCTILdr import TCTILdr

        name, conf = self.tcti.split(":", 1)
        tcti = TCTILdr(name, conf)
        e = ESAPI(tcti)
        try:
            yield e
        finally:
            e.close()
            tcti.close()

    def write(self, vid: str, fname: str, data) -> str:
        d = self.stage / vid
        d.mkdir(parents=True, exist_ok=True)
        if isinstance(data, (dict, list)):
            data = (json.dumps(data, indent=2, sort_keys=False) + "\n").encode()
        (d / fname).write_bytes(bytes(data))
        return f"{vid}/{fname}"

    def write_key(self, vid: str, stem: str, pub: bytes) -> str:
        p = T.parse_tpm2b_public(pub)
        path = self.write(vid, f"{stem}.pub", pub)
        self.write(vid, f"{stem}.pem", p.pem())
        return path

    # -- TPM set-up -----------------------------------------------------------------------------

    def setup(self) -> None:
        ev15 = self.scratch / "pcr15.event"
        ev15.write_bytes(PCR15_EVENT)
        ev16 = self.scratch / "pcr16.event"
        ev16.write_bytes(PCR16_EVENT)
        self.tools("tpm2_pcrevent", "15", ev15)  # extends every active bank
        self.tools("tpm2_pcrevent", "16", ev16)
        self.tools("tpm2_readpublic", "-c", hex(EK_RSA), "-o", self.scratch / "ek-rsa.pub")
        ek_name = T.parse_tpm2b_public((self.scratch / "ek-rsa.pub").read_bytes()).name()
        for name, (alg, halg, scheme, handle, _) in AKS.items():
            d = self.scratch / f"ak-{name}"
            d.mkdir()
            self.tools("tpm2_createak", "-C", hex(EK_RSA), "-c", d / "ak.ctx", "-G", alg, "-g", halg, "-s", scheme,
                       "-u", d / "ak.pub", "-n", d / "ak.name", "-q", d / "ak.qname")
            self.tools("tpm2_evictcontrol", "-C", "o", "-c", d / "ak.ctx", hex(handle))
            self.tools("tpm2_flushcontext", "-t")
            pub = (d / "ak.pub").read_bytes()
            public = T.parse_tpm2b_public(pub)
            assert public.name() == (d / "ak.name").read_bytes(), "AK Name differs from tpm2_createak's"
            assert public.attrs & T.OA_RESTRICTED and public.attrs & T.OA_SIGN
            qn = (d / "ak.qname").read_bytes()
            assert qn == T.qualified_name(T.qualified_name(T.RH_ENDORSEMENT, ek_name), public.name())
            self.aks[name] = {"handle": handle, "pub": pub, "public": public, "hash": halg, "qn": qn}
        log(f"made {len(self.aks)} AKs under the RSA EK")

        from tpm2_pytss import ESYS_TR, TPM2B_PUBLIC

        with self.esys() as e:
            tmpl = TPM2B_PUBLIC.parse(
                "rsa2048:null:aes128cfb",
                objectAttributes="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt|noda",
            )
            srk, *_ = e.create_primary(None, tmpl, ESYS_TR.OWNER)
            e.evict_control(ESYS_TR.OWNER, srk, SRK)
            e.flush_context(srk)
            parent = e.tr_from_tpmpublic(SRK)
            for name, (templ, attrs) in APP_KEYS.items():
                try:
                    priv, pub, *_ = e.create(parent, None, TPM2B_PUBLIC.parse(templ, objectAttributes=attrs))
                except Exception as exc:  # e.g. a TPM without RSA-1024
                    self.skipped.append((name, f"TPM2_Create refused {templ}: {exc}"))
                    log(f"skipping app key {name}: {exc}")
                    continue
                self.app[name] = (priv, pub)
        log(f"made {len(self.app)} keys under the SRK")

    # -- TPM operations -------------------------------------------------------------------------

    def quote(self, ak: str, sel: str, nonce: bytes | None) -> tuple:
        a = self.aks[ak]
        d = Path(tempfile.mkdtemp(dir=self.scratch))
        args = ["tpm2_quote", "-c", hex(a["handle"]), "-l", sel, "-g", a["hash"], "--scheme", AKS[ak][2],
                "-m", d / "q.attest", "-s", d / "q.sig", "-o", d / "q.pcrs"]
        if nonce:
            args += ["-q", nonce.hex()]
        self.tools(*args)
        attest, sig, pcrs = ((d / f).read_bytes() for f in ("q.attest", "q.sig", "q.pcrs"))
        # our writer must reproduce tpm2-tools' PCR file exactly (it is used for the forged ones)
        assert T.write_pcr_file(T.read_pcr_file(pcrs)) == pcrs, "PCR file writer disagrees with tpm2-tools"
        return attest, sig, pcrs

    def with_app_key(self, e, name: str):
        from tpm2_pytss import ESYS_TR

        priv, pub = self.app[name]
        return e.load(e.tr_from_tpmpublic(SRK), priv, pub), pub.marshal()

    def certify(self, ak: str, key: str, nonce: bytes) -> tuple:
        from tpm2_pytss import TPM2_ALG, TPMT_SIG_SCHEME

        with self.esys() as e:
            h, pub = self.with_app_key(e, key)
            try:
                info, sig = e.certify(h, e.tr_from_tpmpublic(self.aks[ak]["handle"]), nonce,
                                      TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL))
            finally:
                e.flush_context(h)
        return bytes(info), sig.marshal(), pub

    # -- manifest entries ---------------------------------------------------------------------------

    def qn_of(self, ak_pub: bytes) -> dict:
        for a in self.aks.values():
            if a["pub"] == ak_pub:
                return {"ak_qualified_name": a["qn"].hex()}
        return {}

    def add_quote(self, vid, desc, ak_pub, attest, sig, pcrs, nonce, policy, error=None,
                  keylime_valid=None, keylime_note=None, keylime_hash=None):
        ak = T.parse_tpm2b_public(ak_pub)
        entry = {
            "id": vid, "kind": "quote", "description": desc,
            "ak": self.write_key(vid, "ak", ak_pub), "ak_name": ak.name().hex(), **self.qn_of(ak_pub),
            "attest": self.write(vid, "quote.attest", attest),
            "signature": self.write(vid, "quote.sig", sig),
            "pcrs": self.write(vid, "pcrs.json" if isinstance(pcrs, dict) else "pcrs.bin", pcrs),
            "nonce": nonce.hex(), "policy": policy,
            "expect": {"verdict": "valid"} if error is None else {"verdict": "invalid", "error": error},
        }
        if keylime_valid is None:
            keylime_valid = error is None
        kl = {"verdict": "valid" if keylime_valid else "invalid",
              "hash_alg": keylime_hash or T.HASH_NAMES[ak.scheme_hash]}
        if keylime_valid != (error is None):
            assert keylime_note, f"{vid}: keylime differs from Aegis and needs a note"
        if keylime_note:
            kl["note"] = keylime_note
        entry["keylime"] = kl
        self.vectors.append(entry)

    def add_certify(self, vid, desc, ak_pub, key_pub, attest, sig, nonce, policy, error=None):
        self.vectors.append({
            "id": vid, "kind": "certify", "description": desc,
            "ak": self.write_key(vid, "ak", ak_pub), "ak_name": T.parse_tpm2b_public(ak_pub).name().hex(),
            **self.qn_of(ak_pub),
            "key": self.write_key(vid, "appkey", key_pub),
            "key_name": T.parse_tpm2b_public(key_pub).name().hex(),
            "attest": self.write(vid, "certify.attest", attest),
            "signature": self.write(vid, "certify.sig", sig),
            "nonce": nonce.hex(), "policy": policy,
            "expect": {"verdict": "valid"} if error is None else {"verdict": "invalid", "error": error},
        })

    def add_inspect(self, vid, desc, fname, structure, data, error=None):
        self.vectors.append({
            "id": vid, "kind": "inspect", "description": desc,
            "file": self.write(vid, fname, data), "structure": structure,
            "expect": {"verdict": "valid"} if error is None else {"verdict": "invalid", "error": error},
        })

    @staticmethod
    def policy(require=None, allow_sha1=False, signer=None, previous_clock=None) -> dict:
        """require=None: a certify policy (no PCRs); a dict (even empty): a quote policy."""
        p = {"require_pcrs": require} if require is not None else {}
        p["allow_sha1"] = allow_sha1
        if signer is not None:
            p["expected_signer"] = signer.hex()
        if previous_clock is not None:
            p["previous_clock"] = previous_clock
        return p

    # -- the vectors ----------------------------------------------------------------------------

    def make_quotes(self) -> None:
        R = self.aks["rsa2048-rsassa-sha256"]
        one_bank = {"sha256": [0, 1, 15]}

        # Valid quotes, one per AK type, over sha256:0,1,15 (the P-384 one over its own bank).
        specs = [
            ("quote-rsa2048-rsassa-sha256", "rsa2048-rsassa-sha256", SEL_ONE_BANK, one_bank, True, None),
            ("quote-rsa2048-rsapss-sha256", "rsa2048-rsapss-sha256", SEL_ONE_BANK, one_bank, False,
             "keylime's checkquote accepts only RSASSA signatures from RSA AKs (RSA-PSS is refused)"),
            ("quote-ecc-p256-ecdsa-sha256", "ecc-p256-ecdsa-sha256", SEL_ONE_BANK, one_bank, True, None),
            ("quote-ecc-p384-ecdsa-sha384", "ecc-p384-ecdsa-sha384", "sha384:0,1,15", {"sha384": [0, 1, 15]},
             True, None),
            ("quote-ecc-p384-ecdsa-sha384-sha256-bank", "ecc-p384-ecdsa-sha384", SEL_ONE_BANK, one_bank, False,
             "keylime hashes only the PCR bank named by the signature hash (sha384); the quote selects sha256 "
             "PCRs, so keylime fails (KeyError) on a valid quote"),
        ]
        for vid, ak, sel, req, kl_ok, note in specs:
            n = nonce_for(vid)
            attest, sig, pcrs = self.quote(ak, sel, n)
            self.quotes[vid] = (attest, sig, pcrs)
            signer = self.aks[ak]["qn"] if ak == "rsa2048-rsassa-sha256" else None
            self.add_quote(vid, f"Valid TPM2_Quote by an {AKS[ak][4]} AK over {sel}; PCR 15 extended first.",
                           self.aks[ak]["pub"], attest, sig, pcrs, n, self.policy(req, signer=signer),
                           keylime_valid=kl_ok, keylime_note=note)

        vid = "quote-multibank-rsassa-sha256"
        n = nonce_for(vid)
        attest, sig, pcrs = self.quote("rsa2048-rsassa-sha256", SEL_MULTI, n)
        multi_note = ("keylime's PCR-blob hashing walks only the signature-hash bank (once per "
                      "selected bank) and runs out of values: multi-bank quotes are refused")
        self.add_quote(vid, f"Valid quote over several banks ({SEL_MULTI}), signature hash sha256; the sha1 "
                       "bank needs policy.allow_sha1.", R["pub"],
                       attest, sig, pcrs, n,
                       self.policy({"sha1": [0], "sha256": [0, 1, 15], "sha384": [15]}, allow_sha1=True),
                       keylime_valid=False, keylime_note=multi_note)
        self.add_quote("attack-sha1-bank-not-allowed", "The multi-bank quote (with a sha1 bank) verified without "
                       "allow_sha1: a SHA-1 PCR bank needs the SHA-1 opt-in like a SHA-1 signature.", R["pub"],
                       attest, sig, pcrs, n, self.policy({"sha256": [0, 1, 15]}),
                       error="PcrBankNotAllowed", keylime_valid=False, keylime_note=multi_note)

        vid = "quote-ecc-p256-pcrs-json"
        n = nonce_for(vid)
        attest, sig, pcrs = self.quote("ecc-p256-ecdsa-sha256", SEL_ONE_BANK, n)
        self.add_quote(vid, "Valid ECDSA P-256 quote with the PCR values in the JSON form.",
                       self.aks["ecc-p256-ecdsa-sha256"]["pub"], attest, sig, T.pcrs_to_json(T.read_pcr_file(pcrs)),
                       n, self.policy(one_bank))

        vid = "quote-rsa2048-rsassa-sha1"
        n = nonce_for(vid)
        attest, sig, pcrs = self.quote("rsa2048-rsassa-sha1", "sha1:0,1,15", n)
        self.quotes[vid] = (attest, sig, pcrs)
        self.add_quote(vid, "SHA-1 quote (AK scheme RSASSA-SHA1, sha1 bank); valid only because policy.allow_sha1.",
                       self.aks["rsa2048-rsassa-sha1"]["pub"], attest, sig, pcrs, n,
                       self.policy({"sha1": [0, 1, 15]}, allow_sha1=True), keylime_hash="sha1")

        # Clock: an early and a later quote by the same AK.
        n_early, n_late = nonce_for("attack-clock-regression"), nonce_for("quote-clock-monotonic")
        early = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n_early)
        time.sleep(1.5)
        late = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n_late)
        c_early, c_late = (T.attest_clock(T.parse_attest(q[0])) for q in (early, late))
        assert c_late["clock"] > c_early["clock"], (c_early, c_late)
        self.add_quote("quote-clock-monotonic",
                       "Valid quote whose policy.previous_clock comes from an earlier quote by the same AK.",
                       R["pub"], *late, n_late, self.policy(one_bank, previous_clock=c_early))
        self.add_quote("attack-clock-regression",
                       "Genuine quote presented after a LATER quote by the same AK was seen "
                       "(policy.previous_clock from the later one, same resetCount/restartCount).",
                       R["pub"], *early, n_early, self.policy(one_bank, previous_clock=c_late),
                       error="ClockRegression", keylime_valid=True,
                       keylime_note="checkquote keeps no clock state (no previous_clock policy)")
        # Item 10: safe = YES promises no greater Clock was ever reported, across resets too.
        seen = dict(c_late, clock=c_late["clock"] + 3_600_000, reset_count=(c_late["reset_count"] - 1) % 2**32,
                    restart_count=0, safe=True)
        self.add_quote("attack-clock-safe-regression",
                       "Genuine quote (safe = YES) presented after an attestation in an EARLIER reset with a "
                       "greater Clock (policy.previous_clock): a TPM reporting safe = YES cannot have done that.",
                       R["pub"], *late, n_late, self.policy(one_bank, previous_clock=seen),
                       error="ClockSafeRegression", keylime_valid=True,
                       keylime_note="checkquote keeps no clock state (no previous_clock policy)")

    def make_pcr_attacks(self) -> None:
        R = self.aks["rsa2048-rsassa-sha256"]
        one_bank = {"sha256": [0, 1, 15]}

        # Signed selection is PCR 16 (debug PCR, extended with a chosen event); the evidence claims
        # that value is PCR 15 (CVE-2024-29039 class).
        for form in ("bin", "json"):
            vid = f"attack-pcr16-claimed-as-pcr15-{form}"
            n = nonce_for(vid)
            attest, sig, pcrs = self.quote("rsa2048-rsassa-sha256", "sha256:16", n)
            (bank, vals), = T.read_pcr_file(pcrs)
            forged = [(bank, {15: vals[16]})]
            self.add_quote(vid, f"Genuine quote whose SIGNED selection is sha256:16; the PCR {form} claims the "
                                "value is sha256:15 (digest still matches).",
                           R["pub"], attest, sig,
                           T.write_pcr_file(forged) if form == "bin" else T.pcrs_to_json(forged), n,
                           self.policy({"sha256": [15]}), error="PcrNotInSelection", keylime_valid=True,
                           keylime_note="keylime recomputes the digest from the PCR file's own selection and never "
                                        "compares it with the signed selection, so PCR 16 passes as PCR 15")

        vid = "attack-required-pcr-missing"
        n = nonce_for(vid)
        attest, sig, pcrs = self.quote("rsa2048-rsassa-sha256", "sha256:0,1", n)
        self.add_quote(vid, "Genuine quote over sha256:0,1 while the policy requires sha256:0,1,15.",
                       R["pub"], attest, sig, pcrs, n, self.policy(one_bank), error="RequiredPcrMissing",
                       keylime_valid=True,
                       keylime_note="checkquote takes no PCR policy (keylime applies its policy afterwards to the "
                                    "PCRs it returns)")

        vid = "attack-pcr-value-tampered"
        n = nonce_for(vid)
        attest, sig, pcrs = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n)
        pset = T.read_pcr_file(pcrs)
        pset[0][1][15] = hashlib.sha256(b"tampered PCR 15").digest()
        self.add_quote(vid, "Genuine quote; the PCR file's sha256:15 value was replaced.", R["pub"], attest, sig,
                       T.write_pcr_file(pset), n, self.policy(one_bank), error="PcrDigestMismatch")

        for form in ("bin", "json"):
            vid = f"attack-pcr-value-missing-{form}"
            n = nonce_for(vid)
            attest, sig, pcrs = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n)
            pset = T.read_pcr_file(pcrs)
            del pset[0][1][1]
            self.add_quote(vid, f"Genuine quote over sha256:0,1,15; the PCR {form} leaves out sha256:1.",
                           R["pub"], attest, sig, T.write_pcr_file(pset) if form == "bin" else T.pcrs_to_json(pset),
                           n, self.policy(one_bank), error="PcrValueMissing")

        vid = "attack-pcr-value-size-json"
        n = nonce_for(vid)
        attest, sig, pcrs = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n)
        pset = T.read_pcr_file(pcrs)
        pset[0][1][15] = pset[0][1][15][:20]
        self.add_quote(vid, "Genuine quote; the JSON gives sha256:15 as 20 bytes (a SHA-1-sized value).",
                       R["pub"], attest, sig, T.pcrs_to_json(pset), n, self.policy(one_bank), error="PcrValueSize")

    def make_signature_attacks(self) -> None:
        R = self.aks["rsa2048-rsassa-sha256"]
        P256 = self.aks["ecc-p256-ecdsa-sha256"]
        one_bank = {"sha256": [0, 1, 15]}
        attest, sig, pcrs = self.quotes["quote-rsa2048-rsassa-sha256"]
        n_rsa = nonce_for("quote-rsa2048-rsassa-sha256")

        vid = "attack-nonce-mismatch"
        self.add_quote(vid, "Genuine quote verified with a different nonce than its extraData.", R["pub"], attest, sig,
                       pcrs, nonce_for(vid + ":verifier"), self.policy(one_bank), error="NonceMismatch")

        vid = "attack-empty-nonce"
        attest0, sig0, pcrs0 = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, None)
        self.add_quote(vid, "Genuine quote made without qualifying data (empty extraData), verified with an empty "
                            "nonce: replayable, refused before anything else.", R["pub"], attest0, sig0, pcrs0, b"",
                       self.policy(one_bank), error="EmptyNonce", keylime_valid=True,
                       keylime_note="keylime only compares the nonce for equality; an empty nonce matches an empty "
                                    "extraData")

        vid = "attack-signer-mismatch"
        self.add_quote(vid, "Genuine quote by the RSASSA AK while policy.expected_signer is the P-256 AK's Name.",
                       R["pub"], attest, sig, pcrs, n_rsa,
                       self.policy(one_bank, signer=P256["qn"]), error="SignerMismatch",
                       keylime_valid=True, keylime_note="checkquote does not look at qualifiedSigner")

        vid = "attack-scheme-mismatch"
        self.add_quote(vid, "RSASSA quote by one AK presented with another RSA AK whose scheme is RSAPSS.",
                       self.aks["rsa2048-rsapss-sha256"]["pub"], attest, sig, pcrs, n_rsa, self.policy(one_bank),
                       error="SignatureSchemeMismatch")

        vid = "attack-hash-field-sha384"
        bad = bytearray(sig)
        assert struct.unpack_from(">HH", bad, 0) == (T.ALG_RSASSA, T.ALG_SHA256)
        struct.pack_into(">H", bad, 2, T.ALG_SHA384)
        self.add_quote(vid, "Genuine RSASSA-SHA256 quote whose TPMT_SIGNATURE hash field was changed to sha384.",
                       R["pub"], attest, bytes(bad), pcrs, n_rsa, self.policy(one_bank), error="HashMismatch")

        vid = "attack-sha1-not-allowed"
        a1, s1, p1 = self.quotes["quote-rsa2048-rsassa-sha1"]
        self.add_quote(vid, "The SHA-1 quote verified without allow_sha1.", self.aks["rsa2048-rsassa-sha1"]["pub"],
                       a1, s1, p1, nonce_for("quote-rsa2048-rsassa-sha1"), self.policy({"sha1": [0, 1, 15]}),
                       error="HashNotAllowed", keylime_hash="sha256")

        vid = "attack-signature-flipped"
        bad = bytearray(sig)
        bad[len(bad) // 2] ^= 0x01
        self.add_quote(vid, "Genuine RSASSA quote with one signature bit flipped.", R["pub"], attest, bytes(bad), pcrs,
                       n_rsa, self.policy(one_bank), error="SignatureInvalid")

        vid = "attack-ecdsa-r-is-n"
        ea, es, ep = self.quotes["quote-ecc-p256-ecdsa-sha256"]
        s = T.parse_signature(es)
        n_order = T.CURVE_ORDERS[T.ECC_NIST_P256].to_bytes(32, "big")
        self.add_quote(vid, "Genuine ECDSA P-256 quote whose signature r was replaced by the curve order n.",
                       P256["pub"], ea, T.build_ecdsa_signature(s.hash, n_order, s.s), ep,
                       nonce_for("quote-ecc-p256-ecdsa-sha256"), self.policy(one_bank), error="EcdsaScalarOutOfRange")

        vid = "attack-ecdsa-r-zero-padded"
        self.add_quote(vid, "Genuine ECDSA P-256 quote whose r carries one extra leading 0x00 (33 bytes): the same "
                       "number, but longer than the curve's size (item 1).",
                       P256["pub"], ea, T.build_ecdsa_signature(s.hash, b"\0" + s.r, s.s), ep,
                       nonce_for("quote-ecc-p256-ecdsa-sha256"), self.policy(one_bank), error="SignatureLength")

        vid = "attack-rsa-signature-zero-padded"
        rs = T.parse_signature(sig)
        self.add_quote(vid, "Genuine RSASSA quote whose signature carries one extra leading 0x00 (257 bytes for a "
                       "2048-bit key): RSA signatures are exactly the modulus length (item 1, RFC 8017 8.2.2).",
                       R["pub"], attest, struct.pack(">HHH", rs.alg, rs.hash, len(rs.sig) + 1) + b"\0" + rs.sig,
                       pcrs, n_rsa, self.policy(one_bank), error="SignatureLength")

        vid = "attack-null-signature"
        self.add_quote(vid, "Genuine quote with a TPMT_SIGNATURE of sigAlg TPM_ALG_NULL (0x0010).", R["pub"], attest,
                       struct.pack(">H", T.ALG_NULL), pcrs, n_rsa, self.policy(one_bank), error="NullSignature")

        vid = "attack-attest-trailing-byte"
        self.add_quote(vid, "Genuine quote with one 0x00 byte appended to the TPMS_ATTEST.", R["pub"],
                       attest + b"\0", sig, pcrs, n_rsa, self.policy(one_bank), error="TrailingBytes")

        vid = "attack-attest-truncated"
        self.add_quote(vid, "Genuine quote with the last byte of the TPMS_ATTEST cut off.", R["pub"], attest[:-1], sig,
                       pcrs, n_rsa, self.policy(one_bank), error="Truncated")

    def make_forgeries(self) -> None:
        """TPMS_ATTESTs chosen by an attacker and signed by the TPM."""
        from tpm2_pytss import ESYS_TR, TPM2_ALG, TPMT_SIG_SCHEME, TPM2B_DATA, TSS2_Exception

        R = self.aks["rsa2048-rsassa-sha256"]
        one_bank = {"sha256": [0, 1, 15]}
        null_scheme = TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL)

        # 1. An unrestricted signing key signs a quote-shaped TPMS_ATTEST with a chosen pcrDigest.
        vid = "attack-ak-not-restricted"
        n = nonce_for(vid)
        attest, _, pcrs = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n)
        pset = T.read_pcr_file(pcrs)
        pset[0][1][15] = hashlib.sha256(b"PCR 15 as the attacker wants it").digest()
        fake_digest = hashlib.sha256(b"".join(v for _, v in sorted(pset[0][1].items()))).digest()
        a = T.parse_attest(attest)
        unres_pub = self.app["unrestricted-rsa2048"][1].marshal()
        unres_name = T.parse_tpm2b_public(unres_pub).name()
        forged = bytearray(attest)
        assert len(unres_name) == len(a.qualified_signer)
        forged[a.offsets["signer"] + 2 : a.offsets["signer"] + 2 + len(unres_name)] = unres_name
        off = a.offsets["pcr_digest"] + 2
        forged[off : off + 32] = fake_digest
        forged = bytes(forged)
        with self.esys() as e:
            h, _ = self.with_app_key(e, "unrestricted-rsa2048")
            try:
                fsig = e.sign(h, hashlib.sha256(forged).digest(), null_scheme).marshal()
            finally:
                e.flush_context(h)
        self.add_quote(vid, "Quote-shaped TPMS_ATTEST (magic TPM_GENERATED, chosen pcrDigest) signed with TPM2_Sign "
                            "by an UNRESTRICTED signing key, which is presented as the AK.",
                       unres_pub, forged, fsig, T.write_pcr_file(pset), n, self.policy(one_bank),
                       error="AkNotRestricted", keylime_valid=True,
                       keylime_note="keylime gets the AK as a bare PEM and cannot see that it is not restricted "
                                    "(AK vetting happens elsewhere; cf. CVE-2021-3406)")

        # 2. Magic changed; the restricted AK signs it via a TPM2_Hash ticket (legal: the data no
        #    longer starts with TPM_GENERATED). The TPM refuses the same for an unmodified attest.
        vid = "attack-bad-magic"
        n = nonce_for(vid)
        attest, _, pcrs = self.quote("rsa2048-rsassa-sha256", SEL_ONE_BANK, n)
        forged = struct.pack(">I", 0xFF544348) + attest[4:]
        with self.esys() as e:
            ak = e.tr_from_tpmpublic(R["handle"])
            _, ticket = e.hash(attest, TPM2_ALG.SHA256, ESYS_TR.OWNER)
            log("expect one TPM_RC_TICKET error from Esys_Sign next: the TPM must refuse TPM_GENERATED data")
            try:
                e.sign(ak, hashlib.sha256(attest).digest(), null_scheme, ticket)
                raise AssertionError("the TPM signed TPM_GENERATED data with a restricted key")
            except TSS2_Exception as exc:
                assert exc.rc & 0xBF == 0xA0, f"expected TPM_RC_TICKET, got {exc}"
            digest, ticket = e.hash(forged, TPM2_ALG.SHA256, ESYS_TR.OWNER)
            fsig = e.sign(ak, digest, null_scheme, ticket).marshal()
        self.add_quote(vid, "TPMS_ATTEST with magic 0xff544348; the real restricted AK signed it (TPM2_Hash ticket + "
                            "TPM2_Sign), so the signature is valid.", R["pub"], forged, fsig, pcrs, n,
                       self.policy(one_bank), error="BadMagic")

        # 3. TPM2_GetTime: a TPMS_ATTEST of type TIME (0x8019).
        n = nonce_for("attack-time-as-quote")
        with self.esys() as e:
            info, tsig = e.get_time(e.tr_from_tpmpublic(R["handle"]), TPM2B_DATA(n), null_scheme,
                                    privacy_admin_handle=ESYS_TR.ENDORSEMENT)
        tattest, tsig = bytes(info), tsig.marshal()
        assert T.parse_attest(tattest).type == T.ST_ATTEST_TIME
        _, _, pcrs = self.quotes["quote-rsa2048-rsassa-sha256"]
        self.add_quote("attack-time-as-quote", "TPM2_GetTime attestation (TPM_ST_ATTEST_TIME) by the AK handed to "
                                               "quote verification.", R["pub"], tattest, tsig, pcrs, n,
                       self.policy(one_bank), error="WrongAttestationType")
        self.add_inspect("inspect-time-attest", "TPMS_ATTEST of type TIME (0x8019) from TPM2_GetTime.",
                         "time.attest", "tpms_attest", tattest, error="UnsupportedAttestationType")

    def make_certifies(self) -> None:
        R = self.aks["rsa2048-rsassa-sha256"]
        for ak in ("rsa2048-rsassa-sha256", "rsa2048-rsapss-sha256", "ecc-p256-ecdsa-sha256", "ecc-p384-ecdsa-sha384"):
            for key in ("ecc-p256", "rsa2048"):
                vid = f"certify-{ak}-{key}"
                n = nonce_for(vid)
                attest, sig, pub = self.certify(ak, key, n)
                self.add_certify(vid, f"Valid TPM2_Certify by the {AKS[ak][4]} AK of an {APP_KEY_DESC[key]} App Key "
                                      f"({SIGN_ATTRS}), qualifying data = nonce.",
                                 self.aks[ak]["pub"], pub, attest, sig, n,
                                 self.policy(signer=self.aks[ak]["qn"]))
                self.quotes[vid] = (attest, sig, pub)

        cases = [
            ("attack-certify-duplicable-key", "dup-ecc-p256", "App Key without fixedTPM/fixedParent (duplicable).",
             "KeyAttributeMissing"),
            ("attack-certify-storage-key", "storage-rsa2048", "App Key is a restricted-decrypt storage key (no sign).",
             "KeyAttributeMissing"),
            ("attack-certify-sign-decrypt-key", "signdecrypt-rsa2048",
             "App Key is an unrestricted RSA key with both sign and decrypt.", "KeyIsDecrypt"),
            ("attack-certify-rsa1024", "rsa1024", "App Key is RSA-1024 (not on the key-size allow-list).",
             "KeyNotAllowed"),
        ]
        for vid, key, desc, err in cases:
            if key not in self.app:
                continue
            n = nonce_for(vid)
            attest, sig, pub = self.certify("rsa2048-rsassa-sha256", key, n)
            self.add_certify(vid, "Genuine TPM2_Certify by the RSASSA AK. " + desc, R["pub"], pub, attest, sig, n,
                             self.policy(), error=err)

        attest, sig, _ = self.quotes["certify-rsa2048-rsassa-sha256-ecc-p256"]
        n = nonce_for("certify-rsa2048-rsassa-sha256-ecc-p256")
        other = self.quotes["certify-rsa2048-rsassa-sha256-rsa2048"][2]
        self.add_certify("attack-certify-name-mismatch", "Genuine certify of the ECC P-256 App Key presented with the "
                         "RSA-2048 App Key.", R["pub"], other, attest, sig, n, self.policy(), error="NameMismatch")
        self.add_certify("attack-certify-nonce-mismatch", "Genuine certify verified with another nonce.", R["pub"],
                         self.quotes["certify-rsa2048-rsassa-sha256-ecc-p256"][2], attest, sig,
                         nonce_for("attack-certify-nonce-mismatch:verifier"), self.policy(), error="NonceMismatch")

        # TPM2_Certify also works with an unrestricted signing key: real TPM output, wrong kind of AK.
        vid = "attack-certify-by-unrestricted-key"
        nu = nonce_for(vid)
        from tpm2_pytss import TPM2_ALG, TPMT_SIG_SCHEME

        with self.esys() as e:
            k, pub = self.with_app_key(e, "ecc-p256")
            s, spub = self.with_app_key(e, "unrestricted-rsa2048")
            try:
                info, csig = e.certify(k, s, nu, TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL))
            finally:
                e.flush_context(k)
                e.flush_context(s)
        self.add_certify(vid, "Genuine TPM2_Certify of the ECC App Key signed by an UNRESTRICTED signing key "
                              "presented as the AK.", spub, pub, bytes(info), csig.marshal(), nu, self.policy(),
                         error="AkNotRestricted")

        # Type confusion both ways.
        qa, qs, qp = self.quotes["quote-rsa2048-rsassa-sha256"]
        self.add_quote("attack-certify-as-quote", "Genuine certify (TPM_ST_ATTEST_CERTIFY) handed to quote "
                       "verification.", R["pub"], attest, sig, qp, n, self.policy({"sha256": [0, 1, 15]}),
                       error="WrongAttestationType")
        self.add_certify("attack-quote-as-certify", "Genuine quote (TPM_ST_ATTEST_QUOTE) handed to certify "
                         "verification.", R["pub"], self.quotes["certify-rsa2048-rsassa-sha256-ecc-p256"][2], qa, qs,
                         nonce_for("quote-rsa2048-rsassa-sha256"), self.policy(), error="WrongAttestationType")

    def make_inspects(self) -> None:
        qa, qs, qp = self.quotes["quote-rsa2048-rsassa-sha256"]
        ea, es, _ = self.quotes["quote-ecc-p256-ecdsa-sha256"]
        R = self.aks["rsa2048-rsassa-sha256"]
        self.add_inspect("inspect-quote-attest", "A genuine quote TPMS_ATTEST.", "quote.attest", "tpms_attest", qa)
        self.add_inspect("inspect-certify-attest", "A genuine certify TPMS_ATTEST.", "certify.attest", "tpms_attest",
                         self.quotes["certify-ecc-p256-ecdsa-sha256-rsa2048"][0])
        self.add_inspect("inspect-ak-public", "A genuine AK TPM2B_PUBLIC (tpm2_createak -u).", "ak.pub",
                         "tpm2b_public", R["pub"])
        self.add_inspect("inspect-signature-ecdsa", "A genuine ECDSA TPMT_SIGNATURE.", "quote.sig", "tpmt_signature",
                         es)
        self.add_inspect("inspect-pcrs-multibank", "A genuine tpm2-tools PCR file over three banks.", "pcrs.bin",
                         "pcrs", self.quote("rsa2048-rsassa-sha256", SEL_MULTI, nonce_for("inspect-pcrs"))[2])

        pub = bytearray(R["pub"])
        assert struct.unpack_from(">H", pub, 2)[0] == T.ALG_RSA
        struct.pack_into(">H", pub, 2, 0x00EE)  # no algorithm has this id in the TCG registry
        self.add_inspect("inspect-unknown-algorithm", "AK TPM2B_PUBLIC whose TPMT_PUBLIC.type is 0x00EE (unassigned).",
                         "ak.pub", "tpm2b_public", bytes(pub), error="UnknownAlgorithm")
        sig = bytearray(qs)
        struct.pack_into(">H", sig, 0, 0x00EE)
        self.add_inspect("inspect-signature-unknown-algorithm", "TPMT_SIGNATURE whose sigAlg is 0x00EE (unassigned).",
                         "quote.sig", "tpmt_signature", bytes(sig), error="UnknownAlgorithm")
        self.add_inspect("inspect-attest-trailing-byte", "Quote TPMS_ATTEST plus one byte.", "quote.attest",
                         "tpms_attest", qa + b"\0", error="TrailingBytes")
        self.add_inspect("inspect-attest-truncated", "Quote TPMS_ATTEST without its last byte.", "quote.attest",
                         "tpms_attest", qa[:-1], error="Truncated")
        a = T.parse_attest(qa)
        big = bytearray(qa)
        struct.pack_into(">H", big, a.offsets["extra"], 67)
        assert len(qa) - a.offsets["extra"] - 2 >= 67
        self.add_inspect("inspect-attest-extradata-oversize", "Quote TPMS_ATTEST whose extraData size field says 67 "
                         "(TPM2B_DATA holds at most sizeof(TPMT_HA) = 66).", "quote.attest", "tpms_attest", bytes(big),
                         error="SizeOutOfRange")
        cnt = bytearray(qa)
        struct.pack_into(">I", cnt, a.offsets["selection"], 17)
        self.add_inspect("inspect-attest-selection-count", "Quote TPMS_ATTEST whose TPML_PCR_SELECTION count is 17 "
                         "(more than the 16 banks a TPML_PCR_SELECTION can hold).", "quote.attest", "tpms_attest",
                         bytes(cnt), error="CountOutOfRange")
        self.add_inspect("inspect-pcrs-truncated", "tpm2-tools PCR file without its last byte.", "pcrs.bin", "pcrs",
                         qp[:-1], error="Truncated")

    def make_eks(self) -> None:
        ca = self.tpmdir / "ca"
        root = self.write("ek/ca", "root.pem", (ca / "swtpm-localca-rootca-cert.pem").read_bytes())
        inter = self.write("ek/ca", "intermediate.pem", (ca / "issuercert.pem").read_bytes())
        from cryptography import x509

        for vid, handle, nv, desc in (
            ("ek/rsa2048", EK_RSA, EK_CERT_RSA_NV, "RSA-2048 EK (TCG template L-1)"),
            ("ek/ecc-p384", EK_ECC, EK_CERT_ECC_NV, "ECC NIST P-384 EK (TCG template H-3)"),
        ):
            d = Path(tempfile.mkdtemp(dir=self.scratch))
            self.tools("tpm2_readpublic", "-c", hex(handle), "-o", d / "ek.pub")
            self.tools("tpm2_nvread", hex(nv), "-C", "o", "-o", d / "ek.nv")
            raw = (d / "ek.nv").read_bytes()
            # the NV index may be larger than the DER: keep exactly the outer SEQUENCE
            assert raw[0] == 0x30 and raw[1] == 0x82
            der = raw[: 4 + struct.unpack(">H", raw[2:4])[0]]
            cert = x509.load_der_x509_certificate(der)
            self.vectors.append({
                "id": vid, "kind": "ek", "description": f"{desc} certificate from NV {nv:#010x}, issued by the swtpm "
                                                          "local CA (root + intermediate), and the EK public area "
                                                          f"from persistent handle {handle:#010x}.",
                "ek_cert": self.write(vid, "ek.der", der),
                "ek_pub": self.write(vid, "ek.pub", (d / "ek.pub").read_bytes()),
                "ek_name": T.parse_tpm2b_public((d / "ek.pub").read_bytes()).name().hex(),
                "ca_roots": [root], "ca_intermediates": [inter],
                "verify_time": int(cert.not_valid_before_utc.timestamp()) + 86400,
                "expect": {"verdict": "valid"},
            })


def install(stage: Path, manifest: dict) -> None:
    """Replace the generated parts of testdata/ (everything but gen/, Makefile, README.md and the
    directories of the other generators)."""
    keep = {"gen", "Makefile", "README.md", ".gitignore"} | refcheck.OTHER_GENERATOR_DIRS
    for p in TESTDATA.iterdir():
        if p.name in keep:
            continue
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    for p in stage.iterdir():
        shutil.move(str(p), TESTDATA / p.name)
    (TESTDATA / "manifest.json").write_text(dump_json(manifest))


def dump_json(doc) -> str:
    """Indented JSON with short lists of numbers kept on one line."""
    text = json.dumps(doc, indent=2)
    text = re.sub(r"\[\s+([-\d,\s]+?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                  text)
    return text + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep the temporary swtpm directory")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aegis-vectors-"))
    tpmdir, stage = tmp / "tpm", tmp / "out"
    stage.mkdir(parents=True)
    swtpm = ["bash", str(ROOT / "scripts" / "swtpm.sh")]
    subprocess.run(swtpm + ["start", str(tpmdir)], check=True, stdout=subprocess.DEVNULL)
    try:
        g = Gen(tpmdir, stage)
        g.setup()
        g.make_quotes()
        g.make_pcr_attacks()
        g.make_signature_attacks()
        g.make_forgeries()
        g.make_certifies()
        g.make_inspects()
        g.make_eks()
    finally:
        subprocess.run(swtpm + ["stop", str(tpmdir)], check=False)
    # Vectors of the kinds other generators write (refcheck.OTHER_GENERATORS) are kept as they are.
    old = json.loads((TESTDATA / "manifest.json").read_text()) if (TESTDATA / "manifest.json").exists() else {}
    kept = [v for v in old.get("vectors", []) if v["kind"] in refcheck.OTHER_GENERATORS]
    manifest = {"schema": 1, "generator": "testdata/gen/make_vectors.py", "vectors": g.vectors + kept}
    if g.skipped:
        manifest["skipped"] = [{"what": w, "why": why} for w, why in g.skipped]
    ids = [v["id"] for v in g.vectors]
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    problems = refcheck.check_manifest(stage, manifest)
    if problems:
        for p in problems:
            log("MISMATCH " + p)
        log(f"refusing to install: output left in {stage}")
        return 1
    install(stage, manifest)
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(f.stat().st_size for f in TESTDATA.rglob("*") if f.is_file())
    log(f"wrote {len(ids)} vectors to {TESTDATA} ({total} bytes); refcheck agrees with every expected verdict")
    return 0


if __name__ == "__main__":
    sys.exit(main())
