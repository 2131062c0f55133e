//! The real binary in a real terminal: tmux, one server socket per test, fixed size.

use super::Sandbox;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `args` of oin-review (with the sandbox's env and --db) in a WxH tmux pane; the
    /// pane's shell prints the exit status when the console ends.
    pub fn start(
        sb: &Sandbox,
        name: &str,
        env: &[(&str, &str)],
        args: &[&str],
        w: u16,
        h: u16,
    ) -> Tmux {
        Tmux::start_on(sb, &sb.db(), name, env, args, w, h)
    }

    /// `start`, on the queue at `db` instead of the sandbox's.
    pub fn start_on(
        sb: &Sandbox,
        db: &std::path::Path,
        name: &str,
        env: &[(&str, &str)],
        args: &[&str],
        w: u16,
        h: u16,
    ) -> Tmux {
        let mut line = format!("{} --db {}", env!("CARGO_BIN_EXE_oin-review"), db.display());
        for a in args {
            line.push_str(&format!(" {a}"));
        }
        Tmux::start_command(sb, name, env, &line, w, h)
    }

    /// `command_line` (a shell command) in a WxH pane with the sandbox's clean environment
    /// and `env`; the pane's shell prints the exit status when it ends.
    pub fn start_command(
        sb: &Sandbox,
        name: &str,
        env: &[(&str, &str)],
        command_line: &str,
        w: u16,
        h: u16,
    ) -> Tmux {
        let cmd = format!(
            "{} {command_line}; echo EXITED rc=$?; sleep 120",
            clean_env(sb, env)
        );
        Tmux::new_session(name, &cmd, w, h)
    }

    /// An interactive bash (prompt `shell$ `) in a WxH pane with the sandbox's environment:
    /// for what needs job control, such as Ctrl-z and `fg`. `type_command` runs the console.
    pub fn shell(sb: &Sandbox, name: &str, w: u16, h: u16) -> Tmux {
        let cmd = format!(
            "{} PS1='shell$ ' bash --norc --noprofile -i",
            clean_env(sb, &[])
        );
        let t = Tmux::new_session(name, &cmd, w, h);
        t.wait_for("shell$", Duration::from_secs(10));
        t
    }

    /// Types `oin-review --db DB ARGS` and Enter at the shell's prompt.
    pub fn type_command(&self, sb: &Sandbox, args: &[&str]) {
        let mut line = format!(
            "{} --db {}",
            env!("CARGO_BIN_EXE_oin-review"),
            sb.db().display()
        );
        for a in args {
            line.push_str(&format!(" {a}"));
        }
        self.literal(&line);
        self.keys(&["Enter"]);
    }

    fn new_session(name: &str, cmd: &str, w: u16, h: u16) -> Tmux {
        let t = Tmux {
            socket: format!("oinr-{name}-{}", std::process::id()),
        };
        let ok = t
            .tmux(&[
                "new-session",
                "-d",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                cmd,
            ])
            .status
            .success();
        assert!(
            ok,
            "tmux could not start (is tmux installed? .ci/run installs it)"
        );
        t
    }

    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .expect("run tmux")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p"]).stdout).into_owned()
    }

    pub fn screen_with_styles(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-e"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", k]);
        }
    }

    /// Escape, then a wait until the screen shows that the console took it (every Escape a
    /// test sends closes something): an Escape and the next key read together would be
    /// Alt+key.
    pub fn escape(&self) {
        let before = self.screen();
        self.keys(&["Escape"]);
        self.wait_until(
            "the screen to change after Escape",
            |s| s != before,
            Duration::from_secs(10),
        );
    }

    /// Sends `key`, then waits until the screen changes: the console has read it.
    pub fn key_and_wait(&self, key: &str) -> String {
        let before = self.screen();
        self.keys(&[key]);
        self.wait_until(
            &format!("the screen to change after {key}"),
            |s| s != before,
            Duration::from_secs(10),
        )
    }

    pub fn literal(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(text, |s| s.contains(text), timeout)
    }

    /// Waits for a screen that `ok` accepts (`what` names it in the failure).
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("waited {timeout:?} for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alternate_screen_on(&self) -> bool {
        String::from_utf8_lossy(
            &self
                .tmux(&["display-message", "-p", "#{alternate_on}"])
                .stdout,
        )
        .trim()
            == "1"
    }

    pub fn resize(&self, w: u16, h: u16) {
        self.tmux(&["resize-window", "-x", &w.to_string(), "-y", &h.to_string()]);
    }
}

/// `cd` into the sandbox, then `env -i` with its HOME and XDG folders, the terminal type,
/// the tests' clock and libfaketime's variables, and `env`: the start of a pane's command.
fn clean_env(sb: &Sandbox, env: &[(&str, &str)]) -> String {
    let mut cmd = format!(
        "cd {} && env -i PATH=\"$PATH\" TERM=xterm-256color HOME={} XDG_DATA_HOME={} XDG_CONFIG_HOME={}",
        sb.dir.path().display(),
        sb.path("home").display(),
        sb.path("data").display(),
        sb.path("config").display()
    );
    for (k, v) in super::clock_env() {
        cmd.push_str(&format!(" {k}='{v}'"));
    }
    for (k, v) in env {
        cmd.push_str(&format!(" {k}={v}"));
    }
    cmd
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
