//! Hostile input: every file here is built to hurt a parser or a reader. Each must
//! end in a clear error naming the file (exit 2), quickly, or be accepted where it
//! is merely unusual (a byte-order mark, CRLF line ends).
mod common;
use common::*;
use std::time::{Duration, Instant};

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn rejects(file: &str, extra: &[&str], needle: &str) {
    let started = Instant::now();
    let mut args = vec!["input", file];
    args.extend_from_slice(extra);
    let r = stopguard(&args);
    assert_eq!(r.code, 2, "{file}: {}", r.stdout);
    assert!(
        r.stderr.contains(needle),
        "{file}: expected {needle:?} in {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{file} took {:?}",
        started.elapsed()
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow_or_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let deep =
        |open: &str, close: &str| format!("{}{}", open.repeat(100_000), close.repeat(100_000));
    let j = write(
        dir.path(),
        "deep.json",
        format!("{{\"Statement\": {}}}", deep("[", "]")).as_bytes(),
    );
    rejects(&j, &[], "deep.json");
    let y = write(
        dir.path(),
        "deep.yaml",
        format!("Foo: {}\n", deep("[", "]")).as_bytes(),
    );
    rejects(&y, &[], "nesting deeper than 256 levels");
    // The per-file (conftest) path parses documents generically: same guard.
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/conftest/policy",
        &y,
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nesting deeper"), "{}", r.stderr);
    let jj = write(
        dir.path(),
        "deep2.json",
        format!("{{\"kind\": {}}}", deep("[", "]")).as_bytes(),
    );
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/conftest/policy",
        &jj,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("recursion limit exceeded"),
        "{}",
        r.stderr
    );
}

#[test]
fn yaml_alias_bombs_stop_at_the_repetition_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (x, y) in "bcdefghi".chars().zip("abcdefgh".chars()) {
        text.push_str(&format!(
            "{x}: &{x} [*{y},*{y},*{y},*{y},*{y},*{y},*{y},*{y},*{y}]\n"
        ));
    }
    let f = write(dir.path(), "laughs.yaml", text.as_bytes());
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/conftest/policy",
        &f,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("repetition limit exceeded"),
        "{}",
        r.stderr
    );
}

#[test]
fn gzip_bomb_stops_at_the_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, b"{\"SecurityGroups\":[").unwrap();
    std::io::Write::write_all(&mut enc, &vec![b' '; 20 * 1024 * 1024]).unwrap();
    std::io::Write::write_all(&mut enc, b"]}").unwrap();
    let f = write(dir.path(), "bomb.json.gz", &enc.finish().unwrap());
    rejects(
        &f,
        &["--max-input-mib", "5"],
        "larger than the 5 MiB input limit",
    );
}

#[test]
fn numbers_utf8_and_duplicate_keys() {
    let dir = tempfile::tempdir().unwrap();
    let big = write(dir.path(), "big.json", br#"{"SecurityGroups":[{"GroupId":"sg-1","IpPermissions":[{"IpProtocol":"tcp","FromPort":1e999}]}]}"#);
    rejects(&big, &[], "number out of range");
    let bad = write(
        dir.path(),
        "bad.json",
        b"{\"SecurityGroups\":[{\"GroupId\":\"sg-\xff\"}]}",
    );
    rejects(&bad, &[], "invalid UTF-8");
    // Duplicate top-level keys are refused, consistently, rather than one silently winning.
    let dup = write(
        dir.path(),
        "dup.json",
        br#"{"SecurityGroups":[], "SecurityGroups":[{"GroupId":"sg-9"}]}"#,
    );
    rejects(&dup, &[], "duplicate field `SecurityGroups`");
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let bom = write(
        dir.path(),
        "bom.json",
        b"\xef\xbb\xbf{\"SecurityGroups\":[{\"GroupId\":\"sg-1\"}]}\r\n",
    );
    let crlf = write(
        dir.path(),
        "crlf.yaml",
        b"SecurityGroups:\r\n  - GroupId: sg-2\r\n    GroupName: x\r\n",
    );
    let r = stopguard(&["input", &bom, &crlf]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["ec2"]["security_groups"].as_array().unwrap().len(), 2);
}

#[test]
fn terminal_escapes_in_account_data_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "sg.json",
        br#"{"SecurityGroups":[{"GroupId":"sg-\u001b[31mevil","GroupName":"x","IpPermissions":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}]}"#,
    );
    let r = stopguard(&["check", &f]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        !r.stdout.contains('\x1b'),
        "raw escape reached the terminal: {:?}",
        r.stdout
    );
    assert!(r.stdout.contains("sg-\\u{1b}[31mevil"), "{}", r.stdout);
    // JSON escapes it as JSON must.
    let r = stopguard(&["check", &f, "--format", "json"]);
    assert!(r.stdout.contains("sg-\\u001b[31mevil"), "{}", r.stdout);
}

#[test]
fn output_is_byte_identical_whatever_the_file_order() {
    let a = stopguard(&["check", "tests/fixtures/shapes", "--format", "json"]);
    let files = [
        "tests/fixtures/shapes/trails.json",
        "tests/fixtures/shapes/sg.json",
        "tests/fixtures/shapes/policy.yaml",
        "tests/fixtures/shapes/attr.json",
        "tests/fixtures/shapes/authz.json",
        "tests/fixtures/shapes/instances.json",
        "tests/fixtures/shapes/selectors.yaml",
        "tests/fixtures/shapes/trail-status.json",
    ];
    let mut args = vec!["check"];
    args.extend(files);
    args.extend(["--format", "json"]);
    let b = stopguard(&args);
    let strip = |s: &str| {
        let mut v = json(s);
        v["summary"]["inputs"] = serde_json::Value::Null;
        serde_json::to_string(&v).unwrap()
    };
    assert_eq!(strip(&a.stdout), strip(&b.stdout));
}
