//! Expiry reminders of a service agreement (维护服务协议) or a licence
//! (产品授权): to the account's owner (with a link to the account) and to
//! the customer's admin (what ends and when, nothing internal).

use chrono::NaiveDate;
use shared::Locale;

use super::{greeting, pick, Letter};
use crate::state::AppState;

/// What is ending: an agreement at a level, or a licence of an edition on
/// a dongle.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    Agreement { level: &'a str },
    License { edition: &'a str, serial: &'a str },
}

impl Ending<'_> {
    fn name(&self, locale: Locale) -> String {
        match self {
            Ending::Agreement { level } => pick(
                locale,
                format!("维护服务协议（{level}）"),
                format!("maintenance agreement ({level})"),
            ),
            Ending::License { edition, serial } => pick(
                locale,
                format!("产品授权（{edition}，加密锁 {serial}）"),
                format!("licence ({edition}, dongle {serial})"),
            ),
        }
    }
}

/// What ends, whose, when, and how many days are left.
#[derive(Debug, Clone, Copy)]
pub struct Expiry<'a> {
    pub ending: Ending<'a>,
    pub account: &'a str,
    pub ends_on: NaiveDate,
    pub days_left: i64,
}

/// To the owner CSM (or the managers): renew before it lapses.
pub fn staff_letter(
    e: Expiry<'_>,
    account_id: i64,
    name: &str,
    locale: Locale,
    state: &AppState,
) -> Letter {
    let Expiry {
        ending,
        account,
        ends_on,
        days_left,
    } = e;
    let what = ending.name(locale);
    let (subject, paragraph) = pick(
        locale,
        (
            format!("到期提醒：{account} 的{what}将于 {ends_on} 到期（剩 {days_left} 天）"),
            format!(
                "客户「{account}」的{what}将于 {ends_on} 到期，还有 {days_left} 天。到期后客户将不在服务范围内，请及时跟进续签。"
            ),
        ),
        (
            format!("Expiry reminder: {account}'s {what} ends on {ends_on} ({days_left} days)"),
            format!(
                "The {what} of \"{account}\" ends on {ends_on}, in {days_left} days. After that the customer is outside its cover; please follow up on the renewal."
            ),
        ),
    );
    let url = format!(
        "{}/accounts/{account_id}",
        state.config.public_url.trim_end_matches('/')
    );
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs: vec![paragraph],
        link: Some((
            pick(locale, "查看客户", "Open the account").to_string(),
            url,
        )),
        ..Letter::default()
    }
}

/// To the customer's admin: what ends and when.
pub fn customer_letter(e: Expiry<'_>, name: &str, locale: Locale) -> Letter {
    let Expiry {
        ending,
        account,
        ends_on,
        days_left,
    } = e;
    let what = ending.name(locale);
    let (subject, paragraph, footer) = pick(
        locale,
        (
            format!("您的{what}将于 {ends_on} 到期"),
            format!("贵公司（{account}）的{what}将于 {ends_on} 到期，还有 {days_left} 天。"),
            "您的客户成功经理会与您联系续签事宜。".to_string(),
        ),
        (
            format!("Your {what} ends on {ends_on}"),
            format!("The {what} of {account} ends on {ends_on}, in {days_left} days."),
            "Your customer success manager will be in touch about renewing it.".to_string(),
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
