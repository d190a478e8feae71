//! The roll-up of a group account (集团): the account and every account
//! below it that is not archived, with health weighted by annual value,
//! annual value, open tickets and open renewals, and each member's own
//! figures. Five statements, however large the group: the walk down, then
//! one per figure over all members.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use shared::account_groups::{weighted_health, CurrencyValue, GroupMember, GroupRollup};
use shared::accounts::AccountRef;
use shared::contracts::RenewalStage;
use shared::health::HealthBand;
use shared::reports::format_wide_cents;
use shared::tickets::TicketStatus;

use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::accounts::{self, groups};
use crate::domain::common::calendar;
use crate::domain::common::portfolio::wide;
use crate::domain::renewals::contracts::may_see_money;
use crate::entity::stored::stored;
use crate::entity::{renewals, tickets};
use crate::error::{AppError, AppResult};

/// `GET /accounts/{id}/group`: the roll-up of account `id` and all below it.
///
/// - **Health** is the members' latest health snapshots (on or before
///   today), weighted by each member's annual value in the group's main
///   currency (the one whose total is largest; ties by code), rounded half
///   up, and banded by the workspace's health model. A member without a
///   snapshot yet is left out of the health (it neither counts nor
///   weighs). A scored member without a running contract in that currency
///   weighs nothing, unless no scored member has one, in which case the
///   scores are averaged with equal weights (`weighted_by` is then none).
/// - **Annual value** is the sum of the annual values of the contracts
///   running today, per currency (never added across currencies). Engineers
///   get no amounts, as with contracts.
/// - **Open tickets** are those neither resolved nor closed; **open
///   renewals** those neither renewed nor churned, with the earliest due
///   date among them.
pub async fn rollup(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<GroupRollup> {
    let conn = &db.read;
    let ws = actor.workspace_id;
    let account = accounts::find_in_workspace(conn, ws, account_id).await?;
    let nodes = groups::subtree(conn, ws, account_id).await?;
    let ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
    let top_id = groups::tops(conn, ws, &[account_id])
        .await?
        .get(&account_id)
        .copied()
        .unwrap_or(account_id);
    let top = if top_id == account_id {
        AccountRef {
            id: account.id,
            name: account.name.clone(),
        }
    } else {
        let top = accounts::find_in_workspace(conn, ws, top_id).await?;
        AccountRef {
            id: top.id,
            name: top.name,
        }
    };
    let today = calendar::today(conn, ws, now).await?;
    let health = latest_health(conn, ws, &ids, today).await?;
    let values = annual_values(conn, ws, &ids, today).await?;
    let open_tickets = open_tickets(conn, ws, &ids).await?;
    let (open_renewals, next_renewal_due) = open_renewals(conn, ws, &ids).await?;

    // The main currency: the largest total (ties by code, BTreeMap order).
    let mut totals: BTreeMap<String, i128> = BTreeMap::new();
    for per_currency in values.values() {
        for (currency, cents) in per_currency {
            *totals.entry(currency.clone()).or_default() += cents;
        }
    }
    let main = totals
        .iter()
        .fold(None::<(&String, i128)>, |best, (c, v)| match best {
            Some((_, bv)) if bv >= *v => best,
            _ => Some((c, *v)),
        })
        .map(|(c, _)| c.clone());
    let scored: Vec<(i32, i128)> = ids
        .iter()
        .filter_map(|id| {
            let (score, _) = health.get(id)?;
            let value = main
                .as_ref()
                .and_then(|c| values.get(id)?.get(c).copied())
                .unwrap_or(0);
            Some((*score, value))
        })
        .collect();
    let weighted = scored.iter().any(|(_, v)| *v > 0);
    let health_score = weighted_health(&scored);
    let model = crate::domain::health::model_of(conn, ws).await?;
    let money = may_see_money(actor);
    let amounts = |per_currency: Option<&BTreeMap<String, i128>>| -> Vec<CurrencyValue> {
        if !money {
            return Vec::new();
        }
        per_currency
            .into_iter()
            .flatten()
            .filter(|(_, cents)| **cents != 0)
            .map(|(currency, cents)| CurrencyValue {
                currency: currency.clone(),
                amount: format_wide_cents(*cents),
            })
            .collect()
    };
    let members = nodes
        .iter()
        .map(|n| GroupMember {
            account: AccountRef {
                id: n.id,
                name: n.name.clone(),
            },
            parent_id: if n.id == account_id {
                None
            } else {
                n.parent_id
            },
            depth: n.depth,
            health_score: health.get(&n.id).map(|(s, _)| *s),
            health_band: health.get(&n.id).map(|(_, b)| *b),
            annual_value: amounts(values.get(&n.id)),
            open_tickets: open_tickets.get(&n.id).copied().unwrap_or(0),
        })
        .collect();
    Ok(GroupRollup {
        account: AccountRef {
            id: account.id,
            name: account.name,
        },
        top,
        health_score,
        health_band: health_score.map(|s| model.band(s)),
        weighted_by: if weighted && money { main } else { None },
        scored_members: scored.len() as u64,
        annual_value: amounts(Some(&totals)),
        open_tickets: open_tickets.values().sum(),
        open_renewals,
        next_renewal_due,
        members,
    })
}

/// Each member's latest health snapshot on or before `today`: (score, band).
async fn latest_health<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    ids: &[i64],
    today: NaiveDate,
) -> AppResult<HashMap<i64, (i32, HealthBand)>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT s.account_id AS account_id, s.score AS score, s.band AS band \
         FROM health_snapshots s WHERE s.workspace_id = ",
    )
    .bind(ws)
    .push(" AND s.account_id IN (")
    .bind_list(ids.iter().copied())
    .push(
        ") AND s.day = (SELECT MAX(l.day) FROM health_snapshots l \
           WHERE l.workspace_id = s.workspace_id AND l.account_id = s.account_id AND l.day <= ",
    )
    .bind(today)
    .push(")");
    let mut out = HashMap::new();
    for row in conn.query_all(sql.statement()).await? {
        let account_id: i64 = row.try_get("", "account_id")?;
        let band: String = row.try_get("", "band")?;
        let band = stored(
            "health_snapshots",
            format!("of account {account_id}"),
            "band",
            &band,
        )?;
        out.insert(account_id, (row.try_get("", "score")?, band));
    }
    Ok(out)
}

/// Each member's annual value of the contracts running `today`, in cents
/// per currency.
async fn annual_values<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    ids: &[i64],
    today: NaiveDate,
) -> AppResult<HashMap<i64, BTreeMap<String, i128>>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT account_id, currency, CAST(SUM(annual_value_cents) AS TEXT) AS v \
         FROM contracts WHERE workspace_id = ",
    )
    .bind(ws)
    .push(" AND account_id IN (")
    .bind_list(ids.iter().copied())
    .push(") AND starts_on <= ")
    .bind(today)
    .push(" AND ends_on >= ")
    .bind(today)
    .push(" GROUP BY account_id, currency");
    let mut out: HashMap<i64, BTreeMap<String, i128>> = HashMap::new();
    for row in conn.query_all(sql.statement()).await? {
        let account_id: i64 = row.try_get("", "account_id")?;
        let currency: String = row.try_get("", "currency")?;
        out.entry(account_id)
            .or_default()
            .insert(currency, wide(&row, "v")?);
    }
    Ok(out)
}

/// Each member's tickets neither resolved nor closed.
async fn open_tickets<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    ids: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    let rows = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::AccountId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::AccountId.is_in(ids.iter().copied()))
        .filter(tickets::Column::Status.is_not_in([
            TicketStatus::Resolved.as_str(),
            TicketStatus::Closed.as_str(),
        ]))
        .group_by(tickets::Column::AccountId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// The members' renewals neither renewed nor churned: how many, and the
/// earliest due date.
async fn open_renewals<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    ids: &[i64],
) -> AppResult<(u64, Option<NaiveDate>)> {
    let row = renewals::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(renewals::Column::DueOn.min(), "due")
        .filter(renewals::Column::WorkspaceId.eq(ws))
        .filter(renewals::Column::AccountId.is_in(ids.iter().copied()))
        .filter(renewals::Column::Stage.is_in(RenewalStage::OPEN.iter().map(|s| s.as_str())))
        .into_tuple::<(i64, Option<NaiveDate>)>()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a count returned no row")))?;
    Ok((u64::try_from(row.0).unwrap_or(0), row.1))
}
