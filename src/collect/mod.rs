//! Live collection (`stopguard snapshot`, `stopguard audit`): reads an account
//! through the AWS SDK for Rust and builds the same [`Account`] a snapshot file
//! holds. One file per service; this one resolves configuration and credentials,
//! schedules the calls and turns failures into gaps or diagnostics.
//!
//! Only read-only calls are made (the list is `examples/audit-role-policy.json`).
//! Credentials are resolved by `aws-config` exactly as the AWS CLI resolves them
//! and are never logged or stored.
//!
//! What is fatal (a diagnostic, exit 2, no snapshot): no credentials, an endpoint
//! that cannot be reached, and any IAM failure (IAM is what every IAM-* check
//! reads). Everything regional (EC2, CloudTrail) that is denied or fails after the
//! SDK's retries becomes a [`Gap`], and the data kind it belongs to is then not
//! marked as supplied, so the checks that need it do not run on absent data.
mod cloudtrail;
mod cloudwatch;
mod config;
mod ec2;
mod events;
mod iam;
mod logs;
mod organizations;
mod progress;
mod sts;
mod vpc;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::ProvideCredentials;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use tokio::sync::Semaphore;

use crate::diag::{Error, Result};
use crate::model::{Account, Gap, Snapshot, Supplied, SNAPSHOT_VERSION};

pub use progress::Progress;

/// Region for the global services (IAM, STS) when neither the profile, the
/// environment nor --regions names one.
const FALLBACK_REGION: &str = "us-east-1";

#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Option<String>,
    /// Regions to read; empty means every region enabled for the account.
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Requests in flight at most (at least 1).
    pub concurrency: usize,
    pub progress: bool,
    /// Profile to read AWS Organizations with (the management account or a
    /// delegated administrator); None means the same credentials as the rest.
    pub org_profile: Option<String>,
}

/// Reads the account. Gaps are in `snapshot.account.gaps`.
pub fn snapshot(opts: &Options) -> Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.concurrency.clamp(1, 4))
        .enable_all()
        .build()
        .map_err(|e| Error::usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(collect(opts))
}

/// Shared by every task: the concurrency limit, the gaps found, the progress line.
pub(crate) struct Ctx {
    pub limit: Arc<Semaphore>,
    pub gaps: Mutex<Vec<Gap>>,
    pub progress: Progress,
}

impl Ctx {
    pub fn gap(&self, service: &str, api: &str, region: Option<&str>, error: String) {
        self.progress.warn(&format!(
            "warning: {service} {api}{} could not be read: {error}",
            region.map(|r| format!(" in {r}")).unwrap_or_default()
        ));
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.push(Gap {
                service: service.into(),
                api: api.into(),
                region: region.map(str::to_string),
                error,
            });
        }
    }
    /// Follows every page of a paginated call, each request under a concurrency
    /// permit, and hands each page to `each`. An error records the call's gap
    /// (`service`, `api`, `region`) and returns false: the caller then drops what
    /// it had, since a partial list would read as the whole.
    pub async fn all_pages<O, E>(
        &self,
        (service, api, region): (&str, &str, Option<&str>),
        mut pages: aws_smithy_async::future::pagination_stream::PaginationStream<
            std::result::Result<O, SdkError<E, aws_sdk_sts::config::http::HttpResponse>>,
        >,
        mut each: impl FnMut(O),
    ) -> bool
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        loop {
            let page = {
                let _permit = self.permit().await;
                pages.next().await
            };
            match page {
                None => return true,
                Some(Ok(page)) => each(page),
                Some(Err(e)) => {
                    self.gap(service, api, region, classify(&e).message().to_string());
                    return false;
                }
            }
        }
    }

    /// A slot in the concurrency limit, held while one request is in flight.
    /// (The semaphore is never closed, so this is always Some.)
    pub async fn permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.limit.clone().acquire_owned().await.ok()
    }
}

/// How a failed call is told apart.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The caller lacks permission (or its credentials were refused).
    Denied(String),
    /// No answer: connection refused, DNS, timeout.
    Unreachable(String),
    Other(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Denied(m) | Failure::Unreachable(m) | Failure::Other(m) => m,
        }
    }
}

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthFailure",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
];

/// An error and its sources, by their Display only: the SDK's Debug forms carry
/// whole HTTP responses, which help nobody in a warning.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

pub(crate) fn classify<E>(err: &SdkError<E, aws_sdk_sts::config::http::HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = chain(err);
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Failure::Unreachable(text),
        _ => {
            let http = err.raw_response().map(|r| r.status().as_u16());
            let status = http.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
            // A 403 whose body the SDK could not read (moto's IAM errors, some
            // proxies) is still a refusal.
            let code = err.code().unwrap_or(if http == Some(403) {
                "AccessDenied"
            } else {
                ""
            });
            let message = match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => format!("{text}{status}"),
            };
            if DENIED_CODES.contains(&code) {
                Failure::Denied(message)
            } else {
                Failure::Other(message)
            }
        }
    }
}

async fn load_config(opts: &Options) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build(),
    );
    if std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
        && std::env::var_os("AWS_RETRY_MODE").is_none()
    {
        // Standard mode: exponential backoff with jitter, throttling retried.
        // AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, as the CLI reads them, override it.
        loader = loader.retry_config(RetryConfig::standard().with_max_attempts(5));
    }
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        // No region from the profile or the environment: the first one asked for.
        let region = opts
            .regions
            .first()
            .cloned()
            .unwrap_or_else(|| FALLBACK_REGION.to_string());
        return config.into_builder().region(Region::new(region)).build();
    }
    config
}

fn endpoint_name(opts: &Options, config: &SdkConfig) -> String {
    opts.endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| {
            format!(
                "the AWS endpoints of {}",
                config.region().map(|r| r.as_ref()).unwrap_or("?")
            )
        })
}

async fn collect(opts: &Options) -> Result<Snapshot> {
    let config = load_config(opts).await;
    let ctx = Arc::new(Ctx {
        limit: Arc::new(Semaphore::new(opts.concurrency.max(1))),
        gaps: Mutex::new(Vec::new()),
        progress: Progress::new(opts.progress),
    });

    // Credentials first: "none found" is the commonest failure and deserves its
    // own message, not a signing error from the first call.
    let provider = config
        .credentials_provider()
        .ok_or_else(|| Error::AwsCredentials {
            message: "no credential provider is configured".into(),
        })?;
    if let Err(e) = provider.provide_credentials().await {
        return Err(Error::AwsCredentials { message: chain(&e) });
    }

    ctx.progress.step("sts", None, "GetCallerIdentity");
    let account_id = sts::account_id(&config).await.map_err(|f| match f {
        Failure::Unreachable(message) => Error::AwsUnreachable {
            endpoint: endpoint_name(opts, &config),
            message,
        },
        Failure::Denied(message) => Error::AwsAccessDenied {
            service: "sts".into(),
            api: "GetCallerIdentity".into(),
            message,
        },
        Failure::Other(message) => Error::AwsApi {
            service: "sts".into(),
            api: "GetCallerIdentity".into(),
            message,
        },
    })?;

    let regions = if opts.regions.is_empty() {
        ctx.progress.step("ec2", None, "DescribeRegions");
        match ec2::enabled_regions(&config).await {
            Ok(r) => r,
            Err(f) => {
                let home = config
                    .region()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| FALLBACK_REGION.into());
                ctx.gap(
                    "ec2",
                    "DescribeRegions",
                    None,
                    format!("{}; reading only {home}", f.message()),
                );
                vec![home]
            }
        }
    } else {
        opts.regions.clone()
    };

    let orgs = {
        let org_config = match &opts.org_profile {
            // The profile's own credentials: the default chain would prefer
            // AWS_ACCESS_KEY_ID from the environment over any profile.
            Some(p) => load_config(&Options {
                profile: Some(p.clone()),
                ..opts.clone()
            })
            .await
            .into_builder()
            .credentials_provider(
                aws_sdk_organizations::config::SharedCredentialsProvider::new(
                    aws_config::profile::ProfileFileCredentialsProvider::builder()
                        .profile_name(p)
                        .build(),
                ),
            )
            .build(),
            None => config.clone(),
        };
        let client = aws_sdk_organizations::Client::new(&org_config);
        tokio::spawn(organizations::collect(
            client,
            account_id.clone(),
            ctx.clone(),
        ))
    };
    let mut account = Account {
        account_id: Some(account_id),
        ..Account::default()
    };
    let regional = {
        let ctx = ctx.clone();
        let config = config.clone();
        let regions = regions.clone();
        tokio::spawn(async move { collect_regions(&config, &regions, ctx).await })
    };
    ctx.progress
        .step("iam", None, "GetAccountAuthorizationDetails");
    let iam = iam::collect(&config, &ctx).await;
    let regional = regional.await;
    account.iam = iam.map_err(|f| {
        let api = "GetAccountAuthorizationDetails".to_string();
        match f {
            Failure::Denied(message) => Error::AwsAccessDenied {
                service: "iam".into(),
                api,
                message,
            },
            Failure::Unreachable(message) => Error::AwsUnreachable {
                endpoint: endpoint_name(opts, &config),
                message,
            },
            Failure::Other(message) => Error::AwsApi {
                service: "iam".into(),
                api,
                message,
            },
        }
    })?;
    let regional = regional.map_err(|e| Error::usage(format!("a collection task failed: {e}")))?;
    account.organizations = Some(
        orgs.await
            .map_err(|e| Error::usage(format!("a collection task failed: {e}")))?,
    );
    account.ec2.security_groups = regional.security_groups;
    account.ec2.instances = regional.instances;
    account.cloudtrail.trails = regional.trails;
    account.ec2.flow_logs = regional.flow_logs;
    account.ec2.network_acls = regional.network_acls;
    account.ec2.images = regional.images;
    account.logs = regional.logs;
    account.cloudwatch = regional.cloudwatch;
    account.events = regional.events;
    account.config = regional.config;
    let gaps = ctx.gaps.lock().map(|g| g.clone()).unwrap_or_default();
    account.supplied = supplied(&gaps);
    account.gaps = gaps;
    ctx.progress.finish();

    Ok(Snapshot {
        stopguard_snapshot: SNAPSHOT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        collected_at: Some(now_rfc3339()),
        regions,
        account,
    })
}

/// Which data kinds were read completely, given the gaps: a kind with a gap in
/// any region is not supplied, so no check judges it on partial data. IAM is
/// always complete here (an IAM failure is fatal). A missing `disableApiStop`
/// leaves that instance's protection unknown, not the instance list.
pub fn supplied(gaps: &[Gap]) -> Supplied {
    let gap_in = |service: &str, apis: &[&str]| {
        gaps.iter()
            .any(|g| g.service == service && apis.contains(&g.api.as_str()))
    };
    let regions_unknown = gap_in("ec2", &["DescribeRegions"]);
    Supplied {
        iam: true,
        security_groups: !regions_unknown && !gap_in("ec2", &["DescribeSecurityGroups"]),
        instances: !regions_unknown && !gap_in("ec2", &["DescribeInstances"]),
        trails: !regions_unknown
            && !gap_in(
                "cloudtrail",
                &["DescribeTrails", "GetTrailStatus", "GetEventSelectors"],
            ),
        metric_filters: !regions_unknown && !gap_in("logs", &["DescribeMetricFilters"]),
        alarms: !regions_unknown && !gap_in("cloudwatch", &["DescribeAlarms"]),
        // A rule whose targets were unread keeps `targets: None`; the rules are complete.
        event_rules: !regions_unknown && !gap_in("events", &["ListRules"]),
        flow_logs: !regions_unknown && !gap_in("ec2", &["DescribeFlowLogs"]),
        network_acls: !regions_unknown && !gap_in("ec2", &["DescribeNetworkAcls"]),
        // Images are read for the instances found: no instances, no images.
        images: !regions_unknown && !gap_in("ec2", &["DescribeImages", "DescribeInstances"]),
        config_recorders: !regions_unknown
            && !gap_in("config", &["DescribeConfigurationRecorders"]),
        config_recorder_status: !regions_unknown
            && !gap_in("config", &["DescribeConfigurationRecorderStatus"]),
        config_rules: !regions_unknown && !gap_in("config", &["DescribeConfigRules"]),
    }
}

#[derive(Default)]
struct Regional {
    security_groups: Vec<crate::model::SecurityGroup>,
    instances: Vec<crate::model::Instance>,
    trails: Vec<crate::model::Trail>,
    flow_logs: Vec<crate::monitoring::FlowLog>,
    network_acls: Vec<crate::monitoring::NetworkAcl>,
    images: Vec<crate::monitoring::Image>,
    logs: crate::monitoring::Logs,
    cloudwatch: crate::monitoring::CloudWatch,
    events: crate::monitoring::Events,
    config: crate::monitoring::ConfigService,
}

/// Every region's EC2 and CloudTrail reads, as tasks bounded by the semaphore.
async fn collect_regions(config: &SdkConfig, regions: &[String], ctx: Arc<Ctx>) -> Regional {
    let mut sgs = tokio::task::JoinSet::new();
    let mut instances = tokio::task::JoinSet::new();
    let mut trails = tokio::task::JoinSet::new();
    let mut flow_logs = tokio::task::JoinSet::new();
    let mut acls = tokio::task::JoinSet::new();
    let mut filters = tokio::task::JoinSet::new();
    let mut alarms = tokio::task::JoinSet::new();
    let mut rules = tokio::task::JoinSet::new();
    let mut configs = tokio::task::JoinSet::new();
    let mut ec2_clients = std::collections::BTreeMap::new();
    for region in regions {
        let ec2 = ec2::client(config, region);
        ec2_clients.insert(region.clone(), ec2.clone());
        flow_logs.spawn(vpc::flow_logs(ec2.clone(), region.clone(), ctx.clone()));
        acls.spawn(vpc::network_acls(ec2.clone(), region.clone(), ctx.clone()));
        filters.spawn(logs::metric_filters(
            logs::client(config, region),
            region.clone(),
            ctx.clone(),
        ));
        alarms.spawn(cloudwatch::alarms(
            cloudwatch::client(config, region),
            region.clone(),
            ctx.clone(),
        ));
        rules.spawn(events::rules(
            events::client(config, region),
            region.clone(),
            ctx.clone(),
        ));
        configs.spawn(config::collect(
            config::client(config, region),
            region.clone(),
            ctx.clone(),
        ));
        sgs.spawn(ec2::security_groups(
            ec2.clone(),
            region.clone(),
            ctx.clone(),
        ));
        instances.spawn(ec2::instances(ec2, region.clone(), ctx.clone()));
        trails.spawn(cloudtrail::trails(
            config.clone(),
            region.clone(),
            regions.to_vec(),
            ctx.clone(),
        ));
    }
    let mut out = Regional::default();
    while let Some(r) = sgs.join_next().await {
        out.security_groups.extend(r.unwrap_or_default());
    }
    while let Some(r) = instances.join_next().await {
        out.instances.extend(r.unwrap_or_default());
    }
    while let Some(r) = trails.join_next().await {
        out.trails.extend(r.unwrap_or_default());
    }
    // The AMIs of the instances found, per region.
    let mut image_ids: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for i in &out.instances {
        if let (Some(region), false) = (&i.region, i.image_id.is_empty()) {
            let ids = image_ids.entry(region.clone()).or_default();
            if !ids.contains(&i.image_id) {
                ids.push(i.image_id.clone());
            }
        }
    }
    let mut images = tokio::task::JoinSet::new();
    for (region, ids) in image_ids {
        if let Some(client) = ec2_clients.get(&region) {
            images.spawn(vpc::images(client.clone(), region, ids, ctx.clone()));
        }
    }
    while let Some(r) = flow_logs.join_next().await {
        out.flow_logs.extend(r.unwrap_or_default());
    }
    while let Some(r) = acls.join_next().await {
        out.network_acls.extend(r.unwrap_or_default());
    }
    while let Some(r) = filters.join_next().await {
        out.logs.metric_filters.extend(r.unwrap_or_default());
    }
    while let Some(r) = alarms.join_next().await {
        let r = r.unwrap_or_default();
        out.cloudwatch.metric_alarms.extend(r.metric_alarms);
        out.cloudwatch.composite_alarms.extend(r.composite_alarms);
    }
    while let Some(r) = rules.join_next().await {
        out.events.rules.extend(r.unwrap_or_default());
    }
    while let Some(r) = configs.join_next().await {
        let r = r.unwrap_or_default();
        out.config.recorders.extend(r.recorders);
        out.config.recorder_statuses.extend(r.recorder_statuses);
        out.config.rules.extend(r.rules);
    }
    while let Some(r) = images.join_next().await {
        out.images.extend(r.unwrap_or_default());
    }
    // Deterministic output whatever order the regions answered in.
    out.security_groups
        .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    out.instances
        .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    out.trails.sort_by(|a, b| a.arn.cmp(&b.arn));
    out.flow_logs
        .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    out.network_acls
        .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    out.images
        .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    out.logs.metric_filters.sort_by(|a, b| {
        (&a.region, &a.log_group, &a.name).cmp(&(&b.region, &b.log_group, &b.name))
    });
    out.cloudwatch
        .metric_alarms
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    out.cloudwatch
        .composite_alarms
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    out.events
        .rules
        .sort_by(|a, b| (&a.region, &a.arn).cmp(&(&b.region, &b.arn)));
    out.config
        .recorders
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    out.config
        .recorder_statuses
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    out.config
        .rules
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    out.trails
        .dedup_by(|a, b| !a.arn.is_empty() && a.arn == b.arn);
    out
}

/// The current time as RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    use aws_sdk_sts::primitives::{DateTime, DateTimeFormat};
    let now = DateTime::from(std::time::SystemTime::now());
    let secs = DateTime::from_secs(now.secs());
    secs.fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| now.secs().to_string())
}

/// The name of a managed policy from its ARN (`arn:aws:iam::aws:policy/job/Name` -> `Name`).
pub(crate) fn name_from_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(service: &str, api: &str) -> Gap {
        Gap {
            service: service.into(),
            api: api.into(),
            region: Some("eu-west-1".into()),
            error: "AccessDenied: nope".into(),
        }
    }

    #[test]
    fn no_gaps_means_everything_supplied() {
        let s = supplied(&[]);
        assert!(s.iam && s.security_groups && s.instances && s.trails);
        assert!(s.metric_filters && s.alarms && s.event_rules && s.flow_logs);
        assert!(s.network_acls && s.images && s.config_recorders);
        assert!(s.config_recorder_status && s.config_rules);
    }

    #[test]
    fn a_gap_unsupplies_only_its_own_kind() {
        let s = supplied(&[gap("cloudtrail", "GetTrailStatus")]);
        assert!(!s.trails);
        assert!(s.security_groups && s.instances && s.iam);
        let s = supplied(&[gap("ec2", "DescribeSecurityGroups")]);
        assert!(!s.security_groups && s.instances && s.trails);
        // Stop protection unread: the instances are still all there.
        let s = supplied(&[gap("ec2", "DescribeInstanceAttribute")]);
        assert!(s.instances);
        let s = supplied(&[gap("cloudwatch", "DescribeAlarms")]);
        assert!(!s.alarms && s.metric_filters && s.event_rules);
        // Unread targets leave those rules' targets unknown, not the rule list.
        let s = supplied(&[gap("events", "ListTargetsByRule")]);
        assert!(s.event_rules);
        let s = supplied(&[gap("config", "DescribeConfigurationRecorderStatus")]);
        assert!(s.config_recorders && !s.config_recorder_status && s.config_rules);
        // No instance list, no way to know which images were needed.
        let s = supplied(&[gap("ec2", "DescribeInstances")]);
        assert!(!s.images && s.flow_logs);
    }

    #[test]
    fn unknown_regions_unsupply_every_regional_kind() {
        let s = supplied(&[gap("ec2", "DescribeRegions")]);
        assert!(s.iam && !s.security_groups && !s.instances && !s.trails);
        assert!(!s.metric_filters && !s.alarms && !s.event_rules && !s.config_rules);
    }

    #[test]
    fn names_come_from_arns() {
        assert_eq!(
            name_from_arn("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
            "ViewOnlyAccess"
        );
        assert_eq!(
            name_from_arn("arn:aws:iam::123456789012:policy/fleet-stop"),
            "fleet-stop"
        );
    }

    #[test]
    fn collection_time_is_rfc3339_utc() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(
            t.ends_with('Z') && t.as_bytes().get(10) == Some(&b'T'),
            "{t}"
        );
    }
}
