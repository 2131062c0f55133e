//! Owning the terminal: raw mode and the alternate screen, restored on every exit path
//! (return, error, panic, signals), suspend and resume, and OSC 52 clipboard writes.

use super::lean::LeanBackend;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

pub type Term = Terminal<LeanBackend<Stdout>>;

/// Whether the terminal is in our modes, so restoring twice is harmless.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

pub fn enter(mouse: bool) -> io::Result<Term> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        cursor::Hide,
        EnableBracketedPaste
    )?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    MOUSE.store(mouse, Ordering::SeqCst);
    ACTIVE.store(true, Ordering::SeqCst);
    let mut term = Terminal::new(LeanBackend::new(io::stdout()))?;
    term.clear()?;
    Ok(term)
}

/// Leaves raw mode and the alternate screen. Errors are ignored: after SIGHUP the terminal
/// may be gone, and there is nothing left to restore.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    // The alternate screen is blanked before it is left: a terminal resized while the
    // console ran (tmux 3.3, for one) can otherwise leave the last frame over the shell.
    let _ = execute!(
        out,
        DisableBracketedPaste,
        cursor::MoveTo(0, 0),
        Clear(ClearType::All),
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Runs the console's work `f`, which enters the terminal: whether `f` returns, fails or
/// panics, the terminal is restored before anything else is printed.
pub fn owned<T, E>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    install_panic_hook();
    let result = f();
    restore();
    result
}

/// Restores the terminal before the default panic message is printed.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Stops the process like Ctrl-Z in a shell, with the terminal restored; on `fg` puts the
/// console back.
pub fn suspend(term: &mut Term, mouse: bool) -> io::Result<()> {
    restore();
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGSTOP).map_err(io::Error::from)?;
    // Resumed (SIGCONT).
    *term = enter(mouse)?;
    Ok(())
}

/// Gives the terminal to another program (the analyst's editor) and takes it back after.
pub fn hand_over<T>(term: &mut Term, mouse: bool, f: impl FnOnce() -> T) -> io::Result<T> {
    restore();
    let result = f();
    *term = enter(mouse)?;
    Ok(result)
}

/// The width of the terminal standard output writes to, when it is one.
pub fn stdout_width() -> Option<u16> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size().ok().map(|(w, _)| w)
}

/// Copies text to the clipboard with OSC 52, which works over SSH and in tmux.
pub fn copy_osc52(text: &str) -> io::Result<()> {
    let encoded = crate::text::base64(text.as_bytes());
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}
