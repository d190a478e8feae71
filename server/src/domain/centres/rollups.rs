//! Per-centre roll-ups for the vendor: figures over the vendor accounts the
//! centre serves now (their copies' tickets in the centre's workspace, the
//! vendor's own renewals of them), never the centre's other data.

use super::*;
use sea_orm::{PaginatorTrait, QuerySelect};
use shared::centres::CentreRollup;
use shared::tickets::TicketStatus;

use crate::entity::{renewals, tickets};

/// The window of SLA attainment and CSAT.
const WINDOW_DAYS: i64 = 90;

pub async fn rollup<C: ConnectionTrait>(
    conn: &C,
    link: &service_centres::Model,
    now: DateTime<Utc>,
) -> AppResult<CentreRollup> {
    let Some(centre_ws) = link.centre_workspace_id else {
        return Ok(CentreRollup::default());
    };
    let rows = centre_accounts::Entity::find()
        .filter(centre_accounts::Column::CentreLinkId.eq(link.id))
        .filter(centre_accounts::Column::UnassignedAt.is_null())
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(CentreRollup::default());
    }
    let centre_accounts: Vec<i64> = rows.iter().map(|r| r.centre_account_id).collect();
    let vendor_accounts: Vec<i64> = rows.iter().map(|r| r.vendor_account_id).collect();
    let scoped = || {
        tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(centre_ws))
            .filter(tickets::Column::AccountId.is_in(centre_accounts.clone()))
    };
    let open_tickets = scoped()
        .filter(tickets::Column::Status.is_not_in([
            TicketStatus::Resolved.as_str(),
            TicketStatus::Closed.as_str(),
        ]))
        .count(conn)
        .await? as i64;
    let since = now - Duration::days(WINDOW_DAYS);
    let resolved = scoped()
        .filter(tickets::Column::ResolvedAt.gte(since))
        .filter(tickets::Column::OutsideAgreement.eq(false))
        .count(conn)
        .await? as i64;
    let resolved_in_time = scoped()
        .filter(tickets::Column::ResolvedAt.gte(since))
        .filter(tickets::Column::OutsideAgreement.eq(false))
        .filter(tickets::Column::ResolutionBreachedAt.is_null())
        .count(conn)
        .await? as i64;
    let ratings: Vec<i32> = scoped()
        .select_only()
        .column(tickets::Column::CsatRating)
        .filter(tickets::Column::CsatAt.gte(since))
        .filter(tickets::Column::CsatRating.is_not_null())
        .into_tuple::<Option<i32>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let stages: Vec<String> = renewals::Entity::find()
        .select_only()
        .column(renewals::Column::Stage)
        .filter(renewals::Column::WorkspaceId.eq(link.vendor_workspace_id))
        .filter(renewals::Column::AccountId.is_in(vendor_accounts))
        .filter(renewals::Column::Stage.is_in(["renewed", "churned"]))
        .into_tuple()
        .all(conn)
        .await?;
    let renewed = stages.iter().filter(|s| *s == "renewed").count();
    let pct = |part: i64, whole: i64| {
        (whole > 0).then(|| ((part as f64) * 1000.0 / whole as f64).round() / 10.0)
    };
    Ok(CentreRollup {
        accounts: rows.len() as i64,
        open_tickets,
        sla_attainment_pct: pct(resolved_in_time, resolved),
        csat_avg: (!ratings.is_empty()).then(|| {
            let sum: i64 = ratings.iter().map(|r| *r as i64).sum();
            ((sum as f64) * 10.0 / ratings.len() as f64).round() / 10.0
        }),
        renewal_rate_pct: pct(renewed as i64, stages.len() as i64),
    })
}
