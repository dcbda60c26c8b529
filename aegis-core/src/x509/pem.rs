//! PEM certificate lists (RFC 7468, 5): the one reader used for EK trust anchors and SPIFFE
//! bundles and chains. (x509-cert's `load_pem_chain` is not used: it panics on some malformed
//! input, e.g. an empty one.)

use der::Decode;

/// The DER certificates of a PEM input, in order: every `CERTIFICATE` block, text outside the
/// blocks ignored, each block a strict DER X.509 certificate; at most `max` of them. The error
/// is the reason, for the caller to wrap in its own error: there is no certificate, the input is
/// not UTF-8, a block is unreadable or carries another label, or there are more than `max`.
pub fn pem_certificates(pem: &[u8], max: usize) -> Result<Vec<Vec<u8>>, &'static str> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    let text = core::str::from_utf8(pem).map_err(|_| "PEM is not UTF-8")?;
    let mut certs = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let block = rest.get(start..).unwrap_or_default();
        let end = block.find(END).ok_or("PEM block without END line")?;
        let after_end = block.get(end + END.len()..).unwrap_or_default();
        let close = after_end
            .find("-----")
            .ok_or("PEM block without END line")?;
        let len = end + END.len() + close + 5;
        let (this, next) = block.split_at(len.min(block.len()));
        let (label, der) =
            der::pem::decode_vec(this.as_bytes()).map_err(|_| "PEM block unreadable")?;
        if label != "CERTIFICATE" {
            return Err("PEM block is not a CERTIFICATE");
        }
        if x509_cert::Certificate::from_der(&der).is_err() {
            return Err("PEM certificate is not a DER X.509 certificate");
        }
        if certs.len() >= max {
            return Err("too many certificates in PEM input");
        }
        certs.push(der);
        rest = next;
    }
    if certs.is_empty() {
        return Err("no certificate in PEM input");
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::pem_certificates;

    #[test]
    fn empty_and_malformed_input_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\n",
            b"-----BEGIN ",
            b"-----BEGIN CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\n-----END ",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"\xff\xfe",
        ] {
            assert!(pem_certificates(input, 4).is_err(), "{input:?}");
        }
        assert_eq!(pem_certificates(b"", 4), Err("no certificate in PEM input"));
    }
}
