//! On-site visits (issue 16): request from a ticket or an onboarding task,
//! dispatch with the engineer's calendar checked (409 naming the clashing
//! visit or training, in both languages), who may do what, tenant and
//! account isolation of every route, the portal's view without internal
//! fields, signature validation, the signed report's PDF (rendered to a
//! picture and its Chinese read back), mailed once to the customer admin
//! and kept on the ticket, the entitlement count and the timeline.

use std::process::Command;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::texts::Msg;
use shared::Locale;

use crate::helpers::*;

/// Monday 2027-03-01 08:00 in Shanghai.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// A `w`×`h` PNG, white with a black stroke when `drawn`, as a data URL.
fn signature_png(w: u32, h: u32, drawn: bool) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let mut data = vec![255u8; (w * h * 4) as usize];
        if drawn {
            for x in 10..w.saturating_sub(10) {
                let y = h / 2 + (x % 7);
                let at = ((y * w + x) * 4) as usize;
                data[at..at + 3].copy_from_slice(&[0, 0, 0]);
            }
        }
        writer.write_image_data(&data).unwrap();
    }
    out
}

fn data_url(bytes: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn a_signature() -> String {
    data_url(&signature_png(300, 100, true))
}

/// A workspace with an engineer, an account with a gold agreement (one
/// visit a year), a customer admin and a customer in the portal, and a
/// ticket of the account.
struct World {
    app: TestApp,
    admin: Session,
    engineer: Session,
    account: i64,
    ticket: i64,
    customer_admin: Session,
    customer: Session,
}

async fn portal_login(
    app: &TestApp,
    admin: &Session,
    account: i64,
    name: &str,
    email: &str,
    role: &str,
) -> Session {
    let contact = app.create_contact(&admin.token, account, name, email).await;
    let r = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
            &admin.token,
            json!({"role": role}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "portal access");
    app.accept_invitation(email).await
}

async fn world(tag: &str) -> World {
    world_with(tag, |_| {}).await
}

async fn world_with(tag: &str, customize: impl FnOnce(&mut server::config::Config)) -> World {
    let app = spawn_app_at_with(t0(), customize).await;
    let admin = app.signup("W", &format!("admin-{tag}@x.cn")).await;
    let engineer = app
        .staff(&admin, "engineer", &format!("eng-{tag}@x.cn"))
        .await;
    let account = id(&app.create_account(&admin.token, "华星机械", "100").await);
    let customer_admin = portal_login(
        &app,
        &admin,
        account,
        "王经理",
        &format!("boss-{tag}@kehu.cn"),
        "customer_admin",
    )
    .await;
    let customer = portal_login(
        &app,
        &admin,
        account,
        "张会计",
        &format!("clerk-{tag}@kehu.cn"),
        "customer",
    )
    .await;
    // Gold includes one on-site visit a year.
    let levels = body(app.get("/api/v1/service-levels", &admin.token).await).await;
    let gold = levels["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "gold")
        .unwrap()
        .clone();
    let mut req = gold.clone();
    for k in ["id", "version"] {
        req.as_object_mut().unwrap().remove(k);
    }
    req["onsite_visits_per_year"] = json!(1);
    body(
        app.put(
            &format!("/api/v1/service-levels/{}", gold["id"]),
            &admin.token,
            req,
        )
        .await,
    )
    .await;
    body(
        app.post(
            &format!("/api/v1/accounts/{account}/agreements"),
            &admin.token,
            json!({"level": "gold", "starts_on": "2027-01-01", "ends_on": "2027-12-31",
                   "signed_on": "2027-01-01", "service_content": "上门服务",
                   "complaint_procedure": "致电客户部经理", "service_process": "热线 → 工程师"}),
        )
        .await,
    )
    .await;
    let ticket = id(&body(
        app.post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account, "module": "finance", "category": "bug",
                   "priority": "p2", "subject": "月末结账报错", "description": "凭证无法过账"}),
        )
        .await,
    )
    .await);
    World {
        app,
        admin,
        engineer,
        account,
        ticket,
        customer_admin,
        customer,
    }
}

async fn request(app: &TestApp, token: &str, ticket: i64, date: &str, slot: &str) -> Value {
    body(
        app.post(
            "/api/v1/visits",
            token,
            json!({"ticket_id": ticket, "visit_date": date, "slot": slot,
                   "purpose": "现场排查月结问题", "address": "苏州工业园区星湖街 1 号",
                   "internal_note": "客户上次投诉过响应慢"}),
        )
        .await,
    )
    .await
}

async fn dispatch(app: &TestApp, token: &str, visit: i64, engineer: i64) -> reqwest::Response {
    app.post(
        &format!("/api/v1/visits/{visit}/dispatch"),
        token,
        json!({"engineer_id": engineer}),
    )
    .await
}

async fn post_empty(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.request(Method::POST, path, Some(token), None).await
}

fn report() -> Value {
    json!({"work_done": "重新过账 3 月凭证，修复总账科目余额；培训会计月结流程。",
           "time_spent_minutes": 150, "follow_ups": "下周远程检查结账结果"})
}

/// Takes the visit through dispatch, check-in, check-out and the report.
async fn reported_visit(w: &World, date: &str) -> i64 {
    let v = id(&request(&w.app, &w.admin.token, w.ticket, date, "morning").await);
    body(dispatch(&w.app, &w.admin.token, v, w.engineer.id()).await).await;
    body(
        post_empty(
            &w.app,
            &format!("/api/v1/visits/{v}/check-in"),
            &w.engineer.token,
        )
        .await,
    )
    .await;
    body(
        post_empty(
            &w.app,
            &format!("/api/v1/visits/{v}/check-out"),
            &w.engineer.token,
        )
        .await,
    )
    .await;
    body(
        w.app
            .put(
                &format!("/api/v1/visits/{v}/report"),
                &w.engineer.token,
                report(),
            )
            .await,
    )
    .await;
    v
}

/// The mails to `to` about visit `v`'s signed report.
fn report_mails(app: &TestApp, to: &str, v: i64) -> usize {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .filter(|m| {
            m.header("Subject")
                .is_some_and(|s| s.contains(&format!("#{v}")))
        })
        .count()
}

/// Waits (up to 10 s) for the mail to `to` with visit `v`'s report.
/// The files on the world's ticket, as staff list them.
async fn ticket_files(w: &World) -> Value {
    body(
        w.app
            .get(
                &format!("/api/v1/tickets/{}/attachments", w.ticket),
                &w.admin.token,
            )
            .await,
    )
    .await
}

async fn report_mail(app: &TestApp, to: &str, v: i64) -> Mail {
    for _ in 0..200 {
        let found = app
            .mail
            .messages
            .lock()
            .unwrap()
            .iter()
            .find(|m| {
                m.to.iter().any(|t| t.contains(to))
                    && m.header("Subject")
                        .is_some_and(|s| s.contains(&format!("#{v}")))
            })
            .cloned();
        if let Some(m) = found {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no report mail to {to}");
}

fn tool(name: &str) -> Command {
    let probe = Command::new(name).arg("-v").output();
    assert!(
        probe.is_ok(),
        "{name} is missing: scripts/install-tools.sh installs poppler-utils and tesseract-ocr(-chi-sim)"
    );
    Command::new(name)
}

/// The PDF's text (pdftotext), and the text Tesseract reads from its
/// first page rendered by pdftoppm (with the share of dark pixels, to
/// know the page is not blank).
fn read_pdf(pdf: &[u8]) -> (String, String) {
    let dir = std::env::temp_dir().join(format!("visit-pdf-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let text = tool("pdftotext").arg(&file).arg("-").output().unwrap();
    assert!(text.status.success(), "pdftotext failed");
    let prefix = dir.join("page");
    let render = tool("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(render.status.success(), "pdftoppm failed");
    let page = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("pdftoppm wrote a page");
    // Not blank: some pixels are dark.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&page).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let dark = pixels[..info.buffer_size()]
        .iter()
        .filter(|p| **p < 128)
        .count();
    assert!(
        dark > 2_000,
        "the rendered page is blank ({dark} dark pixels)"
    );
    let ocr = tool("tesseract")
        .arg(&page)
        .arg("-")
        .args(["-l", "chi_sim+eng"])
        .output()
        .unwrap();
    assert!(
        ocr.status.success(),
        "tesseract failed: {}",
        String::from_utf8_lossy(&ocr.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8_lossy(&text.stdout).into_owned(),
        String::from_utf8_lossy(&ocr.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    )
}

#[actix_web::test]
async fn a_visit_goes_from_request_to_a_signed_pdf_mailed_once_and_kept_on_the_ticket() {
    let w = world("flow").await;
    let app = &w.app;
    let first = request(app, &w.admin.token, w.ticket, "2027-03-02", "morning").await;
    assert_eq!(first["status"], "requested");
    assert_eq!(first["billable"], false, "the first visit is included");
    assert_eq!(first["account_id"], w.account);
    assert_eq!(
        first["starts_at"], "2027-03-02T01:00:00Z",
        "09:00 in Shanghai"
    );
    assert_eq!(first["ends_at"], "2027-03-02T04:00:00Z");
    // Gold includes one visit a year: the second is billable, not refused.
    let second = request(app, &w.admin.token, w.ticket, "2027-05-10", "full_day").await;
    assert_eq!(second["billable"], true);
    let ent = body(
        app.get(
            &format!(
                "/api/v1/accounts/{}/visit-entitlement?on=2027-06-01",
                w.account
            ),
            &w.admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            ent["included"].as_i64(),
            ent["used"].as_i64(),
            ent["billable"].as_i64()
        ),
        (Some(1), Some(2), Some(1)),
        "{ent}"
    );
    assert_eq!(ent["level"], "gold");
    assert_eq!(ent["year_from"], "2027-01-01");

    let v = id(&first);
    let dispatched = body(dispatch(app, &w.admin.token, v, w.engineer.id()).await).await;
    assert_eq!(dispatched["status"], "dispatched");
    assert_eq!(dispatched["engineer_id"], w.engineer.id());
    // On site: the clock records the times.
    let clock = app.clock.as_ref().unwrap();
    clock.set(Utc.with_ymd_and_hms(2027, 3, 2, 1, 5, 0).unwrap());
    let r = body(
        post_empty(
            app,
            &format!("/api/v1/visits/{v}/check-in"),
            &w.engineer.token,
        )
        .await,
    )
    .await;
    assert_eq!(r["checked_in_at"], "2027-03-02T01:05:00Z");
    clock.set(Utc.with_ymd_and_hms(2027, 3, 2, 3, 35, 0).unwrap());
    let r = body(
        post_empty(
            app,
            &format!("/api/v1/visits/{v}/check-out"),
            &w.engineer.token,
        )
        .await,
    )
    .await;
    assert_eq!(r["checked_out_at"], "2027-03-02T03:35:00Z");
    assert_eq!(r["on_site_minutes"], 150);
    let r = body(
        app.put(
            &format!("/api/v1/visits/{v}/report"),
            &w.engineer.token,
            report(),
        )
        .await,
    )
    .await;
    assert_eq!(r["status"], "reported");
    assert_eq!(r["report"]["time_spent_minutes"], 150);

    // The portal sees its visit and report, nothing internal.
    let list = body(app.get("/api/v1/portal/visits", &w.customer.token).await).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let mine = items.iter().find(|i| id(i) == v).unwrap();
    for internal in [
        "internal_note",
        "billable",
        "engineer_id",
        "requested_by",
        "account_id",
        "ticket_id",
    ] {
        assert!(mine.get(internal).is_none(), "{internal} leaks: {mine}");
    }
    assert_eq!(mine["report"]["work_done"], report()["work_done"]);
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains("投诉"), "the internal note leaks: {text}");

    // The customer (not only the admin) signs.
    let signed = body(
        app.post(
            &format!("/api/v1/portal/visits/{v}/sign"),
            &w.customer.token,
            json!({"name": "张会计", "signature": a_signature()}),
        )
        .await,
    )
    .await;
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["signature"]["signed_name"], "张会计");
    // Once only.
    assert_error(
        app.post(
            &format!("/api/v1/portal/visits/{v}/sign"),
            &w.customer_admin.token,
            json!({"name": "王经理", "signature": a_signature()}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;

    // Mailed to the customer admin, with the PDF, exactly once.
    let mail = report_mail(app, "boss-flow@kehu.cn", v).await;
    assert!(mail.data.contains("application/pdf"), "no PDF attached");
    assert!(mail.data.contains(&format!("visit-{v}-report.pdf")));
    server::jobs::run(&app.app_state, "email-outbox")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        report_mails(app, "boss-flow@kehu.cn", v),
        1,
        "the signed report is mailed once"
    );
    assert_eq!(
        report_mails(app, "clerk-flow@kehu.cn", v),
        0,
        "only customer admins get it"
    );
    {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let rows = server::entity::email_outbox::Entity::find()
            .filter(
                server::entity::email_outbox::Column::DedupeKey
                    .starts_with(format!("visit-report:{v}:")),
            )
            .count(&app.app_state.db.read)
            .await
            .unwrap();
        assert_eq!(rows, 1);
    }

    // Kept on the ticket, for staff and the customer.
    let files = ticket_files(&w).await;
    let pdf_file = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file_name"] == format!("visit-{v}-report.pdf"))
        .expect("the report on the ticket")
        .clone();
    assert_eq!(pdf_file["content_type"], "application/pdf");
    assert_eq!(pdf_file["internal"], false);
    let portal_files = body(
        app.get(
            &format!("/api/v1/portal/tickets/{}/attachments", w.ticket),
            &w.customer_admin.token,
        )
        .await,
    )
    .await;
    assert!(portal_files
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == pdf_file["id"]));
    let stored = app
        .get(
            &format!("/api/v1/attachments/{}", pdf_file["id"]),
            &w.admin.token,
        )
        .await;
    assert_eq!(stored.status(), StatusCode::OK);
    assert!(stored.bytes().await.unwrap().starts_with(b"%PDF-"));

    // The PDF renders, and its Chinese is there as text and as glyphs.
    let response = app
        .get(&format!("/api/v1/visits/{v}/report.pdf"), &w.admin.token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    let portal_pdf = app
        .get(
            &format!("/api/v1/portal/visits/{v}/report.pdf"),
            &w.customer_admin.token,
        )
        .await;
    assert_eq!(portal_pdf.status(), StatusCode::OK);
    let (text, ocr) = tokio::task::spawn_blocking(move || read_pdf(&pdf))
        .await
        .unwrap();
    for phrase in ["上门服务报告", "华星机械", "重新过账", "张会计"] {
        assert!(text.contains(phrase), "pdftotext lacks {phrase}: {text}");
    }
    let seen = [
        "上门服务",
        "服务报告",
        "华星机械",
        "工程师",
        "客户",
        "重新过账",
    ]
    .iter()
    .filter(|p| ocr.contains(*p))
    .count();
    assert!(seen >= 3, "OCR reads too little Chinese ({seen}): {ocr}");

    // The timeline tells the story.
    let tl = body(
        app.get(
            &format!("/api/v1/accounts/{}/timeline?limit=200", w.account),
            &w.admin.token,
        )
        .await,
    )
    .await;
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"] == v || e["kind"].as_str().unwrap().starts_with("visit_"))
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "visit_requested",
        "visit_dispatched",
        "visit_checked_in",
        "visit_checked_out",
        "visit_reported",
        "visit_signed",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let signed_entry = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "visit_signed")
        .unwrap();
    assert_eq!(signed_entry["summary_key"]["key"], "timeline.visit");
}

#[actix_web::test]
async fn dispatch_refuses_a_clash_with_the_engineers_visits_and_trainings_in_both_languages() {
    let w = world("clash").await;
    let app = &w.app;
    let eng = w.engineer.id();
    let morning = id(&request(app, &w.admin.token, w.ticket, "2027-03-03", "morning").await);
    body(dispatch(app, &w.admin.token, morning, eng).await).await;
    // A full day overlaps the morning.
    let full = id(&request(app, &w.admin.token, w.ticket, "2027-03-03", "full_day").await);
    let err = assert_error(
        dispatch(app, &w.admin.token, full, eng).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(err["message_key"], "visit.clash_visit", "{err}");
    assert_eq!(err["params"]["visit"], morning.to_string());
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains(&format!("#{morning}")));
    assert!(err["fields"]["engineer_id"].is_string());
    let zh = Msg {
        key: err["message_key"].as_str().unwrap().into(),
        params: serde_json::from_value(err["params"].clone()).unwrap(),
    }
    .render(Locale::ZhCn)
    .unwrap();
    assert!(
        zh.contains(&format!("上门服务 #{morning}")) && zh.contains("华星机械"),
        "{zh}"
    );
    // Nothing changed.
    let still = body(
        app.get(&format!("/api/v1/visits/{full}"), &w.admin.token)
            .await,
    )
    .await;
    assert_eq!(still["status"], "requested");
    assert!(still["engineer_id"].is_null());
    // The afternoon is free; so is the same slot for another engineer.
    let afternoon = id(&request(app, &w.admin.token, w.ticket, "2027-03-03", "afternoon").await);
    body(dispatch(app, &w.admin.token, afternoon, eng).await).await;
    body(dispatch(app, &w.admin.token, full, w.admin.id()).await).await;

    // A training the engineer gives, 14:00–15:30 on the 4th.
    let training = body(
        app.post(
            "/api/v1/trainings",
            &w.admin.token,
            json!({"account_id": w.account, "module": "finance", "topic": "总账与月结",
                   "trainer_id": eng, "starts_at": "2027-03-04T06:00:00Z", "duration_minutes": 90}),
        )
        .await,
    )
    .await;
    let clash = id(&request(app, &w.admin.token, w.ticket, "2027-03-04", "afternoon").await);
    let err = assert_error(
        dispatch(app, &w.admin.token, clash, eng).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(err["message_key"], "visit.clash_training", "{err}");
    assert_eq!(err["params"]["topic"], "总账与月结");
    let zh = Msg {
        key: err["message_key"].as_str().unwrap().into(),
        params: serde_json::from_value(err["params"].clone()).unwrap(),
    }
    .render(Locale::ZhCn)
    .unwrap();
    assert!(zh.contains("培训「总账与月结」"), "{zh}");
    // The morning of that day is free; a cancelled training frees the afternoon.
    let free = id(&request(app, &w.admin.token, w.ticket, "2027-03-04", "morning").await);
    body(dispatch(app, &w.admin.token, free, eng).await).await;
    body(
        app.post(
            &format!("/api/v1/trainings/{}/cancel", id(&training)),
            &w.admin.token,
            json!({}),
        )
        .await,
    )
    .await;
    body(dispatch(app, &w.admin.token, clash, eng).await).await;
    // A cancelled visit frees its slot too.
    body(
        post_empty(
            app,
            &format!("/api/v1/visits/{morning}/cancel"),
            &w.admin.token,
        )
        .await,
    )
    .await;
    let again = id(&request(app, &w.admin.token, w.ticket, "2027-03-03", "morning").await);
    body(dispatch(app, &w.admin.token, again, eng).await).await;
    // The calendar lists the engineer's visits of the week.
    let week = body(
        app.get(
            &format!("/api/v1/visits?engineer_id={eng}&from=2027-03-01T00:00:00Z&to=2027-03-08T00:00:00Z"),
            &w.admin.token,
        )
        .await,
    )
    .await;
    let ids: Vec<i64> = week["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, vec![morning, again, afternoon, free, clash]);
}

#[actix_web::test]
async fn roles_decide_who_dispatches_and_who_works_on_site() {
    let w = world("roles").await;
    let app = &w.app;
    let other_engineer = app.staff(&w.admin, "engineer", "eng2-roles@x.cn").await;
    let csm = app.staff(&w.admin, "csm", "csm-roles@x.cn").await;
    let v = id(&request(app, &w.engineer.token, w.ticket, "2027-03-05", "morning").await);
    // An engineer may request but not dispatch; a CSM only for their accounts.
    for who in [&w.engineer, &csm] {
        let err = assert_error(
            dispatch(app, &who.token, v, w.engineer.id()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_eq!(err["message_key"], "visit.dispatchers");
    }
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", w.account),
            &w.admin.token,
            json!({"owner_id": csm.id()}),
        )
        .await,
    )
    .await;
    body(dispatch(app, &csm.token, v, w.engineer.id()).await).await;
    // Only the dispatched engineer works on site.
    for who in [&other_engineer, &w.admin] {
        let err = assert_error(
            post_empty(app, &format!("/api/v1/visits/{v}/check-in"), &who.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_eq!(err["message_key"], "visit.engineer_only");
    }
    // In order: no check-out before check-in, no report before check-out.
    let err = assert_error(
        post_empty(
            app,
            &format!("/api/v1/visits/{v}/check-out"),
            &w.engineer.token,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(err["message_key"], "visit.not_check_out");
    assert_error(
        app.put(
            &format!("/api/v1/visits/{v}/report"),
            &w.engineer.token,
            report(),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    body(
        post_empty(
            app,
            &format!("/api/v1/visits/{v}/check-in"),
            &w.engineer.token,
        )
        .await,
    )
    .await;
    assert_error(
        post_empty(
            app,
            &format!("/api/v1/visits/{v}/check-in"),
            &w.engineer.token,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Re-dispatch is over once the engineer is on site.
    assert_error(
        dispatch(app, &w.admin.token, v, other_engineer.id()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Nobody signs before the report.
    assert_error(
        app.post(
            &format!("/api/v1/portal/visits/{v}/sign"),
            &w.customer_admin.token,
            json!({"name": "王经理", "signature": a_signature()}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        app.get(&format!("/api/v1/visits/{v}/report.pdf"), &w.admin.token)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Portal users stay out of staff routes, staff out of the portal's.
    for path in ["/api/v1/visits".to_string(), format!("/api/v1/visits/{v}")] {
        assert_error(
            app.get(&path, &w.customer_admin.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    assert_error(
        app.post("/api/v1/visits", &w.customer_admin.token, json!({"ticket_id": w.ticket, "visit_date": "2027-03-09", "slot": "morning", "purpose": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/portal/visits", &w.admin.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post(
            &format!("/api/v1/portal/visits/{v}/sign"),
            &w.engineer.token,
            json!({"name": "x", "signature": a_signature()}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A signed visit cannot be cancelled; a working one can, by a manager.
    let manager = app.staff(&w.admin, "manager", "mgr-roles@x.cn").await;
    assert_error(
        post_empty(
            app,
            &format!("/api/v1/visits/{v}/cancel"),
            &w.engineer.token,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let cancelled =
        body(post_empty(app, &format!("/api/v1/visits/{v}/cancel"), &manager.token).await).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_error(
        post_empty(app, &format!("/api/v1/visits/{v}/cancel"), &manager.token).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[actix_web::test]
async fn every_visit_route_is_isolated_between_workspaces_and_accounts() {
    let w = world("iso").await;
    let app = &w.app;
    let v = reported_visit(&w, "2027-03-08").await;
    // Another workspace: 404 on every route naming the visit or the account.
    let other = app.signup("Other", "other-iso@x.cn").await;
    let other_engineer = app.staff(&other, "engineer", "other-eng-iso@x.cn").await;
    for path in [
        format!("/api/v1/visits/{v}"),
        format!("/api/v1/visits/{v}/report.pdf"),
        format!("/api/v1/accounts/{}/visit-entitlement", w.account),
    ] {
        assert_error(
            app.get(&path, &other.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    for path in ["dispatch", "cancel", "check-in", "check-out"] {
        let r = app
            .post(
                &format!("/api/v1/visits/{v}/{path}"),
                &other.token,
                json!({"engineer_id": other_engineer.id()}),
            )
            .await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_error(
        app.put(
            &format!("/api/v1/visits/{v}/report"),
            &other.token,
            report(),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed = body(app.get("/api/v1/visits", &other.token).await).await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    // Nor can it request a visit from our ticket, or dispatch our engineer.
    let err = assert_error(
        app.post(
            "/api/v1/visits",
            &other.token,
            json!({"ticket_id": w.ticket, "visit_date": "2027-03-09", "slot": "morning", "purpose": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(err["fields"]["ticket_id"].is_string());
    let mine = id(&request(app, &w.admin.token, w.ticket, "2027-03-10", "morning").await);
    assert_error(
        dispatch(app, &w.admin.token, mine, other_engineer.id()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A portal user of another account (same workspace) and of another
    // workspace see nothing of it.
    let (_, stranger) = app
        .portal_user(&w.admin, "stranger-iso@kehu.cn", "200")
        .await;
    let (_, foreigner) = app
        .portal_user(&other, "foreigner-iso@kehu.cn", "300")
        .await;
    for who in [&stranger, &foreigner] {
        for path in [
            format!("/api/v1/portal/visits/{v}"),
            format!("/api/v1/portal/visits/{v}/report.pdf"),
        ] {
            assert_error(
                app.get(&path, &who.token).await,
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        }
        assert_error(
            app.post(
                &format!("/api/v1/portal/visits/{v}/sign"),
                &who.token,
                json!({"name": "李四", "signature": a_signature()}),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let list = body(app.get("/api/v1/portal/visits", &who.token).await).await;
        assert!(list["items"].as_array().unwrap().is_empty());
    }
    let still = body(
        app.get(&format!("/api/v1/visits/{v}"), &w.admin.token)
            .await,
    )
    .await;
    assert_eq!(still["status"], "reported");
}

#[actix_web::test]
async fn signatures_and_requests_are_validated_and_nothing_changes() {
    let w = world("sig").await;
    let app = &w.app;
    let v = reported_visit(&w, "2027-03-09").await;
    let path = format!("/api/v1/portal/visits/{v}/sign");
    let big = {
        // Noise does not compress: over 256 KB.
        let mut bytes = signature_png(20, 20, true);
        bytes.extend((0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        data_url(&bytes)
    };
    let cases = [
        (
            json!({"name": "张会计", "signature": "not a picture"}),
            "signature",
            "visit.signature_invalid",
        ),
        (
            json!({"name": "张会计", "signature": "data:image/jpeg;base64,/9j/4AAQSkZJRg=="}),
            "signature",
            "visit.signature_invalid",
        ),
        (
            json!({"name": "张会计", "signature": data_url(b"GIF89a not a png")}),
            "signature",
            "visit.signature_invalid",
        ),
        (
            json!({"name": "张会计", "signature": "data:image/png;base64,@@@"}),
            "signature",
            "visit.signature_invalid",
        ),
        (
            json!({"name": "张会计", "signature": data_url(&signature_png(300, 100, false))}),
            "signature",
            "visit.signature_blank",
        ),
        (
            json!({"name": "张会计", "signature": data_url(&signature_png(2100, 20, true))}),
            "signature",
            "visit.signature_side",
        ),
        (
            json!({"name": "张会计", "signature": big}),
            "signature",
            "visit.signature_too_large",
        ),
        (
            json!({"name": "  ", "signature": a_signature()}),
            "name",
            "validation.required",
        ),
    ];
    for (req, field, key) in cases {
        let err = assert_error(
            app.post(&path, &w.customer_admin.token, req).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(err["fields"][field].is_string(), "{field}: {err}");
        if !key.starts_with("validation.") {
            assert_eq!(err["field_keys"][field]["key"], key, "{err}");
        }
    }
    let still = body(
        app.get(&format!("/api/v1/visits/{v}"), &w.admin.token)
            .await,
    )
    .await;
    assert_eq!(still["status"], "reported");
    assert!(still["signature"].is_null());

    // Requests: one source, a purpose, a slot of the vocabulary.
    for req in [
        json!({"visit_date": "2027-03-09", "slot": "morning", "purpose": "x"}),
        json!({"ticket_id": w.ticket, "onboarding_task_id": 1, "visit_date": "2027-03-09", "slot": "morning", "purpose": "x"}),
        json!({"ticket_id": w.ticket, "visit_date": "2027-03-09", "slot": "morning", "purpose": " "}),
        json!({"ticket_id": w.ticket, "visit_date": "2027-03-09", "slot": "evening", "purpose": "x"}),
        json!({"ticket_id": w.ticket, "visit_date": "9999-03-09", "slot": "morning", "purpose": "x"}),
        json!({"onboarding_task_id": 999_999, "visit_date": "2027-03-09", "slot": "morning", "purpose": "x"}),
    ] {
        assert_error(
            app.post("/api/v1/visits", &w.admin.token, req).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // A report needs work done and a time.
    assert_error(
        app.put(
            &format!("/api/v1/visits/{v}/report"),
            &w.engineer.token,
            json!({"work_done": "", "time_spent_minutes": 0}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn a_visit_from_an_onboarding_task_counts_and_is_signed_without_a_ticket() {
    let w = world("task").await;
    let app = &w.app;
    let plan = body(
        app.post(
            &format!("/api/v1/accounts/{}/onboarding", w.account),
            &w.admin.token,
            json!({"starts_on": "2027-03-01"}),
        )
        .await,
    )
    .await;
    let task = id(&plan["tasks"][0]);
    let v = body(
        app.post(
            "/api/v1/visits",
            &w.admin.token,
            json!({"onboarding_task_id": task, "visit_date": "2027-03-11", "slot": "afternoon",
                   "purpose": "上线前现场检查"}),
        )
        .await,
    )
    .await;
    assert_eq!(v["account_id"], w.account);
    assert_eq!(v["onboarding_task_id"], task);
    assert!(v["ticket_id"].is_null());
    let listed = body(
        app.get(
            &format!("/api/v1/visits?onboarding_task_id={task}"),
            &w.admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let v = id(&v);
    body(dispatch(app, &w.admin.token, v, w.engineer.id()).await).await;
    for step in ["check-in", "check-out"] {
        body(
            post_empty(
                app,
                &format!("/api/v1/visits/{v}/{step}"),
                &w.engineer.token,
            )
            .await,
        )
        .await;
    }
    body(
        app.put(
            &format!("/api/v1/visits/{v}/report"),
            &w.engineer.token,
            report(),
        )
        .await,
    )
    .await;
    body(
        app.post(
            &format!("/api/v1/portal/visits/{v}/sign"),
            &w.customer_admin.token,
            json!({"name": "王经理", "signature": a_signature()}),
        )
        .await,
    )
    .await;
    let mail = report_mail(app, "boss-task@kehu.cn", v).await;
    assert!(mail.data.contains("application/pdf"));
    let pdf = app
        .get(
            &format!("/api/v1/portal/visits/{v}/report.pdf"),
            &w.customer_admin.token,
        )
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
}

/// The marks of visits `ids`, read back.
async fn marks(w: &World, ids: &[i64]) -> Vec<bool> {
    let mut out = Vec::new();
    for v in ids {
        let visit = body(
            w.app
                .get(&format!("/api/v1/visits/{v}"), &w.admin.token)
                .await,
        )
        .await;
        out.push(visit["billable"].as_bool().unwrap());
    }
    out
}

async fn entitlement_figures(w: &World) -> (i64, i64, i64) {
    let ent = body(
        w.app
            .get(
                &format!(
                    "/api/v1/accounts/{}/visit-entitlement?on=2027-06-01",
                    w.account
                ),
                &w.admin.token,
            )
            .await,
    )
    .await;
    (
        ent["included"].as_i64().unwrap(),
        ent["used"].as_i64().unwrap(),
        ent["billable"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn cancelling_an_included_visit_gives_its_place_to_the_next_billable_one() {
    let w = world("give-back").await;
    let app = &w.app;
    let token = &w.admin.token;
    // Gold includes one visit a year: a is included, b, c and d billable.
    let a = id(&request(app, token, w.ticket, "2027-03-02", "morning").await);
    let b = id(&request(app, token, w.ticket, "2027-03-03", "morning").await);
    let c = id(&request(app, token, w.ticket, "2027-03-04", "morning").await);
    let d = id(&request(app, token, w.ticket, "2027-03-05", "morning").await);
    // A visit of another agreement year (none in force in 2028) stays as it is.
    let later = id(&request(app, token, w.ticket, "2028-02-01", "morning").await);
    assert_eq!(
        marks(&w, &[a, b, c, d, later]).await,
        [false, true, true, true, true]
    );
    assert_eq!(entitlement_figures(&w).await, (1, 4, 3));

    // Cancelling a billable visit changes no other mark.
    let r = post_empty(app, &format!("/api/v1/visits/{c}/cancel"), token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(marks(&w, &[a, b, d]).await, [false, true, true]);
    assert_eq!(entitlement_figures(&w).await, (1, 3, 2));

    // Cancelling the included one: the next billable request (b) takes its
    // place, once; d stays billable; the change is audited and b's ETag moves.
    let before_b = app.get(&format!("/api/v1/visits/{b}"), token).await;
    let etag_b = before_b.headers()["etag"].to_str().unwrap().to_string();
    let r = post_empty(app, &format!("/api/v1/visits/{a}/cancel"), token).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled = body(r).await;
    assert_eq!(
        cancelled["billable"], false,
        "the cancelled visit keeps its mark"
    );
    assert_eq!(marks(&w, &[b, d, later]).await, [false, true, true]);
    assert_eq!(entitlement_figures(&w).await, (1, 2, 1));
    let after_b = app.get(&format!("/api/v1/visits/{b}"), token).await;
    assert_ne!(after_b.headers()["etag"].to_str().unwrap(), etag_b);
    let audit = body(
        app.get(
            &format!("/api/v1/audit?entity_type=visit&entity_id={b}"),
            token,
        )
        .await,
    )
    .await;
    assert!(
        audit.to_string().contains("\"include\""),
        "the new mark is in the audit log: {audit}"
    );

    // And again: b's cancellation makes d included.
    let r = post_empty(app, &format!("/api/v1/visits/{b}/cancel"), token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(marks(&w, &[d, later]).await, [false, true]);
    assert_eq!(entitlement_figures(&w).await, (1, 1, 0));
    // A new request now is billable again (d holds the one place).
    let e = request(app, token, w.ticket, "2027-04-01", "morning").await;
    assert_eq!(e["billable"], true);
}

#[actix_web::test]
async fn without_a_usable_font_the_signature_is_kept_and_the_pdf_answers_409() {
    let w = world_with("nofont", |c| {
        c.report_font = Some("/nonexistent/steward/NotoSansCJK.ttc".into());
    })
    .await;
    let app = &w.app;
    let v = reported_visit(&w, "2027-03-02").await;
    let r = app
        .post(
            &format!("/api/v1/portal/visits/{v}/sign"),
            &w.customer_admin.token,
            json!({"name": "王经理", "signature": a_signature()}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "signing never fails on the font"
    );
    let signed = body(r).await;
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["signature"]["signed_name"], "王经理");
    // Stored: staff read it signed too.
    let staff = body(
        app.get(&format!("/api/v1/visits/{v}"), &w.admin.token)
            .await,
    )
    .await;
    assert_eq!(staff["status"], "signed");
    // The PDF: a clear 409 in both languages, never a 5xx.
    for (path, token) in [
        (format!("/api/v1/visits/{v}/report.pdf"), &w.admin.token),
        (
            format!("/api/v1/portal/visits/{v}/report.pdf"),
            &w.customer_admin.token,
        ),
    ] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{path}");
        let err: Value = r.json::<Value>().await.unwrap()["error"].clone();
        assert_eq!(err["message_key"], "visit.pdf_unavailable", "{err}");
        assert!(err["message"]
            .as_str()
            .unwrap()
            .contains("STEWARD_REPORT_FONT"));
        let zh = Msg {
            key: err["message_key"].as_str().unwrap().into(),
            params: Default::default(),
        }
        .render(Locale::ZhCn)
        .unwrap();
        assert!(zh.contains("签字已保存"), "{zh}");
    }
    // The customer admin still hears of it, without an attachment; nothing
    // is put on the ticket.
    let mail = report_mail(app, "boss-nofont@kehu.cn", v).await;
    assert!(!mail.data.contains("application/pdf"), "no PDF to attach");
    let files = ticket_files(&w).await;
    assert!(!files.to_string().contains("report.pdf"), "{files}");

    // The report waits while there is no font …
    let run = server::jobs::run(&app.app_state, "visit-reports")
        .await
        .unwrap();
    assert_eq!(run.summary, json!({"delivered": 0, "waiting": 1}));
    // … and once a replica has one, it is delivered: on the ticket and by
    // mail with the PDF, once however often the job runs.
    let url = app.app_state.config.database_url();
    let fonted = spawn_app_at_with(t0(), |c| c.database_url = Some(url)).await;
    let run = server::jobs::run(&fonted.app_state, "visit-reports")
        .await
        .unwrap();
    assert_eq!(run.summary, json!({"delivered": 1, "waiting": 0}));
    let run = server::jobs::run(&fonted.app_state, "visit-reports")
        .await
        .unwrap();
    assert_eq!(run.summary, json!({"delivered": 0, "waiting": 0}));
    server::jobs::run(&fonted.app_state, "email-outbox")
        .await
        .unwrap();
    let mail = report_mail(&fonted, "boss-nofont@kehu.cn", v).await;
    assert!(
        mail.data.contains("application/pdf"),
        "the PDF is attached now"
    );
    let files = ticket_files(&w).await;
    assert_eq!(
        files
            .to_string()
            .matches(&format!("visit-{v}-report.pdf"))
            .count(),
        1,
        "{files}"
    );
}
