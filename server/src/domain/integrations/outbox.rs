//! Delivering events: each delivery row is claimed with a conditional
//! update (status and attempt count as read) and a lease, sent, and its
//! outcome recorded under the same fencing attempt count, so of several
//! workers or replicas exactly one makes each attempt and a worker that
//! outlived its lease cannot overwrite a later outcome. A failed attempt
//! is retried with exponential back-off (30 s doubling, at most 1 h) until
//! the delivery is 24 h old, then it is `failed`. A target that fails
//! [`DISABLE_AFTER`] attempts in a row, or for a whole day, is switched
//! off and the workspace's admins are e-mailed, once.

use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::{json, Value};
use shared::integrations::{ChatBotKind, ChatRule};
use shared::Locale;

use super::events::{matching_rule, TARGET_CHAT_BOT, TARGET_WEBHOOK};
use super::{chat, net, sign};
use crate::entity::integrations::{chat_bots, deliveries, events, webhooks};
use crate::entity::users;
use crate::state::AppState;

/// Failed attempts in a row after which a target is switched off.
pub const DISABLE_AFTER: i32 = 20;
/// How long a delivery is retried, and how long a target may keep failing.
pub fn give_up_after() -> chrono::Duration {
    chrono::Duration::hours(24)
}
/// A row left `sending` this long (its worker died) may be claimed again;
/// far longer than an attempt can take (`net::TIMEOUT`).
pub fn lease() -> chrono::Duration {
    chrono::Duration::minutes(2)
}
/// How much of an answer's body the delivery log keeps.
const EXCERPT_CHARS: usize = 500;
/// Attempts made at the same time by one run.
const PARALLEL: usize = 8;

/// Back-off after the `attempts`-th failure: 30 s, 1 min, 2 min … 1 h.
pub fn retry_delay(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 8) - 1;
    chrono::Duration::seconds((30i64 << exponent).min(3600))
}

/// Rows a worker may claim at `now`.
fn deliverable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(deliveries::Column::Status.eq("pending"))
                .add(deliveries::Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(deliveries::Column::Status.eq("sending"))
                .add(deliveries::Column::ClaimedAt.lt(now - lease())),
        )
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct RunReport {
    pub delivered: usize,
    pub failed_attempts: usize,
}

/// Delivers every due row (of one workspace when given).
pub async fn run(state: &AppState, workspace: Option<i64>) -> anyhow::Result<RunReport> {
    let mut report = RunReport::default();
    // A row whose workers keep dying mid-send stops being retried when its
    // 24 hours are up, as a failing one does.
    let now = state.clock.now();
    let mut abandoned = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::Status, Expr::value("failed"))
        .col_expr(
            deliveries::Column::LastError,
            Expr::value("abandoned mid-send until its 24 hours were up"),
        )
        .col_expr(
            deliveries::Column::NextAttemptAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(deliveries::Column::Status.eq("sending"))
        .filter(deliveries::Column::ClaimedAt.lt(now - lease()))
        .filter(deliveries::Column::CreatedAt.lt(now - give_up_after()));
    if let Some(ws) = workspace {
        abandoned = abandoned.filter(deliveries::Column::WorkspaceId.eq(ws));
    }
    abandoned.exec(&state.db.write).await?;
    loop {
        let mut query = deliveries::Entity::find()
            .filter(deliverable(state.clock.now()))
            .order_by_asc(deliveries::Column::Id)
            .limit(50);
        if let Some(ws) = workspace {
            query = query.filter(deliveries::Column::WorkspaceId.eq(ws));
        }
        let batch = query.all(&state.db.write).await?;
        if batch.is_empty() {
            break;
        }
        let outcomes: Vec<anyhow::Result<Option<bool>>> = futures_util::stream::iter(batch)
            .map(|row| async move { attempt(state, &row).await })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        let mut progressed = false;
        for outcome in outcomes {
            match outcome? {
                Some(true) => {
                    progressed = true;
                    report.delivered += 1;
                }
                Some(false) => {
                    progressed = true;
                    report.failed_attempts += 1;
                }
                None => {}
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(report)
}

/// Claims and sends one delivery now, if it is still deliverable (a test
/// message, a redelivery). `None`: someone else has it.
pub async fn deliver_now(state: &AppState, delivery_id: i64) -> anyhow::Result<Option<bool>> {
    let Some(row) = deliveries::Entity::find_by_id(delivery_id)
        .one(&state.db.write)
        .await?
    else {
        return Ok(None);
    };
    attempt(state, &row).await
}

/// What one attempt came to.
struct Attempt {
    outcome: Outcome,
    http_status: Option<i32>,
    latency_ms: Option<i64>,
    excerpt: Option<String>,
}

enum Outcome {
    Delivered,
    /// Worth another try later.
    Failed(String),
    /// The target is gone or switched off: no retry, and no mark against it.
    Dropped(String),
}

impl Attempt {
    fn without_answer(outcome: Outcome) -> Attempt {
        Attempt {
            outcome,
            http_status: None,
            latency_ms: None,
            excerpt: None,
        }
    }
}

/// Claims `row` as read, sends it and records the outcome. `Some(true)`:
/// delivered; `Some(false)`: the attempt failed; `None`: not claimed.
async fn attempt(state: &AppState, row: &deliveries::Model) -> anyhow::Result<Option<bool>> {
    let attempts = row.attempts + 1;
    let now = state.clock.now();
    let claimed = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::Status, Expr::value("sending"))
        .col_expr(deliveries::Column::ClaimedAt, Expr::value(now))
        .col_expr(deliveries::Column::Attempts, Expr::value(attempts))
        .filter(deliveries::Column::Id.eq(row.id))
        .filter(deliveries::Column::Attempts.eq(row.attempts))
        .filter(deliverable(now))
        .exec(&state.db.write)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    let result = send(state, row).await;
    let delivered = matches!(result.outcome, Outcome::Delivered);
    finish(state, row, attempts, result).await?;
    Ok(Some(delivered))
}

async fn send(state: &AppState, row: &deliveries::Model) -> Attempt {
    match prepare(state, row).await {
        Ok(Ok(request)) => post(state, request).await,
        Ok(Err(dropped)) => Attempt::without_answer(dropped),
        Err(e) => Attempt::without_answer(Outcome::Failed(format!("{e:#}"))),
    }
}

/// A request ready to go out.
struct Prepared {
    url: String,
    body: String,
    headers: Vec<(&'static str, String)>,
    /// The chat platform, whose answer carries a result code.
    chat: Option<ChatBotKind>,
}

/// Builds the request of a delivery, or says why it is dropped.
async fn prepare(
    state: &AppState,
    row: &deliveries::Model,
) -> anyhow::Result<Result<Prepared, Outcome>> {
    let event = events::Entity::find_by_id(row.event_id)
        .one(&state.db.write)
        .await?
        .context("the event is gone")?;
    let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    let now = state.clock.now();
    let allow_private = state.integrations.allow_private();
    match row.target_kind.as_str() {
        TARGET_WEBHOOK => {
            let Some(hook) = webhooks::Entity::find_by_id(row.target_id)
                .filter(webhooks::Column::WorkspaceId.eq(row.workspace_id))
                .one(&state.db.write)
                .await?
            else {
                return Ok(Err(Outcome::Dropped("the webhook was deleted".into())));
            };
            if !hook.enabled {
                return Ok(Err(Outcome::Dropped("the webhook is disabled".into())));
            }
            if let Err(why) = net::check_target(&hook.url, allow_private).await {
                return Ok(Err(Outcome::Failed(format!("the URL {why}"))));
            }
            let body = json!({
                "id": event.uid,
                "type": event.event_type,
                "created_at": event.created_at,
                "workspace_id": event.workspace_id,
                "version": 1,
                "data": data,
            })
            .to_string();
            let signature = sign::webhook_signature(&hook.secret, now.timestamp(), &body);
            Ok(Ok(Prepared {
                url: hook.url,
                body,
                headers: vec![
                    ("Steward-Signature", signature),
                    ("Steward-Event", event.event_type.clone()),
                    ("Steward-Event-Id", event.uid.clone()),
                    ("Steward-Delivery", row.id.to_string()),
                ],
                chat: None,
            }))
        }
        TARGET_CHAT_BOT => {
            let Some(bot) = chat_bots::Entity::find_by_id(row.target_id)
                .filter(chat_bots::Column::WorkspaceId.eq(row.workspace_id))
                .one(&state.db.write)
                .await?
            else {
                return Ok(Err(Outcome::Dropped("the chat bot was deleted".into())));
            };
            if !bot.enabled {
                return Ok(Err(Outcome::Dropped("the chat bot is disabled".into())));
            }
            if let Err(why) = net::check_target(&bot.webhook_url, allow_private).await {
                return Ok(Err(Outcome::Failed(format!("the URL {why}"))));
            }
            let kind: ChatBotKind = bot.kind.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let locale: Locale = bot.locale.parse().unwrap_or(Locale::DEFAULT);
            let rules: Vec<ChatRule> = serde_json::from_str(&bot.rules).unwrap_or_default();
            let mobiles = event
                .event_type
                .parse()
                .ok()
                .and_then(|t| matching_rule(&rules, t, &data))
                .map(|r| r.mention_mobiles.clone())
                .unwrap_or_default();
            let message = chat::render(&event.event_type, &data, locale);
            let (url, body) = chat::request(
                kind,
                &bot.webhook_url,
                bot.secret.as_deref(),
                &message,
                &mobiles,
                now,
            );
            Ok(Ok(Prepared {
                url,
                body: body.to_string(),
                headers: vec![],
                chat: Some(kind),
            }))
        }
        other => Ok(Err(Outcome::Dropped(format!(
            "unknown target kind {other}"
        )))),
    }
}

async fn post(state: &AppState, request: Prepared) -> Attempt {
    let mut builder = state
        .integrations
        .client()
        .post(&request.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(request.body);
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    let started = Instant::now();
    let response = builder.send().await;
    let latency_ms = Some(started.elapsed().as_millis() as i64);
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            return Attempt {
                outcome: Outcome::Failed(describe(&e)),
                http_status: None,
                latency_ms,
                excerpt: None,
            }
        }
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
    let outcome = if !status.is_success() {
        Outcome::Failed(format!("the target answered HTTP {}", status.as_u16()))
    } else if let Some(kind) = request.chat {
        match chat::accepted(kind, &text) {
            Ok(()) => Outcome::Delivered,
            Err(why) => Outcome::Failed(why),
        }
    } else {
        Outcome::Delivered
    };
    Attempt {
        outcome,
        http_status: Some(i32::from(status.as_u16())),
        latency_ms,
        excerpt: Some(excerpt),
    }
}

/// A transport error in a sentence, with its cause (refused address,
/// timeout, connection refused).
fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "the target did not answer in time".to_string()
    } else if e.is_connect() {
        "cannot connect to the target".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Records the outcome of the claim `attempts` of `row`, and what it means
/// for the target: a success clears its failures; a failure counts, and
/// may switch the target off (with the admins' e-mail, in the same
/// transaction).
async fn finish(
    state: &AppState,
    row: &deliveries::Model,
    attempts: i32,
    result: Attempt,
) -> anyhow::Result<()> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let mut update = deliveries::Entity::update_many()
        .col_expr(
            deliveries::Column::HttpStatus,
            Expr::value(result.http_status),
        )
        .col_expr(
            deliveries::Column::LatencyMs,
            Expr::value(result.latency_ms),
        )
        .col_expr(
            deliveries::Column::ResponseExcerpt,
            Expr::value(result.excerpt.clone()),
        );
    update = match &result.outcome {
        Outcome::Delivered => update
            .col_expr(deliveries::Column::Status, Expr::value("delivered"))
            .col_expr(deliveries::Column::DeliveredAt, Expr::value(now))
            .col_expr(deliveries::Column::LastError, Expr::value(None::<String>))
            .col_expr(
                deliveries::Column::NextAttemptAt,
                Expr::value(None::<DateTime<Utc>>),
            ),
        Outcome::Failed(error) => {
            let next = now + retry_delay(attempts);
            let give_up = next > row.created_at + give_up_after();
            update
                .col_expr(
                    deliveries::Column::Status,
                    Expr::value(if give_up { "failed" } else { "pending" }),
                )
                .col_expr(deliveries::Column::LastError, Expr::value(error.clone()))
                .col_expr(
                    deliveries::Column::NextAttemptAt,
                    Expr::value((!give_up).then_some(next)),
                )
        }
        Outcome::Dropped(error) => update
            .col_expr(deliveries::Column::Status, Expr::value("failed"))
            .col_expr(deliveries::Column::LastError, Expr::value(error.clone()))
            .col_expr(
                deliveries::Column::NextAttemptAt,
                Expr::value(None::<DateTime<Utc>>),
            ),
    };
    let recorded = update
        .filter(deliveries::Column::Id.eq(row.id))
        .filter(deliveries::Column::Status.eq("sending"))
        .filter(deliveries::Column::Attempts.eq(attempts))
        .exec(&txn)
        .await?;
    if recorded.rows_affected != 1 {
        tracing::warn!(
            delivery_id = row.id,
            "a delivery claim outlived its lease; another worker owns it"
        );
        return Ok(txn.commit().await?);
    }
    match &result.outcome {
        Outcome::Delivered => target_succeeded(&txn, row).await?,
        Outcome::Failed(_) => target_failed(state, &txn, row, now).await?,
        Outcome::Dropped(_) => {}
    }
    txn.commit().await?;
    if matches!(result.outcome, Outcome::Failed(_)) {
        // It may have queued the admins' mail.
        state.mailer.kick();
    }
    Ok(())
}

/// The bookkeeping columns webhooks and chat bots share.
macro_rules! on_target {
    ($row:expr, $entity:ident => $body:expr) => {
        match $row.target_kind.as_str() {
            TARGET_WEBHOOK => {
                use webhooks as $entity;
                $body
            }
            _ => {
                use chat_bots as $entity;
                $body
            }
        }
    };
}

async fn target_succeeded<C: ConnectionTrait>(
    conn: &C,
    row: &deliveries::Model,
) -> anyhow::Result<()> {
    on_target!(row, t => {
        t::Entity::update_many()
            .col_expr(t::Column::ConsecutiveFailures, Expr::value(0))
            .col_expr(t::Column::FailingSince, Expr::value(None::<DateTime<Utc>>))
            .filter(t::Column::Id.eq(row.target_id))
            .exec(conn)
            .await?;
    });
    Ok(())
}

/// The target's state after one more failure: (enabled, failures in a
/// row, failing since, name for the admins).
type TargetState = (bool, i32, Option<DateTime<Utc>>, String);

async fn target_failed<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    row: &deliveries::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let target: Option<TargetState> = on_target!(row, t => {
        t::Entity::update_many()
            .col_expr(
                t::Column::ConsecutiveFailures,
                Expr::col(t::Column::ConsecutiveFailures).add(1),
            )
            .col_expr(
                t::Column::FailingSince,
                Func::coalesce([
                    Expr::col(t::Column::FailingSince).into(),
                    Expr::value(now),
                ])
                .into(),
            )
            .filter(t::Column::Id.eq(row.target_id))
            .exec(conn)
            .await?;
        t::Entity::find_by_id(row.target_id)
            .one(conn)
            .await?
            .map(|m| (m.enabled, m.consecutive_failures, m.failing_since, target_name(&m)))
    });
    let Some((enabled, failures, failing_since, name)) = target else {
        return Ok(());
    };
    let day_of_failures = failing_since.is_some_and(|since| since <= now - give_up_after());
    if !enabled || (failures < DISABLE_AFTER && !day_of_failures) {
        return Ok(());
    }
    let reason = if day_of_failures {
        "every delivery failed for 24 hours".to_string()
    } else {
        format!("{failures} delivery attempts failed in a row")
    };
    // Only the worker whose update switches it off tells the admins.
    let switched = on_target!(row, t => {
        t::Entity::update_many()
            .col_expr(t::Column::Enabled, Expr::value(false))
            .col_expr(t::Column::DisabledReason, Expr::value(reason.clone()))
            .col_expr(t::Column::UpdatedAt, Expr::value(now))
            .filter(t::Column::Id.eq(row.target_id))
            .filter(t::Column::Enabled.eq(true))
            .exec(conn)
            .await?
            .rows_affected
    });
    if switched != 1 {
        return Ok(());
    }
    deliveries::Entity::update_many()
        .col_expr(deliveries::Column::Status, Expr::value("failed"))
        .col_expr(
            deliveries::Column::LastError,
            Expr::value("the target was disabled after repeated failures"),
        )
        .col_expr(
            deliveries::Column::NextAttemptAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(deliveries::Column::TargetKind.eq(row.target_kind.clone()))
        .filter(deliveries::Column::TargetId.eq(row.target_id))
        .filter(deliveries::Column::Status.eq("pending"))
        .exec(conn)
        .await?;
    tracing::warn!(
        target_kind = %row.target_kind,
        target_id = row.target_id,
        %reason,
        "integration target disabled"
    );
    let admins = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(row.workspace_id))
        .filter(users::Column::Role.eq("admin"))
        .filter(users::Column::Active.eq(true))
        .all(conn)
        .await?;
    let is_webhook = row.target_kind == TARGET_WEBHOOK;
    for admin in admins {
        let letter = crate::mail::letters::integrations::target_disabled(
            state,
            is_webhook,
            &name,
            &reason,
            &admin.name,
            admin.mail_locale(),
        );
        state
            .mailer
            .enqueue(
                conn,
                letter.into_mail(
                    Some(row.workspace_id),
                    admin.email.clone(),
                    Some(format!(
                        "integration-disabled:{}:{}:{}:{}",
                        row.target_kind,
                        row.target_id,
                        now.timestamp(),
                        admin.id
                    )),
                ),
                now,
            )
            .await?;
    }
    Ok(())
}

trait Named {
    fn label(&self) -> String;
}

impl Named for webhooks::Model {
    fn label(&self) -> String {
        self.url.clone()
    }
}

impl Named for chat_bots::Model {
    fn label(&self) -> String {
        self.name.clone()
    }
}

fn target_name(model: &impl Named) -> String {
    model.label()
}
