//! The alerting and hygiene shapes (CloudWatch Logs, CloudWatch, EventBridge, VPC
//! flow logs and network ACLs, AMIs, AWS Config): recognised by their top-level
//! keys, merged into the account, their targets bound to their rules.
//!
//! Output shapes follow botocore's service models, which the AWS CLI prints from:
//! `logs` DescribeMetricFiltersResponse (`metricFilters`), `cloudwatch`
//! DescribeAlarmsOutput (`MetricAlarms`, `CompositeAlarms`), `events`
//! ListRulesResponse (`Rules`) and ListTargetsByRuleResponse (`Targets`), `ec2`
//! DescribeFlowLogsResult, DescribeNetworkAclsResult, DescribeImagesResult, and
//! `config` DescribeConfigurationRecordersResponse, DescribeConfigurationRecorderStatusResponse,
//! DescribeConfigRulesResponse.
use std::sync::Arc;

use crate::diag::Error;
use crate::model::{self, Account};
use crate::monitoring::{
    CompositeAlarm, ConfigRecorder, ConfigRule, EventRule, EventTarget, FlowLog, Image,
    MetricAlarm, MetricFilter, NetworkAcl, RecorderStatus,
};

/// The top-level keys of these shapes, as parsed.
#[derive(Default)]
pub(super) struct Doc {
    pub metric_filters: Option<Vec<MetricFilter>>,
    pub metric_alarms: Option<Vec<MetricAlarm>>,
    pub composite_alarms: Option<Vec<CompositeAlarm>>,
    pub rules: Option<Vec<EventRule>>,
    pub targets: Option<Vec<EventTarget>>,
    /// The rule a `list-targets-by-rule` output is for (a key the user adds).
    pub rule: Option<String>,
    pub flow_logs: Option<Vec<FlowLog>>,
    pub network_acls: Option<Vec<NetworkAcl>>,
    pub images: Option<Vec<Image>>,
    pub recorders: Option<Vec<ConfigRecorder>>,
    pub recorder_statuses: Option<Vec<RecorderStatus>>,
    pub config_rules: Option<Vec<ConfigRule>>,
    /// A `Region` key added to the file: the region of every item in it.
    pub region: Option<String>,
}

/// A `list-targets-by-rule` output waiting for every file to be read.
pub(super) struct PendingTargets {
    pub file: String,
    pub rule: Option<String>,
    pub region: Option<String>,
    pub targets: Vec<EventTarget>,
}

fn regionalise<T>(
    items: &mut [T],
    doc_region: &Option<String>,
    file: &Arc<str>,
    fields: impl Fn(&mut T) -> (&mut Option<String>, Option<&str>, &mut Option<Arc<str>>),
) {
    for item in items {
        let (region, arn, slot) = fields(item);
        if region.is_none() {
            *region = doc_region
                .clone()
                .or_else(|| arn.and_then(model::region_of_arn));
        }
        if slot.is_none() {
            *slot = Some(file.clone());
        }
    }
}

/// Adds what the document holds; true when it held one of these shapes.
pub(super) fn add(
    account: &mut Account,
    pending: &mut Vec<PendingTargets>,
    doc: Doc,
    name: &str,
    file: &Arc<str>,
) -> bool {
    let region = doc.region;
    let mut recognised = false;
    if let Some(mut items) = doc.metric_filters {
        recognised = true;
        regionalise(&mut items, &region, file, |f| {
            (&mut f.region, None, &mut f.file)
        });
        extend_unique(&mut account.logs.metric_filters, items, filter_key);
        account.supplied.metric_filters = true;
    }
    if doc.metric_alarms.is_some() || doc.composite_alarms.is_some() {
        recognised = true;
        let mut metric = doc.metric_alarms.unwrap_or_default();
        regionalise(&mut metric, &region, file, |a| {
            (&mut a.region, Some(a.arn.as_str()), &mut a.file)
        });
        let mut composite = doc.composite_alarms.unwrap_or_default();
        regionalise(&mut composite, &region, file, |a| {
            (&mut a.region, Some(a.arn.as_str()), &mut a.file)
        });
        extend_unique(&mut account.cloudwatch.metric_alarms, metric, |a| {
            key(&a.arn, &a.name, &a.region)
        });
        extend_unique(&mut account.cloudwatch.composite_alarms, composite, |a| {
            key(&a.arn, &a.name, &a.region)
        });
        account.supplied.alarms = true;
    }
    if let Some(mut rules) = doc.rules {
        recognised = true;
        regionalise(&mut rules, &region, file, |r| {
            (&mut r.region, Some(r.arn.as_str()), &mut r.file)
        });
        extend_unique(&mut account.events.rules, rules, |r| {
            key(&r.arn, &r.name, &r.region)
        });
        account.supplied.event_rules = true;
    }
    if let Some(targets) = doc.targets {
        recognised = true;
        pending.push(PendingTargets {
            file: name.to_string(),
            rule: doc.rule,
            region: region.clone(),
            targets,
        });
    }
    if let Some(mut items) = doc.flow_logs {
        recognised = true;
        regionalise(&mut items, &region, file, |f| {
            (&mut f.region, None, &mut f.file)
        });
        extend_unique(&mut account.ec2.flow_logs, items, |f| f.id.clone());
        account.supplied.flow_logs = true;
    }
    if let Some(mut items) = doc.network_acls {
        recognised = true;
        regionalise(&mut items, &region, file, |a| {
            (&mut a.region, None, &mut a.file)
        });
        extend_unique(&mut account.ec2.network_acls, items, |a| a.id.clone());
        account.supplied.network_acls = true;
    }
    if let Some(mut items) = doc.images {
        recognised = true;
        regionalise(&mut items, &region, file, |i| {
            (&mut i.region, None, &mut i.file)
        });
        extend_unique(&mut account.ec2.images, items, |i| i.id.clone());
        account.supplied.images = true;
    }
    if let Some(mut items) = doc.recorders {
        recognised = true;
        regionalise(&mut items, &region, file, |r| {
            (&mut r.region, r.arn.as_deref(), &mut r.file)
        });
        extend_unique(&mut account.config.recorders, items, |r| {
            key("", &r.name, &r.region)
        });
        account.supplied.config_recorders = true;
    }
    if let Some(mut items) = doc.recorder_statuses {
        recognised = true;
        regionalise(&mut items, &region, file, |r| {
            (&mut r.region, r.arn.as_deref(), &mut r.file)
        });
        extend_unique(&mut account.config.recorder_statuses, items, |r| {
            key("", &r.name, &r.region)
        });
        account.supplied.config_recorder_status = true;
    }
    if let Some(mut items) = doc.config_rules {
        recognised = true;
        regionalise(&mut items, &region, file, |r| {
            (&mut r.region, Some(r.arn.as_str()), &mut r.file)
        });
        extend_unique(&mut account.config.rules, items, |r| {
            key(&r.arn, &r.name, &r.region)
        });
        account.supplied.config_rules = true;
    }
    recognised
}

/// What tells two copies of one item apart: its ARN, else its name and region.
fn key(arn: &str, name: &str, region: &Option<String>) -> String {
    if arn.is_empty() {
        format!("{name}@{}", region.as_deref().unwrap_or(""))
    } else {
        arn.to_string()
    }
}

fn filter_key(f: &MetricFilter) -> String {
    format!(
        "{}|{}@{}",
        f.log_group,
        f.name,
        f.region.as_deref().unwrap_or("")
    )
}

/// The same item listed twice (two exports, or an export and a snapshot) counts once.
fn extend_unique<T>(into: &mut Vec<T>, from: Vec<T>, key: impl Fn(&T) -> String) {
    let seen: std::collections::HashSet<String> = into.iter().map(&key).collect();
    into.extend(from.into_iter().filter(|x| !seen.contains(&key(x))));
}

/// Binds each `list-targets-by-rule` output to its rule.
///
/// That output does not name its rule. Rather than guess, it is bound only when
/// the file carries a `Rule` key (the rule's name or ARN; add it with
/// `jq '. + {Rule: "ec2-stop"}'`), or when the input lists exactly one rule.
/// A name that several rules share (one per region or event bus) must be given
/// as the ARN, or the file must carry a `Region` key too.
pub(super) fn bind_targets(account: &mut Account, pending: Vec<PendingTargets>) -> Vec<Error> {
    let mut errors = Vec::new();
    let rules = &mut account.events.rules;
    for p in pending {
        let candidates: Vec<usize> = match &p.rule {
            Some(key) => rules
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    (r.arn == *key || r.name == *key)
                        && (p.region.is_none() || r.region.is_none() || r.region == p.region)
                })
                .map(|(i, _)| i)
                .collect(),
            None if rules.len() == 1 => vec![0],
            None => vec![],
        };
        match (candidates.as_slice(), &p.rule) {
            ([i], _) => {
                if let Some(r) = rules.get_mut(*i) {
                    r.targets.get_or_insert_with(Vec::new).extend(p.targets);
                }
            }
            ([], Some(key)) => errors.push(Error::Input {
                name: p.file,
                message: format!(
                    "these targets name rule {key:?}, which no `aws events list-rules` input lists"
                ),
                help: Some("add the `aws events list-rules` output to the inputs".into()),
            }),
            ([], None) => errors.push(Error::Input {
                name: p.file,
                message: format!(
                    "this list-targets-by-rule output does not say which rule it is for, and the input has {} rules",
                    rules.len()
                ),
                help: Some(
                    "add the rule's name or ARN to the file, e.g. `jq '. + {Rule: \"ec2-stop\"}'`, or give one rule per run"
                        .into(),
                ),
            }),
            (_, key) => errors.push(Error::Input {
                name: p.file,
                message: format!(
                    "these targets name rule {:?}, which {} listed rules share (one per region or event bus)",
                    key.as_deref().unwrap_or_default(),
                    candidates.len()
                ),
                help: Some("name the rule by its ARN, or add a `Region` key to the file".into()),
            }),
        }
    }
    errors
}

/// Adds a snapshot's (or any whole account's) share of these kinds to `account`,
/// taking them out of `part`; `supplied` is merged by the caller.
pub(super) fn merge(account: &mut Account, part: &mut Account, file: &Arc<str>) {
    let none = None;
    let mut logs = std::mem::take(&mut part.logs.metric_filters);
    regionalise(&mut logs, &none, file, |f| {
        (&mut f.region, None, &mut f.file)
    });
    extend_unique(&mut account.logs.metric_filters, logs, filter_key);
    let mut metric = std::mem::take(&mut part.cloudwatch.metric_alarms);
    regionalise(&mut metric, &none, file, |a| {
        (&mut a.region, Some(a.arn.as_str()), &mut a.file)
    });
    extend_unique(&mut account.cloudwatch.metric_alarms, metric, |a| {
        key(&a.arn, &a.name, &a.region)
    });
    let mut composite = std::mem::take(&mut part.cloudwatch.composite_alarms);
    regionalise(&mut composite, &none, file, |a| {
        (&mut a.region, Some(a.arn.as_str()), &mut a.file)
    });
    extend_unique(&mut account.cloudwatch.composite_alarms, composite, |a| {
        key(&a.arn, &a.name, &a.region)
    });
    let mut rules = std::mem::take(&mut part.events.rules);
    regionalise(&mut rules, &none, file, |r| {
        (&mut r.region, Some(r.arn.as_str()), &mut r.file)
    });
    extend_unique(&mut account.events.rules, rules, |r| {
        key(&r.arn, &r.name, &r.region)
    });
    let mut flow = std::mem::take(&mut part.ec2.flow_logs);
    regionalise(&mut flow, &none, file, |f| {
        (&mut f.region, None, &mut f.file)
    });
    extend_unique(&mut account.ec2.flow_logs, flow, |f| f.id.clone());
    let mut acls = std::mem::take(&mut part.ec2.network_acls);
    regionalise(&mut acls, &none, file, |a| {
        (&mut a.region, None, &mut a.file)
    });
    extend_unique(&mut account.ec2.network_acls, acls, |a| a.id.clone());
    let mut images = std::mem::take(&mut part.ec2.images);
    regionalise(&mut images, &none, file, |i| {
        (&mut i.region, None, &mut i.file)
    });
    extend_unique(&mut account.ec2.images, images, |i| i.id.clone());
    let mut recorders = std::mem::take(&mut part.config.recorders);
    regionalise(&mut recorders, &none, file, |r| {
        (&mut r.region, r.arn.as_deref(), &mut r.file)
    });
    extend_unique(&mut account.config.recorders, recorders, |r| {
        key("", &r.name, &r.region)
    });
    let mut statuses = std::mem::take(&mut part.config.recorder_statuses);
    regionalise(&mut statuses, &none, file, |r| {
        (&mut r.region, r.arn.as_deref(), &mut r.file)
    });
    extend_unique(&mut account.config.recorder_statuses, statuses, |r| {
        key("", &r.name, &r.region)
    });
    let mut config_rules = std::mem::take(&mut part.config.rules);
    regionalise(&mut config_rules, &none, file, |r| {
        (&mut r.region, Some(r.arn.as_str()), &mut r.file)
    });
    extend_unique(&mut account.config.rules, config_rules, |r| {
        key(&r.arn, &r.name, &r.region)
    });
}
