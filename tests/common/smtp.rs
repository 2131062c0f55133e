//! SMTP servers on loopback for the mail tests: what they accepted, and how many sessions
//! are open, so a test can wait until every session has ended instead of sleeping.

use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One accepted message: the RCPT addresses of its envelope and its bytes.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub rcpts: Vec<String>,
    pub bytes: Vec<u8>,
}

/// What a test server has accepted, and how many of its SMTP sessions are open.
#[derive(Clone, Default)]
pub struct Received {
    messages: Arc<Mutex<Vec<Delivered>>>,
    open: Arc<AtomicUsize>,
}

/// One open session of a test server, counted from the accept (before the greeting, so
/// before a client can send anything) until it is dropped.
pub struct Session {
    open: Arc<AtomicUsize>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Received {
    /// Counts a session open until the returned guard is dropped.
    pub fn session(&self) -> Session {
        self.open.fetch_add(1, Ordering::SeqCst);
        Session {
            open: self.open.clone(),
        }
    }

    /// Records an accepted message; call it before the server answers 250, so a sender
    /// that saw the 250 is counted.
    pub fn accept(&self, rcpts: Vec<String>, bytes: Vec<u8>) {
        self.messages
            .lock()
            .unwrap()
            .push(Delivered { rcpts, bytes });
    }

    /// The messages accepted, once every session the server accepted has ended. Call it
    /// when the senders are done (their process exited, or their round returned): every
    /// connection a sender made was accepted and counted before it could read the
    /// greeting, and a session ends only after its last message is counted, so nothing
    /// more can arrive and the count is final.
    pub fn settled(&self) -> Vec<Delivered> {
        super::poll_until("every session of the SMTP server to end", || {
            self.open.load(Ordering::SeqCst) == 0
        });
        self.messages.lock().unwrap().clone()
    }
}

/// mailin's handler: the server keeps one and clones it for each connection it accepts
/// (before it greets the client), so each clone is one open session.
struct Inbox {
    received: Received,
    /// Set in the clones that serve a connection (held for its drop); the server's own
    /// has none.
    _session: Option<Session>,
    rcpts: Vec<String>,
    buf: Vec<u8>,
    /// Answer to RCPT; 250 unless a test says otherwise.
    rcpt_answer: Option<(u16, &'static str)>,
}

impl Clone for Inbox {
    fn clone(&self) -> Inbox {
        Inbox {
            received: self.received.clone(),
            _session: Some(self.received.session()),
            rcpts: Vec::new(),
            buf: Vec::new(),
            rcpt_answer: self.rcpt_answer,
        }
    }
}

impl Handler for Inbox {
    fn rcpt(&mut self, to: &str) -> Response {
        match self.rcpt_answer {
            Some((code, text)) => Response::custom(code, text.to_string()),
            None => {
                self.rcpts.push(to.to_string());
                response::OK
            }
        }
    }
    fn data_start(&mut self, _: &str, _: &str, _: bool, _: &[String]) -> Response {
        self.buf.clear();
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        self.received.accept(
            std::mem::take(&mut self.rcpts),
            std::mem::take(&mut self.buf),
        );
        response::OK
    }
}

/// Starts an SMTP server (mailin) on `listener` in the background, answering RCPT with
/// `rcpt_answer` if given and offering STARTTLS with `ssl` if given; returns what it
/// receives.
pub fn start_server(
    listener: TcpListener,
    rcpt_answer: Option<(u16, &'static str)>,
    ssl: Option<SslConfig>,
) -> Received {
    let received = Received::default();
    let mut server = Server::new(Inbox {
        received: received.clone(),
        _session: None,
        rcpts: Vec::new(),
        buf: Vec::new(),
        rcpt_answer,
    });
    server.with_name("localhost").with_num_threads(2);
    if let Some(ssl) = ssl {
        server.with_ssl(ssl).unwrap();
    }
    server.with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    received
}

/// A listener on a loopback port the kernel picked, for a server to be handed.
pub fn loopback_listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}
