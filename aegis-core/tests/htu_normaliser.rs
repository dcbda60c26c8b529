//! `token::normalise_htu` was rewritten without `format!` (issue 12, item 10: performance only).
//! This checks it against the earlier implementation, kept here as the reference, on generated
//! URIs made of the characters that matter (schemes in any case, IPv6 brackets, ports, `@`,
//! query and fragment), and on the known answers. The reference predates the path's
//! percent-encoding and dot-segment normalisation (RFC 3986 6.2.2.2-3, known answers in
//! tests/proof_tokens.rs), so generated paths here hold neither `%` nor `.`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aegis_core::token::normalise_htu;
use proptest::prelude::*;

/// The implementation before the rewrite.
fn reference(u: &str) -> Option<String> {
    let u = u.split('#').next()?.split('?').next()?;
    let (scheme, rest) = u.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let (auth, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if auth.is_empty() || auth.contains('@') {
        return None;
    }
    let (host, port) = match auth.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6.split_once(']')?;
            if !after.is_empty() && !after.starts_with(':') {
                return None;
            }
            (format!("[{h}]"), after.strip_prefix(':'))
        }
        None => match auth.split_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (auth.to_owned(), None),
        },
    };
    if port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if host.is_empty() || host == "[]" {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().ok()?).filter(|p| *p != default_port),
    };
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!(
        "{scheme}://{}{port}{path}",
        host.to_ascii_lowercase()
    ))
}

#[test]
fn known_answers_agree() {
    for u in [
        "HTTPS://Example.COM:443?x#y",
        "http://[::1]:8080/a",
        "http://[::1]x/a",
        "http://[]/",
        "http://h:80/a",
        "http://h:8O/a",
        "http://h:/A/B",
        "hTTp://H",
        "ftp://h/",
        "https://u@h/",
        "https://h:99999/",
        "https://h:0443/",
        "https://:443/",
        "https://[FE80::1]:443/Path?q",
    ] {
        assert_eq!(normalise_htu(u), reference(u), "{u}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn agrees_with_the_reference(
        scheme in "(https?|HTTPS?|hTtP[sS]?|ftp|)",
        sep in "(://|:/|)",
        rest in "[a-zA-Z0-9:@\\[\\]/?#-]{0,24}",
    ) {
        let u = format!("{scheme}{sep}{rest}");
        prop_assert_eq!(normalise_htu(&u), reference(&u), "{}", u);
    }
}
