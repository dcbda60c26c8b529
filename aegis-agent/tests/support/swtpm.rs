//! A manufactured swtpm for the tests and benchmarks that need one (TESTING.md): started by
//! scripts/swtpm.sh in its own absolute temp dir, stopped by its pid file and removed on drop.
//! Missing tools skip a test loudly, or fail it under AEGIS_REQUIRE_TPM=1 (as .ci/run sets).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What scripts/swtpm.sh needs.
pub const SWTPM_TOOLS: &[&str] = &["swtpm", "swtpm_setup", "swtpm_localca"];

/// The repository's top directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether a missing TPM tool is a failure (AEGIS_REQUIRE_TPM=1) rather than a skip.
pub fn require_tpm() -> bool {
    std::env::var("AEGIS_REQUIRE_TPM").is_ok_and(|v| v == "1")
}

/// Prints straight to the process's stderr: libtest captures `eprintln!` of passing tests, and
/// a skip must be seen.
pub fn loud_skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!! SKIPPED {msg} !!!!!!!!\n");
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether every tool is on PATH. If one is missing: a failure under AEGIS_REQUIRE_TPM=1,
/// otherwise a loud skip message and `false`.
pub fn tools_or_skip(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !require_tpm(),
        "AEGIS_REQUIRE_TPM=1 but {missing:?} not found (scripts/deps.sh tpm installs swtpm swtpm-tools tpm2-tools)"
    );
    loud_skip(&format!(
        "{test}: {missing:?} not found (scripts/deps.sh tpm installs them)"
    ));
    false
}

/// A running swtpm.
pub struct Swtpm {
    pub dir: PathBuf,
    pub tcti: String,
}

/// Runs `scripts/swtpm.sh CMD DIR`.
fn swtpm_sh(cmd: &str, dir: &Path) -> std::io::Result<std::process::Output> {
    Command::new("bash")
        .arg(repo_root().join("scripts/swtpm.sh"))
        .arg(cmd)
        .arg(dir)
        .output()
}

impl Swtpm {
    /// Starts a freshly manufactured swtpm; panics when the script fails. Check the tools first
    /// (`tools_or_skip`), or use `start_or_skip`.
    pub fn start(tag: &str) -> Swtpm {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("aegis-swtpm-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // The guard exists before any assertion, so a failed start is still cleaned up.
        let mut tpm = Swtpm {
            dir,
            tcti: String::new(),
        };
        tpm.script("start");
        tpm
    }

    /// Starts one when swtpm is installed; `None` after a loud skip otherwise.
    pub fn start_or_skip(tag: &str) -> Option<Swtpm> {
        tools_or_skip(tag, SWTPM_TOOLS).then(|| Swtpm::start(tag))
    }

    /// Power-cycles the TPM: stops swtpm and starts it again on the same state (a TPM Reset:
    /// PCRs back to their reset values, resetCount incremented, persistent objects and NV kept).
    /// The TCTI changes (a new port).
    #[allow(dead_code)] // not every test binary restarts
    pub fn restart(&mut self) {
        self.script("stop");
        self.script("start");
    }

    /// `swtpm.sh CMD` on this TPM's directory, asserting success; after "start", reads the TCTI.
    fn script(&mut self, cmd: &str) {
        let out = swtpm_sh(cmd, &self.dir).unwrap();
        assert!(
            out.status.success(),
            "swtpm.sh {cmd} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if cmd == "start" {
            self.tcti = std::fs::read_to_string(self.dir.join("tcti"))
                .unwrap()
                .trim()
                .to_owned();
            assert!(
                self.tcti.starts_with("swtpm:"),
                "unexpected TCTI {:?}",
                self.tcti
            );
        }
    }

    /// A file in the swtpm's directory (e.g. "ca/issuercert.pem").
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = swtpm_sh("stop", &self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
