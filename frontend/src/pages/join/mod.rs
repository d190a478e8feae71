//! The `join_pages` chunk: signing up, accepting an invitation, and the
//! password and e-mail links.

pub mod accept_invite;
pub mod centre_accept;
pub mod password;
pub mod signup;
