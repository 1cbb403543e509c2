//! Every accepted input shape loads into the documented Rego input, and every kind
//! of bad input is a clear diagnostic with exit status 2, never a panic.
mod common;
use common::*;

fn input_of(args: &[&str]) -> serde_json::Value {
    let mut full = vec!["input"];
    full.extend_from_slice(args);
    let r = stopguard(&full);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    json(&r.stdout)
}

#[test]
fn authorization_details_with_urlencoded_documents_and_groups() {
    let v = input_of(&[&fixture("shapes/authz.json")]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["account_id"], "123456789012");
    assert_eq!(v["supplied"]["iam"], true);
    assert_eq!(v["supplied"]["trails"], false);
    let access = v["iam"]["stop_access"].as_array().unwrap();
    let arns: Vec<&str> = access.iter().map(|a| a["arn"].as_str().unwrap()).collect();
    // victor has ReadOnlyAccess only, which is not in the export: he cannot.
    assert_eq!(
        arns,
        [
            "arn:aws:iam::123456789012:role/service/scheduler",
            "arn:aws:iam::123456789012:user/mallory"
        ]
    );
    // The URL-encoded inline policy was decoded; its tag condition makes it conditional.
    assert_eq!(access[0]["access"], "conditional");
    assert_eq!(
        access[0]["grants"][0]["open_conditions"][0]["key"],
        "ec2:ResourceTag/Schedule"
    );
    // mallory: an unconditional inline grant, so no MFA needed.
    assert_eq!(access[1]["access"], "allowed");
    assert_eq!(access[1]["mfa_required"], false);
    // The group's managed policy counts through its default version (v2, with MFA), not v1.
    let group_grant = access[1]["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["policy"]["kind"] == "group-managed")
        .unwrap();
    assert_eq!(
        group_grant["policy"]["via"],
        "arn:aws:iam::123456789012:group/ops"
    );
    assert_eq!(
        group_grant["conditions"][0]["key"],
        "aws:MultiFactorAuthPresent"
    );
    // An AWS managed policy attached to nothing is not "in use".
    let statements = v["iam"]["stop_statements"].as_array().unwrap();
    assert!(
        statements
            .iter()
            .all(|s| s["policy"]["name"] != "AmazonEC2FullAccess"),
        "{statements:?}"
    );
    assert_eq!(statements.len(), 3);
}

#[test]
fn ec2_shapes_bind_stop_protection_and_region() {
    let v = input_of(&[
        &fixture("shapes/sg.json"),
        &fixture("shapes/instances.json"),
        &fixture("shapes/attr.json"),
    ]);
    let sgs = v["ec2"]["security_groups"].as_array().unwrap();
    assert_eq!(sgs.len(), 2);
    assert_eq!(sgs[0]["ingress"][0]["ipv4_ranges"][0], "0.0.0.0/0");
    assert_eq!(sgs[0]["ingress"][0]["from_port"], 22);
    // The region comes from SecurityGroupArn; a group without one keeps region null.
    assert_eq!(
        sgs[0]["arn"],
        "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0bastion"
    );
    assert_eq!(sgs[0]["region"], "us-east-1");
    assert!(sgs[1]["arn"].is_null());
    assert!(sgs[1]["region"].is_null());
    let i = &v["ec2"]["instances"][0];
    assert_eq!(i["id"], "i-0prod");
    assert_eq!(i["region"], "eu-west-1");
    assert_eq!(i["stop_protection"], false);
    assert_eq!(i["tags"]["Environment"], "prod");
}

#[test]
fn gzip_input_is_read_like_plain() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("sg.json.gz");
    let raw = std::fs::read(fixture("shapes/sg.json")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &raw).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let v = input_of(&[gz.to_str().unwrap()]);
    assert_eq!(v["ec2"]["security_groups"].as_array().unwrap().len(), 2);
}

#[test]
fn stdin_is_sniffed() {
    let raw = std::fs::read(fixture("shapes/sg.json")).unwrap();
    let r = stopguard_in(&root(), &["input", "-"], Some(&raw));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        json(&r.stdout)["ec2"]["security_groups"][1]["id"],
        "sg-0web"
    );
}

#[test]
fn trail_status_and_yaml_selectors_bind_to_the_only_trail() {
    let v = input_of(&[
        &fixture("shapes/trails.json"),
        &fixture("shapes/trail-status.json"),
        &fixture("shapes/selectors.yaml"),
    ]);
    let t = &v["cloudtrail"]["trails"][0];
    assert_eq!(t["logging"], true);
    assert_eq!(t["multi_region"], true);
    assert_eq!(t["event_selectors"][0]["read_write_type"], "ReadOnly");
    assert_eq!(v["supplied"]["trails"], true);
}

#[test]
fn policy_file_statements_carry_lines() {
    let v = input_of(&[&fixture("shapes/policy.yaml")]);
    let s = &v["iam"]["stop_statements"][0];
    assert_eq!(s["policy"]["kind"], "file");
    assert_eq!(s["sid"], "StopAll");
    assert_eq!(s["line"], 7);
    assert_eq!(s["matched_actions"][0], "ec2:*");
}

#[test]
fn snapshot_round_trip_keeps_the_input() {
    // A snapshot is the model serialised; reading it back must give the same input.
    let files = [
        fixture("shapes/authz.json"),
        fixture("shapes/sg.json"),
        fixture("shapes/trails.json"),
    ];
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let direct = input_of(&args);
    let account = stopguard::load::load_paths(
        &files
            .iter()
            .map(std::path::PathBuf::from)
            .collect::<Vec<_>>(),
        &Default::default(),
    )
    .unwrap();
    let snap = stopguard::model::Snapshot {
        stopguard_snapshot: stopguard::model::SNAPSHOT_VERSION,
        tool_version: "test".into(),
        collected_at: None,
        regions: vec![],
        account,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.json");
    std::fs::write(&path, serde_json::to_string(&snap).unwrap()).unwrap();
    let mut from_snap = input_of(&[path.to_str().unwrap()]);
    let mut direct = direct;
    // Only the file names differ.
    strip_files(&mut from_snap);
    strip_files(&mut direct);
    assert_eq!(from_snap, direct);
}

fn expect_error(args: &[&str], needles: &[&str]) {
    let r = stopguard(args);
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "expected {n:?} in:\n{}", r.stderr);
    }
}

#[test]
fn truncated_json_names_file_and_line() {
    expect_error(
        &["check", &fixture("bad/truncated.json")],
        &[
            "truncated.json",
            "not valid JSON",
            "EOF while parsing",
            "line 4",
        ],
    );
}

#[test]
fn empty_binary_unknown_and_yaml_errors() {
    expect_error(
        &["check", &fixture("bad/empty.json")],
        &["empty.json is empty"],
    );
    expect_error(
        &["check", &fixture("bad/binary.json")],
        &["binary.json is not a text file"],
    );
    expect_error(
        &["check", &fixture("bad/unknown-shape.json")],
        &["unrecognised document", "get-account-authorization-details"],
    );
    expect_error(
        &["check", &fixture("bad/broken.yaml")],
        &["broken.yaml", "not valid YAML", "line 4"],
    );
}

#[test]
fn unknown_file_in_folder_is_an_error_not_a_skip() {
    expect_error(
        &["check", &fixture("bad/folder")],
        &["notes.txt", "unsupported file type"],
    );
}

#[test]
fn missing_path_and_unbound_trail_status() {
    expect_error(
        &["check", "/nonexistent/stopguard-input.json"],
        &["cannot read", "stopguard-input.json"],
    );
    expect_error(
        &["check", &fixture("bad/status-alone.json")],
        &["does not say which trail"],
    );
}

#[test]
fn several_bad_files_are_reported_together() {
    let r = stopguard(&[
        "check",
        &fixture("bad/empty.json"),
        &fixture("bad/binary.json"),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("empty.json") && r.stderr.contains("binary.json"),
        "{}",
        r.stderr
    );
}

/// `check` leaves out, while loading, the IAM statements that apply neither to
/// ec2:StopInstances nor to sts:AssumeRole (most of a large export). What its
/// policies see must be exactly the analysis of the whole export, as `stopguard
/// input` (which keeps every statement) builds it: the same principals, grants,
/// role chains and statement indexes as written.
#[test]
fn check_sees_the_same_iam_analysis_as_the_unpruned_input() {
    let dir = tempfile::tempdir().unwrap();
    let export = serde_json::json!({
        "UserDetailList": [
            {"UserName": "alice", "UserId": "AIDAALICE", "Path": "/",
             "Arn": "arn:aws:iam::123456789012:user/alice", "GroupList": [],
             "AttachedManagedPolicies": [],
             "UserPolicyList": [{"PolicyName": "mixed", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                    {"Effect": "Deny", "Action": ["logs:*"], "Resource": "*"},
                    {"Sid": "Third", "Effect": "Allow", "Action": "ec2:Stop*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "ec2:StopInstances", "Resource": "*",
                     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
                ]}}]},
            {"UserName": "bob", "UserId": "AIDABOB", "Path": "/",
             "Arn": "arn:aws:iam::123456789012:user/bob", "GroupList": [],
             "AttachedManagedPolicies": [],
             "UserPolicyList": [{"PolicyName": "hop", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"},
                    {"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Resource": "arn:aws:iam::123456789012:role/ops"}
                ]}}]},
            {"UserName": "carol", "UserId": "AIDACAROL", "Path": "/",
             "Arn": "arn:aws:iam::123456789012:user/carol", "GroupList": [],
             "AttachedManagedPolicies": [],
             "UserPolicyList": [{"PolicyName": "all-but-iam", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
                    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
                ]}}]}
        ],
        "GroupDetailList": [],
        "RoleDetailList": [
            {"RoleName": "ops", "RoleId": "AROAOPS", "Path": "/",
             "Arn": "arn:aws:iam::123456789012:role/ops",
             "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRoleWithWebIdentity"},
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                 "Action": "sts:AssumeRole"}
             ]},
             "RolePolicyList": [], "Tags": [],
             "AttachedManagedPolicies": [{"PolicyName": "ops-stop",
                "PolicyArn": "arn:aws:iam::123456789012:policy/ops-stop"}]}
        ],
        "Policies": [
            {"PolicyName": "ops-stop", "PolicyId": "ANPAOPS", "Path": "/",
             "Arn": "arn:aws:iam::123456789012:policy/ops-stop",
             "DefaultVersionId": "v2", "AttachmentCount": 1, "IsAttachable": true,
             "PolicyVersionList": [
                {"VersionId": "v2", "IsDefaultVersion": true, "Document": {
                    "Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"},
                        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"},
                        {"Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:StopInstances"],
                         "Resource": "arn:aws:ec2:*:123456789012:instance/*"}
                    ]}},
                {"VersionId": "v1", "IsDefaultVersion": false, "Document": {
                    "Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*"}
                    ]}}
             ]}
        ]
    });
    let file = dir.path().join("iam.json");
    std::fs::write(&file, export.to_string()).unwrap();
    let policies = dump_policy(dir.path());
    for inputs in [
        vec![file.to_str().unwrap().to_string()],
        vec![root().join("examples/account").display().to_string()],
    ] {
        let whole = input_of(&inputs.iter().map(String::as_str).collect::<Vec<_>>());
        assert_check_sees(&policies, &inputs, &whole);
    }
    // The statements left out are really left out of nothing: alice's grant is the
    // third statement as written, bob reaches the stop action through the role.
    let whole = input_of(&[file.to_str().unwrap()]);
    let access = whole["iam"]["stop_access"].as_array().unwrap();
    let alice = access.iter().find(|a| a["name"] == "alice").unwrap();
    assert_eq!(alice["grants"][0]["statement_index"], 2);
    assert_eq!(alice["denials"][0]["statement_index"], 3);
    let bob = access.iter().find(|a| a["name"] == "bob").unwrap();
    assert_eq!(bob["via"][1], "arn:aws:iam::123456789012:role/ops");
    assert!(access.iter().any(|a| a["name"] == "carol"));
}

/// A policy folder whose one policy reports the IAM analysis it was given.
fn dump_policy(dir: &std::path::Path) -> std::path::PathBuf {
    let policies = dir.join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("dump.rego"),
        "# METADATA\n# title: dump\n# custom:\n#   id: DUMP-1\n#   severity: low\n#   remediation: none\npackage custom.dump\n\nimport rego.v1\n\ndeny contains {\"msg\": \"analysis\", \"resource\": \"iam\", \"details\": {\"access\": input.iam.stop_access, \"statements\": input.iam.stop_statements}} if true\n",
    )
    .unwrap();
    policies
}

/// `check` with the dump policy reports exactly `whole`'s IAM analysis.
fn assert_check_sees(policies: &std::path::Path, inputs: &[String], whole: &serde_json::Value) {
    let mut args = vec![
        "check",
        "--no-builtin",
        "--policy",
        policies.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend(inputs.iter().map(String::as_str));
    let r = stopguard(&args);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = json(&r.stdout);
    let details = &report["findings"][0]["details"];
    assert!(
        !whole["iam"]["stop_access"].as_array().unwrap().is_empty(),
        "the input should grant the stop action to someone"
    );
    assert_eq!(details["access"], whole["iam"]["stop_access"], "{inputs:?}");
    assert_eq!(
        details["statements"], whole["iam"]["stop_statements"],
        "{inputs:?}"
    );
}

/// An export of `users` users and as many roles, each with a few inline statements
/// (one in five granting the stop action, one in seven a role to assume) and tags:
/// several MiB of JSON.
fn large_export(users: usize) -> serde_json::Value {
    let statements = |i: usize| {
        let mut s = vec![
            serde_json::json!({"Sid": format!("Read{i}"), "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [format!("arn:aws:s3:::bucket-{i}"), format!("arn:aws:s3:::bucket-{i}/*")],
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}),
            serde_json::json!({"Effect": "Deny", "Action": "logs:DeleteLogGroup", "Resource": "*"}),
        ];
        if i % 5 == 0 {
            s.push(serde_json::json!({"Effect": "Allow", "Action": "ec2:Stop*",
                "Resource": format!("arn:aws:ec2:*:123456789012:instance/i-{i:08x}")}));
        }
        if i % 7 == 0 {
            s.push(
                serde_json::json!({"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": format!("arn:aws:iam::123456789012:role/r-{}", i + 1)}),
            );
        }
        serde_json::json!({"Version": "2012-10-17", "Statement": s})
    };
    let tags = |i: usize| serde_json::json!([{"Key": "Team", "Value": format!("team-{}", i % 13)}]);
    let users: Vec<serde_json::Value> = (0..users)
        .map(|i| serde_json::json!({
            "UserName": format!("user-{i}"), "UserId": format!("AIDA{i:016}"), "Path": "/",
            "Arn": format!("arn:aws:iam::123456789012:user/user-{i}"),
            "GroupList": [], "AttachedManagedPolicies": [], "Tags": tags(i),
            "UserPolicyList": [{"PolicyName": format!("inline-{i}"), "PolicyDocument": statements(i)}]}))
        .collect();
    let roles: Vec<serde_json::Value> = (0..users.len())
        .map(|i| serde_json::json!({
            "RoleName": format!("r-{i}"), "RoleId": format!("AROA{i:016}"), "Path": "/",
            "Arn": format!("arn:aws:iam::123456789012:role/r-{i}"), "Tags": tags(i),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                 "Action": "sts:AssumeRole"}]},
            "AttachedManagedPolicies": [],
            "RolePolicyList": [{"PolicyName": format!("role-inline-{i}"), "PolicyDocument": statements(i + 3)}]}))
        .collect();
    serde_json::json!({"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": roles,
        "Policies": [], "IsTruncated": false})
}

/// A large export is mapped rather than read into a buffer, and its lists are split
/// into elements that are parsed on every core. What comes out is what the same
/// data gives when read as YAML (parsed in one piece, element after element), an
/// error in one element is reported at its line and column in the file, and a
/// large file is still checked for being binary or not UTF-8.
#[test]
fn large_exports_load_like_small_ones() {
    let dir = tempfile::tempdir().unwrap();
    let export = large_export(6000);
    let text = serde_json::to_string_pretty(&export).unwrap();
    assert!(
        text.len() > 4 << 20,
        "only {} bytes: not large enough",
        text.len()
    );
    let big = dir.path().join("big.json");
    std::fs::write(&big, &text).unwrap();
    let yaml = dir.path().join("big.yaml");
    std::fs::write(&yaml, yaml_serde::to_string(&export).unwrap()).unwrap();

    let mut from_json = input_of(&[big.to_str().unwrap()]);
    let mut from_yaml = input_of(&[yaml.to_str().unwrap()]);
    strip_files(&mut from_json);
    strip_files(&mut from_yaml);
    assert_eq!(
        from_json["iam"]["users"].as_array().map(Vec::len),
        Some(6000)
    );
    assert_eq!(from_json, from_yaml);
    let whole = input_of(&[big.to_str().unwrap()]);
    let policies = dump_policy(dir.path());
    assert_check_sees(&policies, &[big.display().to_string()], &whole);

    // A wrong type deep inside the roles list is reported where it is in the file:
    // serde_json places a type error after the value, four characters on here.
    let needle = "\"RoleName\": \"r-4321\"";
    let at = text.find(needle).expect("role r-4321 in the export");
    let line = text[..at].matches('\n').count() + 1;
    let value_column =
        at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1 + "\"RoleName\": ".len();
    let broken = text.replacen(needle, "\"RoleName\": 4321", 1);
    std::fs::write(&big, &broken).unwrap();
    let r = stopguard(&["check", big.to_str().unwrap()]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("big.json"), "{}", r.stderr);
    let expected = format!(
        "invalid type: integer `4321`, expected a string at line {line} column {}",
        value_column + 3
    );
    assert!(
        r.stderr.contains(&expected),
        "expected {expected:?} in:\n{}",
        r.stderr
    );

    // Binary and non-UTF-8 large files.
    let mut nul = text.clone().into_bytes();
    nul[text.len() / 2] = 0;
    std::fs::write(&big, &nul).unwrap();
    let r = stopguard(&["check", big.to_str().unwrap()]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("is not a text file"), "{}", r.stderr);
    let mut latin1 = text.into_bytes();
    let half = latin1.len() / 2;
    latin1[half] = 0xe9;
    std::fs::write(&big, &latin1).unwrap();
    let r = stopguard(&["check", big.to_str().unwrap()]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains(&format!("invalid UTF-8 at byte {half}")),
        "{}",
        r.stderr
    );
}
