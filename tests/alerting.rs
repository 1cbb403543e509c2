//! The alerting and hygiene inputs (metric filters, alarms, EventBridge rules and
//! targets, flow logs, network ACLs, images, AWS Config): each CLI shape loads
//! into the documented input, targets bind to their rule or fail clearly, the
//! checks run only on supplied data, and the shipped example shows the findings.
mod common;
use common::*;

fn input_of(args: &[&str]) -> serde_json::Value {
    let mut full = vec!["input"];
    full.extend_from_slice(args);
    let r = stopguard(&full);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    json(&r.stdout)
}

fn find<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {list}"))
}

/// (rule, resource) of every finding of a JSON report, sorted.
fn findings(args: &[&str]) -> Vec<(String, String)> {
    let mut full = vec!["check"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--format", "json"]);
    let r = stopguard(&full);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let mut out: Vec<(String, String)> = json(&r.stdout)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

const NEW_RULES: &[&str] = &[
    "MON-001", "MON-002", "VPC-001", "VPC-002", "EC2-002", "CFG-001", "CFG-002",
];

fn new_rule_findings(args: &[&str]) -> Vec<(String, String)> {
    findings(args)
        .into_iter()
        .filter(|(rule, _)| NEW_RULES.contains(&rule.as_str()))
        .collect()
}

#[test]
fn example_exports_load_into_the_documented_input() {
    let v = input_of(&["examples/account"]);
    for kind in [
        "metric_filters",
        "alarms",
        "event_rules",
        "flow_logs",
        "network_acls",
        "images",
        "config_recorders",
        "config_recorder_status",
        "config_rules",
    ] {
        assert_eq!(v["supplied"][kind], true, "{kind}");
    }
    // Patterns are judged by evaluating them against a StopInstances event.
    let filters = &v["logs"]["metric_filters"];
    assert_eq!(
        find(filters, "name", "ec2-instance-state-calls")["matches_stop_instances"],
        true
    );
    assert_eq!(
        find(filters, "name", "unauthorized-api-calls")["matches_stop_instances"],
        false
    );
    assert_eq!(
        find(filters, "name", "ec2-instance-state-calls")["metrics"][0],
        serde_json::json!({"namespace": "Northwind/Security", "name": "Ec2InstanceStateCalls"})
    );
    // An alarm whose actions are disabled has no action.
    let alarms = &v["cloudwatch"]["metric_alarms"];
    let stop_alarm = find(alarms, "name", "ec2-instance-state-calls");
    assert_eq!(stop_alarm["has_action"], false);
    assert_eq!(stop_alarm["region"], "us-east-1");
    assert_eq!(
        find(alarms, "name", "web-prod-1-cpu-high")["metrics"][0]["dimensions"]["InstanceId"],
        "i-0a1f3c5e7b9d24601"
    );
    // Rules: region from the ARN, targets bound by the Rule key.
    let rules = &v["events"]["rules"];
    let ledger = find(rules, "name", "ledger-stop-calls");
    assert_eq!(ledger["region"], "eu-west-1");
    assert_eq!(ledger["matches_stop_instances"], true);
    assert_eq!(ledger["targets"][0]["id"], "ledger-oncall");
    let state_change = find(rules, "name", "ec2-state-change-to-slack");
    assert_eq!(state_change["matches_stop_instances"], false);
    assert_eq!(state_change["targets"].as_array().unwrap().len(), 1);
    let nightly = find(rules, "name", "nightly-dev-shutdown");
    assert_eq!(nightly["event_pattern"], serde_json::Value::Null);
    assert_eq!(nightly["schedule"], "cron(0 22 ? * MON-FRI *)");
    // Config: the status binds to the recorder of the same name and region.
    let recorders = &v["config"]["recorders"];
    let by_region = |r: &str| {
        recorders
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["region"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(by_region("us-east-1")["recording"], true);
    assert_eq!(by_region("eu-west-1")["recording"], false);
    assert_eq!(by_region("eu-west-1")["all_supported"], true);
    let rule = find(&v["config"]["rules"], "name", "ec2-imdsv2-check");
    assert_eq!(rule["source_identifier"], "EC2_IMDSV2_CHECK");
    assert_eq!(rule["region"], "us-east-1");
    // EC2 additions.
    let acl = find(&v["ec2"]["network_acls"], "id", "acl-0c4e6a8b0d2f3a5c7");
    assert_eq!(acl["is_default"], true);
    assert_eq!(acl["subnets"][0], "subnet-0d2f4a6c8e0b1d3f5");
    let entry = acl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ipv6_cidr"] == "::/0" && e["action"] == "allow")
        .unwrap();
    assert_eq!(entry["rule_number"], 101);
    assert_eq!(entry["egress"], false);
    let image = find(&v["ec2"]["images"], "id", "ami-0c7217cdde317cfec");
    assert_eq!(image["creation_date"], "2024-01-10T21:04:58.000Z");
    assert_eq!(image["state"], "available");
    assert_eq!(
        find(&v["ec2"]["flow_logs"], "id", "fl-0a5c7e9b1d3f5a7c9")["resource_id"],
        "vpc-0a3c5e7f9b1d2e4f6"
    );
    let web = find(&v["ec2"]["instances"], "id", "i-0a1f3c5e7b9d24601");
    assert_eq!(web["launch_time"], "2024-09-03T08:15:42+00:00");
}

#[test]
fn example_account_shows_the_alerting_and_hygiene_findings() {
    let found = new_rule_findings(&["examples/account"]);
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    let mut expected = vec![
        // us-east-1: the stop filter's alarm has its actions disabled, and the
        // EventBridge rule watches state changes, not the API call.
        s("MON-001", "111122223333/us-east-1"),
        // Running instances without a CPU alarm (dev-sandbox is stopped).
        s("MON-002", "i-0c3d5e7f9a1b24683"),
        s("MON-002", "i-0e6f8a0c2e4a46805"),
        s("MON-002", "i-0f7a9b1d3f5b57916"),
        // The dev VPC has only a subnet-level flow log.
        s("VPC-001", "vpc-0b4d6f8a0c2e3f5a7"),
        // prod-public: a deny of port 22 at 90 does not stop the allow-all at 100;
        // the dev VPC's default ACL, for IPv4 and IPv6. The eu-west-1 default ACL
        // denies all at rule 10, so its allow-all at 100 never applies.
        s("VPC-002", "acl-0a2c4e6f8b0d1e3f5"),
        s("VPC-002", "acl-0c4e6a8b0d2f3a5c7"),
        s("VPC-002", "acl-0c4e6a8b0d2f3a5c7"),
        // Every example AMI is from 2024 (older than 180 days), and the Windows
        // one is no longer available.
        s("EC2-002", "i-0a1f3c5e7b9d24601"),
        s("EC2-002", "i-0b2e4d6f8a0c13572"),
        s("EC2-002", "i-0c3d5e7f9a1b24683"),
        s("EC2-002", "i-0d4c6e8a0b2d35794"),
        s("EC2-002", "i-0e6f8a0c2e4a46805"),
        s("EC2-002", "i-0f7a9b1d3f5b57916"),
        // eu-west-1: the recorder was stopped, and no rule looks at EC2.
        s("CFG-001", "111122223333/eu-west-1"),
        s("CFG-002", "111122223333/eu-west-1"),
    ];
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn examples_ami_age_is_measured_at_the_now_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.yaml");
    std::fs::write(&data, "now: \"2024-03-01T00:00:00Z\"\n").unwrap();
    let found = new_rule_findings(&["examples/account", "--data", data.to_str().unwrap()]);
    let ec2_002: Vec<&str> = found
        .iter()
        .filter(|(r, _)| r == "EC2-002")
        .map(|(_, res)| res.as_str())
        .collect();
    // On 2024-03-01 the January image was young: only the missing one remains.
    assert_eq!(ec2_002, ["i-0e6f8a0c2e4a46805"]);
}

#[test]
fn checks_do_not_run_on_data_that_was_not_supplied() {
    // Instances alone: no alarm, flow log, ACL, image or Config data, no finding.
    assert_eq!(
        new_rule_findings(&["examples/account/instances.json"]),
        Vec::<(String, String)>::new()
    );
    // With the alarms, MON-002 runs; MON-001 still needs trails+filters or rules.
    let found = new_rule_findings(&[
        "examples/account/instances.json",
        "examples/account/monitoring/alarms-us-east-1.json",
    ]);
    assert_eq!(
        found,
        [
            ("MON-002".to_string(), "i-0c3d5e7f9a1b24683".to_string()),
            ("MON-002".to_string(), "i-0e6f8a0c2e4a46805".to_string()),
        ]
    );
}

#[test]
fn one_alerting_path_without_the_other_cannot_be_confirmed() {
    let r = stopguard(&[
        "check",
        "examples/account/instances.json",
        "examples/account/cloudtrail/trails.json",
        "examples/account/monitoring/metric-filters.json",
        "examples/account/monitoring/alarms-us-east-1.json",
        "--format",
        "json",
    ]);
    let v = json(&r.stdout);
    let mon = findings_of(&v, "MON-001");
    assert_eq!(mon.len(), 1, "{}", r.stdout);
    let msg = mon[0]["message"].as_str().unwrap();
    assert!(msg.contains("could not be confirmed"), "{msg}");
    assert!(
        msg.contains("aws events list-rules was not supplied"),
        "{msg}"
    );
    assert!(
        msg.contains("metric filter ec2-instance-state-calls on /northwind/cloudtrail/org-audit has no alarm with an action"),
        "{msg}"
    );
}

#[test]
fn composite_alarm_and_metric_math_count_as_alerting() {
    // moto cannot create composite alarms: this path is tested with exports only.
    let files = [
        fixture("alerting/trails.json"),
        fixture("alerting/metric-filters.json"),
        fixture("alerting/metric-alarms-math.json"),
        fixture("alerting/one-rule.yaml"),
    ];
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let v = input_of(&args);
    let alarm = &v["cloudwatch"]["metric_alarms"][0];
    assert_eq!(alarm["has_action"], false);
    assert_eq!(
        alarm["metrics"][0],
        serde_json::json!({"namespace": "Audit", "name": "Ec2Stop", "dimensions": {}})
    );
    assert_eq!(v["cloudwatch"]["composite_alarms"][0]["has_action"], true);
    assert_eq!(
        v["logs"]["metric_filters"][0]["matches_stop_instances"],
        true
    );
    // The eu-west-1 rule has no targets supplied: it cannot alert, but the
    // us-east-1 filter path covers the account (no instances: one scope).
    assert_eq!(new_rule_findings(&args), Vec::<(String, String)>::new());
}

#[test]
fn targets_bind_to_the_only_rule_or_by_the_rule_key() {
    let v = input_of(&[
        &fixture("alerting/one-rule.yaml"),
        &fixture("alerting/targets-unnamed.json"),
    ]);
    let rule = &v["events"]["rules"][0];
    assert_eq!(
        rule["targets"][0]["arn"],
        "arn:aws:sns:eu-west-1:123456789012:pager"
    );
    assert_eq!(rule["region"], "eu-west-1");
    assert_eq!(rule["event_bus"], "default");
    assert_eq!(rule["matches_stop_instances"], true);

    let v = input_of(&[
        &fixture("alerting/two-rules.json"),
        &fixture("alerting/targets-by-arn.json"),
    ]);
    let rules = v["events"]["rules"].as_array().unwrap();
    let default_bus = rules.iter().find(|r| r["event_bus"] == "default").unwrap();
    let audit_bus = rules
        .iter()
        .find(|r| r["event_bus"] == "audit-bus")
        .unwrap();
    assert_eq!(default_bus["targets"][0]["id"], "pager");
    // Not supplied for the other rule: unknown, not empty.
    assert_eq!(audit_bus["targets"], serde_json::Value::Null);
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
fn targets_that_cannot_be_bound_are_errors_naming_the_file() {
    expect_error(
        &[
            "check",
            &fixture("alerting/two-rules.json"),
            &fixture("alerting/targets-unnamed.json"),
        ],
        &[
            "targets-unnamed.json",
            "does not say which rule it is for, and the input has 2 rules",
            "Rule",
        ],
    );
    expect_error(
        &[
            "check",
            &fixture("alerting/two-rules.json"),
            &fixture("alerting/targets-by-name.json"),
        ],
        &[
            "targets-by-name.json",
            "which 2 listed rules share",
            "by its ARN",
        ],
    );
    expect_error(
        &[
            "check",
            &fixture("alerting/one-rule.yaml"),
            &fixture("alerting/targets-unknown-rule.json"),
        ],
        &[
            "targets-unknown-rule.json",
            "\"no-such-rule\"",
            "list-rules",
        ],
    );
    // Targets with no rule at all.
    expect_error(
        &["check", &fixture("alerting/targets-unnamed.json")],
        &["targets-unnamed.json", "the input has 0 rules"],
    );
}

#[test]
fn a_wrong_field_in_a_new_shape_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("nacls.json");
    std::fs::write(
        &bad,
        "{\n  \"NetworkAcls\": [\n    {\"NetworkAclId\": \"acl-1\", \"Entries\": [{\"RuleNumber\": \"one hundred\"}]}\n  ]\n}\n",
    )
    .unwrap();
    expect_error(
        &["check", bad.to_str().unwrap()],
        &[
            "nacls.json",
            "line 3",
            "accepted shape but a field is wrong",
        ],
    );
}

#[test]
fn snapshot_round_trip_keeps_the_new_kinds() {
    let direct = input_of(&["examples/account"]);
    let account = stopguard::load::load_paths(
        &[std::path::PathBuf::from("examples/account")],
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
    let text = std::fs::read_to_string(&path).unwrap();
    for key in [
        "\"metric_filters\"",
        "\"metric_alarms\"",
        "\"rules\"",
        "\"flow_logs\"",
        "\"network_acls\"",
        "\"images\"",
        "\"recorders\"",
    ] {
        assert!(text.contains(key), "snapshot lacks {key}");
    }
    let mut from_snap = input_of(&[path.to_str().unwrap()]);
    let mut direct = direct;
    strip_files(&mut from_snap);
    strip_files(&mut direct);
    assert_eq!(from_snap, direct);
}

/// Every call the collector can record a gap for is in the read-only audit
/// policy the README points to (and so in its permission table).
#[test]
fn audit_role_policy_allows_every_call_the_collector_makes() {
    let policy = std::fs::read_to_string(root().join("examples/audit-role-policy.json")).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut calls = Vec::new();
    for entry in std::fs::read_dir(root().join("src/collect")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let gaps = text.match_indices("ctx.gap(");
        let pages = text.match_indices(".all_pages(");
        for (i, _) in gaps.chain(pages) {
            // The first two string literals after `ctx.gap(` (or the shared page
            // loop `.all_pages(`): service and API.
            let rest = &text[i..];
            let literals: Vec<&str> = rest.split('"').skip(1).step_by(2).take(2).collect();
            calls.push(format!("{}:{}", literals[0], literals[1]));
        }
    }
    assert!(calls.len() > 10, "{calls:?}");
    for call in &calls {
        assert!(
            policy.contains(&format!("\"{call}\"")),
            "{call} missing from examples/audit-role-policy.json"
        );
        assert!(
            readme.contains(&format!("`{call}`")),
            "{call} missing from the README's permission table"
        );
    }
}
