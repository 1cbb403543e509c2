//! Throttling and pagination, against moto behind a proxy (tests/support/proxy.rs)
//! that throttles chosen APIs in each service's own error shape and forces small
//! pages. What these prove: the SDK's retries absorb throttling (the snapshot is
//! identical to one taken directly, with no gap), throttling that never ends
//! becomes a gap after the configured attempts, and every page is followed.
//!
//! moto paginates DescribeInstances and ListPoliciesForTarget when asked for a
//! page size (`MaxResults`), so those are cut into pages of 2 and 1. It never
//! paginates GetAccountAuthorizationDetails or DescribeSecurityGroups (and
//! DescribeTrails has no pages in AWS either): their paging is the SDK's
//! paginator, exercised here only for one page.
#![cfg(feature = "aws")]

mod common;
#[path = "support/moto.rs"]
mod moto;
#[path = "support/proxy.rs"]
mod proxy;

use std::process::Command;

use common::json;
use moto::{aws_env, run, value, Moto};
use proxy::{Proxy, Throttle};

const SEED: &str = r#"
import boto3, json, sys
ep = sys.argv[1]
iam = boto3.client("iam", region_name="us-east-1", endpoint_url=ep)
for i in range(12):
    iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
for region, groups, reservations in [("us-east-1", 6, 5), ("eu-west-1", 4, 3)]:
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=ep)
    for i in range(groups):
        ec2.create_security_group(GroupName=f"sg-{i}", Description="seeded")
    image = "ami-12c6146b" if region == "eu-west-1" else "ami-760aaa0f"
    for i in range(reservations):
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
"#;

fn snapshot(endpoint: &str, file: &str, env: impl FnOnce(Command) -> Command) -> common::Run {
    run(
        &[
            "snapshot",
            "--endpoint-url",
            endpoint,
            "--regions",
            "us-east-1,eu-west-1",
            "--concurrency",
            "4",
            "--out",
            file,
        ],
        env,
    )
}

/// The account part of a snapshot, which must not depend on the way it was read.
fn account(file: &str) -> serde_json::Value {
    json(&std::fs::read_to_string(file).expect("snapshot"))["account"].clone()
}

#[test]
fn throttling_is_retried_and_every_page_is_followed() {
    let moto = Moto::start();
    moto.python(&["-c", SEED]);
    let dir = tempfile::tempdir().unwrap();
    let direct = dir.path().join("direct.json").display().to_string();
    let r = snapshot(&moto.endpoint, &direct, aws_env);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let proxy = Proxy::start(
        moto.port,
        &[
            // aws query, HTTP 400: retried only because the SDK reads the code.
            Throttle {
                api: "GetAccountAuthorizationDetails",
                region: None,
                times: 2,
            },
            // ec2 query, HTTP 503.
            Throttle {
                api: "DescribeSecurityGroups",
                region: Some("eu-west-1"),
                times: 2,
            },
            Throttle {
                api: "DescribeInstances",
                region: Some("us-east-1"),
                times: 1,
            },
            // awsJson, HTTP 400.
            Throttle {
                api: "DescribeOrganization",
                region: None,
                times: 2,
            },
            Throttle {
                api: "DescribeTrails",
                region: Some("eu-west-1"),
                times: 1,
            },
        ],
        &[("DescribeInstances", 2)],
    );
    let via = dir.path().join("via.json").display().to_string();
    let r = snapshot(&proxy.endpoint, &via, aws_env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    assert_eq!(
        account(&via),
        account(&direct),
        "throttling and small pages must change nothing"
    );
    let acct = account(&via);
    assert!(acct.get("gaps").is_none(), "{acct}");
    assert_eq!(acct["iam"]["roles"].as_array().unwrap().len(), 12);
    let per_region = |kind: &str, region: &str| {
        acct["ec2"][kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["region"] == region)
            .count()
    };
    assert_eq!(per_region("instances", "us-east-1"), 5);
    assert_eq!(per_region("instances", "eu-west-1"), 3);
    // moto adds each region's default VPC group to the seeded ones.
    assert_eq!(per_region("security_groups", "us-east-1"), 7);
    assert_eq!(per_region("security_groups", "eu-west-1"), 5);

    // Every throttled call was retried until it succeeded, and no more.
    assert_eq!(proxy.count("GetAccountAuthorizationDetails", None), (3, 2));
    assert_eq!(
        proxy.count("DescribeSecurityGroups", Some("eu-west-1")),
        (3, 2)
    );
    assert_eq!(
        proxy.count("DescribeSecurityGroups", Some("us-east-1")),
        (1, 0)
    );
    assert_eq!(proxy.count("DescribeOrganization", None), (3, 2));
    assert_eq!(proxy.count("DescribeTrails", Some("eu-west-1")), (2, 1));
    // Pages of 2 reservations: 5 -> 3 pages (plus the throttled try), 3 -> 2.
    assert_eq!(proxy.count("DescribeInstances", Some("us-east-1")), (4, 1));
    assert_eq!(proxy.count("DescribeInstances", Some("eu-west-1")), (2, 0));
}

#[test]
fn throttling_that_persists_becomes_a_gap_after_the_retries() {
    let moto = Moto::start();
    moto.python(&["-c", SEED]);
    let proxy = Proxy::start(
        moto.port,
        &[Throttle {
            api: "DescribeSecurityGroups",
            region: Some("eu-west-1"),
            times: usize::MAX,
        }],
        &[],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acct.json").display().to_string();
    let r = snapshot(&proxy.endpoint, &file, |c| {
        let mut c = aws_env(c);
        c.env("AWS_MAX_ATTEMPTS", "3");
        c
    });
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "warning: ec2 DescribeSecurityGroups in eu-west-1 could not be read: RequestLimitExceeded"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        proxy.count("DescribeSecurityGroups", Some("eu-west-1")),
        (3, 3),
        "AWS_MAX_ATTEMPTS=3 means three tries"
    );
    let acct = account(&file);
    let gaps = acct["gaps"].as_array().expect("gaps");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["service"], "ec2");
    assert_eq!(gaps[0]["api"], "DescribeSecurityGroups");
    assert_eq!(gaps[0]["region"], "eu-west-1");
    assert!(
        gaps[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("RequestLimitExceeded"),
        "{}",
        gaps[0]
    );
    assert_eq!(acct["supplied"]["security_groups"], false);
    assert_eq!(acct["supplied"]["instances"], true);
    assert_eq!(acct["ec2"]["instances"].as_array().unwrap().len(), 8);
}

/// Organizations through the proxy: one SCP per page, a throttled ListParents
/// and DescribePolicy; the levels are the same as read directly.
#[test]
fn organizations_pages_and_throttling() {
    let moto = Moto::start();
    let seeded = moto.python(&[&common::root()
        .join("tests/moto/seed_org.py")
        .display()
        .to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let (config, credentials) = moto::org_profile(dir.path());
    let take = |endpoint: &str, name: &str| {
        let file = dir.path().join(name).display().to_string();
        let r = run(
            &[
                "snapshot",
                "--endpoint-url",
                endpoint,
                "--regions",
                "us-east-1",
                "--org-profile",
                "org",
                "--out",
                &file,
            ],
            |c| {
                let mut c = aws_env(c);
                c.env("AWS_ACCESS_KEY_ID", value(&seeded, "access_key"))
                    .env("AWS_SECRET_ACCESS_KEY", value(&seeded, "secret_key"))
                    .env("AWS_SESSION_TOKEN", value(&seeded, "session_token"))
                    .env("AWS_CONFIG_FILE", &config)
                    .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
                c
            },
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stderr.contains("warning"), "{}", r.stderr);
        account(&file)["organizations"].clone()
    };
    let direct = take(&moto.endpoint, "direct.json");
    let proxy = Proxy::start(
        moto.port,
        &[
            Throttle {
                api: "ListParents",
                region: None,
                times: 1,
            },
            Throttle {
                api: "DescribePolicy",
                region: None,
                times: 1,
            },
        ],
        &[("ListPoliciesForTarget", 1)],
    );
    let via = take(&proxy.endpoint, "via.json");
    assert_eq!(via["status"], "applied");
    assert_eq!(via, direct);
    // One page per SCP: root 1, workloads 1, prod 2, account 1; each level's
    // last page is the one without a NextToken.
    assert_eq!(proxy.count("ListPoliciesForTarget", None), (5, 0));
    // Account -> prod -> workloads -> root, one retry.
    assert_eq!(proxy.count("ListParents", None), (4, 1));
    // Three distinct SCPs (FullAWSAccess is attached at three levels), each
    // described once, plus one retry.
    assert_eq!(proxy.count("DescribePolicy", None), (4, 1));
}
