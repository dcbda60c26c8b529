"""Strict readers and writers for the TPM 2.0 structures in testdata/ (TCG TPM 2.0 Library, Part 2).

Used by make_vectors.py (to mutate real TPM output), by refcheck.py (a small reference verifier that
cross-checks every expected verdict in manifest.json) and by tests/peers (PCR JSON -> tpm2-tools
file). Standard library plus `cryptography` only; no TPM needed.

Every parse error is a VectorError whose .name is one of the Aegis error variant names
(Truncated, TrailingBytes, SizeOutOfRange, CountOutOfRange, UnknownAlgorithm, ...).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

# TPM_GENERATED (Part 2, 6.2) and TPM_ST attestation tags (Part 2, 6.9)
TPM_GENERATED_VALUE = 0xFF544347
ST_ATTEST_NV = 0x8014
ST_ATTEST_COMMAND_AUDIT = 0x8015
ST_ATTEST_SESSION_AUDIT = 0x8016
ST_ATTEST_CERTIFY = 0x8017
ST_ATTEST_QUOTE = 0x8018
ST_ATTEST_TIME = 0x8019
ST_ATTEST_CREATION = 0x801A
ST_ATTEST_NV_DIGEST = 0x801C

# TPM_ALG_ID (Part 2, 6.3; TCG Algorithm Registry)
ALG_RSA = 0x0001
ALG_SHA1 = 0x0004
ALG_HMAC = 0x0005
ALG_AES = 0x0006
ALG_MGF1 = 0x0007
ALG_KEYEDHASH = 0x0008
ALG_XOR = 0x000A
ALG_SHA256 = 0x000B
ALG_SHA384 = 0x000C
ALG_SHA512 = 0x000D
ALG_NULL = 0x0010
ALG_SM3_256 = 0x0012
ALG_SM4 = 0x0013
ALG_RSASSA = 0x0014
ALG_RSAES = 0x0015
ALG_RSAPSS = 0x0016
ALG_OAEP = 0x0017
ALG_ECDSA = 0x0018
ALG_ECDH = 0x0019
ALG_ECDAA = 0x001A
ALG_SM2 = 0x001B
ALG_ECSCHNORR = 0x001C
ALG_ECMQV = 0x001D
ALG_KDF1_SP800_56A = 0x0020
ALG_KDF2 = 0x0021
ALG_KDF1_SP800_108 = 0x0022
ALG_ECC = 0x0023
ALG_SYMCIPHER = 0x0025
ALG_CAMELLIA = 0x0026
ALG_SHA3_256 = 0x0027
ALG_SHA3_384 = 0x0028
ALG_SHA3_512 = 0x0029
ALG_CTR = 0x0040
ALG_OFB = 0x0041
ALG_CBC = 0x0042
ALG_CFB = 0x0043
ALG_ECB = 0x0044

HASH_SIZES = {
    ALG_SHA1: 20,
    ALG_SHA256: 32,
    ALG_SHA384: 48,
    ALG_SHA512: 64,
    ALG_SM3_256: 32,
    ALG_SHA3_256: 32,
    ALG_SHA3_384: 48,
    ALG_SHA3_512: 64,
}
HASH_NAMES = {ALG_SHA1: "sha1", ALG_SHA256: "sha256", ALG_SHA384: "sha384", ALG_SHA512: "sha512"}
HASH_IDS = {v: k for k, v in HASH_NAMES.items()}
KNOWN_ALGS = {v for k, v in globals().items() if k.startswith("ALG_")}

# TPM_ECC_CURVE (Part 2, 6.4)
ECC_NIST_P256 = 0x0003
ECC_NIST_P384 = 0x0004
ECC_NIST_P521 = 0x0005
CURVE_ORDERS = {
    ECC_NIST_P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    ECC_NIST_P384: int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
    ECC_NIST_P521: int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
}
CURVE_SIZES = {ECC_NIST_P256: 32, ECC_NIST_P384: 48, ECC_NIST_P521: 66}

# TPMA_OBJECT bits (Part 2, 8.3)
OA_FIXED_TPM = 1 << 1
OA_ST_CLEAR = 1 << 2
OA_FIXED_PARENT = 1 << 4
OA_SENSITIVE_DATA_ORIGIN = 1 << 5
OA_USER_WITH_AUTH = 1 << 6
OA_ADMIN_WITH_POLICY = 1 << 7
OA_NO_DA = 1 << 10
OA_ENCRYPTED_DUPLICATION = 1 << 11
OA_RESTRICTED = 1 << 16
OA_DECRYPT = 1 << 17
OA_SIGN = 1 << 18

# Structure maxima (Part 2 with the reference implementation's sizes)
MAX_DIGEST = 64  # sizeof(TPMU_HA)
MAX_NAME = 2 + MAX_DIGEST  # sizeof(TPMU_NAME)
MAX_DATA = 2 + MAX_DIGEST  # TPM2B_DATA: sizeof(TPMT_HA)
MAX_RSA_KEY_BYTES = 512  # 4096-bit
MAX_ECC_KEY_BYTES = 66  # P-521
HASH_COUNT = 16  # tpm2-tools' TPML_PCR_SELECTION has 16 slots; also the cap used by refcheck
PCR_SELECT_MAX = 4


class VectorError(Exception):
    """A verification or parse failure, named like the Aegis error variant."""

    def __init__(self, name: str, detail: str = ""):
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name


class Reader:
    """Bounds-checked big-endian reader."""

    def __init__(self, data: bytes):
        self.data = bytes(data)
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise VectorError("Truncated", f"need {n} bytes at offset {self.pos}, have {len(self.data) - self.pos}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack(">H", self.take(2))[0]

    def u32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack(">Q", self.take(8))[0]

    def tpm2b(self, maximum: int) -> bytes:
        size = self.u16()
        if size > maximum:
            raise VectorError("SizeOutOfRange", f"TPM2B size {size} > {maximum} at offset {self.pos - 2}")
        return self.take(size)

    def alg(self) -> int:
        a = self.u16()
        if a not in KNOWN_ALGS:
            raise VectorError("UnknownAlgorithm", f"algorithm id {a:#06x} at offset {self.pos - 2}")
        return a

    def hash_alg(self, allow_null: bool = False) -> int:
        a = self.alg()
        if a == ALG_NULL and allow_null:
            return a
        if a not in HASH_SIZES:
            raise VectorError("InvalidValue", f"{a:#06x} is not a hash algorithm")
        return a

    def end(self) -> None:
        if self.pos != len(self.data):
            raise VectorError("TrailingBytes", f"{len(self.data) - self.pos} bytes after the structure")


# ---------------------------------------------------------------------------------------------
# TPMT_PUBLIC (Part 2, 12.2.4) and TPM2B_PUBLIC (12.2.5)


@dataclass
class Public:
    type: int
    name_alg: int
    attrs: int
    auth_policy: bytes
    sym_alg: int = ALG_NULL
    scheme: int = ALG_NULL
    scheme_hash: int = ALG_NULL
    key_bits: int = 0  # RSA modulus bits
    exponent: int = 65537
    curve: int = 0
    modulus: bytes = b""
    x: bytes = b""
    y: bytes = b""
    unique: bytes = b""
    raw: bytes = b""  # the TPMT_PUBLIC bytes as received

    def name(self) -> bytes:
        """Name = nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1, 16)."""
        h = hashlib.new(HASH_NAMES[self.name_alg], self.raw).digest()
        return struct.pack(">H", self.name_alg) + h

    def public_key(self):
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if self.type == ALG_RSA:
            return rsa.RSAPublicNumbers(self.exponent, int.from_bytes(self.modulus, "big")).public_key()
        if self.type == ALG_ECC:
            curve = {ECC_NIST_P256: ec.SECP256R1(), ECC_NIST_P384: ec.SECP384R1(), ECC_NIST_P521: ec.SECP521R1()}[
                self.curve
            ]
            return ec.EllipticCurvePublicNumbers(
                int.from_bytes(self.x, "big"), int.from_bytes(self.y, "big"), curve
            ).public_key()
        raise VectorError("InvalidValue", "not an asymmetric key")

    def pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _sym_def_object(r: Reader) -> int:
    alg = r.alg()
    if alg == ALG_NULL:
        return alg
    if alg == ALG_XOR:
        r.hash_alg()
        return alg
    r.u16()  # keyBits
    mode = r.alg()
    if mode not in (ALG_CTR, ALG_OFB, ALG_CBC, ALG_CFB, ALG_ECB, ALG_NULL):
        raise VectorError("InvalidValue", f"symmetric mode {mode:#06x}")
    return alg


def _scheme(r: Reader, allowed: Tuple[int, ...]) -> Tuple[int, int]:
    s = r.alg()
    if s == ALG_NULL:
        return s, ALG_NULL
    if s not in allowed:
        raise VectorError("InvalidValue", f"scheme {s:#06x} not valid here")
    if s == ALG_RSAES:
        return s, ALG_NULL
    h = r.hash_alg()
    if s == ALG_ECDAA:
        r.u16()  # count
    return s, h


def parse_tpmt_public(data: bytes) -> Public:
    r = Reader(data)
    p = _parse_public(r)
    r.end()
    p.raw = bytes(data)
    return p


def _parse_public(r: Reader) -> Public:
    start = r.pos
    typ = r.alg()
    if typ not in (ALG_RSA, ALG_ECC, ALG_KEYEDHASH, ALG_SYMCIPHER):
        raise VectorError("InvalidValue", f"{typ:#06x} is not a public key type")
    name_alg = r.hash_alg()
    attrs = r.u32()
    policy = r.tpm2b(MAX_DIGEST)
    p = Public(typ, name_alg, attrs, policy)
    if typ == ALG_RSA:
        p.sym_alg = _sym_def_object(r)
        p.scheme, p.scheme_hash = _scheme(r, (ALG_RSASSA, ALG_RSAPSS, ALG_RSAES, ALG_OAEP))
        p.key_bits = r.u16()
        exp = r.u32()
        p.exponent = exp or 65537
        p.modulus = r.tpm2b(MAX_RSA_KEY_BYTES)
        p.unique = p.modulus
    elif typ == ALG_ECC:
        p.sym_alg = _sym_def_object(r)
        p.scheme, p.scheme_hash = _scheme(
            r, (ALG_ECDSA, ALG_ECDAA, ALG_SM2, ALG_ECSCHNORR, ALG_ECDH, ALG_ECMQV)
        )
        p.curve = r.u16()
        kdf = r.alg()
        if kdf != ALG_NULL:
            r.hash_alg()
        p.x = r.tpm2b(MAX_ECC_KEY_BYTES)
        p.y = r.tpm2b(MAX_ECC_KEY_BYTES)
    elif typ == ALG_KEYEDHASH:
        s = r.alg()
        if s == ALG_HMAC:
            p.scheme, p.scheme_hash = s, r.hash_alg()
        elif s == ALG_XOR:
            p.scheme, p.scheme_hash = s, r.hash_alg()
            r.alg()
        elif s != ALG_NULL:
            raise VectorError("InvalidValue", f"keyedhash scheme {s:#06x}")
        p.unique = r.tpm2b(MAX_DIGEST)
    else:
        p.sym_alg = _sym_def_object(r)
        p.unique = r.tpm2b(MAX_DIGEST)
    p.raw = r.data[start : r.pos]
    return p


# Permanent handles whose Name (and qualified Name) is the 4-byte handle (Part 1, 16)
RH_OWNER = struct.pack(">I", 0x40000001)
RH_ENDORSEMENT = struct.pack(">I", 0x4000000B)
RH_PLATFORM = struct.pack(">I", 0x4000000C)


def qualified_name(parent_qn: bytes, name: bytes) -> bytes:
    """QN(child) = nameAlg || H_nameAlg(QN(parent) || Name(child)) (Part 1, 16.6)."""
    (alg,) = struct.unpack_from(">H", name, 0)
    return name[:2] + hashlib.new(HASH_NAMES[alg], parent_qn + name).digest()


def parse_tpm2b_public(data: bytes) -> Public:
    r = Reader(data)
    size = r.u16()
    body = r.take(size)
    r.end()
    inner = Reader(body)
    p = _parse_public(inner)
    inner.end()
    return p


# ---------------------------------------------------------------------------------------------
# TPMT_SIGNATURE (Part 2, 11.3.4)


@dataclass
class Signature:
    alg: int
    hash: int = ALG_NULL
    sig: bytes = b""  # RSA
    r: bytes = b""  # ECDSA
    s: bytes = b""
    offsets: Dict[str, int] = field(default_factory=dict)


def parse_signature(data: bytes) -> Signature:
    r = Reader(data)
    alg = r.alg()
    out = Signature(alg)
    if alg == ALG_NULL:
        pass
    elif alg in (ALG_RSASSA, ALG_RSAPSS):
        out.hash = r.hash_alg()
        out.offsets["sig"] = r.pos
        out.sig = r.tpm2b(MAX_RSA_KEY_BYTES)
    elif alg in (ALG_ECDSA, ALG_ECDAA, ALG_SM2, ALG_ECSCHNORR):
        out.hash = r.hash_alg()
        out.offsets["r"] = r.pos
        out.r = r.tpm2b(MAX_ECC_KEY_BYTES)
        out.offsets["s"] = r.pos
        out.s = r.tpm2b(MAX_ECC_KEY_BYTES)
    elif alg == ALG_HMAC:
        out.hash = r.hash_alg()
        out.sig = r.take(HASH_SIZES[out.hash])
    else:
        raise VectorError("InvalidValue", f"{alg:#06x} is not a signature algorithm")
    r.end()
    return out


def build_ecdsa_signature(hash_alg: int, r: bytes, s: bytes) -> bytes:
    return struct.pack(">HHH", ALG_ECDSA, hash_alg, len(r)) + r + struct.pack(">H", len(s)) + s


# ---------------------------------------------------------------------------------------------
# TPMS_ATTEST (Part 2, 10.12.12)


@dataclass
class Attest:
    magic: int
    type: int
    qualified_signer: bytes
    extra_data: bytes
    clock: int
    reset_count: int
    restart_count: int
    safe: int
    firmware_version: int
    # QUOTE
    selection: List[Tuple[int, List[int]]] = field(default_factory=list)
    pcr_digest: bytes = b""
    # CERTIFY
    certified_name: bytes = b""
    certified_qualified_name: bytes = b""
    offsets: Dict[str, int] = field(default_factory=dict)
    body_parsed: bool = False


def parse_pcr_selection(r: Reader) -> List[Tuple[int, List[int]]]:
    """TPML_PCR_SELECTION (Part 2, 10.9.7), big-endian wire form."""
    count = r.u32()
    if count > HASH_COUNT:
        raise VectorError("CountOutOfRange", f"TPML_PCR_SELECTION count {count}")
    out = []
    for _ in range(count):
        h = r.hash_alg()
        size = r.u8()
        if size > PCR_SELECT_MAX:
            raise VectorError("SizeOutOfRange", f"sizeofSelect {size}")
        bitmap = r.take(size)
        idx = [i for i in range(size * 8) if bitmap[i // 8] & (1 << (i % 8))]
        out.append((h, idx))
    return out


def parse_attest(data: bytes, strict_type: bool = False) -> Attest:
    """Parse a TPMS_ATTEST. QUOTE and CERTIFY bodies are parsed; other types keep the body opaque
    unless strict_type (inspect), where they are UnsupportedAttestationType."""
    r = Reader(data)
    magic = r.u32()
    typ = r.u16()
    off_signer = r.pos
    signer = r.tpm2b(MAX_NAME)
    off_extra = r.pos
    extra = r.tpm2b(MAX_DATA)
    off_clock = r.pos
    clock, reset, restart, safe = r.u64(), r.u32(), r.u32(), r.u8()
    if safe > 1:
        raise VectorError("InvalidValue", f"TPMI_YES_NO {safe}")
    fw = r.u64()
    a = Attest(magic, typ, signer, extra, clock, reset, restart, safe, fw)
    a.offsets = {"signer": off_signer, "extra": off_extra, "clock": off_clock, "attested": r.pos}
    if typ == ST_ATTEST_QUOTE:
        a.offsets["selection"] = r.pos
        a.selection = parse_pcr_selection(r)
        a.offsets["pcr_digest"] = r.pos
        a.pcr_digest = r.tpm2b(MAX_DIGEST)
        r.end()
        a.body_parsed = True
    elif typ == ST_ATTEST_CERTIFY:
        a.offsets["name"] = r.pos
        a.certified_name = r.tpm2b(MAX_NAME)
        a.certified_qualified_name = r.tpm2b(MAX_NAME)
        r.end()
        a.body_parsed = True
    elif strict_type:
        raise VectorError("UnsupportedAttestationType", f"TPM_ST {typ:#06x}")
    return a


def attest_clock(a: Attest) -> dict:
    return {"clock": a.clock, "reset_count": a.reset_count, "restart_count": a.restart_count, "safe": bool(a.safe)}


# ---------------------------------------------------------------------------------------------
# PCR values: tpm2-tools `-o` file (little-endian memory dump) and the JSON form.
# A PcrSet is a list of (hash alg, {index: value}) in file order.

PcrSet = List[Tuple[int, Dict[int, bytes]]]
_PCR_FILE_SEL = 4 + 16 * 8  # u32 count + 16 x {u16 hash, u8 sizeofSelect, u8[4] select, u8 pad}
_PCR_FILE_DIGESTS = 4 + 8 * (2 + 64)  # TPML_DIGEST: u32 count + 8 x TPM2B_DIGEST (64-byte buffer)


def read_pcr_file(data: bytes) -> PcrSet:
    data = bytes(data)
    if len(data) < _PCR_FILE_SEL + 4:
        raise VectorError("Truncated", "PCR file shorter than its header")
    (count,) = struct.unpack_from("<I", data, 0)
    if count > 16:
        raise VectorError("CountOutOfRange", f"PCR file selection count {count}")
    banks: List[Tuple[int, List[int]]] = []
    for i in range(count):
        h, size = struct.unpack_from("<HB", data, 4 + 8 * i)
        sel = data[4 + 8 * i + 3 : 4 + 8 * i + 7]
        if h not in HASH_SIZES:
            raise VectorError("UnknownAlgorithm" if h not in KNOWN_ALGS else "InvalidValue", f"bank {h:#06x}")
        if size > PCR_SELECT_MAX:
            raise VectorError("SizeOutOfRange", f"sizeofSelect {size}")
        banks.append((h, [j for j in range(size * 8) if sel[j // 8] & (1 << (j % 8))]))
    (n,) = struct.unpack_from("<I", data, _PCR_FILE_SEL)
    if n > 64:
        raise VectorError("CountOutOfRange", f"{n} TPML_DIGEST blocks")
    expected_len = _PCR_FILE_SEL + 4 + n * _PCR_FILE_DIGESTS
    if len(data) < expected_len:
        raise VectorError("Truncated", f"PCR file has {len(data)} bytes, needs {expected_len}")
    if len(data) > expected_len:
        raise VectorError("TrailingBytes", f"PCR file has {len(data) - expected_len} extra bytes")
    values: List[bytes] = []
    for b in range(n):
        base = _PCR_FILE_SEL + 4 + b * _PCR_FILE_DIGESTS
        (c,) = struct.unpack_from("<I", data, base)
        if c > 8:
            raise VectorError("CountOutOfRange", f"TPML_DIGEST count {c}")
        for k in range(c):
            (sz,) = struct.unpack_from("<H", data, base + 4 + k * 66)
            if sz > 64:
                raise VectorError("SizeOutOfRange", f"digest size {sz}")
            values.append(data[base + 6 + k * 66 : base + 6 + k * 66 + sz])
    wanted = sum(len(idx) for _, idx in banks)
    if wanted != len(values):
        raise VectorError("InvalidFormat", f"PCR file selects {wanted} PCRs but holds {len(values)} values")
    out: PcrSet = []
    it = iter(values)
    for h, idx in banks:
        out.append((h, {i: next(it) for i in idx}))
    return out


def write_pcr_file(pcrs: PcrSet) -> bytes:
    """The byte layout tpm2_quote -o / tpm2_pcrread -o write (tpm2-tools 5.x)."""
    out = bytearray(struct.pack("<I", len(pcrs)))
    for h, vals in pcrs:
        sel = bytearray(4)
        for i in vals:
            sel[i // 8] |= 1 << (i % 8)
        out += struct.pack("<HB", h, 3) + bytes(sel) + b"\0"
    out += bytes(8 * (16 - len(pcrs)))
    flat = [v for _, vals in pcrs for _, v in sorted(vals.items())]
    chunks = [flat[i : i + 8] for i in range(0, len(flat), 8)]
    out += struct.pack("<I", len(chunks))
    for ch in chunks:
        out += struct.pack("<I", len(ch))
        for v in ch:
            out += struct.pack("<H", len(v)) + v + bytes(64 - len(v))
        out += bytes(66 * (8 - len(ch)))
    return bytes(out)


def pcrs_to_json(pcrs: PcrSet) -> dict:
    return {HASH_NAMES[h]: {str(i): v.hex() for i, v in sorted(vals.items())} for h, vals in pcrs}


def pcrs_from_json(doc: dict) -> PcrSet:
    out: PcrSet = []
    for bank, vals in doc.items():
        if bank not in HASH_IDS:
            raise VectorError("UnknownAlgorithm", f"bank {bank!r}")
        d = {}
        for k, v in vals.items():
            i = int(k)
            if not 0 <= i < 8 * PCR_SELECT_MAX:
                raise VectorError("InvalidValue", f"PCR index {k}")
            d[i] = bytes.fromhex(v)
        out.append((HASH_IDS[bank], d))
    return out
