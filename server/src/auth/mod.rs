//! Authentication: password hashing, access tokens (JWT), refresh tokens,
//! login rate limiting, and the request extractors that turn a bearer token
//! into an acting user.

pub mod extract;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod session_cache;
pub mod tokens;

pub use extract::{Actor, ClientIp, PortalActor, StaffActor};
