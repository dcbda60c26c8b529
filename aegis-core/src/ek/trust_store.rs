//! The manufacturer CA certificates a caller trusts for EK certificates (VERIFIER-CHECKS.md
//! item 14): roots (trust anchors) and intermediates, each a CA certificate under the EK
//! profile (RFC 5280, 4.2.1.9 and 4.2.1.3; TCG EK Credential Profile 2.0, 3.2).

use crate::error::{Error, Result};
use crate::x509::{CaCertificate, Profile};

/// Most certificates a trust store holds.
const MAX_STORE_CERTS: usize = 4096;

/// The manufacturer CA certificates a caller trusts for EK certificates: roots (trust anchors)
/// and intermediates (used to build paths, trusted only through a root). Each must be a CA
/// certificate (basicConstraints cA=TRUE, and keyCertSign when it has keyUsage; RFC 5280,
/// 4.2.1.9 and 4.2.1.3) with no critical extension the EK profile does not understand; at most
/// 4096 certificates in all.
#[derive(Clone, Debug, Default)]
pub struct EkTrustStore {
    roots: Vec<CaCertificate>,
    intermediates: Vec<CaCertificate>,
}

impl EkTrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(list: &mut Vec<CaCertificate>, others: usize, der: &[u8]) -> Result<()> {
        if list.len() + others >= MAX_STORE_CERTS {
            return Err(Error::InvalidArgument {
                what: "EK trust store is full",
            });
        }
        list.push(CaCertificate::from_der(der, Profile::Ek)?);
        Ok(())
    }

    fn pem_certs(pem: &[u8]) -> Result<Vec<Vec<u8>>> {
        crate::x509::pem_certificates(pem, MAX_STORE_CERTS)
            .map_err(|what| Error::EkCertificateInvalid { what })
    }

    /// Adds a trust anchor (a manufacturer root CA certificate, DER).
    pub fn add_root_der(&mut self, der: &[u8]) -> Result<()> {
        Self::add(&mut self.roots, self.intermediates.len(), der)
    }

    /// Adds every certificate of a PEM input (one or more `CERTIFICATE` blocks, RFC 7468, 5)
    /// as a root.
    pub fn add_root_pem(&mut self, pem: &[u8]) -> Result<()> {
        for der in Self::pem_certs(pem)? {
            self.add_root_der(&der)?;
        }
        Ok(())
    }

    /// Adds an intermediate CA certificate (DER): used to build paths, never trusted on its own.
    pub fn add_intermediate_der(&mut self, der: &[u8]) -> Result<()> {
        Self::add(&mut self.intermediates, self.roots.len(), der)
    }

    /// Adds every certificate of a PEM input as an intermediate.
    pub fn add_intermediate_pem(&mut self, pem: &[u8]) -> Result<()> {
        for der in Self::pem_certs(pem)? {
            self.add_intermediate_der(&der)?;
        }
        Ok(())
    }

    /// Adds trust anchors given as one DER certificate or as PEM with one or more `CERTIFICATE`
    /// blocks, told apart by content (PEM starts with `-----BEGIN` after optional white space).
    /// All or nothing: on error the store is unchanged.
    pub fn add_root(&mut self, der_or_pem: &[u8]) -> Result<()> {
        self.add_any(der_or_pem, true)
    }

    /// Adds intermediates as [`EkTrustStore::add_root`] adds roots (DER or PEM, all or nothing).
    pub fn add_intermediate(&mut self, der_or_pem: &[u8]) -> Result<()> {
        self.add_any(der_or_pem, false)
    }

    fn add_any(&mut self, input: &[u8], root: bool) -> Result<()> {
        let start = input
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(input.len());
        let trimmed = input.get(start..).unwrap_or_default();
        let mut next = self.clone();
        match (root, trimmed.starts_with(b"-----BEGIN")) {
            (true, true) => next.add_root_pem(trimmed)?,
            (true, false) => next.add_root_der(input)?,
            (false, true) => next.add_intermediate_pem(trimmed)?,
            (false, false) => next.add_intermediate_der(input)?,
        }
        *self = next;
        Ok(())
    }

    /// Number of roots.
    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    /// Number of intermediates.
    pub fn intermediate_count(&self) -> usize {
        self.intermediates.len()
    }

    /// The trust anchors.
    pub(crate) fn roots(&self) -> &[CaCertificate] {
        &self.roots
    }

    /// The intermediates.
    pub(crate) fn intermediates(&self) -> &[CaCertificate] {
        &self.intermediates
    }
}
