//! Person-day package notices: a package reached 80 % or 100 %. The
//! account's owner gets the figures and a link to the account; the
//! customer's admin gets the same figures and a link to the portal.

use shared::time_log::days_text;
use shared::Locale;

use super::{greeting, pick, Letter};

/// What a notice says about the package.
pub struct PackageFigures<'a> {
    pub account: &'a str,
    pub package: &'a str,
    pub threshold: i32,
    pub used_minutes: i64,
    pub capacity_minutes: i64,
}

fn texts(f: &PackageFigures, locale: Locale) -> (String, String) {
    let used = days_text(f.used_minutes);
    let total = days_text(f.capacity_minutes);
    let left = days_text((f.capacity_minutes - f.used_minutes).max(0));
    let (account, package, threshold) = (f.account, f.package, f.threshold);
    if f.threshold >= 100 {
        pick(
            locale,
            (
                format!("人天包已用完：{account}「{package}」"),
                format!(
                    "{account} 的人天包「{package}」已用完（已用 {used} / {total} 人天）。之后的计费工时将计为超额。"
                ),
            ),
            (
                format!("Person-day package used up: {account} \"{package}\""),
                format!(
                    "The person-day package \"{package}\" of {account} is used up ({used} of {total} person-days). Further billable time counts as overage."
                ),
            ),
        )
    } else {
        pick(
            locale,
            (
                format!("人天包已用 {threshold}%：{account}「{package}」"),
                format!(
                    "{account} 的人天包「{package}」已用 {used} / {total} 人天（{threshold}%），剩余 {left} 人天。"
                ),
            ),
            (
                format!("Person-day package {threshold}% used: {account} \"{package}\""),
                format!(
                    "The person-day package \"{package}\" of {account} has used {used} of {total} person-days ({threshold}%); {left} person-days are left."
                ),
            ),
        )
    }
}

/// To the account's owner (or the managers): with a link to the account.
pub fn staff_package_letter(
    figures: &PackageFigures,
    name: &str,
    locale: Locale,
    account_url: String,
) -> Letter {
    let (subject, paragraph) = texts(figures, locale);
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs: vec![paragraph],
        link: Some((
            pick(locale, "查看客户", "Open the account").to_string(),
            account_url,
        )),
        ..Letter::default()
    }
}

/// To the customer's admin: with a link to the balance in the portal.
pub fn customer_package_letter(
    figures: &PackageFigures,
    name: &str,
    locale: Locale,
    portal_url: String,
) -> Letter {
    let (subject, paragraph) = texts(figures, locale);
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs: vec![paragraph],
        link: Some((
            pick(locale, "查看人天余额", "See your balance").to_string(),
            portal_url,
        )),
        footer: Some(
            pick(
                locale,
                "如需追加人天包，请联系您的客户成功经理。",
                "To add a package, please contact your customer success manager.",
            )
            .to_string(),
        ),
        ..Letter::default()
    }
}
