//! The Rego `input`: the account model plus the IAM analysis, in the documented,
//! versioned shape that every policy (built-in or custom) reads. See
//! `docs/input-schema.md`; a change here is a change to that contract.
use foldhash::{HashMap, HashMapExt};
use serde_json::{json, Map, Value};

use crate::engine::reads::InputReads;
use crate::iam::access::{Access, Analyzer, Grant, ScpLevel};
use crate::iam::context::RequestContext;
use crate::model::{loc_key, Account, Permission, Tag};

/// Version of the input schema; policies may check `input.schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// The action the built-in pack is about.
pub const STOP_ACTION: &str = "ec2:StopInstances";

/// Every action [`analyse`] evaluates identity policies for: the stop action, and
/// role assumption for the chains that reach it. The input holds no policy
/// statements of its own (only the analysis of them), so a statement that applies
/// to neither can change nothing in it, and `check` leaves such statements out
/// while loading ([`crate::load::Options::statements_for`]).
pub const ANALYSED_ACTIONS: &[&str] = &[STOP_ACTION, crate::iam::access::ASSUME_ROLE];

/// The IAM analysis that goes into the input: computed once, in Rust, because it is
/// the expensive part and because `who-can` needs exactly the same answer.
pub struct IamFacts {
    pub stop_access: Vec<Access>,
    pub stop_statements: Vec<Grant>,
}

/// Every instance of the account (or of any account, when the id is unknown).
pub fn any_instance(account: &Account) -> String {
    format!(
        "arn:aws:ec2:*:{}:instance/*",
        account.account_id.as_deref().unwrap_or("*")
    )
}

/// The analysis the policies can read (`reads`); what none of them reads is left
/// empty, and with neither part read the account is not analysed at all.
pub fn analyse(account: &Account, scps: &[ScpLevel], reads: &InputReads) -> IamFacts {
    let access = reads.needs(&["iam", "stop_access"]);
    let statements = reads.needs(&["iam", "stop_statements"]);
    if !access && !statements {
        return IamFacts {
            stop_access: vec![],
            stop_statements: vec![],
        };
    }
    let analyzer = Analyzer::new(account, scps);
    // The two parts are independent, and `who_can` spends much of its time in a
    // sequential pass (role chains): the statements are listed beside it.
    let (stop_access, stop_statements) = crate::par::scope(|scope| {
        let listed = statements.then(|| scope.spawn(|| analyzer.statements_granting(STOP_ACTION)));
        let stop_access = if access {
            analyzer.who_can(
                STOP_ACTION,
                &any_instance(account),
                &RequestContext::unknown(),
            )
        } else {
            vec![]
        };
        let stop_statements = listed
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .unwrap_or_default();
        (stop_access, stop_statements)
    });
    let mut facts = IamFacts {
        stop_access,
        stop_statements,
    };
    if !account.locations.is_empty() {
        let place = |g: &mut Grant| {
            if let Some(p) = account
                .locations
                .get(&loc_key::statement(&g.policy.id(), g.statement_index))
            {
                g.line = Some(p.line);
                g.column = Some(p.column);
            }
        };
        facts.stop_statements.iter_mut().for_each(place);
        facts
            .stop_access
            .iter_mut()
            .flat_map(|a| a.grants.iter_mut())
            .for_each(place);
    }
    facts
}

/// `{"line", "column"}` of an element, when the input says where it is written.
fn position(account: &Account, key: &str) -> Option<Value> {
    account
        .locations
        .get(key)
        .map(|p| json!({"line": p.line, "column": p.column}))
}

/// Adds `line` and `column` to an input object, when known.
fn place(obj: &mut Value, account: &Account, key: &str) {
    if let (Some(Value::Object(pos)), Value::Object(o)) = (position(account, key), obj) {
        o.extend(pos);
    }
}

/// `{field: {line, column}}` for the properties of an object that a check judges.
fn field_positions(account: &Account, owner: &str, fields: &[&str]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|f| Some((f.to_string(), position(account, &loc_key::field(owner, f))?)))
            .collect(),
    )
}

fn tags(tags: &[Tag]) -> Value {
    Value::Object(
        tags.iter()
            .map(|t| (t.key.clone(), Value::String(t.value.clone())))
            .collect::<Map<_, _>>(),
    )
}

fn permission(p: &Permission) -> Value {
    json!({
        "protocol": p.protocol,
        "from_port": p.from_port,
        "to_port": p.to_port,
        "ipv4_ranges": p.ipv4_ranges.iter().map(|r| r.cidr.as_str()).collect::<Vec<_>>(),
        "ipv6_ranges": p.ipv6_ranges.iter().map(|r| r.cidr.as_str()).collect::<Vec<_>>(),
        "security_groups": p.group_pairs.iter().map(|g| g.group_id.as_str()).collect::<Vec<_>>(),
        "prefix_lists": p.prefix_lists.iter().map(|g| g.prefix_list_id.as_str()).collect::<Vec<_>>(),
    })
}

/// [`build`] as the value regorus evaluates, equal to
/// `regorus::Value::from(build(..))`. The analysis (the bulk of the input on a
/// large account) is serialised straight into regorus values rather than through
/// JSON values first; the rest is small and converted as one document.
pub fn build_value(
    account: &Account,
    facts: &IamFacts,
    reads: &InputReads,
) -> crate::diag::Result<regorus::Value> {
    let rest = IamFacts {
        stop_access: Vec::new(),
        stop_statements: Vec::new(),
    };
    let mut value = regorus::Value::from(build(account, &rest, reads));
    let unrepresentable = |e: crate::rego_value::Error| {
        crate::diag::Error::usage(format!("cannot build the input: {e}"))
    };
    // A principal's access, with every grant and its policy, is a deep object, and
    // grants repeat: a managed policy's statement grants the same access to every
    // principal it reaches (the benchmark export's 1,387 accesses hold 2,277 grants
    // and denials, 557 of them distinct, and its 299 statements are 278 of those).
    // Each distinct grant is converted once and shared, as regorus values are
    // reference-counted; then the accesses, without their grants, and the rest.
    // Both conversions run on every core, in runs of elements.
    // A grant hashes whole, most of interning it: the grants' hashes are computed
    // first, on every core (on one core, with the map, this was 1 ms of the
    // benchmark export while the other core had nothing to do). Every grant in
    // order: each access's grants, then its denials; then the statements.
    let all: Vec<&Grant> = facts
        .stop_access
        .iter()
        .flat_map(|a| a.grants.iter().chain(a.denials.iter()))
        .chain(facts.stop_statements.iter())
        .collect();
    let hash_runs: Vec<&[&Grant]> = all.chunks(256).collect();
    let hasher = foldhash::fast::FixedState::default();
    let hashes: Vec<u64> = crate::par::map(&hash_runs, |run| {
        run.iter()
            .map(|g| std::hash::BuildHasher::hash_one(&hasher, *g))
            .collect::<Vec<_>>()
    })
    .concat();
    let mut index: HashMap<Hashed, usize> = HashMap::with_capacity(all.len());
    let mut distinct: Vec<&Grant> = Vec::new();
    let mut ids = all
        .iter()
        .zip(hashes)
        .map(|(&grant, hash)| intern(Hashed { hash, grant }, &mut index, &mut distinct))
        .collect::<Vec<usize>>()
        .into_iter();
    let access_ids: Vec<GrantIds> = facts
        .stop_access
        .iter()
        .map(|a| {
            (
                ids.by_ref().take(a.grants.len()).collect(),
                ids.by_ref().take(a.denials.len()).collect(),
            )
        })
        .collect();
    let statement_ids: Vec<usize> = ids.collect();
    const RUN: usize = 64;
    let grant_runs: Vec<&[&Grant]> = distinct.chunks(RUN).collect();
    let grants: Vec<regorus::Value> = crate::par::map(&grant_runs, |run| {
        run.iter()
            .map(|g| {
                let mut value = crate::rego_value::to_value(*g)?;
                add_statement_fields_value(&mut value, g);
                Ok(value)
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .into_iter()
    .collect::<Result<Vec<Vec<_>>, _>>()
    .map_err(unrepresentable)?
    .into_iter()
    .flatten()
    .collect();
    let shared = |ids: &[usize]| -> regorus::Value {
        regorus::Value::from(
            ids.iter()
                .filter_map(|&i| grants.get(i).cloned())
                .collect::<Vec<_>>(),
        )
    };
    let access_runs: Vec<(&[Access], &[GrantIds])> = facts
        .stop_access
        .chunks(RUN)
        .zip(access_ids.chunks(RUN))
        .collect();
    let converted = crate::par::map(&access_runs, |(items, ids)| {
        items
            .iter()
            .zip(ids.iter())
            .map(|(a, (g, d))| {
                let mut value = crate::rego_value::to_value(&without_statements(a))?;
                if let Ok(fields) = value.as_object_mut() {
                    for (key, ids) in [("grants", g), ("denials", d)] {
                        if let Some(slot) = fields.get_mut(&regorus::Value::from(key)) {
                            *slot = shared(ids);
                        }
                    }
                    fields.insert("location".into(), regorus::Value::from(access_location(a)));
                    for (key, list) in access_summaries(a) {
                        fields.insert(
                            key.into(),
                            regorus::Value::from(
                                list.into_iter()
                                    .map(regorus::Value::from)
                                    .collect::<Vec<_>>(),
                            ),
                        );
                    }
                }
                Ok(value)
            })
            .collect::<Result<Vec<_>, _>>()
    });
    let mut stop_access = Vec::with_capacity(facts.stop_access.len());
    for values in converted {
        stop_access.extend(values.map_err(unrepresentable)?);
    }
    let (stop_access, stop_statements) =
        (regorus::Value::from(stop_access), shared(&statement_ids));
    let iam = value
        .as_object_mut()
        .ok()
        .and_then(|doc| doc.get_mut(&regorus::Value::from("iam")))
        .and_then(|iam| iam.as_object_mut().ok())
        .ok_or_else(|| crate::diag::Error::usage("cannot build the input: no `iam` section"))?;
    iam.insert("stop_access".into(), stop_access);
    iam.insert("stop_statements".into(), stop_statements);
    Ok(value)
}

/// An access's grants and denials, as indices among the distinct grants.
type GrantIds = (Vec<usize>, Vec<usize>);

/// A grant with its hash, computed ahead: the map hashes the number, and compares
/// the grants themselves only when the numbers are equal.
struct Hashed<'f> {
    hash: u64,
    grant: &'f Grant,
}

impl std::hash::Hash for Hashed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for Hashed<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.grant == other.grant
    }
}

impl Eq for Hashed<'_> {}

/// The index of `g` among the `distinct` grants, added when new.
fn intern<'f>(
    g: Hashed<'f>,
    index: &mut HashMap<Hashed<'f>, usize>,
    distinct: &mut Vec<&'f Grant>,
) -> usize {
    let grant = g.grant;
    *index.entry(g).or_insert_with(|| {
        distinct.push(grant);
        distinct.len() - 1
    })
}

/// `a` without its grants and denials, which [`build_value`] converts once each.
/// Every field is named, so that a field added to [`Access`] is a compile error
/// here rather than a field missing from the input.
fn without_statements(a: &Access) -> Access {
    let Access {
        arn,
        principal_type,
        name,
        access,
        grants: _,
        denials: _,
        limits,
        mfa_required,
        via,
        escalation,
        file,
    } = a;
    Access {
        arn: arn.clone(),
        principal_type: *principal_type,
        name: name.clone(),
        access,
        grants: Vec::new(),
        denials: Vec::new(),
        limits: limits.clone(),
        mfa_required: *mfa_required,
        via: via.clone(),
        escalation: escalation.clone(),
        file: file.clone(),
    }
}

/// Builds the Rego input document, with the sections that no policy reads
/// (`reads`) left out: on a large account most of the input is lists of users and
/// roles that the built-in pack never looks at. `stopguard input` builds it all.
pub fn build(account: &Account, facts: &IamFacts, reads: &InputReads) -> Value {
    let want = |path: &[&str]| reads.needs(path);
    let mut users: Vec<Value> = Vec::new();
    let mut roles: Vec<Value> = Vec::new();
    let mut groups: Vec<Value> = Vec::new();
    let mut instances: Vec<Value> = Vec::new();
    let mut trails: Vec<Value> = Vec::new();
    if want(&["iam", "users"]) {
        users = build_users(account);
    }
    if want(&["iam", "roles"]) {
        roles = build_roles(account);
    }
    if want(&["ec2", "security_groups"]) {
        groups = build_security_groups(account);
    }
    if want(&["ec2", "instances"]) {
        instances = build_instances(account);
    }
    if want(&["cloudtrail", "trails"]) {
        trails = build_trails(account);
    }
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "account_id": account.account_id,
        "supplied": account.supplied,
        "iam": {
            "users": users,
            "roles": roles,
            "stop_access": facts.stop_access,
            "stop_statements": facts.stop_statements,
        },
        "policy_files": account.policy_files.iter().map(|f| &f.file).collect::<Vec<_>>(),
        "ec2": { "security_groups": groups, "instances": instances },
        "cloudtrail": { "trails": trails },
        "gaps": account.gaps,
        "organizations": organizations(account),
        "unknowns": account.unknowns,
        "cloudtrail_events": account.cloudtrail_events,
    });
    if let Some(Value::Array(list)) = doc.pointer_mut("/iam/stop_access") {
        for (value, a) in list.iter_mut().zip(&facts.stop_access) {
            if let Value::Object(fields) = value {
                fields.insert("location".into(), access_location(a));
                for (key, list) in access_summaries(a) {
                    fields.insert(key.into(), json!(list));
                }
            }
            for (key, grants) in [("grants", &a.grants), ("denials", &a.denials)] {
                if let Some(Value::Array(values)) = value.get_mut(key) {
                    for (v, g) in values.iter_mut().zip(grants) {
                        add_statement_fields(v, g);
                    }
                }
            }
        }
    }
    if let Some(Value::Array(list)) = doc.pointer_mut("/iam/stop_statements") {
        for (v, g) in list.iter_mut().zip(&facts.stop_statements) {
            add_statement_fields(v, g);
        }
    }
    crate::monitoring::extend_input(&mut doc, account);
    doc
}

// Derived fields of the IAM analysis in the input: `policy.id` and `location` of a
// statement; `location`, `policy_ids`, `policy_names` and `condition_texts` of an
// access. Each is what a helper of `policies/lib/iam.rego` computes from the other
// fields (`policy_id`, `location`, `access_location`, `access_policy_ids`,
// `access_policy_names`, `access_condition_texts`), which the built-in pack called
// once or more per principal and per statement: on regorus's VM a function call
// or a comprehension costs thousands of instructions. The first three were a
// fifth of IAM-001's evaluation on the benchmark export, the last three another
// fifth (benches/README.md). The helpers stay, for inputs written by hand;
// `tests/engine.rs` checks that both agree on every statement and access of the
// example accounts.

/// `location` of `lib/iam.rego`: `{file?, line?, column?}` of a statement, to
/// union into a finding about it (the file when not empty; the column only with
/// the line).
fn statement_location(g: &Grant) -> Value {
    let mut at = Map::new();
    if let Some(file) = g.policy.file.as_deref().filter(|f| !f.is_empty()) {
        at.insert("file".into(), json!(file));
    }
    if let Some(line) = g.line {
        at.insert("line".into(), json!(line));
        if let Some(column) = g.column {
            at.insert("column".into(), json!(column));
        }
    }
    Value::Object(at)
}

/// `access_location` of `lib/iam.rego`: the location of the first granting
/// statement an input places (has a line), else `{file}` of the principal's file,
/// else `{}`.
fn access_location(a: &Access) -> Value {
    match a.grants.iter().find(|g| g.line.is_some()) {
        Some(g) => statement_location(g),
        None => match a.file.as_deref().filter(|f| !f.is_empty()) {
            Some(file) => json!({ "file": file }),
            None => json!({}),
        },
    }
}

/// The summaries of an access's grants, each distinct and sorted (as Rego's
/// `sort` of a set of strings orders them, by bytes): `policy_ids` (`policy.id`),
/// `policy_names` (`policy.name`) and `condition_texts`, each open condition in
/// words as `condition_text` of `lib/iam.rego` writes it:
/// `aws:RequestedRegion StringEquals [eu-west-1, eu-west-2]`.
fn access_summaries(a: &Access) -> [(&'static str, Vec<String>); 3] {
    let sorted = |items: &mut dyn Iterator<Item = String>| -> Vec<String> {
        let set: std::collections::BTreeSet<String> = items.collect();
        set.into_iter().collect()
    };
    [
        (
            "policy_ids",
            sorted(&mut a.grants.iter().map(|g| g.policy.id())),
        ),
        (
            "policy_names",
            sorted(&mut a.grants.iter().map(|g| g.policy.name.clone())),
        ),
        (
            "condition_texts",
            sorted(&mut a.grants.iter().flat_map(|g| {
                g.open_conditions
                    .iter()
                    .map(|c| format!("{} {} [{}]", c.key, c.operator, c.values.join(", ")))
            })),
        ),
    ]
}

/// Adds `location` to a statement's input object and `id` to its `policy`.
fn add_statement_fields(value: &mut Value, g: &Grant) {
    if let Value::Object(fields) = value {
        fields.insert("location".into(), statement_location(g));
        if let Some(Value::Object(policy)) = fields.get_mut("policy") {
            policy.insert("id".into(), json!(g.policy.id()));
        }
    }
}

/// [`add_statement_fields`] for a statement already converted to a regorus value.
fn add_statement_fields_value(value: &mut regorus::Value, g: &Grant) {
    if let Ok(fields) = value.as_object_mut() {
        fields.insert(
            "location".into(),
            regorus::Value::from(statement_location(g)),
        );
        if let Some(policy) = fields.get_mut(&regorus::Value::from("policy")) {
            if let Ok(policy) = policy.as_object_mut() {
                policy.insert("id".into(), regorus::Value::from(g.policy.id()));
            }
        }
    }
}

fn build_users(account: &Account) -> Vec<Value> {
    account
        .iam
        .users
        .iter()
        .map(|u| {
            json!({
                "arn": u.arn, "name": u.name, "id": u.id, "path": u.path,
                "groups": u.groups,
                "permissions_boundary": u.permissions_boundary.as_ref().map(|b| &b.arn),
                "tags": tags(&u.tags),
                "file": u.file.as_deref(),
            })
        })
        .collect()
}

fn build_roles(account: &Account) -> Vec<Value> {
    account
        .iam
        .roles
        .iter()
        .map(|r| {
            json!({
                "arn": r.arn, "name": r.name, "id": r.id, "path": r.path,
                "permissions_boundary": r.permissions_boundary.as_ref().map(|b| &b.arn),
                "tags": tags(&r.tags),
                "file": r.file.as_deref(),
            })
        })
        .collect()
}

fn build_security_groups(account: &Account) -> Vec<Value> {
    account
        .ec2
        .security_groups
        .iter()
        .map(|g| {
            let mut group = json!({
                "id": g.id, "arn": g.arn, "name": g.name, "description": g.description,
                "vpc_id": g.vpc_id, "region": g.region, "owner_id": g.owner_id,
                "is_default": g.name == "default",
                "ingress": g.ingress.iter().enumerate().map(|(i, p)| {
                    let mut rule = permission(p);
                    place(&mut rule, account, &loc_key::ingress(&g.id, i));
                    rule
                }).collect::<Vec<_>>(),
                "egress": g.egress.iter().map(permission).collect::<Vec<_>>(),
                "tags": tags(&g.tags),
                "file": g.file.as_deref(),
            });
            place(&mut group, account, &loc_key::security_group(&g.id));
            group
        })
        .collect()
}

fn build_instances(account: &Account) -> Vec<Value> {
    account
        .ec2
        .instances
        .iter()
        .map(|i| {
            let key = loc_key::instance(&i.id);
            let unknown: Map<String, Value> = account
                .unknowns
                .iter()
                .filter(|u| u.resource == i.id && u.checks.iter().any(|c| c == "EC2-001") && !u.field.starts_with("Tags"))
                .map(|u| ("stop_protection".to_string(), Value::String(u.expression.clone())))
                .collect();
            let mut instance = json!({
                "locations": field_positions(account, &key, &["stop_protection"]),
                "unknown": unknown,
                "id": i.id, "type": i.instance_type, "image_id": i.image_id,
                "state": i.state.as_ref().map(|s| &s.name),
                "region": i.region, "vpc_id": i.vpc_id,
                "security_groups": i.security_groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
                "tags": tags(&i.tags),
                "stop_protection": i.stop_protection,
                "launch_time": i.launch_time,
                "arn": format!("arn:aws:ec2:{}:{}:instance/{}",
                    i.region.as_deref().unwrap_or(""),
                    i.owner_id.as_deref().or(account.account_id.as_deref()).unwrap_or(""), i.id),
                "file": i.file.as_deref(),
            });
            place(&mut instance, account, &key);
            instance
        })
        .collect()
}

fn build_trails(account: &Account) -> Vec<Value> {
    account
        .cloudtrail
        .trails
        .iter()
        .map(|t| {
            let key = loc_key::trail(if t.arn.is_empty() { &t.name } else { &t.arn });
            let mut trail = json!({
                "locations": field_positions(account, &key, &["log_file_validation", "kms_key_id",
                    "cloudwatch_log_group", "multi_region", "logging", "include_global_service_events"]),
                "name": t.name, "arn": t.arn, "home_region": t.home_region,
                "s3_bucket": t.s3_bucket,
                "multi_region": t.multi_region,
                "organization_trail": t.organization_trail,
                "include_global_service_events": t.include_global_service_events,
                "log_file_validation": t.log_file_validation,
                "kms_key_id": t.kms_key_id,
                "cloudwatch_log_group": t.cloudwatch_log_group,
                "sns_topic": t.sns_topic,
                "has_custom_event_selectors": t.has_custom_event_selectors,
                "logging": t.status.as_ref().map(|s| s.is_logging),
                "latest_delivery_error": t.status.as_ref().and_then(|s| s.latest_delivery_error.as_ref()),
                "event_selectors": t.event_selectors,
                "advanced_event_selectors": t.advanced_event_selectors,
                "file": t.file.as_deref(),
            });
            place(&mut trail, account, &key);
            trail
        })
        .collect()
}

/// The SCPs a live snapshot read, by name (their statements are already in
/// `stop_access`); null when no snapshot looked.
fn organizations(account: &Account) -> Value {
    let Some(o) = &account.organizations else {
        return Value::Null;
    };
    json!({
        "status": o.status,
        "organization_id": o.organization_id,
        "management_account_id": o.management_account_id,
        "detail": o.detail,
        "scp_levels": o.scp_levels.iter().map(|l| json!({
            "target_id": l.target_id,
            "target_type": l.target_type,
            "policies": l.policies.iter().map(|p| json!({
                "id": p.id, "arn": p.arn, "name": p.name, "aws_managed": p.aws_managed,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::read::{Format, RawInput};

    const SHARED: &str = "arn:aws:iam::111122223333:policy/shared-stop";

    /// An export of `n` users, each allowed ec2:StopInstances by a policy of its
    /// own, half of them only with MFA, and every third one also by a shared
    /// managed policy that denies it in one region.
    fn account(n: usize) -> Account {
        let users: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let condition = if i % 2 == 0 {
                    json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
                } else {
                    json!({})
                };
                json!({
                    "UserName": format!("user-{i}"),
                    "UserId": format!("AIDA{i:016}"),
                    "Arn": format!("arn:aws:iam::111122223333:user/user-{i}"),
                    "Path": "/",
                    "UserPolicyList": [{
                        "PolicyName": format!("stop-{i}"),
                        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                            "Sid": format!("Stop{i}"),
                            "Effect": "Allow",
                            "Action": ["ec2:StopInstances", "ec2:Describe*"],
                            "Resource": "*",
                            "Condition": condition,
                        }]},
                    }],
                    "GroupList": [],
                    // Every third user also holds a shared policy: the same grant
                    // and the same partial Deny in many accesses.
                    "AttachedManagedPolicies": if i % 3 == 0 {
                        json!([{"PolicyName": "shared-stop", "PolicyArn": SHARED}])
                    } else {
                        json!([])
                    },
                })
            })
            .collect();
        let export = json!({
            "UserDetailList": users,
            "GroupDetailList": [],
            "RoleDetailList": [],
            "Policies": [{
                "PolicyName": "shared-stop",
                "Arn": SHARED,
                "DefaultVersionId": "v1",
                "AttachmentCount": n.div_ceil(3),
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"},
                        {"Effect": "Deny", "Action": "ec2:StopInstances", "Resource": "*",
                         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
                    ],
                }}],
            }],
        });
        crate::load::load_texts(vec![RawInput {
            name: "export.json".into(),
            format: Format::Json,
            text: export.to_string().into(),
        }])
        .unwrap()
    }

    /// The value regorus evaluates is the documented input, converted: also when
    /// its lists are long enough to be converted in several runs on several cores.
    #[test]
    fn the_input_value_is_the_input_document() {
        let account = account(300);
        let reads = InputReads::everything();
        let facts = analyse(&account, &[], &reads);
        assert_eq!(facts.stop_access.len(), 300);
        assert_eq!(facts.stop_statements.len(), 301);
        // Grants and denials repeat across accesses, and are converted once each.
        let shared = |a: &Access| {
            a.grants
                .iter()
                .any(|g| g.policy.arn.as_deref() == Some(SHARED))
        };
        assert_eq!(facts.stop_access.iter().filter(|a| shared(a)).count(), 100);
        assert_eq!(
            facts
                .stop_access
                .iter()
                .filter(|a| !a.denials.is_empty())
                .count(),
            100
        );
        let value = build_value(&account, &facts, &reads).unwrap();
        assert_eq!(value, regorus::Value::from(build(&account, &facts, &reads)),);
    }
}
