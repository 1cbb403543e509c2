//! AWS Organizations SCPs, collected live from moto (5.2.5) and applied by
//! `check`, `who-can` and `audit` exactly as `--scp` levels are.
//!
//! moto keeps an organization in the management account's backend: a member
//! account can call DescribeOrganization and ListRoots (moto forwards those),
//! but its ListParents answers AccountNotFoundException (AWS answers
//! AccessDeniedException: both are a refusal to a member). So, as on AWS, the
//! member account reads its SCPs through `--org-profile`, a profile of the
//! management account. moto switches accounts by the access key: credentials
//! from sts:AssumeRole into the member account act in that account.
#![cfg(feature = "aws")]

mod common;
#[path = "support/moto.rs"]
mod moto;

use std::process::Command;

use common::json;
use moto::{aws_env, findings, run, value, Moto};

fn principals(report: &str) -> Vec<String> {
    let mut arns: Vec<String> = json(report)["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .map(|p| {
            let arn = p["arn"].as_str().unwrap();
            arn.rsplit(':').next().unwrap().to_string()
        })
        .collect();
    arns.sort();
    arns
}

#[test]
fn scps_read_from_organizations_change_who_can_check_and_audit() {
    let moto = Moto::start();
    let seeded = moto.python(&[&common::root()
        .join("tests/moto/seed_org.py")
        .display()
        .to_string()]);
    let member = value(&seeded, "member");
    let dir = tempfile::tempdir().unwrap();
    // A profile `org` for the management account (moto's default account).
    let (config, credentials) = moto::org_profile(dir.path());
    let as_member = |c: Command| {
        let mut c = aws_env(c);
        c.env("AWS_ACCESS_KEY_ID", value(&seeded, "access_key"))
            .env("AWS_SECRET_ACCESS_KEY", value(&seeded, "secret_key"))
            .env("AWS_SESSION_TOKEN", value(&seeded, "session_token"))
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
        c
    };
    let snap = |name: &str, extra: &[&str], env: &dyn Fn(Command) -> Command| {
        let file = dir.path().join(name).display().to_string();
        let mut args = vec![
            "snapshot",
            "--endpoint-url",
            &moto.endpoint,
            "--regions",
            "us-east-1",
            "--out",
            &file,
        ];
        args.extend_from_slice(extra);
        let r = run(&args, env);
        (r, file)
    };

    // The management account: SCPs do not apply to it.
    let (r, file) = snap("mgmt.json", &[], &aws_env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("no SCPs (management account)"),
        "{}",
        r.stderr
    );
    let org = &json(&std::fs::read_to_string(&file).unwrap())["account"]["organizations"];
    assert_eq!(org["status"], "management_account", "{org}");
    assert_eq!(org["scp_levels"], serde_json::json!([]));

    // The member with its own credentials: refused, so no SCPs; a warning and a
    // note, but not a gap (SCPs only take access away: what is found is an
    // upper bound, never an understatement).
    let (r, unread) = snap("unread.json", &[], &as_member);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: organizations ListParents could not be read"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("upper bound"), "{}", r.stderr);
    let doc = json(&std::fs::read_to_string(&unread).unwrap());
    assert_eq!(doc["account"]["account_id"], member.as_str());
    assert_eq!(doc["account"]["organizations"]["status"], "unreadable");
    assert!(doc["account"].get("gaps").is_none(), "{}", doc["account"]);

    // The member, reading Organizations as the management account.
    let (r, applied) = snap("applied.json", &["--org-profile", "org"], &as_member);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("SCPs at 4 level(s)"), "{}", r.stderr);
    let doc = json(&std::fs::read_to_string(&applied).unwrap());
    assert_eq!(doc["account"]["account_id"], member.as_str());
    let org = &doc["account"]["organizations"];
    assert_eq!(org["status"], "applied", "{org}");
    assert_eq!(org["management_account_id"], "123456789012");
    let levels: Vec<(String, String, Vec<String>)> = org["scp_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let mut names: Vec<String> = l["policies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            (
                l["target_type"].as_str().unwrap().to_string(),
                l["target_id"].as_str().unwrap().to_string(),
                names,
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        levels,
        vec![
            ("ROOT".into(), value(&seeded, "root"), s(&["FullAWSAccess"])),
            (
                "ORGANIZATIONAL_UNIT".into(),
                value(&seeded, "workloads"),
                s(&["allow-ec2-iam-sts"])
            ),
            (
                "ORGANIZATIONAL_UNIT".into(),
                value(&seeded, "prod"),
                s(&["FullAWSAccess", "only-ops-stop"])
            ),
            ("ACCOUNT".into(), member.clone(), s(&["FullAWSAccess"])),
        ]
    );
    // The documents themselves, decoded from DescribePolicy's Content.
    let deny = org["scp_levels"][2]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "only-ops-stop")
        .unwrap();
    assert_eq!(deny["document"]["Statement"][0]["Effect"], "Deny");

    // who-can: the prod OU's Deny removes alice (and admin's direct access);
    // the ops role is exempt. Without the SCPs all three may stop instances.
    let who = |file: &str, extra: &[&str]| {
        let mut args = vec!["who-can", file, "--format", "json", "--no-escalation"];
        args.extend_from_slice(extra);
        let r = run(&args, |c| c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r
    };
    let r = who(&unread, &[]);
    assert_eq!(
        principals(&r.stdout),
        ["role/ops-oncall", "user/admin", "user/alice"]
    );
    assert!(r.stderr.contains("could not be read"), "{}", r.stderr);
    assert!(r.stderr.contains("upper bound"), "{}", r.stderr);
    assert_eq!(principals(&who(&applied, &[]).stdout), ["role/ops-oncall"]);
    // Each level must allow: the workloads OU allows only ec2, iam and sts, so
    // nobody may read S3 although admin's own policy allows everything.
    let s3 = ["--action", "s3:GetObject", "--resource", "*"];
    assert_eq!(principals(&who(&unread, &s3).stdout), ["user/admin"]);
    assert!(principals(&who(&applied, &s3).stdout).is_empty());
    // --scp replaces the collected levels (and says so).
    let root_scp = common::root().join("examples/scp/root.json");
    let root_scp = root_scp.display().to_string();
    let r = who(&applied, &["--scp", &root_scp]);
    assert_eq!(
        principals(&r.stdout),
        ["role/ops-oncall", "user/admin", "user/alice"]
    );
    assert!(
        r.stderr.contains(
            "--scp given: the 4 SCP level(s) collected from AWS Organizations are not used"
        ),
        "{}",
        r.stderr
    );

    // check: IAM-001 names alice only when the SCPs are unknown.
    let check = |file: &str| {
        let r = run(&["check", file, "--format", "json"], |c| c);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        findings(&r.stdout)
    };
    let on = |found: &[(String, String)], who: &str| {
        found
            .iter()
            .any(|(rule, res)| rule == "IAM-001" && res.ends_with(who))
    };
    let found = check(&unread);
    assert!(on(&found, ":user/alice"), "{found:?}");
    let found = check(&applied);
    assert!(!on(&found, ":user/alice"), "{found:?}");
    assert!(!on(&found, ":user/admin"), "{found:?}");

    // audit applies them the same way.
    let r = run(
        &[
            "audit",
            "--endpoint-url",
            &moto.endpoint,
            "--regions",
            "us-east-1",
            "--org-profile",
            "org",
            "--format",
            "json",
        ],
        as_member,
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let mut a = findings(&r.stdout);
    let mut c = found.clone();
    a.sort();
    c.sort();
    assert_eq!(a, c);
}

/// No organization: no SCP applies, and that is no gap. A principal without
/// organizations:* is refused: a warning, status `unreadable`, no gap, exit 0.
#[test]
fn no_organization_and_refused_organizations_are_notes_not_gaps() {
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "6")]);
    let keys = moto.python(&[
        "-c",
        r#"
import boto3, json, sys
iam = boto3.client("iam", region_name="us-east-1", endpoint_url=sys.argv[1])
def user(name, actions):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="audit", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    print(name + "_key", k["AccessKeyId"]); print(name + "_secret", k["SecretAccessKey"])
user("everything", ["*"])
user("auditor", ["sts:GetCallerIdentity", "iam:GetAccountAuthorizationDetails", "ec2:Describe*",
                 "cloudtrail:*", "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms",
                 "monitoring:DescribeAlarms", "events:List*", "config:Describe*"])
"#,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acct.json").display().to_string();
    let args = [
        "snapshot",
        "--endpoint-url",
        &moto.endpoint,
        "--regions",
        "us-east-1",
        "--out",
        &file,
    ];

    let as_user = |name: &str| {
        let (key, secret) = (
            value(&keys, &format!("{name}_key")),
            value(&keys, &format!("{name}_secret")),
        );
        move |c: Command| {
            let mut c = aws_env(c);
            c.env("AWS_ACCESS_KEY_ID", &key)
                .env("AWS_SECRET_ACCESS_KEY", &secret)
                .env("AWS_MAX_ATTEMPTS", "1");
            c
        }
    };
    // Allowed everything, in no organization.
    let r = run(&args, as_user("everything"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("no SCPs (not in an organization)"),
        "{}",
        r.stderr
    );
    let doc = json(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(
        doc["account"]["organizations"],
        serde_json::json!({"status": "not_in_organization", "scp_levels": []})
    );
    assert!(doc["account"].get("gaps").is_none());

    let r = run(&args, as_user("auditor"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // moto's refusal is an XML body in a JSON protocol: the SDK cannot read its
    // code, so the HTTP 403 is what tells.
    assert!(
        r.stderr
            .contains("warning: organizations DescribeOrganization could not be read"),
        "{}",
        r.stderr
    );
    let doc = json(&std::fs::read_to_string(&file).unwrap());
    let org = &doc["account"]["organizations"];
    assert_eq!(org["status"], "unreadable");
    let detail = org["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("DescribeOrganization: ") && detail.contains("HTTP 403"),
        "{org}"
    );
    assert!(doc["account"].get("gaps").is_none(), "{}", doc["account"]);
}

/// The read-only policy the README lists (examples/audit-role-policy.json) is
/// enough, with moto enforcing IAM: a member-account user holding exactly it
/// snapshots the account with no gap, and a management-account user holding
/// exactly it (`--org-profile`) reads every SCP level.
#[test]
fn the_example_read_only_policy_is_enough() {
    let moto = Moto::start();
    let seed = common::root().join("tests/moto/seed_org.py");
    let seeded = moto.python(&[&seed.display().to_string()]);
    let policy =
        std::fs::read_to_string(common::root().join("examples/audit-role-policy.json")).unwrap();
    let users = moto.python(&[
        "-c",
        r#"
import boto3, json, sys
member_key, member_secret, member_token, policy, ep = sys.argv[1:6]
# moto authorises CloudWatch calls under the service's endpoint prefix,
# "monitoring:", not the IAM prefix "cloudwatch:" that AWS checks and the example
# policy grants; the same read is added under moto's name, and nothing else.
doc = json.loads(policy)
doc["Statement"].append({"Sid": "MotoCloudWatchPrefix", "Effect": "Allow",
                         "Action": "monitoring:DescribeAlarms", "Resource": "*"})
policy = json.dumps(doc)
def user(iam, name):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="stopguard", PolicyDocument=policy)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    print(name + "_key", k["AccessKeyId"]); print(name + "_secret", k["SecretAccessKey"])
user(boto3.client("iam", region_name="us-east-1", endpoint_url=ep), "org_reader")
user(boto3.client("iam", region_name="us-east-1", endpoint_url=ep, aws_access_key_id=member_key,
     aws_secret_access_key=member_secret, aws_session_token=member_token), "auditor")
"#,
        &value(&seeded, "access_key"),
        &value(&seeded, "secret_key"),
        &value(&seeded, "session_token"),
        &policy,
    ]);
    // From now on moto authorises every call by the caller's IAM policies.
    moto.enforce_auth();

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, "[profile org]\nregion = us-east-1\n").unwrap();
    std::fs::write(
        &credentials,
        format!(
            "[org]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            value(&users, "org_reader_key"),
            value(&users, "org_reader_secret")
        ),
    )
    .unwrap();
    let file = dir.path().join("acct.json").display().to_string();
    let snap = |extra: &[&str], env: &dyn Fn(Command) -> Command| {
        let mut args = vec![
            "snapshot",
            "--endpoint-url",
            &moto.endpoint,
            "--regions",
            "us-east-1",
            "--out",
            &file,
        ];
        args.extend_from_slice(extra);
        run(&args, env)
    };
    let auditor = |c: Command| {
        let mut c = aws_env(c);
        c.env("AWS_ACCESS_KEY_ID", value(&users, "auditor_key"))
            .env("AWS_SECRET_ACCESS_KEY", value(&users, "auditor_secret"))
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_MAX_ATTEMPTS", "1");
        c
    };
    let r = snap(&["--org-profile", "org"], &auditor);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let doc = json(&std::fs::read_to_string(&file).unwrap());
    assert!(doc["account"].get("gaps").is_none(), "{}", doc["account"]);
    assert_eq!(doc["account"]["organizations"]["status"], "applied");
    assert_eq!(
        doc["account"]["organizations"]["scp_levels"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(doc["account"]["iam"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["name"] == "alice"));

    // The refusal is real: a key moto does not know is refused, not ignored.
    let r = snap(&[], &|c| {
        let mut c = auditor(c);
        c.env("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000");
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
}
