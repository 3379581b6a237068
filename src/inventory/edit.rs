//! Editing an inventory file without rewriting it (no Rust YAML library round-trips comments):
//! a new entry is spliced into the text after the last entry of `identities`, and a scalar
//! field of an existing entry (`last_rotated`, `last_used`, ...) is replaced where it sits or
//! inserted as one new line, so comments, order, quoting and line endings of everything else
//! stay as they were.

use super::RawIdentity;
use crate::yaml::Positions;

/// The entry as a block-sequence item, indented by `indent` spaces, lines ended by `eol`.
fn render(entry: &RawIdentity, indent: usize, eol: &str) -> Result<String, String> {
    let yaml = serde_yaml::to_string(&[entry]).map_err(|e| e.to_string())?;
    let pad = " ".repeat(indent);
    Ok(yaml.lines().map(|l| format!("{pad}{l}{eol}")).collect())
}

/// `text` with `entry` added to its `identities` list; `None` makes a new file. A file whose
/// first line ends in CRLF gets CRLF throughout (the new entry too), never mixed endings.
pub fn add_identity(text: Option<&str>, entry: &RawIdentity) -> Result<String, String> {
    if let Some(t) = text {
        let first_end = t.find('\n');
        if first_end.is_some_and(|i| i > 0 && t.as_bytes()[i - 1] == b'\r') {
            let lf = t.replace("\r\n", "\n");
            return Ok(add_lf(Some(&lf), entry)?.replace('\n', "\r\n"));
        }
    }
    add_lf(text, entry)
}

fn add_lf(text: Option<&str>, entry: &RawIdentity) -> Result<String, String> {
    let Some(text) = text else {
        return Ok(format!(
            "# nhiscan governance inventory: see the README's \"Inventory\" section.\nversion: 1\nidentities:\n{}",
            render(entry, 2, "\n")?
        ));
    };
    // A CRLF file stays CRLF: the new lines end like the first one.
    let eol = line_ending(text);
    let pos = Positions::of(text);
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(eol);
    }
    let Some(start) = pos.get("identities") else {
        out.push_str("identities:");
        out.push_str(eol);
        out.push_str(&render(entry, 2, eol)?);
        return Ok(out);
    };
    let first = pos.get("identities[0]");
    let at = start.offset;
    let rest = &out[at..];
    if rest.starts_with('[') {
        if first.is_some() {
            return Err(
                "`identities` is a flow list ([...]): write it as a block list to add entries"
                    .into(),
            );
        }
        // `identities: []`: replace the empty list with a block.
        let close = rest.find(']').ok_or("unterminated `identities: [`")?;
        let block = render(entry, 2, eol)?;
        let line_end = out[at + close..]
            .find('\n')
            .map_or(out.len(), |i| at + close + i + 1);
        let from = out[..at].trim_end_matches(' ').len();
        out.replace_range(from..line_end, &format!("{eol}{block}"));
        return Ok(out);
    }
    let Some(first) = first else {
        // `identities:` with no value (its empty scalar is marked at the next token): the
        // entry goes on the line after the key.
        let key = out
            .match_indices("identities:")
            .map(|(i, _)| i)
            .find(|&i| i == 0 || out.as_bytes()[i - 1] == b'\n')
            .ok_or("cannot find the `identities:` key")?;
        let line_end = out[key..].find('\n').map_or(out.len(), |i| key + i + 1);
        out.insert_str(line_end, &render(entry, 2, eol)?);
        return Ok(out);
    };
    // Indent like the first entry: the spaces before its `-`.
    let line_start = out[..first.offset].rfind('\n').map_or(0, |i| i + 1);
    let dash = out[line_start..].find(|c: char| c != ' ').unwrap_or(0);
    let end = pos
        .end("identities")
        .map_or(out.len(), |p| p.offset.min(out.len()));
    // Insert after the last line of the last entry: back over the blank lines and unindented
    // comments that belong to whatever follows.
    let mut insert = out[..end].rfind('\n').map_or(0, |i| i + 1);
    if end == out.len() {
        insert = out.len();
    }
    loop {
        let before = &out[..insert];
        let Some(prev_end) = before.strip_suffix('\n') else {
            break;
        };
        let prev_start = prev_end.rfind('\n').map_or(0, |i| i + 1);
        let line = &prev_end[prev_start..];
        if line.trim().is_empty() || line.starts_with('#') {
            insert = prev_start;
        } else {
            break;
        }
    }
    out.insert_str(insert, &render(entry, dash, eol)?);
    Ok(out)
}

/// The line ending a text uses: CRLF when its first line ends so.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The keys of an identity entry in the order `inventory add` writes them: a field that is
/// not there yet goes before the first present key that follows it here.
const ORDER: &[&str] = &[
    "id",
    "kind",
    "provider",
    "owner",
    "contact",
    "purpose",
    "environment",
    "created",
    "last_rotated",
    "expires",
    "rotation_days",
    "status",
    "approved_by",
    "ticket",
    "scopes",
    "offboarding",
    "last_used",
    "match",
];

/// One key line of a block-mapping entry.
struct KeyLine {
    key: String,
    /// Byte offsets: the start of its line, just after its `:`, the end of its line (before
    /// the line ending).
    line_start: usize,
    after_colon: usize,
    line_end: usize,
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if end > at && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The entry `identities[index]`: its key indentation (bytes), the byte range of its lines,
/// and its top-level key lines.
fn entry_keys(
    text: &str,
    pos: &Positions,
    index: usize,
) -> Result<(usize, usize, usize, Vec<KeyLine>), String> {
    let entry = format!("identities[{index}]");
    let start = pos
        .get(&entry)
        .ok_or_else(|| format!("no identity #{}", index + 1))?;
    let first_line = line_start(text, start.offset);
    let prefix = &text[first_line..start.offset];
    if prefix.trim_end().ends_with('{') || !prefix.trim_start().starts_with('-') {
        return Err(format!(
            "identity #{} is not a block mapping (`- id: ...` on its own lines): write it so to update it",
            index + 1
        ));
    }
    let indent = start.offset - first_line;
    let end = pos
        .get(&format!("identities[{}]", index + 1))
        .map(|p| line_start(text, p.offset))
        .or_else(|| pos.end("identities").map(|p| p.offset.min(text.len())))
        .unwrap_or(text.len());
    // The end mark of the list may sit on the line of what follows it: cut at a line start.
    let end = if end < text.len() && end > first_line {
        let ls = line_start(text, end);
        if ls > first_line {
            ls
        } else {
            end
        }
    } else {
        end
    };
    let mut keys = Vec::new();
    let mut at = first_line;
    while at < end {
        let le = line_end(text, at);
        let line = &text[at..le];
        let is_key_line = at == first_line
            || (line.len() > indent
                && line.as_bytes()[..indent].iter().all(|&b| b == b' ')
                && !matches!(line.as_bytes()[indent], b' ' | b'#' | b'-'));
        let body = if is_key_line {
            Some(&line[indent..])
        } else {
            None
        };
        if let Some(body) = body {
            if let Some(colon) = body.find(':') {
                let key = &body[..colon];
                if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    keys.push(KeyLine {
                        key: key.to_string(),
                        line_start: at,
                        after_colon: at + indent + colon + 1,
                        line_end: le,
                    });
                }
            }
        }
        at = text[at..].find('\n').map_or(end, |i| at + i + 1);
    }
    Ok((indent, first_line, end, keys))
}

/// The byte range of the scalar starting at `from`: quoted (with its quotes) or plain (up to
/// a comment or the end of the line).
fn scalar_span(text: &str, from: usize, line_end: usize) -> Result<usize, String> {
    let b = text.as_bytes();
    match b.get(from) {
        Some(b'\'') => {
            let mut i = from + 1;
            while i < line_end {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Ok(i + 1);
                }
                i += 1;
            }
            Err("a quoted value spans lines".into())
        }
        Some(b'"') => {
            let mut i = from + 1;
            while i < line_end {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Ok(i + 1),
                    _ => i += 1,
                }
            }
            Err("a quoted value spans lines".into())
        }
        _ => {
            let rest = &text[from..line_end];
            let cut = rest.find(" #").unwrap_or(rest.len());
            Ok(from + rest[..cut].trim_end().len())
        }
    }
}

/// `text` with the scalar `field` of identity `index` (0-based) set to `value`, a plain YAML
/// scalar (a date, a status). An existing value is replaced where it is, in its quoting style
/// (`'2025-01-01'` stays single-quoted), its comment kept; a missing field is one new line, in
/// `inventory add`'s key order, with the file's line ending.
pub fn set_field(text: &str, index: usize, field: &str, value: &str) -> Result<String, String> {
    let pos = Positions::of(text);
    let (indent, _, end, keys) = entry_keys(text, &pos, index)?;
    let mut out = text.to_string();
    if let Some(k) = keys.iter().find(|k| k.key == field) {
        let v = pos.get(&format!("identities[{index}].{field}"));
        match v {
            // The value on the key's line (a null value is marked at the next token).
            Some(v) if v.offset >= k.after_colon && v.offset <= k.line_end => {
                let to = scalar_span(text, v.offset, k.line_end)?;
                let new = match text.as_bytes()[v.offset] {
                    b'\'' => format!("'{value}'"),
                    b'"' => format!("\"{value}\""),
                    _ => value.to_string(),
                };
                out.replace_range(v.offset..to, &new);
            }
            _ => {
                // `field:` with nothing (or only a comment) after it.
                let rest = &text[k.after_colon..k.line_end];
                let cut = rest.find('#').map_or(k.line_end, |i| k.after_colon + i);
                let tail = if cut < k.line_end { " " } else { "" };
                out.replace_range(k.after_colon..cut, &format!(" {value}{tail}"));
            }
        }
        return Ok(out);
    }
    let rank = |k: &str| ORDER.iter().position(|o| *o == k);
    let mine = rank(field).ok_or_else(|| format!("`{field}` is not an identity field"))?;
    let eol = line_ending(text);
    let line = format!("{}{field}: {value}{eol}", " ".repeat(indent));
    let before = keys
        .iter()
        .filter(|k| k.line_start != keys[0].line_start)
        .find(|k| rank(&k.key).is_some_and(|r| r > mine));
    if let Some(k) = before {
        out.insert_str(k.line_start, &line);
        return Ok(out);
    }
    // After the entry's last line: back over the blank lines and comments that belong to
    // whatever follows.
    let mut insert = end;
    while let Some(prev_end) = out[..insert].strip_suffix('\n') {
        let prev_start = line_start(&out, prev_end.len());
        let l = out[prev_start..prev_end.len()].trim();
        if (l.is_empty() || l.starts_with('#')) && prev_start > keys[0].line_start {
            insert = prev_start;
        } else {
            break;
        }
    }
    if insert == out.len() && !out.is_empty() && !out.ends_with('\n') {
        out.push_str(eol);
        insert = out.len();
    }
    out.insert_str(insert, &line);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RawIdentity {
        RawIdentity {
            id: "new-one".into(),
            owner: Some("team-x".into()),
            ..Default::default()
        }
    }

    #[test]
    fn appends_after_the_last_entry_keeping_comments() {
        let text = "# top comment\nversion: 1\nidentities:\n  # the first\n  - id: a # inline\n    owner: me\n\n# about policy\npolicy:\n  rotation_days: 30\n";
        let got = add_identity(Some(text), &entry()).unwrap();
        assert_eq!(
            got,
            "# top comment\nversion: 1\nidentities:\n  # the first\n  - id: a # inline\n    owner: me\n  - id: new-one\n    owner: team-x\n\n# about policy\npolicy:\n  rotation_days: 30\n"
        );
    }

    #[test]
    fn a_crlf_file_stays_crlf() {
        let text = "version: 1\r\nidentities:\r\n  - id: a # one\r\n    owner: me\r\n\r\npolicy:\r\n  rotation_days: 30\r\n";
        let got = add_identity(Some(text), &entry()).unwrap();
        assert_eq!(
            got,
            "version: 1\r\nidentities:\r\n  - id: a # one\r\n    owner: me\r\n  - id: new-one\r\n    owner: team-x\r\n\r\npolicy:\r\n  rotation_days: 30\r\n"
        );
        // No line ends in a bare LF.
        assert!(!got.replace("\r\n", "").contains('\n'), "{got:?}");
    }

    #[test]
    fn at_end_of_file_unindented_and_empty_lists() {
        let got = add_identity(Some("version: 1\nidentities:\n- id: a\n"), &entry()).unwrap();
        assert_eq!(
            got,
            "version: 1\nidentities:\n- id: a\n- id: new-one\n  owner: team-x\n"
        );
        let got = add_identity(Some("version: 1\nidentities: []\n"), &entry()).unwrap();
        assert_eq!(
            got,
            "version: 1\nidentities:\n  - id: new-one\n    owner: team-x\n"
        );
        let got = add_identity(Some("version: 1\nidentities:\npolicy: {}\n"), &entry()).unwrap();
        assert_eq!(
            got,
            "version: 1\nidentities:\n  - id: new-one\n    owner: team-x\npolicy: {}\n"
        );
        let got = add_identity(Some("version: 1"), &entry()).unwrap();
        assert_eq!(
            got,
            "version: 1\nidentities:\n  - id: new-one\n    owner: team-x\n"
        );
        assert!(add_identity(Some("version: 1\nidentities: [{id: a}]\n"), &entry()).is_err());
        // A CRLF file gets CRLF lines, not a mix.
        let got =
            add_identity(Some("version: 1\r\nidentities:\r\n  - id: a\r\n"), &entry()).unwrap();
        assert_eq!(
            got,
            "version: 1\r\nidentities:\r\n  - id: a\r\n  - id: new-one\r\n    owner: team-x\r\n"
        );
    }

    #[test]
    fn set_field_replaces_in_place_keeping_quotes_and_comments() {
        let text = "version: 1\nidentities:\n  # first\n  - id: a\n    created: '2025-01-01' # by hand\n    last_rotated: \"2025-02-01\"\n    last_used: 2025-03-01\n    match:\n      ci_secrets: [A]\n  - id: b\n";
        let got = set_field(text, 0, "created", "2024-12-01").unwrap();
        assert!(
            got.contains("    created: '2024-12-01' # by hand\n"),
            "{got}"
        );
        let got = set_field(&got, 0, "last_rotated", "2025-05-01").unwrap();
        assert!(got.contains("    last_rotated: \"2025-05-01\"\n"), "{got}");
        let got = set_field(&got, 0, "last_used", "2025-05-30").unwrap();
        assert_eq!(
            got,
            "version: 1\nidentities:\n  # first\n  - id: a\n    created: '2024-12-01' # by hand\n    last_rotated: \"2025-05-01\"\n    last_used: 2025-05-30\n    match:\n      ci_secrets: [A]\n  - id: b\n"
        );
    }

    #[test]
    fn set_field_inserts_in_key_order_with_the_files_line_ending() {
        let text = "version: 1\r\nidentities:\r\n  - id: a\r\n    owner: me\r\n    status: active\r\n    match:\r\n      ci_secrets: [A]\r\n  # the next one\r\n  - id: b\r\n    owner: you\r\n";
        let got = set_field(text, 0, "last_rotated", "2025-05-01").unwrap();
        assert_eq!(
            got,
            "version: 1\r\nidentities:\r\n  - id: a\r\n    owner: me\r\n    last_rotated: 2025-05-01\r\n    status: active\r\n    match:\r\n      ci_secrets: [A]\r\n  # the next one\r\n  - id: b\r\n    owner: you\r\n"
        );
        // Last entry, nothing after the new key, no final newline.
        let got = set_field(&got, 1, "last_used", "2025-05-02").unwrap();
        assert!(
            got.ends_with("  - id: b\r\n    owner: you\r\n    last_used: 2025-05-02\r\n"),
            "{got:?}"
        );
        let got = set_field(
            "identities:\n- id: a\n  owner: x",
            0,
            "expires",
            "2026-01-01",
        )
        .unwrap();
        assert_eq!(
            got,
            "identities:\n- id: a\n  owner: x\n  expires: 2026-01-01\n"
        );
        // A null value is filled in on its own line.
        let got = set_field(
            "identities:\n  - id: a\n    expires:\n    owner: x\n",
            0,
            "expires",
            "2026-01-01",
        )
        .unwrap();
        assert_eq!(
            got,
            "identities:\n  - id: a\n    expires: 2026-01-01\n    owner: x\n"
        );
        // Before the next entry's comment, not after it.
        let got = set_field(
            "identities:\n  - id: a\n\n  # b\n  - id: b\n",
            0,
            "status",
            "revoked",
        )
        .unwrap();
        assert_eq!(
            got,
            "identities:\n  - id: a\n    status: revoked\n\n  # b\n  - id: b\n"
        );
        assert!(set_field("identities:\n  - {id: a}\n", 0, "status", "revoked").is_err());
    }
}
