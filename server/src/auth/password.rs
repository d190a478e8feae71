//! Argon2id password hashing with the OWASP-recommended parameters
//! (19 MiB, 2 iterations, 1 lane). Hashing takes tens of milliseconds of CPU,
//! so callers run it on the blocking pool, never on the async executor, and
//! at most one hash per core runs at a time: a flood of logins queues here
//! (a few bytes each) instead of holding hundreds of 19 MiB hashes at once.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};

fn argon2() -> AppResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing failed: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2()
        .map(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// One permit per core for the hashing work.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs `work` on the blocking pool once a hashing permit is free.
async fn hashing<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> AppResult<R> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(actix_web::web::block(work).await?)
}

pub async fn hash(password: String) -> AppResult<String> {
    hashing(move || hash_blocking(&password)).await?
}

/// Verifies `password` against `hash`; with no hash (unknown user, invited
/// user) it still does the work of a verification so timing does not reveal
/// which e-mail addresses exist.
pub async fn verify(password: String, hash: Option<String>) -> AppResult<bool> {
    hashing(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            let _ = hash_blocking(&password);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id() {
        let hash = hash_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("correct horse battery", &hash));
        assert!(!verify_blocking("wrong horse battery", &hash));
        assert!(!verify_blocking("anything", "not a hash"));
    }
}
