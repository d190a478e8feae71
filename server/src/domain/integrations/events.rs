//! Events for the outside world: [`emit`], which every area calls inside
//! the transaction of the change, and the payload pieces they share so a
//! ticket or an account reads the same in every event.
//!
//! Payloads (`data` of the envelope): ticket events carry `ticket` and
//! `account`, plus `changes` (`{field: {from, to}}`, ticket.updated),
//! `comment` (ticket.commented) or `sla` (ticket.sla_breached); account
//! events carry `account` and `changes` or `health`; `renewal.stage_changed`
//! carries `renewal`, `account` and `changes`; `renewal.due_soon` (once
//! per renewal and reminder offset, from the `renewal-reminders` job)
//! carries `renewal`, `account`, `contract`, `due_on`, `days_left` and
//! `offset_days` (the reminder offset reached: 30 for the 30-day one, even
//! when the job ran late and `days_left` is smaller); `contract.created`
//! carries `contract` and `account`; `survey.answered` carries `survey`,
//! `response` and `account`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::{json, Value};
use shared::integrations::{ChatRule, EventType};
use shared::tickets::TicketPriority;

use crate::entity::integrations::{chat_bots, deliveries, events, webhooks};
use crate::entity::{accounts, tickets};

pub const TARGET_WEBHOOK: &str = "webhook";
pub const TARGET_CHAT_BOT: &str = "chat_bot";

/// Records that `event_type` happened in the workspace, inside the
/// caller's transaction: one event row and one pending delivery per
/// enabled webhook subscribed to it and per enabled chat bot with a rule
/// that matches. Nothing is written when nobody listens. Returns the
/// number of deliveries queued; wake the worker after the commit
/// (`state.integrations.kick()`).
pub async fn emit<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    event_type: EventType,
    data: Value,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    emit_many(conn, workspace_id, event_type, vec![data], now).await
}

/// [`emit`] for many events of one type (an import's batch): the
/// workspace's listeners are read once.
pub async fn emit_many<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    event_type: EventType,
    events: Vec<Value>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let listeners = Listeners::of(conn, workspace_id).await?;
    let mut queued = 0;
    for data in events {
        let mut targets: Vec<(&'static str, i64)> = Vec::new();
        for (id, subscribed) in &listeners.webhooks {
            if subscribed.contains(&event_type) {
                targets.push((TARGET_WEBHOOK, *id));
            }
        }
        for (id, rules) in &listeners.chat_bots {
            if matching_rule(rules, event_type, &data).is_some() {
                targets.push((TARGET_CHAT_BOT, *id));
            }
        }
        if targets.is_empty() {
            continue;
        }
        let event_id = insert_event(conn, workspace_id, event_type.as_str(), &data, now).await?;
        for (kind, target_id) in &targets {
            queue(conn, workspace_id, event_id, kind, *target_id, now).await?;
        }
        queued += targets.len();
    }
    Ok(queued)
}

/// The workspace's enabled webhooks (with the events they take) and chat
/// bots (with their rules): whom an event may go to.
struct Listeners {
    webhooks: Vec<(i64, Vec<EventType>)>,
    chat_bots: Vec<(i64, Vec<ChatRule>)>,
}

impl Listeners {
    async fn of<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> Result<Listeners, DbErr> {
        let hooks: Vec<(i64, String)> = webhooks::Entity::find()
            .select_only()
            .column(webhooks::Column::Id)
            .column(webhooks::Column::Events)
            .filter(webhooks::Column::WorkspaceId.eq(workspace_id))
            .filter(webhooks::Column::Enabled.eq(true))
            .into_tuple()
            .all(conn)
            .await?;
        let bots: Vec<(i64, String)> = chat_bots::Entity::find()
            .select_only()
            .column(chat_bots::Column::Id)
            .column(chat_bots::Column::Rules)
            .filter(chat_bots::Column::WorkspaceId.eq(workspace_id))
            .filter(chat_bots::Column::Enabled.eq(true))
            .into_tuple()
            .all(conn)
            .await?;
        Ok(Listeners {
            webhooks: hooks
                .into_iter()
                .map(|(id, e)| (id, serde_json::from_str(&e).unwrap_or_default()))
                .collect(),
            chat_bots: bots
                .into_iter()
                .map(|(id, r)| (id, serde_json::from_str(&r).unwrap_or_default()))
                .collect(),
        })
    }
}

/// Whether any enabled webhook or chat-bot rule of the workspace takes
/// `event_type`: lets a caller skip work whose only use is an event.
pub async fn listens<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    event_type: EventType,
) -> Result<bool, DbErr> {
    let listeners = Listeners::of(conn, workspace_id).await?;
    Ok(listeners
        .webhooks
        .iter()
        .any(|(_, e)| e.contains(&event_type))
        || listeners
            .chat_bots
            .iter()
            .any(|(_, rules)| rules.iter().any(|rule| rule.events.contains(&event_type))))
}

/// Stores one event; returns its row id.
pub(crate) async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    event_type: &str,
    data: &Value,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = events::ActiveModel {
        workspace_id: Set(workspace_id),
        uid: Set(format!("evt_{}", uuid::Uuid::now_v7().simple())),
        event_type: Set(event_type.to_string()),
        data: Set(data.to_string()),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(events::Entity::insert(row).exec(conn).await?.last_insert_id)
}

/// Queues one delivery of an event to a target, due now.
pub(crate) async fn queue<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    event_id: i64,
    target_kind: &str,
    target_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = deliveries::ActiveModel {
        workspace_id: Set(workspace_id),
        event_id: Set(event_id),
        target_kind: Set(target_kind.to_string()),
        target_id: Set(target_id),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(deliveries::Entity::insert(row)
        .exec(conn)
        .await?
        .last_insert_id)
}

/// The ERP module, priority, account owner and reminder offset an event is
/// about, as its payload says (for chat-bot rules).
fn module_of(data: &Value) -> Option<&str> {
    data["ticket"]["module"].as_str()
}

fn priority_of(data: &Value) -> Option<TicketPriority> {
    data["ticket"]["priority"].as_str()?.parse().ok()
}

fn owner_of(data: &Value) -> Option<i64> {
    data["account"]["owner_id"].as_i64()
}

fn offset_of(data: &Value) -> Option<i64> {
    data["offset_days"].as_i64()
}

/// The first rule that lets the event through, if any.
pub fn matching_rule<'a>(
    rules: &'a [ChatRule],
    event_type: EventType,
    data: &Value,
) -> Option<&'a ChatRule> {
    rules.iter().find(|rule| {
        rule.events.contains(&event_type)
            && rule
                .module
                .is_none_or(|m| module_of(data) == Some(m.as_str()))
            && rule
                .min_priority
                .is_none_or(|min| priority_of(data).is_some_and(|p| p <= min))
            && rule.owner_id.is_none_or(|o| owner_of(data) == Some(o))
            && rule
                .renewal_days
                .is_none_or(|d| offset_of(data) == Some(i64::from(d)))
    })
}

/// An account as events show it.
pub fn account_json(account: &accounts::Model) -> Value {
    json!({
        "id": account.id,
        "code": account.code,
        "name": account.name,
        "stage": account.stage,
        "owner_id": account.owner_id,
    })
}

/// An account as events show it, read by id (`null` if it is gone).
pub async fn account_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> Result<Value, DbErr> {
    Ok(accounts::Entity::find_by_id(account_id)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .map(|a| account_json(&a))
        .unwrap_or(Value::Null))
}

/// A ticket as events show it (never its internal comments).
pub fn ticket_json(ticket: &tickets::Model) -> Value {
    json!({
        "id": ticket.id,
        "number": ticket.number,
        "subject": ticket.subject,
        "module": ticket.module,
        "category": ticket.category,
        "priority": ticket.priority,
        "status": ticket.status,
        "tier": ticket.tier,
        "assignee_id": ticket.assignee_id,
        "account_id": ticket.account_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    })
}

/// `{"ticket": …, "account": …}`, the base of every ticket event.
pub async fn ticket_payload<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
) -> Result<Value, DbErr> {
    Ok(json!({
        "ticket": ticket_json(ticket),
        "account": account_of(conn, ticket.workspace_id, ticket.account_id).await?,
    }))
}

/// Emits a ticket event: the ticket and its account, and the `extra`
/// keys (`changes`, `comment`, `sla`).
pub async fn emit_ticket<C: ConnectionTrait>(
    conn: &C,
    event_type: EventType,
    ticket: &tickets::Model,
    extra: Value,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut data = ticket_payload(conn, ticket).await?;
    if let (Value::Object(data), Value::Object(extra)) = (&mut data, extra) {
        data.extend(extra);
    }
    emit(conn, ticket.workspace_id, event_type, data, now).await
}

/// `ticket.updated` when the status, priority or assignee changed
/// between `before` and `after`; nothing otherwise.
pub async fn emit_ticket_updated<C: ConnectionTrait>(
    conn: &C,
    before: &tickets::Model,
    after: &tickets::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let changes = changes(&[
        ("status", json!(before.status), json!(after.status)),
        ("priority", json!(before.priority), json!(after.priority)),
        (
            "assignee_id",
            json!(before.assignee_id),
            json!(after.assignee_id),
        ),
    ]);
    if changes.as_object().is_some_and(|c| c.is_empty()) {
        return Ok(0);
    }
    emit_ticket(
        conn,
        EventType::TicketUpdated,
        after,
        json!({ "changes": changes }),
        now,
    )
    .await
}

/// `{field: {"from": before, "to": after}}` of the fields that changed.
pub fn changes(pairs: &[(&str, Value, Value)]) -> Value {
    let mut out = serde_json::Map::new();
    for (field, from, to) in pairs {
        if from != to {
            out.insert((*field).to_string(), json!({ "from": from, "to": to }));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ErpModule;

    fn rule(module: Option<ErpModule>, min: Option<TicketPriority>) -> ChatRule {
        ChatRule {
            events: vec![EventType::TicketCreated],
            module,
            min_priority: min,
            owner_id: None,
            renewal_days: None,
            mention_mobiles: vec![],
        }
    }

    #[test]
    fn rules_filter_on_module_and_priority() {
        let p1_finance = json!({"ticket": {"module": "finance", "priority": "p1"}});
        let p2_finance = json!({"ticket": {"module": "finance", "priority": "p2"}});
        let p1_sales = json!({"ticket": {"module": "sales", "priority": "p1"}});
        let rules = [rule(Some(ErpModule::Finance), Some(TicketPriority::P1))];
        assert!(matching_rule(&rules, EventType::TicketCreated, &p1_finance).is_some());
        assert!(matching_rule(&rules, EventType::TicketCreated, &p2_finance).is_none());
        assert!(matching_rule(&rules, EventType::TicketCreated, &p1_sales).is_none());
        assert!(matching_rule(&rules, EventType::TicketUpdated, &p1_finance).is_none());
        let p2_or_more = [rule(None, Some(TicketPriority::P2))];
        assert!(matching_rule(&p2_or_more, EventType::TicketCreated, &p1_sales).is_some());
        assert!(matching_rule(&p2_or_more, EventType::TicketCreated, &p2_finance).is_some());
    }

    #[test]
    fn a_renewal_days_rule_takes_its_offset_only() {
        let due = |offset: i64, days_left: i64| json!({"renewal": {"id": 1}, "offset_days": offset, "days_left": days_left});
        let rules = [ChatRule {
            events: vec![EventType::RenewalDueSoon],
            renewal_days: Some(30),
            ..rule(None, None)
        }];
        let t = EventType::RenewalDueSoon;
        assert!(matching_rule(&rules, t, &due(30, 30)).is_some());
        // Sent late after a gap, it is still the 30-day reminder.
        assert!(matching_rule(&rules, t, &due(30, 20)).is_some());
        assert!(matching_rule(&rules, t, &due(60, 60)).is_none());
        assert!(matching_rule(&rules, t, &due(7, 7)).is_none());
        assert!(matching_rule(&rules, t, &json!({"renewal": {"id": 1}})).is_none());
        let any_offset = [ChatRule {
            renewal_days: None,
            ..rules[0].clone()
        }];
        assert!(matching_rule(&any_offset, t, &due(60, 60)).is_some());
    }
}
