//! Where each statement of a policy file starts, found from the source text so that a
//! finding can point at its line. Serde forgets positions; this small scanner does not
//! need them to be anything but exact for the one path it looks at.

/// 1-based line of each element of the top-level `Statement` in a JSON policy file.
/// If the scan disagrees with the parser on the count, every line is unknown (None)
/// rather than wrong.
pub fn json_statement_lines(text: &str, count: usize) -> Vec<Option<u32>> {
    let offsets = json_statement_offsets(text.as_bytes());
    lines_for(text, offsets, count)
}

fn lines_for(text: &str, offsets: Vec<usize>, count: usize) -> Vec<Option<u32>> {
    if offsets.len() != count {
        return vec![None; count];
    }
    let mut line = 1u32;
    let mut pos = 0usize;
    let bytes = text.as_bytes();
    offsets
        .into_iter()
        .map(|off| {
            let end = off.min(bytes.len());
            if let Some(slice) = bytes.get(pos..end) {
                line += u32::try_from(slice.iter().filter(|&&b| b == b'\n').count()).unwrap_or(0);
            }
            pos = end;
            Some(line)
        })
        .collect()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// Index just past the string starting at `i` (which holds the opening quote).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Index just past the JSON value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{') | Some(b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = skip_string(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            j
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                j += 1;
            }
            j
        }
    }
}

fn json_statement_offsets(b: &[u8]) -> Vec<usize> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return vec![];
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'"') {
            return vec![];
        }
        let key_end = skip_string(b, i);
        let key = b.get(i + 1..key_end.saturating_sub(1)).unwrap_or_default();
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return vec![];
        }
        i = skip_ws(b, i + 1);
        if key == b"Statement" {
            return match b.get(i) {
                Some(b'{') => vec![i],
                Some(b'[') => {
                    let mut out = Vec::new();
                    let mut j = skip_ws(b, i + 1);
                    while let Some(&c) = b.get(j) {
                        if c == b']' {
                            break;
                        }
                        out.push(j);
                        j = skip_ws(b, skip_value(b, j));
                        if b.get(j) == Some(&b',') {
                            j = skip_ws(b, j + 1);
                        }
                    }
                    out
                }
                _ => vec![],
            };
        }
        i = skip_ws(b, skip_value(b, i));
        match b.get(i) {
            Some(b',') => i += 1,
            _ => return vec![],
        }
    }
}

/// The YAML counterpart, for block-style files: the items of a top-level `Statement:` list.
pub fn yaml_statement_lines(text: &str, count: usize) -> Vec<Option<u32>> {
    let mut lines = text.lines().enumerate();
    let mut out = Vec::new();
    for (_, line) in lines.by_ref() {
        if line.trim_end() == "Statement:" {
            break;
        }
    }
    let mut item_indent = None;
    for (n, line) in lines {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 && !trimmed.starts_with('-') {
            break;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            let expected = *item_indent.get_or_insert(indent);
            if indent == expected {
                out.push(u32::try_from(n + 1).ok());
            }
        } else if item_indent.is_none() {
            // A single statement written as a mapping.
            out.push(u32::try_from(n + 1).ok());
            break;
        }
    }
    if out.len() == count {
        out
    } else {
        vec![None; count]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_statement_line_in_json() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\n      \"Sid\": \"x]\",\n      \"Effect\": \"Allow\"\n    }\n  ]\n}\n";
        assert_eq!(json_statement_lines(text, 2), vec![Some(4), Some(5)]);
    }

    #[test]
    fn single_statement_object_and_miscount() {
        let text = "{\"Statement\":\n {\"Effect\":\"Allow\"}}";
        assert_eq!(json_statement_lines(text, 1), vec![Some(2)]);
        assert_eq!(json_statement_lines(text, 2), vec![None, None]);
    }

    #[test]
    fn finds_statement_lines_in_yaml() {
        let text = "Version: '2012-10-17'\nStatement:\n  - Sid: A\n    Effect: Allow\n  - Effect: Deny\n    Action: '*'\n";
        assert_eq!(yaml_statement_lines(text, 2), vec![Some(3), Some(5)]);
    }
}
