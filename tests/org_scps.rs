//! SCPs stored in a snapshot's `organizations` slot are applied by `who-can`,
//! `check`, `input` and `diff` as `--scp` levels are (root first, each level must
//! allow, a Deny anywhere wins); `--scp` replaces them; statuses other than
//! `applied` apply none. Offline, from a fixture snapshot.
mod common;

use common::{fixture, json, stopguard};

const SLR: &str = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

fn principals(report: &str) -> Vec<String> {
    let mut v: Vec<String> = json(report)["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["arn"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

/// The fixture with its organizations status replaced, in a temp dir.
fn with_status(dir: &std::path::Path, status: &str) -> String {
    let mut doc = json(&std::fs::read_to_string(fixture("org/member-snapshot.json")).unwrap());
    doc["account"]["organizations"]["status"] = status.into();
    let path = dir.join(format!("{status}.json"));
    std::fs::write(&path, doc.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn collected_scps_decide_who_can() {
    let snap = fixture("org/member-snapshot.json");
    let r = stopguard(&["who-can", &snap, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The service-linked role is exempt: "SCPs don't affect service-linked roles".
    assert_eq!(principals(&r.stdout), [SLR, "role/ops-nightly"]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // The Deny is conditioned on aws:PrincipalArn, which is known for each
    // principal: the ops role's access is definite, not limited by the SCP.
    let ops = json(&r.stdout)["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ops-nightly")
        .cloned()
        .unwrap();
    assert_eq!(ops["access"], "allowed");
    assert_eq!(ops["limits"], serde_json::json!([]), "{ops}");

    // The OU level allows only ec2 and sts: iam is denied to everyone, even
    // though the account level allows everything.
    let r = stopguard(&[
        "who-can",
        &snap,
        "--action",
        "ec2:StartInstances",
        "--resource",
        "*",
        "--format",
        "json",
    ]);
    assert_eq!(principals(&r.stdout), [SLR, "user/dana"]);
    let dir = tempfile::tempdir().unwrap();
    let admin = {
        let mut doc = json(&std::fs::read_to_string(&snap).unwrap());
        doc["account"]["iam"]["users"][0]["inline_policies"][0]["document"]["Statement"][0]
            ["Action"] = "*".into();
        let p = dir.path().join("admin.json");
        std::fs::write(&p, doc.to_string()).unwrap();
        p.display().to_string()
    };
    let r = stopguard(&[
        "who-can",
        &admin,
        "--action",
        "iam:CreateUser",
        "--resource",
        "*",
        "--format",
        "json",
    ]);
    assert!(principals(&r.stdout).is_empty(), "{}", r.stdout);

    // --scp replaces the collected levels, and says so.
    let root = common::root()
        .join("examples/scp/root.json")
        .display()
        .to_string();
    let r = stopguard(&["who-can", &snap, "--scp", &root, "--format", "json"]);
    assert_eq!(
        principals(&r.stdout),
        [SLR, "role/ops-nightly", "user/dana"]
    );
    assert!(
        r.stderr
            .contains("--scp given: the 3 SCP level(s) collected"),
        "{}",
        r.stderr
    );
}

#[test]
fn statuses_other_than_applied_apply_no_scp() {
    let dir = tempfile::tempdir().unwrap();
    for status in ["management_account", "not_in_organization", "scps_disabled"] {
        let file = with_status(dir.path(), status);
        let r = stopguard(&["who-can", &file, "--format", "json"]);
        assert_eq!(
            principals(&r.stdout),
            [SLR, "role/ops-nightly", "user/dana"],
            "{status}"
        );
        assert!(r.stderr.is_empty(), "{status}: {}", r.stderr);
    }
    let file = with_status(dir.path(), "unreadable");
    let r = stopguard(&["who-can", &file, "--format", "json"]);
    assert_eq!(
        principals(&r.stdout),
        [SLR, "role/ops-nightly", "user/dana"]
    );
    assert!(r.stderr.contains("upper bound"), "{}", r.stderr);
}

/// An SCP level that allows nothing leaves only the service-linked role.
#[test]
fn service_linked_roles_are_exempt_from_every_scp() {
    let dir = tempfile::tempdir().unwrap();
    let deny = dir.path().join("deny-all.json");
    std::fs::write(
        &deny,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let snap = fixture("org/member-snapshot.json");
    let r = stopguard(&[
        "who-can",
        &snap,
        "--scp",
        &deny.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(principals(&r.stdout), [SLR]);
    let access = &json(&r.stdout)["principals"][0];
    assert_eq!(access["access"], "allowed");
    assert_eq!(access["limits"], serde_json::json!([]));
}

#[test]
fn check_and_input_see_the_collected_scps() {
    let snap = fixture("org/member-snapshot.json");
    let r = stopguard(&["check", &snap, "--format", "json"]);
    let found: Vec<String> = json(&r.stdout)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IAM-001")
        .map(|f| f["resource"].as_str().unwrap().to_string())
        .collect();
    assert!(
        found.iter().all(|r| !r.ends_with(":user/dana")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|r| r.ends_with(":role/ops-nightly")),
        "{found:?}"
    );

    let r = stopguard(&["input", &snap]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let input = json(&r.stdout);
    let org = &input["organizations"];
    assert_eq!(org["status"], "applied");
    assert_eq!(org["scp_levels"][1]["target_type"], "ORGANIZATIONAL_UNIT");
    assert_eq!(
        org["scp_levels"][2]["policies"][0]["name"],
        "no-stop-but-ops"
    );
    // Only names and ids: the statements are in stop_access already.
    assert!(org["scp_levels"][0]["policies"][0]
        .get("document")
        .is_none());
}

#[test]
fn diff_applies_each_sides_own_scps() {
    let dir = tempfile::tempdir().unwrap();
    // Before: the SCPs were unreadable (no SCP applied); after: applied. Nobody
    // gains access; dana loses it.
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    std::fs::create_dir_all(&before).unwrap();
    std::fs::create_dir_all(&after).unwrap();
    std::fs::copy(with_status(dir.path(), "unreadable"), before.join("s.json")).unwrap();
    std::fs::copy(fixture("org/member-snapshot.json"), after.join("s.json")).unwrap();
    let r = stopguard(&[
        "diff",
        &before.display().to_string(),
        &after.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc = json(&r.stdout);
    let changes: Vec<(String, String)> = doc["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_string(),
                c["arn"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [(
            "lost".to_string(),
            "arn:aws:iam::210987654321:user/dana".to_string()
        )]
    );
}
