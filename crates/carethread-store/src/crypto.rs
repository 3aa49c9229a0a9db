//! Envelope encryption of PHI at rest.
//!
//! A 256-bit master key (a file in the data directory, mode 0600, or
//! `CARETHREAD_MASTER_KEY`) wraps data keys; data keys encrypt subjects,
//! message bodies, internal notes, attachment names and bytes, triage
//! reasons and audit details with XChaCha20-Poly1305 (random 192-bit nonces).
//! Each row records the id of the data key that sealed it, and every sealed
//! value is bound to its table, column and row id, so a ciphertext moved to
//! another row or column no longer opens.
//!
//! The master key never touches the database; the database holds only data
//! keys wrapped under it. `carethread keys rotate` adds a new data key,
//! re-encrypts rows under it, and can re-wrap every data key under a new
//! master key.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::StoreError;

const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// The environment variable that may carry the master key (64 hex digits).
pub const MASTER_KEY_ENV: &str = "CARETHREAD_MASTER_KEY";

/// The key that wraps the data keys. Never stored in the database.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

/// Why a master key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("the master key must be 64 hexadecimal digits (256 bits)")]
    Malformed,
    #[error("the master key file {path} is readable by other users (mode {mode:o}); make it 0600")]
    TooOpen { path: String, mode: u32 },
    #[error("reading or creating the master key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl MasterKey {
    /// A fresh random key.
    #[must_use]
    pub fn generate() -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&key);
        Self(bytes)
    }

    /// Parses 64 hexadecimal digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, MasterKeyError> {
        let text = text.trim();
        if text.len() != KEY_LEN * 2 || !text.is_ascii() {
            return Err(MasterKeyError::Malformed);
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| MasterKeyError::Malformed)?;
        }
        Ok(Self(bytes))
    }

    /// The key as 64 hexadecimal digits, for writing it to its file.
    #[must_use]
    pub fn to_hex(&self) -> Zeroizing<String> {
        use std::fmt::Write as _;
        let mut out = Zeroizing::new(String::with_capacity(KEY_LEN * 2));
        for b in self.0.iter() {
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// Reads the key file at `path`, or creates it (mode 0600) with a fresh
    /// key when there is none. Refuses a file other users may read.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_private(path)?;
                Self::from_hex(&text)
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private(path, key.to_hex().as_bytes()).map_err(io)?;
                Ok(key)
            }
            Err(err) => Err(io(err)),
        }
    }

    /// Writes the key to a new file (mode 0600); fails if the file exists.
    pub fn write_new(&self, path: &Path) -> Result<(), MasterKeyError> {
        write_private(path, self.to_hex().as_bytes())
            .map_err(|source| MasterKeyError::Io { path: path.display().to_string(), source })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// A cipher under a key derived from the master key for one `purpose`
    /// (SHA-256 over a label, the purpose and the key), so what it seals
    /// (a backup) can never be mistaken for a wrapped data key.
    pub(crate) fn derived_cipher(&self, purpose: &str) -> XChaCha20Poly1305 {
        use sha2::{Digest as _, Sha256};
        let mut hash = Sha256::new();
        hash.update(b"carethread derived key\0");
        hash.update(purpose.as_bytes());
        hash.update(b"\0");
        hash.update(self.0.as_ref());
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&hash.finalize());
        XChaCha20Poly1305::new(key.as_ref().into())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), MasterKeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta =
        std::fs::metadata(path).map_err(|source| MasterKeyError::Io { path: path.display().to_string(), source })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(MasterKeyError::TooOpen { path: path.display().to_string(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), MasterKeyError> {
    Ok(())
}

/// A data key, unwrapped, with its id.
struct DataKey {
    cipher: XChaCha20Poly1305,
}

/// The master key and the data keys it unwrapped, shared by a store's
/// connections. New data keys appear when `keys rotate` runs (in this
/// process or another); unknown key ids are looked up on demand.
#[derive(Clone)]
pub struct Keyring {
    master: MasterKey,
    inner: Arc<RwLock<KeyringInner>>,
}

struct KeyringInner {
    keys: HashMap<i64, DataKey>,
    active: i64,
    /// Rows written before encryption may exist: a missing key id means plaintext.
    legacy_plaintext: bool,
}

/// Where a sealed value lives: table, column and row id. Bound into the
/// ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a str,
}

impl Slot<'_> {
    fn aad(&self) -> Vec<u8> {
        format!("carethread/{}/{}/{}", self.table, self.column, self.row).into_bytes()
    }
}

/// A data key wrapped under the master key, as stored.
#[derive(Debug, Clone)]
pub struct WrappedKey {
    pub id: i64,
    pub wrapped: String,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} could not be decrypted"))
}

impl Keyring {
    /// A keyring with no data keys yet; the store loads or creates them.
    #[must_use]
    pub fn new(master: MasterKey) -> Self {
        Self {
            master,
            inner: Arc::new(RwLock::new(KeyringInner { keys: HashMap::new(), active: 0, legacy_plaintext: false })),
        }
    }

    /// Whether a row without a key id is read as plaintext (a database that
    /// predates encryption) or refused (a database encrypted from the start,
    /// where such a row can only have been planted).
    pub fn set_legacy_plaintext(&self, allowed: bool) {
        if let Ok(mut inner) = self.inner.write() {
            inner.legacy_plaintext = allowed;
        }
    }

    fn plaintext_allowed(&self) -> bool {
        self.inner.read().is_ok_and(|i| i.legacy_plaintext)
    }

    /// A new random data key wrapped under the master key.
    #[must_use]
    pub fn new_wrapped_key(&self, id: i64) -> WrappedKey {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        WrappedKey { id, wrapped: wrap(&self.master, id, &key) }
    }

    /// Unwraps `key` and adds it; `active` makes it the key new values are sealed with.
    pub fn add(&self, key: &WrappedKey, active: bool) -> Result<(), StoreError> {
        let bytes = unwrap(&self.master, key.id, &key.wrapped).ok_or(StoreError::WrongMasterKey)?;
        let cipher = XChaCha20Poly1305::new(bytes.as_slice().into());
        let mut inner = self.inner.write().map_err(|_| StoreError::Corrupt("keyring".into()))?;
        inner.keys.insert(key.id, DataKey { cipher });
        if active {
            inner.active = key.id;
        }
        Ok(())
    }

    /// `key` wrapped under `master` instead of this keyring's master.
    pub fn rewrap(&self, key: &WrappedKey, master: &MasterKey) -> Result<WrappedKey, StoreError> {
        let bytes = unwrap(&self.master, key.id, &key.wrapped).ok_or(StoreError::WrongMasterKey)?;
        Ok(WrappedKey { id: key.id, wrapped: wrap(master, key.id, &bytes) })
    }

    /// The id of the key new values are sealed with.
    #[must_use]
    pub fn active(&self) -> i64 {
        self.inner.read().map_or(0, |i| i.active)
    }

    /// Whether a key id is loaded.
    #[must_use]
    pub fn has(&self, id: i64) -> bool {
        self.inner.read().is_ok_and(|i| i.keys.contains_key(&id))
    }

    pub fn seal_bytes_with(&self, key_id: i64, slot: Slot<'_>, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let inner = self.inner.read().map_err(|_| StoreError::Corrupt("keyring".into()))?;
        let key = inner.keys.get(&key_id).ok_or(StoreError::Corrupt("no active data key".into()))?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = key
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: &slot.aad() })
            .map_err(|_| StoreError::Corrupt("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Seals bytes under the active key: `(key id, nonce ‖ ciphertext)`.
    pub fn seal(&self, slot: Slot<'_>, plaintext: &[u8]) -> Result<(i64, Vec<u8>), StoreError> {
        let key_id = self.active();
        Ok((key_id, self.seal_bytes_with(key_id, slot, plaintext)?))
    }

    /// Seals text under the active key, as base64 text for a text column;
    /// also gives the key's id, stored beside it.
    pub fn seal_text(&self, slot: Slot<'_>, plaintext: &str) -> Result<(i64, String), StoreError> {
        let key_id = self.active();
        Ok((key_id, self.seal_text_with(key_id, slot, plaintext)?))
    }

    /// Seals text under key `key_id`, as base64 text for a text column.
    pub fn seal_text_with(&self, key_id: i64, slot: Slot<'_>, plaintext: &str) -> Result<String, StoreError> {
        Ok(B64.encode(self.seal_bytes_with(key_id, slot, plaintext.as_bytes())?))
    }

    /// Opens bytes sealed by [`Keyring::seal`]. A `None` key id means the
    /// row predates encryption and holds plaintext.
    pub fn open(&self, key_id: Option<i64>, slot: Slot<'_>, sealed: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let Some(key_id) = key_id else {
            return if self.plaintext_allowed() { Ok(sealed) } else { Err(corrupt(slot.column)) };
        };
        if sealed.len() < NONCE_LEN {
            return Err(corrupt(slot.column));
        }
        let inner = self.inner.read().map_err(|_| StoreError::Corrupt("keyring".into()))?;
        let key = inner.keys.get(&key_id).ok_or(StoreError::UnknownKey(key_id))?;
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        key.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: &slot.aad() })
            .map_err(|_| corrupt(slot.column))
    }

    /// Opens text sealed by [`Keyring::seal_text_with`].
    pub fn open_text(&self, key_id: Option<i64>, slot: Slot<'_>, stored: String) -> Result<String, StoreError> {
        if key_id.is_none() {
            return if self.plaintext_allowed() { Ok(stored) } else { Err(corrupt(slot.column)) };
        }
        let bytes = B64.decode(stored.as_bytes()).map_err(|_| corrupt(slot.column))?;
        String::from_utf8(self.open(key_id, slot, bytes)?).map_err(|_| corrupt(slot.column))
    }
}

fn wrap(master: &MasterKey, id: i64, key: &[u8]) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let aad = format!("carethread/data_key/{id}");
    // Encrypting 32 bytes in memory cannot fail.
    let sealed = master.cipher().encrypt(&nonce, Payload { msg: key, aad: aad.as_bytes() }).unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    B64.encode(out)
}

fn unwrap(master: &MasterKey, id: i64, wrapped: &str) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = B64.decode(wrapped.as_bytes()).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, body) = bytes.split_at(NONCE_LEN);
    let aad = format!("carethread/data_key/{id}");
    let key = master.cipher().decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: aad.as_bytes() }).ok()?;
    (key.len() == KEY_LEN).then(|| Zeroizing::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        let ring = Keyring::new(MasterKey::generate());
        let key = ring.new_wrapped_key(1);
        ring.add(&key, true).expect("add");
        ring
    }

    const SLOT: Slot<'static> = Slot { table: "messages", column: "body", row: "m1" };

    #[test]
    fn text_round_trips_and_hides_the_plaintext() {
        let ring = ring();
        let sealed = ring.seal_text_with(1, SLOT, "my chest hurts").expect("seal");
        assert!(!sealed.contains("chest"));
        assert_eq!(ring.open_text(Some(1), SLOT, sealed).expect("open"), "my chest hurts");
    }

    #[test]
    fn a_value_moved_to_another_row_does_not_open() {
        let ring = ring();
        let sealed = ring.seal_text_with(1, SLOT, "secret").expect("seal");
        let other = Slot { row: "m2", ..SLOT };
        assert!(ring.open_text(Some(1), other, sealed).is_err());
    }

    #[test]
    fn plaintext_without_a_key_id_is_refused_unless_the_database_predates_encryption() {
        let ring = ring();
        assert!(ring.open_text(None, SLOT, "planted".into()).is_err());
        ring.set_legacy_plaintext(true);
        assert_eq!(ring.open_text(None, SLOT, "old row".into()).expect("legacy"), "old row");
    }

    #[test]
    fn a_wrong_master_key_cannot_unwrap() {
        let ring = ring();
        let key = ring.new_wrapped_key(2);
        let stranger = Keyring::new(MasterKey::generate());
        assert!(matches!(stranger.add(&key, true), Err(StoreError::WrongMasterKey)));
    }

    #[test]
    fn rewrapped_keys_open_under_the_new_master() {
        let ring = ring();
        let key = ring.new_wrapped_key(2);
        ring.add(&key, true).expect("add");
        let sealed = ring.seal(SLOT, b"bytes").expect("seal");
        let next = MasterKey::generate();
        let rewrapped = ring.rewrap(&key, &next).expect("rewrap");
        let fresh = Keyring::new(next);
        fresh.add(&rewrapped, true).expect("add");
        assert_eq!(fresh.open(Some(sealed.0), SLOT, sealed.1).expect("open"), b"bytes");
    }

    #[test]
    fn master_keys_parse_from_hex_only() {
        let key = MasterKey::generate();
        assert!(MasterKey::from_hex(&key.to_hex()).is_ok());
        assert!(MasterKey::from_hex("abc").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_created_private_and_refused_when_open() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        let first = MasterKey::load_or_create(&path).expect("create");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = MasterKey::load_or_create(&path).expect("load");
        assert_eq!(*first.to_hex(), *again.to_hex());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(MasterKey::load_or_create(&path), Err(MasterKeyError::TooOpen { .. })));
    }
}
