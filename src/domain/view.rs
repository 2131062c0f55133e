//! One view of the queue (STYLE.md, "One view spec"): the filters, the sort with its
//! tie-break, and the instant the statuses are read at. `list` (with or without `--view`),
//! the console's tabs and the demo's listing all keep and order their rows through it, so
//! two copies of a sort cannot disagree on ties.

use super::freshness::Freshness;
use super::policy::Policy;
use super::projection::{ClockNow, QueueLine, business_clock};
use super::sla::ClockStatus;
use super::state::ReviewState;
use super::submission::{Protocol, SubmissionPath};
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::sync::Arc;

/// One filter: items of one section are ORed, sections ANDed (the console's filter menu,
/// `list --state/--sla/--tests`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterItem {
    State(ReviewState),
    Protocol(Protocol),
    Assignee(Option<String>),
    Sla(ClockStatus),
    Tests(Freshness),
    Path(SubmissionPath),
    Update(bool),
}

impl FilterItem {
    pub fn section(&self) -> &'static str {
        match self {
            FilterItem::State(_) => "State",
            FilterItem::Protocol(_) => "Protocol",
            FilterItem::Assignee(_) => "Assignee",
            FilterItem::Sla(_) => "SLA",
            FilterItem::Tests(_) => "Tests",
            FilterItem::Path(_) => "Path",
            FilterItem::Update(_) => "Kind",
        }
    }

    /// The value, as the filter menu names it (not yet made safe for a terminal).
    pub fn label(&self) -> String {
        match self {
            FilterItem::State(s) => s.manager_name().to_string(),
            FilterItem::Protocol(p) => p.badge().to_string(),
            FilterItem::Assignee(Some(a)) => a.clone(),
            FilterItem::Assignee(None) => "unassigned".to_string(),
            FilterItem::Sla(s) => s.key().to_string(),
            FilterItem::Tests(f) => f.key().to_string(),
            FilterItem::Path(p) => p.key().to_string(),
            FilterItem::Update(true) => "update".to_string(),
            FilterItem::Update(false) => "new".to_string(),
        }
    }

    /// The label alone, as short as it reads (a chip where the line is tight).
    pub fn short_label(&self) -> String {
        match self {
            FilterItem::State(s) => s.short_label().to_string(),
            other => other.label(),
        }
    }

    /// Whether a line passes this one item at `at`.
    pub fn admits(&self, line: &QueueLine, at: &At) -> bool {
        match self {
            FilterItem::State(st) => line.state == *st,
            FilterItem::Protocol(p) => line.protocols.contains(p),
            FilterItem::Assignee(a) => line.assignee.as_deref() == a.as_deref(),
            FilterItem::Sla(st) => at.sla(line) == Some(*st),
            FilterItem::Tests(f) => at.tests(line) == Some(*f),
            FilterItem::Path(p) => line.path == *p,
            FilterItem::Update(u) => line.is_update() == *u,
        }
    }

    /// Whether the item's answer changes as time passes.
    pub fn depends_on_time(&self) -> bool {
        matches!(self, FilterItem::Sla(_) | FilterItem::Tests(_))
    }
}

/// What a view sorts by. Every key breaks its ties by id, ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Breached first (most overdue first), then running clocks by time left, then paused.
    Sla,
    Id,
    /// Time in state, longest first.
    Age,
    App,
    Isv,
    State,
    Tests,
}

impl SortKey {
    /// The keys `s` cycles through in the console, in order.
    pub const CYCLE: [SortKey; 6] = [
        SortKey::Sla,
        SortKey::Age,
        SortKey::App,
        SortKey::Isv,
        SortKey::State,
        SortKey::Tests,
    ];

    /// Every key, by the name `list --sort` takes.
    pub const KEYS: [(&'static str, SortKey); 7] = [
        ("sla", SortKey::Sla),
        ("id", SortKey::Id),
        ("age", SortKey::Age),
        ("app", SortKey::App),
        ("isv", SortKey::Isv),
        ("state", SortKey::State),
        ("tests", SortKey::Tests),
    ];

    pub fn from_key(s: &str) -> Option<SortKey> {
        SortKey::KEYS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .map(|(_, key)| *key)
    }

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Sla => "SLA",
            SortKey::Id => "id",
            SortKey::Age => "time in state",
            SortKey::App => "app",
            SortKey::Isv => "ISV",
            SortKey::State => "state",
            SortKey::Tests => "tests",
        }
    }

    /// The key in one short word (the sort chip where the line is tight).
    pub fn short_name(self) -> &'static str {
        match self {
            SortKey::Age => "age",
            other => other.name(),
        }
    }

    /// What `line` sorts by under this key, at `at`.
    fn value(self, line: &QueueLine, at: &At) -> SortValue {
        let rank = |a: u8, b: i64| SortValue::Rank(a, b);
        match self {
            SortKey::Sla => {
                let (a, b) = line.urgency();
                rank(a, b)
            }
            SortKey::Id => rank(0, 0),
            SortKey::Age => rank(
                u8::from(line.in_state_since.is_some()),
                line.in_state_since.map_or(0, |t| t.as_second()),
            ),
            SortKey::State => rank(line.state as u8, 0),
            SortKey::Tests => rank(at.tests(line).map_or(9, |f| f as u8), 0),
            SortKey::App => SortValue::Text(line.app_name().to_lowercase()),
            SortKey::Isv => SortValue::Text(line.isv().to_lowercase()),
        }
    }
}

/// A line's place under a sort key: a rank, or a name compared without case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Rank(u8, i64),
    Text(String),
}

/// The instant a view reads its statuses at, with the policy that says them.
#[derive(Debug, Clone)]
pub struct At {
    pub policy: Arc<Policy>,
    pub now: Timestamp,
    /// The business-time axis at `now` (see `business_clock`), computed once.
    pub b: i64,
}

impl At {
    pub fn new(policy: Arc<Policy>, now: Timestamp) -> At {
        let b = business_clock(&policy.sla, now);
        At { policy, now, b }
    }
    pub fn clock(&self, line: &QueueLine) -> Option<ClockNow> {
        line.clock_at(self.b)
    }
    pub fn sla(&self, line: &QueueLine) -> Option<ClockStatus> {
        self.clock(line).map(|c| c.status)
    }
    pub fn tests(&self, line: &QueueLine) -> Option<Freshness> {
        line.tests_at(self.now, &self.policy.freshness).overall
    }
}

/// The filters, the sort and the instant of one view.
#[derive(Debug, Clone)]
pub struct ViewSpec {
    pub filters: BTreeSet<FilterItem>,
    pub sort: SortKey,
    /// The sort's order reversed as a whole (ties too).
    pub reverse: bool,
    pub at: At,
}

impl ViewSpec {
    pub fn new(at: At) -> ViewSpec {
        ViewSpec {
            filters: BTreeSet::new(),
            sort: SortKey::Sla,
            reverse: false,
            at,
        }
    }

    /// Whether `line` passes the filters: within a section any item, every section.
    pub fn admits(&self, line: &QueueLine) -> bool {
        let mut items = self.filters.iter().peekable();
        while let Some(first) = items.next() {
            let section = first.section();
            let mut passed = first.admits(line, &self.at);
            while let Some(next) = items.next_if(|i| i.section() == section) {
                passed = passed || next.admits(line, &self.at);
            }
            if !passed {
                return false;
            }
        }
        true
    }

    /// The order of `n` lines (`line(k)` is the k-th): by the sort key, ties by id; after
    /// the best search `scores` (one per line) when there are, ties in the key's order.
    /// Returns the lines' indices in that order. The keys are laid out beside the indices
    /// and sorted once; an id's rank stands for the id, so no comparison reads a line.
    pub fn order<'a>(
        &self,
        n: usize,
        line: impl Fn(usize) -> &'a QueueLine,
        scores: Option<&[u32]>,
    ) -> Vec<u32> {
        let id_rank: Vec<u32> = if (1..n).all(|k| line(k - 1).id() <= line(k).id()) {
            (0..n as u32).collect()
        } else {
            let mut by_id: Vec<u32> = (0..n as u32).collect();
            by_id.sort_unstable_by(|&a, &b| line(a as usize).id().cmp(line(b as usize).id()));
            let mut rank = vec![0u32; n];
            for (place, &k) in by_id.iter().enumerate() {
                rank[k as usize] = place as u32;
            }
            rank
        };
        let best =
            |k: usize| std::cmp::Reverse(scores.and_then(|s| s.get(k)).copied().unwrap_or(0));
        let mut keyed: Vec<(std::cmp::Reverse<u32>, SortValue, u32, u32)> = (0..n)
            .map(|k| {
                (
                    best(k),
                    self.sort.value(line(k), &self.at),
                    id_rank[k],
                    k as u32,
                )
            })
            .collect();
        keyed.sort_unstable();
        let mut order: Vec<u32> = keyed.into_iter().map(|k| k.3).collect();
        if self.reverse {
            order.reverse();
        }
        order
    }
}
