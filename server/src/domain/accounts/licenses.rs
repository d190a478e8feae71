//! Licences (产品授权) of an account: edition, modules, seats and the
//! dongle (加密锁) whose remote registration (远程注册) is an onboarding step.
//!
//! Every staff role reads and writes licences (engineers install and
//! register them); portal users never reach them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::approvals::{Approval, ApprovalStatus};
use shared::onboarding::{
    CreateLicenseRequest, License, LicenseRegistration, LicenseSeatUse, LicenseStatus,
    ReRegisterLicenseRequest, RegistrationKind, SeatUse, SplitLicenseRequest, UpdateLicenseRequest,
    SEAT_USE_WINDOW_DAYS,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::validation::{self, Collector};
use shared::{ErpModule, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::approvals as approval_requests;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::modules_from_db;
use crate::domain::common::modules_to_db;
use crate::entity::stored::stored;
use crate::entity::{approvals, license_registrations, licenses, usage_events};
use crate::error::{AppError, AppResult};

const MAX_SEATS: i32 = 1_000_000;
const MAX_SERIAL_LEN: usize = 64;
const MAX_NOTE_LEN: usize = 2_000;

pub fn to_api(m: &licenses::Model) -> AppResult<License> {
    Ok(License {
        id: m.id,
        account_id: m.account_id,
        edition: m.edition.clone(),
        modules: modules_from_db(&m.modules),
        seats: m.seats,
        dongle_serial: m.dongle_serial.clone(),
        status: stored("licenses", m.id, "status", &m.status)?,
        expires_on: m.expires_on,
        registered_at: m.registered_at,
        registered_by: m.registered_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    })
}

pub fn etag(license: &License) -> String {
    format!("\"l{}v{}\"", license.id, license.version)
}

fn require_writer(actor: &StaffActor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm, Role::Engineer])
}

pub async fn list(db: &Db, actor: &StaffActor, account_id: i64) -> AppResult<Vec<License>> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let rows = licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(licenses::Column::AccountId.eq(account_id))
        .order_by_asc(licenses::Column::Id)
        .all(&db.read)
        .await?;
    rows.iter().map(to_api).collect()
}

pub(crate) fn check_fields(
    c: &mut Collector,
    edition: Option<&str>,
    modules: Option<&[ErpModule]>,
    seats: Option<i32>,
    serial: Option<&str>,
) {
    if let Some(edition) = edition {
        c.check(
            "edition",
            validation::required_text(edition, validation::MAX_SHORT_TEXT_LEN),
        );
    }
    if modules.is_some_and(<[ErpModule]>::is_empty) {
        c.fields
            .insert("modules".into(), "must name at least one module".into());
    }
    if let Some(seats) = seats {
        if !(1..=MAX_SEATS).contains(&seats) {
            c.fields
                .insert("seats".into(), format!("must be between 1 and {MAX_SEATS}"));
        }
    }
    if let Some(serial) = serial {
        c.check(
            "dongle_serial",
            validation::required_text(serial, MAX_SERIAL_LEN),
        );
    }
}

async fn ensure_serial_free<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    serial: &str,
    except_id: Option<i64>,
) -> AppResult<()> {
    let mut query = licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(workspace_id))
        .filter(licenses::Column::DongleSerial.eq(serial));
    if let Some(id) = except_id {
        query = query.filter(licenses::Column::Id.ne(id));
    }
    if query.one(conn).await?.is_some() {
        Err(serial_taken())
    } else {
        Ok(())
    }
}

fn serial_taken() -> AppError {
    AppError::conflict_on(
        "dongle_serial",
        "another licence of this workspace already has this dongle serial",
    )
}

pub(crate) async fn audit_change<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    before: Option<&License>,
    after: &License,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "license",
            entity_id: after.id,
            before,
            after: Some(after),
        },
        now,
    )
    .await
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    req: CreateLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<License> {
    let txn = db.write.begin().await?;
    let result = create_in(&txn, actor, account_id, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`create`] in the caller's transaction (imports run many in one).
pub(crate) async fn create_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    req: CreateLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<License> {
    require_writer(actor)?;
    let mut c = Collector::default();
    check_fields(
        &mut c,
        Some(&req.edition),
        Some(&req.modules),
        Some(req.seats),
        Some(&req.dongle_serial),
    );
    accounts::find_in_workspace(txn, actor.workspace_id, account_id).await?;
    c.finish().map_err(AppError::validation)?;
    let license = insert(txn, actor, account_id, req, now).await?;
    Ok(license)
}

/// Inserts a checked licence with its audit entry and timeline event, in
/// the caller's transaction (the API and imports).
pub(crate) async fn insert<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    req: CreateLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<License> {
    let serial = req.dongle_serial.trim().to_string();
    ensure_serial_free(txn, actor.workspace_id, &serial, None).await?;
    let model = licenses::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        edition: Set(req.edition.trim().to_string()),
        modules: Set(modules_to_db(&req.modules)),
        seats: Set(req.seats),
        dongle_serial: Set(serial),
        status: Set(LicenseStatus::Unregistered.as_str().into()),
        expires_on: Set(req.expires_on),
        registered_at: Set(None),
        registered_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let license = to_api(&model)?;
    audit_change(txn, actor, "create", None, &license, now).await?;
    let modules: Vec<&str> = license.modules.iter().map(|m| m.as_str()).collect();
    let event = NewEvent::new(
        actor.workspace_id,
        account_id,
        TimelineKind::LicenseCreated,
        actor.user_id,
        format!("{} · {}", license.edition, license.dongle_serial),
        now,
    );
    let body = Msg::new(T::TimelineLicense)
        .with("modules", modules.join(", "))
        .with("seats", license.seats)
        .en();
    timeline::record(txn, event.about("license", license.id).body(body), now).await?;
    Ok(license)
}

async fn locked<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
) -> AppResult<licenses::Model> {
    licenses::Entity::find_by_id(id)
        .filter(licenses::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(licenses::Column::AccountId.eq(account_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    if_match: Option<&str>,
    req: UpdateLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<License> {
    let txn = db.write.begin().await?;
    let result = update_in(&txn, actor, account_id, id, if_match, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`update`] in the caller's transaction (imports run many in one).
pub(crate) async fn update_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    if_match: Option<&str>,
    req: UpdateLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<License> {
    let existing = locked(txn, actor, account_id, id).await?;
    require_writer(actor)?;
    let before = to_api(&existing)?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    let mut c = Collector::default();
    check_fields(
        &mut c,
        req.edition.as_deref(),
        req.modules.as_deref(),
        req.seats,
        req.dongle_serial.as_deref(),
    );
    c.finish().map_err(AppError::validation)?;

    let mut model: licenses::ActiveModel = existing.clone().into();
    if let Some(edition) = req.edition {
        model.edition = Set(edition.trim().to_string());
    }
    if let Some(modules) = req.modules {
        model.modules = Set(modules_to_db(&modules));
    }
    if let Some(seats) = req.seats {
        model.seats = Set(seats);
    }
    if let Some(serial) = req.dongle_serial {
        let serial = serial.trim().to_string();
        if serial != existing.dongle_serial {
            // The dongle is registered for life (一锁终身).
            if before.status == LicenseStatus::Registered {
                return Err(AppError::conflict_on(
                    "dongle_serial",
                    Msg::new(T::LicenseSerialForLife),
                ));
            }
            ensure_serial_free(txn, actor.workspace_id, &serial, Some(id)).await?;
        }
        model.dongle_serial = Set(serial);
    }
    if let Some(expires_on) = req.expires_on {
        model.expires_on = Set(expires_on);
    }
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(txn).await?)?;
    audit_change(txn, actor, "update", Some(&before), &after, now).await?;
    Ok(after)
}

/// Records the remote registration of the licence: when and by whom.
pub async fn register(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<License> {
    let txn = db.write.begin().await?;
    let existing = locked(&txn, actor, account_id, id).await?;
    require_writer(actor)?;
    let before = to_api(&existing)?;
    if before.status == LicenseStatus::Registered {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::LicenseRegistered),
        ));
    }
    let mut model: licenses::ActiveModel = existing.clone().into();
    model.status = Set(LicenseStatus::Registered.as_str().into());
    model.registered_at = Set(Some(now));
    model.registered_by = Set(Some(actor.user_id));
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(&txn).await?)?;
    audit_change(&txn, actor, "register", Some(&before), &after, now).await?;
    record_registration(&txn, actor, &after, RegistrationKind::Initial, None, now).await?;
    let event = NewEvent::new(
        actor.workspace_id,
        account_id,
        TimelineKind::LicenseRegistered,
        actor.user_id,
        format!("{} · {}", after.edition, after.dongle_serial),
        now,
    );
    timeline::record(&txn, event.about("license", id), now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Keeps a registration event: the licence as the registration left it.
async fn record_registration<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    license: &License,
    kind: RegistrationKind,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<license_registrations::Model> {
    Ok(license_registrations::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(license.account_id),
        license_id: Set(license.id),
        kind: Set(kind.as_str().into()),
        edition: Set(license.edition.clone()),
        modules: Set(modules_to_db(&license.modules)),
        seats: Set(license.seats),
        expires_on: Set(license.expires_on),
        note: Set(note),
        registered_at: Set(now),
        registered_by: Set(Some(actor.user_id)),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

fn registration_to_api(m: license_registrations::Model) -> AppResult<LicenseRegistration> {
    Ok(LicenseRegistration {
        id: m.id,
        license_id: m.license_id,
        kind: stored("license_registrations", m.id, "kind", &m.kind)?,
        modules: modules_from_db(&m.modules),
        edition: m.edition,
        seats: m.seats,
        expires_on: m.expires_on,
        note: m.note,
        registered_at: m.registered_at,
        registered_by: m.registered_by,
    })
}

/// A registered licence registered again on its dongle: an upgrade
/// (edition, modules or seats changed) or an extension (a later expiry).
/// The licence takes the new terms; the event joins its history and the
/// account's timeline, in one transaction.
pub async fn re_register(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    req: ReRegisterLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<LicenseRegistration> {
    let mut c = Collector::default();
    check_fields(
        &mut c,
        req.edition.as_deref(),
        req.modules.as_deref(),
        req.seats,
        None,
    );
    if let Some(note) = &req.note {
        c.check("note", validation::optional_text(note, MAX_NOTE_LEN));
    }
    match req.kind {
        RegistrationKind::Initial => {
            c.fields
                .insert("kind".into(), Msg::new(T::LicenseKindInitial).en());
        }
        RegistrationKind::Split => {
            c.fields
                .insert("kind".into(), Msg::new(T::LicenseKindSplit).en());
        }
        RegistrationKind::Upgrade | RegistrationKind::Extension => {}
    }
    c.finish().map_err(AppError::validation)?;
    let txn = db.write.begin().await?;
    let existing = locked(&txn, actor, account_id, id).await?;
    require_writer(actor)?;
    let before = to_api(&existing)?;
    if before.status != LicenseStatus::Registered {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::LicenseNotRegistered),
        ));
    }
    let mut model: licenses::ActiveModel = existing.clone().into();
    // Initial and split registrations were refused above: what is left is
    // an upgrade or an extension.
    if req.kind == RegistrationKind::Upgrade {
        let edition = req.edition.as_deref().map(str::trim);
        let changed = edition.is_some_and(|e| e != before.edition)
            || req.modules.as_ref().is_some_and(|m| {
                let mut a = m.clone();
                let mut b = before.modules.clone();
                a.sort();
                a.dedup();
                b.sort();
                b.dedup();
                a != b
            })
            || req.seats.is_some_and(|s| s != before.seats);
        if !changed {
            return Err(AppError::field("kind", Msg::new(T::LicenseUpgradeNoChange)));
        }
        if let Some(e) = edition {
            model.edition = Set(e.to_string());
        }
        if let Some(m) = &req.modules {
            model.modules = Set(modules_to_db(m));
        }
        if let Some(s) = req.seats {
            model.seats = Set(s);
        }
        if let Some(on) = req.expires_on {
            model.expires_on = Set(Some(on));
        }
    } else {
        let later = match (req.expires_on, before.expires_on) {
            (Some(new), Some(old)) => new > old,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !later {
            return Err(AppError::field(
                "expires_on",
                Msg::new(T::LicenseExtensionLater),
            ));
        }
        model.expires_on = Set(req.expires_on);
    }
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(&txn).await?)?;
    let action = match req.kind {
        RegistrationKind::Upgrade => "upgrade",
        _ => "extend",
    };
    audit_change(&txn, actor, action, Some(&before), &after, now).await?;
    let note = crate::domain::common::clean_optional(req.note);
    let made = record_registration(&txn, actor, &after, req.kind, note, now).await?;
    let event = NewEvent::new(
        actor.workspace_id,
        account_id,
        TimelineKind::LicenseRegistered,
        actor.user_id,
        format!("{} · {}", after.edition, after.dongle_serial),
        now,
    );
    timeline::record(&txn, event.about("license", id), now).await?;
    txn.commit().await?;
    registration_to_api(made)
}

/// A licence's registrations, first to last.
pub async fn registrations(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
) -> AppResult<Vec<LicenseRegistration>> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    licenses::Entity::find_by_id(id)
        .filter(licenses::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(licenses::Column::AccountId.eq(account_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    license_registrations::Entity::find()
        .filter(license_registrations::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(license_registrations::Column::LicenseId.eq(id))
        .order_by_asc(license_registrations::Column::Id)
        .all(&db.read)
        .await?
        .into_iter()
        .map(registration_to_api)
        .collect()
}

/// Whether the account has at least one registered licence.
pub async fn has_registered<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<bool> {
    Ok(licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(workspace_id))
        .filter(licenses::Column::AccountId.eq(account_id))
        .filter(licenses::Column::Status.eq(LicenseStatus::Registered.as_str()))
        .one(conn)
        .await?
        .is_some())
}

/// The modules of all the account's licences.
pub async fn licensed_modules<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<Vec<ErpModule>> {
    let rows = licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(workspace_id))
        .filter(licenses::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    Ok(rows
        .iter()
        .flat_map(|l| modules_from_db(&l.modules))
        .collect())
}

/// What a dongle split asks for, kept as the approval's payload.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SplitPayload {
    account_id: i64,
    new_dongle_serial: String,
    seats: i32,
    modules: Vec<ErpModule>,
    reason: String,
}

fn split_checks(
    c: &mut Collector,
    license: &License,
    req: &SplitLicenseRequest,
) -> (String, Vec<ErpModule>) {
    let serial = req.new_dongle_serial.trim().to_string();
    c.check(
        "new_dongle_serial",
        validation::required_text(&serial, MAX_SERIAL_LEN),
    );
    c.check(
        "reason",
        validation::required_text(&req.reason, MAX_NOTE_LEN),
    );
    let max = license.seats - 1;
    if !(1..=max.max(0)).contains(&req.seats) {
        c.fields.insert(
            "seats".into(),
            Msg::new(T::LicenseSplitSeats).with("max", max.max(0)).en(),
        );
    }
    let modules = match &req.modules {
        Some(m) if m.is_empty() => {
            c.fields
                .insert("modules".into(), Msg::new(T::NeedsModule).en());
            Vec::new()
        }
        Some(m) => {
            if m.iter().any(|x| !license.modules.contains(x)) {
                c.fields
                    .insert("modules".into(), Msg::new(T::LicenseSplitModules).en());
            }
            let mut m = m.clone();
            m.sort();
            m.dedup();
            m
        }
        None => license.modules.clone(),
    };
    (serial, modules)
}

/// Asks to split a registered licence's dongle (老用户产品升级加密锁拆分):
/// records a pending approval that a manager or admin other than the maker
/// decides. Nothing changes on the licence until then; one split per
/// licence waits at a time.
pub async fn request_split(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    req: SplitLicenseRequest,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    let txn = db.write.begin().await?;
    let existing = locked(&txn, actor, account_id, id).await?;
    require_writer(actor)?;
    let license = to_api(&existing)?;
    let mut c = Collector::default();
    let (serial, modules) = split_checks(&mut c, &license, &req);
    c.finish().map_err(AppError::validation)?;
    if license.status != LicenseStatus::Registered {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::LicenseNotRegistered),
        ));
    }
    ensure_serial_free(&txn, actor.workspace_id, &serial, None).await?;
    let pending = approvals::Entity::find()
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(approvals::Column::Kind.eq(approval_requests::LICENSE_SPLIT))
        .filter(approvals::Column::SubjectId.eq(id))
        .filter(approvals::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        .one(&txn)
        .await?;
    if pending.is_some() {
        return Err(AppError::Conflict {
            message: Msg::new(T::LicenseSplitPending).into(),
            fields: Default::default(),
        });
    }
    let names: Vec<&str> = modules.iter().map(|m| m.as_str()).collect();
    let reason = req.reason.trim().to_string();
    let summary = Msg::new(T::LicenseSplitSummary)
        .with("serial", &license.dongle_serial)
        .with("seats", req.seats)
        .with("modules", names.join(", "))
        .with("new_serial", &serial)
        .with("reason", &reason)
        .en();
    let payload = SplitPayload {
        account_id,
        new_dongle_serial: serial,
        seats: req.seats,
        modules,
        reason,
    };
    let approval = approval_requests::request(
        &txn,
        approval_requests::ApprovalRequest {
            workspace_id: actor.workspace_id,
            kind: approval_requests::LICENSE_SPLIT,
            subject_type: "license",
            subject_id: id,
            maker_id: actor.user_id,
            summary,
            payload: Some(serde_json::to_value(&payload).map_err(anyhow::Error::from)?),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(approval)
}

/// What deciding a dongle split does: on approval the licence keeps its
/// dongle with fewer seats (a `split` registration in its history) and a
/// new, unregistered licence on the new dongle takes the seats moved, to be
/// registered as usual. The checks run again, since the licence or the
/// serial may have changed while the request waited; a failed one refuses
/// the approval and leaves the request pending. A rejection changes nothing.
pub(crate) async fn on_split_decision<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    license_id: i64,
    payload: Option<&str>,
    decider: i64,
    approve: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !approve {
        return Ok(());
    }
    let payload: SplitPayload = serde_json::from_str(payload.unwrap_or_default())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("split payload: {e}")))?;
    let existing = licenses::Entity::find_by_id(license_id)
        .filter(licenses::Column::WorkspaceId.eq(workspace_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api(&existing)?;
    let req = SplitLicenseRequest {
        new_dongle_serial: payload.new_dongle_serial.clone(),
        seats: payload.seats,
        modules: Some(payload.modules.clone()),
        reason: payload.reason.clone(),
    };
    let mut c = Collector::default();
    let (serial, modules) = split_checks(&mut c, &before, &req);
    c.finish().map_err(|fields| AppError::Conflict {
        message: Msg::new(T::SomeFieldsInvalid).into(),
        fields,
    })?;
    if before.status != LicenseStatus::Registered {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::LicenseNotRegistered),
        ));
    }
    ensure_serial_free(txn, workspace_id, &serial, None).await?;
    // Both licences act as the decider: the approval made it happen.
    let decider_actor = StaffActor::try_from_actor(crate::auth::Actor {
        user_id: decider,
        workspace_id,
        role: Role::Manager,
        session_id: 0,
    })?;
    let mut model: licenses::ActiveModel = existing.clone().into();
    model.seats = Set(before.seats - payload.seats);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(txn).await?)?;
    audit_change(txn, &decider_actor, "split", Some(&before), &after, now).await?;
    let note = Msg::new(T::LicenseSplitNote)
        .with("seats", payload.seats)
        .with("new_serial", &serial)
        .en();
    record_registration(
        txn,
        &decider_actor,
        &after,
        RegistrationKind::Split,
        Some(note),
        now,
    )
    .await?;
    insert(
        txn,
        &decider_actor,
        before.account_id,
        CreateLicenseRequest {
            edition: before.edition.clone(),
            modules,
            seats: payload.seats,
            dongle_serial: serial,
            expires_on: before.expires_on,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The account's seats in use against its seats ([`SeatUse`]): distinct
/// `user_ref`s of its usage events over the last
/// [`SEAT_USE_WINDOW_DAYS`] days, overall and per licence (events in the
/// licence's modules).
pub async fn seat_use(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<SeatUse> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let today = crate::domain::common::calendar::today(&db.read, actor.workspace_id, now).await?;
    let since = now - chrono::Duration::days(i64::from(SEAT_USE_WINDOW_DAYS));
    let seen: Vec<(String, String)> = usage_events::Entity::find()
        .select_only()
        .column(usage_events::Column::Module)
        .column(usage_events::Column::UserRef)
        .filter(usage_events::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(usage_events::Column::AccountId.eq(account_id))
        .filter(usage_events::Column::OccurredAt.gte(since))
        .group_by(usage_events::Column::Module)
        .group_by(usage_events::Column::UserRef)
        .into_tuple()
        .all(&db.read)
        .await?;
    let used = seen
        .iter()
        .map(|(_, u)| u.as_str())
        .collect::<HashSet<_>>()
        .len();
    let rows = licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(licenses::Column::AccountId.eq(account_id))
        .order_by_asc(licenses::Column::Id)
        .all(&db.read)
        .await?;
    let mut seats = 0i64;
    let mut per = Vec::with_capacity(rows.len());
    for l in &rows {
        let expired = l.expires_on.is_some_and(|on| on < today);
        if !expired {
            seats += i64::from(l.seats);
        }
        let modules: HashSet<String> = modules_from_db(&l.modules)
            .iter()
            .map(|m| m.as_str().to_string())
            .collect();
        let users: HashSet<&str> = seen
            .iter()
            .filter(|(m, _)| modules.contains(m))
            .map(|(_, u)| u.as_str())
            .collect();
        per.push(LicenseSeatUse {
            license_id: l.id,
            seats: l.seats,
            used: users.len() as i64,
            expired,
        });
    }
    Ok(SeatUse {
        window_days: SEAT_USE_WINDOW_DAYS,
        seats,
        used: used as i64,
        licenses: per,
    })
}
