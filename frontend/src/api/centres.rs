//! `/service-centres`, `/centre-invitations`, `/vendors`, linked tickets
//! (`/tickets/{id}/escalate-to-vendor`, `/tickets/{id}/centre-link`),
//! certifications and `/settings/routing`.

use gloo_net::http::Method;
use shared::centres::{
    AcceptCentreInvitation, AssignAccountRequest, CentreAccount, Certification,
    CertificationRequest, CreateCentreInvitation, EscalateToVendorRequest, InvitationPreview,
    RoutingSettings, ServiceCentre, TicketBridge, VendorLink,
};

use super::client::{call, decode, exchange, json, ApiErr, Call};

pub async fn list() -> Result<Vec<ServiceCentre>, ApiErr> {
    decode(&call(Method::GET, "/service-centres".into(), None).await?)
}

pub async fn invite(req: &CreateCentreInvitation) -> Result<ServiceCentre, ApiErr> {
    decode(&call(Method::POST, "/service-centres".into(), json(req)?).await?)
}

pub async fn revoke(id: i64) -> Result<ServiceCentre, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/service-centres/{id}/revoke"),
            json(&())?,
        )
        .await?,
    )
}

pub async fn accounts(id: i64) -> Result<Vec<CentreAccount>, ApiErr> {
    decode(&call(Method::GET, format!("/service-centres/{id}/accounts"), None).await?)
}

pub async fn assign(id: i64, account_id: i64) -> Result<CentreAccount, ApiErr> {
    let req = AssignAccountRequest { account_id };
    decode(
        &call(
            Method::POST,
            format!("/service-centres/{id}/accounts"),
            json(&req)?,
        )
        .await?,
    )
}

pub async fn unassign(id: i64, account_id: i64) -> Result<(), ApiErr> {
    call(
        Method::DELETE,
        format!("/service-centres/{id}/accounts/{account_id}"),
        None,
    )
    .await?;
    Ok(())
}

/// Who invites, as what; needs no session.
pub async fn preview(token: &str) -> Result<InvitationPreview, ApiErr> {
    let req = AcceptCentreInvitation {
        token: token.to_string(),
    };
    decode(
        &exchange(
            Call::new(Method::POST, "/centre-invitations/preview").json(&req)?,
            false,
        )
        .await?,
    )
}

pub async fn accept(token: &str) -> Result<VendorLink, ApiErr> {
    let req = AcceptCentreInvitation {
        token: token.to_string(),
    };
    decode(
        &call(
            Method::POST,
            "/centre-invitations/accept".into(),
            json(&req)?,
        )
        .await?,
    )
}

pub async fn vendors() -> Result<Vec<VendorLink>, ApiErr> {
    decode(&call(Method::GET, "/vendors".into(), None).await?)
}

pub async fn escalate(ticket: i64, req: &EscalateToVendorRequest) -> Result<TicketBridge, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/tickets/{ticket}/escalate-to-vendor"),
            json(req)?,
        )
        .await?,
    )
}

pub async fn link(ticket: i64) -> Result<Option<TicketBridge>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{ticket}/centre-link"), None).await?)
}

pub async fn certifications(user: i64) -> Result<Vec<Certification>, ApiErr> {
    decode(&call(Method::GET, format!("/users/{user}/certifications"), None).await?)
}

pub async fn certify(user: i64, req: &CertificationRequest) -> Result<Certification, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/users/{user}/certifications"),
            json(req)?,
        )
        .await?,
    )
}

pub async fn delete_certification(id: i64) -> Result<(), ApiErr> {
    call(Method::DELETE, format!("/certifications/{id}"), None).await?;
    Ok(())
}

pub async fn routing() -> Result<RoutingSettings, ApiErr> {
    decode(&call(Method::GET, "/settings/routing".into(), None).await?)
}

pub async fn save_routing(req: &RoutingSettings) -> Result<RoutingSettings, ApiErr> {
    decode(&call(Method::PUT, "/settings/routing".into(), json(req)?).await?)
}
