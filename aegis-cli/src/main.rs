//! `aegis`: the operator's command. A stable interface for scripts:
//!
//! - stdout carries one JSON object, `{"verdict": "valid" | "invalid", ...}` for verifications,
//!   `{"verdict": "allow" | "deny", "reasons": [...], ...}` for `geofence check`;
//! - exit status 0 = valid (allow), 1 = invalid evidence (deny), 2 = bad usage or unreadable
//!   input, including an invalid geofence policy (message on stderr);
//! - input files are read only when they are regular files of at most `--max-input-size` bytes
//!   (1 MiB by default): a FIFO, a device, a directory or a socket is refused before any read.
//!
//! It uses aegis-core's public API only, as any other user would.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aegis_core::compat::{keylime, read_pcrs};
use aegis_core::crypto::{self, CryptoProvider};
use aegis_core::ear;
use aegis_core::geo;
use aegis_core::geo::{GeofenceContext, GeofencePolicy, LocationEvent};
use aegis_core::inspect::{self, Structure};
use aegis_core::keys::PublicKey;
use aegis_core::time::UnixTime;
use aegis_core::tpm::{ClockInfo, HashAlg, Name, Scheme};
use aegis_core::verify::{
    verify_certify, verify_quote, AttestPolicy, AttestationKey, CertifyPolicy, KeyPolicy,
    QuotePolicy, VerifiedCertification, VerifiedQuote,
};
use aegis_core::Error;
use base64::Engine as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

mod appraise;
#[cfg(feature = "tss")]
mod demo;
mod gateway;
mod svid;
mod token;

#[derive(Parser, Debug)]
#[command(name = "aegis", version, about = "Verify TPM 2.0 evidence and sovereign attestation", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Refuse an input file larger than this many bytes (suffixes K, M, G: powers of 1024).
    #[arg(long, global = true, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    max_input_size: u64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// TPM2_Quote evidence.
    Quote {
        #[command(subcommand)]
        action: QuoteAction,
    },
    /// TPM2_Certify evidence (an App Key certified by the AK).
    Certify {
        #[command(subcommand)]
        action: CertifyAction,
    },
    /// Decode a TPM structure, PCR file or Keylime quote to JSON (told apart by content).
    Inspect {
        file: PathBuf,
        /// Decode as this structure instead of guessing: tpms_attest, tpmt_public,
        /// tpmt_signature, pcrs, keylime_quote.
        #[arg(long = "as", value_name = "STRUCTURE")]
        structure: Option<String>,
    },
    /// Geofence policies (docs/geofence-policy.md).
    Geofence {
        #[command(subcommand)]
        action: GeofenceAction,
    },
    /// Appraise an evidence bundle into an attestation result and a signed EAR (exit 0 when
    /// affirming, 1 otherwise).
    Appraise(appraise::AppraiseArgs),
    /// Jurisdictions from coordinates, offline (FORMATS.md, "Jurisdictions").
    Geo {
        #[command(subcommand)]
        action: GeoAction,
    },
    /// EAR attestation-result tokens (JWT or CWT).
    Ear {
        #[command(subcommand)]
        action: EarAction,
    },
    /// Proof tokens: DPoR, DPoG and WIMSE WPT (docs/proof-tokens.md).
    Token {
        #[command(subcommand)]
        action: token::TokenAction,
    },
    /// JSON Web Keys (RFC 7638 thumbprints).
    Jwk {
        #[command(subcommand)]
        action: token::JwkAction,
    },
    /// The gateway decision on a client's attested claims and EAR (docs/gateway.md).
    Gateway {
        #[command(subcommand)]
        action: gateway::GatewayAction,
    },
    /// X.509-SVIDs: decode a chain, verify it per the SPIFFE X509-SVID specification.
    Svid {
        #[command(subcommand)]
        action: svid::SvidAction,
    },
    /// Print the stable error codes and names shared by every binding, as JSON.
    Codes,
    /// Run the end-to-end sovereign attestation flow on a TPM (see `make demo`).
    #[cfg(feature = "tss")]
    Demo(demo::DemoArgs),
}

#[derive(Subcommand, Debug)]
enum QuoteAction {
    /// Verify a quote: signature, structure, nonce, signed PCR selection and digest.
    Verify(QuoteVerifyArgs),
}

#[derive(Subcommand, Debug)]
enum CertifyAction {
    /// Verify a certification of an App Key by the AK.
    Verify(CertifyVerifyArgs),
}

#[derive(Subcommand, Debug)]
enum GeofenceAction {
    /// Evaluate one location reading against a policy: prints the decision (verdict, every
    /// reason, the jurisdiction); exit 0 allow, 1 deny, 2 an invalid policy or reading.
    Check(GeofenceCheckArgs),
}

#[derive(Args, Debug)]
struct GeofenceCheckArgs {
    /// The geofence policy (JSON, docs/geofence-policy.md).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// One location event (JSON, FORMATS.md "Location evidence").
    #[arg(long, value_name = "FILE")]
    location: PathBuf,
    /// The evaluation time in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// The mobile network verified the reading's location (a mobile reading needs it).
    #[arg(long)]
    network_verified: bool,
}

#[derive(Subcommand, Debug)]
enum GeoAction {
    /// The ISO 3166-1 country and ISO 3166-2 subdivision of a reading (a circle), from the
    /// embedded boundary data: {"status": "resolved" | "ambiguous" | "unresolved", ...}; exit 0
    /// for all three, 2 for coordinates out of range or a negative accuracy.
    #[command(allow_negative_numbers = true)]
    Resolve(GeoResolveArgs),
}

#[derive(Args, Debug)]
struct GeoResolveArgs {
    /// The reading's accuracy radius in metres (0: a point).
    #[arg(long, value_name = "METRES", default_value_t = 0.0)]
    accuracy: f64,
    /// Latitude in degrees (WGS 84), -90 to 90.
    latitude: f64,
    /// Longitude in degrees (WGS 84), -180 to 180.
    longitude: f64,
}

#[derive(Subcommand, Debug)]
enum EarAction {
    /// Verify an EAR token (a JWT, or a CWT in binary or base64) and print its claims.
    Verify(EarVerifyArgs),
    /// Sign EAR claims (JSON in any dialect) with a software key: ES256, ES384 or PS256 by key.
    Sign(EarSignArgs),
}

#[derive(Args, Debug)]
struct EarSignArgs {
    /// The issuer's private key: PEM (PKCS#8, SEC 1 or PKCS#1).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Write the token in this dialect: ietf-04, ietf-03, veraison (default: the claims' own).
    #[arg(long, value_name = "DIALECT")]
    dialect: Option<String>,
    /// jwt, or cwt (printed as base64).
    #[arg(long, value_name = "FORM", default_value = "jwt")]
    form: String,
    /// The claims file (JSON, with an eat_profile).
    claims: PathBuf,
}

#[derive(Args, Debug)]
struct EarVerifyArgs {
    /// The issuer's public key: SubjectPublicKeyInfo, PEM or DER.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The nonce the token must carry (hex).
    #[arg(long, value_name = "HEX")]
    nonce: Option<String>,
    /// The verification time, in seconds since the epoch (default: now).
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// Algorithms accepted, comma-separated (default: ES256,ES384,PS256).
    #[arg(long, value_name = "ALGS", default_value = "ES256,ES384,PS256")]
    alg: String,
    /// Crypto provider.
    #[arg(long, value_enum, default_value_t = Provider::Native)]
    provider: Provider,
    /// The token file.
    token: PathBuf,
}

#[derive(Args, Debug)]
struct CommonArgs {
    /// The AK: TPM2B_PUBLIC or TPMT_PUBLIC (checked: restricted signing key), or a PEM/DER
    /// public key together with --ak-unchecked-scheme.
    #[arg(long, value_name = "FILE")]
    ak: PathBuf,
    /// The nonce this verifier issued (hex).
    #[arg(long, value_name = "HEX")]
    nonce: String,
    /// Accept SHA-1 signatures (legacy TPMs).
    #[arg(long)]
    allow_sha1: bool,
    /// The AK's expected qualified Name (hex), compared with qualifiedSigner.
    #[arg(long, value_name = "HEX")]
    expected_signer: Option<String>,
    /// Clock info of the last attestation by this AK: CLOCK,RESET_COUNT,RESTART_COUNT.
    #[arg(long, value_name = "C,R,S")]
    previous_clock: Option<String>,
    /// Use a bare public key as the AK with this scheme (rsassa-sha256, rsapss-sha256,
    /// ecdsa-sha256, ...). UNCHECKED: a bare key cannot show it is a restricted TPM key.
    #[arg(long, value_name = "SCHEME")]
    ak_unchecked_scheme: Option<String>,
    /// Crypto provider.
    #[arg(long, value_enum, default_value_t = Provider::Native)]
    provider: Provider,
}

#[derive(Args, Debug)]
struct QuoteVerifyArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// TPMS_ATTEST or TPM2B_ATTEST (tpm2_quote -m), or a Keylime quote string.
    #[arg(long, value_name = "FILE")]
    quote: PathBuf,
    /// TPMT_SIGNATURE (tpm2_quote -s); not with a Keylime quote string.
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
    /// PCR values: tpm2-tools PCR file (tpm2_quote -o) or JSON {"sha256": {"15": "<hex>"}}.
    #[arg(long, value_name = "FILE")]
    pcrs: Option<PathBuf>,
    /// PCRs the signed selection must cover: 0,1,15 (sha256) or sha1:0,sha256:15.
    #[arg(long, value_name = "LIST")]
    require_pcrs: Option<String>,
}

#[derive(Args, Debug)]
struct CertifyVerifyArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The certified App Key: TPM2B_PUBLIC or TPMT_PUBLIC as received.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// TPMS_ATTEST or TPM2B_ATTEST from TPM2_Certify.
    #[arg(long, value_name = "FILE")]
    attest: PathBuf,
    /// TPMT_SIGNATURE from TPM2_Certify.
    #[arg(long, value_name = "FILE")]
    signature: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Provider {
    /// OpenSSL.
    Native,
    /// RustCrypto.
    Pure,
    /// AWS-LC through aws-lc-rs (an aegis built with the `aws-lc` feature).
    AwsLc,
}

/// Why the command could not judge the evidence (exit status 2).
#[derive(Debug)]
struct UsageError(String);

impl From<Error> for UsageError {
    fn from(e: Error) -> Self {
        UsageError(e.to_string())
    }
}

/// The outcome of a command: a verdict (exit 0 or 1) or a usage error (exit 2).
enum Outcome {
    Valid(Value),
    Invalid(Error),
    Decoded(Value),
    /// A decision that carries its own verdict: exit 0 when `allowed`, 1 otherwise.
    Decided {
        body: Value,
        allowed: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let files = Files {
        max: cli.max_input_size,
    };
    let (body, code) = match run(cli.command, files) {
        Ok(Outcome::Valid(mut body)) => {
            if let Some(map) = body.as_object_mut() {
                map.insert("verdict".into(), json!("valid"));
            }
            (body, ExitCode::SUCCESS)
        }
        Ok(Outcome::Decoded(body)) => (body, ExitCode::SUCCESS),
        Ok(Outcome::Decided { body, allowed }) => (
            body,
            if allowed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            },
        ),
        Ok(Outcome::Invalid(e)) => (
            json!({
                "verdict": "invalid",
                "error": {"code": e.code(), "name": e.name(), "message": e.to_string()},
            }),
            ExitCode::from(1),
        ),
        Err(UsageError(msg)) => {
            eprintln!("aegis: {msg}");
            return ExitCode::from(2);
        }
    };
    match print_json(&body) {
        Ok(()) => code,
        Err(e) => {
            eprintln!("aegis: cannot write the result to standard output: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes `v` and its newline in one write: a reader that stops after the first match (`grep -q`)
/// cannot close the pipe between two of our writes. A failed write is the caller's exit 2, never a
/// panic (as `println!` would).
fn print_json(v: &Value) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    text.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn run(command: Command, files: Files) -> Result<Outcome, UsageError> {
    match command {
        Command::Quote {
            action: QuoteAction::Verify(args),
        } => quote_verify(&args, files),
        Command::Certify {
            action: CertifyAction::Verify(args),
        } => certify_verify(&args, files),
        Command::Inspect { file, structure } => {
            let structure = match structure {
                None => None,
                Some(s) => Some(
                    Structure::from_name(&s)
                        .ok_or_else(|| UsageError(format!("unknown structure {s:?}")))?,
                ),
            };
            let bytes = files.read(&file)?;
            Ok(match inspect::inspect(&bytes, structure) {
                Ok(v) => Outcome::Decoded(v),
                Err(e) => Outcome::Invalid(e),
            })
        }
        Command::Geofence {
            action: GeofenceAction::Check(args),
        } => geofence_check(&args, files),
        Command::Appraise(args) => {
            let (body, affirming) = appraise::run(&args, files, provider(Provider::Native)?)?;
            Ok(Outcome::Decided {
                body,
                allowed: affirming,
            })
        }
        Command::Geo {
            action: GeoAction::Resolve(args),
        } => {
            let resolution =
                geo::jurisdiction::resolve(args.latitude, args.longitude, args.accuracy)?;
            let body = serde_json::to_value(&resolution)
                .map_err(|e| UsageError(format!("cannot serialize the resolution: {e}")))?;
            Ok(Outcome::Decoded(body))
        }
        Command::Ear {
            action: EarAction::Verify(args),
        } => ear_verify(&args, files),
        Command::Ear {
            action: EarAction::Sign(args),
        } => ear_sign(&args, files),
        Command::Token { action } => token::run(&action, files),
        Command::Jwk { action } => token::jwk(&action, files),
        Command::Gateway { action } => gateway::run(&action, files),
        Command::Svid { action } => svid::run(&action, files),
        Command::Codes => Ok(Outcome::Decoded(Value::Array(
            Error::TABLE
                .iter()
                .map(|(code, name)| json!({"code": code, "name": name}))
                .collect(),
        ))),
        #[cfg(feature = "tss")]
        Command::Demo(args) => demo::main(&args).map(Outcome::Decoded).map_err(UsageError),
    }
}

/// How the command reads its input files: every one goes through [`Files::read`].
#[derive(Clone, Copy, Debug)]
struct Files {
    /// The largest file accepted, in bytes (`--max-input-size`).
    max: u64,
}

impl Files {
    /// The content of the regular file at `path`, of at most `self.max` bytes. Anything else (a
    /// FIFO, a device such as /dev/zero, a directory, a socket) is refused from the metadata of
    /// the opened handle, before any read, so that the answer is about the file that is read; a
    /// FIFO is opened without blocking. A file larger than the limit is refused from its size,
    /// and the read stops after `max + 1` bytes, so that a file that grows meanwhile is refused
    /// too.
    fn read(self, path: &Path) -> Result<Vec<u8>, UsageError> {
        let fail = |why: String| UsageError(format!("cannot read {}: {why}", path.display()));
        let file = open_without_blocking(path).map_err(|e| {
            // The open itself fails for a socket (ENXIO): say what the path is, for the message.
            match std::fs::metadata(path) {
                Ok(m) if !m.is_file() && !m.is_dir() => fail(not_regular(&m)),
                _ => fail(e.to_string()),
            }
        })?;
        let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
        if !meta.is_file() {
            return Err(fail(not_regular(&meta)));
        }
        let too_large = |size: &str| {
            fail(format!(
                "{size} bytes, over the input limit of {} bytes (raise it with --max-input-size)",
                self.max
            ))
        };
        if meta.len() > self.max {
            return Err(too_large(&meta.len().to_string()));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(self.max.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| fail(e.to_string()))?;
        if u64::try_from(bytes.len()).map_or(true, |n| n > self.max) {
            // It grew while read.
            return Err(too_large(&format!("more than {}", self.max)));
        }
        Ok(bytes)
    }
}

/// Opens `path` for reading; on unix with O_NONBLOCK, so that opening a FIFO with no writer
/// returns at once (the caller then refuses it as not a regular file).
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// "not a regular file (a FIFO)", for the refusal message.
fn not_regular(meta: &std::fs::Metadata) -> String {
    let t = meta.file_type();
    let kind = if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        unix_kind(t)
    };
    format!("not a regular file ({kind})")
}

#[cfg(unix)]
fn unix_kind(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn unix_kind(_: std::fs::FileType) -> &'static str {
    "a special file"
}

/// `--max-input-size`: a number of bytes, optionally with a suffix K, M or G (powers of 1024,
/// also written KiB, MiB, GiB; case-insensitive).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    let unit: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "{text:?}: expected BYTES, or a number with K, M or G"
            ))
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?}: expected BYTES, or a number with K, M or G"))?;
    n.checked_mul(unit)
        .ok_or_else(|| format!("{text:?} is too large"))
}

fn provider(p: Provider) -> Result<&'static dyn CryptoProvider, UsageError> {
    match p {
        Provider::Native => Ok(&crypto::native::OpenSslProvider),
        Provider::Pure => Ok(&crypto::pure::RustCryptoProvider),
        #[cfg(feature = "aws-lc")]
        Provider::AwsLc => Ok(&crypto::aws_lc::AwsLcProvider),
        #[cfg(not(feature = "aws-lc"))]
        Provider::AwsLc => Err(UsageError(
            "--provider aws-lc: this aegis was built without the aws-lc feature \
             (cargo build -p aegis-cli --features aws-lc)"
                .into(),
        )),
    }
}

fn parse_hex(what: &str, text: &str) -> Result<Vec<u8>, UsageError> {
    let t = text.trim();
    hex::decode(t.strip_prefix("0x").unwrap_or(t))
        .map_err(|_| UsageError(format!("{what} is not hex: {text:?}")))
}

fn parse_scheme(text: &str) -> Result<Scheme, UsageError> {
    let bad = || {
        UsageError(format!(
            "unknown scheme {text:?} (e.g. rsassa-sha256, rsapss-sha256, ecdsa-sha384)"
        ))
    };
    let (alg, hash) = text.split_once('-').ok_or_else(bad)?;
    let hash = HashAlg::from_name(hash).ok_or_else(bad)?;
    match alg {
        "rsassa" => Ok(Scheme::RsaSsa(hash)),
        "rsapss" => Ok(Scheme::RsaPss(hash)),
        "ecdsa" => Ok(Scheme::Ecdsa(hash)),
        _ => Err(bad()),
    }
}

fn parse_clock(text: &str) -> Result<ClockInfo, UsageError> {
    let bad = || {
        UsageError(format!(
            "--previous-clock wants CLOCK,RESET_COUNT,RESTART_COUNT, got {text:?}"
        ))
    };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [clock, reset, restart] = parts.as_slice() else {
        return Err(bad());
    };
    Ok(ClockInfo {
        clock: clock.parse().map_err(|_| bad())?,
        reset_count: reset.parse().map_err(|_| bad())?,
        restart_count: restart.parse().map_err(|_| bad())?,
        safe: true,
    })
}

/// Parses "0,1,15" (sha256) or "sha1:0,sha256:15".
fn parse_pcr_list(text: &str) -> Result<Vec<(HashAlg, u8)>, UsageError> {
    let mut out = Vec::new();
    let mut bank = HashAlg::Sha256;
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let index = match item.split_once(':') {
            Some((b, i)) => {
                bank = HashAlg::from_name(b)
                    .ok_or_else(|| UsageError(format!("unknown PCR bank {b:?}")))?;
                i
            }
            None => item,
        };
        let index: u8 = index
            .parse()
            .ok()
            .filter(|i| *i < aegis_core::tpm::PCR_COUNT)
            .ok_or_else(|| UsageError(format!("PCR index must be 0-23, got {index:?}")))?;
        out.push((bank, index));
    }
    Ok(out)
}

struct Common {
    ak: Result<AttestationKey, Error>,
    nonce: Vec<u8>,
    attest: AttestPolicy,
    provider: &'static dyn CryptoProvider,
}

fn common(args: &CommonArgs, files: Files) -> Result<Common, UsageError> {
    let ak_bytes = files.read(&args.ak)?;
    let looks_bare = ak_bytes.starts_with(b"-----BEGIN") || ak_bytes.first() == Some(&0x30);
    let ak =
        match (&args.ak_unchecked_scheme, looks_bare) {
            (Some(scheme), _) => AttestationKey::from_bare_key_unchecked(
                &ak_bytes,
                parse_scheme(scheme)?,
                &KeyPolicy::default(),
            ),
            (None, true) => return Err(UsageError(
                "the AK is a bare public key, which cannot show that it is a restricted TPM key \
                 (VERIFIER-CHECKS.md item 13): give its TPM2B_PUBLIC, or say \
                 --ak-unchecked-scheme SCHEME to accept it unchecked"
                    .into(),
            )),
            (None, false) => AttestationKey::from_tpm_public(&ak_bytes, &KeyPolicy::default()),
        };
    let ak = match ak {
        Err(Error::InvalidArgument { what }) => return Err(UsageError(what.into())),
        other => other,
    };
    let mut attest = AttestPolicy {
        expected_signer: args
            .expected_signer
            .as_deref()
            .map(|s| parse_hex("--expected-signer", s))
            .transpose()?
            .map(|b| Name::from_bytes(&b)),
        previous_clock: args
            .previous_clock
            .as_deref()
            .map(parse_clock)
            .transpose()?,
        ..Default::default()
    };
    attest.allow_sha1(args.allow_sha1);
    Ok(Common {
        ak,
        nonce: parse_hex("--nonce", &args.nonce)?,
        attest,
        provider: provider(args.provider)?,
    })
}

fn ak_json(ak: &AttestationKey) -> Value {
    json!({
        "checked": ak.is_checked(),
        "name": ak.name().map(|n| n.to_hex()),
        "key": ak.public().map(|p| p.describe()),
    })
}

fn quote_verify(args: &QuoteVerifyArgs, files: Files) -> Result<Outcome, UsageError> {
    let c = common(&args.common, files)?;
    let quote_bytes = files.read(&args.quote)?;
    let is_keylime = inspect::detect(&quote_bytes) == Some(Structure::KeylimeQuote);
    let (attest, signature, pcr_bytes) = if is_keylime {
        if args.signature.is_some() || args.pcrs.is_some() {
            return Err(UsageError("a Keylime quote string carries its signature and PCRs: drop --signature and --pcrs".into()));
        }
        let text = String::from_utf8_lossy(&quote_bytes).into_owned();
        match keylime::parse(&text) {
            Ok(q) => (q.attest, q.signature, Some(q.pcr_file)),
            Err(e) => return Ok(Outcome::Invalid(e)),
        }
    } else {
        let sig = args.signature.as_deref().ok_or_else(|| {
            UsageError("--signature is required (unless --quote is a Keylime quote string)".into())
        })?;
        (
            quote_bytes,
            files.read(sig)?,
            args.pcrs.as_deref().map(|p| files.read(p)).transpose()?,
        )
    };
    let pcrs = match pcr_bytes.as_deref().map(read_pcrs).transpose() {
        Ok(p) => p.unwrap_or_default(),
        Err(e) => return Ok(Outcome::Invalid(e)),
    };
    let mut policy = QuotePolicy {
        attest: c.attest,
        ..Default::default()
    };
    if let Some(list) = &args.require_pcrs {
        for (bank, index) in parse_pcr_list(list)? {
            policy.required_pcrs.push(bank, index);
        }
    }
    let ak = match c.ak {
        Ok(ak) => ak,
        Err(e) => return Ok(Outcome::Invalid(e)),
    };
    Ok(
        match verify_quote(
            c.provider, &ak, &attest, &signature, &pcrs, &c.nonce, &policy,
        ) {
            Ok(v) => Outcome::Valid(json!({"ak": ak_json(&ak), "quote": verified_quote_json(&v)})),
            Err(e) => Outcome::Invalid(e),
        },
    )
}

fn clock_json(c: ClockInfo) -> Value {
    json!({"clock": c.clock, "reset_count": c.reset_count, "restart_count": c.restart_count, "safe": c.safe})
}

fn verified_quote_json(v: &VerifiedQuote) -> Value {
    json!({
        "hash": v.hash().name(),
        "selection": inspect::selection_json(v.selection()),
        "pcrs": aegis_core::compat::pcr_json::to_json(v.pcrs()),
        "clock_info": clock_json(v.clock_info()),
        "firmware_version": format!("{:016x}", v.firmware_version()),
        "qualified_signer": v.qualified_signer().to_hex(),
    })
}

fn verified_certification_json(v: &VerifiedCertification) -> Result<Value, UsageError> {
    Ok(json!({
        "certified_name": v.name().to_hex(),
        "certified_qualified_name": v.qualified_name().to_hex(),
        "certified_key": inspect::public_json(v.certified_key())?,
        "clock_info": clock_json(v.clock_info()),
        "qualified_signer": v.attest().qualified_signer.to_hex(),
    }))
}

fn certify_verify(args: &CertifyVerifyArgs, files: Files) -> Result<Outcome, UsageError> {
    let c = common(&args.common, files)?;
    let key = files.read(&args.key)?;
    let attest = files.read(&args.attest)?;
    let signature = files.read(&args.signature)?;
    let ak = match c.ak {
        Ok(ak) => ak,
        Err(e) => return Ok(Outcome::Invalid(e)),
    };
    let policy = CertifyPolicy {
        attest: c.attest,
        ..Default::default()
    };
    Ok(
        match verify_certify(
            c.provider, &ak, &key, &attest, &signature, &c.nonce, &policy,
        ) {
            Ok(v) => Outcome::Valid(
                json!({"ak": ak_json(&ak), "certification": verified_certification_json(&v)?}),
            ),
            Err(e) => Outcome::Invalid(e),
        },
    )
}

fn geofence_check(args: &GeofenceCheckArgs, files: Files) -> Result<Outcome, UsageError> {
    let policy = GeofencePolicy::from_json(&files.read(&args.policy)?)
        .map_err(|e| UsageError(format!("{}: {e}", args.policy.display())))?;
    let reading = LocationEvent::from_json(&files.read(&args.location)?)
        .map_err(|e| UsageError(format!("{}: {e}", args.location.display())))?;
    let ctx = GeofenceContext {
        now: args.time.map_or_else(UnixTime::now, UnixTime::from_secs),
        network_verified: args.network_verified,
    };
    let decision = policy.evaluate(&reading, &ctx)?;
    Ok(Outcome::Decided {
        body: decision.to_json(),
        allowed: decision.allowed(),
    })
}

fn ear_verify(args: &EarVerifyArgs, files: Files) -> Result<Outcome, UsageError> {
    let key = PublicKey::from_spki(&files.read(&args.key)?)
        .map_err(|e| UsageError(format!("--key: {e}")))?;
    let algorithms = args
        .alg
        .split(',')
        .map(|a| {
            ear::Algorithm::from_jws_name(a.trim()).map_err(|_| {
                UsageError(format!(
                    "--alg: unknown algorithm {a:?} (ES256, ES384, PS256)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let nonce = args
        .nonce
        .as_deref()
        .map(|n| parse_hex("--nonce", n))
        .transpose()?;
    let options = ear::VerifyOptions {
        algorithms: &algorithms,
        nonce: nonce.as_deref(),
        ..ear::VerifyOptions::new(
            &key,
            args.time.map_or_else(UnixTime::now, UnixTime::from_secs),
        )
    };
    let token = files.read(&args.token)?;
    Ok(
        match ear::verify_token(provider(args.provider)?, &token, &options) {
            Ok(v) => Outcome::Valid(json!({
                "format": v.format().name(),
                "dialect": v.dialect().name(),
                "alg": v.algorithm().jws_name(),
                "claims": v.ear().to_json(v.dialect())?,
            })),
            Err(e) => Outcome::Invalid(e),
        },
    )
}

fn ear_sign(args: &EarSignArgs, files: Files) -> Result<Outcome, UsageError> {
    let p = crypto::default_provider();
    let key = crypto::PrivateKey::from_pem(p, &files.read(&args.key)?)
        .map_err(|e| UsageError(format!("--key: {e}")))?;
    let alg = ear::Algorithm::for_key(key.public_key())?;
    let signer = crypto::SoftwareSigner::new(p, key, alg.scheme())?;
    let (claims, own) = match ear::Ear::from_json(&files.read(&args.claims)?) {
        Ok(c) => c,
        Err(e) => return Ok(Outcome::Invalid(e)),
    };
    let dialect = match &args.dialect {
        Some(d) => ear::Dialect::from_name(d)?,
        None => own,
    };
    let token = match args.form.as_str() {
        "jwt" => claims.sign_jwt(&signer, dialect),
        "cwt" => claims
            .sign_cwt(&signer, dialect)
            .map(|c| base64::engine::general_purpose::STANDARD.encode(c)),
        other => return Err(UsageError(format!("--form: jwt or cwt, not {other:?}"))),
    };
    Ok(match token {
        Ok(t) => Outcome::Decoded(json!({
            "format": args.form, "dialect": dialect.name(), "alg": alg.jws_name(), "token": t,
        })),
        Err(e) => Outcome::Invalid(e),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn max_input_size_takes_bytes_or_a_binary_suffix() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("0"), Ok(0));
        for bad in [
            "",
            "M",
            "4X",
            "-1",
            "1.5M",
            "99999999999999999999",
            "18446744073709551615G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }
}
