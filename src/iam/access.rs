//! Who may perform an action: the evaluator applied to every user and role of an
//! account, with the statements that grant it and the conditions it depends on.
//!
//! This is the one place the account's policies are walked. The `check` policies
//! read its results from the Rego input (`input.iam.stop_access`), `who-can` prints
//! them, and `diff` compares two of them.
// foldhash: seeded per process, several times faster than SipHash on the short
// ARN and name keys every principal looks up; the inputs are the user's own exports.
use foldhash::{HashMap, HashMapExt, HashSet};

use serde::Serialize;

use super::condition::Condition;
use super::context::RequestContext;
use super::eval::{self, DocVerdict, Layer, Request};
use super::policy::{Effect, Matcher, Pattern, PolicyDocument, Statement};
use super::tri::Tri;
use crate::model::{Account, Attachment, Group, InlinePolicy, ManagedPolicy};

/// Document verdicts by document address: the keys are pointers, so hashing them
/// with SipHash would be wasted work on the hottest map of the analysis.
type VerdictCache =
    std::collections::HashMap<usize, Cached, std::hash::BuildHasherDefault<AddressHasher>>;

/// A worker's verdict caches for one judgement of every principal: the request's
/// own, and the two MFA questions' ([`Analyzer::write_up`]). Shared documents
/// that do not depend on the principal get the same verdict for every principal
/// under the same request, so each is evaluated once per worker and question
/// rather than once per principal.
#[derive(Default)]
struct Caches {
    request: VerdictCache,
    /// MFA keys absent, and `aws:MultiFactorAuthPresent` false.
    without_mfa: [VerdictCache; 2],
    /// The verdicts [`Analyzer::decide`] evaluated for the principal at hand and
    /// did not cache, by source: [`Analyzer::verdicts`] takes them rather than
    /// evaluating those documents again.
    decided: Vec<Option<DocVerdict>>,
}

enum Cached {
    Fixed(DocVerdict),
    /// The document reads facts about the principal (its ARN, tags, name).
    PerPrincipal,
}

/// Whether a document's conditions (or policy variables) read facts about the
/// principal, so that its verdict differs from one principal to the next.
fn principal_dependent(doc: &PolicyDocument) -> bool {
    fn about_principal(key: &str) -> bool {
        key.get(..13)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:principal"))
            || key.eq_ignore_ascii_case("aws:username")
            || key.eq_ignore_ascii_case("aws:userid")
    }
    doc.statements.iter().any(|s| {
        s.conditions
            .iter()
            .any(|c| about_principal(&c.key) || c.values.iter().any(|v| v.contains("${")))
            || s.resource
                .as_ref()
                .is_some_and(|m| m.patterns().iter().any(|p| p.contains("${")))
    })
}

/// The text of a pattern before its first wildcard. Found by bytes: `*` and `?`
/// are ASCII, so the cut is a character boundary, and this runs for every
/// candidate of every role-chain hop (a `split` on chars decoded each one).
fn literal_prefix(pattern: &str) -> &str {
    let end = pattern
        .bytes()
        .position(|b| b == b'*' || b == b'?')
        .unwrap_or(pattern.len());
    pattern.get(..end).unwrap_or(pattern)
}

/// The addresses of the account's policy documents in force (inline policies and
/// managed policies' default versions) whose verdict depends on the principal.
fn dependent_documents(account: &Account) -> DocumentSet {
    let iam = &account.iam;
    let inline = iam
        .users
        .iter()
        .flat_map(|u| u.inline_policies.iter())
        .chain(iam.groups.iter().flat_map(|g| g.inline_policies.iter()))
        .chain(iam.roles.iter().flat_map(|r| r.inline_policies.iter()))
        .map(|p| &p.document);
    let managed = iam.policies.iter().filter_map(|m| m.default_document());
    inline
        .chain(managed)
        .filter(|d| principal_dependent(d))
        .map(|d| d as *const PolicyDocument as usize)
        .collect()
}

/// Users and roles by ARN, for the role-chain pass: built beside the principals
/// (see [`Analyzer::new`]) rather than by the pass itself, whose sequential steps
/// are what keeps a core idle.
struct ArnIndex<'a> {
    roles: HashMap<&'a str, &'a crate::model::Role>,
    principals: HashMap<&'a str, (PrincipalType, &'a str, Option<&'a str>)>,
}

impl<'a> ArnIndex<'a> {
    fn new(account: &'a Account) -> Self {
        let iam = &account.iam;
        ArnIndex {
            roles: iam.roles.iter().map(|r| (r.arn.as_str(), r)).collect(),
            principals: iam
                .users
                .iter()
                .map(|u| {
                    (
                        u.arn.as_str(),
                        (PrincipalType::User, u.name.as_str(), u.file.as_deref()),
                    )
                })
                .chain(iam.roles.iter().map(|r| {
                    (
                        r.arn.as_str(),
                        (PrincipalType::Role, r.name.as_str(), r.file.as_deref()),
                    )
                }))
                .collect(),
        }
    }
}

/// A set of document addresses.
type DocumentSet = std::collections::HashSet<usize, std::hash::BuildHasherDefault<AddressHasher>>;

#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing spreads aligned addresses over the table.
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Below this many principals, threads cost more than they save.
const PARALLEL_ABOVE: usize = 2000;

/// Principals a worker judges at a time: small enough to share the work evenly,
/// large enough that taking the next run costs nothing.
const JUDGE_RUN: usize = 256;

/// Role-chain targets are read on one core below this many: starting a thread
/// costs more than reading a few trust policies.
const PARALLEL_TARGETS: usize = 64;

/// Longest role-assumption chain followed.
pub const MAX_CHAIN: usize = 4;

/// The action role chains are built on: besides the action asked about, the only
/// one [`Analyzer::who_can`] evaluates identity policies for.
pub const ASSUME_ROLE: &str = "sts:AssumeRole";

/// What a role's trust policy says about who may assume it. Delegation to the
/// account (`arn:aws:iam::ACCOUNT:root`, the bare account id, or `*`) admits any
/// principal of the account whose own policies allow `sts:AssumeRole` on the role;
/// a principal's ARN named in the policy admits that principal alone, with no
/// identity permission needed.
struct TrustInfo<'t> {
    account_allow: Tri,
    account_deny: Tri,
    named: Vec<(&'t str, Tri, bool)>,
}

impl<'t> TrustInfo<'t> {
    fn new(trust: &'t PolicyDocument, account: &str, ctx: &RequestContext) -> Self {
        let root = format!("arn:aws:iam::{account}:root");
        let mut info = TrustInfo {
            account_allow: Tri::False,
            account_deny: Tri::False,
            named: Vec::new(),
        };
        for s in &trust.statements {
            if eval::action_applies(s, ASSUME_ROLE) == Tri::False {
                continue;
            }
            // NotPrincipal in a trust policy is not supported by AWS for Allow; skip it.
            let Some((false, entries)) = &s.principal else {
                continue;
            };
            let cond = super::condition::evaluate_all(&s.conditions, ctx);
            if cond == Tri::False {
                continue;
            }
            let allow = s.effect == Effect::Allow;
            for (kind, value) in entries {
                if kind != "AWS" && kind != "*" {
                    continue;
                }
                if kind == "*" || value == "*" || *value == root || value == account {
                    if allow {
                        info.account_allow = info.account_allow.or(cond);
                    } else {
                        info.account_deny = info.account_deny.or(cond);
                    }
                } else {
                    info.named.push((value.as_str(), cond, allow));
                }
            }
        }
        info
    }

    /// The trust policy's own verdict on one principal, and whether it names it.
    fn admits(&self, arn: &str, has_identity_allow: Tri) -> Tri {
        let named_allow = self
            .named
            .iter()
            .filter(|(a, _, allow)| *allow && *a == arn)
            .fold(Tri::False, |t, (_, c, _)| t.or(*c));
        let named_deny = self
            .named
            .iter()
            .filter(|(a, _, allow)| !*allow && *a == arn)
            .fold(Tri::False, |t, (_, c, _)| t.or(*c));
        // Named: the trust policy alone grants; delegated: the identity policy must too.
        let allow = named_allow.or(self.account_allow.and(has_identity_allow));
        allow.and(named_deny.or(self.account_deny).not())
    }
}

/// What one principal's policies decide about a request, before it is written up.
struct Judgement<'a, 'p> {
    principal: &'p Principal<'a>,
    /// `allowed` or `conditional`.
    word: &'static str,
    /// Each of the principal's sources' verdict, in source order.
    verdicts: Vec<DocVerdict>,
    /// The request as this principal makes it.
    context: RequestContext,
    limits: Vec<String>,
}

impl<'a> Judgement<'a, '_> {
    /// The statements the verdicts `pick` (their allows or their denies), with
    /// their source and their position in the document as written.
    fn statements(
        &self,
        pick: fn(&DocVerdict) -> &[usize],
    ) -> impl Iterator<Item = (&Source<'a>, &'a Statement, usize)> {
        self.principal
            .sources
            .iter()
            .zip(&self.verdicts)
            .filter_map(|(src, v)| Some((src, src.doc()?, v)))
            .flat_map(move |(src, doc, v)| {
                pick(v)
                    .iter()
                    .filter_map(move |&i| Some((src, doc.statements.get(i)?, doc.written_index(i))))
            })
    }
}

/// A principal's statements for one action (`sts:AssumeRole`, `iam:PutUserPolicy`...),
/// with their conditions decided once: checking them against each candidate
/// resource is then only wildcard matching.
pub(crate) struct ActionGrants<'g> {
    allows: Vec<(&'g [Pattern], bool, Tri)>,
    denies: Vec<(&'g [Pattern], bool, Tri)>,
    limited: bool,
}

impl<'g> ActionGrants<'g> {
    pub(crate) fn new(a: &'g Access, ctx: &RequestContext) -> Self {
        let prep = |list: &'g [Grant]| {
            list.iter()
                .map(|g| {
                    (
                        g.resources.as_slice(),
                        g.not_resource,
                        super::condition::evaluate_all(&g.conditions, ctx),
                    )
                })
                .filter(|(_, _, t)| *t != Tri::False)
                .collect()
        };
        ActionGrants {
            allows: prep(&a.grants),
            denies: prep(&a.denials),
            limited: !a.limits.is_empty(),
        }
    }
    /// The same from a judged principal's statements, read in place: what `new`
    /// makes of the [`Access`] written up from them.
    fn judged(j: &Judgement<'g, '_>, ctx: &RequestContext) -> Self {
        let prep = |pick: fn(&DocVerdict) -> &[usize]| {
            j.statements(pick)
                .map(|(_, s, _)| {
                    let (resources, not_resource) = match &s.resource {
                        Some(Matcher::Is(v)) => (v.as_slice(), false),
                        Some(Matcher::Not(v)) => (v.as_slice(), true),
                        None => (&[][..], false),
                    };
                    (
                        resources,
                        not_resource,
                        super::condition::evaluate_all(&s.conditions, ctx),
                    )
                })
                .filter(|(_, _, t)| *t != Tri::False)
                .collect()
        };
        ActionGrants {
            allows: prep(|v| &v.allows),
            denies: prep(|v| &v.denies),
            limited: !j.limits.is_empty(),
        }
    }
    fn hit(list: &[(&[Pattern], bool, Tri)], resource: &str) -> Tri {
        let mut t = Tri::False;
        for (resources, not_resource, cond) in list {
            // Unknown can still become True; True is final. A statement whose
            // condition is only Unknown cannot raise an Unknown either.
            if t == Tri::Unknown && *cond != Tri::True {
                continue;
            }
            let listed = resources.is_empty()
                || resources
                    .iter()
                    .any(|p| super::wildcard::matches(p, resource, false));
            t = t.or(Tri::from_bool(listed != *not_resource).and(*cond));
            if t == Tri::True {
                return t;
            }
        }
        t
    }
    /// Indices of the targets (sorted by ARN) that an Allow's resources may match;
    /// true instead when they may match half of them or more (the caller then tries
    /// them all, which is cheaper than listing them).
    fn reachable(&self, sorted: &SortedArns, out: &mut Vec<usize>) -> bool {
        let mut within_prefixes = 0usize;
        let mut ranges = Vec::new();
        for (resources, not_resource, _) in &self.allows {
            if *not_resource || resources.is_empty() {
                return true;
            }
            for pattern in resources.iter() {
                let range = sorted.starting_with(literal_prefix(pattern));
                within_prefixes += range.len();
                ranges.push(range);
            }
        }
        if within_prefixes * 2 >= sorted.arns.len() {
            return true;
        }
        let patterns = self
            .allows
            .iter()
            .flat_map(|(resources, _, _)| resources.iter());
        for (pattern, range) in patterns.zip(ranges) {
            out.extend(
                sorted
                    .arns
                    .get(range)
                    .unwrap_or_default()
                    .iter()
                    .filter(|(arn, _)| super::wildcard::matches(pattern, arn, false))
                    .map(|(_, i)| *i),
            );
        }
        false
    }

    /// The most that [`Self::allows`] and not [`Self::denies`] can answer for any
    /// resource: True only when an Allow's condition is met whatever the request,
    /// no boundary or SCP limits the principal, and no Deny on every resource
    /// (`*`, or no Resource) applies to some requests.
    fn best_allowed(&self) -> Tri {
        let best = self
            .allows
            .iter()
            .fold(Tri::False, |t, (_, _, cond)| t.or(*cond));
        let everywhere = |resources: &[Pattern]| {
            resources.is_empty()
                || resources
                    .iter()
                    .any(|p| !p.is_empty() && p.bytes().all(|b| b == b'*'))
        };
        let denied_everywhere = self
            .denies
            .iter()
            .filter(|(resources, not_resource, _)| !*not_resource && everywhere(resources))
            .fold(Tri::False, |t, (_, _, cond)| t.or(*cond));
        let best = best.and(denied_everywhere.not());
        if self.limited {
            best.and(Tri::Unknown)
        } else {
            best
        }
    }

    pub(crate) fn allows(&self, resource: &str) -> Tri {
        let t = Self::hit(&self.allows, resource);
        if self.limited {
            t.and(Tri::Unknown)
        } else {
            t
        }
    }
    pub(crate) fn denies(&self, resource: &str) -> Tri {
        Self::hit(&self.denies, resource)
    }
}

/// Role ARNs sorted, each with its index among the targets of a role-chain hop,
/// and the text they all start with (`arn:aws:iam::111122223333:role/` and
/// more): most patterns' literal prefixes are decided against that text alone,
/// without a search among the ARNs.
struct SortedArns<'s> {
    arns: Vec<(&'s str, usize)>,
    common: &'s str,
}

impl<'s> SortedArns<'s> {
    fn new(mut arns: Vec<(&'s str, usize)>) -> Self {
        arns.sort_unstable();
        let common = match (arns.first(), arns.last()) {
            (Some((first, _)), Some((last, _))) => {
                let mut n = first
                    .bytes()
                    .zip(last.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                while !first.is_char_boundary(n) {
                    n -= 1;
                }
                first.get(..n).unwrap_or_default()
            }
            _ => "",
        };
        SortedArns { arns, common }
    }

    /// The positions of the ARNs that start with `prefix`. Every ARN starts with
    /// `common`: a prefix within it takes all of them or none, and a longer one
    /// that does not extend it takes none.
    fn starting_with(&self, prefix: &str) -> std::ops::Range<usize> {
        let all = 0..self.arns.len();
        if prefix.len() <= self.common.len() {
            return if self.common.starts_with(prefix) {
                all
            } else {
                0..0
            };
        }
        if !prefix.starts_with(self.common) {
            return 0..0;
        }
        let start = self.arns.partition_point(|(arn, _)| *arn < prefix);
        let len = self
            .arns
            .get(start..)
            .unwrap_or_default()
            .partition_point(|(arn, _)| arn.starts_with(prefix));
        start..start + len
    }
}

/// One level of the organization's SCPs: every policy attached at that level.
#[derive(Debug, Clone)]
pub struct ScpLevel {
    pub file: String,
    pub policies: Vec<(String, PolicyDocument)>,
}

/// Where a statement lives.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyRef {
    /// `inline`, `managed`, `group-inline`, `group-managed`, `boundary`, `scp` or `file`.
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The user, role or group an inline policy belongs to, or a group a managed policy reaches the principal through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl PolicyRef {
    /// A stable identifier of the policy: its ARN, else its owner's ARN and its
    /// name (`owner#name`), else its file, else its name; an empty text counts as
    /// none. The same as `policy_id` of `policies/lib/iam.rego`, and the input's
    /// `policy.id`.
    pub fn id(&self) -> String {
        fn text(s: &Option<String>) -> Option<&str> {
            s.as_deref().filter(|s| !s.is_empty())
        }
        match (text(&self.arn), text(&self.via), text(&self.file)) {
            (Some(arn), _, _) => arn.to_string(),
            (None, Some(owner), _) => format!("{owner}#{}", self.name),
            (None, None, Some(file)) => file.to_string(),
            (None, None, None) => self.name.clone(),
        }
    }
}

/// A statement that grants (or, for denials, may remove) the access.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash)]
pub struct Grant {
    pub policy: PolicyRef,
    pub statement_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column of the statement, where the input tells (templates, plans, policy files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub effect: &'static str,
    /// The Action (or, with `not_action`, NotAction) patterns of the statement.
    pub actions: Vec<Pattern>,
    pub not_action: bool,
    /// The patterns that matched the queried action (empty for NotAction).
    pub matched_actions: Vec<Pattern>,
    pub resources: Vec<Pattern>,
    pub not_resource: bool,
    pub conditions: Vec<Condition>,
    /// Conditions the request context leaves undecided.
    pub open_conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalType {
    User,
    Role,
}

/// One principal's access.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub arn: String,
    #[serde(rename = "type")]
    pub principal_type: PrincipalType,
    pub name: String,
    /// `allowed` or `conditional`; principals that cannot are not listed.
    pub access: &'static str,
    pub grants: Vec<Grant>,
    /// Deny statements that apply to some requests only.
    pub denials: Vec<Grant>,
    /// Layers (boundary, SCPs) that make the answer conditional, in words.
    pub limits: Vec<String>,
    /// Users only: false when the action is possible without MFA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_required: Option<bool>,
    /// The chain of role assumptions that leads to the access, first hop first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// How the principal could grant itself the access it does not have yet
    /// (privilege escalation), in words: `iam:PutUserPolicy on itself`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

fn access_word(t: Tri) -> Option<&'static str> {
    match t {
        Tri::True => Some("allowed"),
        Tri::Unknown => Some("conditional"),
        Tri::False => None,
    }
}

/// A document and where it came from, before any allocation for its reference.
#[derive(Clone, Copy)]
enum Source<'a> {
    Inline {
        owner: &'a str,
        kind: &'static str,
        policy: &'a InlinePolicy,
    },
    Managed {
        via_group: Option<&'a str>,
        policy: &'a ManagedPolicy,
    },
    File {
        file: &'a str,
        lines: &'a [Option<u32>],
        doc: &'a PolicyDocument,
    },
}

impl<'a> Source<'a> {
    fn doc(&self) -> Option<&'a PolicyDocument> {
        match self {
            Source::Inline { policy, .. } => Some(&policy.document),
            Source::Managed { policy, .. } => policy.default_document(),
            Source::File { doc, .. } => Some(doc),
        }
    }
    fn to_ref(self, file: Option<&str>) -> PolicyRef {
        match self {
            Source::Inline {
                owner,
                kind,
                policy,
            } => PolicyRef {
                kind,
                name: policy.name.clone(),
                arn: None,
                via: Some(owner.to_string()),
                file: file.map(str::to_string),
            },
            Source::Managed { via_group, policy } => PolicyRef {
                kind: if via_group.is_some() {
                    "group-managed"
                } else {
                    "managed"
                },
                name: policy.name.clone(),
                arn: Some(policy.arn.clone()),
                via: via_group.map(str::to_string),
                file: policy
                    .file
                    .as_deref()
                    .map(str::to_string)
                    .or(file.map(str::to_string)),
            },
            Source::File { file, .. } => PolicyRef {
                kind: "file",
                name: file.to_string(),
                arn: None,
                via: None,
                file: Some(file.to_string()),
            },
        }
    }
    fn line(&self, index: usize) -> Option<u32> {
        match self {
            Source::File { lines, .. } => lines.get(index).copied().flatten(),
            _ => None,
        }
    }
    /// Documents shared between principals, worth caching by address.
    fn shared(&self) -> bool {
        matches!(self, Source::Managed { .. })
            || matches!(
                self,
                Source::Inline {
                    kind: "group-inline",
                    ..
                }
            )
    }
}

fn grant(
    src: &Source,
    s: &Statement,
    index: usize,
    action: &str,
    ctx: &RequestContext,
    file: Option<&str>,
) -> Grant {
    let (actions, not_action) = match &s.action {
        Matcher::Is(v) => (v.clone(), false),
        Matcher::Not(v) => (v.clone(), true),
    };
    let matched_actions = if not_action {
        vec![]
    } else {
        actions
            .iter()
            .filter(|p| {
                super::wildcard::matches(p, action, true)
                    || (action.contains(['*', '?']) && super::wildcard::intersects(p, action, true))
            })
            .cloned()
            .collect()
    };
    let (resources, not_resource) = match &s.resource {
        Some(Matcher::Is(v)) => (v.clone(), false),
        Some(Matcher::Not(v)) => (v.clone(), true),
        None => (vec![], false),
    };
    Grant {
        policy: src.to_ref(file),
        statement_index: index,
        sid: s.sid.clone(),
        line: src.line(index),
        column: None,
        effect: match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        },
        actions,
        not_action,
        matched_actions,
        resources,
        not_resource,
        conditions: s.conditions.clone(),
        open_conditions: eval::open_conditions(s, ctx).into_iter().cloned().collect(),
    }
}

/// The account, indexed for analysis.
pub struct Analyzer<'a> {
    account: &'a Account,
    managed: HashMap<&'a str, &'a ManagedPolicy>,
    groups: HashMap<&'a str, &'a Group>,
    scps: &'a [ScpLevel],
    /// Every principal with its documents, resolved once for all queries.
    principals: Vec<Principal<'a>>,
    /// Addresses of the documents whose verdict depends on the principal.
    dependent: DocumentSet,
    /// Users and roles by ARN.
    arns: ArnIndex<'a>,
    /// Cores to judge principals on.
    threads: usize,
}

/// A principal as the analyzer sees it.
pub(crate) struct Principal<'a> {
    pub(crate) arn: &'a str,
    pub(crate) name: &'a str,
    id: &'a str,
    tags: &'a [crate::model::Tag],
    pub(crate) kind: PrincipalType,
    sources: Vec<Source<'a>>,
    pub(crate) boundary: Option<&'a str>,
    pub(crate) file: Option<&'a str>,
    unknown_groups: Vec<&'a str>,
}

impl Principal<'_> {
    /// Service-linked roles: "SCPs don't affect service-linked roles" (AWS
    /// Organizations User Guide, "Service control policies (SCPs)"). AWS creates
    /// them under the path `/aws-service-role/`.
    pub(crate) fn scp_exempt(&self) -> bool {
        self.kind == PrincipalType::Role && self.arn.contains(":role/aws-service-role/")
    }
}

impl<'a> Analyzer<'a> {
    pub fn new(account: &'a Account, scps: &'a [ScpLevel]) -> Self {
        let threads = crate::par::cores();
        // Which documents depend on the principal is a pass over every statement
        // kept, independent of the indexes and principals built here: on a large
        // account it runs on another core meanwhile (about a third of this
        // function's time on the benchmark export), and the index by ARN after it.
        let big = account.iam.users.len() + account.iam.roles.len() >= PARALLEL_ABOVE;
        crate::par::scope(|scope| {
            let side = (threads > 1 && big)
                .then(|| scope.spawn(|| (dependent_documents(account), ArnIndex::new(account))));
            let mut me = Analyzer {
                account,
                managed: account
                    .iam
                    .policies
                    .iter()
                    .map(|p| (p.arn.as_str(), p))
                    .collect(),
                groups: account
                    .iam
                    .groups
                    .iter()
                    .map(|g| (g.name.as_str(), g))
                    .collect(),
                scps,
                principals: Vec::new(),
                dependent: Default::default(),
                arns: ArnIndex {
                    roles: HashMap::new(),
                    principals: HashMap::new(),
                },
                threads,
            };
            me.principals = me.build_principals();
            (me.dependent, me.arns) = match side {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => (dependent_documents(account), ArnIndex::new(account)),
            };
            me
        })
    }

    /// Judges principals on `threads` cores (at least one) rather than on every
    /// core: the answers are the same.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    fn is_dependent(&self, doc: &PolicyDocument) -> bool {
        self.dependent
            .contains(&(doc as *const PolicyDocument as usize))
    }

    pub(crate) fn principals(&self) -> &[Principal<'a>] {
        &self.principals
    }

    fn managed_sources(
        &self,
        attached: &'a [Attachment],
        via_group: Option<&'a str>,
        out: &mut Vec<Source<'a>>,
    ) {
        for a in attached {
            if let Some(policy) = self.managed.get(a.arn.as_str()) {
                out.push(Source::Managed { via_group, policy });
            }
        }
    }

    fn build_principals(&self) -> Vec<Principal<'a>> {
        let mut out =
            Vec::with_capacity(self.account.iam.users.len() + self.account.iam.roles.len());
        for u in &self.account.iam.users {
            // Room for every source at once: pushed one by one, the list grew
            // several times for most principals.
            let groups = u.groups.iter().filter_map(|g| self.groups.get(g.as_str()));
            let room = u.inline_policies.len()
                + u.attached_policies.len()
                + groups
                    .map(|g| g.inline_policies.len() + g.attached_policies.len())
                    .sum::<usize>();
            let mut sources: Vec<Source<'a>> = Vec::with_capacity(room);
            sources.extend(u.inline_policies.iter().map(|p| Source::Inline {
                owner: &u.arn,
                kind: "inline",
                policy: p,
            }));
            self.managed_sources(&u.attached_policies, None, &mut sources);
            let mut unknown_groups = vec![];
            for g in &u.groups {
                match self.groups.get(g.as_str()) {
                    Some(group) => {
                        sources.extend(group.inline_policies.iter().map(|p| Source::Inline {
                            owner: &group.arn,
                            kind: "group-inline",
                            policy: p,
                        }));
                        self.managed_sources(
                            &group.attached_policies,
                            Some(&group.arn),
                            &mut sources,
                        );
                    }
                    None => unknown_groups.push(g.as_str()),
                }
            }
            out.push(Principal {
                arn: &u.arn,
                name: &u.name,
                id: &u.id,
                tags: &u.tags,
                kind: PrincipalType::User,
                sources,
                boundary: u.permissions_boundary.as_ref().map(|b| b.arn.as_str()),
                file: u.file.as_deref(),
                unknown_groups,
            });
        }
        for r in &self.account.iam.roles {
            let mut sources: Vec<Source<'a>> =
                Vec::with_capacity(r.inline_policies.len() + r.attached_policies.len());
            sources.extend(r.inline_policies.iter().map(|p| Source::Inline {
                owner: &r.arn,
                kind: "inline",
                policy: p,
            }));
            self.managed_sources(&r.attached_policies, None, &mut sources);
            out.push(Principal {
                arn: &r.arn,
                name: &r.name,
                id: &r.id,
                tags: &r.tags,
                kind: PrincipalType::Role,
                sources,
                boundary: r.permissions_boundary.as_ref().map(|b| b.arn.as_str()),
                file: r.file.as_deref(),
                unknown_groups: vec![],
            });
        }
        out
    }

    /// Every principal that may (or, depending on the request, might) perform the
    /// action, directly or by assuming roles that may.
    pub fn who_can(&self, action: &str, resource: &str, ctx: &RequestContext) -> Vec<Access> {
        let mut out = self.who_can_direct(action, resource, ctx);
        self.add_role_chains(&mut out, ctx);
        out.sort_by(|a, b| a.arn.cmp(&b.arn));
        out
    }

    /// Principals whose own policies allow the action.
    pub fn who_can_direct(
        &self,
        action: &str,
        resource: &str,
        ctx: &RequestContext,
    ) -> Vec<Access> {
        self.who_can_direct_with(action, resource, ctx, true)
    }

    /// As [`Self::who_can_direct`]; `with_mfa` also asks, for each user, whether the
    /// access survives without MFA (two more evaluations per user, needless when the
    /// answer only feeds another analysis).
    pub(crate) fn who_can_direct_with(
        &self,
        action: &str,
        resource: &str,
        ctx: &RequestContext,
        with_mfa: bool,
    ) -> Vec<Access> {
        let req = Request {
            action,
            resource,
            context: ctx,
        };
        let mut out = self.judge_principals(&req, |j, scp_layers, caches| {
            self.write_up(j, &req, scp_layers, with_mfa, &mut caches.without_mfa)
        });
        out.sort_by(|a, b| a.arn.cmp(&b.arn));
        out
    }

    /// The principals whose own policies allow `action` on `resource`, each with its
    /// statements for the action prepared for matching resources ([`ActionGrants`]):
    /// what [`Self::who_can_direct_with`] finds, without writing up its grants (the
    /// role-chain pass asks this of thousands of principals and needs no more).
    fn action_grants(
        &self,
        action: &str,
        resource: &str,
        ctx: &RequestContext,
    ) -> Vec<(&'a str, ActionGrants<'a>)> {
        let req = Request {
            action,
            resource,
            context: ctx,
        };
        self.judge_principals(&req, |j, _, _| {
            (j.principal.arn, ActionGrants::judged(j, ctx))
        })
    }

    /// Each SCP level's verdict on the request, and the limits the levels that allow
    /// it only for some requests put on everyone; None when the SCPs deny it to
    /// every principal they apply to, and none is exempt.
    fn scp_gate(&self, req: &Request) -> Option<(Vec<Layer>, Vec<String>)> {
        let scp_layers = self.scp_layers(req);
        let scp_limits = self.scp_limits(&scp_layers);
        if scp_layers.iter().any(|l| l.permits() == Tri::False)
            && !self.principals.iter().any(|p| p.scp_exempt())
        {
            return None;
        }
        Some((scp_layers, scp_limits))
    }

    /// Judges every principal on the request and passes each that may perform it to
    /// `write`, with the SCP levels' verdicts, in principal order; nothing when the
    /// SCPs deny the request to everyone. Principals are independent: on a large
    /// account they are judged in parallel, each thread with its own verdict
    /// caches (which `write` may use too), and the results concatenated in order.
    fn judge_principals<R: Send>(
        &self,
        req: &Request,
        write: impl Fn(&Judgement<'a, '_>, &[Layer], &mut Caches) -> R + Sync,
    ) -> Vec<R> {
        let Some((scp_layers, scp_limits)) = self.scp_gate(req) else {
            return vec![];
        };
        let (scp_layers, scp_limits) = (scp_layers.as_slice(), scp_limits.as_slice());
        let judge = |chunk: &[Principal<'a>], caches: &mut Caches| -> Vec<R> {
            let mut out = Vec::new();
            for p in chunk {
                // The principal's request context, made once: deciding makes it for
                // every principal with an Allow, and the verdicts and limits read it.
                let mut context = None;
                let Some(decision) = self.decide(
                    p,
                    req,
                    scp_layers,
                    &mut caches.request,
                    &mut context,
                    Some(&mut caches.decided),
                ) else {
                    continue;
                };
                let Some(word) = access_word(decision) else {
                    continue;
                };
                let context = context.unwrap_or_else(|| self.principal_context(p, req.context));
                let verdicts =
                    self.verdicts(p, req, &context, &caches.request, &mut caches.decided);
                let limits = self.limits(p, req, &context, scp_limits);
                let judged = Judgement {
                    principal: p,
                    word,
                    verdicts,
                    context,
                    limits,
                };
                out.push(write(&judged, scp_layers, caches));
            }
            out
        };
        let principals = self.principals();
        let threads = self.threads;
        if threads < 2 || principals.len() < PARALLEL_ABOVE {
            return judge(principals, &mut Caches::default());
        }
        // Principals differ in cost (a user with groups and MFA questions against a
        // role with one policy), and the export lists them by kind: workers take
        // runs of them as they finish one, each keeping its own verdict caches
        // across its runs. Halves took 3.5 and 9.4 ms on the benchmark export.
        let runs: Vec<&[Principal<'a>]> = principals.chunks(JUDGE_RUN).collect();
        crate::par::map_with(&runs, threads, Caches::default, |caches, run| {
            judge(run, caches)
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// What narrows a principal's access: SCPs that allow it only for some requests,
    /// a permissions boundary that does (or is missing from the input), and groups
    /// the input does not hold.
    fn limits(
        &self,
        p: &Principal<'a>,
        req: &Request,
        pctx: &RequestContext,
        scp_limits: &[String],
    ) -> Vec<String> {
        let mut limits = if p.scp_exempt() {
            vec![]
        } else if self.scps_principal_dependent() {
            // An SCP conditioned on who asks (aws:PrincipalArn, ...) is decided for
            // this principal: limiting only if still open.
            let preq = Request {
                context: pctx,
                ..req.clone()
            };
            self.scp_limits(&self.scp_layers(&preq))
        } else {
            scp_limits.to_vec()
        };
        if let Some(b) = p.boundary {
            match self.managed.get(b).and_then(|m| m.default_document()) {
                None => limits.push(format!("permissions boundary {b} is not in the input")),
                Some(d) => {
                    if Layer::EMPTY.add(&eval::evaluate_document(d, req)).permits() == Tri::Unknown
                    {
                        limits.push(format!(
                            "permissions boundary {b} allows it only for some requests"
                        ));
                    }
                }
            }
        }
        for g in &p.unknown_groups {
            limits.push(format!(
                "group {g} is not in the input; its policies were not counted"
            ));
        }
        limits
    }

    /// A judged principal as an [`Access`], with the statements that grant and
    /// narrow it; `with_mfa` also decides, for a user, whether it holds without MFA.
    fn write_up(
        &self,
        j: &Judgement<'a, '_>,
        req: &Request,
        scp_layers: &[Layer],
        with_mfa: bool,
        without_mfa: &mut [VerdictCache; 2],
    ) -> Access {
        let p = j.principal;
        let ctx = &j.context;
        let written = |pick: fn(&DocVerdict) -> &[usize]| -> Vec<Grant> {
            j.statements(pick)
                .map(|(src, s, i)| grant(src, s, i, req.action, ctx, p.file))
                .collect()
        };
        let grants = written(|v| &v.allows);
        let denials = written(|v| &v.denies);
        let mfa_required = (with_mfa && p.kind == PrincipalType::User).then(|| {
            let absent = ctx
                .with_absent("aws:MultiFactorAuthPresent")
                .with_absent("aws:MultiFactorAuthAge");
            let falsy = ctx.with("aws:MultiFactorAuthPresent", vec!["false".into()]);
            // Each question with its own cache, kept across the worker's principals:
            // a document cached there does not depend on the principal, so its
            // verdict under the question is the same for every one of them.
            [absent, falsy]
                .iter()
                .zip(without_mfa.iter_mut())
                .all(|(c, cache)| {
                    let r = Request {
                        context: c,
                        ..req.clone()
                    };
                    self.decide(p, &r, scp_layers, cache, &mut None, None)
                        .is_none_or(|d| d == Tri::False)
                })
        });
        Access {
            arn: p.arn.to_string(),
            principal_type: p.kind,
            name: p.name.to_string(),
            access: j.word,
            grants,
            denials,
            limits: j.limits.clone(),
            mfa_required,
            via: vec![],
            escalation: None,
            file: p.file.map(str::to_string),
        }
    }

    /// Principals that reach the access by assuming roles that have it (transitively,
    /// up to [`MAX_CHAIN`] hops). An edge P -> R needs R's trust policy to allow P and,
    /// unless the trust policy names P's ARN itself, P's identity policies to allow
    /// `sts:AssumeRole` on R (IAM User Guide: "Granting a user permissions to switch
    /// roles"; "Policy evaluation logic" for same-account resource-based policies
    /// that name a principal). P's explicit denies always apply.
    fn add_role_chains(&self, out: &mut Vec<Access>, ctx: &RequestContext) {
        let (roles, principals) = (&self.arns.roles, &self.arns.principals);
        let mut frontier: Vec<usize> = (0..out.len())
            .filter(|&i| {
                out.get(i)
                    .is_some_and(|a| a.principal_type == PrincipalType::Role)
            })
            .collect();
        if frontier.is_empty() {
            return;
        }
        let account = self.account.account_id.as_deref().unwrap_or("*");
        let assumers =
            self.action_grants(ASSUME_ROLE, &format!("arn:aws:iam::{account}:role/*"), ctx);
        let assumer_arns: Vec<&str> = assumers.iter().map(|(arn, _)| *arn).collect();
        let prepared: HashMap<&str, ActionGrants> = assumers.into_iter().collect();
        // Principals already listed: a definite answer is final; a conditional one may
        // still become definite through a role it can assume.
        let mut known: HashMap<String, (usize, &'static str)> = out
            .iter()
            .enumerate()
            .map(|(i, a)| (a.arn.clone(), (i, a.access)))
            .collect();
        for _hop in 0..MAX_CHAIN {
            // Each target is a copy of its access as the hop starts (the hop may
            // upgrade it), with its trust policy read: on every core when there are
            // many (333 roles in the benchmark export's first hop).
            let threads = if frontier.len() >= PARALLEL_TARGETS {
                self.threads
            } else {
                1
            };
            let outs: &[Access] = out;
            let mut targets: Vec<(Access, &crate::model::Role, TrustInfo, Tri)> =
                crate::par::map_with(
                    &frontier,
                    threads,
                    || (),
                    |(), &i| {
                        let target = outs.get(i)?.clone();
                        let role = *roles.get(target.arn.as_str())?;
                        let info = TrustInfo::new(role.trust_policy.as_ref()?, account, ctx);
                        let t = if target.access == "allowed" {
                            Tri::True
                        } else {
                            Tri::Unknown
                        };
                        Some((target, role, info, t))
                    },
                )
                .into_iter()
                .flatten()
                .collect();
            // Definite targets first, so most candidates stop at their first edge.
            targets
                .sort_by_key(|(_, _, info, t)| (*t != Tri::True, info.account_allow != Tri::True));
            // Who might reach a target: the principals it names, and, for targets that
            // delegate to the account, every principal allowed sts:AssumeRole.
            let mut candidates: Vec<&str> = targets
                .iter()
                .flat_map(|(_, _, t, _)| t.named.iter().map(|(a, _, _)| *a))
                .collect();
            if targets
                .iter()
                .any(|(_, _, t, _)| t.account_allow != Tri::False)
            {
                candidates.extend(assumer_arns.iter().copied());
            }
            candidates.sort_unstable();
            candidates.dedup();
            let by_arn_sorted = SortedArns::new(
                targets
                    .iter()
                    .enumerate()
                    .map(|(i, (_, r, _, _))| (r.arn.as_str(), i))
                    .collect(),
            );
            let mut named_index: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, (_, _, info, _)) in targets.iter().enumerate() {
                for (arn, _, _) in &info.named {
                    named_index.entry(arn).or_default().push(i);
                }
            }
            // Targets whose trust policy delegates to the account (most name their
            // principals or a service instead): the only ones that can admit a
            // principal they do not name.
            let delegating: Vec<usize> = targets
                .iter()
                .enumerate()
                .filter(|(_, (_, _, info, _))| info.account_allow != Tri::False)
                .map(|(i, _)| i)
                .collect();
            // Each candidate's best edge depends only on what earlier hops found (a
            // candidate appears once per hop), so edges are found on every core and
            // applied afterwards in candidate order: the same result as one by one.
            let edge = |p_arn: &str| -> Option<(Tri, usize)> {
                if known
                    .get(p_arn)
                    .is_some_and(|(_, access)| *access == "allowed")
                {
                    return None;
                }
                principals.get(p_arn)?;
                let identity = prepared.get(p_arn);
                // Only targets that could admit this principal are tried: those naming
                // it, and those that delegate to the account and that its
                // sts:AssumeRole resources can match, found by the patterns' literal
                // prefixes in the sorted ARNs. When the patterns may match most
                // targets (`role/*`), every delegating target is tried instead of
                // listing the matches. Tried in target order (definite first), so
                // the answer is the one trying every target would give.
                let named = named_index.get(p_arn);
                let mut reachable: Vec<usize> = Vec::new();
                let every = identity.is_some_and(|c| c.reachable(&by_arn_sorted, &mut reachable));
                if every {
                    reachable.clear();
                    reachable.extend_from_slice(&delegating);
                } else {
                    reachable.retain(|&i| {
                        targets
                            .get(i)
                            .is_some_and(|(_, _, info, _)| info.account_allow != Tri::False)
                    });
                }
                reachable.extend(named.into_iter().flatten().copied());
                reachable.sort_unstable();
                reachable.dedup();
                // A target that does not name the principal admits it no more
                // surely than its own sts:AssumeRole grants and denials let it in
                // (`admits`): when those make it conditional at best, a
                // conditional edge is final once the targets that name it are
                // behind. On the benchmark export this ends most scans of every
                // delegating target (a Deny of sts:AssumeRole on `*` under a
                // condition, say).
                let cap = identity.map_or(Tri::False, ActionGrants::best_allowed);
                let last_named = named.and_then(|n| n.iter().copied().max());
                // The best edge into any target: definite beats conditional.
                let mut best: Option<(Tri, usize)> = None;
                for &i in &reachable {
                    let Some((_, role, info, target_t)) = targets.get(i) else {
                        continue;
                    };
                    let (has_allow, denied) = match identity {
                        Some(c) => (c.allows(&role.arn), c.denies(&role.arn)),
                        None => (Tri::False, Tri::False),
                    };
                    let t = info
                        .admits(p_arn, has_allow)
                        .and(denied.not())
                        .and(*target_t);
                    if t == Tri::False {
                        continue;
                    }
                    if best.is_none_or(|(b, _)| b == Tri::Unknown && t == Tri::True) {
                        best = Some((t, i));
                    }
                    if t == Tri::True
                        || (cap != Tri::True
                            && best.is_some()
                            && last_named.is_none_or(|last| last <= i))
                    {
                        break;
                    }
                }
                best
            };
            let edges: Vec<Option<(Tri, usize)>> = crate::par::map(&candidates, |c| edge(c));
            let mut next = Vec::new();
            for (p_arn, best) in candidates.iter().copied().zip(edges) {
                let existing = known.get(p_arn).copied();
                let Some(&(kind, name, file)) = principals.get(p_arn) else {
                    continue;
                };
                let best = best.and_then(|(t, i)| Some((t, &targets.get(i)?.0)));
                let Some((t, target)) = best else { continue };
                let Some(word) = access_word(t) else { continue };
                let mut via = vec![p_arn.to_string()];
                if target.via.is_empty() {
                    via.push(target.arn.clone());
                } else {
                    via.extend(target.via.iter().cloned());
                }
                if let Some((index, _)) = existing {
                    // Conditional on its own, definite through the role: upgrade it,
                    // keeping its own grants beside the role's.
                    if t == Tri::True {
                        if let Some(a) = out.get_mut(index) {
                            a.access = word;
                            a.via = via;
                            // Without MFA through the role unless its trust policy
                            // says otherwise: left to the role's own analysis.
                            a.mfa_required = None;
                            a.grants.extend(target.grants.iter().cloned());
                        }
                        known.insert(p_arn.to_string(), (index, word));
                    }
                    continue;
                }
                known.insert(p_arn.to_string(), (out.len(), word));
                out.push(Access {
                    arn: p_arn.to_string(),
                    principal_type: kind,
                    name: name.to_string(),
                    access: word,
                    grants: target.grants.clone(),
                    denials: target.denials.clone(),
                    limits: target.limits.clone(),
                    mfa_required: None,
                    via,
                    escalation: None,
                    file: file.map(str::to_string),
                });
                if kind == PrincipalType::Role {
                    next.push(out.len() - 1);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
    }

    /// What every request by this principal carries, whatever the caller asked:
    /// the IAM global condition keys about the principal itself (IAM User Guide,
    /// "AWS global condition context keys": aws:PrincipalArn, aws:PrincipalAccount,
    /// aws:PrincipalType, aws:PrincipalTag/key, aws:username and aws:userid for users).
    /// A role acts through a session, whose aws:PrincipalArn is the role's ARN.
    pub(crate) fn principal_context(
        &self,
        p: &Principal<'a>,
        base: &RequestContext,
    ) -> RequestContext {
        use std::borrow::Cow;
        let mut facts: Vec<(Cow<'static, str>, String)> = Vec::with_capacity(5 + p.tags.len());
        // Lowercase, as the context keeps key names: borrowed as they are.
        facts.push(("aws:principalarn".into(), p.arn.to_string()));
        facts.push((
            "aws:principaltype".into(),
            match p.kind {
                PrincipalType::User => "User",
                PrincipalType::Role => "AssumedRole",
            }
            .to_string(),
        ));
        if let Some(account) = crate::model::account_of_arn(p.arn) {
            facts.push(("aws:principalaccount".into(), account.to_string()));
        }
        if p.kind == PrincipalType::User {
            facts.push(("aws:username".into(), p.name.to_string()));
            if !p.id.is_empty() {
                facts.push(("aws:userid".into(), p.id.to_string()));
            }
        }
        for t in p.tags {
            facts.push((
                format!("aws:PrincipalTag/{}", t.key).into(),
                t.value.clone(),
            ));
        }
        base.with_defaults(facts)
    }

    /// The decision for one principal (None: no Allow anywhere). Verdicts of shared
    /// documents are cached by address and read in place, unless a document
    /// depends on who the principal is; those are evaluated per principal.
    /// `pctx` receives the principal's request context ([`Self::principal_context`])
    /// when deciding needed it, as it does whenever the answer is Some.
    fn decide(
        &self,
        p: &Principal<'a>,
        req: &Request,
        scp_layers: &[Layer],
        cache: &mut VerdictCache,
        pctx: &mut Option<RequestContext>,
        mut decided: Option<&mut Vec<Option<DocVerdict>>>,
    ) -> Option<Tri> {
        if let Some(d) = decided.as_deref_mut() {
            d.clear();
        }
        // A document that reads facts about the principal, judged in its context.
        let mut in_context = |doc: &PolicyDocument| {
            let c = pctx.get_or_insert_with(|| self.principal_context(p, req.context));
            eval::evaluate_document(
                doc,
                &Request {
                    context: c,
                    ..req.clone()
                },
            )
        };
        let mut identity = Layer::EMPTY;
        for src in &p.sources {
            // The verdict of a document judged for this principal alone (not
            // cached), kept for `verdicts`.
            let own = match src.doc() {
                None => None,
                Some(doc) => {
                    let key = doc as *const PolicyDocument as usize;
                    let shared = src.shared().then(|| {
                        &*cache.entry(key).or_insert_with(|| {
                            if self.is_dependent(doc) {
                                Cached::PerPrincipal
                            } else {
                                Cached::Fixed(eval::evaluate_document(doc, req))
                            }
                        })
                    });
                    match shared {
                        Some(Cached::Fixed(v)) => {
                            identity = identity.add(v);
                            None
                        }
                        Some(Cached::PerPrincipal) => Some(in_context(doc)),
                        None if self.is_dependent(doc) => Some(in_context(doc)),
                        None => Some(eval::evaluate_document(doc, req)),
                    }
                }
            };
            if let Some(v) = &own {
                identity = identity.add(v);
            }
            if let Some(d) = decided.as_deref_mut() {
                d.push(own);
            }
        }
        if identity.allow == Tri::False {
            return None;
        }
        let c = pctx.get_or_insert_with(|| self.principal_context(p, req.context));
        let preq = Request {
            context: c,
            ..req.clone()
        };
        let mut layers = Vec::with_capacity(2 + scp_layers.len());
        layers.push(identity);
        if let Some(b) = p.boundary {
            layers.push(
                match self.managed.get(b).and_then(|m| m.default_document()) {
                    Some(d) => Layer::EMPTY.add(&eval::evaluate_document(d, &preq)),
                    None => Layer {
                        allow: Tri::Unknown,
                        deny: Tri::False,
                    },
                },
            );
        }
        if !p.scp_exempt() {
            if self.scps_principal_dependent() {
                layers.extend(self.scp_layers(&preq));
            } else {
                layers.extend_from_slice(scp_layers);
            }
        }
        Some(eval::decide(&layers))
    }

    fn scps_principal_dependent(&self) -> bool {
        self.scps
            .iter()
            .any(|l| l.policies.iter().any(|(_, d)| principal_dependent(d)))
    }

    pub(crate) fn scp_layers(&self, req: &Request) -> Vec<Layer> {
        self.scps
            .iter()
            .map(|level| {
                level.policies.iter().fold(Layer::EMPTY, |l, (_, d)| {
                    l.add(&eval::evaluate_document(d, req))
                })
            })
            .collect()
    }

    /// The SCP levels (verdicts from [`Self::scp_layers`]) that allow the request
    /// only for some requests, in words.
    fn scp_limits(&self, layers: &[Layer]) -> Vec<String> {
        self.scps
            .iter()
            .zip(layers)
            .filter(|(_, l)| l.permits() == Tri::Unknown)
            .map(|(level, _)| format!("SCP {} allows it only for some requests", level.file))
            .collect()
    }

    /// Each source's verdict, for a principal that has the access (to list its grants).
    /// `context` is the principal's ([`Self::principal_context`]).
    fn verdicts(
        &self,
        p: &Principal<'a>,
        req: &Request,
        context: &RequestContext,
        cache: &VerdictCache,
        decided: &mut [Option<DocVerdict>],
    ) -> Vec<DocVerdict> {
        let preq = Request {
            context,
            ..req.clone()
        };
        p.sources
            .iter()
            .enumerate()
            .map(|(i, src)| match src.doc() {
                None => DocVerdict::default(),
                Some(doc) => match decided.get_mut(i).and_then(Option::take) {
                    Some(v) => v,
                    None => match cache.get(&(doc as *const PolicyDocument as usize)) {
                        Some(Cached::Fixed(v)) => v.clone(),
                        _ => eval::evaluate_document(doc, &preq),
                    },
                },
            })
            .collect()
    }

    /// Every Allow statement in use whose action covers `action`, with no regard to
    /// resource or condition: the raw material of statement-level rules.
    ///
    /// "In use": inline policies, customer managed policies (attached or not, being one
    /// attachment away), AWS managed policies only when attached, and policy files.
    pub fn statements_granting(&self, action: &str) -> Vec<Grant> {
        let ctx = RequestContext::unknown();
        let attached: HashSet<&str> = self
            .account
            .iam
            .users
            .iter()
            .flat_map(|u| u.attached_policies.iter())
            .chain(
                self.account
                    .iam
                    .groups
                    .iter()
                    .flat_map(|g| g.attached_policies.iter()),
            )
            .chain(
                self.account
                    .iam
                    .roles
                    .iter()
                    .flat_map(|r| r.attached_policies.iter()),
            )
            .map(|a| a.arn.as_str())
            .collect();
        let mut sources: Vec<(Source, Option<&str>)> = Vec::new();
        for u in &self.account.iam.users {
            sources.extend(u.inline_policies.iter().map(|p| {
                (
                    Source::Inline {
                        owner: &u.arn,
                        kind: "inline",
                        policy: p,
                    },
                    u.file.as_deref(),
                )
            }));
        }
        for g in &self.account.iam.groups {
            sources.extend(g.inline_policies.iter().map(|p| {
                (
                    Source::Inline {
                        owner: &g.arn,
                        kind: "group-inline",
                        policy: p,
                    },
                    g.file.as_deref(),
                )
            }));
        }
        for r in &self.account.iam.roles {
            sources.extend(r.inline_policies.iter().map(|p| {
                (
                    Source::Inline {
                        owner: &r.arn,
                        kind: "inline",
                        policy: p,
                    },
                    r.file.as_deref(),
                )
            }));
        }
        for m in &self.account.iam.policies {
            if !m.is_aws_managed() || attached.contains(m.arn.as_str()) {
                sources.push((
                    Source::Managed {
                        via_group: None,
                        policy: m,
                    },
                    m.file.as_deref(),
                ));
            }
        }
        for f in &self.account.policy_files {
            sources.push((
                Source::File {
                    file: &f.file,
                    lines: &f.statement_lines,
                    doc: &f.document,
                },
                Some(f.file.as_str()),
            ));
        }
        let mut out = Vec::new();
        for (src, file) in &sources {
            let Some(doc) = src.doc() else { continue };
            for (i, s) in doc.statements.iter().enumerate() {
                if s.effect == Effect::Allow && eval::action_applies(s, action) != Tri::False {
                    let i = doc.written_index(i);
                    out.push(grant(src, s, i, action, &ctx, *file));
                }
            }
        }
        out
    }

    /// What the boundary and SCPs leave possible for a principal that held any
    /// identity permission it liked: the ceiling a privilege escalation cannot rise above.
    pub(crate) fn ceiling(&self, p: &Principal<'a>, req: &Request) -> Tri {
        let c = self.principal_context(p, req.context);
        let preq = Request {
            context: &c,
            ..req.clone()
        };
        let mut layers = Vec::new();
        if let Some(b) = p.boundary {
            layers.push(
                match self.managed.get(b).and_then(|m| m.default_document()) {
                    Some(d) => Layer::EMPTY.add(&eval::evaluate_document(d, &preq)),
                    None => Layer {
                        allow: Tri::Unknown,
                        deny: Tri::False,
                    },
                },
            );
        }
        if !p.scp_exempt() {
            layers.extend(self.scp_layers(&preq));
        }
        eval::decide(&layers)
    }

    /// Managed policies by ARN.
    pub(crate) fn managed_policy(&self, arn: &str) -> Option<&'a ManagedPolicy> {
        self.managed.get(arn).copied()
    }

    /// Groups by name.
    pub(crate) fn group(&self, name: &str) -> Option<&'a Group> {
        self.groups.get(name).copied()
    }

    /// Managed policies attached to each principal, for reports.
    pub fn account(&self) -> &'a Account {
        self.account
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        /// `hit` stops early; the answer is still the Kleene OR over every statement.
        #[test]
        fn hit_is_the_or_over_every_statement(
            list in proptest::collection::vec(
                (proptest::collection::vec("[ab*]{0,3}", 0..3), proptest::bool::ANY, 0u8..3),
                0..6,
            ),
            resource in "[ab]{0,3}",
        ) {
            let patterns: Vec<Vec<Pattern>> = list
                .iter()
                .map(|(ps, _, _)| ps.iter().map(|p| Pattern::from(p.as_str())).collect())
                .collect();
            let tri = |c: u8| [Tri::False, Tri::Unknown, Tri::True][usize::from(c)];
            let grants: Vec<(&[Pattern], bool, Tri)> = patterns
                .iter()
                .zip(&list)
                .map(|(ps, (_, not, c))| (ps.as_slice(), *not, tri(*c)))
                .collect();
            let expected = grants.iter().fold(Tri::False, |t, (rs, not, cond)| {
                let listed = rs.is_empty()
                    || rs.iter().any(|p| crate::iam::wildcard::matches(p, &resource, false));
                t.or(Tri::from_bool(listed != *not).and(*cond))
            });
            proptest::prop_assert_eq!(ActionGrants::hit(&grants, &resource), expected);
        }

        /// `starting_with` decides most prefixes by the ARNs' common start alone;
        /// it still finds exactly the ARNs that start with the prefix, whatever
        /// their shared part (multi-byte characters included).
        #[test]
        fn starting_with_finds_exactly_the_arns_with_the_prefix(
            shared in "(ab|é|x){0,3}",
            tails in proptest::collection::vec("[abé]{0,3}", 0..6),
            prefix in "(ab|é|x|[ab]){0,5}",
        ) {
            let arns: Vec<String> = tails.iter().map(|t| format!("{shared}{t}")).collect();
            let sorted = SortedArns::new(
                arns.iter().enumerate().map(|(i, a)| (a.as_str(), i)).collect(),
            );
            let found: Vec<&str> = sorted
                .arns
                .get(sorted.starting_with(&prefix))
                .unwrap_or_default()
                .iter()
                .map(|(a, _)| *a)
                .collect();
            let mut expected: Vec<&str> = arns
                .iter()
                .map(String::as_str)
                .filter(|a| a.starts_with(prefix.as_str()))
                .collect();
            expected.sort_unstable();
            proptest::prop_assert_eq!(found, expected);
        }
    }

    /// An account of `users` users in 40 groups and `roles` roles, whose access to
    /// ec2:StopInstances differs in cost and kind: through groups, conditions,
    /// MFA, Denies and roles that others may assume.
    fn account(user_count: usize, roles: usize) -> Account {
        let allow = |action: &str, resource: &str, condition: serde_json::Value| {
            json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": action, "Resource": resource, "Condition": condition,
            }]})
        };
        let groups: Vec<_> = (0..40)
            .map(|g| {
                let doc = match g % 4 {
                    0 => allow("ec2:StopInstances", "*", json!({})),
                    1 => allow(
                        "ec2:Stop*",
                        "*",
                        json!({"StringEquals": {"aws:ResourceTag/team": "a"}}),
                    ),
                    2 => allow(
                        "sts:AssumeRole",
                        "arn:aws:iam::111122223333:role/ops-*",
                        json!({}),
                    ),
                    _ => allow("s3:GetObject", "*", json!({})),
                };
                json!({"GroupName": format!("g{g}"), "GroupId": format!("AGPA{g:016}"), "Path": "/",
                       "Arn": format!("arn:aws:iam::111122223333:group/g{g}"),
                       "GroupPolicyList": [{"PolicyName": format!("gp{g}"), "PolicyDocument": doc}],
                       "AttachedManagedPolicies": []})
            })
            .collect();
        let users: Vec<_> = (0..user_count)
            .map(|u| {
                let own = match u % 5 {
                    0 => vec![json!({"PolicyName": "mfa", "PolicyDocument":
                        allow("ec2:StopInstances", "*", json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}))})],
                    1 => vec![json!({"PolicyName": "deny", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}})],
                    _ => vec![],
                };
                json!({"UserName": format!("u{u}"), "UserId": format!("AIDA{u:016}"), "Path": "/",
                       "Arn": format!("arn:aws:iam::111122223333:user/u{u}"),
                       "UserPolicyList": own,
                       "GroupList": (0..(u % 3)).map(|k| format!("g{}", (u + k * 7) % 40)).collect::<Vec<_>>(),
                       "AttachedManagedPolicies": []})
            })
            .collect();
        let roles: Vec<_> = (0..roles)
            .map(|r| {
                let name = if r % 3 == 0 { format!("ops-{r}") } else { format!("app-{r}") };
                let trusted = if r % 2 == 0 {
                    json!({"AWS": "arn:aws:iam::111122223333:root"})
                } else {
                    json!({"AWS": format!("arn:aws:iam::111122223333:user/u{}", r % user_count.max(1))})
                };
                let policies = if r % 3 == 0 {
                    vec![json!({"PolicyName": "stop", "PolicyDocument": allow("ec2:StopInstances", "*", json!({}))})]
                } else {
                    vec![json!({"PolicyName": "assume", "PolicyDocument":
                        allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/ops-*", json!({}))})]
                };
                json!({"RoleName": name, "RoleId": format!("AROA{r:016}"), "Path": "/",
                       "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
                       "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                           {"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}]},
                       "RolePolicyList": policies, "AttachedManagedPolicies": []})
            })
            .collect();
        let export = json!({"UserDetailList": users, "GroupDetailList": groups,
                            "RoleDetailList": roles, "Policies": []});
        load_export(&export)
    }

    /// An account loaded from an export written as JSON, as the CLI would read it.
    fn load_export(export: &serde_json::Value) -> Account {
        crate::load::load_texts(vec![crate::load::read::RawInput {
            name: "export.json".into(),
            format: crate::load::read::Format::Json,
            text: export.to_string().into(),
        }])
        .unwrap()
    }

    /// A statement that holds for one user alone, by its condition on
    /// aws:username, is judged in each principal's own context everywhere: in the
    /// decision, and in the grants listed, where another user's statement is none
    /// of alice's and her own holds without an open condition.
    #[test]
    fn grants_are_judged_in_the_principals_own_context() {
        let only_for = |user: &str| {
            json!({"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:username": user}}})
        };
        let user = |name: &str, statements: Vec<serde_json::Value>| {
            json!({"UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
                   "Arn": format!("arn:aws:iam::111122223333:user/{name}"),
                   "UserPolicyList": [{"PolicyName": "self", "PolicyDocument":
                       {"Version": "2012-10-17", "Statement": statements}}]})
        };
        let export = json!({
            "UserDetailList": [user("alice", vec![only_for("alice"), only_for("bob")]),
                               user("carol", vec![only_for("alice")])],
            "GroupDetailList": [], "RoleDetailList": [], "Policies": []});
        let account = load_export(&export);
        let access = Analyzer::new(&account, &[]).who_can(
            crate::input::STOP_ACTION,
            "arn:aws:ec2:*:111122223333:instance/*",
            &RequestContext::unknown(),
        );
        let found = serde_json::to_value(&access).unwrap();
        let found = found.as_array().unwrap();
        // carol's statement names alice: it never holds for her.
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["arn"], "arn:aws:iam::111122223333:user/alice");
        assert_eq!(found[0]["access"], "allowed");
        let grants = found[0]["grants"].as_array().unwrap();
        assert_eq!(grants.len(), 1, "{grants:?}");
        assert_eq!(grants[0]["statement_index"], 0, "{grants:?}");
    }

    /// A principal's own documents are evaluated once: the verdicts its access is
    /// written up from are those deciding found, for each of its documents in
    /// order, whether the document reads facts about the principal or not.
    #[test]
    fn each_principal_is_written_up_from_its_own_documents_verdicts() {
        let stop = |cond: Option<&str>| match cond {
            Some(user) => json!({"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
                                  "Condition": {"StringEquals": {"aws:username": user}}}),
            None => json!({"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}),
        };
        let other = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"});
        let user = |name: &str, policies: Vec<(&str, Vec<serde_json::Value>)>| {
            json!({"UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
                   "Arn": format!("arn:aws:iam::111122223333:user/{name}"),
                   "UserPolicyList": policies.into_iter().map(|(policy, statements)| json!(
                       {"PolicyName": policy, "PolicyDocument":
                           {"Version": "2012-10-17", "Statement": statements}})).collect::<Vec<_>>()})
        };
        let export = json!({
            "UserDetailList": [
                // Its own name: the dependent document grants, at index 1.
                user("alice", vec![("fixed", vec![stop(None)]),
                                   ("mine", vec![other.clone(), stop(Some("alice"))])]),
                // Another's name: only the fixed document, at index 2.
                user("bob", vec![("mine", vec![stop(Some("alice"))]),
                                 ("fixed", vec![other.clone(), other.clone(), stop(None)])]),
                user("carol", vec![("none", vec![other.clone()])]),
            ],
            "GroupDetailList": [], "RoleDetailList": [], "Policies": []});
        let account = load_export(&export);
        for threads in [1, 2] {
            let access = Analyzer::new(&account, &[]).with_threads(threads).who_can(
                crate::input::STOP_ACTION,
                "arn:aws:ec2:*:111122223333:instance/*",
                &RequestContext::unknown(),
            );
            let found = serde_json::to_value(&access).unwrap();
            let grants = |i: usize| -> Vec<(String, u64)> {
                found[i]["grants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| {
                        (
                            g["policy"]["name"].as_str().unwrap().to_string(),
                            g["statement_index"].as_u64().unwrap(),
                        )
                    })
                    .collect()
            };
            assert_eq!(found.as_array().unwrap().len(), 2, "{found:?}");
            assert_eq!(found[0]["arn"], "arn:aws:iam::111122223333:user/alice");
            assert_eq!(
                grants(0),
                [("fixed".to_string(), 0), ("mine".to_string(), 1)]
            );
            assert_eq!(found[1]["arn"], "arn:aws:iam::111122223333:user/bob");
            assert_eq!(grants(1), [("fixed".to_string(), 2)]);
        }
    }

    /// The MFA questions are answered with caches kept across a worker's users
    /// (`Caches`): a managed policy shared by several users gets each question's
    /// own verdict, for every one of them. One policy denies the call both with
    /// the MFA keys absent and with `aws:MultiFactorAuthPresent` false; the other
    /// (the key must be present) denies only the first. A verdict read from the
    /// request's cache, or from the other question's, answers one user wrongly.
    #[test]
    fn mfa_questions_have_their_own_verdicts_for_every_user_of_a_shared_policy() {
        let managed = |name: &str, condition: serde_json::Value| {
            json!({"PolicyName": name, "PolicyId": format!("ANPA{name}"), "Path": "/",
                   "Arn": format!("arn:aws:iam::111122223333:policy/{name}"),
                   "DefaultVersionId": "v1", "AttachmentCount": 2, "IsAttachable": true,
                   "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document":
                       {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Action": "ec2:StopInstances", "Resource": "*", "Condition": condition}]}}]})
        };
        let user = |name: &str, policy: &str| {
            json!({"UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
                   "Arn": format!("arn:aws:iam::111122223333:user/{name}"),
                   "UserPolicyList": [], "GroupList": [],
                   "AttachedManagedPolicies": [{"PolicyName": policy,
                       "PolicyArn": format!("arn:aws:iam::111122223333:policy/{policy}")}]})
        };
        let export = json!({
        "UserDetailList": [user("a1", "needs-mfa"), user("b1", "key-present"),
                           user("a2", "needs-mfa"), user("b2", "key-present")],
        "GroupDetailList": [], "RoleDetailList": [],
        "Policies": [
            managed("needs-mfa", json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
            managed("key-present", json!({"Null": {"aws:MultiFactorAuthPresent": "false"}})),
        ]});
        let account = load_export(&export);
        let access = Analyzer::new(&account, &[]).who_can_direct(
            crate::input::STOP_ACTION,
            "arn:aws:ec2:*:111122223333:instance/*",
            &RequestContext::unknown(),
        );
        let found: Vec<(&str, Option<bool>)> = access
            .iter()
            .map(|a| (a.name.as_str(), a.mfa_required))
            .collect();
        assert_eq!(
            found,
            vec![
                ("a1", Some(true)),
                ("a2", Some(true)),
                ("b1", Some(false)),
                ("b2", Some(false)),
            ]
        );
    }

    #[test]
    fn literal_prefix_stops_at_the_first_wildcard() {
        for (pattern, prefix) in [
            ("arn:aws:iam::1:role/ops-*", "arn:aws:iam::1:role/ops-"),
            (
                "arn:aws:iam::1:role/\u{e9}t\u{e9}?x*",
                "arn:aws:iam::1:role/\u{e9}t\u{e9}",
            ),
            ("*", ""),
            ("", ""),
            ("arn:aws:iam::1:role/plain", "arn:aws:iam::1:role/plain"),
        ] {
            assert_eq!(literal_prefix(pattern), prefix);
            assert_eq!(
                literal_prefix(pattern),
                pattern.split(['*', '?']).next().unwrap_or_default()
            );
        }
    }

    /// On a large account the documents that depend on the principal are found on
    /// another core while the principals are built: all of them, and only them.
    #[test]
    fn dependent_documents_are_found_on_a_large_account() {
        let roles: Vec<_> = (0..PARALLEL_ABOVE + 100)
            .map(|r| {
                let resource = if r % 10 == 0 {
                    "arn:aws:s3:::home/${aws:username}/*"
                } else {
                    "*"
                };
                json!({"RoleName": format!("r{r}"), "Arn": format!("arn:aws:iam::111122223333:role/r{r}"),
                       "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]}}]})
            })
            .collect();
        let export = json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []});
        let account = load_export(&export);
        let analyzer = Analyzer::new(&account, &[]);
        assert_eq!(
            analyzer.dependent.len(),
            (PARALLEL_ABOVE + 100).div_ceil(10)
        );
        for (i, role) in account.iam.roles.iter().enumerate() {
            let doc = &role.inline_policies[0].document;
            assert_eq!(analyzer.is_dependent(doc), i % 10 == 0, "role {i}");
        }
    }

    /// Judging principals on several cores, in runs taken as workers finish, gives
    /// what judging them one after another gives, in the same order.
    #[test]
    fn principals_judged_on_several_cores_are_judged_as_on_one() {
        let account = account(1500, 1200);
        let answer = |threads: usize| {
            let analyzer = Analyzer::new(&account, &[]).with_threads(threads);
            assert!(analyzer.principals().len() >= PARALLEL_ABOVE);
            let access = analyzer.who_can(
                crate::input::STOP_ACTION,
                "arn:aws:ec2:*:111122223333:instance/*",
                &RequestContext::unknown(),
            );
            serde_json::to_value(access).unwrap()
        };
        let one = answer(1);
        let found = one.as_array().unwrap();
        // Direct, conditional and chained access are all among the answers.
        assert!(found.len() > 1000, "{}", found.len());
        assert!(found.iter().any(|a| a["access"] == "conditional"));
        assert!(found
            .iter()
            .any(|a| a["via"].as_array().is_some_and(|v| !v.is_empty())));
        for threads in [2, 3] {
            assert!(answer(threads) == one, "{threads} cores answer differently");
        }
    }
}
