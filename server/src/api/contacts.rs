//! `/accounts/{id}/contacts` and `/contacts/{id}`.

use super::body::Json;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use shared::accounts::{Contact, CreateContactRequest, PortalAccessRequest, UpdateContactRequest};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::accounts::contacts as domain;
use crate::domain::common::pagination::PageQuery;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_contacts)
        .service(create_contact)
        .service(get_contact)
        .service(update_contact)
        .service(archive_contact)
        .service(portal_access);
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
struct ContactFilter {
    /// Include archived contacts (default `false`).
    include_archived: Option<bool>,
}

#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Account id"), ContactFilter, PageQuery),
    responses((status = 200, body = Page<Contact>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/contacts")]
async fn list_contacts(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    filter: web::Query<ContactFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Contact>>> {
    Ok(web::Json(
        domain::list(
            &state.db,
            &actor,
            *id,
            filter.include_archived.unwrap_or(false),
            page.into_inner(),
        )
        .await?,
    ))
}

#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Account id")),
    request_body = CreateContactRequest,
    responses(
        (status = 201, body = Contact),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/contacts")]
async fn create_contact(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreateContactRequest>,
) -> AppResult<HttpResponse> {
    let contact =
        domain::create(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(contact))
}

#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 200, body = Contact), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/contacts/{id}")]
async fn get_contact(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Contact>> {
    Ok(web::Json(domain::get(&state.db, &actor, *id).await?))
}

#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    request_body = UpdateContactRequest,
    responses(
        (status = 200, body = Contact),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/contacts/{id}")]
async fn update_contact(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<UpdateContactRequest>,
) -> AppResult<web::Json<Contact>> {
    Ok(web::Json(
        domain::update(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?,
    ))
}

/// Archives a contact; a portal login it had is deactivated.
#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses((status = 200, body = Contact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/contacts/{id}/archive")]
async fn archive_contact(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Contact>> {
    Ok(web::Json(
        domain::archive(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}

/// Gives the contact a portal login (`customer` or `customer_admin`).
#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    request_body = PortalAccessRequest,
    responses(
        (status = 200, body = Contact),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "This workspace has a login with the address already", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "The workspace's daily e-mail quota would be passed; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/contacts/{id}/portal-access")]
async fn portal_access(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<PortalAccessRequest>,
) -> AppResult<web::Json<Contact>> {
    Ok(web::Json(
        domain::grant_portal_access(&state, &actor, *id, body.into_inner()).await?,
    ))
}
