//! The smallest pieces of the model: names, Rust types, durations, and values
//! with a span. Their constructors are the only way to build them, so a model
//! can never hold a name that is not a Rust identifier or a type syn rejects.
//! Both front-ends parse through these functions and so agree on what is valid.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use quote::ToTokens;
use syn::visit::Visit;

use crate::source::Span;

/// A value and where it was written (or, for a default, the item it belongs to).
///
/// Equality compares the value only, so that models from different front-ends
/// compare equal.
#[derive(Clone, Copy, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub const fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// A validated Rust identifier: not a keyword, not `_`, not raw (`r#…`).
///
/// Equality and hashing use the text only.
#[derive(Clone, Debug)]
pub struct Ident {
    text: Arc<str>,
    span: Span,
}

/// Why a name or a type was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// A sentence for the diagnostic's message.
    pub message: String,
    /// What to do about it, if there is something specific.
    pub help: Option<String>,
}

impl SyntaxError {
    fn new(message: impl Into<String>, help: Option<&str>) -> Self {
        SyntaxError {
            message: message.into(),
            help: help.map(str::to_owned),
        }
    }
}

impl Ident {
    /// Validates `text` as a Rust identifier.
    pub fn parse(text: &str, span: Span) -> Result<Ident, SyntaxError> {
        if text.starts_with("r#") {
            return Err(SyntaxError::new(
                format!("`{text}` is a raw identifier"),
                Some("names become Rust items; pick a name that is not a keyword"),
            ));
        }
        // Checked before syn so that edition-2024 keywords (`gen`) are refused
        // whatever edition syn parses for.
        if is_keyword(text) {
            return Err(SyntaxError::new(
                format!("`{text}` is a Rust keyword, not an identifier"),
                Some("names become Rust items; pick a name that is not a keyword"),
            ));
        }
        // Only identifier characters reach syn: its lexer is not meant for
        // arbitrary text (and deep brackets would recurse). Plain ASCII names,
        // nearly all of them, are decided here without syn.
        let plausible = !text.is_empty()
            && text.chars().all(|c| {
                if c.is_ascii() {
                    c == '_' || c.is_ascii_alphanumeric()
                } else {
                    !c.is_whitespace() && !c.is_control()
                }
            });
        let valid = if is_ascii_ident(text) {
            true
        } else {
            plausible && syn::parse_str::<syn::Ident>(text).is_ok()
        };
        if valid && !text.is_ascii() {
            lookalike_check(text)?;
        }
        match valid.then_some(()) {
            Some(()) => Ok(Ident {
                text: text.into(),
                span,
            }),
            _ => Err(SyntaxError::new(
                format!("`{text}` is not a Rust identifier"),
                Some("use letters, digits and `_`, not starting with a digit"),
            )),
        }
    }

    /// Takes a name the macro front-end already has as a `syn::Ident`.
    pub fn from_syn(ident: &syn::Ident, span: Span) -> Result<Ident, SyntaxError> {
        Ident::parse(&ident.to_string(), span)
    }

    /// The identifier's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where the name was written.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The same name pointing elsewhere.
    pub fn with_span(&self, span: Span) -> Ident {
        Ident {
            text: self.text.clone(),
            span,
        }
    }

    /// A `syn::Ident` with call-site hygiene, for the emitter.
    pub fn to_syn(&self) -> syn::Ident {
        // Cannot panic: the text was validated by `parse`.
        syn::Ident::new(&self.text, proc_macro2::Span::call_site())
    }
}

/// Refuses non-ASCII names that can pass for another name: letters of two of
/// the Latin, Greek and Cyrillic scripts mixed in one name (`Rоom` with a
/// Cyrillic `о` looks exactly like `Room`), and combining marks (`e` + U+0301
/// is the same Rust identifier as `é` once rustc normalizes it to NFC, but a
/// different name here). Names in one script (`Größe`, `Ёлка`) are fine.
fn lookalike_check(text: &str) -> Result<(), SyntaxError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Script {
        Latin,
        Greek,
        Cyrillic,
    }
    let script = |c: char| match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Some(Script::Latin),
        0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Script::Greek),
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => {
            Some(Script::Cyrillic)
        }
        _ => None,
    };
    let combining = |c: char| matches!(c as u32, 0x300..=0x36F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F);
    if text.chars().any(combining) {
        return Err(SyntaxError::new(
            format!("`{text}` contains a combining mark"),
            Some("write each accented letter as one character (NFC), as rustc reads it"),
        ));
    }
    let mut seen: Option<Script> = None;
    for c in text.chars() {
        if let Some(s) = script(c) {
            match seen {
                Some(first) if first != s => {
                    return Err(SyntaxError::new(
                        format!("`{text}` mixes letters of different scripts"),
                        Some(
                            "Latin, Greek and Cyrillic letters look alike: a mixed name can pass for another one; use one script",
                        ),
                    ));
                }
                _ => seen = Some(s),
            }
        }
    }
    Ok(())
}

/// `[A-Za-z_][A-Za-z0-9_]*`, not `_` alone (keywords are checked apart).
fn is_ascii_ident(text: &str) -> bool {
    let mut bytes = text.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    first_ok && text != "_" && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_keyword(text: &str) -> bool {
    // Strict and reserved keywords of edition 2024, and `_`.
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
        "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box",
        "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
        "_",
    ];
    KEYWORDS.contains(&text)
}

impl PartialEq for Ident {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Ident {}

impl std::hash::Hash for Ident {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A Rust type, parsed by syn, resolved where the generated code is included.
///
/// Equality compares normalized token text, so `Vec< u8 >` equals `Vec<u8>`
/// and a type built by the macro front-end equals the same type read from KDL.
#[derive(Clone)]
pub struct RustType {
    ty: Rc<syn::Type>,
    tokens: Rc<str>,
    span: Span,
}

impl RustType {
    /// Longest type text accepted.
    pub const MAX_LEN: usize = 256;

    /// Parses `text` as a type a message or a state can hold.
    pub fn parse(text: &str, span: Span) -> Result<RustType, SyntaxError> {
        // syn parses nested types recursively; a bound on the length bounds
        // the depth, so no input can exhaust the stack.
        if text.len() > RustType::MAX_LEN {
            return Err(SyntaxError::new(
                format!("this type is longer than {} characters", RustType::MAX_LEN),
                Some("name it with a type alias in your code and use the alias"),
            ));
        }
        // A lone name (`String`, `u32`, `RoomState`) is the common case: build
        // its path directly instead of running syn's parser.
        if is_ascii_ident(text) && !is_keyword(text) {
            let ident = syn::Ident::new(text, proc_macro2::Span::call_site());
            let ty = syn::Type::Path(syn::TypePath {
                attrs: Vec::new(),
                qself: None,
                path: ident.into(),
            });
            return Ok(RustType {
                ty: Rc::new(ty),
                tokens: text.into(),
                span,
            });
        }
        let ty = syn::parse_str::<syn::Type>(text).map_err(|e| {
            SyntaxError::new(
                format!("`{text}` is not a Rust type: {e}"),
                Some("write the type as a string, e.g. arg items \"Vec<Item>\""),
            )
        })?;
        RustType::from_syn(ty, span)
    }

    /// Takes a type the macro front-end already parsed.
    pub fn from_syn(ty: syn::Type, span: Span) -> Result<RustType, SyntaxError> {
        let mut guard = TypeGuard {
            problem: None,
            in_fn_ptr: 0,
        };
        guard.visit_type(&ty);
        if let Some(problem) = guard.problem {
            return Err(problem);
        }
        let tokens = ty.to_token_stream().to_string();
        Ok(RustType {
            ty: Rc::new(ty),
            tokens: tokens.into(),
            span,
        })
    }

    /// The unit type `()`, the reply of a call that declares none.
    pub fn unit(span: Span) -> RustType {
        let ty = syn::Type::Tuple(syn::TypeTuple {
            attrs: Vec::new(),
            paren_token: Default::default(),
            elems: Default::default(),
        });
        let tokens = ty.to_token_stream().to_string();
        RustType {
            ty: Rc::new(ty),
            tokens: tokens.into(),
            span,
        }
    }

    /// The parsed type, for the emitter.
    pub fn syn(&self) -> &syn::Type {
        &self.ty
    }

    /// Normalized token text, for messages and comparisons (never for emitting).
    pub fn tokens(&self) -> &str {
        &self.tokens
    }

    /// Whether this is `()`.
    pub fn is_unit(&self) -> bool {
        matches!(&*self.ty, syn::Type::Tuple(t) if t.elems.is_empty())
    }

    /// Where the type was written.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// A parsed Rust path (`crate::billing::ledger`): where an extern actor's generated module is.
/// Compared by its tokens.
#[derive(Clone)]
pub struct RustPath {
    path: Rc<syn::Path>,
    tokens: Rc<str>,
    span: Span,
}

impl RustPath {
    /// Longest path text accepted.
    pub const MAX_LEN: usize = 256;

    /// Parses `text` as a module path: segments without generic arguments.
    pub fn parse(text: &str, span: Span) -> Result<RustPath, SyntaxError> {
        if text.len() > RustPath::MAX_LEN {
            return Err(SyntaxError::new(
                format!("this path is longer than {} characters", RustPath::MAX_LEN),
                Some("re-export the module closer to where the spec is included"),
            ));
        }
        let path = syn::parse_str::<syn::Path>(text).map_err(|e| {
            SyntaxError::new(
                format!("`{text}` is not a Rust path: {e}"),
                Some("write the path of the actor's generated module, e.g. path=\"crate::billing::ledger\""),
            )
        })?;
        RustPath::from_syn(path, span)
    }

    /// Takes a path the macro front-end already parsed.
    pub fn from_syn(path: syn::Path, span: Span) -> Result<RustPath, SyntaxError> {
        if path
            .segments
            .iter()
            .any(|s| !matches!(s.arguments, syn::PathArguments::None))
        {
            return Err(SyntaxError::new(
                "an extern actor's path names a module: it takes no generic arguments",
                Some("write the path of the actor's generated module, e.g. crate::billing::ledger"),
            ));
        }
        let tokens = path
            .to_token_stream()
            .to_string()
            .replace(" :: ", "::")
            .replace(":: ", "::");
        Ok(RustPath {
            path: Rc::new(path),
            tokens: tokens.into(),
            span,
        })
    }

    /// The parsed path, for the emitter.
    pub fn syn(&self) -> &syn::Path {
        &self.path
    }

    /// The path as text (`crate::billing::ledger`), for messages and comparisons.
    pub fn tokens(&self) -> &str {
        &self.tokens
    }

    /// The last segment (`ledger`).
    pub fn last(&self) -> String {
        self.path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default()
    }

    /// Whether the path is relative to where it is written (`self::…`, `super::…`):
    /// generated code one module deeper must prefix it with `super::`. (`crate::…` and a
    /// crate's name resolve the same anywhere.)
    pub fn is_relative(&self) -> bool {
        self.path.leading_colon.is_none()
            && self
                .path
                .segments
                .first()
                .is_some_and(|s| s.ident == "self" || s.ident == "super")
    }

    /// Where the path was written.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl fmt::Debug for RustPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RustPath").field(&&*self.tokens).finish()
    }
}

impl PartialEq for RustPath {
    fn eq(&self, other: &Self) -> bool {
        self.tokens == other.tokens
    }
}

/// Shows the tokens, not syn's tree (whose spans depend on parse order).
impl fmt::Debug for RustType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustType")
            .field("tokens", &self.tokens)
            .field("span", &self.span)
            .finish()
    }
}

impl PartialEq for RustType {
    fn eq(&self, other: &Self) -> bool {
        self.tokens == other.tokens
    }
}

impl fmt::Display for RustType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tokens)
    }
}

/// Rejects types that parse but cannot be a message field or a state: macros
/// (they would expand arbitrary code), `impl Trait`, `_`, and borrowed data.
/// Types can hold expressions (array lengths, const arguments): those may only
/// be literals, constants and arithmetic on them, never a block, a closure or
/// a call, which could define items or run code where the generated code is
/// compiled; macros are refused wherever they are.
struct TypeGuard {
    problem: Option<SyntaxError>,
    /// Inside a function pointer type, where elided lifetimes are legitimate.
    in_fn_ptr: usize,
}

impl TypeGuard {
    fn reject(&mut self, what: &str, help: &str) {
        if self.problem.is_none() {
            self.problem = Some(SyntaxError::new(
                format!("{what} cannot be used in a spec type"),
                Some(help),
            ));
        }
    }
}

impl<'ast> Visit<'ast> for TypeGuard {
    fn visit_type(&mut self, ty: &'ast syn::Type) {
        match ty {
            syn::Type::Macro(_) => self.reject("a macro", "name a type alias instead"),
            syn::Type::ImplTrait(_) => {
                self.reject("`impl Trait`", "use a concrete type or `Box<dyn Trait>`")
            }
            syn::Type::Infer(_) => self.reject("`_`", "write the type out"),
            syn::Type::Verbatim(_) => self.reject("this type", "write a plain Rust type"),
            // Function pointers may elide lifetimes legitimately (their insides
            // are not data the actor owns), but may hide macros like any type.
            syn::Type::FnPtr(_) => {
                self.in_fn_ptr += 1;
                syn::visit::visit_type(self, ty);
                self.in_fn_ptr -= 1;
                return;
            }
            _ => {}
        }
        syn::visit::visit_type(self, ty);
    }

    fn visit_macro(&mut self, _: &'ast syn::Macro) {
        self.reject("a macro", "name a type alias instead");
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Lit(_)
            | syn::Expr::Path(_)
            | syn::Expr::Binary(_)
            | syn::Expr::Unary(_)
            | syn::Expr::Paren(_)
            | syn::Expr::Group(_)
            | syn::Expr::Cast(_) => syn::visit::visit_expr(self, e),
            _ => self.reject(
                "an expression other than a literal or a constant",
                "array lengths and const arguments in a spec type are literals or constants; name a type alias in your code for anything else",
            ),
        }
    }

    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        if r.lifetime.is_none() && self.in_fn_ptr == 0 {
            self.reject(
                "a borrowed reference",
                "messages and state outlive the sender: use an owned type (`String`, `Arc<T>`) or `&'static`",
            );
        }
        syn::visit::visit_type_reference(self, r);
    }

    fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
        if l.ident != "static" && self.in_fn_ptr == 0 {
            self.reject(
                "a non-'static lifetime",
                "messages and state outlive the sender: use an owned type",
            );
        }
    }
}

/// How long a call waits for its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timeout {
    /// Waits at most this long.
    After(Duration),
    /// Waits forever (OTP's `infinity`).
    Infinity,
}

impl Timeout {
    /// OTP's default call timeout.
    pub const DEFAULT: Timeout = Timeout::After(Duration::from_secs(5));

    /// Parses `"250ms"`, `"5s"`, `"2m"`, `"1h"` or `infinity`; zero is rejected
    /// (a call that can never be answered in time).
    pub fn parse(text: &str) -> Result<Timeout, SyntaxError> {
        if text == "infinity" {
            return Ok(Timeout::Infinity);
        }
        let d = parse_duration(text)?;
        if d.is_zero() {
            return Err(SyntaxError::new(
                "a call timeout of zero always expires",
                Some("give the call time to be answered, e.g. \"100ms\""),
            ));
        }
        Ok(Timeout::After(d))
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeout::After(d) => f.write_str(&format_duration(*d)),
            Timeout::Infinity => f.write_str("infinity"),
        }
    }
}

/// How a supervisor stops a child (OTP's `shutdown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Killed at once; `terminate` does not run.
    BrutalKill,
    /// Asked to stop, killed if still running after this long.
    After(Duration),
    /// Asked to stop and waited for (the default for supervisors).
    Infinity,
}

impl Shutdown {
    /// OTP's default for workers.
    pub const WORKER_DEFAULT: Shutdown = Shutdown::After(Duration::from_secs(5));
    /// OTP's default for supervisors.
    pub const SUPERVISOR_DEFAULT: Shutdown = Shutdown::Infinity;

    /// Parses `brutal-kill`, `infinity` or a positive duration.
    pub fn parse(text: &str) -> Result<Shutdown, SyntaxError> {
        match text {
            "brutal-kill" => Ok(Shutdown::BrutalKill),
            "infinity" => Ok(Shutdown::Infinity),
            _ => {
                let d = parse_duration(text)?;
                if d.is_zero() {
                    return Err(SyntaxError::new(
                        "a shutdown timeout of zero is not a timeout",
                        Some("write shutdown=brutal-kill to kill the child at once"),
                    ));
                }
                Ok(Shutdown::After(d))
            }
        }
    }
}

impl fmt::Display for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shutdown::BrutalKill => f.write_str("brutal-kill"),
            Shutdown::After(d) => f.write_str(&format_duration(*d)),
            Shutdown::Infinity => f.write_str("infinity"),
        }
    }
}

/// Parses a duration: a whole number followed by `ms`, `s`, `m` or `h`.
pub fn parse_duration(text: &str) -> Result<Duration, SyntaxError> {
    let bad = |why: &str| {
        SyntaxError::new(
            format!("`{text}` is not a duration: {why}"),
            Some("write a whole number and a unit: \"250ms\", \"5s\", \"2m\", \"1h\""),
        )
    };
    let digits_end = text
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(digits_end);
    if number.is_empty() {
        return Err(bad("it does not start with a number"));
    }
    let n: u64 = number.parse().map_err(|_| bad("the number is too large"))?;
    let millis_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "" => return Err(bad("the unit is missing")),
        _ => return Err(bad("the unit must be ms, s, m or h")),
    };
    let millis = n
        .checked_mul(millis_per_unit)
        .ok_or_else(|| bad("it is too long"))?;
    Ok(Duration::from_millis(millis))
}

/// The shortest spelling `parse_duration` reads back as the same duration.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "0ms".to_owned()
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        let s = Span::detached();
        assert!(Ident::parse("RoomServer", s).is_ok());
        assert!(Ident::parse("type", s).is_err());
        assert!(Ident::parse("r#type", s).is_err());
        assert!(Ident::parse("_", s).is_err());
        assert!(Ident::parse("1x", s).is_err());
        assert!(Ident::parse("a b", s).is_err());
        assert!(Ident::parse("", s).is_err());
        assert_eq!(
            Ident::parse("x", s)
                .map(|i| i.to_syn().to_string())
                .ok()
                .as_deref(),
            Some("x")
        );
    }

    #[test]
    fn identifiers_agree_with_syn() {
        // The ASCII fast path must decide as syn does (plus edition 2024's `gen`).
        for text in [
            "a",
            "A1",
            "_x",
            "__",
            "x_",
            "union",
            "macro_rules",
            "raw",
            "default",
            "auto",
            "Self",
            "self",
            "super",
            "crate",
            "async",
            "await",
            "dyn",
            "try",
            "yield",
            "abstract",
            "gen",
            "_",
            "1",
            "a-b",
            "é",
            "ñandú",
            "a\u{301}",
            "x y",
            "",
        ] {
            let syn_ok = syn::parse_str::<syn::Ident>(text).is_ok() && !text.starts_with("r#");
            let ours = Ident::parse(text, Span::detached()).is_ok();
            // `gen` is a 2024 keyword; a combining mark is refused as a lookalike
            // (see `lookalike_check`), though syn takes it.
            let refused_here = text == "gen" || text == "a\u{301}";
            assert_eq!(ours, syn_ok && !refused_here, "{text:?}");
        }
    }

    #[test]
    fn types() {
        let s = Span::detached();
        assert_eq!(
            RustType::parse("Vec< u8 >", s).ok(),
            RustType::parse("Vec<u8>", s).ok()
        );
        assert!(RustType::parse("Result<RoomInfo, JoinError>", s).is_ok());
        assert!(RustType::parse("&'static str", s).is_ok());
        assert!(RustType::parse("fn(&str) -> usize", s).is_ok());
        for bad in [
            "Vec<",
            "u8; drop",
            "&str",
            "foo!()",
            "Vec<bar!()>",
            "impl Fn()",
            "_",
            "Cow<'a, str>",
        ] {
            assert!(RustType::parse(bad, s).is_err(), "{bad} should be rejected");
        }
        assert!(RustType::unit(s).is_unit());
        // The fast path for lone names builds what syn would.
        let fast = RustType::parse("RoomState", s).expect("a type");
        let slow =
            RustType::from_syn(syn::parse_str("RoomState").expect("parses"), s).expect("a type");
        assert_eq!(fast, slow);
        assert_eq!(fast.syn(), slow.syn());
        assert!(
            RustType::parse("Self", s).is_ok(),
            "keywords go through syn"
        );
        assert_eq!(RustType::parse("()", s).ok(), Some(RustType::unit(s)));
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("250ms").ok(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_duration("2m").ok(), Some(Duration::from_secs(120)));
        for bad in [
            "",
            "5",
            "s",
            "1.5s",
            "5 s",
            "-1s",
            "99999999999999999999s",
            "18446744073709551615h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
        assert_eq!(Timeout::parse("infinity").ok(), Some(Timeout::Infinity));
        assert!(Timeout::parse("0ms").is_err());
        assert_eq!(
            Shutdown::parse("brutal-kill").ok(),
            Some(Shutdown::BrutalKill)
        );
        assert!(Shutdown::parse("0s").is_err());
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
    }
}
