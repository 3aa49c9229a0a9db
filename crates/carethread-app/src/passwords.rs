//! Passwords and session tokens. Passwords are hashed with argon2id; session
//! tokens are 256 random bits, handed to the client once and stored only as
//! their SHA-256 hash. Sign-ins and new accounts hash on a small pool of
//! threads of their own ([`pool`]), each reusing one argon2 memory area.

mod pool;

use std::sync::{LazyLock, OnceLock};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use pool::HashingPool;

/// The process's password-hashing threads, shared by every server in it.
static POOL: LazyLock<HashingPool> = LazyLock::new(HashingPool::for_this_machine);

/// Hashing a password failed (only on resource exhaustion or invalid parameters).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordHashError(String);

/// Hashes a password for storage (argon2id, default parameters).
pub fn hash_password(password: &SecretString) -> Result<String, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordHashError(e.to_string()))
}

/// A hash of a random password, verified against when the username is
/// unknown so that unknown users and wrong passwords take the same time.
/// Made on a hashing thread the first time it is needed (or at [`warm_up`]).
static DUMMY_HASH: OnceLock<String> = OnceLock::new();

fn dummy_hash(memory: &mut Memory) -> &'static str {
    DUMMY_HASH.get_or_init(|| {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        hash_with(memory, &SecretString::from(hex(&bytes))).unwrap_or_default()
    })
}

/// Checks `password` against `stored` (or against a dummy hash when there is
/// no user), always doing the same argon2 work.
#[must_use]
pub fn verify_password(password: &SecretString, stored: Option<&str>) -> bool {
    verify_with(&mut Memory::default(), password, stored)
}

/// [`verify_password`] in `memory`.
fn verify_with(memory: &mut Memory, password: &SecretString, stored: Option<&str>) -> bool {
    let hash_text = match stored {
        Some(stored) => stored,
        None => dummy_hash(memory),
    };
    let ok = check(memory, password.expose_secret().as_bytes(), hash_text).is_some_and(|matched| matched);
    ok && stored.is_some()
}

/// Whether `password` hashes to the stored argon2 hash `hash_text`, computed
/// in `memory`; `None` when the stored text is not an argon2 hash.
fn check(memory: &mut Memory, password: &[u8], hash_text: &str) -> Option<bool> {
    let hash = PasswordHash::new(hash_text).ok()?;
    let algorithm = Algorithm::try_from(hash.algorithm).ok()?;
    let version = hash.version.map_or(Ok(Version::default()), Version::try_from).ok()?;
    let params = Params::try_from(&hash).ok()?;
    let (salt, expected) = (hash.salt?, hash.hash?);
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes).ok()?;
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = out.get_mut(..expected.len())?;
    let blocks = memory.blocks(params.block_count());
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(password, salt, out, blocks).ok()?;
    // `Output` compares in constant time.
    Some(Output::new(out).ok()? == expected)
}

/// A new argon2id hash (default parameters) of `password`, computed in `memory`.
fn hash_with(memory: &mut Memory, password: &SecretString) -> Result<String, PasswordHashError> {
    let fail = |e: &dyn std::fmt::Display| PasswordHashError(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let blocks = memory.blocks(params.block_count());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.expose_secret().as_bytes(), salt_raw, &mut out, blocks)
        .map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(hash.to_string())
}

/// An argon2 memory area, kept by a hashing thread from one hash to the next
/// so that memory is taken once per thread, not once per sign-in.
///
/// The area is reserved at least [`RESERVED_BYTES`] large (only the 19 MiB a
/// hash touches become resident). glibc serves a request that large with a
/// mapping of its own and unmaps it when it is freed, so dropping the area
/// gives the memory back to the system. A 19 MiB request, after the first
/// one is freed, comes from the thread's malloc arena instead, which keeps
/// it: that is how sign-ins on the runtime's blocking threads left the
/// server holding a gigabyte.
#[derive(Default)]
pub(crate) struct Memory(Vec<Block>);

/// Above glibc's largest dynamic mmap threshold (32 MiB on 64-bit systems).
const RESERVED_BYTES: usize = 33 << 20;

impl Memory {
    /// The first `count` blocks, growing the area if it is smaller.
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            if self.0.capacity() == 0 {
                self.0.reserve_exact(count.max(RESERVED_BYTES / Block::SIZE));
            }
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }

    /// Gives back an area that a hash with unusually costly parameters (one
    /// stored before a change of defaults) grew beyond the default's size.
    fn release_excess(&mut self) {
        if self.0.len() > Params::default().block_count() {
            *self = Memory::default();
        }
    }
}

/// Queues the dummy hash on a hashing thread so the first sign-in of an
/// unknown username is not slower than the rest.
pub fn warm_up() {
    POOL.submit(|memory| {
        dummy_hash(memory);
    });
}

/// A fresh session token (64 hex characters).
#[must_use]
pub fn new_token() -> SecretString {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    SecretString::from(hex(&bytes))
}

/// The stored form of a token.
#[must_use]
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Lowercase hexadecimal.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Hashes on a hashing thread (argon2 takes tens of milliseconds and 19 MiB);
/// [`crate::AppError::Unavailable`] when too many are waiting.
pub(crate) async fn hash_in_background(password: SecretString) -> crate::AppResult<String> {
    POOL.run(move |memory| hash_with(memory, &password)).answer().await?.map_err(crate::AppError::internal)
}

/// Checks a password on a hashing thread, as [`verify_password`] does;
/// [`crate::AppError::Unavailable`] when too many are waiting.
pub(crate) async fn verify_in_background(password: SecretString, stored: Option<String>) -> crate::AppResult<bool> {
    POOL.run(move |memory| verify_with(memory, &password, stored.as_deref())).answer().await
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier;

    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let pw = SecretString::from("correct horse battery staple");
        let hash = hash_password(&pw).expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&pw, Some(&hash)));
        assert!(!verify_password(&SecretString::from("wrong"), Some(&hash)));
        assert!(!verify_password(&pw, None));
    }

    #[test]
    fn hashes_made_in_reused_memory_verify_like_the_library_s_own() {
        let pw = SecretString::from("correct horse battery staple");
        let mut memory = Memory::default();
        let ours = hash_with(&mut memory, &pw).expect("hash");
        let theirs = hash_password(&pw).expect("hash");
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        // Each checked by the other's code, and ours twice in the same memory.
        let parsed = PasswordHash::new(&ours).expect("PHC string");
        assert!(Argon2::default().verify_password(b"correct horse battery staple", &parsed).is_ok());
        assert!(verify_with(&mut memory, &pw, Some(&theirs)));
        assert!(verify_with(&mut memory, &pw, Some(&ours)));
        assert!(!verify_with(&mut memory, &SecretString::from("wrong"), Some(&ours)));
        assert!(!verify_with(&mut memory, &pw, None), "no user: the dummy hash never matches");
        assert!(!verify_with(&mut memory, &pw, Some("not a hash")));
    }

    #[test]
    fn a_costlier_stored_hash_verifies_and_its_extra_memory_is_given_back() {
        let pw = SecretString::from("an older, costlier hash");
        let costly =
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(32 * 1024, 2, 1, None).expect("params"));
        let salt = SaltString::generate(&mut OsRng);
        let stored = costly.hash_password(b"an older, costlier hash", &salt).expect("hash");
        let mut memory = Memory::default();
        assert!(verify_with(&mut memory, &pw, Some(&stored.to_string())));
        memory.release_excess();
        assert_eq!(memory.0.capacity(), 0, "the larger area is given back");
        assert!(verify_with(&mut memory, &pw, Some(&stored.to_string())), "and taken again when needed");
    }

    #[tokio::test]
    async fn checks_and_hashes_run_on_the_hashing_threads() {
        let pw = SecretString::from("correct horse battery staple");
        let hash = hash_in_background(pw.clone()).await.expect("hash");
        assert!(verify_in_background(pw, Some(hash.clone())).await.expect("check"));
        assert!(!verify_in_background(SecretString::from("wrong"), Some(hash)).await.expect("check"));
        let unknown = verify_in_background(SecretString::from("anything"), None).await.expect("check");
        assert!(!unknown);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 64);
        assert_ne!(token_hash(a.expose_secret()), a.expose_secret());
    }
}
