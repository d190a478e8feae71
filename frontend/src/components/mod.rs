//! Building blocks shared by the pages.

pub mod announce;
pub mod charts;
pub mod fields;
pub mod guard;
pub mod lazy;
pub mod list_view;
pub mod load;
pub mod paged;
pub mod pickers;
pub mod shell;
pub mod states;
pub mod submit;
pub mod toast;
pub mod url_filter;
