//! One module per page (route).

pub mod accept_invite;
pub mod account_detail;
pub mod account_edit;
pub mod account_fields;
pub mod account_new;
pub mod accounts;
pub mod auth_common;
pub mod contacts;
pub mod home;
pub mod login;
pub mod not_found;
pub mod portal;
pub mod settings;
pub mod signup;
pub mod users;
