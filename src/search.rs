//! Fuzzy matching of submissions (fuzzy-matcher lives here only).

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// A reusable matcher; smart case: a query with capitals matches case-sensitively.
pub struct Matcher {
    inner: SkimMatcherV2,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher {
            inner: SkimMatcherV2::default().smart_case(),
        }
    }
}

impl Matcher {
    /// The score of `text` for `query`, or None if it does not match.
    pub fn score(&self, text: &str, query: &str) -> Option<i64> {
        self.inner.fuzzy_match(text, query)
    }

    /// The score and the char positions in `text` that matched, for highlighting.
    pub fn score_with_positions(&self, text: &str, query: &str) -> Option<(i64, Vec<usize>)> {
        self.inner.fuzzy_indices(text, query)
    }

    /// Indices of `texts` that match `query`, best first (ties keep input order).
    pub fn rank<'a>(&self, texts: impl Iterator<Item = &'a str>, query: &str) -> Vec<usize> {
        let mut hits: Vec<(i64, usize)> = texts
            .enumerate()
            .filter_map(|(i, t)| self.score(t, query).map(|s| (s, i)))
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, i)| i).collect()
    }
}
