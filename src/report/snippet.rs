//! A finding's place in its input file as a miette snippet: the offending line
//! labelled, a line of context around it. Used by the text report.
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

use crate::findings::Finding;

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{rule}")]
struct Snippet {
    rule: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
}

/// Input files, read once each; None when a file cannot be shown (standard input, a
/// compressed or vanished file): the finding then says `at file:line:column`.
#[derive(Default)]
pub struct Sources(RefCell<HashMap<String, Option<Arc<str>>>>);

impl Sources {
    fn get(&self, file: &str) -> Option<Arc<str>> {
        self.0
            .borrow_mut()
            .entry(file.to_string())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(file).ok()?;
                Some(sanitise(&text).into())
            })
            .clone()
    }
}

/// Input text is untrusted: control characters (terminal escapes among them) become
/// U+FFFD, one character for one, so that lines and columns still point right; the
/// CR of CRLF line ends is dropped.
fn sanitise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// The snippet of `f`'s file at its line, each line indented by `indent`; None when
/// there is nothing to show.
pub fn render(f: &Finding, sources: &Sources, color: bool, indent: &str) -> Option<String> {
    let file = f.file.as_deref()?;
    let line = f.line?;
    let text = sources.get(file)?;
    let column = f.column.unwrap_or(1);
    let start = crate::load::located::byte_offset(&text, line, column);
    let line_end = text
        .get(start..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| start + i);
    // The element's first line, up to 40 characters: a long one (a plan's policy
    // string) would push the label off the screen.
    let len = text
        .get(start..line_end)
        .map(str::trim_end)
        .map_or(0, |s| s.char_indices().nth(40).map_or(s.len(), |(i, _)| i))
        .max(1)
        .min(text.len().saturating_sub(start));
    let diagnostic = Snippet {
        rule: f.rule.clone(),
        src: NamedSource::new(file, text.to_string()),
        span: (start, len).into(),
        label: format!("{} {}", f.rule, f.title),
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(120)
        .without_syntax_highlighting();
    let mut out = String::new();
    handler.render_report(&mut out, &diagnostic).ok()?;
    // miette's header repeats the rule; the finding's own lines above say more.
    let body: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.contains("\u{256d}\u{2500}["))
        .filter(|l| !l.trim().is_empty())
        .collect();
    (!body.is_empty()).then(|| body.iter().map(|l| format!("{indent}{l}\n")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_replaced_one_for_one() {
        assert_eq!(sanitise("a\x1b[31mb\r\nc"), "a\u{fffd}[31mb\nc");
    }
}
