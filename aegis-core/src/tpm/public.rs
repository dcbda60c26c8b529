//! TPMT_PUBLIC and TPM2B_PUBLIC (TCG Part 2, 12.2.4 and 12.2.5) for RSA and ECC keys.

use super::wire::{Reader, Writer};
use super::{alg, HashAlg, Name, MAX_DIGEST, MAX_ECC_BYTES, MAX_RSA_BYTES};
use crate::error::{Error, Result};

/// TPMA_OBJECT (Part 2, 8.3): the object attributes of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectAttributes(pub u32);

impl ObjectAttributes {
    /// Bit 1, fixedTPM: the object cannot be duplicated off this TPM (Part 2, 8.3.3.2).
    pub const FIXED_TPM: u32 = 1 << 1;
    /// Bit 2, stClear: the object cannot be reloaded after a TPM Reset or Restart (8.3.3.3).
    pub const ST_CLEAR: u32 = 1 << 2;
    /// Bit 4, fixedParent: the object cannot be duplicated to another parent (8.3.3.4).
    pub const FIXED_PARENT: u32 = 1 << 4;
    /// Bit 5, sensitiveDataOrigin: the TPM generated the sensitive part itself (8.3.3.5).
    pub const SENSITIVE_DATA_ORIGIN: u32 = 1 << 5;
    /// Bit 6, userWithAuth: the USER role may use authValue as well as policy (8.3.3.6).
    pub const USER_WITH_AUTH: u32 = 1 << 6;
    /// Bit 7, adminWithPolicy: the ADMIN role needs a policy session (8.3.3.7).
    pub const ADMIN_WITH_POLICY: u32 = 1 << 7;
    /// Bit 10, noDA: the object is not subject to dictionary-attack protection (8.3.3.8).
    pub const NO_DA: u32 = 1 << 10;
    /// Bit 11, encryptedDuplication: duplication needs an inner wrapper and a new parent
    /// (8.3.3.9).
    pub const ENCRYPTED_DUPLICATION: u32 = 1 << 11;
    /// Bit 16, restricted: the key handles only structures of known format: a signing key signs
    /// only digests the TPM made or checked, a decryption key is a storage parent (8.3.3.10).
    pub const RESTRICTED: u32 = 1 << 16;
    /// Bit 17, decrypt: the private part may decrypt (8.3.3.11).
    pub const DECRYPT: u32 = 1 << 17;
    /// Bit 18, sign / encrypt: the private part may sign (encrypt, for a symmetric cipher)
    /// (8.3.3.12).
    pub const SIGN_ENCRYPT: u32 = 1 << 18;
    /// Bit 19, x509sign: the key may sign only X.509 certificates (8.3.3.13).
    pub const X509_SIGN: u32 = 1 << 19;
    /// Bits Part 2, 8.3.2 marks reserved (0, 3, 8, 9, 12-15, 20-31): must be clear.
    pub const RESERVED: u32 = 0xFFF0_F309;

    /// Whether every bit of `mask` is set.
    pub fn has(self, mask: u32) -> bool {
        self.0 & mask == mask
    }

    /// The names of the set attributes, as tpm2-tools prints them.
    pub fn names(self) -> Vec<&'static str> {
        const NAMES: [(u32, &str); 12] = [
            (ObjectAttributes::FIXED_TPM, "fixedtpm"),
            (ObjectAttributes::ST_CLEAR, "stclear"),
            (ObjectAttributes::FIXED_PARENT, "fixedparent"),
            (
                ObjectAttributes::SENSITIVE_DATA_ORIGIN,
                "sensitivedataorigin",
            ),
            (ObjectAttributes::USER_WITH_AUTH, "userwithauth"),
            (ObjectAttributes::ADMIN_WITH_POLICY, "adminwithpolicy"),
            (ObjectAttributes::NO_DA, "noda"),
            (
                ObjectAttributes::ENCRYPTED_DUPLICATION,
                "encryptedduplication",
            ),
            (ObjectAttributes::RESTRICTED, "restricted"),
            (ObjectAttributes::DECRYPT, "decrypt"),
            (ObjectAttributes::SIGN_ENCRYPT, "sign"),
            (ObjectAttributes::X509_SIGN, "x509sign"),
        ];
        NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, n)| *n)
            .collect()
    }
}

/// TPMT_SYM_DEF_OBJECT (Part 2, 11.1.7): the symmetric algorithm of a storage key, or NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymDef {
    /// TPM_ALG_NULL: no symmetric algorithm (any key that is not a storage parent).
    Null,
    /// AES with key bits and mode (only CFB is valid for storage keys).
    Aes {
        /// TPMU_SYM_KEY_BITS: 128, 192 or 256 (checked when parsed).
        key_bits: u16,
        /// TPMU_SYM_MODE: a TPM_ALG_ID, always [`alg::CFB`] once parsed.
        mode: u16,
    },
}

/// A key's scheme: TPMT_RSA_SCHEME (Part 2, 11.2.4.2) or TPMT_ECC_SCHEME (11.2.5.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// TPM_ALG_NULL: the key fixes no scheme; each command names one.
    Null,
    /// TPM_ALG_RSASSA: RSASSA-PKCS1-v1_5 signatures with this hash (RFC 8017, 8.2).
    RsaSsa(HashAlg),
    /// TPM_ALG_RSAPSS: RSASSA-PSS signatures with this hash (RFC 8017, 8.1).
    RsaPss(HashAlg),
    /// TPM_ALG_RSAES: RSAES-PKCS1-v1_5 encryption (RFC 8017, 7.2); no hash.
    RsaEs,
    /// TPM_ALG_OAEP: RSAES-OAEP encryption with this hash (RFC 8017, 7.1).
    Oaep(HashAlg),
    /// TPM_ALG_ECDSA: ECDSA signatures with this hash (FIPS 186-5, 6; SEC 1, 4.1).
    Ecdsa(HashAlg),
    /// TPM_ALG_ECDH: ECDH key exchange with this hash (NIST SP 800-56A).
    Ecdh(HashAlg),
    /// TPM_ALG_ECSCHNORR: EC-Schnorr signatures with this hash (Part 1).
    EcSchnorr(HashAlg),
    /// TPM_ALG_SM2: SM2 signatures with this hash (GB/T 32918).
    Sm2(HashAlg),
    /// TPM_ALG_ECDAA: ECDAA signatures (TPMS_SCHEME_ECDAA, Part 2, 11.1.18).
    Ecdaa {
        /// TPMS_SCHEME_ECDAA.hashAlg.
        hash: HashAlg,
        /// TPMS_SCHEME_ECDAA.count: the TPM2_Commit() counter the signature uses.
        count: u16,
    },
}

impl Scheme {
    /// The scheme's TPM_ALG_ID.
    pub fn alg_id(self) -> u16 {
        match self {
            Scheme::Null => alg::NULL,
            Scheme::RsaSsa(_) => alg::RSASSA,
            Scheme::RsaPss(_) => alg::RSAPSS,
            Scheme::RsaEs => alg::RSAES,
            Scheme::Oaep(_) => alg::OAEP,
            Scheme::Ecdsa(_) => alg::ECDSA,
            Scheme::Ecdh(_) => alg::ECDH,
            Scheme::EcSchnorr(_) => alg::ECSCHNORR,
            Scheme::Sm2(_) => alg::SM2,
            Scheme::Ecdaa { .. } => alg::ECDAA,
        }
    }

    /// The scheme's hash algorithm, if it has one.
    pub fn hash(self) -> Option<HashAlg> {
        match self {
            Scheme::Null | Scheme::RsaEs => None,
            Scheme::RsaSsa(h)
            | Scheme::RsaPss(h)
            | Scheme::Oaep(h)
            | Scheme::Ecdsa(h)
            | Scheme::Ecdh(h)
            | Scheme::EcSchnorr(h)
            | Scheme::Sm2(h)
            | Scheme::Ecdaa { hash: h, .. } => Some(h),
        }
    }

    fn parse(r: &mut Reader<'_>, rsa: bool) -> Result<Self> {
        let what = if rsa {
            "TPMT_RSA_SCHEME"
        } else {
            "TPMT_ECC_SCHEME"
        };
        let id = r.u16()?;
        let scheme = match (rsa, id) {
            (_, alg::NULL) => Scheme::Null,
            (true, alg::RSASSA) => Scheme::RsaSsa(HashAlg::from_alg_id(r.u16()?, what)?),
            (true, alg::RSAPSS) => Scheme::RsaPss(HashAlg::from_alg_id(r.u16()?, what)?),
            (true, alg::RSAES) => Scheme::RsaEs,
            (true, alg::OAEP) => Scheme::Oaep(HashAlg::from_alg_id(r.u16()?, what)?),
            (false, alg::ECDSA) => Scheme::Ecdsa(HashAlg::from_alg_id(r.u16()?, what)?),
            (false, alg::ECDH) => Scheme::Ecdh(HashAlg::from_alg_id(r.u16()?, what)?),
            (false, alg::ECSCHNORR) => Scheme::EcSchnorr(HashAlg::from_alg_id(r.u16()?, what)?),
            (false, alg::SM2) => Scheme::Sm2(HashAlg::from_alg_id(r.u16()?, what)?),
            (false, alg::ECDAA) => Scheme::Ecdaa {
                hash: HashAlg::from_alg_id(r.u16()?, what)?,
                count: r.u16()?,
            },
            (_, other) => return Err(Error::UnknownAlgorithm { what, alg: other }),
        };
        Ok(scheme)
    }

    fn encode(self, w: &mut Writer) {
        w.u16(self.alg_id());
        if let Scheme::Ecdaa { hash, count } = self {
            w.u16(hash.alg_id());
            w.u16(count);
        } else if let Some(h) = self.hash() {
            w.u16(h.alg_id());
        }
    }
}

/// TPMI_ECC_CURVE (Part 2, 11.2.5.5; TCG Algorithm Registry, curve identifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EccCurve {
    /// TPM_ECC_NIST_P256 (0x0003): NIST P-256, secp256r1 (Part 2, 6.4).
    NistP256,
    /// TPM_ECC_NIST_P384 (0x0004): NIST P-384, secp384r1.
    NistP384,
    /// TPM_ECC_NIST_P521 (0x0005): NIST P-521, secp521r1.
    NistP521,
}

impl EccCurve {
    /// From TPM_ECC_CURVE; other curves (BN, SM2) are `UnknownAlgorithm`.
    pub fn from_id(id: u16) -> Result<Self> {
        match id {
            0x0003 => Ok(EccCurve::NistP256),
            0x0004 => Ok(EccCurve::NistP384),
            0x0005 => Ok(EccCurve::NistP521),
            _ => Err(Error::UnknownAlgorithm {
                what: "TPMI_ECC_CURVE",
                alg: id,
            }),
        }
    }
    /// The TPM_ECC_CURVE value.
    pub fn id(self) -> u16 {
        match self {
            EccCurve::NistP256 => 0x0003,
            EccCurve::NistP384 => 0x0004,
            EccCurve::NistP521 => 0x0005,
        }
    }
    /// Size of a coordinate (and of the group order) in bytes.
    pub fn coordinate_size(self) -> usize {
        match self {
            EccCurve::NistP256 => 32,
            EccCurve::NistP384 => 48,
            EccCurve::NistP521 => 66,
        }
    }
    /// A short name ("P-256").
    pub fn name(self) -> &'static str {
        match self {
            EccCurve::NistP256 => "P-256",
            EccCurve::NistP384 => "P-384",
            EccCurve::NistP521 => "P-521",
        }
    }
    /// The group order n, big-endian, `coordinate_size()` bytes (SEC 2, 2.4 to 2.6; FIPS 186-4,
    /// D.1.2).
    pub fn order(self) -> &'static [u8] {
        match self {
            EccCurve::NistP256 => &P256_ORDER,
            EccCurve::NistP384 => &P384_ORDER,
            EccCurve::NistP521 => &P521_ORDER,
        }
    }
}

const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];
const P521_ORDER: [u8; 66] = [
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09,
    0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38,
    0x64, 0x09,
];

/// TPMS_RSA_PARMS plus the modulus from TPMU_PUBLIC_ID (Part 2, 12.2.3.5 and 12.2.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaParms {
    /// TPMS_RSA_PARMS.symmetric: the cipher of a storage key; NULL for other keys.
    pub symmetric: SymDef,
    /// TPMS_RSA_PARMS.scheme: the key's signing or encryption scheme, or NULL.
    pub scheme: Scheme,
    /// TPMS_RSA_PARMS.keyBits (TPMI_RSA_KEY_BITS, 11.2.4.6): 1024, 2048, 3072 or 4096.
    pub key_bits: u16,
    /// The exponent as encoded: 0 means the default 65537.
    pub exponent: u32,
    /// Big-endian modulus, exactly `key_bits / 8` bytes.
    pub modulus: Vec<u8>,
}

impl RsaParms {
    /// The effective public exponent (0 on the wire means 65537).
    pub fn effective_exponent(&self) -> u32 {
        if self.exponent == 0 {
            65537
        } else {
            self.exponent
        }
    }
}

/// TPMS_ECC_PARMS plus the point from TPMU_PUBLIC_ID (Part 2, 12.2.3.6 and 11.2.5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EccParms {
    /// TPMS_ECC_PARMS.symmetric: the cipher of a storage key; NULL for other keys.
    pub symmetric: SymDef,
    /// TPMS_ECC_PARMS.scheme: the key's signing or key-exchange scheme, or NULL.
    pub scheme: Scheme,
    /// TPMS_ECC_PARMS.curveID.
    pub curve: EccCurve,
    /// TPMS_ECC_PARMS.kdf, a TPMT_KDF_SCHEME (11.2.3.3): (KDF TPM_ALG_ID, hash), or None for
    /// TPM_ALG_NULL.
    pub kdf: Option<(u16, HashAlg)>,
    /// Affine x, exactly `curve.coordinate_size()` bytes.
    pub x: Vec<u8>,
    /// Affine y, exactly `curve.coordinate_size()` bytes.
    pub y: Vec<u8>,
}

/// The key-type specific part of a TPMT_PUBLIC: TPMU_PUBLIC_PARMS with TPMU_PUBLIC_ID
/// (Part 2, 12.2.3.7 and 12.2.3.2), selected by TPMT_PUBLIC.type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyParms {
    /// type TPM_ALG_RSA.
    Rsa(RsaParms),
    /// type TPM_ALG_ECC.
    Ecc(EccParms),
}

/// The public key material of a TPMT_PUBLIC (TPMU_PUBLIC_ID, Part 2, 12.2.3.2), borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique<'a> {
    /// An RSA public key.
    Rsa {
        /// Big-endian modulus (TPM2B_PUBLIC_KEY_RSA, 11.2.4.5), `keyBits / 8` bytes.
        modulus: &'a [u8],
        /// The effective public exponent: 65537 where the wire holds 0.
        exponent: u32,
    },
    /// An ECC public point (TPMS_ECC_POINT, 11.2.5.2).
    Ecc {
        /// The curve from TPMS_ECC_PARMS.curveID.
        curve: EccCurve,
        /// Affine x, big-endian, `curve.coordinate_size()` bytes.
        x: &'a [u8],
        /// Affine y, big-endian, `curve.coordinate_size()` bytes.
        y: &'a [u8],
    },
}

/// TPMT_PUBLIC (Part 2, 12.2.4) of an RSA or ECC key, with the exact bytes it was parsed from.
///
/// The Name and every signature check use `tpmt_bytes()`, never a re-encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Public {
    raw: Vec<u8>,
    /// TPMT_PUBLIC.nameAlg: the hash of the object's Name.
    pub name_alg: HashAlg,
    /// TPMT_PUBLIC.objectAttributes; reserved bits are clear once parsed.
    pub attributes: ObjectAttributes,
    /// TPMT_PUBLIC.authPolicy: the policy digest, empty when the object has none.
    pub auth_policy: Vec<u8>,
    /// TPMT_PUBLIC.parameters and .unique, by TPMT_PUBLIC.type.
    pub parms: KeyParms,
}

impl Public {
    /// Builds a TPMT_PUBLIC from its fields, encoding it as a TPM would.
    pub fn build(
        name_alg: HashAlg,
        attributes: ObjectAttributes,
        auth_policy: Vec<u8>,
        parms: KeyParms,
    ) -> Result<Self> {
        let mut p = Public {
            raw: Vec::new(),
            name_alg,
            attributes,
            auth_policy,
            parms,
        };
        let raw = p.encode();
        // Parse back: what Aegis builds must satisfy what Aegis accepts.
        let checked = Public::parse_tpmt(&raw)?;
        p.raw = raw;
        debug_assert_eq!(checked, p);
        Ok(p)
    }

    /// Parses a TPMT_PUBLIC that must span `bytes` exactly.
    pub fn parse_tpmt(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "TPMT_PUBLIC");
        let p = Self::read(&mut r, bytes)?;
        r.finish()?;
        Ok(p)
    }

    /// Parses a TPM2B_PUBLIC (u16 size, then a TPMT_PUBLIC of exactly that size).
    pub fn parse_tpm2b(bytes: &[u8]) -> Result<Self> {
        let mut outer = Reader::new(bytes, "TPM2B_PUBLIC");
        let inner = outer.tpm2b(usize::from(u16::MAX))?;
        outer.finish()?;
        if inner.is_empty() {
            return Err(Error::InvalidValue {
                what: "TPM2B_PUBLIC is empty",
            });
        }
        Self::parse_tpmt(inner)
    }

    /// Parses either form, told apart by content: a TPM2B_PUBLIC starts with its own length.
    pub fn parse_any(bytes: &[u8]) -> Result<Self> {
        let looks_tpm2b = bytes.len() >= 2
            && usize::from(u16::from_be_bytes([
                bytes.first().copied().unwrap_or(0),
                bytes.get(1).copied().unwrap_or(0),
            ])) == bytes.len() - 2;
        if looks_tpm2b {
            Self::parse_tpm2b(bytes)
        } else {
            Self::parse_tpmt(bytes)
        }
    }

    fn read(r: &mut Reader<'_>, whole: &[u8]) -> Result<Self> {
        let start_len = r.remaining();
        let ty = r.u16()?;
        if ty != alg::RSA && ty != alg::ECC {
            return Err(Error::UnknownAlgorithm {
                what: "TPMT_PUBLIC.type (RSA or ECC)",
                alg: ty,
            });
        }
        let name_alg = HashAlg::from_alg_id(r.u16()?, "TPMT_PUBLIC.nameAlg")?;
        let attributes = ObjectAttributes(r.u32()?);
        if attributes.0 & ObjectAttributes::RESERVED != 0 {
            return Err(Error::InvalidValue {
                what: "TPMA_OBJECT reserved bits set",
            });
        }
        let auth_policy = r.tpm2b(MAX_DIGEST)?.to_vec();
        let symmetric = read_sym_def(r)?;
        let parms = if ty == alg::RSA {
            let scheme = Scheme::parse(r, true)?;
            let key_bits = r.u16()?;
            if !matches!(key_bits, 1024 | 2048 | 3072 | 4096) {
                return Err(Error::InvalidValue {
                    what: "TPMS_RSA_PARMS.keyBits",
                });
            }
            let exponent = r.u32()?;
            let modulus = r.tpm2b(MAX_RSA_BYTES)?.to_vec();
            if modulus.len() != usize::from(key_bits / 8) {
                return Err(Error::InvalidValue {
                    what: "RSA modulus length differs from keyBits",
                });
            }
            KeyParms::Rsa(RsaParms {
                symmetric,
                scheme,
                key_bits,
                exponent,
                modulus,
            })
        } else {
            let scheme = Scheme::parse(r, false)?;
            let curve = EccCurve::from_id(r.u16()?)?;
            let kdf_alg = r.u16()?;
            let kdf = match kdf_alg {
                alg::NULL => None,
                0x0020..=0x0022 => {
                    Some((kdf_alg, HashAlg::from_alg_id(r.u16()?, "TPMT_KDF_SCHEME")?))
                }
                other => {
                    return Err(Error::UnknownAlgorithm {
                        what: "TPMT_KDF_SCHEME",
                        alg: other,
                    })
                }
            };
            let x = r.tpm2b(MAX_ECC_BYTES)?.to_vec();
            let y = r.tpm2b(MAX_ECC_BYTES)?.to_vec();
            let n = curve.coordinate_size();
            if x.len() != n || y.len() != n {
                return Err(Error::InvalidValue {
                    what: "ECC point size differs from the curve's",
                });
            }
            KeyParms::Ecc(EccParms {
                symmetric,
                scheme,
                curve,
                kdf,
                x,
                y,
            })
        };
        let used = start_len - r.remaining();
        let raw = whole
            .get(..used)
            .ok_or(Error::Truncated {
                what: "TPMT_PUBLIC",
            })?
            .to_vec();
        Ok(Public {
            raw,
            name_alg,
            attributes,
            auth_policy,
            parms,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        let (ty, sym) = match &self.parms {
            KeyParms::Rsa(p) => (alg::RSA, p.symmetric),
            KeyParms::Ecc(p) => (alg::ECC, p.symmetric),
        };
        w.u16(ty);
        w.u16(self.name_alg.alg_id());
        w.u32(self.attributes.0);
        w.tpm2b(&self.auth_policy);
        match sym {
            SymDef::Null => w.u16(alg::NULL),
            SymDef::Aes { key_bits, mode } => {
                w.u16(alg::AES);
                w.u16(key_bits);
                w.u16(mode);
            }
        }
        match &self.parms {
            KeyParms::Rsa(p) => {
                p.scheme.encode(&mut w);
                w.u16(p.key_bits);
                w.u32(p.exponent);
                w.tpm2b(&p.modulus);
            }
            KeyParms::Ecc(p) => {
                p.scheme.encode(&mut w);
                w.u16(p.curve.id());
                match p.kdf {
                    None => w.u16(alg::NULL),
                    Some((a, h)) => {
                        w.u16(a);
                        w.u16(h.alg_id());
                    }
                }
                w.tpm2b(&p.x);
                w.tpm2b(&p.y);
            }
        }
        w.buf
    }

    /// The TPMT_PUBLIC bytes exactly as received (or as built).
    pub fn tpmt_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The TPM2B_PUBLIC encoding (u16 size || TPMT_PUBLIC).
    pub fn to_tpm2b(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.tpm2b(&self.raw);
        w.buf
    }

    /// The object's Name: nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1, 16).
    pub fn name(&self) -> Name {
        let mut n = self.name_alg.alg_id().to_be_bytes().to_vec();
        n.extend_from_slice(&self.name_alg.hash_parts(&[&self.raw]));
        Name(n)
    }

    /// The key's scheme.
    pub fn scheme(&self) -> Scheme {
        match &self.parms {
            KeyParms::Rsa(p) => p.scheme,
            KeyParms::Ecc(p) => p.scheme,
        }
    }

    /// The public key material.
    pub fn unique(&self) -> Unique<'_> {
        match &self.parms {
            KeyParms::Rsa(p) => Unique::Rsa {
                modulus: &p.modulus,
                exponent: p.effective_exponent(),
            },
            KeyParms::Ecc(p) => Unique::Ecc {
                curve: p.curve,
                x: &p.x,
                y: &p.y,
            },
        }
    }

    /// "rsa2048", "ecc-p256", ...: a short description for output and errors.
    pub fn describe(&self) -> String {
        match &self.parms {
            KeyParms::Rsa(p) => format!("rsa{}", p.key_bits),
            KeyParms::Ecc(p) => format!(
                "ecc-{}",
                p.curve.name().to_ascii_lowercase().replace('-', "")
            ),
        }
    }
}

fn read_sym_def(r: &mut Reader<'_>) -> Result<SymDef> {
    match r.u16()? {
        alg::NULL => Ok(SymDef::Null),
        alg::AES => {
            let key_bits = r.u16()?;
            if !matches!(key_bits, 128 | 192 | 256) {
                return Err(Error::InvalidValue {
                    what: "TPMT_SYM_DEF_OBJECT.keyBits",
                });
            }
            let mode = r.u16()?;
            if mode != alg::CFB {
                return Err(Error::UnknownAlgorithm {
                    what: "TPMT_SYM_DEF_OBJECT.mode",
                    alg: mode,
                });
            }
            Ok(SymDef::Aes { key_bits, mode })
        }
        other => Err(Error::UnknownAlgorithm {
            what: "TPMT_SYM_DEF_OBJECT",
            alg: other,
        }),
    }
}
