//! The policy engine: loads Rego policies (the built-in pack and the user's) into
//! regorus once, with their METADATA and parameters, and turns what their `deny`
//! rules produce into [`Finding`]s. Evaluation never prints.
pub mod metadata;
pub mod testing;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use miette::NamedSource;
use serde_json::Value as Json;

use crate::diag::{self, Error, Result};
use crate::findings::{Finding, Severity};
use metadata::Metadata;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}

/// The rule names a policy may use to report, as conftest defines them.
pub const RESULT_RULES: [&str; 3] = ["deny", "violation", "warn"];

/// A policy or data file before loading.
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub path: String,
    pub text: String,
    pub builtin: bool,
}

impl PolicySource {
    pub fn is_test(&self) -> bool {
        self.path.ends_with("_test.rego")
    }
    pub fn is_rego(&self) -> bool {
        self.path.ends_with(".rego")
    }
}

/// A loaded policy module.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub path: String,
    /// e.g. `stopguard.iam.who_may_stop`
    pub package: String,
    pub metadata: Option<Metadata>,
    pub is_test: bool,
    pub builtin: bool,
    /// The result rules (`deny`, `warn`, `violation`) the module defines.
    pub rules: Vec<&'static str>,
    pub text: String,
}

impl LoadedPolicy {
    pub fn id(&self) -> String {
        self.metadata
            .as_ref()
            .and_then(|m| m.custom.id.clone())
            .unwrap_or_else(|| self.package.clone())
    }
    pub fn title(&self) -> String {
        self.metadata
            .as_ref()
            .and_then(|m| m.title.clone())
            .unwrap_or_else(|| self.package.clone())
    }
    pub fn severity(&self, rule: &str) -> Severity {
        self.metadata
            .as_ref()
            .and_then(|m| m.custom.severity)
            .unwrap_or(if rule == "warn" {
                Severity::Low
            } else {
                Severity::Medium
            })
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Wall-clock budget for one evaluation of the whole pack.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(60),
        }
    }
}

/// The built-in pack's files, as embedded at build time.
pub fn builtin_sources() -> Vec<PolicySource> {
    builtin::BUILTIN
        .iter()
        .map(|(path, text)| PolicySource {
            path: (*path).to_string(),
            text: (*text).to_string(),
            builtin: true,
        })
        .collect()
}

/// Every `.rego` file under a folder, and its `params/data.json` (or `.yaml`) defaults.
pub fn sources_from_dir(dir: &Path) -> Result<Vec<PolicySource>> {
    let io = |path: &Path, source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(dir).map_err(|e| io(dir, e))?;
    let files: Vec<std::path::PathBuf> = if meta.is_file() {
        vec![dir.to_path_buf()]
    } else {
        walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| {
                let s = p.to_string_lossy();
                s.ends_with(".rego") || is_params_file(&s)
            })
            .collect()
    };
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| io(&f, e))?;
        out.push(PolicySource {
            path: f.display().to_string(),
            text,
            builtin: false,
        });
    }
    if !out.iter().any(PolicySource::is_rego) {
        return Err(Error::Usage {
            message: format!("no .rego files in {}", dir.display()),
            help: Some("--policy takes a folder of Rego policies or one .rego file".into()),
        });
    }
    Ok(out)
}

fn is_params_file(path: &str) -> bool {
    let p = path.replace('\\', "/");
    ["params/data.json", "params/data.yaml", "params/data.yml"]
        .iter()
        .any(|s| p.ends_with(s))
}

/// Converts a regorus error (a string carrying `--> file:line:col`) into a diagnostic
/// pointing into the policy's source.
pub fn rego_error(err: &anyhow::Error, sources: &[PolicySource], evaluating: bool) -> Error {
    let text = format!("{err:#}");
    let location = text.find("--> ").and_then(|i| {
        let rest = text.get(i + 4..)?;
        let loc = rest.lines().next()?;
        let mut parts = loc.rsplitn(3, ':');
        let col: usize = parts.next()?.trim().parse().ok()?;
        let line: usize = parts.next()?.trim().parse().ok()?;
        let file = parts.next()?.to_string();
        Some((file, line, col))
    });
    let message = text
        .rsplit_once("\nerror: ")
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| {
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_string()
        });
    let (src, span, message) = match location {
        Some((file, line, col)) => match sources.iter().find(|s| s.path == file) {
            Some(s) => {
                let offset = diag::offset_of(&s.text, line, col);
                (
                    Some(NamedSource::new(&s.path, s.text.clone())),
                    Some((offset, 1).into()),
                    format!("{file}:{line}:{col}: {message}"),
                )
            }
            None => (None, None, format!("{file}:{line}:{col}: {message}")),
        },
        None => (None, None, message),
    };
    if evaluating {
        Error::Eval { message, src, span }
    } else {
        Error::Policy {
            message,
            src,
            span,
            help: None,
        }
    }
}

/// Finds the package line of a module without a full parse.
fn package_of(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|p| p.trim().to_string())
}

/// The result rules a module defines at top level.
fn result_rules(text: &str) -> Vec<&'static str> {
    RESULT_RULES
        .into_iter()
        .filter(|rule| {
            text.lines().any(|l| {
                l.strip_prefix(rule)
                    .is_some_and(|rest| rest.starts_with([' ', '[', '{', '\t']) || rest.is_empty())
            })
        })
        .collect()
}

pub struct PolicyEngine {
    engine: regorus::Engine,
    pub policies: Vec<LoadedPolicy>,
    sources: Vec<PolicySource>,
    /// Parameter defaults merged with the user's overrides: `data.params`.
    pub params: serde_json::Map<String, Json>,
}

impl PolicyEngine {
    /// Loads and compiles the policies. `overrides` is the user's `--data` file (name, value).
    pub fn load(
        sources: Vec<PolicySource>,
        overrides: Option<(&str, Json)>,
        options: &Options,
    ) -> Result<Self> {
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(false);
        engine.set_gather_prints(true);
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: options.timeout,
            check_interval: NonZeroU32::MIN.saturating_add(63),
        });
        super::engine::extensions::register(&mut engine)
            .map_err(|e| Error::usage(format!("cannot register built-in functions: {e}")))?;

        let mut errors = Vec::new();
        let mut policies = Vec::new();
        let mut defaults = serde_json::Map::new();
        let mut packages: BTreeMap<String, String> = BTreeMap::new();
        for s in &sources {
            if !s.is_rego() {
                match parse_params(s) {
                    Ok(map) => {
                        for (k, v) in map {
                            if let Some(prev) = defaults.get(&k) {
                                if prev != &v {
                                    errors.push(Error::Data {
                                        name: s.path.clone(),
                                        message: format!("parameter {k:?} already has a different default from another policy folder"),
                                    });
                                    continue;
                                }
                            }
                            defaults.insert(k, v);
                        }
                    }
                    Err(e) => errors.push(e),
                }
                continue;
            }
            if let Err(e) = engine.add_policy(s.path.clone(), s.text.clone()) {
                errors.push(rego_error(&e, &sources, false));
                continue;
            }
            let meta = match metadata::parse(&s.text) {
                Ok(m) => m,
                Err(e) => {
                    errors.push(Error::Policy {
                        message: format!("{}: {}", s.path, e.message),
                        src: Some(NamedSource::new(&s.path, s.text.clone())),
                        span: Some((e.span.offset, e.span.len).into()),
                        help: Some("METADATA is YAML in `# ` comments right above `package`; see docs/writing-policies.md".into()),
                    });
                    None
                }
            };
            let package = package_of(&s.text).unwrap_or_default();
            let rules = if s.is_test() {
                vec![]
            } else {
                result_rules(&s.text)
            };
            if let Some((m, span)) = &meta {
                if let Some(id) = &m.custom.id {
                    if let Some(other) = packages.insert(id.clone(), s.path.clone()) {
                        errors.push(Error::Policy {
                            message: format!("{}: rule id {id} is already used by {other}", s.path),
                            src: Some(NamedSource::new(&s.path, s.text.clone())),
                            span: Some((span.offset, span.len).into()),
                            help: Some("every policy needs its own custom.id".into()),
                        });
                    }
                }
            }
            policies.push(LoadedPolicy {
                path: s.path.clone(),
                package,
                metadata: meta.map(|(m, _)| m),
                is_test: s.is_test(),
                builtin: s.builtin,
                rules,
                text: s.text.clone(),
            });
        }
        if let Some(e) = Error::collect(errors) {
            return Err(e);
        }

        let mut params = defaults;
        if let Some((name, value)) = overrides {
            let Json::Object(map) = value else {
                return Err(Error::Data {
                    name: name.to_string(),
                    message: "expected an object of parameter names to values".into(),
                });
            };
            for (k, v) in map {
                if !params.contains_key(&k) {
                    let known: Vec<&str> = params.keys().map(String::as_str).collect();
                    return Err(Error::Data {
                        name: name.to_string(),
                        message: format!(
                            "unknown parameter {k:?}; known parameters: {}",
                            known.join(", ")
                        ),
                    });
                }
                params.insert(k, v);
            }
        }
        let data = serde_json::json!({ "params": Json::Object(params.clone()) });
        engine
            .add_data(regorus::Value::from(data))
            .map_err(|e| Error::usage(format!("cannot load parameters: {e}")))?;
        Ok(PolicyEngine {
            engine,
            policies,
            sources,
            params,
        })
    }

    pub fn sources(&self) -> &[PolicySource] {
        &self.sources
    }

    /// Direct access for the test runner.
    pub(crate) fn regorus(&mut self) -> &mut regorus::Engine {
        &mut self.engine
    }

    /// Evaluates every policy's result rules against `input`.
    pub fn evaluate(&mut self, input: regorus::Value) -> Result<Vec<Finding>> {
        self.engine.set_input(input);
        let mut findings = Vec::new();
        let mut done = std::collections::HashSet::new();
        let policies: Vec<LoadedPolicy> = self
            .policies
            .iter()
            .filter(|p| !p.is_test)
            .cloned()
            .collect();
        for p in &policies {
            for rule in &p.rules {
                if !done.insert((p.package.clone(), *rule)) {
                    continue;
                }
                let path = format!("data.{}.{rule}", p.package);
                let value = self
                    .engine
                    .eval_rule(path)
                    .map_err(|e| rego_error(&e, &self.sources, true))?;
                collect_findings(p, rule, &value, &mut findings);
            }
        }
        crate::findings::sort(&mut findings);
        Ok(findings)
    }
}

fn parse_params(s: &PolicySource) -> Result<serde_json::Map<String, Json>> {
    let parsed: std::result::Result<Json, String> = if s.path.ends_with(".json") {
        serde_json::from_str(&s.text).map_err(|e| e.to_string())
    } else {
        yaml_serde::from_str(&s.text).map_err(|e| e.to_string())
    };
    match parsed {
        Ok(Json::Object(m)) => Ok(m),
        Ok(_) => Err(Error::Data {
            name: s.path.clone(),
            message: "expected an object of parameter names to default values".into(),
        }),
        Err(message) => Err(Error::Data {
            name: s.path.clone(),
            message,
        }),
    }
}

fn str_field(obj: &Json, key: &str) -> Option<String> {
    match obj.get(key)? {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => Some(other.to_string()),
    }
}

fn collect_findings(p: &LoadedPolicy, rule: &str, value: &regorus::Value, out: &mut Vec<Finding>) {
    let json = serde_json::to_value(value).unwrap_or(Json::Null);
    let items = match json {
        Json::Array(items) => items,
        // A boolean `deny` (conftest allows `deny if ...`): true is one finding.
        Json::Bool(true) => vec![Json::String(p.title())],
        _ => vec![],
    };
    let meta = p.metadata.as_ref();
    for item in items {
        let (message, resource, file, line, details) = match &item {
            Json::String(s) => (s.clone(), String::new(), None, None, Json::Null),
            obj @ Json::Object(_) => (
                str_field(obj, "msg")
                    .or_else(|| str_field(obj, "message"))
                    .unwrap_or_default(),
                str_field(obj, "resource").unwrap_or_default(),
                str_field(obj, "file"),
                obj.get("line")
                    .and_then(Json::as_u64)
                    .and_then(|l| u32::try_from(l).ok()),
                obj.get("details").cloned().unwrap_or(Json::Null),
            ),
            other => (other.to_string(), String::new(), None, None, Json::Null),
        };
        let severity = item
            .get("severity")
            .and_then(Json::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| p.severity(rule));
        out.push(Finding {
            rule: p.id(),
            severity,
            title: p.title(),
            message,
            resource,
            remediation: meta
                .and_then(|m| m.custom.remediation.clone())
                .unwrap_or_default()
                .trim_end()
                .to_string(),
            file,
            line,
            policy: p.path.clone(),
            kind: rule.to_string(),
            details,
        });
    }
}

pub mod extensions;
