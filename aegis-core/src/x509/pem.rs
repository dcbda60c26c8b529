//! PEM certificate lists (RFC 7468, 5): the one reader used for EK trust anchors and SPIFFE
//! bundles and chains. (x509-cert's `load_pem_chain` is not used: it panics on some malformed
//! input, e.g. an empty one.)

use der::Decode;

/// The DER certificates of a PEM input, in order: every `CERTIFICATE` block, text outside the
/// blocks ignored, each block a strict DER X.509 certificate; at most `max` of them. The error
/// is the reason, for the caller to wrap in its own error: there is no certificate, the input is
/// not UTF-8, a block is unreadable or carries another label, or there are more than `max`.
pub(crate) fn pem_certificates(pem: &[u8], max: usize) -> Result<Vec<Vec<u8>>, &'static str> {
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
        for (input, reason) in [
            (&b""[..], "no certificate in PEM input"),
            (b"\n", "no certificate in PEM input"),
            (b"\xff\xfe", "PEM is not UTF-8"),
            (b"-----BEGIN ", "PEM block without END line"),
            (
                b"-----BEGIN CERTIFICATE-----\n",
                "PEM block without END line",
            ),
            (
                b"-----BEGIN CERTIFICATE-----\n-----END ",
                "PEM block without END line",
            ),
            (
                b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
                "PEM block unreadable",
            ),
            (
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "PEM block is not a CERTIFICATE",
            ),
            (
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "PEM certificate is not a DER X.509 certificate",
            ),
        ] {
            assert_eq!(pem_certificates(input, 4), Err(reason), "{input:?}");
        }
    }

    #[cfg(feature = "native")]
    #[test]
    fn certificates_in_order_and_at_most_max() {
        let chain = crate::x509::test_certs::Chain::new(1);
        let mut pem = b"text outside the blocks\n".to_vec();
        let mut ders = Vec::new();
        for cert in [&chain.root, chain.issuer()] {
            pem.extend(cert.to_pem().unwrap());
            ders.push(cert.to_der().unwrap());
        }
        assert_eq!(pem_certificates(&pem, 2), Ok(ders));
        assert_eq!(
            pem_certificates(&pem, 1),
            Err("too many certificates in PEM input")
        );
    }
}
