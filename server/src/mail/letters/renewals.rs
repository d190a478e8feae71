//! Renewal reminders: to the owner CSM (end date and value), to the
//! customer's admin (the end date only, never the amount) and the
//! escalation to managers of a renewal nobody has started.

use shared::contracts::format_cents;
use shared::Locale;

use super::{greeting, pick, Letter};
use crate::entity::contracts;
use crate::state::AppState;

fn renewals_link(state: &AppState, locale: Locale) -> (String, String) {
    let url = format!("{}/renewals", state.config.public_url.trim_end_matches('/'));
    let label = pick(locale, "查看续约", "Open the renewals").to_string();
    (label, url)
}

/// A contract's annual value with its currency, e.g. `12000.00 CNY`.
fn annual_value(contract: &contracts::Model) -> String {
    format!(
        "{} {}",
        format_cents(contract.annual_value_cents),
        contract.currency
    )
}

/// A letter to staff: one paragraph and the link to the renewals.
fn staff_letter(
    (subject, paragraph): (String, String),
    name: &str,
    locale: Locale,
    state: &AppState,
) -> Letter {
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs: vec![paragraph],
        link: Some(renewals_link(state, locale)),
        ..Letter::default()
    }
}

/// To the owner CSM: the contract's end and value.
pub fn reminder_letter(
    account: &str,
    contract: &contracts::Model,
    days_left: i64,
    name: &str,
    locale: Locale,
    state: &AppState,
) -> Letter {
    let end = contract.ends_on;
    let value = annual_value(contract);
    let text = pick(
        locale,
        (
            format!("续约提醒：{account} 的合同将于 {end} 到期（剩 {days_left} 天）"),
            format!(
                "客户「{account}」的合同将于 {end} 到期，还有 {days_left} 天；年度合同金额 {value}。请跟进续约。"
            ),
        ),
        (
            format!("Renewal reminder: {account}'s contract ends on {end} ({days_left} days)"),
            format!(
                "The contract of \"{account}\" ends on {end}, in {days_left} days; its annual value is {value}. Please follow up on the renewal."
            ),
        ),
    );
    staff_letter(text, name, locale, state)
}

/// To the customer's admin: the end date only, never the amount.
pub fn customer_letter(
    account: &str,
    contract: &contracts::Model,
    days_left: i64,
    name: &str,
    locale: Locale,
) -> Letter {
    let end = contract.ends_on;
    let (subject, paragraph, footer) = pick(
        locale,
        (
            format!("服务合同将于 {end} 到期"),
            format!("贵公司（{account}）的服务合同将于 {end} 到期，还有 {days_left} 天。"),
            "您的客户成功经理会与您联系续约事宜。".to_string(),
        ),
        (
            format!("Your service contract ends on {end}"),
            format!("The service contract of {account} ends on {end}, in {days_left} days."),
            "Your customer success manager will be in touch about the renewal.".to_string(),
        ),
    );
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs: vec![paragraph],
        footer: Some(footer),
        ..Letter::default()
    }
}

/// To the managers: a renewal nobody has started.
pub fn escalation_letter(
    account: &str,
    contract: &contracts::Model,
    days_left: i64,
    name: &str,
    locale: Locale,
    state: &AppState,
) -> Letter {
    let end = contract.ends_on;
    let value = annual_value(contract);
    let text = pick(
        locale,
        (
            format!("续约升级：{account} 的续约尚未启动（{end} 到期）"),
            format!(
                "客户「{account}」的合同（年度金额 {value}）将于 {end} 到期，还有 {days_left} 天，续约仍处于「待启动」阶段。"
            ),
        ),
        (
            format!("Renewal escalation: {account} has not started ({end})"),
            format!(
                "The contract of \"{account}\" ({value} a year) ends on {end}, in {days_left} days, and its renewal is still upcoming."
            ),
        ),
    );
    staff_letter(text, name, locale, state)
}
