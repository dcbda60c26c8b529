//! The CMW X.509 extension Aegis writes (`svid::encode_cmw_ear`) is byte-for-byte what Go
//! veraison/cmw v0.2.0 `EncodeX509Extension` writes for the same EAR (FORMATS.md and TESTING.md
//! name it the reference), for a JWT in the json arm and a CWT in the cbor arm; and veraison's
//! `DecodeX509Extension` reads Aegis's bytes back to the same type and token. The Go side is
//! tests/peers/veraison-cmw (its own go.mod, modules from the Go module proxy).
//!
//! Without a `go` command the test skips with a loud message, unless AEGIS_REQUIRE_GO=1, where
//! that is a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use aegis_core::ear::{Dialect, TokenFormat};
use aegis_core::svid::{decode_cmw, encode_cmw_ear};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The veraison-cmw program, built once per run into the target directory; `None` (after a loud
/// message) when Go is missing and not required.
fn peer() -> Option<PathBuf> {
    let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
    if Command::new(&go).arg("version").output().is_err() {
        let msg = "SKIPPED: no `go` command: the veraison/cmw v0.2.0 byte comparison did not run";
        assert!(
            std::env::var("AEGIS_REQUIRE_GO").as_deref() != Ok("1"),
            "{msg} (AEGIS_REQUIRE_GO=1)"
        );
        eprintln!("\n*** {msg} ***\n");
        return None;
    }
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("veraison-cmw");
    let bin = out_dir.join("veraison-cmw");
    let built = Command::new(&go)
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(root().join("tests/peers/veraison-cmw"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "go build of tests/peers/veraison-cmw failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    Some(bin)
}

fn run(bin: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "veraison-cmw {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn aegis_cmw_extension_equals_veraison_cmw_and_round_trips() {
    let Some(bin) = peer() else { return };
    let svid = root().join("testdata/svid");
    let cases = [
        ("ear.jwt", TokenFormat::Jwt, "json", "application/eat+jwt"),
        ("ear.cwt", TokenFormat::Cwt, "cbor", "application/eat+cwt"),
    ];
    for dialect in [Dialect::Ietf04, Dialect::Veraison] {
        for (file, format, arm, base) in cases {
            let path = svid.join(file);
            let token = std::fs::read(&path).unwrap();
            let token = match format {
                TokenFormat::Jwt => token.trim_ascii().to_vec(),
                TokenFormat::Cwt => token,
            };
            let ext = encode_cmw_ear(&token, format, dialect).unwrap();
            let media_type = format!("{base}; eat_profile=\"{}\"", dialect.profile());
            let theirs = run(&bin, &["encode", arm, &media_type, path.to_str().unwrap()]);
            // veraison encodes the file as read; the JWT file has no trailing newline.
            assert_eq!(hex::encode(ext.value()), theirs, "{file} {dialect:?}");
            let back = run(&bin, &["decode", &hex::encode(ext.value())]);
            let back: serde_json::Value = serde_json::from_str(&back).unwrap();
            assert_eq!(back["type"], media_type.as_str());
            assert_eq!(back["value"], hex::encode(&token));
            // And Aegis reads veraison's bytes.
            let ours = decode_cmw(&hex::decode(&theirs).unwrap()).unwrap();
            assert_eq!((ours.format(), ours.token()), (format, token.as_slice()));
        }
    }
}
