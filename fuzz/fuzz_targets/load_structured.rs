//! Semi-valid input documents from a small grammar of the real shapes: top-level
//! keys from the list the loader accepts, nested keys from the model's field names
//! (AWS PascalCase and snapshot snake_case), strings from real-looking ARNs, ids
//! and policy words, and policy documents embedded as JSON or URL-encoded strings.
//! The fuzzer gets past "unrecognised document" at once and spends its time in the
//! typed deserializers, `merge`, `bind_pending` and `finish`.
//!
//! Several documents load together (so trail status and selectors bind across
//! files), as JSON or as YAML; an account that loads, written as a snapshot, must
//! load again.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use stopguard::load::{load_texts, Format, RawInput};

const TOP_KEYS: &[&str] = &[
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
    "SecurityGroups",
    "Reservations",
    "InstanceId",
    "DisableApiStop",
    "trailList",
    "IsLogging",
    "LatestDeliveryError",
    "LatestDeliveryTime",
    "Name",
    "TrailARN",
    "EventSelectors",
    "AdvancedEventSelectors",
    "Version",
    "Id",
    "Statement",
    "stopguard_snapshot",
    "account",
    "Policy",
    "Records",
    "AWSTemplateFormatVersion",
    "Resources",
    "resource_changes",
    "planned_values",
];

const FIELD_KEYS: &[&str] = &[
    // IAM
    "UserName",
    "GroupName",
    "RoleName",
    "PolicyName",
    "Arn",
    "UserId",
    "GroupId",
    "RoleId",
    "Path",
    "UserPolicyList",
    "GroupPolicyList",
    "RolePolicyList",
    "GroupList",
    "AttachedManagedPolicies",
    "PolicyArn",
    "PermissionsBoundary",
    "PermissionsBoundaryArn",
    "AssumeRolePolicyDocument",
    "PolicyDocument",
    "Tags",
    "Key",
    "Value",
    "DefaultVersionId",
    "AttachmentCount",
    "PolicyVersionList",
    "Document",
    "VersionId",
    "IsDefaultVersion",
    // policy documents
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "StringEquals",
    "StringLike",
    "ArnLike",
    "Bool",
    "IpAddress",
    "NumericLessThan",
    "DateGreaterThan",
    "ForAnyValue:StringEquals",
    "Null",
    "aws:SourceIp",
    "aws:username",
    // EC2
    "SecurityGroups",
    "Description",
    "VpcId",
    "OwnerId",
    "SecurityGroupArn",
    "IpPermissions",
    "IpPermissionsEgress",
    "IpProtocol",
    "FromPort",
    "ToPort",
    "IpRanges",
    "CidrIp",
    "UserIdGroupPairs",
    "PrefixListIds",
    "PrefixListId",
    "Instances",
    "InstanceId",
    "InstanceType",
    "ImageId",
    "State",
    "Name",
    "Placement",
    "AvailabilityZone",
    // CloudTrail
    "TrailARN",
    "HomeRegion",
    "IsMultiRegionTrail",
    "IsOrganizationTrail",
    "IncludeGlobalServiceEvents",
    "LogFileValidationEnabled",
    "KmsKeyId",
    "CloudWatchLogsLogGroupArn",
    "SnsTopicARN",
    "HasCustomEventSelectors",
    "HasInsightSelectors",
    "ReadWriteType",
    "IncludeManagementEvents",
    "ExcludeManagementEventSources",
    "FieldSelectors",
    "Field",
    "Equals",
    "StartsWith",
    "EndsWith",
    "NotEquals",
    "NotStartsWith",
    "NotEndsWith",
    // snapshot (snake_case)
    "account_id",
    "iam",
    "users",
    "groups",
    "roles",
    "policies",
    "policy_files",
    "ec2",
    "security_groups",
    "instances",
    "cloudtrail",
    "trails",
    "supplied",
    "gaps",
    "file",
    "document",
    "statement_lines",
    "service",
    "api",
    "region",
    "error",
    "name",
    "arn",
    "id",
    "status",
    "is_logging",
];

const STRINGS: &[&str] = &[
    "",
    "*",
    "Allow",
    "Deny",
    "2012-10-17",
    "ec2:StopInstances",
    "ec2:*",
    "iam:PassRole",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::111122223333:policy/p",
    "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
    "main",
    "v1",
    "sg-1",
    "i-1",
    "tcp",
    "-1",
    "0.0.0.0/0",
    "::/0",
    "us-east-1a",
    "eu-west-1",
    "running",
    "stopped",
    "All",
    "ReadOnly",
    "eventCategory",
    "Management",
    "ec2.amazonaws.com",
    "${aws:username}",
    "/",
    "a:b:c:d:e:f",
    "true",
];

#[derive(Arbitrary, Debug)]
enum Str {
    Known(u8),
    Raw(String),
}

impl Str {
    fn text(&self) -> String {
        match self {
            Str::Known(i) => STRINGS[usize::from(*i) % STRINGS.len()].to_string(),
            Str::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum FieldKey {
    Known(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Str),
    Arr(Vec<J>),
    Obj(Vec<(FieldKey, J)>),
    /// A document serialized into a string, as IAM's API and CloudFormation do.
    Embedded(Box<J>),
    /// URL-encoded, as `get-account-authorization-details` returns without the CLI.
    UrlEncoded(Box<J>),
    /// A well-formed policy statement, so the fuzzer need not invent one.
    Statement {
        deny: bool,
        action: Box<J>,
        resource: Box<J>,
        rest: Vec<(FieldKey, J)>,
    },
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn object(fields: &[(FieldKey, J)], embeds: u32) -> Map<String, Value> {
    fields
        .iter()
        .map(|(k, v)| {
            let k = match k {
                FieldKey::Known(i) => FIELD_KEYS[usize::from(*i) % FIELD_KEYS.len()].to_string(),
                FieldKey::Raw(s) => s.clone(),
            };
            (k, v.value(embeds))
        })
        .collect()
}

/// Embedding escapes the inner text again, so its length doubles with every level;
/// past this many levels an embedded document is `null` (the harness would hang,
/// not the loader).
const MAX_EMBEDS: u32 = 3;

impl J {
    fn value(&self, embeds: u32) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Int(i) => json!(i),
            J::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            J::Str(s) => Value::String(s.text()),
            J::Arr(items) => Value::Array(items.iter().map(|j| j.value(embeds)).collect()),
            J::Obj(fields) => Value::Object(object(fields, embeds)),
            J::Embedded(_) | J::UrlEncoded(_) if embeds >= MAX_EMBEDS => Value::Null,
            J::Embedded(inner) => Value::String(inner.value(embeds + 1).to_string()),
            J::UrlEncoded(inner) => Value::String(url_encode(&inner.value(embeds + 1).to_string())),
            J::Statement {
                deny,
                action,
                resource,
                rest,
            } => {
                let mut m = object(rest, embeds);
                m.insert("Effect".into(), json!(if *deny { "Deny" } else { "Allow" }));
                m.insert("Action".into(), action.value(embeds));
                m.insert("Resource".into(), resource.value(embeds));
                Value::Object(m)
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Doc {
    keys: Vec<(u8, J)>,
    extra: Vec<(FieldKey, J)>,
    yaml: bool,
    pretty: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    docs: Vec<Doc>,
}

fuzz_target!(|input: Input| {
    let inputs: Vec<RawInput> = input
        .docs
        .iter()
        .take(4)
        .enumerate()
        .map(|(n, d)| {
            let mut m = object(&d.extra, 0);
            for (k, v) in &d.keys {
                m.insert(
                    TOP_KEYS[usize::from(*k) % TOP_KEYS.len()].into(),
                    v.value(0),
                );
            }
            let v = Value::Object(m);
            let text = if d.pretty {
                serde_json::to_string_pretty(&v)
            } else {
                serde_json::to_string(&v)
            }
            .expect("a Value serializes");
            let (name, format) = if d.yaml {
                (format!("f{n}.yaml"), Format::Yaml)
            } else {
                (format!("f{n}.json"), Format::Json)
            };
            RawInput { name, format, text }
        })
        .collect();
    if inputs.is_empty() {
        return;
    }
    let Ok(account) = load_texts(inputs) else {
        return;
    };
    let snapshot = json!({ "stopguard_snapshot": 1, "account": account }).to_string();
    if let Err(e) = load_texts(vec![RawInput {
        name: "snapshot.json".into(),
        format: Format::Json,
        text: snapshot.clone(),
    }]) {
        panic!("a loaded account, as a snapshot, does not load: {e:?}\n{snapshot}");
    }
});
