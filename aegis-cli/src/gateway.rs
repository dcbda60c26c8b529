//! `aegis gateway check`: the gateway decision (docs/gateway.md) on a client's attested claims
//! and EAR, printed as `{"verdict": "allow" | "deny", "reasons": [...], "headers": {...}}`; exit
//! 0 allow, 1 deny, 2 usage.

use std::path::PathBuf;

use aegis_core::crypto;
use aegis_core::keys::PublicKey;
use aegis_core::svid::gateway::{decide, GatewayContext, GatewayInput, GatewayPolicy};
use aegis_core::time::UnixTime;
use clap::{Args, Subcommand};

use crate::{Files, Outcome, UsageError};

/// `aegis gateway ...`.
#[derive(Subcommand, Debug)]
pub enum GatewayAction {
    /// Decide whether a client's request may pass: its attested claims and EAR checked against
    /// the verifier's EAR key and a gateway policy. Prints the decision with every reason and
    /// the headers to forward; exit 0 allow, 1 deny, 2 usage. No network location verifier is
    /// available here: a mobile reading is denied.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The gateway policy (JSON, docs/gateway.md).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The verifier's EAR public key: SubjectPublicKeyInfo, PEM or DER.
    #[arg(long, value_name = "FILE")]
    ear_key: PathBuf,
    /// The decision time, seconds since the epoch (default: now).
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// The AttestedClaims JSON (the grc.* document an SVID carries).
    #[arg(long, value_name = "FILE")]
    claims: PathBuf,
    /// The EAR token (a JWT, or a CWT in binary or base64) that came with the claims.
    #[arg(long, value_name = "FILE")]
    ear: PathBuf,
}

/// Runs `aegis gateway ...`.
pub fn run(action: &GatewayAction, files: Files) -> Result<Outcome, UsageError> {
    let GatewayAction::Check(args) = action;
    let policy = GatewayPolicy::from_json(&files.read(&args.policy)?)
        .map_err(|e| UsageError(format!("{}: {e}", args.policy.display())))?;
    let ear_key = PublicKey::from_spki(&files.read(&args.ear_key)?)
        .map_err(|e| UsageError(format!("--ear-key: {e}")))?;
    let now = args.time.map_or_else(UnixTime::now, UnixTime::from_secs);
    let input = read_input(args, files)?;
    let decision = decide(
        crypto::default_provider(),
        &input,
        &policy,
        &GatewayContext::new(&ear_key, now),
    );
    Ok(Outcome::Decided {
        body: decision.to_json(),
        allowed: decision.allowed(),
    })
}

/// What the client presented: the claims and the EAR.
fn read_input(args: &CheckArgs, files: Files) -> Result<GatewayInput, UsageError> {
    Ok(GatewayInput::from_parts(
        &files.read(&args.claims)?,
        &files.read(&args.ear)?,
    ))
}
