//! SPIFFE IDs (SPIFFE-ID specification, 2) and the leaf rules of the SPIFFE X.509-SVID profile
//! (SPIFFE X509-SVID specification, 2, 3.1, 4.1, 4.3 and 5.2), used by [`super::Profile::Spiffe`].

use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use der::Decode;

use super::{Certificate, PathError};
use crate::error::{Error, Result};
use crate::keys::oid;

/// Longest SPIFFE ID, in bytes (SPIFFE-ID, 2.3: URIs up to 2048 bytes).
pub const MAX_SPIFFE_ID_BYTES: usize = 2048;
/// Longest trust domain name, in bytes (SPIFFE-ID, 2.1: at most 255 bytes).
pub const MAX_TRUST_DOMAIN_BYTES: usize = 255;

const SCHEME: &str = "spiffe://";

/// A SPIFFE ID (SPIFFE-ID, 2): `spiffe://<trust domain><path>`, the trust domain of lowercase
/// letters, digits, `.`, `-` and `_`, the path empty or `/`-separated non-empty segments of
/// letters, digits, `.`, `-` and `_` that are not `.` or `..`; no port, user info, query,
/// fragment or percent-encoding; at most [`MAX_SPIFFE_ID_BYTES`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpiffeId {
    id: String,
    /// Where the path starts in `id`.
    path_at: usize,
}

impl SpiffeId {
    /// Parses a SPIFFE ID: `SvidIdNotSpiffe` when the scheme is not `spiffe://`,
    /// `SvidTrustDomainInvalid` or `SvidIdPathInvalid` for the part that breaks the rules.
    pub fn parse(id: &str) -> Result<Self> {
        let rest = id.strip_prefix(SCHEME).ok_or(Error::SvidIdNotSpiffe)?;
        if id.len() > MAX_SPIFFE_ID_BYTES {
            return Err(Error::SvidIdPathInvalid {
                what: "SPIFFE ID longer than 2048 bytes",
            });
        }
        let td_len = rest.find('/').unwrap_or(rest.len());
        let (td, path) = rest.split_at(td_len);
        check_trust_domain(td)?;
        if !path.is_empty() {
            for segment in path.split('/').skip(1) {
                check_segment(segment)?;
            }
        }
        Ok(SpiffeId {
            id: id.to_owned(),
            path_at: SCHEME.len() + td_len,
        })
    }

    /// The whole ID.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The trust domain name (without the scheme).
    pub fn trust_domain(&self) -> &str {
        self.id.get(SCHEME.len()..self.path_at).unwrap_or_default()
    }

    /// The path: empty for a trust domain's own ID, else starting with `/`.
    pub fn path(&self) -> &str {
        self.id.get(self.path_at..).unwrap_or_default()
    }
}

impl core::fmt::Display for SpiffeId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.id)
    }
}

/// SPIFFE-ID, 2.1.
fn check_trust_domain(td: &str) -> Result<()> {
    let invalid = |what| Error::SvidTrustDomainInvalid { what };
    if td.is_empty() {
        return Err(invalid("empty"));
    }
    if td.len() > MAX_TRUST_DOMAIN_BYTES {
        return Err(invalid("longer than 255 bytes"));
    }
    if td.contains(':') {
        return Err(invalid("a port is not allowed"));
    }
    if td.contains('@') {
        return Err(invalid("user info is not allowed"));
    }
    if !td
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-_".contains(&b))
    {
        return Err(invalid(
            "only lowercase letters, digits, '.', '-' and '_' are allowed",
        ));
    }
    Ok(())
}

/// SPIFFE-ID, 2.2: one path segment.
fn check_segment(segment: &str) -> Result<()> {
    let invalid = |what| Error::SvidIdPathInvalid { what };
    match segment {
        "" => Err(invalid("empty segment or trailing slash")),
        "." | ".." => Err(invalid("dot segment")),
        s if s.contains('?') => Err(invalid("a query is not allowed")),
        s if s.contains('#') => Err(invalid("a fragment is not allowed")),
        s if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b)) =>
        {
            Err(invalid(
                "only letters, digits, '.', '-' and '_' are allowed in a segment",
            ))
        }
        _ => Ok(()),
    }
}

/// The SPIFFE ID of a certificate: its one URI SAN (SPIFFE X509-SVID, 2), parsed.
/// `SvidUriSanMissing`, `SvidUriSanMultiple`, or the [`SpiffeId::parse`] errors.
pub(crate) fn spiffe_id_of(cert: &Certificate) -> core::result::Result<SpiffeId, PathError> {
    let Some(ext) = cert.extension(oid::SUBJECT_ALT_NAME) else {
        return Err(Error::SvidUriSanMissing.into());
    };
    let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
        .map_err(|_| PathError::Malformed("malformed subjectAltName"))?;
    // RFC 5280, 4.1.2.6: without a subject, the subjectAltName is critical.
    if cert.cert.tbs_certificate.subject.0.is_empty() && !ext.critical {
        return Err(PathError::Malformed(
            "no subject and a non-critical subjectAltName",
        ));
    }
    let mut uris = san.0.iter().filter_map(|n| match n {
        GeneralName::UniformResourceIdentifier(u) => Some(u.as_str()),
        _ => None,
    });
    let first = uris.next().ok_or(Error::SvidUriSanMissing)?;
    let more = uris.count();
    if more > 0 {
        return Err(Error::SvidUriSanMultiple {
            count: more as u64 + 1,
        }
        .into());
    }
    Ok(SpiffeId::parse(first)?)
}

/// The leaf rules, in order (SPIFFE X509-SVID, 5.2, as go-spiffe `x509svid.Verify` orders
/// them): exactly one URI SAN holding a SPIFFE ID with a path (2, 3.1); not a CA (4.1); keyUsage
/// present and critical with digitalSignature, without keyCertSign and cRLSign (4.3).
pub(crate) fn check_leaf(leaf: &Certificate) -> core::result::Result<(), PathError> {
    let id = spiffe_id_of(leaf)?;
    if id.path().is_empty() {
        return Err(Error::SvidIdNoPath.into());
    }
    if leaf.basic_constraints()?.is_some_and(|bc| bc.ca) {
        return Err(Error::SvidLeafIsCa.into());
    }
    let critical = leaf.extension(oid::KEY_USAGE).map(|e| e.critical);
    let ku = leaf.key_usage()?.ok_or(Error::SvidKeyUsageMissing)?;
    if critical != Some(true) {
        return Err(Error::SvidKeyUsageNotCritical.into());
    }
    if !ku.digital_signature() {
        return Err(Error::SvidKeyUsageNoDigitalSignature.into());
    }
    if ku.key_cert_sign() {
        return Err(Error::SvidKeyUsageCertSign.into());
    }
    if ku.crl_sign() {
        return Err(Error::SvidKeyUsageCrlSign.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids_and_their_parts() {
        let id = SpiffeId::parse("spiffe://example.org/ns/prod/sa-1_x.y").unwrap();
        assert_eq!(id.trust_domain(), "example.org");
        assert_eq!(id.path(), "/ns/prod/sa-1_x.y");
        let td = SpiffeId::parse("spiffe://a-b_c.9").unwrap();
        assert_eq!((td.trust_domain(), td.path()), ("a-b_c.9", ""));
    }

    #[test]
    fn each_rule_has_its_error() {
        use Error::*;
        for (id, err) in [
            ("https://example.org/a", SvidIdNotSpiffe),
            ("SPIFFE://example.org/a", SvidIdNotSpiffe),
            ("spiffe:example.org/a", SvidIdNotSpiffe),
            ("spiffe:///a", SvidTrustDomainInvalid { what: "empty" }),
            (
                "spiffe://example.org:8443/a",
                SvidTrustDomainInvalid {
                    what: "a port is not allowed",
                },
            ),
            (
                "spiffe://u@example.org/a",
                SvidTrustDomainInvalid {
                    what: "user info is not allowed",
                },
            ),
            (
                "spiffe://Example.org/a",
                SvidTrustDomainInvalid {
                    what: "only lowercase letters, digits, '.', '-' and '_' are allowed",
                },
            ),
            (
                "spiffe://example.org/",
                SvidIdPathInvalid {
                    what: "empty segment or trailing slash",
                },
            ),
            (
                "spiffe://example.org/a//b",
                SvidIdPathInvalid {
                    what: "empty segment or trailing slash",
                },
            ),
            (
                "spiffe://example.org/a/../b",
                SvidIdPathInvalid {
                    what: "dot segment",
                },
            ),
            (
                "spiffe://example.org/a?x=1",
                SvidIdPathInvalid {
                    what: "a query is not allowed",
                },
            ),
            (
                "spiffe://example.org/a#f",
                SvidIdPathInvalid {
                    what: "a fragment is not allowed",
                },
            ),
            (
                "spiffe://example.org/a%20b",
                SvidIdPathInvalid {
                    what: "only letters, digits, '.', '-' and '_' are allowed in a segment",
                },
            ),
        ] {
            assert_eq!(SpiffeId::parse(id).unwrap_err(), err, "{id}");
        }
        let long = format!("spiffe://example.org/{}", "a".repeat(MAX_SPIFFE_ID_BYTES));
        assert!(matches!(
            SpiffeId::parse(&long),
            Err(SvidIdPathInvalid { .. })
        ));
        let td = format!("spiffe://{}/a", "a".repeat(256));
        assert_eq!(
            SpiffeId::parse(&td).unwrap_err(),
            SvidTrustDomainInvalid {
                what: "longer than 255 bytes"
            }
        );
    }
}
