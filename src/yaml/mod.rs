//! Positioned YAML, for every stage that reads YAML a person wrote (pipelines, the inventory,
//! the config, rule files) and must point back into it: one [`Pos`], one located error
//! ([`Located`]), and two views of the same marked-event parse (yaml-rust2), because serde_yaml
//! drops positions:
//! - [`tree`]: the document as a tree whose every node knows where it sits, aliases expanded and
//!   merge keys applied (the pipelines analysis reads YAML as the CI system evaluates it);
//! - [`paths`]: where each value sits as written, by path (`identities[2].match.fingerprints[0]`),
//!   for messages about values serde accepted but validation rejected, and for in-place edits.
//!
//! Near a leaf: it imports only `secret` (serde's messages quote values, which are redacted).

pub mod paths;
pub mod tree;

use std::fmt;

use serde::Serialize;
use yaml_rust2::scanner::Marker;

pub use paths::Positions;

/// A place in the text: 1-based line and column (in characters), and the byte offset. The place
/// is its line and column: equality and order compare those only, so a position computed from a
/// line and column (a secret reference inside a `run:` script) compares with parsed ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    /// Byte offset in the text, when known from the parser (0 for a computed position).
    pub offset: usize,
}

impl Pos {
    pub fn new(line: usize, column: usize) -> Pos {
        Pos {
            line,
            column,
            offset: 0,
        }
    }
}

impl PartialEq for Pos {
    fn eq(&self, other: &Pos) -> bool {
        (self.line, self.column) == (other.line, other.column)
    }
}

impl Eq for Pos {}

impl PartialOrd for Pos {
    fn partial_cmp(&self, other: &Pos) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pos {
    fn cmp(&self, other: &Pos) -> std::cmp::Ordering {
        (self.line, self.column).cmp(&(other.line, other.column))
    }
}

impl From<Marker> for Pos {
    fn from(m: Marker) -> Pos {
        Pos {
            line: m.line(),
            column: m.col() + 1,
            offset: m.index(),
        }
    }
}

/// A problem in a file a person wrote, with the place to open: `file:line:column: message`.
/// `line` 0 means the file as a whole (it could not be read): shown as `file: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Located {
    pub fn new(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Located {
        Located {
            file: file.into(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// A problem with the file as a whole (it cannot be read, it does not exist).
    pub fn whole_file(file: impl Into<String>, message: impl Into<String>) -> Located {
        Located {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// serde_yaml's error, its position taken out of the message and into the fields (a
    /// document-level error without a position is placed at 1:1).
    pub fn from_serde(file: impl Into<String>, e: &serde_yaml::Error) -> Located {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        let msg = e.to_string();
        let message =
            crate::secret::redact_quoted(msg.find(" at line ").map_or(msg.as_str(), |i| &msg[..i]));
        Located {
            file: file.into(),
            line,
            column,
            message,
        }
    }
}

impl Located {
    /// `file:line:column`, or the file alone for a problem with the whole file (one that
    /// could not be read has no position: never `file:0:0`).
    pub fn at(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for Located {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_display_and_serde_positions() {
        let e: serde_yaml::Error =
            serde_yaml::from_str::<std::collections::BTreeMap<String, u32>>("a: 1\nb: [\n")
                .unwrap_err();
        let l = Located::from_serde("f.yaml", &e);
        assert!(l.line >= 2, "{l:?}");
        assert!(!l.message.contains(" at line "), "{l:?}");
        assert!(l.to_string().starts_with(&format!("f.yaml:{}:", l.line)));
        let w = Located::whole_file("missing.yaml", "cannot read inventory: not found");
        assert_eq!(
            w.to_string(),
            "missing.yaml: cannot read inventory: not found"
        );
    }
}
