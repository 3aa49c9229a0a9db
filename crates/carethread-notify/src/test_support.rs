//! A real SMTP server for tests: Python's `aiosmtpd`, run by the Python named
//! in `CARETHREAD_TEST_SMTP` (`.ci/run` makes `/opt/carethread-smtp`). Each
//! message it accepts is saved as it arrived (raw RFC 5322 text) together
//! with the subject, body and headers decoded by Python's own `email`
//! package, so a test checks what a mail program would show.
//!
//! ```no_run
//! # fn f() -> std::io::Result<()> {
//! use carethread_notify::test_support::SmtpSink;
//! let sink = SmtpSink::start()?; // killed when dropped
//! let smtp_url = sink.url();     // "smtp://127.0.0.1:PORT"
//! // … send through it …
//! let mail = sink.wait_for(1, std::time::Duration::from_secs(5));
//! assert!(mail[0].body.contains("sign in"));
//! # Ok(()) }
//! ```
//!
//! Mark tests that start one `#[carethread_test_services::needs(smtp)]`.

use std::io::{self, Read as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The variable naming a Python that has `aiosmtpd`.
pub const PYTHON_VARIABLE: &str = "CARETHREAD_TEST_SMTP";

/// The handler `aiosmtpd` loads: saves each message as `NNNNNN.json`,
/// written whole and renamed, so a reader never sees half a message.
const HANDLER: &str = r#"
import email, email.policy, itertools, json, os

class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink takes one argument: the directory to save messages in")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "raw": raw.decode("utf-8", "replace"),
            "subject": str(message.get("subject", "")),
            "body": body.get_content() if body is not None else "",
            "headers": [[name, str(value)] for name, value in message.items()],
        }
        path = os.path.join(self.directory, "%06d.json" % next(self.numbers))
        with open(path + ".part", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".part", path)
        return "250 OK"
"#;

/// One message the server accepted.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`).
    pub rcpt_tos: Vec<String>,
    /// The message as it arrived, headers and encoded body.
    pub raw: String,
    /// The subject, decoded (RFC 2047).
    pub subject: String,
    /// The plain-text body, decoded (quoted-printable, base64, charset).
    pub body: String,
    /// Every header, in order, decoded.
    pub headers: Vec<(String, String)>,
}

impl ReceivedMail {
    /// The first header called `name` (any case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A running `aiosmtpd` on `127.0.0.1`, killed when dropped.
pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the server with the Python in `CARETHREAD_TEST_SMTP`.
    pub fn start() -> io::Result<Self> {
        let python = std::env::var_os(PYTHON_VARIABLE)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| io::Error::other(format!("set {PYTHON_VARIABLE} to a Python that has aiosmtpd")))?;
        Self::start_with(Path::new(&python))
    }

    /// Starts the server with `python`, and waits (up to 20 s) until it
    /// greets a connection.
    pub fn start_with(python: &Path) -> io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail)?;
        std::fs::write(dir.path().join("carethread_sink.py"), HANDLER)?;
        let log = std::fs::File::create(dir.path().join("aiosmtpd.log"))?;
        let port = free_port()?;
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "carethread_sink.Sink"])
            .arg(&mail)
            .env("PYTHONPATH", dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut sink = Self { child, port, dir };
        sink.wait_until_ready(Duration::from_secs(20))?;
        Ok(sink)
    }

    fn wait_until_ready(&mut self, limit: Duration) -> io::Result<()> {
        let started = Instant::now();
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!("aiosmtpd exited ({status}): {}", self.log())));
            }
            if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
                stream.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut greeting = [0_u8; 3];
                if stream.read_exact(&mut greeting).is_ok() && &greeting == b"220" {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(io::Error::other(format!("aiosmtpd did not answer within {limit:?}: {}", self.log())))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("aiosmtpd.log")).unwrap_or_default()
    }

    /// The port it listens on, on `127.0.0.1`.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT`, for `notifications.smtp_url`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far, oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
        paths.sort();
        paths
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect()
    }

    /// The messages once at least `count` have arrived, or whatever has
    /// arrived when `limit` runs out.
    #[must_use]
    pub fn wait_for(&self, count: usize, limit: Duration) -> Vec<ReceivedMail> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count || started.elapsed() >= limit {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Already gone is fine: nothing else to clean up.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now (the OS's pick; released before use).
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// A port on `127.0.0.1` with nothing listening, for testing refusals.
pub fn closed_port() -> io::Result<u16> {
    free_port()
}
