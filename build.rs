//! Embeds the built-in policy pack (`policies/`) in the binary, so `stopguard` needs no
//! files beside it. Lists every file once, sorted, for a reproducible build.
//!
//! It also compiles the pack to regorus's bytecode (RVM) here, once, so that a
//! check of the built-in pack alone starts evaluating without parsing and
//! compiling 31 policies on every run (most of a small check's time). The
//! engine uses that program only for exactly these files and falls back to
//! compiling at run time otherwise, or when this step could not compile them (the
//! engine then reports the error properly). Beside the program it writes what the
//! engine derives from the pack's text before running it (METADATA, input reads,
//! entry points: `src/engine/builtin_facts.rs`), computed by the engine's own
//! modules, included here by path.
use std::path::Path;

#[path = "src/engine/entry_points.rs"]
mod entry_points;

// What `builtin_facts` needs, as the engine has it (no crate items beyond these).
#[path = "src/engine/builtin_facts.rs"]
mod builtin_facts;
mod findings {
    pub use crate::severity::Severity;
}
#[allow(dead_code)]
#[path = "src/engine/metadata.rs"]
mod metadata;
#[allow(dead_code)]
#[path = "src/engine/reads.rs"]
mod reads;
#[allow(dead_code)]
#[path = "src/engine/rvm_gaps.rs"]
mod rvm_gaps;
#[allow(dead_code)]
#[path = "src/severity.rs"]
mod severity;

/// The pack's policies (path, text), tests left out, compiled as the engine does
/// (`PolicyEngine::load` and `compile_vm`): Rego v1, every result rule an entry.
fn compile(policies: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(false);
    for (path, text) in policies {
        engine
            .add_policy(path.clone(), text.clone())
            .map_err(|e| format!("{path}: {e}"))?;
    }
    let names = entry_points::entry_point_names(policies.iter().map(|(_, t)| t.as_str()));
    let first: regorus::Rc<str> = names.first().ok_or("no entry points")?.as_str().into();
    let compiled = engine
        .compile_with_entrypoint(&first)
        .map_err(|e| e.to_string())?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &names)
            .map_err(|e| e.to_string())?;
    program.serialize_binary()
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("rego") | Some("json")
        ) {
            out.push(p);
        }
    }
}

fn main() {
    // The directory Cargo runs this script for, read when it runs: `env!` would
    // be the directory this script was compiled for, and Cargo reuses a compiled
    // build script for another checkout of the same sources that shares the
    // target directory (a git worktree), which then embedded no policies.
    let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from) else {
        println!(
            "cargo:warning=CARGO_MANIFEST_DIR is not set: run this build script through Cargo"
        );
        std::process::exit(1);
    };
    let root = root.as_path();
    println!("cargo:rerun-if-changed=policies");
    let mut files = Vec::new();
    walk(&root.join("policies"), &mut files);
    files.sort();
    if !files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "rego"))
    {
        println!(
            "cargo:warning=no .rego files under {}: the built-in pack would be empty",
            root.join("policies").display()
        );
        std::process::exit(1);
    }
    let mut code = String::from("/// (path relative to the repository, contents)\npub static BUILTIN: &[(&str, &str)] = &[\n");
    // The policies to compile ahead of time: (path, text), tests left out.
    let mut policies = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
        if rel.ends_with(".rego") && !rel.ends_with("_test.rego") {
            match std::fs::read_to_string(f) {
                Ok(text) => policies.push((rel, text)),
                Err(e) => println!("cargo:warning=cannot read {}: {e}", f.display()),
            }
        }
    }
    code.push_str("];\n");
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let out = out_dir.join("builtin_policies.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
        std::process::exit(1);
    }

    // An empty file when the pack does not compile: the engine compiles at run
    // time instead, and reports the error there with its file, line and column.
    let program = compile(&policies).unwrap_or_else(|e| {
        println!("cargo:warning=the built-in policies will be compiled at run time: {e}");
        Vec::new()
    });
    let out = out_dir.join("builtin_program.rvm");
    if let Err(e) = std::fs::write(&out, program) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
        std::process::exit(1);
    }

    // `null` when a METADATA block does not parse: the engine then derives the
    // facts itself, and reports the error there.
    let facts = builtin_facts::of(&policies)
        .and_then(|f| serde_json::to_string(&f).ok())
        .unwrap_or_else(|| "null".to_string());
    let out = out_dir.join("builtin_facts.json");
    if let Err(e) = std::fs::write(&out, facts) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
