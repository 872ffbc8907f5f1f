//! "Did you mean …?" for misspelt names.

/// The candidate closest to `input`, if one is close enough to be a likely
/// typo (edits and swaps of neighbours count one each). `-` and `_` are treated alike and case is ignored, so `max_restarts`
/// suggests `max-restarts` and `oneforone` nothing.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let norm = |s: &str| s.to_lowercase().replace('-', "_");
    let wanted = norm(input);
    let limit = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&wanted, &norm(c)), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `Some("did you mean `x`?")` when there is a close candidate.
pub fn help<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(input, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("max_restarts", ["max-restarts", "max-seconds"]),
            Some("max-restarts")
        );
        assert_eq!(did_you_mean("serve", ["serves", "state"]), Some("serves"));
        assert_eq!(did_you_mean("zzzzzz", ["serves", "state"]), None);
        assert_eq!(did_you_mean("", ["a"]), Some("a"));
        assert_eq!(did_you_mean("x", []), None);
    }
}
