//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps, computed by the `totp-rs` crate) and recovery codes, for two-step
//! sign-in. A code is accepted once: `matching_step` returns the step it
//! matched, and the store refuses a step it has already accepted.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Steps either side of now that are still accepted (clock drift).
pub const DRIFT_STEPS: i64 = 1;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A fresh 160-bit secret (the size RFC 4226 recommends).
#[must_use]
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    OsRng.fill_bytes(&mut secret);
    secret
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
#[must_use]
pub fn base32(bytes: &[u8]) -> String {
    Secret::from(bytes.to_vec()).to_base32()
}

/// Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored); `None` if malformed.
#[must_use]
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let normal: String =
        text.chars().filter(|c| *c != '=' && !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    Secret::try_from_base32(normal).ok().map(|secret| secret.as_bytes().to_vec())
}

/// The `otpauth://` URI an authenticator app scans (shown as a QR code by the web portal).
#[must_use]
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        issuer = enc(issuer),
        account = enc(account),
        secret = base32(secret),
    )
}

/// The RFC 6238 generator for `secret`: SHA-1, 6 digits, 30-second steps, one
/// step of drift either side. `None` for a secret shorter than RFC 4226 allows
/// (128 bits); every secret this server issues is 160 bits.
fn generator(secret: &[u8]) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(STEP_SECONDS.unsigned_abs())
        .with_skew(DRIFT_STEPS.unsigned_abs().try_into().ok()?)
        .with_secret(secret.to_vec())
        .build()
        .ok()
}

/// The 6-digit code for time step `step` (`u32::MAX`, which no code equals,
/// for a secret too short to use or a step before 1970).
#[must_use]
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let (Some(totp), Ok(step)) = (generator(secret), u64::try_from(step)) else { return u32::MAX };
    totp.generate(step * STEP_SECONDS.unsigned_abs()).to_string().parse().unwrap_or(u32::MAX)
}

/// The time step a Unix time falls in.
#[must_use]
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step within the drift window whose code is `code`, if any (spaces in
/// the code are ignored; anything but six digits matches nothing).
#[must_use]
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    let step = generator(secret)?.check(&code, u64::try_from(unix_seconds).ok()?)?;
    i64::try_from(step).ok()
}

/// Fresh recovery codes, shown once: 16 base32 characters in groups of four (80 bits).
#[must_use]
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            OsRng.fill_bytes(&mut bytes);
            let text = base32(&bytes).to_ascii_lowercase();
            text.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// The stored form of a recovery code (case, spaces and dashes ignored).
#[must_use]
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    format!("{:x}", Sha256::digest(normal.as_bytes()))
}

/// Whether `text` looks like a recovery code rather than a TOTP code.
#[must_use]
pub fn is_recovery_code(text: &str) -> bool {
    text.chars().filter(char::is_ascii_alphanumeric).count() == 16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 key "12345678901234567890" (8-digit codes; we keep the last 6).
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code8) in
            [(59, 94_287_082_u32), (1_111_111_109, 7_081_804), (1_234_567_890, 89_005_924), (2_000_000_000, 69_279_037)]
        {
            assert_eq!(code_at(secret, step_of(time)), code8 % 1_000_000, "t={time}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32_decode("mzxw6ytboi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn codes_are_accepted_within_one_step_of_drift_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = format!("{:06}", code_at(&secret, step_of(now) - 1));
        assert_eq!(matching_step(&secret, &code, now), Some(step_of(now) - 1));
        let old = format!("{:06}", code_at(&secret, step_of(now) - 3));
        assert_eq!(matching_step(&secret, &old, now), None);
        assert_eq!(matching_step(&secret, "12a456", now), None);
        let next = format!("{:06}", code_at(&secret, step_of(now) + 1));
        assert_eq!(matching_step(&secret, &next, now), Some(step_of(now) + 1));
        let later = format!("{:06}", code_at(&secret, step_of(now) + 2));
        assert_eq!(matching_step(&secret, &later, now), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(step_of(now) - 1));
        assert_eq!(matching_step(&secret, &format!("{code}0"), now), None);
    }

    #[test]
    fn a_secret_shorter_than_128_bits_matches_no_code() {
        let short = [7u8; 15];
        assert_eq!(code_at(&short, 1), u32::MAX);
        assert_eq!(matching_step(&short, "000000", 30), None);
    }

    #[test]
    fn recovery_codes_are_unique_and_hash_ignoring_format() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| is_recovery_code(c)));
        assert_eq!(recovery_hash(&codes[0]), recovery_hash(&codes[0].to_uppercase().replace('-', " ")));
        assert_ne!(recovery_hash(&codes[0]), recovery_hash(&codes[1]));
    }

    #[test]
    fn the_uri_carries_issuer_account_and_secret() {
        let uri = otpauth_uri("Care Clinic", "dr.lee", b"foobar");
        assert_eq!(
            uri,
            "otpauth://totp/Care%20Clinic:dr.lee?secret=MZXW6YTBOI&issuer=Care%20Clinic&algorithm=SHA1&digits=6&period=30"
        );
    }
}
