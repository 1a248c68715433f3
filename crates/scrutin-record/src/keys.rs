//! The returning officer's Ed25519 key, which signs the record's manifest.
//!
//! The secret key is its 32-byte seed (RFC 8032 §5.1.5), kept in a key file of one line: 64
//! hex digits and a line feed. The public key, 32 bytes as 64 hex digits, is published before
//! polling opens, so that a verifier can tell the returning officer's record from anyone
//! else's.

use std::io::Write;
use std::path::Path;

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::{hex, unhex};

/// Why a key cannot be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error("{what} must be 64 hex digits (32 bytes), got {got}")]
    Format { what: &'static str, got: String },
    #[error("{0} is not a valid Ed25519 public key (not a point on the curve)")]
    NotAPoint(String),
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

/// A new key pair from the operating system's random number generator:
/// `(secret seed hex, public key hex)`.
pub fn generate() -> Result<(String, String), KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    Ok((hex(key.as_bytes()), public_key_hex(&key)))
}

fn bytes32(s: &str, what: &'static str) -> Result<[u8; 32], KeyError> {
    let shown = || {
        if s.len() > 80 {
            format!("{} characters", s.len())
        } else {
            format!("{s:?}")
        }
    };
    unhex(s)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| KeyError::Format { what, got: shown() })
}

/// The signing key of a 64-hex-digit seed.
pub fn signing_key_from_hex(secret: &str) -> Result<SigningKey, KeyError> {
    bytes32(secret.trim(), "a secret key")
        .map(|seed| SigningKey::from_bytes(&seed))
        // Never echo a secret back, even a malformed one.
        .map_err(|e| match e {
            KeyError::Format { what, .. } => KeyError::Format {
                what,
                got: format!("{} characters", secret.trim().len()),
            },
            e => e,
        })
}

/// The public key of a signing key, as 64 hex digits.
pub fn public_key_hex(key: &SigningKey) -> String {
    hex(key.verifying_key().as_bytes())
}

/// A public key from 64 hex digits.
pub fn verifying_key_from_hex(public: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = bytes32(public.trim(), "a public key")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAPoint(public.trim().to_string()))
}

/// Reads a key file: one line of 64 hex digits (a final line feed is allowed).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let file_error = |message: String| KeyError::File {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    let line = text.strip_suffix('\n').unwrap_or(&text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.contains('\n') {
        return Err(file_error(
            "a key file is one line of 64 hex digits; this one has several lines".into(),
        ));
    }
    signing_key_from_hex(line).map_err(|e| file_error(e.to_string()))
}

/// Writes a new key file (refusing to overwrite one; on Unix readable by its owner only).
pub fn write_signing_key(path: &Path, secret_hex: &str) -> Result<(), KeyError> {
    let key = signing_key_from_hex(secret_hex)?;
    let file_error = |e: std::io::Error| KeyError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(file_error)?;
    writeln!(file, "{}", hex(key.as_bytes())).map_err(file_error)?;
    file.sync_all().map_err(file_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_test_1() {
        // RFC 8032 §7.1, TEST 1.
        let key = signing_key_from_hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        assert_eq!(
            public_key_hex(&key),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        use ed25519_dalek::Signer;
        assert_eq!(
            hex(&key.sign(b"").to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn generated_keys_round_trip_through_a_file() {
        let (secret, public) = generate().unwrap();
        assert_eq!(secret.len(), 64);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.key");
        write_signing_key(&path, &secret).unwrap();
        let key = read_signing_key(&path).unwrap();
        assert_eq!(public_key_hex(&key), public);
        assert!(verifying_key_from_hex(&public).is_ok());
        // Never overwritten.
        assert!(write_signing_key(&path, &secret).is_err());
        assert_ne!(generate().unwrap().0, secret);
    }

    #[test]
    fn bad_key_files_say_why_without_echoing_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "abcd\n").unwrap();
        let e = read_signing_key(&path).unwrap_err().to_string();
        assert!(e.contains("bad.key") && e.contains("64 hex digits"), "{e}");
        assert!(!e.contains("abcd"), "{e}");
        std::fs::write(&path, format!("{}\n{}\n", "0".repeat(64), "0".repeat(64))).unwrap();
        let e = read_signing_key(&path).unwrap_err().to_string();
        assert!(e.contains("several lines"), "{e}");
        let e = read_signing_key(&dir.path().join("missing.key"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.key"), "{e}");
        let e = verifying_key_from_hex("zz").unwrap_err().to_string();
        assert!(e.contains("public key"), "{e}");
    }
}
