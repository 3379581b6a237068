//! What every source does with one content: identify it like git does, decide whether it is
//! text, and turn UTF-16 into UTF-8 so the rules see characters.

use std::borrow::Cow;

use sha1::{Digest, Sha1};

/// Git's blob id: SHA-1 of `blob <len>\0<content>`. The same content in two files, or in a file
/// and in history, has the same id and is scanned once.
pub type BlobId = [u8; 20];

pub fn blob_id(data: &[u8]) -> BlobId {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", data.len()).as_bytes());
    h.update(data);
    h.finalize().into()
}

pub fn hex(id: &BlobId) -> String {
    crate::secret::prefixed_hex("", id)
}

/// How much of the start of a content is sniffed for NUL bytes.
const SNIFF: usize = 8 * 1024;

pub enum Text<'a> {
    /// Scan these bytes; `utf8` says whether they are valid UTF-8.
    Bytes {
        data: Cow<'a, [u8]>,
        utf8: bool,
        utf16: bool,
    },
    Binary,
}

/// Classify a content: UTF-16 with a byte-order mark is transcoded; a NUL in the first 8 KiB
/// otherwise means binary (what git and ripgrep do).
pub fn as_text(data: &[u8]) -> Text<'_> {
    if let Some(utf8) = utf16_to_utf8(data) {
        return Text::Bytes {
            data: Cow::Owned(utf8.into_bytes()),
            utf8: true,
            utf16: true,
        };
    }
    if memchr::memchr(0, &data[..data.len().min(SNIFF)]).is_some() {
        return Text::Binary;
    }
    Text::Bytes {
        data: Cow::Borrowed(data),
        utf8: std::str::from_utf8(data).is_ok(),
        utf16: false,
    }
}

fn utf16_to_utf8(data: &[u8]) -> Option<String> {
    let (le, body) = match data {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_matches_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            hex(&blob_id(b"hello\n")),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn classify() {
        assert!(matches!(as_text(b"abc\0def"), Text::Binary));
        match as_text(&[0xFF, 0xFE, b'h', 0, b'i', 0]) {
            Text::Bytes { data, utf16, .. } => {
                assert!(utf16);
                assert_eq!(&*data, b"hi");
            }
            Text::Binary => panic!("utf-16 is text"),
        }
        match as_text(b"caf\xe9") {
            Text::Bytes { utf8, .. } => assert!(!utf8),
            Text::Binary => panic!("latin-1 is text"),
        }
    }
}
