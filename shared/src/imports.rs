//! Imports of a customer base from CSV or Excel (`/api/v1/imports`): the
//! kinds, the columns each kind reads (with their English and Chinese
//! headers, which the templates carry and the server matches), and the
//! import's status as the API shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;

string_enum!(
    /// What a file holds, one kind per import.
    ImportKind {
        Accounts => "accounts",
        Contacts => "contacts",
        Contracts => "contracts",
        Licenses => "licenses",
        Agreements => "agreements",
    }
);

string_enum!(
    /// `dry_run` checks every row and writes nothing; `commit` writes.
    ImportMode {
        DryRun => "dry_run",
        Commit => "commit",
    }
);

string_enum!(
    ImportStatus {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
    }
);

/// One column a kind reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportField {
    /// The field's wire name, e.g. `code`; also its English header.
    pub key: &'static str,
    /// The Chinese header, e.g. `客户编码`.
    pub zh: &'static str,
    /// Further headers matched (other spellings users write).
    pub aliases: &'static [&'static str],
    pub required: bool,
}

const fn field(
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    required: bool,
) -> ImportField {
    ImportField {
        key,
        zh,
        aliases,
        required,
    }
}

/// The columns several kinds share: the customer code a row belongs to,
/// and a term's start and end.
const ACCOUNT_CODE: ImportField = field(
    "account_code",
    "客户编码",
    &["customer code", "code", "编码"],
    true,
);
const STARTS_ON: ImportField = field(
    "starts_on",
    "开始日期",
    &["start", "start date", "起始日期", "生效日期"],
    true,
);
const ENDS_ON: ImportField = field(
    "ends_on",
    "结束日期",
    &["end", "end date", "到期日期", "截止日期"],
    true,
);

const ACCOUNTS_FIELDS: &[ImportField] = &[
    field(
        "code",
        "客户编码",
        &["customer code", "account code", "编码", "客户代码"],
        true,
    ),
    field(
        "name",
        "客户名称",
        &["account name", "customer name", "名称", "客户"],
        true,
    ),
    field("industry", "行业", &[], false),
    field("segment", "客户分级", &["分级", "细分"], false),
    field(
        "owner_email",
        "负责人邮箱",
        &["owner", "csm email", "客户成功经理邮箱"],
        false,
    ),
    field("stage", "阶段", &["lifecycle stage", "生命周期阶段"], false),
    field(
        "modules",
        "模块",
        &["erp modules", "购买模块", "使用模块"],
        false,
    ),
];

const CONTACTS_FIELDS: &[ImportField] = &[
    field(
        "email",
        "邮箱",
        &["email address", "电子邮件", "联系人邮箱"],
        true,
    ),
    ACCOUNT_CODE,
    field(
        "name",
        "姓名",
        &["contact name", "联系人", "联系人姓名", "名字"],
        true,
    ),
    field(
        "phone",
        "电话",
        &["mobile", "手机", "手机号", "联系电话"],
        false,
    ),
    field("title", "职务", &["job title", "职位", "岗位"], false),
    field("modules", "负责模块", &["模块", "erp modules"], false),
];

const CONTRACTS_FIELDS: &[ImportField] = &[
    field(
        "number",
        "合同编号",
        &["contract number", "contract no", "合同号"],
        true,
    ),
    ACCOUNT_CODE,
    STARTS_ON,
    ENDS_ON,
    field(
        "annual_value",
        "年度金额",
        &["value", "金额", "合同金额"],
        true,
    ),
    field("currency", "币种", &["货币"], false),
    field("auto_renew", "自动续约", &["自动续费"], false),
    field("notice_days", "通知期天数", &["通知期"], false),
];

const LICENSES_FIELDS: &[ImportField] = &[
    field(
        "dongle_serial",
        "加密锁序列号",
        &["serial", "加密狗序列号", "序列号", "加密锁号"],
        true,
    ),
    ACCOUNT_CODE,
    field("edition", "版本", &["产品版本"], true),
    field("modules", "模块", &["erp modules", "授权模块"], true),
    field("seats", "用户数", &["users", "站点数", "许可数"], true),
    field(
        "expires_on",
        "到期日期",
        &["expires", "expiry", "expiry date", "有效期至"],
        false,
    ),
];

const AGREEMENTS_FIELDS: &[ImportField] = &[
    ACCOUNT_CODE,
    field("level", "服务级别", &["service level", "级别"], true),
    STARTS_ON,
    ENDS_ON,
    field(
        "signed_on",
        "签订日期",
        &["signed", "signed date", "签约日期"],
        false,
    ),
    field("service_content", "服务内容", &[], false),
    field("complaint_procedure", "投诉程序", &["投诉流程"], false),
];

impl ImportKind {
    /// The columns of this kind, natural key first.
    pub fn fields(self) -> &'static [ImportField] {
        match self {
            ImportKind::Accounts => ACCOUNTS_FIELDS,
            ImportKind::Contacts => CONTACTS_FIELDS,
            ImportKind::Contracts => CONTRACTS_FIELDS,
            ImportKind::Licenses => LICENSES_FIELDS,
            ImportKind::Agreements => AGREEMENTS_FIELDS,
        }
    }

    /// The field a header names (Chinese or English, any case, spaces,
    /// underscores, hyphens and a trailing `*` ignored).
    pub fn field_for_header(self, header: &str) -> Option<&'static ImportField> {
        let wanted = normalize_header(header);
        if wanted.is_empty() {
            return None;
        }
        self.fields().iter().find(|f| {
            normalize_header(f.key) == wanted
                || normalize_header(f.zh) == wanted
                || f.aliases.iter().any(|a| normalize_header(a) == wanted)
        })
    }
}

/// A header reduced to what matching compares.
pub fn normalize_header(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['*', '＊'])
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A header of the file and the field it was matched to (`None`: ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportColumn {
    pub header: String,
    pub field: Option<String>,
}

/// A line that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRowError {
    /// The line in the file; the header is line 1.
    pub row: i32,
    /// The file's header of the failing column; empty for the row as a whole.
    pub column: String,
    /// Why, in the reader's language.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Import {
    pub id: i64,
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub status: ImportStatus,
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// The CSV's character set as read (`UTF-8`, `GB18030`, …); `-` for Excel.
    pub encoding: String,
    pub rows_total: i32,
    pub rows_done: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub failed: i32,
    pub columns: Vec<ImportColumn>,
    /// The first failed lines (all of them: `errors.csv`).
    pub errors: Vec<ImportRowError>,
    /// Why the import as a whole failed (an unreadable file, a missing
    /// required column).
    pub failure: Option<String>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_chinese_and_english() {
        let k = ImportKind::Accounts;
        assert_eq!(k.field_for_header("客户编码").map(|f| f.key), Some("code"));
        assert_eq!(k.field_for_header(" Code ").map(|f| f.key), Some("code"));
        assert_eq!(k.field_for_header("客户名称*").map(|f| f.key), Some("name"));
        assert_eq!(
            k.field_for_header("Owner E-mail").map(|f| f.key),
            Some("owner_email")
        );
        assert_eq!(
            k.field_for_header("\u{feff}code").map(|f| f.key),
            Some("code")
        );
        assert_eq!(k.field_for_header("备注"), None);
        assert_eq!(
            ImportKind::Contacts
                .field_for_header("手机号")
                .map(|f| f.key),
            Some("phone")
        );
    }

    #[test]
    fn every_kind_names_each_header_once() {
        for kind in ImportKind::ALL {
            let mut seen = std::collections::HashSet::new();
            for f in kind.fields() {
                for h in [f.key, f.zh].iter().chain(f.aliases.iter()) {
                    assert!(seen.insert(normalize_header(h)), "{kind}: {h} twice");
                }
            }
        }
    }
}
