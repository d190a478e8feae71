//! Finding tickets: the staff queue, and what a portal user may see.

use super::*;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{decode_key_cursor, encode_key_cursor, page_by, try_page};
use crate::domain::common::portal::{contact_of_login, own_account};
use sea_orm::sea_query::{Alias, Order};
use sea_orm::{ConnectionTrait, QuerySelect, QueryTrait};

use crate::entity::accounts as account_rows;

pub use shared::filters::TicketFilter;

/// The longest "breaching soon" window: a week.
pub const MAX_DUE_WITHIN_MINUTES: i64 = 7 * 24 * 60;

/// A ticket's place in the staff queue, most urgent first: open tickets
/// that missed a target, then running ones (new, open) by their next SLA
/// deadline, then those waiting on the customer, an approval or a blocker,
/// then resolved and closed ones; ties by priority, then id. The database holds
/// the same order in the generated columns `urgency_bucket` and
/// `urgency_due` (migration `m20261202_000001_ticket_urgency`), indexed per
/// filter; this computes it from a row, to order a fetched page and to
/// write its cursor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Urgency {
    bucket: i32,
    due: DateTime<Utc>,
    priority: String,
    id: i64,
}

/// The cursor prefix of the urgency order.
const URGENCY_CURSOR: &str = "u";

impl Urgency {
    pub fn of(t: &tickets::Model) -> Self {
        let is = |statuses: &[TicketStatus]| statuses.iter().any(|s| t.status == s.as_str());
        let breached = t.first_response_breached_at.is_some() || t.resolution_breached_at.is_some();
        let bucket = if is(&[TicketStatus::Resolved, TicketStatus::Closed]) {
            if breached {
                3
            } else {
                4
            }
        } else if breached {
            0
        } else if is(&[TicketStatus::New, TicketStatus::Open]) {
            1
        } else {
            2
        };
        let due = if t.first_responded_at.is_none() {
            t.first_response_due_at
        } else {
            t.resolution_due_at
        };
        Urgency {
            bucket,
            due,
            priority: t.priority.clone(),
            id: t.id,
        }
    }

    fn cursor(&self) -> String {
        let nanos = self.due.timestamp_nanos_opt().unwrap_or(i64::MAX);
        encode_key_cursor(
            URGENCY_CURSOR,
            &[
                &self.bucket.to_string(),
                &nanos.to_string(),
                &self.priority,
                &self.id.to_string(),
            ],
        )
    }

    fn parse(cursor: &str) -> AppResult<Self> {
        let bad = || AppError::field("cursor", "is not a cursor this API returned");
        let parts = decode_key_cursor(cursor, URGENCY_CURSOR, 4)?;
        let bucket: i32 = parts[0].parse().map_err(|_| bad())?;
        let nanos: i64 = parts[1].parse().map_err(|_| bad())?;
        let priority: TicketPriority = parts[2].parse().map_err(|_| bad())?;
        let id: i64 = parts[3].parse().map_err(|_| bad())?;
        if !(0..=4).contains(&bucket) {
            return Err(bad());
        }
        Ok(Urgency {
            bucket,
            due: DateTime::from_timestamp_nanos(nanos),
            priority: priority.as_str().to_string(),
            id,
        })
    }
}

/// The staff queue's page as the API answers it (`Page<Ticket>` in JSON).
///
/// On SQLite the database writes each ticket's API object itself
/// ([`SQLITE_TICKET_JSON`]) and the page is put together from them, so a
/// 50-row page is not parsed into models (six timestamps each) and written
/// out again: that round trip took a third of a queue request's time. On
/// PostgreSQL the page goes through [`list`]. `tickets::the_queue_shows_each_ticket_as_its_own_page_does`
/// checks that both paths answer what `GET /tickets/{id}` does.
pub async fn list_json(
    db: &Db,
    actor: &StaffActor,
    filter: TicketFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let (query, limit) = queue_query(actor, filter, page, now)?;
    if db.read.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        let page = queue_page(db, query, limit).await?;
        return serde_json::to_string(&page).map_err(|e| AppError::Internal(e.into()));
    }
    let bucket = || sea_orm::sea_query::SimpleExpr::from(Expr::col(Alias::new("urgency_bucket")));
    let due = || sea_orm::sea_query::SimpleExpr::from(Expr::col(Alias::new("urgency_due")));
    let inner = query
        .column_as(bucket(), "urgency_bucket")
        .column_as(due(), "urgency_due")
        .build(sea_orm::DatabaseBackend::Sqlite);
    let element = format!(
        "json_array(t.urgency_bucket, t.urgency_due, t.priority, t.id, {SQLITE_TICKET_JSON})"
    );
    let text = crate::db::aggregated_text(&db.read, inner, &element)
        .await?
        .unwrap_or_else(|| "[]".to_string());
    let bad = |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("a queue page: {e}"));
    let mut rows: Vec<(i32, String, String, i64, &serde_json::value::RawValue)> =
        serde_json::from_str(&text).map_err(bad)?;
    rows.sort_unstable_by(|a, b| (a.0, &a.1, &a.2, a.3).cmp(&(b.0, &b.1, &b.2, b.3)));
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match rows.last().filter(|_| has_more) {
        Some((bucket, due, priority, id, _)) => {
            let due = DateTime::parse_from_rfc3339(due)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("a stored due time: {e}")))?
                .with_timezone(&Utc);
            let urgency = Urgency {
                bucket: *bucket,
                due,
                priority: priority.clone(),
                id: *id,
            };
            Some(urgency.cursor())
        }
        None => None,
    };
    let page = Page {
        items: rows.into_iter().map(|row| row.4).collect(),
        next_cursor,
    };
    serde_json::to_string(&page).map_err(bad)
}

/// A ticket's API object (`to_api`), written by SQLite from a row `t` of
/// `tickets`: booleans as JSON booleans, `sla_paused` from `paused_since`,
/// times as chrono writes them (`…Z` where SQLite stores `…+00:00`, which
/// in a stored RFC 3339 time can only be its end: `replace` costs less
/// than testing the suffix).
const SQLITE_TICKET_JSON: &str = "json_object(\
    'id', t.id, 'number', t.number, 'account_id', t.account_id, \
    'requester_user_id', t.requester_user_id, 'created_by_user_id', t.created_by_user_id, \
    'module', t.module, 'category', t.category, 'priority', t.priority, 'status', t.status, \
    'tier', t.tier, 'assignee_id', t.assignee_id, 'subject', t.subject, \
    'description', t.description, 'service_level', t.service_level, \
    'first_response_due_at', replace(t.first_response_due_at, '+00:00', 'Z'), \
    'resolution_due_at', replace(t.resolution_due_at, '+00:00', 'Z'), \
    'first_responded_at', replace(t.first_responded_at, '+00:00', 'Z'), \
    'resolved_at', replace(t.resolved_at, '+00:00', 'Z'), 'closed_at', replace(t.closed_at, '+00:00', 'Z'), \
    'sla_paused', json(CASE WHEN t.paused_since IS NULL THEN 'false' ELSE 'true' END), \
    'first_response_breached_at', replace(t.first_response_breached_at, '+00:00', 'Z'), \
    'resolution_breached_at', replace(t.resolution_breached_at, '+00:00', 'Z'), \
    'csat_rating', t.csat_rating, 'csat_comment', t.csat_comment, \
    'kb_suggestions_shown', json(CASE WHEN t.kb_suggestions_shown THEN 'true' ELSE 'false' END), \
    'kb_article_opened', json(CASE WHEN t.kb_article_opened THEN 'true' ELSE 'false' END), \
    'created_at', replace(t.created_at, '+00:00', 'Z'), 'updated_at', replace(t.updated_at, '+00:00', 'Z'), \
    'version', t.version, 'follow_up_of', t.follow_up_of, 'merged_into_id', t.merged_into_id, \
    'outside_agreement', json(CASE WHEN t.outside_agreement THEN 'true' ELSE 'false' END), \
    'installation_id', t.installation_id, 'installed_version', t.installed_version)";

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: TicketFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<Ticket>> {
    let (query, limit) = queue_query(actor, filter, page, now)?;
    queue_page(db, query, limit).await
}

/// The queue's page from its query, through the models.
async fn queue_page(
    db: &Db,
    query: sea_orm::Select<tickets::Entity>,
    limit: u64,
) -> AppResult<Page<Ticket>> {
    // Planned once on PostgreSQL (see `Db::generic`): each filter has its
    // urgency index, whatever its value.
    let mut rows = crate::db::fetch_all_in_one_row(&db.generic, query).await?;
    rows.sort_unstable_by_key(Urgency::of);
    try_page(page_by(
        rows,
        limit,
        |t| Urgency::of(t).cursor(),
        |t| to_api(&t),
    ))
}

/// The queue's query (its filters, urgency order and the page's rows plus
/// one) and the page size.
fn queue_query(
    actor: &StaffActor,
    filter: TicketFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<(sea_orm::Select<tickets::Entity>, u64)> {
    // The cursor is an urgency key, so only the limit is read the usual way.
    let limit = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?
    .limit;
    let after = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(Urgency::parse(cursor)?),
        None => None,
    };
    if let Some(minutes) = filter.due_within {
        if !(1..=MAX_DUE_WITHIN_MINUTES).contains(&minutes) {
            return Err(AppError::field(
                "due_within",
                format!("must be between 1 and {MAX_DUE_WITHIN_MINUTES} minutes"),
            ));
        }
    }
    let bucket = || Expr::col(Alias::new("urgency_bucket"));
    let mut query = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by(bucket(), Order::Asc)
        .order_by(Expr::col(Alias::new("urgency_due")), Order::Asc)
        .order_by_asc(tickets::Column::Priority)
        .order_by_asc(tickets::Column::Id)
        .limit(limit + 1);
    if let Some(s) = filter.status {
        query = query.filter(tickets::Column::Status.eq(s.as_str()));
    }
    if let Some(m) = filter.module {
        query = query.filter(tickets::Column::Module.eq(m.as_str()));
    }
    if let Some(p) = filter.priority {
        query = query.filter(tickets::Column::Priority.eq(p.as_str()));
    }
    if let Some(a) = filter.assignee_id {
        query = query.filter(tickets::Column::AssigneeId.eq(a));
    }
    if filter.unassigned == Some(true) {
        query = query.filter(tickets::Column::AssigneeId.is_null());
    }
    if let Some(a) = filter.account_id {
        query = query.filter(tickets::Column::AccountId.eq(a));
    }
    if let Some(outside) = filter.outside_agreement {
        query = query.filter(tickets::Column::OutsideAgreement.eq(outside));
    }
    query = service_report_filters(query, &filter);
    // Served by `ix_tickets_urgency_version` in urgency order.
    if let Some(v) = filter
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        if v.chars().count() > shared::installed_base::MAX_VERSION_LEN {
            return Err(AppError::field(
                "version",
                shared::texts::Msg::new(shared::texts::T::TooLong)
                    .with("max", shared::installed_base::MAX_VERSION_LEN)
                    .en(),
            ));
        }
        query = query.filter(tickets::Column::InstalledVersion.eq(v));
    }
    // Buckets 0 and 3 hold the tickets that missed a target (open, done).
    match filter.breached {
        Some(true) => query = query.filter(bucket().is_in([0, 3])),
        Some(false) => query = query.filter(bucket().is_in([1, 2, 4])),
        None => {}
    }
    if let Some(minutes) = filter.due_within {
        // Running, not yet breached, next target within reach.
        let horizon = now + chrono::Duration::minutes(minutes);
        query = query
            .filter(bucket().eq(1))
            .filter(Expr::col(Alias::new("urgency_due")).lte(horizon));
    }
    if let Some(after) = after {
        let key = Expr::tuple([
            bucket().into(),
            Expr::col(Alias::new("urgency_due")).into(),
            Expr::col(tickets::Column::Priority).into(),
            Expr::col(tickets::Column::Id).into(),
        ]);
        query = query.filter(key.gt(Expr::tuple([
            Expr::val(after.bucket).into(),
            Expr::val(after.due).into(),
            Expr::val(after.priority).into(),
            Expr::val(after.id).into(),
        ])));
    }
    Ok((query, limit))
}

/// The filters the service report's figures open the queue with.
fn service_report_filters(
    mut query: sea_orm::Select<tickets::Entity>,
    filter: &TicketFilter,
) -> sea_orm::Select<tickets::Entity> {
    use shared::service_report::SlaOutcome;
    if let Some(level) = &filter.level {
        query = query.filter(tickets::Column::ServiceLevel.eq(level.as_str()));
    }
    if let Some(at) = filter.opened_from {
        query = query.filter(tickets::Column::CreatedAt.gte(at));
    }
    if let Some(at) = filter.opened_before {
        query = query.filter(tickets::Column::CreatedAt.lt(at));
    }
    if let Some(at) = filter.resolved_from {
        query = query.filter(tickets::Column::ResolvedAt.gte(at));
    }
    if let Some(at) = filter.resolved_before {
        query = query.filter(tickets::Column::ResolvedAt.lt(at));
    }
    let outcome = |o: SlaOutcome| o == SlaOutcome::Met;
    if let Some(o) = filter.first_response {
        query = query.filter(tickets::Column::FirstResponseMet.eq(outcome(o)));
    }
    if let Some(o) = filter.resolution {
        query = query.filter(tickets::Column::ResolutionMet.eq(outcome(o)));
    }
    match filter.rated {
        Some(true) => query = query.filter(tickets::Column::CsatRating.is_not_null()),
        Some(false) => query = query.filter(tickets::Column::CsatRating.is_null()),
        None => {}
    }
    // The caller's workspace is already the filter: a link of another
    // vendor names none of its tickets.
    if let Some(centre) = filter.centre_id {
        query = query.filter(
            tickets::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(crate::entity::ticket_bridges::Column::VendorTicketId)
                    .from(crate::entity::ticket_bridges::Entity)
                    .and_where(crate::entity::ticket_bridges::Column::CentreLinkId.eq(centre))
                    .to_owned(),
            ),
        );
    }
    query
}

pub(crate) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<tickets::Model> {
    tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Ticket> {
    to_api(&find(&db.read, actor.workspace_id, id).await?)
}

/// The ticket if this portal user may act on it (reply, rate, attach);
/// 404 otherwise, as if it did not exist. A ticket of another company of
/// the user's group, which they may only read, answers 403.
pub(crate) async fn portal_visible<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    id: i64,
) -> AppResult<tickets::Model> {
    portal_reach(conn, actor, id, false).await
}

/// The ticket if this portal user may read it: [`portal_visible`]'s, and
/// for a `customer_admin` whose account shows its group's tickets, those
/// of the accounts below it.
pub(crate) async fn portal_readable<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    id: i64,
) -> AppResult<tickets::Model> {
    portal_reach(conn, actor, id, true).await
}

async fn portal_reach<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    id: i64,
    reading: bool,
) -> AppResult<tickets::Model> {
    let ticket = find(conn, actor.workspace_id, id).await?;
    let Some(contact) = contact_of_login(conn, actor.workspace_id, actor.user_id).await? else {
        return Err(AppError::NotFound);
    };
    let visible = if contact.account_id == ticket.account_id {
        match actor.role {
            Role::CustomerAdmin => true,
            _ => {
                ticket.requester_user_id == Some(actor.user_id)
                    || merged_from_own(conn, actor, ticket.id).await?
            }
        }
    } else if portal_accounts(conn, actor, contact.account_id)
        .await?
        .contains(&ticket.account_id)
    {
        if !reading {
            return Err(AppError::Forbidden(
                shared::texts::T::GroupTicketReadOnly.into(),
            ));
        }
        true
    } else {
        false
    };
    if visible {
        Ok(ticket)
    } else {
        Err(AppError::NotFound)
    }
}

/// The accounts whose tickets a portal user's list holds: their own; for a
/// `customer_admin` of an account that shows its group's tickets
/// (`portal_group_tickets`), also every account below it (not above: a
/// subsidiary's users never see the parent's).
pub(crate) async fn portal_accounts<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    account_id: i64,
) -> AppResult<Vec<i64>> {
    if actor.role != Role::CustomerAdmin {
        return Ok(vec![account_id]);
    }
    let shows_group = account_rows::Entity::find_by_id(account_id)
        .filter(account_rows::Column::WorkspaceId.eq(actor.workspace_id))
        .one(conn)
        .await?
        .is_some_and(|a| a.portal_group_tickets);
    if !shows_group {
        return Ok(vec![account_id]);
    }
    let mut ids: Vec<i64> =
        crate::domain::accounts::groups::subtree(conn, actor.workspace_id, account_id)
            .await?
            .into_iter()
            .map(|n| n.id)
            .collect();
    if !ids.contains(&account_id) {
        ids.push(account_id);
    }
    Ok(ids)
}

/// Whether one of this portal user's own tickets was merged into ticket
/// `id`: their conversation continues there, so they follow it there.
async fn merged_from_own<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    id: i64,
) -> AppResult<bool> {
    Ok(tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(tickets::Column::MergedIntoId.eq(id))
        .filter(tickets::Column::RequesterUserId.eq(actor.user_id))
        .into_tuple::<i64>()
        .one(conn)
        .await?
        .is_some())
}

/// The numbers of the tickets `rows` were merged into, for those whose
/// target is of their own account (the portal never names another
/// account's ticket).
async fn merge_targets<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: &[tickets::Model],
) -> AppResult<std::collections::HashMap<i64, i64>> {
    let targets: Vec<i64> = rows.iter().filter_map(|t| t.merged_into_id).collect();
    if targets.is_empty() {
        return Ok(Default::default());
    }
    let found: std::collections::HashMap<i64, (i64, i64)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::AccountId)
        .column(tickets::Column::Number)
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .filter(tickets::Column::Id.is_in(targets))
        .into_tuple::<(i64, i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, account, number)| (id, (account, number)))
        .collect();
    Ok(rows
        .iter()
        .filter_map(|t| {
            let into = t.merged_into_id?;
            let (account, number) = found.get(&into)?;
            (*account == t.account_id).then_some((t.id, *number))
        })
        .collect())
}

/// The portal's view of `rows`, with their merge pointers and their
/// companies' names.
async fn portal_views<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: Vec<tickets::Model>,
) -> AppResult<Vec<(tickets::Model, PortalTicket)>> {
    let targets = merge_targets(conn, workspace_id, &rows).await?;
    let names = crate::domain::accounts::groups::names_of(
        conn,
        workspace_id,
        rows.iter().map(|t| t.account_id).collect(),
    )
    .await?;
    rows.into_iter()
        .map(|t| {
            let mut view = to_portal(&t)?;
            if let Some(number) = targets.get(&t.id) {
                view.merged_into_id = t.merged_into_id;
                view.merged_into_number = Some(*number);
            }
            view.account_name = names.get(&t.account_id).cloned().unwrap_or_default();
            Ok((t, view))
        })
        .collect()
}

/// The portal's view of one ticket (see [`portal_views`]).
pub(crate) async fn portal_view<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ticket: tickets::Model,
) -> AppResult<PortalTicket> {
    let mut views = portal_views(conn, workspace_id, vec![ticket]).await?;
    views.pop().map(|(_, view)| view).ok_or(AppError::NotFound)
}

pub async fn portal_list(
    db: &Db,
    actor: &PortalActor,
    page: PageQuery,
) -> AppResult<Page<PortalTicket>> {
    let params = page.params()?;
    let account_id = own_account(&db.read, actor).await?;
    let accounts_shown = portal_accounts(&db.read, actor, account_id).await?;
    let mut query = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(tickets::Column::AccountId.is_in(accounts_shown))
        .order_by_desc(tickets::Column::Id)
        .limit(params.limit + 1);
    if actor.role != Role::CustomerAdmin {
        query = query.filter(tickets::Column::RequesterUserId.eq(actor.user_id));
    }
    if let Some(before) = params.before_id {
        query = query.filter(tickets::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    let mut views = portal_views(&db.read, actor.workspace_id, rows).await?;
    for (t, view) in &mut views {
        view.read_only = t.account_id != account_id;
    }
    Ok(page_of(views, params, |(t, _)| t.id, |(_, view)| view))
}

pub async fn portal_get(db: &Db, actor: &PortalActor, id: i64) -> AppResult<PortalTicket> {
    let ticket = portal_readable(&db.read, actor, id).await?;
    let own = own_account(&db.read, actor).await?;
    let mut view = portal_view(&db.read, actor.workspace_id, ticket).await?;
    view.read_only = view.account_id != own;
    Ok(view)
}
