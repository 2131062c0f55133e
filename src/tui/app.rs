//! The console's state and its update function: key events and worker results in, state
//! changes and actions out. Pure: no terminal, no database, no clock reads. The overlays
//! (one file each, `overlay/`) own their state and keys; the queue's view is `QueueState`.

mod commands;
mod events;

use super::keymap::{Command, Context, Keymap};
use super::overlay::{Overlay, Step};
use super::queue_state::QueueState;
use super::worker::{DbRequest, Opened, SearchRequest, WorkerEvent, Write};
use crate::domain::{EmailRecord, Policy, QueueLine};
use crate::workflow::{Choices, MoveChoice, MoveItem};
use crossterm::event::KeyEvent;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

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
    /// When it leaves the message line: set by the first tick after it was said, on the
    /// wall clock (a console pinned with `--as-of` expires its messages too).
    pub until: Option<Timestamp>,
}

impl Level {
    /// How long a message stays: a notice briefly, a warning longer, an error a minute.
    fn stays(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(match self {
            Level::Info => 10,
            Level::Warn => 30,
            Level::Error => 60,
        })
    }
}

/// Input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Worker(WorkerEvent),
    /// The clock ticked; also clears expired transient state.
    Tick(Timestamp),
    Resize(u16, u16),
    /// What copying to the clipboard did, in words.
    Copied(Level, String),
}

/// Work `update` asks the runtime to do.
#[derive(Debug)]
pub enum Action {
    Quit,
    Search(u64, String, Option<Arc<Vec<usize>>>),
    CopyToClipboard(String),
    Suspend,
    /// Clear the terminal and draw every cell again (Ctrl-L).
    Repaint,
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

/// The width at which the queue shows every column, with the OIN Manager's state names in
/// full (`views::queue` tests that they fit).
pub const QUEUE_FULL_WIDTH: u16 = 119;
/// The narrowest side pane worth reading (a URL, a finding, a clock on one line).
pub const PANE_MIN_WIDTH: u16 = 48;
/// Terminal widths from which the detail shows as a side pane: only where the queue keeps
/// every column beside it, so that a wider screen never shows fewer columns (issue 27).
pub const SIDE_PANE_MIN_WIDTH: u16 = QUEUE_FULL_WIDTH + PANE_MIN_WIDTH;
/// How many messages the messages log keeps.
pub const SAID_KEPT: usize = 200;
/// How long a revealed password stays visible.
pub const REVEAL_SECONDS: i64 = 5;

/// What a batch overlay acts on: the targets as the analyst saw them when it opened, pinned
/// to their ids and row versions. A reload never changes it: an item a colleague changed
/// since is planned as "changed by NAME at TIME since you looked" and never acted on.
#[derive(Debug, Clone)]
pub struct Pinned(Arc<Vec<QueueLine>>);

impl Pinned {
    pub fn lines(&self) -> &[QueueLine] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The items with the row versions the analyst saw.
    pub fn items(&self) -> Vec<MoveItem> {
        self.0.iter().map(super::queue_state::seen_item).collect()
    }
}

pub struct App {
    keymap: Keymap,
    policy: Arc<Policy>,
    analyst: String,
    db_label: String,
    queue: QueueState,
    /// Open overlays, the top one last.
    overlays: Vec<Overlay>,
    focus: Focus,
    /// The detail full screen (narrow terminals).
    full_detail: bool,
    detail_scroll: usize,
    message: Option<Message>,
    /// Every message said, the newest last (at most `SAID_KEPT`), for the messages log.
    said: std::collections::VecDeque<Message>,
    now: Timestamp,
    /// `--as-of`: the clock stays at this instant (writes are still made at the real time).
    pinned: bool,
    size: (u16, u16),
    reveal_until: Option<Timestamp>,
    read_only: Option<String>,
    /// The move picker's targets, as the workflow last planned them, for these items.
    pub(crate) choices: Option<(Vec<MoveItem>, Choices)>,
    wizard_names: bool,
    outbox: Arc<Vec<EmailRecord>>,
    /// The reports view's figures, once read.
    reports: Option<Arc<crate::workflow::reports::Reports>>,
    /// A reading of the reports is under way; and whether the queue changed since it began
    /// (one reading at a time: at 100 000 submissions one takes about a second).
    reports_reading: bool,
    reports_stale: bool,
    analysts: Vec<String>,
    /// The newest reply this analyst has read, by submission; and the submissions whose
    /// newest reply they have not read (its id).
    read_marks: HashMap<String, i64>,
    unread: HashMap<String, i64>,
    /// The messages no submission claimed, oldest first.
    unmatched: Arc<Vec<crate::domain::Reply>>,
    /// The submission whose replies were just read here, and the mark before: its detail
    /// keeps showing them as new until another submission is selected.
    pub(super) read_now: Option<(String, i64)>,
    /// Issue lists the analyst edited that were not saved, by submission: `e` reopens them.
    pub(crate) drafts: HashMap<String, String>,
    /// `[mail] hold`.
    pub(crate) hold: jiff::SignedDuration,
    fetching: Option<String>,
    /// When this console last queued or delivered mail.
    mail_activity: Option<Timestamp>,
    /// Submissions read in full, for the detail and the gates (the newest last).
    opened: HashMap<String, Arc<Opened>>,
    opened_order: VecDeque<String>,
    /// Asked of the database thread and not yet read.
    open_pending: HashSet<String>,
    /// How far reading every line has come, while it reads.
    loading: Option<(usize, usize)>,
    /// When the view's time-dependent statuses were last computed.
    view_clock: Timestamp,
}

/// Submissions kept read in full (the detail as one goes up and down).
pub const OPENED_KEPT: usize = 512;
/// Rows above and below the selection read in full ahead of `j` and `k`.
pub const PREFETCH: usize = 0;

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
            queue: QueueState::new(&analyst, policy.clone(), now),
            policy,
            analyst,
            db_label,
            overlays: Vec::new(),
            focus: Focus::Queue,
            full_detail: false,
            detail_scroll: 0,
            message: None,
            said: std::collections::VecDeque::new(),
            now,
            pinned: false,
            size: (80, 24),
            reveal_until: None,
            read_only: None,
            choices: None,
            wizard_names: false,
            outbox: Arc::new(Vec::new()),
            reports: None,
            reports_reading: false,
            reports_stale: false,
            analysts: Vec::new(),
            read_marks: HashMap::new(),
            unread: HashMap::new(),
            unmatched: Arc::new(Vec::new()),
            read_now: None,
            drafts: HashMap::new(),
            hold: jiff::SignedDuration::ZERO,
            fetching: None,
            mail_activity: None,
            opened: HashMap::new(),
            opened_order: VecDeque::new(),
            open_pending: HashSet::new(),
            loading: None,
            view_clock: now,
        }
    }

    // --- what the views and overlays read ----------------------------------------------

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    pub fn analyst(&self) -> &str {
        &self.analyst
    }
    pub fn db_label(&self) -> &str {
        &self.db_label
    }
    pub fn queue(&self) -> &QueueState {
        &self.queue
    }
    /// The tabs' views: the built-in ones (perhaps redefined), then saved ones.
    pub fn set_views(&mut self, views: Vec<crate::domain::query::View>) {
        self.queue.set_views(views);
    }

    pub(crate) fn queue_mut(&mut self) -> &mut QueueState {
        &mut self.queue
    }
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }
    /// Every open overlay, the bottom one first.
    pub fn overlays(&self) -> &[Overlay] {
        &self.overlays
    }
    pub fn focus(&self) -> Focus {
        self.focus
    }
    pub fn full_detail(&self) -> bool {
        self.full_detail
    }
    pub fn detail_scroll(&self) -> usize {
        self.detail_scroll
    }
    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }
    /// The messages said since the console started, the newest last.
    pub fn said(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.said.iter()
    }
    pub fn now(&self) -> Timestamp {
        self.now
    }
    /// The instant the clock is pinned at (`--as-of`), if it is.
    pub fn pinned(&self) -> Option<Timestamp> {
        self.pinned.then_some(self.now)
    }
    pub fn size(&self) -> (u16, u16) {
        self.size
    }
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }
    pub fn wizard_names(&self) -> bool {
        self.wizard_names
    }
    pub fn reports(&self) -> Option<&crate::workflow::reports::Reports> {
        self.reports.as_deref()
    }

    /// Asks for the reports, unless a reading is under way (then once it is done).
    pub(crate) fn read_reports(&mut self) -> Vec<Action> {
        if self.reports_reading {
            self.reports_stale = true;
            return Vec::new();
        }
        self.reports_reading = true;
        self.reports_stale = false;
        vec![Action::Db(crate::tui::worker::DbRequest::Reports)]
    }

    /// Whether the reports view is open (its figures are read again with the queue).
    fn reports_open(&self) -> bool {
        self.overlays
            .iter()
            .any(|o| matches!(o, crate::tui::overlay::Overlay::Reports(_)))
    }

    pub fn outbox(&self) -> &Arc<Vec<EmailRecord>> {
        &self.outbox
    }
    /// The newest reply of `id` this analyst has read (0: none).
    pub fn read_mark(&self, id: &str) -> i64 {
        match &self.read_now {
            Some((now, before)) if now == id => *before,
            _ => self.read_marks.get(id).copied().unwrap_or(0),
        }
    }

    /// The messages no submission claimed, oldest first.
    pub fn unmatched(&self) -> &Arc<Vec<crate::domain::Reply>> {
        &self.unmatched
    }

    pub(crate) fn set_unmatched(&mut self, list: Arc<Vec<crate::domain::Reply>>) {
        self.unmatched = list;
    }

    /// Whether `id` has a reply this analyst has not read.
    pub fn has_unread(&self, id: &str) -> bool {
        self.unread.contains_key(id)
    }

    /// How many submissions have replies this analyst has not read.
    pub fn unread_count(&self) -> usize {
        self.unread.len()
    }

    /// The replies as the database says now.
    pub(crate) fn set_replies(
        &mut self,
        marks: HashMap<String, i64>,
        unread: HashMap<String, i64>,
    ) {
        self.read_marks = marks;
        self.unread = unread;
    }

    /// Once the detail shows the Conversation section of a submission with a reply this
    /// analyst has not read: it is read now (here at once, and in the queue).
    pub(crate) fn conversation_seen(&mut self) -> Vec<Action> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let id = row.id().to_string();
        let Some(&newest) = self.unread.get(&id) else {
            return Vec::new();
        };
        if !crate::tui::views::conversation_on_screen(self) {
            return Vec::new();
        }
        self.unread.remove(&id);
        let before = self.read_marks.insert(id.clone(), newest).unwrap_or(0);
        self.read_now = Some((id.clone(), before));
        if self.read_only.is_some() {
            return Vec::new();
        }
        vec![Action::Db(DbRequest::Write(Write::MarkRead {
            id,
            upto: newest,
        }))]
    }

    pub fn analysts(&self) -> &[String] {
        &self.analysts
    }
    pub fn selected_row(&self) -> Option<&QueueLine> {
        self.queue.selected_row()
    }
    /// The selected submission read in full, once the database thread has read it.
    pub fn selected_opened(&self) -> Option<&Opened> {
        self.selected_row().and_then(|r| self.opened(r.id()))
    }
    pub fn opened(&self, id: &str) -> Option<&Opened> {
        self.opened.get(id).map(Arc::as_ref)
    }
    /// While every line is read: (read, all).
    pub fn loading(&self) -> Option<(usize, usize)> {
        self.loading
    }

    /// The key `command` has in `context`, for every text that names a key.
    pub fn key(&self, context: Context, command: Command) -> String {
        self.keymap.key_for(context, command)
    }

    // --- settings the runtime (and tests) give it ----------------------------------------

    pub fn set_read_only(&mut self, why: Option<String>) {
        self.read_only = why;
    }
    pub fn set_wizard_names(&mut self, on: bool) {
        self.wizard_names = on;
    }
    /// `[mail] hold`: how long a queued email waits, said when one is queued.
    pub fn set_hold(&mut self, hold: jiff::SignedDuration) {
        self.hold = hold;
    }
    /// How replies reach this console (`[inbound]`), for the inbox to say.
    pub fn set_fetching(&mut self, how: String) {
        self.fetching = Some(how);
    }
    pub fn fetching(&self) -> Option<&str> {
        self.fetching.as_deref()
    }
    /// `--as-of`: show the queue at `at`; ticks no longer move the clock.
    pub fn pin_clock(&mut self, at: Timestamp) {
        self.now = at;
        self.pinned = true;
        self.queue.set_now(at);
    }

    /// Commands of the current context that do nothing now, left out of the footer: "move
    /// only" in a preview that has no move (an issue list, reminders).
    pub fn inert_commands(&self) -> &'static [Command] {
        match self.overlays.last() {
            Some(Overlay::Preview(p)) if p.plan().ask().is_none() => &[Command::MoveWithoutEmail],
            _ => &[],
        }
    }

    /// The key context the console is in.
    pub fn context(&self) -> Context {
        match self.overlays.last() {
            Some(o) => o.context(),
            None if self.full_detail || self.focus == Focus::Detail => Context::Detail,
            None => Context::Queue,
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

    /// The targets, pinned as the analyst sees them now.
    pub fn pin_targets(&self) -> Pinned {
        Pinned(Arc::new(
            self.queue.targets().into_iter().cloned().collect(),
        ))
    }

    /// Whether the item at `version` is still as the analyst saw it.
    pub fn unchanged(&self, id: &str, version: Option<i64>) -> bool {
        match (self.queue.line(id), version) {
            (Some(now), Some(v)) => now.version == v,
            (Some(_), None) => true,
            (None, _) => !self.queue.complete(),
        }
    }

    /// What changed, since the analyst saw them, of items pinned at these versions: one
    /// sentence each, naming who moved it when that is read.
    pub fn changed_since_seen<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a str, Option<i64>)>,
    ) -> Vec<String> {
        items
            .into_iter()
            .filter(|(id, v)| !self.unchanged(id, *v))
            .map(|(id, _)| {
                let id_text = crate::text::safe_line(id);
                let Some(now) = self.queue.line(id) else {
                    return format!("{id_text} is no longer in the queue");
                };
                let mut s = format!("{id_text} changed since you looked");
                let last = self.opened(id).and_then(|o| o.sub.history.last());
                match last {
                    Some(ev) if ev.to == now.state && !ev.by.is_empty() => s.push_str(&format!(
                        ": moved to {} by {} at {}",
                        now.state.manager_name(),
                        crate::text::safe_line(&ev.by),
                        ev.at
                            .to_zoned(self.policy.sla.calendar.time_zone().clone())
                            .strftime("%a %H:%M")
                    )),
                    _ => s.push_str(&format!(": now in {}", now.state.manager_name())),
                }
                match now.assignee.as_deref() {
                    Some(a) if a != self.analyst => {
                        s.push_str(&format!(", claimed by {}", crate::text::safe_line(a)))
                    }
                    _ => {}
                }
                s
            })
            .collect()
    }

    /// The move picker's targets for `pinned`, once the workflow has planned them.
    pub fn choices_for(&self, pinned: &Pinned) -> Option<Vec<MoveChoice>> {
        self.planned_choices(pinned).map(|c| c.targets.clone())
    }

    /// The picker's whole plan for `pinned`: its targets and what changed since.
    pub fn planned_choices(&self, pinned: &Pinned) -> Option<&Choices> {
        let items = pinned.items();
        self.choices
            .as_ref()
            .filter(|(planned, _)| *planned == items)
            .map(|(_, c)| c)
    }

    /// The selected submission's issue list now.
    pub fn selected_issues(&self) -> Vec<crate::domain::Issue> {
        self.selected_opened()
            .map(|o| o.review(&self.policy, self.now).issues)
            .unwrap_or_default()
    }

    // --- changing it ---------------------------------------------------------------------

    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        let message = Message {
            text: text.into(),
            level,
            at: self.now,
            until: None,
        };
        if self.said.len() == SAID_KEPT {
            self.said.pop_front();
        }
        self.said.push_back(message.clone());
        self.message = Some(message);
    }

    /// Opens an overlay over whatever is open.
    pub(crate) fn open(&mut self, overlay: impl Into<Overlay>) {
        self.overlays.push(overlay.into());
    }

    /// True, after saying why, when the queue is read-only for this analyst.
    pub(crate) fn refuse_write(&mut self, what: &str) -> bool {
        let Some(why) = self.read_only.clone() else {
            return false;
        };
        self.say(Level::Warn, format!("read-only: cannot {what} ({why})"));
        true
    }

    /// A search request for the worker, with the snapshot it runs on.
    pub fn search_request(
        &self,
        generation: u64,
        query: String,
        candidates: Option<Arc<Vec<usize>>>,
    ) -> SearchRequest {
        self.queue.search_request(generation, query, candidates)
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Action> {
        let mut actions = self.handle(msg);
        actions.extend(self.read_selected());
        actions
    }

    /// Asks for the selected submission in full when it is not read yet, with its
    /// neighbours in the view, so that `j` and `k` find them read.
    fn read_selected(&mut self) -> Option<Action> {
        let at = self.queue.selected();
        let from = at.saturating_sub(PREFETCH);
        let ids: Vec<String> = self
            .queue
            .visible(from, 2 * PREFETCH + 1)
            .map(|(_, r)| r.id().to_string())
            .filter(|id| !self.opened.contains_key(id) && !self.open_pending.contains(id))
            .collect();
        if ids.is_empty() {
            return None;
        }
        self.open_pending.extend(ids.iter().cloned());
        Some(Action::Db(DbRequest::Open(ids)))
    }

    /// Keeps submissions read in full, the oldest read going first past `OPENED_KEPT`.
    pub(crate) fn keep_opened(&mut self, opened: Vec<Arc<Opened>>) {
        for o in opened {
            let id = o.sub.id.clone();
            self.open_pending.remove(&id);
            if self.opened.insert(id.clone(), o).is_none() {
                self.opened_order.push_back(id);
            }
        }
        while self.opened_order.len() > OPENED_KEPT {
            if let Some(old) = self.opened_order.pop_front() {
                self.opened.remove(&old);
            }
        }
    }

    /// Forgets what was read in full of these submissions (they changed).
    pub(crate) fn forget_opened(&mut self, ids: &[String]) {
        for id in ids {
            self.opened.remove(id);
            self.open_pending.remove(id);
        }
        self.opened_order.retain(|id| self.opened.contains_key(id));
    }

    fn handle(&mut self, msg: Msg) -> Vec<Action> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Paste(text) => match self.overlays.pop() {
                Some(mut top) => {
                    let step = top.on_paste(&text, self);
                    self.apply(top, step)
                }
                None => Vec::new(),
            },
            Msg::Worker(ev) => self.on_worker(ev),
            Msg::Tick(now) => {
                match &mut self.message {
                    Some(m) if m.until.is_none() => m.until = Some(now + m.level.stays()),
                    Some(m) if m.until.is_some_and(|until| now >= until) => self.message = None,
                    _ => {}
                }
                if !self.pinned {
                    self.now = now;
                    // Clocks turn as time passes: recount the tabs and filters on them.
                    if now.duration_since(self.view_clock).as_secs() >= 10 {
                        self.view_clock = now;
                        self.queue.set_now(now);
                    }
                }
                if self.reveal_until.is_some_and(|t| now >= t) {
                    self.reveal_until = None;
                }
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.queue.set_page(self.page_rows());
                self.clamp_detail();
                Vec::new()
            }
            Msg::Copied(level, text) => {
                self.say(level, text);
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Action> {
        // A repaint works wherever the analyst is, over any overlay or text field.
        if self.keymap.lookup(Context::Global, &key) == Some(Command::Redraw) {
            return vec![Action::Repaint];
        }
        let command = self.keymap.lookup(self.context(), &key);
        match self.overlays.pop() {
            Some(mut top) => {
                let context = top.context();
                let step = top.on_key(&key, command, self);
                if command.is_none() && matches!(step, Step::Stay) {
                    self.explain_unbound_in(context, &key);
                }
                self.apply(top, step)
            }
            None => match command {
                Some(c) => self.run(c),
                None => {
                    self.explain_unbound(&key);
                    Vec::new()
                }
            },
        }
    }

    /// A key that does nothing here but does something in the queue says so: the full
    /// detail is read-only, its actions are the queue's.
    fn explain_unbound(&mut self, key: &KeyEvent) {
        if self.context() == Context::Detail {
            self.explain_unbound_in(Context::Detail, key);
        }
    }

    /// The same in an overlay that is read, not typed in (help, reports, a report, the
    /// outbox): `/` in the help says where it works and how to get there.
    fn explain_unbound_in(&mut self, context: Context, key: &KeyEvent) {
        let read_only = matches!(
            context,
            Context::Detail | Context::Help | Context::Reports | Context::Report | Context::Outbox
        );
        if !read_only {
            return;
        }
        if let Some(b) = self.keymap.binding_in(Context::Queue, key) {
            let (name, desc) = (super::keymap::Key::from_event(key), b.desc);
            let back = self.key(context, Command::Close);
            let here = match context {
                Context::Help => "the help",
                Context::Reports => "the reports",
                Context::Report => "this report",
                Context::Outbox => "the outbox",
                _ => "the detail",
            };
            let how = if context == Context::Detail {
                format!("{back} goes back to it")
            } else {
                format!("{back} closes {here}")
            };
            self.say(
                Level::Info,
                format!("{name} ({desc}) works in the queue: {how}"),
            );
        }
    }

    /// Puts the overlay that handled a key back (or not) as its step says; overlays it
    /// opened itself (through `open`) stay above.
    fn apply(&mut self, top: Overlay, step: Step) -> Vec<Action> {
        let depth = self.overlays.len();
        let opened: Vec<Overlay> = self.overlays.drain(depth..).collect();
        let actions = match step {
            Step::Stay => {
                self.overlays.push(top);
                Vec::new()
            }
            Step::Act(actions) => {
                self.overlays.push(top);
                actions
            }
            Step::Close => Vec::new(),
            Step::Done(actions) => actions,
            Step::Open(next) => {
                self.overlays.push(next);
                Vec::new()
            }
            Step::Push(next) => {
                self.overlays.push(top);
                self.overlays.push(next);
                Vec::new()
            }
        };
        self.overlays.extend(opened);
        actions
    }
}
