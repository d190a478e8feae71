//! Staff certifications per module with an expiry (持证上岗), the workspace
//! setting "only certified engineers" (read by `tickets::certified` when
//! routing and escalating), and the `certification-reminders` job.
//!
//! Reminders: a certification expiring within 30 days reminds each active
//! admin exactly once per expiry date. The claim is a
//! `certification_reminders` row under a unique index (certification,
//! expiry, admin), inserted with `ON CONFLICT DO NOTHING` in the same
//! transaction as the outbox row whose dedupe key is the same tuple: a
//! second run, a concurrent one or a replica queues nothing more, and a
//! renewed certification (a new expiry) is reminded again when due.

use super::*;
use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use serde::Serialize;
use shared::centres::{
    Certification, CertificationRequest, RoutingSettings, CERTIFICATION_REMINDER_DAYS,
    MAX_CERTIFICATE_NO,
};

use crate::entity::stored::stored;
use crate::entity::{certification_reminders, routing_settings, staff_certifications, users};

fn to_api(m: staff_certifications::Model) -> AppResult<Certification> {
    Ok(Certification {
        id: m.id,
        user_id: m.user_id,
        module: stored("staff_certifications", m.id, "module", &m.module)?,
        certificate_no: m.certificate_no,
        expires_on: m.expires_on,
        created_at: m.created_at,
    })
}

async fn staff_member<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    user_id: i64,
) -> AppResult<users::Model> {
    users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// A user's certifications (any staff member reads them).
pub async fn list(db: &Db, actor: &StaffActor, user_id: i64) -> AppResult<Vec<Certification>> {
    staff_member(&db.read, actor.workspace_id, user_id).await?;
    staff_certifications::Entity::find()
        .filter(staff_certifications::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(staff_certifications::Column::UserId.eq(user_id))
        .order_by_asc(staff_certifications::Column::Module)
        .all(&db.read)
        .await?
        .into_iter()
        .map(to_api)
        .collect()
}

/// Certifies a staff member for a module (admin).
pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    user_id: i64,
    req: CertificationRequest,
) -> AppResult<Certification> {
    actor.require(&[Role::Admin])?;
    let user = staff_member(&state.db.read, actor.workspace_id, user_id).await?;
    let staff = user.role.parse::<Role>().is_ok_and(|r| r.is_staff()) && user.active;
    if !staff {
        return Err(AppError::field("user_id", T::CertificationStaffOnly));
    }
    let number = req.certificate_no.trim().to_string();
    if number.chars().count() > MAX_CERTIFICATE_NO {
        return Err(AppError::field(
            "certificate_no",
            validation::optional_text(&number, MAX_CERTIFICATE_NO)
                .err()
                .map(|r| r.message_en())
                .unwrap_or_default(),
        ));
    }
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let held = staff_certifications::Entity::find()
        .filter(staff_certifications::Column::UserId.eq(user_id))
        .filter(staff_certifications::Column::Module.eq(req.module.as_str()))
        .one(&txn)
        .await?;
    if held.is_some() {
        return Err(AppError::conflict_on("module", T::CertificationTaken));
    }
    let model = staff_certifications::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        user_id: Set(user_id),
        module: Set(req.module.as_str().into()),
        certificate_no: Set(number),
        expires_on: Set(req.expires_on),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let out = to_api(model)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "certification",
            entity_id: out.id,
            before: None,
            after: Some(&out),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// Removes a certification (admin).
pub async fn delete(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let model = staff_certifications::Entity::find_by_id(id)
        .filter(staff_certifications::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api(model.clone())?;
    staff_certifications::Entity::delete_by_id(model.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "delete",
            entity_type: "certification",
            entity_id: id,
            before: Some(&before),
            after: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn routing_settings(db: &Db, actor: &StaffActor) -> AppResult<RoutingSettings> {
    Ok(RoutingSettings {
        certified_only: crate::domain::tickets::certified::certified_only(
            &db.read,
            actor.workspace_id,
        )
        .await?,
    })
}

/// Turns certified routing on or off (admin).
pub async fn set_routing_settings(
    state: &AppState,
    actor: &StaffActor,
    req: RoutingSettings,
) -> AppResult<RoutingSettings> {
    actor.require(&[Role::Admin])?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let before = RoutingSettings {
        certified_only: crate::domain::tickets::certified::certified_only(&txn, actor.workspace_id)
            .await?,
    };
    routing_settings::Entity::insert(routing_settings::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        certified_only: Set(req.certified_only),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(routing_settings::Column::WorkspaceId)
            .update_columns([
                routing_settings::Column::CertifiedOnly,
                routing_settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "routing_settings",
            entity_id: actor.workspace_id,
            before: Some(&before),
            after: Some(&req),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(req)
}

#[derive(Debug, Default, Serialize)]
pub struct CertificationRemindersReport {
    /// Reminder mails queued by this run.
    pub reminders: u64,
}

/// Queues the reminders of certifications expiring within 30 days (not
/// yet expired), each once per admin and expiry date.
pub async fn run_reminders(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<CertificationRemindersReport> {
    let mut report = CertificationRemindersReport::default();
    // The widest window first (time zones differ by a day at most).
    let horizon = now.date_naive() + Duration::days(CERTIFICATION_REMINDER_DAYS + 1);
    let mut query = staff_certifications::Entity::find()
        .filter(staff_certifications::Column::ExpiresOn.lte(horizon))
        .filter(staff_certifications::Column::ExpiresOn.gte(now.date_naive() - Duration::days(1)));
    if let Some(ws) = workspace {
        query = query.filter(staff_certifications::Column::WorkspaceId.eq(ws));
    }
    let due = query
        .order_by_asc(staff_certifications::Column::Id)
        .all(&state.db.read)
        .await?;
    for cert in due {
        let today =
            crate::domain::tickets::entitlement::today_of(&state.db.read, cert.workspace_id, now)
                .await?;
        let days_left = (cert.expires_on - today).num_days();
        if !(0..=CERTIFICATION_REMINDER_DAYS).contains(&days_left) {
            continue;
        }
        report.reminders += remind(state, &cert, days_left, now).await?;
    }
    if report.reminders > 0 {
        state.mailer.kick();
    }
    Ok(report)
}

async fn remind(
    state: &AppState,
    cert: &staff_certifications::Model,
    days_left: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let engineer = users::Entity::find_by_id(cert.user_id)
        .one(&state.db.read)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let admins = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(cert.workspace_id))
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id)
        .all(&state.db.read)
        .await?;
    let link = format!("{}/users", state.config.public_url.trim_end_matches('/'));
    let mut queued = 0;
    for admin in admins {
        let txn = state.db.write.begin().await?;
        let claimed =
            certification_reminders::Entity::insert(certification_reminders::ActiveModel {
                workspace_id: Set(cert.workspace_id),
                certification_id: Set(cert.id),
                expires_on: Set(cert.expires_on),
                recipient_id: Set(admin.id),
                created_at: Set(now),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    certification_reminders::Column::CertificationId,
                    certification_reminders::Column::ExpiresOn,
                    certification_reminders::Column::RecipientId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await;
        let claimed = match claimed {
            Ok(rows) => rows > 0,
            Err(sea_orm::DbErr::RecordNotInserted) => false,
            Err(e) => return Err(e.into()),
        };
        if !claimed {
            continue;
        }
        let letter = crate::mail::letters::centres::certification_expiring(
            &admin.name,
            &engineer,
            &cert.module,
            cert.expires_on,
            days_left,
            link.clone(),
            admin.mail_locale(),
        );
        let key = dedupe_key(cert.id, cert.expires_on, admin.id);
        state
            .mailer
            .enqueue(
                &txn,
                letter.into_mail(Some(cert.workspace_id), admin.email.clone(), Some(key)),
                now,
            )
            .await?;
        txn.commit().await?;
        queued += 1;
    }
    Ok(queued)
}

fn dedupe_key(certification: i64, expires_on: NaiveDate, recipient: i64) -> String {
    format!("certification-expiry:{certification}:{expires_on}:{recipient}")
}
