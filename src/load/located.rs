//! A JSON/YAML document as a tree that remembers where each value starts, so that a
//! finding about a template can point at the statement, rule or property at fault.
//!
//! serde forgets positions and plain YAML loaders reject CloudFormation's short-form
//! tags (`!Ref`, `!Sub`...). saphyr-parser's events carry both the tag and the span,
//! so the tree is built from them, iteratively (no recursion on hostile nesting).
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Where a value starts: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// A number, as written.
    Num(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// A local tag (`!Ref x`): the tag without its `!`, and the tagged value.
    Tagged(String, Box<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    /// Where the key is written: the position of a property.
    pub key_pos: Pos,
    pub value: Node,
}

/// Nesting deeper than this is refused (the walkers over the tree recurse).
const MAX_DEPTH: usize = 256;
/// Nodes an alias expansion may create, in all ("billion laughs").
const MAX_NODES: usize = 4_000_000;

#[derive(Debug)]
pub struct ParseError {
    pub message: String,
    pub pos: Pos,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) | Kind::Num(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
    /// The node as plain JSON, tags kept as `{"!Tag": value}` (for messages and
    /// for values no check reads).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Num(n) => n
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
            Kind::Tagged(tag, inner) => {
                let mut m = serde_json::Map::new();
                m.insert(format!("!{tag}"), inner.to_json());
                Value::Object(m)
            }
        }
    }
}

fn pos_of(m: &saphyr_parser::Marker) -> Pos {
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

/// A plain YAML scalar resolved by the YAML 1.2 core schema (JSON's scalars are
/// the same words).
fn plain(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if looks_numeric(s) => Kind::Num(s.to_string()),
        _ => Kind::Str(s.to_string()),
    }
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    !t.is_empty()
        && t.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && s.parse::<f64>().is_ok()
}

enum Frame {
    Seq(Pos, Option<String>, usize, Vec<Node>),
    Map(
        Pos,
        Option<String>,
        usize,
        Vec<Entry>,
        Option<(String, Pos)>,
    ),
}

/// Parses one JSON or YAML document into a located tree.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    let err = |message: String, pos: Pos| ParseError { message, pos };
    for ev in Parser::new_from_str(text) {
        let (event, span) = ev.map_err(|e| err(e.info().to_string(), pos_of(e.marker())))?;
        let pos = pos_of(&span.start);
        let local_tag = |tag: &Option<std::borrow::Cow<'_, saphyr_parser::Tag>>| {
            tag.as_ref()
                .filter(|t| t.handle == "!")
                .map(|t| t.suffix.clone())
        };
        let (node, anchor) = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => {
                continue
            }
            Event::DocumentEnd => {
                if root.is_some() {
                    // Only the first document counts; a second is refused below.
                }
                continue;
            }
            Event::Alias(id) => {
                let Some(n) = anchors.get(&id) else {
                    return Err(err("alias to an unknown anchor".into(), pos));
                };
                nodes = nodes.saturating_add(count(n));
                if nodes > MAX_NODES {
                    return Err(err("alias expansion too large".into(), pos));
                }
                (n.clone(), 0)
            }
            Event::Scalar(value, style, anchor, tag) => {
                let kind = if style == ScalarStyle::Plain && tag.is_none() {
                    plain(&value)
                } else {
                    Kind::Str(value.into_owned())
                };
                let node = Node { kind, pos };
                let node = match local_tag(&tag) {
                    Some(t) => Node {
                        kind: Kind::Tagged(t, Box::new(node)),
                        pos,
                    },
                    None => node,
                };
                (node, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("nesting deeper than {MAX_DEPTH} levels"), pos));
                }
                stack.push(Frame::Seq(pos, local_tag(&tag), anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("nesting deeper than {MAX_DEPTH} levels"), pos));
                }
                stack.push(Frame::Map(pos, local_tag(&tag), anchor, Vec::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (start, tag, anchor, kind) = match stack.pop() {
                    Some(Frame::Seq(p, t, a, items)) => (p, t, a, Kind::Seq(items)),
                    Some(Frame::Map(p, t, a, entries, _)) => (p, t, a, Kind::Map(entries)),
                    None => return Err(err("unbalanced document".into(), pos)),
                };
                let node = Node { kind, pos: start };
                let node = match tag {
                    Some(t) => Node {
                        kind: Kind::Tagged(t, Box::new(node)),
                        pos: start,
                    },
                    None => node,
                };
                (node, anchor)
            }
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(err("document too large".into(), pos));
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Frame::Seq(_, _, _, items)) => items.push(node),
            Some(Frame::Map(_, _, _, entries, pending)) => match pending.take() {
                None => {
                    let key = match &node.kind {
                        Kind::Str(s) | Kind::Num(s) => s.clone(),
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => "null".to_string(),
                        _ => return Err(err("a mapping key must be a scalar".into(), node.pos)),
                    };
                    if entries.iter().any(|e| e.key == key) {
                        return Err(err(format!("duplicate key {key:?}"), node.pos));
                    }
                    *pending = Some((key, node.pos));
                }
                Some((key, key_pos)) => entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                }),
            },
            None => {
                if root.is_some() {
                    return Err(err("more than one document".into(), pos));
                }
                root = Some(node);
            }
        }
    }
    root.ok_or_else(|| err("empty document".into(), Pos { line: 1, column: 1 }))
}

/// Byte offset of a 1-based line and character column (clamped to the line), always
/// on a character boundary.
pub fn byte_offset(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let content = l.trim_end_matches(['\n', '\r']);
            let col = content
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map(|(b, _)| b)
                .unwrap_or(content.len());
            return offset + col;
        }
        offset += l.len();
    }
    text.len()
}

fn count(n: &Node) -> usize {
    match &n.kind {
        Kind::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Kind::Map(entries) => 1 + entries.iter().map(|e| 1 + count(&e.value)).sum::<usize>(),
        Kind::Tagged(_, inner) => 1 + count(inner),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_positions_and_short_tags() {
        let text = "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      CidrIp: !Ref Cidr\n      List: !Join ['', [a, !Sub '${X}']]\n";
        let doc = parse(text).unwrap();
        let props = doc
            .get("Resources")
            .unwrap()
            .get("Sg")
            .unwrap()
            .get("Properties")
            .unwrap();
        let cidr = props.entry("CidrIp").unwrap();
        assert_eq!(cidr.key_pos, Pos { line: 5, column: 7 });
        match &cidr.value.kind {
            Kind::Tagged(t, inner) => {
                assert_eq!(t, "Ref");
                assert_eq!(inner.as_str(), Some("Cidr"));
            }
            other => panic!("{other:?}"),
        }
        let list = props.get("List").unwrap();
        assert!(
            matches!(&list.kind, Kind::Tagged(t, inner) if t == "Join" && inner.items().len() == 2)
        );
    }

    #[test]
    fn json_positions_and_scalars() {
        let text = "{\n  \"a\": [1, \"2\", true, null],\n  \"b\": {\"c\": \"d\"}\n}";
        let doc = parse(text).unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.pos, Pos { line: 2, column: 8 });
        assert_eq!(a.items()[0].kind, Kind::Num("1".into()));
        assert_eq!(a.items()[1].kind, Kind::Str("2".into()));
        assert_eq!(a.items()[2].kind, Kind::Bool(true));
        assert_eq!(a.items()[3].kind, Kind::Null);
        assert_eq!(
            doc.get("b").unwrap().get("c").unwrap().pos,
            Pos {
                line: 3,
                column: 14
            }
        );
    }

    #[test]
    fn duplicate_keys_and_bad_text_are_errors() {
        assert!(parse("a: 1\na: 2\n").is_err());
        let e = parse("a: [1, 2\n").unwrap_err();
        assert!(e.pos.line >= 1);
    }
}
