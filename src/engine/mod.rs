//! The policy engine: loads Rego policies (the built-in pack and the user's) into
//! regorus once, with their METADATA and parameters, and turns what their `deny`
//! rules produce into [`Finding`]s. Evaluation never prints.
mod builtin_facts;
pub mod metadata;
pub mod reads;
mod rvm_gaps;
pub mod testing;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use miette::NamedSource;
use serde_json::Value as Json;

use crate::diag::{self, Error, Result};
use crate::findings::{json_of, Details, Finding, Severity};
use metadata::Metadata;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}

mod entry_points;
pub use entry_points::RESULT_RULES;
use entry_points::{package_of, result_rules};

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
    /// The input paths it reads ([`reads`]; none for a test).
    pub reads: Vec<Vec<String>>,
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
    /// Load `_test.rego` files (the test runner) or leave them out (checks).
    pub include_tests: bool,
    /// Evaluate with regorus's bytecode VM when every policy compiles for it.
    pub use_vm: bool,
    /// Packages evaluated the conftest way, besides `main`.
    pub namespaces: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(60),
            include_tests: false,
            use_vm: true,
            namespaces: vec![],
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

/// The built-in pack as `build.rs` compiled it: empty when that failed.
static BUILTIN_PROGRAM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/builtin_program.rvm"));

/// The built-in pack as compiled by `build.rs`, when that compiled it: read once.
fn builtin_program() -> Option<std::sync::Arc<regorus::rvm::program::Program>> {
    static PROGRAM: std::sync::OnceLock<Option<std::sync::Arc<regorus::rvm::program::Program>>> =
        std::sync::OnceLock::new();
    PROGRAM
        .get_or_init(|| read_program(BUILTIN_PROGRAM))
        .clone()
}

/// What `build.rs` derived from the built-in pack ([`builtin_facts`]), when it
/// could: read once.
static BUILTIN_FACTS: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin_facts.json"));

fn builtin_facts() -> Option<&'static builtin_facts::PackFacts> {
    static FACTS: std::sync::OnceLock<Option<builtin_facts::PackFacts>> =
        std::sync::OnceLock::new();
    FACTS
        .get_or_init(|| serde_json::from_str(BUILTIN_FACTS).ok().flatten())
        .as_ref()
}

/// The program `build.rs` compiled, when `sources` (tests left out) are exactly
/// the built-in pack and the program has exactly their entry points; None sends
/// the engine to compile them itself.
fn precompiled_for(
    sources: &[PolicySource],
) -> Option<std::sync::Arc<regorus::rvm::program::Program>> {
    let builtin_policies = builtin::BUILTIN
        .iter()
        .filter(|(path, _)| path.ends_with(".rego") && !path.ends_with("_test.rego"))
        .count();
    let policies: Vec<&str> = sources
        .iter()
        .filter(|s| s.is_rego() && !s.is_test())
        .map(|s| s.text.as_str())
        .collect();
    if !sources.iter().all(|s| s.builtin && !s.is_test()) || policies.len() != builtin_policies {
        return None;
    }
    // The VM evaluates some rule heads wrongly (rvm_gaps): such packs run on the
    // interpreter, precompiled or not. These are the built-in pack's sources, so
    // what build.rs found in them holds.
    let (gap, names) = match builtin_facts() {
        Some(f) => (f.rvm_gap, f.entry_points.clone()),
        None => (
            policies
                .iter()
                .any(|t| rvm_gaps::first_bracketed_rule_head(t).is_some()),
            entry_points::entry_point_names(policies.iter().copied()),
        ),
    };
    if gap {
        return None;
    }
    let program = builtin_program()?;
    let names: std::collections::BTreeSet<String> = names.into_iter().collect();
    let compiled: std::collections::BTreeSet<String> =
        program.entry_points.keys().cloned().collect();
    (names == compiled).then_some(program)
}

/// A program read from its serialized `image` (the built-in pack's, or a worker's
/// own copy: see [`PolicyEngine::program_image`]); None for an empty or
/// unreadable image.
fn read_program(image: &[u8]) -> Option<std::sync::Arc<regorus::rvm::program::Program>> {
    if image.is_empty() {
        return None;
    }
    match regorus::rvm::program::Program::deserialize_binary(image) {
        Ok(regorus::rvm::program::DeserializationResult::Complete(p)) => {
            Some(std::sync::Arc::new(p))
        }
        _ => None,
    }
}

/// Adds `extra` to `sources`, replacing a built-in file that `extra` holds again (as
/// when the repository's own `policies/` folder is given): the same module twice
/// would make every rule id look duplicated.
pub fn merge_sources(sources: &mut Vec<PolicySource>, extra: Vec<PolicySource>) {
    fn norm(p: &str) -> String {
        let p = p.replace('\\', "/");
        let p = p.trim_start_matches("./");
        p.replace("//", "/")
    }
    let given: std::collections::HashSet<String> = extra.iter().map(|s| norm(&s.path)).collect();
    sources.retain(|s| !(s.builtin && given.contains(&norm(&s.path))));
    sources.extend(extra);
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
pub fn rego_error(
    err: &dyn std::fmt::Display,
    sources: &[PolicySource],
    evaluating: bool,
) -> Error {
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
                let offset = rego_offset(&s.text, line, col);
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

/// The package's last component must be the file's name (`iam/who_may_stop.rego`
/// holds `package ....who_may_stop`), so a policy is found where its package says.
fn check_package_path(s: &PolicySource, package: &str) -> Option<Error> {
    let stem = Path::new(&s.path).file_stem()?.to_str()?;
    let last = package.rsplit('.').next().unwrap_or(package);
    if last == stem || package == "main" {
        return None;
    }
    let offset = s.text.find("package ").unwrap_or(0);
    Some(Error::Policy {
        message: format!(
            "{}: package {package} does not match the file name {stem}",
            s.path
        ),
        src: Some(NamedSource::new(&s.path, s.text.clone())),
        span: Some((offset, 8 + package.len()).into()),
        help: Some(format!(
            "name the file {last}.rego, or end the package with .{stem}"
        )),
    })
}

/// A stopguard-contract policy needs METADATA naming its id, title and severity;
/// conftest's `main` package (or `--namespace`) gets defaults instead.
fn check_contract(s: &PolicySource, meta: Option<&Metadata>) -> Option<Error> {
    let missing: Vec<&str> = match meta {
        None => vec!["a # METADATA block"],
        Some(m) => [
            (m.custom.id.is_none(), "custom.id"),
            (m.title.is_none(), "title"),
            (m.custom.severity.is_none(), "custom.severity"),
        ]
        .into_iter()
        .filter(|(missing, _)| *missing)
        .map(|(_, name)| name)
        .collect(),
    };
    if missing.is_empty() {
        return None;
    }
    let offset = s.text.find("package ").unwrap_or(0);
    Some(Error::Policy {
        message: format!("{}: policy lacks {}", s.path, missing.join(", ")),
        src: Some(NamedSource::new(&s.path, s.text.clone())),
        span: Some((offset, 7).into()),
        help: Some(
            "put `# METADATA` YAML comments right above `package`: title, and custom: {id, severity, remediation}; \
             `stopguard new policy DIR/NAME` writes a template (see docs/writing-policies.md)"
                .into(),
        ),
    })
}

/// Whether these sources hold policies that judge each input file on its own, known
/// from their text before they are compiled (what [`PolicyEngine::has_per_file_policies`]
/// answers after): so that inputs can be read while the policies compile.
pub fn sources_have_per_file_policies(sources: &[PolicySource], namespaces: &[String]) -> bool {
    // The package first: it is near the top, where the rules are found by a pass
    // over the whole text, and this runs before anything else starts.
    sources.iter().any(|s| {
        s.is_rego()
            && !s.is_test()
            && package_of(&s.text).is_some_and(|p| is_conftest_package(&p, namespaces))
            && !result_rules(&s.text).is_empty()
    })
}

/// conftest's policies live in `main` unless `--namespace` names others.
pub fn is_conftest_package(package: &str, namespaces: &[String]) -> bool {
    package == "main" || namespaces.iter().any(|n| n == package)
}

/// Byte offset of a regorus line and column. regorus counts a tab as four columns
/// (its lexer's `advance_col(4)`), and Rego is written with tabs, so columns are
/// walked character by character rather than used as byte offsets.
fn rego_offset(text: &str, line: usize, col: usize) -> usize {
    let start = diag::offset_of(text, line, 1);
    let rest = text.get(start..).unwrap_or_default();
    let mut column = 1usize;
    for (i, c) in rest.char_indices() {
        if column >= col || c == '\n' {
            return start + i;
        }
        column += if c == '\t' { 4 } else { 1 };
    }
    text.len()
}

pub struct PolicyEngine {
    engine: regorus::Engine,
    /// The pack compiled to RVM bytecode, several times faster than the
    /// interpreter. None when some policy needs what the VM lacks (our extension
    /// functions such as `net.cidr_intersects`): the interpreter then runs it all.
    program: Option<std::sync::Arc<regorus::rvm::program::Program>>,
    data: regorus::Value,
    namespaces: Vec<String>,
    timeout: Duration,
    pub policies: Vec<LoadedPolicy>,
    sources: Vec<PolicySource>,
    /// Parameter defaults merged with the user's overrides: `data.params`.
    pub params: serde_json::Map<String, Json>,
    /// `program` serialized, made on first use: see [`Self::program_image`].
    image: std::sync::OnceLock<Option<std::borrow::Cow<'static, [u8]>>>,
    /// Workers evaluating an account; None: one per core.
    threads: Option<usize>,
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
        // Only the interpreter knows extensions, so a policy calling one cannot run on
        // the VM; compile_vm notices and keeps the interpreter.
        super::engine::extensions::register(&mut engine)
            .map_err(|e| Error::usage(format!("cannot register built-in functions: {e}")))?;

        let mut errors = Vec::new();
        let mut policies = Vec::new();
        let mut defaults = serde_json::Map::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        let sources: Vec<PolicySource> = sources
            .into_iter()
            .filter(|s| options.include_tests || !s.is_test())
            .collect();
        // The built-in pack alone runs the program build.rs compiled: nothing to
        // parse or compile here. The interpreter then holds no policies, and is
        // never asked to (it runs only when there is no program).
        let precompiled = if options.use_vm {
            precompiled_for(&sources)
        } else {
            None
        };
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
            if precompiled.is_none() {
                if let Err(e) = engine.add_policy(s.path.clone(), s.text.clone()) {
                    errors.push(rego_error(&e, &sources, false));
                    continue;
                }
            }
            // The built-in pack's METADATA as build.rs read it, when this is the
            // pack and it could: the same parse, done once at build time.
            let known = precompiled
                .as_ref()
                .and(builtin_facts())
                .and_then(|f| f.policies.iter().find(|p| p.path == s.path));
            let parsed = match known {
                Some(p) => Ok(p
                    .metadata
                    .clone()
                    .map(|(m, offset, len)| (m, metadata::BlockSpan { offset, len }))),
                None => metadata::parse(&s.text),
            };
            let meta = match parsed {
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
            if let Some(e) = check_package_path(s, &package) {
                errors.push(e);
            }
            if !s.is_test()
                && !rules.is_empty()
                && !is_conftest_package(&package, &options.namespaces)
            {
                if let Some(e) = check_contract(s, meta.as_ref().map(|(m, _)| m)) {
                    errors.push(e);
                }
            }
            if let Some((m, span)) = &meta {
                if let Err(message) = m.custom.partition_path() {
                    errors.push(Error::Policy {
                        message: format!("{}: {message}", s.path),
                        src: Some(NamedSource::new(&s.path, s.text.clone())),
                        span: Some((span.offset, span.len).into()),
                        help: Some(
                            "e.g. `partition: input.iam.stop_access`, or leave it out; see docs/writing-policies.md"
                                .into(),
                        ),
                    });
                }
                if let Some(id) = &m.custom.id {
                    if let Some(other) = ids.insert(id.clone(), s.path.clone()) {
                        errors.push(Error::Policy {
                            message: format!("{}: rule id {id} is already used by {other}", s.path),
                            src: Some(NamedSource::new(&s.path, s.text.clone())),
                            span: Some((span.offset, span.len).into()),
                            help: Some("every policy needs its own custom.id".into()),
                        });
                    }
                }
            }
            let reads = match known {
                Some(p) => p.reads.clone(),
                None if s.is_test() => vec![],
                None => reads::InputReads::scan([s.text.as_str()]).paths().to_vec(),
            };
            policies.push(LoadedPolicy {
                path: s.path.clone(),
                package,
                metadata: meta.map(|(m, _)| m),
                is_test: s.is_test(),
                builtin: s.builtin,
                rules,
                reads,
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
        let data = params_data(&params);
        engine
            .add_data(data.clone())
            .map_err(|e| Error::usage(format!("cannot load parameters: {e}")))?;
        let mut me = PolicyEngine {
            engine,
            program: None,
            data,
            namespaces: options.namespaces.clone(),
            timeout: options.timeout,
            policies,
            sources,
            params,
            image: std::sync::OnceLock::new(),
            threads: None,
        };
        if options.use_vm {
            me.program = match precompiled {
                Some(program) => {
                    let _ = me
                        .image
                        .set(Some(std::borrow::Cow::Borrowed(BUILTIN_PROGRAM)));
                    Some(program)
                }
                None => me.compile_vm()?,
            };
        }
        Ok(me)
    }

    /// (package, rule) pairs to evaluate, each once.
    fn entry_points(&self) -> Vec<(usize, &'static str, String)> {
        self.entries(None)
    }

    /// Entry points of the account policies (`Some(false)`), the per-file conftest
    /// ones (`Some(true)`), or both (`None`).
    fn entries(&self, conftest: Option<bool>) -> Vec<(usize, &'static str, String)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (i, p) in self.policies.iter().enumerate() {
            if p.is_test {
                continue;
            }
            if conftest.is_some_and(|c| c != is_conftest_package(&p.package, &self.namespaces)) {
                continue;
            }
            for rule in &p.rules {
                if seen.insert((p.package.clone(), *rule)) {
                    out.push((i, *rule, format!("data.{}.{rule}", p.package)));
                }
            }
        }
        out
    }

    /// Compiles the pack for the VM. A call to one of our extension functions (which
    /// only the interpreter knows) keeps the interpreter; a call to a function that
    /// exists nowhere is an error now, at load time, not when a rule reaches it.
    fn compile_vm(&mut self) -> Result<Option<std::sync::Arc<regorus::rvm::program::Program>>> {
        let entries = self.entry_points();
        let Some(first) = entries.first() else {
            return Ok(None);
        };
        let first: regorus::Rc<str> = first.2.as_str().into();
        let compiled = self
            .engine
            .compile_with_entrypoint(&first)
            .map_err(|e| rego_error(&e, &self.sources, false))?;
        let names: Vec<&str> = entries.iter().map(|(_, _, n)| n.as_str()).collect();
        // Rule heads with bracketed keys compile but evaluate wrongly on the VM (see
        // rvm_gaps); compiling still runs, for its unknown-function check.
        let vm_gap = self
            .sources
            .iter()
            .filter(|s| s.is_rego() && !s.is_test())
            .any(|s| rvm_gaps::first_bracketed_rule_head(&s.text).is_some());
        match regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &names) {
            Ok(_) if vm_gap => Ok(None),
            Ok(program) => Ok(Some(program)),
            Err(e) => {
                let text = format!("{e:#}");
                let unknown = text
                    .split("Unknown function: '")
                    .nth(1)
                    .and_then(|rest| rest.split('\'').next());
                match unknown {
                    Some(name) if !extensions::NAMES.contains(&name) => {
                        let mut err = rego_error(&e, &self.sources, false);
                        if let Error::Policy { help, .. } = &mut err {
                            *help = Some(format!(
                                "{name} is neither a Rego builtin regorus provides, a stopguard extension ({}), nor a function defined in the loaded policies",
                                extensions::NAMES.join(", ")
                            ));
                        }
                        Err(err)
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    /// The program serialized, from which each worker but one reads a copy of its
    /// own. Workers sharing one program slow each other down: the VM clones the
    /// program's constants at every use, and with `arc` values each clone is an
    /// atomic increment of a counter that both cores then fight over. On the
    /// benchmark export IAM-001's two halves took 20 and 16 ms side by side on a
    /// shared program and 17 and 15 on copies; over 25 alternating runs of the
    /// whole check, copies saved 11 ms of 150 wall and 30 ms of CPU. Reading a
    /// copy takes under a millisecond. None when the program cannot be written.
    fn program_image(&self) -> Option<&[u8]> {
        self.image
            .get_or_init(|| {
                let program = self.program.as_ref()?;
                program.serialize_binary().ok().map(std::borrow::Cow::Owned)
            })
            .as_deref()
    }

    /// Whether evaluation runs on the bytecode VM (false: the interpreter).
    pub fn uses_vm(&self) -> bool {
        self.program.is_some()
    }

    /// Whether it runs the program `build.rs` compiled (the built-in pack alone).
    pub fn is_precompiled(&self) -> bool {
        match (&self.program, builtin_program()) {
            (Some(p), Some(b)) => std::sync::Arc::ptr_eq(p, &b),
            _ => false,
        }
    }

    pub fn sources(&self) -> &[PolicySource] {
        &self.sources
    }

    /// Direct access for the test runner.
    pub(crate) fn regorus(&mut self) -> &mut regorus::Engine {
        &mut self.engine
    }

    /// The parts of `input` the loaded (non-test) policies can read, so that the
    /// input builder may leave the rest out (see [`reads`]).
    pub fn input_reads(&self) -> reads::InputReads {
        reads::InputReads::from_paths(
            self.policies
                .iter()
                .filter(|p| !p.is_test)
                .flat_map(|p| p.reads.iter().cloned())
                .collect(),
        )
    }

    /// Whether some policies judge each input file on its own (conftest's contract).
    pub fn has_per_file_policies(&self) -> bool {
        !self.entries(Some(true)).is_empty()
    }

    /// Evaluates the account policies' result rules against `input`.
    pub fn evaluate(&mut self, input: regorus::Value) -> Result<Vec<Finding>> {
        let entries = self.entries(Some(false));
        let mut findings = self.run(&entries, input, None)?;
        crate::findings::sort(&mut findings);
        Ok(findings)
    }

    /// Evaluates the per-file (conftest) policies against each document, as
    /// conftest does: `input` is the file's parsed document.
    pub fn evaluate_files(&mut self, documents: &[(String, Json)]) -> Result<Vec<Finding>> {
        let entries = self.entries(Some(true));
        let mut findings = Vec::new();
        if entries.is_empty() {
            return Ok(findings);
        }
        for (name, doc) in documents {
            findings.extend(self.run(&entries, regorus::Value::from(doc.clone()), Some(name))?);
        }
        crate::findings::sort(&mut findings);
        Ok(findings)
    }

    fn run(
        &mut self,
        entries: &[(usize, &'static str, String)],
        input: regorus::Value,
        file: Option<&str>,
    ) -> Result<Vec<Finding>> {
        let mut findings = Vec::new();
        match &self.program {
            Some(program) => {
                // Entry points are independent: each worker runs its own VM over the
                // shared input (reference-counted, not copied) and takes the next
                // unit of work when done, so one expensive rule (IAM-001 on a large
                // account) runs beside all the others, and in parts when its policy
                // declares a partition (`partitioned`).
                // Per-file runs (one per input file, thousands in a repository) stay
                // on this thread: starting workers for each would cost more than
                // the few entry points they evaluate.
                let cores = if file.is_some() {
                    1
                } else {
                    self.threads.unwrap_or_else(crate::par::cores)
                };
                let units = if cores > 1 {
                    let order = self.largest_first(entries, &input);
                    self.partitioned(entries, &order, &input, cores)
                } else {
                    (0..entries.len())
                        .map(|entry| Unit { entry, input: None })
                        .collect()
                };
                let threads = cores.clamp(1, units.len().max(1));
                let next = std::sync::atomic::AtomicUsize::new(0);
                let image = (threads > 1).then(|| self.program_image()).flatten();
                // Each worker also turns its units' values into findings. Every
                // worker but this thread's runs a program and parameters of its own
                // (`program_image`).
                let work = |own: bool| -> Result<Vec<(usize, Collected)>> {
                    let mut vm = match image.filter(|_| own).and_then(read_program) {
                        Some(program) => {
                            self.vm(&program, input.clone(), params_data(&self.params))?
                        }
                        None => self.vm(program, input.clone(), self.data.clone())?,
                    };
                    let mut whole = true;
                    let mut out = Vec::new();
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(unit) = units.get(n) else {
                            return Ok(out);
                        };
                        let Some((i, rule, name)) = entries.get(unit.entry) else {
                            continue;
                        };
                        let Some(p) = self.policies.get(*i) else {
                            continue;
                        };
                        // Each execution starts from an empty rule cache, so the
                        // input may change between entry points.
                        match &unit.input {
                            Some(part) => {
                                vm.set_input(part.clone());
                                whole = false;
                            }
                            None if !whole => {
                                vm.set_input(input.clone());
                                whole = true;
                            }
                            None => {}
                        }
                        let evaluation_failed = |e: &dyn std::fmt::Display| eval_failed(p, name, e);
                        let value = vm
                            .execute_entry_point_by_name(name)
                            .map_err(|e| evaluation_failed(&e))?;
                        let collected = if unit.input.is_some() {
                            Collected::Part(
                                collect_keyed(p, rule, &value, file)
                                    .map_err(|e| evaluation_failed(&e))?,
                            )
                        } else {
                            Collected::Whole(
                                collect_whole(p, rule, &value, file)
                                    .map_err(|e| evaluation_failed(&e))?,
                            )
                        };
                        out.push((unit.entry, collected));
                    }
                };
                let mut done: Vec<(usize, Collected)> = if threads > 1 {
                    crate::par::scope(|scope| {
                        // This thread is one of the workers: it reuses the memory the
                        // input's construction freed here.
                        let workers: Vec<_> =
                            (1..threads).map(|_| scope.spawn(|| work(true))).collect();
                        let mut all = work(false)?;
                        for w in workers {
                            let done = w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                            all.extend(done?);
                        }
                        Ok::<_, Error>(all)
                    })?
                } else {
                    work(false)?
                };
                // Stable: the parts of one entry point stay together, in any order.
                done.sort_by_key(|(k, _)| *k);
                // Sized once: grown as it filled, this list of findings (hundreds
                // of bytes each) was copied over and over (1 ms on the benchmark
                // export, on this thread alone).
                findings.reserve_exact(done.iter().map(|(_, c)| c.len()).sum());
                let mut done = done.into_iter().peekable();
                while let Some((k, collected)) = done.next() {
                    match collected {
                        Collected::Whole(found) => findings.extend(found),
                        Collected::Part(mut keyed) => {
                            let mut parts = Vec::new();
                            while let Some((_, Collected::Part(more))) = done
                                .next_if(|(next, c)| *next == k && matches!(c, Collected::Part(_)))
                            {
                                parts.push(more);
                            }
                            keyed.reserve_exact(parts.iter().map(Vec::len).sum());
                            for more in parts {
                                keyed.extend(more);
                            }
                            unite(keyed, &mut findings);
                        }
                    }
                }
            }
            None => {
                self.engine.set_input(input);
                for (i, rule, name) in entries {
                    let Some(p) = self.policies.get(*i) else {
                        continue;
                    };
                    let value = self
                        .engine
                        .eval_rule(name.clone())
                        .map_err(|e| rego_error(&e, &self.sources, true))?;
                    findings.extend(
                        collect_whole(p, rule, &value, file)
                            .map_err(|e| eval_failed(p, name, &e))?,
                    );
                }
            }
        }
        Ok(findings)
    }

    /// The order in which workers take the entry points: those whose policy reads
    /// the largest parts of `input` first. An entry point's time grows with what
    /// it iterates, and the longest should not start last (on a large account
    /// IAM-001, over every principal that may stop instances, takes most of the
    /// evaluation); ties keep the policies' order. Only the order of work changes,
    /// not the order of the findings.
    fn largest_first(
        &self,
        entries: &[(usize, &'static str, String)],
        input: &regorus::Value,
    ) -> Vec<usize> {
        let size_at = |path: &[String]| -> usize {
            let mut v = input;
            for seg in path {
                v = &v[seg.as_str()];
            }
            match v {
                regorus::Value::Array(a) => a.len(),
                regorus::Value::Object(o) => o.len(),
                regorus::Value::Set(s) => s.len(),
                _ => 0,
            }
        };
        let weight = |i: usize| -> usize {
            self.policies
                .get(i)
                .map_or(0, |p| p.reads.iter().map(|path| size_at(path)).sum())
        };
        let weights: Vec<usize> = entries.iter().map(|(i, _, _)| weight(*i)).collect();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(weights.get(k).copied().unwrap_or(0)));
        order
    }

    /// The work of one evaluation, in `order`: one unit per entry point, or, for a
    /// policy that declares a `partition` over an array of `input` long enough to
    /// be worth it, one unit per part of that array (each with an input holding
    /// only its part), so that the parts run on several cores: at least `parts`
    /// of them, and more when the array is long (see [`PART_ITEMS`]).
    fn partitioned(
        &self,
        entries: &[(usize, &'static str, String)],
        order: &[usize],
        input: &regorus::Value,
        parts: usize,
    ) -> Vec<Unit> {
        let mut units = Vec::with_capacity(order.len() + parts);
        for &entry in order {
            let path = entries
                .get(entry)
                .and_then(|(i, _, _)| self.policies.get(*i))
                .and_then(|p| p.metadata.as_ref())
                .and_then(|m| m.custom.partition_path().ok().flatten());
            let split = path.and_then(|path| {
                let items = value_at(input, &path)?.as_array().ok()?;
                if items.len() < PARTITION_MIN {
                    return None;
                }
                let parts = parts.max(items.len().div_ceil(PART_ITEMS));
                items
                    .to_vec()
                    .chunks(items.len().div_ceil(parts))
                    .map(|part| with_value_at(input, &path, regorus::Value::from(part.to_vec())))
                    .collect::<Option<Vec<_>>>()
            });
            match split {
                Some(inputs) => units.extend(inputs.into_iter().map(|part| Unit {
                    entry,
                    input: Some(part),
                })),
                None => units.push(Unit { entry, input: None }),
            }
        }
        units
    }

    /// A VM over the compiled pack, with the parameters and `input` loaded.
    fn vm(
        &self,
        program: &std::sync::Arc<regorus::rvm::program::Program>,
        input: regorus::Value,
        data: regorus::Value,
    ) -> Result<regorus::rvm::vm::RegoVM> {
        let mut vm = regorus::rvm::vm::RegoVM::new();
        vm.load_program(program.clone());
        // The wall-clock limit bounds a runaway policy; the VM's own instruction
        // cap (25,000 by default) is far too small for an account.
        vm.set_max_instructions(usize::MAX);
        vm.set_execution_timer_config(Some(self.timer()));
        vm.set_data(data)
            .map_err(|e| Error::usage(format!("cannot load parameters: {e}")))?;
        vm.set_input(input);
        Ok(vm)
    }

    fn timer(&self) -> regorus::utils::limits::ExecutionTimerConfig {
        regorus::utils::limits::ExecutionTimerConfig {
            limit: self.timeout,
            check_interval: NonZeroU32::MIN.saturating_add(63),
        }
    }
}

/// `data` as the policies see it: the parameters under `params`.
fn params_data(params: &serde_json::Map<String, Json>) -> regorus::Value {
    regorus::Value::from(serde_json::json!({ "params": Json::Object(params.clone()) }))
}

/// An entry point's evaluation failed: named by its policy file.
fn eval_failed(p: &LoadedPolicy, name: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Eval {
        message: format!("{}: evaluating {name} failed: {e}", p.path),
        src: None,
        span: None,
    }
}

/// An array shorter than this is evaluated whole even when its policy declares a
/// partition: a part's evaluation has a fixed cost (a VM reset, a copy of the
/// input's path to the part) that a few hundred elements do not repay.
const PARTITION_MIN: usize = 256;

/// Elements of a partitioned array per part, at most about. A part's findings
/// are a set, and each finding put in it is compared with a few dozen already
/// there, whole (IAM-001's, with their details): parts of 2,000 elements cost
/// more per finding than parts of 200. On the benchmark export (1,387 IAM-001
/// findings), 2 parts -> 8: 727.4 -> 719.7 million instructions for the whole
/// check; 16 parts gained nothing more.
const PART_ITEMS: usize = 200;

/// One evaluation of an entry point (an index into the entries), over the whole
/// input (`None`) or over an input holding only part of a partitioned array.
struct Unit {
    entry: usize,
    input: Option<regorus::Value>,
}

/// The findings of a unit: of a whole entry point, or of one part of a
/// partitioned one, each beside the value it came from, to be united with the
/// other parts' by [`unite`].
enum Collected {
    Whole(Vec<Finding>),
    Part(Vec<(regorus::Value, Finding)>),
}

impl Collected {
    fn len(&self) -> usize {
        match self {
            Collected::Whole(found) => found.len(),
            Collected::Part(keyed) => keyed.len(),
        }
    }
}

/// `value.a.b` for the path `[a, b]`.
fn value_at<'v>(value: &'v regorus::Value, path: &[&str]) -> Option<&'v regorus::Value> {
    path.iter().try_fold(value, |v, key| match v {
        regorus::Value::Object(o) => o.get(&regorus::Value::from(*key)),
        _ => None,
    })
}

/// A copy of `value` (sharing everything it does not change) with `new` at
/// `path`; `None` when the path does not lead through objects.
fn with_value_at(
    value: &regorus::Value,
    path: &[&str],
    new: regorus::Value,
) -> Option<regorus::Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(new);
    };
    let key = regorus::Value::from(*first);
    let mut copy = value.clone();
    let inner = with_value_at(value_at(value, &[first])?, rest, new)?;
    copy.as_object_mut().ok()?.insert(key, inner);
    Some(copy)
}

/// The findings of one entry point from the findings of its parts, as one
/// evaluation over the whole input gives them once [`crate::findings::sort`]ed:
/// the parts' result sets united (a value two parts found counts once), in the
/// report's order and, where that holds findings equal, in the set's order.
/// Comparing whole values only there is what keeps this cheap: a finding's value
/// is a deep object.
fn unite(mut keyed: Vec<(regorus::Value, Finding)>, findings: &mut Vec<Finding>) {
    keyed.sort_by(by_report_then_value);
    keyed.dedup_by(|a, b| crate::findings::report_order(&a.1, &b.1).is_eq() && a.0 == b.0);
    let mut values = Vec::with_capacity(keyed.len());
    findings.extend(keyed.into_iter().map(|(value, finding)| {
        values.push(value);
        finding
    }));
    crate::exit::release(values);
}

/// [`unite`]'s order: the report's, then the finding's value.
fn by_report_then_value(
    a: &(regorus::Value, Finding),
    b: &(regorus::Value, Finding),
) -> std::cmp::Ordering {
    crate::findings::report_order(&a.1, &b.1).then_with(|| a.0.cmp(&b.0))
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

/// A finding's text field: a string as it is, `null` as absent, anything else
/// as its JSON text.
fn text_of(value: &regorus::Value) -> Option<String> {
    match value {
        regorus::Value::String(s) => Some(s.to_string()),
        regorus::Value::Null => None,
        other => Some(json_of(other).to_string()),
    }
}

/// A finding's `line` or `column`: a non-negative integer that fits in 32 bits
/// (read as serde_json reads a u64: not `3.0`).
fn number_of(value: &regorus::Value) -> Option<u32> {
    match value {
        regorus::Value::Number(_) => json_of(value).as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    }
}

/// What a rule's findings share: computed once per rule, not once per finding.
struct RuleFacts<'p> {
    rule: &'p str,
    id: String,
    title: std::sync::Arc<str>,
    remediation: std::sync::Arc<str>,
    /// The policy's path, as findings name it.
    path: std::sync::Arc<str>,
    severity: Severity,
}

impl<'p> RuleFacts<'p> {
    fn new(policy: &'p LoadedPolicy, rule: &'p str) -> Self {
        RuleFacts {
            rule,
            id: policy.id(),
            title: policy.title().into(),
            remediation: policy
                .metadata
                .as_ref()
                .and_then(|m| m.custom.remediation.as_deref())
                .unwrap_or_default()
                .trim_end()
                .into(),
            path: policy.path.as_str().into(),
            severity: policy.severity(rule),
        }
    }

    /// The finding one element of the rule's value (a message, or an object with
    /// `msg`, `resource`, `details`...) stands for, read from the value.
    /// (Converting each element whole to JSON first, and copying its fields out
    /// of that, cost about 4 million more instructions on the benchmark export.)
    /// `details` stays the rule's value where it can ([`Details::of`]).
    fn finding(&self, item: &regorus::Value, input_file: Option<&str>) -> Finding {
        let mut details = Details::default();
        let (mut msg, mut message, mut resource, mut file) = (None, None, None, None);
        let (mut line, mut column, mut severity) = (None, None, None);
        match item {
            regorus::Value::Object(obj) => {
                for (key, value) in obj.iter() {
                    let regorus::Value::String(key) = key else {
                        continue;
                    };
                    match key.as_ref() {
                        "details" => details = Details::of(value),
                        "msg" => msg = text_of(value),
                        "message" => message = text_of(value),
                        "resource" => resource = text_of(value),
                        "file" => file = text_of(value),
                        "line" => line = number_of(value),
                        "column" => column = number_of(value),
                        "severity" => {
                            severity = value.as_string().ok().and_then(|s| s.parse().ok());
                        }
                        _ => {}
                    }
                }
            }
            regorus::Value::String(s) => msg = Some(s.to_string()),
            other => msg = Some(json_of(other).to_string()),
        }
        let message = msg.or(message).unwrap_or_default();
        let severity = severity.unwrap_or(self.severity);
        let resource = resource
            .filter(|r| !r.is_empty())
            .or_else(|| input_file.map(str::to_string))
            .unwrap_or_default();
        let fingerprint = crate::findings::fingerprint(&self.id, &resource, &message);
        Finding {
            rule: self.id.clone(),
            severity,
            title: self.title.clone(),
            message,
            resource,
            remediation: self.remediation.clone(),
            file: file.or_else(|| input_file.map(str::to_string)),
            line,
            column: line.and(column),
            policy: self.path.clone(),
            kind: self.rule.to_string(),
            details,
            fingerprint,
            suppressed: None,
            baseline: false,
        }
    }
}

fn collect_findings(
    p: &LoadedPolicy,
    rule: &str,
    value: &regorus::Value,
    input_file: Option<&str>,
    out: &mut Vec<Finding>,
) {
    let facts = RuleFacts::new(p, rule);
    match value {
        regorus::Value::Set(items) => {
            out.extend(items.iter().map(|item| facts.finding(item, input_file)));
        }
        regorus::Value::Array(items) => {
            out.extend(items.iter().map(|item| facts.finding(item, input_file)));
        }
        // A boolean `deny` (conftest allows `deny if ...`): true is one finding.
        regorus::Value::Bool(true) => {
            out.push(facts.finding(&regorus::Value::from(p.title()), input_file));
        }
        _ => {}
    }
}

/// The findings of an entry point evaluated whole. A policy that declares a
/// partition must give a set whether or not this input was split, so that a
/// mistake in it fails alike on every input ([`collect_keyed`]).
fn collect_whole(
    p: &LoadedPolicy,
    rule: &str,
    value: &regorus::Value,
    input_file: Option<&str>,
) -> std::result::Result<Vec<Finding>, String> {
    if p.metadata
        .as_ref()
        .is_some_and(|m| m.custom.partition.is_some())
    {
        return collect_keyed(p, rule, value, input_file)
            .map(|keyed| keyed.into_iter().map(|(_, f)| f).collect());
    }
    let mut found = Vec::new();
    collect_findings(p, rule, value, input_file, &mut found);
    Ok(found)
}

/// [`collect_findings`] for one part of a partitioned entry point, each finding
/// beside its value. Only a set (what `deny contains ...` gives) can be united
/// with the other parts'; an undefined rule found nothing.
fn collect_keyed(
    p: &LoadedPolicy,
    rule: &str,
    value: &regorus::Value,
    input_file: Option<&str>,
) -> std::result::Result<Vec<(regorus::Value, Finding)>, String> {
    let set = match value {
        regorus::Value::Set(set) => set,
        regorus::Value::Undefined => return Ok(Vec::new()),
        _ => {
            return Err(format!(
            "the policy declares a partition, so `{rule}` must be a set (`{rule} contains ... if`)"
        ))
        }
    };
    let facts = RuleFacts::new(p, rule);
    let mut keyed: Vec<(regorus::Value, Finding)> = set
        .iter_sorted()
        .map(|item| (item.clone(), facts.finding(item, input_file)))
        .collect();
    // In [`unite`]'s order already, here on the worker: the parts then only
    // need merging once all are in, on one core (the stable sort there finds
    // the sorted runs and merges them).
    keyed.sort_by(by_report_then_value);
    Ok(keyed)
}

pub mod extensions;

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples' account, analysed, as the input `check` evaluates.
    fn examples_input(engine: &PolicyEngine) -> regorus::Value {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let account = crate::load::load_paths(
            &[
                root.join("examples/account"),
                root.join("examples/policy-files"),
            ],
            &crate::load::Limits::default(),
        )
        .unwrap();
        let reads = engine.input_reads();
        let facts = crate::input::analyse(&account, &[], &reads);
        crate::input::build_value(&account, &facts, &reads).unwrap()
    }

    /// What build.rs wrote about the built-in pack is what the engine would
    /// derive from it now, and a check of the pack alone uses it: METADATA, input
    /// reads and entry points.
    #[test]
    fn build_rs_derived_the_builtin_packs_facts_as_the_engine_would() {
        let policies: Vec<(String, String)> = builtin_sources()
            .into_iter()
            .filter(|s| s.is_rego() && !s.is_test())
            .map(|s| (s.path, s.text))
            .collect();
        let now = builtin_facts::of(&policies).expect("the pack's METADATA parses");
        let built = builtin_facts().expect("build.rs wrote the facts");
        assert_eq!(
            serde_json::to_value(built).unwrap(),
            serde_json::to_value(&now).unwrap()
        );
        assert_eq!(built.policies.len(), policies.len());
        // Every policy has its block; the library modules have none.
        assert!(built
            .policies
            .iter()
            .all(|p| p.metadata.is_some() != p.path.starts_with("policies/lib/")));
        let engine = PolicyEngine::load(builtin_sources(), None, &Options::default()).unwrap();
        assert!(engine.is_precompiled());
        let scanned = reads::InputReads::scan(policies.iter().map(|(_, t)| t.as_str()));
        assert_eq!(engine.input_reads().paths(), scanned.paths());
    }

    #[test]
    fn the_builtin_pack_runs_the_program_build_rs_compiled_and_finds_the_same() {
        let options = Options::default();
        let mut precompiled = PolicyEngine::load(builtin_sources(), None, &options).unwrap();
        assert!(precompiled.is_precompiled());
        // The same files, not known as the built-in pack: compiled here.
        let mine: Vec<PolicySource> = builtin_sources()
            .into_iter()
            .map(|s| PolicySource {
                builtin: false,
                ..s
            })
            .collect();
        let mut compiled = PolicyEngine::load(mine, None, &options).unwrap();
        assert!(compiled.uses_vm() && !compiled.is_precompiled());
        let input = examples_input(&precompiled);
        let a = precompiled.evaluate(input.clone()).unwrap();
        let b = compiled.evaluate(input).unwrap();
        assert!(a.len() > 20, "the examples should trigger most rules");
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap()
        );
    }

    #[test]
    fn workers_take_the_policies_over_the_largest_inputs_first() {
        let policy = |name: &str, id: &str, reads: &str| PolicySource {
            path: format!("custom/{name}.rego"),
            text: format!(
                "# METADATA\n# title: {name}\n# custom:\n#   id: {id}\n#   severity: low\n\
                 package custom.{name}\n\nimport rego.v1\n\n\
                 deny contains x if {{\n\tsome x in {reads}\n}}\n"
            ),
            builtin: false,
        };
        let engine = PolicyEngine::load(
            vec![
                policy("few", "T-001", "input.few"),
                policy("none", "T-002", "[]"),
                policy("many", "T-003", "input.nested.many"),
                policy("some", "T-004", "input.some"),
            ],
            None,
            &Options::default(),
        )
        .unwrap();
        let input = regorus::Value::from(serde_json::json!({
            "few": [1],
            "some": {"a": 1, "b": 2, "c": 3},
            "nested": {"many": (0..50).collect::<Vec<_>>()},
        }));
        let entries = engine.entries(Some(false));
        let order: Vec<&str> = engine
            .largest_first(&entries, &input)
            .into_iter()
            .map(|k| entries[k].2.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "data.custom.many.deny",
                "data.custom.some.deny",
                "data.custom.few.deny",
                "data.custom.none.deny"
            ]
        );
    }

    fn partitioned_policy(rule: &str) -> PolicySource {
        PolicySource {
            path: "custom/parts.rego".into(),
            text: format!(
                "# METADATA\n# title: parts\n# custom:\n#   id: T-010\n#   severity: low\n\
                 #   partition: input.listed.items\npackage custom.parts\n\nimport rego.v1\n\n{rule}\n"
            ),
            builtin: false,
        }
    }

    fn evaluate_on(threads: usize, sources: Vec<PolicySource>, input: &regorus::Value) -> Json {
        let mut engine = PolicyEngine::load(sources, None, &Options::default()).unwrap();
        engine.threads = Some(threads);
        serde_json::to_value(engine.evaluate(input.clone()).unwrap()).unwrap()
    }

    /// The same findings in the same order; a failure names the first difference
    /// rather than printing both reports.
    fn assert_same_findings(whole: &Json, parts: &Json) {
        let (a, b) = (whole.as_array().unwrap(), parts.as_array().unwrap());
        let first = a.iter().zip(b).position(|(x, y)| x != y);
        assert!(
            first.is_none() && a.len() == b.len(),
            "{} findings whole, {} in parts; first difference at {first:?}: {:?} vs {:?}",
            a.len(),
            b.len(),
            first
                .and_then(|i| a.get(i))
                .map(|f| (&f["message"], &f["details"])),
            first
                .and_then(|i| b.get(i))
                .map(|f| (&f["message"], &f["details"])),
        );
    }

    /// The finding shapes `docs/writing-policies.md` documents, each read as it
    /// says, whether the rule is evaluated whole or in parts.
    #[test]
    fn findings_read_every_documented_shape() {
        let rules = r#"deny contains {"msg": "full", "resource": "r1", "severity": "critical", "file": "f.json", "line": 3, "column": 7, "details": {"n": [1, "a"]}} if { input.listed.items[0] }
deny contains {"msg": null, "message": "alias", "resource": "r2", "severity": "nonsense"} if { input.listed.items[0] }
deny contains {"msg": "msg wins", "message": "not this", "resource": "r3", "severity": "medium"} if { input.listed.items[0] }
deny contains {"msg": 42, "resource": {"id": 1}, "column": 9, "line": 2.5} if { input.listed.items[0] }
deny contains {"msg": "no line", "resource": "r4", "column": 9, "severity": null} if { input.listed.items[0] }
deny contains "plain text" if { input.listed.items[0] }
deny contains {"resource": "r5"} if { input.listed.items[0] }"#;
        let input = regorus::Value::from(serde_json::json!({"listed": {"items": [1, 2]}}));
        let expected = serde_json::json!([
            ["", "plain text", "low", null, null, null, null],
            ["r1", "full", "critical", "f.json", 3, 7, {"n": [1, "a"]}],
            ["r2", "alias", "low", null, null, null, null],
            ["r3", "msg wins", "medium", null, null, null, null],
            ["r4", "no line", "low", null, null, null, null],
            ["r5", "", "low", null, null, null, null],
            ["{\"id\":1}", "42", "low", null, null, null, null],
        ]);
        for partition in [false, true] {
            let mut source = partitioned_policy(rules);
            if !partition {
                source.text = source
                    .text
                    .replace("#   partition: input.listed.items\n", "");
            }
            for threads in [1, 3] {
                let found = evaluate_on(threads, vec![source.clone()], &input);
                let mut got: Vec<Json> = found
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        serde_json::json!([
                            f["resource"],
                            f["message"],
                            f["severity"],
                            f["file"],
                            f["line"],
                            f["column"],
                            f["details"]
                        ])
                    })
                    .collect();
                got.sort_by_key(|row| row.to_string());
                let mut want = expected.as_array().unwrap().clone();
                want.sort_by_key(|row| row.to_string());
                assert_eq!(got, want, "partition {partition}, {threads} threads");
            }
        }
        // A boolean rule that holds is one finding named by the policy's title.
        let mut source = partitioned_policy("deny if { input.listed.items[0] }");
        source.text = source
            .text
            .replace("#   partition: input.listed.items\n", "");
        let found = evaluate_on(1, vec![source], &input);
        assert_eq!(found[0]["message"], "parts");
        assert_eq!(found.as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_partitioned_policy_finds_what_one_evaluation_finds() {
        // Every finding has the same message and resource, so the report's order
        // leaves them to the set's (by `details`); the items come in the reverse
        // of that order, and some twice, in different parts.
        let rule = "deny contains {\"msg\": \"same\", \"resource\": \"r\", \"details\": {\"n\": item.n}} if {\n\
                    \tsome item in input.listed.items\n}";
        let mut items: Vec<Json> = (0..700)
            .rev()
            .map(|n| serde_json::json!({"n": n}))
            .collect();
        items.extend((0..50).map(|n| serde_json::json!({"n": n * 7})));
        let input = regorus::Value::from(serde_json::json!({"listed": {"items": items}}));
        let engine =
            PolicyEngine::load(vec![partitioned_policy(rule)], None, &Options::default()).unwrap();
        let entries = engine.entries(Some(false));
        // 750 elements: four parts of at most PART_ITEMS, or one per core.
        assert_eq!(PART_ITEMS, 200);
        assert_eq!(engine.partitioned(&entries, &[0], &input, 3).len(), 4);
        assert_eq!(engine.partitioned(&entries, &[0], &input, 6).len(), 6);
        let whole = evaluate_on(1, vec![partitioned_policy(rule)], &input);
        let parts = evaluate_on(3, vec![partitioned_policy(rule)], &input);
        let ns: Vec<u64> = whole
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["details"]["n"].as_u64().unwrap())
            .collect();
        assert_eq!(ns, (0..700).collect::<Vec<_>>());
        assert_same_findings(&whole, &parts);
    }

    #[test]
    fn the_builtin_pack_finds_the_same_in_parts() {
        let engine = PolicyEngine::load(builtin_sources(), None, &Options::default()).unwrap();
        // The examples' principals and granting statements, many times over under
        // other names: enough for each partitioned policy (IAM-001 to IAM-004) to
        // be evaluated in parts.
        let mut input = serde_json::to_value(examples_input(&engine)).unwrap();
        let repeat = |list: &Json, rename: &dyn Fn(&mut Json, usize)| -> Json {
            let one = list.as_array().unwrap().clone();
            assert!(!one.is_empty());
            Json::Array(
                (0..PARTITION_MIN)
                    .flat_map(|i| {
                        one.iter().map(move |a| {
                            let mut a = a.clone();
                            rename(&mut a, i % 97);
                            a
                        })
                    })
                    .collect(),
            )
        };
        input["iam"]["stop_access"] = repeat(&input["iam"]["stop_access"], &|a, i| {
            let arn = a["arn"].as_str().unwrap().to_string();
            a["arn"] = Json::String(format!("{arn}-{i}"));
        });
        input["iam"]["stop_statements"] = repeat(&input["iam"]["stop_statements"], &|g, i| {
            let name = g["policy"]["name"].as_str().unwrap().to_string();
            g["policy"]["name"] = Json::String(format!("{name}-{i}"));
        });
        let input = regorus::Value::from(input);
        let entries = engine.entries(Some(false));
        let order: Vec<usize> = (0..entries.len()).collect();
        let units = engine.partitioned(&entries, &order, &input, 2);
        let split_rules: std::collections::BTreeSet<&str> = units
            .iter()
            .filter(|u| u.input.is_some())
            .filter_map(|u| entries.get(u.entry))
            .filter_map(|(i, _, _)| engine.policies.get(*i)?.metadata.as_ref())
            .filter_map(|m| m.custom.id.as_deref())
            .collect();
        assert_eq!(
            split_rules,
            ["IAM-001", "IAM-002", "IAM-003", "IAM-004"].into(),
            "the policies over stop_access and stop_statements run in parts"
        );
        let whole = evaluate_on(1, builtin_sources(), &input);
        let parts = evaluate_on(2, builtin_sources(), &input);
        let rules: std::collections::BTreeSet<&str> = whole
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        for rule in ["IAM-001", "IAM-002", "IAM-003", "IAM-004"] {
            assert!(
                rules.contains(rule),
                "the examples make {rule} find something"
            );
        }
        assert!(whole.as_array().unwrap().len() > PARTITION_MIN);
        assert_same_findings(&whole, &parts);
    }

    #[test]
    fn a_partition_needs_an_input_path_and_a_set_rule() {
        let mut bad = partitioned_policy("deny contains 1 if { true }");
        bad.text = bad.text.replace("input.listed.items", "data.items");
        let err = PolicyEngine::load(vec![bad], None, &Options::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("custom.partition"), "{err}");
        // A rule that is not a set fails whether or not the input is split, on
        // the VM as on the interpreter.
        let array = partitioned_policy("deny := [item | some item in input.listed.items]");
        for (n, use_vm) in [(3, true), (3 * PARTITION_MIN, true), (3, false)] {
            let input = regorus::Value::from(
                serde_json::json!({"listed": {"items": (0..n).collect::<Vec<_>>()}}),
            );
            let options = Options {
                use_vm,
                ..Options::default()
            };
            let mut engine = PolicyEngine::load(vec![array.clone()], None, &options).unwrap();
            assert_eq!(engine.uses_vm(), use_vm);
            engine.threads = Some(2);
            let err = engine.evaluate(input).err().unwrap();
            assert!(err.to_string().contains("must be a set"), "{n}: {err}");
        }
    }

    #[test]
    fn a_pack_that_differs_from_the_builtin_one_is_compiled_here() {
        let options = Options::default();
        // One built-in policy left out: not the pack build.rs compiled.
        let mut fewer = builtin_sources();
        let i = fewer
            .iter()
            .position(|s| s.path.ends_with("who_may_stop.rego"))
            .unwrap();
        fewer.remove(i);
        let engine = PolicyEngine::load(fewer, None, &options).unwrap();
        assert!(engine.uses_vm() && !engine.is_precompiled());
        // The test files need the interpreter, which then holds every policy.
        let tests = Options {
            include_tests: true,
            ..Options::default()
        };
        let engine = PolicyEngine::load(builtin_sources(), None, &tests).unwrap();
        assert!(!engine.is_precompiled());
    }
}
