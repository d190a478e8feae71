//! Chat messages: what an event says in a group (markdown, in the bot's
//! language), and the request body each platform documents.
//!
//! - 企业微信 group robot: `{"msgtype":"markdown","markdown":{"content"}}`;
//!   @mentions by mobile exist only for `text` messages
//!   (`text.mentioned_mobile_list`), so a rule that mentions sends text.
//! - 钉钉 custom robot: `{"msgtype":"markdown","markdown":{"title","text"},
//!   "at":{"atMobiles","isAtAll"}}`; with a secret the URL gets
//!   `&timestamp=<ms>&sign=<urlencoded base64>` (加签).
//! - 飞书 custom bot: `{"timestamp","sign","msg_type":"interactive","card"}`
//!   with a markdown element; it has no @mention by mobile number.
//!
//! All three answer HTTP 200 with a code (`errcode` / `code`) that is 0 on
//! success.

use serde_json::{json, Value};
use shared::integrations::{ChatBotKind, EventType};
use shared::{ErpModule, Locale};

use super::sign;
use crate::mail::letters::pick;

/// A message: its title line and further lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
}

fn module_name(module: &str, locale: Locale) -> String {
    match module.parse::<ErpModule>() {
        Ok(m) => pick(
            locale,
            format!("{}模块", m.zh_name()),
            format!("{} module", m.as_str()),
        ),
        Err(_) => module.to_string(),
    }
}

fn priority_label(priority: &str) -> String {
    priority.to_uppercase()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn change_line(data: &Value, field: &str, label: &str) -> Option<String> {
    let change = &data["changes"][field];
    if change.is_null() {
        return None;
    }
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    };
    Some(format!(
        "{label}: {} → {}",
        show(&change["from"]),
        show(&change["to"])
    ))
}

/// What `event_type` with `data` says, in `locale`. E.g. ticket.created:
/// "【P1 工单】#1234 总账结账失败 — 财务模块".
pub fn render(event_type: &str, data: &Value, locale: Locale) -> Message {
    let ticket = &data["ticket"];
    let account = &data["account"];
    let account_line = || {
        if account.is_null() {
            None
        } else {
            Some(format!(
                "{}: {} ({})",
                pick(locale, "客户", "Account"),
                s(account, "name"),
                s(account, "code")
            ))
        }
    };
    let ticket_title = |what_zh: &str, what_en: &str| {
        let p = priority_label(s(ticket, "priority"));
        format!(
            "{}#{} {} — {}",
            pick(
                locale,
                format!("【{p} 工单{what_zh}】"),
                format!("[{p} ticket{what_en}] ")
            ),
            ticket["number"].as_i64().unwrap_or_default(),
            s(ticket, "subject"),
            module_name(s(ticket, "module"), locale)
        )
    };
    let (title, mut lines) = match event_type.parse::<EventType>() {
        Ok(EventType::TicketCreated) => (ticket_title("", ""), vec![]),
        Ok(EventType::TicketUpdated) => (
            ticket_title("更新", " updated"),
            [
                change_line(data, "status", pick(locale, "状态", "Status")),
                change_line(data, "priority", pick(locale, "优先级", "Priority")),
                change_line(data, "assignee_id", pick(locale, "处理人", "Assignee")),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ),
        Ok(EventType::TicketCommented) => (
            ticket_title("新回复", " reply"),
            vec![format!("> {}", s(&data["comment"], "excerpt"))],
        ),
        Ok(EventType::TicketSlaBreached) => (
            ticket_title(" SLA 超时", " SLA breached"),
            vec![format!(
                "{}: {}",
                pick(locale, "超时目标", "Missed target"),
                s(&data["sla"], "target")
            )],
        ),
        Ok(EventType::AccountCreated) => (
            pick(locale, "【新客户】", "[New account] ").to_string() + s(account, "name"),
            vec![],
        ),
        Ok(EventType::AccountStageChanged) => (
            pick(locale, "【客户阶段变更】", "[Account stage] ").to_string() + s(account, "name"),
            change_line(data, "stage", pick(locale, "阶段", "Stage"))
                .into_iter()
                .collect(),
        ),
        Ok(EventType::AccountHealthBandChanged) => {
            let health = &data["health"];
            (
                format!(
                    "{}{} — {}",
                    pick(locale, "【客户健康度】", "[Account health] "),
                    s(account, "name"),
                    s(health, "band")
                ),
                vec![format!(
                    "{}: {} → {} ({} {})",
                    pick(locale, "健康度", "Health"),
                    s(health, "previous_band"),
                    s(health, "band"),
                    pick(locale, "分数", "score"),
                    health["score"]
                )],
            )
        }
        Ok(EventType::RenewalStageChanged) => (
            pick(locale, "【续约阶段变更】", "[Renewal stage] ").to_string() + s(account, "name"),
            change_line(data, "stage", pick(locale, "阶段", "Stage"))
                .into_iter()
                .collect(),
        ),
        Ok(EventType::RenewalDueSoon) => {
            let contract = &data["contract"];
            let days = data["days_left"].as_i64().unwrap_or_default();
            (
                format!(
                    "{}{} — {}",
                    pick(locale, "【续约提醒】", "[Renewal due soon] "),
                    s(account, "name"),
                    pick(locale, format!("剩 {days} 天"), format!("{days} days left"))
                ),
                vec![
                    format!(
                        "{}: {}",
                        pick(locale, "到期日", "Due on"),
                        s(data, "due_on")
                    ),
                    format!(
                        "{}: {} {}",
                        pick(locale, "年度金额", "Annual value"),
                        s(contract, "annual_value"),
                        s(contract, "currency")
                    ),
                ],
            )
        }
        Ok(EventType::ContractCreated) => {
            let contract = &data["contract"];
            (
                pick(locale, "【新合同】", "[New contract] ").to_string() + s(account, "name"),
                vec![format!(
                    "{}: {} – {}, {} {}",
                    pick(locale, "合同期", "Term"),
                    s(contract, "starts_on"),
                    s(contract, "ends_on"),
                    s(contract, "annual_value"),
                    s(contract, "currency")
                )],
            )
        }
        Ok(EventType::SurveyAnswered) => {
            let response = &data["response"];
            (
                pick(locale, "【调查回复】", "[Survey answered] ").to_string()
                    + s(&data["survey"], "name"),
                vec![format!(
                    "{}: {}",
                    pick(locale, "评分", "Score"),
                    response["score"]
                )],
            )
        }
        Ok(EventType::ImportFinished) => (
            pick(locale, "【导入完成】", "[Import finished]").to_string(),
            vec![],
        ),
        Err(_) => (
            pick(
                locale,
                "【测试消息】Steward 机器人已连接",
                "[Test message] Steward's bot is connected",
            )
            .to_string(),
            vec![],
        ),
    };
    if event_type.starts_with("ticket.") || event_type.starts_with("account.health") {
        lines.extend(account_line());
    }
    Message { title, lines }
}

impl Message {
    pub fn markdown(&self) -> String {
        let mut out = format!("**{}**", self.title);
        for line in &self.lines {
            out.push('\n');
            out.push_str(line);
        }
        out
    }

    pub fn plain(&self) -> String {
        let mut out = self.title.clone();
        for line in &self.lines {
            out.push('\n');
            out.push_str(line.trim_start_matches("> "));
        }
        out
    }
}

/// The URL and JSON body to post to a bot, signed where the platform
/// signs, at `now`.
pub fn request(
    kind: ChatBotKind,
    webhook_url: &str,
    secret: Option<&str>,
    message: &Message,
    mobiles: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> (String, Value) {
    match kind {
        ChatBotKind::Wecom => {
            let body = if mobiles.is_empty() {
                json!({"msgtype": "markdown", "markdown": {"content": message.markdown()}})
            } else {
                json!({
                    "msgtype": "text",
                    "text": {"content": message.plain(), "mentioned_mobile_list": mobiles},
                })
            };
            (webhook_url.to_string(), body)
        }
        ChatBotKind::Dingtalk => {
            // DingTalk shows an @mention only when the text names the number.
            let mut text = message.markdown();
            if !mobiles.is_empty() {
                text.push('\n');
                text.push_str(
                    &mobiles
                        .iter()
                        .map(|m| format!("@{m}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            let body = json!({
                "msgtype": "markdown",
                "markdown": {"title": message.title, "text": text},
                "at": {"atMobiles": mobiles, "isAtAll": false},
            });
            let url = match secret {
                Some(secret) => {
                    let ts = now.timestamp_millis();
                    let sign: String = url::form_urlencoded::byte_serialize(
                        sign::dingtalk_sign(secret, ts).as_bytes(),
                    )
                    .collect();
                    let sep = if webhook_url.contains('?') { '&' } else { '?' };
                    format!("{webhook_url}{sep}timestamp={ts}&sign={sign}")
                }
                None => webhook_url.to_string(),
            };
            (url, body)
        }
        ChatBotKind::Feishu => {
            let mut body = json!({
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": message.title}},
                    "elements": [{"tag": "markdown", "content": message.lines.join("\n")}],
                },
            });
            if let Some(secret) = secret {
                let ts = now.timestamp();
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(sign::feishu_sign(secret, ts));
            }
            (webhook_url.to_string(), body)
        }
    }
}

/// Whether a platform's answer says the message was taken: `errcode`
/// (WeCom, DingTalk) or `code` / `StatusCode` (Feishu) is 0.
pub fn accepted(kind: ChatBotKind, body: &str) -> Result<(), String> {
    let value: Value =
        serde_json::from_str(body).map_err(|_| "the answer is not JSON".to_string())?;
    let code = match kind {
        ChatBotKind::Wecom | ChatBotKind::Dingtalk => value["errcode"].as_i64(),
        ChatBotKind::Feishu => value["code"].as_i64().or(value["StatusCode"].as_i64()),
    };
    match code {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "the platform refused the message (code {code}: {})",
            value["errmsg"]
                .as_str()
                .or(value["msg"].as_str())
                .unwrap_or("")
        )),
        None => Err("the answer carries no result code".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_p1_finance_ticket_reads_as_the_team_expects() {
        let data = json!({
            "ticket": {"number": 1234, "subject": "总账结账失败", "module": "finance", "priority": "p1"},
            "account": {"name": "华东机械", "code": "1001"},
        });
        let zh = render("ticket.created", &data, Locale::ZhCn);
        assert_eq!(zh.title, "【P1 工单】#1234 总账结账失败 — 财务模块");
        let en = render("ticket.created", &data, Locale::En);
        assert_eq!(en.title, "[P1 ticket] #1234 总账结账失败 — finance module");
    }

    #[test]
    fn a_renewal_due_soon_names_the_account_and_the_days_left() {
        let data = json!({
            "account": {"name": "华东机械", "code": "1001"},
            "contract": {"annual_value": "128000.00", "currency": "CNY"},
            "due_on": "2027-06-30", "days_left": 30, "offset_days": 30,
        });
        let zh = render("renewal.due_soon", &data, Locale::ZhCn);
        assert_eq!(zh.title, "【续约提醒】华东机械 — 剩 30 天");
        assert_eq!(zh.lines, ["到期日: 2027-06-30", "年度金额: 128000.00 CNY"]);
        let en = render("renewal.due_soon", &data, Locale::En);
        assert_eq!(en.title, "[Renewal due soon] 华东机械 — 30 days left");
    }
}
