//! Passwords and session tokens. Passwords are hashed with argon2id; session
//! tokens are 256 random bits, handed to the client once and stored only as
//! their SHA-256 hash.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

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
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hash_password(&SecretString::from(hex(&bytes))).unwrap_or_default()
});

/// Checks `password` against `stored` (or against a dummy hash when there is
/// no user), always doing the same argon2 work.
#[must_use]
pub fn verify_password(password: &SecretString, stored: Option<&str>) -> bool {
    let hash_text = stored.unwrap_or(DUMMY_HASH.as_str());
    let Ok(hash) = PasswordHash::new(hash_text) else {
        return false;
    };
    let ok = Argon2::default().verify_password(password.expose_secret().as_bytes(), &hash).is_ok();
    ok && stored.is_some()
}

/// Warms the dummy hash so the first sign-in is not slower than the rest.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
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

/// Hashes off the async threads (argon2 takes tens of milliseconds).
pub(crate) async fn hash_in_background(password: SecretString) -> crate::AppResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(crate::AppError::internal)?
        .map_err(crate::AppError::internal)
}

#[cfg(test)]
mod tests {
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
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 64);
        assert_ne!(token_hash(a.expose_secret()), a.expose_secret());
    }
}
