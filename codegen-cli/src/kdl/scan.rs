//! A fast pre-scan of a spec's text, before the KDL parser runs. It finds:
//!
//! - blocks nested too deep. `kdl`'s parser (and dropping its document)
//!   recurses once per block level: a few thousand nested `{` overflow the
//!   stack, which aborts the process — worse than any error. No spec needs
//!   more than a handful of levels, so the text is refused beyond [`MAX_DEPTH`];
//! - where top-level nodes start, so that a large file can be parsed in
//!   chunks on several threads (`kdl` parses about 1 MB/s).
//!
//! The scan skips strings and comments so that `reason="{"` does not count,
//! and errs on the safe side: a single-line string ends at a newline, an
//! unterminated multi-line string or comment is rescanned as code, and a
//! boundary is only taken where a line starts with a letter at depth 0, not
//! after a line continuation (`\`) or a slashdash (`/-`) waiting for its node.
//! A wrong guess can only make a chunk fail to parse, and then the whole file
//! is parsed in one piece (see `super::parse_kdl`).

/// Deepest block nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// What the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// The byte offset of the first `{` nested deeper than [`MAX_DEPTH`].
    pub too_deep: Option<usize>,
    /// Offsets where a top-level node starts on a new line (not the first).
    pub boundaries: Vec<usize>,
}

/// Scans `text` (see the module documentation).
pub fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut out = Scan::default();
    let mut i = 0;
    let mut depth = 0usize;
    // A `\` or `/-` whose continuation may be on a later line.
    let mut pending = false;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    out.too_deep = Some(i);
                    return out;
                }
                pending = false;
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                pending = false;
                i += 1;
            }
            b'\n' => {
                i += 1;
                if depth == 0 && !pending && b.get(i).is_some_and(u8::is_ascii_alphabetic) {
                    out.boundaries.push(i);
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Unterminated: count what follows as code.
                i = block_comment_end(b, i).unwrap_or(i + 2);
            }
            b'/' if b.get(i + 1) == Some(&b'-') => {
                pending = true;
                i += 2;
            }
            b'\\' => {
                pending = true;
                i += 1;
            }
            b'"' => {
                pending = false;
                i = quoted_end(b, i, 0);
            }
            b'#' => {
                pending = false;
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + hashes) == Some(&b'"') {
                    i = quoted_end(b, i + hashes, hashes);
                } else {
                    i += hashes;
                }
            }
            // Non-ASCII bytes may be Unicode whitespace: they keep `pending`.
            c => {
                if c.is_ascii() && !c.is_ascii_whitespace() {
                    pending = false;
                }
                i += 1;
            }
        }
    }
    out
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p)
}

fn block_comment_end(b: &[u8], from: usize) -> Option<usize> {
    let mut level = 0usize;
    let mut i = from;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                level += 1;
                i += 2;
            }
            (b'*', b'/') => {
                level -= 1;
                i += 2;
                if level == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of the string whose opening `"` is at `quote`, `hashes` being the
/// number of `#` of a raw string (0 for an escaped one).
fn quoted_end(b: &[u8], quote: usize, hashes: usize) -> usize {
    let multi = b[quote..].starts_with(b"\"\"\"");
    let (mut i, close): (usize, &[u8]) = if multi {
        (quote + 3, b"\"\"\"")
    } else {
        (quote + 1, b"\"")
    };
    while i < b.len() {
        let c = b[i];
        if hashes == 0 && c == b'\\' {
            i += 2;
            continue;
        }
        if !multi && c == b'\n' {
            return i;
        }
        if b[i..].starts_with(close) {
            let after = i + close.len();
            let closing_hashes = b[after..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == b'#')
                .count();
            if closing_hashes == hashes {
                return after + hashes;
            }
        }
        i += 1;
    }
    // Unterminated multi-line string: count the rest as code.
    quote + if multi { 3 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n))
    }

    #[test]
    fn refuses_deep_nesting_only() {
        assert_eq!(scan(&nested(MAX_DEPTH)).too_deep, None);
        assert!(scan(&nested(MAX_DEPTH + 1)).too_deep.is_some());
        assert!(scan(&nested(100_000)).too_deep.is_some());
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        let text = format!(
            "a reason=\"{}\"\n// {}\n/* {} /* {} */ */\nb #\"{}\"#\nc \"\"\"\n{}\n\"\"\"\n",
            "{".repeat(100),
            "{".repeat(100),
            "{".repeat(100),
            "{".repeat(100),
            "{".repeat(100),
            "{".repeat(100),
        );
        assert_eq!(scan(&text).too_deep, None);
        assert_eq!(scan("a \"\\\"{{{\"").too_deep, None);
    }

    #[test]
    fn broken_strings_count_as_code() {
        let open = format!("a \"\"\"\n{}", nested(MAX_DEPTH + 1));
        assert!(scan(&open).too_deep.is_some());
        let single = format!("a \"x\n{}", nested(MAX_DEPTH + 1));
        assert!(scan(&single).too_deep.is_some());
        let comment = format!("/* {}", nested(MAX_DEPTH + 1));
        assert!(scan(&comment).too_deep.is_some());
    }

    #[test]
    fn boundaries_are_top_level_node_starts() {
        let text = "a 1\nb {\n  c\n}\n\nd \\\ne\n/-\nf\ng \"x\n\"\"\"\nh\n\"\"\"\ni\n";
        let starts: Vec<&str> = scan(text)
            .boundaries
            .iter()
            .map(|&i| &text[i..i + 1])
            .collect();
        // Not `c` (nested), not `e` (continues `d`), not `f` (slashdashed),
        // not `h` (inside a multi-line string).
        assert_eq!(starts, ["b", "d", "g", "i"]);
    }
}
