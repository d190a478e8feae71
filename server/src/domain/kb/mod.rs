//! The knowledge base (操作手册): articles per ERP module with FAQ entries,
//! written by staff, `public` or `internal`, `draft` → `published` (or
//! `archived`). The portal reaches published public articles only, and
//! suggests them while a customer types a ticket ("check the manual first").
//!
//! Every staff role may read and write articles. Search is in `search`,
//! safe Markdown rendering in `markdown`, drafting an article from a
//! resolved ticket ("close the loop") in `from_ticket`.

mod from_ticket;
pub mod index;
pub mod manual;
pub mod markdown;
pub mod search;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Deserialize;
use shared::kb::{
    self as rules, CreateKbArticleRequest, FaqEntry, KbArticle, KbArticleSummary, KbStatus,
    KbVisibility, PortalKbArticle, UpdateKbArticleRequest,
};
use shared::{ErpModule, Page, Role};

use crate::auth::{PortalActor, StaffActor};
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::PageQuery;
use crate::entity::kb_articles;
use crate::entity::stored::stored;
use crate::error::{AppError, AppResult};

pub use from_ticket::draft_from_ticket;
use search::{Position, Scope};

pub fn to_api(m: &kb_articles::Model) -> AppResult<KbArticle> {
    Ok(KbArticle {
        id: m.id,
        module: stored("kb_articles", m.id, "module", &m.module)?,
        title: m.title.clone(),
        body: m.body.clone(),
        body_html: markdown::to_html(&m.body),
        visibility: visibility_of(m)?,
        faq: faq_of(m),
        status: status_of(m)?,
        source_ticket_id: m.source_ticket_id,
        author_id: m.author_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    })
}

fn visibility_of(m: &kb_articles::Model) -> AppResult<KbVisibility> {
    stored("kb_articles", m.id, "visibility", &m.visibility)
}

fn status_of(m: &kb_articles::Model) -> AppResult<KbStatus> {
    stored("kb_articles", m.id, "status", &m.status)
}

fn faq_of(m: &kb_articles::Model) -> Vec<FaqEntry> {
    serde_json::from_str(&m.faq).unwrap_or_default()
}

/// The columns a list shows (no FAQ, no search columns).
#[derive(Debug, Deserialize, sea_orm::FromQueryResult)]
struct Listed {
    id: i64,
    module: String,
    title: String,
    body: String,
    visibility: String,
    status: String,
    source_ticket_id: Option<i64>,
    author_id: i64,
    updated_at: DateTime<Utc>,
    version: i64,
}

const LISTED: &[kb_articles::Column] = &[
    kb_articles::Column::Id,
    kb_articles::Column::Module,
    kb_articles::Column::Title,
    kb_articles::Column::Body,
    kb_articles::Column::Visibility,
    kb_articles::Column::Status,
    kb_articles::Column::SourceTicketId,
    kb_articles::Column::AuthorId,
    kb_articles::Column::UpdatedAt,
    kb_articles::Column::Version,
];

fn summary(m: &Listed, terms: &[String]) -> AppResult<KbArticleSummary> {
    Ok(KbArticleSummary {
        id: m.id,
        module: stored("kb_articles", m.id, "module", &m.module)?,
        title: m.title.clone(),
        excerpt: markdown::excerpt_of(&m.body, terms),
        visibility: stored("kb_articles", m.id, "visibility", &m.visibility)?,
        status: stored("kb_articles", m.id, "status", &m.status)?,
        source_ticket_id: m.source_ticket_id,
        author_id: m.author_id,
        updated_at: m.updated_at,
        version: m.version,
    })
}

fn to_portal(m: &kb_articles::Model, terms: &[String]) -> AppResult<PortalKbArticle> {
    Ok(PortalKbArticle {
        id: m.id,
        module: stored("kb_articles", m.id, "module", &m.module)?,
        title: m.title.clone(),
        excerpt: markdown::excerpt_of(&m.body, terms),
        body_html: markdown::to_html(&m.body),
        faq: faq_of(m),
        updated_at: m.updated_at,
    })
}

/// A search result: the article without its body (see [`PortalKbArticle`]).
fn portal_hit(m: &Listed, terms: &[String]) -> AppResult<PortalKbArticle> {
    Ok(PortalKbArticle {
        id: m.id,
        module: stored("kb_articles", m.id, "module", &m.module)?,
        title: m.title.clone(),
        excerpt: markdown::excerpt_of(&m.body, terms),
        body_html: String::new(),
        faq: Vec::new(),
        updated_at: m.updated_at,
    })
}

/// The strong ETag of an article version.
pub fn etag(article: &KbArticle) -> String {
    format!("\"k{}v{}\"", article.id, article.version)
}

/// Fills the search columns of an article (its text and words) from its
/// content: every writer of `kb_articles` goes through here.
pub(crate) fn set_search_columns(
    model: &mut kb_articles::ActiveModel,
    title: &str,
    body: &str,
    faq: &[FaqEntry],
) {
    let text = search_text(title, body, faq);
    model.title_terms = Set(search_terms::joined(title));
    model.body_terms = Set(search_terms::joined(&text));
    model.search_text = Set(text);
}

/// What search matches: lower-cased title, body as plain text, FAQ.
pub(crate) fn search_text(title: &str, body: &str, faq: &[FaqEntry]) -> String {
    let mut text = format!("{title}\n{}", markdown::plain_text(body));
    for entry in faq {
        text.push('\n');
        text.push_str(&entry.question);
        text.push('\n');
        text.push_str(&entry.answer);
    }
    text.to_lowercase()
}

fn faq_to_db(faq: &[FaqEntry]) -> AppResult<String> {
    serde_json::to_string(faq).map_err(|e| AppError::Internal(e.into()))
}

fn clean_faq(faq: Vec<FaqEntry>) -> Vec<FaqEntry> {
    faq.into_iter()
        .map(|e| FaqEntry {
            question: e.question.trim().to_string(),
            answer: e.answer.trim().to_string(),
        })
        .collect()
}

fn may_write(actor: &StaffActor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager, Role::Engineer, Role::Csm])
}

pub use shared::filters::KbFilter;

pub use shared::filters::PortalKbFilter;

/// One page of `scope`: the articles matching `terms` best first, or
/// without terms the newest first, with the cursor of the next page.
async fn search_page(
    db: &Db,
    scope: Scope,
    terms: Option<&[String]>,
    page: &PageQuery,
) -> AppResult<(Vec<Listed>, Option<String>)> {
    let (limit, after) = search::page_params(page)?;
    let Some(terms) = terms else {
        return newest_page(db, &scope, after, limit).await;
    };
    if terms.is_empty() {
        return Ok((Vec::new(), None));
    }
    // The index in memory, confirmed by the statement that reads the rows.
    if let Some((hits, reflected)) =
        db.kb_index
            .ranked_held(&scope, terms, after, limit as usize + 1)
    {
        let (hits, next_cursor) = cut_page(hits, limit);
        let (rows, state) = rows_with_index_state(db, scope.workspace_id, &hits).await?;
        if db.kb_index.confirms(reflected, state) {
            return Ok((in_hit_order(rows, &hits), next_cursor));
        }
    }
    let hits = search::ranked_ids(db, &scope, terms, after, limit + 1).await?;
    let (hits, next_cursor) = cut_page(hits, limit);
    if hits.is_empty() {
        return Ok((Vec::new(), next_cursor));
    }
    let query = kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(kb_articles::Column::Id.is_in(hits.iter().map(|h| h.id)));
    let rows: Vec<Listed> = crate::db::fetch_columns_in_one_row(&db.read, query, LISTED).await?;
    Ok((in_hit_order(rows, &hits), next_cursor))
}

/// A page of `limit` hits out of `limit + 1`, and the next page's cursor.
fn cut_page(mut hits: Vec<Position>, limit: u64) -> (Vec<Position>, Option<String>) {
    let has_more = hits.len() as u64 > limit;
    hits.truncate(limit as usize);
    let next_cursor = if has_more {
        hits.last().copied().map(search::encode_cursor)
    } else {
        None
    };
    (hits, next_cursor)
}

/// `rows` in the order of `hits`.
fn in_hit_order(rows: Vec<Listed>, hits: &[Position]) -> Vec<Listed> {
    let mut by_id: std::collections::HashMap<i64, Listed> =
        rows.into_iter().map(|m| (m.id, m)).collect();
    hits.iter()
        .filter_map(|Position { id, .. }| by_id.remove(id))
        .collect()
}

/// The listed columns of the articles `hits` names, and the workspace's
/// `kb_index_state` row, in one statement.
async fn rows_with_index_state(
    db: &Db,
    workspace_id: i64,
    hits: &[Position],
) -> AppResult<(Vec<Listed>, Option<(i64, i64, i64)>)> {
    use sea_orm::{IdenStatic, QuerySelect, QueryTrait};
    let backend = db.read.get_database_backend();
    let rows = kb_articles::Entity::find()
        .select_only()
        .columns(LISTED.iter().copied())
        .filter(kb_articles::Column::WorkspaceId.eq(workspace_id))
        .filter(kb_articles::Column::Id.is_in(hits.iter().map(|h| h.id)));
    // `Listed` reads a row's array: its fields are in `LISTED`'s order.
    let names: Vec<&str> = LISTED.iter().map(|c| c.as_str()).collect();
    let parts = crate::db::fetch_parts_as_json(
        &db.read,
        vec![
            (rows.build(backend), &names),
            (
                index::state_statement(backend, workspace_id),
                index::STATE_COLUMNS,
            ),
        ],
    )
    .await?;
    let bad = |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("articles read: {e}"));
    let part = |i: usize| parts.get(i).map_or("[]", String::as_str);
    let rows: Vec<Listed> = serde_json::from_str(part(0)).map_err(bad)?;
    let state: Vec<(i64, i64, i64)> = serde_json::from_str(part(1)).map_err(bad)?;
    Ok((rows, state.into_iter().next()))
}

/// The newest articles of `scope` after `after`'s id, read in id order
/// through the `(workspace_id, …, id)` indexes.
async fn newest_page(
    db: &Db,
    scope: &Scope,
    after: Option<Position>,
    limit: u64,
) -> AppResult<(Vec<Listed>, Option<String>)> {
    let mut query =
        kb_articles::Entity::find().filter(kb_articles::Column::WorkspaceId.eq(scope.workspace_id));
    if let Some(module) = scope.module {
        query = query.filter(kb_articles::Column::Module.eq(module.as_str()));
    }
    if let Some(visibility) = scope.visibility {
        query = query.filter(kb_articles::Column::Visibility.eq(visibility.as_str()));
    }
    query = match scope.status {
        Some(status) => query.filter(kb_articles::Column::Status.eq(status.as_str())),
        None => query.filter(kb_articles::Column::Status.ne(KbStatus::Archived.as_str())),
    };
    if let Some(p) = after {
        query = query.filter(kb_articles::Column::Id.lt(p.id));
    }
    let query = query
        .order_by_desc(kb_articles::Column::Id)
        .limit(limit + 1);
    let mut rows: Vec<Listed> =
        crate::db::fetch_columns_in_one_row(&db.read, query, LISTED).await?;
    rows.sort_unstable_by_key(|m| std::cmp::Reverse(m.id));
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|m| {
            search::encode_cursor(Position {
                score: 0.0,
                id: m.id,
            })
        })
    } else {
        None
    };
    Ok((rows, next_cursor))
}

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: KbFilter,
    page: PageQuery,
) -> AppResult<Page<KbArticleSummary>> {
    let mode = filter.match_mode.unwrap_or(search::MatchMode::All);
    let terms = search::terms(filter.q.as_deref(), mode)?;
    let scope = Scope {
        mode,
        workspace_id: actor.workspace_id,
        module: filter.module,
        preferred_module: None,
        visibility: filter.visibility,
        status: filter.status,
    };
    let (rows, next_cursor) = search_page(db, scope, terms.as_deref(), &page).await?;
    let terms = terms.unwrap_or_default();
    Ok(Page {
        items: rows
            .iter()
            .map(|m| summary(m, &terms))
            .collect::<AppResult<Vec<_>>>()?,
        next_cursor,
    })
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<kb_articles::Model> {
    kb_articles::Entity::find_by_id(id)
        .filter(kb_articles::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<KbArticle> {
    to_api(&find(&db.read, actor.workspace_id, id).await?)
}

/// A new article's content, already validated.
struct NewArticle {
    module: ErpModule,
    title: String,
    body: String,
    visibility: KbVisibility,
    faq: Vec<FaqEntry>,
    status: KbStatus,
    source_ticket_id: Option<i64>,
}

/// Inserts an article and its audit entry inside `txn`.
async fn insert<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    new: NewArticle,
    now: DateTime<Utc>,
) -> AppResult<KbArticle> {
    let mut model = kb_articles::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        module: Set(new.module.as_str().into()),
        title: Set(new.title.clone()),
        body: Set(new.body.clone()),
        visibility: Set(new.visibility.as_str().into()),
        faq: Set(faq_to_db(&new.faq)?),
        status: Set(new.status.as_str().into()),
        source_ticket_id: Set(new.source_ticket_id),
        author_id: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    set_search_columns(&mut model, &new.title, &new.body, &new.faq);
    let model = model.insert(txn).await?;
    let article = to_api(&model)?;
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "kb_article",
            entity_id: article.id,
            before: None,
            after: Some(&article),
        },
        now,
    )
    .await?;
    Ok(article)
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: CreateKbArticleRequest,
    now: DateTime<Utc>,
) -> AppResult<KbArticle> {
    may_write(actor)?;
    rules::validate_create(&req).map_err(AppError::validation)?;
    let txn = db.write.begin().await?;
    let article = insert(
        &txn,
        actor,
        NewArticle {
            module: req.module,
            title: req.title.trim().to_string(),
            body: req.body,
            visibility: req.visibility.unwrap_or(KbVisibility::Internal),
            faq: clean_faq(req.faq),
            status: req.status.unwrap_or(KbStatus::Draft),
            source_ticket_id: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(article)
}

/// Changes an article; `If-Match` with a stale ETag is a 412.
pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateKbArticleRequest,
    now: DateTime<Utc>,
) -> AppResult<KbArticle> {
    may_write(actor)?;
    let txn = db.write.begin().await?;
    let existing = kb_articles::Entity::find_by_id(id)
        .filter(kb_articles::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api(&existing)?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    rules::validate_update(&req).map_err(AppError::validation)?;

    let title = req
        .title
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| existing.title.clone());
    let body = req.body.unwrap_or_else(|| existing.body.clone());
    let faq = req.faq.map(clean_faq).unwrap_or_else(|| before.faq.clone());
    let mut model: kb_articles::ActiveModel = existing.clone().into();
    if let Some(module) = req.module {
        model.module = Set(module.as_str().into());
    }
    if let Some(visibility) = req.visibility {
        model.visibility = Set(visibility.as_str().into());
    }
    if let Some(status) = req.status {
        model.status = Set(status.as_str().into());
    }
    set_search_columns(&mut model, &title, &body, &faq);
    model.faq = Set(faq_to_db(&faq)?);
    model.title = Set(title);
    model.body = Set(body);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(&txn).await?)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "kb_article",
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

/// Archives an article: it leaves lists and the portal. A later update of
/// its `status` brings it back.
pub async fn archive(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<KbArticle> {
    may_write(actor)?;
    let current = get(db, actor, id).await?;
    if current.status == KbStatus::Archived {
        return Ok(current);
    }
    let req = UpdateKbArticleRequest {
        status: Some(KbStatus::Archived),
        ..Default::default()
    };
    update(db, actor, id, None, req, now).await
}

pub async fn portal_search(
    db: &Db,
    actor: &PortalActor,
    filter: PortalKbFilter,
    page: PageQuery,
) -> AppResult<Page<PortalKbArticle>> {
    let mode = filter.match_mode.unwrap_or(search::MatchMode::Any);
    let terms = search::terms(filter.q.as_deref(), mode)?;
    // A question goes to every module, the chosen one first (a customer
    // often picks the wrong one); browsing without one lists that module.
    let (module, preferred_module) = match terms {
        Some(_) => (None, filter.module),
        None => (filter.module, None),
    };
    let scope = Scope {
        mode,
        workspace_id: actor.workspace_id,
        module,
        preferred_module,
        visibility: Some(KbVisibility::Public),
        status: Some(KbStatus::Published),
    };
    let (rows, next_cursor) = search_page(db, scope, terms.as_deref(), &page).await?;
    let terms = terms.unwrap_or_default();
    Ok(Page {
        items: rows
            .iter()
            .map(|m| portal_hit(m, &terms))
            .collect::<AppResult<Vec<_>>>()?,
        next_cursor,
    })
}

/// A published public article; anything else answers 404.
pub async fn portal_get(db: &Db, actor: &PortalActor, id: i64) -> AppResult<PortalKbArticle> {
    let model = find(&db.read, actor.workspace_id, id).await?;
    if visibility_of(&model)? != KbVisibility::Public || status_of(&model)? != KbStatus::Published {
        return Err(AppError::NotFound);
    }
    to_portal(&model, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_holds_title_plain_body_and_faq_lower_cased() {
        let faq = vec![FaqEntry {
            question: "How to UNDO an approval?".into(),
            answer: "反审核".into(),
        }];
        let text = search_text("销售订单 Review", "**客户**订单", &faq);
        assert_eq!(
            text,
            "销售订单 review\n客户订单\n\nhow to undo an approval?\n反审核"
        );
    }
}
