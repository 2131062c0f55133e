//! The one table of key bindings: it drives dispatch, the help overlay, the footer hints and
//! the command palette. Config overrides rebind commands by name.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Queue,
    Detail,
    Search,
    Help,
    Palette,
    Filter,
    Picker,
    Input,
    Confirm,
    Report,
    Findings,
    Preview,
    Outbox,
    Inbox,
    Reports,
}

impl Context {
    pub const ALL: [Context; 16] = [
        Context::Global,
        Context::Queue,
        Context::Detail,
        Context::Search,
        Context::Help,
        Context::Palette,
        Context::Filter,
        Context::Picker,
        Context::Input,
        Context::Confirm,
        Context::Report,
        Context::Findings,
        Context::Preview,
        Context::Outbox,
        Context::Inbox,
        Context::Reports,
    ];

    /// The stable name `[keys]` uses: `"queue.down"`.
    pub fn id(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Queue => "queue",
            Context::Detail => "detail",
            Context::Search => "search",
            Context::Help => "help",
            Context::Palette => "palette",
            Context::Filter => "filter",
            Context::Picker => "picker",
            Context::Input => "input",
            Context::Confirm => "confirm",
            Context::Report => "report",
            Context::Findings => "findings",
            Context::Preview => "preview",
            Context::Outbox => "outbox",
            Context::Inbox => "inbox",
            Context::Reports => "reports",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Queue => "Queue",
            Context::Detail => "Detail",
            Context::Search => "Search (typing)",
            Context::Help => "Help",
            Context::Palette => "Command palette",
            Context::Filter => "Filter menu",
            Context::Picker => "Pickers (state, analyst)",
            Context::Input => "Text input (reason, name)",
            Context::Confirm => "Confirmation",
            Context::Report => "Report and message",
            Context::Findings => "Issue list (findings)",
            Context::Preview => "Email preview",
            Context::Outbox => "Outbox",
            Context::Inbox => "Unmatched mail",
            Context::Reports => "Reports (SLA attainment, workload, breaches)",
        }
    }
}

/// Every action the console can take from a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    Help,
    Palette,
    Suspend,
    Redraw,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    HalfDown,
    HalfUp,
    OpenDetail,
    FullDetail,
    Close,
    SwitchPane,
    Search,
    ClearSearch,
    FilterMenu,
    ClearFilters,
    SortNext,
    SortReverse,
    ToggleNames,
    NextTab,
    PrevTab,
    TabNeedsOin,
    TabWithIsv,
    TabMine,
    TabBreaching,
    TabAll,
    CopyId,
    RevealPassword,
    Reload,
    Toggle,
    Accept,
    Mark,
    MarkAll,
    ClearMarks,
    Move,
    Claim,
    Assign,
    Undo,
    NewVersion,
    Messages,
    Yes,
    No,
    Findings,
    AddFinding,
    AddNote,
    EditIssues,
    Mail,
    Outbox,
    Inbox,
    Attach,
    Reports,
    Remind,
    Retry,
    CancelEmail,
    Override,
    MoveWithoutEmail,
    NextSection,
    PrevSection,
}

impl Command {
    /// The name used in the config file's `[keys]` table and shown in the palette.
    pub fn name(self) -> &'static str {
        use Command::*;
        match self {
            Quit => "quit",
            Help => "help",
            Palette => "palette",
            Suspend => "suspend",
            Redraw => "redraw",
            Down => "down",
            Up => "up",
            Top => "top",
            Bottom => "bottom",
            PageDown => "page_down",
            PageUp => "page_up",
            HalfDown => "half_page_down",
            HalfUp => "half_page_up",
            OpenDetail => "open_detail",
            FullDetail => "full_detail",
            Close => "close",
            SwitchPane => "switch_pane",
            Search => "search",
            ClearSearch => "clear_search",
            FilterMenu => "filter_menu",
            ClearFilters => "clear_filters",
            SortNext => "sort_next",
            SortReverse => "sort_reverse",
            ToggleNames => "toggle_state_names",
            NextTab => "next_tab",
            PrevTab => "prev_tab",
            TabNeedsOin => "tab_needs_oin",
            TabWithIsv => "tab_with_isv",
            TabMine => "tab_mine",
            TabBreaching => "tab_breaching",
            TabAll => "tab_all",
            CopyId => "copy_id",
            RevealPassword => "reveal_password",
            Reload => "reload",
            Toggle => "toggle",
            Accept => "accept",
            Mark => "mark",
            MarkAll => "mark_all",
            ClearMarks => "clear_marks",
            Move => "move",
            Claim => "claim",
            Assign => "assign",
            Undo => "undo",
            NewVersion => "new_version",
            Messages => "messages",
            Yes => "yes",
            No => "no",
            Findings => "findings",
            AddFinding => "add_finding",
            AddNote => "add_note",
            EditIssues => "edit_issues",
            Mail => "mail",
            Outbox => "outbox",
            Inbox => "inbox",
            Attach => "attach",
            Reports => "reports",
            Remind => "remind",
            Retry => "retry",
            CancelEmail => "cancel_email",
            Override => "override",
            MoveWithoutEmail => "move_without_email",
            NextSection => "next_section",
            PrevSection => "prev_section",
        }
    }
}

/// A key with its modifiers, parsed from names like `j`, `ctrl-d`, `shift-tab`, `pgdn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        Key::normal(
            e.code,
            e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT),
        )
    }

    /// One spelling per key: shift is part of the character for printable keys (`shift-x`
    /// is `X`, and terminals report `X` with or without SHIFT); back-tab is shift-tab.
    fn normal(code: KeyCode, mut mods: KeyModifiers) -> Key {
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) || c.is_uppercase() => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
            }
            KeyCode::BackTab => {
                mods.insert(KeyModifiers::SHIFT);
                KeyCode::Tab
            }
            c => c,
        };
        Key { code, mods }
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "delete" => KeyCode::Delete,
            one if one.chars().count() == 1 => KeyCode::Char(one.chars().next().unwrap_or(' ')),
            f if f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                return Err(format!(
                    "unknown key {s:?}: use a character, or enter, esc, tab, space, backspace, up, down, left, right, home, end, pgup, pgdn, delete, f1..f12, with ctrl-, alt- or shift- before it"
                ));
            }
        };
        Ok(Key::normal(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// One binding: in `context`, `keys` run `command`; `desc` feeds help, palette and hints.
#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<Key>,
    pub command: Command,
    pub desc: &'static str,
    /// A short label shown in the footer of its context.
    pub hint: Option<&'static str>,
}

/// A default binding: (context, keys, command, description, footer label).
type DefaultBinding = (
    Context,
    &'static [&'static str],
    Command,
    &'static str,
    Option<&'static str>,
);

const DEFAULTS: &[DefaultBinding] = {
    use Command::*;
    use Context as C;
    &[
        (C::Global, &["q"], Quit, "quit", Some("quit")),
        (C::Global, &["ctrl-c"], Quit, "quit", None),
        (C::Global, &["?"], Help, "help: every key", Some("help")),
        (C::Global, &[":"], Palette, "command palette", None),
        (
            C::Global,
            &["ctrl-z"],
            Suspend,
            "suspend to the shell (fg resumes)",
            None,
        ),
        (
            C::Global,
            &["ctrl-l"],
            Redraw,
            "repaint the whole screen (works anywhere)",
            None,
        ),
        (C::Queue, &["j", "down"], Down, "next submission", None),
        (C::Queue, &["k", "up"], Up, "previous submission", None),
        (C::Queue, &["g", "home"], Top, "first submission", None),
        (C::Queue, &["G", "end"], Bottom, "last submission", None),
        (C::Queue, &["pgdn"], PageDown, "page down", None),
        (C::Queue, &["pgup"], PageUp, "page up", None),
        (C::Queue, &["ctrl-d"], HalfDown, "half a page down", None),
        (C::Queue, &["ctrl-u"], HalfUp, "half a page up", None),
        (
            C::Queue,
            &["enter"],
            OpenDetail,
            "open the submission",
            Some("open"),
        ),
        (
            C::Queue,
            &["z"],
            FullDetail,
            "the submission full screen (at every width)",
            None,
        ),
        (
            C::Queue,
            &["tab"],
            SwitchPane,
            "switch between queue and detail pane",
            None,
        ),
        (C::Queue, &["/"], Search, "fuzzy search", Some("search")),
        (C::Queue, &["esc"], ClearSearch, "clear search", None),
        (C::Queue, &["f"], FilterMenu, "filters", Some("filter")),
        (C::Queue, &["F"], ClearFilters, "clear all filters", None),
        (C::Queue, &["s"], SortNext, "next sort key", Some("sort")),
        (C::Queue, &["S"], SortReverse, "reverse the sort", None),
        (
            C::Queue,
            &["w"],
            ToggleNames,
            "OIN Manager / Wizard state names",
            None,
        ),
        (C::Queue, &["]"], NextTab, "next tab", Some("tab")),
        (C::Queue, &["["], PrevTab, "previous tab", None),
        (C::Queue, &["1"], TabNeedsOin, "tab: needs OIN", None),
        (C::Queue, &["2"], TabWithIsv, "tab: with ISV", None),
        (C::Queue, &["3"], TabMine, "tab: mine", None),
        (C::Queue, &["4"], TabBreaching, "tab: breached", None),
        (C::Queue, &["5"], TabAll, "tab: all", None),
        (
            C::Queue,
            &["y"],
            CopyId,
            "copy the id (tmux's buffer, else OSC 52)",
            None,
        ),
        (
            C::Queue,
            &["p"],
            RevealPassword,
            "reveal the test password for 5 s",
            None,
        ),
        (
            C::Queue,
            &["space"],
            Mark,
            "mark / unmark the submission",
            None,
        ),
        (
            C::Queue,
            &["V"],
            MarkAll,
            "mark every submission the filter shows",
            None,
        ),
        (C::Queue, &["U"], ClearMarks, "clear all marks", None),
        (
            C::Queue,
            &["m"],
            Move,
            "move the marked (or selected) to another state",
            Some("move"),
        ),
        (
            C::Queue,
            &["a"],
            Claim,
            "claim the marked (or selected) for me",
            None,
        ),
        (
            C::Queue,
            &["A"],
            Assign,
            "assign the marked (or selected) to an analyst",
            None,
        ),
        (C::Queue, &["u"], Undo, "undo my last batch of moves", None),
        (
            C::Queue,
            &[],
            NewVersion,
            "edit a published integration as a new version (a draft linked to it)",
            None,
        ),
        (
            C::Queue,
            &["x"],
            Findings,
            "the issue list: include / leave out findings",
            None,
        ),
        (
            C::Queue,
            &["n"],
            AddFinding,
            "add a finding of your own",
            None,
        ),
        (
            C::Queue,
            &["N"],
            AddNote,
            "add an internal note (never emailed; @name mentions)",
            None,
        ),
        (
            C::Queue,
            &["e"],
            EditIssues,
            "edit the issue list in $VISUAL / $EDITOR",
            None,
        ),
        (
            C::Queue,
            &["M"],
            Mail,
            "preview and send the issue-list email",
            Some("mail"),
        ),
        (C::Queue, &["O"], Outbox, "the outbox of emails", None),
        (
            C::Queue,
            &["I"],
            Inbox,
            "unmatched mail: attach to the selected submission",
            None,
        ),
        (
            C::Global,
            &[],
            Messages,
            "messages: every message said, whole, newest first",
            None,
        ),
        (
            C::Queue,
            &["R"],
            Reports,
            "reports: SLA attainment per week, workload, breaches",
            None,
        ),
        (
            C::Queue,
            &[],
            Remind,
            "remind idle ISVs: preview the reminder emails due, then queue them",
            None,
        ),
        (
            C::Queue,
            &["ctrl-r"],
            Reload,
            "reload from the database",
            None,
        ),
        (C::Detail, &["j", "down"], Down, "scroll down", None),
        (C::Detail, &["k", "up"], Up, "scroll up", None),
        (C::Detail, &["g", "home"], Top, "scroll to the top", None),
        (C::Detail, &["G", "end"], Bottom, "scroll to the end", None),
        (C::Detail, &["pgdn", "space"], PageDown, "page down", None),
        (C::Detail, &["pgup"], PageUp, "page up", None),
        (C::Detail, &["ctrl-d"], HalfDown, "half a page down", None),
        (C::Detail, &["ctrl-u"], HalfUp, "half a page up", None),
        (
            C::Detail,
            &["]"],
            NextSection,
            "next section",
            Some("section"),
        ),
        (C::Detail, &["["], PrevSection, "previous section", None),
        (
            C::Detail,
            &["esc", "enter"],
            Close,
            "back to the queue",
            Some("back"),
        ),
        (
            C::Detail,
            &["z"],
            FullDetail,
            "full screen / back to the side pane",
            None,
        ),
        (
            C::Detail,
            &["tab"],
            SwitchPane,
            "back to the queue pane",
            None,
        ),
        (
            C::Detail,
            &["p"],
            RevealPassword,
            "reveal the test password for 5 s",
            Some("password"),
        ),
        (
            C::Detail,
            &["y"],
            CopyId,
            "copy the id (tmux's buffer, else OSC 52)",
            Some("copy id"),
        ),
        (C::Detail, &["x"], Findings, "the issue list", None),
        (
            C::Detail,
            &["n"],
            AddFinding,
            "add a finding of your own",
            None,
        ),
        (
            C::Detail,
            &["N"],
            AddNote,
            "add an internal note (never emailed; @name mentions)",
            None,
        ),
        (
            C::Detail,
            &["e"],
            EditIssues,
            "edit the issue list in $VISUAL / $EDITOR",
            None,
        ),
        (
            C::Detail,
            &["M"],
            Mail,
            "preview and send the issue-list email",
            Some("mail"),
        ),
        (C::Findings, &["j", "down"], Down, "next finding", None),
        (C::Findings, &["k", "up"], Up, "previous finding", None),
        (C::Findings, &["g", "home"], Top, "first finding", None),
        (C::Findings, &["G", "end"], Bottom, "last finding", None),
        (
            C::Findings,
            &["x", "space"],
            Toggle,
            "include in / leave out of the email",
            Some("include/leave out"),
        ),
        (
            C::Findings,
            &["n"],
            AddFinding,
            "add a finding",
            Some("add"),
        ),
        (
            C::Findings,
            &["e"],
            EditIssues,
            "edit the list in $EDITOR",
            Some("edit"),
        ),
        (
            C::Findings,
            &["M"],
            Mail,
            "preview the email",
            Some("email"),
        ),
        (C::Findings, &["esc", "q"], Close, "close", Some("close")),
        (C::Preview, &["j", "down"], Down, "scroll down", None),
        (C::Preview, &["k", "up"], Up, "scroll up", None),
        (C::Preview, &["g", "home"], Top, "to the top", None),
        (C::Preview, &["G", "end"], Bottom, "to the end", None),
        (C::Preview, &["pgdn", "space"], PageDown, "page down", None),
        (C::Preview, &["pgup"], PageUp, "page up", None),
        (C::Preview, &["ctrl-d"], HalfDown, "half a page down", None),
        (C::Preview, &["ctrl-u"], HalfUp, "half a page up", None),
        (
            C::Preview,
            &["y"],
            Yes,
            "send (queue in the outbox, with the move)",
            Some("send"),
        ),
        (
            C::Preview,
            &["m"],
            MoveWithoutEmail,
            "move without email (the audit log says so)",
            Some("move only"),
        ),
        (
            C::Preview,
            &["o"],
            Override,
            "override the gate for the items it stops (needs the reason you gave)",
            Some("override gate"),
        ),
        (
            C::Preview,
            &["esc", "n", "q"],
            No,
            "cancel: nothing is sent or moved",
            Some("cancel"),
        ),
        (C::Outbox, &["j", "down"], Down, "next email", None),
        (C::Outbox, &["k", "up"], Up, "previous email", None),
        (C::Outbox, &["g", "home"], Top, "newest email", None),
        (C::Outbox, &["G", "end"], Bottom, "oldest email", None),
        (
            C::Outbox,
            &["enter"],
            Accept,
            "open the message",
            Some("open"),
        ),
        (
            C::Outbox,
            &["r"],
            Retry,
            "retry a failed or waiting email now",
            Some("retry"),
        ),
        (
            C::Outbox,
            &["c"],
            CancelEmail,
            "cancel an email not sent yet (it is kept, marked cancelled)",
            Some("cancel email"),
        ),
        (C::Outbox, &["esc", "q", "O"], Close, "close", Some("close")),
        (C::Inbox, &["j", "down"], Down, "next message", None),
        (C::Inbox, &["k", "up"], Up, "previous message", None),
        (C::Inbox, &["g", "home"], Top, "oldest message", None),
        (C::Inbox, &["G", "end"], Bottom, "newest message", None),
        (
            C::Inbox,
            &["enter"],
            Accept,
            "read the message",
            Some("read"),
        ),
        (
            C::Inbox,
            &["a"],
            Attach,
            "attach the message to the submission selected in the queue",
            Some("attach"),
        ),
        (C::Inbox, &["esc", "q", "I"], Close, "close", Some("close")),
        (C::Reports, &["j", "down"], Down, "scroll down", None),
        (C::Reports, &["k", "up"], Up, "scroll up", None),
        (C::Reports, &["g", "home"], Top, "to the top", None),
        (C::Reports, &["G", "end"], Bottom, "to the end", None),
        (C::Reports, &["pgdn", "space"], PageDown, "page down", None),
        (C::Reports, &["pgup"], PageUp, "page up", None),
        (
            C::Reports,
            &["r", "ctrl-r"],
            Reload,
            "read the figures again",
            Some("refresh"),
        ),
        (
            C::Reports,
            &["esc", "q", "R"],
            Close,
            "close",
            Some("close"),
        ),
        (
            C::Search,
            &["enter"],
            Accept,
            "keep the results",
            Some("keep results"),
        ),
        (
            C::Search,
            &["esc"],
            ClearSearch,
            "clear and leave search",
            Some("clear"),
        ),
        (
            C::Help,
            &["esc", "?", "q"],
            Close,
            "close help",
            Some("close"),
        ),
        (C::Help, &["j", "down"], Down, "scroll down", None),
        (C::Help, &["k", "up"], Up, "scroll up", None),
        (C::Help, &["g", "home"], Top, "to the top", None),
        (C::Help, &["G", "end"], Bottom, "to the end", None),
        (C::Help, &["pgdn", "space"], PageDown, "page down", None),
        (C::Help, &["pgup"], PageUp, "page up", None),
        (C::Help, &["ctrl-d"], HalfDown, "half a page down", None),
        (C::Help, &["ctrl-u"], HalfUp, "half a page up", None),
        (
            C::Palette,
            &["enter"],
            Accept,
            "run the command",
            Some("run"),
        ),
        (C::Palette, &["esc"], Close, "close", Some("close")),
        (C::Palette, &["down", "ctrl-n"], Down, "next", None),
        (C::Palette, &["up", "ctrl-p"], Up, "previous", None),
        (C::Picker, &["j", "down", "ctrl-n"], Down, "next", None),
        (C::Picker, &["k", "up", "ctrl-p"], Up, "previous", None),
        (C::Picker, &["enter"], Accept, "choose", Some("choose")),
        (C::Picker, &["esc"], Close, "cancel", Some("cancel")),
        (C::Input, &["enter"], Accept, "confirm", Some("confirm")),
        (C::Input, &["esc"], Close, "cancel", Some("cancel")),
        (C::Confirm, &["y", "enter"], Yes, "yes, do it", Some("yes")),
        (C::Confirm, &["n", "esc"], No, "no, cancel", Some("no")),
        (
            C::Confirm,
            &["o"],
            Override,
            "override the gate for the items it stops (needs the reason you gave)",
            Some("override gate"),
        ),
        (
            C::Report,
            &["esc", "enter", "q"],
            Close,
            "dismiss",
            Some("dismiss"),
        ),
        (C::Report, &["j", "down"], Down, "scroll down", None),
        (C::Report, &["k", "up"], Up, "scroll up", None),
        (C::Report, &["g", "home"], Top, "to the top", None),
        (C::Report, &["G", "end"], Bottom, "to the end", None),
        (C::Report, &["pgdn", "space"], PageDown, "page down", None),
        (C::Report, &["pgup"], PageUp, "page up", None),
        (C::Filter, &["j", "down"], Down, "next", None),
        (C::Filter, &["k", "up"], Up, "previous", None),
        (
            C::Filter,
            &["space", "enter"],
            Toggle,
            "toggle",
            Some("toggle"),
        ),
        (
            C::Filter,
            &["F"],
            ClearFilters,
            "clear all",
            Some("clear all"),
        ),
        (C::Filter, &["esc", "f", "q"], Close, "close", Some("close")),
    ]
};

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeymapError(pub String);

impl Keymap {
    pub fn defaults() -> Keymap {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|(context, keys, command, desc, hint)| Binding {
                    context: *context,
                    keys: keys.iter().filter_map(|k| Key::parse(k).ok()).collect(),
                    command: *command,
                    desc,
                    hint: *hint,
                })
                .collect(),
        }
    }

    /// Applies `[keys]` overrides: `"context.command" = ["key", ...]`, e.g.
    /// `"queue.down" = ["j", "ctrl-n"]`; the context is one of [`Context::id`]. `line_of`
    /// finds a key's line in the config file for errors.
    pub fn with_overrides(
        overrides: &BTreeMap<String, Vec<String>>,
        line_of: impl Fn(&str) -> Option<usize>,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::defaults();
        // The config line each overridden binding comes from, for conflict errors.
        let mut lines: Vec<Option<usize>> = vec![None; map.bindings.len()];
        let contexts = || {
            Context::ALL
                .iter()
                .map(|c| c.id())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (name, keys) in overrides {
            let line = line_of(name);
            let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let (ctx, cmd) = name.split_once('.').ok_or_else(|| {
                KeymapError(format!(
                    "{at}keys.{name:?}: name a binding as \"context.command\", e.g. \"queue.down\""
                ))
            })?;
            let Some(context) = Context::ALL.into_iter().find(|c| c.id() == ctx) else {
                return Err(KeymapError(format!(
                    "{at}keys.{name:?}: unknown context {ctx:?}; the contexts are {}",
                    contexts()
                )));
            };
            let found: Vec<usize> = map
                .bindings
                .iter()
                .enumerate()
                .filter(|(_, b)| b.context == context && b.command.name() == cmd)
                .map(|(i, _)| i)
                .collect();
            let Some(&first) = found.first() else {
                let known: Vec<&str> = map
                    .bindings
                    .iter()
                    .filter(|b| b.context == context)
                    .map(|b| b.command.name())
                    .collect();
                return Err(KeymapError(format!(
                    "{at}keys.{name:?}: no command {cmd:?} in {ctx}; it has {}",
                    known.join(", ")
                )));
            };
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).map_err(|e| KeymapError(format!("{at}keys.{name:?}: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            map.bindings[first].keys = parsed;
            lines[first] = line;
            for &extra in found.iter().skip(1).rev() {
                map.bindings.remove(extra);
                lines.remove(extra);
            }
        }
        map.check_conflicts(&lines)?;
        Ok(map)
    }

    fn check_conflicts(&self, lines: &[Option<usize>]) -> Result<(), KeymapError> {
        for (i, a) in self.bindings.iter().enumerate() {
            for (j, b) in self.bindings.iter().enumerate().skip(i + 1) {
                let shares = a.context == b.context
                    || a.context == Context::Global
                        && matches!(b.context, Context::Queue | Context::Detail)
                    || b.context == Context::Global
                        && matches!(a.context, Context::Queue | Context::Detail);
                if !shares || a.command == b.command {
                    continue;
                }
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    let at = lines
                        .get(j)
                        .copied()
                        .flatten()
                        .or(lines.get(i).copied().flatten())
                        .map(|l| format!("line {l}: "))
                        .unwrap_or_default();
                    return Err(KeymapError(format!(
                        "{at}key {k} is bound to both {}.{} and {}.{}; change one in [keys]",
                        a.context.id(),
                        a.command.name(),
                        b.context.id(),
                        b.command.name(),
                    )));
                }
            }
        }
        Ok(())
    }

    /// The first key bound to `command` in `context` (or the global one), as help shows it:
    /// every text that names a key asks here, so it stays true after a remap.
    pub fn key_for(&self, context: Context, command: Command) -> String {
        let find = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.command == command)
                .and_then(|b| b.keys.first())
        };
        find(context)
            .or_else(|| find(Context::Global))
            .map(|k| k.to_string())
            .unwrap_or_else(|| format!(":{}", command.name()))
    }

    /// The command `key` runs in `context` (its own bindings first, then global ones).
    /// The binding `key` has in `context` itself (no fallback to the global keys).
    pub fn binding_in(&self, context: Context, key: &KeyEvent) -> Option<&Binding> {
        let key = Key::from_event(key);
        self.bindings
            .iter()
            .find(|b| b.context == context && b.keys.contains(&key))
    }

    pub fn lookup(&self, context: Context, key: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(key);
        let find = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.keys.contains(&key))
                .map(|b| b.command)
        };
        find(context).or_else(|| {
            matches!(context, Context::Queue | Context::Detail)
                .then(|| find(Context::Global))
                .flatten()
        })
    }

    /// Footer hints for a context: "key desc" pairs.
    pub fn hints(&self, context: Context) -> Vec<(String, &'static str)> {
        self.hints_but(context, &[])
    }

    /// The footer hints of a context, without the commands that do nothing where it is
    /// now (a preview with no move has no "move only").
    pub fn hints_but(&self, context: Context, hidden: &[Command]) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = self
            .bindings
            .iter()
            .filter(|b| b.context == context && !hidden.contains(&b.command))
            .filter_map(|b| Some((b.keys.first()?.to_string(), b.hint?)))
            .collect();
        if matches!(context, Context::Queue | Context::Detail) {
            out.extend(
                self.bindings
                    .iter()
                    .filter(|b| b.context == Context::Global)
                    .filter_map(|b| Some((b.keys.first()?.to_string(), b.hint?))),
            );
        }
        out
    }

    /// The bindings of the queue and global contexts, for the command palette.
    pub fn palette_entries(&self) -> Vec<&Binding> {
        self.bindings
            .iter()
            .filter(|b| matches!(b.context, Context::Queue | Context::Global))
            .filter(|b| !matches!(b.command, Command::Palette))
            .fold(Vec::new(), |mut acc: Vec<&Binding>, b| {
                if !acc.iter().any(|x| x.command == b.command) {
                    acc.push(b);
                }
                acc
            })
    }
}
