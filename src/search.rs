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
    /// The words as byte finders when they are all ASCII (the quick pass's fast path).
    ascii: Option<Vec<memchr::memmem::Finder<'static>>>,
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
        let ascii = text.is_ascii().then(|| {
            text.split_whitespace()
                .map(|w| {
                    let w = if case_sensitive {
                        w.to_string()
                    } else {
                        w.to_ascii_lowercase()
                    };
                    memchr::memmem::Finder::new(w.as_bytes()).into_owned()
                })
                .collect()
        });
        Query {
            words,
            case_sensitive,
            ascii,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// How hard to look for the best alignment of each word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The same matches, ranked roughly: a word found whole ranks by where it starts (at a
    /// word boundary first), one found only letter by letter after it. For the first
    /// frame after a key; the best pass gives the order that stays.
    Quick,
    /// The best alignment (fzf's v2 algorithm).
    Best,
}

/// A reusable matcher (it holds about 135 KB of scratch space).
pub struct Matcher {
    inner: nucleo_matcher::Matcher,
    sensitive: nucleo_matcher::Matcher,
    buf: Vec<char>,
    bytes: Vec<u8>,
}

impl Default for Matcher {
    fn default() -> Self {
        let mut sensitive = Config::DEFAULT;
        sensitive.ignore_case = false;
        Matcher {
            inner: nucleo_matcher::Matcher::new(Config::DEFAULT),
            sensitive: nucleo_matcher::Matcher::new(sensitive),
            buf: Vec::new(),
            bytes: Vec::new(),
        }
    }
}

impl Matcher {
    /// The score of `text` for `query`, or None if some word does not match.
    pub fn score(&mut self, text: &str, query: &Query, pass: Pass) -> Option<u32> {
        if let (Pass::Quick, Some(words), true) = (pass, &query.ascii, text.is_ascii()) {
            let folded = if query.case_sensitive {
                text.as_bytes()
            } else {
                self.bytes.clear();
                self.bytes
                    .extend(text.bytes().map(|b| b.to_ascii_lowercase()));
                &self.bytes
            };
            return quick_ascii(folded, words);
        }
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

/// The quick pass on ASCII (`hay` already case-folded when the query is): every word a
/// subsequence (as nucleo decides on ASCII), scored by where a whole occurrence starts.
fn quick_ascii(hay: &[u8], words: &[memchr::memmem::Finder<'static>]) -> Option<u32> {
    let mut total = 0u32;
    for w in words {
        total += match w.find(hay) {
            Some(p) => {
                let boundary = p == 0 || !hay[p - 1].is_ascii_alphanumeric();
                2000u32.saturating_sub(2 * p as u32) + if boundary { 500 } else { 0 }
            }
            None => {
                let mut pos = 0;
                for &c in w.needle() {
                    pos += memchr::memchr(c, hay.get(pos..)?)? + 1;
                }
                100
            }
        };
    }
    Some(total)
}

/// The searched text of every item in one buffer, in item order: scanning it reads memory
/// in sequence (one allocation per item would cost a cache miss each).
#[derive(Debug, Default)]
pub struct SearchIndex {
    text: String,
    /// `text` with ASCII letters in lower case (same length): what the quick pass scans.
    folded: Vec<u8>,
    ends: Vec<u32>,
}

impl SearchIndex {
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> SearchIndex {
        let mut index = SearchIndex::default();
        for t in texts {
            index.push(t);
        }
        index.fold();
        index
    }

    /// Appends an item's text (`fold` once after the last).
    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
        self.ends.push(self.text.len() as u32);
    }

    /// Makes the folded copy the quick pass scans.
    pub fn fold(&mut self) {
        self.folded = self.text.as_bytes().to_ascii_lowercase();
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        start..self.ends.get(i).map_or(start, |e| *e as usize)
    }

    /// The score of item `i` (the quick pass reads the folded copy).
    pub fn score(&self, m: &mut Matcher, i: usize, query: &Query, pass: Pass) -> Option<u32> {
        let text = self.get(i);
        match (&query.ascii, pass, query.case_sensitive) {
            (Some(words), Pass::Quick, false) if text.is_ascii() => {
                quick_ascii(&self.folded[self.range(i)], words)
            }
            _ => m.score(text, query, pass),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text of item `i`.
    pub fn get(&self, i: usize) -> &str {
        self.text.get(self.range(i)).unwrap_or_default()
    }
}

/// Items scored at a time between looks at whether the search was superseded.
const CHUNK: usize = 4096;

/// (score, item) of every item among `items` whose text matches, scored on every core (at
/// most 8); None when `cancelled` said so between chunks. The order is not defined.
pub fn score_all(
    items: &[u32],
    index: &SearchIndex,
    query: &Query,
    pass: Pass,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<(u32, u32)>> {
    let threads = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .min(8);
    let score_slice = |slice: &[u32]| -> Option<Vec<(u32, u32)>> {
        let mut m = Matcher::default();
        // Sized once: growing a large vector copies it.
        let mut out = Vec::with_capacity(slice.len());
        for chunk in slice.chunks(CHUNK) {
            if cancelled() {
                return None;
            }
            out.extend(
                chunk
                    .iter()
                    .filter_map(|&i| index.score(&mut m, i as usize, query, pass).map(|s| (s, i))),
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
        let mut out = Vec::with_capacity(items.len());
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
pub fn rank(scored: Vec<(u32, u32)>) -> Vec<u32> {
    rank_top(scored, usize::MAX)
}

/// The best `top` first, in order (ties keep the items' order); the rest after them, in no
/// particular order: the quick pass's ranking, where only the first screens matter until
/// the final one comes.
pub fn rank_top(mut scored: Vec<(u32, u32)>, top: usize) -> Vec<u32> {
    let order = |a: &(u32, u32), b: &(u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if top < scored.len() {
        scored.select_nth_unstable_by(top, order);
        scored[..top].sort_unstable_by(order);
    } else {
        scored.sort_unstable_by(order);
    }
    scored.into_iter().map(|(_, i)| i).collect()
}

/// How many of the quick pass's matches are put in order (a few screens).
const QUICK_RANKED: usize = 500;

/// Candidates below this many are ranked in one pass (it is fast enough).
const ONE_PASS_BELOW: usize = 20_000;

/// Ranks `items` (indices into `index`) for `query`, giving each pass's ranking in turn to
/// `each` with whether it is the final one: with many candidates a quick pass first (its
/// first screens in order), then the best pass over the quick one's matches only. Stops as
/// soon as `cancelled` says so. The one road of the console's search and its benchmark.
pub fn search(
    index: &SearchIndex,
    query: &Query,
    mut items: Vec<u32>,
    cancelled: &(dyn Fn() -> bool + Sync),
    each: &mut dyn FnMut(&[u32], bool),
) {
    let mut passes = vec![Pass::Best];
    if items.len() >= ONE_PASS_BELOW {
        passes.insert(0, Pass::Quick);
    }
    for pass in passes {
        let Some(scored) = score_all(&items, index, query, pass, cancelled) else {
            return;
        };
        let done = pass == Pass::Best;
        let ranked = if done {
            rank(scored)
        } else {
            rank_top(scored, QUICK_RANKED)
        };
        each(&ranked, done);
        // The second pass scores only what matched the first, in index order.
        items = ranked;
        items.sort_unstable();
    }
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
        for q in [
            "wp", "pay roll", "dev-12", "zqxj", "0042", "Wayne", "WAYNE", "krusty 9", "a", "",
        ] {
            let q = Query::new(q);
            for t in texts {
                assert_eq!(
                    m.score(t, &q, Pass::Quick).is_some(),
                    m.score(t, &q, Pass::Best).is_some()
                );
            }
        }
    }

    proptest::proptest! {
        /// The quick pass, on the index's folded copy, matches what nucleo matches.
        #[test]
        fn the_index_quick_pass_matches_what_nucleo_matches(
            hay in "[a-zA-Z0-9 .@-]{0,40}",
            q in "[a-zA-Z0-9 -]{0,6}",
        ) {
            let mut m = Matcher::default();
            let q = Query::new(&q);
            let index = SearchIndex::new(["x", hay.as_str()]);
            proptest::prop_assert_eq!(
                index.score(&mut m, 1, &q, Pass::Quick).is_some(),
                m.score(&hay, &q, Pass::Best).is_some()
            );
        }

        /// The quick pass decides what matches exactly as nucleo does (on ASCII).
        #[test]
        fn the_quick_pass_matches_what_nucleo_matches(
            hay in "[a-zA-Z0-9 .@-]{0,40}",
            q in "[a-zA-Z0-9 -]{0,6}",
        ) {
            let mut m = Matcher::default();
            let q = Query::new(&q);
            proptest::prop_assert_eq!(
                m.score(&hay, &q, Pass::Quick).is_some(),
                m.score(&hay, &q, Pass::Best).is_some()
            );
        }
    }

    #[test]
    fn a_cancelled_search_stops() {
        let items: Vec<u32> = (0..100_000).collect();
        let index = SearchIndex::new(items.iter().map(|_| "acme"));
        let q = Query::new("acme");
        assert!(score_all(&items, &index, &q, Pass::Best, &|| true).is_none());
        let got = score_all(&items, &index, &q, Pass::Quick, &|| false);
        assert_eq!(got.map(|v| v.len()), Some(100_000));
    }
}
