//! The TPM named by an EK certificate (TCG EK Credential Profile 2.0, 3.2.9): the
//! subjectAltName's directoryName with the TPM manufacturer, model and version attributes.

use der::Decode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use crate::keys::oid;
use crate::x509::Certificate;

/// The TPM identity from the EK certificate's subjectAltName (TCG EK Credential Profile 2.0,
/// 3.2.9): TPM manufacturer ("id:" + 4-byte vendor ID in hex), model and firmware version.
/// Each is `None` when the certificate does not carry it as a UTF8String or PrintableString.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TpmIdentity {
    /// tcg-at-tpmManufacturer (2.23.133.2.1), e.g. "id:00001014".
    pub manufacturer: Option<String>,
    /// tcg-at-tpmModel (2.23.133.2.2).
    pub model: Option<String>,
    /// tcg-at-tpmVersion (2.23.133.2.3), e.g. "id:00020065".
    pub version: Option<String>,
}

impl TpmIdentity {
    /// The identity in `cert`'s subjectAltName; empty when it has none or it does not parse
    /// (the identity is informative: path validation does not depend on it).
    pub(crate) fn of(cert: &Certificate) -> Self {
        let mut id = TpmIdentity::default();
        let Some(value) = cert.extension_value(oid::SUBJECT_ALT_NAME) else {
            return id;
        };
        let Ok(san) = SubjectAltName::from_der(value) else {
            return id;
        };
        for name in &san.0 {
            let GeneralName::DirectoryName(dn) = name else {
                continue;
            };
            for rdn in &dn.0 {
                for atv in rdn.0.iter() {
                    let text = atv
                        .value
                        .decode_as::<der::asn1::Utf8StringRef<'_>>()
                        .map(|s| s.to_string())
                        .or_else(|_| {
                            atv.value
                                .decode_as::<der::asn1::PrintableStringRef<'_>>()
                                .map(|s| s.to_string())
                        })
                        .ok();
                    match atv.oid {
                        oid::TPM_MANUFACTURER => id.manufacturer = text,
                        oid::TPM_MODEL => id.model = text,
                        oid::TPM_VERSION => id.version = text,
                        _ => {}
                    }
                }
            }
        }
        id
    }
}
