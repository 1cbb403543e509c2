//! Golden files for every output format on one fixed input (the CI walkthrough's
//! template and plan), and the SARIF checked by the official SARIF Multitool.
//! Run with STOPGUARD_UPDATE_SNAPSHOTS=1 to rewrite the golden files after an
//! intended change, and review the diff.
mod common;
use common::*;

const INPUTS: &[&str] = &["examples/ci/web-stack.yaml", "examples/ci/plan.json"];

/// The report with what changes between builds scrubbed: the tool's version.
fn report(format: &str) -> String {
    let mut args = vec!["check", "--format", format];
    args.extend_from_slice(INPUTS);
    let r = stopguard(&args);
    assert_eq!(r.code, 1, "{format}: {}", r.stderr);
    r.stdout
        .replace(env!("CARGO_PKG_VERSION"), "<version>")
        .replace(&root().display().to_string(), "<repo>")
}

fn golden(format: &str, ext: &str) {
    let got = report(format);
    let path = root().join(format!("tests/snapshots/report.{ext}"));
    assert_snapshot(&path, &got, &format!("{format} output"));
}

#[test]
fn text_golden() {
    golden("text", "txt");
}

#[test]
fn json_golden() {
    golden("json", "json");
}

#[test]
fn sarif_golden() {
    golden("sarif", "sarif");
}

#[test]
fn junit_golden() {
    golden("junit", "xml");
}

#[test]
fn github_golden() {
    golden("github", "github.txt");
}

/// The Multitool that scripts/test.sh installs into .tools/ (npm package
/// @microsoft/sarif-multitool-linux).
fn multitool() -> Option<std::path::PathBuf> {
    let base = root().join(".tools/node_modules/@microsoft/sarif-multitool-linux");
    ["Sarif.Multitool", "bin/Sarif.Multitool"]
        .iter()
        .map(|p| base.join(p))
        .find(|p| p.is_file())
}

#[test]
fn sarif_passes_the_official_multitool_validation() {
    let Some(tool) = multitool() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the SARIF Multitool is missing: scripts/test.sh installs it into .tools/"
        );
        eprintln!(
            "\n*** SKIPPED: SARIF Multitool not installed; run `bash scripts/test.sh` (or \
             `npm install --prefix .tools @microsoft/sarif-multitool-linux`) to validate SARIF ***\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("report.sarif");
    let out = dir.path().join("validation.sarif");
    let mut args = vec!["check", "--format", "sarif", "--output"];
    let sarif_arg = sarif.display().to_string();
    args.push(&sarif_arg);
    args.extend_from_slice(INPUTS);
    assert_eq!(stopguard(&args).code, 1);
    let schema = tool.parent().unwrap().join("sarif-2.1.0.json");
    let run = std::process::Command::new(&tool)
        .args(["validate", "--log", "ForceOverwrite", "--json-schema"])
        .arg(&schema)
        .arg("--output")
        .arg(&out)
        .arg(&sarif)
        // The Multitool is a .NET program; without ICU it must be told to do without.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("run Sarif.Multitool");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "Multitool failed:\n{stdout}\n{stderr}"
    );
    // The validation log is itself SARIF: its results are the problems found, and
    // schema violations and rule errors have level "error".
    let log = json(&std::fs::read_to_string(&out).unwrap());
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let errors: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["level"] == "error").collect();
    assert!(
        errors.is_empty(),
        "Multitool reported errors:\n{}\n{stdout}",
        serde_json::to_string_pretty(&errors).unwrap()
    );
    assert!(stdout.contains("1 files scanned"), "{stdout}");
}
