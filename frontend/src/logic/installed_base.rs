//! The installed base's forms: an installation's values as typed (with its
//! customisations and integrations), turned into the API's request under
//! the shared rules; the words of its vocabularies; an advisory's version
//! list as typed.

use shared::installed_base::{
    validate_installation, Customisation, CustomisationStatus, Deployment, Installation,
    InstallationRequest, Integration, IntegrationDirection,
};
use shared::{ErpModule, FieldErrors};

use crate::i18n::Key;

pub fn deployment_key(d: Deployment) -> Key {
    match d {
        Deployment::OnPremises => Key::IbOnPremises,
        Deployment::Cloud => Key::IbCloud,
    }
}

pub fn status_key(s: CustomisationStatus) -> Key {
    match s {
        CustomisationStatus::Planned => Key::IbCustPlanned,
        CustomisationStatus::InProgress => Key::IbCustInProgress,
        CustomisationStatus::Live => Key::IbCustLive,
        CustomisationStatus::Retired => Key::IbCustRetired,
    }
}

pub fn direction_key(d: IntegrationDirection) -> Key {
    match d {
        IntegrationDirection::Inbound => Key::IbInbound,
        IntegrationDirection::Outbound => Key::IbOutbound,
        IntegrationDirection::Both => Key::IbBoth,
    }
}

/// An installation's form as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct InstallationForm {
    pub site: String,
    pub product: String,
    pub edition: String,
    pub version: String,
    pub patch_level: String,
    pub deployment: Deployment,
    pub server_os: String,
    pub database: String,
    pub license_id: Option<i64>,
    pub modules: Vec<ErpModule>,
    pub seats: String,
    pub customisations: Vec<Customisation>,
    pub integrations: Vec<Integration>,
    pub notes: String,
}

impl Default for InstallationForm {
    fn default() -> Self {
        InstallationForm {
            site: String::new(),
            product: String::new(),
            edition: String::new(),
            version: String::new(),
            patch_level: String::new(),
            deployment: Deployment::OnPremises,
            server_os: String::new(),
            database: String::new(),
            license_id: None,
            modules: Vec::new(),
            seats: String::new(),
            customisations: Vec::new(),
            integrations: Vec::new(),
            notes: String::new(),
        }
    }
}

/// A new, blank customisation row.
pub fn blank_customisation() -> Customisation {
    Customisation {
        title: String::new(),
        owner: String::new(),
        status: CustomisationStatus::Live,
        modules: Vec::new(),
    }
}

/// A new, blank integration row.
pub fn blank_integration() -> Integration {
    Integration {
        name: String::new(),
        system: String::new(),
        direction: IntegrationDirection::Both,
        notes: String::new(),
    }
}

impl InstallationForm {
    pub fn of(i: &Installation) -> Self {
        InstallationForm {
            site: i.site.clone(),
            product: i.product.clone(),
            edition: i.edition.clone(),
            version: i.version.clone(),
            patch_level: i.patch_level.clone(),
            deployment: i.deployment,
            server_os: i.server_os.clone(),
            database: i.database.clone(),
            license_id: i.license_id,
            // With a licence the form keeps no modules of its own.
            modules: if i.license_id.is_some() {
                Vec::new()
            } else {
                i.modules.clone()
            },
            seats: if i.license_id.is_some() {
                String::new()
            } else {
                i.seats.map(|s| s.to_string()).unwrap_or_default()
            },
            customisations: i.customisations.clone(),
            integrations: i.integrations.clone(),
            notes: i.notes.clone(),
        }
    }

    /// The request, or the fields that break the shared rules.
    pub fn request(&self) -> Result<InstallationRequest, FieldErrors> {
        let seats_text = self.seats.trim();
        let seats = if seats_text.is_empty() || self.license_id.is_some() {
            None
        } else {
            match seats_text.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    let mut f = FieldErrors::new();
                    f.insert(
                        "seats".into(),
                        shared::validation::Invalid::NotWholeNumber.message_en(),
                    );
                    return Err(f);
                }
            }
        };
        let req = InstallationRequest {
            site: self.site.trim().to_string(),
            product: self.product.trim().to_string(),
            edition: self.edition.trim().to_string(),
            version: self.version.trim().to_string(),
            patch_level: self.patch_level.trim().to_string(),
            deployment: self.deployment,
            server_os: self.server_os.trim().to_string(),
            database: self.database.trim().to_string(),
            license_id: self.license_id,
            modules: if self.license_id.is_some() {
                Vec::new()
            } else {
                self.modules.clone()
            },
            seats,
            customisations: self.customisations.clone(),
            integrations: self.integrations.clone(),
            notes: self.notes.trim().to_string(),
        };
        validate_installation(&req)?;
        Ok(req)
    }
}

/// The versions of an advisory's list as typed: comma-, 、- or
/// line-separated, blanks dropped.
pub fn version_list(text: &str) -> Vec<String> {
    text.split([',', '，', '、', '\n', ';', '；'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_checks_the_shared_rules_and_keeps_no_own_modules_with_a_licence() {
        let mut form = InstallationForm {
            site: " 总部 ".into(),
            product: "K/3 WISE".into(),
            version: "V15.1".into(),
            modules: vec![ErpModule::Finance],
            seats: "12".into(),
            ..InstallationForm::default()
        };
        let req = form.request().unwrap();
        assert_eq!(req.site, "总部");
        assert_eq!(req.seats, Some(12));
        form.license_id = Some(3);
        let req = form.request().unwrap();
        assert!(req.modules.is_empty());
        assert_eq!(req.seats, None);
        form.license_id = None;
        form.seats = "十".into();
        assert!(form.request().unwrap_err().contains_key("seats"));
        form.seats.clear();
        form.version = "最新".into();
        assert!(form.request().unwrap_err().contains_key("version"));
    }

    #[test]
    fn a_version_list_splits_on_any_separator() {
        assert_eq!(
            version_list("V15.1, V15.2、V16\n ,"),
            vec!["V15.1", "V15.2", "V16"]
        );
    }
}
