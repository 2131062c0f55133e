//! The queue and detail commands: what a key (or the palette) does when no overlay is open.

use super::{Action, App, Focus, Level, REVEAL_SECONDS};
use crate::domain::ReviewState;
use crate::tui::keymap::{Command, Context};
use crate::tui::overlay::{
    AssignPicker, ConfirmNewVersion, FilterMenu, FindingText, Findings, Help, Inbox, MovePicker,
    Outbox, Palette, Purpose, ReportsView, Search, TextView,
};
use crate::tui::queue_state::Tab;
use crate::tui::worker::{DbRequest, PlanAsk, Write};

impl App {
    /// The detail's lines at the current size, for scrolling within them.
    fn detail_len(&self) -> (usize, usize, Vec<usize>) {
        crate::tui::views::detail_extent(self)
    }

    pub(super) fn clamp_detail(&mut self) {
        let (len, view, _) = self.detail_len();
        self.detail_scroll = self.detail_scroll.min(len.saturating_sub(view.max(1)));
    }

    /// Runs a command in the queue or detail context (keys, or the command palette).
    pub(crate) fn run(&mut self, command: Command) -> Vec<Action> {
        let in_detail = self.context() == Context::Detail;
        let page = self.page_rows() as isize;
        if in_detail {
            let (len, view, sections) = self.detail_len();
            let mut scroll = crate::tui::overlay::Scroll {
                offset: self.detail_scroll,
            };
            let jump = match command {
                Command::NextSection => sections.iter().find(|&&s| s > self.detail_scroll),
                Command::PrevSection => sections.iter().rev().find(|&&s| s < self.detail_scroll),
                _ => None,
            };
            if let Some(&to) = jump {
                scroll.offset = to.min(len.saturating_sub(view.max(1)));
            }
            if jump.is_some()
                || matches!(command, Command::NextSection | Command::PrevSection)
                || scroll.apply(Some(command), len, view)
            {
                self.detail_scroll = scroll.offset;
                return self.conversation_seen();
            }
        }
        match command {
            Command::Quit => return vec![Action::Quit],
            Command::Help => self.open(Help::default()),
            Command::Palette => self.open(Palette::default()),
            Command::Suspend => return vec![Action::Suspend],
            Command::Redraw => return vec![Action::Repaint],
            Command::Down => self.select_by(1),
            Command::Up => self.select_by(-1),
            Command::Top => self.select_at(0),
            Command::Bottom => self.select_at(self.queue.len().saturating_sub(1)),
            Command::PageDown => self.select_by(page),
            Command::PageUp => self.select_by(-page),
            Command::HalfDown => self.select_by(page / 2),
            Command::HalfUp => self.select_by(-page / 2),
            Command::OpenDetail if self.selected_row().is_some() => {
                self.detail_scroll = 0;
                if self.side_pane() {
                    self.focus = Focus::Detail;
                } else {
                    self.full_detail = true;
                }
            }
            Command::FullDetail if self.full_detail => {
                self.full_detail = false;
                if !self.side_pane() {
                    self.focus = Focus::Queue;
                }
            }
            Command::FullDetail if self.selected_row().is_some() => {
                if self.focus == Focus::Queue {
                    self.detail_scroll = 0;
                }
                self.full_detail = true;
            }
            Command::Close => {
                self.full_detail = false;
                self.focus = Focus::Queue;
            }
            Command::SwitchPane if self.side_pane() => {
                self.focus = match self.focus {
                    Focus::Queue => Focus::Detail,
                    Focus::Detail => Focus::Queue,
                };
            }
            Command::SwitchPane => {
                self.full_detail = false;
                self.focus = Focus::Queue;
            }
            Command::Search => {
                self.focus = Focus::Queue;
                self.full_detail = false;
                self.open(Search::new(self.queue.query()));
            }
            Command::ClearSearch if !self.queue.query().is_empty() => {
                self.queue.set_query(String::new());
            }
            Command::ClearSearch | Command::ClearMarks if !self.queue.marks().is_empty() => {
                self.queue.clear_marks();
                self.say(Level::Info, "marks cleared");
            }
            Command::Mark if self.queue.toggle_mark().is_some() => self.select_by(1),
            Command::MarkAll => {
                let n = self.queue.mark_all();
                let all = self.queue.marks().len();
                self.say(
                    Level::Info,
                    format!("marked the {n} shown; {all} marked in all"),
                );
            }
            Command::Move if self.refuse_write("move submissions") => {}
            Command::Claim if self.refuse_write("claim submissions") => {}
            Command::Assign if self.refuse_write("assign submissions") => {}
            Command::Undo if self.refuse_write("undo") => {}
            Command::AddFinding | Command::EditIssues
                if self.refuse_write("change the issue list") => {}
            Command::AddNote if self.refuse_write("add a note") => {}
            Command::AddNote if self.selected_row().is_some() => {
                self.open(FindingText::new(Purpose::Note))
            }
            Command::Move if self.queue.targets().is_empty() => self.say(
                Level::Warn,
                "nothing to move: select or mark submissions first",
            ),
            Command::Move
                if !self.queue.targets().iter().any(|r| {
                    ReviewState::ALL.into_iter().any(|to| r.state.can_move_to(to))
                }) =>
            {
                self.say(
                    Level::Warn,
                    "no normal move applies to these submissions (corrections: oin-review move --force --reason)",
                )
            }
            Command::Move => {
                // The targets as seen now; the workflow plans each move for them.
                let pinned = self.pin_targets();
                let items = pinned.items();
                // One submission whose ISV replied while it waited on their fix: the
                // picker starts on the move the reply offers (continue QA).
                let offered = match pinned.lines() {
                    [one] => self
                        .opened(one.id())
                        .and_then(|o| crate::domain::inbound::offered_move(&o.sub)),
                    _ => None,
                };
                self.open(MovePicker::new(pinned).preferring(offered));
                return vec![Action::Db(DbRequest::PlanChoices(items))];
            }
            Command::Claim => {
                let items = self.queue.items();
                if !items.is_empty() {
                    let to = Some(self.analyst.clone());
                    return vec![Action::write(Write::Assign { items, to })];
                }
            }
            Command::Assign if !self.queue.targets().is_empty() => {
                let pinned = self.pin_targets();
                self.open(AssignPicker::new(pinned))
            }
            Command::Undo => {
                // Planned first (rehearsed and rolled back), shown, then committed with y.
                self.say(Level::Info, "planning the undo of your last batch…");
                return vec![Action::Db(DbRequest::PlanUndo)];
            }
            Command::NewVersion if self.refuse_write("new version") => {}
            Command::NewVersion => {
                if let Some(row) = self.selected_row() {
                    match ConfirmNewVersion::for_line(row) {
                        Ok(confirm) => self.open(confirm),
                        Err(why) => self.say(Level::Warn, why),
                    }
                }
            }
            Command::Findings if self.selected_row().is_some() => self.open(Findings::default()),
            Command::AddFinding if self.selected_row().is_some() => {
                self.open(FindingText::new(Purpose::new_finding()))
            }
            Command::EditIssues => return self.edit_issue_list(),
            Command::Mail => return self.preview_issue_lists(),
            Command::Outbox => self.open(Outbox::default()),
            Command::Inbox => {
                let inbox = Inbox::new(self);
                self.open(inbox)
            }
            Command::Messages => {
                let tz = self.policy.sla.calendar.time_zone().clone();
                let lines: Vec<String> = self
                    .said()
                    .rev()
                    .map(|m| {
                        let level = match m.level {
                            Level::Info => "",
                            Level::Warn => "warning: ",
                            Level::Error => "error: ",
                        };
                        format!(
                            "{}  {level}{}",
                            m.at.to_zoned(tz.clone()).strftime("%H:%M:%S"),
                            m.text
                        )
                    })
                    .collect();
                let lines = if lines.is_empty() {
                    vec!["nothing has been said yet".to_string()]
                } else {
                    lines
                };
                self.open(TextView::new(
                    "messages, newest first (Esc closes)".to_string(),
                    lines,
                ));
            }
            Command::Remind if self.refuse_write("remind") => {}
            Command::Remind => {
                self.say(Level::Info, "writing the reminders due…");
                return vec![Action::Db(DbRequest::Plan {
                    ask: PlanAsk::Reminders,
                    again: false,
                })];
            }
            Command::Reports => {
                self.open(ReportsView::default());
                return self.read_reports();
            }
            Command::FilterMenu => self.open(FilterMenu::default()),
            Command::ClearFilters => self.queue.clear_filters(),
            Command::SortNext => {
                let key = self.queue.next_sort();
                self.say(Level::Info, format!("sorted by {}", key.name()));
            }
            Command::SortReverse => self.queue.reverse_sort(),
            Command::ToggleNames => self.wizard_names = !self.wizard_names,
            Command::NextTab | Command::PrevTab => {
                self.queue.next_tab(command == Command::NextTab)
            }
            Command::TabNeedsOin => self.queue.set_tab(Tab::NeedsOin),
            Command::TabWithIsv => self.queue.set_tab(Tab::WithIsv),
            Command::TabMine => self.queue.set_tab(Tab::Mine),
            Command::TabBreaching => self.queue.set_tab(Tab::Breached),
            Command::TabAll => self.queue.set_tab(Tab::All),
            Command::CopyId => {
                if let Some(id) = self.selected_row().map(|r| r.id().to_string()) {
                    return vec![Action::CopyToClipboard(id)];
                }
            }
            Command::RevealPassword => self.reveal_password(),
            Command::Reload => return vec![Action::Db(DbRequest::Reload)],
            _ => {}
        }
        Vec::new()
    }

    fn select_by(&mut self, delta: isize) {
        self.queue.move_by(delta);
        self.selection_changed();
    }

    fn select_at(&mut self, index: usize) {
        self.queue.select(index);
        self.selection_changed();
    }

    pub(super) fn selection_changed(&mut self) {
        self.detail_scroll = 0;
        self.reveal_until = None;
        self.read_now = None;
    }

    fn reveal_password(&mut self) {
        let has = self
            .selected_opened()
            .and_then(|o| o.sub.test_account.as_ref())
            .is_some_and(|a| a.password.is_some());
        if has {
            self.reveal_until = Some(self.now + jiff::SignedDuration::from_secs(REVEAL_SECONDS));
            if !self.side_pane() {
                self.full_detail = true;
            }
        } else {
            self.say(
                Level::Warn,
                "no test account password is stored for this submission",
            );
        }
    }

    /// `$EDITOR` on the selected submission's issue list.
    pub(crate) fn edit_issue_list(&mut self) -> Vec<Action> {
        let Some(opened) = self.selected_opened() else {
            if let Some(id) = self.selected_row().map(|r| r.id().to_string()) {
                self.say(Level::Warn, format!("{id} is still being read; try again"));
            }
            return Vec::new();
        };
        let issues = opened.review(&self.policy, self.now).issues;
        let mut list = crate::workflow::IssueListEdit::of(&opened.sub, issues);
        // The analyst's own text from a try that was not saved, not the list as stored.
        if let Some(draft) = self.drafts.get(&list.id) {
            list.text = draft.clone();
        }
        vec![Action::OpenEditor(list)]
    }

    /// The issue-list emails of the targets (the marked rows, else the selected one),
    /// composed for the preview.
    pub(crate) fn preview_issue_lists(&mut self) -> Vec<Action> {
        let items = self.queue.items();
        self.preview_issue_lists_of(items)
    }

    /// The issue-list email of the selected submission only (`M` in its issue list).
    pub(crate) fn preview_selected_issue_list(&mut self) -> Vec<Action> {
        let items = self
            .selected_row()
            .map(crate::tui::queue_state::seen_item)
            .into_iter()
            .collect();
        self.preview_issue_lists_of(items)
    }

    fn preview_issue_lists_of(&mut self, items: Vec<crate::workflow::MoveItem>) -> Vec<Action> {
        if items.is_empty() {
            return Vec::new();
        }
        self.say(
            Level::Info,
            format!("writing {} issue-list email(s)…", items.len()),
        );
        vec![Action::Db(DbRequest::Plan {
            ask: PlanAsk::IssueLists(items),
            again: false,
        })]
    }
}
