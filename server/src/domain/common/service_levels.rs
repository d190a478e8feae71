//! The first service levels of a workspace: one full level (every channel,
//! tickets, every module, the SLA policy of the same name) per name. Here,
//! below every area, so sign-up (accounts) and the tickets area both reach
//! it.

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use shared::service_levels::ServiceLevelRequest;

use crate::domain::common::modules_to_db;
use crate::entity::service_levels;
use crate::error::AppResult;

pub async fn seed_full_levels<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    names: &[String],
) -> AppResult<()> {
    let rows: Vec<service_levels::ActiveModel> = names
        .iter()
        .map(|name| {
            let full = ServiceLevelRequest::full(name);
            service_levels::ActiveModel {
                workspace_id: Set(workspace_id),
                name: Set(full.name),
                tickets_included: Set(full.tickets_included),
                portal_tickets: Set(full.channels.portal),
                email_tickets: Set(full.channels.email),
                phone_tickets: Set(full.channels.phone),
                sla_policy: Set(full.sla_policy),
                person_days_per_year: Set(full.person_days_per_year),
                onsite_visits_per_year: Set(full.onsite_visits_per_year),
                modules: Set(modules_to_db(&full.modules)),
                version: Set(1),
                ..Default::default()
            }
        })
        .collect();
    if !rows.is_empty() {
        service_levels::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The levels of a new workspace: those of the default SLA policies.
pub async fn seed_new_workspace<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<()> {
    let mut names: Vec<String> = shared::tickets::default_sla_policies()
        .policies
        .into_iter()
        .map(|p| p.level)
        .collect();
    names.sort();
    names.dedup();
    seed_full_levels(conn, workspace_id, &names).await
}
