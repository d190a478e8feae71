//! The daily digest of a staff member's tasks, in their language.

use shared::tasks::Task;
use shared::Locale;

use super::{greeting, pick, Letter};

fn line(t: &Task, tz: chrono_tz::Tz) -> String {
    let due = t.due_at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    format!("· {due}  {} — {}", t.account_name, t.title)
}

/// Overdue tasks first, then today's; `more` says how many were left out.
pub fn digest(
    name: &str,
    locale: Locale,
    overdue: &[Task],
    today: &[Task],
    more: u64,
    link: String,
    tz: chrono_tz::Tz,
) -> Letter {
    let mut paragraphs = Vec::new();
    if !overdue.is_empty() {
        let mut p = pick(
            locale,
            format!("已逾期（{}）：", overdue.len()),
            format!("Overdue ({}):", overdue.len()),
        );
        for t in overdue {
            p.push('\n');
            p.push_str(&line(t, tz));
        }
        paragraphs.push(p);
    }
    if !today.is_empty() {
        let mut p = pick(
            locale,
            format!("今天到期（{}）：", today.len()),
            format!("Due today ({}):", today.len()),
        );
        for t in today {
            p.push('\n');
            p.push_str(&line(t, tz));
        }
        paragraphs.push(p);
    }
    if more > 0 {
        paragraphs.push(pick(
            locale,
            format!("另有 {more} 项未列出。"),
            format!("{more} more are not listed."),
        ));
    }
    let count = overdue.len() + today.len() + usize::try_from(more).unwrap_or(0);
    Letter {
        subject: pick(
            locale,
            format!("今日待办：{count} 项任务"),
            format!("Your tasks today: {count}"),
        ),
        greeting: greeting(name, locale),
        paragraphs,
        link: Some((pick(locale, "打开我的工作", "Open my work").to_string(), link)),
        footer: Some(
            pick(
                locale,
                "您订阅了每日摘要；可在“我的工作”页面取消。",
                "You get this daily digest because you turned it on; turn it off on the My work page.",
            )
            .to_string(),
        ),
        ..Letter::default()
    }
}

/// To the account's owner: a playbook fired for their account.
pub fn playbook_fired(
    name: &str,
    locale: Locale,
    playbook: &str,
    account: &str,
    tasks: u64,
    link: String,
) -> Letter {
    Letter {
        subject: pick(
            locale,
            format!("剧本「{playbook}」已为 {account} 启动"),
            format!("Playbook \"{playbook}\" started for {account}"),
        ),
        greeting: greeting(name, locale),
        paragraphs: vec![pick(
            locale,
            format!("客户「{account}」触发了剧本「{playbook}」，已创建 {tasks} 项任务。"),
            format!("The account \"{account}\" triggered the playbook \"{playbook}\"; {tasks} tasks were made."),
        )],
        link: Some((pick(locale, "查看客户", "Open the account").to_string(), link)),
        ..Letter::default()
    }
}
