//! `aegis token dpor|dpog|wpt|verify` and `aegis jwk thumbprint`: proof tokens
//! (docs/proof-tokens.md) minted with a software key and checked as a resource server would.

use std::io::Read as _;
use std::path::PathBuf;

use aegis_core::crypto::{self, PrivateKey, Signer, SoftwareSigner};
use aegis_core::ear;
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::keys::PublicKey;
use aegis_core::time::UnixTime;
use aegis_core::token::{
    self, Location, MemoryReplayCache, ProofKind, ProofPolicy, ProofRequest, ReplayCache,
    Residency, WptPolicy, WptRequest,
};
use aegis_core::Error;
use aegis_replay_redis::{RedisReplayCache, RedisReplayConfig};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::{Files, Outcome, UsageError};

/// `aegis token ...`.
#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// Mint a DPoR proof (typ dpor+jwt) and print it as a compact JWT.
    Dpor(MintArgs),
    /// Mint a DPoG proof (typ dpog+jwt): a DPoR proof plus --location.
    Dpog(MintArgs),
    /// Mint a WIMSE workload proof token (typ wpt+jwt) for --aud and --wit.
    Wpt(WptArgs),
    /// Verify a DPoR or DPoG proof (told apart by its typ) as a resource server: the RFC 9449
    /// checks, then residency in --ear. Exit 0 valid, 1 invalid, 2 usage.
    Verify(VerifyArgs),
}

/// `aegis jwk ...`.
#[derive(Subcommand, Debug)]
pub enum JwkAction {
    /// The RFC 7638 thumbprint of a public key (SPKI PEM/DER) or private key (PEM):
    /// {"jkt": ..., "jwk": ...}.
    Thumbprint {
        /// The key file.
        key: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct KeyArgs {
    /// The App Key as a software key: a private key, PEM (PKCS#8, SEC 1 or PKCS#1).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "tpm",
        required_unless_present = "tpm"
    )]
    key: Option<PathBuf>,
    /// The App Key in a TPM: the TCTI (e.g. swtpm:host=127.0.0.1,port=2321; needs the `tss`
    /// build), with --key-handle.
    #[arg(long, value_name = "TCTI", requires = "key_handle")]
    tpm: Option<String>,
    /// The App Key's persistent handle (hex, 0x81xxxxxx).
    #[arg(long, value_name = "HANDLE")]
    key_handle: Option<String>,
    /// The issue time, seconds since the epoch (default: now).
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// The jti (default: 16 random bytes, base64url).
    #[arg(long, allow_hyphen_values = true)]
    jti: Option<String>,
}

#[derive(Args, Debug)]
pub struct MintArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// The HTTP method.
    #[arg(long)]
    htm: String,
    /// The HTTP target URI.
    #[arg(long)]
    htu: String,
    /// The server's DPoR-Nonce.
    #[arg(long, allow_hyphen_values = true)]
    nonce: Option<String>,
    /// The access token the proof goes with (its hash becomes ath).
    #[arg(long, allow_hyphen_values = true, value_name = "TOKEN")]
    ath: Option<String>,
    /// DPoG: the location claims (JSON: type, quality, country, subdivision, ...).
    #[arg(long, value_name = "FILE")]
    location: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct WptArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// The audience.
    #[arg(long)]
    aud: String,
    /// The Workload Identity Token file (its hash becomes wth).
    #[arg(long, value_name = "FILE")]
    wit: PathBuf,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 60)]
    lifetime: u64,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The request's method (DPoR and DPoG).
    #[arg(long)]
    htm: Option<String>,
    /// The request's target URI (DPoR and DPoG).
    #[arg(long)]
    htu: Option<String>,
    /// The expected audience (WPT).
    #[arg(long)]
    aud: Option<String>,
    /// The Workload Identity Token presented with a WPT (its hash must be wth).
    #[arg(long, value_name = "FILE")]
    wit: Option<PathBuf>,
    /// The EAR (JWT or CWT) naming the App Key.
    #[arg(long, value_name = "FILE")]
    ear: PathBuf,
    /// The EAR issuer's public key: SubjectPublicKeyInfo, PEM or DER.
    #[arg(long, value_name = "FILE")]
    ear_key: PathBuf,
    /// How old the EAR may be, in seconds.
    #[arg(long, default_value_t = 300)]
    ear_max_age: u64,
    /// The nonce the server issued.
    #[arg(long, allow_hyphen_values = true)]
    nonce: Option<String>,
    /// The access token presented (ath is checked against it).
    #[arg(long, value_name = "FILE")]
    access_token: Option<PathBuf>,
    /// The access token's cnf.jkt.
    #[arg(long, allow_hyphen_values = true)]
    cnf_jkt: Option<String>,
    /// DPoG: the relying party's geofence policy (docs/geofence-policy.md) that the proof's
    /// place (its quality, country and subdivision) must meet.
    #[arg(long, value_name = "FILE")]
    geofence: Option<PathBuf>,
    /// The verification time, seconds since the epoch (default: now).
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// Where seen jti values are kept: `redis://HOST:PORT[/DB]` for a Redis shared by every
    /// verifier replica (SET NX EX; an unreachable store refuses the token), or in memory for
    /// this one run (the default, which catches no replay across runs).
    #[arg(long, value_name = "URL")]
    replay_cache: Option<String>,
    /// The proof file.
    token: PathBuf,
}

/// Calls `mint` with the App Key's signer: the software key of --key, or the TPM key at
/// --key-handle (ES256/ES384 for ECC keys, PS256 for RSA keys, signed inside the TPM).
fn with_signer(
    args: &KeyArgs,
    files: Files,
    mint: impl FnOnce(&dyn Signer) -> Result<Outcome, UsageError>,
) -> Result<Outcome, UsageError> {
    if let Some(path) = &args.key {
        let p = crypto::default_provider();
        let key = PrivateKey::from_pem(p, &files.read(path)?)
            .map_err(|e| UsageError(format!("--key: {e}")))?;
        let alg = ear::Algorithm::for_key(key.public_key())?;
        return mint(&SoftwareSigner::new(p, key, alg.scheme())?);
    }
    let (Some(tcti), Some(handle)) = (&args.tpm, &args.key_handle) else {
        return Err(UsageError("--key FILE or --tpm TCTI --key-handle H".into()));
    };
    let handle = u32::from_str_radix(handle.trim_start_matches("0x"), 16)
        .map_err(|_| UsageError(format!("--key-handle: not a hex handle: {handle:?}")))?;
    tpm_signer(tcti, handle, mint)
}

#[cfg(feature = "tss")]
fn tpm_signer(
    tcti: &str,
    handle: u32,
    mint: impl FnOnce(&dyn Signer) -> Result<Outcome, UsageError>,
) -> Result<Outcome, UsageError> {
    use aegis_agent::backend::tss::TssBackend;
    use aegis_agent::backend::TpmBackend as _;
    let mut backend = TssBackend::open(tcti).map_err(|e| UsageError(format!("--tpm: {e}")))?;
    let key = backend
        .load_persistent(handle)
        .map_err(|e| UsageError(format!("--key-handle: {e}")))?;
    let alg = ear::Algorithm::for_key(&PublicKey::from_tpm_public(key.public()))?;
    let signer = aegis_agent::TpmSigner::new(&mut backend, key, alg.scheme())?;
    mint(&signer)
}

#[cfg(not(feature = "tss"))]
fn tpm_signer(
    _: &str,
    _: u32,
    _: impl FnOnce(&dyn Signer) -> Result<Outcome, UsageError>,
) -> Result<Outcome, UsageError> {
    Err(UsageError(
        "--tpm needs an aegis built with the tss feature".into(),
    ))
}

fn jti(args: &KeyArgs) -> Result<String, UsageError> {
    if let Some(j) = &args.jti {
        return Ok(j.clone());
    }
    let mut buf = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| UsageError(format!("no random source for the jti: {e}")))?;
    Ok(B64URL.encode(buf))
}

fn now(time: Option<u64>) -> UnixTime {
    time.map_or_else(UnixTime::now, UnixTime::from_secs)
}

fn minted(kind: &str, t: aegis_core::Result<String>) -> Outcome {
    match t {
        Ok(t) => Outcome::Decoded(json!({"typ": kind, "token": t})),
        Err(e) => Outcome::Invalid(e),
    }
}

/// Runs `aegis token ...`.
pub fn run(action: &TokenAction, files: Files) -> Result<Outcome, UsageError> {
    match action {
        TokenAction::Dpor(a) | TokenAction::Dpog(a) => {
            let jti = jti(&a.key)?;
            let req = ProofRequest {
                htm: &a.htm,
                htu: &a.htu,
                iat: now(a.key.time),
                jti: &jti,
                nonce: a.nonce.as_deref(),
                access_token: a.ath.as_deref().map(str::as_bytes),
            };
            if let TokenAction::Dpog(_) = action {
                let path = a
                    .location
                    .as_ref()
                    .ok_or_else(|| UsageError("dpog needs --location".into()))?;
                let loc: Location = serde_json::from_slice(&files.read(path)?)
                    .map_err(|e| UsageError(format!("--location: {e}")))?;
                with_signer(&a.key, files, |s| {
                    Ok(minted("dpog+jwt", token::mint_dpog(s, &req, &loc)))
                })
            } else {
                with_signer(&a.key, files, |s| {
                    Ok(minted("dpor+jwt", token::mint_dpor(s, &req)))
                })
            }
        }
        TokenAction::Wpt(a) => {
            let jti = jti(&a.key)?;
            let wit = files.read(&a.wit)?;
            let req = WptRequest {
                aud: &a.aud,
                exp: now(a.key.time).saturating_add(a.lifetime),
                jti: &jti,
                wit: wit.trim_ascii(),
                access_token: None,
                other: &[],
            };
            with_signer(&a.key, files, |s| {
                Ok(minted("wpt+jwt", token::mint_wpt(s, &req)))
            })
        }
        TokenAction::Verify(a) => verify(a, files),
    }
}

/// What `aegis token verify` checks, picked from the token's unverified `typ` (the core checks
/// `typ` again against the kind it is asked for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presented {
    Proof(ProofKind),
    Wpt,
}

fn presented(token: &[u8]) -> Presented {
    let typ = || -> Option<String> {
        let header = token.trim_ascii().split(|b| *b == b'.').next()?;
        let header: Value = serde_json::from_slice(&B64URL.decode(header).ok()?).ok()?;
        Some(header.get("typ")?.as_str()?.to_owned())
    };
    match typ().as_deref() {
        Some("dpog+jwt") => Presented::Proof(ProofKind::Dpog),
        Some(token::WPT_TYP) => Presented::Wpt,
        _ => Presented::Proof(ProofKind::Dpor),
    }
}

/// The replay cache of `--replay-cache`: Redis when a URL is given (its connection failure is a
/// refusal, `ReplayCacheUnavailable`, never a pass), else a cache for this run only.
fn replay_cache(url: Option<&str>) -> Result<Box<dyn ReplayCache>, Error> {
    match url {
        None => Ok(Box::new(MemoryReplayCache::new(1))),
        Some(url) => Ok(Box::new(RedisReplayCache::open(&RedisReplayConfig::new(
            url,
        ))?)),
    }
}

fn required<'a>(value: &'a Option<String>, flag: &str, typ: &str) -> Result<&'a str, UsageError> {
    value
        .as_deref()
        .ok_or_else(|| UsageError(format!("{flag} is required to verify a {typ}")))
}

fn verify(a: &VerifyArgs, files: Files) -> Result<Outcome, UsageError> {
    let p = crypto::default_provider();
    let now = now(a.time);
    let ear_key = PublicKey::from_spki(&files.read(&a.ear_key)?)
        .map_err(|e| UsageError(format!("--ear-key: {e}")))?;
    let token = files.read(&a.token)?;
    let access_token = a.access_token.as_ref().map(|f| files.read(f)).transpose()?;
    let access_token = access_token.as_deref().map(<[u8]>::trim_ascii);
    // Every flag the token's kind needs is checked before anything is verified: a missing one
    // is a usage error (exit 2), not a refusal.
    let presented = presented(&token);
    let wit = match presented {
        Presented::Wpt => {
            required(&a.aud, "--aud", token::WPT_TYP)?;
            let wit = (a.wit.as_ref())
                .ok_or_else(|| UsageError("--wit is required to verify a wpt+jwt".into()))?;
            files.read(wit)?
        }
        Presented::Proof(kind) => {
            required(&a.htm, "--htm", kind.typ())?;
            required(&a.htu, "--htu", kind.typ())?;
            Vec::new()
        }
    };
    let geofence = match &a.geofence {
        Some(f) => Some(
            GeofencePolicy::from_json(&files.read(f)?)
                .map_err(|e| UsageError(format!("--geofence: {e}")))?,
        ),
        None => None,
    };
    let verified_ear = match ear::verify_token(
        p,
        &files.read(&a.ear)?,
        &ear::VerifyOptions::new(&ear_key, now),
    ) {
        Ok(v) => v,
        Err(e) => return Ok(Outcome::Invalid(e)),
    };
    let residency = Residency::Ear {
        ear: &verified_ear,
        max_age: a.ear_max_age,
    };
    let replay = match replay_cache(a.replay_cache.as_deref()) {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Invalid(e)),
    };
    let verified = match presented {
        Presented::Wpt => {
            let aud = required(&a.aud, "--aud", token::WPT_TYP)?;
            let policy = WptPolicy {
                access_token,
                ..WptPolicy::new(aud, wit.trim_ascii(), now)
            };
            token::verify_wpt(p, &token, &policy, &residency, replay.as_ref())
                .map(|v| json!({"typ": token::WPT_TYP, "jkt": v.jkt, "jti": v.jti, "exp": v.exp}))
        }
        Presented::Proof(kind) => {
            let htm = required(&a.htm, "--htm", kind.typ())?;
            let htu = required(&a.htu, "--htu", kind.typ())?;
            let policy = ProofPolicy {
                nonce: a.nonce.as_deref(),
                access_token,
                cnf_jkt: a.cnf_jkt.as_deref(),
                geofence: geofence.as_ref(),
                ..ProofPolicy::new(kind, htm, htu, now)
            };
            token::verify_proof(p, &token, &policy, &residency, replay.as_ref()).map(|v| {
                json!({
                    "typ": v.kind.typ(),
                    "alg": v.alg.jws_name(),
                    "jkt": v.jkt,
                    "jti": v.jti,
                    "iat": v.iat,
                    "location": v.location.map(|l| serde_json::to_value(l).unwrap_or(Value::Null)),
                })
            })
        }
    };
    Ok(match verified {
        Ok(v) => Outcome::Valid(v),
        Err(e) => Outcome::Invalid(e),
    })
}

/// Runs `aegis jwk thumbprint`.
pub fn jwk(action: &JwkAction, files: Files) -> Result<Outcome, UsageError> {
    let JwkAction::Thumbprint { key } = action;
    let bytes = files.read(key)?;
    let public = match PublicKey::from_spki(&bytes) {
        Ok(k) => k,
        Err(_) => PrivateKey::from_pem(crypto::default_provider(), &bytes)
            .or_else(|_| PrivateKey::from_pkcs8_der(crypto::default_provider(), &bytes))
            .map_err(|e: Error| {
                UsageError(format!(
                    "{}: not a public or private key: {e}",
                    key.display()
                ))
            })?
            .public_key()
            .clone(),
    };
    Ok(Outcome::Decoded(json!({
        "jkt": public.jwk_thumbprint_b64()?,
        "jwk": serde_json::from_str::<Value>(&public.to_jwk()?).unwrap_or(Value::Null),
    })))
}
