//! `# METADATA` blocks, read by stopguard itself: regorus ignores them and has no
//! `rego.metadata.*`. The block is OPA's annotation syntax: YAML in comments right
//! before the `package` line (package scope).
use serde::Deserialize;

use crate::findings::Severity;

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct Metadata {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub custom: Custom,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct Custom {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub remediation: Option<String>,
    #[serde(default)]
    pub parameters: Vec<String>,
    /// `input.PATH` of an array whose elements the policy judges one at a time:
    /// every finding follows from one element (and from the rest of the input),
    /// never from two elements together. The engine may then evaluate the policy
    /// over parts of the array on several cores and unite the results, which are
    /// the same as from one evaluation. A promise the engine cannot check: leave
    /// it out when a finding compares elements, counts them, or looks one up by
    /// another. See docs/writing-policies.md.
    #[serde(default)]
    pub partition: Option<String>,
}

impl Custom {
    /// The path segments after `input.` of a well-formed `partition`; `Err` with
    /// a message when it is not one.
    pub fn partition_path(&self) -> Result<Option<Vec<&str>>, String> {
        let Some(p) = self.partition.as_deref() else {
            return Ok(None);
        };
        let ident = |s: &&str| {
            let mut chars = s.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let segments: Vec<&str> = p.split('.').collect();
        match segments.split_first() {
            Some((&"input", rest)) if !rest.is_empty() && rest.iter().all(ident) => {
                Ok(Some(rest.to_vec()))
            }
            _ => Err(format!(
                "custom.partition must name an array of the input as `input.a.b`, not {p:?}"
            )),
        }
    }
}

/// Where a METADATA block sits, for diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct BlockSpan {
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug)]
pub struct MetadataError {
    pub message: String,
    pub span: BlockSpan,
}

/// Finds the package-scoped METADATA block and parses it. `Ok(None)` when the file has none.
pub fn parse(text: &str) -> Result<Option<(Metadata, BlockSpan)>, MetadataError> {
    let mut offset = 0usize;
    let mut start = None;
    let mut yaml = String::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        match start {
            None => {
                if trimmed == "# METADATA" {
                    start = Some(offset);
                } else if trimmed.starts_with("package ") {
                    return Ok(None);
                }
            }
            Some(s) => {
                if let Some(rest) = trimmed.strip_prefix('#') {
                    // One leading space is the comment's, the rest is YAML indentation.
                    yaml.push_str(rest.strip_prefix(' ').unwrap_or(rest));
                    yaml.push('\n');
                } else {
                    let span = BlockSpan {
                        offset: s,
                        len: offset - s,
                    };
                    if !trimmed.starts_with("package ") {
                        // A block before a rule annotates that rule; only package scope counts.
                        start = None;
                        yaml.clear();
                        offset += line.len();
                        continue;
                    }
                    return match yaml_serde::from_str::<Metadata>(&yaml) {
                        Ok(m) => Ok(Some((m, span))),
                        Err(e) => Err(MetadataError {
                            message: format!("malformed METADATA: {}", strip_at(&e.to_string())),
                            span,
                        }),
                    };
                }
            }
        }
        offset += line.len();
    }
    Ok(None)
}

fn strip_at(msg: &str) -> &str {
    msg.find(" at line ")
        .and_then(|i| msg.get(..i))
        .unwrap_or(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_block() {
        let text = "# METADATA\n# title: T\n# custom:\n#   id: SG-001\n#   severity: high\n#   remediation: |\n#     do this\n#     and that\npackage x\n";
        let (m, span) = parse(text).unwrap().unwrap();
        assert_eq!(m.title.as_deref(), Some("T"));
        assert_eq!(m.custom.id.as_deref(), Some("SG-001"));
        assert_eq!(m.custom.severity, Some(Severity::High));
        assert_eq!(m.custom.remediation.as_deref(), Some("do this\nand that\n"));
        assert_eq!(span.offset, 0);
    }

    #[test]
    fn none_without_block_and_error_on_bad_yaml() {
        assert!(parse("package x\n").unwrap().is_none());
        let err = parse("# comment\n# METADATA\n# custom: [unclosed\npackage x\n").unwrap_err();
        assert!(
            err.message.contains("malformed METADATA"),
            "{}",
            err.message
        );
        assert_eq!(err.span.offset, 10);
        let bad_sev =
            parse("# METADATA\n# custom:\n#   severity: urgent\npackage x\n").unwrap_err();
        assert!(bad_sev.message.contains("urgent"), "{}", bad_sev.message);
    }

    #[test]
    fn partition_names_an_input_path() {
        let custom = |p: &str| Custom {
            partition: Some(p.to_string()),
            ..Custom::default()
        };
        assert_eq!(Custom::default().partition_path(), Ok(None));
        assert_eq!(
            custom("input.iam.stop_access").partition_path(),
            Ok(Some(vec!["iam", "stop_access"]))
        );
        for bad in [
            "input",
            "iam.stop_access",
            "input.iam[0]",
            "input..x",
            "input.1x",
            "data.x",
        ] {
            let err = custom(bad).partition_path().unwrap_err();
            assert!(err.contains("custom.partition"), "{bad}: {err}");
        }
    }
}
