//! `/service-centres`: a vendor's authorised service centres (invite,
//! revoke, assigned accounts, roll-ups); `/centre-invitations/*`: a
//! centre's admin previews and accepts an invitation; `/vendors`: the
//! vendors that authorised this workspace; `/tickets/{id}/escalate-to-vendor`
//! and `/tickets/{id}/centre-link`: linked tickets; certifications and the
//! routing setting.

use super::body::Json;
use actix_web::{delete, get, post, put, web, HttpResponse};
use shared::centres::{
    AcceptCentreInvitation, AssignAccountRequest, CentreAccount, Certification,
    CertificationRequest, CreateCentreInvitation, EscalateToVendorRequest, InvitationPreview,
    RoutingSettings, ServiceCentre, TicketBridge, VendorLink,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::rate_limit::Public;
use crate::auth::{ClientIp, StaffActor};
use crate::domain::centres::{self as domain, accounts, certifications, escalation};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_centres)
        .service(invite_centre)
        .service(get_centre)
        .service(revoke_centre)
        .service(list_centre_accounts)
        .service(assign_centre_account)
        .service(unassign_centre_account)
        .service(preview_invitation)
        .service(accept_invitation)
        .service(list_vendors)
        .service(escalate_to_vendor)
        .service(centre_link)
        .service(list_certifications)
        .service(create_certification)
        .service(delete_certification)
        .service(get_routing)
        .service(put_routing);
}

/// The vendor's service centres with their roll-ups (admin, manager).
#[utoipa::path(
    tag = "service_centres",
    responses((status = 200, body = Vec<ServiceCentre>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/service-centres")]
async fn list_centres(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<ServiceCentre>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, state.clock.now()).await?,
    ))
}

/// Invites a partner workspace as an authorised centre (admin); the answer
/// carries the one-time acceptance link, shown once.
#[utoipa::path(
    tag = "service_centres",
    request_body = CreateCentreInvitation,
    responses(
        (status = 201, body = ServiceCentre),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/service-centres")]
async fn invite_centre(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateCentreInvitation>,
) -> AppResult<HttpResponse> {
    let centre = domain::invite(&state, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(centre))
}

#[utoipa::path(
    tag = "service_centres",
    params(("id" = i64, Path, description = "Service centre (link) id")),
    responses((status = 200, body = ServiceCentre), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/service-centres/{id}")]
async fn get_centre(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<ServiceCentre>> {
    Ok(web::Json(
        domain::get(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}

/// Revokes an invitation or an authorisation (admin).
#[utoipa::path(
    tag = "service_centres",
    params(("id" = i64, Path, description = "Service centre (link) id")),
    responses(
        (status = 200, body = ServiceCentre),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/service-centres/{id}/revoke")]
async fn revoke_centre(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<ServiceCentre>> {
    Ok(web::Json(domain::revoke(&state, &actor, *id).await?))
}

/// The vendor accounts assigned to a centre (admin, manager).
#[utoipa::path(
    tag = "service_centres",
    params(("id" = i64, Path, description = "Service centre (link) id")),
    responses((status = 200, body = Vec<CentreAccount>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/service-centres/{id}/accounts")]
async fn list_centre_accounts(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<CentreAccount>>> {
    Ok(web::Json(accounts::list(&state.db, &actor, *id).await?))
}

/// Assigns a vendor account to an active centre (admin, manager): the
/// centre gets its own linked copy of the account to serve.
#[utoipa::path(
    tag = "service_centres",
    params(("id" = i64, Path, description = "Service centre (link) id")),
    request_body = AssignAccountRequest,
    responses(
        (status = 201, body = CentreAccount),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already with a centre, or the centre has the code", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/service-centres/{id}/accounts")]
async fn assign_centre_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<AssignAccountRequest>,
) -> AppResult<HttpResponse> {
    let assigned = accounts::assign(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(assigned))
}

/// Ends an account's assignment (admin, manager); the centre keeps its copy.
#[utoipa::path(
    tag = "service_centres",
    params(
        ("id" = i64, Path, description = "Service centre (link) id"),
        ("account_id" = i64, Path, description = "The vendor's account id"),
    ),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/service-centres/{id}/accounts/{account_id}")]
async fn unassign_centre_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, account_id) = path.into_inner();
    accounts::unassign(&state, &actor, id, account_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who invites, as what: shown by the acceptance page before sign-in.
#[utoipa::path(
    tag = "service_centres",
    request_body = AcceptCentreInvitation,
    responses(
        (status = 200, body = InvitationPreview),
        (status = 422, description = "Invalid, used, revoked or expired link", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
#[post("/centre-invitations/preview")]
async fn preview_invitation(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<AcceptCentreInvitation>,
) -> AppResult<web::Json<InvitationPreview>> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    Ok(web::Json(
        domain::preview(&state.db, &body.token, state.clock.now()).await?,
    ))
}

/// Accepts a vendor's invitation for the signed-in admin's workspace.
#[utoipa::path(
    tag = "service_centres",
    request_body = AcceptCentreInvitation,
    responses(
        (status = 200, body = VendorLink),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/centre-invitations/accept")]
async fn accept_invitation(
    state: web::Data<AppState>,
    actor: StaffActor,
    ip: ClientIp,
    body: Json<AcceptCentreInvitation>,
) -> AppResult<web::Json<VendorLink>> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    Ok(web::Json(
        domain::accept(&state, &actor, body.into_inner()).await?,
    ))
}

/// The vendors that authorised this workspace as a service centre.
#[utoipa::path(
    tag = "service_centres",
    responses((status = 200, body = Vec<VendorLink>)),
    security(("bearer" = []))
)]
#[get("/vendors")]
async fn list_vendors(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<VendorLink>>> {
    Ok(web::Json(
        domain::vendors(&state.db, &actor, state.clock.now()).await?,
    ))
}

/// Escalates a tier-3 ticket of an assigned account to the vendor (the
/// centre's admins and managers): a linked ticket opens in the vendor's
/// workspace with the public conversation and what is shared.
#[utoipa::path(
    tag = "service_centres",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = EscalateToVendorRequest,
    responses(
        (status = 201, body = TicketBridge),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/escalate-to-vendor")]
async fn escalate_to_vendor(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<EscalateToVendorRequest>,
) -> AppResult<HttpResponse> {
    let bridge = escalation::escalate_to_vendor(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(bridge))
}

/// The ticket's linked ticket across a vendor and its centre (`null`: none).
#[utoipa::path(
    tag = "service_centres",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Option<TicketBridge>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/centre-link")]
async fn centre_link(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Option<TicketBridge>>> {
    Ok(web::Json(
        escalation::ticket_bridge(&state.db, &actor, *id).await?,
    ))
}

/// A staff member's module certifications (any staff member).
#[utoipa::path(
    tag = "certifications",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Vec<Certification>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/users/{id}/certifications")]
async fn list_certifications(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Certification>>> {
    Ok(web::Json(
        certifications::list(&state.db, &actor, *id).await?,
    ))
}

/// Certifies a staff member for a module until a date (admin).
#[utoipa::path(
    tag = "certifications",
    params(("id" = i64, Path, description = "User id")),
    request_body = CertificationRequest,
    responses(
        (status = 201, body = Certification),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/certifications")]
async fn create_certification(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CertificationRequest>,
) -> AppResult<HttpResponse> {
    let created = certifications::create(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    tag = "certifications",
    params(("id" = i64, Path, description = "Certification id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/certifications/{id}")]
async fn delete_certification(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    certifications::delete(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether routing and escalation assign only certified engineers.
#[utoipa::path(
    tag = "certifications",
    responses((status = 200, body = RoutingSettings)),
    security(("bearer" = []))
)]
#[get("/settings/routing")]
async fn get_routing(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<RoutingSettings>> {
    Ok(web::Json(
        certifications::routing_settings(&state.db, &actor).await?,
    ))
}

/// Turns "only certified engineers" on or off (admin).
#[utoipa::path(
    tag = "certifications",
    request_body = RoutingSettings,
    responses(
        (status = 200, body = RoutingSettings),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/settings/routing")]
async fn put_routing(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<RoutingSettings>,
) -> AppResult<web::Json<RoutingSettings>> {
    Ok(web::Json(
        certifications::set_routing_settings(&state, &actor, body.into_inner()).await?,
    ))
}
