//! Workspace-wide settings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceSettings {
    pub name: String,
    /// The coding rule (客户编码原则) every customer code must match: a regex.
    pub customer_code_pattern: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateWorkspaceSettings {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub customer_code_pattern: Option<String>,
}
