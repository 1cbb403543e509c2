//! One CloudTrail event as the policies see it (`input.cloudtrail_events`): the
//! few fields of a record that say who did what, when, from where, and whether it
//! worked, with the principal normalised so that an assumed-role session counts as
//! its role. The record shape followed is AWS's "CloudTrail record contents" and
//! "CloudTrail userIdentity element" pages (awscloudtrail/latest/userguide).
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailEvent {
    /// `eventID`.
    pub event_id: String,
    /// `eventTime` as recorded (RFC 3339, UTC).
    pub time: String,
    /// `eventTime` in seconds since 1970-01-01T00:00:00Z, for windows and bursts.
    pub epoch: i64,
    /// `eventSource`, e.g. `ec2.amazonaws.com`.
    pub source: String,
    /// `eventName`, e.g. `StopInstances`.
    pub name: String,
    /// `awsRegion`: the region the request was made to.
    pub region: String,
    /// `sourceIPAddress`: an IP address, or a service name for calls AWS services make.
    pub source_ip: String,
    /// `userAgent`.
    pub user_agent: String,
    /// Who acted, normalised: the role ARN for an assumed-role session (its
    /// `sessionIssuer.arn`), the user or root ARN otherwise, the service name for
    /// `AWSService` calls.
    pub principal: String,
    /// `userIdentity.type`: `Root`, `IAMUser`, `AssumedRole`, `FederatedUser`,
    /// `AWSService`, `IdentityCenterUser`, ...
    pub identity_type: String,
    /// `userIdentity.arn` as recorded (the session ARN for an assumed role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_arn: Option<String>,
    /// `userIdentity.type == "Root"`.
    pub root: bool,
    /// `userIdentity.sessionContext.attributes.mfaAuthenticated == "true"`; false
    /// when absent (long-term access keys carry no session, hence no MFA).
    pub mfa: bool,
    /// The call came from a console session (`sessionCredentialFromConsole`).
    pub console: bool,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// `requestParameters.instancesSet.items[].instanceId`.
    #[serde(default)]
    pub instance_ids: Vec<String>,
    /// `recipientAccountId`, else `userIdentity.accountId`.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The log file, and the record's 0-based index in its `Records` (or
    /// lookup-events `Events`) array.
    pub file: String,
    pub record: u64,
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `arn:aws:sts::111122223333:assumed-role/ops/alice` -> `arn:aws:iam::111122223333:role/ops`,
/// for records without a `sessionIssuer` (the role's path is then unknown).
pub fn role_of_session(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("sts"), Some(_), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

impl TrailEvent {
    /// Builds the event from one parsed record. `epoch` is the parsed `eventTime`.
    pub fn from_record(record: &Value, epoch: i64, file: &str, index: u64) -> TrailEvent {
        let identity = record.get("userIdentity").unwrap_or(&Value::Null);
        let identity_type = text(identity, &["type"]).unwrap_or_default();
        let identity_arn = text(identity, &["arn"]);
        let issuer = text(identity, &["sessionContext", "sessionIssuer", "arn"]);
        let principal = match identity_type.as_str() {
            "AssumedRole" => issuer
                .or_else(|| identity_arn.as_deref().and_then(role_of_session))
                .or_else(|| identity_arn.clone()),
            "AWSService" => text(identity, &["invokedBy"]),
            _ => identity_arn.clone(),
        }
        .or_else(|| text(identity, &["principalId"]))
        .unwrap_or_else(|| "unknown".to_string());
        let mfa = text(
            identity,
            &["sessionContext", "attributes", "mfaAuthenticated"],
        )
        .is_some_and(|v| v == "true");
        let console = text(record, &["sessionCredentialFromConsole"]).is_some_and(|v| v == "true");
        let instance_ids = record
            .pointer("/requestParameters/instancesSet/items")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("instanceId").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        TrailEvent {
            event_id: text(record, &["eventID"]).unwrap_or_default(),
            time: text(record, &["eventTime"]).unwrap_or_default(),
            epoch,
            source: text(record, &["eventSource"]).unwrap_or_default(),
            name: text(record, &["eventName"]).unwrap_or_default(),
            region: text(record, &["awsRegion"]).unwrap_or_default(),
            source_ip: text(record, &["sourceIPAddress"]).unwrap_or_default(),
            user_agent: text(record, &["userAgent"]).unwrap_or_default(),
            root: identity_type == "Root",
            principal,
            identity_type,
            identity_arn,
            mfa,
            console,
            error_code: text(record, &["errorCode"]),
            error_message: text(record, &["errorMessage"]),
            instance_ids,
            account_id: text(record, &["recipientAccountId"])
                .or_else(|| text(identity, &["accountId"])),
            file: file.to_string(),
            record: index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumed_role_session_counts_as_its_role() {
        let rec = serde_json::json!({
            "eventID": "e1", "eventTime": "2026-03-02T10:00:00Z",
            "eventSource": "ec2.amazonaws.com", "eventName": "StopInstances",
            "awsRegion": "eu-west-1", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2",
            "userIdentity": {"type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/ops-oncall/alice",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/ops/ops-oncall"},
                                   "attributes": {"mfaAuthenticated": "true"}}},
            "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}},
            "recipientAccountId": "111122223333"
        });
        let e = TrailEvent::from_record(&rec, 5, "f.json.gz", 3);
        assert_eq!(e.principal, "arn:aws:iam::111122223333:role/ops/ops-oncall");
        assert!(e.mfa && !e.root && !e.console);
        assert_eq!(e.instance_ids, ["i-1", "i-2"]);
        assert_eq!(e.account_id.as_deref(), Some("111122223333"));
        assert_eq!(e.record, 3);
    }

    #[test]
    fn session_without_issuer_maps_to_role_arn() {
        assert_eq!(
            role_of_session("arn:aws:sts::111122223333:assumed-role/ops/alice").as_deref(),
            Some("arn:aws:iam::111122223333:role/ops")
        );
        assert_eq!(role_of_session("arn:aws:iam::111122223333:user/x"), None);
    }

    #[test]
    fn root_and_console_are_read() {
        let rec = serde_json::json!({
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
            "sessionCredentialFromConsole": "true"
        });
        let e = TrailEvent::from_record(&rec, 0, "f", 0);
        assert!(e.root && e.console && !e.mfa);
        assert_eq!(e.principal, "arn:aws:iam::111122223333:root");
    }
}
