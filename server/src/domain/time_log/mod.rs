//! Time and person-day packages (人天包): the time staff log on tickets
//! (and visits), the packages an account buys, how billable time consumes
//! them (`consumption`), the 80 %/100 % notices (`notices`), the reports
//! and the customer's view in the portal.
//!
//! Every write that changes an account's time or packages runs in one
//! transaction that first locks the account's row (`FOR UPDATE` on
//! PostgreSQL; SQLite has one writer), then recomputes the whole
//! account's consumption and claims and queues the notices it crossed, so
//! two writers at once cannot lose an update or send a notice twice.

pub mod consumption;
pub mod entries;
pub mod notices;
pub mod packages;
pub mod portal;
pub mod reports;
