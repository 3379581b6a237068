//! A YAML document as a tree whose every node knows where it sits (1-based line and column).
//! serde_yaml drops positions, so the tree is built from yaml-rust2's marked events. Aliases are
//! expanded (with a budget, so a "billion laughs" file is an error, not a hang), merge keys
//! (`<<: *defaults`) are applied, and every document of a multi-document file is kept.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

pub use super::Pos;

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    /// Where the value's first character is (inside the quotes of a quoted scalar).
    pub pos: Pos,
    /// Plain, single- or double-quoted on one line: `pos` + the value's length is its end.
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(Scalar),
    Seq {
        items: Vec<Node>,
        start: Pos,
        end: Pos,
    },
    Map {
        entries: Vec<(Scalar, Node)>,
        start: Pos,
        end: Pos,
    },
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map { entries, .. } => entries.iter().find(|(k, _)| k.value == key).map(|e| &e.1),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Scalar, Node)] {
        match self {
            Node::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(&s.value),
            _ => None,
        }
    }

    pub fn start(&self) -> Pos {
        match self {
            Node::Scalar(s) => s.pos,
            Node::Seq { start, .. } | Node::Map { start, .. } => *start,
        }
    }

    /// Where the node ends: just before this position (a scalar: its own start).
    pub fn end(&self) -> Pos {
        match self {
            Node::Scalar(s) => s.pos,
            Node::Seq { end, .. } | Node::Map { end, .. } => *end,
        }
    }

    /// Every scalar below this node (keys included), in document order.
    pub fn scalars<'a>(&'a self, out: &mut Vec<&'a Scalar>) {
        match self {
            Node::Scalar(s) => out.push(s),
            Node::Seq { items, .. } => items.iter().for_each(|n| n.scalars(out)),
            Node::Map { entries, .. } => {
                for (k, v) in entries {
                    out.push(k);
                    v.scalars(out);
                }
            }
        }
    }
}

/// A file that is not YAML: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// How many nodes alias expansion may copy before the file is rejected.
const ALIAS_BUDGET: usize = 100_000;

/// Parse every document of `text`.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        return Err(YamlError {
            pos: (*e.marker()).into(),
            message: e.info().to_string(),
        });
    }
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.docs)
}

enum Frame {
    Seq {
        anchor: usize,
        items: Vec<Node>,
        start: Pos,
    },
    Map {
        anchor: usize,
        entries: Vec<(Scalar, Node)>,
        key: Option<Scalar>,
        start: Option<Pos>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    copied: usize,
    error: Option<YamlError>,
    /// Depth of a complex (non-scalar) mapping key being skipped.
    skipping: usize,
}

fn size(n: &Node) -> usize {
    match n {
        Node::Scalar(_) => 1,
        Node::Seq { items, .. } => 1 + items.iter().map(size).sum::<usize>(),
        Node::Map { entries, .. } => 1 + entries.iter().map(|(_, v)| 1 + size(v)).sum::<usize>(),
    }
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                start,
                ..
            }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    if let Node::Scalar(s) = node {
                        if start.is_none() {
                            *start = Some(s.pos);
                        }
                        *key = Some(s);
                    }
                }
            },
        }
    }

    /// A mapping key that is not a scalar: its value is kept under the key `?`.
    fn complex_key(&mut self, pos: Pos) {
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(Scalar {
                value: "?".into(),
                pos,
                inline: false,
            });
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }
}

/// `<<: *defaults` (or a list of them): the merged mapping's keys, unless set explicitly.
fn merge(entries: Vec<(Scalar, Node)>) -> Vec<(Scalar, Node)> {
    if !entries.iter().any(|(k, _)| k.value == "<<") {
        return entries;
    }
    let mut own: Vec<(Scalar, Node)> = Vec::new();
    let mut merged: Vec<(Scalar, Node)> = Vec::new();
    for (k, v) in entries {
        if k.value == "<<" {
            let sources: Vec<Node> = match v {
                Node::Seq { items, .. } => items,
                other => vec![other],
            };
            for s in sources {
                if let Node::Map { entries, .. } = s {
                    for (mk, mv) in entries {
                        if !merged.iter().any(|(k, _)| k.value == mk.value) {
                            merged.push((mk, mv));
                        }
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| o.value == k.value) {
            own.push((k, v));
        }
    }
    own
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        if self.skipping > 0 {
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skipping += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.skipping -= 1;
                    if self.skipping == 0 {
                        self.complex_key(mark.into());
                    }
                }
                _ => {}
            }
            return;
        }
        match ev {
            Event::Scalar(value, style, anchor, _) => {
                let mut pos: Pos = mark.into();
                let quoted = matches!(
                    style,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                );
                if quoted {
                    pos.column += 1;
                    pos.offset += 1;
                }
                let inline = matches!(style, TScalarStyle::Plain) || quoted;
                self.push(Node::Scalar(Scalar { value, pos, inline }), anchor);
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .unwrap_or(Node::Scalar(Scalar {
                        value: String::new(),
                        pos: mark.into(),
                        inline: false,
                    }));
                self.copied += size(&node);
                if self.copied > ALIAS_BUDGET {
                    self.error = Some(YamlError {
                        pos: mark.into(),
                        message: format!(
                            "aliases expand to more than {ALIAS_BUDGET} nodes (a \"billion laughs\" file?)"
                        ),
                    });
                    return;
                }
                if self.expecting_key() && !matches!(node, Node::Scalar(_)) {
                    self.complex_key(mark.into());
                    return;
                }
                self.push(node, 0);
            }
            Event::SequenceStart(anchor, _) => {
                if self.expecting_key() {
                    self.skipping = 1;
                    return;
                }
                self.stack.push(Frame::Seq {
                    anchor,
                    items: Vec::new(),
                    start: mark.into(),
                });
            }
            Event::MappingStart(anchor, _) => {
                if self.expecting_key() {
                    self.skipping = 1;
                    return;
                }
                self.stack.push(Frame::Map {
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    start: None,
                });
                // A flow mapping starts at its `{`; a block mapping at its first key.
                if let Some(Frame::Map { start, .. }) = self.stack.last_mut() {
                    *start = Some(mark.into());
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    anchor,
                    items,
                    start,
                }) = self.stack.pop()
                {
                    let end = mark.into();
                    self.push(Node::Seq { items, start, end }, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    anchor,
                    entries,
                    start,
                    ..
                }) = self.stack.pop()
                {
                    let entries = merge(entries);
                    let start = entries
                        .first()
                        .map(|(k, _)| k.pos)
                        .into_iter()
                        .chain(start)
                        .min()
                        .unwrap_or_default();
                    let end = mark.into();
                    self.push(
                        Node::Map {
                            entries,
                            start,
                            end,
                        },
                        anchor,
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_anchors_merges_documents() {
        let text = "a: &d\n  x: 'q1'\n  y: plain\nb:\n  <<: *d\n  y: own\n---\nc: [1, \"two\"]\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].get("a").unwrap();
        let x = a.get("x").unwrap();
        assert_eq!(
            x,
            &Node::Scalar(Scalar {
                value: "q1".into(),
                pos: Pos::new(2, 7),
                inline: true
            })
        );
        let b = docs[0].get("b").unwrap();
        assert_eq!(b.get("y").unwrap().str(), Some("own"));
        // Merged from the anchor, with the anchor's position.
        assert_eq!(b.get("x").unwrap().start(), Pos::new(2, 7));
        let c = docs[1].get("c").unwrap();
        assert_eq!(c.items()[1].start(), Pos::new(8, 9));
    }

    #[test]
    fn errors_have_positions_and_laughs_are_bounded() {
        let e = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.pos.line >= 1, "{e:?}");
        let mut lol = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            lol.push_str(&format!(
                "a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = parse(&lol).unwrap_err();
        assert!(e.message.contains("billion laughs"), "{e:?}");
    }
}
