//! Training sessions: invitations with an iCalendar attachment received
//! through the real SMTP sink and parsed back, reschedule and cancel of the
//! same event, attendance bounds, coverage, roles, portal and tenancy.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// The (content type, text) of the first text/calendar part of a mail.
fn calendar_part(mail: &Mail) -> (String, String) {
    fn find(part: &mailparse::ParsedMail<'_>) -> Option<(String, String)> {
        if part.ctype.mimetype == "text/calendar" {
            let content_type = part
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case("content-type"))
                .map(|h| h.get_value())
                .unwrap_or_default();
            return Some((content_type, part.get_body().unwrap()));
        }
        part.subparts.iter().find_map(find)
    }
    let parsed = mailparse::parse_mail(mail.data.as_bytes()).unwrap();
    find(&parsed).expect("a text/calendar part")
}

/// The unfolded content lines of an .ics.
fn lines(ics: &str) -> Vec<String> {
    ics.replace("\r\n", "\n")
        .replace("\n ", "")
        .lines()
        .map(String::from)
        .collect()
}

/// The value of the first property `name` (with or without parameters),
/// and its parameters.
fn prop(ics: &str, name: &str) -> (String, String) {
    let all = lines(ics);
    // The VTIMEZONE has DTSTARTs too: the event's are in the VEVENT.
    let event = all.iter().position(|l| l == "BEGIN:VEVENT").unwrap();
    let in_event = ["DTSTART", "DTEND"].contains(&name);
    all.into_iter()
        .skip(if in_event { event } else { 0 })
        .find_map(|l| {
            let (head, value) = l.split_once(':')?;
            let (prop, params) = head.split_once(';').unwrap_or((head, ""));
            (prop == name).then(|| (value.to_string(), params.to_string()))
        })
        .unwrap_or_else(|| panic!("no {name} in\n{ics}"))
}

fn mails_to(app: &TestApp, to: &str) -> Vec<Mail> {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .cloned()
        .collect()
}

/// Waits until `n` mails to `to` have arrived; returns the `n`-th.
async fn nth_mail(app: &TestApp, to: &str, n: usize) -> Mail {
    for _ in 0..200 {
        let mails = mails_to(app, to);
        if mails.len() >= n {
            return mails[n - 1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("mail {n} to {to} did not arrive");
}

/// The instant a `DTSTART;TZID=…:local` names.
fn instant(value: &str, params: &str) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = params.strip_prefix("TZID=").unwrap().parse().unwrap();
    let local = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").unwrap();
    tz.from_local_datetime(&local)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn contact(
    app: &TestApp,
    token: &str,
    account: i64,
    name: &str,
    email: Option<&str>,
    modules: Value,
) -> i64 {
    let response = app
        .post(
            &format!("/api/v1/accounts/{account}/contacts"),
            token,
            json!({"name": name, "email": email, "modules": modules}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    id(&response.json().await.unwrap())
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 1, 1, 0, 0).unwrap()
}

async fn schedule(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post("/api/v1/trainings", token, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[actix_web::test]
async fn invitations_carry_an_ics_that_reschedule_updates_and_cancel_withdraws() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "tr@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星机械", "100").await);
    let li = contact(
        &app,
        &admin.token,
        account,
        "李雷",
        Some("li@c.cn"),
        json!(["finance"]),
    )
    .await;
    let han = contact(
        &app,
        &admin.token,
        account,
        "韩梅梅",
        Some("han@c.cn"),
        json!([]),
    )
    .await;
    let no_mail = contact(&app, &admin.token, account, "王五", None, json!([])).await;
    let starts = Utc.with_ymd_and_hms(2031, 3, 3, 2, 0, 0).unwrap(); // 10:00 in Shanghai
    let created = app
        .post(
            "/api/v1/trainings",
            &admin.token,
            json!({"account_id": account, "module": "finance", "topic": "总账与月结",
                   "trainer_id": admin.id(), "starts_at": starts, "duration_minutes": 90,
                   "location": "会议室 A", "attendee_ids": [li, han, no_mail]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created.headers()["etag"].to_str().unwrap().to_string();
    let session: Value = created.json().await.unwrap();
    let training = id(&session);
    assert_eq!(session["sequence"], 0);
    assert_eq!(session["status"], "scheduled");
    assert_eq!(session["attendees"].as_array().unwrap().len(), 3);
    assert_eq!(
        session["ends_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        starts + Duration::minutes(90)
    );

    let mail = nth_mail(&app, "li@c.cn", 1).await;
    nth_mail(&app, "han@c.cn", 1).await;
    assert!(mail
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/mixed"));
    assert!(mail.header("Subject").unwrap().contains("培训邀请"));
    let (content_type, ics) = calendar_part(&mail);
    assert!(content_type.contains("method=REQUEST"), "{content_type}");
    assert_eq!(prop(&ics, "METHOD").0, "REQUEST");
    let uid = format!("training-{training}@steward.test");
    assert_eq!(prop(&ics, "UID").0, uid);
    assert_eq!(prop(&ics, "SEQUENCE").0, "0");
    assert_eq!(prop(&ics, "STATUS").0, "CONFIRMED");
    let (start, params) = prop(&ics, "DTSTART");
    assert_eq!(
        (start.as_str(), params.as_str()),
        ("20310303T100000", "TZID=Asia/Shanghai")
    );
    assert_eq!(instant(&start, &params), starts);
    let (end, params) = prop(&ics, "DTEND");
    assert_eq!(instant(&end, &params), starts + Duration::minutes(90));
    assert_eq!(prop(&ics, "TZID").0, "Asia/Shanghai");
    assert_eq!(prop(&ics, "TZOFFSETTO").0, "+0800");
    assert!(prop(&ics, "ATTENDEE").0.ends_with("li@c.cn"));
    assert!(prop(&ics, "ORGANIZER").0.ends_with("tr@x.cn"));
    assert_eq!(prop(&ics, "LOCATION").0, "会议室 A");

    // A stale ETag is refused; a new time is the same event, one SEQUENCE on.
    let later = starts + Duration::days(1);
    let stale = app
        .client
        .patch(app.url(&format!("/api/v1/trainings/{training}")))
        .bearer_auth(&admin.token)
        .header("If-Match", "\"tr0v0\"")
        .json(&json!({"starts_at": later}))
        .send()
        .await
        .unwrap();
    assert_error(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let moved = app
        .client
        .patch(app.url(&format!("/api/v1/trainings/{training}")))
        .bearer_auth(&admin.token)
        .header("If-Match", &etag)
        .json(&json!({"starts_at": later}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["sequence"], 1);
    let mail = nth_mail(&app, "li@c.cn", 2).await;
    assert!(mail.header("Subject").unwrap().contains("培训已更新"));
    let (_, ics) = calendar_part(&mail);
    assert_eq!(prop(&ics, "METHOD").0, "REQUEST");
    assert_eq!(prop(&ics, "UID").0, uid);
    assert_eq!(prop(&ics, "SEQUENCE").0, "1");
    let (start, params) = prop(&ics, "DTSTART");
    assert_eq!(start, "20310304T100000");
    assert_eq!(instant(&start, &params), later);

    // Cancelling withdraws the same event.
    let cancelled = app
        .post(
            &format!("/api/v1/trainings/{training}/cancel"),
            &admin.token,
            json!({"reason": "客户月结，改期"}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "客户月结，改期");
    let mail = nth_mail(&app, "han@c.cn", 3).await;
    let (content_type, ics) = calendar_part(&mail);
    assert!(content_type.contains("method=CANCEL"), "{content_type}");
    assert_eq!(prop(&ics, "METHOD").0, "CANCEL");
    assert_eq!(prop(&ics, "UID").0, uid);
    assert_eq!(prop(&ics, "SEQUENCE").0, "2");
    assert_eq!(prop(&ics, "STATUS").0, "CANCELLED");

    // A cancelled session stays cancelled.
    let again = app
        .post(
            &format!("/api/v1/trainings/{training}/cancel"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;
    let edit = app
        .patch(
            &format!("/api/v1/trainings/{training}"),
            &admin.token,
            json!({"topic": "x"}),
        )
        .await;
    assert_error(edit, StatusCode::CONFLICT, "conflict").await;
    // Nothing more went out: three mails each, none to the contact without an address.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(mails_to(&app, "li@c.cn").len(), 3);
    assert_eq!(app.mail.messages.lock().unwrap().len(), 6);
}

#[actix_web::test]
async fn times_follow_the_workspace_calendar_zone_and_attendee_changes_are_announced() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "tz@x.cn").await;
    let mut calendar: Value = app
        .get("/api/v1/calendar", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    calendar["time_zone"] = json!("Europe/Berlin");
    let put = app.put("/api/v1/calendar", &admin.token, calendar).await;
    assert_eq!(put.status(), StatusCode::OK);
    let account = id(&app.create_account(&admin.token, "Berlin GmbH", "200").await);
    let anna = contact(
        &app,
        &admin.token,
        account,
        "Anna",
        Some("anna@b.de"),
        json!([]),
    )
    .await;
    let ben = contact(
        &app,
        &admin.token,
        account,
        "Ben",
        Some("ben@b.de"),
        json!([]),
    )
    .await;
    // 30 March 2031 is summer time: 10:00 local is 08:00 UTC.
    let starts = Utc.with_ymd_and_hms(2031, 3, 31, 8, 0, 0).unwrap();
    let session = schedule(
        &app,
        &admin.token,
        json!({"account_id": account, "module": "sales", "topic": "Quotes",
               "trainer_id": admin.id(), "starts_at": starts, "duration_minutes": 60,
               "online_url": "https://meet.example.com/abc", "attendee_ids": [anna]}),
    )
    .await;
    let (_, ics) = calendar_part(&nth_mail(&app, "anna@b.de", 1).await);
    let (start, params) = prop(&ics, "DTSTART");
    assert_eq!(
        (start.as_str(), params.as_str()),
        ("20310331T100000", "TZID=Europe/Berlin")
    );
    assert_eq!(instant(&start, &params), starts);
    assert!(lines(&ics).contains(&"BEGIN:DAYLIGHT".to_string()));
    assert_eq!(prop(&ics, "URL").0, "https://meet.example.com/abc");

    // Swapping attendees: Ben is invited, Anna's copy is withdrawn; the
    // event itself did not change, so neither did its SEQUENCE.
    let swapped = app
        .patch(
            &format!("/api/v1/trainings/{}", id(&session)),
            &admin.token,
            json!({"attendee_ids": [ben]}),
        )
        .await;
    assert_eq!(swapped.status(), StatusCode::OK);
    let swapped: Value = swapped.json().await.unwrap();
    assert_eq!(swapped["sequence"], 0);
    assert_eq!(swapped["attendees"][0]["contact_id"], ben);
    let (_, ics) = calendar_part(&nth_mail(&app, "ben@b.de", 1).await);
    assert_eq!(prop(&ics, "METHOD").0, "REQUEST");
    let (_, ics) = calendar_part(&nth_mail(&app, "anna@b.de", 2).await);
    assert_eq!(prop(&ics, "METHOD").0, "CANCEL");
}

#[actix_web::test]
async fn scheduling_validates_its_fields() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "v@x.cn").await;
    let account = id(&app.create_account(&admin.token, "甲", "300").await);
    let other = id(&app.create_account(&admin.token, "乙", "301").await);
    let stranger = contact(&app, &admin.token, other, "外人", Some("o@c.cn"), json!([])).await;
    let base = json!({"account_id": account, "module": "finance", "topic": "总账",
                      "trainer_id": admin.id(), "starts_at": t0(), "duration_minutes": 60});
    for (change, field) in [
        (json!({"duration_minutes": 0}), "duration_minutes"),
        (json!({"duration_minutes": 1441}), "duration_minutes"),
        (json!({"topic": "  "}), "topic"),
        (json!({"online_url": "javascript:alert(1)"}), "online_url"),
        (json!({"attendee_ids": [stranger]}), "attendee_ids"),
        (json!({"trainer_id": 999_999}), "trainer_id"),
        (json!({"account_id": 999_999}), "account_id"),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let error = assert_error(
            app.post("/api/v1/trainings", &admin.token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{field}: {error}");
    }
    let bad_module = app
        .post("/api/v1/trainings", &admin.token, {
            let mut b = base.clone();
            b["module"] = json!("hr");
            b
        })
        .await;
    assert_eq!(bad_module.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn attendance_is_bounded_and_completion_feeds_coverage() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "at@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星", "400").await);
    let a = contact(
        &app,
        &admin.token,
        account,
        "甲",
        Some("a@c.cn"),
        json!(["finance"]),
    )
    .await;
    let b = contact(
        &app,
        &admin.token,
        account,
        "乙",
        Some("b@c.cn"),
        json!(["finance"]),
    )
    .await;
    let c = contact(
        &app,
        &admin.token,
        account,
        "丙",
        None,
        json!(["finance", "sales"]),
    )
    .await;
    let d = contact(&app, &admin.token, account, "丁", None, json!([])).await;
    let finance = schedule(
        &app,
        &admin.token,
        json!({"account_id": account, "module": "finance", "topic": "总账",
               "trainer_id": admin.id(), "starts_at": t0() - Duration::days(1),
               "duration_minutes": 120, "attendee_ids": [a, b, c]}),
    )
    .await;
    let path = format!("/api/v1/trainings/{}/attendance", id(&finance));

    for (records, field) in [
        (
            json!([{"contact_id": a, "attended": true, "score": 101}]),
            "records[0].score",
        ),
        (
            json!([{"contact_id": a, "attended": true, "score": -1}]),
            "records[0].score",
        ),
        (
            json!([{"contact_id": d, "attended": true}]),
            "records[0].contact_id",
        ),
        (
            json!([{"contact_id": a, "attended": true}, {"contact_id": a, "attended": false}]),
            "records[1].contact_id",
        ),
        (json!([]), "records"),
    ] {
        let error = assert_error(
            app.post(&path, &admin.token, json!({"records": records}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{field}: {error}");
    }
    // Nothing was recorded by the refused requests.
    let unchanged: Value = app
        .get(&format!("/api/v1/trainings/{}", id(&finance)), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(unchanged["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["attended"].is_null()));

    let recorded = app
        .post(
            &path,
            &admin.token,
            json!({"records": [
                {"contact_id": a, "attended": true, "score": 60, "feedback": "很清楚"},
                {"contact_id": b, "attended": true, "score": 59},
                {"contact_id": c, "attended": true},
            ]}),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::OK);
    let recorded: Value = recorded.json().await.unwrap();
    let completed: Vec<(i64, bool)> = recorded["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["contact_id"].as_i64().unwrap(),
                x["completed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(completed, vec![(a, true), (b, false), (c, true)]);
    assert_eq!(recorded["attendees"][0]["feedback"], "很清楚");

    async fn coverage_of(app: &TestApp, token: &str, account: i64) -> Value {
        app.get(
            &format!("/api/v1/accounts/{account}/training-coverage"),
            token,
        )
        .await
        .json()
        .await
        .unwrap()
    }
    let cov = coverage_of(&app, &admin.token, account).await;
    assert_eq!(cov["pass_mark"], 60);
    assert_eq!(cov["responsible_contacts"], 3);
    // 丙 is trained on finance but not yet on sales.
    assert_eq!(cov["trained_contacts"], 1);
    assert_eq!(cov["coverage"], 33);
    let module = |cov: &Value, m: &str| {
        cov["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["module"] == m)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (
            module(&cov, "finance")["responsible"].clone(),
            module(&cov, "finance")["trained"].clone()
        ),
        (json!(3), json!(2))
    );
    assert_eq!(module(&cov, "sales")["trained"], 0);

    // A sales session 丙 attends (unscored) completes the picture for 丙; a
    // cancelled one counts for nothing and takes no attendance.
    let sales = schedule(
        &app,
        &admin.token,
        json!({"account_id": account, "module": "sales", "topic": "报价",
               "trainer_id": admin.id(), "starts_at": t0(), "duration_minutes": 60,
               "attendee_ids": [b, c]}),
    )
    .await;
    let ok = app
        .post(
            &format!("/api/v1/trainings/{}/attendance", id(&sales)),
            &admin.token,
            json!({"records": [{"contact_id": c, "attended": true}, {"contact_id": b, "attended": false, "score": 100}]}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let cov = coverage_of(&app, &admin.token, account).await;
    assert_eq!(
        (cov["trained_contacts"].clone(), cov["coverage"].clone()),
        (json!(2), json!(66))
    );
    app.post(
        &format!("/api/v1/trainings/{}/cancel", id(&sales)),
        &admin.token,
        json!({}),
    )
    .await;
    let cov = coverage_of(&app, &admin.token, account).await;
    assert_eq!(cov["trained_contacts"], 1);
    let closed = app
        .post(
            &format!("/api/v1/trainings/{}/attendance", id(&sales)),
            &admin.token,
            json!({"records": [{"contact_id": c, "attended": true}]}),
        )
        .await;
    assert_error(closed, StatusCode::CONFLICT, "conflict").await;

    // An account where nobody answers for a module has no coverage figure.
    let empty = id(&app.create_account(&admin.token, "空", "401").await);
    let cov: Value = app
        .get(
            &format!("/api/v1/accounts/{empty}/training-coverage"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(cov["coverage"].is_null());
}

#[actix_web::test]
async fn the_list_runs_in_start_order_with_filters_and_pages() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ls@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "ls-e@x.cn").await;
    let one = id(&app.create_account(&admin.token, "一", "500").await);
    let two = id(&app.create_account(&admin.token, "二", "501").await);
    let mut ids = Vec::new();
    // Created out of order: the list follows the start time.
    for (account, trainer, day) in [
        (one, admin.id(), 5),
        (two, engineer.id(), 2),
        (one, engineer.id(), 9),
        (one, admin.id(), 2),
    ] {
        let s = schedule(
            &app,
            &admin.token,
            json!({"account_id": account, "module": "sales", "topic": format!("第{day}天"),
                   "trainer_id": trainer, "starts_at": t0() + Duration::days(day),
                   "duration_minutes": 60}),
        )
        .await;
        ids.push(id(&s));
    }
    let list = |q: String| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let r = app.get(&format!("/api/v1/trainings?{q}"), &token).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let ids_of =
        |page: &Value| -> Vec<i64> { page["items"].as_array().unwrap().iter().map(id).collect() };
    let all = list(String::new()).await;
    assert_eq!(ids_of(&all), vec![ids[1], ids[3], ids[0], ids[2]]);
    assert_eq!(
        ids_of(&list(format!("account_id={one}")).await),
        vec![ids[3], ids[0], ids[2]]
    );
    assert_eq!(
        ids_of(&list(format!("trainer_id={}", engineer.id())).await),
        vec![ids[1], ids[2]]
    );
    let from = (t0() + Duration::days(3)).to_rfc3339().replace('+', "%2B");
    let to = (t0() + Duration::days(9)).to_rfc3339().replace('+', "%2B");
    assert_eq!(
        ids_of(&list(format!("from={from}&to={to}")).await),
        vec![ids[0]]
    );
    // Pages of two, following the cursor.
    let first = list("limit=2".into()).await;
    assert_eq!(ids_of(&first), vec![ids[1], ids[3]]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = list(format!("limit=2&cursor={cursor}")).await;
    assert_eq!(ids_of(&second), vec![ids[0], ids[2]]);
    assert!(second["next_cursor"].is_null());
    let bad = app
        .get("/api/v1/trainings?cursor=bm9wZQ", &admin.token)
        .await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Cancelled sessions can be left out.
    app.post(
        &format!("/api/v1/trainings/{}/cancel", ids[0]),
        &admin.token,
        json!({}),
    )
    .await;
    assert_eq!(
        ids_of(&list("include_cancelled=false".into()).await).len(),
        3
    );
}

#[actix_web::test]
async fn who_may_change_a_session() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "r@x.cn").await;
    let owner = app.staff(&admin, "csm", "r-owner@x.cn").await;
    let other_csm = app.staff(&admin, "csm", "r-csm@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "r-e@x.cn").await;
    let account = id(&app.create_account(&owner.token, "归属", "600").await);
    let body = |trainer: i64| {
        json!({"account_id": account, "module": "sales", "topic": "销售",
               "trainer_id": trainer, "starts_at": t0(), "duration_minutes": 60})
    };
    // Neither an engineer nor another CSM schedules for someone else's account…
    for (who, trainer) in [(&engineer, admin.id()), (&other_csm, admin.id())] {
        let r = app
            .post("/api/v1/trainings", &who.token, body(trainer))
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // …but a trainer schedules their own session, and the owner any.
    let own = schedule(&app, &engineer.token, body(engineer.id())).await;
    let owners = schedule(&app, &owner.token, body(admin.id())).await;
    let r = app
        .patch(
            &format!("/api/v1/trainings/{}", id(&own)),
            &engineer.token,
            json!({"topic": "销售报价"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    for path in [format!("/api/v1/trainings/{}", id(&owners))] {
        let r = app
            .patch(&path, &engineer.token, json!({"topic": "x"}))
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = app
            .patch(&path, &other_csm.token, json!({"topic": "x"}))
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let r = app
        .post(
            &format!("/api/v1/trainings/{}/attendance", id(&owners)),
            &other_csm.token,
            json!({"records": []}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .post(
            &format!("/api/v1/trainings/{}/cancel", id(&owners)),
            &engineer.token,
            json!({}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    // Every staff role reads.
    let r = app
        .get(
            &format!("/api/v1/trainings/{}", id(&owners)),
            &other_csm.token,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_portal_sees_its_own_upcoming_sessions_and_never_edits() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "p@x.cn").await;
    let (account, alice) = app.portal_user(&admin, "alice@p.cn", "700").await;
    let account = id(&account);
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{account}/contacts"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let alice_contact = id(&contacts["items"][0]);
    let other = id(&app.create_account(&admin.token, "别家", "701").await);
    let body = |account: i64, topic: &str, start: DateTime<Utc>, attendees: Value| {
        json!({"account_id": account, "module": "finance", "topic": topic,
               "trainer_id": admin.id(), "starts_at": start, "duration_minutes": 60,
               "attendee_ids": attendees})
    };
    let soon = schedule(
        &app,
        &admin.token,
        body(
            account,
            "即将",
            t0() + Duration::days(2),
            json!([alice_contact]),
        ),
    )
    .await;
    let later = schedule(
        &app,
        &admin.token,
        body(account, "稍后", t0() + Duration::days(5), json!([])),
    )
    .await;
    schedule(
        &app,
        &admin.token,
        body(account, "已过", t0() - Duration::days(2), json!([])),
    )
    .await;
    let gone = schedule(
        &app,
        &admin.token,
        body(account, "取消", t0() + Duration::days(3), json!([])),
    )
    .await;
    app.post(
        &format!("/api/v1/trainings/{}/cancel", id(&gone)),
        &admin.token,
        json!({}),
    )
    .await;
    schedule(
        &app,
        &admin.token,
        body(other, "别家的", t0() + Duration::days(1), json!([])),
    )
    .await;

    let mine = app.get("/api/v1/portal/trainings", &alice.token).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let mine: Value = mine.json().await.unwrap();
    let items = mine.as_array().unwrap();
    assert_eq!(
        items.iter().map(id).collect::<Vec<_>>(),
        vec![id(&soon), id(&later)]
    );
    assert_eq!(items[0]["invited"], true);
    assert_eq!(items[1]["invited"], false);
    for item in items {
        for internal in [
            "attendees",
            "trainer_id",
            "account_id",
            "sequence",
            "version",
        ] {
            assert!(item.get(internal).is_none(), "{internal} leaks: {item}");
        }
    }

    // A customer reaches no staff route, and staff do not use the portal's.
    let t = id(&soon);
    for (method, path) in [
        ("GET", "/api/v1/trainings".to_string()),
        ("POST", "/api/v1/trainings".to_string()),
        ("GET", format!("/api/v1/trainings/{t}")),
        ("PATCH", format!("/api/v1/trainings/{t}")),
        ("POST", format!("/api/v1/trainings/{t}/cancel")),
        ("POST", format!("/api/v1/trainings/{t}/attendance")),
        (
            "GET",
            format!("/api/v1/accounts/{account}/training-coverage"),
        ),
    ] {
        // A well-formed body: the refusal is about who asks, not what.
        let body = json!({"account_id": account, "module": "finance", "topic": "x",
                          "trainer_id": admin.id(), "starts_at": t0(), "duration_minutes": 60,
                          "records": [{"contact_id": alice_contact, "attended": true}]});
        let r = app
            .request(
                method.parse().unwrap(),
                &path,
                Some(&alice.token),
                Some(body),
            )
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let r = app.get("/api/v1/portal/trainings", &admin.token).await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
}

#[actix_web::test]
async fn another_workspace_sees_none_of_it() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W1", "t1@x.cn").await;
    let intruder = app.signup("W2", "t2@x.cn").await;
    let account = id(&app.create_account(&admin.token, "甲", "800").await);
    let person = contact(
        &app,
        &admin.token,
        account,
        "甲联系人",
        Some("p@c.cn"),
        json!(["sales"]),
    )
    .await;
    let session = schedule(
        &app,
        &admin.token,
        json!({"account_id": account, "module": "sales", "topic": "销售",
               "trainer_id": admin.id(), "starts_at": t0(), "duration_minutes": 60,
               "attendee_ids": [person]}),
    )
    .await;
    let t = id(&session);
    for (method, path, body) in [
        ("GET", format!("/api/v1/trainings/{t}"), json!(null)),
        (
            "PATCH",
            format!("/api/v1/trainings/{t}"),
            json!({"topic": "x"}),
        ),
        ("POST", format!("/api/v1/trainings/{t}/cancel"), json!({})),
        (
            "POST",
            format!("/api/v1/trainings/{t}/attendance"),
            json!({"records": [{"contact_id": person, "attended": true}]}),
        ),
        (
            "GET",
            format!("/api/v1/accounts/{account}/training-coverage"),
            json!(null),
        ),
    ] {
        let body = (!body.is_null()).then_some(body);
        let r = app
            .request(method.parse().unwrap(), &path, Some(&intruder.token), body)
            .await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    let list: Value = app
        .get("/api/v1/trainings", &intruder.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let filtered: Value = app
        .get(
            &format!("/api/v1/trainings?account_id={account}"),
            &intruder.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(filtered["items"].as_array().unwrap().is_empty());
    // Another workspace's account, trainer or contacts cannot be used either.
    let own = id(&app.create_account(&intruder.token, "乙", "800").await);
    for (body, field) in [
        (
            json!({"account_id": account, "trainer_id": intruder.id()}),
            "account_id",
        ),
        (
            json!({"account_id": own, "trainer_id": admin.id()}),
            "trainer_id",
        ),
        (
            json!({"account_id": own, "trainer_id": intruder.id(), "attendee_ids": [person]}),
            "attendee_ids",
        ),
    ] {
        let mut full =
            json!({"module": "sales", "topic": "x", "starts_at": t0(), "duration_minutes": 30});
        for (k, v) in body.as_object().unwrap() {
            full[k] = v.clone();
        }
        let error = assert_error(
            app.post("/api/v1/trainings", &intruder.token, full).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{field}: {error}");
    }
    // Nothing of W1 changed.
    let still: Value = app
        .get(&format!("/api/v1/trainings/{t}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (still["topic"].clone(), still["status"].clone()),
        (json!("销售"), json!("scheduled"))
    );
}
