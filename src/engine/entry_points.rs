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

/// The result rules a module defines at top level, in [`RESULT_RULES`]' order:
/// one pass over the lines, which stops once all of them are found.
pub fn result_rules(text: &str) -> Vec<&'static str> {
    let defines = |l: &str, rule: &str| {
        l.strip_prefix(rule)
            .is_some_and(|rest| rest.starts_with([' ', '[', '{', '\t']) || rest.is_empty())
    };
    let mut found = [false; RESULT_RULES.len()];
    for l in text.lines() {
        for (seen, rule) in found.iter_mut().zip(RESULT_RULES) {
            *seen = *seen || defines(l, rule);
        }
        if found.iter().all(|&f| f) {
            break;
        }
    }
    RESULT_RULES
        .into_iter()
        .zip(found)
        .filter_map(|(rule, f)| f.then_some(rule))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_rules_are_found_at_the_start_of_a_line_in_their_order() {
        let text = "package p\nwarn contains x if { true }\n  deny if { false }\n\
                    # deny contains\ndenying := 1\ndeny[msg] { msg := 1 }\nviolation\n";
        assert_eq!(result_rules(text), vec!["deny", "violation", "warn"]);
        assert_eq!(result_rules("package p\nwarn\tcontains 1\n"), vec!["warn"]);
        assert!(result_rules("package p\n deny := 1\ndenial := 2\n").is_empty());
    }
}
