//! Customer accounts and their contacts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ErpModule, LifecycleStage, Role};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// Customer code (客户编码), unique in the workspace.
    pub code: String,
    pub industry: Option<String>,
    pub segment: Option<String>,
    pub owner_id: Option<i64>,
    pub stage: LifecycleStage,
    pub stage_entered_at: DateTime<Utc>,
    pub modules: Vec<ErpModule>,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` is derived from it.
    pub version: i64,
    /// The parent company (集团) of this account, in the same workspace.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// The parent's id and name (whenever `parent_id` is set).
    #[serde(default)]
    pub parent: Option<AccountRef>,
    /// The direct subsidiaries (子公司) that are not archived, by name.
    /// Filled by `GET /accounts/{id}` and the answers of create and
    /// update; lists leave it empty.
    #[serde(default)]
    pub subsidiaries: Vec<AccountRef>,
    /// Whether this account's `customer_admin` contacts see the tickets of
    /// its whole group (it and all its subsidiaries) in the portal.
    #[serde(default)]
    pub portal_group_tickets: bool,
}

/// An account named in another's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAccountRequest {
    pub name: String,
    pub code: String,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub segment: Option<String>,
    /// Defaults to the creating CSM.
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Defaults to `onboarding`.
    #[serde(default)]
    pub stage: Option<LifecycleStage>,
    #[serde(default)]
    pub modules: Vec<ErpModule>,
    /// The parent company (集团): an account of the same workspace.
    #[serde(default)]
    pub parent_id: Option<i64>,
}

/// A partial update: absent fields stay as they are. `owner_id`,
/// `industry`, `segment` and `parent_id` may be set to `null` to clear
/// them. `portal_group_tickets` is for admins and managers only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateAccountRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub industry: Option<Option<String>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub segment: Option<Option<String>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub owner_id: Option<Option<i64>>,
    #[serde(default)]
    pub stage: Option<LifecycleStage>,
    #[serde(default)]
    pub modules: Option<Vec<ErpModule>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_group_tickets: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    /// The ERP modules this contact is responsible for (module department head).
    pub modules: Vec<ErpModule>,
    /// The portal login of this contact, if it has one.
    pub portal_user_id: Option<i64>,
    pub portal_role: Option<Role>,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When mail to `email` last bounced; none: no known delivery failure.
    #[serde(default)]
    pub email_failing_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateContactRequest {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub modules: Vec<ErpModule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateContactRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub title: Option<Option<String>>,
    #[serde(default)]
    pub modules: Option<Vec<ErpModule>>,
}

/// `POST /api/v1/contacts/{id}/portal-access`. A new login is always
/// invited by e-mail: the contact sets their own password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalAccessRequest {
    /// `customer` or `customer_admin`.
    pub role: Role,
}

/// What a portal user sees of their own account: no owner, no internal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalAccount {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub modules: Vec<ErpModule>,
    pub contact_name: String,
    pub csm_name: Option<String>,
    pub csm_email: Option<String>,
    /// Whether this user's ticket list holds the tickets of the account's
    /// subsidiaries too (a `customer_admin` of a parent that allows it).
    #[serde(default)]
    pub group_tickets: bool,
}

/// `null` → `Some(None)`, absent → `None`, value → `Some(Some(v))`.
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_distinguishes_absent_null_and_value() {
        let absent: UpdateAccountRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.owner_id, None);
        let null: UpdateAccountRequest = serde_json::from_str(r#"{"owner_id":null}"#).unwrap();
        assert_eq!(null.owner_id, Some(None));
        let set: UpdateAccountRequest = serde_json::from_str(r#"{"owner_id":7}"#).unwrap();
        assert_eq!(set.owner_id, Some(Some(7)));
        let round = serde_json::to_string(&set).unwrap();
        assert!(round.contains("\"owner_id\":7"));
    }
}
