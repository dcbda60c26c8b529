//! Credential activation end to end (VERIFIER-CHECKS.md item 14): Aegis makes the credential
//! (both providers), a real TPM (swtpm, driven by tpm2-tools) activates it. Peer: keylime's
//! `tpm_util.makecredential` on the same EK and AK Name, activated by the same TPM.
//!
//! Needs swtpm, swtpm_setup, swtpm_localca and tpm2-tools; without them the tests skip loudly,
//! unless AEGIS_REQUIRE_TPM=1, where a missing tool is a failure (TESTING.md). The keylime part
//! needs `.venv/bin/python` with keylime (scripts/deps.sh python), with the same rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::{Command, Output};

use aegis_core::credential::{check_activated, make_credential, MadeCredential};
use aegis_core::crypto::all_providers;
use aegis_core::tpm::{KeyParms, Name, ObjectAttributes, Public};
use aegis_core::Error;

#[path = "support/swtpm.rs"]
mod swtpm;
use swtpm::{loud_skip, repo_root, require_tpm, tools_or_skip, Swtpm, SWTPM_TOOLS};

/// tpm2-tools used to make EKs and AKs and to activate credentials.
const TPM2_TOOLS: &[&str] = &[
    "tpm2_createek",
    "tpm2_createak",
    "tpm2_activatecredential",
    "tpm2_startauthsession",
    "tpm2_policysecret",
    "tpm2_flushcontext",
];

fn tools_present(test: &str) -> bool {
    tools_or_skip(test, &[SWTPM_TOOLS, TPM2_TOOLS].concat())
}

impl Swtpm {
    /// Runs a tpm2-tools command against this TPM in its directory.
    fn try_run(&self, args: &[&str]) -> Output {
        let (tool, rest) = args.split_first().unwrap();
        Command::new(tool)
            .args(rest)
            .current_dir(&self.dir)
            .env("TPM2TOOLS_TCTI", &self.tcti)
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.try_run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Creates the EK (`tpm2_createek -G rsa|ecc`, the low-range templates L-1 and L-2) or
    /// reads the persistent one swtpm_setup made (a handle such as 0x81010016, the high-range
    /// ECC P-384 template), and an AK under it.
    fn ek_and_ak(&self, ek: &str) -> TestEk {
        let handle = if ek.starts_with("0x") {
            self.run(&["tpm2_readpublic", "-c", ek, "-o", "ek.pub"]);
            ek.to_string()
        } else {
            self.run(&["tpm2_createek", "-G", ek, "-u", "ek.pub", "-c", "ek.ctx"]);
            "ek.ctx".to_string()
        };
        let public = Public::parse_tpm2b(&std::fs::read(self.path("ek.pub")).unwrap()).unwrap();
        let (ak_alg, ak_scheme) = match public.parms {
            KeyParms::Rsa(_) => ("rsa", "rsassa"),
            KeyParms::Ecc(_) => ("ecc", "ecdsa"),
        };
        self.run(&[
            "tpm2_createak",
            "-C",
            &handle,
            "-c",
            "ak.ctx",
            "-G",
            ak_alg,
            "-g",
            "sha256",
            "-s",
            ak_scheme,
            "-u",
            "ak.pub",
            "-n",
            "ak.name",
            "-r",
            "ak.priv",
        ]);
        self.run(&["tpm2_flushcontext", "-t"]);
        let ak = Public::parse_tpm2b(&std::fs::read(self.path("ak.pub")).unwrap()).unwrap();
        let name_file = std::fs::read(self.path("ak.name")).unwrap();
        // The verifier computes the AK Name from the AK public area; tpm2-tools agrees.
        assert_eq!(ak.name().as_bytes(), &name_file[..]);
        // Low-range EKs need PolicySecret(endorsement); high-range ones set userWithAuth.
        let policy = !public.attributes.has(ObjectAttributes::USER_WITH_AUTH);
        TestEk {
            handle,
            policy,
            public,
            ak_name: ak.name(),
        }
    }

    /// TPM2_ActivateCredential on a tpm2-tools credential file, with the EK's policy
    /// (PolicySecret with the endorsement hierarchy) or its empty user auth. Returns the
    /// recovered credential, or None if the TPM refused. Every session and transient object is
    /// flushed.
    fn activate(&self, ek: &TestEk, file_bytes: &[u8]) -> Option<Vec<u8>> {
        std::fs::write(self.path("cred.in"), file_bytes).unwrap();
        let _ = std::fs::remove_file(self.path("cred.out"));
        let mut args = vec![
            "tpm2_activatecredential",
            "-c",
            "ak.ctx",
            "-C",
            &ek.handle,
            "-i",
            "cred.in",
            "-o",
            "cred.out",
        ];
        if ek.policy {
            self.run(&[
                "tpm2_startauthsession",
                "--policy-session",
                "-S",
                "session.ctx",
            ]);
            self.run(&["tpm2_policysecret", "-S", "session.ctx", "-c", "e"]);
            args.extend(["-P", "session:session.ctx"]);
        }
        let out = self.try_run(&args);
        // The session may already be gone after a successful activation; ignore that error.
        if ek.policy {
            let _ = self.try_run(&["tpm2_flushcontext", "session.ctx"]);
        }
        self.run(&["tpm2_flushcontext", "-t"]);
        self.run(&["tpm2_flushcontext", "-s"]);
        if out.status.success() {
            Some(std::fs::read(self.path("cred.out")).unwrap())
        } else {
            None
        }
    }
}

/// An EK in the TPM and the AK made under it.
struct TestEk {
    /// "ek.ctx" (transient, from tpm2_createek) or a persistent handle.
    handle: String,
    /// Whether the EK needs the PolicySecret(endorsement) session.
    policy: bool,
    public: Public,
    ak_name: Name,
}

fn fresh_secret(len: usize) -> Vec<u8> {
    let mut s = vec![0u8; len];
    aegis_core::crypto::default_provider()
        .random(&mut s)
        .unwrap();
    s
}

/// keylime's `tpm_util.makecredential(ek_tpm, challenge, aik_name)` (PyPI keylime), or None when
/// keylime is not installed (loud skip; failure under AEGIS_REQUIRE_TPM=1).
fn keylime_makecredential(tpm: &Swtpm, secret: &[u8]) -> Option<Vec<u8>> {
    let python = repo_root().join(".venv/bin/python");
    let probe = Command::new(&python)
        .args(["-c", "import keylime.tpm.tpm_util"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            !require_tpm(),
            "AEGIS_REQUIRE_TPM=1 but {} cannot import keylime (scripts/deps.sh python)",
            python.display()
        );
        loud_skip(&format!(
            "keylime peer: {} cannot import keylime (run scripts/deps.sh python)",
            python.display()
        ));
        return None;
    }
    let script = "import sys\n\
        from keylime.tpm import tpm_util\n\
        ek = open(sys.argv[1], 'rb').read()\n\
        name = open(sys.argv[2], 'rb').read()\n\
        blob = tpm_util.makecredential(ek, bytes.fromhex(sys.argv[3]), name)\n\
        open(sys.argv[4], 'wb').write(blob)\n";
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(tpm.path("ek.pub"))
        .arg(tpm.path("ak.name"))
        .arg(hex::encode(secret))
        .arg(tpm.path("keylime.cred"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keylime makecredential failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(std::fs::read(tpm.path("keylime.cred")).unwrap())
}

fn flip_last(v: &[u8]) -> Vec<u8> {
    let mut v = v.to_vec();
    let last = v.len() - 1;
    v[last] ^= 0x40;
    v
}

fn activation_round_trip(alg: &str) {
    let test = format!("credential_swtpm::{alg}");
    if !tools_present(&test) {
        return;
    }
    let tpm = Swtpm::start(alg);
    let test_ek = tpm.ek_and_ak(alg);
    let (ek, ak_name) = (test_ek.public.clone(), test_ek.ak_name.clone());
    let digest_size = ek.name_alg.digest_size();

    for provider in all_providers() {
        let who = provider.name();
        // Full-size and short credentials.
        for len in [digest_size, 16] {
            let secret = fresh_secret(len);
            let made = make_credential(provider, &ek, &ak_name, &secret).unwrap();
            let file = made.to_tpm2_tools_file();
            assert_eq!(
                MadeCredential::from_tpm2_tools_file(&file).as_ref(),
                Ok(&made)
            );
            let activated = tpm
                .activate(&test_ek, &file)
                .unwrap_or_else(|| panic!("{who}: TPM refused Aegis's {alg} credential"));
            assert_eq!(check_activated(&secret, &activated), Ok(()), "{who} {alg}");
            assert_eq!(
                check_activated(&fresh_secret(len), &activated),
                Err(Error::CredentialMismatch)
            );
        }

        // Tampering: the encrypted identity (outer HMAC fails), the HMAC itself, the encrypted
        // secret (wrong seed), a credential for another object's Name.
        let secret = fresh_secret(digest_size);
        let made = make_credential(provider, &ek, &ak_name, &secret).unwrap();
        let tampered = [
            MadeCredential {
                credential_blob: flip_last(&made.credential_blob),
                ..made.clone()
            },
            MadeCredential {
                credential_blob: {
                    let mut b = made.credential_blob.clone();
                    b[6] ^= 0x01;
                    b
                },
                ..made.clone()
            },
            MadeCredential {
                encrypted_secret: flip_last(&made.encrypted_secret),
                ..made.clone()
            },
        ];
        for (i, t) in tampered.iter().enumerate() {
            assert_eq!(
                tpm.activate(&test_ek, &t.to_tpm2_tools_file()),
                None,
                "{who} {alg}: tampered blob {i} activated"
            );
        }
        let mut other_name = ak_name.as_bytes().to_vec();
        other_name[5] ^= 0x01;
        let other =
            make_credential(provider, &ek, &Name::from_bytes(&other_name), &secret).unwrap();
        assert_eq!(
            tpm.activate(&test_ek, &other.to_tpm2_tools_file()),
            None,
            "{who} {alg}: credential for another Name activated"
        );
    }

    // Usage errors, no TPM involved.
    let p = aegis_core::crypto::default_provider();
    assert!(matches!(
        make_credential(p, &ek, &ak_name, &vec![1u8; digest_size + 1]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        make_credential(p, &ek, &ak_name, &[]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        make_credential(p, &ek, &Name::from_bytes(&[0, 0x0b, 1, 2]), b"x"),
        Err(Error::InvalidArgument { .. })
    ));
    let ak = Public::parse_tpm2b(&std::fs::read(tpm.path("ak.pub")).unwrap()).unwrap();
    assert!(
        matches!(
            make_credential(p, &ak, &ak_name, b"x"),
            Err(Error::KeyNotAllowed { .. })
        ),
        "a signing key is no EK"
    );

    // Peer: keylime makes a credential on the same EK public and AK Name; the TPM activates it.
    let secret = fresh_secret(digest_size);
    if let Some(file) = keylime_makecredential(&tpm, &secret) {
        // Same file format as Aegis's.
        let parsed = MadeCredential::from_tpm2_tools_file(&file).unwrap();
        assert_eq!(parsed.to_tpm2_tools_file(), file);
        let activated = tpm
            .activate(&test_ek, &file)
            .expect("TPM refused keylime's credential");
        assert_eq!(
            check_activated(&secret, &activated),
            Ok(()),
            "keylime {alg}"
        );
    }
}

#[test]
fn rsa_ek_activation() {
    activation_round_trip("rsa");
}

#[test]
fn ecc_ek_activation() {
    activation_round_trip("ecc");
}

/// The ECC NIST P-384 EK that swtpm_setup persists at 0x81010016 (TCG EK Credential Profile
/// high-range template H-3: nameAlg SHA-384, AES-256-CFB): KDFs with SHA-384, 48-byte
/// credentials.
#[test]
fn ecc_p384_high_range_ek_activation() {
    activation_round_trip("0x81010016");
}
