//! Where model items come from: source files and byte spans into them.
//!
//! Spans are deliberately abstract (a source id and a byte range) so that both
//! front-ends can produce them: the KDL front-end from `kdl`'s spans, the macro
//! front-end from `proc_macro2` byte ranges. Nothing here knows about KDL.

use std::fmt;
use std::sync::Arc;

/// Identifies one source in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(usize);

impl SourceId {
    /// The source of items that come from nowhere in particular (built in code,
    /// synthesized in tests). [`SourceMap::location`] knows no location for it.
    pub const DETACHED: SourceId = SourceId(usize::MAX);
}

/// A byte range in one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The source the range points into.
    pub source: SourceId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span of `len` bytes from `start` in `source`.
    pub const fn new(source: SourceId, start: usize, len: usize) -> Self {
        Span { source, start, len }
    }

    /// A span that points nowhere (see [`SourceId::DETACHED`]).
    pub const fn detached() -> Self {
        Span::new(SourceId::DETACHED, 0, 0)
    }

    /// One past the last byte.
    pub const fn end(&self) -> usize {
        self.start.saturating_add(self.len)
    }

    /// The smallest span covering both; `self` when they are in different sources.
    pub fn to(self, other: Span) -> Span {
        if self.source != other.source {
            return self;
        }
        let start = self.start.min(other.start);
        let end = self.end().max(other.end());
        Span::new(self.source, start, end - start)
    }
}

/// One named source text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// The name shown in diagnostics (usually the path as given).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full text.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Byte offset where each line starts (the first is 0).
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// 0-based line of a byte offset (clamped to the text).
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset.min(self.text.len())) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line and column (in characters) of a byte offset; offsets past
    /// the end or inside a character are clamped rather than rejected, since
    /// spans may come from another tool.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let line_start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..)
            .map(|rest| {
                rest.char_indices()
                    .take_while(|(i, _)| line_start + i < offset)
                    .count()
            })
            .unwrap_or(0);
        (line + 1, column + 1)
    }
}

/// A resolved position, for JSON output and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The source's name.
    pub file: String,
    /// 1-based line of the first byte.
    pub line: usize,
    /// 1-based column (in characters) of the first byte.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column (in characters) of the end (exclusive).
    pub end_column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The sources a [`Spec`](crate::model::Spec) was read from.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a source and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
        });
        SourceId(self.files.len() - 1)
    }

    /// The source with this id.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    /// Every source with its id, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (SourceId(i), f))
    }

    /// The text a span covers, if it is a valid range of a known source.
    pub fn snippet(&self, span: Span) -> Option<&str> {
        self.get(span.source)?.text.get(span.start..span.end())
    }

    /// File, line and column of a span.
    pub fn location(&self, span: Span) -> Option<Location> {
        let file = self.get(span.source)?;
        let (line, column) = file.line_column(span.start);
        let (end_line, end_column) = file.line_column(span.end());
        Some(Location {
            file: file.name.clone(),
            line,
            column,
            end_line,
            end_column,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let mut map = SourceMap::new();
        let id = map.add("a.kdl", "ab\né x\n");
        let loc = map.location(Span::new(id, 6, 1)).expect("known source");
        assert_eq!((loc.line, loc.column), (2, 3));
        assert_eq!(map.snippet(Span::new(id, 6, 1)), Some("x"));
        assert_eq!(map.location(Span::new(id, 0, 0)).map(|l| l.line), Some(1));
        assert!(map.location(Span::detached()).is_none());
        // Past the end is clamped, never a panic.
        assert_eq!(map.location(Span::new(id, 999, 5)).map(|l| l.line), Some(3));
    }
}
