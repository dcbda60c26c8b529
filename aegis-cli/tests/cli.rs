//! The `aegis` command as operators' scripts use it: JSON on stdout, exit 0 valid, 1 invalid,
//! 2 bad usage or unreadable input. Walks testdata/manifest.json through the binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn aegis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aegis"))
        .args(args)
        .current_dir(testdata())
        .output()
        .unwrap()
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn vectors() -> Vec<Value> {
    let m: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    m["vectors"].as_array().unwrap().clone()
}

fn vector(id: &str) -> Value {
    vectors().into_iter().find(|v| v["id"] == id).unwrap()
}

fn verify_args(v: &Value) -> Vec<String> {
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let mut a: Vec<String> = match v["kind"].as_str().unwrap() {
        "quote" => vec![
            "quote".into(),
            "verify".into(),
            "--quote".into(),
            s("attest"),
            "--pcrs".into(),
            s("pcrs"),
        ],
        "certify" => vec![
            "certify".into(),
            "verify".into(),
            "--attest".into(),
            s("attest"),
            "--key".into(),
            s("key"),
        ],
        k => panic!("{k}"),
    };
    a.extend([
        "--ak".into(),
        s("ak"),
        "--signature".into(),
        s("signature"),
        "--nonce".into(),
        s("nonce"),
    ]);
    let p = &v["policy"];
    if p["allow_sha1"].as_bool() == Some(true) {
        a.push("--allow-sha1".into());
    }
    if let Some(signer) = p["expected_signer"].as_str() {
        a.extend(["--expected-signer".into(), signer.into()]);
    }
    if let Some(c) = p.get("previous_clock").filter(|c| c.is_object()) {
        a.extend([
            "--previous-clock".into(),
            format!("{},{},{}", c["clock"], c["reset_count"], c["restart_count"]),
        ]);
    }
    if let Some(banks) = p["require_pcrs"].as_object() {
        let list: Vec<String> = banks
            .iter()
            .flat_map(|(b, idx)| {
                idx.as_array()
                    .unwrap()
                    .iter()
                    .map(move |i| format!("{b}:{i}"))
            })
            .collect();
        if !list.is_empty() {
            a.extend(["--require-pcrs".into(), list.join(",")]);
        }
    }
    a
}

fn ear_args(v: &Value) -> Vec<String> {
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let mut a = vec![
        "ear".to_string(),
        "verify".into(),
        "--key".into(),
        s("key"),
        "--time".into(),
        v["time"].to_string(),
        s("token"),
    ];
    if let Some(n) = v["nonce"].as_str() {
        a.extend(["--nonce".into(), n.into()]);
    }
    if let Some(algs) = v["algorithms"].as_array() {
        let list: Vec<&str> = algs.iter().map(|x| x.as_str().unwrap()).collect();
        a.extend(["--alg".into(), list.join(",")]);
    }
    a
}

/// The `--provider` values of this build.
const PROVIDERS: &[&str] = if cfg!(feature = "aws-lc") {
    &["native", "pure", "aws-lc"]
} else {
    &["native", "pure"]
};

#[test]
fn manifest_verdicts_and_exit_codes() {
    let mut n = 0;
    for v in vectors() {
        let kind = v["kind"].as_str().unwrap();
        let args: Vec<String> = match kind {
            "quote" | "certify" => verify_args(&v),
            "ear" => ear_args(&v),
            "inspect" => {
                let mut a = vec!["inspect".to_string(), v["file"].as_str().unwrap().into()];
                if let Some(s) = v["structure"].as_str() {
                    a.extend(["--as".into(), s.into()]);
                }
                a
            }
            _ => continue,
        };
        for &provider in PROVIDERS {
            if kind == "inspect" && provider != "native" {
                continue;
            }
            let mut args = args.clone();
            if kind != "inspect" {
                args.extend(["--provider".into(), provider.into()]);
            }
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = aegis(&argv);
            let json = stdout_json(&out);
            match v["expect"]["verdict"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(
                        out.status.code(),
                        Some(0),
                        "{} [{provider}]: {json}",
                        v["id"]
                    );
                    if kind != "inspect" {
                        assert_eq!(json["verdict"], "valid");
                    }
                }
                _ => {
                    assert_eq!(
                        out.status.code(),
                        Some(1),
                        "{} [{provider}]: {json}",
                        v["id"]
                    );
                    assert_eq!(json["verdict"], "invalid");
                    assert_eq!(
                        json["error"]["name"], v["expect"]["error"],
                        "{} [{provider}]",
                        v["id"]
                    );
                    assert!(json["error"]["code"].as_u64().unwrap() >= 1000);
                }
            }
            n += 1;
        }
    }
    assert!(n > 100, "only {n} runs");
}

#[test]
fn valid_quote_reports_what_was_verified() {
    let v = vector("quote-multibank-rsassa-sha256");
    let args = verify_args(&v);
    let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let json = stdout_json(&out);
    assert_eq!(json["verdict"], "valid");
    assert_eq!(json["ak"]["checked"], true);
    assert_eq!(json["quote"]["qualified_signer"], v["ak_qualified_name"]);
    assert!(json["quote"]["pcrs"]["sha1"]["0"].is_string());
    assert!(json["quote"]["pcrs"]["sha384"]["15"].is_string());
    assert!(json["quote"]["clock_info"]["reset_count"].is_u64());
}

#[test]
fn valid_certify_reports_the_certified_name() {
    let v = vector("certify-ecc-p256-ecdsa-sha256-ecc-p256");
    let args = verify_args(&v);
    let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let json = stdout_json(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    if let Some(name) = v["key_name"].as_str() {
        assert_eq!(json["certification"]["certified_name"], name);
    }
    assert!(json["certification"]["certified_key"]["public_key_pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
}

#[test]
fn keylime_quote_string_is_accepted_as_the_quote_file() {
    use std::io::Write;
    let v = vector("quote-rsa2048-rsassa-sha256");
    let rd = |k: &str| std::fs::read(testdata().join(v[k].as_str().unwrap())).unwrap();
    let b64 = |b: Vec<u8>| {
        // Standard base64 without a dependency: use the CLI's own inspect round trip instead.
        let mut child = Command::new("base64")
            .arg("-w0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&b).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    };
    let text = format!(
        "r{}:{}:{}",
        b64(rd("attest")),
        b64(rd("signature")),
        b64(rd("pcrs"))
    );
    let dir = std::env::temp_dir().join(format!("aegis-cli-keylime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("quote.txt");
    std::fs::write(&path, text).unwrap();
    let ak = testdata().join(v["ak"].as_str().unwrap());
    let out = aegis(&[
        "quote",
        "verify",
        "--ak",
        ak.to_str().unwrap(),
        "--quote",
        path.to_str().unwrap(),
        "--nonce",
        v["nonce"].as_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let inspected = aegis(&["inspect", path.to_str().unwrap()]);
    assert_eq!(stdout_json(&inspected)["structure"], "keylime-quote");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn usage_errors_exit_2_with_a_message_on_stderr() {
    let v = vector("quote-ecc-p256-ecdsa-sha256");
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let cases: Vec<Vec<String>> = vec![
        // unreadable input
        vec![
            "quote".into(),
            "verify".into(),
            "--ak".into(),
            "no-such-file".into(),
            "--quote".into(),
            s("attest"),
            "--signature".into(),
            s("signature"),
            "--nonce".into(),
            s("nonce"),
        ],
        // nonce is not hex
        vec![
            "quote".into(),
            "verify".into(),
            "--ak".into(),
            s("ak"),
            "--quote".into(),
            s("attest"),
            "--signature".into(),
            s("signature"),
            "--nonce".into(),
            "xyz".into(),
        ],
        // a bare PEM AK without the explicit unchecked path
        vec![
            "quote".into(),
            "verify".into(),
            "--ak".into(),
            format!("{}/ak.pem", v["id"].as_str().unwrap()),
            "--quote".into(),
            s("attest"),
            "--signature".into(),
            s("signature"),
            "--nonce".into(),
            s("nonce"),
        ],
        // PCR index out of range
        vec![
            "quote".into(),
            "verify".into(),
            "--ak".into(),
            s("ak"),
            "--quote".into(),
            s("attest"),
            "--signature".into(),
            s("signature"),
            "--nonce".into(),
            s("nonce"),
            "--require-pcrs".into(),
            "24".into(),
        ],
        // unknown subcommand
        vec!["frobnicate".into()],
    ];
    for args in cases {
        let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn bare_pem_ak_verifies_only_when_asked_explicitly() {
    let v = vector("quote-ecc-p256-ecdsa-sha256");
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let pem = format!("{}/ak.pem", v["id"].as_str().unwrap());
    let out = aegis(&[
        "quote",
        "verify",
        "--ak",
        &pem,
        "--ak-unchecked-scheme",
        "ecdsa-sha256",
        "--quote",
        &s("attest"),
        "--signature",
        &s("signature"),
        "--pcrs",
        &s("pcrs"),
        "--nonce",
        &s("nonce"),
    ]);
    let json = stdout_json(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["ak"]["checked"], false);
}

#[test]
fn codes_lists_the_stable_table() {
    let json = stdout_json(&aegis(&["codes"]));
    let codes = json.as_array().unwrap();
    assert!(codes
        .iter()
        .any(|c| c["code"] == 5004 && c["name"] == "PcrDigestMismatch"));
}

/// `--provider aws-lc` in a build without the feature is a usage error that says how to get it.
#[cfg(not(feature = "aws-lc"))]
#[test]
fn aws_lc_provider_without_the_feature_is_a_usage_error() {
    let mut args = verify_args(&vector("quote-ecc-p256-ecdsa-sha256"));
    args.extend(["--provider".into(), "aws-lc".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = aegis(&argv);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("built without the aws-lc feature"),
        "{stderr}"
    );
}

/// A result that cannot be written (here /dev/full; a closed pipe likewise) is exit 2 with a
/// message, not a panic: scripts tell it from a verdict.
#[test]
fn unwritable_stdout_is_exit_2_not_a_panic() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aegis"))
        .arg("codes")
        .current_dir(testdata())
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("cannot write the result to standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Runs `aegis args` and waits at most 10 s: a command that blocks on its input (a FIFO) or reads
/// without end (/dev/zero) is killed and fails the test instead of hanging it.
fn aegis_within_10s(args: &[&str]) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_aegis"))
        .args(args)
        .current_dir(testdata())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            child.wait().ok();
            panic!("aegis {args:?} still runs after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    Output {
        status,
        stdout,
        stderr,
    }
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("aegis-cli-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Exit 2, nothing on stdout, and a message on stderr naming the file and the reason.
fn assert_refused(args: &[&str], file: &str, reason: &str) {
    let out = aegis_within_10s(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert!(
        stderr.contains(file) && stderr.contains(reason),
        "{args:?}: stderr {stderr:?} lacks {file:?} or {reason:?}"
    );
}

/// The file was read: the verdict is about its content (here: exit 1, not a known structure),
/// never the refusal of exit 2.
fn assert_read(args: &[&str]) {
    let out = aegis_within_10s(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn input_that_is_not_a_regular_file_is_refused_without_reading_it() {
    let dir = TempDir::new("special");
    let fifo = dir.path("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let socket = dir.path("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let cases = [
        (fifo.as_str(), "not a regular file (a FIFO)"),
        ("/dev/zero", "not a regular file (a character device)"),
        ("/dev/urandom", "not a regular file (a character device)"),
        (dir.0.to_str().unwrap(), "not a regular file (a directory)"),
        (socket.as_str(), "not a regular file (a socket)"),
    ];
    for (file, reason) in cases {
        assert_refused(&["inspect", file], file, reason);
        assert_refused(&["--max-input-size", "1G", "inspect", file], file, reason);
    }
    // Every input option goes through the same reader: --ak, --quote, --signature, --pcrs.
    let v = vector("quote-ecc-p256-ecdsa-sha256");
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let (ak, attest, sig, pcrs, nonce) =
        (s("ak"), s("attest"), s("signature"), s("pcrs"), s("nonce"));
    // --ak, --quote, --signature, --pcrs in turn.
    for i in 0..4 {
        let mut files = [ak.as_str(), attest.as_str(), sig.as_str(), pcrs.as_str()];
        files[i] = fifo.as_str();
        let args = [
            "quote",
            "verify",
            "--ak",
            files[0],
            "--quote",
            files[1],
            "--signature",
            files[2],
            "--pcrs",
            files[3],
            "--nonce",
            &nonce,
        ];
        assert_refused(&args, &fifo, "not a regular file (a FIFO)");
    }
}

#[test]
fn input_larger_than_the_limit_is_refused_before_reading_it() {
    const MIB: u64 = 1 << 20;
    let dir = TempDir::new("sizes");
    let sized = |name: &str, len: u64| {
        let path = dir.path(name);
        // Sparse: set_len writes nothing.
        std::fs::File::create(&path).unwrap().set_len(len).unwrap();
        path
    };
    let huge = sized("huge", 200 * MIB);
    let exact = sized("exact", MIB);
    let over = sized("over", MIB + 1);
    let limit = "over the input limit of 1048576 bytes";
    assert_refused(
        &["inspect", &huge],
        &huge,
        &format!("209715200 bytes, {limit}"),
    );
    assert_refused(
        &["inspect", &over],
        &over,
        &format!("1048577 bytes, {limit}"),
    );
    assert_read(&["inspect", &exact]);
    // --max-input-size raises the limit, as bytes or with a suffix, before or after the command.
    assert_read(&["inspect", &over, "--max-input-size", "2M"]);
    assert_read(&["--max-input-size", "1048577", "inspect", &over]);
    assert_refused(
        &["--max-input-size", "4K", "inspect", &exact],
        &exact,
        "1048576 bytes, over the input limit of 4096 bytes",
    );
    // A bad size is a usage error too.
    let out = aegis_within_10s(&["--max-input-size", "4X", "inspect", &exact]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-input-size"));
}

/// `aegis geofence check` arguments for a manifest vector of kind "geofence".
fn geofence_args(v: &Value) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "geofence".into(),
        "check".into(),
        "--policy".into(),
        v["geofence_policy"].as_str().unwrap().into(),
        "--location".into(),
        v["location"].as_str().unwrap().into(),
        "--time".into(),
        v["time"].to_string(),
    ];
    if v["network_verified"].as_bool().unwrap() {
        a.push("--network-verified".into());
    }
    a
}

/// Every geofence vector: allow exits 0, deny 1 with exactly the expected denials (names and
/// codes, in order), an invalid policy 2 with the JSON path at fault on stderr. The vectors with
/// `needs_jurisdiction` resolve the reading with the offline jurisdiction lookup.
#[test]
fn geofence_manifest_decisions_and_exit_codes() {
    let mut n = 0;
    for v in vectors().iter().filter(|v| v["kind"] == "geofence") {
        let args = geofence_args(v);
        let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let id = &v["id"];
        let expect = &v["expect"];
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expect["verdict"].as_str().unwrap() {
            "invalid" => {
                assert_eq!(out.status.code(), Some(2), "{id}: {stderr}");
                let path = expect["path"].as_str().unwrap();
                assert!(
                    stderr.contains(&format!("geofence policy invalid at {path}:")),
                    "{id}: {stderr}"
                );
            }
            verdict => {
                let json = stdout_json(&out);
                assert_eq!(json["verdict"], verdict, "{id}: {json} {stderr}");
                let want_exit = if verdict == "allow" { 0 } else { 1 };
                assert_eq!(out.status.code(), Some(want_exit), "{id}");
                let denied: Vec<&Value> = json["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["passed"] == false)
                    .collect();
                let names: Vec<&Value> = denied.iter().map(|r| &r["name"]).collect();
                let codes: Vec<&Value> = denied.iter().map(|r| &r["code"]).collect();
                let none = Vec::new();
                let want_names = expect["denials"].as_array().unwrap_or(&none);
                let want_codes = expect["codes"].as_array().unwrap_or(&none);
                assert_eq!(names, want_names.iter().collect::<Vec<_>>(), "{id}");
                assert_eq!(codes, want_codes.iter().collect::<Vec<_>>(), "{id}");
                if v["needs_jurisdiction"] == true {
                    assert!(json["resolution"].is_object(), "{id}: {json}");
                } else {
                    assert!(json["resolution"].is_null(), "{id}: {json}");
                }
            }
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} geofence vectors");
}

#[test]
fn geofence_check_reports_every_reason() {
    let v = vector("geofence/deny-every-reason");
    let out = aegis(
        &geofence_args(&v)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let json = stdout_json(&out);
    let rules: Vec<&str> = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["reading", "sensor", "time", "accuracy", "area", "area"]
    );
    let old = &json["reasons"][2];
    assert_eq!(old["passed"], false);
    assert_eq!(old["code"], 10031);
    assert_eq!(
        old["message"],
        "the reading is 3600 s old, the policy accepts 300 s"
    );
    assert_eq!(json["reasons"][0]["passed"], true);
}

#[test]
fn geofence_check_defaults_to_now_and_refuses_bad_input() {
    // Without --time the evaluation time is now: the vectors' readings (2026-01-01) are then
    // either too old or, on a clock set earlier, from the future.
    let v = vector("geofence/allow-gnss-inside-area");
    let mut args = geofence_args(&v);
    args.truncate(6);
    let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
    let json = stdout_json(&out);
    let name = json["reasons"][2]["name"].as_str().unwrap();
    assert!(
        name == "GeofenceReadingTooOld" || name == "GeofenceReadingFromFuture",
        "{json}"
    );
    // A location file that is not a location event, and a policy that is not a policy: exit 2.
    let dir = std::env::temp_dir().join(format!("aegis-geofence-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, br#"{"latitude": 1}"#).unwrap();
    let bad = bad.to_str().unwrap();
    let policy = v["geofence_policy"].as_str().unwrap();
    let location = v["location"].as_str().unwrap();
    for (p, l, what) in [
        (policy, bad, "not a location event"),
        (
            bad,
            location,
            "geofence policy invalid at $.latitude: unknown member",
        ),
    ] {
        let out = aegis(&[
            "geofence",
            "check",
            "--policy",
            p,
            "--location",
            l,
            "--time",
            "1767225600",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(what), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn geo_resolve(args: &[&str]) -> Output {
    let mut argv = vec!["geo", "resolve"];
    argv.extend_from_slice(args);
    aegis(&argv)
}

#[test]
fn geo_resolve_walks_the_jurisdiction_vectors() {
    let mut n = 0;
    for v in vectors()
        .into_iter()
        .filter(|v| v["kind"] == "jurisdiction")
    {
        let num = |k: &str| v[k].as_f64().unwrap().to_string();
        let (acc, lat, lon) = (num("accuracy_m"), num("latitude"), num("longitude"));
        let out = geo_resolve(&["--accuracy", &acc, "--", &lat, &lon]);
        if v["expect"]["verdict"] == "valid" {
            assert_eq!(out.status.code(), Some(0), "{}", v["id"]);
            assert_eq!(stdout_json(&out), v["expect"]["resolution"], "{}", v["id"]);
        } else {
            assert_eq!(out.status.code(), Some(2), "{}", v["id"]);
            assert!(out.stdout.is_empty(), "{}", v["id"]);
            assert!(!out.stderr.is_empty(), "{}", v["id"]);
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} jurisdiction vectors");
}

#[test]
fn geo_resolve_prints_one_json_object_for_each_status() {
    let out = geo_resolve(&["46.2044", "6.1432"]);
    assert_eq!(out.status.code(), Some(0));
    let json = stdout_json(&out);
    assert_eq!(json["status"], "resolved");
    assert_eq!(json["country"], "CH");
    assert!(json["subdivision"].is_null());

    let out = geo_resolve(&["--accuracy", "10000", "46.2044", "6.1432"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"status": "ambiguous", "candidates": [{"country": "CH"}, {"country": "FR"}]})
    );

    let out = geo_resolve(&["30", "-40"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"status": "unresolved"})
    );
}

#[test]
fn geo_resolve_takes_negative_coordinates_with_or_without_dashes() {
    // Lesotho (south, east) and Rio de Janeiro (south, west).
    for args in [
        &["-29.6", "28.2"][..],
        &["--", "-29.6", "28.2"],
        &["--accuracy", "10", "-29.6", "28.2"],
        &["--accuracy", "10", "--", "-29.6", "28.2"],
    ] {
        let out = geo_resolve(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert_eq!(stdout_json(&out)["country"], "LS", "{args:?}");
    }
    for args in [&["-22.9", "-43.2"][..], &["--", "-22.9", "-43.2"]] {
        let out = geo_resolve(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert_eq!(stdout_json(&out)["country"], "BR", "{args:?}");
    }
}

#[test]
fn geo_resolve_refuses_bad_readings_with_exit_2() {
    for (args, message) in [
        (&["90.5", "0"][..], "latitude"),
        (&["--", "-90.5", "0"], "latitude"),
        (&["NaN", "0"], "latitude"),
        (&["0", "180.5"], "longitude"),
        (&["0", "-181"], "longitude"),
        (&["0", "NaN"], "longitude"),
        (&["--accuracy", "-1", "0", "0"], "accuracy"),
        (&["--accuracy", "NaN", "0", "0"], "accuracy"),
        (&["north", "0"], "invalid value"),
        (&["0"], "required"),
    ] {
        let out = geo_resolve(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn ear_verify_prints_the_claims() {
    let v = vector("ear-jwt-veraison-valid");
    let args = ear_args(&v);
    let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let json = stdout_json(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["verdict"], "valid");
    assert_eq!(json["format"], "jwt");
    assert_eq!(json["dialect"], "veraison");
    assert_eq!(json["alg"], "ES256");
    assert_eq!(json["claims"]["submods"]["tpm"]["ear.status"], "affirming");
    assert_eq!(
        json["claims"]["submods"]["tpm"]["grc.jurisdiction-country"],
        "ES"
    );
    let v = vector("ear-cwt-base64-valid");
    let out = aegis(&ear_args(&v).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(stdout_json(&out)["format"], "cwt");
}

#[test]
fn ear_verify_usage_errors_exit_2() {
    let v = vector("ear-jwt-ietf-04-valid");
    let key = v["key"].as_str().unwrap();
    let token = v["token"].as_str().unwrap();
    for args in [
        vec!["ear", "verify", "--key", token, token],
        vec!["ear", "verify", "--key", key, "--alg", "none", token],
        vec!["ear", "verify", "--key", key, "--nonce", "zz", token],
        vec!["ear", "verify", "--key", key],
    ] {
        let out = aegis(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn ear_sign_then_verify_round_trips_in_every_dialect_and_form() {
    let dir = std::env::temp_dir().join(format!("aegis-ear-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let claims = dir.join("claims.json");
    // The claims of a valid vector, verified by the CLI itself.
    let v = vector("ear-jwt-ietf-04-valid");
    let out = aegis(&ear_args(&v).iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::write(&claims, stdout_json(&out)["claims"].to_string()).unwrap();
    for dialect in ["ietf-04", "ietf-03", "veraison"] {
        for form in ["jwt", "cwt"] {
            let out = aegis(&[
                "ear",
                "sign",
                "--key",
                "ear/issuer-p256.key.pem",
                "--dialect",
                dialect,
                "--form",
                form,
                claims.to_str().unwrap(),
            ]);
            let signed = stdout_json(&out);
            assert_eq!(out.status.code(), Some(0), "{signed}");
            let token = dir.join(format!("{dialect}.{form}"));
            std::fs::write(&token, signed["token"].as_str().unwrap()).unwrap();
            let mut args = ear_args(&v);
            *args.iter_mut().find(|a| a.ends_with(".jwt")).unwrap() =
                token.to_str().unwrap().into();
            let out = aegis(&args.iter().map(String::as_str).collect::<Vec<_>>());
            let verified = stdout_json(&out);
            assert_eq!(out.status.code(), Some(0), "{verified}");
            assert_eq!(verified["dialect"], dialect);
            assert_eq!(verified["format"], form);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
