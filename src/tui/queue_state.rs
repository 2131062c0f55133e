//! The queue as the analyst looks at it: the loaded rows, the tab, filters, search and sort
//! that make the view, the selection (kept by id) and the marks.

use super::worker::{SearchRequest, SearchResult, Snapshot};
use crate::domain::query::{Asking, FieldQuery, RepliesKnown, View};
use crate::domain::view::{At, ViewSpec};
pub use crate::domain::view::{FilterItem, SortKey};
use crate::domain::{
    ClockStatus, Freshness, Policy, Protocol, QueueLine, ReviewState, SubmissionPath,
};
use crate::search::SearchIndex;
use crate::workflow::MoveItem;
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The queue's tabs: the built-in ones, then the config's saved views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    NeedsOin,
    WithIsv,
    Mine,
    Breached,
    All,
    /// The config's `n`-th saved view after the built-in ones.
    View(usize),
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::NeedsOin,
        Tab::WithIsv,
        Tab::Mine,
        Tab::Breached,
        Tab::All,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Tab::NeedsOin => "Needs OIN",
            Tab::WithIsv => "With ISV",
            Tab::Mine => "Mine",
            Tab::Breached => "Breached",
            Tab::All => "All",
            Tab::View(_) => "view",
        }
    }

    /// Its place among the views (the built-in ones first).
    fn index(self) -> usize {
        match self {
            Tab::NeedsOin => 0,
            Tab::WithIsv => 1,
            Tab::Mine => 2,
            Tab::Breached => 3,
            Tab::All => 4,
            Tab::View(i) => Tab::ALL.len() + i,
        }
    }
}

/// The rows a query's field terms let through, decided on the search thread.
pub struct RowFilter {
    query: FieldQuery,
    rows: Snapshot,
    policy: Arc<Policy>,
    now: Timestamp,
    b: i64,
    analyst: String,
    replies: Arc<RepliesKnown>,
}

impl RowFilter {
    pub fn admits(&self, i: usize) -> bool {
        let Some(row) = self.rows.get(i) else {
            return false;
        };
        self.query.admits(
            row,
            &|| row.clock_at(self.b),
            &|| row.tests_at(self.now, &self.policy.freshness).overall,
            &Asking {
                analyst: &self.analyst,
                now: self.now,
                policy: &self.policy,
                replies: &self.replies,
            },
        )
    }
}

/// A search to run: its generation, the query, and the rows it may match (when it extends
/// the last query, that one's hits).
pub type SearchAsk = (u64, String, Option<Arc<Vec<usize>>>);

/// The rows, the view of them, the selection and the marks.
pub struct QueueState {
    analyst: String,
    /// The filters, the sort and the instant (one view spec, as `list` uses it).
    spec: ViewSpec,
    rows: Snapshot,
    /// The rows' searched text, compact (what searches scan).
    index: Arc<SearchIndex>,
    /// Which rows the tab and filters let through (None: to compute again).
    eligible: Option<Vec<bool>>,
    loaded: bool,
    /// Every line is read (not only the first page).
    complete: bool,
    /// Indices into `rows` in display order, after tab, filters, search and sort.
    view: Vec<usize>,
    selected: usize,
    /// The id of the selected row, kept across reloads, sorting and filtering.
    selected_id: Option<String>,
    offset: usize,
    /// Rows that fit on screen, for paging and keeping the selection in view.
    page: usize,
    tab: Tab,
    query: String,
    /// The query's field terms and fuzzy words, or why it cannot be run.
    parsed: Result<FieldQuery, String>,
    search_generation: u64,
    search: Option<SearchResult>,
    last_search_ms: Option<f64>,
    marks: BTreeSet<String>,
    /// Submissions per Wizard group, counted once per load (not per frame).
    counts: [usize; 4],
    /// Every tab's view: the built-in ones (perhaps redefined), then the saved ones.
    views: Vec<View>,
    /// Rows in each saved view after the built-in ones, counted once per load.
    view_counts: Vec<usize>,
    /// Items the ISV has held longer than the reminder policy's idle time, counted with
    /// the views.
    idle_count: usize,
    /// Submissions whose notes mention this analyst and that they have not acted on yet:
    /// the Mine tab shows them too, marked.
    attention: BTreeSet<String>,
    /// The ISVs' replies: their last, from which the idle time runs when it is later than
    /// the state's start, and those this analyst has not read (`replied:`).
    replies: Arc<RepliesKnown>,
}

impl QueueState {
    pub fn new(analyst: &str, policy: Arc<Policy>, now: Timestamp) -> QueueState {
        QueueState {
            analyst: analyst.to_string(),
            spec: ViewSpec::new(At::new(policy, now)),
            rows: Arc::new(Vec::new()),
            index: Arc::new(SearchIndex::default()),
            eligible: None,
            loaded: false,
            complete: false,
            view: Vec::new(),
            selected: 0,
            selected_id: None,
            offset: 0,
            page: 1,
            tab: Tab::NeedsOin,
            query: String::new(),
            parsed: Ok(FieldQuery::default()),
            search_generation: 0,
            search: None,
            last_search_ms: None,
            marks: BTreeSet::new(),
            counts: [0; 4],
            views: crate::domain::query::builtin_views(),
            view_counts: Vec::new(),
            idle_count: 0,
            attention: BTreeSet::new(),
            replies: Arc::new(RepliesKnown::default()),
        }
    }

    /// The replies as the database says now. When they changed and a term of the view or
    /// the search asks about them (`replied:`, `idle:`), the view is computed again; the
    /// search to run again is returned.
    pub fn set_replies(&mut self, known: RepliesKnown) -> Option<SearchAsk> {
        if known == *self.replies {
            return None;
        }
        self.replies = Arc::new(known);
        self.count_idle();
        let asks = |q: &FieldQuery| q.terms.iter().any(|t| t.test.about_replies());
        let tab_asks = self
            .views
            .get(self.tab.index())
            .is_some_and(|v| asks(&v.query));
        if tab_asks {
            self.eligible = None;
            self.rebuild();
        }
        match &self.parsed {
            Ok(q) if asks(q) && !self.query.is_empty() => self.search_again(),
            _ => None,
        }
    }

    /// Since when the ISV has held `row` without a word.
    fn quiet_since(&self, row: &QueueLine) -> Option<Timestamp> {
        self.replies.quiet_since(row)
    }

    fn count_idle(&mut self) {
        let rule = self.spec.at.policy.idle_rule();
        self.idle_count = self
            .rows
            .iter()
            .filter(|r| rule.is_idle(r.state, self.quiet_since(r), self.spec.at.now))
            .count();
    }

    /// The analyst's attention set, as the database says now.
    pub fn set_attention(&mut self, set: BTreeSet<String>) {
        if set != self.attention {
            self.attention = set;
            if self.tab == Tab::Mine {
                self.eligible = None;
                self.rebuild();
            }
        }
    }

    /// Whether a note mentions this analyst on this submission, not yet acted on.
    pub fn wants_attention(&self, id: &str) -> bool {
        self.attention.contains(id)
    }

    /// The tabs' views: the five built-in ones (in `Tab::ALL`'s order), then saved ones.
    pub fn set_views(&mut self, views: Vec<View>) {
        if views.len() >= Tab::ALL.len() {
            self.views = views;
        }
        if let Tab::View(i) = self.tab
            && i + Tab::ALL.len() >= self.views.len()
        {
            self.tab = Tab::NeedsOin;
        }
        self.count_views();
        self.eligible = None;
        self.rebuild();
    }

    /// Every tab, in order.
    pub fn tabs(&self) -> Vec<Tab> {
        let saved = self.views.len().saturating_sub(Tab::ALL.len());
        Tab::ALL
            .into_iter()
            .chain((0..saved).map(Tab::View))
            .collect()
    }

    /// A tab's name (a saved view's as the config names it).
    pub fn tab_title(&self, tab: Tab) -> &str {
        self.views
            .get(tab.index())
            .map_or(tab.title(), |v| v.name.as_str())
    }

    /// Rows in a saved view's tab (None for the built-in ones).
    pub fn tab_count(&self, tab: Tab) -> Option<usize> {
        match tab {
            Tab::View(i) => self.view_counts.get(i).copied(),
            _ => None,
        }
    }

    /// Items the ISV has held longer than the idle time (the header's chip).
    pub fn idle_count(&self) -> usize {
        self.idle_count
    }

    /// Whether the ISV has held this item longer than the idle time (its row's mark).
    pub fn is_idle(&self, row: &QueueLine) -> bool {
        self.spec
            .at
            .policy
            .idle_rule()
            .is_idle(row.state, self.quiet_since(row), self.spec.at.now)
    }

    /// The links between versions among the rows (new version, the one it replaces).
    fn version_links(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rows
            .iter()
            .filter_map(|r| Some((r.id(), r.supersedes.as_deref()?)))
    }

    fn count_views(&mut self) {
        // A view naming an integration's versions finds them among the rows as loaded.
        if self.views.iter().any(|v| v.query.wants_versions()) {
            let mut views = std::mem::take(&mut self.views);
            for v in views.iter_mut().filter(|v| v.query.wants_versions()) {
                v.query.resolve_versions(self.version_links());
            }
            self.views = views;
        }
        self.count_idle();
        let counts = self.views[Tab::ALL.len().min(self.views.len())..]
            .iter()
            .map(|v| {
                self.rows
                    .iter()
                    .filter(|r| self.admits(&v.query, r))
                    .count()
            })
            .collect();
        self.view_counts = counts;
    }

    fn admits(&self, query: &FieldQuery, row: &QueueLine) -> bool {
        query.admits(
            row,
            &|| row.clock_at(self.spec.at.b),
            &|| self.spec.at.tests(row),
            &Asking {
                analyst: &self.analyst,
                now: self.spec.at.now,
                policy: &self.spec.at.policy,
                replies: &self.replies,
            },
        )
    }

    // --- reading -----------------------------------------------------------------------

    pub fn rows(&self) -> &Snapshot {
        &self.rows
    }
    pub fn loaded(&self) -> bool {
        self.loaded
    }
    /// Whether every line is read (else the first page only).
    pub fn complete(&self) -> bool {
        self.complete
    }
    /// Whether a ranking (the last one, or the quick one of the current query) is shown.
    pub fn has_ranking(&self) -> bool {
        self.search.is_some()
    }
    /// Whether a search is still ranking (its quick result is shown).
    pub fn searching(&self) -> bool {
        !self.query.is_empty()
            && self
                .search
                .as_ref()
                .is_none_or(|s| !s.done || s.query != self.query)
    }
    /// How many rows the view shows (of `rows().len()`).
    pub fn len(&self) -> usize {
        self.view.len()
    }
    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }
    /// The position of the selection in the view.
    pub fn selected(&self) -> usize {
        self.selected
    }
    pub fn offset(&self) -> usize {
        self.offset
    }
    pub fn tab(&self) -> Tab {
        self.tab
    }
    pub fn filters(&self) -> &BTreeSet<FilterItem> {
        &self.spec.filters
    }
    pub fn sort(&self) -> (SortKey, bool) {
        (self.spec.sort, self.spec.reverse)
    }
    pub fn query(&self) -> &str {
        &self.query
    }
    pub fn last_search_ms(&self) -> Option<f64> {
        self.last_search_ms
    }
    pub fn marks(&self) -> &BTreeSet<String> {
        &self.marks
    }
    pub fn is_marked(&self, id: &str) -> bool {
        self.marks.contains(id)
    }
    pub fn group_counts(&self) -> [usize; 4] {
        self.counts
    }

    /// The view's rows from `from`, at most `n`, with their positions.
    pub fn visible(&self, from: usize, n: usize) -> impl Iterator<Item = (usize, &QueueLine)> {
        self.view
            .iter()
            .enumerate()
            .skip(from)
            .take(n)
            .map(|(pos, &i)| (pos, &self.rows[i]))
    }

    /// The ids the view shows, in order.
    pub fn view_ids(&self) -> Vec<&str> {
        self.view.iter().map(|&i| self.rows[i].id()).collect()
    }

    pub fn selected_row(&self) -> Option<&QueueLine> {
        self.view.get(self.selected).map(|&i| &self.rows[i])
    }

    /// The submissions a batch command acts on: the marked ones, else the selected one.
    pub fn targets(&self) -> Vec<&QueueLine> {
        if self.marks.is_empty() {
            self.selected_row().into_iter().collect()
        } else {
            self.rows
                .iter()
                .filter(|r| self.marks.contains(r.id()))
                .collect()
        }
    }

    /// The line of `id` as the queue holds it now.
    pub fn line(&self, id: &str) -> Option<&QueueLine> {
        self.row_of(id).map(|i| &self.rows[i])
    }

    /// The targets with the row versions the analyst saw.
    pub fn items(&self) -> Vec<MoveItem> {
        self.targets().into_iter().map(seen_item).collect()
    }

    /// How many marked submissions the current view does not show.
    pub fn hidden_marks(&self) -> usize {
        let shown = self
            .view
            .iter()
            .filter(|&&i| self.marks.contains(self.rows[i].id()))
            .count();
        self.marks.len().saturating_sub(shown)
    }

    /// Every toggle the filter menu offers, in order (assignees from the data).
    pub fn filter_items(&self) -> Vec<FilterItem> {
        let mut items: Vec<FilterItem> = ReviewState::ALL
            .into_iter()
            .map(FilterItem::State)
            .collect();
        items.extend(Protocol::ALL.into_iter().map(FilterItem::Protocol));
        let mut assignees: BTreeSet<Option<String>> = self
            .rows
            .iter()
            .map(|r| r.assignee.as_deref().map(str::to_string))
            .collect();
        assignees.insert(Some(self.analyst.clone()));
        assignees.insert(None);
        items.extend(assignees.into_iter().map(FilterItem::Assignee));
        items.extend(
            [
                ClockStatus::Breached,
                ClockStatus::AtRisk,
                ClockStatus::OnTrack,
                ClockStatus::Paused,
            ]
            .into_iter()
            .map(FilterItem::Sla),
        );
        items.extend(
            [
                Freshness::Fresh,
                Freshness::Expiring,
                Freshness::Expired,
                Freshness::Failed,
                Freshness::Missing,
            ]
            .into_iter()
            .map(FilterItem::Tests),
        );
        items.extend(
            [SubmissionPath::Wizard, SubmissionPath::Manager]
                .into_iter()
                .map(FilterItem::Path),
        );
        items.extend([false, true].into_iter().map(FilterItem::Update));
        items
    }

    /// A search request for the worker, with the snapshot it runs on.
    pub fn search_request(
        &self,
        generation: u64,
        query: String,
        candidates: Option<Arc<Vec<usize>>>,
    ) -> SearchRequest {
        let mut parsed = crate::domain::query::parse(&query).unwrap_or_default();
        if parsed.wants_versions() {
            parsed.resolve_versions(self.version_links());
        }
        let fuzzy = parsed.words.clone();
        let filter = parsed.has_terms().then(|| {
            Arc::new(RowFilter {
                query: parsed,
                rows: self.rows.clone(),
                policy: self.spec.at.policy.clone(),
                now: self.spec.at.now,
                b: self.spec.at.b,
                analyst: self.analyst.clone(),
                replies: self.replies.clone(),
            })
        });
        SearchRequest {
            generation,
            query,
            fuzzy,
            index: self.index.clone(),
            candidates,
            filter,
        }
    }

    /// Why the query cannot be run (an unknown field or value), when it cannot.
    pub fn query_error(&self) -> Option<&str> {
        self.parsed.as_ref().err().map(String::as_str)
    }

    /// The query's field terms, for chips and highlighting.
    pub fn query_terms(&self) -> &[crate::domain::query::Term] {
        self.parsed.as_ref().map_or(&[], |q| q.terms.as_slice())
    }

    // --- changing ----------------------------------------------------------------------

    /// New rows from the database (all of them, or the first page); the selection and
    /// marks stay (by id).
    pub fn load(&mut self, rows: Snapshot, complete: bool) {
        if !complete && self.complete {
            return; // a first page never replaces the whole queue
        }
        let mut rows = rows;
        if complete && !rows.is_sorted_by(|a, b| a.id() <= b.id()) {
            // Changes are found by id in a complete set (lines recomputed for --as-of come
            // last from the store).
            Arc::make_mut(&mut rows).sort_unstable_by(|a, b| a.id().cmp(b.id()));
        }
        self.counts = count_groups(&rows);
        self.index = Arc::new(SearchIndex::new(rows.iter().map(QueueLine::search_text)));
        self.rows = rows;
        self.count_views();
        self.eligible = None;
        self.loaded = true;
        self.complete = complete;
        // Search results index the old snapshot.
        self.search = None;
        self.rebuild();
    }

    /// Lines that changed: each replaces the line with its id (read in id order), new ones
    /// come in at their place. Returns the ids that changed.
    pub fn apply_changes(&mut self, changed: Vec<QueueLine>) -> Vec<String> {
        if changed.is_empty() {
            return Vec::new();
        }
        let ids: Vec<String> = changed.iter().map(|l| l.id().to_string()).collect();
        let rows = Arc::make_mut(&mut self.rows);
        let mut inserted = false;
        let mut renamed = false;
        for line in changed {
            let at = if self.complete {
                rows.binary_search_by(|r| r.id().cmp(line.id()))
            } else {
                rows.iter()
                    .position(|r| r.id() == line.id())
                    .ok_or(rows.len())
            };
            match at {
                Ok(i) => {
                    renamed |= rows[i].search_text() != line.search_text();
                    rows[i] = line;
                }
                Err(i) => {
                    rows.insert(i, line);
                    inserted = true;
                }
            }
        }
        self.counts = count_groups(rows);
        if inserted || renamed {
            self.index = Arc::new(SearchIndex::new(rows.iter().map(QueueLine::search_text)));
        }
        if inserted {
            self.search = None; // its indices point at the old places
        }
        self.count_views();
        self.eligible = None;
        self.rebuild();
        ids
    }

    /// The console's clock moved: statuses that depend on time are computed anew (the
    /// view is rebuilt only when a tab or filter depends on them).
    pub fn set_now(&mut self, now: Timestamp) {
        self.spec.at = At::new(self.spec.at.policy.clone(), now);
        let timed = self
            .views
            .get(self.tab.index())
            .is_some_and(|v| v.query.depends_on_time())
            || self.spec.filters.iter().any(FilterItem::depends_on_time)
            || self.spec.sort == SortKey::Tests;
        if timed {
            self.eligible = None;
            self.rebuild();
        }
    }

    /// Rows that fit on screen (for paging).
    pub fn set_page(&mut self, page: usize) {
        self.page = page.max(1);
        self.scroll_to_selection();
    }

    pub fn page(&self) -> usize {
        self.page
    }

    pub fn select(&mut self, index: usize) {
        self.selected = index.min(self.view.len().saturating_sub(1));
        self.selected_id = self.selected_row().map(|r| r.id().to_string());
        self.scroll_to_selection();
    }

    /// Moves the selection by `delta` rows (negative: up).
    pub fn move_by(&mut self, delta: isize) {
        self.select(self.selected.saturating_add_signed(delta));
    }

    pub fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
        self.eligible = None;
        self.rebuild();
    }

    pub fn next_tab(&mut self, forward: bool) {
        let tabs = self.tabs();
        let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
        let n = tabs.len();
        self.set_tab(
            tabs[if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }],
        );
    }

    pub fn next_sort(&mut self) -> SortKey {
        let i = SortKey::CYCLE
            .iter()
            .position(|k| *k == self.spec.sort)
            .unwrap_or(0);
        self.spec.sort = SortKey::CYCLE[(i + 1) % SortKey::CYCLE.len()];
        self.rebuild();
        self.spec.sort
    }

    pub fn reverse_sort(&mut self) {
        self.spec.reverse = !self.spec.reverse;
        self.rebuild();
    }

    pub fn toggle_filter(&mut self, item: &FilterItem) {
        if !self.spec.filters.remove(item) {
            self.spec.filters.insert(item.clone());
        }
        self.eligible = None;
        self.rebuild();
    }

    pub fn clear_filters(&mut self) {
        self.spec.filters.clear();
        self.eligible = None;
        self.rebuild();
    }

    /// Marks or unmarks the selected row; returns whether it is marked now.
    pub fn toggle_mark(&mut self) -> Option<bool> {
        let id = self.selected_row()?.id().to_string();
        let marked = if self.marks.remove(&id) {
            false
        } else {
            self.marks.insert(id);
            true
        };
        Some(marked)
    }

    /// Marks every row the view shows; returns how many it shows.
    pub fn mark_all(&mut self) -> usize {
        let ids: Vec<String> = self
            .view
            .iter()
            .map(|&i| self.rows[i].id().to_string())
            .collect();
        let n = ids.len();
        self.marks.extend(ids);
        n
    }

    pub fn clear_marks(&mut self) {
        self.marks.clear();
    }

    pub fn unmark(&mut self, id: &str) {
        self.marks.remove(id);
    }

    /// Sets the search text; returns the search to run (None when it is empty).
    pub fn set_query(&mut self, query: String) -> Option<SearchAsk> {
        // The last result stays on screen until the new one comes (it never waits).
        self.parsed = crate::domain::query::parse(&query).map_err(|e| e.to_string());
        self.query = query;
        self.search_again()
    }

    /// The search to run for the current query (after a reload, the same query again).
    pub fn search_again(&mut self) -> Option<SearchAsk> {
        if self.query.is_empty() {
            self.search = None;
            self.rebuild();
            return None;
        }
        let Ok(asked) = &self.parsed else {
            return None; // the search line says why; the last results stay
        };
        self.search_generation += 1;
        // A query with the same terms whose words extend the last completed one's can only
        // match its hits.
        let candidates = self
            .search
            .as_ref()
            .filter(|s| {
                crate::domain::query::parse(&s.query).is_ok_and(|before| {
                    before
                        .terms
                        .iter()
                        .map(|t| &t.test)
                        .eq(asked.terms.iter().map(|t| &t.test))
                        && before
                            .terms
                            .iter()
                            .map(|t| t.negated)
                            .eq(asked.terms.iter().map(|t| t.negated))
                        && asked.words.starts_with(&before.words)
                        && (before.has_terms() || !before.words.is_empty())
                })
            })
            .map(|s| s.hits.clone());
        Some((self.search_generation, self.query.clone(), candidates))
    }

    /// A search's ranking (quick, then final); stale ones (an older generation or query)
    /// are dropped. Returns whether it was taken.
    pub fn search_done(&mut self, result: SearchResult) -> bool {
        if result.generation != self.search_generation || result.query != self.query {
            return false;
        }
        if !result.done
            && self
                .search
                .as_ref()
                .is_some_and(|s| s.generation == result.generation && s.done)
        {
            return false;
        }
        self.last_search_ms = Some(result.took.as_secs_f64() * 1000.0);
        self.search = Some(result);
        self.rebuild();
        true
    }

    fn in_tab(&self, row: &QueueLine) -> bool {
        if self.tab == Tab::Mine && self.attention.contains(row.id()) {
            return true;
        }
        match self.views.get(self.tab.index()) {
            Some(v) => self.admits(&v.query, row),
            None => true,
        }
    }

    /// Recomputes the view from rows, tab, filters, search and sort; keeps the selection.
    fn rebuild(&mut self) {
        let searching = !self.query.is_empty();
        // While a new query is ranked, the last ranking is shown.
        let hits = self
            .search
            .as_ref()
            .filter(|_| searching)
            .map(|s| s.hits.clone());
        if self
            .eligible
            .as_ref()
            .is_none_or(|e| e.len() != self.rows.len())
        {
            let eligible = self
                .rows
                .iter()
                .map(|r| self.in_tab(r) && self.spec.admits(r))
                .collect();
            self.eligible = Some(eligible);
        }
        let eligible = self.eligible.as_deref().unwrap_or_default();
        let view: Vec<usize> = match &hits {
            Some(h) => h
                .iter()
                .copied()
                .filter(|&i| eligible.get(i).copied().unwrap_or(false))
                .collect(),
            None => (0..self.rows.len()).filter(|&i| eligible[i]).collect(),
        };
        let mut view = view;
        // Field terms alone rank nothing: their matches keep the sort's order.
        let ranked = hits.is_some() && self.parsed.as_ref().is_ok_and(|q| !q.words.is_empty());
        if !ranked {
            self.sort_view(&mut view);
        }
        self.view = view;
        self.restore_selection();
    }

    fn sort_view(&self, view: &mut [usize]) {
        let rows = &self.rows;
        let order = self.spec.order(view.len(), |k| &rows[view[k]], None);
        let sorted: Vec<usize> = order.into_iter().map(|k| view[k as usize]).collect();
        view.copy_from_slice(&sorted);
    }

    fn restore_selection(&mut self) {
        // The selected row's index, then its place in the view (integers compared: the
        // rows are not read).
        let row = self.selected_id.as_deref().and_then(|id| self.row_of(id));
        let found = row.and_then(|r| self.view.iter().position(|&i| i == r));
        match found {
            Some(pos) => self.selected = pos,
            None => {
                self.selected = self.selected.min(self.view.len().saturating_sub(1));
                self.selected_id = self.selected_row().map(|r| r.id().to_string());
            }
        }
        self.scroll_to_selection();
    }

    /// The index of the row with `id`.
    fn row_of(&self, id: &str) -> Option<usize> {
        if self.complete {
            self.rows.binary_search_by(|r| r.id().cmp(id)).ok()
        } else {
            self.rows.iter().position(|r| r.id() == id)
        }
    }

    fn scroll_to_selection(&mut self) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.page {
            self.offset = self.selected + 1 - self.page;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(1));
    }
}

fn count_groups(rows: &[QueueLine]) -> [usize; 4] {
    let mut counts = [0; 4];
    for r in rows {
        // A replaced version is no longer counted as published.
        if r.superseded {
            continue;
        }
        let i = match r.state.wizard_group() {
            crate::domain::WizardGroup::Draft => 0,
            crate::domain::WizardGroup::OinToReview => 1,
            crate::domain::WizardGroup::IsvToReview => 2,
            crate::domain::WizardGroup::Published => 3,
        };
        counts[i] += 1;
    }
    counts
}

/// A line as a write's item, pinned to the row version the analyst saw.
pub fn seen_item(r: &QueueLine) -> MoveItem {
    MoveItem {
        id: r.id().to_string(),
        expected_version: Some(r.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Policy, Submission};

    fn state() -> QueueState {
        let policy: Policy = crate::config::policy_from_text(
            std::path::Path::new("p.toml"),
            crate::config::BUILTIN_POLICY,
        )
        .expect("built-in policy");
        QueueState::new(
            "ben",
            Arc::new(policy),
            "2026-11-03T09:00:00Z".parse().expect("instant"),
        )
    }

    fn rows(specs: &[(&str, ReviewState, Option<&str>)]) -> Snapshot {
        let policy: Policy = crate::config::policy_from_text(
            std::path::Path::new("p.toml"),
            crate::config::BUILTIN_POLICY,
        )
        .expect("built-in policy");
        let subs: Vec<Submission> = specs
            .iter()
            .map(|(id, state, who)| {
                let json = serde_json::json!([{
                    "id": id, "app_name": format!("App {id}"), "isv": "ISV", "path": "wizard",
                    "state": state.key(), "assignee": who,
                    "history": [{"to": state.key(), "at": "2026-11-02T09:00:00Z", "by": "isv"}]
                }]);
                crate::exchange::parse_submissions("t", json.to_string().as_bytes())
                    .expect("valid")
                    .remove(0)
            })
            .collect();
        Arc::new(subs.iter().map(|s| QueueLine::of(s, &policy)).collect())
    }

    #[test]
    fn tabs_marks_and_the_selection_survive_reloads() {
        use ReviewState::*;
        let mut q = state();
        q.load(
            rows(&[
                ("A", InitialReview, Some("ben")),
                ("B", IsvReview, None),
                ("C", QaTesting, None),
                ("D", Draft, Some("ben")),
            ]),
            true,
        );
        assert_eq!(q.view_ids(), ["A", "C"]);
        q.select(1);
        q.toggle_mark();
        q.set_tab(Tab::Mine);
        assert_eq!(q.view_ids(), ["A", "D"]);
        assert_eq!(q.hidden_marks(), 1);
        assert_eq!(q.targets().len(), 1, "marks are the targets");
        q.set_tab(Tab::All);
        let c = q
            .view_ids()
            .iter()
            .position(|id| *id == "C")
            .expect("C shown");
        q.select(c);
        assert_eq!(q.selected_row().map(|r| r.id()), Some("C"));
        q.load(
            rows(&[("A", InitialReview, None), ("C", QaTesting, None)]),
            true,
        );
        assert_eq!(q.selected_row().map(|r| r.id()), Some("C"));
        assert!(q.is_marked("C"));
        q.set_tab(Tab::Breached);
        assert!(q.is_empty(), "nothing is breached a day in");
        q.set_tab(Tab::All);
        q.toggle_filter(&FilterItem::State(InitialReview));
        assert_eq!(q.view_ids(), ["A"]);
        q.clear_filters();
        assert_eq!(q.mark_all(), 2);
    }

    #[test]
    fn a_query_that_extends_the_last_searches_only_its_hits() {
        let mut q = state();
        q.load(rows(&[("A", ReviewState::InitialReview, None)]), true);
        let (g, query, candidates) = q.set_query("ap".into()).expect("a search");
        assert!(candidates.is_none());
        assert!(q.search_done(SearchResult {
            generation: g,
            query,
            hits: Arc::new(vec![0]),
            done: true,
            took: std::time::Duration::ZERO,
        }));
        let (_, _, candidates) = q.set_query("app".into()).expect("a search");
        assert_eq!(candidates.as_deref(), Some(&vec![0]));
        let (_, _, candidates) = q.set_query("a".into()).expect("a search");
        assert!(candidates.is_none(), "a shorter query searches everything");
        assert!(q.set_query(String::new()).is_none());
    }
}
