//! NPS surveys. A campaign (name, question in Chinese and English, chosen
//! contacts) e-mails each contact a one-time link to
//! `/portal/surveys/{token}`; the token is random (32 bytes) and only its
//! SHA-256 is stored. Answering (score 0–10, comment) needs no login and
//! works once: a conditional update claims the unanswered row, so two
//! concurrent answers cannot both count (the second is a 409).
//!
//! Admins and managers survey any contact of the workspace; a CSM the
//! contacts of the accounts they own; engineers and portal users do not
//! run campaigns. The answers feed the health score's satisfaction
//! component (`health::inputs`) and the dashboard's NPS (`recent_nps`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::surveys::{
    CreateSurveyRequest, NpsSummary, PortalSurvey, Survey, SurveyAnswer, SurveyDetail,
    SurveyResponse, MAX_COMMENT_LEN, MAX_QUESTION_LEN, MAX_SURVEY_CONTACTS,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::validation::{self, Collector};
use shared::{Page, Role};

use crate::auth::tokens::{hash_token, random_token};
use crate::auth::StaffActor;
use crate::domain::accounts::timeline::{self, mail_customer, CustomerMail, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::domain::common::portfolio::owned_accounts;
use crate::entity::{accounts, contacts, survey_recipients, surveys, workspaces};
use crate::error::{AppError, AppResult};
use crate::mail::letters::surveys as survey_letters;
use crate::state::AppState;

fn to_api(m: &surveys::Model, recipients: u64, summary: NpsSummary) -> Survey {
    Survey {
        id: m.id,
        name: m.name.clone(),
        question_zh: m.question_zh.clone(),
        question_en: m.question_en.clone(),
        created_by: m.created_by,
        created_at: m.created_at,
        recipients,
        summary,
    }
}

/// Recipients and score counts of the given surveys.
/// Recipients and NPS per campaign; for a CSM (`owner`), over the contacts
/// of the accounts they own only, as in the campaign's own page.
async fn tallies<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ids: &[i64],
    owner: Option<i64>,
) -> AppResult<HashMap<i64, (u64, NpsSummary)>> {
    let mut out: HashMap<i64, (u64, NpsSummary)> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut query = survey_recipients::Entity::find();
    if let Some(owner) = owner {
        query = query.filter(
            survey_recipients::Column::AccountId.in_subquery(owned_accounts(workspace_id, owner)),
        );
    }
    let rows = query
        .select_only()
        .column(survey_recipients::Column::SurveyId)
        .column(survey_recipients::Column::Score)
        .column_as(survey_recipients::Column::Id.count(), "n")
        .filter(survey_recipients::Column::WorkspaceId.eq(workspace_id))
        .filter(survey_recipients::Column::SurveyId.is_in(ids.to_vec()))
        .group_by(survey_recipients::Column::SurveyId)
        .group_by(survey_recipients::Column::Score)
        .into_tuple::<(i64, Option<i32>, i64)>()
        .all(conn)
        .await?;
    for (survey_id, score, n) in rows {
        let entry = out.entry(survey_id).or_default();
        let n = u64::try_from(n).unwrap_or(0);
        entry.0 += n;
        if let Some(score) = score {
            entry.1.add_n(score, n);
        }
    }
    Ok(out)
}

fn may_run(actor: &StaffActor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm])
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateSurveyRequest,
) -> AppResult<Survey> {
    may_run(actor)?;
    let mut c = Collector::default();
    c.check(
        "name",
        validation::required_text(&req.name, validation::MAX_NAME_LEN),
    )
    .check(
        "question_zh",
        validation::required_text(&req.question_zh, MAX_QUESTION_LEN),
    )
    .check(
        "question_en",
        validation::required_text(&req.question_en, MAX_QUESTION_LEN),
    );
    let mut fields = c.fields;
    let ids: BTreeSet<i64> = req.contact_ids.iter().copied().collect();
    if ids.is_empty() {
        fields.insert("contact_ids".into(), "choose at least one contact".into());
    } else if ids.len() > MAX_SURVEY_CONTACTS {
        fields.insert(
            "contact_ids".into(),
            format!("at most {MAX_SURVEY_CONTACTS} contacts per survey"),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let ws = actor.workspace_id;
    let db = &state.db;
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut found: Vec<contacts::Model> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        found.extend(
            contacts::Entity::find()
                .filter(contacts::Column::WorkspaceId.eq(ws))
                .filter(contacts::Column::Archived.eq(false))
                .filter(contacts::Column::Id.is_in(chunk.to_vec()))
                .all(&db.read)
                .await?,
        );
    }
    let known: BTreeSet<i64> = found.iter().map(|c| c.id).collect();
    // Another workspace's contact is as unknown as one that does not exist.
    if let Some(missing) = ids.iter().find(|id| !known.contains(id)) {
        return Err(AppError::field(
            "contact_ids",
            format!("contact {missing} does not exist"),
        ));
    }
    if let Some(no_mail) = found
        .iter()
        .find(|c| c.email.as_deref().is_none_or(|e| e.trim().is_empty()))
    {
        return Err(AppError::field(
            "contact_ids",
            format!("contact {} has no e-mail address", no_mail.id),
        ));
    }
    let account_ids: BTreeSet<i64> = found.iter().map(|c| c.account_id).collect();
    let account_rows = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(ws))
        .filter(accounts::Column::Id.is_in(account_ids.iter().copied().collect::<Vec<_>>()))
        .all(&db.read)
        .await?;
    if actor.role == Role::Csm
        && account_rows
            .iter()
            .any(|a| a.owner_id != Some(actor.user_id))
    {
        return Err(AppError::Forbidden(
            "a CSM surveys the contacts of the accounts they own".into(),
        ));
    }
    let workspace = workspaces::Entity::find_by_id(ws)
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;

    let now = state.clock.now();
    let base = state.config.public_url.trim_end_matches('/').to_string();
    crate::mail::quota::check(&db.read, state, ws, found.len() as u64, now).await?;
    let txn = db.write.begin().await?;
    let survey = surveys::ActiveModel {
        workspace_id: Set(ws),
        name: Set(req.name.trim().to_string()),
        question_zh: Set(req.question_zh.trim().to_string()),
        question_en: Set(req.question_en.trim().to_string()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for contact in &found {
        let token = random_token(32);
        let email = contact.email.clone().unwrap_or_default();
        survey_recipients::ActiveModel {
            workspace_id: Set(ws),
            survey_id: Set(survey.id),
            account_id: Set(contact.account_id),
            contact_id: Set(contact.id),
            email: Set(email.clone()),
            token_hash: Set(hash_token(&token)),
            score: Set(None),
            comment: Set(None),
            responded_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let letter = survey_letters::invitation(
            &workspace.name,
            &contact.name,
            &survey.name,
            (&survey.question_zh, &survey.question_en),
            &format!("{base}/portal/surveys/{token}"),
        );
        let mail = letter.into_mail(
            Some(ws),
            email,
            Some(format!("survey:{}:contact:{}", survey.id, contact.id)),
        );
        let to = CustomerMail {
            account_id: contact.account_id,
            actor_id: Some(actor.user_id),
            about: Some(("survey", survey.id)),
        };
        mail_customer(&txn, &state.mailer, mail, None, to, now).await?;
    }
    let recipients = found.len() as u64;
    let api = to_api(&survey, recipients, NpsSummary::default());
    audit::record(
        &txn,
        Change {
            workspace_id: ws,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "survey",
            entity_id: survey.id,
            before: None,
            after: Some(&api),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(api)
}

/// Campaigns of the workspace, newest first.
pub async fn list(
    state: &AppState,
    actor: &StaffActor,
    page: PageQuery,
) -> AppResult<Page<Survey>> {
    may_run(actor)?;
    let params = page.params()?;
    let mut query = surveys::Entity::find()
        .filter(surveys::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(surveys::Column::Id)
        .limit(params.limit + 1);
    if let Some(before) = params.before_id {
        query = query.filter(surveys::Column::Id.lt(before));
    }
    let rows = query.all(&state.db.read).await?;
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let owner = (actor.role == Role::Csm).then_some(actor.user_id);
    let mut tallies = tallies(&state.db.read, actor.workspace_id, &ids, owner).await?;
    Ok(page_of(
        rows,
        params,
        |s| s.id,
        |s| {
            let (n, summary) = tallies.remove(&s.id).unwrap_or_default();
            to_api(&s, n, summary)
        },
    ))
}

/// One campaign with every recipient's answer. A CSM sees the answers of
/// their own accounts' contacts only (the NPS is over those, too).
pub async fn get(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<SurveyDetail> {
    may_run(actor)?;
    let ws = actor.workspace_id;
    let conn = &state.db.read;
    let survey = surveys::Entity::find_by_id(id)
        .filter(surveys::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut query = survey_recipients::Entity::find()
        .filter(survey_recipients::Column::WorkspaceId.eq(ws))
        .filter(survey_recipients::Column::SurveyId.eq(id))
        .order_by_asc(survey_recipients::Column::Id);
    if actor.role == Role::Csm {
        query = query.filter(
            survey_recipients::Column::AccountId.in_subquery(owned_accounts(ws, actor.user_id)),
        );
    }
    let rows = query.all(conn).await?;
    let contact_ids: Vec<i64> = rows.iter().map(|r| r.contact_id).collect();
    let account_ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let mut contact_names: HashMap<i64, String> = HashMap::new();
    for chunk in contact_ids.chunks(500) {
        contact_names.extend(
            contacts::Entity::find()
                .filter(contacts::Column::WorkspaceId.eq(ws))
                .filter(contacts::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
                .into_iter()
                .map(|c| (c.id, c.name)),
        );
    }
    let mut account_names: HashMap<i64, String> = HashMap::new();
    for chunk in account_ids.chunks(500) {
        account_names.extend(
            accounts::Entity::find()
                .filter(accounts::Column::WorkspaceId.eq(ws))
                .filter(accounts::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name)),
        );
    }
    let summary = NpsSummary::of(rows.iter().filter_map(|r| r.score));
    let responses = rows
        .iter()
        .map(|r| SurveyResponse {
            contact_id: r.contact_id,
            contact_name: contact_names
                .get(&r.contact_id)
                .cloned()
                .unwrap_or_default(),
            account_id: r.account_id,
            account_name: account_names
                .get(&r.account_id)
                .cloned()
                .unwrap_or_default(),
            score: r.score,
            comment: r.comment.clone(),
            responded_at: r.responded_at,
        })
        .collect();
    Ok(SurveyDetail {
        survey: to_api(&survey, rows.len() as u64, summary),
        responses,
    })
}

/// The recipient and survey behind a link. A link dies after
/// `survey_link_ttl_days`, and at once when its contact is archived (a
/// forwarded link must not outlive the relationship).
async fn by_token<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    token: &str,
) -> AppResult<(survey_recipients::Model, surveys::Model)> {
    if token.is_empty() || token.len() > 128 {
        return Err(AppError::NotFound);
    }
    let recipient = survey_recipients::Entity::find()
        .filter(survey_recipients::Column::TokenHash.eq(hash_token(token)))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let expires = recipient.created_at + chrono::Duration::days(state.config.survey_link_ttl_days);
    if expires <= state.clock.now() {
        return Err(AppError::NotFound);
    }
    let contact_archived = crate::entity::contacts::Entity::find_by_id(recipient.contact_id)
        .one(conn)
        .await?
        .is_none_or(|contact| contact.archived);
    if contact_archived {
        return Err(AppError::NotFound);
    }
    let survey = surveys::Entity::find_by_id(recipient.survey_id)
        .filter(surveys::Column::WorkspaceId.eq(recipient.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((recipient, survey))
}

/// What the link shows, without a login.
pub async fn portal_get(state: &AppState, token: &str) -> AppResult<PortalSurvey> {
    let (recipient, survey) = by_token(&state.db.read, state, token).await?;
    Ok(PortalSurvey {
        question_zh: survey.question_zh,
        question_en: survey.question_en,
        answered: recipient.responded_at.is_some(),
    })
}

/// Records the answer once; a second answer is a 409. Returns the survey as
/// the portal shows it and the (workspace, account) of the contact who
/// answered.
pub async fn portal_answer(
    state: &AppState,
    token: &str,
    answer: SurveyAnswer,
) -> AppResult<(PortalSurvey, (i64, i64))> {
    let mut fields = shared::FieldErrors::new();
    if !(0..=10).contains(&answer.score) {
        fields.insert("score".into(), "must be between 0 and 10".into());
    }
    let comment = crate::domain::common::clean_optional(answer.comment);
    if let Some(c) = &comment {
        if c.chars().count() > MAX_COMMENT_LEN {
            fields.insert(
                "comment".into(),
                format!("must be at most {MAX_COMMENT_LEN} characters"),
            );
        }
    }
    let (recipient, survey) = by_token(&state.db.read, state, token).await?;
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let claimed = survey_recipients::Entity::update_many()
        .col_expr(survey_recipients::Column::Score, Expr::value(answer.score))
        .col_expr(
            survey_recipients::Column::Comment,
            Expr::value(comment.clone()),
        )
        .col_expr(survey_recipients::Column::RespondedAt, Expr::value(now))
        .filter(survey_recipients::Column::Id.eq(recipient.id))
        .filter(survey_recipients::Column::RespondedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict {
            message: "this survey has already been answered".into(),
            fields: Default::default(),
        });
    }
    crate::domain::integrations::events::emit(
        &txn,
        recipient.workspace_id,
        shared::integrations::EventType::SurveyAnswered,
        serde_json::json!({
            "survey": { "id": survey.id, "name": survey.name },
            "response": {
                "id": recipient.id,
                "contact_id": recipient.contact_id,
                "score": answer.score,
                "comment": comment,
            },
            "account": crate::domain::integrations::events::account_of(
                &txn,
                recipient.workspace_id,
                recipient.account_id,
            )
            .await?,
        }),
        now,
    )
    .await?;
    #[derive(serde::Serialize)]
    struct Answered {
        survey_id: i64,
        contact_id: i64,
        account_id: i64,
        score: i32,
        comment: Option<String>,
    }
    audit::record(
        &txn,
        Change {
            workspace_id: recipient.workspace_id,
            actor_id: None,
            action: "answer",
            entity_type: "survey_response",
            entity_id: recipient.id,
            before: None,
            after: Some(&Answered {
                survey_id: recipient.survey_id,
                contact_id: recipient.contact_id,
                account_id: recipient.account_id,
                score: answer.score,
                comment: comment.clone(),
            }),
        },
        now,
    )
    .await?;
    let summary = Msg::new(T::TimelineSurvey)
        .with("score", answer.score)
        .with("survey", &survey.name)
        .en();
    // Answered through the mailed link: no login acts.
    let event = NewEvent {
        workspace_id: recipient.workspace_id,
        account_id: recipient.account_id,
        kind: TimelineKind::SurveyAnswered,
        occurred_at: now,
        actor_id: None,
        summary,
        body: comment,
        entity: Some(("survey_response", recipient.id)),
    };
    timeline::record(&txn, event, now).await?;
    txn.commit().await?;
    state.integrations.kick();
    Ok((
        PortalSurvey {
            question_zh: survey.question_zh,
            question_en: survey.question_en,
            answered: true,
        },
        (recipient.workspace_id, recipient.account_id),
    ))
}

/// NPS of an account's answers to the latest survey it answered, or `None`
/// when none of its contacts ever answered.
pub async fn latest_nps<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<Option<NpsSummary>> {
    let latest = survey_recipients::Entity::find()
        .filter(survey_recipients::Column::WorkspaceId.eq(workspace_id))
        .filter(survey_recipients::Column::AccountId.eq(account_id))
        .filter(survey_recipients::Column::RespondedAt.is_not_null())
        .order_by_desc(survey_recipients::Column::RespondedAt)
        .one(conn)
        .await?;
    let Some(latest) = latest else {
        return Ok(None);
    };
    let scores = survey_recipients::Entity::find()
        .select_only()
        .column(survey_recipients::Column::Score)
        .filter(survey_recipients::Column::WorkspaceId.eq(workspace_id))
        .filter(survey_recipients::Column::AccountId.eq(account_id))
        .filter(survey_recipients::Column::SurveyId.eq(latest.survey_id))
        .filter(survey_recipients::Column::Score.is_not_null())
        .into_tuple::<Option<i32>>()
        .all(conn)
        .await?;
    Ok(Some(NpsSummary::of(scores.into_iter().flatten())))
}

/// NPS over the answers since `since`, of the workspace or of one owner's
/// accounts (the dashboard).
pub async fn recent_nps<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    owner: Option<i64>,
    since: DateTime<Utc>,
) -> AppResult<NpsSummary> {
    let mut query = survey_recipients::Entity::find()
        .select_only()
        .column(survey_recipients::Column::Score)
        .column_as(survey_recipients::Column::Id.count(), "n")
        .filter(survey_recipients::Column::WorkspaceId.eq(workspace_id))
        .filter(survey_recipients::Column::RespondedAt.gte(since))
        .filter(survey_recipients::Column::Score.is_not_null())
        .group_by(survey_recipients::Column::Score);
    if let Some(owner) = owner {
        query = query.filter(
            survey_recipients::Column::AccountId.in_subquery(owned_accounts(workspace_id, owner)),
        );
    }
    let mut summary = NpsSummary::default();
    for (score, n) in query.into_tuple::<(Option<i32>, i64)>().all(conn).await? {
        if let Some(score) = score {
            summary.add_n(score, u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(summary)
}
