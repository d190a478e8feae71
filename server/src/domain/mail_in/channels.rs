//! Mail channels (admins only): create, list, read, change, delete, test
//! the IMAP connection, and the inbound hook's token check. The IMAP
//! password is sealed at rest ([`crate::secret_box`]) and never returned;
//! the inbound token is shown once, on creation, and kept as its SHA-256.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use shared::mail_in::{
    self, CreateMailChannelRequest, CreatedMailChannel, KeywordRule, MailChannel, MailChannelKind,
    MailChannelTestResult, UnknownSenderPolicy, UpdateMailChannelRequest, DEFAULT_FOLDER,
    DEFAULT_FOLLOW_UP_AFTER_DAYS,
};
use shared::{Page, Role};
use subtle::ConstantTimeEq;

use crate::auth::tokens::{hash_token, random_token};
use crate::auth::StaffActor;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::clean_optional;
use crate::domain::common::pagination::{page_of, PageQuery, Paging};
use crate::entity::stored::stored;
use crate::entity::{inbound_messages, mail_channels};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(super) fn keywords_of(m: &mail_channels::Model) -> AppResult<Vec<KeywordRule>> {
    serde_json::from_str(&m.keywords).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "mail_channels row {} has unreadable keywords: {e}",
            m.id
        ))
    })
}

pub(super) fn to_api(m: &mail_channels::Model) -> AppResult<MailChannel> {
    Ok(MailChannel {
        id: m.id,
        name: m.name.clone(),
        address: m.address.clone(),
        kind: stored("mail_channels", m.id, "kind", &m.kind)?,
        imap_host: m.imap_host.clone(),
        imap_port: m.imap_port,
        imap_tls: m.imap_tls,
        imap_folder: m.imap_folder.clone(),
        processed_folder: m.processed_folder.clone(),
        imap_username: m.imap_username.clone(),
        imap_password_set: m.imap_password_enc.is_some(),
        unknown_sender_policy: stored(
            "mail_channels",
            m.id,
            "unknown_sender_policy",
            &m.unknown_sender_policy,
        )?,
        follow_up_after_days: m.follow_up_after_days,
        keywords: keywords_of(m)?,
        enabled: m.enabled,
        last_fetch_at: m.last_fetch_at,
        last_fetch_error: m.last_fetch_error.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// A channel of the workspace, or 404.
pub(super) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<mail_channels::Model> {
    mail_channels::Entity::find_by_id(id)
        .filter(mail_channels::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

fn keywords_json(rules: &[KeywordRule]) -> AppResult<String> {
    let trimmed: Vec<KeywordRule> = rules
        .iter()
        .map(|r| KeywordRule {
            keyword: r.keyword.trim().to_string(),
            ..r.clone()
        })
        .collect();
    serde_json::to_string(&trimmed).map_err(|e| AppError::Internal(e.into()))
}

fn default_port(tls: bool) -> i32 {
    if tls {
        993
    } else {
        143
    }
}

pub async fn list(
    state: &AppState,
    actor: &StaffActor,
    page: &PageQuery,
) -> AppResult<Page<MailChannel>> {
    actor.require(&[Role::Admin])?;
    let params = page.params()?;
    let mut query = mail_channels::Entity::find()
        .filter(mail_channels::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(mail_channels::Column::Id)
        .limit(params.limit + 1);
    if let Some(before) = params.before_id {
        query = query.filter(mail_channels::Column::Id.lt(before));
    }
    let rows = query.all(&state.db.read).await?;
    let page = page_of(rows, params, |m| m.id, |m| to_api(&m));
    crate::domain::common::pagination::try_page(page)
}

pub async fn get(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<MailChannel> {
    actor.require(&[Role::Admin])?;
    to_api(&find(&state.db.read, actor.workspace_id, id).await?)
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateMailChannelRequest,
) -> AppResult<CreatedMailChannel> {
    actor.require(&[Role::Admin])?;
    mail_in::validate_create(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let token = random_token(32);
    let imap = req.kind == MailChannelKind::Imap;
    let tls = req.imap_tls.unwrap_or(true);
    let sealed = match (&req.imap_password, imap) {
        (Some(p), true) => Some(state.secrets.seal(p)?),
        _ => None,
    };
    let txn = state.db.write.begin().await?;
    let model = mail_channels::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(req.name.trim().to_string()),
        address: Set(shared::validation::normalize_email(&req.address)),
        kind: Set(req.kind.as_str().into()),
        imap_host: Set(req.imap_host.filter(|_| imap).map(|h| h.trim().to_string())),
        imap_port: Set(imap.then(|| req.imap_port.unwrap_or(default_port(tls)))),
        imap_tls: Set(tls),
        imap_folder: Set(imap.then(|| {
            req.imap_folder
                .map(|f| f.trim().to_string())
                .unwrap_or_else(|| DEFAULT_FOLDER.into())
        })),
        processed_folder: Set(clean_optional(req.processed_folder.filter(|_| imap))),
        imap_username: Set(req.imap_username.filter(|_| imap)),
        imap_password_enc: Set(sealed),
        token_hash: Set(hash_token(&token)),
        unknown_sender_policy: Set(req
            .unknown_sender_policy
            .unwrap_or(UnknownSenderPolicy::Hold)
            .as_str()
            .into()),
        follow_up_after_days: Set(req
            .follow_up_after_days
            .unwrap_or(DEFAULT_FOLLOW_UP_AFTER_DAYS)),
        keywords: Set(keywords_json(&req.keywords.unwrap_or_default())?),
        enabled: Set(req.enabled.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let channel = to_api(&model)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "mail_channel",
            entity_id: model.id,
            before: None,
            after: Some(&channel),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedMailChannel {
        channel,
        inbound_token: token,
    })
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: UpdateMailChannelRequest,
) -> AppResult<MailChannel> {
    actor.require(&[Role::Admin])?;
    mail_in::validate_update(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor.workspace_id, id).await?;
    let before = to_api(&current)?;
    let imap = before.kind == MailChannelKind::Imap;
    let mut model: mail_channels::ActiveModel = current.clone().into();
    if let Some(name) = req.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(address) = req.address {
        model.address = Set(shared::validation::normalize_email(&address));
    }
    if imap {
        if let Some(host) = req.imap_host {
            model.imap_host = Set(Some(host.trim().to_string()));
        }
        if let Some(tls) = req.imap_tls {
            model.imap_tls = Set(tls);
        }
        if let Some(port) = req.imap_port {
            model.imap_port = Set(Some(port));
        }
        if let Some(folder) = req.imap_folder {
            model.imap_folder = Set(Some(folder.trim().to_string()));
        }
        if let Some(processed) = req.processed_folder {
            model.processed_folder = Set(clean_optional(processed));
        }
        if let Some(username) = req.imap_username {
            model.imap_username = Set(Some(username));
        }
        if let Some(password) = req.imap_password {
            model.imap_password_enc = Set(Some(state.secrets.seal(&password)?));
        }
    } else if req.imap_host.is_some()
        || req.imap_port.is_some()
        || req.imap_tls.is_some()
        || req.imap_folder.is_some()
        || req.processed_folder.is_some()
        || req.imap_username.is_some()
        || req.imap_password.is_some()
    {
        return Err(AppError::field(
            "kind",
            "an inbound channel has no IMAP settings",
        ));
    }
    if imap {
        // A processed folder and the folder read from, as they will be.
        let stored = |v: &sea_orm::ActiveValue<Option<String>>| v.try_as_ref().cloned().flatten();
        let folder = stored(&model.imap_folder).unwrap_or_else(|| DEFAULT_FOLDER.into());
        let mut c = shared::validation::Collector::default();
        mail_in::check_processed_folder(
            &mut c,
            stored(&model.processed_folder).as_deref(),
            &folder,
        );
        c.finish().map_err(AppError::validation)?;
    }
    if let Some(policy) = req.unknown_sender_policy {
        model.unknown_sender_policy = Set(policy.as_str().into());
    }
    if let Some(days) = req.follow_up_after_days {
        model.follow_up_after_days = Set(days);
    }
    if let Some(rules) = req.keywords {
        model.keywords = Set(keywords_json(&rules)?);
    }
    if let Some(enabled) = req.enabled {
        model.enabled = Set(enabled);
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    let after = to_api(&updated)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "mail_channel",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Deletes a channel that has received nothing; one with received mail
/// keeps it viewable and is disabled instead (409).
pub async fn delete(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor.workspace_id, id).await?;
    let received = inbound_messages::Entity::find()
        .filter(inbound_messages::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(inbound_messages::Column::ChannelId.eq(id))
        .count(&txn)
        .await?;
    if received > 0 {
        return Err(AppError::Conflict {
            message: format!(
                "the channel has received {received} messages, which stay viewable; disable it instead (enabled: false)"
            ),
            fields: Default::default(),
        });
    }
    let before = to_api(&current)?;
    mail_channels::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "delete",
            entity_type: "mail_channel",
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

/// Logs in to the channel's IMAP server and selects its folder.
pub async fn test(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
) -> AppResult<MailChannelTestResult> {
    actor.require(&[Role::Admin])?;
    let channel = find(&state.db.read, actor.workspace_id, id).await?;
    if channel.kind != MailChannelKind::Imap.as_str() {
        return Err(AppError::field(
            "kind",
            "only an IMAP channel has a connection to test",
        ));
    }
    Ok(match super::imap_fetch::check(state, &channel).await {
        Ok(message) => MailChannelTestResult { ok: true, message },
        Err(e) => MailChannelTestResult {
            ok: false,
            message: format!("{e:#}"),
        },
    })
}

/// The channel a posted message is for, when `token` is its inbound token.
/// An unknown channel and a wrong token answer alike (401), so neither
/// channel ids nor tokens can be probed.
pub async fn authenticate(
    state: &AppState,
    channel_id: i64,
    token: Option<&str>,
) -> AppResult<mail_channels::Model> {
    let refused = || AppError::Unauthorized("a valid channel token is required".into());
    let token = token.filter(|t| !t.is_empty()).ok_or_else(refused)?;
    let channel = mail_channels::Entity::find_by_id(channel_id)
        .one(&state.db.read)
        .await?
        .ok_or_else(refused)?;
    let given = hash_token(token);
    if !bool::from(given.as_bytes().ct_eq(channel.token_hash.as_bytes())) || !channel.enabled {
        return Err(refused());
    }
    Ok(channel)
}
