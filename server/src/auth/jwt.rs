//! Short-lived access tokens: HS256 JWTs (algorithm pinned) with `exp`, `iss`
//! and `aud` validated, carrying user, workspace, role and session.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use shared::Role;

use crate::error::{AppError, AppResult};

pub const ISSUER: &str = "steward";
pub const AUDIENCE: &str = "steward-api";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Workspace id.
    pub ws: i64,
    pub role: Role,
    /// Session id: logout and deactivation revoke it, which ends the token at once.
    pub sid: i64,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(secret: &str, ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl_secs,
        }
    }

    pub fn issue(
        &self,
        user_id: i64,
        workspace_id: i64,
        role: Role,
        session_id: i64,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            ws: workspace_id,
            role,
            sid: session_id,
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_secs as i64,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("signing a token failed: {e}")))
    }

    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| AppError::Unauthorized("the access token is invalid or expired".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEF";

    #[test]
    fn issued_tokens_verify_and_carry_the_claims() {
        let keys = JwtKeys::new(SECRET, 900);
        let token = keys.issue(7, 3, Role::Csm, 11, Utc::now()).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!((claims.ws, claims.role, claims.sid), (3, Role::Csm, 11));
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let keys = JwtKeys::new(SECRET, 900);
        let old = keys
            .issue(
                1,
                1,
                Role::Admin,
                1,
                Utc::now() - chrono::Duration::hours(1),
            )
            .unwrap();
        assert!(keys.verify(&old).is_err());

        let other = JwtKeys::new("another-secret-of-sufficient-length-123456", 900);
        let foreign = other.issue(1, 1, Role::Admin, 1, Utc::now()).unwrap();
        assert!(keys.verify(&foreign).is_err());

        // alg=none with the same claims must not pass.
        let token = keys.issue(1, 1, Role::Admin, 1, Utc::now()).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys.verify(&none).is_err());
    }

    #[test]
    fn wrong_audience_is_refused() {
        let keys = JwtKeys::new(SECRET, 900);
        let claims = Claims {
            sub: "1".into(),
            ws: 1,
            role: Role::Admin,
            sid: 1,
            iat: Utc::now().timestamp(),
            exp: Utc::now().timestamp() + 60,
            iss: ISSUER.into(),
            aud: "someone-else".into(),
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(keys.verify(&token).is_err());
    }
}
