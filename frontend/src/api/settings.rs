//! `/settings/workspace`: the workspace's settings.

use gloo_net::http::Method;
use shared::settings::{UpdateWorkspaceSettings, WorkspaceSettings};

use super::client::{call, decode, json, ApiErr};

pub async fn workspace() -> Result<WorkspaceSettings, ApiErr> {
    decode(&call(Method::GET, "/settings/workspace".into(), None).await?)
}

/// Saves workspace settings (the form keeps what it sent).
pub async fn update_workspace(req: &UpdateWorkspaceSettings) -> Result<(), ApiErr> {
    call(Method::PUT, "/settings/workspace".into(), json(req)?)
        .await
        .map(drop)
}
