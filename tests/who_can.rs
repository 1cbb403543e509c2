//! `who-can` and `diff` end to end: role chains, boundaries, SCPs, request context.
//! Each expectation is derived from the IAM User Guide's "Policy evaluation logic".
mod common;
use common::*;

fn who(extra: &[&str]) -> Vec<(String, String, Vec<String>)> {
    who_in("tests/fixtures/chains/authz.json", extra)
}

fn who_in(fixture: &str, extra: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let mut args = vec!["who-can", fixture, "--format", "json"];
    args.extend_from_slice(extra);
    let r = stopguard(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["schema_version"], 1);
    v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["access"].as_str().unwrap().to_string(),
                p["via"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|x| x.as_str().unwrap().rsplit('/').next().unwrap().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn names(list: &[(String, String, Vec<String>)]) -> Vec<&str> {
    list.iter().map(|(n, _, _)| n.as_str()).collect()
}

#[test]
fn role_chains_boundaries_and_explicit_denies() {
    let list = who(&[]);
    // carol may assume only `named`, whose trust policy names bob alone; dan's explicit
    // Deny on sts:* wins; erin's boundary allows only s3; the lambda-only role is
    // listed for its own policy, but no user can assume it.
    assert_eq!(
        names(&list),
        ["lambda-only", "named", "ops", "alice", "bob", "fay", "gus"]
    );
    let find = |n: &str| list.iter().find(|(x, _, _)| x == n).unwrap().clone();
    assert_eq!(find("alice").2, ["alice", "ops"]);
    // bob needs no identity permission: the trust policy names his ARN.
    assert_eq!(find("bob").2, ["bob", "named", "ops"]);
    assert_eq!(find("fay").1, "conditional");
    // gus is conditional (MFA) on his own, but may assume ops, which may stop
    // unconditionally: the chain makes his answer definite.
    assert_eq!(find("gus").1, "allowed");
    assert_eq!(find("gus").2, ["gus", "ops"]);
    assert_eq!(find("ops").1, "allowed");
}

#[test]
fn a_chain_is_only_as_definite_as_the_assumers_own_permission() {
    // Each user may assume ops (which may stop instances) only from the office
    // network: hal through his permissions boundary, ivy through her statement's
    // condition, jo because a conditional Deny may apply. Without a request the
    // chains are conditional; from the office, definite; from elsewhere, absent.
    let fixture = "tests/fixtures/chains/narrowed.json";
    let by_name = |list: Vec<(String, String, Vec<String>)>| -> Vec<(String, String)> {
        list.into_iter()
            .filter(|(n, _, _)| n != "ops")
            .map(|(n, a, via)| {
                assert!(via.is_empty() || via == [n.as_str(), "ops"], "{n}: {via:?}");
                (n, a)
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(n, a)| (n.to_string(), a.to_string()))
            .collect()
    };
    assert_eq!(
        by_name(who_in(fixture, &[])),
        pairs(&[
            ("hal", "conditional"),
            ("ivy", "conditional"),
            ("jo", "conditional")
        ])
    );
    assert_eq!(
        by_name(who_in(fixture, &["--context", "aws:SourceIp=203.0.113.9"])),
        pairs(&[("hal", "allowed"), ("ivy", "allowed"), ("jo", "allowed")])
    );
    assert_eq!(
        by_name(who_in(fixture, &["--context", "aws:SourceIp=198.51.100.1"])),
        pairs(&[])
    );
}

#[test]
fn context_makes_answers_definite() {
    let list = who(&["--context", "aws:MultiFactorAuthPresent=true"]);
    assert!(list.iter().any(|(n, a, _)| n == "fay" && a == "allowed"));
    let list = who(&["--context", "aws:MultiFactorAuthPresent=false"]);
    assert!(!names(&list).contains(&"fay"));
    // Given any context, a key not given is absent: the MFA condition fails.
    let list = who(&["--context", "aws:SourceIp=203.0.113.9"]);
    assert!(!names(&list).contains(&"fay"));
}

#[test]
fn scps_must_allow_at_every_level() {
    let scp = [
        "--scp",
        "tests/fixtures/chains/scp-full.json",
        "--scp",
        "tests/fixtures/chains/scp-tag.json",
    ];
    let unknown = who(&scp);
    assert!(
        unknown.iter().all(|(_, a, _)| a == "conditional"),
        "{unknown:?}"
    );
    let mut args = scp.to_vec();
    args.extend(["--context", "aws:PrincipalTag/team=dev"]);
    assert!(who(&args).is_empty());
    let mut args = scp.to_vec();
    args.extend([
        "--context",
        "aws:PrincipalTag/team=ops",
        "--context",
        "aws:MultiFactorAuthPresent=true",
    ]);
    assert!(who(&args).iter().all(|(_, a, _)| a == "allowed"));
}

#[test]
fn action_patterns_and_bad_context() {
    let r = stopguard(&[
        "who-can",
        "tests/fixtures/chains/authz.json",
        "--action",
        "sts:Assume*",
        "--resource",
        "*",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("user/alice allowed"), "{}", r.stdout);
    let r = stopguard(&[
        "who-can",
        "tests/fixtures/chains/authz.json",
        "--context",
        "novalue",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("KEY=VALUE"), "{}", r.stderr);
}

#[test]
fn diff_reports_gained_access_and_exit_status() {
    let r = stopguard(&[
        "diff",
        "tests/fixtures/diff/before",
        "tests/fixtures/diff/after",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["access_gained"], true);
    assert_eq!(v["statements"][0]["change"], "added");
    assert_eq!(v["statements"][0]["policy"], "deploy.json");
    assert_eq!(v["statements"][0]["line"], 9);
    let same = stopguard(&[
        "diff",
        "tests/fixtures/diff/after",
        "tests/fixtures/diff/after",
    ]);
    assert_eq!(same.code, 0);
    let back = stopguard(&[
        "diff",
        "tests/fixtures/diff/after",
        "tests/fixtures/diff/before",
    ]);
    assert_eq!(back.code, 0, "losing access is not a failure");
    assert!(back.stdout.contains("removed"), "{}", back.stdout);
}

#[test]
fn principal_tags_decide_scp_conditions_on_the_shipped_example() {
    // The workloads SCP denies StopInstances unless aws:PrincipalTag/team is ops.
    // Every request carries the principal's own tags, so no context is needed to
    // see that ops-oncall (tagged team=ops) keeps the access and alice does only
    // by assuming it.
    let r = stopguard(&[
        "who-can",
        "examples/account",
        "--scp",
        "examples/scp/root.json",
        "--scp",
        "examples/scp/workloads-ou.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    let get = |suffix: &str| {
        v["principals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["arn"].as_str().unwrap().ends_with(suffix))
            .cloned()
    };
    assert_eq!(get("role/ops-oncall").unwrap()["access"], "allowed");
    let alice = get("user/alice").unwrap();
    assert_eq!(alice["access"], "allowed");
    assert!(alice["via"][1]
        .as_str()
        .unwrap()
        .ends_with("role/ops-oncall"));
    assert!(
        get("user/bob").is_none(),
        "bob's own grant is denied by the SCP"
    );
}

#[test]
fn privilege_escalation_paths_respect_the_boundary() {
    let r = stopguard(&[
        "who-can",
        "tests/fixtures/escalation/authz.json",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    let esc: Vec<(String, String)> = v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            Some((
                p["name"].as_str()?.to_string(),
                p["escalation"].as_str()?.to_string(),
            ))
        })
        .collect();
    let names: Vec<&str> = esc.iter().map(|(n, _)| n.as_str()).collect();
    // bounded may rewrite its own policy, but its boundary allows only s3: no path.
    // nobody may write another user's policy only.
    assert_eq!(names, ["joiner", "passer", "selfput", "versioner"]);
    let why = |n: &str| esc.iter().find(|(x, _)| x == n).unwrap().1.clone();
    assert_eq!(why("selfput"), "iam:PutUserPolicy on itself");
    assert!(
        why("joiner").starts_with("iam:AddUserToGroup into"),
        "{}",
        why("joiner")
    );
    assert!(
        why("passer").contains("ec2.amazonaws.com"),
        "{}",
        why("passer")
    );
    assert!(
        why("versioner").starts_with("iam:CreatePolicyVersion on"),
        "{}",
        why("versioner")
    );
    let plain = stopguard(&[
        "who-can",
        "tests/fixtures/escalation/authz.json",
        "--no-escalation",
        "--format",
        "json",
    ]);
    assert_eq!(
        json(&plain.stdout)["principals"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn a_role_that_names_the_principal_is_tried_after_conditional_edges() {
    // kim and lee may assume any role only with MFA, so through `account` (whose
    // trust policy delegates to the account) they are conditional; `named`
    // trusts kim's ARN itself, which needs no identity permission, so kim's
    // chain through it is definite even though `account` comes first. max may
    // assume any role, but a Deny on every resource applies without MFA: every
    // chain of his is conditional.
    let list = who_in("tests/fixtures/chains/named-after.json", &[]);
    let find = |n: &str| list.iter().find(|(x, _, _)| x == n).unwrap().clone();
    assert_eq!(find("kim").1, "allowed");
    assert_eq!(find("kim").2, ["kim", "named"]);
    assert_eq!(find("lee").1, "conditional");
    assert_eq!(find("lee").2, ["lee", "account"]);
    assert_eq!(find("max").1, "conditional");
    assert_eq!(find("max").2, ["max", "account"]);
    // With MFA, every edge is definite: the first target in order is taken.
    let list = who_in(
        "tests/fixtures/chains/named-after.json",
        &["--context", "aws:MultiFactorAuthPresent=true"],
    );
    let find = |n: &str| list.iter().find(|(x, _, _)| x == n).unwrap().clone();
    assert_eq!(find("lee").1, "allowed");
    assert_eq!(find("max").1, "allowed");
}
