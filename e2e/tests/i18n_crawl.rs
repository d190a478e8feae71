//! One language at a time (issue 11): every role visits every page of the
//! staff SPA and the portal on the demo workspace, in Chinese and in
//! English. In Chinese no Latin-script word may show outside a short
//! allowlist (product names, units, codes); in English no Chinese
//! character may show. What users typed — account and contact names,
//! ticket subjects, article titles, the demo's data — is taken from the
//! API and set aside first, so the allowlist stays short and the check
//! stays strict about everything the product itself says.
//!
//! Seeding: the demo workspace with contracts, then through the API a
//! licence (a timeline entry with modules and seats), a logged call, a
//! refused approval and today's health scores, so the account page shows
//! a health panel with explanations and a timeline.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{ensure, Context};
use e2e::steps::log_in;
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const MANAGER: &str = "manager@demo.steward.local";
const CSM: &str = "csm1@demo.steward.local";
const ENGINEER: &str = "engineer1@demo.steward.local";
const PORTAL: &str = "portal@demo.steward.local";

/// Latin words the Chinese interface may show: product and industry names
/// and abbreviations our users use as such, currencies and priorities.
const LATIN_ALLOWED: &[&str] = &[
    "Steward", "ERP", "BOM", "CSV", "NPS", "CSAT", "SLA", "KPI", "API", "CNY", "English", "GRR",
    "NRR", "URL", "ID", // file formats the upload and editor hints name
    "PDF", "ZIP", "MB", "Office", "Markdown", "https",
    // the import wizard's file types and character sets
    "Excel", "csv", "xlsx", "UTF", "GBK", "GB18030", "Big5",
    // integration terms Chinese admins use as such
    "Webhook", "IMAP", "TLS", "HTTP", "POST", "MTA",
];

/// Chinese text the English interface may show: the language switch
/// offers Chinese by its own name.
const CJK_ALLOWED: &[&str] = &["中文"];

/// Calls the API from the page (same origin) and returns `(status, body)`.
async fn api(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<(u64, Value)> {
    e2e::steps::page_api(h, Some(token), method, path, body, true).await
}

async fn ok(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, value) = api(h, token, method, path, body).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path} answered {status}: {value}"
    );
    Ok(value)
}

async fn token_of(h: &Harness, email: &str) -> anyhow::Result<String> {
    let login = ok(
        h,
        "",
        "POST",
        "/auth/login",
        json!({"email": email, "password": DEMO_PASSWORD}),
    )
    .await?;
    Ok(login["access_token"]
        .as_str()
        .context("a token")?
        .to_string())
}

/// The pages to visit, and what users typed (to set aside).
struct Demo {
    account: i64,
    ticket: i64,
    portal_ticket: Option<i64>,
    article: Option<i64>,
    training: Option<i64>,
    survey: Option<i64>,
    portal_article: Option<i64>,
    playbook: Option<i64>,
    user_data: Vec<String>,
}

fn strings(items: &Value, fields: &[&str], into: &mut BTreeSet<String>) {
    for item in items.as_array().into_iter().flatten() {
        for f in fields {
            match &item[*f] {
                Value::String(s) if !s.trim().is_empty() => {
                    into.insert(s.clone());
                    // Task titles are kept "中文 / English"; comments have
                    // lines, shown each on its own.
                    for part in s.split(" / ").chain(s.lines()) {
                        into.insert(part.trim().to_string());
                    }
                }
                Value::Array(list) => {
                    for v in list.iter().filter_map(Value::as_str) {
                        into.insert(v.to_string());
                    }
                }
                _ => {}
            }
        }
    }
}

async fn seed(h: &Harness) -> anyhow::Result<Demo> {
    server::seed::demo_story(&h.state).await?;
    h.goto("/login").await?;
    h.testid("login-form").await?;
    let t = &token_of(h, MANAGER).await?;
    let mut data = BTreeSet::new();

    let accounts = ok(h, t, "GET", "/accounts?limit=200", Value::Null).await?;
    strings(
        &accounts["items"],
        &["name", "code", "industry", "segment"],
        &mut data,
    );
    let account = accounts["items"][0]["id"].as_i64().context("an account")?;
    let users = ok(h, t, "GET", "/users?limit=200", Value::Null).await?;
    strings(&users["items"], &["name", "email"], &mut data);
    let tickets = ok(h, t, "GET", "/tickets?limit=200", Value::Null).await?;
    strings(
        &tickets["items"],
        &["subject", "account_name", "number"],
        &mut data,
    );
    let ticket = tickets["items"][0]["id"].as_i64().context("a ticket")?;
    let detail = ok(h, t, "GET", &format!("/tickets/{ticket}"), Value::Null).await?;
    strings(&json!([detail]), &["description"], &mut data);
    let comments = ok(
        h,
        t,
        "GET",
        &format!("/tickets/{ticket}/comments"),
        Value::Null,
    )
    .await?;
    strings(&comments, &["body"], &mut data);
    let surveys = ok(h, t, "GET", "/surveys?limit=200", Value::Null).await?;
    strings(&surveys["items"], &["name"], &mut data);
    let survey = surveys["items"][0]["id"].as_i64();
    if let Some(id) = survey {
        let answers = ok(h, t, "GET", &format!("/surveys/{id}"), Value::Null).await?;
        strings(&answers["responses"], &["comment"], &mut data);
    }
    // API keys are named by the admin who made them (admins only).
    let admin = &token_of(h, DEMO_ADMIN).await?;
    let keys = ok(h, admin, "GET", "/api-keys?limit=200", Value::Null).await?;
    strings(&keys["items"], &["name"], &mut data);
    let articles = ok(h, t, "GET", "/kb/articles?limit=200", Value::Null).await?;
    strings(&articles["items"], &["title", "tags", "excerpt"], &mut data);
    let article = articles["items"][0]["id"].as_i64();
    let trainings = ok(h, t, "GET", "/trainings?limit=200", Value::Null)
        .await
        .unwrap_or(Value::Null);
    strings(
        &trainings["items"],
        &["topic", "location", "trainer_name"],
        &mut data,
    );
    let training = trainings["items"][0]["id"].as_i64();
    for a in accounts["items"].as_array().into_iter().flatten().take(40) {
        let id = a["id"].as_i64().unwrap_or_default();
        let contacts = ok(
            h,
            t,
            "GET",
            &format!("/accounts/{id}/contacts"),
            Value::Null,
        )
        .await?;
        let items = if contacts.is_array() {
            contacts.clone()
        } else {
            contacts["items"].clone()
        };
        strings(&items, &["name", "email", "title", "phone"], &mut data);
    }

    // A licence, a call and an onboarding plan on the crawled account: its
    // timeline and health panel then have server-worded texts to show.
    let serial = "KD-2026-0001";
    ok(
        h,
        t,
        "POST",
        &format!("/accounts/{account}/licenses"),
        json!({"edition": "K/3 WISE", "modules": ["sales", "purchasing", "finance"],
               "seats": 20, "dongle_serial": serial}),
    )
    .await?;
    data.insert(format!("K/3 WISE · {serial}"));
    for typed in ["K/3 WISE", "电话回访：月结问题", "客户确认已解决"] {
        data.insert(typed.into());
    }
    ok(
        h,
        t,
        "POST",
        &format!("/accounts/{account}/activities"),
        json!({"kind": "call", "summary": "电话回访：月结问题", "body": "客户确认已解决"}),
    )
    .await?;
    let _ = api(
        h,
        t,
        "POST",
        &format!("/accounts/{account}/onboarding"),
        json!({}),
    )
    .await?;
    let plan = ok(
        h,
        t,
        "GET",
        &format!("/accounts/{account}/onboarding"),
        Value::Null,
    )
    .await
    .unwrap_or(Value::Null);
    strings(
        &plan["tasks"],
        &["title_zh", "title_en", "title"],
        &mut data,
    );
    // A shared macro with actions: the macros page lists it with its
    // scope and what it does (words of the interface), its name and texts
    // are what staff typed.
    let shared_macro = json!({
        "name": "索要日志 / Ask for the log",
        "scope": "shared",
        "body_zh": "{{contact.name}}您好，请导出系统日志。",
        "body_en": "Dear {{contact.name}}, please send the system log.",
        "actions": {"status": "pending_customer", "priority": "p2", "tier": 2,
                    "internal_note": "已请客户导出日志"},
    });
    ok(h, t, "POST", "/macros", shared_macro).await?;
    let macros = ok(h, t, "GET", "/macros?limit=200", Value::Null).await?;
    strings(
        &macros["items"],
        &["name", "body_zh", "body_en", "owner_name"],
        &mut data,
    );
    // The built-in playbooks (names and descriptions are the workspace's
    // own once installed) and an open task, for the playbook pages, the
    // playbook form and the task list.
    ok(h, t, "POST", "/playbooks/library", json!({})).await?;
    let books = ok(h, t, "GET", "/playbooks?limit=200", Value::Null).await?;
    strings(&books["items"], &["name", "description"], &mut data);
    // Their steps' titles become the titles of the tasks they make.
    for book in books["items"].as_array().into_iter().flatten() {
        strings(
            &book["steps"],
            &["title_zh", "title_en", "note_zh", "note_en"],
            &mut data,
        );
    }
    let playbook = books["items"][0]["id"].as_i64();
    let task = json!({"account_id": account, "title": "回访客户：确认月结进度",
                      "task_type": "call", "due_at": "2030-01-07T02:00:00Z"});
    let task = ok(h, t, "POST", "/tasks", task).await?;
    strings(&json!([task]), &["title"], &mut data);
    // Today's scores: the health panel explains each component.
    server::jobs::run(&h.state, "health-scores").await?;
    // What staff typed on the account: licence editions, and the notes,
    // calls and meetings they logged (the entries the server words itself
    // are not set aside).
    let licenses = ok(
        h,
        t,
        "GET",
        &format!("/accounts/{account}/licenses"),
        Value::Null,
    )
    .await?;
    let licenses = if licenses.is_array() {
        licenses
    } else {
        licenses["items"].clone()
    };
    strings(&licenses, &["edition"], &mut data);
    // The terms staff typed into the account's agreements.
    let agreements = ok(
        h,
        t,
        "GET",
        &format!("/accounts/{account}/agreements"),
        Value::Null,
    )
    .await?;
    strings(
        &agreements,
        &["service_content", "complaint_procedure", "service_process"],
        &mut data,
    );
    let timeline = ok(
        h,
        t,
        "GET",
        &format!("/accounts/{account}/timeline?limit=200"),
        Value::Null,
    )
    .await?;
    let logged: Vec<Value> = timeline["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| matches!(e["kind"].as_str(), Some("note" | "call" | "meeting")))
        .cloned()
        .collect();
    strings(&Value::Array(logged), &["summary", "body"], &mut data);

    // The portal user's tickets.
    let p = &token_of(h, PORTAL).await?;
    let mine = ok(h, p, "GET", "/portal/tickets?limit=50", Value::Null).await?;
    strings(&mine["items"], &["subject", "number"], &mut data);
    let portal_ticket = mine["items"][0]["id"].as_i64();
    if let Some(id) = portal_ticket {
        let detail = ok(h, p, "GET", &format!("/portal/tickets/{id}"), Value::Null).await?;
        strings(&json!([detail]), &["description"], &mut data);
        let comments = ok(
            h,
            p,
            "GET",
            &format!("/portal/tickets/{id}/comments"),
            Value::Null,
        )
        .await?;
        strings(&comments, &["body"], &mut data);
    }
    let portal_articles = ok(h, p, "GET", "/portal/kb/search?q=", Value::Null)
        .await
        .unwrap_or(Value::Null);
    strings(&portal_articles["items"], &["title", "excerpt"], &mut data);
    let portal_article = portal_articles["items"][0]["id"].as_i64();

    // Long strings first, so a name is removed before a part of it.
    let mut user_data: Vec<String> = data.into_iter().filter(|s| s.chars().count() > 1).collect();
    user_data.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    Ok(Demo {
        account,
        ticket,
        portal_ticket,
        article,
        training,
        survey,
        portal_article,
        playbook,
        user_data,
    })
}

fn staff_pages(role: &str, d: &Demo) -> Vec<String> {
    let mut pages: Vec<String> = vec!["/accounts".into(), format!("/accounts/{}", d.account)];
    // The account page's other tabs: its tickets, onboarding plan,
    // contracts and timeline (server-worded details).
    for tab in [
        "tickets",
        "onboarding",
        "agreements",
        "contracts",
        "installations",
        "visits",
        "timeline",
    ] {
        pages.push(format!("/accounts/{}?tab={tab}", d.account));
    }
    pages.extend([
        "/tickets".into(),
        format!("/tickets/{}", d.ticket),
        "/tickets/new".into(),
        "/kb".into(),
        "/trainings".into(),
        "/onboarding".into(),
        "/approvals".into(),
        "/dashboard".into(),
        "/my-work".into(),
        "/renewals".into(),
        "/surveys".into(),
        "/password".into(),
        "/settings/macros".into(),
        "/tasks".into(),
        "/tasks?assignee=anyone&status=any".into(),
    ]);
    pages.extend(d.survey.map(|s| format!("/surveys/{s}")));
    pages.extend(d.article.map(|a| format!("/kb/{a}")));
    pages.extend(d.training.map(|t| format!("/trainings/{t}")));
    if matches!(role, "admin" | "manager") {
        pages.push("/reports".into());
        pages.push("/accounts/import".into());
        pages.push("/settings/playbooks".into());
        pages.push("/settings/playbooks/new".into());
        pages.extend(d.playbook.map(|p| format!("/settings/playbooks/{p}")));
        // the gaps of issue 16
        pages.push("/audit".into());
        pages.push("/contracts".into());
        pages.push("/settings/onboarding-templates".into());
        pages.push("/advisories".into());
    }
    if role == "admin" {
        for p in [
            "/users",
            "/settings",
            "/settings/sla",
            "/settings/service-levels",
            "/settings/service-centres",
            "/settings/reminders",
            "/settings/health",
            "/settings/api-keys",
            "/settings/webhooks",
            "/settings/chat-bots",
            "/settings/mail-channels",
            "/kb/new",
        ] {
            pages.push(p.into());
        }
    }
    pages
}

fn portal_pages(d: &Demo) -> Vec<String> {
    let mut pages: Vec<String> = vec![
        "/portal".into(),
        "/portal/tickets".into(),
        "/portal/tickets/new".into(),
        "/portal/kb".into(),
        "/portal/time".into(),
        "/password".into(),
        // A reset link opened while signed in (the page does not need a session).
        "/reset-password?token=not-a-real-token".into(),
        // So is a confirmation link (used or bogus: the refusal in words).
        "/verify-email?token=not-a-real-token".into(),
    ];
    pages.extend(d.portal_ticket.map(|t| format!("/portal/tickets/{t}")));
    pages.extend(d.portal_article.map(|a| format!("/portal/kb/{a}")));
    pages
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// The text with user data, e-mail addresses, ticket numbers and codes set
/// aside.
fn product_text(text: &str, user_data: &[String]) -> String {
    let mut rest = text.to_string();
    for s in user_data {
        if rest.contains(s.as_str()) {
            rest = rest.replace(s.as_str(), " ");
        }
    }
    rest.split_whitespace()
        .filter(|w| !w.contains('@'))
        // Codes: a word with digits and capitals (KD-2026-0001, TK-000123).
        .filter(|w| !(w.chars().any(|c| c.is_ascii_digit()) && w.contains('-')))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Latin words outside the allowlist.
fn latin_words(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut word = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_alphanumeric() {
            word.push(c);
            continue;
        }
        // One letter is a mark (the logo's "S", K/3), not a word.
        let letters = word.chars().filter(char::is_ascii_alphabetic).count();
        if letters > 1 && !LATIN_ALLOWED.contains(&word.as_str()) {
            found.insert(word.clone());
        }
        word.clear();
    }
    found
}

fn cjk_runs(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut run = String::new();
    for c in text.chars().chain([' ']) {
        if is_cjk(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() && !CJK_ALLOWED.contains(&run.as_str()) {
            found.insert(run.clone());
        }
        run.clear();
    }
    found
}

/// `document.body.innerText` without code samples (`<pre>`, `<code>`:
/// JSON field names and a curl call on the API-key page are code, not
/// words of the interface) and without an article's body and FAQ as its
/// author wrote them (user data, rendered from Markdown, so not found
/// verbatim in the API's `body`).
const VISIBLE_TEXT: &str = r#"
    const code = [...document.querySelectorAll(
        'pre, code, kbd, samp, [data-testid="kb-article-body"], [data-testid="kb-faq"] dl')];
    const before = code.map(el => el.style.display);
    code.forEach(el => { el.style.display = 'none'; });
    const text = document.body.innerText;
    code.forEach((el, i) => { el.style.display = before[i]; });
    return text;
"#;

/// The page's visible text once it stops changing (data loaded).
async fn settled_text(h: &Harness) -> anyhow::Result<String> {
    let mut last = String::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let text: String = h
            .browser
            .execute(VISIBLE_TEXT, vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string();
        let loading = text.contains("加载中") || text.contains("Loading");
        if text == last && !loading {
            return Ok(text);
        }
        last = text;
    }
    Ok(last)
}

/// Ends the session the refresh cookie holds (the cookie is scoped to the
/// auth path, out of WebDriver's reach).
async fn sign_out(h: &Harness) -> anyhow::Result<()> {
    let (_, renewed) = api(h, "", "POST", "/auth/refresh", Value::Null).await?;
    if let Some(token) = renewed["access_token"].as_str() {
        api(h, token, "POST", "/auth/logout", Value::Null).await?;
    }
    Ok(())
}

async fn set_lang(h: &Harness, tag: &str) -> anyhow::Result<()> {
    h.browser
        .execute(
            "localStorage.setItem('steward.lang', arguments[0]);",
            vec![json!(tag)],
        )
        .await?;
    Ok(())
}

async fn crawl(h: &Harness, tag: &str) -> anyhow::Result<()> {
    let demo = seed(h).await?;
    let zh = tag.starts_with("zh");
    let mut leaks: Vec<String> = Vec::new();
    let visits: Vec<(&str, &str, Vec<String>)> = vec![
        ("admin", DEMO_ADMIN, staff_pages("admin", &demo)),
        ("manager", MANAGER, staff_pages("manager", &demo)),
        ("csm", CSM, staff_pages("csm", &demo)),
        ("engineer", ENGINEER, staff_pages("engineer", &demo)),
        ("portal", PORTAL, portal_pages(&demo)),
    ];
    for (role, email, pages) in visits {
        sign_out(h).await?;
        h.goto("/login").await?;
        set_lang(h, tag).await?;
        log_in(h, email, DEMO_PASSWORD).await?;
        h.wait_for_path_where("a page past the login", |p| p != "/login")
            .await?;
        for page in pages {
            h.goto(&page).await?;
            let text = settled_text(h).await?;
            let rest = product_text(&text, &demo.user_data);
            let found = if zh {
                latin_words(&rest)
            } else {
                cjk_runs(&rest)
            };
            if !found.is_empty() {
                leaks.push(format!("{role} {page}: {found:?}"));
            }
        }
    }
    ensure!(
        leaks.is_empty(),
        "{} pages show text of the other language:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    Ok(())
}

#[tokio::test]
async fn the_chinese_interface_shows_no_english() {
    scenario("i18n_crawl_zh", async |h: &Harness| crawl(h, "zh-CN").await).await;
}

#[tokio::test]
async fn the_english_interface_shows_no_chinese() {
    scenario("i18n_crawl_en", async |h: &Harness| crawl(h, "en").await).await;
}

#[test]
fn the_checks_find_what_they_should() {
    assert_eq!(
        latin_words("1 个 P1 工单 · SLA 超时 · no touchpoint yet"),
        BTreeSet::from(["no".to_string(), "touchpoint".into(), "yet".into()])
    );
    assert!(latin_words("客户 Steward ERP · 2026-12-02 · #123").is_empty());
    assert_eq!(
        cjk_runs("Open tickets 中文 · 财务"),
        BTreeSet::from(["财务".to_string()])
    );
    let data = vec!["Emily Chen".to_string(), "深圳华强".to_string()];
    assert_eq!(
        product_text("Owner Emily Chen of 深圳华强 li@x.cn KD-2026-0001", &data),
        "Owner of"
    );
}
