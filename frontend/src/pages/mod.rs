//! The pages, one folder per lazy chunk (see `app.rs`): a folder holds the
//! pages its chunk loads and the widgets they share. The pages at this level
//! are in the first download (home, sign-in, not found).

pub mod auth_common;
pub mod home;
pub mod login;
pub mod not_found;

pub mod accounts;
pub mod centres;
pub mod join;
pub mod my_work;
pub mod onboarding;
pub mod playbook_editor;
pub mod playbooks;
pub mod portal;
pub mod renewals;
pub mod survey_answer;
pub mod task_email;
pub mod tasks;
pub mod tickets;
