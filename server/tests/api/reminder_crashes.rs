//! Crashes between claiming a reminder and sending it, through the real
//! SMTP sink: (a) inside the job's transaction, after the reminder_log
//! claim and the outbox row were written — nothing is recorded, and the
//! next run (or the replica waiting on the lock) sends it once; (b) after
//! the outbox worker claimed the mail and before SMTP — the mail waits out
//! the lease, then goes out exactly once with the Message-ID it was given,
//! and the dead worker's late outcome changes nothing, even while the next
//! claim is still sending.

use chrono::Duration;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;
use server::domain::renewals::reminder_run::{self as renewal_reminders, RenewalRemindersReport};
use server::entity::{email_outbox, reminder_log};

use crate::helpers::*;
use crate::reminders::{count, flush, renewal_mails, run_job, set_day, world};

fn workspace_of(admin: &Session) -> i64 {
    admin.user["workspace_id"].as_i64().unwrap()
}

/// Reminder-log rows (the mails' claims and the renewal.due_soon claim)
/// and renewal outbox rows, as `conn` sees them.
async fn recorded<C: ConnectionTrait>(conn: &C) -> (u64, u64) {
    let log = reminder_log::Entity::find().count(conn).await.unwrap();
    let outbox = email_outbox::Entity::find()
        .filter(email_outbox::Column::DedupeKey.starts_with("renewal:"))
        .count(conn)
        .await
        .unwrap();
    (log, outbox)
}

/// Finds today's due mails and claims them in a transaction that is then
/// dropped without commit — the process died before committing.
async fn claim_and_crash(app: &TestApp, workspace_id: i64) {
    let state = &app.app_state;
    let now = state.clock.now();
    let mut report = RenewalRemindersReport::default();
    let due = renewal_reminders::due(state, workspace_id, now, &mut report)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "one renewal is due");
    assert_eq!(due[0].len(), 1, "one mail: the owner CSM's reminder");
    let txn = state.db.write.begin().await.unwrap();
    renewal_reminders::queue(state, &txn, &due[0], now, &mut report)
        .await
        .unwrap();
    // The claims (mail and renewal.due_soon) and the mail exist inside the
    // transaction …
    assert_eq!(recorded(&txn).await, (2, 1));
    assert_eq!(report.reminders, 1);
    assert_eq!(report.due_soon, 1);
    drop(txn);
}

#[actix_web::test]
async fn a_crash_inside_the_reminder_transaction_records_nothing_and_the_next_run_sends_once() {
    let w = world("crash", 61).await;
    let app = &w.app;
    set_day(app, 60);
    claim_and_crash(app, workspace_of(&w.admin)).await;
    // … and nothing of them outlives the crash: no claim that would make
    // the next run skip the reminder, no mail.
    assert_eq!(recorded(&app.app_state.db.write).await, (0, 0));
    flush(app).await;
    assert_eq!(renewal_mails(app), vec![]);

    // The server comes back: the next run sends it, once.
    let report = run_job(app).await;
    assert_eq!(report["reminders"], 1, "{report}");
    assert_eq!(report["due_soon"], 1, "{report}");
    flush(app).await;
    let again = run_job(app).await;
    assert_eq!(
        (&again["reminders"], &again["due_soon"]),
        (&json!(0), &json!(0))
    );
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "crash-csm@x.cn", "剩 60 天"), 1, "{mails:?}");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(recorded(&app.app_state.db.read).await, (2, 1));
}

#[actix_web::test]
async fn a_replica_waiting_on_a_crashing_claim_sends_the_reminder_once_after_the_rollback() {
    let w = world("wait", 61).await;
    let app = &w.app;
    set_day(app, 60);
    let state = &app.app_state;
    let now = state.clock.now();
    let mut report = RenewalRemindersReport::default();
    let due = renewal_reminders::due(state, workspace_of(&w.admin), now, &mut report)
        .await
        .unwrap();
    let txn = state.db.write.begin().await.unwrap();
    renewal_reminders::queue(state, &txn, &due[0], now, &mut report)
        .await
        .unwrap();
    // Another replica's run meanwhile: it must wait for the claim's
    // transaction (the renewal's row lock on PostgreSQL, the one writer on
    // SQLite) rather than skip or duplicate the reminder.
    let other = {
        let state = state.clone();
        tokio::spawn(async move {
            server::jobs::run(&state, "renewal-reminders")
                .await
                .expect("the job runs")
                .summary
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!other.is_finished(), "the other run waits for the claim");
    drop(txn);
    let report = other.await.unwrap();
    assert_eq!(report["reminders"], 1, "{report}");
    flush(app).await;
    assert_eq!(run_job(app).await["reminders"], 0);
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "wait-csm@x.cn", "剩 60 天"), 1, "{mails:?}");
    assert_eq!(mails.len(), 1, "{mails:?}");
}

#[actix_web::test]
async fn a_mail_claimed_by_a_worker_that_died_goes_out_once_after_the_lease_with_its_message_id() {
    let w = world("lease", 61).await;
    let app = &w.app;
    set_day(app, 60);
    let state = &app.app_state;
    let clock = app.clock.as_ref().unwrap();
    let now = state.clock.now();
    let mut report = RenewalRemindersReport::default();
    let due = renewal_reminders::due(state, workspace_of(&w.admin), now, &mut report)
        .await
        .unwrap();
    // The reminder is queued, and a worker claims its mail and dies before
    // talking to SMTP. (Claimed in the queuing transaction so that the
    // live worker of this test app cannot take the mail first; the row
    // ends up exactly as a worker's claim leaves it.)
    let txn = state.db.write.begin().await.unwrap();
    renewal_reminders::queue(state, &txn, &due[0], now, &mut report)
        .await
        .unwrap();
    let row = email_outbox::Entity::find()
        .filter(email_outbox::Column::DedupeKey.starts_with("renewal:"))
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    let dead = state
        .mailer
        .claim(&txn, &row, now)
        .await
        .unwrap()
        .expect("the first claim succeeds");
    assert_eq!(state.mailer.claim(&txn, &row, now).await.unwrap(), None);
    txn.commit().await.unwrap();

    let sent = || async {
        state
            .mailer
            .deliver_pending(&state.db, state.clock.as_ref())
            .await
            .unwrap()
    };
    // Leased: neither now nor just before the lease ends.
    assert_eq!(sent().await, 0);
    clock.advance(Duration::minutes(9));
    assert_eq!(sent().await, 0);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(renewal_mails(app), vec![]);
    let leased = email_outbox::Entity::find_by_id(row.id)
        .one(&state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((leased.status.as_str(), leased.attempts), ("sending", 1));

    // The lease expires: two workers at once, one sends (or the app's own
    // worker, should its timer fire just now).
    clock.advance(Duration::minutes(2));
    let (a, b) = futures_util::join!(sent(), sent());
    assert!(a + b <= 1, "{a} + {b}");
    flush(app).await;
    let mail = app.mail.wait_for("lease-csm@x.cn").await;
    assert_eq!(
        mail.header("Message-ID").as_deref(),
        Some(row.message_id.as_str())
    );
    let done = email_outbox::Entity::find_by_id(row.id)
        .one(&state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((done.status.as_str(), done.attempts), ("sent", 2));
    assert_eq!(done.message_id, row.message_id);

    // The dead worker was only slow: its late failure changes nothing.
    let late: anyhow::Result<()> = Err(anyhow::anyhow!("connection reset"));
    let recorded = state
        .mailer
        .finish(&state.db.write, &dead, &late, state.clock.now())
        .await
        .unwrap();
    assert!(!recorded, "a claim that outlived its lease records nothing");
    clock.advance(Duration::hours(2));
    assert_eq!(sent().await, 0);
    assert_eq!(run_job(app).await["reminders"], 0);
    flush(app).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "lease-csm@x.cn", "剩 60 天"), 1, "{mails:?}");
    assert_eq!(mails.len(), 1, "{mails:?}");
    let after = email_outbox::Entity::find_by_id(row.id)
        .one(&state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "sent");
}

#[actix_web::test]
async fn a_worker_that_outlived_its_lease_cannot_overwrite_the_next_claim() {
    let w = world("fence", 61).await;
    let app = &w.app;
    set_day(app, 60);
    let state = &app.app_state;
    let t0 = state.clock.now();
    let mut report = RenewalRemindersReport::default();
    let due = renewal_reminders::due(state, workspace_of(&w.admin), t0, &mut report)
        .await
        .unwrap();
    // Everything in one transaction, with the times passed in, so the
    // app's own worker cannot interleave.
    let txn = state.db.write.begin().await.unwrap();
    renewal_reminders::queue(state, &txn, &due[0], t0, &mut report)
        .await
        .unwrap();
    let outbox_row = || async {
        email_outbox::Entity::find()
            .filter(email_outbox::Column::DedupeKey.starts_with("renewal:"))
            .one(&txn)
            .await
            .unwrap()
            .unwrap()
    };
    let row = outbox_row().await;
    let first = state.mailer.claim(&txn, &row, t0).await.unwrap().unwrap();
    // Within the lease nobody else gets it; after it, the next worker does.
    let row = outbox_row().await;
    let within = t0 + Duration::minutes(9);
    assert_eq!(state.mailer.claim(&txn, &row, within).await.unwrap(), None);
    let after = t0 + Duration::minutes(11);
    let second = state
        .mailer
        .claim(&txn, &row, after)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.attempts, second.attempts), (1, 2));
    // The first worker reports late, while the second is still sending:
    // its outcome is refused and the second claim stands.
    let failed: anyhow::Result<()> = Err(anyhow::anyhow!("timed out"));
    assert!(!state
        .mailer
        .finish(&txn, &first, &failed, after)
        .await
        .unwrap());
    let row = outbox_row().await;
    assert_eq!((row.status.as_str(), row.attempts), ("sending", 2));
    assert!(row.next_attempt_at.is_none());
    assert!(state
        .mailer
        .finish(&txn, &second, &Ok(()), after)
        .await
        .unwrap());
    let row = outbox_row().await;
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
    txn.commit().await.unwrap();
}
