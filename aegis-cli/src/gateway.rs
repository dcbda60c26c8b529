//! `aegis gateway check`: the gateway decision (docs/gateway.md) on a client's SVID chain (its
//! attested claims and EAR), printed as `{"verdict": "allow" | "deny", "reasons": [...],
//! "headers": {...}}`; exit 0 allow, 1 deny (a chain that does not verify included), 2 usage.
//!
//! Two input forms: `--bundle PEM CHAIN_PEM` (the client's chain, verified), or
//! `--claims FILE --ear FILE` (the two extensions' contents, already taken from a verified chain;
//! for tests and for gateways that verify the chain themselves).

use std::path::{Path, PathBuf};

use aegis_core::crypto;
use aegis_core::keys::PublicKey;
use aegis_core::svid::gateway::decide_chain;
use aegis_core::svid::gateway::{decide, GatewayContext, GatewayInput, GatewayPolicy};
use aegis_core::svid::{pem_certificates, SvidBundle};
use aegis_core::time::UnixTime;
use clap::{ArgGroup, Args, Subcommand};

use crate::{Files, Outcome, UsageError};

/// `aegis gateway ...`.
#[derive(Subcommand, Debug)]
pub enum GatewayAction {
    /// Decide whether a client's request may pass: its SVID chain verified against --bundle, its
    /// attested claims and EAR checked against the verifier's EAR key and a gateway policy. Prints the decision with every reason and
    /// the headers to forward; exit 0 allow, 1 deny, 2 usage. No network location verifier is
    /// available here: a mobile reading is denied.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("input").required(true).args(["chain", "claims"])))]
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
    /// The SPIFFE trust bundle: the CA certificates (PEM) the client's chain must lead to.
    #[arg(long, value_name = "PEM", requires = "chain")]
    bundle: Option<PathBuf>,
    /// The client's SVID chain (PEM), leaf first: its CA intermediates, and any SVIDs it sends
    /// along (the PoC's agent SVID).
    #[arg(value_name = "CHAIN_PEM", requires = "bundle")]
    chain: Option<PathBuf>,
    /// Instead of a chain: the AttestedClaims JSON (the grc.* document an SVID carries).
    #[arg(long, value_name = "FILE", requires = "ear", conflicts_with = "chain")]
    claims: Option<PathBuf>,
    /// With --claims: the EAR token (a JWT, or a CWT in binary or base64) that came with them.
    #[arg(long, value_name = "FILE", requires = "claims")]
    ear: Option<PathBuf>,
}

/// Runs `aegis gateway ...`.
pub fn run(action: &GatewayAction, files: Files) -> Result<Outcome, UsageError> {
    let GatewayAction::Check(args) = action;
    let policy = GatewayPolicy::from_json(&files.read(&args.policy)?)
        .map_err(|e| UsageError(format!("{}: {e}", args.policy.display())))?;
    let ear_key = PublicKey::from_spki(&files.read(&args.ear_key)?)
        .map_err(|e| UsageError(format!("--ear-key: {e}")))?;
    let now = args.time.map_or_else(UnixTime::now, UnixTime::from_secs);
    let provider = crypto::default_provider();
    let ctx = GatewayContext::new(&ear_key, now);
    let decision = match (&args.chain, &args.bundle, &args.claims, &args.ear) {
        (Some(chain), Some(bundle), _, _) => {
            let (chain, bundle) = read_chain(chain, bundle, files)?;
            let ders: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
            decide_chain(provider, &ders, &bundle, &policy, &ctx)
        }
        (_, _, Some(claims), Some(ear)) => {
            let input = GatewayInput::from_parts(&files.read(claims)?, &files.read(ear)?);
            decide(provider, &input, &policy, &ctx)
        }
        _ => {
            return Err(UsageError(
                "give --bundle PEM and CHAIN_PEM, or --claims FILE and --ear FILE".into(),
            ))
        }
    };
    Ok(Outcome::Decided {
        body: decision.to_json(),
        allowed: decision.allowed(),
    })
}

/// The client's chain (DER certificates, leaf first) and the trust bundle, from PEM files.
fn read_chain(
    chain: &Path,
    bundle: &Path,
    files: Files,
) -> Result<(Vec<Vec<u8>>, SvidBundle), UsageError> {
    let certs = pem_certificates(&files.read(chain)?)
        .map_err(|e| UsageError(format!("{}: {e}", chain.display())))?;
    let bundle = SvidBundle::from_pem(&files.read(bundle)?)
        .map_err(|e| UsageError(format!("{}: {e}", bundle.display())))?;
    Ok((certs, bundle))
}
