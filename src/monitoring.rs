//! The account data that says whether anyone would notice a stop, and how well the
//! instances are kept: CloudWatch Logs metric filters, CloudWatch alarms,
//! EventBridge rules, VPC flow logs and network ACLs, AMIs, and AWS Config.
//!
//! Like [`crate::model`], fields are snake_case with the AWS CLI's names as
//! aliases (taken from botocore's service models, which the CLI prints from), so
//! the CLI's output deserializes straight into these types. Unknown fields are
//! ignored. `region` is never in the CLI's output: it comes from an ARN where the
//! item has one, from a top-level `Region` key added to the file, or from the
//! live collector.
use std::sync::Arc;

use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// `aws logs describe-metric-filters` (note the CLI's lower camel case).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Logs {
    #[serde(default)]
    pub metric_filters: Vec<MetricFilter>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricFilter {
    #[serde(alias = "filterName")]
    pub name: String,
    /// The filter pattern text, as CloudWatch Logs stores it ("" matches every event).
    #[serde(default, alias = "filterPattern")]
    pub pattern: String,
    #[serde(default, alias = "logGroupName")]
    pub log_group: String,
    #[serde(default, alias = "metricTransformations")]
    pub transformations: Vec<MetricTransformation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricTransformation {
    #[serde(alias = "metricName")]
    pub metric_name: String,
    #[serde(alias = "metricNamespace")]
    pub namespace: String,
}

/// `aws cloudwatch describe-alarms`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CloudWatch {
    #[serde(default)]
    pub metric_alarms: Vec<MetricAlarm>,
    #[serde(default)]
    pub composite_alarms: Vec<CompositeAlarm>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dimension {
    #[serde(alias = "Name")]
    pub name: String,
    #[serde(default, alias = "Value")]
    pub value: String,
}

/// A metric an alarm watches (its own, or one of a metric-math alarm's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MetricRef {
    #[serde(default, alias = "Namespace")]
    pub namespace: String,
    #[serde(default, alias = "MetricName")]
    pub metric_name: String,
    #[serde(default, alias = "Dimensions")]
    pub dimensions: Vec<Dimension>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricStat {
    #[serde(alias = "Metric")]
    pub metric: MetricRef,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricQuery {
    #[serde(default, alias = "Id")]
    pub id: String,
    #[serde(default, alias = "MetricStat", skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
    #[serde(default, alias = "Expression", skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricAlarm {
    #[serde(alias = "AlarmName")]
    pub name: String,
    #[serde(default, alias = "AlarmArn")]
    pub arn: String,
    #[serde(default = "yes", alias = "ActionsEnabled")]
    pub actions_enabled: bool,
    #[serde(default, alias = "AlarmActions")]
    pub alarm_actions: Vec<String>,
    #[serde(default, alias = "Namespace", skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, alias = "MetricName", skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(default, alias = "Dimensions")]
    pub dimensions: Vec<Dimension>,
    /// Metric-math alarms watch these instead of one metric.
    #[serde(default, alias = "Metrics", skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricQuery>,
    #[serde(default, alias = "StateValue", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

impl MetricAlarm {
    /// Every metric the alarm watches: its own, and each metric-math query's.
    pub fn watched(&self) -> Vec<MetricRef> {
        let own = match (&self.namespace, &self.metric_name) {
            (Some(ns), Some(name)) => Some(MetricRef {
                namespace: ns.clone(),
                metric_name: name.clone(),
                dimensions: self.dimensions.clone(),
            }),
            _ => None,
        };
        own.into_iter()
            .chain(
                self.metrics
                    .iter()
                    .filter_map(|q| q.metric_stat.as_ref().map(|s| s.metric.clone())),
            )
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompositeAlarm {
    #[serde(alias = "AlarmName")]
    pub name: String,
    #[serde(default, alias = "AlarmArn")]
    pub arn: String,
    #[serde(default = "yes", alias = "ActionsEnabled")]
    pub actions_enabled: bool,
    #[serde(default, alias = "AlarmActions")]
    pub alarm_actions: Vec<String>,
    /// e.g. `ALARM("ec2-stop") OR ALARM(arn:aws:cloudwatch:...:alarm:other)`.
    #[serde(default, alias = "AlarmRule")]
    pub alarm_rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

/// `aws events list-rules`, each rule with its `list-targets-by-rule` output.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Events {
    #[serde(default)]
    pub rules: Vec<EventRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRule {
    #[serde(alias = "Name")]
    pub name: String,
    #[serde(default, alias = "Arn")]
    pub arn: String,
    /// The event pattern as the API returns it: a JSON document in a string.
    #[serde(
        default,
        alias = "EventPattern",
        skip_serializing_if = "Option::is_none"
    )]
    pub event_pattern: Option<String>,
    #[serde(
        default,
        alias = "ScheduleExpression",
        skip_serializing_if = "Option::is_none"
    )]
    pub schedule: Option<String>,
    /// ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
    #[serde(default, alias = "State")]
    pub state: String,
    #[serde(
        default,
        alias = "EventBusName",
        skip_serializing_if = "Option::is_none"
    )]
    pub event_bus: Option<String>,
    /// From `list-targets-by-rule`; None when that output was not supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<EventTarget>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventTarget {
    #[serde(alias = "Id")]
    pub id: String,
    #[serde(default, alias = "Arn")]
    pub arn: String,
}

/// `aws ec2 describe-flow-logs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowLog {
    #[serde(alias = "FlowLogId")]
    pub id: String,
    /// The VPC, subnet or network interface the flow log captures.
    #[serde(default, alias = "ResourceId")]
    pub resource_id: String,
    /// ACTIVE when the flow log is in place.
    #[serde(
        default,
        alias = "FlowLogStatus",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// ACCEPT, REJECT or ALL.
    #[serde(
        default,
        alias = "TrafficType",
        skip_serializing_if = "Option::is_none"
    )]
    pub traffic_type: Option<String>,
    #[serde(
        default,
        alias = "LogDestinationType",
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_type: Option<String>,
    #[serde(
        default,
        alias = "DeliverLogsStatus",
        skip_serializing_if = "Option::is_none"
    )]
    pub deliver_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

/// `aws ec2 describe-network-acls`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkAcl {
    #[serde(alias = "NetworkAclId")]
    pub id: String,
    #[serde(default, alias = "VpcId", skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, alias = "IsDefault")]
    pub is_default: bool,
    #[serde(default, alias = "Entries")]
    pub entries: Vec<AclEntry>,
    #[serde(default, alias = "Associations")]
    pub associations: Vec<AclAssociation>,
    #[serde(default, alias = "OwnerId", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AclAssociation {
    #[serde(default, alias = "SubnetId")]
    pub subnet_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortRange {
    #[serde(default, alias = "From", skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(default, alias = "To", skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AclEntry {
    /// Entries are evaluated in ascending rule number; the first match decides.
    #[serde(alias = "RuleNumber")]
    pub rule_number: i64,
    /// A protocol number as a string ("6" is TCP), or "-1" for all.
    #[serde(default, alias = "Protocol")]
    pub protocol: String,
    /// "allow" or "deny".
    #[serde(default, alias = "RuleAction")]
    pub action: String,
    #[serde(default, alias = "Egress")]
    pub egress: bool,
    #[serde(default, alias = "CidrBlock", skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(
        default,
        alias = "Ipv6CidrBlock",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv6_cidr: Option<String>,
    #[serde(default, alias = "PortRange", skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
}

/// `aws ec2 describe-images`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    #[serde(alias = "ImageId")]
    pub id: String,
    #[serde(default, alias = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ISO 8601, e.g. "2024-03-01T10:15:00.000Z".
    #[serde(
        default,
        alias = "CreationDate",
        skip_serializing_if = "Option::is_none"
    )]
    pub creation_date: Option<String>,
    /// available, deregistered, disabled, ...
    #[serde(default, alias = "State", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(
        default,
        alias = "DeprecationTime",
        skip_serializing_if = "Option::is_none"
    )]
    pub deprecation_time: Option<String>,
    #[serde(default, alias = "OwnerId", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(default, alias = "Public", skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

/// `aws configservice describe-configuration-recorders`,
/// `describe-configuration-recorder-status` and `describe-config-rules`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ConfigService {
    #[serde(default)]
    pub recorders: Vec<ConfigRecorder>,
    #[serde(default)]
    pub recorder_statuses: Vec<RecorderStatus>,
    #[serde(default)]
    pub rules: Vec<ConfigRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigRecorder {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(
        default,
        alias = "recordingGroup",
        skip_serializing_if = "Option::is_none"
    )]
    pub recording_group: Option<RecordingGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResourceTypes {
    #[serde(default, alias = "resourceTypes")]
    pub resource_types: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RecordingGroup {
    #[serde(default, alias = "allSupported")]
    pub all_supported: bool,
    #[serde(default, alias = "includeGlobalResourceTypes")]
    pub include_global_resource_types: bool,
    #[serde(default, alias = "resourceTypes")]
    pub resource_types: Vec<String>,
    #[serde(
        default,
        alias = "exclusionByResourceTypes",
        skip_serializing_if = "Option::is_none"
    )]
    pub exclusion_by_resource_types: Option<ResourceTypes>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecorderStatus {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default)]
    pub recording: bool,
    #[serde(default, alias = "lastStatus", skip_serializing_if = "Option::is_none")]
    pub last_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigRule {
    #[serde(alias = "ConfigRuleName")]
    pub name: String,
    #[serde(default, alias = "ConfigRuleArn")]
    pub arn: String,
    /// ACTIVE, DELETING, DELETING_RESULTS, EVALUATING.
    #[serde(
        default,
        alias = "ConfigRuleState",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<String>,
    #[serde(default, alias = "Scope", skip_serializing_if = "Option::is_none")]
    pub scope: Option<RuleScope>,
    #[serde(default, alias = "Source", skip_serializing_if = "Option::is_none")]
    pub source: Option<RuleSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleScope {
    #[serde(default, alias = "ComplianceResourceTypes")]
    pub resource_types: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleSource {
    /// AWS (a managed rule), CUSTOM_LAMBDA or CUSTOM_POLICY.
    #[serde(default, alias = "Owner")]
    pub owner: String,
    /// The managed rule's identifier (e.g. EC2_INSTANCE_NO_PUBLIC_IP), or a Lambda ARN.
    #[serde(
        default,
        alias = "SourceIdentifier",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_identifier: Option<String>,
}

/// Adds these kinds to the Rego input (`docs/input-schema.md`): `logs`,
/// `cloudwatch`, `events`, `config`, and `flow_logs`, `network_acls`, `images`
/// under `ec2`. Patterns are judged here, once, in Rust (see [`crate::patterns`]).
pub fn extend_input(doc: &mut serde_json::Value, account: &crate::model::Account) {
    use serde_json::json;
    let file = |f: &Option<Arc<str>>| f.as_deref().map(str::to_string);
    let dims = |d: &[Dimension]| {
        serde_json::Value::Object(
            d.iter()
                .map(|d| (d.name.clone(), serde_json::Value::String(d.value.clone())))
                .collect(),
        )
    };
    let metric_filters: Vec<_> = account
        .logs
        .metric_filters
        .iter()
        .map(|f| {
            json!({
                "name": f.name, "log_group": f.log_group, "pattern": f.pattern, "region": f.region,
                "metrics": f.transformations.iter()
                    .map(|t| json!({"namespace": t.namespace, "name": t.metric_name}))
                    .collect::<Vec<_>>(),
                "matches_stop_instances": crate::patterns::filter_matches_stop_instances(&f.pattern),
                "file": file(&f.file),
            })
        })
        .collect();
    let metric_alarms: Vec<_> = account
        .cloudwatch
        .metric_alarms
        .iter()
        .map(|a| {
            json!({
                "name": a.name, "arn": a.arn, "region": a.region,
                "actions_enabled": a.actions_enabled, "alarm_actions": a.alarm_actions,
                "has_action": a.actions_enabled && !a.alarm_actions.is_empty(),
                "state": a.state,
                "metrics": a.watched().iter()
                    .map(|m| json!({"namespace": m.namespace, "name": m.metric_name, "dimensions": dims(&m.dimensions)}))
                    .collect::<Vec<_>>(),
                "file": file(&a.file),
            })
        })
        .collect();
    let composite_alarms: Vec<_> = account
        .cloudwatch
        .composite_alarms
        .iter()
        .map(|a| {
            json!({
                "name": a.name, "arn": a.arn, "region": a.region,
                "actions_enabled": a.actions_enabled, "alarm_actions": a.alarm_actions,
                "has_action": a.actions_enabled && !a.alarm_actions.is_empty(),
                "alarm_rule": a.alarm_rule,
                "file": file(&a.file),
            })
        })
        .collect();
    let rules: Vec<_> = account
        .events
        .rules
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "arn": r.arn, "region": r.region, "state": r.state,
                "event_bus": r.event_bus.as_deref().unwrap_or("default"),
                "event_pattern": r.event_pattern, "schedule": r.schedule,
                "targets": r.targets.as_ref().map(|t| t.iter()
                    .map(|t| json!({"id": t.id, "arn": t.arn})).collect::<Vec<_>>()),
                "matches_stop_instances": r.event_pattern.as_deref()
                    .is_some_and(crate::patterns::event_pattern_matches_stop_instances),
                "file": file(&r.file),
            })
        })
        .collect();
    let same_region = |a: &Option<String>, b: &Option<String>| a.is_none() || b.is_none() || a == b;
    let recorders: Vec<_> = account
        .config
        .recorders
        .iter()
        .map(|r| {
            let status = account
                .config
                .recorder_statuses
                .iter()
                .find(|s| s.name == r.name && same_region(&s.region, &r.region));
            let group = r.recording_group.clone().unwrap_or_default();
            json!({
                "name": r.name, "arn": r.arn, "region": r.region,
                "all_supported": group.all_supported,
                "include_global_resource_types": group.include_global_resource_types,
                "resource_types": group.resource_types,
                "excluded_resource_types": group.exclusion_by_resource_types
                    .map(|e| e.resource_types).unwrap_or_default(),
                "recording": status.map(|s| s.recording),
                "last_status": status.and_then(|s| s.last_status.clone()),
                "file": file(&r.file),
            })
        })
        .collect();
    let config_rules: Vec<_> = account
        .config
        .rules
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "arn": r.arn, "region": r.region, "state": r.state,
                "owner": r.source.as_ref().map(|s| s.owner.clone()),
                "source_identifier": r.source.as_ref().and_then(|s| s.source_identifier.clone()),
                "resource_types": r.scope.as_ref().map(|s| s.resource_types.clone()).unwrap_or_default(),
                "file": file(&r.file),
            })
        })
        .collect();
    let flow_logs: Vec<_> = account
        .ec2
        .flow_logs
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "resource_id": f.resource_id, "status": f.status,
                "traffic_type": f.traffic_type, "destination_type": f.destination_type,
                "deliver_status": f.deliver_status, "region": f.region, "file": file(&f.file),
            })
        })
        .collect();
    let network_acls: Vec<_> = account
        .ec2
        .network_acls
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "vpc_id": a.vpc_id, "is_default": a.is_default, "region": a.region,
                "subnets": a.associations.iter().map(|s| s.subnet_id.as_str()).collect::<Vec<_>>(),
                "entries": a.entries.iter().map(|e| json!({
                    "rule_number": e.rule_number, "protocol": e.protocol, "action": e.action,
                    "egress": e.egress, "cidr": e.cidr, "ipv6_cidr": e.ipv6_cidr,
                    "from_port": e.port_range.as_ref().and_then(|p| p.from),
                    "to_port": e.port_range.as_ref().and_then(|p| p.to),
                })).collect::<Vec<_>>(),
                "file": file(&a.file),
            })
        })
        .collect();
    let images: Vec<_> = account
        .ec2
        .images
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "name": i.name, "creation_date": i.creation_date, "state": i.state,
                "deprecation_time": i.deprecation_time, "owner_id": i.owner_id, "public": i.public,
                "region": i.region, "file": file(&i.file),
            })
        })
        .collect();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("logs".into(), json!({ "metric_filters": metric_filters }));
        obj.insert(
            "cloudwatch".into(),
            json!({ "metric_alarms": metric_alarms, "composite_alarms": composite_alarms }),
        );
        obj.insert("events".into(), json!({ "rules": rules }));
        obj.insert(
            "config".into(),
            json!({ "recorders": recorders, "rules": config_rules }),
        );
        if let Some(ec2) = obj.get_mut("ec2").and_then(|e| e.as_object_mut()) {
            ec2.insert("flow_logs".into(), json!(flow_logs));
            ec2.insert("network_acls".into(), json!(network_acls));
            ec2.insert("images".into(), json!(images));
        }
    }
}
