//! Money and the contract form. Amounts stay the API's exact decimal
//! strings; when the SPA must add them (the renewal's default next value),
//! it adds integer cents parsed with `shared::contracts::parse_amount`.
//! No float is ever involved.

use chrono::NaiveDate;
use shared::contracts::{
    format_cents, parse_amount, valid_currency, Contract, CreateContractRequest,
    UpdateContractRequest, DEFAULT_CURRENCY, DEFAULT_NOTICE_DAYS,
};

use crate::logic::onboarding::{date_value, parse_date};

/// Why a contract form value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    /// Not `^\d{1,12}(\.\d{1,2})?$`.
    Amount,
    EndBeforeStart,
    Currency,
    Days,
}

/// `(field, problem)`, fields named as the API names them.
pub type Problems = Vec<(&'static str, Problem)>;

/// `^\d{1,12}(\.\d{1,2})?$`: up to twelve digits, at most two decimals.
pub fn amount_ok(text: &str) -> bool {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    digits(whole, 12) && frac.is_none_or(|f| digits(f, 2))
}

/// The cents of a well-formed amount.
pub fn cents(text: &str) -> Option<i64> {
    amount_ok(text).then(|| parse_amount(text).ok()).flatten()
}

/// The exact sum of amounts (`None` if one is not an amount).
pub fn sum(amounts: &[&str]) -> Option<String> {
    let mut total: i64 = 0;
    for a in amounts {
        total = total.checked_add(parse_amount(a).ok()?)?;
    }
    Some(format_cents(total))
}

/// `1234567.50` → `1,234,567.50` (text only: the digits are kept as given).
pub fn grouped(amount: &str) -> String {
    let (whole, frac) = match amount.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (amount, None),
    };
    let (sign, digits) = match whole.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", whole),
    };
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An amount with its currency, for display: `128,000.00 CNY`.
pub fn money(amount: &str, currency: &str) -> String {
    format!("{} {currency}", grouped(amount))
}

/// The contract form's values, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractForm {
    pub starts_on: String,
    pub ends_on: String,
    pub annual_value: String,
    pub currency: String,
    pub auto_renew: bool,
    pub notice_days: String,
}

impl Default for ContractForm {
    fn default() -> Self {
        ContractForm {
            starts_on: String::new(),
            ends_on: String::new(),
            annual_value: String::new(),
            currency: DEFAULT_CURRENCY.into(),
            auto_renew: false,
            notice_days: DEFAULT_NOTICE_DAYS.to_string(),
        }
    }
}

struct Checked {
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    value: String,
    currency: String,
    notice_days: i32,
}

impl ContractForm {
    pub fn of(c: &Contract) -> Self {
        ContractForm {
            starts_on: date_value(Some(c.starts_on)),
            ends_on: date_value(Some(c.ends_on)),
            annual_value: c.annual_value.clone(),
            currency: c.currency.clone(),
            auto_renew: c.auto_renew,
            notice_days: c.notice_days.to_string(),
        }
    }

    fn check(&self) -> Result<Checked, Problems> {
        let mut p = Problems::new();
        let starts_on = parse_date(&self.starts_on);
        let ends_on = parse_date(&self.ends_on);
        if starts_on.is_none() {
            p.push(("starts_on", Problem::Required));
        }
        match (starts_on, ends_on) {
            (_, None) => p.push(("ends_on", Problem::Required)),
            (Some(s), Some(e)) if e <= s => p.push(("ends_on", Problem::EndBeforeStart)),
            _ => {}
        }
        let value = self.annual_value.trim().to_string();
        if value.is_empty() {
            p.push(("annual_value", Problem::Required));
        } else if cents(&value).is_none() {
            p.push(("annual_value", Problem::Amount));
        }
        let currency = self.currency.trim().to_ascii_uppercase();
        if !valid_currency(&currency) {
            p.push(("currency", Problem::Currency));
        }
        let notice_days = self.notice_days.trim().parse::<i32>().ok();
        if !notice_days.is_some_and(|d| (0..=3650).contains(&d)) {
            p.push(("notice_days", Problem::Days));
        }
        match (starts_on, ends_on, notice_days) {
            (Some(starts_on), Some(ends_on), Some(notice_days)) if p.is_empty() => Ok(Checked {
                starts_on,
                ends_on,
                value,
                currency,
                notice_days,
            }),
            _ => Err(p),
        }
    }

    pub fn create(&self, account_id: i64) -> Result<CreateContractRequest, Problems> {
        let c = self.check()?;
        Ok(CreateContractRequest {
            account_id,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            annual_value: c.value,
            currency: Some(c.currency),
            auto_renew: self.auto_renew,
            notice_days: Some(c.notice_days),
            number: None,
        })
    }

    /// Only what changed; a value equal in cents (`128000` for
    /// `128000.00`) is no change.
    pub fn update(&self, before: &Contract) -> Result<UpdateContractRequest, Problems> {
        let c = self.check()?;
        let value_changed = cents(&c.value) != parse_amount(&before.annual_value).ok();
        Ok(UpdateContractRequest {
            starts_on: (c.starts_on != before.starts_on).then_some(c.starts_on),
            ends_on: (c.ends_on != before.ends_on).then_some(c.ends_on),
            annual_value: value_changed.then_some(c.value),
            currency: (c.currency != before.currency).then_some(c.currency),
            auto_renew: (self.auto_renew != before.auto_renew).then_some(self.auto_renew),
            notice_days: (c.notice_days != before.notice_days).then_some(c.notice_days),
        })
    }
}

/// `(old, new, currency)` of a `contract_value_change` approval, read from
/// its summary (`Contract #7: annual value 100.00 → 120.00 CNY`); the
/// approval itself carries no structured payload.
pub fn value_change(summary: &str) -> Option<(String, String, String)> {
    let rest = summary.split_once("annual value ")?.1;
    let (old, rest) = rest.split_once(" → ")?;
    let (new, currency) = rest.split_once(' ')?;
    (amount_ok(old) && amount_ok(new) && valid_currency(currency.trim()))
        .then(|| (old.into(), new.into(), currency.trim().into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn amounts_follow_the_format() {
        for ok in [
            "0",
            "128000",
            "128000.00",
            "0.1",
            "999999999999.99",
            "007.50",
        ] {
            assert!(amount_ok(ok), "{ok}");
        }
        for bad in [
            "",
            ".5",
            "1.",
            "1.234",
            "-1",
            "+1",
            "1e3",
            "1,000",
            " 1",
            "1000000000000",
            "１",
            "1.2.3",
            "NaN",
        ] {
            assert!(!amount_ok(bad), "{bad}");
        }
        assert_eq!(cents("0.1"), Some(10));
        assert_eq!(cents("1e3"), None);
    }

    #[test]
    fn sums_are_exact() {
        assert_eq!(sum(&["0.10", "0.20"]).as_deref(), Some("0.30"));
        assert_eq!(sum(&["128000.00", "2000.5"]).as_deref(), Some("130000.50"));
        assert_eq!(sum(&[]).as_deref(), Some("0.00"));
        assert_eq!(sum(&["1", "x"]), None);
        // Far beyond f64's exact range of cents.
        assert_eq!(
            sum(&["999999999999.99", "0.01"]).as_deref(),
            Some("1000000000000.00")
        );
    }

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(grouped("1234567.50"), "1,234,567.50");
        assert_eq!(grouped("128000.00"), "128,000.00");
        assert_eq!(grouped("100"), "100");
        assert_eq!(grouped("0.30"), "0.30");
        assert_eq!(grouped("-1000.00"), "-1,000.00");
        assert_eq!(money("1000.00", "CNY"), "1,000.00 CNY");
    }

    fn form() -> ContractForm {
        ContractForm {
            starts_on: "2026-01-01".into(),
            ends_on: "2026-12-31".into(),
            annual_value: "128000.00".into(),
            ..ContractForm::default()
        }
    }

    #[test]
    fn the_form_checks_before_sending() {
        let req = form().create(7).unwrap();
        assert_eq!(req.account_id, 7);
        assert_eq!(req.annual_value, "128000.00");
        assert_eq!(req.currency.as_deref(), Some("CNY"));
        assert_eq!(req.notice_days, Some(30));
        let bad = ContractForm {
            starts_on: String::new(),
            ends_on: "2025-01-01".into(),
            annual_value: "12.345".into(),
            currency: "yuan".into(),
            auto_renew: true,
            notice_days: "-1".into(),
        };
        assert_eq!(
            bad.create(1).unwrap_err(),
            vec![
                ("starts_on", Problem::Required),
                ("annual_value", Problem::Amount),
                ("currency", Problem::Currency),
                ("notice_days", Problem::Days),
            ]
        );
        let backwards = ContractForm {
            ends_on: "2026-01-01".into(),
            annual_value: String::new(),
            ..form()
        };
        assert_eq!(
            backwards.create(1).unwrap_err(),
            vec![
                ("ends_on", Problem::EndBeforeStart),
                ("annual_value", Problem::Required)
            ]
        );
    }

    #[test]
    fn an_update_sends_only_changes() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let before = Contract {
            id: 3,
            account_id: 7,
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            annual_value: "128000.00".into(),
            currency: "CNY".into(),
            auto_renew: false,
            notice_days: 30,
            previous_contract_id: None,
            number: None,
            pending_approval: None,
            created_at: at,
            updated_at: at,
            version: 1,
        };
        let mut f = ContractForm::of(&before);
        assert_eq!(f.update(&before).unwrap(), UpdateContractRequest::default());
        f.annual_value = "128000".into();
        assert_eq!(f.update(&before).unwrap(), UpdateContractRequest::default());
        f.annual_value = "150000.5".into();
        f.auto_renew = true;
        let req = f.update(&before).unwrap();
        assert_eq!(req.annual_value.as_deref(), Some("150000.5"));
        assert_eq!(req.auto_renew, Some(true));
        assert_eq!(req.ends_on, None);
    }

    #[test]
    fn value_change_summaries_are_read() {
        assert_eq!(
            value_change("Contract #7: annual value 100.00 → 120.50 CNY"),
            Some(("100.00".into(), "120.50".into(), "CNY".into()))
        );
        assert_eq!(value_change("Ticket #7: module → sales"), None);
    }
}
