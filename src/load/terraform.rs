//! Terraform plans (`terraform show -json plan.out`) as model entities.
//!
//! The plan's `resource_changes[].change.after` is the state each resource will have
//! once applied, and `after_unknown` marks the values known only after apply (the
//! "JSON Output Format" page of the Terraform docs); a plan without resource changes
//! is read from `planned_values.root_module` and its `child_modules`. A reference
//! that is unknown in the plan (`aws_iam_policy.ops.arn`) is resolved through the
//! plan's `configuration` when it names another resource of the plan; otherwise the
//! value is unknown: never a match, and recorded for IAC-001. Attribute names follow
//! the AWS provider's resource documentation.
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::cfn::{principal_mut, PrincipalMut};
use super::iac::{self, ResolvedDoc, Sink, IAM_CHECKS, SG_CHECKS};
use super::located::{Kind, Node, Pos};
use super::RawInput;
use crate::diag::Result;
use crate::iam::policy::PolicyDocument;
use crate::model::{
    loc_key, Account, Attachment, Boundary, GroupPair, InlinePolicy, Instance, IpRange,
    ManagedPolicy, Permission, PolicyVersion, PrefixList, SecurityGroup, Tag, Trail, TrailStatus,
};

const AFTER_APPLY: &str = "(known after apply)";

pub fn is_plan(root: &Node) -> bool {
    root.get("resource_changes")
        .is_some_and(|r| matches!(r.kind, Kind::Seq(_)))
        || root
            .get("planned_values")
            .and_then(|p| p.get("root_module"))
            .is_some()
}

/// One resource as planned: its address, type, values and unknown-marks.
struct Planned<'a> {
    address: String,
    ty: &'a str,
    pos: Pos,
    values: &'a Node,
    unknown: Option<&'a Node>,
}

const NULL: Node = Node {
    kind: Kind::Null,
    pos: Pos { line: 0, column: 0 },
};

impl<'a> Planned<'a> {
    fn unknown_mark(&self, attr: &str) -> Option<&'a Node> {
        self.unknown?.get(attr)
    }
    fn is_unknown(&self, attr: &str) -> bool {
        self.unknown_mark(attr)
            .is_some_and(|n| n.kind == Kind::Bool(true))
    }
    fn at(&self, attr: &str) -> Pos {
        self.values
            .entry(attr)
            .map(|e| e.key_pos)
            .unwrap_or(self.pos)
    }
    fn get(&self, attr: &str) -> &'a Node {
        self.values.get(attr).unwrap_or(&NULL)
    }
    fn string(&self, attr: &str) -> Option<String> {
        match &self.get(attr).kind {
            Kind::Str(s) | Kind::Num(s) => Some(s.clone()),
            _ => None,
        }
    }
    fn boolean(&self, attr: &str) -> Option<bool> {
        match &self.get(attr).kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

struct Plan<'a> {
    /// Configuration expressions by full address (`module.net.aws_security_group.web`).
    expressions: HashMap<String, (&'a Node, String)>,
    /// Resource id (`file#address`) of each planned resource, by address.
    ids: HashMap<String, String>,
    /// ARN or name a reference to a planned resource stands for, by `address.attribute`.
    attrs: HashMap<String, String>,
}

fn collect_config<'a>(
    module: &'a Node,
    prefix: &str,
    out: &mut HashMap<String, (&'a Node, String)>,
) {
    for r in module.get("resources").map(Node::items).unwrap_or_default() {
        if let (Some(address), Some(expr)) = (
            r.get("address").and_then(Node::as_str),
            r.get("expressions"),
        ) {
            out.insert(format!("{prefix}{address}"), (expr, prefix.to_string()));
        }
    }
    for call in module
        .get("module_calls")
        .map(Node::entries)
        .unwrap_or_default()
    {
        if let Some(m) = call.value.get("module") {
            collect_config(m, &format!("{prefix}module.{}.", call.key), out);
        }
    }
}

fn collect_planned<'a>(module: &'a Node, out: &mut Vec<Planned<'a>>) {
    for r in module.get("resources").map(Node::items).unwrap_or_default() {
        push_planned(r, r.get("values"), None, out);
    }
    for child in module
        .get("child_modules")
        .map(Node::items)
        .unwrap_or_default()
    {
        collect_planned(child, out);
    }
}

fn push_planned<'a>(
    r: &'a Node,
    values: Option<&'a Node>,
    unknown: Option<&'a Node>,
    out: &mut Vec<Planned<'a>>,
) {
    if r.get("mode").and_then(Node::as_str) == Some("data") {
        return;
    }
    let (Some(address), Some(ty), Some(values)) = (
        r.get("address").and_then(Node::as_str),
        r.get("type").and_then(Node::as_str),
        values.filter(|v| v.is_map()),
    ) else {
        return;
    };
    out.push(Planned {
        address: address.to_string(),
        ty,
        // The address names the resource: point there rather than at its brace.
        pos: r.entry("address").map_or(r.pos, |e| e.key_pos),
        values,
        unknown,
    });
}

/// Strips an instance key: `aws_iam_role.app["x"]` -> `aws_iam_role.app`.
fn base_address(address: &str) -> &str {
    address.split('[').next().unwrap_or(address)
}

impl Plan<'_> {
    /// Whether the configuration sets the attribute. Computed attributes the
    /// configuration leaves alone (a role's `managed_policy_arns`, filled in from
    /// attachments) are unknown in every plan and say nothing.
    fn configured(&self, p: &Planned, attr: &str) -> bool {
        self.expressions
            .get(base_address(&p.address))
            .is_some_and(|(expr, _)| expr.get(attr).is_some())
    }

    /// The planned resource an unknown attribute refers to, through the configuration.
    fn referenced(&self, p: &Planned, attr: &str) -> Option<String> {
        let (expr, prefix) = self.expressions.get(base_address(&p.address))?;
        let refs = expr.get(attr)?.get("references")?;
        refs.items().iter().filter_map(Node::as_str).find_map(|r| {
            let full = format!("{prefix}{r}");
            self.attrs.get(&full).cloned()
        })
    }
}

pub fn load(account: &mut Account, raw: &RawInput, root: &Node) -> Result<()> {
    let file: Arc<str> = Arc::from(raw.name.as_str());
    let mut planned = Vec::new();
    let changes = root
        .get("resource_changes")
        .map(Node::items)
        .unwrap_or_default();
    if changes.is_empty() {
        if let Some(m) = root
            .get("planned_values")
            .and_then(|p| p.get("root_module"))
        {
            collect_planned(m, &mut planned);
        }
    } else {
        for r in changes {
            let change = r.get("change");
            push_planned(
                r,
                change.and_then(|c| c.get("after")),
                change.and_then(|c| c.get("after_unknown")),
                &mut planned,
            );
        }
    }
    let mut expressions = HashMap::new();
    if let Some(m) = root.get("configuration").and_then(|c| c.get("root_module")) {
        collect_config(m, "", &mut expressions);
    }
    let mut plan = Plan {
        expressions,
        ids: HashMap::new(),
        attrs: HashMap::new(),
    };
    for p in &planned {
        let id = format!("{file}#{}", p.address);
        let base = base_address(&p.address).to_string();
        match p.ty {
            "aws_iam_policy" => {
                let arn = policy_arn(p);
                plan.attrs.insert(format!("{base}.arn"), arn.clone());
                plan.attrs.insert(format!("{base}.id"), arn);
            }
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {
                let name = p.string("name").unwrap_or_else(|| p.address.clone());
                plan.attrs.insert(format!("{base}.name"), name.clone());
                plan.attrs.insert(format!("{base}.id"), name.clone());
                let kind = p.ty.trim_start_matches("aws_iam_");
                plan.attrs.insert(
                    format!("{base}.arn"),
                    format!("arn:aws:iam:::{kind}/{name}"),
                );
            }
            "aws_security_group" => {
                plan.attrs.insert(format!("{base}.id"), id.clone());
            }
            _ => {}
        }
        plan.ids.insert(p.address.clone(), id);
    }
    let mut sink = Sink { account, file };
    // Groups before the rules that add to them; principals before their policies.
    let rank = |ty: &str| match ty {
        "aws_security_group" | "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => 0,
        "aws_iam_policy" => 1,
        _ => 2,
    };
    let mut order: Vec<&Planned> = planned.iter().collect();
    order.sort_by_key(|p| rank(p.ty));
    for p in order {
        let id = plan.ids.get(&p.address).cloned().unwrap_or_default();
        match p.ty {
            "aws_iam_policy" => iam_policy(&mut sink, p, &id),
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {
                principal(&mut sink, &plan, p, &id)
            }
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                inline_policy(&mut sink, &plan, p, &id)
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => attachment(&mut sink, &plan, p, &id),
            "aws_security_group" => security_group(&mut sink, p, &id),
            "aws_vpc_security_group_ingress_rule" | "aws_security_group_rule" => {
                standalone_rule(&mut sink, &plan, p, &id)
            }
            "aws_instance" => instance(&mut sink, p, &id),
            "aws_cloudtrail" => trail(&mut sink, p, &id),
            _ => {}
        }
    }
    Ok(())
}

fn policy_arn(p: &Planned) -> String {
    match p.string("arn") {
        Some(arn) => arn,
        None => {
            let name = p.string("name").unwrap_or_else(|| p.address.clone());
            format!("arn:aws:iam:::policy/{name}")
        }
    }
}

/// A policy attribute (a JSON string in the plan) as a document: unknown as a whole
/// when the plan cannot tell it, and malformed JSON is an error at the attribute.
/// Every statement points at the attribute, the finest place the plan gives.
fn document(
    sink: &mut Sink,
    node: &Node,
    fallback: Pos,
    unknown: bool,
    policy_id: &str,
    resource: &str,
    field: &str,
) -> Option<PolicyDocument> {
    // An unknown attribute is absent from `after`: point at the resource.
    let at = if node.pos.line == 0 {
        fallback
    } else {
        node.pos
    };
    if unknown {
        sink.unknown(resource, field, AFTER_APPLY, IAM_CHECKS, Some(at));
        return None;
    }
    let text = node.as_str()?;
    let json: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            sink.unknown(
                resource,
                field,
                &format!("invalid JSON: {e}"),
                IAM_CHECKS,
                Some(at),
            );
            return None;
        }
    };
    let count = match json.get("Statement") {
        Some(Value::Array(v)) => v.len(),
        Some(_) => 1,
        None => 0,
    };
    let raw = RawInput {
        name: sink.file.to_string(),
        format: super::Format::Json,
        text: String::new().into(),
    };
    iac::policy_document(
        sink,
        &raw,
        ResolvedDoc {
            json,
            statement_pos: vec![at; count],
            unknowns: vec![],
        },
        policy_id,
        resource,
        field,
        at,
    )
    .map_err(|_| {
        sink.unknown(
            resource,
            field,
            "a policy document stopguard cannot read",
            IAM_CHECKS,
            Some(at),
        )
    })
    .ok()
}

fn iam_policy(sink: &mut Sink, p: &Planned, id: &str) {
    let arn = policy_arn(p);
    let Some(doc) = document(
        sink,
        p.get("policy"),
        p.at("policy"),
        p.is_unknown("policy"),
        &arn,
        id,
        "policy",
    ) else {
        return;
    };
    sink.account.iam.policies.push(ManagedPolicy {
        name: arn.rsplit('/').next().unwrap_or_default().to_string(),
        arn,
        path: p.string("path").unwrap_or_else(|| "/".into()),
        default_version_id: "v1".into(),
        attachment_count: 0,
        versions: vec![PolicyVersion {
            version_id: "v1".into(),
            is_default: true,
            document: doc,
        }],
        file: Some(sink.file.clone()),
    });
}

fn principal(sink: &mut Sink, plan: &Plan, p: &Planned, id: &str) {
    let kind = p.ty.trim_start_matches("aws_iam_");
    let name = p.string("name").unwrap_or_else(|| p.address.clone());
    let arn = format!("arn:aws:iam:::{kind}/{name}");
    let mut inline = Vec::new();
    for (i, block) in p.get("inline_policy").items().iter().enumerate() {
        let policy_name = block
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("inline")
            .to_string();
        let unknown = p
            .unknown_mark("inline_policy")
            .and_then(|u| u.items().get(i))
            .and_then(|u| u.get("policy"))
            .is_some_and(|n| n.kind == Kind::Bool(true));
        let policy_node = block.get("policy").unwrap_or(&NULL);
        let policy_id = format!("{arn}#{policy_name}");
        if let Some(document) = document(
            sink,
            policy_node,
            block.pos,
            unknown,
            &policy_id,
            id,
            &format!("inline_policy[{i}].policy"),
        ) {
            inline.push(InlinePolicy {
                name: policy_name,
                document,
            });
        }
    }
    let mut attached = Vec::new();
    if p.is_unknown("managed_policy_arns") && plan.configured(p, "managed_policy_arns") {
        sink.unknown(
            id,
            "managed_policy_arns",
            AFTER_APPLY,
            &["IAM-001"],
            Some(p.at("managed_policy_arns")),
        );
    }
    for (i, a) in p.get("managed_policy_arns").items().iter().enumerate() {
        match a.as_str() {
            Some(arn) => attached.push(Attachment {
                name: arn.rsplit('/').next().unwrap_or_default().to_string(),
                arn: arn.to_string(),
            }),
            None => sink.unknown(
                id,
                &format!("managed_policy_arns[{i}]"),
                AFTER_APPLY,
                &["IAM-001"],
                Some(a.pos),
            ),
        }
    }
    let boundary = match p.string("permissions_boundary") {
        Some(arn) if !arn.is_empty() => Some(Boundary { arn }),
        _ if p.is_unknown("permissions_boundary") => {
            match plan.referenced(p, "permissions_boundary") {
                Some(arn) => Some(Boundary { arn }),
                None => {
                    sink.unknown(
                        id,
                        "permissions_boundary",
                        AFTER_APPLY,
                        &["IAM-001"],
                        Some(p.at("permissions_boundary")),
                    );
                    None
                }
            }
        }
        _ => None,
    };
    let trust = if kind == "role" {
        document(
            sink,
            p.get("assume_role_policy"),
            p.at("assume_role_policy"),
            p.is_unknown("assume_role_policy"),
            &format!("{arn}#trust"),
            id,
            "assume_role_policy",
        )
    } else {
        None
    };
    let tags = tags_of(p);
    let file = Some(sink.file.clone());
    match principal_mut(sink, kind, &name) {
        Some(PrincipalMut::Role(r)) => {
            r.trust_policy = trust;
            r.inline_policies.extend(inline);
            r.attached_policies.extend(attached);
            r.permissions_boundary = boundary;
            r.tags = tags;
            r.file = file;
        }
        Some(PrincipalMut::User(u)) => {
            u.inline_policies.extend(inline);
            u.attached_policies.extend(attached);
            u.permissions_boundary = boundary;
            u.tags = tags;
            u.file = file;
        }
        Some(PrincipalMut::Group(g)) => {
            g.inline_policies.extend(inline);
            g.attached_policies.extend(attached);
            g.file = file;
        }
        None => {}
    }
}

/// The principal named by `attr`: its value, or the planned resource it refers to.
fn target(sink: &mut Sink, plan: &Plan, p: &Planned, attr: &str, id: &str) -> Option<String> {
    if let Some(s) = p.string(attr) {
        return Some(s);
    }
    if p.is_unknown(attr) {
        if let Some(s) = plan.referenced(p, attr) {
            return Some(s);
        }
        sink.unknown(id, attr, AFTER_APPLY, &["IAM-001"], Some(p.at(attr)));
    }
    None
}

fn inline_policy(sink: &mut Sink, plan: &Plan, p: &Planned, id: &str) {
    let kind =
        p.ty.trim_start_matches("aws_iam_")
            .trim_end_matches("_policy");
    let Some(owner) = target(sink, plan, p, kind, id) else {
        return;
    };
    let name = p.string("name").unwrap_or_else(|| p.address.clone());
    let owner_name = owner.rsplit('/').next().unwrap_or(&owner).to_string();
    let policy_id = format!("arn:aws:iam:::{kind}/{owner_name}#{name}");
    let Some(document) = document(
        sink,
        p.get("policy"),
        p.at("policy"),
        p.is_unknown("policy"),
        &policy_id,
        id,
        "policy",
    ) else {
        return;
    };
    let policy = InlinePolicy { name, document };
    match principal_mut(sink, kind, &owner_name) {
        Some(PrincipalMut::Role(r)) => r.inline_policies.push(policy),
        Some(PrincipalMut::User(u)) => u.inline_policies.push(policy),
        Some(PrincipalMut::Group(g)) => g.inline_policies.push(policy),
        None => {}
    }
}

fn attachment(sink: &mut Sink, plan: &Plan, p: &Planned, id: &str) {
    let arn = match p.string("policy_arn") {
        Some(a) => a,
        None => match plan.referenced(p, "policy_arn") {
            Some(a) => a,
            None => {
                sink.unknown(
                    id,
                    "policy_arn",
                    AFTER_APPLY,
                    &["IAM-001"],
                    Some(p.at("policy_arn")),
                );
                return;
            }
        },
    };
    let a = Attachment {
        name: arn.rsplit('/').next().unwrap_or_default().to_string(),
        arn,
    };
    let mut targets: Vec<(&str, String)> = Vec::new();
    for (attr, kind) in [("role", "role"), ("user", "user"), ("group", "group")] {
        if p.values.get(attr).is_some() || p.is_unknown(attr) {
            if let Some(t) = target(sink, plan, p, attr, id) {
                targets.push((kind, t));
            }
        }
    }
    for (attr, kind) in [("roles", "role"), ("users", "user"), ("groups", "group")] {
        for n in p.get(attr).items() {
            if let Some(t) = n.as_str() {
                targets.push((kind, t.to_string()));
            }
        }
        if p.is_unknown(attr) {
            sink.unknown(id, attr, AFTER_APPLY, &["IAM-001"], Some(p.at(attr)));
        }
    }
    for (kind, name) in targets {
        if let Some(pm) = principal_mut(sink, kind, &name) {
            pm.attach(a.clone());
        }
    }
}

fn tags_of(p: &Planned) -> Vec<Tag> {
    p.get("tags")
        .entries()
        .iter()
        .map(|e| Tag {
            key: e.key.clone(),
            value: e.value.as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// A port, protocol or CIDR list of a rule; unknowns recorded.
struct RuleReader<'s, 'a, 'b> {
    sink: &'s mut Sink<'a>,
    values: &'b Node,
    unknown: Option<&'b Node>,
    resource: &'b str,
    field: String,
    /// Where the rule is: an unknown attribute is absent from `after`.
    at: Pos,
}

impl RuleReader<'_, '_, '_> {
    fn mark(&mut self, attr: &str) -> bool {
        let hit = self
            .unknown
            .and_then(|u| u.get(attr))
            .is_some_and(|n| match &n.kind {
                Kind::Bool(b) => *b,
                Kind::Seq(items) => items.iter().any(|i| i.kind == Kind::Bool(true)),
                _ => false,
            });
        if hit {
            let at = Some(
                self.values
                    .entry(attr)
                    .map(|e| e.key_pos)
                    .unwrap_or(self.at),
            );
            self.sink.unknown(
                self.resource,
                &format!("{}{attr}", self.field),
                AFTER_APPLY,
                SG_CHECKS,
                at,
            );
        }
        hit
    }
    fn text(&mut self, attr: &str) -> Option<String> {
        if self.mark(attr) {
            return None;
        }
        self.values
            .get(attr)
            .and_then(Node::as_str)
            .map(str::to_string)
    }
    fn port(&mut self, attr: &str) -> Option<i64> {
        self.text(attr).and_then(|s| s.parse().ok())
    }
    fn list(&mut self, attr: &str) -> Vec<String> {
        self.mark(attr);
        let mut out: Vec<String> = self
            .values
            .get(attr)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect();
        if let Some(one) = self.values.get(attr).and_then(Node::as_str) {
            out.push(one.to_string());
        }
        out
    }
}

fn protocol(p: Option<String>) -> String {
    match p.as_deref() {
        Some("all") | Some("-1") => "-1".into(),
        Some(other) => other.to_string(),
        None => iac::placeholder("protocol"),
    }
}

fn ranges(cidrs: Vec<String>) -> Vec<IpRange> {
    cidrs
        .into_iter()
        .map(|cidr| IpRange {
            cidr,
            description: None,
        })
        .collect()
}

/// An `ingress` block of aws_security_group, or an aws_security_group_rule.
fn block_rule(r: &mut RuleReader) -> Permission {
    let proto = r.text("protocol");
    Permission {
        protocol: protocol(proto),
        from_port: r.port("from_port"),
        to_port: r.port("to_port"),
        ipv4_ranges: ranges(r.list("cidr_blocks")),
        ipv6_ranges: ranges(r.list("ipv6_cidr_blocks")),
        group_pairs: r
            .list("security_groups")
            .into_iter()
            .chain(r.list("source_security_group_id"))
            .map(|group_id| GroupPair { group_id })
            .collect(),
        prefix_lists: r
            .list("prefix_list_ids")
            .into_iter()
            .map(|prefix_list_id| PrefixList { prefix_list_id })
            .collect(),
    }
}

fn security_group(sink: &mut Sink, p: &Planned, id: &str) {
    let mut ingress = Vec::new();
    let unknown_rules = p.unknown_mark("ingress");
    if p.is_unknown("ingress") {
        sink.unknown(id, "ingress", AFTER_APPLY, SG_CHECKS, Some(p.at("ingress")));
    }
    for (i, block) in p.get("ingress").items().iter().enumerate() {
        let mut r = RuleReader {
            sink,
            values: block,
            unknown: unknown_rules.and_then(|u| u.items().get(i)),
            resource: id,
            field: format!("ingress[{i}]."),
            at: block.pos,
        };
        ingress.push(block_rule(&mut r));
        sink.at(loc_key::ingress(id, i), block.pos);
    }
    sink.at(loc_key::security_group(id), p.pos);
    let name = p.string("name").unwrap_or_else(|| p.address.clone());
    sink.account.ec2.security_groups.push(SecurityGroup {
        id: id.to_string(),
        name,
        description: p.string("description").unwrap_or_default(),
        vpc_id: p.string("vpc_id"),
        owner_id: None,
        arn: None,
        region: None,
        ingress,
        egress: vec![],
        tags: tags_of(p),
        file: Some(sink.file.clone()),
    });
}

/// aws_vpc_security_group_ingress_rule and aws_security_group_rule (type ingress):
/// added to their group, found by id or through the configuration.
fn standalone_rule(sink: &mut Sink, plan: &Plan, p: &Planned, id: &str) {
    if p.ty == "aws_security_group_rule" && p.string("type").as_deref() != Some("ingress") {
        return;
    }
    let group = match p.string("security_group_id") {
        Some(g) => g,
        None => plan
            .referenced(p, "security_group_id")
            .unwrap_or_else(|| format!("{id} ({AFTER_APPLY} security_group_id)")),
    };
    let mut r = RuleReader {
        sink,
        values: p.values,
        unknown: p.unknown,
        resource: id,
        field: String::new(),
        at: p.pos,
    };
    let permission = if p.ty == "aws_security_group_rule" {
        block_rule(&mut r)
    } else {
        let proto = r.text("ip_protocol");
        Permission {
            protocol: protocol(proto),
            from_port: r.port("from_port"),
            to_port: r.port("to_port"),
            ipv4_ranges: ranges(r.text("cidr_ipv4").into_iter().collect()),
            ipv6_ranges: ranges(r.text("cidr_ipv6").into_iter().collect()),
            group_pairs: r
                .list("referenced_security_group_id")
                .into_iter()
                .map(|group_id| GroupPair { group_id })
                .collect(),
            prefix_lists: r
                .list("prefix_list_id")
                .into_iter()
                .map(|prefix_list_id| PrefixList { prefix_list_id })
                .collect(),
        }
    };
    if !sink
        .account
        .ec2
        .security_groups
        .iter()
        .any(|g| g.id == group)
    {
        sink.at(loc_key::security_group(&group), p.pos);
        sink.account.ec2.security_groups.push(SecurityGroup {
            id: group.clone(),
            name: group.clone(),
            description: String::new(),
            vpc_id: None,
            owner_id: None,
            arn: None,
            region: None,
            ingress: vec![],
            egress: vec![],
            tags: vec![],
            file: Some(sink.file.clone()),
        });
    }
    let Some(g) = sink
        .account
        .ec2
        .security_groups
        .iter_mut()
        .find(|g| g.id == group)
    else {
        return;
    };
    g.ingress.push(permission);
    let index = g.ingress.len().saturating_sub(1);
    sink.at(loc_key::ingress(&group, index), p.pos);
}

fn instance(sink: &mut Sink, p: &Planned, id: &str) {
    let stop_protection = if p.is_unknown("disable_api_stop") {
        sink.unknown(
            id,
            "disable_api_stop",
            AFTER_APPLY,
            &["EC2-001"],
            Some(p.at("disable_api_stop")),
        );
        None
    } else {
        Some(p.boolean("disable_api_stop").unwrap_or(false))
    };
    let key = loc_key::instance(id);
    sink.at(
        loc_key::field(&key, "stop_protection"),
        p.at("disable_api_stop"),
    );
    sink.at(key, p.pos);
    sink.account.ec2.instances.push(Instance {
        id: id.to_string(),
        instance_type: p.string("instance_type").unwrap_or_default(),
        image_id: p.string("ami").unwrap_or_default(),
        state: None,
        placement: None,
        vpc_id: None,
        security_groups: vec![],
        tags: tags_of(p),
        region: None,
        owner_id: None,
        launch_time: None,
        stop_protection,
        file: Some(sink.file.clone()),
    });
}

fn trail(sink: &mut Sink, p: &Planned, id: &str) {
    let key = loc_key::trail(id);
    // As for templates: an unknown boolean is reported once by IAC-001 and set to the
    // value that raises no finding of its own.
    let mut boolean = |attr: &str, field: &str, default: bool, checks: &[&str]| -> bool {
        sink.at(loc_key::field(&key, field), p.at(attr));
        if p.is_unknown(attr) {
            sink.unknown(id, attr, AFTER_APPLY, checks, Some(p.at(attr)));
            return true;
        }
        p.boolean(attr).unwrap_or(default)
    };
    let validation = boolean(
        "enable_log_file_validation",
        "log_file_validation",
        false,
        &["CT-003"],
    );
    let multi_region = boolean(
        "is_multi_region_trail",
        "multi_region",
        false,
        &["CT-001", "CT-002"],
    );
    let global = boolean(
        "include_global_service_events",
        "include_global_service_events",
        true,
        &[],
    );
    let organization = boolean("is_organization_trail", "organization_trail", false, &[]);
    let logging = boolean("enable_logging", "logging", true, &["CT-001", "CT-002"]);
    let mut present = |attr: &str, field: &str| -> Option<String> {
        sink.at(loc_key::field(&key, field), p.at(attr));
        match p.string(attr) {
            Some(s) if !s.is_empty() => Some(s),
            _ if p.is_unknown(attr) => Some(iac::placeholder(AFTER_APPLY)),
            _ => None,
        }
    };
    let kms_key_id = present("kms_key_id", "kms_key_id");
    let cloudwatch_log_group = present("cloud_watch_logs_group_arn", "cloudwatch_log_group");
    let sns_topic = present("sns_topic_name", "sns_topic");
    let s3_bucket = present("s3_bucket_name", "s3_bucket").unwrap_or_default();
    let basic: Vec<crate::model::EventSelector> = p
        .get("event_selector")
        .items()
        .iter()
        .map(|s| crate::model::EventSelector {
            read_write_type: s
                .get("read_write_type")
                .and_then(Node::as_str)
                .unwrap_or("All")
                .to_string(),
            include_management_events: !matches!(
                s.get("include_management_events").map(|n| &n.kind),
                Some(Kind::Bool(false))
            ),
            exclude_management_event_sources: s
                .get("exclude_management_event_sources")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect(),
        })
        .collect();
    let strings = |n: Option<&Node>| -> Vec<String> {
        n.map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect()
    };
    let advanced: Vec<crate::model::AdvancedEventSelector> = p
        .get("advanced_event_selector")
        .items()
        .iter()
        .map(|s| crate::model::AdvancedEventSelector {
            name: s
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string(),
            field_selectors: s
                .get("field_selector")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(|f| crate::model::FieldSelector {
                    field: f
                        .get("field")
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    equals: strings(f.get("equals")),
                    starts_with: strings(f.get("starts_with")),
                    ends_with: strings(f.get("ends_with")),
                    not_equals: strings(f.get("not_equals")),
                    not_starts_with: strings(f.get("not_starts_with")),
                    not_ends_with: strings(f.get("not_ends_with")),
                })
                .collect(),
        })
        .collect();
    sink.at(key, p.pos);
    let has_custom = !basic.is_empty() || !advanced.is_empty();
    sink.account.cloudtrail.trails.push(Trail {
        name: id.to_string(),
        arn: String::new(),
        home_region: String::new(),
        s3_bucket,
        multi_region,
        organization_trail: organization,
        include_global_service_events: global,
        log_file_validation: validation,
        kms_key_id,
        cloudwatch_log_group,
        sns_topic,
        has_custom_event_selectors: has_custom,
        has_insight_selectors: false,
        status: Some(TrailStatus {
            is_logging: logging,
            latest_delivery_error: None,
            latest_delivery_time: None,
        }),
        event_selectors: (!basic.is_empty()).then_some(basic),
        advanced_event_selectors: (!advanced.is_empty()).then_some(advanced),
        file: Some(sink.file.clone()),
    });
}
