//! Conversions between aegis-core's TPM wire types and tss-esapi's: public areas go through
//! their marshalled TPMT_PUBLIC bytes (Part 2, 12.2.4), so the TPM's own bytes are kept; hashes,
//! PCR selections (TPML_PCR_SELECTION, Part 2, 10.9.7) and signing schemes (TPMT_SIG_SCHEME,
//! 11.2.1.5) are mapped field by field.

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{HashAlg, PcrSelection, Public, Scheme};
use tss_esapi::interface_types::algorithm::HashingAlgorithm;
use tss_esapi::structures::{
    HashScheme, PcrSelectionList, PcrSlot, Public as TssPublic, SignatureScheme,
};
use tss_esapi::traits::{Marshall, UnMarshall};

use super::tss;
use crate::backend::AttestEvidence;

/// The tss-esapi hashing algorithm.
pub(super) fn hash_to_tss(h: HashAlg) -> HashingAlgorithm {
    match h {
        HashAlg::Sha1 => HashingAlgorithm::Sha1,
        HashAlg::Sha256 => HashingAlgorithm::Sha256,
        HashAlg::Sha384 => HashingAlgorithm::Sha384,
        HashAlg::Sha512 => HashingAlgorithm::Sha512,
    }
}

/// A TPMT_PUBLIC as tss-esapi's type.
pub(super) fn to_tss_public(p: &Public) -> Result<TssPublic> {
    TssPublic::unmarshall(p.tpmt_bytes()).map_err(tss("encode TPMT_PUBLIC"))
}

/// tss-esapi's public area as the TPMT_PUBLIC it marshals to.
pub(super) fn from_tss_public(p: &TssPublic) -> Result<Public> {
    Public::parse_tpmt(&p.marshall().map_err(tss("marshal TPMT_PUBLIC"))?)
}

/// A PCR selection as tss-esapi's TPML_PCR_SELECTION.
pub(super) fn to_tss_selection(selection: &PcrSelection) -> Result<PcrSelectionList> {
    let mut b = PcrSelectionList::builder();
    for bank in &selection.banks {
        let slots: Vec<PcrSlot> = bank
            .indices()
            .map(|i| PcrSlot::try_from(1u32 << i))
            .collect::<core::result::Result<_, _>>()
            .map_err(tss("PCR slot"))?;
        b = b.with_selection(hash_to_tss(bank.hash), &slots);
    }
    b.build().map_err(tss("PCR selection"))
}

/// A signing scheme (ECDSA, RSASSA, RSAPSS) as a TPMT_SIG_SCHEME.
pub(super) fn scheme_to_tss(scheme: Scheme) -> Result<SignatureScheme> {
    Ok(match scheme {
        Scheme::Ecdsa(h) => SignatureScheme::EcDsa {
            hash_scheme: HashScheme::new(hash_to_tss(h)),
        },
        Scheme::RsaSsa(h) => SignatureScheme::RsaSsa {
            hash_scheme: HashScheme::new(hash_to_tss(h)),
        },
        Scheme::RsaPss(h) => SignatureScheme::RsaPss {
            hash_scheme: HashScheme::new(hash_to_tss(h)),
        },
        _ => {
            return Err(Error::InvalidArgument {
                what: "signing scheme must be ECDSA, RSASSA or RSAPSS",
            })
        }
    })
}

/// A TPMS_ATTEST and its TPMT_SIGNATURE, marshalled back to the TPM's bytes.
pub(super) fn attest_evidence(
    attest: tss_esapi::structures::Attest,
    sig: tss_esapi::structures::Signature,
) -> Result<AttestEvidence> {
    Ok(AttestEvidence {
        attest: attest.marshall().map_err(tss("marshal TPMS_ATTEST"))?,
        signature: sig.marshall().map_err(tss("marshal TPMT_SIGNATURE"))?,
    })
}
