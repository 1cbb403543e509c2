//! Loading: every accepted document shape, recognised by its content rather than its
//! file name, normalised into one [`Account`](crate::model::Account).
//!
//! One typed pass per file: [`AnyDoc`] lists every top-level key of every accepted
//! shape, so a 30 MB export is parsed once, straight into the model, with no
//! intermediate tree. Which keys came back decides what the document was.
mod cfn;
mod fastdoc;
mod iac;
mod listed;
pub mod located;
mod monitoring;
pub mod read;
mod scan;
mod spans;
mod terraform;
pub mod timestamp;
pub mod trail_logs;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use crate::diag::{self, Error, Result};
use crate::iam::policy::{PolicyDocument, StatementList};
use crate::model::{
    self, Account, AdvancedEventSelector, EventSelector, Group, Instance, ManagedPolicy,
    PolicyFile, Role, SecurityGroup, Snapshot, Trail, TrailStatus, User,
};
pub use read::{Format, Limits, RawInput};

/// The shapes stopguard accepts, as named in errors and in `--help`.
pub const ACCEPTED_SHAPES: &str = "accepted documents: `aws iam get-account-authorization-details`, \
`aws ec2 describe-security-groups`, `aws ec2 describe-instances`, \
`aws ec2 describe-instance-attribute --attribute disableApiStop`, `aws cloudtrail describe-trails`, \
`aws cloudtrail get-trail-status` (with a \"Name\" key added), `aws cloudtrail get-event-selectors`, \
`aws logs describe-metric-filters`, `aws cloudwatch describe-alarms`, `aws events list-rules`, \
`aws events list-targets-by-rule` (with a \"Rule\" key added), `aws ec2 describe-flow-logs`, \
`aws ec2 describe-network-acls`, `aws ec2 describe-images`, \
`aws configservice describe-configuration-recorders`, `describe-configuration-recorder-status`, \
`describe-config-rules`, \
an IAM policy document ({\"Version\", \"Statement\"}), a CloudFormation template, \
a Terraform plan (`terraform show -json`), or a stopguard snapshot";

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Reservation {
    #[serde(default)]
    Instances: Vec<Instance>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct BoolValue {
    Value: Option<bool>,
}

/// The union of every accepted document's top-level keys.
#[derive(Deserialize, Default)]
#[allow(non_snake_case)]
struct AnyDoc {
    // get-account-authorization-details
    // (split into elements while reading, then parsed on every core: see listed)
    UserDetailList: Option<listed::Listed<User>>,
    GroupDetailList: Option<listed::Listed<Group>>,
    RoleDetailList: Option<listed::Listed<Role>>,
    Policies: Option<listed::Listed<ManagedPolicy>>,
    // ec2
    SecurityGroups: Option<Vec<SecurityGroup>>,
    Reservations: Option<Vec<Reservation>>,
    InstanceId: Option<String>,
    DisableApiStop: Option<BoolValue>,
    // cloudtrail
    trailList: Option<Vec<Trail>>,
    IsLogging: Option<bool>,
    LatestDeliveryError: Option<String>,
    LatestDeliveryTime: Option<serde_json::Value>,
    Name: Option<String>,
    TrailARN: Option<String>,
    EventSelectors: Option<Vec<EventSelector>>,
    AdvancedEventSelectors: Option<Vec<AdvancedEventSelector>>,
    // logs, cloudwatch, events, flow logs, network ACLs, images, config
    metricFilters: Option<Vec<crate::monitoring::MetricFilter>>,
    MetricAlarms: Option<Vec<crate::monitoring::MetricAlarm>>,
    CompositeAlarms: Option<Vec<crate::monitoring::CompositeAlarm>>,
    Rules: Option<Vec<crate::monitoring::EventRule>>,
    Targets: Option<Vec<crate::monitoring::EventTarget>>,
    Rule: Option<String>,
    FlowLogs: Option<Vec<crate::monitoring::FlowLog>>,
    NetworkAcls: Option<Vec<crate::monitoring::NetworkAcl>>,
    Images: Option<Vec<crate::monitoring::Image>>,
    ConfigurationRecorders: Option<Vec<crate::monitoring::ConfigRecorder>>,
    ConfigurationRecordersStatus: Option<Vec<crate::monitoring::RecorderStatus>>,
    ConfigRules: Option<Vec<crate::monitoring::ConfigRule>>,
    Region: Option<String>,
    // a policy document
    Version: Option<serde_json::Value>,
    Id: Option<serde_json::Value>,
    Statement: Option<StatementList>,
    // stopguard snapshot
    stopguard_snapshot: Option<u32>,
    account: Option<Account>,
    // shapes recognised only to say where they belong
    Policy: Option<serde::de::IgnoredAny>,
    Records: Option<serde::de::IgnoredAny>,
    // `aws cloudtrail lookup-events`, when it comes through standard input
    Events: Option<serde::de::IgnoredAny>,
    AWSTemplateFormatVersion: Option<serde::de::IgnoredAny>,
    Resources: Option<serde::de::IgnoredAny>,
    resource_changes: Option<serde::de::IgnoredAny>,
    planned_values: Option<serde::de::IgnoredAny>,
}

/// (file, trail ARN, basic selectors, advanced selectors)
type PendingSelectors = (
    String,
    String,
    Option<Vec<EventSelector>>,
    Option<Vec<AdvancedEventSelector>>,
);

/// Status and selector documents name their trail late or not at all, so they are
/// bound to trails only once every file is read.
#[derive(Default)]
struct Pending {
    statuses: Vec<(String, Option<String>, TrailStatus)>,
    selectors: Vec<PendingSelectors>,
    stop_attrs: Vec<(String, String, Option<bool>)>,
    targets: Vec<monitoring::PendingTargets>,
    /// CloudTrail logs that came in through the whole-file reader (stdin, or a
    /// `Records` key that is not the first): (name, text).
    trail_texts: Vec<(String, String)>,
}

/// Loads and merges every input into one account.
pub fn load_paths(paths: &[PathBuf], limits: &Limits) -> Result<Account> {
    load_paths_with(paths, limits, false).map(|(account, _)| account)
}

/// Each input file's document as parsed, for policies that judge files one by one
/// (conftest's contract): (file name, document).
pub type RawDocuments = Vec<(String, serde_json::Value)>;

/// As [`load_paths`]; with `raw_documents`, also returns every file's document as
/// parsed, and a document of no known AWS shape is not an error (the per-file
/// policies judge it) but adds nothing to the account.
pub fn load_paths_with(
    paths: &[PathBuf],
    limits: &Limits,
    raw_documents: bool,
) -> Result<(Account, RawDocuments)> {
    load_paths_opts(paths, limits, raw_documents, &Options::default())?.complete()
}

/// How to load, beyond size limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only CloudTrail events inside this window are kept (`--since`/`--until`).
    pub window: trail_logs::Window,
    /// Keep only the IAM statements that may apply to one of these actions (see
    /// [`crate::iam::policy::KeepStatementsFor`]): for a caller that will ask about
    /// no others, as `check` does. Policy files (a lone `{"Statement": ...}`) are
    /// always kept whole.
    pub statements_for: Option<&'static [&'static str]>,
}

/// What [`load_paths_opts`] read.
pub struct Loaded {
    pub account: Account,
    pub raws: RawDocuments,
    /// Errors in CloudTrail log files. They do not stop the load: the other files
    /// are still read and judged, and the caller fails the run after reporting.
    pub deferred: Vec<Error>,
}

impl Loaded {
    /// The account and documents, or the deferred errors now: for a caller that
    /// has nothing to judge before failing on them.
    pub fn complete(self) -> Result<(Account, RawDocuments)> {
        match Error::collect(self.deferred) {
            Some(e) => Err(e),
            None => Ok((self.account, self.raws)),
        }
    }
}

/// As [`load_paths_with`], with options; CloudTrail log files are streamed (in
/// parallel, never whole in memory) and their errors deferred (see [`Loaded`]).
/// A log file is recognised by its first key (`Records`, or lookup-events'
/// `Events`); it never becomes a raw document for per-file policies.
pub fn load_paths_opts(
    paths: &[PathBuf],
    limits: &Limits,
    raw_documents: bool,
    options: &Options,
) -> Result<Loaded> {
    let files = read::expand(paths)?;
    let mut log_files = Vec::new();
    if files.is_empty() {
        return Err(Error::usage("no input files found"));
    }
    let mut account = Account::default();
    let mut pending = Pending::default();
    let mut errors = Vec::new();
    let mut raws = Vec::new();
    // CloudTrail log files are recognised by their first key and streamed later;
    // everything else is read whole.
    let mut others = Vec::with_capacity(files.len());
    for path in files {
        if path.as_os_str() != "-" {
            match trail_logs::sniff(&path) {
                Some(trail_logs::Kind::Digest) => continue,
                Some(_) => {
                    log_files.push(path);
                    continue;
                }
                None => {}
            }
        }
        others.push(path);
    }
    // Reading and parsing run on every core, a batch at a time (a repository of
    // thousands of small templates is mostly parsing); documents are then added in
    // file order, so the result is the same as one file after another.
    for batch in others.chunks(PARSE_BATCH) {
        let prepared = crate::par::map(batch, |path| {
            let raw = read::read_deferred(path, limits)?;
            let parsed = (|| {
                let generic = if raw_documents {
                    Some(parse_generic(&raw)?)
                } else {
                    None
                };
                let doc = {
                    let _keep = options
                        .statements_for
                        .map(crate::iam::policy::KeepStatementsFor::new);
                    parse_any(&raw)?
                };
                let tree = needs_tree(&doc).then(|| located::parse(&raw.text));
                Ok((generic, doc, tree))
            })();
            // A large file's check that it is text (not empty, not binary, UTF-8)
            // waits until it is read (see `read::Mapped`); its error comes first,
            // as when the file is checked before it is parsed.
            raw.text.check(&raw.name, parsed.is_err())?;
            let (generic, doc, tree) = parsed?;
            Ok((raw, generic, doc, tree))
        });
        for item in prepared {
            let result = item.and_then(|(raw, generic, doc, tree)| {
                if let Some(g) = generic {
                    raws.push((raw.name.clone(), g));
                }
                match add_parsed(&mut account, &mut pending, raw, doc, tree) {
                    Err(Error::Shape { what, .. }) if raw_documents && what == UNRECOGNISED => {
                        Ok(())
                    }
                    other => other,
                }
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
    }
    if let Some(e) = Error::collect(errors) {
        return Err(e);
    }
    let mut deferred = Vec::new();
    let outcomes = trail_logs::read_files(&log_files, options.window, limits.max_bytes);
    read_trail_texts(
        &mut pending,
        options.window,
        limits.max_bytes,
        outcomes,
        &mut account,
        &mut deferred,
    );
    bind_pending(&mut account, pending)?;
    finish(&mut account);
    Ok(Loaded {
        account,
        raws,
        deferred,
    })
}

/// Adds CloudTrail events (from streamed files, then from whole texts) to the account.
fn read_trail_texts(
    pending: &mut Pending,
    window: trail_logs::Window,
    max: u64,
    streamed: Vec<trail_logs::FileOutcome>,
    account: &mut Account,
    deferred: &mut Vec<Error>,
) {
    let texts = std::mem::take(&mut pending.trail_texts);
    let in_memory = texts
        .iter()
        .map(|(name, text)| trail_logs::read_text(name, text.as_bytes(), window, max));
    for outcome in streamed.into_iter().chain(in_memory) {
        account.cloudtrail_events.extend(outcome.events);
        deferred.extend(outcome.errors);
    }
    // The same event can arrive twice: in a trail's files and in lookup-events
    // output, or from two trails. Its eventID identifies it; the first copy stays.
    let mut seen = std::collections::HashSet::new();
    account
        .cloudtrail_events
        .retain(|e| e.event_id.is_empty() || seen.insert(e.event_id.clone()));
}

const UNRECOGNISED: &str = "unrecognised document";

/// Files parsed in parallel before they are added; bounds the texts held at once.
const PARSE_BATCH: usize = 256;

type Tree = std::result::Result<located::Node, located::ParseError>;

/// Documents whose findings need positions: policy files, templates, plans.
fn needs_tree(doc: &AnyDoc) -> bool {
    doc.Statement.is_some()
        || doc.Resources.is_some()
        || doc.resource_changes.is_some()
        || doc.planned_values.is_some()
}

/// A document as plain data, whatever its shape.
fn parse_generic(raw: &RawInput) -> Result<serde_json::Value> {
    check_yaml_depth(raw)?;
    match raw.format {
        Format::Json => serde_json::from_str(&raw.text)
            .map_err(|e| parse_error(raw, e.to_string(), e.line(), e.column())),
        Format::Yaml => yaml_serde::from_str(&raw.text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            parse_error(raw, e.to_string(), line, column)
        }),
    }
}

/// Loads inputs already in memory (tests, stdin-like sources).
pub fn load_texts(inputs: Vec<RawInput>) -> Result<Account> {
    let mut account = Account::default();
    let mut pending = Pending::default();
    for raw in inputs {
        add_document(&mut account, &mut pending, raw)?;
    }
    let mut deferred = Vec::new();
    let window = trail_logs::Window::default();
    read_trail_texts(
        &mut pending,
        window,
        u64::MAX,
        vec![],
        &mut account,
        &mut deferred,
    );
    if let Some(e) = Error::collect(deferred) {
        return Err(e);
    }
    bind_pending(&mut account, pending)?;
    finish(&mut account);
    Ok(account)
}

fn parse_error(raw: &RawInput, message: String, line: usize, column: usize) -> Error {
    // A span at the very end would show no source line; point at the last character.
    let offset = diag::offset_of(&raw.text, line, column).min(raw.text.len().saturating_sub(1));
    Error::Parse {
        name: raw.name.clone(),
        format: raw.format.name(),
        message,
        src: diag::source_for(&raw.name, &raw.text),
        span: Some((offset, 0).into()),
    }
}

/// Deepest YAML flow nesting accepted. libyaml's parser takes time quadratic in the
/// depth of `[[[[...` (100,000 levels: 15 s), so depth is checked before parsing.
const MAX_YAML_FLOW_DEPTH: usize = 256;

/// The first place where flow collections nest deeper than the limit, if any.
/// Quoted scalars and comments are skipped; this is a guard, not a parser.
fn yaml_too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    for (i, b) in text.bytes().enumerate() {
        if comment {
            comment = b != b'\n';
            continue;
        }
        match (quote, b) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"') | (None, b'\'') => quote = Some(b),
            (None, b'#') => comment = true,
            (None, b'[') | (None, b'{') => {
                depth += 1;
                if depth > MAX_YAML_FLOW_DEPTH {
                    return Some(i);
                }
            }
            (None, b']') | (None, b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn check_yaml_depth(raw: &RawInput) -> Result<()> {
    if raw.format == Format::Yaml {
        if let Some(offset) = yaml_too_deep(&raw.text) {
            return Err(Error::Parse {
                name: raw.name.clone(),
                format: "YAML",
                message: format!("nesting deeper than {MAX_YAML_FLOW_DEPTH} levels"),
                src: diag::source_for(&raw.name, &raw.text),
                span: Some((offset, 1).into()),
            });
        }
    }
    Ok(())
}

/// A JSON error at `line`:`column` of the file (serde_json's own place, or an
/// element's error moved into the file by `listed`, whose message then names the
/// place in the file rather than in the element).
fn json_error(raw: &RawInput, e: &serde_json::Error, line: usize, column: usize) -> Error {
    let mut msg = e.to_string();
    if (e.line(), e.column()) != (line, column) {
        let own = format!(" at line {} column {}", e.line(), e.column());
        if let Some(base) = msg.strip_suffix(&own) {
            msg = format!("{base} at line {line} column {column}");
        }
    }
    let message = if e.classify() == serde_json::error::Category::Data {
        format!("{msg} (the document has an accepted shape but a field is wrong)")
    } else {
        msg
    };
    parse_error(raw, message, line, column)
}

fn parse_any(raw: &RawInput) -> Result<AnyDoc> {
    check_yaml_depth(raw)?;
    match raw.format {
        Format::Json => {
            let (mut doc, lists) = listed::parse_json(
                raw,
                |text| {
                    serde_json::from_str::<AnyDoc>(text)
                        .map_err(|e| json_error(raw, &e, e.line(), e.column()))
                },
                |doc, kind, seqs| match kind {
                    listed::Kind::Users => listed::Listed::attach(&mut doc.UserDetailList, seqs),
                    listed::Kind::Groups => listed::Listed::attach(&mut doc.GroupDetailList, seqs),
                    listed::Kind::Roles => listed::Listed::attach(&mut doc.RoleDetailList, seqs),
                    listed::Kind::Policies => listed::Listed::attach(&mut doc.Policies, seqs),
                },
            )?;
            // Putting the elements in place moves every one into a new list, whose
            // memory is touched for the first time: the roles (most of an export)
            // on another core while this one does the other lists. Errors are
            // reported in the same order either way.
            let (roles, users, groups, policies) = crate::par::scope(|scope| {
                let roles = scope.spawn(|| listed::resolve(&mut doc.RoleDetailList, &lists, raw));
                let users = listed::resolve(&mut doc.UserDetailList, &lists, raw);
                let groups = listed::resolve(&mut doc.GroupDetailList, &lists, raw);
                let policies = listed::resolve(&mut doc.Policies, &lists, raw);
                let roles = roles
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (roles, users, groups, policies)
            });
            users?;
            groups?;
            roles?;
            policies?;
            Ok(doc)
        }
        Format::Yaml => yaml_serde::from_str::<AnyDoc>(&raw.text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            parse_error(raw, e.to_string(), line, column)
        }),
    }
}

fn add_document(account: &mut Account, pending: &mut Pending, raw: RawInput) -> Result<()> {
    let doc = parse_any(&raw)?;
    add_parsed(account, pending, raw, doc, None)
}

/// Adds a parsed document; `tree` is its located tree when parsed already.
fn add_parsed(
    account: &mut Account,
    pending: &mut Pending,
    raw: RawInput,
    doc: AnyDoc,
    tree: Option<Tree>,
) -> Result<()> {
    let mut tree = tree;
    let mut tree = || tree.take().unwrap_or_else(|| located::parse(&raw.text));
    let file: Arc<str> = Arc::from(raw.name.as_str());
    let shape_err = |what: &str, help: &str| Error::Shape {
        name: raw.name.clone(),
        what: what.to_string(),
        help: help.to_string(),
    };

    if let Some(version) = doc.stopguard_snapshot {
        if version != model::SNAPSHOT_VERSION {
            return Err(shape_err(
                &format!("snapshot format version {version} is not supported"),
                &format!("this stopguard reads snapshot version {}; take the snapshot again with this version", model::SNAPSHOT_VERSION),
            ));
        }
        let Some(snapshot_account) = doc.account else {
            return Err(shape_err(
                "snapshot has no \"account\"",
                "a snapshot is written by `stopguard snapshot`",
            ));
        };
        merge(account, snapshot_account, &file);
        return Ok(());
    }

    let mut recognised = false;
    let is_authz = doc.UserDetailList.is_some()
        || doc.GroupDetailList.is_some()
        || doc.RoleDetailList.is_some()
        || (doc.Policies.is_some() && doc.Policy.is_none());
    if is_authz {
        recognised = true;
        let part = Account {
            iam: model::Iam {
                users: doc
                    .UserDetailList
                    .map_or_else(Vec::new, listed::Listed::into_vec),
                groups: doc
                    .GroupDetailList
                    .map_or_else(Vec::new, listed::Listed::into_vec),
                roles: doc
                    .RoleDetailList
                    .map_or_else(Vec::new, listed::Listed::into_vec),
                policies: doc.Policies.map_or_else(Vec::new, listed::Listed::into_vec),
            },
            supplied: model::Supplied {
                iam: true,
                ..Default::default()
            },
            ..Account::default()
        };
        merge(account, part, &file);
    }
    if let Some(groups) = doc.SecurityGroups {
        recognised = true;
        let part = Account {
            ec2: model::Ec2 {
                security_groups: groups,
                ..Default::default()
            },
            supplied: model::Supplied {
                security_groups: true,
                ..Default::default()
            },
            ..Account::default()
        };
        merge(account, part, &file);
    }
    if let Some(reservations) = doc.Reservations {
        recognised = true;
        let part = Account {
            ec2: model::Ec2 {
                instances: reservations.into_iter().flat_map(|r| r.Instances).collect(),
                ..Default::default()
            },
            supplied: model::Supplied {
                instances: true,
                ..Default::default()
            },
            ..Account::default()
        };
        merge(account, part, &file);
    }
    if let (Some(id), Some(attr)) = (&doc.InstanceId, &doc.DisableApiStop) {
        recognised = true;
        pending
            .stop_attrs
            .push((raw.name.clone(), id.clone(), attr.Value));
    }
    if let Some(trails) = doc.trailList {
        recognised = true;
        let part = Account {
            cloudtrail: model::CloudTrail { trails },
            supplied: model::Supplied {
                trails: true,
                ..Default::default()
            },
            ..Account::default()
        };
        merge(account, part, &file);
    }
    if let Some(is_logging) = doc.IsLogging {
        recognised = true;
        let trail = doc.Name.clone().or(doc.TrailARN.clone());
        pending.statuses.push((
            raw.name.clone(),
            trail,
            TrailStatus {
                is_logging,
                latest_delivery_error: doc.LatestDeliveryError,
                latest_delivery_time: doc.LatestDeliveryTime,
            },
        ));
    }
    if doc.EventSelectors.is_some() || doc.AdvancedEventSelectors.is_some() {
        recognised = true;
        let Some(trail) = doc.TrailARN.clone() else {
            return Err(shape_err(
                "event selectors without a TrailARN",
                "`aws cloudtrail get-event-selectors` prints the TrailARN; keep it in the file",
            ));
        };
        pending.selectors.push((
            raw.name.clone(),
            trail,
            doc.EventSelectors,
            doc.AdvancedEventSelectors,
        ));
    }
    let found = monitoring::add(
        account,
        &mut pending.targets,
        monitoring::Doc {
            metric_filters: doc.metricFilters,
            metric_alarms: doc.MetricAlarms,
            composite_alarms: doc.CompositeAlarms,
            rules: doc.Rules,
            targets: doc.Targets,
            rule: doc.Rule,
            flow_logs: doc.FlowLogs,
            network_acls: doc.NetworkAcls,
            images: doc.Images,
            recorders: doc.ConfigurationRecorders,
            recorder_statuses: doc.ConfigurationRecordersStatus,
            config_rules: doc.ConfigRules,
            region: doc.Region,
        },
        &raw.name,
        &file,
    );
    recognised |= found;
    if let Some(statements) = doc.Statement {
        recognised = true;
        let document = PolicyDocument {
            version: doc.Version.and_then(|v| v.as_str().map(str::to_string)),
            id: doc.Id.and_then(|v| v.as_str().map(str::to_string)),
            statements: statements.0,
            written_index: vec![],
        };
        let statement_lines = match raw.format {
            Format::Json => spans::json_statement_lines(&raw.text, document.statements.len()),
            Format::Yaml => spans::yaml_statement_lines(&raw.text, document.statements.len()),
        };
        place_statements(account, tree(), &raw.name, document.statements.len());
        account.policy_files.push(PolicyFile {
            file: raw.name.clone(),
            document,
            statement_lines,
        });
    }
    if recognised {
        return Ok(());
    }
    if doc.Policy.is_some() {
        return Err(shape_err(
            "this is an Organizations policy (an SCP)",
            "pass service control policies with --scp FILE, one file per level from the root down",
        ));
    }
    if doc.Records.is_some() || doc.Events.is_some() {
        pending
            .trail_texts
            .push((raw.name.clone(), raw.text.to_string()));
        return Ok(());
    }
    if doc.Resources.is_some() || doc.resource_changes.is_some() || doc.planned_values.is_some() {
        let root = tree().map_err(|e| {
            parse_error(&raw, e.message, e.pos.line as usize, e.pos.column as usize)
        })?;
        if cfn::is_template(&root) {
            return cfn::load(account, &raw, &root);
        }
        if terraform::is_plan(&root) {
            return terraform::load(account, &raw, &root);
        }
    }
    if doc.AWSTemplateFormatVersion.is_some() || doc.Resources.is_some() {
        return Err(shape_err(
            "not a CloudFormation template: Resources must map logical ids to {Type: \"AWS::...\", Properties}",
            "a template's Resources section holds one {Type, Properties} object per resource",
        ));
    }
    if doc.resource_changes.is_some() || doc.planned_values.is_some() {
        return Err(shape_err(
            "not a Terraform plan: expected resource_changes or planned_values.root_module",
            "give the output of `terraform show -json plan.out`",
        ));
    }
    Err(shape_err(UNRECOGNISED, ACCEPTED_SHAPES))
}

/// Line and column of each statement of a policy file, for findings (the located
/// tree is parsed only for policy files, which are small).
fn place_statements(account: &mut Account, tree: Tree, name: &str, count: usize) {
    let Ok(root) = tree else {
        return;
    };
    let nodes: Vec<&located::Node> = match root.get("Statement") {
        Some(s) if matches!(s.kind, located::Kind::Seq(_)) => s.items().iter().collect(),
        Some(s) => vec![s],
        None => vec![],
    };
    if nodes.len() != count {
        return;
    }
    for (i, n) in nodes.into_iter().enumerate() {
        account
            .locations
            .insert(model::loc_key::statement(name, i), iac::pos(n.pos));
    }
}

fn set_file<T>(items: &mut [T], file: &Arc<str>, slot: impl Fn(&mut T) -> &mut Option<Arc<str>>) {
    for item in items {
        let s = slot(item);
        if s.is_none() {
            *s = Some(file.clone());
        }
    }
}

/// Adds `part` to `account`; an entity already present (same ARN or id) keeps its first copy,
/// so the same multi-region trail listed by every region's describe-trails counts once.
fn merge(account: &mut Account, mut part: Account, file: &Arc<str>) {
    set_file(&mut part.iam.users, file, |u| &mut u.file);
    set_file(&mut part.iam.groups, file, |g| &mut g.file);
    set_file(&mut part.iam.roles, file, |r| &mut r.file);
    set_file(&mut part.iam.policies, file, |p| &mut p.file);
    set_file(&mut part.ec2.security_groups, file, |s| &mut s.file);
    set_file(&mut part.ec2.instances, file, |i| &mut i.file);
    set_file(&mut part.cloudtrail.trails, file, |t| &mut t.file);
    monitoring::merge(account, &mut part, file);

    fn extend<T>(into: &mut Vec<T>, from: Vec<T>, key: impl Fn(&T) -> &str) {
        if into.is_empty() {
            *into = from;
            return;
        }
        let seen: std::collections::HashSet<String> =
            into.iter().map(|x| key(x).to_string()).collect();
        into.extend(from.into_iter().filter(|x| !seen.contains(key(x))));
    }
    extend(&mut account.iam.users, part.iam.users, |u| &u.arn);
    extend(&mut account.iam.groups, part.iam.groups, |g| &g.arn);
    extend(&mut account.iam.roles, part.iam.roles, |r| &r.arn);
    extend(&mut account.iam.policies, part.iam.policies, |p| &p.arn);
    extend(
        &mut account.ec2.security_groups,
        part.ec2.security_groups,
        |s| &s.id,
    );
    extend(&mut account.ec2.instances, part.ec2.instances, |i| &i.id);
    extend(
        &mut account.cloudtrail.trails,
        part.cloudtrail.trails,
        |t| {
            if t.arn.is_empty() {
                &t.name
            } else {
                &t.arn
            }
        },
    );
    account.policy_files.extend(part.policy_files);
    account.supplied = account.supplied.union(part.supplied);
    account.gaps.extend(part.gaps);
    if account.organizations.is_none() {
        account.organizations = part.organizations;
    }
    account.unknowns.extend(part.unknowns);
    account.locations.extend(part.locations);
    account.cloudtrail_events.extend(part.cloudtrail_events);
    if account.account_id.is_none() {
        account.account_id = part.account_id;
    }
}

fn trail_matches(t: &Trail, key: &str) -> bool {
    t.name == key
        || t.arn == key
        || (!t.arn.is_empty() && t.arn.ends_with(&format!(":trail/{key}")))
}

/// Binds trail status and selectors to their trails, and stop protection to instances.
///
/// `get-trail-status` output does not name its trail. Rather than guess, a status is
/// bound only when it carries a `Name` or `TrailARN` key (add one with
/// `jq '. + {Name: "my-trail"}'`), or when the input holds exactly one trail.
fn bind_pending(account: &mut Account, pending: Pending) -> Result<()> {
    let mut errors = Vec::new();
    let trails = &mut account.cloudtrail.trails;
    for (file, name, status) in pending.statuses {
        let index = match &name {
            Some(key) => trails.iter().position(|t| trail_matches(t, key)),
            None if trails.len() == 1 => Some(0),
            None => None,
        };
        match (index, name) {
            (Some(i), _) => {
                if let Some(t) = trails.get_mut(i) {
                    t.status = Some(status);
                }
            }
            (None, Some(key)) => errors.push(Error::Input {
                name: file,
                message: format!("trail status names trail {key:?}, which no describe-trails input lists"),
                help: Some("add the `aws cloudtrail describe-trails` output to the inputs".into()),
            }),
            (None, None) => errors.push(Error::Input {
                name: file,
                message: format!(
                    "this get-trail-status output does not say which trail it is for, and the input has {} trails",
                    trails.len()
                ),
                help: Some("add the trail's name to the file, e.g. `jq '. + {Name: \"main\"}'`, or give one trail per run".into()),
            }),
        }
    }
    for (file, arn, basic, advanced) in pending.selectors {
        match trails.iter_mut().find(|t| trail_matches(t, &arn)) {
            Some(t) => {
                t.event_selectors = basic;
                t.advanced_event_selectors = advanced;
            }
            None => errors.push(Error::Input {
                name: file,
                message: format!("event selectors for {arn}, which no describe-trails input lists"),
                help: Some("add the `aws cloudtrail describe-trails` output to the inputs".into()),
            }),
        }
    }
    errors.extend(monitoring::bind_targets(account, pending.targets));
    for (_file, id, value) in pending.stop_attrs {
        match account.ec2.instances.iter_mut().find(|i| i.id == id) {
            Some(i) => i.stop_protection = value,
            None => account.ec2.instances.push(Instance {
                id,
                instance_type: String::new(),
                image_id: String::new(),
                state: None,
                placement: None,
                vpc_id: None,
                security_groups: vec![],
                tags: vec![],
                region: None,
                owner_id: None,
                launch_time: None,
                stop_protection: value,
                file: None,
            }),
        }
    }
    match Error::collect(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Fills in what the exports leave implicit: names moto omits, regions, the account id.
fn finish(account: &mut Account) {
    for p in &mut account.iam.policies {
        if p.name.is_empty() {
            p.name = p.arn.rsplit('/').next().unwrap_or_default().to_string();
        }
    }
    for i in &mut account.ec2.instances {
        if i.region.is_none() {
            i.region = i
                .placement
                .as_ref()
                .and_then(|p| model::region_of_az(&p.availability_zone));
        }
    }
    for g in &mut account.ec2.security_groups {
        if g.region.is_none() {
            g.region = g.arn.as_deref().and_then(model::region_of_arn);
        }
    }
    if account.account_id.is_none() {
        let from_arn = |arn: &str| {
            model::account_of_arn(arn)
                .filter(|a| *a != "aws")
                .map(str::to_string)
        };
        account.account_id = account
            .iam
            .users
            .iter()
            .map(|u| u.arn.as_str())
            .chain(account.iam.roles.iter().map(|r| r.arn.as_str()))
            .find_map(from_arn)
            .or_else(|| {
                account
                    .ec2
                    .security_groups
                    .iter()
                    .find_map(|s| s.owner_id.clone())
            })
            .or_else(|| {
                account
                    .cloudtrail
                    .trails
                    .iter()
                    .find_map(|t| from_arn(&t.arn))
            });
    }
}

/// Reads a snapshot file's envelope (for tooling that needs more than the account).
pub fn parse_snapshot(text: &str) -> std::result::Result<Snapshot, serde_json::Error> {
    serde_json::from_str(text)
}
