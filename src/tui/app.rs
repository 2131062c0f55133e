//! The console's state and its update function: key events and worker results in, state
//! changes and actions out. Pure: no terminal, no database, no clock reads.

use super::keymap::{Command, Context, Keymap};
use super::worker::{
    DbRequest, QueueRow, SearchRequest, SearchResult, Snapshot, WorkerEvent, Write,
};
use crate::config::EmailSwitches;
use crate::domain::state::Holder;
use crate::domain::{ClockStatus, Freshness, Policy, Protocol, ReviewState, SubmissionPath};
use crate::domain::{EmailKind, is_gated, open_blockers};
use crate::store::{MoveItem, MoveRefused};
use crate::workflow::MoveAsk;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The queue's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    NeedsOin,
    WithIsv,
    Mine,
    Breaching,
    All,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::NeedsOin,
        Tab::WithIsv,
        Tab::Mine,
        Tab::Breaching,
        Tab::All,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Tab::NeedsOin => "Needs OIN",
            Tab::WithIsv => "With ISV",
            Tab::Mine => "Mine",
            Tab::Breaching => "Breaching",
            Tab::All => "All",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Sla,
    Age,
    App,
    Isv,
    State,
    Tests,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Sla,
        SortKey::Age,
        SortKey::App,
        SortKey::Isv,
        SortKey::State,
        SortKey::Tests,
    ];
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Sla => "SLA",
            SortKey::Age => "age",
            SortKey::App => "app",
            SortKey::Isv => "ISV",
            SortKey::State => "state",
            SortKey::Tests => "tests",
        }
    }
}

/// One toggle of the filter menu.
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

    pub fn label(&self) -> String {
        match self {
            FilterItem::State(s) => s.manager_name().to_string(),
            FilterItem::Protocol(p) => p.badge().to_string(),
            FilterItem::Assignee(Some(a)) => crate::text::safe_line(a),
            FilterItem::Assignee(None) => "unassigned".to_string(),
            FilterItem::Sla(s) => s.key().to_string(),
            FilterItem::Tests(f) => f.key().to_string(),
            FilterItem::Path(p) => p.key().to_string(),
            FilterItem::Update(true) => "update".to_string(),
            FilterItem::Update(false) => "new".to_string(),
        }
    }

    /// Whether a row passes this one item (items of one section are ORed, sections ANDed).
    fn admits(&self, row: &QueueRow) -> bool {
        let s = &row.sub;
        match self {
            FilterItem::State(st) => s.state == *st,
            FilterItem::Protocol(p) => s.protocols.contains(p),
            FilterItem::Assignee(a) => s.assignee == *a,
            FilterItem::Sla(st) => row.assessment.current_clock().map(|c| c.status) == Some(*st),
            FilterItem::Tests(f) => row.assessment.tests.overall == Some(*f),
            FilterItem::Path(p) => s.path == *p,
            FilterItem::Update(u) => s.is_update() == *u,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a search query.
    Search,
    Help {
        scroll: u16,
    },
    Palette {
        query: String,
        selected: usize,
    },
    Filter {
        cursor: usize,
    },
    /// The detail of the selected submission, full screen (narrow terminals).
    DetailFull,
    /// Choosing the target state for the marked (or selected) submissions.
    Picker {
        cursor: usize,
    },
    /// Typing an optional reason for a move.
    Reason {
        to: ReviewState,
        text: String,
    },
    /// Asking before a batch runs.
    Confirm {
        to: ReviewState,
        reason: Option<String>,
    },
    /// What a batch refused and why; dismissable.
    Report {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    /// Choosing (or typing) the analyst to assign to.
    AssignPicker {
        cursor: usize,
        text: String,
    },
    /// The selected submission's issue list.
    Findings {
        cursor: usize,
    },
    /// Typing a new finding, or the reason for leaving a lint finding out.
    FindingText {
        purpose: FindingText,
        text: String,
    },
    /// The composed emails (in `App::preview`), before they are queued.
    MailPreview {
        scroll: u16,
    },
    /// The outbox list.
    Outbox {
        cursor: usize,
    },
}

/// What a finding text input is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingText {
    New { severity: crate::domain::Severity },
    Reason { rule: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Queue,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub level: Level,
    /// When it was said (the console's clock).
    pub at: Timestamp,
}

/// Input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Worker(WorkerEvent),
    /// The clock ticked; also clears expired transient state.
    Tick(Timestamp),
    Resize(u16, u16),
}

/// Work `update` asks the runtime to do.
#[derive(Debug)]
pub enum Action {
    Quit,
    Search(u64, String, Option<Arc<Vec<usize>>>),
    CopyToClipboard(String),
    Suspend,
    /// Work for the database thread (the workflow).
    Db(DbRequest),
    /// Suspend the console and edit the issue list in $EDITOR.
    OpenEditor(crate::workflow::IssueListEdit),
}

impl Action {
    /// A change to the queue, made by the workflow on the database thread.
    pub fn write(w: Write) -> Action {
        Action::Db(DbRequest::Write(w))
    }
}

/// Terminal widths from which the detail shows as a side pane.
pub const SIDE_PANE_MIN_WIDTH: u16 = 120;
/// How long a revealed password stays visible.
pub const REVEAL_SECONDS: i64 = 5;

pub struct App {
    pub keymap: Keymap,
    pub policy: Arc<Policy>,
    pub analyst: String,
    pub db_label: String,
    pub rows: Snapshot,
    pub loaded: bool,
    /// Indices into `rows` in display order, after tab, filters, search and sort.
    pub view: Vec<usize>,
    pub selected: usize,
    /// The id of the selected row, kept across reloads, sorting and filtering.
    pub selected_id: Option<String>,
    pub offset: usize,
    pub tab: Tab,
    pub filters: BTreeSet<FilterItem>,
    pub sort: SortKey,
    pub reverse: bool,
    pub query: String,
    pub search_generation: u64,
    pub search: Option<SearchResult>,
    pub mode: Mode,
    pub focus: Focus,
    pub wizard_names: bool,
    pub message: Option<Message>,
    pub now: Timestamp,
    pub reveal_until: Option<Timestamp>,
    pub detail_scroll: u16,
    pub size: (u16, u16),
    /// Last search timing, for the status line.
    pub last_search_ms: Option<f64>,
    /// Marked submissions, by id: they survive sorting, filtering and reloads.
    pub marks: BTreeSet<String>,
    /// Analysts seen in the audit log, for the assign picker.
    pub analysts: Vec<String>,
    /// Emails waiting for the analyst's go-ahead (Mode::MailPreview).
    pub preview: Option<Arc<crate::workflow::MailPreview>>,
    /// The outbox, newest first.
    pub outbox: Arc<Vec<crate::domain::EmailRecord>>,
    /// When this console last queued or delivered mail.
    pub mail_activity: Option<Timestamp>,
    /// Submissions per Wizard group in `rows`.
    counts: [usize; 4],
    /// Why the queue is read-only for this analyst, when it is: browsing works, every
    /// write key says why it cannot act.
    pub read_only: Option<String>,
    /// Which kinds of email moves send (`[mail.emails]`): a move that sends one goes
    /// through the email preview.
    pub email_switches: EmailSwitches,
}

/// One line of the state picker: a target, how many of the chosen items it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveChoice {
    pub to: ReviewState,
    pub applies: usize,
    pub total: usize,
    /// The items (of those it applies to) a gate would stop, with their open blockers.
    pub stopped: Vec<(String, usize)>,
    /// The email the move sends (through the preview), when the config sends it.
    pub email: Option<EmailKind>,
}

impl App {
    pub fn new(
        keymap: Keymap,
        policy: Arc<Policy>,
        analyst: String,
        db_label: String,
        now: Timestamp,
    ) -> App {
        App {
            keymap,
            policy,
            analyst,
            db_label,
            rows: Arc::new(Vec::new()),
            loaded: false,
            view: Vec::new(),
            selected: 0,
            selected_id: None,
            offset: 0,
            tab: Tab::NeedsOin,
            filters: BTreeSet::new(),
            sort: SortKey::Sla,
            reverse: false,
            query: String::new(),
            search_generation: 0,
            search: None,
            mode: Mode::Normal,
            focus: Focus::Queue,
            wizard_names: false,
            message: None,
            now,
            reveal_until: None,
            detail_scroll: 0,
            size: (80, 24),
            last_search_ms: None,
            marks: BTreeSet::new(),
            analysts: Vec::new(),
            preview: None,
            outbox: Arc::new(Vec::new()),
            mail_activity: None,
            counts: [0; 4],
            read_only: None,
            email_switches: EmailSwitches::default(),
        }
    }

    /// True, after saying why, when the queue is read-only for this analyst.
    pub(super) fn refuse_write(&mut self, what: &str) -> bool {
        let Some(why) = self.read_only.clone() else {
            return false;
        };
        self.say(Level::Warn, format!("read-only: cannot {what} ({why})"));
        true
    }

    /// The submissions a batch command acts on: the marked ones, else the selected one.
    pub fn targets(&self) -> Vec<&QueueRow> {
        if self.marks.is_empty() {
            self.selected_row().into_iter().collect()
        } else {
            self.rows
                .iter()
                .filter(|r| self.marks.contains(&r.sub.id))
                .collect()
        }
    }

    /// How many marked submissions the current view does not show.
    pub fn hidden_marks(&self) -> usize {
        let shown = self
            .view
            .iter()
            .filter(|&&i| self.marks.contains(&self.rows[i].sub.id))
            .count();
        self.marks.len().saturating_sub(shown)
    }

    /// The states the targets may move to (the transition table), with how many each suits
    /// and how many of those a gate would stop (the workflow decides again at the move).
    pub fn move_choices(&self) -> Vec<MoveChoice> {
        let targets = self.targets();
        ReviewState::ALL
            .into_iter()
            .map(|to| {
                let movable: Vec<&&QueueRow> = targets
                    .iter()
                    .filter(|r| r.sub.state.can_move_to(to))
                    .collect();
                let stopped = movable
                    .iter()
                    .filter(|r| is_gated(r.sub.state, to))
                    .filter_map(|r| {
                        let n = open_blockers(&r.issues(&self.policy)).len();
                        (n > 0).then(|| (r.sub.id.clone(), n))
                    })
                    .collect();
                MoveChoice {
                    to,
                    applies: movable.len(),
                    total: targets.len(),
                    stopped,
                    email: self.email_switches.for_move(to).ok(),
                }
            })
            .filter(|c| c.applies > 0)
            .collect()
    }

    /// The assign picker's entries for its typed text: `Some(name)` or `None` for nobody.
    pub fn assign_choices(&self, text: &str) -> Vec<Option<String>> {
        let text = text.trim();
        let mut names: Vec<String> = self.analysts.clone();
        if !names.contains(&self.analyst) {
            names.insert(0, self.analyst.clone());
        }
        let mut out: Vec<Option<String>> = names
            .into_iter()
            .filter(|n| text.is_empty() || n.to_lowercase().contains(&text.to_lowercase()))
            .map(Some)
            .collect();
        if !text.is_empty() && !out.iter().any(|n| n.as_deref() == Some(text)) {
            out.insert(0, Some(text.to_string()));
        }
        if text.is_empty() {
            out.push(None);
        }
        out
    }

    /// Other analysts who hold some of the targets.
    pub fn claimed_by_others(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .targets()
            .iter()
            .filter_map(|r| r.sub.assignee.clone())
            .filter(|a| *a != self.analyst)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub(super) fn items(&self) -> Vec<MoveItem> {
        self.targets()
            .iter()
            .map(|r| MoveItem {
                id: r.sub.id.clone(),
                expected_version: Some(r.sub.version),
            })
            .collect()
    }

    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.view.get(self.selected).map(|&i| &self.rows[i])
    }

    /// The key context the console is in.
    pub fn context(&self) -> Context {
        match &self.mode {
            Mode::Normal if self.focus == Focus::Detail => Context::Detail,
            Mode::Normal => Context::Queue,
            Mode::Search => Context::Search,
            Mode::Help { .. } => Context::Help,
            Mode::Palette { .. } => Context::Palette,
            Mode::Filter { .. } => Context::Filter,
            Mode::DetailFull => Context::Detail,
            Mode::Picker { .. } | Mode::AssignPicker { .. } => Context::Picker,
            Mode::Reason { .. } => Context::Input,
            Mode::Confirm { .. } => Context::Confirm,
            Mode::Report { .. } => Context::Report,
            Mode::Findings { .. } => Context::Findings,
            Mode::FindingText { .. } => Context::Input,
            Mode::MailPreview { .. } => Context::Preview,
            Mode::Outbox { .. } => Context::Outbox,
        }
    }

    pub fn side_pane(&self) -> bool {
        self.size.0 >= SIDE_PANE_MIN_WIDTH
    }

    pub fn password_revealed(&self) -> bool {
        self.reveal_until.is_some_and(|t| self.now < t)
    }

    /// Queue rows that fit on screen, for paging.
    pub fn page_rows(&self) -> usize {
        (self.size.1 as usize).saturating_sub(7).max(1)
    }

    fn in_tab(&self, row: &QueueRow) -> bool {
        match self.tab {
            Tab::All => true,
            Tab::NeedsOin => row.sub.state.holder() == Holder::Oin,
            Tab::WithIsv => row.sub.state.holder() == Holder::Isv,
            Tab::Mine => row.sub.assignee.as_deref() == Some(self.analyst.as_str()),
            Tab::Breaching => matches!(
                row.assessment.current_clock().map(|c| c.status),
                Some(ClockStatus::Breached | ClockStatus::AtRisk)
            ),
        }
    }

    fn passes_filters(&self, row: &QueueRow) -> bool {
        let mut sections = self
            .filters
            .iter()
            .map(FilterItem::section)
            .collect::<Vec<_>>();
        sections.dedup();
        sections.iter().all(|sec| {
            self.filters
                .iter()
                .filter(|f| f.section() == *sec)
                .any(|f| f.admits(row))
        })
    }

    /// Recomputes the view from rows, tab, filters, search and sort; keeps the selection.
    pub fn rebuild_view(&mut self) {
        let searching = !self.query.is_empty();
        let hits = self
            .search
            .as_ref()
            .filter(|s| searching && s.query == self.query)
            .map(|s| s.hits.clone());
        let mut view: Vec<usize> = match &hits {
            Some(h) => h.iter().copied().filter(|&i| i < self.rows.len()).collect(),
            None => (0..self.rows.len()).collect(),
        };
        view.retain(|&i| {
            let r = &self.rows[i];
            self.in_tab(r) && self.passes_filters(r)
        });
        if hits.is_none() {
            self.sort_view(&mut view);
        }
        self.view = view;
        self.restore_selection();
    }

    fn sort_view(&self, view: &mut [usize]) {
        let rows = &self.rows;
        let id = |i: usize| rows[i].sub.id.as_str();
        match self.sort {
            SortKey::Sla => view.sort_by(|&a, &b| {
                rows[a]
                    .assessment
                    .urgency()
                    .cmp(&rows[b].assessment.urgency())
                    .then_with(|| id(a).cmp(id(b)))
            }),
            SortKey::Age => view.sort_by(|&a, &b| {
                rows[a]
                    .sub
                    .in_state_since()
                    .cmp(&rows[b].sub.in_state_since())
                    .then_with(|| id(a).cmp(id(b)))
            }),
            SortKey::App => view.sort_by_cached_key(|&i| (rows[i].sub.app_name.to_lowercase(), i)),
            SortKey::Isv => view.sort_by_cached_key(|&i| (rows[i].sub.isv.to_lowercase(), i)),
            SortKey::State => view.sort_by(|&a, &b| {
                rows[a]
                    .sub
                    .state
                    .cmp(&rows[b].sub.state)
                    .then_with(|| id(a).cmp(id(b)))
            }),
            SortKey::Tests => {
                view.sort_by_key(|&i| (rows[i].assessment.tests.overall.map_or(9, |f| f as u8), i))
            }
        }
        if self.reverse {
            view.reverse();
        }
    }

    fn restore_selection(&mut self) {
        let found = self
            .selected_id
            .as_ref()
            .and_then(|id| self.view.iter().position(|&i| &self.rows[i].sub.id == id));
        match found {
            Some(pos) => self.selected = pos,
            None => {
                self.selected = self.selected.min(self.view.len().saturating_sub(1));
                self.selected_id = self.selected_row().map(|r| r.sub.id.clone());
            }
        }
        self.scroll_to_selection();
    }

    fn select(&mut self, index: usize) {
        self.selected = index.min(self.view.len().saturating_sub(1));
        self.selected_id = self.selected_row().map(|r| r.sub.id.clone());
        self.detail_scroll = 0;
        self.reveal_until = None;
        self.scroll_to_selection();
    }

    fn scroll_to_selection(&mut self) {
        let page = self.page_rows();
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(1));
    }

    pub(super) fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            level,
            at: self.now,
        });
    }

    fn start_search(&mut self) -> Vec<Action> {
        if self.query.is_empty() {
            self.search = None;
            self.rebuild_view();
            return Vec::new();
        }
        self.search_generation += 1;
        // A query that extends the last completed one can only match its hits.
        let candidates = self
            .search
            .as_ref()
            .filter(|s| self.query.starts_with(&s.query) && !s.query.is_empty())
            .map(|s| s.hits.clone());
        vec![Action::Search(
            self.search_generation,
            self.query.clone(),
            candidates,
        )]
    }

    /// A search request for the worker, with the snapshot it runs on.
    pub fn search_request(
        &self,
        generation: u64,
        query: String,
        candidates: Option<Arc<Vec<usize>>>,
    ) -> SearchRequest {
        SearchRequest {
            generation,
            query,
            rows: self.rows.clone(),
            candidates,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Action> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Worker(ev) => self.on_worker(ev),
            Msg::Tick(now) => {
                self.now = now;
                if self.reveal_until.is_some_and(|t| now >= t) {
                    self.reveal_until = None;
                }
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                if self.side_pane() && self.mode == Mode::DetailFull {
                    self.mode = Mode::Normal;
                    self.focus = Focus::Detail;
                }
                self.scroll_to_selection();
                Vec::new()
            }
        }
    }

    fn on_worker(&mut self, ev: WorkerEvent) -> Vec<Action> {
        match ev {
            WorkerEvent::Loaded {
                rows, at, external, ..
            } => {
                self.now = self.now.max(at);
                let first = !self.loaded;
                self.counts = Self::count_groups(&rows);
                self.rows = rows;
                self.loaded = true;
                if first && self.selected_id.is_none() {
                    self.selected = 0;
                }
                // The mail task writes through its own connection: its commits look
                // external, but they are ours.
                let ours = self
                    .mail_activity
                    .is_some_and(|t| self.now.duration_since(t).as_secs() < 5);
                if external && !ours {
                    const RELOADED: &str = "reloaded: another analyst changed the queue";
                    let now = self.now;
                    match self.message.as_mut() {
                        // What the analyst was just told (a batch's result) stays first.
                        Some(m) if now.duration_since(m.at).as_secs() < 5 => {
                            if !m.text.contains(RELOADED) {
                                m.text = format!("{} · {RELOADED}", m.text);
                            }
                        }
                        _ => self.say(Level::Info, RELOADED),
                    }
                }
                // Search results index the old snapshot: run the query again on the new one.
                if !self.query.is_empty() {
                    self.search = None;
                    self.rebuild_view();
                    return self.start_search();
                }
                self.rebuild_view();
                Vec::new()
            }
            WorkerEvent::DbError(e) => {
                self.say(Level::Error, format!("database: {e}"));
                Vec::new()
            }
            WorkerEvent::Damaged(e) => {
                // Browse what can be read; write nothing more into a damaged file.
                self.read_only = Some("the database is damaged: restore it from a backup".into());
                self.say(Level::Error, e);
                Vec::new()
            }
            WorkerEvent::Analysts(names) => {
                self.analysts = names;
                Vec::new()
            }
            WorkerEvent::Moved { to, outcomes, took } => {
                let refused: Vec<String> = outcomes
                    .iter()
                    .filter_map(|o| {
                        o.result
                            .as_ref()
                            .err()
                            .map(|why| format!("{}  {why}", o.id))
                    })
                    .collect();
                for o in outcomes.iter().filter(|o| o.result.is_ok()) {
                    self.marks.remove(&o.id);
                }
                let moved = outcomes.len() - refused.len();
                let text = format!(
                    "moved {moved} of {} to {} in {} ms{}",
                    outcomes.len(),
                    to.manager_name(),
                    took.as_millis(),
                    if refused.is_empty() {
                        String::new()
                    } else {
                        format!("; {} refused (see the report)", refused.len())
                    }
                );
                self.say(
                    if refused.is_empty() {
                        Level::Info
                    } else {
                        Level::Warn
                    },
                    text,
                );
                if !refused.is_empty() {
                    self.mode = Mode::Report {
                        title: format!(
                            "{} of {} not moved to {}",
                            refused.len(),
                            outcomes.len(),
                            to.key()
                        ),
                        lines: refused,
                        scroll: 0,
                    };
                }
                Vec::new()
            }
            WorkerEvent::Assigned { to, outcomes } => {
                let refused: Vec<String> = outcomes
                    .iter()
                    .filter_map(|o| {
                        o.result
                            .as_ref()
                            .err()
                            .map(|why: &MoveRefused| format!("{}  {why}", o.id))
                    })
                    .collect();
                let who = to.as_deref().unwrap_or("nobody");
                self.say(
                    if refused.is_empty() {
                        Level::Info
                    } else {
                        Level::Warn
                    },
                    format!(
                        "assigned {} to {who}{}",
                        outcomes.len() - refused.len(),
                        if refused.is_empty() {
                            String::new()
                        } else {
                            format!("; {} refused", refused.len())
                        }
                    ),
                );
                if !refused.is_empty() {
                    self.mode = Mode::Report {
                        title: format!("not assigned to {who}"),
                        lines: refused,
                        scroll: 0,
                    };
                }
                Vec::new()
            }
            WorkerEvent::Undone(report) => {
                match report.batch {
                    None => self.say(
                        Level::Warn,
                        "nothing to undo: you have no batch of moves left to undo",
                    ),
                    Some(_) => {
                        let failed: Vec<String> = report
                            .outcomes
                            .iter()
                            .filter_map(|o| {
                                o.result
                                    .as_ref()
                                    .err()
                                    .map(|why| format!("{}  {why}", o.id))
                            })
                            .collect();
                        let back = report.outcomes.len() - failed.len();
                        self.say(
                            if failed.is_empty() {
                                Level::Info
                            } else {
                                Level::Warn
                            },
                            format!(
                                "undid {back} move(s){}",
                                if failed.is_empty() {
                                    String::new()
                                } else {
                                    format!("; {} could not be undone", failed.len())
                                }
                            ),
                        );
                        if !failed.is_empty() {
                            self.mode = Mode::Report {
                                title: "not undone".into(),
                                lines: failed,
                                scroll: 0,
                            };
                        }
                    }
                }
                Vec::new()
            }
            WorkerEvent::MailPreview(_)
            | WorkerEvent::MailQueued { .. }
            | WorkerEvent::Delivered(_)
            | WorkerEvent::IssuesSaved { .. }
            | WorkerEvent::Outbox(_)
            | WorkerEvent::Notice(_) => {
                self.on_mail_event(ev);
                Vec::new()
            }
            WorkerEvent::SearchDone(result) => {
                if result.generation == self.search_generation && result.query == self.query {
                    self.last_search_ms = Some(result.took.as_secs_f64() * 1000.0);
                    self.search = Some(result);
                    self.rebuild_view();
                    if self.mode == Mode::Search || !self.query.is_empty() {
                        self.select(0);
                    }
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Action> {
        let ctx = self.context();
        let command = self.keymap.lookup(ctx, &key);
        match ctx {
            Context::Search => self.on_search_key(key, command),
            Context::Palette => self.on_palette_key(key, command),
            Context::Filter => self.on_filter_key(command),
            Context::Input if matches!(self.mode, Mode::FindingText { .. }) => {
                self.on_finding_text_key(key, command)
            }
            Context::Picker | Context::Input | Context::Confirm | Context::Report => {
                self.on_batch_key(key, command)
            }
            Context::Findings => self.on_findings_key(command),
            Context::Preview => self.on_preview_key(command),
            Context::Outbox => self.on_outbox_key(command),
            Context::Help => {
                if let Mode::Help { scroll } = &mut self.mode {
                    match command {
                        Some(Command::Close) => self.mode = Mode::Normal,
                        Some(Command::Down) => *scroll = scroll.saturating_add(1),
                        Some(Command::Up) => *scroll = scroll.saturating_sub(1),
                        _ => {}
                    }
                }
                Vec::new()
            }
            _ => match command {
                Some(c) => self.run(c),
                None => Vec::new(),
            },
        }
    }

    fn on_search_key(&mut self, key: KeyEvent, command: Option<Command>) -> Vec<Action> {
        match command {
            Some(Command::Accept) => {
                self.mode = Mode::Normal;
                return Vec::new();
            }
            Some(Command::ClearSearch) => {
                self.mode = Mode::Normal;
                self.query.clear();
                self.search = None;
                self.rebuild_view();
                return Vec::new();
            }
            _ => {}
        }
        match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                self.query.push(c);
                self.start_search()
            }
            KeyCode::Backspace => {
                self.query.pop();
                // A shorter query cannot narrow: drop the stale result's candidates.
                self.search = self
                    .search
                    .take()
                    .filter(|s| self.query.starts_with(&s.query) && !s.query.is_empty());
                self.start_search()
            }
            KeyCode::Down => self.run(Command::Down),
            KeyCode::Up => self.run(Command::Up),
            _ => Vec::new(),
        }
    }

    fn palette_matches(&self, query: &str) -> Vec<(Command, String)> {
        let matcher = crate::search::Matcher::default();
        let mut scored: Vec<(i64, usize, Command, String)> = self
            .keymap
            .palette_entries()
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let text = format!("{} {}", b.desc, b.command.name());
                let score = if query.is_empty() {
                    Some(0)
                } else {
                    matcher.score(&text, query)
                };
                score.map(|s| {
                    let keys = b
                        .keys
                        .iter()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .join(" ");
                    (s, i, b.command, format!("{:<10} {}", keys, b.desc))
                })
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, _, c, t)| (c, t)).collect()
    }

    /// The palette's entries for its current query, for rendering.
    pub fn palette_view(&self) -> Vec<(Command, String)> {
        match &self.mode {
            Mode::Palette { query, .. } => self.palette_matches(query),
            _ => Vec::new(),
        }
    }

    fn on_palette_key(&mut self, key: KeyEvent, command: Option<Command>) -> Vec<Action> {
        let Mode::Palette { query, selected } = self.mode.clone() else {
            return Vec::new();
        };
        let matches = self.palette_matches(&query);
        match command {
            Some(Command::Close) => self.mode = Mode::Normal,
            Some(Command::Accept) => {
                self.mode = Mode::Normal;
                if let Some((c, _)) = matches.get(selected) {
                    return self.run(*c);
                }
            }
            Some(Command::Down) => {
                self.mode = Mode::Palette {
                    query,
                    selected: (selected + 1).min(matches.len().saturating_sub(1)),
                }
            }
            Some(Command::Up) => {
                self.mode = Mode::Palette {
                    query,
                    selected: selected.saturating_sub(1),
                }
            }
            _ => match key.code {
                KeyCode::Char(c) => {
                    let mut q = query;
                    q.push(c);
                    self.mode = Mode::Palette {
                        query: q,
                        selected: 0,
                    };
                }
                KeyCode::Backspace => {
                    let mut q = query;
                    q.pop();
                    self.mode = Mode::Palette {
                        query: q,
                        selected: 0,
                    };
                }
                _ => {}
            },
        }
        Vec::new()
    }

    /// Every toggle the filter menu offers, in order (assignees from the data).
    pub fn filter_items(&self) -> Vec<FilterItem> {
        let mut items: Vec<FilterItem> = ReviewState::ALL
            .into_iter()
            .map(FilterItem::State)
            .collect();
        items.extend(Protocol::ALL.into_iter().map(FilterItem::Protocol));
        let mut assignees: BTreeSet<Option<String>> =
            self.rows.iter().map(|r| r.sub.assignee.clone()).collect();
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

    fn on_filter_key(&mut self, command: Option<Command>) -> Vec<Action> {
        let Mode::Filter { cursor } = self.mode else {
            return Vec::new();
        };
        let items = self.filter_items();
        match command {
            Some(Command::Close) => self.mode = Mode::Normal,
            Some(Command::Down) => {
                self.mode = Mode::Filter {
                    cursor: (cursor + 1).min(items.len().saturating_sub(1)),
                }
            }
            Some(Command::Up) => {
                self.mode = Mode::Filter {
                    cursor: cursor.saturating_sub(1),
                }
            }
            Some(Command::Toggle) => {
                if let Some(item) = items.get(cursor) {
                    if !self.filters.remove(item) {
                        self.filters.insert(item.clone());
                    }
                    self.rebuild_view();
                }
            }
            Some(Command::ClearFilters) => {
                self.filters.clear();
                self.rebuild_view();
            }
            _ => {}
        }
        Vec::new()
    }

    /// Keys in the move/assign flow: picker, reason, confirmation, report.
    fn on_batch_key(&mut self, key: KeyEvent, command: Option<Command>) -> Vec<Action> {
        let typed = match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(c)
            }
            _ => None,
        };
        match self.mode.clone() {
            Mode::Picker { cursor } => {
                let choices = self.move_choices();
                match command {
                    Some(Command::Down) => {
                        self.mode = Mode::Picker {
                            cursor: (cursor + 1).min(choices.len().saturating_sub(1)),
                        }
                    }
                    Some(Command::Up) => {
                        self.mode = Mode::Picker {
                            cursor: cursor.saturating_sub(1),
                        }
                    }
                    Some(Command::Close) => self.mode = Mode::Normal,
                    Some(Command::Accept) => {
                        if let Some(c) = choices.get(cursor) {
                            self.mode = Mode::Reason {
                                to: c.to,
                                text: String::new(),
                            };
                        }
                    }
                    _ => {}
                }
            }
            Mode::AssignPicker { cursor, mut text } => {
                let choices = self.assign_choices(&text);
                match (command, key.code) {
                    (Some(Command::Down), _) if typed.is_none() || key.code == KeyCode::Down => {
                        self.mode = Mode::AssignPicker {
                            cursor: (cursor + 1).min(choices.len().saturating_sub(1)),
                            text,
                        }
                    }
                    (Some(Command::Up), _) if typed.is_none() || key.code == KeyCode::Up => {
                        self.mode = Mode::AssignPicker {
                            cursor: cursor.saturating_sub(1),
                            text,
                        }
                    }
                    (Some(Command::Close), _) => self.mode = Mode::Normal,
                    (Some(Command::Accept), _) => {
                        self.mode = Mode::Normal;
                        if let Some(to) = choices.get(cursor) {
                            return vec![Action::write(Write::Assign {
                                items: self.items(),
                                to: to.clone(),
                            })];
                        }
                    }
                    (_, KeyCode::Backspace) => {
                        text.pop();
                        self.mode = Mode::AssignPicker { cursor: 0, text };
                    }
                    _ => {
                        if let Some(c) = typed.filter(|c| !c.is_control()) {
                            text.push(c);
                            self.mode = Mode::AssignPicker { cursor: 0, text };
                        }
                    }
                }
            }
            Mode::Reason { to, mut text } => match command {
                Some(Command::Close) => self.mode = Mode::Normal,
                Some(Command::Accept) => {
                    let reason = Some(text.trim().to_string()).filter(|r| !r.is_empty());
                    if let Ok(kind) = self.email_switches.for_move(to) {
                        // A move that emails the ISV goes through the preview: there the
                        // analyst sends (move and emails commit together) or moves without.
                        self.mode = Mode::Normal;
                        let items = self.items();
                        self.say(
                            Level::Info,
                            format!("writing {} {} email(s)…", items.len(), kind.short()),
                        );
                        let ask = MoveAsk {
                            reason,
                            ..MoveAsk::new(items.clone(), to)
                        };
                        return vec![Action::Db(DbRequest::PreviewMail {
                            items,
                            ask: Some(ask),
                        })];
                    }
                    self.mode = Mode::Confirm { to, reason };
                }
                _ => {
                    if key.code == KeyCode::Backspace {
                        text.pop();
                    } else if let Some(c) = typed.filter(|c| !c.is_control()) {
                        text.push(c);
                    }
                    self.mode = Mode::Reason { to, text };
                }
            },
            Mode::Confirm { to, reason } => match command {
                Some(Command::Yes) => {
                    self.mode = Mode::Normal;
                    let items = self.items();
                    self.say(
                        Level::Info,
                        format!(
                            "moving {} submission(s) to {}…",
                            items.len(),
                            to.manager_name()
                        ),
                    );
                    return vec![Action::write(Write::Move(MoveAsk {
                        reason,
                        ..MoveAsk::new(items, to)
                    }))];
                }
                Some(Command::No) => {
                    self.mode = Mode::Normal;
                    self.say(Level::Info, "move cancelled: nothing changed");
                }
                _ => {}
            },
            Mode::Report {
                title,
                lines,
                scroll,
            } => match command {
                Some(Command::Close) => self.mode = Mode::Normal,
                Some(Command::Down) => {
                    self.mode = Mode::Report {
                        title,
                        lines,
                        scroll: scroll.saturating_add(1),
                    }
                }
                Some(Command::Up) => {
                    self.mode = Mode::Report {
                        title,
                        lines,
                        scroll: scroll.saturating_sub(1),
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Vec::new()
    }

    fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
        self.rebuild_view();
    }

    /// Runs a command in the queue or detail context.
    pub fn run(&mut self, command: Command) -> Vec<Action> {
        let in_detail = self.context() == Context::Detail;
        let page = self.page_rows();
        match command {
            Command::Quit => return vec![Action::Quit],
            Command::Help => self.mode = Mode::Help { scroll: 0 },
            Command::Palette => {
                self.mode = Mode::Palette {
                    query: String::new(),
                    selected: 0,
                }
            }
            Command::Suspend => return vec![Action::Suspend],
            Command::Down if in_detail => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Command::Up if in_detail => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Command::Top if in_detail => self.detail_scroll = 0,
            Command::Bottom if in_detail => self.detail_scroll = u16::MAX / 2,
            Command::PageDown if in_detail => {
                self.detail_scroll = self.detail_scroll.saturating_add(page as u16)
            }
            Command::PageUp if in_detail => {
                self.detail_scroll = self.detail_scroll.saturating_sub(page as u16)
            }
            Command::Down => self.select(self.selected + 1),
            Command::Up => self.select(self.selected.saturating_sub(1)),
            Command::Top => self.select(0),
            Command::Bottom => self.select(self.view.len().saturating_sub(1)),
            Command::PageDown => self.select(self.selected + page),
            Command::PageUp => self.select(self.selected.saturating_sub(page)),
            Command::HalfDown => self.select(self.selected + page / 2),
            Command::HalfUp => self.select(self.selected.saturating_sub(page / 2)),
            Command::OpenDetail => {
                if self.selected_row().is_some() {
                    self.detail_scroll = 0;
                    if self.side_pane() {
                        self.focus = Focus::Detail;
                    } else {
                        self.mode = Mode::DetailFull;
                    }
                }
            }
            Command::Close => {
                self.mode = Mode::Normal;
                self.focus = Focus::Queue;
            }
            Command::SwitchPane => {
                if self.side_pane() {
                    self.focus = match self.focus {
                        Focus::Queue => Focus::Detail,
                        Focus::Detail => Focus::Queue,
                    };
                } else if self.mode == Mode::DetailFull {
                    self.mode = Mode::Normal;
                    self.focus = Focus::Queue;
                }
            }
            Command::Search => {
                self.mode = Mode::Search;
                self.focus = Focus::Queue;
            }
            Command::ClearSearch => {
                if !self.query.is_empty() {
                    self.query.clear();
                    self.search = None;
                    self.rebuild_view();
                } else if !self.marks.is_empty() {
                    self.marks.clear();
                    self.say(Level::Info, "marks cleared");
                }
            }
            Command::Mark => {
                if let Some(id) = self.selected_row().map(|r| r.sub.id.clone()) {
                    if !self.marks.remove(&id) {
                        self.marks.insert(id);
                    }
                    self.select(self.selected + 1);
                }
            }
            Command::MarkAll => {
                let ids: Vec<String> = self
                    .view
                    .iter()
                    .map(|&i| self.rows[i].sub.id.clone())
                    .collect();
                let n = ids.len();
                self.marks.extend(ids);
                self.say(
                    Level::Info,
                    format!("marked the {n} shown; {} marked in all", self.marks.len()),
                );
            }
            Command::ClearMarks => {
                self.marks.clear();
                self.say(Level::Info, "marks cleared");
            }
            Command::Move if self.refuse_write("move submissions") => {}
            Command::Claim if self.refuse_write("claim submissions") => {}
            Command::Assign if self.refuse_write("assign submissions") => {}
            Command::Undo if self.refuse_write("undo") => {}
            Command::AddFinding | Command::EditIssues
                if self.refuse_write("change the issue list") => {}
            Command::Move => {
                if self.targets().is_empty() {
                    self.say(
                        Level::Warn,
                        "nothing to move: select or mark submissions first",
                    );
                } else if self.move_choices().is_empty() {
                    self.say(Level::Warn, "no normal move applies to these submissions (corrections: oin-review move --force --reason)");
                } else {
                    self.mode = Mode::Picker { cursor: 0 };
                }
            }
            Command::Claim => {
                let items = self.items();
                if !items.is_empty() {
                    return vec![Action::write(Write::Assign {
                        items,
                        to: Some(self.analyst.clone()),
                    })];
                }
            }
            Command::Assign => {
                if !self.targets().is_empty() {
                    self.mode = Mode::AssignPicker {
                        cursor: 0,
                        text: String::new(),
                    };
                }
            }
            Command::Undo => {
                self.say(Level::Info, "undoing your last batch…");
                return vec![Action::write(Write::Undo)];
            }
            Command::Findings => {
                if self.selected_row().is_some() {
                    self.mode = Mode::Findings { cursor: 0 };
                }
            }
            Command::AddFinding => return self.start_new_finding(),
            Command::EditIssues => return self.open_editor(),
            Command::Mail => return self.preview_mail(),
            Command::Outbox => self.mode = Mode::Outbox { cursor: 0 },
            Command::FilterMenu => self.mode = Mode::Filter { cursor: 0 },
            Command::ClearFilters => {
                self.filters.clear();
                self.rebuild_view();
            }
            Command::SortNext => {
                let i = SortKey::ALL
                    .iter()
                    .position(|k| *k == self.sort)
                    .unwrap_or(0);
                self.sort = SortKey::ALL[(i + 1) % SortKey::ALL.len()];
                self.rebuild_view();
                self.say(Level::Info, format!("sorted by {}", self.sort.name()));
            }
            Command::SortReverse => {
                self.reverse = !self.reverse;
                self.rebuild_view();
            }
            Command::ToggleNames => self.wizard_names = !self.wizard_names,
            Command::NextTab | Command::PrevTab => {
                let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                let n = Tab::ALL.len();
                let next = if command == Command::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.set_tab(Tab::ALL[next]);
            }
            Command::TabNeedsOin => self.set_tab(Tab::NeedsOin),
            Command::TabWithIsv => self.set_tab(Tab::WithIsv),
            Command::TabMine => self.set_tab(Tab::Mine),
            Command::TabBreaching => self.set_tab(Tab::Breaching),
            Command::TabAll => self.set_tab(Tab::All),
            Command::CopyId => {
                if let Some(id) = self.selected_row().map(|r| r.sub.id.clone()) {
                    self.say(Level::Info, format!("copied {id} to the clipboard"));
                    return vec![Action::CopyToClipboard(id)];
                }
            }
            Command::RevealPassword => {
                let has = self
                    .selected_row()
                    .and_then(|r| r.sub.test_account.as_ref())
                    .is_some_and(|a| a.password.is_some());
                if has {
                    self.reveal_until =
                        Some(self.now + jiff::SignedDuration::from_secs(REVEAL_SECONDS));
                    if !self.side_pane() && self.mode == Mode::Normal {
                        self.mode = Mode::DetailFull;
                    }
                } else {
                    self.say(
                        Level::Warn,
                        "no test account password is stored for this submission",
                    );
                }
            }
            Command::Reload => return vec![Action::Db(DbRequest::Reload)],
            Command::Toggle
            | Command::Accept
            | Command::Yes
            | Command::No
            | Command::Retry
            | Command::MoveWithoutEmail => {}
        }
        Vec::new()
    }

    /// Counts per OIN Wizard group, for the header.
    /// Submissions per Wizard group, counted once per load (not per frame).
    pub fn group_counts(&self) -> [usize; 4] {
        self.counts
    }

    fn count_groups(rows: &[QueueRow]) -> [usize; 4] {
        let mut counts = [0; 4];
        for r in rows {
            let i = match r.sub.state.wizard_group() {
                crate::domain::WizardGroup::Draft => 0,
                crate::domain::WizardGroup::OinToReview => 1,
                crate::domain::WizardGroup::IsvToReview => 2,
                crate::domain::WizardGroup::Published => 3,
            };
            counts[i] += 1;
        }
        counts
    }
}
