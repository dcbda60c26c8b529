//! The one error type of Aegis, with stable numeric codes shared by the C, Python and Go bindings.
//!
//! The `error_table!` invocation below is the single source of the error table: every code, its
//! name, its group (a range of a thousand codes) and its one-line summary. From it this module gets
//! the [`Error`] enum, [`Error::code`], [`Error::name`], [`Error::TABLE`], [`Error::BOUNDARY_ONLY`]
//! and [`Error::GROUPS`]; `scripts/gen_errors.py` reads the same text (without compiling Rust) and
//! writes the C constants and messages (aegis-ffi/src/status_table.rs), the Go sentinels
//! (bindings/go/errors_gen.go) and the Python exception classes (bindings/python/src/errors_gen.rs
//! and the marked lines of aegis/__init__.py and _aegis.pyi). After editing the table run
//! `make errors` (then `make header`); `make errors-check` fails when a generated file is stale.
//!
//! Codes are grouped by range and never reused. Adding a range is one line in `groups` (the
//! Python binding gets a new exception class `<Group>Error` for it).

use core::fmt;

/// Declares the error table. The grammar is also what `scripts/gen_errors.py` parses; each entry
/// may be preceded by `///` doc lines (its description in every surface) and `//` comments:
///
/// - `groups { FIRST Name; ... }`: a group covers the codes FIRST..FIRST+1000;
/// - `errors { CODE Variant { field: Type, ... } => "summary"; ... }`: the [`Error`] variants
///   (the fields, each with its `///` doc, are optional); the summary is the static C message
///   (`aegis_status_str`);
/// - `boundary_only { CODE Name => "summary"; ... }`: codes only the C ABI returns (its own
///   boundary failures), listed here so that no variant and no binding ever reuses them.
macro_rules! error_table {
    (
        groups {
            $( $(#[doc = $group_doc:literal])* $group_first:literal $group:ident; )*
        }
        errors {
            $(
                $(#[doc = $doc:literal])*
                $code:literal $variant:ident $({ $( $(#[doc = $field_doc:literal])* $field:ident: $ty:ty ),* $(,)? })?
                    => $summary:literal;
            )*
        }
        boundary_only {
            $( $(#[doc = $b_doc:literal])* $b_code:literal $b_name:ident => $b_summary:literal; )*
        }
    ) => {
        /// Why a piece of evidence was refused, or why a call could not be made.
        ///
        /// Each variant maps to one stable number ([`Error::code`]) and one stable name
        /// ([`Error::name`]).
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Error {
            $( $(#[doc = $doc])* $variant $({ $( $(#[doc = $field_doc])* $field: $ty ),* })?, )*
        }

        impl Error {
            /// The stable numeric code (also the C `aegis_status`). Never reused.
            pub fn code(&self) -> u32 {
                match self {
                    $( Error::$variant $({ $($field: _),* })? => $code, )*
                }
            }

            /// The stable variant name, as used in testdata/manifest.json and by every binding.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Error::$variant $({ $($field: _),* })? => stringify!($variant), )*
                }
            }

            /// Every (code, name) pair, for bindings that mirror the table and for tests that pin
            /// it.
            pub const TABLE: &'static [(u32, &'static str)] =
                &[ $( ($code, stringify!($variant)), )* ];

            /// The (code, name) pairs that are not variants: the C ABI's own boundary failures
            /// (NULL pointer, caught panic, invalid UTF-8). Reserved: no variant reuses them.
            pub const BOUNDARY_ONLY: &'static [(u32, &'static str)] =
                &[ $( ($b_code, stringify!($b_name)), )* ];

            /// The groups as (first code, name): a group covers `first..first + 1000`. The Python
            /// binding has one exception class per group, `<name>Error`.
            pub const GROUPS: &'static [(u32, &'static str)] =
                &[ $( ($group_first, stringify!($group)), )* ];
        }
    };
}

error_table! {
    groups {
        /// The call itself is wrong (an unusable argument), or the crypto library failed.
        1000 Usage;
        /// A structure or file could not be parsed strictly (VERIFIER-CHECKS.md item 1).
        2000 Parse;
        /// The signature, its scheme, its size or its hash (items 1, 3 to 5).
        3000 Signature;
        /// The attestation structure: magic, type, nonce, signer, clock (items 5 to 10).
        4000 Attestation;
        /// The quote's PCR selection, banks and digest (items 11 and 12).
        5000 Pcr;
        /// Key attributes, shapes and the key allow-list (items 13 and 15).
        6000 KeyPolicy;
        /// EK certificate and credential activation (item 14).
        7000 Ek;
        /// Location evidence (item 16).
        8000 Location;
        /// A TPM backend operation.
        9000 Backend;
        /// Jurisdictions from coordinates and geofence policy (FORMATS.md, Jurisdictions).
        10000 Geo;
        /// Attestation results: EAR tokens (FORMATS.md, EAR) and evidence-bundle appraisal.
        11000 Result;
        /// Proof tokens (FORMATS.md, Proof tokens: DPoR, DPoG, WIMSE) and the replay cache.
        12000 Token;
        /// X.509-SVIDs: the AttestedClaims and CMW extensions, SPIFFE checks, the gateway decision.
        13000 Svid;
    }
    errors {
        // --- usage (1000s) ---
        /// A caller-supplied argument is unusable (not evidence: the call itself is wrong).
        1001 InvalidArgument {
            /// Which argument, and why.
            what: &'static str,
        } => "invalid argument";
        /// Failure inside a crypto provider that is not a verdict on the evidence.
        1002 CryptoProvider {
            /// Which operation failed.
            what: &'static str,
        } => "crypto provider failure";
        /// The operation is not available in this build or provider (e.g. an RSA private-key
        /// operation in the pure provider, which never uses the rsa crate for them: RUSTSEC-2023-0071).
        1006 Unsupported {
            /// The operation that is not available.
            what: &'static str,
        } => "the operation is not supported in this build or provider";

        // --- parsing (2000s): VERIFIER-CHECKS.md item 1 ---
        /// The input ended before the structure did.
        2000 Truncated {
            /// The structure being read.
            what: &'static str,
        } => "input ends before the structure does";
        /// Bytes remain after a complete structure.
        2001 TrailingBytes {
            /// The structure the extra bytes follow.
            what: &'static str,
            /// How many bytes remain after it.
            extra: usize,
        } => "bytes remain after a complete structure";
        /// A size field exceeds the spec's maximum or the structure's natural size.
        2002 SizeOutOfRange {
            /// The size field or buffer.
            what: &'static str,
            /// The size found, in bytes.
            size: usize,
            /// The largest size allowed, in bytes.
            max: usize,
        } => "a size field exceeds its maximum";
        /// A count field exceeds its limit.
        2003 CountOutOfRange {
            /// The count field or list.
            what: &'static str,
            /// The count found.
            count: usize,
            /// The largest count allowed.
            max: usize,
        } => "a count field exceeds its limit";
        /// An algorithm identifier that is unknown or not allowed in this position.
        2004 UnknownAlgorithm {
            /// The field holding the identifier.
            what: &'static str,
            /// The TPM_ALG_ID (or TPM_ECC_CURVE) found.
            alg: u16,
        } => "unknown or unsupported algorithm identifier";
        /// A TPMS_ATTEST of a type Aegis does not verify (not QUOTE, not CERTIFY).
        2005 UnsupportedAttestationType {
            /// The TPMS_ATTEST.type found (a TPM_ST value).
            tag: u16,
        } => "TPMS_ATTEST type is not supported (only QUOTE and CERTIFY)";
        /// A field holds a value the spec forbids in this position.
        2006 InvalidValue {
            /// The field and the rule it breaks.
            what: &'static str,
        } => "a field holds a value the spec forbids";
        /// A file or text form could not be decoded (base64, hex, JSON, PEM, tpm2-tools PCR file).
        2007 InvalidFormat {
            /// The form and the part that did not decode.
            what: &'static str,
        } => "a file or text form could not be decoded";

        // --- signature (3000s): items 3, 4, 5 ---
        /// TPMT_SIGNATURE with sigAlg TPM_ALG_NULL.
        3000 NullSignature => "NULL signature refused";
        /// The signature algorithm does not match the key type or the key's own scheme.
        3001 SignatureSchemeMismatch {
            /// The key's scheme TPM_ALG_ID, or its type (TPM_ALG_RSA / TPM_ALG_ECC) for a bare key.
            key_scheme: u16,
            /// The signature's sigAlg (TPM_ALG_ID).
            signature_scheme: u16,
        } => "signature scheme does not match the key's scheme";
        /// The hash algorithm is not on the caller's allow-list.
        3002 HashNotAllowed {
            /// The hash's TPM_ALG_ID.
            hash: u16,
        } => "hash algorithm is not on the allow-list";
        /// The signature's hash algorithm differs from the key's scheme hash.
        3003 HashMismatch {
            /// The hash of the key's scheme (TPM_ALG_ID).
            key_hash: u16,
            /// The hash the signature names (TPM_ALG_ID).
            signature_hash: u16,
        } => "signature hash differs from the key's scheme hash";
        /// ECDSA r or s is zero or not below the curve order.
        3004 EcdsaScalarOutOfRange => "ECDSA r or s outside [1, n-1]";
        /// The signature does not verify over the bytes received.
        3005 SignatureInvalid => "signature does not verify";
        /// Item 1: an RSA signature that is not exactly the modulus length, or an ECDSA r or s longer
        /// than the curve's size, refused before any provider sees it.
        3006 SignatureLength {
            /// The length received, in bytes.
            size: usize,
            /// The modulus length (RSA) or the most the curve allows (ECDSA r, s), in bytes.
            expected: usize,
        } => "signature size differs from the key size";

        // --- attestation structure (4000s): items 6 to 10 ---
        /// TPMS_ATTEST.magic is not TPM_GENERATED_VALUE.
        4000 BadMagic {
            /// The TPMS_ATTEST.magic found.
            found: u32,
        } => "magic is not TPM_GENERATED_VALUE";
        /// TPMS_ATTEST.type is not the one this verification needs.
        4001 WrongAttestationType {
            /// The TPM_ST_ATTEST_* value this verification needs.
            expected: u16,
            /// The TPMS_ATTEST.type found.
            found: u16,
        } => "attestation type is not the one this verification needs";
        /// The caller's nonce is empty: there is no freshness to prove.
        4002 EmptyNonce => "empty nonce refused: freshness cannot be proven";
        /// extraData differs from the caller's nonce.
        4003 NonceMismatch => "extraData does not equal the expected nonce";
        /// qualifiedSigner differs from the expected AK.
        4004 SignerMismatch => "qualifiedSigner is not the expected AK";
        /// The clock went backwards with respect to the caller's previous observation.
        4005 ClockRegression => "TPM clock went backwards";
        /// Item 5: qualifiedSigner is TPM_RH_NULL (0x40000007) or empty.
        4006 NullSigner => "qualifiedSigner is TPM_RH_NULL or empty";
        /// Item 10: Clock is lower than a previously seen Clock although safe = YES.
        4007 ClockSafeRegression => "TPM Clock is lower than a Clock seen before although safe = YES";

        // --- quote and PCRs (5000s): items 11, 12 ---
        /// A PCR value was supplied for a PCR the signed selection does not cover.
        5000 PcrNotInSelection {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
            /// The PCR index.
            index: u8,
        } => "a PCR value was supplied outside the signed selection";
        /// Policy requires a PCR that the signed selection lacks.
        5001 RequiredPcrMissing {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
            /// The PCR index.
            index: u8,
        } => "policy requires a PCR the signed selection lacks";
        /// The signed selection covers a PCR for which no value was supplied.
        5002 PcrValueMissing {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
            /// The PCR index.
            index: u8,
        } => "no value supplied for a signed PCR";
        /// A PCR value's length is not the bank's digest size.
        5003 PcrValueSize {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
            /// The PCR index.
            index: u8,
            /// The value's length in bytes.
            size: usize,
        } => "a PCR value is not the bank's digest size";
        /// The recomputed PCR digest differs from the signed pcrDigest.
        5004 PcrDigestMismatch => "PCR values do not hash to the signed pcrDigest";
        /// A PCR bank whose hash is not on the allow-list (SHA-1 banks need the SHA-1 opt-in).
        5005 PcrBankNotAllowed {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
        } => "PCR bank is not on the hash allow-list";

        // --- keys (6000s): items 13, 15 ---
        /// The AK is not a restricted signing key.
        6000 AkNotRestricted => "the AK is not a restricted signing key";
        /// A key lacks a required object attribute (fixedTPM, fixedParent, sensitiveDataOrigin, sign).
        6001 KeyAttributeMissing {
            /// The TPMA_OBJECT attribute's Part 2 name ("fixedTPM", "sign", ...).
            attribute: &'static str,
        } => "key lacks a required attribute";
        /// An App Key that can decrypt as well as sign.
        6002 KeyIsDecrypt => "an App Key must not be a decryption key";
        /// The key's type, size or curve is not on the allow-list.
        6003 KeyNotAllowed {
            /// The key property that is not allowed.
            what: &'static str,
        } => "key type, size or curve not allowed";
        /// certifyInfo.name differs from the Name of the App Key received.
        6004 NameMismatch => "certified Name differs from the Name of the key received";
        /// Item 13: a key no TPM would create (restricted sign + decrypt, or a symmetric algorithm or
        /// KDF on a signing key).
        6005 KeyShapeInvalid {
            /// The combination no TPM would create.
            what: &'static str,
        } => "no TPM creates a key of this shape";
        /// A key's nameAlg is not on the allow-list (SHA-1 needs the SHA-1 opt-in).
        6006 NameAlgNotAllowed {
            /// The nameAlg (TPM_ALG_ID).
            hash: u16,
        } => "key nameAlg is not on the hash allow-list";

        // --- EK certificate and credential activation (7000s): item 14 ---
        /// The EK certificate is malformed or unusable as an EK certificate.
        7000 EkCertificateInvalid {
            /// What is wrong with the certificate.
            what: &'static str,
        } => "EK certificate invalid";
        /// The EK certificate does not chain to a caller-given manufacturer CA.
        7001 EkCertificateUntrusted => "EK certificate does not chain to a trusted manufacturer CA";
        /// The EK certificate (or a CA in its chain) is outside its validity period at the given time.
        7002 EkCertificateExpired => "EK certificate or its issuer is outside its validity period";
        /// The EK certificate's public key differs from the EK public area.
        7003 EkPublicKeyMismatch => "EK certificate key differs from the EK public area";
        /// The activated credential does not match the one the verifier made.
        7004 CredentialMismatch => "activated credential differs from the one made";
        /// The AK that signed the evidence is not the AK bound to the EK by credential activation.
        7005 AkBindingMismatch
            => "the signing AK is not the AK bound to the EK by credential activation";

        // --- location evidence (8000s): item 16 ---
        /// The location event log does not replay to the quoted PCR value.
        8000 LocationLogMismatch => "location event log does not replay to the quoted PCR value";
        /// The last location event is not bound to the attestation nonce (or the log is empty).
        8001 LocationNonceMismatch => "last location event is not bound to the attestation nonce";
        /// A location event log (file or record) is truncated, corrupted or out of sequence.
        8002 LocationLogCorrupt {
            /// What is wrong with the log or record.
            what: &'static str,
        } => "location event log corrupt";

        // --- TPM backend (9000s) ---
        /// A TPM backend operation failed (the TSS or TPM response code is in `detail`).
        9000 Backend {
            /// The backend operation that failed.
            what: &'static str,
            /// The backend's message (for the TSS backend, the TSS or TPM response code).
            detail: String,
        } => "TPM backend operation failed";

        // --- jurisdictions (10000-10019) ---
        /// A latitude outside -90 to 90 degrees, or not a number.
        10000 LatitudeOutOfRange => "latitude outside [-90, 90] or not a number";
        /// A longitude outside -180 to 180 degrees, or not a number.
        10001 LongitudeOutOfRange => "longitude outside [-180, 180] or not a number";
        /// An accuracy radius that is negative, infinite or not a number.
        10002 InvalidAccuracy => "accuracy radius must be a finite, non-negative number of metres";
        /// The embedded boundary data does not decode (a build defect, never a verdict on input).
        10003 BoundaryDataCorrupt {
            /// Which part of the data.
            what: &'static str,
        } => "embedded boundary data is corrupt";

        // --- geofence policy and decision (10020-10099) ---
        /// A geofence policy is refused (docs/geofence-policy.md): `path` is the JSON path of the
        /// member at fault (`$.areas[2].geometry.coordinates[0][3]`), `what` what is wrong there.
        10020 GeofencePolicyInvalid {
            /// JSON path of the member at fault (`$` for the document itself).
            path: String,
            /// What is wrong with it.
            what: String,
        } => "geofence policy invalid";
        /// The reading's country is not on the policy's allow-list.
        10021 GeofenceCountryNotAllowed {
            /// ISO 3166-1 alpha-2 code of the reading's country.
            country: String,
        } => "the reading's country is not allowed by the geofence policy";
        /// The reading's country is on the policy's deny-list.
        10022 GeofenceCountryDenied {
            /// ISO 3166-1 alpha-2 code of the reading's country.
            country: String,
        } => "the reading's country is denied by the geofence policy";
        /// The policy allows only some subdivisions of the reading's country, and not this one.
        10023 GeofenceSubdivisionNotAllowed {
            /// ISO 3166-2 code of the reading's subdivision.
            subdivision: String,
        } => "the reading's subdivision is not allowed by the geofence policy";
        /// The reading's subdivision is on the policy's deny-list.
        10024 GeofenceSubdivisionDenied {
            /// ISO 3166-2 code of the reading's subdivision.
            subdivision: String,
        } => "the reading's subdivision is denied by the geofence policy";
        /// The policy has subdivision rules for the reading's country, but the reading's
        /// subdivision is not known (no subdivision data, or the circle spans several).
        10025 GeofenceSubdivisionUnresolved {
            /// ISO 3166-1 alpha-2 code of the reading's country.
            country: String,
        } => "the policy has subdivision rules but the reading's subdivision is unknown";
        /// The reading's circle reaches several countries and at least one is not allowed.
        10026 GeofenceJurisdictionAmbiguous {
            /// The candidate countries, comma-separated ("CH, FR").
            candidates: String,
        } => "the reading reaches several jurisdictions and not all are allowed";
        /// The policy has jurisdiction rules and the reading lies in no jurisdiction (or none
        /// was looked up).
        10027 GeofenceJurisdictionUnresolved
            => "the policy has jurisdiction rules but the reading lies in no jurisdiction";
        /// The policy has allowed areas and the reading's circle lies wholly in none of them.
        10028 GeofenceOutsideAllowedAreas => "the reading lies wholly in no allowed area";
        /// The reading's circle reaches a denied area.
        10029 GeofenceInDeniedArea {
            /// The area's `id` in the policy.
            area: String,
        } => "the reading reaches a denied area";
        /// The reading's accuracy radius is larger than the policy accepts.
        10030 GeofenceAccuracyTooCoarse {
            /// The reading's accuracy radius, in whole metres rounded up.
            accuracy_m: u64,
            /// The largest radius the policy accepts, in metres.
            max_m: u64,
        } => "the reading's accuracy radius is larger than the policy accepts";
        /// The reading is older than the policy accepts.
        10031 GeofenceReadingTooOld {
            /// The reading's age in seconds at the evaluation time.
            age_s: u64,
            /// The largest age the policy accepts.
            max_s: u64,
        } => "the reading is older than the policy accepts";
        /// The reading's time is later than the evaluation time plus the allowed clock skew.
        10032 GeofenceReadingFromFuture {
            /// How far ahead of the evaluation time the reading is, in seconds.
            ahead_s: u64,
            /// The clock skew the policy tolerates.
            max_skew_s: u64,
        } => "the reading's time is in the future beyond the allowed clock skew";
        /// The policy does not accept readings of this sensor type.
        10033 GeofenceSensorNotAllowed {
            /// The sensor type ("wifi", ...).
            sensor: &'static str,
        } => "the policy does not accept this sensor type";
        /// A mobile-network reading whose location the network did not verify.
        10034 GeofenceMobileNotVerified
            => "a mobile reading is accepted only with a network-verified location";
        /// An IP geolocation reading: never sufficient, whatever the policy says.
        10035 GeofenceIpNotSufficient => "an IP geolocation reading is never sufficient";
        /// A static (configured, not measured) location, which the policy does not opt into.
        10036 GeofenceStaticNotAllowed
            => "a static location is accepted only when the policy opts in";
        /// A PCR the geofence policy gives a reference value for is not among the quoted values.
        10037 PcrReferenceMissing {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
            /// The PCR index.
            index: u8,
        } => "a PCR with a reference value is not among the quoted values";
        /// A quoted PCR value differs from the policy's reference value.
        10038 PcrReferenceMismatch {
            /// The bank's hash (TPM_ALG_ID).
            bank: u16,
            /// The PCR index.
            index: u8,
        } => "a quoted PCR value differs from its reference value";

        // --- EAR tokens (11000-11049) ---
        /// An EAR token is not a well-formed JWS compact serialization, COSE_Sign1, JSON or CBOR.
        11000 EarMalformed {
            /// The part that did not decode.
            what: &'static str,
        } => "EAR token malformed";
        /// The token's signature algorithm is not on the caller's allow-list (never `none`, never
        /// HMAC).
        11001 EarAlgorithmNotAllowed {
            /// The algorithm as the token names it (JWS `alg` or COSE algorithm number).
            alg: String,
        } => "EAR signature algorithm not on the allow-list";
        /// The token's algorithm does not fit the verification key (ES256 needs P-256, ES384
        /// P-384, PS256 RSA of 2048 bits or more).
        11002 EarAlgorithmKeyMismatch => "EAR signature algorithm does not fit the key";
        /// The token's `exp` is at or before the verification time.
        11003 EarExpired {
            /// The token's `exp` (seconds since the epoch).
            exp: i64,
            /// The verification time (seconds since the epoch).
            now: u64,
        } => "EAR token expired";
        /// The token's `iat` is later than the verification time plus the allowed clock skew.
        11004 EarIssuedInFuture {
            /// The token's `iat` (seconds since the epoch).
            iat: i64,
            /// The verification time (seconds since the epoch).
            now: u64,
        } => "EAR token issued in the future";
        /// A nonce was expected and the token's `eat_nonce` differs or is missing.
        11005 EarNonceMismatch => "EAR eat_nonce does not equal the expected nonce";
        /// A time claim (`iat`, `exp`) is not an integer (floats are refused).
        11006 EarNonIntegerTime {
            /// The claim.
            claim: &'static str,
        } => "EAR time claim is not an integer";
        /// The `eat_profile` is none of draft-ietf-rats-ear-03, -04 or Veraison's.
        11007 EarUnknownProfile {
            /// The profile found.
            profile: String,
        } => "EAR eat_profile unknown";
        /// A submod's `ear_status` is better than the worst claim of its trustworthiness vector.
        11008 EarStatusBetterThanVector {
            /// The submod's name.
            submod: String,
        } => "EAR submod status is better than its trustworthiness vector";
        /// The top-level `ear_status` is better than the worst submod status.
        11009 EarStatusBetterThanSubmods => "EAR top-level status is better than a submod's";
        /// geoAR claims break a rule: an inner jurisdiction level without the outer one, or a
        /// value outside its type (draft-richardson-rats-geographic-results).
        11010 EarGeoInvalid {
            /// The rule broken.
            what: &'static str,
        } => "EAR geoAR claims invalid";
        /// A mandatory EAR claim is missing.
        11011 EarClaimMissing {
            /// The claim.
            claim: &'static str,
        } => "EAR mandatory claim missing";
        /// An EAR claim has the wrong type or a value outside its range.
        11012 EarClaimInvalid {
            /// The claim.
            claim: &'static str,
        } => "EAR claim has the wrong type or value";
        /// The JOSE or COSE header carries a parameter Aegis must refuse (`crit`, `b64`: false,
        /// an algorithm only in the unprotected header).
        11013 EarHeaderInvalid {
            /// The parameter and why.
            what: &'static str,
        } => "EAR token header refused";

        // --- evidence bundle and attestation result (11050-11099) ---
        /// The evidence bundle (docs/evidence-bundle.md) is not valid JSON of its format.
        11050 EvidenceBundleInvalid {
            /// The member at fault (`$.quote.attest`) or `$` for the document.
            field: String,
            /// What is wrong with it.
            reason: String,
        } => "evidence bundle invalid";
        /// The bundle's nonce is not the nonce this verifier issued for the attestation.
        11051 EvidenceNonceMismatch
            => "the evidence bundle's nonce is not the nonce this verifier issued";
        /// The policy requires an EK certificate and the bundle has none.
        11052 EkCertificateMissing
            => "the policy requires an EK certificate and the evidence has none";

        // --- AegisSovereignAI PoC compatibility (11090-11099) ---
        /// A SovereignAttestation without the App Key's TPM public area (`app_key_tpm_public`):
        /// its PEM alone cannot be tied to the Name the certify signed.
        11090 PocAppKeyPublicMissing
            => "the App Key's TPMT_PUBLIC is missing: its PEM alone cannot be tied to the certified Name";
        /// The App Key's TPM public area and its PEM hold different keys.
        11091 PocAppKeyMismatch => "the App Key's TPMT_PUBLIC and its PEM are different keys";
        /// A challenge_nonce of the SovereignAttestation (its own or its App Key certificate's)
        /// is not the verifier's nonce.
        11092 PocChallengeMismatch
            => "the SovereignAttestation's challenge_nonce is not the verifier's nonce";

        // --- proof tokens: DPoR, DPoG, WIMSE WPT (12000-12049) ---
        /// A proof token is not a well-formed JWS compact serialization of JSON objects (size,
        /// base64url without padding, duplicate members, claim types).
        12000 TokenMalformed {
            /// What did not parse.
            what: &'static str,
        } => "proof token malformed";
        /// The proof's `typ` header is not the one expected (dpor+jwt, dpog+jwt, wpt+jwt).
        12001 TokenTypeInvalid {
            /// The `typ` found.
            typ: String,
        } => "proof token typ is not the expected one";
        /// The proof's `alg` is not on the allow-list (never `none`, never HMAC).
        12002 TokenAlgorithmNotAllowed {
            /// The `alg` found.
            alg: String,
        } => "proof token signature algorithm not on the allow-list";
        /// The header `jwk` is missing or not a valid public EC/RSA JWK.
        12003 TokenJwkInvalid {
            /// What is wrong.
            what: &'static str,
        } => "proof token jwk invalid";
        /// The header `jwk` carries a private-key member (RFC 9449, 4.3 item 7).
        12004 TokenJwkPrivate {
            /// The member.
            member: String,
        } => "proof token jwk carries a private key member";
        /// The `alg` does not fit the `jwk` (ES256 needs P-256, ES384 P-384, PS256 RSA >= 2048).
        12005 TokenJwkAlgorithmMismatch => "proof token alg does not fit its jwk";
        /// The signature does not verify with the header `jwk`.
        12006 TokenSignatureInvalid => "proof token signature invalid";
        /// `htm` is not the request's method.
        12007 TokenHtmMismatch => "proof token htm is not the request method";
        /// `htu` is not the request's URI (RFC 9449, 4.3 item 9).
        12008 TokenHtuMismatch => "proof token htu is not the request URI";
        /// `iat` is outside the accepted window.
        12009 TokenIatOutOfWindow {
            /// The proof's iat.
            iat: u64,
            /// The verification time.
            now: u64,
        } => "proof token iat outside the accepted window";
        /// The server expected a nonce and the proof carries none or another.
        12010 TokenNonceMismatch => "proof token nonce missing or not the server's";
        /// `ath` is missing or not the hash of the presented access token.
        12011 TokenAthMismatch => "proof token ath missing or not the access token's hash";
        /// The access token's `cnf.jkt` is not the proof key's thumbprint.
        12012 TokenCnfJktMismatch => "access token cnf.jkt is not the proof key's thumbprint";
        /// A required claim is missing or has the wrong type.
        12013 TokenClaimMissing {
            /// The claim.
            claim: &'static str,
        } => "proof token claim missing";
        /// The attestation result does not name the proof key (residency).
        12014 TokenKeyNotResident => "the proof key is not named in the attestation result";
        /// The attestation result naming the key does not affirm it.
        12015 TokenResidencyNotAffirming => "the attestation result does not affirm the proof key";
        /// The attestation result is older than the caller accepts.
        12016 TokenResidencyStale {
            /// The result's iat.
            iat: i64,
            /// The verification time.
            now: u64,
        } => "the attestation result is too old";
        /// DPoG location claims disagree with the attestation result's geoAR claims.
        12017 TokenLocationMismatch {
            /// The field that differs.
            field: &'static str,
        } => "DPoG location disagrees with the attestation result";
        /// DPoG location is outside the caller's geofence policy.
        12018 TokenLocationNotAllowed => "DPoG location is outside the geofence policy";
        /// WPT `aud` is not the expected audience.
        12019 TokenAudienceMismatch => "workload proof token aud is not the expected audience";
        /// WPT `exp` has passed (or lies too far ahead).
        12020 TokenExpired {
            /// The token's exp.
            exp: u64,
            /// The verification time.
            now: u64,
        } => "workload proof token expired or valid too long";
        /// A WPT hash claim (wth, tth, oth) is missing or not the hash of the presented token.
        12021 TokenHashMismatch {
            /// The claim.
            claim: String,
        } => "workload proof token hash claim mismatch";

        // --- replay cache (12050-12099) ---
        /// The proof token's `jti` was already seen within its validity window (RFC 9449, 11.1).
        12050 TokenReplayed => "proof token replayed: its jti was already seen";
        /// The replay cache could not be reached or answered badly: verification fails closed.
        12051 ReplayCacheUnavailable {
            /// What failed.
            detail: String,
        } => "the replay cache cannot be reached: verification fails closed";
        /// The bounded in-memory replay cache is full of unexpired entries: verification fails
        /// closed rather than forget a `jti`.
        12052 ReplayCacheFull => "the replay cache is full of unexpired entries";

        // --- SVID extensions and SPIFFE checks (13000-13049) ---
        /// The AttestedClaims extension (OID 1.3.6.1.4.1.55744.1.1) is not a DER UTF8String
        /// holding one JSON object (UTF-8, no duplicate member names).
        13000 SvidAttestedClaimsMalformed {
            /// What is wrong.
            what: &'static str,
        } => "AttestedClaims extension malformed";
        /// The AttestedClaims JSON is larger than Aegis reads.
        13001 SvidAttestedClaimsTooLarge {
            /// Its size in bytes.
            len: u64,
            /// The largest size accepted.
            max: u64,
        } => "AttestedClaims extension too large";
        /// The CMW extension (id-pe-cmw, 1.3.6.1.5.5.7.1.35) is not the DER of `CMW ::= CHOICE
        /// { json UTF8String, cbor OCTET STRING }` holding a well-formed CMW record.
        13002 SvidCmwMalformed {
            /// What is wrong.
            what: &'static str,
        } => "CMW extension malformed";
        /// The CMW record's type is not an EAR (application/eat+jwt or application/eat+cwt).
        13003 SvidCmwNotEar {
            /// The media type (or CoAP Content-Format) found.
            media_type: String,
        } => "CMW extension does not carry an EAR";
        /// The CMW is a form Aegis does not read in an SVID (a collection, a CBOR tag).
        13004 SvidCmwUnsupported {
            /// The form.
            what: &'static str,
        } => "CMW form not supported";
        /// The certificate chain is empty.
        13010 SvidChainEmpty => "X.509-SVID chain is empty";
        /// A certificate of the SVID chain is malformed (DER, signature algorithm, extensions).
        13011 SvidCertificateInvalid {
            /// What is wrong.
            what: &'static str,
        } => "X.509-SVID certificate invalid";
        /// The chain does not lead to a certificate of the caller's bundle (RFC 5280, 6.1).
        13012 SvidUntrusted => "X.509-SVID does not chain to the trust bundle";
        /// The leaf or a CA of its path is outside its validity period at the given time.
        13013 SvidExpired => "X.509-SVID or its issuer is outside its validity period";
        /// A certificate carries a critical extension the SPIFFE profile does not understand
        /// (RFC 5280, 4.2).
        13014 SvidUnknownCriticalExtension {
            /// The extension's OID.
            oid: String,
        } => "X.509-SVID has an unknown critical extension";
        /// The leaf has no URI SAN (SPIFFE X509-SVID, 2).
        13015 SvidUriSanMissing => "X.509-SVID has no URI SAN";
        /// The leaf has more than one URI SAN (SPIFFE X509-SVID, 2 and 5.2).
        13016 SvidUriSanMultiple {
            /// How many.
            count: u64,
        } => "X.509-SVID has more than one URI SAN";
        /// The URI SAN's scheme is not `spiffe` (SPIFFE-ID, 2).
        13017 SvidIdNotSpiffe => "URI SAN is not a spiffe:// URI";
        /// The SPIFFE ID's trust domain breaks SPIFFE-ID 2.1 (characters, empty, port, userinfo).
        13018 SvidTrustDomainInvalid {
            /// What is wrong.
            what: &'static str,
        } => "SPIFFE ID trust domain invalid";
        /// The SPIFFE ID's path breaks SPIFFE-ID 2.2 (characters, empty or dot segments, trailing
        /// slash, query, fragment, length).
        13019 SvidIdPathInvalid {
            /// What is wrong.
            what: &'static str,
        } => "SPIFFE ID path invalid";
        /// The leaf's SPIFFE ID has no path (SPIFFE X509-SVID, 3.1: leaf IDs have a non-root path).
        13020 SvidIdNoPath => "leaf SPIFFE ID has no path";
        /// The leaf is a CA certificate (SPIFFE X509-SVID, 4.1 and 5.2).
        13021 SvidLeafIsCa => "leaf X.509-SVID has basicConstraints cA=TRUE";
        /// The leaf has no keyUsage extension (SPIFFE X509-SVID, 4.3).
        13022 SvidKeyUsageMissing => "X.509-SVID has no keyUsage";
        /// The leaf's keyUsage is not critical (SPIFFE X509-SVID, 4.3).
        13023 SvidKeyUsageNotCritical => "X.509-SVID keyUsage is not critical";
        /// The leaf's keyUsage lacks digitalSignature (SPIFFE X509-SVID, 4.3).
        13024 SvidKeyUsageNoDigitalSignature => "leaf X.509-SVID keyUsage lacks digitalSignature";
        /// The leaf's keyUsage has keyCertSign (SPIFFE X509-SVID, 4.3 and 5.2).
        13025 SvidKeyUsageCertSign => "leaf X.509-SVID keyUsage has keyCertSign";
        /// The leaf's keyUsage has cRLSign (SPIFFE X509-SVID, 4.3 and 5.2).
        13026 SvidKeyUsageCrlSign => "leaf X.509-SVID keyUsage has cRLSign";
        /// An intermediate or bundle certificate is no signing certificate (basicConstraints
        /// cA=TRUE and keyCertSign; SPIFFE X509-SVID, 3.2 and 4.3).
        13027 SvidSigningCertificateInvalid {
            /// What is wrong.
            what: &'static str,
        } => "X.509-SVID signing certificate invalid";

        // --- gateway decision (13050-13099) ---
    }
    boundary_only {
        /// A required pointer argument was NULL (or a (ptr, len) pair had NULL with len > 0).
        1003 NullPointer => "a required pointer argument was NULL";
        /// Aegis panicked inside the call; the boundary caught it (a bug: please report it).
        1004 Panic => "internal error: a panic was caught at the C boundary";
        /// A text argument is not valid UTF-8.
        1005 InvalidUtf8 => "a text argument is not valid UTF-8";
    }
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// A TPM_ALG_ID as a message shows it: its name and number ("sha256 (0x000b)"), or the number
/// alone when Aegis does not know it (TCG Algorithm Registry; Part 2, 6.3).
struct Alg(u16);

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            0x0001 => "rsa",
            0x0004 => "sha1",
            0x000B => "sha256",
            0x000C => "sha384",
            0x000D => "sha512",
            0x0010 => "null",
            0x0014 => "rsassa",
            0x0016 => "rsapss",
            0x0018 => "ecdsa",
            0x0023 => "ecc",
            _ => return write!(f, "0x{:04x}", self.0),
        };
        write!(f, "{name} (0x{:04x})", self.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument { what } => write!(f, "invalid argument: {what}"),
            Error::CryptoProvider { what } => write!(f, "crypto provider failure: {what}"),
            Error::Unsupported { what } => write!(f, "not supported: {what}"),
            Error::Truncated { what } => write!(f, "{what}: input ends early"),
            Error::TrailingBytes { what, extra } => write!(f, "{what}: {extra} trailing byte(s)"),
            Error::SizeOutOfRange { what, size, max } => {
                write!(f, "{what}: size {size} exceeds {max}")
            }
            Error::CountOutOfRange { what, count, max } => {
                write!(f, "{what}: count {count} exceeds {max}")
            }
            Error::UnknownAlgorithm { what, alg } => {
                write!(f, "{what}: unknown or unsupported algorithm {}", Alg(*alg))
            }
            Error::UnsupportedAttestationType { tag } => {
                write!(f, "TPMS_ATTEST type 0x{tag:04x} is not supported (only QUOTE and CERTIFY)")
            }
            Error::InvalidValue { what } => write!(f, "invalid value: {what}"),
            Error::InvalidFormat { what } => write!(f, "invalid format: {what}"),
            Error::NullSignature => f.write_str("NULL signature refused"),
            Error::SignatureSchemeMismatch { key_scheme, signature_scheme } => write!(
                f,
                "signature scheme {} does not match the key's scheme {}",
                Alg(*signature_scheme),
                Alg(*key_scheme)
            ),
            Error::HashNotAllowed { hash } => {
                write!(f, "hash algorithm {} is not on the allow-list", Alg(*hash))
            }
            Error::HashMismatch { key_hash, signature_hash } => write!(
                f,
                "signature hash {} differs from the key's scheme hash {}",
                Alg(*signature_hash),
                Alg(*key_hash)
            ),
            Error::EcdsaScalarOutOfRange => f.write_str("ECDSA r or s outside [1, n-1]"),
            Error::SignatureInvalid => f.write_str("signature does not verify"),
            Error::SignatureLength { size, expected } => write!(
                f,
                "signature part of {size} bytes, expected {expected} (RSA: the modulus length; ECDSA: at most the curve size)"
            ),
            Error::BadMagic { found } => {
                write!(f, "magic 0x{found:08x} is not TPM_GENERATED_VALUE 0xff544347")
            }
            Error::WrongAttestationType { expected, found } => {
                write!(f, "attestation type 0x{found:04x}, expected 0x{expected:04x}")
            }
            Error::EmptyNonce => f.write_str("empty nonce refused: freshness cannot be proven"),
            Error::NonceMismatch => f.write_str("extraData does not equal the expected nonce"),
            Error::SignerMismatch => f.write_str("qualifiedSigner is not the expected AK"),
            Error::ClockRegression => f.write_str("TPM clock went backwards"),
            Error::NullSigner => {
                f.write_str("qualifiedSigner is TPM_RH_NULL or empty: no key is named as signer")
            }
            Error::ClockSafeRegression => {
                f.write_str("TPM Clock is lower than a Clock seen before although safe = YES")
            }
            Error::PcrNotInSelection { bank, index } => write!(
                f,
                "PCR {index} of bank {} was supplied but is not in the signed selection",
                Alg(*bank)
            ),
            Error::RequiredPcrMissing { bank, index } => write!(
                f,
                "policy requires PCR {index} of bank {}, which the signed selection lacks",
                Alg(*bank)
            ),
            Error::PcrValueMissing { bank, index } => {
                write!(f, "no value supplied for signed PCR {index} of bank {}", Alg(*bank))
            }
            Error::PcrValueSize { bank, index, size } => write!(
                f,
                "PCR {index} of bank {} has {size} bytes, not the bank's digest size",
                Alg(*bank)
            ),
            Error::PcrDigestMismatch => {
                f.write_str("PCR values do not hash to the signed pcrDigest")
            }
            Error::PcrBankNotAllowed { bank } => {
                write!(f, "PCR bank {} needs the SHA-1 opt-in", Alg(*bank))
            }
            Error::AkNotRestricted => f.write_str("the AK is not a restricted signing key"),
            Error::KeyAttributeMissing { attribute } => {
                write!(f, "key lacks the {attribute} attribute")
            }
            Error::KeyIsDecrypt => f.write_str("an App Key must not be a decryption key"),
            Error::KeyNotAllowed { what } => write!(f, "key not allowed: {what}"),
            Error::NameMismatch => {
                f.write_str("certified Name differs from the Name of the key received")
            }
            Error::KeyShapeInvalid { what } => write!(f, "no TPM creates such a key: {what}"),
            Error::NameAlgNotAllowed { hash } => {
                write!(f, "key nameAlg {} needs the SHA-1 opt-in", Alg(*hash))
            }
            Error::EkCertificateInvalid { what } => write!(f, "EK certificate invalid: {what}"),
            Error::EkCertificateUntrusted => {
                f.write_str("EK certificate does not chain to a trusted manufacturer CA")
            }
            Error::EkCertificateExpired => {
                f.write_str("EK certificate or its issuer is outside its validity period")
            }
            Error::EkPublicKeyMismatch => {
                f.write_str("EK certificate key differs from the EK public area")
            }
            Error::CredentialMismatch => {
                f.write_str("activated credential differs from the one made")
            }
            Error::AkBindingMismatch => {
                f.write_str("the signing AK is not the AK bound to the EK by credential activation")
            }
            Error::LocationLogMismatch => {
                f.write_str("location event log does not replay to the quoted PCR value")
            }
            Error::LocationNonceMismatch => {
                f.write_str("last location event is not bound to the attestation nonce")
            }
            Error::LocationLogCorrupt { what } => write!(f, "location event log corrupt: {what}"),
            Error::Backend { what, detail } => write!(f, "TPM backend: {what}: {detail}"),
            Error::EvidenceBundleInvalid { field, reason } => {
                write!(f, "evidence bundle invalid at {field}: {reason}")
            }
            Error::EvidenceNonceMismatch => {
                f.write_str("the evidence bundle's nonce is not the nonce this verifier issued")
            }
            Error::EkCertificateMissing => {
                f.write_str("the policy requires an EK certificate and the evidence has none")
            }
            // EAR tokens (11000-11049)
            Error::EarMalformed { what } => write!(f, "EAR token malformed: {what}"),
            Error::EarAlgorithmNotAllowed { alg } => {
                write!(f, "EAR signature algorithm {alg:?} is not on the allow-list")
            }
            Error::EarAlgorithmKeyMismatch => {
                f.write_str("EAR signature algorithm does not fit the verification key")
            }
            Error::EarExpired { exp, now } => write!(f, "EAR token expired at {exp} (now {now})"),
            Error::EarIssuedInFuture { iat, now } => {
                write!(f, "EAR token issued at {iat}, after now ({now}) plus the clock skew")
            }
            Error::EarNonceMismatch => {
                f.write_str("EAR eat_nonce is missing or differs from the expected nonce")
            }
            Error::EarNonIntegerTime { claim } => write!(f, "EAR {claim} is not an integer"),
            Error::EarUnknownProfile { profile } => {
                write!(f, "EAR eat_profile {profile:?} is not -03, -04 or Veraison's")
            }
            Error::EarStatusBetterThanVector { submod } => write!(
                f,
                "EAR submod {submod:?}: status is better than its trustworthiness vector"
            ),
            Error::EarStatusBetterThanSubmods => {
                f.write_str("EAR top-level status is better than a submod's status")
            }
            Error::EarGeoInvalid { what } => write!(f, "EAR geoAR claims invalid: {what}"),
            Error::EarClaimMissing { claim } => write!(f, "EAR claim {claim} missing"),
            Error::EarClaimInvalid { claim } => {
                write!(f, "EAR claim {claim} has the wrong type or value")
            }
            Error::EarHeaderInvalid { what } => write!(f, "EAR token header refused: {what}"),
            Error::GeofencePolicyInvalid { path, what } => {
                write!(f, "geofence policy invalid at {path}: {what}")
            }
            Error::GeofenceCountryNotAllowed { country } => {
                write!(f, "country {country} is not allowed by the geofence policy")
            }
            Error::GeofenceCountryDenied { country } => {
                write!(f, "country {country} is denied by the geofence policy")
            }
            Error::GeofenceSubdivisionNotAllowed { subdivision } => {
                write!(f, "subdivision {subdivision} is not allowed by the geofence policy")
            }
            Error::GeofenceSubdivisionDenied { subdivision } => {
                write!(f, "subdivision {subdivision} is denied by the geofence policy")
            }
            Error::GeofenceSubdivisionUnresolved { country } => write!(
                f,
                "the policy has subdivision rules for {country} but the reading's subdivision is unknown"
            ),
            Error::GeofenceJurisdictionAmbiguous { candidates } => write!(
                f,
                "the reading reaches several countries ({candidates}) and not all are allowed"
            ),
            Error::GeofenceJurisdictionUnresolved => f.write_str(
                "the policy has jurisdiction rules but the reading lies in no jurisdiction",
            ),
            Error::GeofenceOutsideAllowedAreas => {
                f.write_str("the reading's circle lies wholly in no allowed area")
            }
            Error::GeofenceInDeniedArea { area } => {
                write!(f, "the reading's circle reaches denied area {area:?}")
            }
            Error::GeofenceAccuracyTooCoarse { accuracy_m, max_m } => write!(
                f,
                "accuracy radius {accuracy_m} m exceeds the policy's {max_m} m"
            ),
            Error::GeofenceReadingTooOld { age_s, max_s } => {
                write!(f, "the reading is {age_s} s old, the policy accepts {max_s} s")
            }
            Error::GeofenceReadingFromFuture { ahead_s, max_skew_s } => write!(
                f,
                "the reading is {ahead_s} s in the future, beyond the {max_skew_s} s clock skew"
            ),
            Error::GeofenceSensorNotAllowed { sensor } => {
                write!(f, "the policy does not accept {sensor} readings")
            }
            Error::GeofenceMobileNotVerified => f.write_str(
                "a mobile reading is accepted only with a network-verified location",
            ),
            Error::GeofenceIpNotSufficient => {
                f.write_str("an IP geolocation reading is never sufficient")
            }
            Error::GeofenceStaticNotAllowed => {
                f.write_str("a static location is accepted only when the policy opts in")
            }
            Error::PcrReferenceMissing { bank, index } => write!(
                f,
                "PCR {index} of bank {} has a reference value but was not quoted",
                Alg(*bank)
            ),
            Error::PcrReferenceMismatch { bank, index } => write!(
                f,
                "PCR {index} of bank {} differs from its reference value",
                Alg(*bank)
            ),
            Error::LatitudeOutOfRange => f.write_str("latitude outside [-90, 90] or not a number"),
            Error::LongitudeOutOfRange => {
                f.write_str("longitude outside [-180, 180] or not a number")
            }
            Error::InvalidAccuracy => {
                f.write_str("accuracy must be a finite, non-negative number of metres")
            }
            Error::BoundaryDataCorrupt { what } => {
                write!(f, "embedded boundary data is corrupt: {what}")
            }
            Error::PocAppKeyPublicMissing => f.write_str(
                "the App Key's TPMT_PUBLIC is missing (app_key_tpm_public): its PEM alone cannot be \
                 tied to the Name the certify signed",
            ),
            Error::PocAppKeyMismatch => {
                f.write_str("the App Key's TPMT_PUBLIC and its PEM are different keys")
            }
            Error::PocChallengeMismatch => f.write_str(
                "a challenge_nonce of the SovereignAttestation is not the verifier's nonce",
            ),
            // proof tokens (12000-12049)
            Error::TokenMalformed { what } => write!(f, "proof token malformed: {what}"),
            Error::TokenTypeInvalid { typ } => write!(f, "proof token typ {typ:?} is not the expected one"),
            Error::TokenAlgorithmNotAllowed { alg } => {
                write!(f, "proof token alg {alg:?} not on the allow-list")
            }
            Error::TokenJwkInvalid { what } => write!(f, "proof token jwk invalid: {what}"),
            Error::TokenJwkPrivate { member } => {
                write!(f, "proof token jwk carries the private member {member:?}")
            }
            Error::TokenJwkAlgorithmMismatch => f.write_str("proof token alg does not fit its jwk"),
            Error::TokenSignatureInvalid => f.write_str("proof token signature invalid"),
            Error::TokenHtmMismatch => f.write_str("proof token htm is not the request method"),
            Error::TokenHtuMismatch => f.write_str("proof token htu is not the request URI"),
            Error::TokenIatOutOfWindow { iat, now } => {
                write!(f, "proof token iat {iat} outside the window at {now}")
            }
            Error::TokenNonceMismatch => f.write_str("proof token nonce missing or not the server's"),
            Error::TokenAthMismatch => {
                f.write_str("proof token ath missing or not the access token's hash")
            }
            Error::TokenCnfJktMismatch => {
                f.write_str("access token cnf.jkt is not the proof key's thumbprint")
            }
            Error::TokenClaimMissing { claim } => write!(f, "proof token claim {claim} missing"),
            Error::TokenKeyNotResident => {
                f.write_str("the proof key is not named in the attestation result")
            }
            Error::TokenResidencyNotAffirming => {
                f.write_str("the attestation result does not affirm the proof key")
            }
            Error::TokenResidencyStale { iat, now } => {
                write!(f, "the attestation result (iat {iat}) is too old at {now}")
            }
            Error::TokenLocationMismatch { field } => {
                write!(f, "DPoG location {field} disagrees with the attestation result")
            }
            Error::TokenLocationNotAllowed => f.write_str("DPoG location is outside the geofence policy"),
            Error::TokenAudienceMismatch => {
                f.write_str("workload proof token aud is not the expected audience")
            }
            Error::TokenExpired { exp, now } => {
                write!(f, "workload proof token exp {exp} not acceptable at {now}")
            }
            Error::TokenHashMismatch { claim } => {
                write!(f, "workload proof token {claim} missing or mismatched")
            }
            // replay cache (12050-12099)
            Error::TokenReplayed => f.write_str("proof token replayed: its jti was already seen"),
            Error::ReplayCacheUnavailable { detail } => {
                write!(f, "the replay cache cannot be reached (fails closed): {detail}")
            }
            Error::ReplayCacheFull => {
                f.write_str("the replay cache is full of unexpired entries (fails closed)")
            }
            // SVID extensions and SPIFFE checks (13000-13049)
            Error::SvidAttestedClaimsMalformed { what } => {
                write!(f, "AttestedClaims extension malformed: {what}")
            }
            Error::SvidAttestedClaimsTooLarge { len, max } => {
                write!(f, "AttestedClaims extension holds {len} bytes, at most {max} accepted")
            }
            Error::SvidCmwMalformed { what } => write!(f, "CMW extension malformed: {what}"),
            Error::SvidCmwNotEar { media_type } => {
                write!(f, "CMW extension carries {media_type:?}, not an EAR")
            }
            Error::SvidCmwUnsupported { what } => write!(f, "CMW form not supported: {what}"),
            Error::SvidChainEmpty => f.write_str("X.509-SVID chain is empty"),
            Error::SvidCertificateInvalid { what } => {
                write!(f, "X.509-SVID certificate invalid: {what}")
            }
            Error::SvidUntrusted => f.write_str("X.509-SVID does not chain to the trust bundle"),
            Error::SvidExpired => {
                f.write_str("X.509-SVID or its issuer is outside its validity period")
            }
            Error::SvidUnknownCriticalExtension { oid } => {
                write!(f, "X.509-SVID has the unknown critical extension {oid}")
            }
            Error::SvidUriSanMissing => f.write_str("X.509-SVID has no URI SAN"),
            Error::SvidUriSanMultiple { count } => {
                write!(f, "X.509-SVID has {count} URI SANs, exactly one allowed")
            }
            Error::SvidIdNotSpiffe => f.write_str("URI SAN is not a spiffe:// URI"),
            Error::SvidTrustDomainInvalid { what } => {
                write!(f, "SPIFFE ID trust domain invalid: {what}")
            }
            Error::SvidIdPathInvalid { what } => write!(f, "SPIFFE ID path invalid: {what}"),
            Error::SvidIdNoPath => f.write_str("leaf SPIFFE ID has no path"),
            Error::SvidLeafIsCa => f.write_str("leaf X.509-SVID has basicConstraints cA=TRUE"),
            Error::SvidKeyUsageMissing => f.write_str("X.509-SVID has no keyUsage"),
            Error::SvidKeyUsageNotCritical => f.write_str("X.509-SVID keyUsage is not critical"),
            Error::SvidKeyUsageNoDigitalSignature => {
                f.write_str("leaf X.509-SVID keyUsage lacks digitalSignature")
            }
            Error::SvidKeyUsageCertSign => f.write_str("leaf X.509-SVID keyUsage has keyCertSign"),
            Error::SvidKeyUsageCrlSign => f.write_str("leaf X.509-SVID keyUsage has cRLSign"),
            Error::SvidSigningCertificateInvalid { what } => {
                write!(f, "X.509-SVID signing certificate invalid: {what}")
            }
            // gateway decision (13050-13099)
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_match_the_table() {
        let mut codes: Vec<u32> = Error::TABLE.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Error::TABLE.len());
        let samples = [
            Error::Truncated { what: "x" },
            Error::NullSignature,
            Error::PcrDigestMismatch,
            Error::NameMismatch,
            Error::CredentialMismatch,
            Error::Unsupported { what: "x" },
            Error::SignatureLength {
                size: 1,
                expected: 2,
            },
            Error::AkBindingMismatch,
        ];
        for e in samples {
            assert!(Error::TABLE.contains(&(e.code(), e.name())), "{e:?}");
        }
        assert_eq!(Error::Unsupported { what: "x" }.code(), 1006);
        assert_eq!(
            Error::NameAlgNotAllowed { hash: 4 }.name(),
            "NameAlgNotAllowed"
        );
    }

    /// Boundary-only codes (the C ABI's own) are reserved: no variant has their code or name.
    #[test]
    fn boundary_only_codes_are_never_variants() {
        let all: Vec<&(u32, &str)> = Error::TABLE.iter().chain(Error::BOUNDARY_ONLY).collect();
        let mut codes: Vec<u32> = all.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "a code is used twice");
        let mut names: Vec<&str> = all.iter().map(|(_, n)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a name is used twice");
        assert_eq!(
            Error::BOUNDARY_ONLY,
            &[
                (1003, "NullPointer"),
                (1004, "Panic"),
                (1005, "InvalidUtf8")
            ]
        );
    }

    /// Every code lies in a declared group of a thousand codes, so every binding can class it.
    #[test]
    fn every_code_is_in_a_group() {
        for pair in Error::GROUPS.windows(2) {
            if let [(a, _), (b, _)] = pair {
                assert!(a < b, "groups in order, without duplicates");
            }
        }
        for (first, name) in Error::GROUPS {
            assert_eq!(first % 1000, 0, "{name}");
        }
        for (code, name) in Error::TABLE.iter().chain(Error::BOUNDARY_ONLY) {
            let first = code / 1000 * 1000;
            assert!(
                Error::GROUPS.iter().any(|(g, _)| *g == first),
                "{name} ({code}) has no group"
            );
        }
        assert_eq!(Error::GROUPS.first(), Some(&(1000, "Usage")));
    }

    #[test]
    fn messages_name_algorithms() {
        let e = Error::PcrValueMissing {
            bank: 0x000B,
            index: 15,
        };
        assert_eq!(
            e.to_string(),
            "no value supplied for signed PCR 15 of bank sha256 (0x000b)"
        );
        let e = Error::UnknownAlgorithm {
            what: "TPMT_PUBLIC.type",
            alg: 0x00EE,
        };
        assert_eq!(
            e.to_string(),
            "TPMT_PUBLIC.type: unknown or unsupported algorithm 0x00ee"
        );
        let e = Error::SignatureSchemeMismatch {
            key_scheme: 0x0014,
            signature_scheme: 0x0018,
        };
        assert!(
            e.to_string().contains("ecdsa (0x0018)") && e.to_string().contains("rsassa (0x0014)")
        );
    }
}
