//! Adding an identity to an inventory file without rewriting it: the new entry is spliced into
//! the text after the last entry of `identities`, so comments, order and formatting of
//! everything else stay as they were. (No Rust YAML library round-trips comments.)

use super::RawIdentity;
use crate::yaml::Positions;

/// The entry as a block-sequence item, indented by `indent` spaces.
fn render(entry: &RawIdentity, indent: usize) -> Result<String, String> {
    let yaml = serde_yaml::to_string(&[entry]).map_err(|e| e.to_string())?;
    let pad = " ".repeat(indent);
    Ok(yaml.lines().map(|l| format!("{pad}{l}\n")).collect())
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
            render(entry, 2)?
        ));
    };
    let pos = Positions::of(text);
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let Some(start) = pos.get("identities") else {
        out.push_str("identities:\n");
        out.push_str(&render(entry, 2)?);
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
        let block = render(entry, 2)?;
        let line_end = out[at + close..]
            .find('\n')
            .map_or(out.len(), |i| at + close + i + 1);
        let from = out[..at].trim_end_matches(' ').len();
        out.replace_range(from..line_end, &format!("\n{block}"));
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
        out.insert_str(line_end, &render(entry, 2)?);
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
    out.insert_str(insert, &render(entry, dash)?);
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
    }
}
