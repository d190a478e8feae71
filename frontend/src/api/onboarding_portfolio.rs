//! `/onboarding` and `/portal/onboarding`: the accounts in onboarding, and
//! the customer's own plan.

use gloo_net::http::Method;
use shared::onboarding::{OnboardingPortfolioItem, PortalOnboarding};
use shared::Page;

use super::client::{absent_is_none, call, decode, ApiErr};
use crate::logic::query::non_blank;
use shared::filters::{list_query, PortfolioFilter};

pub const PAGE: u64 = 50;

/// Accounts in onboarding; `sort` and `status` as the API takes them.
pub async fn list(
    sort: &str,
    status: &str,
    cursor: Option<&str>,
) -> Result<Page<OnboardingPortfolioItem>, ApiErr> {
    let filter = PortfolioFilter {
        status: status.parse().ok(),
        owner_id: None,
        sort: non_blank(sort),
    };
    let query = list_query(&filter, Some(PAGE), cursor);
    decode(&call(Method::GET, format!("/onboarding{query}"), None).await?)
}

/// The customer's plan; `None` when the account has none.
pub async fn portal() -> Result<Option<PortalOnboarding>, ApiErr> {
    absent_is_none(call(Method::GET, "/portal/onboarding".into(), None).await)
}
