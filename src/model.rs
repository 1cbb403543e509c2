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
    /// CloudWatch Logs metric filters.
    #[serde(default)]
    pub logs: crate::monitoring::Logs,
    /// CloudWatch alarms.
    #[serde(default)]
    pub cloudwatch: crate::monitoring::CloudWatch,
    /// EventBridge rules and their targets.
    #[serde(default)]
    pub events: crate::monitoring::Events,
    /// AWS Config recorders, their status, and rules.
    #[serde(default)]
    pub config: crate::monitoring::ConfigService,
    /// Which kinds of data the inputs supplied, so that "no trail" is told apart from
    /// "no trail data given".
    #[serde(default)]
    pub supplied: Supplied,
    /// Data the collector could not read; policies needing it report "not evaluated".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// The AWS Organizations SCPs that apply to the account, as the live collector
    /// read them; None when nobody looked (exports, snapshots of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Organizations>,
    /// Values of infrastructure-as-code inputs that cannot be known before
    /// deployment (an unresolved intrinsic, a value known only after apply) and
    /// that a check depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknowns: Vec<Unknown>,
    /// Where elements of template and plan inputs are written (see [`loc_key`]);
    /// not part of a snapshot.
    #[serde(skip)]
    pub locations: std::collections::HashMap<String, Pos>,
    /// CloudTrail events read from log files (only those the event policies judge).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cloudtrail_events: Vec<TrailEvent>,
}

/// What AWS Organizations says about the account's service control policies.
///
/// SCP evaluation is per level (AWS Organizations User Guide, "SCP evaluation"):
/// an action is possible only if an SCP at the root, at every OU on the path
/// down, and at the account itself allows it, and no SCP at any level denies it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Organizations {
    pub status: OrgStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account_id: Option<String>,
    /// Root first, then each OU down the path, then the account itself. Empty
    /// unless `status` is `applied`.
    #[serde(default)]
    pub scp_levels: Vec<OrgLevel>,
    /// Why the SCPs could not be read (`status: unreadable`), or why none apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    /// The levels below were read and apply to the account.
    Applied,
    /// The account is its organization's management account: SCPs do not apply
    /// to it (AWS Organizations User Guide, "Service control policies").
    ManagementAccount,
    /// The account belongs to no organization: no SCP applies.
    NotInOrganization,
    /// The organization has only consolidated billing, or the SCP policy type is
    /// not enabled at the root: no SCP applies.
    ScpsDisabled,
    /// The SCPs could not be read (denied, or an error after retries): access
    /// found is an upper bound, as SCPs can only take access away.
    Unreadable,
}

/// One level of the organization path, with the SCPs attached directly to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgLevel {
    /// `r-...`, `ou-...` or the account id.
    pub target_id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`, as ListParents names them.
    pub target_type: String,
    #[serde(default)]
    pub policies: Vec<Scp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scp {
    pub id: String,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub aws_managed: bool,
    pub document: PolicyDocument,
}

impl Organizations {
    /// The SCP levels to evaluate: only when they apply to the account.
    pub fn applied_levels(&self) -> &[OrgLevel] {
        if self.status == OrgStatus::Applied {
            &self.scp_levels
        } else {
            &[]
        }
    }
}

/// A 1-based line and column (in characters) in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A value of a template or plan that cannot be evaluated before deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unknown {
    /// The resource as findings name it (`file#LogicalId`, `file#address`).
    pub resource: String,
    /// The property, e.g. `SecurityGroupIngress[0].CidrIp` or `Statement[1].Resource`.
    pub field: String,
    /// The value as written: `!Ref AdminCidr`, `(known after apply)`.
    pub expression: String,
    /// The checks whose answer depends on it.
    pub checks: Vec<String>,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Keys of [`Account::locations`]: one function per kind of element, so that the
/// loaders that record a position and the input builder that reads it agree.
pub mod loc_key {
    pub fn security_group(id: &str) -> String {
        format!("sg\u{0}{id}")
    }
    pub fn ingress(id: &str, index: usize) -> String {
        format!("sg\u{0}{id}\u{0}ingress\u{0}{index}")
    }
    pub fn instance(id: &str) -> String {
        format!("instance\u{0}{id}")
    }
    pub fn trail(key: &str) -> String {
        format!("trail\u{0}{key}")
    }
    /// A property of an instance or trail, by its input field name (`stop_protection`).
    pub fn field(owner: &str, field: &str) -> String {
        format!("{owner}\u{0}{field}")
    }
    /// A statement of a policy, by the policy's id (ARN, `owner#name`, or file).
    pub fn statement(policy_id: &str, index: usize) -> String {
        format!("stmt\u{0}{policy_id}\u{0}{index}")
    }
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
    /// `aws logs describe-metric-filters`
    #[serde(default)]
    pub metric_filters: bool,
    /// `aws cloudwatch describe-alarms`
    #[serde(default)]
    pub alarms: bool,
    /// `aws events list-rules` (targets are per rule: `targets` is null when unknown)
    #[serde(default)]
    pub event_rules: bool,
    #[serde(default)]
    pub flow_logs: bool,
    #[serde(default)]
    pub network_acls: bool,
    #[serde(default)]
    pub images: bool,
    #[serde(default)]
    pub config_recorders: bool,
    #[serde(default)]
    pub config_recorder_status: bool,
    #[serde(default)]
    pub config_rules: bool,
}

impl Supplied {
    pub fn union(self, o: Supplied) -> Supplied {
        Supplied {
            iam: self.iam || o.iam,
            security_groups: self.security_groups || o.security_groups,
            instances: self.instances || o.instances,
            trails: self.trails || o.trails,
            metric_filters: self.metric_filters || o.metric_filters,
            alarms: self.alarms || o.alarms,
            event_rules: self.event_rules || o.event_rules,
            flow_logs: self.flow_logs || o.flow_logs,
            network_acls: self.network_acls || o.network_acls,
            images: self.images || o.images,
            config_recorders: self.config_recorders || o.config_recorders,
            config_recorder_status: self.config_recorder_status || o.config_recorder_status,
            config_rules: self.config_rules || o.config_rules,
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

/// A list as read, with no room beyond its elements. A vector read element by
/// element makes room for four at its first push, then doubles; an export's
/// principals keep their lists for the whole run, most with one or two
/// elements (on the benchmark export the roles' inline policies alone held
/// 9.8 MB at the peak, most of it room, and small blocks being packed together,
/// every page of that room is touched).
fn exact<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
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
    #[serde(default, alias = "UserPolicyList", deserialize_with = "exact")]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, alias = "GroupList", deserialize_with = "exact")]
    pub groups: Vec<String>,
    #[serde(default, alias = "AttachedManagedPolicies", deserialize_with = "exact")]
    pub attached_policies: Vec<Attachment>,
    #[serde(
        default,
        alias = "PermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    pub permissions_boundary: Option<Boundary>,
    #[serde(default, alias = "Tags", deserialize_with = "exact")]
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
    #[serde(default, alias = "GroupPolicyList", deserialize_with = "exact")]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, alias = "AttachedManagedPolicies", deserialize_with = "exact")]
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
    #[serde(default, alias = "RolePolicyList", deserialize_with = "exact")]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, alias = "AttachedManagedPolicies", deserialize_with = "exact")]
    pub attached_policies: Vec<Attachment>,
    #[serde(
        default,
        alias = "PermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    pub permissions_boundary: Option<Boundary>,
    #[serde(default, alias = "Tags", deserialize_with = "exact")]
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
    #[serde(default, alias = "PolicyVersionList", deserialize_with = "exact")]
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
    #[serde(default)]
    pub flow_logs: Vec<crate::monitoring::FlowLog>,
    #[serde(default)]
    pub network_acls: Vec<crate::monitoring::NetworkAcl>,
    #[serde(default)]
    pub images: Vec<crate::monitoring::Image>,
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
    #[serde(default, alias = "Tags", deserialize_with = "exact")]
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
    #[serde(default, alias = "Tags", deserialize_with = "exact")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, alias = "OwnerId", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// `LaunchTime`, ISO 8601 as the CLI prints it.
    #[serde(default, alias = "LaunchTime", skip_serializing_if = "Option::is_none")]
    pub launch_time: Option<String>,
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

/// The account field of an ARN (its fifth, `arn:partition:service:region:account:...`),
/// when it is there and not empty.
pub fn account_of_arn(arn: &str) -> Option<&str> {
    // By bytes: `:` is ASCII, so each cut is a character boundary.
    let mut colons = arn
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b':')
        .map(|(i, _)| i);
    let start = colons.nth(3)? + 1;
    let end = colons.next().unwrap_or(arn.len());
    arn.get(start..end).filter(|a| !a.is_empty())
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
    fn an_arns_account_is_its_fifth_field() {
        assert_eq!(
            account_of_arn("arn:aws:iam::111122223333:role/a:b"),
            Some("111122223333")
        );
        assert_eq!(
            account_of_arn("arn:aws:iam::111122223333"),
            Some("111122223333")
        );
        assert_eq!(account_of_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of_arn("arn:aws:iam:"), None);
        assert_eq!(account_of_arn(""), None);
    }

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
