//! The agreements panel's logic: an agreement's state on a day, the form's
//! request, and the renewal that follows an agreement.

use chrono::{Datelike, Duration, NaiveDate};
use shared::texts::{Msg, T};
use shared::tickets::{AgreementRequest, ServiceAgreement};
use shared::validation::{self as rules, Collector, Invalid};
use shared::FieldErrors;

use crate::logic::onboarding::{parse_date, required_date};

/// Where an agreement stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementState {
    Upcoming,
    InForce,
    Ended,
}

impl AgreementState {
    pub fn of(a: &ServiceAgreement, today: NaiveDate) -> Self {
        if today < a.starts_on {
            AgreementState::Upcoming
        } else if today <= a.ends_on {
            AgreementState::InForce
        } else {
            AgreementState::Ended
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            AgreementState::Upcoming => "upcoming",
            AgreementState::InForce => "in_force",
            AgreementState::Ended => "ended",
        }
    }
}

/// The form's typed values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgreementForm {
    pub level: String,
    pub starts_on: String,
    pub ends_on: String,
    pub signed_on: String,
    pub service_content: String,
    pub complaint_procedure: String,
    pub service_process: String,
    /// The account's contract it belongs to, if any.
    pub contract_id: Option<i64>,
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl AgreementForm {
    pub fn of(a: &ServiceAgreement) -> Self {
        AgreementForm {
            level: a.level.clone(),
            starts_on: date_text(a.starts_on),
            ends_on: date_text(a.ends_on),
            signed_on: a.signed_on.map(date_text).unwrap_or_default(),
            service_content: a.service_content.clone(),
            complaint_procedure: a.complaint_procedure.clone(),
            service_process: a.service_process.clone(),
            contract_id: a.contract_id,
        }
    }

    /// The renewal of `a`: the same level and terms, from the day after it
    /// ends, for as long again (a year for a yearly agreement); unsigned.
    pub fn renewal_of(a: &ServiceAgreement) -> Self {
        let starts = a.ends_on + Duration::days(1);
        let ends = starts
            .with_year(starts.year() + 1)
            .map(|d| d - Duration::days(1))
            .unwrap_or(starts + Duration::days(364));
        AgreementForm {
            starts_on: date_text(starts),
            ends_on: date_text(ends),
            signed_on: String::new(),
            ..AgreementForm::of(a)
        }
    }

    /// A new agreement from today for a year.
    pub fn starting(today: NaiveDate) -> Self {
        let ends = today
            .with_year(today.year() + 1)
            .map(|d| d - Duration::days(1))
            .unwrap_or(today + Duration::days(364));
        AgreementForm {
            starts_on: date_text(today),
            ends_on: date_text(ends),
            ..AgreementForm::default()
        }
    }

    /// The request, or the fields to fix (the server checks the level
    /// against the workspace's levels).
    pub fn request(&self) -> Result<AgreementRequest, FieldErrors> {
        let mut c = Collector::default();
        c.check("level", rules::required_text(&self.level, 40));
        let starts = required_date(&mut c, "starts_on", &self.starts_on);
        let ends = required_date(&mut c, "ends_on", &self.ends_on);
        let signed = parse_date(&self.signed_on);
        if !self.signed_on.trim().is_empty() && signed.is_none() {
            c.check("signed_on", Err(Invalid::Required));
        }
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                c.fields
                    .insert("ends_on".into(), Msg::new(T::NotBeforeStart).en());
            }
        }
        for (field, text) in [
            ("service_content", &self.service_content),
            ("complaint_procedure", &self.complaint_procedure),
            ("service_process", &self.service_process),
        ] {
            c.check(field, rules::optional_text(text, 20_000));
        }
        c.finish()?;
        let (Some(starts_on), Some(ends_on)) = (starts, ends) else {
            return Err(FieldErrors::new());
        };
        Ok(AgreementRequest {
            level: self.level.trim().to_string(),
            starts_on,
            ends_on,
            signed_on: signed,
            service_content: self.service_content.trim().to_string(),
            complaint_procedure: self.complaint_procedure.trim().to_string(),
            service_process: self.service_process.trim().to_string(),
            contract_id: self.contract_id,
        })
    }
}

/// The request that ends `a` on `today` (or on its first day, for one that
/// has not started).
pub fn ending(a: &ServiceAgreement, today: NaiveDate) -> AgreementRequest {
    AgreementRequest {
        level: a.level.clone(),
        starts_on: a.starts_on,
        ends_on: today.max(a.starts_on).min(a.ends_on),
        signed_on: a.signed_on,
        service_content: a.service_content.clone(),
        complaint_procedure: a.complaint_procedure.clone(),
        service_process: a.service_process.clone(),
        contract_id: a.contract_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement(starts: &str, ends: &str) -> ServiceAgreement {
        ServiceAgreement {
            id: 1,
            account_id: 1,
            level: "gold".into(),
            starts_on: starts.parse().unwrap(),
            ends_on: ends.parse().unwrap(),
            signed_on: Some(starts.parse().unwrap()),
            service_content: "远程支持".into(),
            complaint_procedure: "致电客户部经理".into(),
            service_process: "热线 → 工程师".into(),
            contract_id: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_agreement_is_upcoming_in_force_or_ended() {
        let a = agreement("2027-01-01", "2027-12-31");
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            AgreementState::of(&a, day("2026-12-31")),
            AgreementState::Upcoming
        );
        assert_eq!(
            AgreementState::of(&a, day("2027-12-31")),
            AgreementState::InForce
        );
        assert_eq!(
            AgreementState::of(&a, day("2028-01-01")),
            AgreementState::Ended
        );
    }

    #[test]
    fn a_renewal_follows_for_a_year_with_the_same_terms() {
        let a = agreement("2027-01-01", "2027-12-31");
        let r = AgreementForm::renewal_of(&a);
        assert_eq!(r.starts_on, "2028-01-01");
        assert_eq!(r.ends_on, "2028-12-31");
        assert_eq!(r.signed_on, "");
        assert_eq!(r.service_process, a.service_process);
        let req = r.request().unwrap();
        assert_eq!(req.level, "gold");
    }

    #[test]
    fn the_form_names_what_is_missing_or_reversed() {
        let mut f = AgreementForm::starting("2027-03-10".parse().unwrap());
        assert_eq!(f.ends_on, "2028-03-09");
        let fields = f.request().unwrap_err();
        assert!(fields.contains_key("level"));
        f.level = "gold".into();
        f.ends_on = "2027-01-01".into();
        assert!(f.request().unwrap_err().contains_key("ends_on"));
    }

    #[test]
    fn ending_stops_the_agreement_today_within_its_term() {
        let a = agreement("2027-01-01", "2027-12-31");
        let today: NaiveDate = "2027-06-30".parse().unwrap();
        assert_eq!(ending(&a, today).ends_on, today);
        let early: NaiveDate = "2026-06-30".parse().unwrap();
        assert_eq!(ending(&a, early).ends_on, a.starts_on);
    }
}
