//! Fetching replies: from an IMAP mailbox (async-imap over tokio-rustls; both live here
//! only), or from a Maildir on the review host. A message is handed on to be stored, and
//! only once it is stored is it flagged, moved (IMAP) or moved to `cur/` (Maildir): a
//! fetch that dies in between reads it again, and the store keeps it once.

use super::MailError;
use crate::config::{InboundConfig, InboundTls};
use crate::store::MailboxMark;
use futures_util::TryStreamExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long connecting, logging in or one command may take before the fetch gives up.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Messages are fetched and stored this many at a time (one transaction each).
const CHUNK: usize = 100;

/// One message as fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it was read: `imap://user@host/folder;UIDVALIDITY=v;UID=u`, or the Maildir file.
    pub source: String,
    pub raw: Vec<u8>,
}

/// Where replies come from, as the config names it.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// `InboundConfig::mailbox_label`.
    label: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Imap(Imap),
    Maildir(PathBuf),
}

#[derive(Clone)]
pub struct Imap {
    host: String,
    port: u16,
    tls: InboundTls,
    username: String,
    password: String,
    folder: String,
    after: After,
    ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for Imap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imap")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"****")
            .field("folder", &self.folder)
            .finish()
    }
}

/// What is done with a message once it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
enum After {
    Seen,
    Move(String),
}

impl Mailbox {
    /// The mailbox `[inbound]` names, with its password; None when replies are not fetched.
    pub fn from_config(config: &InboundConfig) -> Result<Option<Mailbox>, MailError> {
        let Some(label) = config.mailbox_label() else {
            return Ok(None);
        };
        if let Some(dir) = &config.maildir {
            if config.host.is_some() {
                return Err(MailError::Inbound(
                    "[inbound] names both a maildir and an IMAP host; keep one".into(),
                ));
            }
            return Ok(Some(Mailbox {
                label,
                source: Source::Maildir(dir.clone()),
            }));
        }
        let Some(host) = config.host.clone() else {
            return Ok(None);
        };
        let username = config.username.clone().ok_or_else(|| {
            MailError::Inbound("[inbound] host needs username = \"…\" to log in".into())
        })?;
        let password = super::deliver::password_from(
            config.password_command.as_deref(),
            "OIN_REVIEW_IMAP_PASSWORD",
        )
        .map_err(|e| MailError::Inbound(format!("[inbound] {e}")))?
        .ok_or_else(|| {
            MailError::Inbound(
                "[inbound] needs a password: set password_command or $OIN_REVIEW_IMAP_PASSWORD"
                    .into(),
            )
        })?;
        // The debug log never holds it (nor its base64 forms).
        crate::log::keep_out(&password, Some(&username));
        let after = match config.after.trim() {
            "seen" => After::Seen,
            other => match other.strip_prefix("move:") {
                Some(folder) if !folder.trim().is_empty() => After::Move(folder.trim().into()),
                _ => {
                    return Err(MailError::Inbound(format!(
                        "[inbound] after = {other:?}: write \"seen\" or \"move:FOLDER\""
                    )));
                }
            },
        };
        Ok(Some(Mailbox {
            label,
            source: Source::Imap(Imap {
                port: config.port(),
                host,
                tls: config.tls,
                username,
                password,
                folder: config.folder.clone(),
                after,
                ca_file: config.ca_file.clone(),
            }),
        }))
    }

    /// The mailbox's name in the queue (where its position is kept) and in messages.
    pub fn label(&self) -> String {
        self.label.clone()
    }
}

/// What one fetch read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FetchCount {
    /// Messages read from the mailbox.
    pub read: usize,
    /// A message (its UID) the server listed but sent without its body: the fetch stopped
    /// before it, and reads it again next time.
    pub held_back: Option<u32>,
}

/// Reads the mailbox's new messages (after `mark`, for IMAP), handing each chunk to
/// `store` with the position to record with it; once `store` returns Ok, the chunk is
/// flagged or moved. `store` failing stops the fetch (nothing after it is marked).
pub async fn fetch(
    mailbox: &Mailbox,
    mark: Option<MailboxMark>,
    limit: usize,
    store: &mut (dyn FnMut(Vec<Fetched>, Option<MailboxMark>) -> Result<(), String> + Send),
) -> Result<FetchCount, String> {
    match &mailbox.source {
        Source::Maildir(dir) => fetch_maildir(dir, limit, store),
        Source::Imap(imap) => {
            let label = mailbox.label();
            tokio::time::timeout(Duration::from_secs(600), fetch_imap(imap, mark, store))
                .await
                .unwrap_or_else(|_| Err("the fetch took over 10 minutes; stopped".into()))
                .map_err(|e| format!("{label}: {e}"))
        }
    }
}

/// Opens the IMAP conversation (TLS, LOGIN, SELECT) and logs out, reading nothing
/// (`check --connect`). Says what it reached.
pub async fn try_connect(mailbox: &Mailbox) -> Result<String, String> {
    match &mailbox.source {
        Source::Maildir(dir) => {
            for sub in ["new", "cur", "tmp"] {
                let p = dir.join(sub);
                if !p.is_dir() {
                    return Err(format!(
                        "maildir {}: no {sub}/ folder; is it the Maildir the host's MTA delivers into?",
                        dir.display()
                    ));
                }
            }
            let new = std::fs::read_dir(dir.join("new"))
                .map_err(|e| format!("maildir {}: {e}", dir.display()))?
                .count();
            Ok(format!("maildir {}: {new} new message(s)", dir.display()))
        }
        Source::Imap(imap) => {
            let label = mailbox.label();
            let mut session = login(imap).await.map_err(|e| format!("{label}: {e}"))?;
            let selected = within(session.examine(&imap.folder))
                .await
                .map_err(|e| format!("{label}: selecting the folder: {e}"))?;
            let _ = within(session.logout()).await;
            Ok(format!(
                "{label}: logged in as {:?}, {} message(s) in the folder; nothing read",
                imap.username, selected.exists
            ))
        }
    }
}

type Session = async_imap::Session<Box<dyn Stream>>;

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug> Stream
    for T
{
}

async fn within<T, E: std::fmt::Display>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(TIMEOUT, f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "no answer within {} s; is the server up?",
            TIMEOUT.as_secs()
        )),
    }
}

/// Connects, secures and logs in.
async fn login(imap: &Imap) -> Result<Session, String> {
    let tcp = match tokio::time::timeout(
        TIMEOUT,
        TcpStream::connect((imap.host.as_str(), imap.port)),
    )
    .await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(format!(
                "cannot connect to {}:{} ({e}); check host and port in [inbound] of the config, and that the server is up",
                imap.host, imap.port
            ));
        }
        Err(_) => return Err(format!("no answer from {}:{}", imap.host, imap.port)),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config(imap)?));
    let name = rustls::pki_types::ServerName::try_from(imap.host.clone())
        .map_err(|e| format!("host {:?}: {e}", imap.host))?;
    let stream: Box<dyn Stream> = match imap.tls {
        InboundTls::Implicit => {
            let tls = within(connector.connect(name, tcp))
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            Box::new(tls)
        }
        InboundTls::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            greeting(&mut client).await?;
            within(client.run_command_and_check_ok("STARTTLS", None))
                .await
                .map_err(|e| format!("STARTTLS refused: {e}"))?;
            let tcp = client.into_inner();
            let tls = within(connector.connect(name, tcp))
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            Box::new(tls)
        }
    };
    let mut client = async_imap::Client::new(stream);
    if imap.tls == InboundTls::Implicit {
        greeting(&mut client).await?;
    }
    match tokio::time::timeout(TIMEOUT, client.login(&imap.username, &imap.password)).await {
        Ok(Ok(session)) => Ok(session),
        Ok(Err((e, _))) => Err(format!(
            "the server refused the login as {:?} ({e}); check username and the password in [inbound] of the config",
            imap.username
        )),
        Err(_) => Err("no answer to the login".into()),
    }
}

/// Reads the server's greeting (after connecting, and after TLS when it is implicit).
async fn greeting<T>(client: &mut async_imap::Client<T>) -> Result<(), String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    within(async {
        client
            .read_response()
            .await
            .and_then(|r| r.ok_or_else(|| std::io::Error::other("closed at once")))
    })
    .await
    .map(|_| ())
}

/// The web's roots, and the config's own CA when it names one.
fn tls_config(imap: &Imap) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(ca) = &imap.ca_file {
        let certs = CertificateDer::pem_file_iter(ca)
            .map_err(|e| format!("ca_file {}: {e}", ca.display()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("ca_file {}: {e}", ca.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("ca_file {}: {e}", ca.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn fetch_imap(
    imap: &Imap,
    mark: Option<MailboxMark>,
    store: &mut (dyn FnMut(Vec<Fetched>, Option<MailboxMark>) -> Result<(), String> + Send),
) -> Result<FetchCount, String> {
    let mut session = login(imap).await?;
    let selected = within(session.select(&imap.folder))
        .await
        .map_err(|e| format!("selecting {:?}: {e}", imap.folder))?;
    let validity = selected.uid_validity.unwrap_or(0);
    // A new UIDVALIDITY means the server renumbered the folder: read it all again (what
    // was stored already is stored once, by its Message-ID).
    let after = match mark {
        Some(m) if m.uid_validity == validity => m.last_uid,
        _ => 0,
    };
    let Some(next) = after.checked_add(1) else {
        return Err(format!(
            "the folder's UIDs are used up (last {after}); the server must renumber it (a new UIDVALIDITY)"
        ));
    };
    let mut uids: Vec<u32> = within(session.uid_search(format!("UID {next}:*")))
        .await
        .map_err(|e| format!("searching for new messages: {e}"))?
        .into_iter()
        .filter(|u| *u > after)
        .collect();
    uids.sort_unstable();
    let mut count = FetchCount::default();
    if let After::Move(folder) = &imap.after {
        // Made if missing; an error here says itself at the first MOVE.
        let _ = within(session.create(folder)).await;
    }
    for chunk in uids.chunks(CHUNK) {
        let set = chunk
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut messages: Vec<(u32, Vec<u8>)> = {
            let stream = within(session.uid_fetch(&set, "(UID BODY.PEEK[])"))
                .await
                .map_err(|e| format!("fetching messages: {e}"))?;
            let fetched: Vec<_> = within(stream.try_collect::<Vec<_>>())
                .await
                .map_err(|e| format!("fetching messages: {e}"))?;
            fetched
                .iter()
                .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
                .collect()
        };
        messages.sort_by_key(|(uid, _)| *uid);
        messages.dedup_by_key(|(uid, _)| *uid);
        // Only what came with its body is stored and marked: a UID the server answered
        // without one stops the fetch before it, to be read again next time.
        let whole = chunk
            .iter()
            .zip(&messages)
            .take_while(|(asked, (got, _))| *asked == got)
            .count();
        let missing = chunk.get(whole).copied();
        messages.truncate(whole);
        let stored_uids = &chunk[..whole];
        let Some(&last) = stored_uids.last() else {
            if let Some(uid) = missing {
                count.held_back = Some(uid);
            }
            break;
        };
        let set = stored_uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        count.read += messages.len();
        let batch = messages
            .into_iter()
            .map(|(uid, raw)| Fetched {
                source: format!(
                    "imap://{}@{}/{};UIDVALIDITY={validity};UID={uid}",
                    imap.username, imap.host, imap.folder
                ),
                raw,
            })
            .collect();
        store(
            batch,
            Some(MailboxMark {
                uid_validity: validity,
                last_uid: last,
            }),
        )?;
        match &imap.after {
            After::Seen => {
                let s = within(session.uid_store(&set, "+FLAGS.SILENT (\\Seen)"))
                    .await
                    .map_err(|e| format!("flagging messages \\Seen: {e}"))?;
                let _ = within(s.try_collect::<Vec<_>>()).await;
            }
            After::Move(folder) => within(session.uid_mv(&set, folder))
                .await
                .map_err(|e| format!("moving messages to {folder:?}: {e}"))?,
        }
        if let Some(uid) = missing {
            count.held_back = Some(uid);
            break;
        }
    }
    let _ = within(session.logout()).await;
    Ok(count)
}

/// Reads `new/` oldest name first; each file stored goes to `cur/` flagged seen.
fn fetch_maildir(
    dir: &Path,
    limit: usize,
    store: &mut (dyn FnMut(Vec<Fetched>, Option<MailboxMark>) -> Result<(), String> + Send),
) -> Result<FetchCount, String> {
    let new = dir.join("new");
    let cur = dir.join("cur");
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&new)
        .map_err(|e| {
            format!(
                "maildir {}: {e}; check [inbound] maildir in the config (the folder holding new/, cur/ and tmp/)",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name())
        .filter(|n| !n.to_string_lossy().starts_with('.'))
        .collect();
    names.sort();
    let mut count = FetchCount::default();
    for chunk in names.chunks(CHUNK) {
        let mut batch = Vec::with_capacity(chunk.len());
        for name in chunk {
            let path = new.join(name);
            // Never more than the limit (and a byte, to know it was over) in memory.
            let mut raw = Vec::new();
            std::fs::File::open(&path)
                .and_then(|file| {
                    std::io::Read::read_to_end(
                        &mut std::io::Read::take(file, limit as u64 + 1),
                        &mut raw,
                    )
                })
                .map_err(|e| format!("{}: {e}", path.display()))?;
            batch.push(Fetched {
                source: format!("maildir:{}", path.display()),
                raw,
            });
        }
        count.read += batch.len();
        store(batch, None)?;
        for name in chunk {
            let mut to = name.clone();
            to.push(":2,S");
            std::fs::rename(new.join(name), cur.join(&to)).map_err(|e| {
                format!(
                    "moving {} to {}: {e}",
                    new.join(name).display(),
                    cur.display()
                )
            })?;
        }
    }
    Ok(count)
}
