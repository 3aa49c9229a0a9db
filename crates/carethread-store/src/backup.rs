//! Backups a clinic can restore: a consistent copy of the whole database
//! taken while it serves, sealed under a key derived from the master key,
//! and its restore into a new database.
//!
//! - SQLite: `VACUUM INTO` writes a consistent snapshot of the database
//!   (with everything committed to its WAL) into a new file, while writers
//!   carry on.
//! - PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot),
//!   restored with `pg_restore --single-transaction --exit-on-error` into an
//!   empty database, so a restore is whole or nothing.
//!
//! The file: the line `CTBACKUP1`, a byte naming the kind (`S` or `P`), then
//! chunks of up to 1 MiB, each a 4-byte big-endian length and the chunk
//! sealed with XChaCha20-Poly1305 (a random 24-byte nonce first). Each
//! chunk's associated data is the header, its index and whether it is the
//! last, so a chunk moved, dropped, altered or cut off, or a file sealed
//! under another master key, is refused as a whole. The data keys inside
//! the database stay wrapped under the master key as they were, so the
//! restored database needs the same master key.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, AeadCore, OsRng, Payload};

use crate::{MasterKey, StoreError};

const MAGIC: &[u8] = b"CTBACKUP1\n";
const CHUNK: usize = 1 << 20;
const NONCE: usize = 24;
/// What the backup key is derived for.
const PURPOSE: &str = "backup v1";

/// Which database a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    Sqlite,
    Postgres,
}

impl BackupKind {
    const fn tag(self) -> u8 {
        match self {
            BackupKind::Sqlite => b'S',
            BackupKind::Postgres => b'P',
        }
    }

    /// The kind of database `url` names.
    pub fn of_url(url: &str) -> Result<Self, BackupError> {
        if url.starts_with("sqlite:") {
            Ok(BackupKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(BackupKind::Postgres)
        } else {
            Err(BackupError::Store(StoreError::UnsupportedUrl))
        }
    }
}

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("reading or writing {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0} is not a CareThread backup")]
    NotABackup(String),
    #[error("the backup cannot be opened: it was made under another master key, or it was altered or cut short")]
    Sealed,
    #[error("a SQLite backup restores into SQLite and a PostgreSQL backup into PostgreSQL")]
    WrongKind,
    #[error("{0} already exists: restore into a new database file")]
    Exists(String),
    #[error("{tool} failed: {detail}")]
    Tool { tool: &'static str, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.display().to_string(), source }
}

/// Associated data of chunk `index` of a backup of `kind`.
fn aad(kind: u8, index: u64, last: bool) -> Vec<u8> {
    let mut aad = Vec::with_capacity(MAGIC.len() + 10);
    aad.extend_from_slice(MAGIC);
    aad.push(kind);
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

/// Reads up to one chunk (fewer bytes only at the end of the input).
fn read_chunk(input: &mut impl Read, path: &Path) -> Result<Vec<u8>, BackupError> {
    let mut chunk = Vec::with_capacity(CHUNK);
    input.take(CHUNK as u64).read_to_end(&mut chunk).map_err(io(path))?;
    Ok(chunk)
}

/// Seals the file `plain` into the backup file `sealed` (created new).
pub fn seal_file(master: &MasterKey, kind: BackupKind, plain: &Path, sealed: &Path) -> Result<u64, BackupError> {
    let cipher = master.derived_cipher(PURPOSE);
    let mut input = std::io::BufReader::new(std::fs::File::open(plain).map_err(io(plain))?);
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(sealed).map_err(io(sealed))?;
    let mut output = std::io::BufWriter::new(file);
    output.write_all(MAGIC).map_err(io(sealed))?;
    output.write_all(&[kind.tag()]).map_err(io(sealed))?;
    let mut current = read_chunk(&mut input, plain)?;
    let mut total = 0u64;
    for index in 0u64.. {
        let next = if current.len() == CHUNK { read_chunk(&mut input, plain)? } else { Vec::new() };
        let last = next.is_empty();
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let associated = aad(kind.tag(), index, last);
        let sealed_chunk =
            cipher.encrypt(&nonce, Payload { msg: &current, aad: &associated }).map_err(|_| BackupError::Sealed)?;
        let length = u32::try_from(NONCE + sealed_chunk.len()).map_err(|_| BackupError::Sealed)?;
        output.write_all(&length.to_be_bytes()).map_err(io(sealed))?;
        output.write_all(&nonce).map_err(io(sealed))?;
        output.write_all(&sealed_chunk).map_err(io(sealed))?;
        total += current.len() as u64;
        if last {
            break;
        }
        current = next;
    }
    let file = output
        .into_inner()
        .map_err(|e| BackupError::Io { path: sealed.display().to_string(), source: e.into_error() })?;
    file.sync_all().map_err(io(sealed))?;
    Ok(total)
}

/// Opens the backup file `sealed` into the file `plain` (created new); its kind.
pub fn open_file(master: &MasterKey, sealed: &Path, plain: &Path) -> Result<BackupKind, BackupError> {
    let cipher = master.derived_cipher(PURPOSE);
    let mut input = std::io::BufReader::new(std::fs::File::open(sealed).map_err(io(sealed))?);
    let mut header = vec![0u8; MAGIC.len() + 1];
    if input.read_exact(&mut header).is_err() || &header[..MAGIC.len()] != MAGIC {
        return Err(BackupError::NotABackup(sealed.display().to_string()));
    }
    let tag = header[MAGIC.len()];
    let kind = match tag {
        b'S' => BackupKind::Sqlite,
        b'P' => BackupKind::Postgres,
        _ => return Err(BackupError::NotABackup(sealed.display().to_string())),
    };
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(plain).map_err(io(plain))?;
    let mut output = std::io::BufWriter::new(file);
    let result = (|| {
        for index in 0u64.. {
            let mut length = [0u8; 4];
            input.read_exact(&mut length).map_err(|_| BackupError::Sealed)?;
            let length = u32::from_be_bytes(length) as usize;
            if !(NONCE..=NONCE + CHUNK + 16).contains(&length) {
                return Err(BackupError::Sealed);
            }
            let mut chunk = vec![0u8; length];
            input.read_exact(&mut chunk).map_err(|_| BackupError::Sealed)?;
            let (nonce, body) = chunk.split_at(NONCE);
            let nonce = chacha20poly1305::XNonce::from_slice(nonce);
            // The last chunk says so in its associated data: try it both ways.
            for last in [false, true] {
                let associated = aad(tag, index, last);
                if let Ok(plain_chunk) = cipher.decrypt(nonce, Payload { msg: body, aad: &associated }) {
                    output.write_all(&plain_chunk).map_err(io(plain))?;
                    if last {
                        let mut rest = [0u8; 1];
                        return match input.read(&mut rest) {
                            Ok(0) => Ok(()),
                            _ => Err(BackupError::Sealed),
                        };
                    }
                    break;
                } else if last {
                    return Err(BackupError::Sealed);
                }
            }
        }
        Ok(())
    })();
    let flushed =
        output.into_inner().map_err(|e| BackupError::Io { path: plain.display().to_string(), source: e.into_error() });
    if let Err(err) = result.and(flushed.and_then(|f| f.sync_all().map_err(io(plain)))) {
        let _ = std::fs::remove_file(plain);
        return Err(err);
    }
    Ok(kind)
}

/// The database file a `sqlite://` URL names.
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// A path beside `path` for work in progress, removed when done.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(format!(".{suffix}-{}", std::process::id()));
    path.with_file_name(name)
}

/// A PostgreSQL URL without its password (which would show in the process
/// list if passed on the command line), and the password.
fn without_password(url: &str) -> (String, Option<String>) {
    let Some(scheme) = url.find("://") else { return (url.to_owned(), None) };
    let rest = &url[scheme + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return (url.to_owned(), None) };
    let Some((user, password)) = rest[..at].split_once(':') else { return (url.to_owned(), None) };
    (format!("{}{user}{}", &url[..scheme + 3], &rest[at..]), Some(percent_decoded(password)))
}

/// `%XX` escapes of a URL's part turned back into the bytes they stand for.
fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The command with `PGPASSWORD` set, when the URL carried a password.
fn with_password(command: &mut Command, password: Option<String>) -> &mut Command {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
}

fn run(tool: &'static str, command: &mut Command) -> Result<(), BackupError> {
    let output = command.output().map_err(|e| BackupError::Tool { tool, detail: e.to_string() })?;
    if output.status.success() {
        return Ok(());
    }
    let detail = String::from_utf8_lossy(&output.stderr).lines().take(5).collect::<Vec<_>>().join("; ");
    Err(BackupError::Tool { tool, detail })
}

/// Backs up the database at `url` (serving or not) into the new file `to`,
/// sealed under `master`; the size of what was sealed.
pub async fn backup(url: &str, master: &MasterKey, to: &Path) -> Result<u64, BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let kind = BackupKind::of_url(url)?;
    let snapshot = beside(to, "snapshot");
    let taken = match kind {
        BackupKind::Sqlite => sqlite_snapshot(url, &snapshot).await,
        BackupKind::Postgres => {
            let (url, password) = without_password(url);
            let mut command = Command::new("pg_dump");
            command.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(&snapshot);
            command.arg("--dbname").arg(url);
            run("pg_dump", with_password(&mut command, password))
        }
    };
    let sealed = taken.and_then(|()| seal_file(master, kind, &snapshot, to));
    let _ = std::fs::remove_file(&snapshot);
    if sealed.is_err() {
        let _ = std::fs::remove_file(to);
    }
    sealed
}

async fn sqlite_snapshot(url: &str, snapshot: &Path) -> Result<(), BackupError> {
    use sqlx::ConnectOptions as _;
    use std::str::FromStr as _;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map_err(StoreError::from)?
        .busy_timeout(std::time::Duration::from_secs(30));
    let mut conn = options.connect().await.map_err(StoreError::from)?;
    let path = snapshot.to_str().ok_or_else(|| BackupError::NotABackup(snapshot.display().to_string()))?;
    sqlx::query("VACUUM INTO ?").bind(path).execute(&mut conn).await.map_err(StoreError::from)?;
    Ok(())
}

/// Restores the backup `from` into the new database at `url`: a SQLite file
/// that does not exist yet, or an empty PostgreSQL database. Nothing is left
/// behind when it fails.
pub fn restore(from: &Path, url: &str, master: &MasterKey) -> Result<BackupKind, BackupError> {
    let kind = BackupKind::of_url(url)?;
    match kind {
        BackupKind::Sqlite => {
            let target = sqlite_path(url);
            for existing in [target.clone(), beside(&target, "wal")] {
                if existing.exists() {
                    return Err(BackupError::Exists(existing.display().to_string()));
                }
            }
            let partial = beside(&target, "restoring");
            let opened = open_file(master, from, &partial);
            let placed = match opened {
                Ok(BackupKind::Sqlite) => std::fs::rename(&partial, &target).map_err(io(&target)),
                Ok(BackupKind::Postgres) => Err(BackupError::WrongKind),
                Err(err) => Err(err),
            };
            if placed.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            placed.map(|()| kind)
        }
        BackupKind::Postgres => {
            let dump = std::env::temp_dir().join(format!("carethread-restore-{}.dump", uuid::Uuid::now_v7()));
            let restored = match open_file(master, from, &dump) {
                Ok(BackupKind::Postgres) => {
                    let (url, password) = without_password(url);
                    let mut command = Command::new("pg_restore");
                    command.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]);
                    command.arg("--dbname").arg(url).arg(&dump);
                    run("pg_restore", with_password(&mut command, password))
                }
                Ok(BackupKind::Sqlite) => Err(BackupError::WrongKind),
                Err(err) => Err(err),
            };
            let _ = std::fs::remove_file(&dump);
            restored.map(|()| kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(size: usize) {
        let dir = tempfile::tempdir().expect("dir");
        let plain = dir.path().join("plain");
        let bytes: Vec<u8> = (0..size).map(|i| u8::try_from(i % 251).unwrap_or(0)).collect();
        std::fs::write(&plain, &bytes).expect("write");
        let master = MasterKey::generate();
        let sealed = dir.path().join("sealed");
        assert_eq!(seal_file(&master, BackupKind::Sqlite, &plain, &sealed).expect("seal"), size as u64);
        let back = dir.path().join("back");
        assert_eq!(open_file(&master, &sealed, &back).expect("open"), BackupKind::Sqlite);
        assert_eq!(std::fs::read(&back).expect("read"), bytes, "{size} bytes");
    }

    #[test]
    fn passwords_leave_the_url_for_the_environment() {
        assert_eq!(
            without_password("postgres://app:s3cr%40t@db:5432/ct?sslmode=require"),
            ("postgres://app@db:5432/ct?sslmode=require".to_owned(), Some("s3cr@t".to_owned()))
        );
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1/x"),
            ("postgres://postgres@127.0.0.1/x".to_owned(), None)
        );
        assert_eq!(without_password("postgres://db/x"), ("postgres://db/x".to_owned(), None));
    }

    #[test]
    fn backups_open_to_what_was_sealed_at_every_size() {
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7] {
            round_trip(size);
        }
    }

    #[test]
    fn another_key_an_altered_byte_or_a_missing_chunk_opens_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let plain = dir.path().join("plain");
        std::fs::write(&plain, vec![7u8; 2 * CHUNK + 3]).expect("write");
        let master = MasterKey::generate();
        let sealed = dir.path().join("sealed");
        seal_file(&master, BackupKind::Postgres, &plain, &sealed).expect("seal");
        let good = std::fs::read(&sealed).expect("read");
        let try_open = |bytes: &[u8], key: &MasterKey, name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let out = dir.path().join(format!("{name}.out"));
            let result = open_file(key, &path, &out);
            assert_eq!(out.exists(), result.is_ok(), "{name}: output only when it opened");
            result
        };
        assert!(matches!(try_open(&good, &MasterKey::generate(), "other-key"), Err(BackupError::Sealed)));
        let mut altered = good.clone();
        let middle = altered.len() / 2;
        altered[middle] ^= 1;
        assert!(matches!(try_open(&altered, &master, "altered"), Err(BackupError::Sealed)));
        // The first chunk's length and bytes, then straight to the last: a chunk dropped.
        let first = 4 + u32::from_be_bytes(good[11..15].try_into().expect("len")) as usize;
        let second_start = 11 + first;
        let second = 4 + u32::from_be_bytes(good[second_start..second_start + 4].try_into().expect("len")) as usize;
        let mut dropped = good[..second_start].to_vec();
        dropped.extend_from_slice(&good[second_start + second..]);
        assert!(matches!(try_open(&dropped, &master, "dropped"), Err(BackupError::Sealed)));
        assert!(matches!(try_open(&good[..good.len() - 10], &master, "cut"), Err(BackupError::Sealed)));
        let mut longer = good.clone();
        longer.extend_from_slice(b"more");
        assert!(matches!(try_open(&longer, &master, "longer"), Err(BackupError::Sealed)));
        assert!(matches!(try_open(b"hello", &master, "not"), Err(BackupError::NotABackup(_))));
        assert!(try_open(&good, &master, "good").is_ok());
    }
}
