//! Listing the queue (`list`, the demo's table): the lines a view spec and a query keep, read
//! by several connections at once and put in the spec's order, and the submissions behind
//! them in full, a chunk at a time. The fuzzy scoring itself is `search.rs`'s.

use super::{Result, Workflow, WorkflowError};
use crate::domain::projection::business_clock;
use crate::domain::query::{Asking, FieldQuery};
use crate::domain::view::{At, ViewSpec};
use crate::domain::{
    Assessment, ClockNow, Policy, QueueLine, ReviewState, Submission, TestsNow, assess,
};
use crate::store::LineFilter;
use jiff::Timestamp;
use std::sync::Arc;

/// A line with its statuses at the listing instant.
pub struct Row {
    pub line: QueueLine,
    pub clock: Option<ClockNow>,
    pub tests: TestsNow,
}

impl Row {
    /// `b` is the business-time axis at `now` (`business_clock`), computed once.
    pub fn at(line: QueueLine, b: i64, policy: &Policy, now: Timestamp) -> Row {
        Row {
            clock: line.clock_at(b),
            tests: line.tests_at(now, &policy.freshness),
            line,
        }
    }
}

/// What a listing keeps and how it orders it: the view spec (filters, sort, instant) the
/// console's tabs use too, and a query's field terms.
pub struct Terms<'a> {
    pub spec: ViewSpec,
    pub query: FieldQuery,
    /// The view's terms (`--view`), and the ids it holds whatever they say (the Mine tab's
    /// attention set).
    pub view: FieldQuery,
    pub attention: std::collections::BTreeSet<String>,
    pub analyst: &'a str,
    /// The ISVs' replies (`replied:`, `idle:`).
    pub replies: crate::domain::query::RepliesKnown,
}

impl Terms<'_> {
    fn admit(&self, r: &Row) -> bool {
        let asking = Asking {
            analyst: self.analyst,
            now: self.spec.at.now,
            policy: &self.spec.at.policy,
            replies: &self.replies,
        };
        let admits = |q: &FieldQuery| {
            !q.has_terms() || q.admits(&r.line, &|| r.clock, &|| r.tests.overall, &asking)
        };
        (self.attention.contains(r.line.id()) || admits(&self.view))
            && admits(&self.query)
            && self.spec.admits(&r.line)
    }
}

/// The rows that pass the terms, in the view spec's order: with their search scores when
/// they come with them (the matches of a query: best first, ties in the sort's order);
/// `count` rows at most come in (room is made once: rows are large to move).
fn keep(rows: impl Iterator<Item = (Row, Option<u32>)>, count: usize, terms: &Terms) -> Vec<Row> {
    let mut kept: Vec<Row> = Vec::with_capacity(count);
    let mut scores: Vec<u32> = Vec::new();
    for (r, score) in rows {
        if terms.admit(&r) {
            kept.push(r);
            scores.extend(score);
        }
    }
    let scored = scores.len() == kept.len() && !kept.is_empty();
    let order = terms.spec.order(
        kept.len(),
        |k| &kept[k].line,
        scored.then_some(scores.as_slice()),
    );
    permute(&mut kept, order);
    kept
}

/// Every line, most urgent first (the view spec's SLA order).
pub fn by_urgency(lines: Vec<QueueLine>, policy: &Arc<Policy>, now: Timestamp) -> Vec<Row> {
    let spec = ViewSpec::new(At::new(policy.clone(), now));
    let mut rows: Vec<Row> = lines
        .into_iter()
        .map(|l| Row::at(l, spec.at.b, policy, now))
        .collect();
    let order = spec.order(rows.len(), |k| &rows[k].line, None);
    permute(&mut rows, order);
    rows
}

/// Puts `rows[order[k]]` at `k`, each row moved once (following the permutation's cycles).
fn permute<T>(rows: &mut [T], mut order: Vec<u32>) {
    for start in 0..order.len() {
        let mut k = start;
        while order[k] as usize != start {
            let from = order[k] as usize;
            rows.swap(k, from);
            order[k] = k as u32;
            k = from;
        }
        order[k] = k as u32;
    }
}

/// Connections that read the lines of a query at once (this machine's cores).
const READERS: usize = 2;

impl Workflow {
    /// The rows `terms` keep, in their view spec's order, in one pass over the queue's
    /// lines (`filter` narrows what is read): each of `READERS` connections reads a range of
    /// ids and computes its lines' statuses. With words `q`, each line's search text is
    /// scored as it is read (`search.rs` scores it), only the matches are built, and they
    /// come best first. At `--as-of`, each line is the submission's of then.
    pub fn list_rows(&self, states: &[ReviewState], terms: &Terms, q: &str) -> Result<Vec<Row>> {
        let store = &self.store;
        // Only the states asked for are read (the rest of the filters need the instant). At a
        // past instant the states are those of then: filtered after the lines are read.
        let filter = &LineFilter {
            states: if self.as_of.is_some() {
                Vec::new()
            } else {
                states.to_vec()
            },
            ..LineFilter::default()
        };
        use crate::search::{Matcher, Pass, Query};
        let (policy, now) = (&*terms.spec.at.policy, terms.spec.at.now);
        let query = Some(std::sync::Arc::new(Query::new(q))).filter(|q| !q.is_empty());
        let b = business_clock(&policy.sla, now);
        let read = |reader: &crate::store::Store,
                    ids: crate::store::IdRange|
         -> crate::store::Result<Vec<(Row, Option<u32>)>> {
            let part = LineFilter {
                ids,
                ..filter.clone()
            };
            let mut rows = Vec::new();
            match query.clone() {
                Some(query) => {
                    // A search's scan is mostly page reads (most rows are looked at, few built):
                    // mapped, the file's pages are read without a copy or a system call each.
                    reader.map_file_for_reads()?;
                    let mut m = Matcher::default();
                    reader.each_scored_line(
                        &part,
                        now,
                        Box::new(move |text| m.score(text, &query, Pass::Best)),
                        &mut |l, s| {
                            rows.push((Row::at(l, b, policy, now), Some(s)));
                            true
                        },
                    )?;
                }
                None => {
                    reader.each_line(&part, now, &mut |l| {
                        rows.push((Row::at(l, b, policy, now), None));
                        true
                    })?;
                }
            }
            Ok(rows)
        };
        let mut ranges = store.split_ids(READERS)?.into_iter();
        let first = ranges.next().unwrap_or_default();
        let opts = crate::store::OpenOptions {
            policy: Some(terms.spec.at.policy.clone()),
            ..Default::default()
        };
        let path = store.path();
        let parts = std::thread::scope(|scope| {
            // The others on their own connections; the first on this one, meanwhile.
            let others: Vec<_> = ranges
                .map(|ids| {
                    let (opts, read) = (&opts, &read);
                    scope.spawn(move || read(&crate::store::Store::open(path, opts)?, ids))
                })
                .collect();
            let mut parts = vec![read(store, first)?];
            for r in others {
                let part = r.join().map_err(|_| WorkflowError::ReaderStopped)?;
                parts.push(part?);
            }
            Ok::<_, WorkflowError>(parts)
        })?;
        let count = parts.iter().map(Vec::len).sum();
        Ok(keep(parts.into_iter().flatten(), count, terms))
    }
}

/// Full submissions read at a time for `each_assessed`.
const FULL_CHUNK: usize = 4000;

impl Workflow {
    /// Every (new version, published version) link, for `versions:`.
    pub fn version_links(&self) -> Result<Vec<(String, String)>> {
        Ok(self.store.version_links()?)
    }

    /// Each of `ids` in full (as it was at `--as-of` when set) with its assessment at `now`,
    /// in `ids`' order, to `each`. Two connections on their own threads read and assess
    /// alternate chunks while `each` takes the chunk before, so memory holds two chunks
    /// whatever the queue's size. An error of `each` (a closed pipe) stops the reading.
    pub fn each_assessed(
        &self,
        ids: &[&str],
        now: Timestamp,
        each: &mut dyn FnMut(Submission, Assessment) -> std::io::Result<()>,
    ) -> Result<()> {
        type Chunk = Vec<(Submission, Assessment)>;
        let path = self.store.path().to_path_buf();
        let (policy, as_of) = (&*self.policy, self.as_of);
        let chunks: Vec<&[&str]> = ids.chunks(FULL_CHUNK).collect();
        let readers = 2;
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..readers)
            .map(|_| std::sync::mpsc::sync_channel::<crate::store::Result<Chunk>>(1))
            .unzip();
        std::thread::scope(|scope| -> Result<()> {
            for (k, tx) in senders.into_iter().enumerate() {
                let path = path.clone();
                let mine: Vec<&[&str]> = chunks.iter().skip(k).step_by(readers).copied().collect();
                scope.spawn(move || {
                    let reader = match crate::store::Store::open(&path, &Default::default())
                        .and_then(|r| r.map_file_for_reads().map(|()| r))
                    {
                        Ok(r) => r,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    };
                    for chunk in mine {
                        let wanted: Vec<String> = chunk.iter().map(|id| id.to_string()).collect();
                        let subs = match reader.submissions_by_ids(&wanted) {
                            Ok(s) => s,
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                return;
                            }
                        };
                        // Read in id order; given in the rows' order.
                        let sorted: Vec<String> = subs.iter().map(|s| s.id.clone()).collect();
                        let mut slots: Vec<Option<Submission>> =
                            subs.into_iter().map(Some).collect();
                        let mut ordered = Vec::with_capacity(wanted.len());
                        for id in &wanted {
                            let found = sorted
                                .binary_search(id)
                                .ok()
                                .and_then(|i| slots[i].take())
                                .and_then(|sub| match as_of {
                                    Some(at) => sub.as_of(at),
                                    None => Some(sub),
                                });
                            if let Some(sub) = found {
                                let a = assess(&sub, policy, now);
                                ordered.push((sub, a));
                            }
                        }
                        if tx.send(Ok(ordered)).is_err() {
                            return; // the taker stopped (a closed pipe)
                        }
                    }
                });
            }
            let mut next = 0;
            let rx = std::iter::from_fn(move || {
                let got = receivers[next % readers].recv().ok();
                next += 1;
                got
            });
            for chunk in rx.take(chunks.len()) {
                for (sub, a) in chunk? {
                    each(sub, a).map_err(WorkflowError::Output)?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn permute_puts_each_row_where_the_order_says() {
        let mut rows = vec!['a', 'b', 'c', 'd', 'e'];
        super::permute(&mut rows, vec![3, 0, 4, 1, 2]);
        assert_eq!(rows, vec!['d', 'a', 'e', 'b', 'c']);
    }
}
