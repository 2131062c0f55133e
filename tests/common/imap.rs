//! A real IMAP server for the tests: Dovecot (Debian's `dovecot-imapd`), its own
//! unprivileged instance, one per test binary, on a loopback address of its own
//! (127.x.y.z from the process id), with TLS from a test CA and password logins. Each
//! test logs in as a user of its own (any name, one password), so its mailbox is its own.
//! Mail reaches it by IMAP APPEND. The instance stops when the test process ends: its
//! shell waits on a pipe only this process holds.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

pub const PASSWORD: &str = "imap-s3cret";

type Session = async_imap::Session<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

pub struct Dovecot {
    /// The loopback address it listens on.
    pub ip: String,
    /// Implicit TLS.
    pub imaps: u16,
    /// STARTTLS.
    pub imap: u16,
    /// The test CA's certificate (PEM), for `[inbound] ca_file`.
    pub ca_file: PathBuf,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
    _guard: std::sync::Mutex<Child>,
}

/// The server of this test binary, started on first use; None when Dovecot is not
/// installed (and the caller decides, with `super::cannot_run`).
pub fn dovecot() -> Option<&'static Dovecot> {
    static SERVER: OnceLock<Option<Dovecot>> = OnceLock::new();
    SERVER.get_or_init(start).as_ref()
}

fn binary() -> Option<PathBuf> {
    ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn start() -> Option<Dovecot> {
    let bin = binary()?;
    // The config below is Dovecot 2.3's (Debian 12); 2.4 changed its syntax.
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        version.starts_with("2.3"),
        "the reply tests' Dovecot config is written for Dovecot 2.3 (Debian 12's dovecot-imapd); this is {version:?}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    // The mail processes run as another user when this is root: they must reach the home.
    std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let pid = std::process::id();
    let ip = format!(
        "127.{}.{}.{}",
        10 + (pid >> 16) % 200,
        (pid >> 8) & 0xff,
        1 + (pid & 0xff) % 250
    );
    let (imap, imaps) = (10143, 10993);
    // A test CA and the server's certificate for its address.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "oin-review test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec![ip.clone()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let ca_file = root.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    std::fs::write(root.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(root.join("key.pem"), key.serialize_pem()).unwrap();
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .expect("this account");
    let (internal, login, mail_user) = if me.uid.is_root() {
        let dovecot = nix::unistd::User::from_name("dovecot")
            .ok()
            .flatten()
            .expect("the dovecot user (made by dovecot-core)");
        nix::unistd::chown(&home, Some(dovecot.uid), Some(dovecot.gid)).unwrap();
        ("dovecot".to_string(), "dovenull".to_string(), dovecot)
    } else {
        (me.name.clone(), me.name.clone(), me)
    };
    let conf = format!(
        r#"base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {ip}
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
"#,
        root = root.display(),
        internal_group = if mail_user.uid.is_root() {
            "root".to_string()
        } else {
            nix::unistd::Group::from_gid(nix::unistd::getgid())
                .ok()
                .flatten()
                .map_or(internal.clone(), |g| g.name)
        },
        uid = mail_user.uid,
        gid = mail_user.gid,
    );
    let conf_path = root.join("dovecot.conf");
    std::fs::write(&conf_path, conf).unwrap();
    for d in ["run", "state"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    // Dovecot in the foreground under a shell that stops it when stdin closes: when this
    // process ends, however it ends, so does the server.
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" -F -c "$1" & d=$!; read _; kill $d; wait $d"#)
        .arg(&bin)
        .arg(&conf_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dovecot");
    let log = root.join("dovecot.log");
    super::poll_until("Dovecot to listen", || {
        std::net::TcpStream::connect((ip.as_str(), imaps)).is_ok()
    });
    Some(Dovecot {
        ip,
        imaps,
        imap,
        ca_file,
        log,
        _dir: dir,
        _guard: std::sync::Mutex::new(child),
    })
}

impl Dovecot {
    /// The `[inbound]` table for `user`'s mailbox over implicit TLS.
    pub fn inbound(&self, user: &str, extra: &str) -> String {
        format!(
            "[inbound]\nhost = \"{}\"\nport = {}\ntls = \"implicit\"\nusername = \"{user}\"\npassword_command = \"echo {PASSWORD}\"\nca_file = \"{}\"\n{extra}",
            self.ip,
            self.imaps,
            self.ca_file.display()
        )
    }

    /// Appends `message` to `user`'s `folder` over IMAP (as a mail server would deliver it).
    pub fn append(&self, user: &str, folder: &str, message: &[u8]) {
        self.with_session(user, async |s: &mut Session| {
            s.append(folder, None, None, message).await.unwrap();
        });
    }

    /// How many messages `user`'s folder holds, and how many are flagged \Seen.
    pub fn counts(&self, user: &str, folder: &str) -> (u32, u32) {
        let mut out = (0, 0);
        self.with_session(user, async |s: &mut Session| {
            let mb = s.select(folder).await.unwrap();
            let seen = s.search("SEEN").await.unwrap();
            out = (mb.exists, seen.len() as u32);
        });
        out
    }

    fn with_session(&self, user: &str, f: impl AsyncFnOnce(&mut Session)) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut roots = rustls::RootCertStore::empty();
            let pem = std::fs::read(&self.ca_file).unwrap();
            use rustls::pki_types::pem::PemObject;
            for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
                roots.add(c.unwrap()).unwrap();
            }
            let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
            let tcp = tokio::net::TcpStream::connect((self.ip.as_str(), self.imaps))
                .await
                .unwrap();
            let name = rustls::pki_types::ServerName::try_from(self.ip.clone()).unwrap();
            let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
                .connect(name, tcp)
                .await
                .unwrap();
            let mut client = async_imap::Client::new(tls);
            client.read_response().await.unwrap();
            let mut session = client
                .login(user, PASSWORD)
                .await
                .map_err(|(e, _)| e)
                .unwrap();
            f(&mut session).await;
            session.logout().await.unwrap();
        });
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Ok(mut c) = self._guard.lock() {
            if let Some(mut stdin) = c.stdin.take() {
                let _ = stdin.write_all(b"\n");
            }
            let _ = c.wait();
        }
    }
}
