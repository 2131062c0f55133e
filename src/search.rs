//! Fuzzy matching of submissions (nucleo-matcher lives here only).
//!
//! A query is words: every word must match (fzf's extended syntax without its operators),
//! each as a fuzzy subsequence, case-insensitively unless the query has capitals (smart
//! case). A match's score is the sum of its words' scores, fzf's scoring (nucleo).
//!
//! fuzzy-matcher (skim), the design's first choice, scores 100 000 submissions in about
//! 200 ms a keystroke on this machine's two cores; nucleo's optimal matcher takes 10 to
//! 100 ms and its greedy one 5 to 20 ms (README, "Performance"). The console therefore ranks
//! in two passes: greedy first (the same matches, an approximate order, on screen within a
//! frame), then optimal for the final order. Both stop as soon as a newer key supersedes
//! them.

use nucleo_matcher::{Config, Utf32Str, Utf32String};

/// A parsed query: its words, normalised as the matcher compares them.
#[derive(Debug, Clone)]
pub struct Query {
    words: Vec<Utf32String>,
    case_sensitive: bool,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let case_sensitive = text.chars().any(char::is_uppercase);
        let words = text
            .split_whitespace()
            .map(|w| {
                let w: String = w
                    .chars()
                    .map(nucleo_matcher::chars::normalize)
                    .map(|c| {
                        if case_sensitive {
                            c
                        } else {
                            nucleo_matcher::chars::to_lower_case(c)
                        }
                    })
                    .collect();
                Utf32String::from(w.as_str())
            })
            .collect();
        Query {
            words,
            case_sensitive,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// How hard to look for the best alignment of each word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The first alignment found: the same matches, a score close to the best.
    Quick,
    /// The best alignment (fzf's v2 algorithm).
    Best,
}

/// A reusable matcher (it holds about 135 KB of scratch space).
pub struct Matcher {
    inner: nucleo_matcher::Matcher,
    sensitive: nucleo_matcher::Matcher,
    buf: Vec<char>,
}

impl Default for Matcher {
    fn default() -> Self {
        let mut sensitive = Config::DEFAULT;
        sensitive.ignore_case = false;
        Matcher {
            inner: nucleo_matcher::Matcher::new(Config::DEFAULT),
            sensitive: nucleo_matcher::Matcher::new(sensitive),
            buf: Vec::new(),
        }
    }
}

impl Matcher {
    /// The score of `text` for `query`, or None if some word does not match.
    pub fn score(&mut self, text: &str, query: &Query, pass: Pass) -> Option<u32> {
        let m = if query.case_sensitive {
            &mut self.sensitive
        } else {
            &mut self.inner
        };
        let hay = Utf32Str::new(text, &mut self.buf);
        let mut total = 0u32;
        for w in &query.words {
            let s = match pass {
                Pass::Quick => m.fuzzy_match_greedy(hay, w.slice(..)),
                Pass::Best => m.fuzzy_match(hay, w.slice(..)),
            }?;
            total += s as u32;
        }
        Some(total)
    }

    /// The char positions in `text` that the query's words matched (for highlighting),
    /// when every word matches.
    pub fn positions(&mut self, text: &str, query: &Query) -> Option<Vec<usize>> {
        let m = if query.case_sensitive {
            &mut self.sensitive
        } else {
            &mut self.inner
        };
        let hay = Utf32Str::new(text, &mut self.buf);
        let mut all: Vec<u32> = Vec::new();
        for w in &query.words {
            let mut idx = Vec::new();
            m.fuzzy_indices(hay, w.slice(..), &mut idx)?;
            all.extend(idx);
        }
        all.sort_unstable();
        all.dedup();
        Some(all.into_iter().map(|i| i as usize).collect())
    }
}

/// Items scored at a time between looks at whether the search was superseded.
const CHUNK: usize = 4096;

/// (score, item) of every item among `items` whose text matches, scored on every core (at
/// most 8); None when `cancelled` said so between chunks. The order is not defined.
pub fn score_all<'a, F>(
    items: &[u32],
    text: F,
    query: &Query,
    pass: Pass,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<(u32, u32)>>
where
    F: Fn(u32) -> &'a str + Sync,
{
    let threads = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .min(8);
    let score_slice = |slice: &[u32]| -> Option<Vec<(u32, u32)>> {
        let mut m = Matcher::default();
        let mut out = Vec::new();
        for chunk in slice.chunks(CHUNK) {
            if cancelled() {
                return None;
            }
            out.extend(
                chunk
                    .iter()
                    .filter_map(|&i| m.score(text(i), query, pass).map(|s| (s, i))),
            );
        }
        Some(out)
    };
    if threads < 2 || items.len() < 2 * CHUNK {
        return score_slice(items);
    }
    let per = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|slice| scope.spawn(move || score_slice(slice)))
            .collect();
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut done = true;
        for h in handles {
            // A scoring thread cannot panic on valid UTF-8; treat one that did as no hits.
            match h.join().unwrap_or(Some(Vec::new())) {
                Some(v) => out.extend(v),
                None => done = false,
            }
        }
        done.then_some(out)
    })
}

/// Best first; ties keep the items' order.
pub fn rank(mut scored: Vec<(u32, u32)>) -> Vec<u32> {
    scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(text: &str, q: &str) -> bool {
        Matcher::default()
            .score(text, &Query::new(q), Pass::Best)
            .is_some()
    }

    #[test]
    fn every_word_must_match_in_any_order_and_case_is_smart() {
        let t = "OIN-2026-0142 Acme Expense Acme Corp jane@acme.example dev-1.okta.com";
        assert!(matches(t, "acme"));
        assert!(matches(t, "expense acme"), "words in any order");
        assert!(matches(t, "Acme"));
        assert!(!matches(t, "ACME"), "capitals match case-sensitively");
        assert!(!matches(t, "acme zqxj"), "every word must match");
        assert!(
            matches("Café Naïve", "cafe"),
            "latin letters are normalised"
        );
    }

    #[test]
    fn quick_and_best_passes_agree_on_what_matches() {
        let texts = [
            "DEMO-000001 Wayne Payroll Wayne Inc. raj@wayne.example dev-12.okta.com",
            "DEMO-004202 Krusty Expense Krusty Inc. jane@krusty.example dev-9691241.okta.com",
        ];
        let mut m = Matcher::default();
        for q in ["wp", "pay roll", "dev-12", "zqxj", "0042", "Wayne"] {
            let q = Query::new(q);
            for t in texts {
                assert_eq!(
                    m.score(t, &q, Pass::Quick).is_some(),
                    m.score(t, &q, Pass::Best).is_some()
                );
            }
        }
    }

    #[test]
    fn a_cancelled_search_stops() {
        let items: Vec<u32> = (0..100_000).collect();
        let got = score_all(&items, |_| "acme", &Query::new("acme"), Pass::Best, &|| {
            true
        });
        assert!(got.is_none());
        let got = score_all(&items, |_| "acme", &Query::new("acme"), Pass::Best, &|| {
            false
        });
        assert_eq!(got.map(|v| v.len()), Some(100_000));
    }
}
