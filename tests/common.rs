//! Helpers shared by the integration tests: run the real binary, capture everything.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn stopguard(args: &[&str]) -> Run {
    stopguard_in(&root(), args, None)
}

pub fn stopguard_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stopguard"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn stopguard");
    if let Some(data) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    finish(child.wait_with_output().expect("wait"))
}

pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

/// The findings of one rule in a JSON report.
pub fn findings_of<'v>(report: &'v serde_json::Value, rule: &str) -> Vec<&'v serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Removes every `file` key, so inputs read from different files compare equal.
pub fn strip_files(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("file");
            m.values_mut().for_each(strip_files);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_files),
        _ => {}
    }
}

/// Compares `got` with the snapshot file at `path` (`what` names it in a failure);
/// with STOPGUARD_UPDATE_SNAPSHOTS set, writes it instead.
pub fn assert_snapshot(path: &Path, got: &str, what: &str) {
    if std::env::var_os("STOPGUARD_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing {}; run with STOPGUARD_UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(got, want, "{what} differs from {}", path.display());
}
