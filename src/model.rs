//! The normalised account model: what every loader (AWS CLI exports, policy files,
//! the live collector) produces, and what a snapshot file stores.
//!
//! Field names are snake_case; each also accepts the AWS CLI's PascalCase name as an
//! alias, so the CLI's own output deserializes straight into these types with no
//! intermediate tree. Unknown fields are ignored: AWS adds fields over time.
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::iam::policy::PolicyDocument;

pub mod trail_event;
pub use trail_event::TrailEvent;

/// Version of the snapshot file format (and of the model it stores).
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Account {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default)]
    pub iam: Iam,
    /// Standalone IAM policy documents under review (the file a pull request changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_files: Vec<PolicyFile>,
    #[serde(default)]
    pub ec2: Ec2,
    #[serde(default)]
    pub cloudtrail: CloudTrail,
    /// Which kinds of data the inputs supplied, so that "no trail" is told apart from
    /// "no trail data given".
    #[serde(default)]
    pub supplied: Supplied,
    /// Data the collector could not read; policies needing it report "not evaluated".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// CloudTrail events read from log files (only those the event policies judge).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cloudtrail_events: Vec<TrailEvent>,
}

#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Supplied {
    #[serde(default)]
    pub iam: bool,
    #[serde(default)]
    pub security_groups: bool,
    #[serde(default)]
    pub instances: bool,
    #[serde(default)]
    pub trails: bool,
}

impl Supplied {
    pub fn union(self, o: Supplied) -> Supplied {
        Supplied {
            iam: self.iam || o.iam,
            security_groups: self.security_groups || o.security_groups,
            instances: self.instances || o.instances,
            trails: self.trails || o.trails,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Iam {
    #[serde(default, alias = "UserDetailList")]
    pub users: Vec<User>,
    #[serde(default, alias = "GroupDetailList")]
    pub groups: Vec<Group>,
    #[serde(default, alias = "RoleDetailList")]
    pub roles: Vec<Role>,
    #[serde(default, alias = "Policies")]
    pub policies: Vec<ManagedPolicy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InlinePolicy {
    #[serde(alias = "PolicyName")]
    pub name: String,
    #[serde(alias = "PolicyDocument")]
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attachment {
    #[serde(default, alias = "PolicyName")]
    pub name: String,
    #[serde(alias = "PolicyArn")]
    pub arn: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Boundary {
    #[serde(alias = "PermissionsBoundaryArn")]
    pub arn: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tag {
    #[serde(alias = "Key")]
    pub key: String,
    #[serde(default, alias = "Value")]
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    #[serde(alias = "UserName")]
    pub name: String,
    #[serde(alias = "Arn")]
    pub arn: String,
    #[serde(default, alias = "UserId")]
    pub id: String,
    #[serde(default, alias = "Path")]
    pub path: String,
    #[serde(default, alias = "UserPolicyList")]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, alias = "GroupList")]
    pub groups: Vec<String>,
    #[serde(default, alias = "AttachedManagedPolicies")]
    pub attached_policies: Vec<Attachment>,
    #[serde(
        default,
        alias = "PermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    pub permissions_boundary: Option<Boundary>,
    #[serde(default, alias = "Tags")]
    pub tags: Vec<Tag>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    #[serde(alias = "GroupName")]
    pub name: String,
    #[serde(alias = "Arn")]
    pub arn: String,
    #[serde(default, alias = "GroupId")]
    pub id: String,
    #[serde(default, alias = "Path")]
    pub path: String,
    #[serde(default, alias = "GroupPolicyList")]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, alias = "AttachedManagedPolicies")]
    pub attached_policies: Vec<Attachment>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    #[serde(alias = "RoleName")]
    pub name: String,
    #[serde(alias = "Arn")]
    pub arn: String,
    #[serde(default, alias = "RoleId")]
    pub id: String,
    #[serde(default, alias = "Path")]
    pub path: String,
    #[serde(
        default,
        alias = "AssumeRolePolicyDocument",
        skip_serializing_if = "Option::is_none"
    )]
    pub trust_policy: Option<PolicyDocument>,
    #[serde(default, alias = "RolePolicyList")]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, alias = "AttachedManagedPolicies")]
    pub attached_policies: Vec<Attachment>,
    #[serde(
        default,
        alias = "PermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    pub permissions_boundary: Option<Boundary>,
    #[serde(default, alias = "Tags")]
    pub tags: Vec<Tag>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    #[serde(default, alias = "VersionId")]
    pub version_id: String,
    #[serde(default, alias = "IsDefaultVersion")]
    pub is_default: bool,
    #[serde(alias = "Document")]
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// moto omits PolicyName; the loader derives it from the ARN when missing.
    #[serde(default, alias = "PolicyName")]
    pub name: String,
    #[serde(alias = "Arn")]
    pub arn: String,
    #[serde(default, alias = "Path")]
    pub path: String,
    #[serde(default, alias = "DefaultVersionId")]
    pub default_version_id: String,
    #[serde(default, alias = "AttachmentCount")]
    pub attachment_count: u64,
    #[serde(default, alias = "PolicyVersionList")]
    pub versions: Vec<PolicyVersion>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

impl ManagedPolicy {
    pub fn is_aws_managed(&self) -> bool {
        self.arn.starts_with("arn:aws:iam::aws:") || self.arn.contains(":iam::aws:policy/")
    }

    /// The version in force: the one flagged default, else the one named by DefaultVersionId.
    pub fn default_document(&self) -> Option<&PolicyDocument> {
        self.versions
            .iter()
            .find(|v| v.is_default)
            .or_else(|| {
                self.versions
                    .iter()
                    .find(|v| v.version_id == self.default_version_id)
            })
            .map(|v| &v.document)
    }
}

/// A policy document given on its own, e.g. `policies/deploy.json` in a repository.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyFile {
    pub file: String,
    pub document: PolicyDocument,
    /// 1-based line of each statement in the file, where the source text tells.
    #[serde(default)]
    pub statement_lines: Vec<Option<u32>>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Ec2 {
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub instances: Vec<Instance>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpRange {
    #[serde(alias = "CidrIp", alias = "CidrIpv6")]
    pub cidr: String,
    #[serde(
        default,
        alias = "Description",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupPair {
    #[serde(default, alias = "GroupId")]
    pub group_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrefixList {
    #[serde(default, alias = "PrefixListId")]
    pub prefix_list_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Permission {
    /// "tcp", "udp", "icmp", "icmpv6", a protocol number, or "-1" for all.
    #[serde(alias = "IpProtocol")]
    pub protocol: String,
    #[serde(default, alias = "FromPort", skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i64>,
    #[serde(default, alias = "ToPort", skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i64>,
    #[serde(default, alias = "IpRanges")]
    pub ipv4_ranges: Vec<IpRange>,
    #[serde(default, alias = "Ipv6Ranges")]
    pub ipv6_ranges: Vec<IpRange>,
    #[serde(default, alias = "UserIdGroupPairs")]
    pub group_pairs: Vec<GroupPair>,
    #[serde(default, alias = "PrefixListIds")]
    pub prefix_lists: Vec<PrefixList>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecurityGroup {
    #[serde(alias = "GroupId")]
    pub id: String,
    #[serde(default, alias = "GroupName")]
    pub name: String,
    #[serde(default, alias = "Description")]
    pub description: String,
    #[serde(default, alias = "VpcId", skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, alias = "OwnerId", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// `SecurityGroupArn`, which newer AWS CLI output carries; the loader takes the
    /// group's region from it when no region is given.
    #[serde(
        default,
        alias = "SecurityGroupArn",
        skip_serializing_if = "Option::is_none"
    )]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, alias = "IpPermissions")]
    pub ingress: Vec<Permission>,
    #[serde(default, alias = "IpPermissionsEgress")]
    pub egress: Vec<Permission>,
    #[serde(default, alias = "Tags")]
    pub tags: Vec<Tag>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceState {
    #[serde(alias = "Name")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Placement {
    #[serde(default, alias = "AvailabilityZone")]
    pub availability_zone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRef {
    #[serde(alias = "GroupId")]
    pub id: String,
    #[serde(default, alias = "GroupName")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    #[serde(alias = "InstanceId")]
    pub id: String,
    #[serde(default, alias = "InstanceType")]
    pub instance_type: String,
    #[serde(default, alias = "ImageId")]
    pub image_id: String,
    #[serde(default, alias = "State", skip_serializing_if = "Option::is_none")]
    pub state: Option<InstanceState>,
    #[serde(default, alias = "Placement", skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    #[serde(default, alias = "VpcId", skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, alias = "SecurityGroups")]
    pub security_groups: Vec<GroupRef>,
    #[serde(default, alias = "Tags")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, alias = "OwnerId", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// `DisableApiStop`, from `describe-instance-attribute`; None when not supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_protection: Option<bool>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CloudTrail {
    #[serde(default)]
    pub trails: Vec<Trail>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trail {
    #[serde(alias = "Name")]
    pub name: String,
    #[serde(default, alias = "TrailARN")]
    pub arn: String,
    #[serde(default, alias = "HomeRegion")]
    pub home_region: String,
    #[serde(default, alias = "S3BucketName")]
    pub s3_bucket: String,
    #[serde(default, alias = "IsMultiRegionTrail")]
    pub multi_region: bool,
    #[serde(default, alias = "IsOrganizationTrail")]
    pub organization_trail: bool,
    #[serde(default, alias = "IncludeGlobalServiceEvents")]
    pub include_global_service_events: bool,
    #[serde(default, alias = "LogFileValidationEnabled")]
    pub log_file_validation: bool,
    #[serde(default, alias = "KmsKeyId", skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(
        default,
        alias = "CloudWatchLogsLogGroupArn",
        skip_serializing_if = "Option::is_none"
    )]
    pub cloudwatch_log_group: Option<String>,
    #[serde(
        default,
        alias = "SnsTopicARN",
        skip_serializing_if = "Option::is_none"
    )]
    pub sns_topic: Option<String>,
    #[serde(default, alias = "HasCustomEventSelectors")]
    pub has_custom_event_selectors: bool,
    #[serde(default, alias = "HasInsightSelectors")]
    pub has_insight_selectors: bool,
    /// From `get-trail-status`; None when not supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TrailStatus>,
    /// From `get-event-selectors`; None when not supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_selectors: Option<Vec<EventSelector>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrailStatus {
    #[serde(alias = "IsLogging")]
    pub is_logging: bool,
    #[serde(
        default,
        alias = "LatestDeliveryError",
        skip_serializing_if = "Option::is_none"
    )]
    pub latest_delivery_error: Option<String>,
    #[serde(
        default,
        alias = "LatestDeliveryTime",
        skip_serializing_if = "Option::is_none"
    )]
    pub latest_delivery_time: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventSelector {
    #[serde(default = "read_write_all", alias = "ReadWriteType")]
    pub read_write_type: String,
    #[serde(default = "yes", alias = "IncludeManagementEvents")]
    pub include_management_events: bool,
    #[serde(default, alias = "ExcludeManagementEventSources")]
    pub exclude_management_event_sources: Vec<String>,
}

fn read_write_all() -> String {
    "All".into()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdvancedEventSelector {
    #[serde(default, alias = "Name")]
    pub name: String,
    #[serde(default, alias = "FieldSelectors")]
    pub field_selectors: Vec<FieldSelector>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldSelector {
    #[serde(alias = "Field")]
    pub field: String,
    #[serde(default, alias = "Equals", skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, alias = "StartsWith", skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    #[serde(default, alias = "EndsWith", skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    #[serde(default, alias = "NotEquals", skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    #[serde(
        default,
        alias = "NotStartsWith",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub not_starts_with: Vec<String>,
    #[serde(default, alias = "NotEndsWith", skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// Something the collector could not read: the policies that needed it say "not evaluated".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Gap {
    pub service: String,
    pub api: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub error: String,
}

/// The snapshot file: the model plus who wrote it, when and for what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub stopguard_snapshot: u32,
    #[serde(default)]
    pub tool_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    pub account: Account,
}

/// `Tags` lists as the map policies want to read.
pub fn tag_map(tags: &[Tag]) -> std::collections::BTreeMap<&str, &str> {
    tags.iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect()
}

/// Region from an ARN ("arn:aws:ec2:us-east-1:111122223333:security-group/sg-1" ->
/// "us-east-1"); None when the ARN has no region field (IAM) or is not an ARN.
pub fn region_of_arn(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    if parts.next() != Some("arn") {
        return None;
    }
    let region = parts.nth(2)?;
    (!region.is_empty() && parts.nth(1).is_some()).then(|| region.to_string())
}

/// Region from an availability zone name ("eu-west-1a" -> "eu-west-1").
pub fn region_of_az(az: &str) -> Option<String> {
    let trimmed = az.trim_end_matches(|c: char| c.is_ascii_lowercase());
    (trimmed.len() < az.len() && trimmed.ends_with(|c: char| c.is_ascii_digit()))
        .then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_of_arn_reads_the_fourth_field() {
        assert_eq!(
            region_of_arn("arn:aws:ec2:us-east-1:111122223333:security-group/sg-0abc").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            region_of_arn("arn:aws-cn:ec2:cn-north-1:111122223333:security-group/sg-1").as_deref(),
            Some("cn-north-1")
        );
        assert_eq!(region_of_arn("arn:aws:iam::111122223333:role/x"), None);
        assert_eq!(region_of_arn("arn:aws:ec2:us-east-1"), None);
        assert_eq!(region_of_arn("sg-0abc"), None);
    }
}
