//! Infrastructure-as-code inputs: CloudFormation (YAML with short-form tags, JSON
//! with long-form intrinsics) and Terraform plans. Each finding's rule, resource,
//! line and column are asserted, and so is what happens to values that cannot be
//! known before deployment.
mod common;
use common::*;

/// (rule, resource, line, column) of a finding.
type Placed = (String, String, u64, u64);

/// Each finding of a JSON report, placed and sorted; the exit code; the report.
fn placed(args: &[&str]) -> (i32, Vec<Placed>, serde_json::Value) {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let r = stopguard(&full);
    let v = json(&r.stdout);
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    (r.code, out, v)
}

fn row(rule: &str, resource: &str, line: u64, column: u64) -> Placed {
    (rule.into(), resource.into(), line, column)
}

fn message<'a>(v: &'a serde_json::Value, rule: &str, resource: &str) -> &'a str {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["resource"] == resource)
        .unwrap_or_else(|| panic!("no {rule} finding for {resource}"))["message"]
        .as_str()
        .unwrap()
}

#[test]
fn cloudformation_yaml_with_short_tags() {
    let (code, got, v) = placed(&["examples/ci/web-stack.yaml"]);
    assert_eq!(code, 1);
    let f = "examples/ci/web-stack.yaml";
    let sg = format!("{f}#WebSecurityGroup");
    let want = vec![
        row("CT-003", &format!("{f}#AuditTrail"), 114, 7),
        row("CT-005", &format!("{f}#AuditTrail"), 107, 3),
        row("EC2-001", &format!("{f}#AppServer"), 100, 7),
        row("IAC-001", &sg, 41, 19),
        row("IAC-001", &format!("{f}#SchedulerPolicy"), 90, 23),
        row("IAM-001", "arn:aws:iam:::role/northwind-ops", 72, 17),
        row(
            "IAM-002",
            "arn:aws:iam:::role/northwind-ops#ops-fleet",
            72,
            17,
        ),
        row(
            "IAM-004",
            "arn:aws:iam:::policy/northwind-scheduler",
            87,
            13,
        ),
        row("SG-001", &sg, 34, 11),
        row("SG-003", &sg, 43, 3),
    ];
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
    // The 22 rule's CIDR is a parameter with a Default: judged as that default.
    assert!(message(&v, "SG-001", &sg).contains("from 0.0.0.0/0 to admin port 22"));
    // The 3389 rule's CIDR is a parameter without one: unknown, never SG-001.
    assert!(message(&v, "IAC-001", &sg).starts_with(
        "SecurityGroupIngress[2].CidrIp of examples/ci/web-stack.yaml#WebSecurityGroup is !Ref OfficeCidr"
    ));
    assert!(message(&v, "EC2-001", &format!("{f}#AppServer")).contains(
        "cannot be evaluated before deployment (DisableApiStop is !If [IsProd, true, false])"
    ));
    assert!(message(&v, "IAC-001", &format!("{f}#SchedulerPolicy"))
        .contains("Resource of examples/ci/web-stack.yaml#SchedulerPolicy is !ImportValue shared-fleet-instance-arns"));
    // A KMS key given by !GetAtt is present, whatever its ARN: no CT-004.
    assert!(!got.iter().any(|(rule, ..)| rule == "CT-004"));
}

#[test]
fn cloudformation_json_with_long_form_intrinsics() {
    let (code, got, v) = placed(&["tests/fixtures/iac/stack.json"]);
    assert_eq!(code, 1);
    let f = "tests/fixtures/iac/stack.json";
    let mut want = vec![
        row("IAC-001", &format!("{f}#BastionGroup"), 22, 42),
        row("IAM-001", "arn:aws:iam:::user/stopper", 36, 17),
        row("IAM-002", "arn:aws:iam:::user/stopper#stop", 36, 17),
        row("IAM-003", "arn:aws:iam:::user/stopper", 36, 17),
        row("SG-001", &format!("{f}#BastionGroup"), 18, 11),
    ];
    want.sort();
    assert_eq!(got, want);
    // Fn::FindInMap through Ref of a parameter default: 22 is open, 3389 is not.
    assert!(message(&v, "SG-001", &format!("{f}#BastionGroup")).contains("admin port 22"));
    // Fn::Join with AWS::Partition builds an ARN that covers every instance.
    assert!(message(&v, "IAM-002", "arn:aws:iam:::user/stopper#stop")
        .contains("(Resource arn:aws:ec2:*:*:instance/*)"));
    // An Effect behind Fn::If on a statement that cannot stop instances is not
    // reported; Fn::If with equal branches is known (Db is protected), and an
    // unresolved DisableApiStop of a non-critical instance (Scratch) is no finding.
    assert!(!got
        .iter()
        .any(|(_, r, ..)| r.ends_with("#Db") || r.ends_with("#Scratch")));
}

#[test]
fn every_short_form_tag_is_read() {
    let (code, got, _) = placed(&["tests/fixtures/iac/all-tags.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        got,
        vec![row(
            "SG-001",
            "tests/fixtures/iac/all-tags.yaml#Ssh",
            46,
            11
        )]
    );
}

#[test]
fn terraform_plan() {
    let (code, got, v) = placed(&["examples/ci/plan.json"]);
    assert_eq!(code, 1);
    let f = "examples/ci/plan.json";
    let sg = format!("{f}#module.network.aws_security_group.bastion");
    let mut want = vec![
        row("CT-005", &format!("{f}#aws_cloudtrail.main"), 608, 11),
        row("EC2-001", &format!("{f}#aws_instance.db"), 546, 11),
        row(
            "IAC-001",
            &format!("{f}#aws_iam_role_policy.scheduler_logs"),
            340,
            7,
        ),
        row(
            "IAC-001",
            &format!("{f}#module.network.aws_security_group_rule.vpn"),
            501,
            7,
        ),
        row("IAM-001", "arn:aws:iam:::role/instance-scheduler", 266, 21),
        row("IAM-002", "arn:aws:iam:::policy/fleet-stopper", 266, 21),
        row("SG-001", &sg, 393, 13),
        row("SG-001", &sg, 467, 7),
    ];
    want.sort();
    assert_eq!(got, want);
    // The attachment's policy_arn is known only after apply; the configuration's
    // reference to aws_iam_policy.fleet_stopper resolves it, so the role is judged.
    assert!(
        message(&v, "IAM-001", "arn:aws:iam:::role/instance-scheduler")
            .contains("granted by fleet-stopper")
    );
    // The RDP rule's security_group_id is unknown; it is found through the module's
    // configuration and reported against the bastion group.
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.iter().any(
        |f| f["rule"] == "SG-001" && f["message"].as_str().unwrap().contains("admin port 3389")
    ));
    // The VPN rule's cidr_blocks are known only after apply: IAC-001, not SG-*.
    assert!(message(&v, "IAC-001", &format!("{f}#module.network.aws_security_group_rule.vpn"))
        .starts_with("cidr_blocks of examples/ci/plan.json#module.network.aws_security_group_rule.vpn is (known after apply)"));
    // kms_key_id known after apply is a key: no CT-004. The worker is protected.
    assert!(!got
        .iter()
        .any(|(rule, r, ..)| rule == "CT-004" || r.ends_with("worker")));
}

#[test]
fn terraform_plan_from_planned_values() {
    let dir = tempfile::tempdir().unwrap();
    let plan = r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "child_modules": [
        {
          "address": "module.edge",
          "resources": [
            {
              "address": "module.edge.aws_security_group.ssh",
              "mode": "managed",
              "type": "aws_security_group",
              "name": "ssh",
              "values": {
                "name": "ssh",
                "ingress": [
                  {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}
                ]
              }
            }
          ]
        }
      ]
    }
  }
}
"#;
    std::fs::write(dir.path().join("plan.json"), plan).unwrap();
    let r = stopguard_in(
        dir.path(),
        &["check", "--format", "json", "plan.json"],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "SG-001");
    assert_eq!(
        f["resource"],
        "plan.json#module.edge.aws_security_group.ssh"
    );
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(17), Some(19))
    );
}

#[test]
fn policy_file_findings_have_columns() {
    let (_, got, _) = placed(&["tests/fixtures/shapes/policy.yaml"]);
    assert!(
        got.contains(&row("IAM-002", "tests/fixtures/shapes/policy.yaml", 7, 5)),
        "{got:?}"
    );
}

#[test]
fn a_template_with_a_broken_policy_is_an_error_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.yaml"),
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Maybe\n            Action: '*'\n",
    )
    .unwrap();
    let r = stopguard_in(dir.path(), &["check", "t.yaml"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("t.yaml:7:13"), "{}", r.stderr);
    assert!(r.stderr.contains("PolicyDocument"), "{}", r.stderr);
}

#[test]
fn not_a_template_or_plan_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), "Resources:\n  - one\n").unwrap();
    let r = stopguard_in(dir.path(), &["check", "r.yaml"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a CloudFormation template"),
        "{}",
        r.stderr
    );
}

#[test]
fn text_output_shows_the_offending_line() {
    let r = stopguard(&["check", "examples/ci/web-stack.yaml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("╭─[examples/ci/web-stack.yaml:34:11]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(" 34 │         - IpProtocol: tcp"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("╰── SG-001 Administration ports must not be open to the internet"));
    // NO_COLOR is set by the harness, and stdout is a pipe: no escapes at all.
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn input_lists_unknowns() {
    let r = stopguard(&["input", "examples/ci/web-stack.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    let unknowns = v["unknowns"].as_array().unwrap();
    let cidr = unknowns
        .iter()
        .find(|u| u["field"] == "SecurityGroupIngress[2].CidrIp")
        .unwrap();
    assert_eq!(cidr["expression"], "!Ref OfficeCidr");
    assert_eq!(
        cidr["checks"],
        serde_json::json!(["SG-001", "SG-002", "SG-003"])
    );
    assert_eq!(
        (cidr["line"].as_u64(), cidr["column"].as_u64()),
        (Some(41), Some(19))
    );
    // The rule itself is in the input with no source: unknown never matches.
    let rule = &v["ec2"]["security_groups"][0]["ingress"][2];
    assert_eq!(rule["ipv4_ranges"], serde_json::json!([]));
    assert_eq!(
        (rule["line"].as_u64(), rule["column"].as_u64()),
        (Some(38), Some(11))
    );
}

#[test]
fn self_referencing_defaults_and_mappings_are_unknown_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.yaml"),
        "Parameters:\n  Loop: {Type: String, Default: !Ref Loop}\nMappings:\n  M: {a: {b: !FindInMap [M, a, b]}}\nResources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Loop}\n        - {IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: !FindInMap [M, a, b]}\n",
    )
    .unwrap();
    let r = stopguard_in(dir.path(), &["check", "--format", "json", "t.yaml"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["IAC-001", "IAC-001"]);
}

/// Every prefix of the sample template and plan (cut every 13 bytes, on character
/// boundaries), and each with one byte flipped, loads or fails with an error:
/// never a panic, whatever the cut leaves (half a tag, an unclosed flow list).
#[test]
fn truncated_and_mangled_templates_and_plans_never_panic() {
    use stopguard::load::{load_texts, Format, RawInput};
    for (name, format) in [
        ("examples/ci/web-stack.yaml", Format::Yaml),
        ("tests/fixtures/iac/stack.json", Format::Json),
        ("tests/fixtures/iac/all-tags.yaml", Format::Yaml),
        ("examples/ci/plan.json", Format::Json),
    ] {
        let text = std::fs::read_to_string(root().join(name)).unwrap();
        for cut in (0..text.len())
            .step_by(13)
            .filter(|&c| text.is_char_boundary(c))
        {
            let mut variants = vec![text[..cut].to_string()];
            let mut bytes = text.as_bytes().to_vec();
            if let Some(b) = bytes.get_mut(cut) {
                *b = match *b {
                    b'!' => b'{',
                    b'{' => b'!',
                    b'"' => b'[',
                    b':' => b'-',
                    b' ' => b'\n',
                    _ => b'!',
                };
            }
            if let Ok(s) = String::from_utf8(bytes) {
                variants.push(s);
            }
            for v in variants {
                let _ = load_texts(vec![RawInput {
                    name: name.into(),
                    format,
                    text: v.into(),
                }]);
            }
        }
    }
}

#[test]
fn an_unknown_trust_principal_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.yaml"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !ImportValue ops-account-root}\n            Action: sts:AssumeRole\n",
    )
    .unwrap();
    let r = stopguard_in(dir.path(), &["check", "--format", "json", "t.yaml"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "IAC-001");
    assert_eq!(
        f["details"]["field"],
        "AssumeRolePolicyDocument.Statement[0].Principal.AWS"
    );
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(8), Some(30))
    );
}
