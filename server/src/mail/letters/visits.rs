//! The signed on-site service report, sent to the account's customer
//! admins with the PDF attached, in the language of their login.

use shared::Locale;

use super::{greeting, pick, Letter};

/// What the mail says about the visit.
pub struct SignedReport<'a> {
    pub visit_id: i64,
    /// The customer's name.
    pub account: &'a str,
    /// The day and slot, as written.
    pub time: &'a str,
    pub engineer: &'a str,
    pub signer: &'a str,
    /// Whether the PDF is attached (not when the server has no CJK font).
    pub attached: bool,
    /// Where the customer reads it in the portal.
    pub link: String,
}

pub fn signed_report(r: &SignedReport<'_>, name: &str, locale: Locale) -> Letter {
    let SignedReport {
        visit_id,
        account,
        time,
        engineer,
        signer,
        attached,
        ..
    } = *r;
    let (zh_pdf, en_pdf) = if attached {
        ("报告（PDF）见附件。", "the report (PDF) is attached.")
    } else {
        (
            "报告可在门户中查看。",
            "you can read the report in the portal.",
        )
    };
    Letter {
        subject: pick(
            locale,
            format!("上门服务报告已签字：{account} #{visit_id}"),
            format!("On-site service report signed: {account} #{visit_id}"),
        ),
        greeting: greeting(name, locale),
        paragraphs: vec![
            pick(
                locale,
                format!("{signer} 已签署上门服务报告 #{visit_id}，{zh_pdf}"),
                format!("{signer} signed the report of on-site visit #{visit_id}; {en_pdf}"),
            ),
            pick(locale, format!("时间：{time}"), format!("When: {time}")),
            pick(
                locale,
                format!("工程师：{engineer}"),
                format!("Engineer: {engineer}"),
            ),
        ],
        link: Some((
            pick(locale, "在门户中查看", "View it in the portal").to_string(),
            r.link.clone(),
        )),
        ..Letter::default()
    }
}
