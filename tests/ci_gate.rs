//! The CI gate: exceptions and baselines decide what fails the build, and the
//! SARIF, JUnit and GitHub formats carry findings to where CI shows them.
mod common;
use common::*;

const INPUTS: [&str; 2] = [
    "tests/fixtures/shapes/sg.json",
    "tests/fixtures/shapes/policy.yaml",
];

fn check(extra: &[&str]) -> Run {
    let mut args = vec!["check"];
    args.extend(INPUTS);
    args.extend_from_slice(extra);
    stopguard(&args)
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn exceptions_suppress_without_hiding_and_expired_ones_fail() {
    let dir = tempfile::tempdir().unwrap();
    let all = json(&check(&["--format", "json"]).stdout);
    let rules: Vec<String> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(
        rules.contains(&"SG-001".to_string()) && rules.contains(&"IAM-002".to_string()),
        "{rules:?}"
    );

    let live = write(
        dir.path(),
        "ex.yaml",
        "exceptions:\n  - {rule: SG-001, resource: \"sg-0bastion\", reason: \"bastion, ticket SEC-1\", expires: 2999-12-31}\n  - {rule: IAM-002, resource: \"*policy.yaml\", reason: \"reviewed\"}\n  - {rule: IAM-004, resource: \"*\", reason: \"accepted\"}\n",
    );
    let r = check(&["--format", "json", "--exceptions", &live]);
    assert_eq!(r.code, 0, "everything that fired is excepted: {}", r.stdout);
    let v = json(&r.stdout);
    assert_eq!(
        v["summary"]["findings"], all["summary"]["findings"],
        "excepted findings stay in the report"
    );
    let sg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SG-001")
        .unwrap();
    assert_eq!(sg["suppressed"]["reason"], "bastion, ticket SEC-1");
    let text = check(&["--exceptions", &live]);
    assert!(
        text.stdout
            .contains("sg-0bastion (excepted: bastion, ticket SEC-1)"),
        "{}",
        text.stdout
    );

    let expired = write(dir.path(), "old.yaml", "exceptions:\n  - {rule: SG-001, resource: \"sg-*\", reason: \"temporary\", expires: 2020-01-31}\n");
    let r = check(&[
        "--format",
        "json",
        "--exceptions",
        &expired,
        "--fail-on",
        "critical",
    ]);
    let v = json(&r.stdout);
    let e = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "EXCEPTION-EXPIRED")
        .expect("expired exception reported");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-31"),
        "{e}"
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "SG-001" && f["suppressed"].is_null()));
    let r = check(&["--exceptions", &expired]);
    assert_eq!(r.code, 1);

    let no_reason = write(
        dir.path(),
        "bad.yaml",
        "exceptions:\n  - {rule: SG-001, resource: \"sg-*\"}\n",
    );
    let r = check(&["--exceptions", &no_reason]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("reason"), "{}", r.stderr);
}

#[test]
fn baseline_fails_only_on_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let r = stopguard(&[
        "check",
        INPUTS[0],
        "--format",
        "json",
        "--output",
        base.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    // Same state: nothing new.
    let same = stopguard(&["check", INPUTS[0], "--baseline", base.to_str().unwrap()]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    assert!(same.stdout.contains("(in baseline)"), "{}", same.stdout);
    // A new policy file adds new findings: those fail.
    let more = check(&["--baseline", base.to_str().unwrap(), "--format", "json"]);
    assert_eq!(more.code, 1);
    let v = json(&more.stdout);
    let new: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline"].is_null())
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(new.iter().all(|r| r.starts_with("IAM-")), "{new:?}");
    let bad = stopguard(&[
        "check",
        INPUTS[0],
        "--baseline",
        "tests/fixtures/shapes/sg.json",
    ]);
    assert_eq!(bad.code, 2);
}

#[test]
fn sarif_has_rules_results_and_locations() {
    let r = check(&["--format", "sarif"]);
    assert_eq!(r.code, 1);
    let v = json(&r.stdout);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "stopguard");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], res["ruleId"],
            "ruleIndex points at the rule"
        );
        assert!(
            res["partialFingerprints"]["stopguard/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
    }
    let iam = results.iter().find(|x| x["ruleId"] == "IAM-002").unwrap();
    let loc = &iam["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "tests/fixtures/shapes/policy.yaml"
    );
    assert_eq!(loc["region"]["startLine"], 7);
    let sg_rule = rules.iter().find(|x| x["id"] == "SG-001").unwrap();
    assert_eq!(sg_rule["defaultConfiguration"]["level"], "error");
    assert_eq!(sg_rule["properties"]["security-severity"], "8.0");
    assert!(
        sg_rule["help"]["text"].as_str().unwrap().contains("revoke"),
        "{sg_rule}"
    );
}

#[test]
fn junit_is_escaped_xml_with_a_case_per_rule_and_resource() {
    let dir = tempfile::tempdir().unwrap();
    let sg = write(
        dir.path(),
        "sg.json",
        r#"{"SecurityGroups":[{"GroupId":"sg-<&\"'>\u0001","GroupName":"x","IpPermissions":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}]}"#,
    );
    let r = stopguard(&["check", &sg, "--format", "junit"]);
    assert_eq!(r.code, 1);
    let x = &r.stdout;
    assert!(
        x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{x}"
    );
    assert!(x.contains(r#"<testsuite name="SG-001 "#), "{x}");
    assert!(
        x.contains(r#"name="sg-&lt;&amp;&quot;&apos;&gt;&#xfffd;""#)
            || x.contains("name=\"sg-&lt;&amp;&quot;&apos;&gt;\u{fffd}\""),
        "{x}"
    );
    assert!(x.contains("<failure type=\"high\""), "{x}");
    assert!(
        !x.contains('\u{1}'),
        "control characters cannot appear in XML"
    );
    assert_eq!(
        x.matches("<testcase ").count(),
        x.matches("</testcase>").count()
    );
    assert!(x.trim_end().ends_with("</testsuites>"));
}

#[test]
fn github_annotations_point_at_file_and_line() {
    let r = check(&["--format", "github"]);
    assert_eq!(r.code, 1);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("IAM-002"))
        .expect("annotation for IAM-002");
    assert!(
        line.starts_with(
            "::error file=tests/fixtures/shapes/policy.yaml,line=7,col=5,title=IAM-002 "
        ),
        "{line}"
    );
    let sg = r.stdout.lines().find(|l| l.contains("SG-001")).unwrap();
    assert!(sg.contains("[sg-0bastion]"), "{sg}");
    for l in r.stdout.lines() {
        assert!(
            l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice "),
            "{l}"
        );
    }
}
