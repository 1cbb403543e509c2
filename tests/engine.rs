//! The policy engine through the CLI: custom policies and their parameters, the
//! test runner, Rego errors as diagnostics, output formats and exit statuses.
mod common;
use common::*;

fn custom_check(extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/good",
        "tests/fixtures/shapes/authz.json",
    ];
    args.extend_from_slice(extra);
    stopguard(&args)
}

#[test]
fn custom_policy_uses_parameter_default_and_metadata() {
    let r = custom_check(&["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["summary"]["failed"], true);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "CUSTOM-001");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["title"], "Nobody named bob may stop instances");
    assert_eq!(f["resource"], "arn:aws:iam::123456789012:user/mallory");
    assert_eq!(f["message"], "mallory may stop instances");
    assert_eq!(f["remediation"], "Remove bob's access.");
}

#[test]
fn data_file_overrides_parameters_and_rejects_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("params.yaml");
    std::fs::write(&data, "forbidden_name: nobody\n").unwrap();
    let r = custom_check(&["--data", data.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("no findings"), "{}", r.stdout);

    std::fs::write(&data, "forbiden_name: typo\n").unwrap();
    let r = custom_check(&["--data", data.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown parameter \"forbiden_name\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("forbidden_name"), "{}", r.stderr);
}

#[test]
fn fail_on_threshold_decides_exit_status() {
    assert_eq!(custom_check(&["--fail-on", "critical"]).code, 0);
    assert_eq!(custom_check(&["--fail-on", "high"]).code, 1);
    let bad = custom_check(&["--fail-on", "urgent"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown severity"), "{}", bad.stderr);
}

#[test]
fn text_report_groups_by_rule_with_remediation() {
    let r = custom_check(&[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("CUSTOM-001 [high] Nobody named bob may stop instances (1 finding)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  - arn:aws:iam::123456789012:user/mallory"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("remediation:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("FAIL: findings at or above low"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let r = custom_check(&["--format", "json", "--output", out.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let v = json(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(v["summary"]["findings"], 1);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn failed_run_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let r = stopguard(&[
        "check",
        "tests/fixtures/bad/truncated.json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(!out.exists());
}

/// `-o` onto something that is not a regular file (a FIFO here, `/dev/null` or a
/// terminal in use) writes into it rather than renaming a file over it, and `-o`
/// through a symbolic link replaces the file it names, not the link.
#[cfg(unix)]
#[test]
fn output_to_a_fifo_or_through_a_link_keeps_them() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let check_into = |out: &std::path::Path| {
        stopguard(&[
            "check",
            "tests/fixtures/shapes/sg.json",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let r = check_into(&fifo);
    assert_ne!(r.code, 2, "{}", r.stderr);
    // Checked before the reader is joined: had the FIFO been replaced, nothing
    // would ever write to it and the reader would wait forever.
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    let report: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));

    let real_dir = dir.path().join("reports");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("report.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let r = check_into(&link);
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    assert_eq!(written, report);
}

#[test]
fn policy_syntax_error_points_at_file_line_column() {
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/syntax",
        "tests/fixtures/shapes/sg.json",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("broken.rego:6:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("msg := \"unterminated"),
        "source line shown: {}",
        r.stderr
    );
}

/// Policies compile while the inputs are read; when both are broken, the policy
/// error is the one reported (the input may well be fine once the policy is), and
/// per-file (conftest) policies, known from their text before they compile, still
/// get each file's document.
#[test]
fn policy_error_wins_over_input_error_and_per_file_policies_see_documents() {
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/syntax",
        "tests/fixtures/bad/truncated.json",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("broken.rego:6:"), "{}", r.stderr);
    assert!(!r.stderr.contains("truncated.json"), "{}", r.stderr);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.rego"),
        "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tsome g in input.SecurityGroups\n\tmsg := sprintf(\"group %s seen\", [g.GroupId])\n}\n",
    )
    .unwrap();
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "tests/fixtures/shapes/sg.json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r.stdout);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("group sg-") && m.ends_with(" seen")),
        "{messages:?}"
    );
}

#[test]
fn test_runner_reports_pass_fail_error_and_prints() {
    let r = stopguard(&["test", "tests/fixtures/policies/failing"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("PASS custom.failing_test.test_passes"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("FAIL custom.failing_test.test_fails"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("failing_test.rego:10: the value was 2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("ERROR custom.failing_test.test_errors"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 passed, 1 failed, 1 errors"),
        "{}",
        r.stdout
    );
}

#[test]
fn test_runner_filter_json_and_coverage() {
    let r = stopguard(&[
        "test",
        "tests/fixtures/policies/good",
        "--format",
        "json",
        "--coverage",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["summary"]["passed"], 2);
    let files = v["coverage"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "only the folder's own policy: {files:?}");
    assert!(files[0]["file"].as_str().unwrap().ends_with("no_bob.rego"));
    assert!(!files[0]["covered"].as_array().unwrap().is_empty());

    let r = stopguard(&["test", "tests/fixtures/policies/good", "--run", "alice"]);
    assert!(r.stdout.contains("1 passed, 0 failed"), "{}", r.stdout);
    let r = stopguard(&[
        "test",
        "tests/fixtures/policies/good",
        "--coverage",
        "--fail-under",
        "101",
    ]);
    assert_eq!(r.code, 1, "coverage can never reach 101%");
}

#[test]
fn policies_list_and_show_read_metadata() {
    let r = stopguard(&[
        "policies",
        "list",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/good",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("CUSTOM-001") && r.stdout.contains("high"),
        "{}",
        r.stdout
    );
    let r = stopguard(&[
        "policies",
        "show",
        "custom-001",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/good",
    ]);
    assert!(
        r.stdout.contains("forbidden_name: \"mallory\""),
        "{}",
        r.stdout
    );
    let r = stopguard(&[
        "policies",
        "show",
        "NOPE-1",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/good",
    ]);
    assert_eq!(r.code, 2);
}

#[test]
fn builtin_pack_tests_all_pass() {
    // Every built-in policy's Rego tests, through the same runner users get.
    let r = stopguard(&["test", "--format", "json"]);
    let v = json(&r.stdout);
    let failures: Vec<String> = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] != "pass")
        .map(|t| {
            format!(
                "{}.{}: {} {}",
                t["package"], t["name"], t["outcome"], t["error"]
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failing built-in tests:\n{}",
        failures.join("\n")
    );
    assert!(v["summary"]["passed"].as_u64().unwrap() >= 10);
    assert_eq!(r.code, 0);
}

#[test]
fn unknown_function_is_reported_at_load_time() {
    // The rule body fails before reaching the call on this input, so only a
    // load-time check can catch it.
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/unknown_fn",
        "tests/fixtures/shapes/sg.json",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("ub.rego:12:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Unknown function: 'foo.bar'"),
        "{}",
        r.stderr
    );
}

#[test]
fn extension_functions_run_on_the_interpreter() {
    // net.cidr_intersects is ours (regorus lacks it); the pack falls back to the
    // interpreter and still gets findings.
    let dir = tempfile::tempdir().unwrap();
    let sg = dir.path().join("sg.json");
    std::fs::write(
        &sg,
        r#"{"SecurityGroups":[{"GroupId":"sg-1","GroupName":"a","IpPermissions":[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"IpRanges":[{"CidrIp":"10.20.0.0/16"}]}]},
                              {"GroupId":"sg-2","GroupName":"b","IpPermissions":[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"IpRanges":[{"CidrIp":"192.168.0.0/16"}]}]}]}"#,
    )
    .unwrap();
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/cidr",
        sg.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["findings"][0]["resource"], "sg-1");
}

#[test]
fn runaway_policy_is_stopped_by_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.rego"),
        "# METADATA\n# title: Spin\n# custom:\n#   id: SPIN-1\n#   severity: low\npackage spin\n\nimport rego.v1\n\ndeny contains n if {\n\tsome n in numbers.range(1, 2000000)\n\tsome m in numbers.range(1, 2000000)\n\tn == m + 3000000\n}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        dir.path().to_str().unwrap(),
        "tests/fixtures/shapes/sg.json",
        "--policy-timeout",
        "1",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("spin.rego") && r.stderr.contains("time limit"),
        "{}",
        r.stderr
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "stopped well before running to completion"
    );
}

#[test]
fn conftest_policies_judge_each_file_unchanged() {
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/conftest/policy",
        "tests/fixtures/conftest/inputs",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    let deny = findings.iter().find(|f| f["kind"] == "deny").unwrap();
    assert_eq!(deny["message"], "deployment web must run as non-root");
    assert!(deny["file"].as_str().unwrap().ends_with("deploy.yaml"));
    assert_eq!(deny["rule"], "main");
    let warn = findings.iter().find(|f| f["kind"] == "warn").unwrap();
    assert_eq!(warn["message"], "fewer than 2 replicas");
    // A warning alone never fails the build.
    let only_warn = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/conftest/policy",
        "tests/fixtures/conftest/inputs/sg.json",
    ]);
    assert_eq!(only_warn.code, 0, "{}", only_warn.stdout);
}

#[test]
fn contract_policies_need_metadata_and_a_matching_file_name() {
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/nometa",
        "tests/fixtures/shapes/sg.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("bare.rego: policy lacks a # METADATA block"),
        "{}",
        r.stderr
    );
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        "tests/fixtures/policies/mismatch",
        "tests/fixtures/shapes/sg.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("package custom.right_name does not match the file name wrong_name"),
        "{}",
        r.stderr
    );
}

#[test]
fn scaffolded_policy_passes_its_own_test_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("org").join("ops_only_stop");
    let r = stopguard(&["new", "policy", target.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("CUSTOM-001"), "{}", r.stdout);
    let folder = dir.path().join("org");
    let t = stopguard(&["test", folder.to_str().unwrap()]);
    assert_eq!(t.code, 0, "{}{}", t.stdout, t.stderr);
    assert!(
        t.stdout.contains("2 passed, 0 failed, 0 errors"),
        "{}",
        t.stdout
    );
    // A second policy gets the next id; the pair loads without a duplicate-id error.
    let r = stopguard(&["new", "policy", folder.join("second").to_str().unwrap()]);
    assert!(r.stdout.contains("CUSTOM-002"), "{}", r.stdout);
    let c = stopguard(&[
        "check",
        "--policy",
        folder.to_str().unwrap(),
        "tests/fixtures/shapes/authz.json",
        "--format",
        "json",
    ]);
    let v = json(&c.stdout);
    let custom = findings_of(&v, "CUSTOM-001").len();
    assert_eq!(
        custom, 1,
        "mallory is the one user who may stop: {}",
        c.stdout
    );
    // Never overwrites.
    let again = stopguard(&["new", "policy", target.to_str().unwrap()]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"));
    let bad = stopguard(&["new", "policy", "Bad-Name"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn guide_example_policies_pass_their_tests_and_run() {
    // docs/writing-policies.md walks through examples/custom-policies: keep it green.
    let r = stopguard(&["test", "examples/custom-policies", "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = json(&r.stdout);
    assert!(
        v["summary"]["passed"].as_u64().unwrap() >= 2,
        "{}",
        r.stdout
    );
    assert_eq!(v["summary"]["failed"], 0);
    assert_eq!(v["summary"]["errors"], 0);
    // The command the guide shows: custom defaults merge with the built-in ones,
    // and examples/data.yaml (built-in parameters only) is accepted beside them.
    let c = stopguard(&[
        "check",
        "examples/account",
        "--policy",
        "examples/custom-policies",
        "--data",
        "examples/data.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(c.code, 1, "{}", c.stderr);
    let v = json(&c.stdout);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "ORG-001"),
        "{}",
        c.stdout
    );
}

/// The input leaves out sections no loaded policy reads (a speed-up for large
/// accounts); a custom policy that reads one, directly or by passing `input` whole,
/// still gets it, beside the built-in pack that does not read it.
#[test]
fn sections_a_custom_policy_reads_are_in_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let policy = |name: &str, id: &str, body: &str| {
        format!(
            "# METADATA\n# title: {name}\n# custom:\n#   id: {id}\n#   severity: low\n#   remediation: none\npackage custom.{name}\n\nimport rego.v1\n\n{body}\n"
        )
    };
    std::fs::write(
        dir.path().join("users.rego"),
        policy(
            "users",
            "CUSTOM-101",
            "deny contains {\"msg\": u.name, \"resource\": u.arn} if {\n\tsome u in input.iam.users\n}",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("whole.rego"),
        policy(
            "whole",
            "CUSTOM-102",
            "deny contains {\"msg\": r.name, \"resource\": r.arn} if {\n\tsome r in roles(input)\n}\n\nroles(doc) := doc[\"iam\"][\"roles\"]",
        ),
    )
    .unwrap();
    let r = stopguard(&[
        "check",
        "--policy",
        dir.path().to_str().unwrap(),
        "tests/fixtures/shapes/authz.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let by_rule = |rule: &str| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["resource"].as_str().unwrap().to_string())
            .collect()
    };
    let input = json(&stopguard(&["input", "tests/fixtures/shapes/authz.json"]).stdout);
    let arns = |key: &str| -> Vec<String> {
        let mut a: Vec<String> = input["iam"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["arn"].as_str().unwrap().to_string())
            .collect();
        a.sort();
        a
    };
    assert!(!arns("users").is_empty() && !arns("roles").is_empty());
    assert_eq!(by_rule("CUSTOM-101"), arns("users"));
    assert_eq!(by_rule("CUSTOM-102"), arns("roles"));
    // The built-in pack ran beside them, on the same input.
    assert!(!by_rule("IAM-001").is_empty(), "{}", r.stdout);
}

/// regorus's bytecode VM evaluates `p[k] contains v` as a flat set; a policy set
/// using such a rule runs on the interpreter, so `check` agrees with `test` (and OPA).
#[test]
fn keyed_multi_value_rules_get_opas_answer_under_check() {
    let dir = "tests/fixtures/policies/keyed-set";
    let t = stopguard(&["test", dir]);
    assert_eq!(t.code, 0, "{}{}", t.stdout, t.stderr);
    let r = stopguard(&[
        "check",
        "--no-builtin",
        "--policy",
        dir,
        "tests/fixtures/shapes/authz.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let mut got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, ["a has 2", "b has 1"]);
}

/// The input's derived IAM fields (`policy.id` and `location` of each statement;
/// `location`, `policy_ids`, `policy_names` and `condition_texts` of each access)
/// are what lib/iam.rego's helpers compute from the
/// other fields: the built-in pack reads the fields, hand-written test inputs get
/// them from the helpers (`iam.derived_access`). A fixture policy reports every
/// disagreement, on the VM that `check` uses, over inputs with and without lines,
/// and a `warn` says how much it compared.
#[test]
fn derived_input_fields_agree_with_the_library() {
    let mut compared = (0, 0, 0);
    for input in [
        "examples/account",
        "examples/policy-files",
        "examples/ci/web-stack.yaml",
        "examples/ci/plan.json",
        "tests/fixtures/iac",
        // Grants from four policies, two of one name, under open conditions
        // with several values each.
        "tests/fixtures/summaries",
    ] {
        let r = stopguard(&[
            "check",
            input,
            "--policy",
            "tests/fixtures/policies/derived-fields",
            "--format",
            "json",
        ]);
        assert!(r.code <= 1, "{input}: {}", r.stderr);
        let v = json(&r.stdout);
        let ours = findings_of(&v, "TST-900");
        let (warns, denies): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
            ours.iter().partition(|f| f["kind"] == "warn");
        assert!(denies.is_empty(), "{input}: {denies:#?}");
        assert_eq!(warns.len(), 1, "{input}: {ours:#?}");
        // "compared N statements (P with a line) and A accesses"
        let numbers: Vec<usize> = warns[0]["message"]
            .as_str()
            .unwrap()
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        assert_eq!(numbers.len(), 3, "{input}: {}", warns[0]["message"]);
        compared.0 += numbers[0];
        compared.1 += numbers[1];
        compared.2 += numbers[2];
    }
    let (statements, placed, accesses) = compared;
    assert!(
        statements >= 20 && placed >= 5 && accesses >= 10,
        "{compared:?}"
    );
}

/// The built-in pack gives the same findings on regorus's VM (what `check` uses)
/// as on its interpreter (what `stopguard test` uses, and the one that follows
/// OPA where the VM has gaps). Among the VM's gaps in 0.14.1: a comprehension
/// without iteration whose body fails makes the enclosing rule body fail, where
/// OPA yields an empty collection. A policy of the pack written that way would
/// pass its tests and lose findings under `check`; this compares the two on the
/// examples.
#[test]
fn the_pack_finds_the_same_on_the_vm_and_the_interpreter() {
    for input in [
        "examples/account",
        "examples/policy-files",
        "examples/ci/web-stack.yaml",
        "examples/ci/plan.json",
        "examples/trail-stopped",
    ] {
        let vm = stopguard(&["check", input, "--format", "json"]);
        let interpreted = stopguard(&[
            "check",
            input,
            "--policy",
            "tests/fixtures/policies/interpreter",
            "--format",
            "json",
        ]);
        assert!(
            vm.code <= 1 && interpreted.code <= 1,
            "{input}: {}{}",
            vm.stderr,
            interpreted.stderr
        );
        let (a, b) = (json(&vm.stdout), json(&interpreted.stdout));
        assert!(a["summary"]["findings"].as_u64().unwrap() > 0, "{input}");
        let (a, b) = (
            a["findings"].as_array().unwrap(),
            b["findings"].as_array().unwrap(),
        );
        let first = a.iter().zip(b).position(|(x, y)| x != y);
        assert!(
            first.is_none() && a.len() == b.len(),
            "{input}: {} findings on the VM, {} on the interpreter; first difference at {first:?}: {:?}",
            a.len(),
            b.len(),
            first.map(|i| (&a[i]["message"], &b[i]["message"]))
        );
    }
}

/// `STOPGUARD_TIMINGS=1` breaks a check down by phase on stderr, each phase with
/// its wall and CPU time, resident and peak memory, and page faults, then says
/// how the heap was set up and how much of it is in huge pages; the report on
/// stdout is the same as without it, and without it nothing is printed.
#[test]
fn timings_break_a_check_down_by_phase_on_stderr_only() {
    let run = |timings: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_stopguard"));
        cmd.args(["check", "examples/account", "--format", "json"])
            .current_dir(root())
            .env_remove("STOPGUARD_TIMINGS");
        if timings {
            cmd.env("STOPGUARD_TIMINGS", "1");
        }
        let out = cmd.output().expect("run stopguard");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(true);
    let (plain_code, plain_stdout, plain_stderr) = run(false);
    assert_eq!(code, plain_code);
    assert_eq!(stdout, plain_stdout, "the timings stay off stdout");
    assert!(!plain_stderr.contains("timing:"), "{plain_stderr}");
    let mut phases: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("timing: "))
        .collect();
    // Last, how the heap was set up (`stopguard::heap`).
    let heap = phases.pop().unwrap_or_default();
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p.split("  ").next().unwrap_or_default().trim())
        .collect();
    assert_eq!(
        names,
        [
            "load policies and inputs",
            "iam analysis",
            "build input",
            "evaluate",
            "report"
        ],
        "{stderr}"
    );
    for phase in &phases {
        let words: Vec<&str> = phase.split_whitespace().collect();
        for (label, unit) in [
            ("cpu", "ms"),
            ("rss", "MiB"),
            ("peak", "MiB"),
            ("faults", ""),
        ] {
            let at = words
                .iter()
                .position(|w| *w == label)
                .unwrap_or_else(|| panic!("no {label} in {phase:?}"));
            let value = words.get(at + 1).copied().unwrap_or_default();
            assert!(
                value.parse::<f64>().is_ok(),
                "{label} is not a number in {phase:?}"
            );
            if !unit.is_empty() {
                assert_eq!(words.get(at + 2).copied(), Some(unit), "{phase:?}");
            }
        }
    }
    // The load touches fresh memory: its page faults are counted (where the
    // process can count them).
    let load_faults: u64 = phases[0]
        .split_whitespace()
        .skip_while(|w| *w != "faults")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(!cfg!(unix) || load_faults > 0, "{}", phases[0]);
    // The heap: huge pages at its start where the kernel can keep them to the
    // advised region (Linux 6.18), and then some are in use by the end unless
    // the system turns them off; none anywhere otherwise.
    let (set_up, huge) = heap.split_once("; huge ").unwrap_or_default();
    let huge_at_end: u64 = huge
        .strip_suffix(" MiB at the end")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no huge-page memory in {heap:?}"));
    let system_thp =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    match set_up {
        "heap: huge pages advised at its start" => {
            if !system_thp.is_empty() && !system_thp.contains("[never]") {
                assert!(huge_at_end > 0, "{stderr}");
            }
        }
        "heap: no huge pages" => assert_eq!(huge_at_end, 0, "{stderr}"),
        // Elsewhere than Linux the binary leaves the heap to the allocator.
        "heap: as the allocator sets it up" if !cfg!(target_os = "linux") => {}
        other => panic!("not a heap set-up: {other:?}\n{stderr}"),
    }
}
