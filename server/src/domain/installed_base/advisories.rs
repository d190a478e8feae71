//! Advisories: a notice (a known bug, a patch) to the accounts whose
//! installations match a version filter. Managers and admins compose one,
//! preview the accounts and recipients it concerns, and send it.
//!
//! Recipients at each account: its contacts with an e-mail address who are
//! responsible for a module concerned (the filter's modules, or all the
//! matching installations' modules), else its customer_admin logins. Each
//! gets the text in their language (their portal login's, Chinese without
//! one), or the other when the advisory has only that.
//!
//! Sending goes account by account, a bounded batch per call: one
//! transaction claims the account (`advisory_accounts`, unique per
//! advisory and account), claims each recipient (`advisory_recipients`,
//! unique per advisory and contact), queues their mails (outbox dedupe key
//! `advisory:{id}:{contact}`) and writes the timeline entry. A second
//! sender, at once or later, finds the claim taken and skips the account,
//! so each account and recipient gets it once.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::installed_base::{
    validate_advisory, Advisory, AdvisoryPreview, AdvisoryProgress, AdvisoryRecipient,
    AdvisoryRequest, AffectedAccount, VersionFilter,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::{ErpModule, Locale, Role};

use super::licenses_of;
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::{modules_from_db, modules_to_db};
use crate::entity::stored::stored;
use crate::entity::{
    accounts, advisories, advisory_accounts, advisory_recipients, contacts, installations, users,
};
use crate::error::{AppError, AppResult};
use crate::mail::letters::advisories::{letter, Notice};
use crate::mail::Mailer;

/// Accounts one send call works through, by default and at most.
pub const DEFAULT_BATCH: u64 = 25;
pub const MAX_BATCH: u64 = 200;
/// Most advisories a list returns (newest first).
const LIST_LIMIT: u64 = 200;

fn require_staff_lead(actor: &StaffActor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager])
}

fn filter_of(m: &advisories::Model) -> AppResult<VersionFilter> {
    Ok(VersionFilter {
        product: m.product.clone(),
        version_from: m.version_from.clone(),
        version_to: m.version_to.clone(),
        versions: serde_json::from_str(&m.versions).map_err(|e| {
            AppError::Internal(anyhow::anyhow!("advisories {}: versions: {e}", m.id))
        })?,
        modules: modules_from_db(&m.modules),
    })
}

fn request_of(m: &advisories::Model) -> AppResult<AdvisoryRequest> {
    Ok(AdvisoryRequest {
        kind: stored("advisories", m.id, "kind", &m.kind)?,
        filter: filter_of(m)?,
        title_zh: m.title_zh.clone(),
        body_zh: m.body_zh.clone(),
        title_en: m.title_en.clone(),
        body_en: m.body_en.clone(),
    })
}

fn to_api(m: &advisories::Model, accounts_sent: i64, recipients_sent: i64) -> AppResult<Advisory> {
    let req = request_of(m)?;
    Ok(Advisory {
        id: m.id,
        kind: req.kind,
        filter: req.filter,
        title_zh: req.title_zh,
        body_zh: req.body_zh,
        title_en: req.title_en,
        body_en: req.body_en,
        created_by: m.created_by,
        created_at: m.created_at,
        sent_at: m.sent_at,
        accounts_sent,
        recipients_sent,
    })
}

/// One account concerned, with what it takes to tell it.
struct Target {
    account: accounts::Model,
    /// `product version` of each matching installation.
    installations: Vec<String>,
    recipients: Vec<(contacts::Model, Locale, bool)>,
}

/// The accounts (not archived) whose installations match, by name, each
/// with its recipients.
async fn targets<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    filter: &VersionFilter,
) -> AppResult<Vec<Target>> {
    let product = filter.product.trim().to_lowercase();
    let rows = installations::Entity::find()
        .filter(installations::Column::WorkspaceId.eq(workspace_id))
        .filter(
            Expr::expr(Func::lower(Expr::col(installations::Column::Product))).eq(product.as_str()),
        )
        .order_by_asc(installations::Column::Id)
        .all(conn)
        .await?;
    let licenses = licenses_of(conn, workspace_id, &rows).await?;
    // Per account: the matching installations and the modules concerned.
    let mut matched: BTreeMap<i64, (Vec<String>, HashSet<ErpModule>)> = BTreeMap::new();
    for m in &rows {
        let modules = match m.license_id.and_then(|id| licenses.get(&id)) {
            Some(l) => modules_from_db(&l.modules),
            None => modules_from_db(&m.modules),
        };
        if !filter.matches(&m.product, &m.sw_version, &modules) {
            continue;
        }
        let entry = matched.entry(m.account_id).or_default();
        let release = format!("{} {} {}", m.product, m.sw_version, m.patch_level);
        entry.0.push(format!("{} · {}", m.site, release.trim()));
        entry.1.extend(filter.concerned(&modules));
    }
    if matched.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = matched.keys().copied().collect();
    let mut accounts_by_id: Vec<accounts::Model> = Vec::new();
    let mut people: Vec<contacts::Model> = Vec::new();
    for chunk in ids.chunks(500) {
        accounts_by_id.extend(
            accounts::Entity::find()
                .filter(accounts::Column::WorkspaceId.eq(workspace_id))
                .filter(accounts::Column::Id.is_in(chunk.to_vec()))
                .filter(accounts::Column::Archived.eq(false))
                .all(conn)
                .await?,
        );
        people.extend(
            contacts::Entity::find()
                .filter(contacts::Column::WorkspaceId.eq(workspace_id))
                .filter(contacts::Column::AccountId.is_in(chunk.to_vec()))
                .filter(contacts::Column::Archived.eq(false))
                .filter(contacts::Column::Email.is_not_null())
                .order_by_asc(contacts::Column::Id)
                .all(conn)
                .await?,
        );
    }
    people.retain(|c| c.email.as_deref().is_some_and(|e| !e.trim().is_empty()));
    let login_ids: Vec<i64> = people.iter().filter_map(|c| c.portal_user_id).collect();
    let mut logins: HashMap<i64, users::Model> = HashMap::new();
    for chunk in login_ids.chunks(500) {
        for u in users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(workspace_id))
            .filter(users::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            logins.insert(u.id, u);
        }
    }
    let mut by_account: HashMap<i64, Vec<contacts::Model>> = HashMap::new();
    for c in people {
        by_account.entry(c.account_id).or_default().push(c);
    }
    accounts_by_id.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let mut out = Vec::new();
    for account in accounts_by_id {
        let Some((installations, concerned)) = matched.remove(&account.id) else {
            continue;
        };
        let contacts = by_account.remove(&account.id).unwrap_or_default();
        let locale = |c: &contacts::Model| {
            c.portal_user_id
                .and_then(|id| logins.get(&id))
                .map(users::Model::mail_locale)
                .unwrap_or(Locale::DEFAULT)
        };
        let responsible: Vec<(contacts::Model, Locale, bool)> = contacts
            .iter()
            .filter(|c| {
                modules_from_db(&c.modules)
                    .iter()
                    .any(|m| concerned.contains(m))
            })
            .map(|c| (c.clone(), locale(c), false))
            .collect();
        let recipients = if responsible.is_empty() {
            contacts
                .iter()
                .filter(|c| {
                    c.portal_user_id
                        .and_then(|id| logins.get(&id))
                        .is_some_and(|u| u.active && u.role == Role::CustomerAdmin.as_str())
                })
                .map(|c| (c.clone(), locale(c), true))
                .collect()
        } else {
            responsible
        };
        out.push(Target {
            account,
            installations,
            recipients,
        });
    }
    Ok(out)
}

fn affected(targets: &[Target], req: &AdvisoryRequest) -> AdvisoryPreview {
    let accounts: Vec<AffectedAccount> = targets
        .iter()
        .map(|t| AffectedAccount {
            account_id: t.account.id,
            account_name: t.account.name.clone(),
            installations: t.installations.clone(),
            recipients: t
                .recipients
                .iter()
                .map(|(c, locale, fallback)| AdvisoryRecipient {
                    contact_id: c.id,
                    name: c.name.clone(),
                    email: c.email.clone().unwrap_or_default(),
                    locale: req.language_for(*locale),
                    fallback: *fallback,
                })
                .collect(),
        })
        .collect();
    let recipients_total = accounts.iter().map(|a| a.recipients.len() as i64).sum();
    AdvisoryPreview {
        accounts,
        recipients_total,
    }
}

/// The accounts and recipients an advisory would reach now.
pub async fn preview(
    db: &Db,
    actor: &StaffActor,
    req: AdvisoryRequest,
) -> AppResult<AdvisoryPreview> {
    require_staff_lead(actor)?;
    validate_advisory(&req).map_err(AppError::validation)?;
    let targets = targets(&db.read, actor.workspace_id, &req.filter).await?;
    Ok(affected(&targets, &req))
}

async fn counts<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> AppResult<(HashMap<i64, i64>, HashMap<i64, i64>)> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let accounts: HashMap<i64, i64> = advisory_accounts::Entity::find()
        .select_only()
        .column(advisory_accounts::Column::AdvisoryId)
        .column_as(advisory_accounts::Column::Id.count(), "n")
        .filter(advisory_accounts::Column::AdvisoryId.is_in(ids.to_vec()))
        .group_by(advisory_accounts::Column::AdvisoryId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let recipients: HashMap<i64, i64> = advisory_recipients::Entity::find()
        .select_only()
        .column(advisory_recipients::Column::AdvisoryId)
        .column_as(advisory_recipients::Column::Id.count(), "n")
        .filter(advisory_recipients::Column::AdvisoryId.is_in(ids.to_vec()))
        .group_by(advisory_recipients::Column::AdvisoryId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok((accounts, recipients))
}

/// The workspace's advisories, newest first, with their counts.
pub async fn list(db: &Db, actor: &StaffActor) -> AppResult<Vec<Advisory>> {
    require_staff_lead(actor)?;
    let rows = advisories::Entity::find()
        .filter(advisories::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(advisories::Column::Id)
        .limit(LIST_LIMIT)
        .all(&db.read)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (accounts, recipients) = counts(&db.read, &ids).await?;
    rows.iter()
        .map(|r| {
            to_api(
                r,
                accounts.get(&r.id).copied().unwrap_or(0),
                recipients.get(&r.id).copied().unwrap_or(0),
            )
        })
        .collect()
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<advisories::Model> {
    advisories::Entity::find_by_id(id)
        .filter(advisories::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Advisory> {
    require_staff_lead(actor)?;
    let m = find(&db.read, actor.workspace_id, id).await?;
    let (accounts, recipients) = counts(&db.read, &[id]).await?;
    to_api(
        &m,
        accounts.get(&id).copied().unwrap_or(0),
        recipients.get(&id).copied().unwrap_or(0),
    )
}

/// Saves an advisory, ready to send.
pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: AdvisoryRequest,
    now: DateTime<Utc>,
) -> AppResult<Advisory> {
    require_staff_lead(actor)?;
    validate_advisory(&req).map_err(AppError::validation)?;
    let f = &req.filter;
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let versions: Vec<String> = f.versions.iter().map(|v| v.trim().to_string()).collect();
    let txn = db.write.begin().await?;
    let row = advisories::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        kind: Set(req.kind.as_str().into()),
        product: Set(f.product.trim().to_string()),
        version_from: Set(clean(&f.version_from)),
        version_to: Set(clean(&f.version_to)),
        versions: Set(serde_json::to_string(&versions).map_err(|e| AppError::Internal(e.into()))?),
        modules: Set(modules_to_db(&f.modules)),
        title_zh: Set(req.title_zh.trim().to_string()),
        body_zh: Set(req.body_zh.trim().to_string()),
        title_en: Set(req.title_en.trim().to_string()),
        body_en: Set(req.body_en.trim().to_string()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let created = to_api(&row, 0, 0)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "advisory",
            entity_id: row.id,
            before: None::<&Advisory>,
            after: Some(&created),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The title and text for a reader of `locale`.
fn text_for(req: &AdvisoryRequest, locale: Locale) -> (Locale, &str, &str) {
    let lang = req.language_for(locale);
    match lang {
        Locale::ZhCn => (lang, &req.title_zh, &req.body_zh),
        Locale::En => (lang, &req.title_en, &req.body_en),
    }
}

/// Tells one account, once: claims it, claims and mails each recipient,
/// writes its timeline entry; nothing when another sender had claimed it.
async fn send_to_account<C: ConnectionTrait>(
    txn: &C,
    mailer: &Mailer,
    m: &advisories::Model,
    req: &AdvisoryRequest,
    target: &Target,
    actor_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let claim = advisory_accounts::Entity::insert(advisory_accounts::ActiveModel {
        workspace_id: Set(m.workspace_id),
        advisory_id: Set(m.id),
        account_id: Set(target.account.id),
        recipients: Set(i32::try_from(target.recipients.len()).unwrap_or(i32::MAX)),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            advisory_accounts::Column::AdvisoryId,
            advisory_accounts::Column::AccountId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await;
    match claim {
        Ok(n) if n > 0 => {}
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    let mut sent = 0;
    let mut to = Vec::new();
    for (contact, locale, as_admin) in &target.recipients {
        let Some(email) = contact.email.as_deref().map(str::trim) else {
            continue;
        };
        let (lang, title, body) = text_for(req, *locale);
        let claimed = advisory_recipients::Entity::insert(advisory_recipients::ActiveModel {
            workspace_id: Set(m.workspace_id),
            advisory_id: Set(m.id),
            account_id: Set(target.account.id),
            contact_id: Set(contact.id),
            email: Set(email.to_string()),
            locale: Set(lang.as_str().into()),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                advisory_recipients::Column::AdvisoryId,
                advisory_recipients::Column::ContactId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await;
        match claimed {
            Ok(n) if n > 0 => {}
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => continue,
            Err(e) => return Err(e.into()),
        }
        let notice = Notice {
            kind: req.kind,
            title,
            body,
            account: &target.account.name,
            installations: &target.installations,
            as_admin: *as_admin,
        };
        let mail = letter(&notice, &contact.name, lang).into_mail(
            Some(m.workspace_id),
            email.to_string(),
            Some(format!("advisory:{}:{}", m.id, contact.id)),
        );
        if mailer.enqueue(txn, mail, now).await? {
            sent += 1;
            to.push(email.to_string());
        }
    }
    let title = [m.title_zh.as_str(), m.title_en.as_str()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    let body = Msg::new(T::TimelineAdvisory)
        .with("count", sent)
        .with("to", to.join(", "))
        .en();
    timeline::record(
        txn,
        NewEvent::new(
            m.workspace_id,
            target.account.id,
            TimelineKind::AdvisorySent,
            actor_id,
            title,
            now,
        )
        .about("advisory", m.id)
        .body(body),
        now,
    )
    .await?;
    Ok(())
}

/// Sends the advisory to up to `batch` accounts not told yet; call again
/// until `done`. Safe to call twice at once.
pub async fn send(
    db: &Db,
    mailer: &Mailer,
    actor: &StaffActor,
    id: i64,
    batch: Option<u64>,
    now: DateTime<Utc>,
) -> AppResult<AdvisoryProgress> {
    require_staff_lead(actor)?;
    let batch = batch.unwrap_or(DEFAULT_BATCH);
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(AppError::field(
            "batch",
            Msg::new(T::Between)
                .with("min", 1)
                .with("max", MAX_BATCH)
                .en(),
        ));
    }
    let m = find(&db.read, actor.workspace_id, id).await?;
    let req = request_of(&m)?;
    let targets = targets(&db.read, actor.workspace_id, &req.filter).await?;
    let done: HashSet<i64> = advisory_accounts::Entity::find()
        .filter(advisory_accounts::Column::AdvisoryId.eq(id))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|r| r.account_id)
        .collect();
    let todo: Vec<&Target> = targets
        .iter()
        .filter(|t| !done.contains(&t.account.id))
        .collect();
    let mut finished = done.len() as i64;
    let mut processed = 0u64;
    for target in todo
        .iter()
        .take(usize::try_from(batch).unwrap_or(usize::MAX))
    {
        let txn = db.write.begin().await?;
        // Claimed here or by another sender at once: done either way.
        send_to_account(&txn, mailer, &m, &req, target, actor.user_id, now).await?;
        txn.commit().await?;
        processed += 1;
        finished += 1;
    }
    mailer.kick();
    let remaining = todo.len() as u64 - processed;
    let is_done = remaining == 0;
    if is_done && m.sent_at.is_none() {
        advisories::Entity::update_many()
            .col_expr(advisories::Column::SentAt, Expr::value(now))
            .filter(advisories::Column::Id.eq(id))
            .filter(advisories::Column::SentAt.is_null())
            .exec(&db.write)
            .await?;
    }
    let (_, recipients) = counts(&db.read, &[id]).await?;
    Ok(AdvisoryProgress {
        accounts_total: finished + remaining as i64,
        accounts_done: finished,
        recipients_sent: recipients.get(&id).copied().unwrap_or(0),
        done: is_done,
    })
}
