//! The access decision, following AWS's documented policy evaluation logic
//! (IAM User Guide, "Policy evaluation logic" and "Determining whether a request is
//! allowed or denied within an account"):
//!
//! 1. An explicit `Deny` in any applicable policy wins.
//! 2. Otherwise the request needs an `Allow` in an identity-based policy, and, where
//!    they apply, an `Allow` in the permissions boundary and in the SCPs of every
//!    level from the organization root down to the account.
//! 3. Otherwise it is implicitly denied.
//!
//! Every step is three-valued ([`Tri`]): with request context unknown, a condition
//! may hold for some requests and not others, and so may the decision. The query's
//! action and resource may themselves be patterns (`ec2:Terminate*`, every instance);
//! an `Allow` then applies if it grants *some* of what was asked, while a `Deny` only
//! removes the access for certain if it covers *all* of it, and otherwise makes the
//! answer depend on the request.
//!
//! Not modelled, and documented in the README: resource-based policies (EC2 has
//! none for StopInstances) and session policies. Service-linked roles skip the
//! SCP layers (`Principal::scp_exempt` in access.rs); the management account's
//! exemption is the collector's: it applies no SCP to that account.
use super::condition::{self, Condition};
use super::context::RequestContext;
use super::policy::{Effect, Matcher, PolicyDocument, Statement};
use super::tri::Tri;
use super::wildcard;

/// What is being asked: may someone perform `action` on `resource` in this context?
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a RequestContext,
}

/// Whether `s` holds a wildcard (`*` or `?`).
pub(crate) fn is_pattern(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// Does a positive list (`Action`, `Resource`) apply to the queried value or set?
fn list_applies<P: AsRef<str>>(patterns: &[P], query: &str, ci: bool, effect: Effect) -> Tri {
    if !is_pattern(query) {
        return Tri::from_bool(
            patterns
                .iter()
                .any(|p| wildcard::matches(p.as_ref(), query, ci)),
        );
    }
    if patterns
        .iter()
        .any(|p| wildcard::covers(p.as_ref(), query, ci))
    {
        return Tri::True;
    }
    if patterns
        .iter()
        .any(|p| wildcard::intersects(p.as_ref(), query, ci))
    {
        // Part of the queried set: enough for an Allow to grant something, not
        // enough for a Deny to remove everything.
        return match effect {
            Effect::Allow => Tri::True,
            Effect::Deny => Tri::Unknown,
        };
    }
    Tri::False
}

/// `NotAction`/`NotResource`: applies to everything the list does not match.
fn not_list_applies<P: AsRef<str>>(patterns: &[P], query: &str, ci: bool, effect: Effect) -> Tri {
    if !is_pattern(query) {
        return Tri::from_bool(
            !patterns
                .iter()
                .any(|p| wildcard::matches(p.as_ref(), query, ci)),
        );
    }
    if patterns
        .iter()
        .any(|p| wildcard::covers(p.as_ref(), query, ci))
    {
        return Tri::False;
    }
    if !patterns
        .iter()
        .any(|p| wildcard::intersects(p.as_ref(), query, ci))
    {
        return Tri::True;
    }
    match effect {
        Effect::Allow => Tri::True,
        Effect::Deny => Tri::Unknown,
    }
}

pub(crate) fn matcher_applies(m: &Matcher, query: &str, ci: bool, effect: Effect) -> Tri {
    match m {
        Matcher::Is(p) => list_applies(p, query, ci, effect),
        Matcher::Not(p) => not_list_applies(p, query, ci, effect),
    }
}

/// [`matcher_applies`] over patterns not (yet) built into a [`Matcher`]:
/// `negated` for NotAction/NotResource.
pub(crate) fn patterns_apply<P: AsRef<str>>(
    patterns: &[P],
    negated: bool,
    query: &str,
    ci: bool,
    effect: Effect,
) -> Tri {
    if negated {
        not_list_applies(patterns, query, ci, effect)
    } else {
        list_applies(patterns, query, ci, effect)
    }
}

/// Whether the statement's Action/NotAction covers the request, ignoring resource and conditions.
pub fn action_applies(s: &Statement, action: &str) -> Tri {
    // Action names are case-insensitive (IAM JSON policy elements: Action).
    matcher_applies(&s.action, action, true, s.effect)
}

/// Whether the statement's Resource/NotResource covers the request (ARNs are case-sensitive).
pub fn resource_applies(s: &Statement, resource: &str) -> Tri {
    match &s.resource {
        Some(m) => matcher_applies(m, resource, false, s.effect),
        // Trust policies and some SCPs carry no Resource element.
        None => Tri::True,
    }
}

/// Whether one statement applies to the request.
pub fn statement_applies(s: &Statement, req: &Request) -> Tri {
    let action = action_applies(s, req.action);
    if action == Tri::False {
        return Tri::False;
    }
    let resource = resource_applies(s, req.resource);
    if resource == Tri::False {
        return Tri::False;
    }
    action
        .and(resource)
        .and(condition::evaluate_all(&s.conditions, req.context))
}

/// One document's verdict on a request: which of its statements may apply.
#[derive(Debug, Clone, Default)]
pub struct DocVerdict {
    pub allow: Option<Tri>,
    pub deny: Option<Tri>,
    /// Indices of Allow statements that may apply.
    pub allows: Vec<usize>,
    /// Indices of Deny statements that do or may apply.
    pub denies: Vec<usize>,
}

impl DocVerdict {
    pub fn allow(&self) -> Tri {
        self.allow.unwrap_or(Tri::False)
    }
    pub fn deny(&self) -> Tri {
        self.deny.unwrap_or(Tri::False)
    }
}

pub fn evaluate_document(doc: &PolicyDocument, req: &Request) -> DocVerdict {
    let mut v = DocVerdict::default();
    for (i, s) in doc.statements.iter().enumerate() {
        let t = statement_applies(s, req);
        if t == Tri::False {
            continue;
        }
        match s.effect {
            Effect::Allow => {
                v.allow = Some(v.allow().or(t));
                v.allows.push(i);
            }
            Effect::Deny => {
                v.deny = Some(v.deny().or(t));
                v.denies.push(i);
            }
        }
    }
    v
}

/// The combined verdict of one layer (identity policies, a boundary, one SCP level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layer {
    pub allow: Tri,
    pub deny: Tri,
}

impl Layer {
    pub const EMPTY: Layer = Layer {
        allow: Tri::False,
        deny: Tri::False,
    };
    #[allow(clippy::should_implement_trait)] // not arithmetic: folds a verdict into the layer
    pub fn add(self, v: &DocVerdict) -> Layer {
        Layer {
            allow: self.allow.or(v.allow()),
            deny: self.deny.or(v.deny()),
        }
    }
    /// Allowed by this layer: an Allow and no Deny.
    pub fn permits(self) -> Tri {
        self.allow.and(self.deny.not())
    }
}

/// The final decision over every layer: each must permit.
pub fn decide(layers: &[Layer]) -> Tri {
    layers.iter().fold(Tri::True, |acc, l| acc.and(l.permits()))
}

/// Conditions of a statement that the context leaves undecided: what an answer of
/// "conditional" depends on.
pub fn open_conditions<'a>(s: &'a Statement, ctx: &RequestContext) -> Vec<&'a Condition> {
    s.conditions
        .iter()
        .filter(|c| condition::evaluate(c, ctx) == Tri::Unknown)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> PolicyDocument {
        serde_json::from_str(json).unwrap()
    }

    fn ask(d: &PolicyDocument, action: &str, resource: &str, ctx: &RequestContext) -> Tri {
        let req = Request {
            action,
            resource,
            context: ctx,
        };
        decide(&[Layer::EMPTY.add(&evaluate_document(d, &req))])
    }

    const ANY_INSTANCE: &str = "arn:aws:ec2:*:111122223333:instance/*";

    #[test]
    fn explicit_deny_beats_allow() {
        // Policy evaluation logic: "an explicit deny in any policy overrides any allows".
        let d = doc(
            r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},
                                      {"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}]}"#,
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                ANY_INSTANCE,
                &RequestContext::unknown()
            ),
            Tri::False
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StartInstances",
                ANY_INSTANCE,
                &RequestContext::unknown()
            ),
            Tri::True
        );
    }

    #[test]
    fn implicit_deny_without_allow() {
        let d = doc(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#);
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                ANY_INSTANCE,
                &RequestContext::unknown()
            ),
            Tri::False
        );
    }

    #[test]
    fn actions_case_insensitive_resources_case_sensitive() {
        let d = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"EC2:stop*","Resource":"arn:aws:ec2:*:*:instance/I-*"}}"#,
        );
        let ctx = RequestContext::unknown();
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                "arn:aws:ec2:us-east-1:1:instance/I-1",
                &ctx
            ),
            Tri::True
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                "arn:aws:ec2:us-east-1:1:instance/i-1",
                &ctx
            ),
            Tri::False
        );
    }

    #[test]
    fn not_action_allows_everything_else() {
        let d = doc(r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#);
        let ctx = RequestContext::unknown();
        assert_eq!(ask(&d, "ec2:StopInstances", ANY_INSTANCE, &ctx), Tri::True);
        assert_eq!(ask(&d, "iam:CreateUser", "*", &ctx), Tri::False);
    }

    #[test]
    fn not_resource_excludes_listed_resources() {
        let d = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"ec2:StopInstances","NotResource":"arn:aws:ec2:us-east-1:111122223333:instance/i-keep"}}"#,
        );
        let ctx = RequestContext::unknown();
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-keep",
                &ctx
            ),
            Tri::False
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-other",
                &ctx
            ),
            Tri::True
        );
        assert_eq!(ask(&d, "ec2:StopInstances", ANY_INSTANCE, &ctx), Tri::True);
    }

    #[test]
    fn partial_deny_over_a_resource_set_is_conditional() {
        let d = doc(
            r#"{"Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"},
            {"Effect":"Deny","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:us-east-1:111122223333:instance/i-prod"}]}"#,
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                ANY_INSTANCE,
                &RequestContext::unknown()
            ),
            Tri::Unknown
        );
    }

    #[test]
    fn deny_covering_the_set_removes_access() {
        let d = doc(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"ec2:*","Resource":"arn:aws:ec2:*"}]}"#,
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                ANY_INSTANCE,
                &RequestContext::unknown()
            ),
            Tri::False
        );
    }

    #[test]
    fn unknown_condition_makes_allow_conditional_and_context_decides() {
        let d = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*",
            "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
        );
        assert_eq!(
            ask(
                &d,
                "ec2:StopInstances",
                ANY_INSTANCE,
                &RequestContext::unknown()
            ),
            Tri::Unknown
        );
        let with_mfa = RequestContext::closed([(
            "aws:MultiFactorAuthPresent".to_string(),
            vec!["true".to_string()],
        )]);
        assert_eq!(
            ask(&d, "ec2:StopInstances", ANY_INSTANCE, &with_mfa),
            Tri::True
        );
        let without = RequestContext::closed(Vec::<(String, Vec<String>)>::new());
        assert_eq!(
            ask(&d, "ec2:StopInstances", ANY_INSTANCE, &without),
            Tri::False
        );
    }

    #[test]
    fn boundary_and_scp_layers_must_each_permit() {
        let identity = doc(r#"{"Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}"#);
        let boundary = doc(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#);
        let ctx = RequestContext::unknown();
        let req = Request {
            action: "ec2:StopInstances",
            resource: ANY_INSTANCE,
            context: &ctx,
        };
        let id = Layer::EMPTY.add(&evaluate_document(&identity, &req));
        let b = Layer::EMPTY.add(&evaluate_document(&boundary, &req));
        assert_eq!(decide(&[id]), Tri::True);
        assert_eq!(decide(&[id, b]), Tri::False);
    }

    #[test]
    fn action_pattern_queries() {
        let d = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}}"#,
        );
        assert_eq!(
            ask(&d, "ec2:Terminate*", "*", &RequestContext::unknown()),
            Tri::True
        );
        assert_eq!(
            ask(&d, "ec2:Stop*", "*", &RequestContext::unknown()),
            Tri::False
        );
    }
}
