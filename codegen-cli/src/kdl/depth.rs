//! A guard against deeply nested blocks, checked before the KDL parser runs.
//!
//! `kdl`'s parser (and dropping its document) recurses once per block level:
//! a few thousand nested `{` overflow the stack, which aborts the process —
//! worse than any error. No spec needs more than a handful of levels, so the
//! text is scanned first and refused beyond [`MAX_DEPTH`].
//!
//! The scan skips strings and comments so that `reason="{"` does not count,
//! and errs on the side of counting: a single-line string ends at a newline,
//! and an unterminated multi-line string or comment is rescanned as if it were
//! code. It can over-count only in files that are broken anyway.

/// Deepest block nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// The byte offset of the first `{` nested deeper than [`MAX_DEPTH`].
pub fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Unterminated: count what follows as code.
                i = block_comment_end(b, i).unwrap_or(i + 2);
            }
            b'"' => i = quoted_end(b, i, 0),
            b'#' => {
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + hashes) == Some(&b'"') {
                    i = quoted_end(b, i + hashes, hashes);
                } else {
                    i += hashes;
                }
            }
            _ => i += 1,
        }
    }
    None
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
        assert_eq!(too_deep(&nested(MAX_DEPTH)), None);
        assert!(too_deep(&nested(MAX_DEPTH + 1)).is_some());
        assert!(too_deep(&nested(100_000)).is_some());
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
        assert_eq!(too_deep(&text), None);
        assert_eq!(too_deep("a \"\\\"{{{\""), None);
    }

    #[test]
    fn broken_strings_count_as_code() {
        let open = format!("a \"\"\"\n{}", nested(MAX_DEPTH + 1));
        assert!(too_deep(&open).is_some());
        let single = format!("a \"x\n{}", nested(MAX_DEPTH + 1));
        assert!(too_deep(&single).is_some());
        let comment = format!("/* {}", nested(MAX_DEPTH + 1));
        assert!(too_deep(&comment).is_some());
    }
}
