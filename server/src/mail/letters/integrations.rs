//! To the workspace's admins: a webhook or chat bot was switched off
//! after repeated failures.

use shared::Locale;

use super::{greeting, pick, Letter};
use crate::state::AppState;

pub fn target_disabled(
    state: &AppState,
    is_webhook: bool,
    target: &str,
    reason: &str,
    name: &str,
    locale: Locale,
) -> Letter {
    let (what_zh, what_en, path) = if is_webhook {
        ("Webhook", "webhook", "/settings/webhooks")
    } else {
        ("群机器人", "chat bot", "/settings/chat-bots")
    };
    let reason_zh = if reason.contains("24 hours") {
        "连续 24 小时投递失败".to_string()
    } else {
        format!(
            "连续 {} 次投递失败",
            reason.split_whitespace().next().unwrap_or("")
        )
    };
    let (subject, paragraph) = pick(
        locale,
        (
            format!("{what_zh}已停用：{target}"),
            format!(
                "{what_zh}「{target}」因{reason_zh}已被自动停用，之后的事件不会再发送给它。请检查接收地址，修复后在设置中重新启用。"
            ),
        ),
        (
            format!("A {what_en} was disabled: {target}"),
            format!(
                "The {what_en} \"{target}\" was disabled automatically because {reason}; no further events go to it. Check the receiving end, then enable it again in the settings."
            ),
        ),
    );
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs: vec![paragraph],
        link: Some((
            pick(locale, "打开设置", "Open the settings").to_string(),
            format!("{}{path}", state.config.public_url.trim_end_matches('/')),
        )),
        ..Letter::default()
    }
}
