//! Wire formats of existing systems (FORMATS.md): the tpm2-tools PCR file, Aegis's PCR JSON,
//! the Keylime quote string, SubjectPublicKeyInfo keys, and format detection for files.

pub mod keylime;
pub mod pcr_file;
pub mod pcr_json;
pub(crate) mod spki;

pub use spki::public_key_to_spki_der;
