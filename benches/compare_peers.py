#!/usr/bin/env python3
"""Aegis vs keylime's checkquote vs bare signature verification, on the same quote, in one run.

A benchmark, not a test (TESTING.md): it prints medians and ratios with PASS/MISS against the
targets of issue 2 and exits 0 either way (--strict: exit 1 on a MISS).

In one run, for each quote vector (ECDSA P-256 and RSA-2048 RSASSA by default), it alternates
ROUNDS times between
  - aegis-core/examples/bench_quote (Rust, in-process timing, candidates interleaved):
      aegis/<provider>        read_pcrs + verify_quote from the wire bytes, AK prepared once
      aegis/<provider>+ak     the same plus parsing and checking the AK's TPM2B_PUBLIC per call
      bare/...                hash + signature verify only, key and signature prepared
                              (OpenSSL EVP, OpenSSL ECDSA_do_verify, RustCrypto)
      diag/...                how the native provider builds its key per call (for profiling)
  - this process (timeit, in-process):
      keylime/checkquote      keylime.tpm.tpm_util.checkquote (PEM AK, as its API takes it)
      bare/cryptography       Python `cryptography` (its own OpenSSL) key.verify, key prepared
and reports the median of the per-round medians.

Targets: Aegis quote verification (default provider) within 1.25x of the fastest bare
signature verification; keylime's checkquote at least 1.3x slower than Aegis.

Usage: .venv/bin/python benches/compare_peers.py [--rounds N] [--no-build] [--strict] [VECTOR_ID...]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = ROOT / "testdata"
DEFAULT_VECTORS = ["quote-ecc-p256-ecdsa-sha256", "quote-rsa2048-rsassa-sha256"]
BARE_TARGET = 1.25  # Aegis / bare <= this
KEYLIME_TARGET = 1.3  # keylime / Aegis >= this
AEGIS = "aegis/openssl"  # the default provider (crypto::default_provider)


def calibrate(fn, sample_s: float) -> tuple[timeit.Timer, int]:
    """A timer for `fn` after a warm-up, and the number of calls that take about `sample_s`."""
    timer = timeit.Timer(fn)
    for _ in range(10):
        fn()
    number, elapsed = 1, 0.0
    while elapsed < sample_s / 4:
        number *= 2
        elapsed = timer.timeit(number)
    return timer, max(1, int(number * sample_s / max(elapsed, 1e-9)))


def median_ns(fn, samples: int, sample_s: float) -> float:
    """Median time per call in ns: `samples` samples of about `sample_s` seconds each."""
    timer, number = calibrate(fn, sample_s)
    return statistics.median(t / number * 1e9 for t in timer.repeat(samples, number))


def python_jobs(v: dict) -> dict:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from keylime.tpm import tpm_util

    ak_pem = (TESTDATA / v["ak"]).with_name("ak.pem").read_bytes()
    attest = (TESTDATA / v["attest"]).read_bytes()
    sig = (TESTDATA / v["signature"]).read_bytes()
    pcrs = (TESTDATA / v["pcrs"]).read_bytes()
    assert v["pcrs"].endswith(".bin"), "keylime takes the tpm2-tools PCR file"
    nonce = bytes.fromhex(v["nonce"])
    hash_name = v["keylime"]["hash_alg"]
    hash_alg = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384}[hash_name]()

    # Must pass before it is timed.
    tpm_util.checkquote(ak_pem, nonce, sig, attest, pcrs, hash_name)

    key = serialization.load_pem_public_key(ak_pem)
    sig_alg = int.from_bytes(sig[0:2], "big")
    if sig_alg == 0x0018:  # ECDSA: TPMS_SIGNATURE_ECDSA r, s -> DER once, outside the timing
        rlen = int.from_bytes(sig[4:6], "big")
        r = int.from_bytes(sig[6 : 6 + rlen], "big")
        slen = int.from_bytes(sig[6 + rlen : 8 + rlen], "big")
        s = int.from_bytes(sig[8 + rlen : 8 + rlen + slen], "big")
        der = encode_dss_signature(r, s)

        def bare():
            key.verify(der, attest, ec.ECDSA(hash_alg))

    elif sig_alg == 0x0014:  # RSASSA
        slen = int.from_bytes(sig[4:6], "big")
        raw = sig[6 : 6 + slen]

        def bare():
            key.verify(raw, attest, padding.PKCS1v15(), hash_alg)

    else:
        raise SystemExit(f"{v['id']}: unsupported signature algorithm {sig_alg:#x}")
    bare()
    return {
        "keylime/checkquote": lambda: tpm_util.checkquote(ak_pem, nonce, sig, attest, pcrs, hash_name),
        "bare/cryptography": bare,
    }


def run_rust(ids: list, samples: int, sample_ms: int) -> list:
    exe = ROOT / "target" / "release" / "examples" / "bench_quote"
    out = subprocess.run(
        [str(exe), "--testdata", str(TESTDATA), "--samples", str(samples), "--sample-ms", str(sample_ms), *ids],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vectors", nargs="*", default=DEFAULT_VECTORS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=15)
    ap.add_argument("--sample-ms", type=int, default=40)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run(
            ["cargo", "build", "--quiet", "--release", "-p", "aegis-core", "--example", "bench_quote"],
            cwd=ROOT,
            check=True,
        )
    manifest = json.loads((TESTDATA / "manifest.json").read_text())
    by_id = {v["id"]: v for v in manifest["vectors"]}
    jobs = {vid: python_jobs(by_id[vid]) for vid in args.vectors}

    rounds: dict = {}  # (vector, candidate) -> [median per round]
    info: dict = {}
    for _ in range(args.rounds):
        for row in run_rust(args.vectors, args.samples, args.sample_ms):
            if "candidate" not in row:
                info.update(row)
                continue
            rounds.setdefault((row["vector"], row["candidate"]), []).append(row["median_ns"])
        for vid, vjobs in jobs.items():
            for name, fn in vjobs.items():
                rounds.setdefault((vid, name), []).append(median_ns(fn, args.samples, args.sample_ms / 1000))

    figures = {key: statistics.median(vals) for key, vals in rounds.items()}
    missed = False
    report = {}
    from importlib.metadata import version

    from cryptography.hazmat.backends.openssl import backend

    print(f"compare_peers: {args.rounds} rounds x {args.samples} samples of ~{args.sample_ms} ms each; medians")
    print(f"  Rust: {info.get('openssl', '?')} (openssl crate); Python: keylime {version('keylime')}, "
          f"cryptography {version('cryptography')} ({backend.openssl_version_text()})")
    for vid in args.vectors:
        rows = {c: ns for (v, c), ns in figures.items() if v == vid}
        bare_name, bare = min(((c, ns) for c, ns in rows.items() if c.startswith("bare/")), key=lambda x: x[1])
        aegis = rows[AEGIS]
        keylime_ns = rows["keylime/checkquote"]
        print(f"\n{vid}")
        for c, ns in sorted(rows.items(), key=lambda x: x[1]):
            print(f"  {c:32s} {ns / 1000:9.1f} us   {ns / bare:5.2f}x bare")
        r_bare = aegis / bare
        r_keylime = keylime_ns / aegis
        ok_bare = r_bare <= BARE_TARGET
        ok_keylime = r_keylime >= KEYLIME_TARGET
        missed |= not (ok_bare and ok_keylime)
        print(f"  Aegis/bare    = {aegis / 1000:.1f} / {bare / 1000:.1f} ({bare_name}) = {r_bare:.2f}x "
              f"(target <= {BARE_TARGET}x): {'PASS' if ok_bare else 'MISS'}")
        print(f"  keylime/Aegis = {keylime_ns / 1000:.1f} / {aegis / 1000:.1f} = {r_keylime:.2f}x "
              f"(target >= {KEYLIME_TARGET}x): {'PASS' if ok_keylime else 'MISS'}")
        own = rows.get("diag/aegis-without-crypto")
        if own is not None and not ok_bare:
            # What the native provider would cost with its key prepared: the Rust OpenSSL bare call.
            native_bare = min(ns for c, ns in rows.items() if c.startswith("bare/openssl"))
            proj = native_bare + own
            print(f"  Aegis's own work (parse, hash, policy, PCR digest; diag/aegis-without-crypto) = {own / 1000:.1f} us: "
                  f"the rest of {AEGIS} is its crypto provider. With the provider key prepared once per AK, "
                  f"Aegis ~ {proj / 1000:.1f} us = {proj / bare:.2f}x bare, keylime/Aegis ~ {keylime_ns / proj:.2f}x")
        report[vid] = {"median_ns": rows, "fastest_bare": bare_name, "aegis_over_bare": r_bare,
                       "keylime_over_aegis": r_keylime, "pass_bare": ok_bare, "pass_keylime": ok_keylime}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
