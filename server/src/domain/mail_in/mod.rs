//! E-mail in (issue 14): mail channels per workspace feed received mail
//! into tickets — polled over IMAP by the `mail-fetch` job, or posted raw
//! to `POST /api/v1/inbound/email/{channel}` by an MTA pipe or a
//! provider's hook. Replies thread onto their ticket as the contact's
//! public comments, other mail from contacts opens tickets, unknown
//! senders wait for staff, and automatic mail never answers back.
//!
//! Sits above `tickets` and `accounts` (it creates tickets and comments
//! through their own rules, so routing, SLA and notifications are theirs).

pub mod channels;
pub mod imap_fetch;
mod imap_folders;
pub mod imap_tls;
pub mod messages;
pub mod process;
mod senders;
mod text;
mod threads;

pub use text::reply_text;
