//! The account page's header and tabs: which contract is in force (its
//! annual value and end date), how many of the account's tickets are open,
//! and the tab named in the URL (`?tab=tickets`).

use chrono::NaiveDate;
use shared::contracts::Contract;
use shared::tickets::{Ticket, TicketStatus};

use crate::logic::query::get_param;

/// The contract the header speaks of: the one in force today, else the
/// next to start, else the last to end.
pub fn current_contract(contracts: &[Contract], today: NaiveDate) -> Option<&Contract> {
    contracts
        .iter()
        .filter(|c| c.starts_on <= today && today <= c.ends_on)
        .max_by_key(|c| (c.ends_on, c.id))
        .or_else(|| {
            contracts
                .iter()
                .filter(|c| c.starts_on > today)
                .min_by_key(|c| (c.starts_on, c.id))
        })
        .or_else(|| contracts.iter().max_by_key(|c| (c.ends_on, c.id)))
}

/// Tickets still being worked (not resolved, not closed).
pub fn open_tickets(tickets: &[Ticket]) -> usize {
    tickets
        .iter()
        .filter(|t| !matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed))
        .count()
}

/// The account page's tabs, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountTab {
    Overview,
    Tickets,
    Onboarding,
    /// The service agreements panel (维护服务协议).
    Agreements,
    Contracts,
    /// The installed base: installations, upgrades.
    Installations,
    /// On-site visits (上门服务) of the account.
    Visits,
    Timeline,
}

impl AccountTab {
    pub const ALL: [AccountTab; 8] = [
        AccountTab::Overview,
        AccountTab::Tickets,
        AccountTab::Onboarding,
        AccountTab::Agreements,
        AccountTab::Contracts,
        AccountTab::Installations,
        AccountTab::Visits,
        AccountTab::Timeline,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            AccountTab::Overview => "overview",
            AccountTab::Tickets => "tickets",
            AccountTab::Onboarding => "onboarding",
            AccountTab::Agreements => "agreements",
            AccountTab::Contracts => "contracts",
            AccountTab::Installations => "installations",
            AccountTab::Visits => "visits",
            AccountTab::Timeline => "timeline",
        }
    }

    /// The tab of a `?tab=` query; the overview when absent or unknown.
    pub fn from_search(search: &str) -> AccountTab {
        let wanted = get_param(search, "tab").unwrap_or_default();
        AccountTab::ALL
            .into_iter()
            .find(|t| t.slug() == wanted)
            .unwrap_or(AccountTab::Overview)
    }

    /// The page's URL with this tab (the overview has none).
    pub fn href(self, account_id: i64) -> String {
        match self {
            AccountTab::Overview => format!("/accounts/{account_id}"),
            tab => format!("/accounts/{account_id}?tab={}", tab.slug()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(id: i64, starts: &str, ends: &str) -> Contract {
        Contract {
            id,
            account_id: 1,
            starts_on: starts.parse().unwrap(),
            ends_on: ends.parse().unwrap(),
            annual_value: "1000.00".into(),
            currency: "CNY".into(),
            auto_renew: false,
            notice_days: 30,
            previous_contract_id: None,
            number: None,
            pending_approval: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn the_header_speaks_of_the_contract_in_force() {
        let today: NaiveDate = "2026-12-02".parse().unwrap();
        let old = contract(1, "2025-01-01", "2025-12-31");
        let now = contract(2, "2026-01-01", "2026-12-31");
        let next = contract(3, "2027-01-01", "2027-12-31");
        let all = vec![old.clone(), now.clone(), next.clone()];
        assert_eq!(current_contract(&all, today).map(|c| c.id), Some(2));
        assert_eq!(
            current_contract(&[old.clone(), next.clone()], today).map(|c| c.id),
            Some(3)
        );
        assert_eq!(current_contract(&[old], today).map(|c| c.id), Some(1));
        assert_eq!(current_contract(&[], today).map(|c| c.id), None);
    }

    #[test]
    fn the_tab_lives_in_the_url() {
        assert_eq!(AccountTab::from_search(""), AccountTab::Overview);
        assert_eq!(AccountTab::from_search("?tab=tickets"), AccountTab::Tickets);
        assert_eq!(AccountTab::from_search("?tab=nope"), AccountTab::Overview);
        for tab in AccountTab::ALL {
            let href = tab.href(7);
            let search = href
                .split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default();
            assert_eq!(AccountTab::from_search(&search), tab);
        }
    }
}
