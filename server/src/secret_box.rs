//! Seals stored credentials (a mail channel's IMAP password) with
//! XChaCha20-Poly1305 under a key derived from `STEWARD_SECRET_KEY`. A sealed
//! value is base64 of a random 24-byte nonce and the ciphertext; opening it
//! with another key, or after tampering, fails instead of returning garbage.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

impl SecretBox {
    /// A box keyed by `secret` (any length; it is hashed to 256 bits).
    pub fn new(secret: &str) -> SecretBox {
        let digest = Sha256::new()
            .chain_update(b"steward secret box v1\0")
            .chain_update(secret.as_bytes())
            .finalize();
        SecretBox {
            cipher: XChaCha20Poly1305::new(&Key::from(<[u8; 32]>::from(digest))),
        }
    }

    pub fn seal(&self, plain: &str) -> anyhow::Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| anyhow::anyhow!("a stored secret is not base64"))?;
        if bytes.len() < NONCE_LEN {
            anyhow::bail!("a stored secret is truncated");
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| anyhow::anyhow!("a stored secret is truncated"))?;
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), sealed)
            .map_err(|_| {
                anyhow::anyhow!(
                    "a stored secret cannot be opened (was STEWARD_SECRET_KEY changed? enter the password again)"
                )
            })?;
        String::from_utf8(plain).map_err(|_| anyhow::anyhow!("a stored secret is not text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let a = SecretBox::new("key-one-0123456789-abcdefghijklmnop");
        let b = SecretBox::new("key-two-0123456789-abcdefghijklmnop");
        let sealed = a.seal("邮箱密码 secret").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(a.open(&sealed).unwrap(), "邮箱密码 secret");
        assert!(b.open(&sealed).is_err());
        assert_ne!(a.seal("x").unwrap(), a.seal("x").unwrap());
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(a.open(&STANDARD.encode(tampered)).is_err());
    }
}
