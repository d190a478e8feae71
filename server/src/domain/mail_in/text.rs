//! Reading a received mail: is it automatic (loops, bulk, bounces), whom
//! did a bounce fail to reach, which Message-IDs does it refer to, what
//! did the sender write (quoted history and signature cut), and which
//! module and priority its words suggest.

use mail_parser::{HeaderValue, Message, MimeHeaders, PartType};
use shared::mail_in::KeywordRule;
use shared::tickets::TicketPriority;
use shared::ErpModule;

/// A header's text, whatever shape the parser gave it.
fn header_text(msg: &Message<'_>, name: &str) -> Option<String> {
    match msg.header(name)? {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(list) => Some(list.join(", ")),
        other => other.as_text().map(str::to_string),
    }
}

/// The sender's address, lower-cased.
pub(super) fn sender(msg: &Message<'_>) -> Option<(String, Option<String>)> {
    let addr = msg.from()?.first()?;
    let address = addr.address()?.trim().to_lowercase();
    if address.is_empty() {
        return None;
    }
    Some((address, addr.name().map(str::to_string)))
}

fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or_default()
}

/// A delivery-failure report: `multipart/report; report-type=delivery-status`,
/// or mail from the mailer daemon / postmaster.
pub(super) fn is_bounce(msg: &Message<'_>, from: Option<&str>) -> bool {
    let report = msg.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let daemon = from.is_some_and(|f| {
        let local = local_part(f);
        local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
    });
    report || daemon
}

/// Why a mail is automatic (an auto-reply, a list or bulk mail) and must
/// never open a ticket or be answered; `None` when a person wrote it.
pub(super) fn automatic(msg: &Message<'_>) -> Option<String> {
    if let Some(v) = header_text(msg, "Auto-Submitted") {
        if !v.trim().eq_ignore_ascii_case("no") {
            return Some(format!("Auto-Submitted: {}", v.trim()));
        }
    }
    if let Some(v) = header_text(msg, "Precedence") {
        let v = v.trim().to_ascii_lowercase();
        if ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str()) {
            return Some(format!("Precedence: {v}"));
        }
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(v) = header_text(msg, name) {
            return Some(format!("{name}: {}", v.trim()));
        }
    }
    if header_text(msg, "List-Id").is_some() || header_text(msg, "List-Unsubscribe").is_some() {
        return Some("mailing list".into());
    }
    None
}

/// The addresses a bounce says could not be reached.
pub(super) fn failed_recipients(msg: &Message<'_>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(list) = header_text(msg, "X-Failed-Recipients") {
        found.extend(list.split(',').map(|a| a.trim().to_lowercase()));
    }
    for part in msg.parts.iter() {
        let status = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("delivery-status"))
        });
        if !status {
            continue;
        }
        let text = match &part.body {
            PartType::Text(t) => t.to_string(),
            PartType::Html(t) => t.to_string(),
            PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into(),
            PartType::Message(m) => String::from_utf8_lossy(m.raw_message()).into(),
            PartType::Multipart(_) => continue,
        };
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if name.eq_ignore_ascii_case("Final-Recipient")
                || name.eq_ignore_ascii_case("Original-Recipient")
            {
                // `rfc822; someone@example.com`
                let address = value.rsplit(';').next().unwrap_or_default();
                found.push(address.trim().trim_matches(['<', '>']).to_lowercase());
            }
        }
    }
    found.retain(|a| a.contains('@'));
    found.sort();
    found.dedup();
    found
}

/// The Message-IDs a mail replies to (`In-Reply-To`, then `References`
/// newest first), in the stored form: without angle brackets.
pub(super) fn referenced_ids(msg: &Message<'_>) -> Vec<String> {
    let mut ids = Vec::new();
    let mut add = |value: &HeaderValue<'_>, newest_first: bool| {
        let mut list: Vec<String> = match value {
            HeaderValue::Text(t) => vec![t.to_string()],
            HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        };
        if newest_first {
            list.reverse();
        }
        for id in list {
            let id = bare_id(&id);
            if !id.is_empty() && !ids.contains(&id) {
                ids.push(id);
            }
        }
    };
    add(msg.in_reply_to(), false);
    add(msg.references(), true);
    ids
}

/// A Message-ID without its angle brackets and blanks.
pub(super) fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

/// The text of the mail (the HTML part made text when there is no plain one).
pub(super) fn body_of(msg: &Message<'_>) -> String {
    msg.body_text(0).map(|b| b.to_string()).unwrap_or_default()
}

fn is_attribution(line: &str, next: Option<&str>) -> bool {
    let t = line.trim();
    let wrote = |s: &str| {
        let s = s.trim_end();
        s.ends_with("wrote:") || s.ends_with("writes:")
    };
    (t.starts_with("On ") && (wrote(t) || next.is_some_and(wrote)))
        || (t.starts_with('在') && (t.contains("写道") || next.is_some_and(|n| n.contains("写道"))))
}

fn is_original_marker(line: &str) -> bool {
    let t = line.trim().trim_matches('-').trim().to_lowercase();
    let dashed = line.trim().starts_with("---");
    (dashed
        && (t == "original message"
            || t == "原始邮件"
            || t == "原始郵件"
            || t == "forwarded message"))
        || (line.trim().len() >= 20 && line.trim().chars().all(|c| c == '_'))
}

fn is_header_block(lines: &[&str], at: usize) -> bool {
    let t = lines[at].trim();
    let from = t.starts_with("From:") || t.starts_with("发件人:") || t.starts_with("发件人：");
    from && lines[at + 1..].iter().take(4).any(|l| {
        let l = l.trim();
        l.starts_with("Sent:")
            || l.starts_with("Date:")
            || l.starts_with("发送时间")
            || l.starts_with("日期")
    })
}

/// What the sender wrote: the text up to the quoted history (an
/// attribution line such as "On … wrote:" or "在 … 写道：", an Outlook
/// "-----Original Message-----" / "-----原始邮件-----" or "From: … Sent:"
/// block) or the signature ("-- "), without lines quoted with '>'.
pub fn reply_text(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied();
        if line.trim_end() == "--"
            || *line == "-- "
            || is_attribution(line, next)
            || is_original_marker(line)
            || is_header_block(&lines, i)
        {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    while kept.first().is_some_and(|l| l.trim().is_empty()) {
        kept.remove(0);
    }
    kept.join("\n")
}

/// The module and priority the first matching rules name.
pub(super) fn guess(
    rules: &[KeywordRule],
    subject: &str,
    body: &str,
) -> (Option<ErpModule>, Option<TicketPriority>) {
    let text = format!("{subject}\n{body}").to_lowercase();
    let mut module = None;
    let mut priority = None;
    for rule in rules {
        let keyword = rule.keyword.trim().to_lowercase();
        if keyword.is_empty() || !text.contains(&keyword) {
            continue;
        }
        module = module.or(rule.module);
        priority = priority.or(rule.priority);
    }
    (module, priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_signatures_are_cut() {
        let mail = "Thanks, it works now.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <s@x.cn> wrote:\n> Try again\n";
        assert_eq!(reply_text(mail), "Thanks, it works now.");
        let wrapped = "OK\nOn Mon, 1 Dec 2026 at 10:00, Support\n<s@x.cn> wrote:\n> old";
        assert_eq!(reply_text(wrapped), "OK");
        let zh =
            "好的，已经可以过账了。\n\n在 2026年12月1日 10:00，客服 <s@x.cn> 写道：\n> 请重试\n";
        assert_eq!(reply_text(zh), "好的，已经可以过账了。");
        let outlook =
            "见附件\r\n\r\n-----原始邮件-----\r\n发件人: 客服\r\n发送时间: 2026年12月1日\r\n";
        assert_eq!(reply_text(outlook), "见附件");
        let en = "Done\n-----Original Message-----\nFrom: a\nSent: b\n";
        assert_eq!(reply_text(en), "Done");
        let block = "Fine\n\nFrom: Support <s@x.cn>\nSent: Monday\nTo: me\nSubject: x\n\nold";
        assert_eq!(reply_text(block), "Fine");
        let sig = "Line one\n> quoted inline\nLine two\n-- \n张三\n财务部";
        assert_eq!(reply_text(sig), "Line one\nLine two");
        assert_eq!(
            reply_text("From: here we go\nno header block"),
            "From: here we go\nno header block"
        );
    }

    #[test]
    fn keywords_guess_module_and_priority() {
        let rules = vec![
            KeywordRule {
                keyword: "凭证".into(),
                module: Some(ErpModule::Finance),
                priority: None,
            },
            KeywordRule {
                keyword: "URGENT".into(),
                module: Some(ErpModule::Sales),
                priority: Some(TicketPriority::P1),
            },
        ];
        assert_eq!(
            guess(&rules, "凭证无法过账 urgent", ""),
            (Some(ErpModule::Finance), Some(TicketPriority::P1))
        );
        assert_eq!(guess(&rules, "hello", "nothing"), (None, None));
    }
}
