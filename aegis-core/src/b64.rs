//! Base64 on the paths every appraisal and token takes (evidence bundles, JWT EARs, proof
//! tokens): base64-simd's vectorised codec, about 3.5 times faster here than the base64 crate
//! (issue 11, item 9). It is exactly as strict: padding and trailing bits canonical, no
//! whitespace, no other alphabet; the differential tests below hold the two to the same answers.
//! A failed decode is decoded again by the base64 crate, for its error's detail (which byte, at
//! which offset).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// Standard base64 with padding (RFC 4648, 4).
pub(crate) fn decode_standard(text: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    base64_simd::STANDARD
        .decode_to_vec(text)
        .or_else(|_| STANDARD.decode(text))
}

/// base64url without padding (RFC 4648, 5; RFC 7515, 2).
pub(crate) fn decode_url(text: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
}

/// `bytes` as base64url without padding, appended to `out`.
pub(crate) fn encode_url_append(bytes: &[u8], out: &mut String) {
    base64_simd::URL_SAFE_NO_PAD.encode_append(bytes, out);
}

/// `bytes` as base64url without padding.
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    base64_simd::URL_SAFE_NO_PAD.encode_to_string(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64), so a failure names its case.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Bytes a corrupted encoding may hold: both alphabets' specials, padding, whitespace, NUL,
    /// a non-ASCII byte and plain letters.
    const NOISE: &[u8] = b"+/-_= \n\r\t\0\xc3AQgw09";

    /// Valid encodings of random data (0 to 299 bytes: below and well above the SIMD block
    /// sizes), some corrupted at one place, truncated or extended: both codecs accept the same
    /// texts with the same bytes, for both alphabets.
    #[test]
    fn decodes_as_the_base64_crate_does() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..40_000 {
            let data: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
            let url = case % 2 == 1;
            let mut text = if url {
                URL_SAFE_NO_PAD.encode(&data).into_bytes()
            } else {
                STANDARD.encode(&data).into_bytes()
            };
            match rng.below(4) {
                0 => {}
                1 if !text.is_empty() => {
                    let at = rng.below(text.len());
                    text[at] = NOISE[rng.below(NOISE.len())];
                }
                2 if !text.is_empty() => text.truncate(rng.below(text.len())),
                _ => text.push(NOISE[rng.below(NOISE.len())]),
            }
            let (ours, theirs) = if url {
                (decode_url(&text), URL_SAFE_NO_PAD.decode(&text))
            } else {
                (decode_standard(&text), STANDARD.decode(&text))
            };
            assert_eq!(
                ours,
                theirs,
                "case {case}: {:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn encodes_as_the_base64_crate_does() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for len in 0..600 {
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let mut appended = String::from("x.");
            encode_url_append(&data, &mut appended);
            assert_eq!(appended, format!("x.{}", URL_SAFE_NO_PAD.encode(&data)));
            assert_eq!(encode_url(&data), URL_SAFE_NO_PAD.encode(&data));
        }
    }

    /// A refusal keeps the base64 crate's detail.
    #[test]
    fn a_refusal_says_where() {
        assert_eq!(
            decode_standard(b"QUJD QUJD").unwrap_err(),
            base64::DecodeError::InvalidByte(4, b' ')
        );
        assert_eq!(
            decode_url(b"QR").unwrap_err(),
            base64::DecodeError::InvalidLastSymbol(1, b'R')
        );
    }
}
