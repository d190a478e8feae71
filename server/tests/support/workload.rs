//! The jobs workload both the in-process replica test
//! (`tests/api/replica_jobs.rs`) and the cluster drill
//! (`tests/cluster/main.rs`) feed their replicas, and the check they make
//! of the mail that went out.

use std::collections::HashMap;

use serde_json::{json, Value};
use server::entity::email_outbox;

/// The customer who mails in.
pub const CONTACT: &str = "wang.fang@kehu.cn";

/// A customer's mail to the IMAP channel.
pub fn raw_mail(message_id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: {CONTACT}\r\nTo: replicas@vendor.cn\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0800\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n系统报错，请尽快处理。\r\n"
    )
    .into_bytes()
}

/// A playbook step: a high-priority call for the account's owner.
pub fn playbook_step(zh: &str, en: &str, offset: i64) -> Value {
    json!({"title_zh": zh, "title_en": en, "task_type": "call", "priority": "high",
           "day_offset": offset, "assignee": "account_owner"})
}

/// Every queued mail was sent, and reached the SMTP server(s) exactly
/// once (`received`: arrivals by Message-ID); the sent ones.
pub fn each_sent_once<'a>(
    received: &HashMap<String, usize>,
    queued: &'a [email_outbox::Model],
) -> Vec<&'a email_outbox::Model> {
    let sent: Vec<&email_outbox::Model> = queued.iter().filter(|m| m.status == "sent").collect();
    assert_eq!(sent.len(), queued.len(), "every queued mail sent");
    for mail in &sent {
        assert_eq!(
            received.get(mail.message_id.trim()),
            Some(&1),
            "{} to {} ({:?}) went out once",
            mail.message_id,
            mail.to_addr,
            mail.dedupe_key
        );
    }
    sent
}
