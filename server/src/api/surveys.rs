//! `/surveys`: NPS campaigns (staff), and `/portal/surveys/{token}`: the
//! one-time answer link, which needs no login (the token is the
//! credential).

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use shared::surveys::{CreateSurveyRequest, PortalSurvey, Survey, SurveyAnswer, SurveyDetail};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::rate_limit::Public;
use crate::auth::{ClientIp, StaffActor};
use crate::domain::common::pagination::PageQuery;
use crate::domain::surveys as domain;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_survey)
        .service(list_surveys)
        .service(get_survey)
        .service(portal_get_survey)
        .service(portal_answer_survey);
}

/// Creates a campaign and e-mails each chosen contact a one-time link to
/// `/portal/surveys/{token}` (admin, manager; a CSM for the contacts of
/// their own accounts).
#[utoipa::path(
    tag = "surveys",
    request_body = CreateSurveyRequest,
    responses(
        (status = 201, body = Survey),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "The workspace's daily e-mail quota would be passed; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/surveys")]
async fn create_survey(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateSurveyRequest>,
) -> AppResult<HttpResponse> {
    let survey = domain::create(&state, &actor, body.into_inner()).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(survey))
}

/// Campaigns, newest first, with recipients and NPS.
#[utoipa::path(
    tag = "surveys",
    params(PageQuery),
    responses(
        (status = 200, body = Page<Survey>),
        (status = 403, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/surveys")]
async fn list_surveys(
    state: web::Data<AppState>,
    actor: StaffActor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Survey>>> {
    Ok(web::Json(
        domain::list(&state, &actor, page.into_inner()).await?,
    ))
}

/// A campaign with every recipient's answer and the NPS (promoters 9–10
/// minus detractors 0–6, in percent).
#[utoipa::path(
    tag = "surveys",
    params(("id" = i64, Path, description = "Survey id")),
    responses(
        (status = 200, body = SurveyDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/surveys/{id}")]
async fn get_survey(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<SurveyDetail>> {
    Ok(web::Json(domain::get(&state, &actor, *id).await?))
}

/// The question behind a one-time link (no login). Unknown token: 404.
#[utoipa::path(
    tag = "portal",
    params(("token" = String, Path, description = "The link's token")),
    responses(
        (status = 200, body = PortalSurvey),
        (status = 404, body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[get("/portal/surveys/{token}")]
async fn portal_get_survey(
    state: web::Data<AppState>,
    ip: ClientIp,
    token: web::Path<String>,
) -> AppResult<web::Json<PortalSurvey>> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    Ok(web::Json(domain::portal_get(&state, &token).await?))
}

/// Answers once (no login): score 0–10 and an optional comment. A second
/// answer is 409; an unknown token 404.
#[utoipa::path(
    tag = "portal",
    params(("token" = String, Path, description = "The link's token")),
    request_body = SurveyAnswer,
    responses(
        (status = 200, body = PortalSurvey),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/portal/surveys/{token}")]
async fn portal_answer_survey(
    state: web::Data<AppState>,
    ip: ClientIp,
    token: web::Path<String>,
    body: Json<SurveyAnswer>,
) -> AppResult<web::Json<PortalSurvey>> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    let answer = body.into_inner();
    let score = answer.score;
    let (answered, account) = domain::portal_answer(&state, &token, answer).await?;
    super::playbook_events::after_answer(&state, account, score).await;
    Ok(web::Json(answered))
}
