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
}
