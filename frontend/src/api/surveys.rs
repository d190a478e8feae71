//! `/surveys` and `/portal/surveys/{token}`: NPS survey campaigns (staff)
//! and the one-time answer link (public, no login).

use gloo_net::http::Method;
use shared::surveys::{CreateSurveyRequest, PortalSurvey, Survey, SurveyAnswer, SurveyDetail};
use shared::Page;

use super::client::{call, decode, exchange, json, ApiErr, Call};
use crate::logic::query::page_query;

/// Campaigns per page of the list.
pub const PAGE: u64 = 25;

pub async fn list(cursor: Option<&str>) -> Result<Page<Survey>, ApiErr> {
    let path = format!("/surveys{}", page_query(PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

/// Creates a campaign; the server e-mails each contact their link.
pub async fn create(req: &CreateSurveyRequest) -> Result<Survey, ApiErr> {
    decode(&call(Method::POST, "/surveys".into(), json(req)?).await?)
}

pub async fn get(id: i64) -> Result<SurveyDetail, ApiErr> {
    decode(&call(Method::GET, format!("/surveys/{id}"), None).await?)
}

/// The question behind a one-time link. Not a session call: whoever opens
/// the link may be signed out (or signed in as someone else), and the token
/// is the only credential.
pub async fn by_token(token: &str) -> Result<PortalSurvey, ApiErr> {
    let call = Call::new(Method::GET, format!("/portal/surveys/{token}"));
    decode(&exchange(call, false).await?)
}

/// Answers once; a second answer is 409, an unknown token 404.
pub async fn answer(token: &str, answer: &SurveyAnswer) -> Result<PortalSurvey, ApiErr> {
    let call = Call::new(Method::POST, format!("/portal/surveys/{token}")).json(answer)?;
    decode(&exchange(call, false).await?)
}
