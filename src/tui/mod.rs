//! The full-screen console (ratatui and crossterm live here only).

pub mod app;
pub mod bench;
mod clipboard;
pub mod input;
pub mod keymap;
pub mod lean;
pub mod overlay;
pub mod queue_state;
pub mod terminal;
pub mod theme;
pub mod views;
pub mod worker;

use crate::domain::Policy;
use app::{Action, App, Msg};
use crossterm::event::{self, Event, KeyEventKind, MouseEventKind};
use keymap::Keymap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use theme::Theme;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// Everything the console needs to start.
pub struct Launch {
    /// The workflow on the queue (the team and the mail setup with it).
    pub workflow: crate::workflow::Workflow,
    pub policy: Arc<Policy>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub analyst: String,
    pub mouse: bool,
    pub wizard_names: bool,
    pub mail: crate::config::MailConfig,
    /// Where the file transport writes when the config does not say.
    pub mail_dir: std::path::PathBuf,
    /// `--as-of`: the queue as it was (or will be) at this instant; writes at the real time.
    pub as_of: Option<jiff::Timestamp>,
    /// The tabs' views (the config's `[views]` over the built-in ones).
    pub views: Vec<crate::domain::query::View>,
}

/// Terminal input, read on its own thread so the loop never blocks on it.
fn spawn_reader(tx: mpsc::UnboundedSender<Event>, paused: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("oin-review-input".into())
        .spawn(move || {
            loop {
                if tx.is_closed() {
                    return;
                }
                if paused.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => match event::read() {
                        Ok(ev) => {
                            if tx.send(ev).is_err() {
                                return;
                            }
                        }
                        Err(_) => return,
                    },
                    Ok(false) => {}
                    Err(_) => return,
                }
            }
        })
        .ok();
}

/// Runs the console until the analyst quits or a signal ends it. Every change is committed
/// by the store when it is made, so no exit path loses work.
pub fn run(launch: Launch) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    terminal::owned(|| rt.block_on(event_loop(launch)))
}

async fn event_loop(launch: Launch) -> anyhow::Result<()> {
    let Launch {
        workflow,
        policy,
        keymap,
        theme,
        analyst,
        mouse,
        wizard_names,
        mail,
        mail_dir,
        as_of,
        views,
    } = launch;
    let db_label = workflow.path().display().to_string();
    // A console at a past instant shows the queue as it was, not as it is: it writes nothing.
    let read_only = workflow
        .read_only()
        .map(str::to_string)
        .or_else(|| as_of.map(|at| format!("opened --as-of {at}, the queue as it was then")));
    let (work_tx, mut work_rx) = mpsc::unbounded_channel();
    let mut startup_notes = Vec::new();
    let hold = mail.hold();
    let transport = crate::workflow::Transport::from_config(&mail, mail_dir);
    let setup = workflow.mail_setup();
    if let Err(e) = &setup.templates {
        startup_notes.push(format!("mail: {e}"));
    }
    let mailer = match transport {
        // Delivering marks emails sent: that is a colleague's console's job here.
        _ if read_only.is_some() => None,
        Ok(t) => Some(worker::spawn_mailer(
            workflow.path().to_path_buf(),
            policy.clone(),
            setup.clone(),
            t,
            work_tx.clone(),
        )),
        Err(e) => {
            startup_notes.push(format!(
                "mail: {e}; email stays queued until the config is fixed"
            ));
            None
        }
    };
    // How replies reach this console, for its inbox to say (from the config alone: no
    // password is read before the first frame; the fetcher says what fails).
    let fetching = match setup.inbound.mailbox_label() {
        _ if read_only.is_some() => "this console fetches nothing (read-only)".to_string(),
        None => "not fetched: no [inbound] in the config (oin-review-config(5))".to_string(),
        Some(label) if setup.inbound.every().is_zero() => {
            format!("{label}: fetched by `oin-review mail fetch` only ([inbound] every = \"0s\")")
        }
        Some(label) => {
            let secs = setup.inbound.every().as_secs();
            let every = if secs % 60 == 0 {
                format!("{} min", secs / 60)
            } else {
                format!("{secs} s")
            };
            format!("fetched from {label} every {every}")
        }
    };
    if read_only.is_none() && as_of.is_none() {
        worker::spawn_fetcher(
            workflow.path().to_path_buf(),
            policy.clone(),
            setup.clone(),
            crate::workflow::inbound::lease_holder(&analyst),
            work_tx.clone(),
        );
    }
    let db = worker::spawn_db(workflow, analyst.clone(), as_of, work_tx.clone(), mailer);
    for note in startup_notes {
        let _ = work_tx.send(worker::WorkerEvent::DbError(note));
    }
    let search = worker::spawn_search(work_tx);
    let (term_tx, mut term_rx) = mpsc::unbounded_channel();
    let paused = Arc::new(AtomicBool::new(false));
    spawn_reader(term_tx, paused.clone());

    // A theme with colours was chosen (by name, or the default without NO_COLOR): crossterm
    // would drop its colours under NO_COLOR, so tell it the choice was made.
    crossterm::style::force_color_output(!theme.is_colourless());
    let mut term = terminal::enter(mouse)?;
    let size = term.size()?;
    let mut app = App::new(keymap, policy, analyst, db_label, crate::clock::now());
    app.set_wizard_names(wizard_names);
    app.set_views(views);
    app.set_hold(hold);
    app.set_fetching(fetching);
    if let Some(at) = as_of {
        app.pin_clock(at);
    }
    if let Some(why) = &read_only {
        app.say(app::Level::Warn, format!("read-only: {why}; browse only"));
    }
    app.set_read_only(read_only);
    app.update(Msg::Resize(size.width, size.height));

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigtstp = signal(SignalKind::from_raw(libc_sigtstp()))?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    term.draw(|f| views::draw(f, &app, &theme))?;

    loop {
        let mut msgs = Vec::new();
        let mut suspend_requested = false;
        tokio::select! {
            Some(ev) = term_rx.recv() => msgs.extend(to_msg(ev)),
            Some(ev) = work_rx.recv() => {
                worker::log_event(&ev);
                msgs.push(Msg::Worker(ev));
            }
            _ = tick.tick() => msgs.push(Msg::Tick(crate::clock::now())),
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
            _ = sigtstp.recv() => suspend_requested = true,
        }
        // Handle everything already queued before drawing once.
        while let Ok(ev) = term_rx.try_recv() {
            msgs.extend(to_msg(ev));
        }
        while let Ok(ev) = work_rx.try_recv() {
            worker::log_event(&ev);
            msgs.push(Msg::Worker(ev));
        }
        let mut actions: Vec<Action> = Vec::new();
        if suspend_requested {
            actions.push(Action::Suspend);
        }
        for msg in msgs {
            actions.extend(app.update(msg));
        }
        for action in actions {
            match action {
                Action::Quit => return Ok(()),
                Action::Search(generation, query, candidates) => {
                    search.submit(app.search_request(generation, query, candidates));
                }
                Action::Db(request) => {
                    let _ = db.send(request);
                }
                Action::OpenEditor(list) => {
                    paused.store(true, Ordering::SeqCst);
                    let edited = terminal::hand_over(&mut term, mouse, || {
                        crate::editor::edit(&list.text, &list.id)
                    })?;
                    paused.store(false, Ordering::SeqCst);
                    let size = term.size()?;
                    app.update(Msg::Resize(size.width, size.height));
                    let _ = db.send(worker::DbRequest::Write(worker::Write::EditedIssues {
                        list,
                        edited: edited.map_err(|e| e.to_string()),
                    }));
                }
                // Whatever the terminal shows, the next frame is drawn whole.
                Action::Repaint => term.clear()?,
                Action::CopyToClipboard(text) => {
                    let (level, said) = clipboard::copy(&text);
                    app.update(Msg::Copied(level, said));
                }
                Action::Suspend => {
                    paused.store(true, Ordering::SeqCst);
                    terminal::suspend(&mut term, mouse)?;
                    paused.store(false, Ordering::SeqCst);
                    let size = term.size()?;
                    app.update(Msg::Resize(size.width, size.height));
                }
            }
        }
        term.draw(|f| views::draw(f, &app, &theme))?;
    }
}

fn libc_sigtstp() -> i32 {
    nix::sys::signal::Signal::SIGTSTP as i32
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Mouse(m) => {
            let code = match m.kind {
                MouseEventKind::ScrollDown => crossterm::event::KeyCode::Down,
                MouseEventKind::ScrollUp => crossterm::event::KeyCode::Up,
                _ => return None,
            };
            Some(Msg::Key(crossterm::event::KeyEvent::from(code)))
        }
        _ => None,
    }
}
