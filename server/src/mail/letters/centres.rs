//! Service centres and certifications: the reminder that a staff member's
//! module certification (持证上岗) is about to expire, to the admins.

use shared::Locale;

use super::{greeting, pick, Letter};

pub fn certification_expiring(
    admin_name: &str,
    engineer: &str,
    module: &str,
    expires_on: chrono::NaiveDate,
    days_left: i64,
    users_link: String,
    locale: Locale,
) -> Letter {
    let module_zh = shared::texts::word_or_self(module, Locale::ZhCn);
    let module_en = shared::texts::word_or_self(module, Locale::En);
    let (subject, paragraph, label) = pick(
        locale,
        (
            format!("认证到期提醒：{engineer} 的{module_zh}模块认证将于 {expires_on} 到期"),
            format!(
                "{engineer} 的{module_zh}模块认证将于 {expires_on} 到期（还有 {days_left} 天）。到期后，若开启“仅分配持证工程师”，该模块的工单将不再分配给他/她。请安排复训或更新认证。"
            ),
            "查看用户与认证".to_string(),
        ),
        (
            format!("Certification expiring: {engineer} ({module_en}) on {expires_on}"),
            format!(
                "{engineer}'s certification for the {module_en} module expires on {expires_on}, in {days_left} days. Once it has expired, and while \"only certified engineers\" is on, tickets of this module are no longer assigned to them. Please arrange the renewal."
            ),
            "Open users and certifications".to_string(),
        ),
    );
    Letter {
        subject,
        greeting: greeting(admin_name, locale),
        paragraphs: vec![paragraph],
        link: Some((label, users_link)),
        ..Letter::default()
    }
}
