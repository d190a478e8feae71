//! Mail retention: one-time links do not outlive `mail_retention_days` in
//! the outbox or in `.eml` files.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::email_outbox;
use server::mail::retention::REMOVED;

use crate::helpers::*;

async fn outbox_of(app: &TestApp, to: &str) -> email_outbox::Model {
    email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddr.eq(to))
        .one(&app.app_state.db.read)
        .await
        .unwrap()
        .expect("a queued message")
}

async fn run(app: &TestApp, token: &str, job: &str) -> Value {
    let r = app
        .post(&format!("/api/v1/admin/jobs/{job}/run"), token, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[actix_web::test]
async fn sent_mail_loses_its_links_after_the_retention_period() {
    let t0 = Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap();
    let app = spawn_app_at(t0).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "ret@x.cn").await;
    let other = app.signup("Other", "ret-o@x.cn").await;
    for (session, email) in [(&admin, "invited@x.cn"), (&other, "invited-o@x.cn")] {
        let r = app
            .post(
                "/api/v1/users",
                &session.token,
                json!({"name": "郑晓明", "email": email, "role": "csm"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        run(&app, &session.token, "email-outbox").await;
    }
    let mail = app.mail.wait_for("invited@x.cn").await;
    assert!(mail.body().contains("accept-invite?token="));
    // Both sent (by the job or the worker it races) before the clock moves:
    // a send finished later would be stamped with the later time.
    for to in ["invited@x.cn", "invited-o@x.cn"] {
        for _ in 0..200 {
            if outbox_of(&app, to).await.status == "sent" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(outbox_of(&app, to).await.status, "sent", "{to}");
    }
    assert!(outbox_of(&app, "invited@x.cn")
        .await
        .body_text
        .contains("accept-invite?token="));

    // Within the period nothing is touched.
    clock.set(t0 + Duration::days(29));
    let admin = app.login_ok("ret@x.cn").await;
    let report = run(&app, &admin.token, "mail-retention").await;
    assert_eq!(report["summary"]["redacted"], 0, "{report}");

    // After it, the admin's run purges their workspace's mail only.
    clock.set(t0 + Duration::days(31));
    let admin = app.login_ok("ret@x.cn").await;
    let report = run(&app, &admin.token, "mail-retention").await;
    // The invitation and the link that confirmed the sign-up address.
    assert_eq!(report["summary"]["redacted"], 2, "{report}");
    let purged = outbox_of(&app, "invited@x.cn").await;
    assert_eq!(purged.body_text, REMOVED);
    assert!(purged.body_html.is_none());
    assert_eq!(purged.status, "sent");
    assert!(!purged.subject.is_empty(), "the record of sending stays");
    assert!(outbox_of(&app, "invited-o@x.cn")
        .await
        .body_text
        .contains("accept-invite?token="));
    // Run again: nothing more to do.
    let report = run(&app, &admin.token, "mail-retention").await;
    assert_eq!(report["summary"]["redacted"], 0, "{report}");
    // The platform's run (scheduler, CLI) covers every workspace.
    let report = server::jobs::run(&app.app_state, "mail-retention")
        .await
        .unwrap();
    assert_eq!(report.summary["redacted"], 2);
    assert_eq!(outbox_of(&app, "invited-o@x.cn").await.body_text, REMOVED);
}

#[actix_web::test]
async fn old_eml_files_are_deleted_in_local_mode() {
    let app = spawn_app_with(|c| {
        c.smtp_url = None;
        c.mail_retention_days = 1;
    })
    .await;
    let admin = app.signup_unconfirmed("W", "eml@x.cn").await;
    confirm_via_outbox(&app.app_state.db.write, &app.address, "eml@x.cn").await;
    let r = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "郑晓明", "email": "eml-new@x.cn", "role": "csm"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    run(&app, &admin.token, "email-outbox").await;
    let dir = app.app_state.config.data_dir.join("outbox");
    // The worker may be writing it still (it was kicked when the mail was
    // queued): wait for it.
    let mut files = Vec::new();
    for _ in 0..100 {
        // (The sign-up's confirmation may have been written too.)
        files = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| std::fs::read_to_string(p).is_ok_and(|text| text.contains("eml-new@x.cn")))
            .collect();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(std::fs::read_to_string(&files[0])
        .unwrap()
        .contains("accept-invite"));

    // A day old is kept...
    let report = server::jobs::run(&app.app_state, "mail-retention")
        .await
        .unwrap();
    assert_eq!(report.summary["files_removed"], 0);
    // ...two days old is not.
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&files[0])
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    let report = server::jobs::run(&app.app_state, "mail-retention")
        .await
        .unwrap();
    assert_eq!(report.summary["files_removed"], 1);
    assert!(!files[0].exists());
}
