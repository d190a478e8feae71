//! Every text Steward e-mails, one file per area, and the one place a
//! mail's language is chosen ([`pick`]). A [`Letter`] is one e-mail's
//! content in one language, rendered as a plain-text part and an HTML part
//! that say the same thing. Everything that comes from users (names,
//! subjects, comment text) is escaped in the HTML part.
//!
//! - [`accounts`]: invitation, password reset, address confirmation
//!   (bilingual: the reader's language is not known yet)
//! - [`tickets`]: what a ticket's changes announce
//! - [`renewals`]: renewal reminders and escalations
//! - [`expiry`]: agreements and licences about to end
//! - [`training`]: training invitations, updates and cancellations
//! - [`surveys`]: the survey invitation (bilingual: it goes to contacts)
//! - [`visits`]: the signed on-site service report, with its PDF

pub mod accounts;
pub mod advisories;
pub mod centres;
pub mod expiry;
pub mod integrations;
pub mod renewals;
pub mod surveys;
pub mod tasks;
pub mod tickets;
pub mod time_log;
pub mod training;
// On-site visits (issue 16).
pub mod visits;

use shared::Locale;

use super::OutgoingMail;

/// The one language switch of mail texts: each text is written in both
/// languages side by side, and the recipient's language picks one.
pub fn pick<T>(locale: Locale, zh: T, en: T) -> T {
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

/// The parts of a mail; `text()` and `html()` render the same content.
#[derive(Debug, Clone, Default)]
pub struct Letter {
    pub subject: String,
    /// "Hello Li Lei," or "李雷，您好：".
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// Quoted text from a user, e.g. the body of a reply.
    pub quote: Option<String>,
    /// A call to action: label and address.
    pub link: Option<(String, String)>,
    /// A closing paragraph after the link.
    pub footer: Option<String>,
}

/// The salutation of a mail: "李雷，您好：" or "Hello Li Lei,".
pub fn greeting(name: &str, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("{name}，您好："),
        Locale::En => format!("Hello {name},"),
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Letter {
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.greeting);
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        if let Some(quote) = &self.quote {
            for line in quote.lines() {
                out.push_str("> ");
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        }
        if let Some((label, url)) = &self.link {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        if let Some(footer) = &self.footer {
            out.push_str(footer);
            out.push('\n');
        }
        out.trim_end().to_string() + "\n"
    }

    pub fn html(&self) -> String {
        let mut body = format!("<p>{}</p>\n", escape(&self.greeting));
        for p in &self.paragraphs {
            body.push_str(&format!("<p>{}</p>\n", escape(p)));
        }
        if let Some(quote) = &self.quote {
            body.push_str(&format!(
                "<blockquote style=\"margin:0 0 1em;padding:.5em 1em;border-left:3px solid #c7d2fe;color:#374151;white-space:pre-wrap\">{}</blockquote>\n",
                escape(quote)
            ));
        }
        if let Some((label, url)) = &self.link {
            body.push_str(&format!(
                "<p><a href=\"{}\" style=\"display:inline-block;padding:.5em 1em;background:#4f46e5;color:#fff;border-radius:4px;text-decoration:none\">{}</a></p>\n",
                escape(url),
                escape(label)
            ));
        }
        if let Some(footer) = &self.footer {
            body.push_str(&format!(
                "<p style=\"color:#6b7280\">{}</p>\n",
                escape(footer)
            ));
        }
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
             <body style=\"font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;font-size:14px;line-height:1.6;color:#111827\">\n{}</body></html>\n",
            escape(&self.subject),
            body
        )
    }

    /// Mail about the recipient's own login, which a workspace sends even
    /// before its address is confirmed.
    pub fn own_address_mail(self, workspace_id: i64, to: &str) -> OutgoingMail {
        OutgoingMail {
            to_own_address: true,
            ..self.into_mail(Some(workspace_id), to.to_string(), None)
        }
    }

    pub fn into_mail(
        self,
        workspace_id: Option<i64>,
        to: String,
        dedupe_key: Option<String>,
    ) -> OutgoingMail {
        OutgoingMail {
            workspace_id,
            to,
            body_text: self.text(),
            body_html: Some(self.html()),
            subject: self.subject,
            dedupe_key,
            attachment: None,
            to_own_address: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            subject: "Ticket #7 <b>".into(),
            greeting: "Hello Li & Co,".into(),
            paragraphs: vec!["Ticket #7 \"<script>alert(1)</script>\" is resolved.".into()],
            quote: Some("line one\nline two".into()),
            link: Some((
                "Rate".into(),
                "https://x.test/portal/tickets/7?a=1&b=2".into(),
            )),
            footer: Some("Thanks".into()),
        }
    }

    #[test]
    fn html_escapes_everything_that_came_from_users() {
        let html = letter().html();
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Hello Li &amp; Co,"));
        assert!(html.contains("href=\"https://x.test/portal/tickets/7?a=1&amp;b=2\""));
        assert!(html.contains("<title>Ticket #7 &lt;b&gt;</title>"));
    }

    #[test]
    fn text_and_html_carry_the_same_content() {
        let l = letter();
        let text = l.text();
        assert!(text.starts_with("Hello Li & Co,\n\n"));
        assert!(text.contains("> line one\n> line two\n"));
        assert!(text.contains("Rate:\nhttps://x.test/portal/tickets/7?a=1&b=2\n"));
        assert!(text.ends_with("Thanks\n"));
        let html = l.html();
        assert!(html.contains("line one\nline two</blockquote>"));
        assert!(html.contains(">Rate</a>"));
    }
}
