//! Golden files for the diagnostics users see most: the whole rendered stderr of a
//! failing run, compared byte for byte. Run with STOPGUARD_UPDATE_SNAPSHOTS=1 to
//! rewrite them after an intended change, and review the diff.
mod common;
use common::*;

fn check(name: &str, args: &[&str]) {
    let r = stopguard(args);
    assert_eq!(r.code, 2, "{name}: expected an error\n{}", r.stdout);
    let root = root().display().to_string();
    let got = r.stderr.replace(&root, "<repo>");
    assert_snapshot(&root_path(name), &got, &format!("{name}: stderr"));
}

fn root_path(name: &str) -> std::path::PathBuf {
    root().join("tests/snapshots").join(format!("{name}.txt"))
}

#[test]
fn rego_syntax_error() {
    check(
        "rego_syntax_error",
        &[
            "check",
            "--no-builtin",
            "--policy",
            "tests/fixtures/policies/syntax",
            "tests/fixtures/shapes/sg.json",
        ],
    );
}

#[test]
fn unknown_function() {
    check(
        "unknown_function",
        &[
            "check",
            "--no-builtin",
            "--policy",
            "tests/fixtures/policies/unknown_fn",
            "tests/fixtures/shapes/sg.json",
        ],
    );
}

#[test]
fn missing_metadata() {
    check(
        "missing_metadata",
        &[
            "check",
            "--no-builtin",
            "--policy",
            "tests/fixtures/policies/nometa",
            "tests/fixtures/shapes/sg.json",
        ],
    );
}

#[test]
fn truncated_json_input() {
    check(
        "truncated_json_input",
        &["check", "tests/fixtures/bad/truncated.json"],
    );
}

#[test]
fn unknown_document_shape() {
    check(
        "unknown_document_shape",
        &["check", "tests/fixtures/bad/unknown-shape.json"],
    );
}
