//! moto's server for the live tests (tests/live.rs, Organizations,
//! throttling, pagination): start on a random loopback port, stop when dropped,
//! run seed scripts, run the binary with dummy credentials. Same conventions as
//! tests/live.rs; these tests FAIL (never pass silently) without `.venv-moto/`.
#![allow(dead_code)]
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{root, Run};

pub fn venv() -> PathBuf {
    let bin = root().join(".venv-moto/bin");
    assert!(
        bin.join("moto_server").is_file() && bin.join("python").is_file(),
        "moto is not installed: run `scripts/moto.sh setup` (it creates .venv-moto/ from PyPI; \
         `.ci/run` does this first). The live-collection tests cannot run without it."
    );
    bin
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let bin = venv();
        let port = free_port();
        let child = Command::new(bin.join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let mut moto = Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited: {status}");
            }
            assert!(Instant::now() < deadline, "moto_server did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Runs a Python script (a path under tests/moto/ or `-c` code) against this
    /// server with the management account's dummy credentials; returns its
    /// `name value` lines.
    pub fn python(&self, script: &[&str]) -> Vec<(String, String)> {
        let out = aws_env(Command::new(venv().join("python")))
            .args(script)
            .arg(&self.endpoint)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "seeding moto failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }
}

impl Moto {
    /// From now on moto authorises every call by the caller's IAM policies
    /// (its `/moto-api/reset-auth` with a count of 0 unauthorised actions).
    pub fn enforce_auth(&self) {
        use std::io::{Read, Write};
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(
            s,
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1\r\nConnection: close\r\n\r\n0"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "{answer}"
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn value(lines: &[(String, String)], name: &str) -> String {
    lines
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("the seed printed no {name}"))
}

/// Dummy credentials, and nothing from the developer's own AWS set-up.
pub fn aws_env(mut cmd: Command) -> Command {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/stopguard-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/stopguard-test/credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_MAX_ATTEMPTS")
        .env_remove("AWS_RETRY_MODE");
    cmd
}

pub fn run(args: &[&str], env: impl FnOnce(Command) -> Command) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stopguard"));
    cmd.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    let out = env(cmd).output().expect("run stopguard");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (rule, resource) of each finding of a `--format json` report.
pub fn findings(report: &str) -> Vec<(String, String)> {
    crate::common::json(report)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["resource"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// An AWS config and credentials file in `dir` with a profile `org` holding the
/// management account's dummy credentials (moto's default account), for
/// `--org-profile org`. Returns (config, credentials).
pub fn org_profile(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(&config, "[profile org]\nregion = us-east-1\n").unwrap();
    std::fs::write(
        &credentials,
        "[org]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    (config, credentials)
}
