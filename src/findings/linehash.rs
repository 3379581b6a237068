//! The `primaryLocationLineHash` that GitHub's code-scanning upload computes for a SARIF result
//! when the result carries none. We compute it ourselves, the same way, so that alerts keep
//! their identity whether or not the uploader can read the checked-out file.
//!
//! The algorithm (from the definition in the upload action): read the file as UTF-8 and walk its
//! UTF-16 code units; drop spaces and tabs, and a `\n` directly after a `\r`; turn `\r` into
//! `\n`. Keep a rolling polynomial hash (base 37, wrapping 64-bit arithmetic) over a window of
//! the last 100 kept units. A line's hash is the value of that hash over the 100 units starting
//! at the line's first kept unit; after the input, one unit of value 65535 and then zeros pad the
//! window. The hash is printed as unsigned lower-case hex without leading zeros, followed by
//! `:` and how many times that hex value has been output so far in the file (1 for the first).

use std::collections::BTreeMap;

const BLOCK: usize = 100;
const MOD: u64 = 37;
const EOF_UNIT: u64 = 65535;

/// The line hash of every line (1-based) of `content`, keyed by line number. A file that ends
/// with a newline also gets an entry for the empty line after it, as in the upload action.
pub fn line_hashes(content: &[u8]) -> BTreeMap<usize, String> {
    let text = String::from_utf8_lossy(content);
    let mut h = Hasher::new();
    for unit in text.encode_utf16() {
        h.push(u64::from(unit));
    }
    h.push(EOF_UNIT);
    for _ in 0..BLOCK {
        if h.line_at[h.index] != 0 {
            h.emit();
        }
        h.update(0);
    }
    h.out
}

struct Hasher {
    window: [u64; BLOCK],
    /// Line number starting at each window slot, 0 for none.
    line_at: [usize; BLOCK],
    hash: u64,
    first_mod: u64,
    index: usize,
    line: usize,
    line_start: bool,
    prev_cr: bool,
    seen: BTreeMap<u64, usize>,
    out: BTreeMap<usize, String>,
}

impl Hasher {
    fn new() -> Hasher {
        Hasher {
            window: [0; BLOCK],
            line_at: [0; BLOCK],
            hash: 0,
            first_mod: (0..BLOCK).fold(1u64, |m, _| m.wrapping_mul(MOD)),
            index: 0,
            line: 0,
            line_start: true,
            prev_cr: false,
            seen: BTreeMap::new(),
            out: BTreeMap::new(),
        }
    }

    fn push(&mut self, mut unit: u64) {
        if unit == u64::from(b' ') || unit == u64::from(b'\t') || (self.prev_cr && unit == 10) {
            self.prev_cr = false;
            return;
        }
        self.prev_cr = unit == 13;
        if unit == 13 {
            unit = 10;
        }
        if self.line_at[self.index] != 0 {
            self.emit();
        }
        if self.line_start {
            self.line_start = false;
            self.line += 1;
            self.line_at[self.index] = self.line;
        }
        if unit == 10 {
            self.line_start = true;
        }
        self.update(unit);
    }

    fn update(&mut self, unit: u64) {
        let begin = self.window[self.index];
        self.window[self.index] = unit;
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(unit)
            .wrapping_sub(self.first_mod.wrapping_mul(begin));
        self.index = (self.index + 1) % BLOCK;
    }

    fn emit(&mut self) {
        let n = self.seen.entry(self.hash).or_insert(0);
        *n += 1;
        self.out
            .insert(self.line_at[self.index], format!("{:x}:{n}", self.hash));
        self.line_at[self.index] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash of a sequence of at most 100 units, padded with zeros to 100: sum of
    /// unit_i * 37^(99-i), wrapping. Written from the definition, independently of the
    /// rolling implementation above.
    fn direct(units: &[u64]) -> u64 {
        let mut h = 0u64;
        for i in 0..BLOCK {
            h = h
                .wrapping_mul(37)
                .wrapping_add(units.get(i).copied().unwrap_or(0));
        }
        h
    }

    #[test]
    fn single_character_file() {
        // "a" then the end marker 65535, then zeros: 97*37^99 + 65535*37^98.
        let want = format!("{:x}:1", direct(&[97, 65535]));
        assert_eq!(line_hashes(b"a")[&1], want);
    }

    #[test]
    fn known_values() {
        // Values computed separately (Python big integers mod 2^64) from the definition.
        assert_eq!(line_hashes(b"a")[&1], "53b5d4aabe50d64:1");
        let h = line_hashes(b"a\nb\n");
        assert_eq!(h[&1], "81b8d8db678b2bbe:1");
        assert_eq!(h[&2], "ade70578248be16f:1");
        assert_eq!(h[&3], "c129715d7a2bc9a3:1");
        let h = line_hashes(b"  API_TOKEN = \"q7Rz2LxN4vKp9TmW\"\r\n");
        assert_eq!(h[&1], "a168732574732e66:1");
        assert_eq!(direct(&[97, 10, 98, 10, 65535]), 0x81b8d8db678b2bbe);
    }

    #[test]
    fn whitespace_and_line_endings_do_not_matter() {
        let a = line_hashes(b"key = value\nnext\n");
        let b = line_hashes(b"  key=value\r\nnext\r\n");
        let c = line_hashes(b"\tkey\t=\tvalue\rnext\r");
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn repeated_lines_are_numbered() {
        // Short lines' windows differ (what follows them differs); the counter shows where
        // two windows are equal: two identical lines of 100+ characters.
        let h = line_hashes(b"x\nx\nx\n");
        assert_eq!(
            h.len(),
            4,
            "three lines and the empty one after the last newline"
        );
        let long = "y".repeat(120);
        let text = format!("{long}\n{long}\n");
        let h = line_hashes(text.as_bytes());
        let (h1, n1) = h[&1].split_once(':').unwrap();
        let (h2, n2) = h[&2].split_once(':').unwrap();
        assert_eq!(h1, h2);
        assert_eq!((n1, n2), ("1", "2"));
    }

    #[test]
    fn blank_lines_hash_their_newline() {
        let h = line_hashes(b"a\n   \nb");
        assert_eq!(h.len(), 3);
        assert_eq!(h[&2], format!("{:x}:1", direct(&[10, 98, 65535])));
    }

    #[test]
    fn non_ascii_counts_utf16_units() {
        // U+1F600 is two UTF-16 units: 0xD83D 0xDE00.
        let h = line_hashes("😀".as_bytes());
        assert_eq!(h[&1], format!("{:x}:1", direct(&[0xD83D, 0xDE00, 65535])));
    }
}
