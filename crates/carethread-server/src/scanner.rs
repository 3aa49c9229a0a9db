//! Virus scanning of uploads with `ClamAV`'s daemon (`clamd`), over its socket
//! with the `INSTREAM` command: `zINSTREAM\0`, then the file in chunks each
//! led by its length (4 bytes, big-endian), then a zero length; `clamd`
//! answers `stream: OK` or `stream: <signature> FOUND`, ended by a NUL.
//!
//! Scanning is on when the clinic names a `clamd` address (`[scanner] clamd`
//! in the configuration). A configured scanner that does not answer makes
//! uploads fail closed: nothing is stored unscanned.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How much of a file goes in one `INSTREAM` chunk.
const CHUNK: usize = 64 * 1024;
/// The longest answer read from `clamd` (a signature name is short).
const MAX_REPLY: usize = 4096;

/// Where `clamd` listens: `tcp:HOST:PORT` or `unix:/PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    Tcp(String),
    Unix(PathBuf),
}

impl FromStr for ClamdAddress {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if let Some(addr) = raw.strip_prefix("tcp:") {
            let addr = addr.trim_start_matches("//");
            let (host, port) = addr.rsplit_once(':').ok_or("a TCP address needs a port: tcp:127.0.0.1:3310")?;
            if host.is_empty() || port.parse::<u16>().is_err() {
                return Err("a TCP address looks like tcp:127.0.0.1:3310".to_owned());
            }
            return Ok(Self::Tcp(addr.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("unix:") {
            let path = path.trim_start_matches("//");
            if !path.starts_with('/') {
                return Err("a socket path must be absolute: unix:/run/clamav/clamd.ctl".to_owned());
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        Err("the clamd address must start with tcp: or unix: (tcp:127.0.0.1:3310, unix:/run/clamav/clamd.ctl)".into())
    }
}

impl fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(addr) => write!(f, "tcp:{addr}"),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// What `clamd` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// Malware, named by the signature that matched (never file content).
    Infected(String),
}

/// Why a file could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The daemon could not be reached or the connection broke.
    #[error("clamd could not be reached: {0}")]
    Unreachable(#[from] std::io::Error),
    /// The daemon did not answer in time.
    #[error("clamd did not answer in time")]
    Timeout,
    /// The file is larger than the daemon's `StreamMaxLength`.
    #[error("the file is larger than clamd accepts (StreamMaxLength)")]
    TooLarge,
    /// The daemon answered something other than a verdict.
    #[error("clamd answered an error: {0}")]
    Refused(String),
}

/// A connection to `clamd` for each scan.
#[derive(Debug, Clone)]
pub struct Scanner {
    address: ClamdAddress,
    timeout: Duration,
}

impl Scanner {
    /// A scanner at `address`; a scan (connect, send, verdict) that takes
    /// longer than `timeout` fails closed.
    #[must_use]
    pub fn new(address: ClamdAddress, timeout: Duration) -> Self {
        Self { address, timeout }
    }

    #[must_use]
    pub fn address(&self) -> &ClamdAddress {
        &self.address
    }

    /// Scans `bytes` with `INSTREAM`.
    pub async fn scan(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        parse_verdict(&self.exchange(Some(bytes)).await?)
    }

    /// Whether the daemon answers `PING` with `PONG`.
    pub async fn ping(&self) -> Result<(), ScanError> {
        let reply = self.exchange(None).await?;
        if reply == "PONG" { Ok(()) } else { Err(ScanError::Refused(reply)) }
    }

    /// Connects, sends `INSTREAM` with `file` (or `PING` without one), and
    /// reads the NUL-terminated answer, all within the timeout.
    async fn exchange(&self, file: Option<&[u8]>) -> Result<String, ScanError> {
        let work = async {
            let mut stream: Box<dyn Duplex> = match &self.address {
                ClamdAddress::Tcp(addr) => Box::new(tokio::net::TcpStream::connect(addr.as_str()).await?),
                #[cfg(unix)]
                ClamdAddress::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
                #[cfg(not(unix))]
                ClamdAddress::Unix(_) => {
                    return Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "unix sockets").into());
                }
            };
            if let Some(bytes) = file {
                instream(stream.as_mut(), bytes).await?;
            } else {
                stream.write_all(b"zPING\0").await?;
                stream.flush().await?;
            }
            read_reply(stream.as_mut()).await
        };
        tokio::time::timeout(self.timeout, work).await.map_err(|_| ScanError::Timeout)?
    }
}

/// Whether uploads are scanned: `off` (no scanner configured), `on` (it
/// answers), or `unreachable` (configured but not answering: uploads are
/// refused until it answers).
pub async fn scanning_status(scanner: Option<&Scanner>) -> &'static str {
    let Some(scanner) = scanner else { return "off" };
    match tokio::time::timeout(Duration::from_secs(2), scanner.ping()).await {
        Ok(Ok(())) => "on",
        _ => "unreachable",
    }
}

/// A socket to the daemon, TCP or Unix.
trait Duplex: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Duplex for T {}

/// Sends `bytes` as one `INSTREAM` command.
async fn instream(stream: &mut dyn Duplex, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(b"zINSTREAM\0").await?;
    for chunk in bytes.chunks(CHUNK) {
        let length = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
        stream.write_all(&length.to_be_bytes()).await?;
        stream.write_all(chunk).await?;
    }
    stream.write_all(&0u32.to_be_bytes()).await?;
    stream.flush().await
}

/// Reads an answer up to its terminating NUL (or the end of the stream).
async fn read_reply(stream: &mut dyn Duplex) -> Result<String, ScanError> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if let Some(end) = reply.iter().position(|b| *b == 0) {
            reply.truncate(end);
            break;
        }
        if reply.len() > MAX_REPLY {
            return Err(ScanError::Refused("an answer longer than expected".to_owned()));
        }
    }
    Ok(String::from_utf8_lossy(&reply).trim().to_owned())
}

/// Reads `clamd`'s answer to `INSTREAM`.
fn parse_verdict(reply: &str) -> Result<Verdict, ScanError> {
    let answer = reply.strip_prefix("stream:").map_or(reply, str::trim);
    if answer == "OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(signature) = answer.strip_suffix(" FOUND") {
        return Ok(Verdict::Infected(signature.trim().to_owned()));
    }
    if answer.contains("size limit exceeded") {
        return Err(ScanError::TooLarge);
    }
    Err(ScanError::Refused(reply.chars().take(200).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_tcp_or_unix_sockets() {
        assert_eq!("tcp:127.0.0.1:3310".parse(), Ok(ClamdAddress::Tcp("127.0.0.1:3310".into())));
        assert_eq!("unix:/run/clamav/clamd.ctl".parse(), Ok(ClamdAddress::Unix("/run/clamav/clamd.ctl".into())));
        assert!("127.0.0.1:3310".parse::<ClamdAddress>().is_err(), "no scheme");
        assert!("tcp:127.0.0.1".parse::<ClamdAddress>().is_err(), "no port");
        assert!("unix:clamd.ctl".parse::<ClamdAddress>().is_err(), "relative path");
        assert_eq!(ClamdAddress::Tcp("h:1".into()).to_string(), "tcp:h:1");
    }

    #[test]
    fn verdicts_are_read_from_clamd_answers() {
        assert_eq!(parse_verdict("stream: OK").ok(), Some(Verdict::Clean));
        assert_eq!(
            parse_verdict("stream: Eicar-Test-Signature FOUND").ok(),
            Some(Verdict::Infected("Eicar-Test-Signature".into()))
        );
        assert!(matches!(parse_verdict("INSTREAM size limit exceeded. ERROR"), Err(ScanError::TooLarge)));
        assert!(matches!(parse_verdict("stream: Can't allocate memory ERROR"), Err(ScanError::Refused(_))));
    }

    /// A one-shot fake daemon that records what it was sent and answers `reply`.
    async fn fake_clamd(reply: &'static [u8]) -> (ClamdAddress, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut got = Vec::new();
            let mut buf = vec![0u8; 70_000];
            // Read until the zero-length chunk ends the stream.
            while !got.ends_with(&[0, 0, 0, 0]) {
                let n = socket.read(&mut buf).await.expect("read");
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            socket.write_all(reply).await.expect("write");
            got
        });
        (ClamdAddress::Tcp(addr), task)
    }

    #[tokio::test]
    async fn a_file_is_sent_in_length_prefixed_chunks_and_the_verdict_read() {
        let (address, sent) = fake_clamd(b"stream: Eicar-Test-Signature FOUND\0").await;
        let scanner = Scanner::new(address, Duration::from_secs(5));
        let file = vec![7u8; CHUNK + 10];
        let verdict = scanner.scan(&file).await.expect("scanned");
        assert_eq!(verdict, Verdict::Infected("Eicar-Test-Signature".into()));
        let sent = sent.await.expect("daemon");
        let mut expected = b"zINSTREAM\0".to_vec();
        expected.extend_from_slice(&u32::try_from(CHUNK).expect("fits").to_be_bytes());
        expected.extend_from_slice(&file[..CHUNK]);
        expected.extend_from_slice(&10u32.to_be_bytes());
        expected.extend_from_slice(&file[CHUNK..]);
        expected.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(sent, expected);
    }

    #[tokio::test]
    async fn a_daemon_that_is_not_there_is_an_error_not_a_clean_verdict() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        drop(listener);
        let scanner = Scanner::new(ClamdAddress::Tcp(addr), Duration::from_secs(5));
        assert!(matches!(scanner.scan(b"%PDF-1.4").await, Err(ScanError::Unreachable(_))));
    }
}
