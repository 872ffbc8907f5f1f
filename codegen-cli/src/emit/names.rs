//! Rust names derived from spec names: modules and methods are snake_case,
//! enum variants CamelCase, and keywords are avoided.

use proc_macro2::{Ident, Span};

/// `RoomServer` → `room_server`, `HTTPServer` → `http_server`, `end_of_input` stays.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `end_of_input` → `EndOfInput`, `join` → `Join`, `Join` stays.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'M');
    }
    out
}

/// `SCREAMING_SNAKE` of a name: `join` → `JOIN`.
pub fn upper(name: &str) -> String {
    snake(name).to_uppercase()
}

/// Keywords a derived name must not be (strict and reserved, edition 2024).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// A derived name made safe: a keyword gets a trailing `_` (`Match` → `match_`).
pub fn safe(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) || name == "_" {
        format!("{name}_")
    } else {
        name
    }
}

/// An identifier with call-site hygiene (the text must be a valid identifier).
pub fn ident(text: &str) -> Ident {
    Ident::new(text, Span::call_site())
}

/// The snake_case identifier of a spec name (a module, method or field name).
pub fn snake_ident(name: &str) -> Ident {
    ident(&safe(snake(name)))
}

/// The CamelCase identifier of a spec name (an enum variant).
pub fn camel_ident(name: &str) -> Ident {
    ident(&safe(camel(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(snake("RoomServer"), "room_server");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("Db"), "db");
        assert_eq!(snake("StripeSup"), "stripe_sup");
        assert_eq!(snake("end_of_input"), "end_of_input");
        assert_eq!(snake("Actor2Go"), "actor2_go");
        assert_eq!(camel("end_of_input"), "EndOfInput");
        assert_eq!(camel("join"), "Join");
        assert_eq!(camel("Join"), "Join");
        assert_eq!(upper("next_chunk"), "NEXT_CHUNK");
        assert_eq!(safe(snake("Match")), "match_");
        assert_eq!(safe(snake("SelfCheck")), "self_check");
    }
}
