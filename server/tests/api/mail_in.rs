//! E-mail in (issue 14): mail channels, the raw inbound hook, threading of
//! replies onto tickets, new and follow-up tickets, unknown senders,
//! automatic mail and bounces, Chinese charsets, exactly-once processing,
//! and IMAP polling through a real Dovecot.

pub(crate) mod dovecot;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const CONTACT: &str = "li.na@kehu.cn";
const SUPPORT: &str = "support@vendor.cn";

struct World {
    app: TestApp,
    admin: Session,
    engineer: Session,
    account_id: i64,
    contact_id: i64,
    channel_id: i64,
    token: String,
}

/// A workspace with a finance module owner, a customer account with one
/// contact (no portal login) and an inbound mail channel guessing finance
/// P1 from "凭证".
async fn world(app: TestApp) -> World {
    let admin = app.signup("Vendor 软件", "admin@vendor.cn").await;
    let engineer = app.staff(&admin, "engineer", "eng@vendor.cn").await;
    let r = app
        .put(
            "/api/v1/settings/module-owners",
            &admin.token,
            json!({"finance": engineer.id(), "sales": engineer.id()}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let account = app.create_account(&admin.token, "客户公司", "1001").await;
    let account_id = account["id"].as_i64().unwrap();
    let contact = app
        .create_contact(&admin.token, account_id, "李娜", CONTACT)
        .await;
    let created = create_channel(
        &app,
        &admin,
        json!({"name": "客服邮箱", "address": SUPPORT, "kind": "inbound",
               "keywords": [{"keyword": "凭证", "module": "finance", "priority": "p1"}]}),
    )
    .await;
    World {
        account_id,
        contact_id: contact["id"].as_i64().unwrap(),
        channel_id: created["channel"]["id"].as_i64().unwrap(),
        token: created["inbound_token"].as_str().unwrap().to_string(),
        app,
        admin,
        engineer,
    }
}

async fn create_channel(app: &TestApp, admin: &Session, body: Value) -> Value {
    let r = app
        .post("/api/v1/settings/mail-channels", &admin.token, body)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// A plain-text mail; `headers` are extra lines such as `In-Reply-To: <x>`.
fn mail(from: &str, message_id: &str, subject: &str, body: &str, headers: &[&str]) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Mon, 7 Dec 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
    );
    for h in headers {
        m.push_str(h);
        m.push_str("\r\n");
    }
    m.push_str(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    );
    m.push_str(&body.replace('\n', "\r\n"));
    m.into_bytes()
}

async fn post_raw(
    app: &TestApp,
    channel: i64,
    token: Option<&str>,
    raw: Vec<u8>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/inbound/email/{channel}")))
        .header("Content-Type", "message/rfc822")
        .body(raw);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

impl World {
    async fn post(&self, raw: Vec<u8>) -> Value {
        let r = post_raw(&self.app, self.channel_id, Some(&self.token), raw).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.app.get(path, &self.admin.token).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn comments(&self, ticket: i64) -> Vec<Value> {
        self.get(&format!("/api/v1/tickets/{ticket}/comments"))
            .await
            .as_array()
            .unwrap()
            .clone()
    }

    async fn tickets(&self) -> Vec<Value> {
        self.get("/api/v1/tickets?limit=200").await["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

#[actix_web::test]
async fn a_contacts_mail_opens_a_routed_ticket_and_replies_thread_onto_it() {
    let w = world(spawn_app().await).await;
    let opened = w
        .post(mail(
            &format!("李娜 <{CONTACT}>"),
            "first@kehu.cn",
            "凭证无法过账",
            "月末结账时凭证过账报错，请帮忙。\n\n-- \n李娜 财务主管",
            &[],
        ))
        .await;
    assert_eq!(opened["status"], "ticket_created", "{opened}");
    assert_eq!(opened["duplicate"], false);
    let id = opened["ticket_id"].as_i64().unwrap();
    let ticket = w.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["subject"], "凭证无法过账");
    assert_eq!(ticket["account_id"], w.account_id);
    assert_eq!(ticket["module"], "finance");
    assert_eq!(ticket["priority"], "p1");
    // Routed to the module's owner, as tickets opened in Steward are.
    assert_eq!(ticket["assignee_id"], w.engineer.id());
    assert!(ticket["description"].as_str().unwrap().contains("过账报错"));
    let requester = ticket["requester_user_id"].as_i64().expect("a requester");
    let contact = w.get(&format!("/api/v1/contacts/{}", w.contact_id)).await;
    assert_eq!(contact["portal_user_id"], requester);
    assert!(contact["email_failing_at"].is_null());

    // The contact hears of it, in a mail that names the ticket's thread.
    let ack = w.app.mail.wait_for(CONTACT).await;
    let number = ticket["number"].as_i64().unwrap();
    let subject = ack.header("Subject").unwrap();
    assert!(subject.contains(&format!("[#{number}]")), "{subject}");
    let root = format!("<ticket-{id}@steward.test>");
    assert_eq!(ack.header("In-Reply-To").as_deref(), Some(root.as_str()));
    assert_eq!(ack.header("References").as_deref(), Some(root.as_str()));
    assert!(ack.header("Reply-To").unwrap().contains(SUPPORT));
    let ack_id = ack.header("Message-ID").unwrap();

    // A reply naming the acknowledgement's Message-ID (no tag in its
    // subject) becomes the contact's public comment, quote and signature cut.
    let reply = w
        .post(mail(
            CONTACT,
            "reply-1@kehu.cn",
            "答复: 你好",
            "补充：是 2026 年 11 月的凭证。\n\n在 2026年12月7日 10:05，客服 <support@vendor.cn> 写道：\n> 工单已创建\n",
            &[&format!("In-Reply-To: {ack_id}"), &format!("References: {ack_id}")],
        ))
        .await;
    assert_eq!(reply["status"], "commented", "{reply}");
    assert_eq!(reply["ticket_id"], id);
    let comments = w.comments(id).await;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["body"], "补充：是 2026 年 11 月的凭证。");
    assert_eq!(comments[0]["via"], "email");
    assert_eq!(comments[0]["internal"], false);
    assert_eq!(comments[0]["author_user_id"], requester);
    let inbound_id = comments[0]["inbound_message_id"].as_i64().unwrap();
    assert_eq!(inbound_id, reply["inbound_message_id"].as_i64().unwrap());
    // The original is kept and shown to staff as received.
    let raw = w
        .app
        .get(
            &format!("/api/v1/inbound-messages/{inbound_id}"),
            &w.admin.token,
        )
        .await;
    assert_eq!(raw.status(), StatusCode::OK);
    assert!(raw.text().await.unwrap().contains("写道"));

    // A reply found by the subject tag alone, with a file attached.
    let attachment = base64::engine::general_purpose::STANDARD.encode("借方,贷方\n100,100\n");
    let tagged = format!(
        "From: {CONTACT}\r\nTo: {SUPPORT}\r\nSubject: RE: 凭证 [#{number}]\r\nMessage-ID: <reply-2@kehu.cn>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n附上凭证明细。\r\n\
         -----原始邮件-----\r\n发件人: 客服\r\n发送时间: 2026年12月7日\r\n\r\n\
         --b1\r\nContent-Type: text/csv; name=\"凭证.csv\"\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?{}?=\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b1--\r\n",
        base64::engine::general_purpose::STANDARD.encode("凭证.csv")
    );
    let second = w.post(tagged.clone().into_bytes()).await;
    assert_eq!(second["status"], "commented", "{second}");
    assert_eq!(second["ticket_id"], id);
    let comments = w.comments(id).await;
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1]["body"], "附上凭证明细。");
    let files = w.get(&format!("/api/v1/tickets/{id}/attachments")).await;
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["file_name"], "凭证.csv");
    assert_eq!(files[0]["content_type"], "text/csv");

    // The same message again (a retry, a second fetch) changes nothing.
    let again = w.post(tagged.into_bytes()).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["inbound_message_id"], second["inbound_message_id"]);
    assert_eq!(w.comments(id).await.len(), 2);
    assert_eq!(w.tickets().await.len(), 1);

    // Posted at the same moment, a message is processed once.
    let raw = mail(
        CONTACT,
        "race@kehu.cn",
        &format!("Re: [#{number}]"),
        "并发",
        &[],
    );
    let (a, b) = tokio::join!(w.post(raw.clone()), w.post(raw));
    assert_eq!(
        [a["duplicate"].as_bool(), b["duplicate"].as_bool()]
            .iter()
            .filter(|d| **d == Some(true))
            .count(),
        1,
        "{a} {b}"
    );
    assert_eq!(w.comments(id).await.len(), 3);
}

#[actix_web::test]
async fn a_contacts_first_mails_at_once_make_one_login() {
    let w = world(spawn_app().await).await;
    let raws: Vec<Vec<u8>> = (0..4)
        .map(|n| {
            mail(
                CONTACT,
                &format!("burst-{n}@kehu.cn"),
                &format!("问题 {n}"),
                "请看",
                &[],
            )
        })
        .collect();
    let (a, b, c, d) = tokio::join!(
        w.post(raws[0].clone()),
        w.post(raws[1].clone()),
        w.post(raws[2].clone()),
        w.post(raws[3].clone())
    );
    let mut requesters = Vec::new();
    for r in [a, b, c, d] {
        assert_eq!(r["status"], "ticket_created", "{r}");
        let t = w.get(&format!("/api/v1/tickets/{}", r["ticket_id"])).await;
        requesters.push(t["requester_user_id"].as_i64().unwrap());
    }
    requesters.dedup();
    assert_eq!(requesters.len(), 1, "{requesters:?}");
    let contact = w.get(&format!("/api/v1/contacts/{}", w.contact_id)).await;
    assert_eq!(contact["portal_user_id"], requesters[0]);
}

#[actix_web::test]
async fn a_reply_to_a_long_closed_ticket_opens_a_follow_up() {
    let start = chrono::DateTime::parse_from_rfc3339("2031-03-02T02:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let app = spawn_app_at(start).await;
    let clock = app.clock.clone().unwrap();
    let w = world(app).await;
    let first = w
        .post(mail(
            CONTACT,
            "old@kehu.cn",
            "仓存盘点差异",
            "盘点后数量不对",
            &[],
        ))
        .await;
    let old = first["ticket_id"].as_i64().unwrap();
    let number = w.get(&format!("/api/v1/tickets/{old}")).await["number"]
        .as_i64()
        .unwrap();
    let close = |id: i64| {
        let w = &w;
        async move {
            let r = w
                .app
                .patch(
                    &format!("/api/v1/tickets/{id}"),
                    &w.admin.token,
                    json!({"status": "closed"}),
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        }
    };
    close(old).await;

    // Within the 14 days: the reply reopens the ticket.
    clock.advance(chrono::Duration::days(3));
    let soon = w
        .post(mail(
            CONTACT,
            "soon@kehu.cn",
            &format!("Re: [#{number}]"),
            "还是不对",
            &[],
        ))
        .await;
    assert_eq!(soon["status"], "commented", "{soon}");
    assert_eq!(
        w.get(&format!("/api/v1/tickets/{old}")).await["status"],
        "open"
    );
    close(old).await;

    // After them: a follow-up ticket, linked to the old one.
    clock.advance(chrono::Duration::days(15));
    let late = w
        .post(mail(
            CONTACT,
            "late@kehu.cn",
            &format!("Re: 仓存盘点差异 [#{number}]"),
            "又出现了同样的问题。\n\nOn Mon, 2 Mar 2031 at 10:00, Support <support@vendor.cn> wrote:\n> closed",
            &[],
        ))
        .await;
    assert_eq!(late["status"], "follow_up", "{late}");
    let new_id = late["ticket_id"].as_i64().unwrap();
    assert_ne!(new_id, old);
    let follow = w.get(&format!("/api/v1/tickets/{new_id}")).await;
    assert_eq!(follow["follow_up_of"], old);
    assert_eq!(follow["description"], "又出现了同样的问题。");
    assert_eq!(follow["account_id"], w.account_id);
    assert_eq!(
        w.get(&format!("/api/v1/tickets/{old}")).await["status"],
        "closed"
    );
    assert_eq!(w.comments(old).await.len(), 1);
}

#[actix_web::test]
async fn automatic_mail_and_bounces_open_nothing_and_send_nothing() {
    let w = world(spawn_app().await).await;
    let outbox_before = outbox_count(&w.app).await;
    for (i, header) in [
        "Auto-Submitted: auto-replied",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "X-Autoreply: yes",
        "X-Autorespond: 休假中",
    ]
    .iter()
    .enumerate()
    {
        let r = w
            .post(mail(
                CONTACT,
                &format!("auto-{i}@kehu.cn"),
                "自动回复：休假中",
                "我正在休假",
                &[header],
            ))
            .await;
        assert_eq!(r["status"], "ignored", "{header}: {r}");
        assert!(r["ticket_id"].is_null());
    }
    // `Auto-Submitted: no` is a person's mail.
    let person = w
        .post(mail(
            CONTACT,
            "person@kehu.cn",
            "销售订单",
            "请看",
            &["Auto-Submitted: no"],
        ))
        .await;
    assert_eq!(person["status"], "ticket_created", "{person}");
    let after_person = outbox_count(&w.app).await;
    assert!(after_person > outbox_before);

    // A delivery failure report from the mailer daemon.
    let bounce = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.kehu.cn>\r\nTo: {SUPPORT}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.kehu.cn>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kehu.cn\r\n\r\n\
         Final-Recipient: rfc822; {CONTACT}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--r--\r\n"
    );
    let r = w.post(bounce.into_bytes()).await;
    assert_eq!(r["status"], "bounce", "{r}");
    assert!(r["ticket_id"].is_null());
    let contact = w.get(&format!("/api/v1/contacts/{}", w.contact_id)).await;
    assert!(contact["email_failing_at"].is_string(), "{contact}");
    assert_eq!(w.tickets().await.len(), 1);
    assert_eq!(outbox_count(&w.app).await, after_person);
}

async fn outbox_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    server::entity::email_outbox::Entity::find()
        .count(&app.app_state.db.write)
        .await
        .unwrap()
}

#[actix_web::test]
async fn chinese_charsets_are_decoded() {
    let w = world(spawn_app().await).await;
    let (gbk_body, _, _) = encoding_rs::GBK.encode("请帮忙看看，财务模块的凭证过账报错。");
    let (gb_subject, _, _) = encoding_rs::GBK.encode("凭证过账报错");
    let subject = base64::engine::general_purpose::STANDARD.encode(&gb_subject);
    let mut raw = format!(
        "From: =?GB2312?B?{}?= <{CONTACT}>\r\nTo: {SUPPORT}\r\nSubject: =?GB2312?B?{subject}?=\r\n\
         Message-ID: <gbk-1@kehu.cn>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        base64::engine::general_purpose::STANDARD.encode(encoding_rs::GBK.encode("李娜").0)
    )
    .into_bytes();
    raw.extend_from_slice(&gbk_body);
    let r = w.post(raw).await;
    assert_eq!(r["status"], "ticket_created", "{r}");
    let t = w.get(&format!("/api/v1/tickets/{}", r["ticket_id"])).await;
    assert_eq!(t["subject"], "凭证过账报错");
    assert_eq!(t["description"], "请帮忙看看，财务模块的凭证过账报错。");
    assert_eq!(t["module"], "finance");

    // Big5 (Traditional Chinese), quoted-printable, in a GB18030 thread.
    let (big5, _, _) = encoding_rs::BIG5.encode("帳務模組無法登入");
    let qp: String = big5.iter().map(|b| format!("={b:02X}")).collect();
    let raw = format!(
        "From: {CONTACT}\r\nTo: {SUPPORT}\r\nSubject: =?utf-8?B?{}?=\r\nMessage-ID: <big5-1@kehu.cn>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=big5\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n",
        base64::engine::general_purpose::STANDARD.encode("登入問題")
    );
    let r = w.post(raw.into_bytes()).await;
    let t = w.get(&format!("/api/v1/tickets/{}", r["ticket_id"])).await;
    assert_eq!(t["subject"], "登入問題");
    assert_eq!(t["description"], "帳務模組無法登入");
}

#[actix_web::test]
async fn unknown_senders_are_held_then_attached_or_refused() {
    let w = world(spawn_app().await).await;
    let held = w
        .post(mail(
            "boss@kehu-group.cn",
            "u-1@kehu-group.cn",
            "采购订单审批",
            "审批流卡住了",
            &[],
        ))
        .await;
    assert_eq!(held["status"], "held", "{held}");
    let other = w
        .post(mail(
            "spam@example.com",
            "u-2@example.com",
            "促销",
            "广告",
            &[],
        ))
        .await;
    assert_eq!(other["status"], "held");
    assert!(w.tickets().await.is_empty());
    let list = w.get("/api/v1/inbound/unknown-senders").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["from_addr"], "boss@kehu-group.cn");

    // Attached to a contact, it is processed as theirs.
    let id = held["inbound_message_id"].as_i64().unwrap();
    let r = w
        .app
        .post(
            &format!("/api/v1/inbound/unknown-senders/{id}/attach"),
            &w.admin.token,
            json!({"contact_id": w.contact_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let attached: Value = r.json().await.unwrap();
    assert_eq!(attached["status"], "ticket_created", "{attached}");
    assert_eq!(attached["contact_id"], w.contact_id);
    let t = w
        .get(&format!("/api/v1/tickets/{}", attached["ticket_id"]))
        .await;
    assert_eq!(t["account_id"], w.account_id);
    assert_eq!(t["subject"], "采购订单审批");
    // Decided once.
    let r = w
        .app
        .post(
            &format!("/api/v1/inbound/unknown-senders/{id}/refuse"),
            &w.admin.token,
            json!({}),
        )
        .await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;

    let spam = other["inbound_message_id"].as_i64().unwrap();
    let r = w
        .app
        .post(
            &format!("/api/v1/inbound/unknown-senders/{spam}/refuse"),
            &w.admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "refused");
    assert!(w.get("/api/v1/inbound/unknown-senders").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(w.tickets().await.len(), 1);

    // A channel whose policy is to refuse holds nothing.
    let strict = create_channel(
        &w.app,
        &w.admin,
        json!({"name": "严格", "address": "strict@vendor.cn", "kind": "inbound",
               "unknown_sender_policy": "refuse"}),
    )
    .await;
    let r = post_raw(
        &w.app,
        strict["channel"]["id"].as_i64().unwrap(),
        strict["inbound_token"].as_str(),
        mail("nobody@example.com", "u-3@example.com", "hi", "hi", &[]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "refused");
}

#[actix_web::test]
async fn channels_are_the_admins_and_tokens_guard_the_hook() {
    let w = world(spawn_app().await).await;
    let raw = mail(CONTACT, "t-1@kehu.cn", "x", "y", &[]);
    // Wrong token, no token, a channel that does not exist: all 401, alike.
    for (channel, token) in [
        (w.channel_id, Some("wrong-token")),
        (w.channel_id, None),
        (999_999, Some(w.token.as_str())),
    ] {
        let r = post_raw(&w.app, channel, token, raw.clone()).await;
        assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    // Not mail at all, and too much of it.
    let r = post_raw(&w.app, w.channel_id, Some(&w.token), Vec::new()).await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let r = post_raw(
        &w.app,
        w.channel_id,
        Some(&w.token),
        vec![b'a'; 25 * 1024 * 1024 + 1],
    )
    .await;
    assert_error(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert!(w.tickets().await.is_empty());

    // The password and token are never shown again.
    let created = create_channel(
        &w.app,
        &w.admin,
        json!({"name": "IMAP", "address": "imap@vendor.cn", "kind": "imap",
               "imap_host": "127.0.0.1", "imap_username": "u", "imap_password": "p-secret-123"}),
    )
    .await;
    let imap_id = created["channel"]["id"].as_i64().unwrap();
    assert_eq!(created["channel"]["imap_password_set"], true);
    assert_eq!(created["channel"]["imap_port"], 993);
    assert_eq!(created["channel"]["imap_folder"], "INBOX");
    let listed = w
        .app
        .get("/api/v1/settings/mail-channels", &w.admin.token)
        .await;
    let text = listed.text().await.unwrap();
    assert!(
        !text.contains("p-secret-123") && !text.contains(&w.token),
        "{text}"
    );
    // Bad settings change nothing.
    let r = w
        .app
        .post(
            "/api/v1/settings/mail-channels",
            &w.admin.token,
            json!({"name": "", "address": "not-mail", "kind": "imap", "follow_up_after_days": 0}),
        )
        .await;
    let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    for field in [
        "name",
        "address",
        "imap_host",
        "imap_password",
        "follow_up_after_days",
    ] {
        assert!(e["fields"][field].is_string(), "{field}: {e}");
    }

    // Staff who are not admins may not manage channels.
    let csm = w.app.staff(&w.admin, "csm", "csm@vendor.cn").await;
    let r = w
        .app
        .get("/api/v1/settings/mail-channels", &csm.token)
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;

    // Another workspace sees none of it.
    let held = w
        .post(mail(
            "stranger@example.com",
            "t-2@example.com",
            "?",
            "?",
            &[],
        ))
        .await;
    let held_id = held["inbound_message_id"].as_i64().unwrap();
    let intruder = w.app.signup("Intruder", "intruder@x.cn").await;
    for path in [
        format!("/api/v1/settings/mail-channels/{}", w.channel_id),
        format!("/api/v1/inbound-messages/{held_id}"),
    ] {
        let r = w.app.get(&path, &intruder.token).await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    let r = w
        .app
        .patch(
            &format!("/api/v1/settings/mail-channels/{imap_id}"),
            &intruder.token,
            json!({"name": "mine"}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = w
        .app
        .post(
            &format!("/api/v1/inbound/unknown-senders/{held_id}/attach"),
            &intruder.token,
            json!({"contact_id": w.contact_id}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = w
        .app
        .post(
            &format!("/api/v1/inbound/unknown-senders/{held_id}/refuse"),
            &intruder.token,
            json!({}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let theirs = w
        .app
        .get("/api/v1/inbound/unknown-senders", &intruder.token)
        .await;
    assert!(theirs.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // A channel with received mail is kept (disabled instead); an unused one goes.
    let r = w
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/settings/mail-channels/{}", w.channel_id),
            Some(&w.admin.token),
            None,
        )
        .await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = w
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/settings/mail-channels/{imap_id}"),
            Some(&w.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // A disabled channel's token no longer works.
    let r = w
        .app
        .patch(
            &format!("/api/v1/settings/mail-channels/{}", w.channel_id),
            &w.admin.token,
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post_raw(&w.app, w.channel_id, Some(&w.token), raw).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn imap_channels_are_polled_through_dovecot() {
    let imap = dovecot::Dovecot::start();
    let w = world(spawn_app().await).await;
    let created = create_channel(
        &w.app,
        &w.admin,
        json!({"name": "IMAP 客服", "address": "imap-support@vendor.cn", "kind": "imap",
               "imap_host": "127.0.0.1", "imap_port": imap.port, "imap_tls": false,
               "imap_username": dovecot::USER, "imap_password": dovecot::PASSWORD,
               "keywords": [{"keyword": "销售", "module": "sales"}]}),
    )
    .await;
    let channel = created["channel"]["id"].as_i64().unwrap();
    let r = w
        .app
        .post(
            &format!("/api/v1/settings/mail-channels/{channel}/test"),
            &w.admin.token,
            json!({}),
        )
        .await;
    let test: Value = r.json().await.unwrap();
    assert_eq!(test["ok"], true, "{test}");

    // A wrong password is a clear answer, not an error.
    let wrong = create_channel(
        &w.app,
        &w.admin,
        json!({"name": "错", "address": "wrong@vendor.cn", "kind": "imap",
               "imap_host": "127.0.0.1", "imap_port": imap.port, "imap_tls": false,
               "imap_username": dovecot::USER, "imap_password": "not-the-password",
               "enabled": false}),
    )
    .await;
    let r = w
        .app
        .post(
            &format!(
                "/api/v1/settings/mail-channels/{}/test",
                wrong["channel"]["id"]
            ),
            &w.admin.token,
            json!({}),
        )
        .await;
    let test: Value = r.json().await.unwrap();
    assert_eq!(test["ok"], false, "{test}");
    assert!(
        test["message"].as_str().unwrap().contains("login"),
        "{test}"
    );

    // Two copies of one message (a resend) and one more.
    let first = mail(
        CONTACT,
        "imap-1@kehu.cn",
        "销售订单无法保存",
        "保存时报错",
        &[],
    );
    imap.deliver(&first);
    imap.deliver(&first);
    imap.deliver(&mail(
        CONTACT,
        "imap-2@kehu.cn",
        "另一个问题",
        "库存不对",
        &[],
    ));
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 3, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(report["failed_channels"], 0, "{report}");
    let tickets = w.tickets().await;
    assert_eq!(tickets.len(), 2);
    let sales = tickets
        .iter()
        .find(|t| t["subject"] == "销售订单无法保存")
        .unwrap();
    assert_eq!(sales["module"], "sales");
    assert_eq!(imap.seen(), 3);

    // Read mail is not fetched again; a new reply is, and threads.
    imap.deliver(&mail(
        CONTACT,
        "imap-3@kehu.cn",
        &format!("回复：销售订单无法保存 [#{}]", sales["number"]),
        "已解决，谢谢",
        &[],
    ));
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 1, "{report}");
    assert_eq!(w.tickets().await.len(), 2);
    let comments = w.comments(sales["id"].as_i64().unwrap()).await;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["body"], "已解决，谢谢");
    let channel = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    assert!(channel["last_fetch_at"].is_string());
    assert!(channel["last_fetch_error"].is_null(), "{channel}");
}

/// An IMAP channel on the test Dovecot; `settings` adds to or overrides
/// the connection (port, TLS, processed folder …).
async fn dovecot_channel(w: &World, name: &str, settings: Value) -> i64 {
    let mut body = json!({"name": name, "address": format!("{name}@vendor.cn"), "kind": "imap",
        "imap_host": "127.0.0.1", "imap_username": dovecot::USER,
        "imap_password": dovecot::PASSWORD});
    for (key, value) in settings.as_object().unwrap() {
        body[key] = value.clone();
    }
    create_channel(&w.app, &w.admin, body).await["channel"]["id"]
        .as_i64()
        .unwrap()
}

async fn test_connection(w: &World, channel: i64) -> Value {
    let r = w
        .app
        .post(
            &format!("/api/v1/settings/mail-channels/{channel}/test"),
            &w.admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[actix_web::test]
async fn imap_over_tls_trusts_the_configured_extra_ca() {
    let imap = dovecot::Dovecot::start();
    let ca = imap.ca_file();
    let w = world(spawn_app_with(move |c| c.imap_extra_ca_file = Some(ca)).await).await;
    let channel = dovecot_channel(
        &w,
        "tls",
        json!({"imap_port": imap.tls_port, "imap_tls": true}),
    )
    .await;
    let test = test_connection(&w, channel).await;
    assert_eq!(test["ok"], true, "{test}");

    imap.deliver(&mail(
        CONTACT,
        "imap-tls-1@kehu.cn",
        "凭证过账失败",
        "通过加密连接收取",
        &[],
    ));
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 1, "{report}");
    assert_eq!(report["failed_channels"], 0, "{report}");
    let tickets = w.tickets().await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["subject"], "凭证过账失败");
    assert_eq!(tickets[0]["account_id"], w.account_id);
    assert_eq!(imap.seen(), 1);
    let channel = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    assert!(channel["last_fetch_error"].is_null(), "{channel}");
}

#[actix_web::test]
async fn an_untrusted_imap_certificate_fails_the_channel_with_a_clear_error() {
    let imap = dovecot::Dovecot::start();
    // Steward trusts another CA than the one that signed Dovecot's certificate.
    let other = dovecot::make_ca(&imap.dir.join("other"), "other-ca");
    let w = world(spawn_app_with(move |c| c.imap_extra_ca_file = Some(other)).await).await;
    let channel = dovecot_channel(
        &w,
        "untrusted",
        json!({"imap_port": imap.tls_port, "imap_tls": true}),
    )
    .await;
    let test = test_connection(&w, channel).await;
    assert_eq!(test["ok"], false, "{test}");
    let message = test["message"].as_str().unwrap();
    assert!(
        message.contains("certificate is not trusted")
            && message.contains("STEWARD_IMAP_EXTRA_CA_FILE"),
        "{test}"
    );

    imap.deliver(&mail(CONTACT, "imap-untrusted@kehu.cn", "?", "?", &[]));
    let report = fetch_mail(&w).await;
    assert_eq!(report["failed_channels"], 1, "{report}");
    assert_eq!(report["fetched"], 0, "{report}");
    let channel = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    let error = channel["last_fetch_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("certificate is not trusted") && error.contains("UnknownIssuer"),
        "{channel}"
    );
    assert!(channel["last_fetch_at"].is_string(), "{channel}");
    // Nothing was read: the mail waits, unread, for a fixed configuration.
    assert!(w.tickets().await.is_empty());
    assert_eq!((imap.in_inbox(), imap.seen()), (1, 0));
}

/// `已处理` in modified UTF-7, as Dovecot names its Maildir++ folder.
const PROCESSED_ON_DISK: &str = "&XfJZBHQG-";

#[actix_web::test]
async fn processed_mail_is_moved_to_the_processed_folder() {
    let imap = dovecot::Dovecot::start();
    let w = world(spawn_app().await).await;
    let channel = dovecot_channel(
        &w,
        "moves",
        json!({"imap_port": imap.port, "imap_tls": false, "processed_folder": " 已处理 "}),
    )
    .await;
    let shown = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    assert_eq!(shown["processed_folder"], "已处理");

    let first = mail(
        CONTACT,
        "imap-move-1@kehu.cn",
        "凭证无法删除",
        "删除时报错",
        &[],
    );
    imap.deliver(&first);
    let report = fetch_mail(&w).await;
    let shown = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    assert_eq!(report["fetched"], 1, "{report}");
    assert_eq!(report["failed_channels"], 0, "{report} {shown}");
    assert_eq!(w.tickets().await.len(), 1);
    // Moved (the folder created on first use), and read there.
    assert_eq!(imap.in_inbox(), 0);
    assert_eq!(imap.in_folder(PROCESSED_ON_DISK), 1);
    assert_eq!(imap.seen_in(PROCESSED_ON_DISK), 1);

    // Fetching again finds nothing; a resent copy is a duplicate, moved too.
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 0, "{report}");
    imap.deliver(&first);
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 1, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(w.tickets().await.len(), 1);
    assert_eq!(imap.in_inbox(), 0);
    assert_eq!(imap.in_folder(PROCESSED_ON_DISK), 2);
    let shown = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    assert!(shown["last_fetch_error"].is_null(), "{shown}");

    // The processed folder is a single line, other than the folder read from.
    for (bad, message) in [
        (
            json!("inbox"),
            "must differ from the folder mail is fetched from",
        ),
        (
            json!("已处理\r\nA LOGOUT"),
            "must not contain control characters",
        ),
        (json!("文".repeat(201)), "must be at most 200 characters"),
    ] {
        let r = w
            .app
            .patch(
                &format!("/api/v1/settings/mail-channels/{channel}"),
                &w.admin.token,
                json!({"processed_folder": bad}),
            )
            .await;
        let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let field = e["fields"]["processed_folder"].as_str().unwrap_or_default();
        assert!(field.starts_with(message), "{bad}: {e}");
    }
    // Changing the folder read from to the processed one is refused too.
    let r = w
        .app
        .patch(
            &format!("/api/v1/settings/mail-channels/{channel}"),
            &w.admin.token,
            json!({"imap_folder": "已处理"}),
        )
        .await;
    let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(e["fields"]["processed_folder"].is_string(), "{e}");

    // Cleared, mail stays where it is, flagged read.
    let r = w
        .app
        .patch(
            &format!("/api/v1/settings/mail-channels/{channel}"),
            &w.admin.token,
            json!({"processed_folder": null}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.json::<Value>().await.unwrap()["processed_folder"].is_null());
    imap.deliver(&mail(
        CONTACT,
        "imap-move-2@kehu.cn",
        "库存不对",
        "盘点差异",
        &[],
    ));
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 1, "{report}");
    assert_eq!(w.tickets().await.len(), 2);
    assert_eq!((imap.in_inbox(), imap.seen()), (1, 1));
    assert_eq!(imap.in_folder(PROCESSED_ON_DISK), 2);

    // A folder the server will not create is reported on the channel, and
    // the mail still becomes a ticket, flagged read where it is.
    let r = w
        .app
        .patch(
            &format!("/api/v1/settings/mail-channels/{channel}"),
            &w.admin.token,
            json!({"processed_folder": "~steward"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    imap.deliver(&mail(
        CONTACT,
        "imap-move-3@kehu.cn",
        "报表打不开",
        "报错",
        &[],
    ));
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 1, "{report}");
    assert_eq!(report["failed_channels"], 1, "{report}");
    assert_eq!(w.tickets().await.len(), 3);
    assert_eq!((imap.in_inbox(), imap.seen()), (2, 2));
    let shown = w
        .get(&format!("/api/v1/settings/mail-channels/{channel}"))
        .await;
    let error = shown["last_fetch_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("cannot create the folder ~steward")
            && error.contains("flagged read instead of moved"),
        "{shown}"
    );
}

#[actix_web::test]
async fn without_move_processed_mail_is_copied_and_expunged() {
    // A server that offers neither MOVE nor UIDPLUS.
    let imap = dovecot::Dovecot::start_with("imap_capability = IMAP4rev1 LITERAL+ IDLE\n");
    let offered = imap.capabilities();
    assert!(
        offered.contains("IMAP4rev1") && !offered.contains("MOVE") && !offered.contains("UIDPLUS"),
        "{offered}"
    );
    let w = world(spawn_app().await).await;
    dovecot_channel(
        &w,
        "copies",
        json!({"imap_port": imap.port, "imap_tls": false, "processed_folder": "Processed"}),
    )
    .await;
    imap.deliver(&mail(CONTACT, "imap-copy-1@kehu.cn", "凭证", "一", &[]));
    imap.deliver(&mail(CONTACT, "imap-copy-2@kehu.cn", "报表", "二", &[]));
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 2, "{report}");
    assert_eq!(report["failed_channels"], 0, "{report}");
    assert_eq!(w.tickets().await.len(), 2);
    assert_eq!(imap.in_inbox(), 0);
    assert_eq!(imap.in_folder("Processed"), 2);
    assert_eq!(imap.seen_in("Processed"), 2);
    let report = fetch_mail(&w).await;
    assert_eq!(report["fetched"], 0, "{report}");
    assert_eq!(w.tickets().await.len(), 2);
}

async fn fetch_mail(w: &World) -> Value {
    let r = w
        .app
        .post(
            "/api/v1/admin/jobs/mail-fetch/run",
            &w.admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["summary"].clone()
}

/// The figure: 1,000 inbound messages (100 new tickets, 900
/// replies threaded by their tag) posted to the hook, four at a time.
/// `cargo test -p server --test api mail_in::thousand -- --ignored --nocapture`
#[actix_web::test]
#[ignore = "benchmark; run by hand"]
async fn thousand_inbound_messages() {
    use futures_util::StreamExt;
    let w = world(spawn_app().await).await;
    let started = std::time::Instant::now();
    let mut numbers = Vec::new();
    for i in 0..100 {
        let r = w
            .post(mail(
                CONTACT,
                &format!("bench-new-{i}@kehu.cn"),
                &format!("凭证问题 {i}"),
                "过账报错",
                &[],
            ))
            .await;
        assert_eq!(r["status"], "ticket_created");
        let t = w.get(&format!("/api/v1/tickets/{}", r["ticket_id"])).await;
        numbers.push(t["number"].as_i64().unwrap());
    }
    let replies: Vec<Vec<u8>> = (0..900)
        .map(|i| {
            mail(
                CONTACT,
                &format!("bench-reply-{i}@kehu.cn"),
                &format!("Re: 凭证问题 [#{}]", numbers[i % 100]),
                "补充信息\n\nOn Mon, 7 Dec 2026, Support wrote:\n> 旧内容",
                &[],
            )
        })
        .collect();
    let statuses: Vec<Value> = futures_util::stream::iter(replies)
        .map(|raw| w.post(raw))
        .buffer_unordered(4)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| s["status"] == "commented"));
    println!(
        "1,000 inbound messages (100 new tickets, 900 replies) in {:.1} s ({:.1} ms each)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / 1000.0
    );
}

/// Issue 16: a mail from an account outside its agreement (here: the
/// workspace requires one and the account has none) still opens a ticket —
/// nothing is lost or bounced — but marked outside agreement, without SLA,
/// for staff to decide.
#[actix_web::test]
async fn a_mail_outside_the_agreement_opens_a_marked_ticket_without_sla() {
    let w = world(spawn_app().await).await;
    let r = w
        .app
        .put(
            "/api/v1/settings/entitlements",
            &w.admin.token,
            json!({"agreement_required": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let opened = w
        .post(mail(
            &format!("李娜 <{CONTACT}>"),
            "outside@kehu.cn",
            "凭证无法过账",
            "月末结账时凭证过账报错。",
            &[],
        ))
        .await;
    assert_eq!(opened["status"], "ticket_created", "{opened}");
    let id = opened["ticket_id"].as_i64().unwrap();
    let ticket = w.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["outside_agreement"], true);
    assert!(ticket["resolution_due_at"]
        .as_str()
        .unwrap()
        .starts_with("2200-"));
}

/// A replica that dies while processing a mail leaves its row
/// `processing`: ten minutes on, the mail-fetch job processes it again from
/// its stored text, once, keeping whatever the first run had committed
/// (the ticket it opened, the comment it added) instead of doing it twice.
#[actix_web::test]
async fn a_mail_whose_processing_stopped_half_way_is_processed_again_once() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    use server::entity::inbound_messages;
    let at = chrono::Utc::now();
    let w = world(spawn_app_at(at).await).await;
    let db = &w.app.app_state.db.write;
    let workspace = w.admin.user["workspace_id"].as_i64().unwrap();
    let later = |minutes| {
        w.app
            .clock
            .as_ref()
            .unwrap()
            .set(at + chrono::Duration::minutes(minutes))
    };

    // Died before anything: the stored mail and nothing else.
    let raw = mail(
        CONTACT,
        "died-early@kehu.cn",
        "凭证打印乱码",
        "打印凭证时出现乱码。",
        &[],
    );
    let stalled = inbound_messages::ActiveModel {
        workspace_id: Set(workspace),
        channel_id: Set(w.channel_id),
        message_id: Set("died-early@kehu.cn".into()),
        from_addr: Set(CONTACT.into()),
        from_name: Set(None),
        subject: Set("凭证打印乱码".into()),
        size_bytes: Set(raw.len() as i64),
        raw: Set(raw),
        status: Set("processing".into()),
        received_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    // Died after opening its ticket, and after adding its comment.
    let opened = w
        .post(mail(
            CONTACT,
            "died-late@kehu.cn",
            "凭证无法过账",
            "过账报错。",
            &[],
        ))
        .await;
    let ticket = opened["ticket_id"].as_i64().unwrap();
    let number = w.get(&format!("/api/v1/tickets/{ticket}")).await["number"]
        .as_i64()
        .unwrap();
    let replied = w
        .post(mail(
            CONTACT,
            "died-after-comment@kehu.cn",
            &format!("答复: [#{number}] 凭证无法过账"),
            "补充截图说明。",
            &[],
        ))
        .await;
    assert_eq!(replied["status"], "commented", "{replied}");
    // As a crash leaves them: the outcome never recorded (only a new
    // ticket's link, written in the ticket's transaction, is there).
    for (id, linked) in [(&opened, true), (&replied, false)]
        .map(|(r, linked)| (r["inbound_message_id"].as_i64().unwrap(), linked))
    {
        let row = inbound_messages::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let mut row: inbound_messages::ActiveModel = row.into();
        row.status = Set("processing".into());
        row.processed_at = Set(None);
        row.comment_id = Set(None);
        if !linked {
            row.ticket_id = Set(None);
        }
        row.update(db).await.unwrap();
    }
    let tickets_before = w.tickets().await.len();
    let comments_before = w.comments(ticket).await.len();

    // Not yet: a message being processed right now is left alone.
    assert_eq!(fetch_mail(&w).await["resumed"], 0);
    later(11);
    assert_eq!(fetch_mail(&w).await["resumed"], 3);
    assert_eq!(fetch_mail(&w).await["resumed"], 0, "each once");

    let row = |id: i64| async move {
        inbound_messages::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
    };
    let early = row(stalled.id).await;
    assert_eq!(early.status, "ticket_created", "{early:?}");
    let new_ticket = early.ticket_id.expect("its ticket");
    let late = row(opened["inbound_message_id"].as_i64().unwrap()).await;
    assert_eq!(late.status, "ticket_created");
    assert_eq!(late.ticket_id, Some(ticket), "the ticket it had opened");
    let comment = row(replied["inbound_message_id"].as_i64().unwrap()).await;
    assert_eq!(comment.status, "commented");
    assert_eq!(comment.comment_id, replied["comment_id"].as_i64());
    // One new ticket (the early one), no second ticket or comment.
    let tickets = w.tickets().await;
    assert_eq!(tickets.len(), tickets_before + 1);
    assert!(tickets.iter().any(|t| t["id"] == new_ticket));
    assert_eq!(w.comments(ticket).await.len(), comments_before);
}

/// A customer's mail names the installation it is about when that is
/// clear: the account's only one, or the one whose site the mail names;
/// with two sites and neither (or both) named, none.
#[actix_web::test]
async fn a_mail_ticket_names_the_installation_when_it_is_clear() {
    let w = world(spawn_app().await).await;
    let add = |site: &'static str, version: &'static str| {
        let w = &w;
        async move {
            let r = w
                .app
                .post(
                    &format!("/api/v1/accounts/{}/installations", w.account_id),
                    &w.admin.token,
                    json!({"site": site, "product": "K/3 WISE", "edition": "标准版",
                           "version": version, "patch_level": "", "deployment": "on_premises",
                           "server_os": "Windows Server 2019", "database": "SQL Server 2016",
                           "modules": ["finance"], "seats": 5, "customisations": [],
                           "integrations": [], "notes": ""}),
                )
                .await;
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["id"].as_i64().unwrap()
        }
    };
    let installation_of = |opened: Value| {
        let w = &w;
        async move {
            let id = opened["ticket_id"].as_i64().expect("a ticket");
            let ticket = w.get(&format!("/api/v1/tickets/{id}")).await;
            (
                ticket["installation_id"].as_i64(),
                ticket["installed_version"].clone(),
            )
        }
    };
    let send = |n: &str, subject: &str, body: &str| {
        mail(CONTACT, &format!("site-{n}@kehu.cn"), subject, body, &[])
    };

    let headquarters = add("上海总部", "V15.1").await;
    let only = w.post(send("1", "凭证无法过账", "过账时报错。")).await;
    assert_eq!(
        installation_of(only).await,
        (Some(headquarters), json!("V15.1")),
        "the only installation"
    );

    let factory = add("苏州工厂", "V14.2").await;
    let named = w
        .post(send("2", "库存不对", "苏州工厂的库存数量和实际不一致。"))
        .await;
    assert_eq!(
        installation_of(named).await,
        (Some(factory), json!("V14.2"))
    );
    let neither = w.post(send("3", "报表打不开", "今天报表打不开。")).await;
    assert_eq!(installation_of(neither).await.0, None);
    let both = w
        .post(send("4", "两地都慢", "上海总部和苏州工厂都很慢。"))
        .await;
    assert_eq!(installation_of(both).await.0, None);
}
