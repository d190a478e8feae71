//! The fixed vocabularies of the domain: roles, ERP modules, lifecycle stages.

use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // Written by hand, not derived: the derive cannot read a `rename`
        // that arrives through a macro and documented the Rust variant
        // names (`"OnTrack"`) instead of the wire's (`"on_track"`).
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        // (utoipa gives `PartialSchema` to every `ComposeSchema`.)
        #[cfg(feature = "openapi")]
        impl utoipa::__dev::ComposeSchema for $name {
            fn compose(
                _: Vec<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
            ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown value '{}'; expected one of: {}",
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

pub(crate) use string_enum;

string_enum!(
    /// Staff roles (`admin` … `engineer`) and portal roles (`customer_admin`, `customer`).
    Role {
        Admin => "admin",
        Manager => "manager",
        Csm => "csm",
        Engineer => "engineer",
        CustomerAdmin => "customer_admin",
        Customer => "customer",
    }
);

impl Role {
    pub fn is_staff(self) -> bool {
        !self.is_portal()
    }

    pub fn is_portal(self) -> bool {
        matches!(self, Role::CustomerAdmin | Role::Customer)
    }

    pub const STAFF: &'static [Role] = &[Role::Admin, Role::Manager, Role::Csm, Role::Engineer];
    pub const PORTAL: &'static [Role] = &[Role::CustomerAdmin, Role::Customer];
}

string_enum!(
    /// The seven ERP modules of the seed (系统设置, 销售, 采购, 仓存, 车间生产, 计划, 财务).
    ErpModule {
        System => "system",
        Sales => "sales",
        Purchasing => "purchasing",
        Inventory => "inventory",
        Production => "production",
        Planning => "planning",
        Finance => "finance",
    }
);

impl ErpModule {
    /// The module's name in Chinese, as the seed writes it.
    pub fn zh_name(self) -> &'static str {
        match self {
            ErpModule::System => "系统设置",
            ErpModule::Sales => "销售",
            ErpModule::Purchasing => "采购",
            ErpModule::Inventory => "仓存",
            ErpModule::Production => "车间生产",
            ErpModule::Planning => "计划",
            ErpModule::Finance => "财务",
        }
    }
}

string_enum!(
    /// Where an account is in its life with us.
    LifecycleStage {
        Onboarding => "onboarding",
        Adoption => "adoption",
        Renewal => "renewal",
        Renewed => "renewed",
        Churned => "churned",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_wire_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
            let json = serde_json::to_string(role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        for m in ErpModule::ALL {
            assert_eq!(m.as_str().parse::<ErpModule>(), Ok(*m));
        }
        assert_eq!(ErpModule::ALL.len(), 7);
        assert!("warehouse".parse::<ErpModule>().is_err());
    }

    #[test]
    fn portal_and_staff_roles_partition_all_roles() {
        for role in Role::ALL {
            assert_ne!(role.is_staff(), role.is_portal());
        }
        assert!(Role::CustomerAdmin.is_portal());
        assert!(Role::Engineer.is_staff());
    }
}

string_enum!(
    /// The languages of the app and of the e-mails it sends.
    Locale {
        ZhCn => "zh-CN",
        En => "en",
    }
);

impl Locale {
    /// The language of a user who has not chosen one.
    pub const DEFAULT: Locale = Locale::ZhCn;
}
