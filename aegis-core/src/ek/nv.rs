//! EK certificates as read from a TPM NV index (TCG EK Credential Profile 2.0, 2.2.1.5).

use der::{Encode, Reader, SliceReader};

/// Cuts an EK certificate read from an NV index (TCG EK Credential Profile 2.0, 2.2.1.5: the
/// index may be larger than the certificate, padded with zeros or 0xFF) to the length its outer
/// DER SEQUENCE declares. Input that does not start with a DER SEQUENCE, or that is shorter than
/// the declared length, is returned unchanged (and then fails to parse).
pub fn trim_nv_certificate(bytes: &[u8]) -> &[u8] {
    let declared = SliceReader::new(bytes).ok().and_then(|r| {
        let header = r.peek_header().ok()?;
        if header.tag != der::Tag::Sequence {
            return None;
        }
        let head = usize::try_from(header.encoded_len().ok()?).ok()?;
        head.checked_add(usize::try_from(header.length).ok()?)
    });
    match declared {
        Some(n) => bytes.get(..n).unwrap_or(bytes),
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_cuts_padding_and_leaves_other_input() {
        let cert = [0x30, 0x03, 0x02, 0x01, 0x05];
        let mut padded = cert.to_vec();
        padded.extend_from_slice(&[0u8; 20]);
        assert_eq!(trim_nv_certificate(&padded), &cert);
        assert_eq!(trim_nv_certificate(&cert), &cert);
        assert_eq!(trim_nv_certificate(&cert[..3]), &cert[..3]);
        assert_eq!(trim_nv_certificate(&[0xff; 4]), &[0xff; 4]);
        assert_eq!(trim_nv_certificate(&[]), &[] as &[u8]);
        // Long-form length.
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend_from_slice(&[0x04; 0x80]);
        let mut long_padded = long.clone();
        long_padded.extend_from_slice(&[0xff; 7]);
        assert_eq!(trim_nv_certificate(&long_padded), &long[..]);
    }
}
