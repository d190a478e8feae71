//! Group accounts (集团 and 子公司): the roll-up of a parent account and
//! every account below it, `GET /api/v1/accounts/{id}/group`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::accounts::AccountRef;
use crate::health::HealthBand;

/// Most levels a group may have (the top account counts as one): a
/// parent that would make a deeper group is refused.
pub const MAX_GROUP_DEPTH: i64 = 8;

/// An amount of one currency (amounts of different currencies are never
/// added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrencyValue {
    pub currency: String,
    /// Exact decimal, e.g. `"128000.00"`.
    pub amount: String,
}

/// One account of a group, as its roll-up counts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMember {
    pub account: AccountRef,
    /// Its parent (none for the account the roll-up is of).
    pub parent_id: Option<i64>,
    /// Levels below the account the roll-up is of (that one is 0).
    pub depth: i64,
    /// Its latest health snapshot's score and band; none before the first.
    pub health_score: Option<i32>,
    pub health_band: Option<HealthBand>,
    /// Annual value of its contracts running today, per currency.
    pub annual_value: Vec<CurrencyValue>,
    pub open_tickets: u64,
}

/// The roll-up of an account and all accounts below it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRollup {
    pub account: AccountRef,
    /// The top of the group this account belongs to (itself if it has no
    /// parent).
    pub top: AccountRef,
    /// Health weighted by annual value (see the route for how accounts
    /// without a score or a value count); none while no member has a score.
    pub health_score: Option<i32>,
    pub health_band: Option<HealthBand>,
    /// The currency whose annual values weighed the health; none when the
    /// members' scores were averaged without weights.
    pub weighted_by: Option<String>,
    /// Members with a health score (the others are left out of it).
    pub scored_members: u64,
    /// Annual value of the members' running contracts, per currency.
    pub annual_value: Vec<CurrencyValue>,
    pub open_tickets: u64,
    /// Renewals of the members not yet renewed or churned.
    pub open_renewals: u64,
    /// The earliest due date among those renewals.
    pub next_renewal_due: Option<NaiveDate>,
    /// The account itself first, then the others by depth and name.
    pub members: Vec<GroupMember>,
}

/// The group health: the members' scores weighted by their annual value in
/// `weighted_by`'s currency, rounded half up. `members` are
/// `(score, value in cents)` of the members with a score. A member without
/// value there weighs nothing; when none has any, every scored member
/// weighs the same. `None` when no member has a score.
pub fn weighted_health(members: &[(i32, i128)]) -> Option<i32> {
    if members.is_empty() {
        return None;
    }
    let total: i128 = members.iter().map(|(_, v)| (*v).max(0)).sum();
    let (sum, weight) = if total > 0 {
        (
            members
                .iter()
                .map(|(s, v)| i128::from(*s) * (*v).max(0))
                .sum::<i128>(),
            total,
        )
    } else {
        (
            members.iter().map(|(s, _)| i128::from(*s)).sum::<i128>(),
            members.len() as i128,
        )
    };
    // Round half up: (2·sum + weight) / (2·weight), scores are ≥ 0.
    i32::try_from((2 * sum + weight) / (2 * weight)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_by_value_and_rounds_half_up() {
        // (80·300 + 40·100) / 400 = 70
        assert_eq!(weighted_health(&[(80, 300), (40, 100)]), Some(70));
        // (81·1 + 40·1) / 2 = 60.5 → 61
        assert_eq!(weighted_health(&[(81, 1), (40, 1)]), Some(61));
    }

    #[test]
    fn a_member_without_value_weighs_nothing_unless_none_has_any() {
        assert_eq!(weighted_health(&[(90, 0), (30, 500)]), Some(30));
        assert_eq!(weighted_health(&[(90, 0), (30, 0)]), Some(60));
        assert_eq!(weighted_health(&[]), None);
    }
}
