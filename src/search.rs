//! Fuzzy matching of submissions (fuzzy-matcher lives here only).
//!
//! Scoring with the skim algorithm costs microseconds per text, so two cheap steps come
//! first: a subsequence check rejects texts that cannot match (every query character must
//! appear in order), and the remaining texts are scored on every core.

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

/// Whether `text` can match `query` at all: its characters appear in `text` in order
/// (ignoring ASCII case unless the query has capitals, like smart case). Conservative: a
/// query with non-ASCII characters always passes, so skim alone decides.
pub fn may_match(text: &str, query: &str) -> bool {
    if !query.is_ascii() {
        return true;
    }
    let fold = !query.bytes().any(|b| b.is_ascii_uppercase());
    let mut hay = text.bytes();
    'next: for q in query.bytes() {
        if q == b' ' {
            continue;
        }
        for h in hay.by_ref() {
            let h = if fold { h.to_ascii_lowercase() } else { h };
            if h == q {
                continue 'next;
            }
        }
        return false;
    }
    true
}

impl Matcher {
    /// The score of `text` for `query`, or None if it does not match.
    pub fn score(&self, text: &str, query: &str) -> Option<i64> {
        if !may_match(text, query) {
            return None;
        }
        self.inner.fuzzy_match(text, query)
    }

    /// The score and the char positions in `text` that matched, for highlighting.
    pub fn score_with_positions(&self, text: &str, query: &str) -> Option<(i64, Vec<usize>)> {
        self.inner.fuzzy_indices(text, query)
    }

    /// Indices of `texts` that match `query`, best first (ties keep input order).
    pub fn rank<'a>(&self, texts: impl Iterator<Item = &'a str>, query: &str) -> Vec<usize> {
        let texts: Vec<&str> = texts.collect();
        let mut hits = score_parallel(texts.len(), |i| texts[i], query);
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, i)| i).collect()
    }
}

/// (score, index) of every item among `0..n` whose text matches, scored on all cores.
/// `text(i)` gives item i's text; the order of the result is not defined.
pub fn score_parallel<'a, F>(n: usize, text: F, query: &str) -> Vec<(i64, usize)>
where
    F: Fn(usize) -> &'a str + Sync,
{
    let threads = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .min(8);
    let score_range = |range: std::ops::Range<usize>| -> Vec<(i64, usize)> {
        let m = Matcher::default();
        range
            .filter_map(|i| m.score(text(i), query).map(|s| (s, i)))
            .collect()
    };
    if threads < 2 || n < 4096 {
        return score_range(0..n);
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                scope.spawn(move || score_range(range))
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            // A scoring thread cannot panic on valid UTF-8; treat one that did as no hits.
            out.extend(h.join().unwrap_or_default());
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_never_rejects_what_skim_matches() {
        let m = SkimMatcherV2::default().smart_case();
        let texts = [
            "OIN-2026-0142 Acme Expense Acme Corp jane@acme.example dev-1.okta.com",
            "DEMO-000001 Wayne Payroll Wayne Inc. raj@wayne.example dev-12.okta.com",
            "Ünïcode Café naïve",
        ];
        for q in [
            "acme", "Acme", "ACME", "pay roll", "dev-12", "zqxj", "wp", "café", "e x",
        ] {
            for t in texts {
                if m.fuzzy_match(t, q).is_some() {
                    assert!(may_match(t, q), "{q:?} in {t:?}");
                }
            }
        }
        assert!(!may_match(texts[0], "zqxj"));
    }
}
