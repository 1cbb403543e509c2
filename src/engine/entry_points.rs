//! Which rules of a set of modules the engine evaluates: shared by the engine and
//! by `build.rs`, which compiles the built-in pack ahead of time and must name the
//! same entry points the engine would. Plain text scanning, no crate items.

/// The rule names a policy may use to report, as conftest defines them.
pub const RESULT_RULES: [&str; 3] = ["deny", "violation", "warn"];

/// Finds the package line of a module without a full parse.
pub fn package_of(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|p| p.trim().to_string())
}

/// The result rules a module defines at top level.
pub fn result_rules(text: &str) -> Vec<&'static str> {
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

/// `data.<package>.<rule>` for each result rule of each module, in module order,
/// each once: the entry points of a compiled program.
pub fn entry_point_names<'a>(modules: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for text in modules {
        let package = package_of(text).unwrap_or_default();
        for rule in result_rules(text) {
            if seen.insert((package.clone(), rule)) {
                out.push(format!("data.{package}.{rule}"));
            }
        }
    }
    out
}
