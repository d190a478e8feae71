//! Service levels and what each entitles an account to (`/service-levels`):
//! the channels tickets may come in by, whether tickets are included at all,
//! the SLA policy, the person-days and on-site visits included per year and
//! the modules covered. Also the portal's answer to "may I open a ticket?"
//! and the workspace's rule for accounts that never had an agreement.

use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::validation::{self, Collector};
use crate::ErpModule;

/// Longest level name (the agreement's `level`).
pub const MAX_LEVEL_NAME: usize = 40;
/// Most person-days a level may include per year.
pub const MAX_PERSON_DAYS: i32 = 3650;
/// Most on-site visits a level may include per year.
pub const MAX_VISITS: i32 = 1000;

string_enum!(
    /// How a ticket came in: the portal, an e-mail, or a staff member
    /// logging it (a phone call).
    TicketChannel {
        Portal => "portal",
        Email => "email",
        Phone => "phone",
    }
);

/// Which channels a level lets tickets come in by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketChannels {
    pub portal: bool,
    pub email: bool,
    /// Tickets staff log for the customer (a phone call).
    pub phone: bool,
}

impl TicketChannels {
    pub const ALL: TicketChannels = TicketChannels {
        portal: true,
        email: true,
        phone: true,
    };

    pub fn allows(self, channel: TicketChannel) -> bool {
        match channel {
            TicketChannel::Portal => self.portal,
            TicketChannel::Email => self.email,
            TicketChannel::Phone => self.phone,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLevel {
    pub id: i64,
    /// The level an agreement names (`gold`, `silver`, `bronze`, …).
    pub name: String,
    /// `false`: the level includes no tickets at all (the customer buys a
    /// higher level for them).
    pub tickets_included: bool,
    pub channels: TicketChannels,
    /// The SLA policy level (`/sla-policies`) its tickets' targets come from.
    pub sla_policy: String,
    pub person_days_per_year: i32,
    pub onsite_visits_per_year: i32,
    /// The ERP modules the level covers.
    pub modules: Vec<ErpModule>,
    pub version: i64,
}

/// `POST /service-levels`, `PUT /service-levels/{id}` (the name cannot
/// change once agreements may name it: a `PUT` keeps it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLevelRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub name: String,
    pub tickets_included: bool,
    pub channels: TicketChannels,
    /// A level of `/sla-policies`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub sla_policy: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3650))]
    #[serde(default)]
    pub person_days_per_year: i32,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
    #[serde(default)]
    pub onsite_visits_per_year: i32,
    #[serde(default)]
    pub modules: Vec<ErpModule>,
}

impl ServiceLevelRequest {
    /// A level with everything: every channel, tickets, every module — what
    /// every level of a workspace that existed before levels had entitlements.
    pub fn full(name: &str) -> Self {
        ServiceLevelRequest {
            name: name.to_string(),
            tickets_included: true,
            channels: TicketChannels::ALL,
            sla_policy: name.to_string(),
            person_days_per_year: 0,
            onsite_visits_per_year: 0,
            modules: ErpModule::ALL.to_vec(),
        }
    }
}

/// The rules of a level's request the server and the SPA's form both apply
/// (the server also checks the SLA policy exists and the name is free).
pub fn validate_level(req: &ServiceLevelRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("name", validation::required_text(&req.name, MAX_LEVEL_NAME))
        .check("name", validation::no_control_chars(&req.name))
        .check(
            "sla_policy",
            validation::required_text(&req.sla_policy, MAX_LEVEL_NAME),
        )
        .check(
            "person_days_per_year",
            validation::in_range(req.person_days_per_year.into(), 0, MAX_PERSON_DAYS.into()),
        )
        .check(
            "onsite_visits_per_year",
            validation::in_range(req.onsite_visits_per_year.into(), 0, MAX_VISITS.into()),
        );
    c.finish()
}

/// `GET/PUT /settings/entitlements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntitlementSettings {
    /// `true`: an account that never had a service agreement is outside
    /// agreement like one whose agreement lapsed (no portal tickets, no SLA).
    /// `false` (the default, and every workspace's before levels had
    /// entitlements): such an account is served at the SLA policies'
    /// default level. A lapsed agreement never falls back to it.
    pub agreement_required: bool,
}

string_enum!(
    /// Why an account's ticket is outside its agreement.
    OutsideReason {
        NoAgreement => "no_agreement",
        TicketsExcluded => "tickets_excluded",
        ChannelExcluded => "channel_excluded",
    }
);

/// `GET /accounts/{id}/entitlement`: whether a ticket staff log for the
/// account today (by phone) is covered by its agreement; if not, it is
/// opened outside agreement, without SLA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountEntitlement {
    pub covered: bool,
    /// The level of the agreement in force (or the default level).
    pub level: Option<String>,
    pub reason: Option<OutsideReason>,
}

/// Whom a portal user should contact: the account's owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerContact {
    pub name: String,
    pub email: String,
}

/// `GET /portal/entitlement`: whether the user's account may open tickets
/// in the portal, and if not why and whom to contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalEntitlement {
    pub can_open_tickets: bool,
    /// The level of the agreement in force, if any.
    pub level: Option<String>,
    pub reason: Option<OutsideReason>,
    /// The account's owner, when there is one.
    pub contact: Option<OwnerContact>,
    /// The explanation as a text key and parameters (`texts`), to show in
    /// the user's language.
    pub message: Option<crate::Msg>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_level_is_valid_and_bad_numbers_are_named() {
        assert_eq!(validate_level(&ServiceLevelRequest::full("gold")), Ok(()));
        let mut bad = ServiceLevelRequest::full(" ");
        bad.person_days_per_year = -1;
        bad.onsite_visits_per_year = MAX_VISITS + 1;
        let fields = validate_level(&bad).unwrap_err();
        for f in ["name", "person_days_per_year", "onsite_visits_per_year"] {
            assert!(fields.contains_key(f), "{f}");
        }
    }

    #[test]
    fn channels_allow_what_they_say() {
        let only_phone = TicketChannels {
            portal: false,
            email: false,
            phone: true,
        };
        assert!(only_phone.allows(TicketChannel::Phone));
        assert!(!only_phone.allows(TicketChannel::Portal));
        assert!(TicketChannels::ALL.allows(TicketChannel::Email));
    }
}
