//! Where each value of a YAML document sits. serde_yaml locates syntax errors and unknown keys
//! but not the value a semantic check rejects (a duplicate id, a date that is not a date), so
//! the document is read once more as events with their marks, and every node is recorded under
//! its path (`identities[2].match.fingerprints[0]`).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::Pos;

/// Start (and, for sequences and mappings, end) of every node, by path.
#[derive(Debug, Default)]
pub struct Positions {
    start: HashMap<String, Pos>,
    end: HashMap<String, Pos>,
}

impl Positions {
    /// Index a document. A document that does not parse yields an empty index (serde_yaml
    /// reports the syntax error itself).
    pub fn of(text: &str) -> Positions {
        let mut r = Recorder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut r, false).is_err() {
            return Positions::default();
        }
        r.out
    }

    /// Where the node at `path` starts, or the nearest indexed parent of it.
    pub fn find(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.start.get(p) {
                return *pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return Pos::default(),
            }
        }
    }

    pub fn get(&self, path: &str) -> Option<Pos> {
        self.start.get(path).copied()
    }

    /// Where the sequence or mapping at `path` ends.
    pub fn end(&self, path: &str) -> Option<Pos> {
        self.end.get(path).copied()
    }
}

enum Frame {
    Seq {
        path: String,
        next: usize,
    },
    Map {
        path: String,
        key: Option<String>,
        /// No key seen yet: the first key's mark is where the mapping starts (the parser
        /// marks a block mapping's start after its first key).
        fresh: bool,
    },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    out: Positions,
    /// A non-scalar mapping key is being skipped: its depth.
    skipping: usize,
}

impl Recorder {
    /// The path of the node that starts now, or `None` when it is a mapping key.
    fn next_path(&mut self, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key, .. }) => match key.take() {
                Some(k) => Some(if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }),
                None => {
                    *key = Some(scalar.unwrap_or("?").to_string());
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) if self.skipping == 0 => {
                if let Some(Frame::Map {
                    path,
                    key: None,
                    fresh,
                }) = self.stack.last_mut()
                {
                    if *fresh {
                        *fresh = false;
                        self.out.start.insert(path.clone(), mark.into());
                    }
                }
                if let Some(p) = self.next_path(Some(&value)) {
                    self.out.start.insert(p, mark.into());
                }
            }
            Event::Alias(_) if self.skipping == 0 => {
                if let Some(p) = self.next_path(Some("*alias")) {
                    self.out.start.insert(p, mark.into());
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.skipping > 0 {
                    self.skipping += 1;
                    return;
                }
                let is_seq = matches!(ev, Event::SequenceStart(..));
                match self.next_path(None) {
                    Some(p) => {
                        self.out.start.insert(p.clone(), mark.into());
                        self.stack.push(if is_seq {
                            Frame::Seq { path: p, next: 0 }
                        } else {
                            Frame::Map {
                                path: p,
                                key: None,
                                fresh: true,
                            }
                        });
                    }
                    // A complex mapping key: skip it, its value is recorded as `?`.
                    None => self.skipping = 1,
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if self.skipping > 0 {
                    self.skipping -= 1;
                    return;
                }
                if let Some(Frame::Seq { path, .. } | Frame::Map { path, .. }) = self.stack.pop() {
                    self.out.end.insert(path, mark.into());
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
    fn paths_and_positions() {
        let text = "version: 1\nidentities:\n  - id: a\n    match:\n      fingerprints: [x, y]\n  - id: b\n";
        let p = Positions::of(text);
        assert_eq!(p.get("version").map(|p| (p.line, p.column)), Some((1, 10)));
        assert_eq!(
            p.get("identities[0].id").map(|p| (p.line, p.column)),
            Some((3, 9))
        );
        assert_eq!(
            p.get("identities[0].match.fingerprints[1]")
                .map(|p| (p.line, p.column)),
            Some((5, 25))
        );
        assert_eq!(
            p.get("identities[1].id").map(|p| (p.line, p.column)),
            Some((6, 9))
        );
        // Unknown paths fall back to the nearest parent.
        assert_eq!(p.find("identities[1].owner").line, 6);
        assert!(p.end("identities").is_some());
    }
}
