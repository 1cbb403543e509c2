//! CloudFormation templates (JSON and YAML, short-form tags included) as model
//! entities: IAM policies, roles, users and groups; security groups and their ingress
//! rules; instances' stop protection; trails.
//!
//! Property names and defaults follow the CloudFormation resource reference
//! (AWS::IAM::Role, ::Policy, ::ManagedPolicy, ::User, ::Group, AWS::EC2::SecurityGroup,
//! ::SecurityGroupIngress, ::Instance, AWS::CloudTrail::Trail), and intrinsic functions
//! the "Intrinsic function reference". What a template cannot say before deployment
//! (an `!ImportValue`, a parameter without a default, a `!Ref` to a resource attribute
//! the checks need) is unknown: never a match, and recorded so that IAC-001 reports it.
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::iac::{self, DocUnknown, ResolvedDoc, Sink, SG_CHECKS};
use super::located::{Kind, Node, Pos};
use super::RawInput;
use crate::diag::Result;
use crate::model::{
    self, loc_key, Account, Attachment, Boundary, Group, GroupPair, InlinePolicy, Instance,
    IpRange, ManagedPolicy, Permission, PolicyVersion, PrefixList, Role, SecurityGroup, Tag, Trail,
    User,
};

/// A resolved value, or the expression that could not be resolved.
#[derive(Debug, Clone)]
enum Val {
    Known(Value),
    Unknown(String),
}

struct Template<'a> {
    root: &'a Node,
    file: Arc<str>,
    params: HashMap<&'a str, Option<&'a Node>>,
    types: HashMap<&'a str, &'a str>,
}

/// Whether the document has a template's shape: a `Resources` map whose values are
/// `{Type: "AWS::..."}` (or another `Vendor::Service::Type`).
pub fn is_template(root: &Node) -> bool {
    match root.get("Resources") {
        Some(r) => {
            r.is_map()
                && r.entries().iter().all(|e| {
                    e.value
                        .get("Type")
                        .and_then(Node::as_str)
                        .is_some_and(|t| t.contains("::"))
                })
        }
        None => false,
    }
}

/// Short-form rendering of an intrinsic for messages: `!Ref AdminCidr`,
/// `!If [IsProd, true, false]`, whichever form the template used.
fn short(n: &Node) -> String {
    if let Some((name, arg)) = intrinsic(n) {
        return format!("!{name} {}", short(arg));
    }
    match &n.kind {
        Kind::Str(s) | Kind::Num(s) => s.clone(),
        Kind::Seq(items) => format!(
            "[{}]",
            items.iter().map(short).collect::<Vec<_>>().join(", ")
        ),
        _ => n.to_json().to_string(),
    }
}

fn render(n: &Node) -> String {
    let text = short(n);
    if text.chars().count() > 120 {
        format!("{}...", text.chars().take(117).collect::<String>())
    } else {
        text
    }
}

/// The intrinsic a node is, in either form: (`Ref`, argument) / (`Sub`, argument).
fn intrinsic(n: &Node) -> Option<(&str, &Node)> {
    match &n.kind {
        Kind::Tagged(tag, inner) => Some((tag.as_str(), inner)),
        Kind::Map(entries) if entries.len() == 1 => {
            let e = entries.first()?;
            if e.key == "Ref" {
                Some(("Ref", &e.value))
            } else {
                e.key.strip_prefix("Fn::").map(|name| (name, &e.value))
            }
        }
        _ => None,
    }
}

impl<'a> Template<'a> {
    fn new(root: &'a Node, file: Arc<str>) -> Self {
        let params = root
            .get("Parameters")
            .map(|p| {
                p.entries()
                    .iter()
                    .map(|e| (e.key.as_str(), e.value.get("Default")))
                    .collect()
            })
            .unwrap_or_default();
        let types = root
            .get("Resources")
            .map(|r| {
                r.entries()
                    .iter()
                    .filter_map(|e| Some((e.key.as_str(), e.value.get("Type")?.as_str()?)))
                    .collect()
            })
            .unwrap_or_default();
        Template {
            root,
            file,
            params,
            types,
        }
    }

    fn resource_props(&self, id: &str) -> Option<&'a Node> {
        self.root.get("Resources")?.get(id)?.get("Properties")
    }

    fn literal_prop(&self, id: &str, prop: &str) -> Option<String> {
        self.resource_props(id)?
            .get(prop)?
            .as_str()
            .map(str::to_string)
    }

    /// The name an IAM resource of the template gets: its name property, else its logical id.
    fn iam_name(&self, id: &str) -> String {
        let prop = match self.types.get(id).copied() {
            Some("AWS::IAM::Role") => "RoleName",
            Some("AWS::IAM::User") => "UserName",
            Some("AWS::IAM::Group") => "GroupName",
            Some("AWS::IAM::ManagedPolicy") => "ManagedPolicyName",
            _ => "",
        };
        self.literal_prop(id, prop)
            .unwrap_or_else(|| id.to_string())
    }

    fn iam_arn(&self, id: &str) -> Option<String> {
        let kind = match self.types.get(id).copied()? {
            "AWS::IAM::Role" => "role",
            "AWS::IAM::User" => "user",
            "AWS::IAM::Group" => "group",
            "AWS::IAM::ManagedPolicy" => "policy",
            _ => return None,
        };
        // Paths are left out: a role is named by its name alone throughout the model
        // of a template, so that a policy's `Roles: [name]` finds it.
        Some(format!("arn:aws:iam:::{kind}/{}", self.iam_name(id)))
    }

    /// `!Ref X`: a parameter's default, a pseudo parameter, or what Ref returns for
    /// a resource of the template (names for IAM principals, the ARN for a managed
    /// policy, the template-local id for security groups and instances).
    fn reference(&self, name: &str) -> Option<Value> {
        if let Some(default) = self.params.get(name) {
            // A Default is a literal in CloudFormation; anything else (a hostile
            // `Default: !Ref Itself` included) is unknown rather than followed.
            return default.filter(|d| literal(d)).map(Node::to_json);
        }
        match name {
            // The deploying account and region stand for the account under review,
            // whichever it is (documented in docs/input-schema.md).
            "AWS::AccountId" | "AWS::Region" => return Some(json!("*")),
            "AWS::Partition" => return Some(json!("aws")),
            _ => {}
        }
        match self.types.get(name).copied()? {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                Some(json!(self.iam_name(name)))
            }
            "AWS::IAM::ManagedPolicy" => self.iam_arn(name).map(Value::String),
            "AWS::EC2::SecurityGroup" | "AWS::EC2::Instance" => {
                Some(json!(format!("{}#{name}", self.file)))
            }
            _ => None,
        }
    }

    fn get_att(&self, id: &str, attr: &str) -> Option<Value> {
        match (self.types.get(id).copied()?, attr) {
            (
                "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" | "AWS::IAM::ManagedPolicy",
                "Arn",
            ) => self.iam_arn(id).map(Value::String),
            ("AWS::EC2::SecurityGroup", "GroupId") => Some(json!(format!("{}#{id}", self.file))),
            _ => None,
        }
    }

    fn sub(&self, template: &str, vars: &HashMap<String, Value>) -> Option<String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(rest.get(..start)?);
            let after = rest.get(start + 2..)?;
            let end = after.find('}')?;
            let name = after.get(..end)?;
            rest = after.get(end + 1..)?;
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value = match vars.get(name) {
                Some(v) => Some(v.clone()),
                None => match name.split_once('.') {
                    Some((id, attr)) if !name.starts_with("AWS::") => self.get_att(id, attr),
                    _ => self.reference(name),
                },
            }?;
            match value {
                Value::String(s) => out.push_str(&s),
                Value::Number(n) => out.push_str(&n.to_string()),
                Value::Bool(b) => out.push_str(&b.to_string()),
                _ => return None,
            }
        }
        out.push_str(rest);
        Some(out)
    }

    fn intrinsic_value(&self, name: &str, arg: &Node) -> Option<Value> {
        let known = |n: &Node| match self.resolve(n) {
            Val::Known(v) => Some(v),
            Val::Unknown(_) => None,
        };
        match name {
            "Ref" => self.reference(arg.as_str()?),
            "GetAtt" => {
                let (id, attr) = match &arg.kind {
                    Kind::Str(s) => s.split_once('.')?,
                    Kind::Seq(items) => (items.first()?.as_str()?, items.get(1)?.as_str()?),
                    _ => return None,
                };
                self.get_att(id, attr)
            }
            "Sub" => {
                let (text, vars) = match &arg.kind {
                    Kind::Str(s) => (s.as_str(), HashMap::new()),
                    Kind::Seq(items) => {
                        let text = items.first()?.as_str()?;
                        let mut vars = HashMap::new();
                        for e in items.get(1).map(Node::entries).unwrap_or_default() {
                            vars.insert(e.key.clone(), known(&e.value)?);
                        }
                        (text, vars)
                    }
                    _ => return None,
                };
                self.sub(text, &vars).map(Value::String)
            }
            "Join" => {
                let items = arg.items();
                let delim = items.first()?.as_str()?;
                let list = known(items.get(1)?)?;
                let parts: Option<Vec<String>> = list
                    .as_array()?
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect();
                Some(Value::String(parts?.join(delim)))
            }
            "Select" => {
                let items = arg.items();
                let index = known(items.first()?)?;
                let index = match index {
                    Value::Number(n) => n.as_u64()?,
                    Value::String(s) => s.parse().ok()?,
                    _ => return None,
                };
                let list = known(items.get(1)?)?;
                list.as_array()?.get(usize::try_from(index).ok()?).cloned()
            }
            "Split" => {
                let items = arg.items();
                let delim = items.first()?.as_str()?;
                let text = known(items.get(1)?)?;
                Some(Value::Array(
                    text.as_str()?.split(delim).map(|s| json!(s)).collect(),
                ))
            }
            "FindInMap" => {
                let items = arg.items();
                let keys: Option<Vec<String>> = items
                    .iter()
                    .take(3)
                    .map(|n| known(n).and_then(|v| v.as_str().map(str::to_string)))
                    .collect();
                let keys = keys?;
                let node = self
                    .root
                    .get("Mappings")?
                    .get(keys.first()?)?
                    .get(keys.get(1)?)?
                    .get(keys.get(2)?)?;
                // Mapping values are literals; an intrinsic there is not followed.
                literal(node).then(|| node.to_json())
            }
            // Both branches alike: the condition does not matter.
            "If" => {
                let items = arg.items();
                let a = known(items.get(1)?)?;
                let b = known(items.get(2)?)?;
                (a == b).then_some(a)
            }
            // ImportValue, GetAZs, Cidr, Base64, Transform, the condition functions:
            // only a deployment can tell.
            _ => None,
        }
    }

    fn resolve(&self, n: &Node) -> Val {
        if let Some((name, arg)) = intrinsic(n) {
            return match self.intrinsic_value(name, arg) {
                Some(v) => Val::Known(v),
                None => Val::Unknown(render(n)),
            };
        }
        match &n.kind {
            Kind::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.resolve(item) {
                        Val::Known(v) => out.push(v),
                        Val::Unknown(e) => return Val::Unknown(e),
                    }
                }
                Val::Known(Value::Array(out))
            }
            Kind::Map(entries) => {
                let mut out = serde_json::Map::new();
                for e in entries {
                    match self.resolve(&e.value) {
                        Val::Known(v) => {
                            out.insert(e.key.clone(), v);
                        }
                        Val::Unknown(x) => return Val::Unknown(x),
                    }
                }
                Val::Known(Value::Object(out))
            }
            _ => Val::Known(n.to_json()),
        }
    }

    /// Resolves every known part and replaces each unknown leaf by a placeholder,
    /// reporting (path, expression, position) for each.
    fn resolve_deep(&self, n: &Node, path: &str, out: &mut Vec<(String, String, Pos)>) -> Value {
        if intrinsic(n).is_some() {
            return match self.resolve(n) {
                Val::Known(v) => v,
                Val::Unknown(e) => {
                    let v = json!(iac::placeholder(&e));
                    out.push((path.to_string(), e, n.pos));
                    v
                }
            };
        }
        match &n.kind {
            Kind::Seq(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.resolve_deep(item, &format!("{path}[{i}]"), out))
                    .collect(),
            ),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .filter(|e| !is_no_value(&e.value))
                    .map(|e| {
                        let p = if path.is_empty() {
                            e.key.clone()
                        } else {
                            format!("{path}.{}", e.key)
                        };
                        (e.key.clone(), self.resolve_deep(&e.value, &p, out))
                    })
                    .collect(),
            ),
            _ => n.to_json(),
        }
    }

    fn policy_doc(&self, n: &Node) -> ResolvedDoc {
        let mut unknowns = Vec::new();
        let statements: Vec<&Node> = match n.get("Statement") {
            Some(s) if matches!(s.kind, Kind::Seq(_)) => s.items().iter().collect(),
            Some(s) => vec![s],
            None => vec![],
        };
        let mut json = serde_json::Map::new();
        for e in n.entries() {
            if e.key != "Statement" {
                json.insert(
                    e.key.clone(),
                    self.resolve_deep(&e.value, &e.key, &mut vec![]),
                );
            }
        }
        let mut list = Vec::new();
        for (i, s) in statements.iter().enumerate() {
            let mut found = Vec::new();
            list.push(self.resolve_deep(s, "", &mut found));
            unknowns.extend(found.into_iter().map(|(path, expression, pos)| DocUnknown {
                statement: i,
                path,
                expression,
                pos,
            }));
        }
        json.insert("Statement".into(), Value::Array(list));
        ResolvedDoc {
            json: Value::Object(json),
            statement_pos: statements.iter().map(|s| s.pos).collect(),
            unknowns,
        }
    }
}

/// A value with no intrinsic function anywhere in it.
fn literal(n: &Node) -> bool {
    if intrinsic(n).is_some() {
        return false;
    }
    match &n.kind {
        Kind::Seq(items) => items.iter().all(literal),
        Kind::Map(entries) => entries.iter().all(|e| literal(&e.value)),
        Kind::Tagged(..) => false,
        _ => true,
    }
}

fn is_no_value(n: &Node) -> bool {
    matches!(intrinsic(n), Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue"))
}

/// Reads one template into the account.
pub fn load(account: &mut Account, raw: &RawInput, root: &Node) -> Result<()> {
    let file: Arc<str> = Arc::from(raw.name.as_str());
    let t = Template::new(root, file.clone());
    let mut sink = Sink {
        account,
        file: file.clone(),
    };
    let Some(resources) = root.get("Resources") else {
        return Ok(());
    };
    // Security groups first, so that SecurityGroupIngress resources find them.
    let mut order: Vec<&super::located::Entry> = resources.entries().iter().collect();
    order.sort_by_key(|e| match e.value.get("Type").and_then(Node::as_str) {
        Some("AWS::EC2::SecurityGroup") => 0,
        Some(
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group",
        ) => 1,
        _ => 2,
    });
    for e in order {
        let id = e.key.as_str();
        let ty = e.value.get("Type").and_then(Node::as_str).unwrap_or("");
        let empty = Node {
            kind: Kind::Map(vec![]),
            pos: e.value.pos,
        };
        let props = e.value.get("Properties").unwrap_or(&empty);
        let res = Res {
            id,
            pos: e.key_pos,
            props,
        };
        match ty {
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => {
                managed_policy(&t, &mut sink, raw, &res, ty)?
            }
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                principal(&t, &mut sink, raw, &res, ty)?
            }
            "AWS::EC2::SecurityGroup" => security_group(&t, &mut sink, &res),
            "AWS::EC2::SecurityGroupIngress" => ingress_resource(&t, &mut sink, &res),
            "AWS::EC2::Instance" => instance(&t, &mut sink, &res),
            "AWS::CloudTrail::Trail" => trail(&t, &mut sink, raw, &res)?,
            _ => {}
        }
    }
    Ok(())
}

struct Res<'a> {
    id: &'a str,
    pos: Pos,
    props: &'a Node,
}

impl Res<'_> {
    /// Where a property is written, or the resource when it is absent.
    fn at(&self, prop: &str) -> Pos {
        self.props
            .entry(prop)
            .map(|e| e.key_pos)
            .unwrap_or(self.pos)
    }
}

/// A list of names or ARNs (Roles, Users, Groups, ManagedPolicyArns): the known
/// ones, and each unknown one recorded.
fn name_list(t: &Template, sink: &mut Sink, res: &Res, prop: &str, resource: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(list) = res.props.get(prop) else {
        return out;
    };
    let items: Vec<&Node> = match &list.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![list],
    };
    for (i, item) in items.into_iter().enumerate() {
        match t.resolve(item) {
            Val::Known(Value::String(s)) => out.push(s),
            Val::Known(Value::Array(v)) => {
                out.extend(v.into_iter().filter_map(|x| x.as_str().map(str::to_string)))
            }
            Val::Known(_) => {}
            Val::Unknown(e) => sink.unknown(
                resource,
                &format!("{prop}[{i}]"),
                &e,
                &["IAM-001"],
                Some(item.pos),
            ),
        }
    }
    out
}

pub(super) fn user_arn(name: &str) -> String {
    format!("arn:aws:iam:::user/{name}")
}
pub(super) fn role_arn(name: &str) -> String {
    format!("arn:aws:iam:::role/{name}")
}
pub(super) fn group_arn(name: &str) -> String {
    format!("arn:aws:iam:::group/{name}")
}

/// AWS::IAM::ManagedPolicy, and AWS::IAM::Policy (an inline policy put on each of
/// its principals, modelled as one customer managed policy attached to them so that
/// its statements are judged once).
fn managed_policy(
    t: &Template,
    sink: &mut Sink,
    raw: &RawInput,
    res: &Res,
    ty: &str,
) -> Result<()> {
    let resource = sink.resource_id(res.id);
    let arn = if ty == "AWS::IAM::ManagedPolicy" {
        t.iam_arn(res.id).unwrap_or_default()
    } else {
        let name = match res.props.get("PolicyName").map(|n| t.resolve(n)) {
            Some(Val::Known(Value::String(s))) => s,
            _ => res.id.to_string(),
        };
        format!("arn:aws:iam:::policy/{name}")
    };
    let name = arn.rsplit('/').next().unwrap_or(res.id).to_string();
    let Some(doc_node) = res.props.get("PolicyDocument") else {
        return Err(iac::located_error(
            raw,
            res.pos,
            format!("{}: {ty} has no PolicyDocument", res.id),
        ));
    };
    let resolved = t.policy_doc(doc_node);
    let document = iac::policy_document(
        sink,
        raw,
        resolved,
        &arn,
        &resource,
        "PolicyDocument",
        doc_node.pos,
    )?;
    sink.account.iam.policies.push(ManagedPolicy {
        name: name.clone(),
        arn: arn.clone(),
        path: "/".into(),
        default_version_id: "v1".into(),
        attachment_count: 0,
        versions: vec![PolicyVersion {
            version_id: "v1".into(),
            is_default: true,
            document,
        }],
        file: Some(sink.file.clone()),
    });
    let attachment = Attachment { name, arn };
    for role in name_list(t, sink, res, "Roles", &resource) {
        if let Some(p) = principal_mut(sink, "role", &role) {
            p.attach(attachment.clone());
        }
    }
    for user in name_list(t, sink, res, "Users", &resource) {
        if let Some(p) = principal_mut(sink, "user", &user) {
            p.attach(attachment.clone());
        }
    }
    for group in name_list(t, sink, res, "Groups", &resource) {
        if let Some(p) = principal_mut(sink, "group", &group) {
            p.attach(attachment.clone());
        }
    }
    Ok(())
}

pub(super) enum PrincipalMut<'a> {
    User(&'a mut User),
    Role(&'a mut Role),
    Group(&'a mut Group),
}

impl PrincipalMut<'_> {
    pub(super) fn attach(self, a: Attachment) {
        match self {
            PrincipalMut::User(u) => u.attached_policies.push(a),
            PrincipalMut::Role(r) => r.attached_policies.push(a),
            PrincipalMut::Group(g) => g.attached_policies.push(a),
        }
    }
}

/// The principal of that name, from this file or created for it: a policy may name
/// a role the template does not define.
pub(super) fn principal_mut<'s>(
    sink: &'s mut Sink,
    kind: &str,
    name: &str,
) -> Option<PrincipalMut<'s>> {
    let name = name.rsplit('/').next().unwrap_or(name).to_string();
    let file = Some(sink.file.clone());
    let iam = &mut sink.account.iam;
    match kind {
        "user" => {
            let arn = user_arn(&name);
            if !iam.users.iter().any(|u| u.arn == arn) {
                iam.users.push(User {
                    name,
                    arn: arn.clone(),
                    id: String::new(),
                    path: "/".into(),
                    inline_policies: vec![],
                    groups: vec![],
                    attached_policies: vec![],
                    permissions_boundary: None,
                    tags: vec![],
                    file,
                });
            }
            iam.users
                .iter_mut()
                .find(|u| u.arn == arn)
                .map(PrincipalMut::User)
        }
        "group" => {
            let arn = group_arn(&name);
            if !iam.groups.iter().any(|g| g.arn == arn) {
                iam.groups.push(Group {
                    name,
                    arn: arn.clone(),
                    id: String::new(),
                    path: "/".into(),
                    inline_policies: vec![],
                    attached_policies: vec![],
                    file,
                });
            }
            iam.groups
                .iter_mut()
                .find(|g| g.arn == arn)
                .map(PrincipalMut::Group)
        }
        _ => {
            let arn = role_arn(&name);
            if !iam.roles.iter().any(|r| r.arn == arn) {
                iam.roles.push(Role {
                    name,
                    arn: arn.clone(),
                    id: String::new(),
                    path: "/".into(),
                    trust_policy: None,
                    inline_policies: vec![],
                    attached_policies: vec![],
                    permissions_boundary: None,
                    tags: vec![],
                    file,
                });
            }
            iam.roles
                .iter_mut()
                .find(|r| r.arn == arn)
                .map(PrincipalMut::Role)
        }
    }
}

fn tags(t: &Template, sink: &mut Sink, res: &Res, resource: &str, checks: &[&str]) -> Vec<Tag> {
    let mut out = Vec::new();
    for (i, tag) in res
        .props
        .get("Tags")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let key = tag.get("Key").map(|k| t.resolve(k));
        let value = tag.get("Value").map(|v| t.resolve(v));
        let text = |v: Option<Val>| match v {
            Some(Val::Known(Value::String(s))) => Ok(s),
            Some(Val::Known(Value::Null)) | None => Ok(String::new()),
            Some(Val::Known(other)) => Ok(other.to_string()),
            Some(Val::Unknown(e)) => Err(e),
        };
        // A known key names the tag (`Tags.Environment`), so that IAC-001 can tell
        // whether the tag matters to the critical_instance_tags in force.
        let (field, result) = match (text(key), text(value)) {
            (Ok(key), Ok(value)) => {
                out.push(Tag { key, value });
                continue;
            }
            (Ok(key), Err(e)) => (format!("Tags.{key}"), e),
            (Err(e), _) => (format!("Tags[{i}]"), e),
        };
        if !checks.is_empty() {
            sink.unknown(resource, &field, &result, checks, Some(tag.pos));
        }
    }
    out
}

/// AWS::IAM::Role, ::User, ::Group: inline Policies, ManagedPolicyArns, the trust
/// policy, the permissions boundary.
fn principal(t: &Template, sink: &mut Sink, raw: &RawInput, res: &Res, ty: &str) -> Result<()> {
    let resource = sink.resource_id(res.id);
    let name = t.iam_name(res.id);
    let arn = t.iam_arn(res.id).unwrap_or_default();
    let mut inline = Vec::new();
    for (i, p) in res
        .props
        .get("Policies")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let policy_name = match p.get("PolicyName").map(|n| t.resolve(n)) {
            Some(Val::Known(Value::String(s))) => s,
            _ => format!("Policies[{i}]"),
        };
        let Some(doc_node) = p.get("PolicyDocument") else {
            return Err(iac::located_error(
                raw,
                p.pos,
                format!("{}: Policies[{i}] has no PolicyDocument", res.id),
            ));
        };
        let id = format!("{arn}#{policy_name}");
        let document = iac::policy_document(
            sink,
            raw,
            t.policy_doc(doc_node),
            &id,
            &resource,
            &format!("Policies[{i}].PolicyDocument"),
            doc_node.pos,
        )?;
        inline.push(InlinePolicy {
            name: policy_name,
            document,
        });
    }
    let attached: Vec<Attachment> = name_list(t, sink, res, "ManagedPolicyArns", &resource)
        .into_iter()
        .map(|a| Attachment {
            name: a.rsplit('/').next().unwrap_or_default().to_string(),
            arn: a,
        })
        .collect();
    let boundary = match res
        .props
        .get("PermissionsBoundary")
        .map(|b| (b, t.resolve(b)))
    {
        Some((_, Val::Known(Value::String(s)))) => Some(Boundary { arn: s }),
        Some((b, Val::Unknown(e))) => {
            sink.unknown(
                &resource,
                "PermissionsBoundary",
                &e,
                &["IAM-001"],
                Some(b.pos),
            );
            None
        }
        _ => None,
    };
    let tag_list = tags(t, sink, res, &resource, &[]);
    let file = Some(sink.file.clone());
    match ty {
        "AWS::IAM::Role" => {
            let trust = match res.props.get("AssumeRolePolicyDocument") {
                Some(n) => Some(iac::policy_document(
                    sink,
                    raw,
                    t.policy_doc(n),
                    &format!("{arn}#trust"),
                    &resource,
                    "AssumeRolePolicyDocument",
                    n.pos,
                )?),
                None => None,
            };
            let Some(PrincipalMut::Role(r)) = principal_mut(sink, "role", &name) else {
                return Ok(());
            };
            r.trust_policy = trust;
            r.inline_policies.extend(inline);
            r.attached_policies.extend(attached);
            r.permissions_boundary = boundary;
            r.tags = tag_list;
            r.file = file;
        }
        "AWS::IAM::User" => {
            let groups = name_list(t, sink, res, "Groups", &resource);
            let Some(PrincipalMut::User(u)) = principal_mut(sink, "user", &name) else {
                return Ok(());
            };
            u.inline_policies.extend(inline);
            u.attached_policies.extend(attached);
            u.permissions_boundary = boundary;
            u.groups.extend(groups);
            u.tags = tag_list;
            u.file = file;
        }
        _ => {
            let Some(PrincipalMut::Group(g)) = principal_mut(sink, "group", &name) else {
                return Ok(());
            };
            g.inline_policies.extend(inline);
            g.attached_policies.extend(attached);
            g.file = file;
        }
    }
    Ok(())
}

/// One ingress rule's properties (inline in a group, or a SecurityGroupIngress
/// resource) as a model permission; unknown sources, ports and protocols are
/// recorded and left out, so they match nothing.
fn rule(t: &Template, sink: &mut Sink, node: &Node, resource: &str, field: &str) -> Permission {
    let mut unknown = |prop: &str, e: &str, p: Pos| {
        sink.unknown(resource, &format!("{field}.{prop}"), e, SG_CHECKS, Some(p));
    };
    let text = |prop: &str, unknown: &mut dyn FnMut(&str, &str, Pos)| -> Option<String> {
        let n = node.get(prop)?;
        match t.resolve(n) {
            Val::Known(Value::String(s)) => Some(s),
            Val::Known(Value::Number(n)) => Some(n.to_string()),
            Val::Known(_) => None,
            Val::Unknown(e) => {
                unknown(prop, &e, n.pos);
                None
            }
        }
    };
    let protocol =
        text("IpProtocol", &mut unknown).unwrap_or_else(|| iac::placeholder("IpProtocol"));
    let port = |prop: &str, unknown: &mut dyn FnMut(&str, &str, Pos)| {
        text(prop, unknown).and_then(|s| s.parse::<i64>().ok())
    };
    let from_port = port("FromPort", &mut unknown);
    let to_port = port("ToPort", &mut unknown);
    let range = |prop: &str, unknown: &mut dyn FnMut(&str, &str, Pos)| {
        text(prop, unknown)
            .map(|cidr| IpRange {
                cidr,
                description: None,
            })
            .into_iter()
            .collect::<Vec<_>>()
    };
    let ipv4_ranges = range("CidrIp", &mut unknown);
    let ipv6_ranges = range("CidrIpv6", &mut unknown);
    let mut pairs = Vec::new();
    for prop in ["SourceSecurityGroupId", "SourceSecurityGroupName"] {
        if let Some(n) = node.get(prop) {
            let group_id = match t.resolve(n) {
                Val::Known(Value::String(s)) => s,
                Val::Known(other) => other.to_string(),
                Val::Unknown(e) => iac::placeholder(&e),
            };
            pairs.push(GroupPair { group_id });
        }
    }
    let prefix_lists = node
        .get("SourcePrefixListId")
        .map(|n| match t.resolve(n) {
            Val::Known(Value::String(s)) => s,
            Val::Known(other) => other.to_string(),
            Val::Unknown(e) => iac::placeholder(&e),
        })
        .map(|prefix_list_id| PrefixList { prefix_list_id })
        .into_iter()
        .collect();
    Permission {
        protocol,
        from_port,
        to_port,
        ipv4_ranges,
        ipv6_ranges,
        group_pairs: pairs,
        prefix_lists,
    }
}

fn security_group(t: &Template, sink: &mut Sink, res: &Res) {
    let id = sink.resource_id(res.id);
    let string = |prop: &str| match res.props.get(prop).map(|n| t.resolve(n)) {
        Some(Val::Known(Value::String(s))) => Some(s),
        _ => None,
    };
    let mut ingress = Vec::new();
    let rules: Vec<&Node> = res
        .props
        .get("SecurityGroupIngress")
        .map(|n| n.items().iter().collect())
        .unwrap_or_default();
    for (i, n) in rules.iter().enumerate() {
        ingress.push(rule(t, sink, n, &id, &format!("SecurityGroupIngress[{i}]")));
        sink.at(loc_key::ingress(&id, i), n.pos);
    }
    // No check judges egress, so its unknowns are not recorded: they go to a
    // scratch account that is dropped.
    let mut scratch = Account::default();
    let mut egress_sink = Sink {
        account: &mut scratch,
        file: sink.file.clone(),
    };
    let egress = res
        .props
        .get("SecurityGroupEgress")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, n)| {
            rule(
                t,
                &mut egress_sink,
                n,
                &id,
                &format!("SecurityGroupEgress[{i}]"),
            )
        })
        .collect();
    let tag_list = tags(t, sink, res, &id, &[]);
    sink.at(loc_key::security_group(&id), res.pos);
    sink.account.ec2.security_groups.push(SecurityGroup {
        id,
        name: string("GroupName").unwrap_or_else(|| res.id.to_string()),
        description: string("GroupDescription").unwrap_or_default(),
        vpc_id: string("VpcId"),
        owner_id: None,
        arn: None,
        region: None,
        ingress,
        egress,
        tags: tag_list,
        file: Some(sink.file.clone()),
    });
}

/// AWS::EC2::SecurityGroupIngress: a rule added to a group by id (usually
/// `!Ref`/`!GetAtt` of a group in the same template). A group that cannot be
/// resolved is kept under the expression's name, so the rule is still judged.
fn ingress_resource(t: &Template, sink: &mut Sink, res: &Res) {
    let own = sink.resource_id(res.id);
    let target = res
        .props
        .get("GroupId")
        .or_else(|| res.props.get("GroupName"))
        .map(|n| match t.resolve(n) {
            Val::Known(Value::String(s)) => s,
            Val::Known(other) => other.to_string(),
            Val::Unknown(e) => format!("{} ({e})", own),
        })
        .unwrap_or_else(|| own.clone());
    let permission = rule(t, sink, res.props, &own, "Properties");
    let groups = &mut sink.account.ec2.security_groups;
    let index = match groups.iter().position(|g| g.id == target) {
        Some(i) => i,
        None => {
            groups.push(SecurityGroup {
                id: target.clone(),
                name: target.clone(),
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
            groups.len() - 1
        }
    };
    let Some(group) = groups.get_mut(index) else {
        return;
    };
    group.ingress.push(permission);
    let rule_index = group.ingress.len().saturating_sub(1);
    sink.at(loc_key::ingress(&target, rule_index), res.pos);
    if !sink
        .account
        .locations
        .contains_key(&loc_key::security_group(&target))
    {
        sink.at(loc_key::security_group(&target), res.pos);
    }
}

/// AWS::EC2::Instance: its tags and DisableApiStop (default false). An unresolved
/// DisableApiStop leaves stop protection unknown (null), which EC2-001 reports as
/// unconfirmed for critical instances.
fn instance(t: &Template, sink: &mut Sink, res: &Res) {
    let id = sink.resource_id(res.id);
    let stop_protection = match res.props.get("DisableApiStop") {
        None => Some(false),
        Some(n) => match t.resolve(n) {
            Val::Known(Value::Bool(b)) => Some(b),
            Val::Known(Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
            Val::Known(_) => Some(false),
            Val::Unknown(e) => {
                sink.unknown(
                    &id,
                    "DisableApiStop",
                    &e,
                    &["EC2-001"],
                    Some(res.at("DisableApiStop")),
                );
                None
            }
        },
    };
    let tag_list = tags(t, sink, res, &id, &["EC2-001"]);
    let string = |prop: &str| match res.props.get(prop).map(|n| t.resolve(n)) {
        Some(Val::Known(Value::String(s))) => s,
        _ => String::new(),
    };
    let key = loc_key::instance(&id);
    sink.at(
        loc_key::field(&key, "stop_protection"),
        res.at("DisableApiStop"),
    );
    sink.at(key, res.pos);
    sink.account.ec2.instances.push(Instance {
        id: id.clone(),
        instance_type: string("InstanceType"),
        image_id: string("ImageId"),
        state: None,
        placement: None,
        vpc_id: None,
        security_groups: vec![],
        tags: tag_list,
        region: None,
        owner_id: None,
        launch_time: None,
        stop_protection,
        file: Some(sink.file.clone()),
    });
}

/// AWS::CloudTrail::Trail. A boolean that cannot be resolved is recorded as
/// unknown and set to the value that raises no finding, so that it is reported once,
/// as "could not be evaluated", never as a violation it may not be.
fn trail(t: &Template, sink: &mut Sink, raw: &RawInput, res: &Res) -> Result<()> {
    let name = sink.resource_id(res.id);
    let key = loc_key::trail(&name);
    let checks_of = |prop: &str| -> &'static [&'static str] {
        match prop {
            "EnableLogFileValidation" => &["CT-003"],
            "IsLogging" | "IsMultiRegionTrail" => &["CT-001", "CT-002"],
            _ => &[],
        }
    };
    let mut boolean = |prop: &str, field: &str, default: bool, passing: bool| -> bool {
        sink.at(loc_key::field(&key, field), res.at(prop));
        match res.props.get(prop).map(|n| (n, t.resolve(n))) {
            None => default,
            Some((_, Val::Known(Value::Bool(b)))) => b,
            Some((_, Val::Known(Value::String(s)))) => s.eq_ignore_ascii_case("true"),
            Some((_, Val::Known(_))) => default,
            Some((n, Val::Unknown(e))) => {
                sink.unknown(&name, prop, &e, checks_of(prop), Some(n.pos));
                passing
            }
        }
    };
    let validation = boolean(
        "EnableLogFileValidation",
        "log_file_validation",
        false,
        true,
    );
    let multi_region = boolean("IsMultiRegionTrail", "multi_region", false, true);
    let global = boolean(
        "IncludeGlobalServiceEvents",
        "include_global_service_events",
        true,
        true,
    );
    let organization = boolean("IsOrganizationTrail", "organization_trail", false, false);
    let logging = boolean("IsLogging", "logging", false, true);
    // Presence is what the checks read: a key or log group given by `!GetAtt` is
    // there, whatever its ARN turns out to be.
    let mut present = |prop: &str, field: &str| -> Option<String> {
        sink.at(loc_key::field(&key, field), res.at(prop));
        res.props.get(prop).map(|n| match t.resolve(n) {
            Val::Known(Value::String(s)) => s,
            Val::Known(other) => other.to_string(),
            Val::Unknown(e) => iac::placeholder(&e),
        })
    };
    let kms_key_id = present("KMSKeyId", "kms_key_id");
    let cloudwatch_log_group = present("CloudWatchLogsLogGroupArn", "cloudwatch_log_group");
    let sns_topic = present("SnsTopicName", "sns_topic");
    let s3_bucket = present("S3BucketName", "s3_bucket").unwrap_or_default();
    let selectors = |prop: &str| -> Result<Option<Value>> {
        Ok(match res.props.get(prop) {
            None => None,
            Some(n) => match t.resolve(n) {
                Val::Known(v) => Some(v),
                Val::Unknown(_) => None,
            },
        })
    };
    let event_selectors = match selectors("EventSelectors")? {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| {
            iac::located_error(
                raw,
                res.at("EventSelectors"),
                format!("EventSelectors: {e}"),
            )
        })?),
        None => None,
    };
    let advanced_event_selectors = match selectors("AdvancedEventSelectors")? {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| {
            iac::located_error(
                raw,
                res.at("AdvancedEventSelectors"),
                format!("AdvancedEventSelectors: {e}"),
            )
        })?),
        None => None,
    };
    sink.at(key, res.pos);
    sink.account.cloudtrail.trails.push(Trail {
        name,
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
        has_custom_event_selectors: event_selectors.is_some() || advanced_event_selectors.is_some(),
        has_insight_selectors: false,
        status: Some(model::TrailStatus {
            is_logging: logging,
            latest_delivery_error: None,
            latest_delivery_time: None,
        }),
        event_selectors,
        advanced_event_selectors,
        file: Some(sink.file.clone()),
    });
    Ok(())
}
