//! An advisory (a known bug, a patch) to a customer's contact, in the
//! language the advisory was written in that is closest to theirs.

use shared::installed_base::AdvisoryKind;
use shared::Locale;

use super::{greeting, pick, Letter};

/// What the letter says; `title` and `body` are already in `locale`.
pub struct Notice<'a> {
    pub kind: AdvisoryKind,
    pub title: &'a str,
    pub body: &'a str,
    pub account: &'a str,
    /// e.g. `K/3 WISE V15.1`, one per matching installation.
    pub installations: &'a [String],
    /// The contact gets it as the account's customer_admin, no contact
    /// being responsible for the modules concerned.
    pub as_admin: bool,
}

pub fn letter(n: &Notice<'_>, name: &str, locale: Locale) -> Letter {
    let kind = match n.kind {
        AdvisoryKind::KnownBug => pick(locale, "已知问题", "Known issue"),
        AdvisoryKind::Patch => pick(locale, "补丁发布", "Patch available"),
    };
    let mut paragraphs = vec![pick(
        locale,
        format!(
            "{kind}：以下 {} 的安装受到影响：{}。",
            n.account,
            n.installations.join("；")
        ),
        format!(
            "{kind}: it concerns these installations of {}: {}.",
            n.account,
            n.installations.join("; ")
        ),
    )];
    paragraphs.push(n.body.to_string());
    let footer = if n.as_admin {
        pick(
            locale,
            "您作为客户管理员收到此通知，因为没有联系人负责相关模块；请转告相关同事。",
            "You receive this as the customer admin because no contact is responsible for the modules concerned; please pass it on.",
        )
    } else {
        pick(
            locale,
            "您收到此通知，因为您负责相关模块。",
            "You receive this because you are responsible for the modules concerned.",
        )
    };
    Letter {
        subject: pick(
            locale,
            format!("【{kind}】{}", n.title),
            format!("[{kind}] {}", n.title),
        ),
        greeting: greeting(name, locale),
        paragraphs,
        footer: Some(footer.to_string()),
        ..Letter::default()
    }
}
