//! Each kind's rows: a row becomes the API's own request, is checked (a
//! dry run) or written through the same domain functions the API calls (a
//! commit), and is matched by its natural key — customer code, contact
//! e-mail, contract number, dongle serial, or an agreement's account, level
//! and start — so importing the same file again changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use shared::accounts::{
    CreateAccountRequest, CreateContactRequest, UpdateAccountRequest, UpdateContactRequest,
};
use shared::contracts::{
    CreateContractRequest, UpdateContractRequest, DEFAULT_CURRENCY, DEFAULT_NOTICE_DAYS,
};
use shared::imports::ImportKind;
use shared::onboarding::{CreateLicenseRequest, UpdateLicenseRequest};
use shared::texts::{word, Msg, T};
use shared::tickets::AgreementRequest;
use shared::{validation, ErpModule, FieldErrors, LifecycleStage, Locale};

use crate::auth::StaffActor;
use crate::domain::accounts::{self, contacts, licenses};
use crate::domain::common::modules_to_db;
use crate::domain::renewals::contracts;
use crate::domain::tickets::agreements;
use crate::entity;
use crate::error::{AppError, AppResult};

/// What an import knows while it runs.
pub struct Ctx {
    pub actor: StaffActor,
    pub dry_run: bool,
    pub code_rule: String,
    /// Staff who may own accounts, by lower-cased e-mail.
    pub owners: HashMap<String, i64>,
    /// Customer codes rows refer to and their accounts' ids (a contacts
    /// import's are read per batch, see [`preload`]).
    pub accounts: HashMap<String, i64>,
    /// Each natural key of this file (as a 128-bit digest, so a file of
    /// 300,000 rows holds a few MB here) and the line it first appeared on.
    pub seen: HashMap<[u8; 16], i32>,
    pub now: DateTime<Utc>,
    /// The batch's accounts and contacts that exist, by customer code and
    /// e-mail, read in one query per batch ([`preload`]).
    pub known_accounts: HashMap<String, entity::accounts::Model>,
    pub known_contacts: HashMap<String, entity::contacts::Model>,
    /// New accounts or contacts of the batch, by line, written together
    /// when the batch ends ([`flush`]).
    pub new: Vec<(i32, NewRow)>,
}

impl Ctx {
    pub fn new(
        actor: StaffActor,
        dry_run: bool,
        code_rule: String,
        owners: HashMap<String, i64>,
        now: DateTime<Utc>,
    ) -> Ctx {
        Ctx {
            actor,
            dry_run,
            code_rule,
            owners,
            accounts: HashMap::new(),
            seen: HashMap::new(),
            now,
            known_accounts: HashMap::new(),
            known_contacts: HashMap::new(),
            new: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Why a row failed: the field (an import field key; empty for the row as
/// a whole) and the reason, in English (rendered in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub field: String,
    pub message: String,
}

pub type RowResult = Result<Outcome, Vec<RowError>>;

fn fail(field: &str, message: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        field: field.into(),
        message: message.into(),
    }]
}

/// One row's values by field key (trimmed; empty cells are absent).
pub struct Row<'a> {
    pub number: i32,
    pub values: HashMap<&'static str, &'a str>,
}

impl Row<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_string()
    }

    fn opt(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }
}

/// Collects a row's problems field by field, first reason per field.
#[derive(Default)]
struct Problems(Vec<RowError>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(RowError {
                field: field.into(),
                message: message.into(),
            });
        }
    }

    /// The API's field errors, renamed to the import's fields.
    fn fields(&mut self, fields: &FieldErrors) {
        for (field, message) in fields {
            self.add(import_field(field), message.clone());
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<RowError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// The import field an API field is read from.
fn import_field(api_field: &str) -> &str {
    match api_field {
        "owner_id" => "owner_email",
        "account_id" => "account_code",
        other => other,
    }
}

/// A client error of a domain function becomes the row's problem; a
/// server-side failure (the database went away) stops the import.
fn row_error(e: AppError, not_found_field: &str) -> AppResult<Vec<RowError>> {
    let mut p = Problems::default();
    match e {
        AppError::Validation { message, fields } | AppError::Conflict { message, fields } => {
            if fields.is_empty() {
                p.add("", message);
            } else {
                p.fields(&fields);
            }
        }
        AppError::NotFound => p.add(not_found_field, Msg::new(T::ImportNoAccount).en()),
        AppError::Internal(e) => return Err(AppError::Internal(e)),
        other => p.add("", other.to_string()),
    }
    Ok(p.0)
}

/// What a domain write in `savepoint` made of a row: `outcome`, kept,
/// or the row's problem, rolled back alone (a server-side failure stops
/// the import).
async fn written<T>(
    savepoint: DatabaseTransaction,
    result: AppResult<T>,
    outcome: Outcome,
    field: &str,
) -> AppResult<RowResult> {
    match result {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(Ok(outcome))
        }
        Err(e) => {
            savepoint.rollback().await?;
            Ok(Err(row_error(e, field)?))
        }
    }
}

/// A value of a vocabulary, given by its wire name or its English or
/// Chinese word (`finance`, `Finance`, `财务`).
fn vocabulary<'v>(text: &str, values: &[&'v str]) -> Option<&'v str> {
    let wanted = text.trim().to_lowercase();
    values.iter().copied().find(|v| {
        *v == wanted
            || word(v, Locale::ZhCn) == Some(text.trim())
            || word(v, Locale::En).is_some_and(|w| w.to_lowercase() == wanted)
    })
}

fn unknown(value: &str, values: &[&str]) -> String {
    let expected: Vec<String> = values
        .iter()
        .map(|v| match word(v, Locale::ZhCn) {
            Some(zh) => format!("{v} ({zh})"),
            None => (*v).to_string(),
        })
        .collect();
    Msg::new(T::ImportUnknownValue)
        .with("value", value)
        .with("expected", expected.join(", "))
        .en()
}

fn modules(p: &mut Problems, row: &Row<'_>, key: &str) -> Option<Vec<ErpModule>> {
    let text = row.get(key)?;
    let names: Vec<&str> = ErpModule::ALL.iter().map(|m| m.as_str()).collect();
    let mut out = Vec::new();
    for part in text
        .split([',', '，', '、', ';', '；', '/', '|', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match vocabulary(part, &names).and_then(|m| m.parse::<ErpModule>().ok()) {
            Some(m) if !out.contains(&m) => out.push(m),
            Some(_) => {}
            None => {
                p.add(key, unknown(part, &names));
                return None;
            }
        }
    }
    Some(out)
}

fn stage(p: &mut Problems, row: &Row<'_>) -> Option<LifecycleStage> {
    let text = row.get("stage")?;
    let names: Vec<&str> = LifecycleStage::ALL.iter().map(|s| s.as_str()).collect();
    match vocabulary(text, &names).and_then(|s| s.parse().ok()) {
        Some(s) => Some(s),
        None => {
            p.add("stage", unknown(text, &names));
            None
        }
    }
}

/// A date as people and spreadsheets write it.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // An Excel date-time: the date part.
    let text = text.split_once([' ', 'T']).map_or(text, |(date, _)| date);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

fn date(p: &mut Problems, row: &Row<'_>, key: &str) -> Option<NaiveDate> {
    let text = row.get(key)?;
    let parsed = parse_date(text);
    if parsed.is_none() {
        p.add(key, Msg::new(T::ImportNotDate).en());
    }
    parsed
}

fn required_date(p: &mut Problems, row: &Row<'_>, key: &str) -> Option<NaiveDate> {
    if row.get(key).is_none() {
        p.add(key, validation::Invalid::Required.message_en());
    }
    date(p, row, key)
}

pub fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "yes" | "y" | "true" | "1" | "√" | "✓" | "x" => Some(true),
        "否" | "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn yes_no(p: &mut Problems, row: &Row<'_>, key: &str) -> Option<bool> {
    let text = row.get(key)?;
    let parsed = parse_yes_no(text);
    if parsed.is_none() {
        p.add(key, Msg::new(T::ImportNotYesNo).en());
    }
    parsed
}

fn whole(p: &mut Problems, row: &Row<'_>, key: &str, min: i64, max: i64) -> Option<i32> {
    let text = row.get(key)?;
    match validation::whole_number_in(text, min, max) {
        Ok(n) => i32::try_from(n).ok(),
        Err(reason) => {
            p.add(key, reason.message_en());
            None
        }
    }
}

/// A natural key met for the second time in the same file.
fn twice(ctx: &mut Ctx, field: &str, key: String, line: i32) -> Result<(), Vec<RowError>> {
    use sha2::Digest;
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&sha2::Sha256::digest(key.as_bytes())[..16]);
    let key = digest;
    match ctx.seen.get(&key) {
        Some(first) if *first != line => Err(fail(
            field,
            Msg::new(T::ImportTwiceInFile).with("line", first).en(),
        )),
        _ => {
            ctx.seen.insert(key, line);
            Ok(())
        }
    }
}

/// The account a row names by `account_code`, of the workspace.
async fn account_of<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    p: &mut Problems,
    row: &Row<'_>,
) -> AppResult<Option<i64>> {
    let Some(code) = row.get("account_code") else {
        p.add("account_code", validation::Invalid::Required.message_en());
        return Ok(None);
    };
    if let Some(id) = ctx.accounts.get(code) {
        return Ok(Some(*id));
    }
    let found = entity::accounts::Entity::find()
        .filter(entity::accounts::Column::WorkspaceId.eq(ctx.actor.workspace_id))
        .filter(entity::accounts::Column::Code.eq(code))
        .one(conn)
        .await?;
    match found {
        Some(a) => {
            ctx.accounts.insert(code.to_string(), a.id);
            Ok(Some(a.id))
        }
        None => {
            p.add("account_code", Msg::new(T::ImportNoAccount).en());
            Ok(None)
        }
    }
}

/// Reads, in one query each, what the batch's rows name by natural key:
/// the accounts of an accounts batch by code; the accounts a contacts
/// batch belongs to and the contacts it may update, by e-mail. (The other
/// kinds come in smaller files and look each row up.)
pub async fn preload<C: ConnectionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    kind: ImportKind,
    rows: &[Row<'_>],
) -> AppResult<()> {
    let workspace = ctx.actor.workspace_id;
    ctx.known_accounts.clear();
    ctx.known_contacts.clear();
    let codes_of = |key: &str| -> Vec<String> {
        let mut codes: Vec<String> = rows
            .iter()
            .filter_map(|r| r.get(key))
            .map(str::to_string)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    match kind {
        ImportKind::Accounts => {
            let codes = codes_of("code");
            if codes.is_empty() {
                return Ok(());
            }
            for account in entity::accounts::Entity::find()
                .filter(entity::accounts::Column::WorkspaceId.eq(workspace))
                .filter(entity::accounts::Column::Code.is_in(codes))
                .all(conn)
                .await?
            {
                ctx.known_accounts.insert(account.code.clone(), account);
            }
        }
        ImportKind::Contacts => {
            ctx.accounts.clear();
            let codes = codes_of("account_code");
            if !codes.is_empty() {
                let found: Vec<(i64, String)> = entity::accounts::Entity::find()
                    .select_only()
                    .column(entity::accounts::Column::Id)
                    .column(entity::accounts::Column::Code)
                    .filter(entity::accounts::Column::WorkspaceId.eq(workspace))
                    .filter(entity::accounts::Column::Code.is_in(codes))
                    .into_tuple()
                    .all(conn)
                    .await?;
                for (id, code) in found {
                    ctx.accounts.insert(code, id);
                }
            }
            let mut emails: Vec<String> = rows
                .iter()
                .filter_map(|r| r.get("email"))
                .map(validation::normalize_email)
                .collect();
            emails.sort_unstable();
            emails.dedup();
            if emails.is_empty() {
                return Ok(());
            }
            for contact in entity::contacts::Entity::find()
                .filter(entity::contacts::Column::WorkspaceId.eq(workspace))
                .filter(entity::contacts::Column::Email.is_in(emails))
                .filter(entity::contacts::Column::Archived.eq(false))
                .order_by_asc(entity::contacts::Column::Id)
                .all(conn)
                .await?
            {
                if let Some(email) = contact.email.clone() {
                    ctx.known_contacts.entry(email).or_insert(contact);
                }
            }
        }
        ImportKind::Contracts | ImportKind::Licenses | ImportKind::Agreements => {}
    }
    Ok(())
}

/// Writes the batch's new accounts and contacts, a statement for all at a
/// time. Should one of them fail (another writer took a code meanwhile),
/// they are written again one by one, each in a savepoint of its own, and
/// the lines that fail are returned with their problems.
pub async fn flush(
    txn: &DatabaseTransaction,
    ctx: &mut Ctx,
) -> AppResult<Vec<(i32, Vec<RowError>)>> {
    let new = std::mem::take(&mut ctx.new);
    let mut failed = Vec::new();
    if new.is_empty() {
        return Ok(failed);
    }
    let savepoint = txn.begin().await?;
    let rows = new.iter().map(|(_, row)| row.clone()).collect();
    match NewRow::create_all(&savepoint, ctx, rows).await {
        Ok(()) => savepoint.commit().await?,
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
        Err(_) => {
            savepoint.rollback().await?;
            for (line, row) in new {
                let field = row.field();
                let savepoint = txn.begin().await?;
                let created = row.create(&savepoint, ctx).await;
                if let Err(problems) = written(savepoint, created, Outcome::Created, field).await? {
                    failed.push((line, problems));
                }
            }
        }
    }
    Ok(failed)
}

/// A new record a row makes, kept for the batch's end ([`flush`]).
#[derive(Clone)]
pub enum NewRow {
    Account(CreateAccountRequest),
    /// A contact of the account with this id.
    Contact(i64, CreateContactRequest),
}

impl NewRow {
    /// The column a refusal without a field of its own is shown on.
    fn field(&self) -> &'static str {
        match self {
            NewRow::Account(_) => "code",
            NewRow::Contact(..) => "account_code",
        }
    }

    /// Writes all of `rows` or none, a statement for all at a time.
    async fn create_all(txn: &DatabaseTransaction, ctx: &Ctx, rows: Vec<NewRow>) -> AppResult<()> {
        let (mut new_accounts, mut new_contacts) = (Vec::new(), Vec::new());
        for row in rows {
            match row {
                NewRow::Account(req) => new_accounts.push(req),
                NewRow::Contact(account, req) => new_contacts.push((account, req)),
            }
        }
        accounts::create_many_in(txn, &ctx.actor, new_accounts, ctx.now, &ctx.code_rule).await?;
        contacts::create_many_in(txn, &ctx.actor, new_contacts, ctx.now).await?;
        Ok(())
    }

    /// Writes this one row.
    async fn create(self, txn: &DatabaseTransaction, ctx: &Ctx) -> AppResult<()> {
        match self {
            NewRow::Account(req) => {
                accounts::create_in(txn, &ctx.actor, req, ctx.now, &ctx.code_rule).await?;
            }
            NewRow::Contact(account, req) => {
                contacts::create_in(txn, &ctx.actor, account, req, ctx.now).await?;
            }
        }
        Ok(())
    }
}

/// Applies one row of `kind`.
pub async fn apply<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    kind: ImportKind,
    row: &Row<'_>,
) -> AppResult<RowResult> {
    match kind {
        ImportKind::Accounts => account(conn, ctx, row).await,
        ImportKind::Contacts => contact(conn, ctx, row).await,
        ImportKind::Contracts => contract(conn, ctx, row).await,
        ImportKind::Licenses => license(conn, ctx, row).await,
        ImportKind::Agreements => agreement(conn, ctx, row).await,
    }
}

async fn account<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    row: &Row<'_>,
) -> AppResult<RowResult> {
    let mut p = Problems::default();
    let owner_id = match row.get("owner_email") {
        Some(email) => match ctx.owners.get(&validation::normalize_email(email)) {
            Some(id) => Some(*id),
            None => {
                p.add("owner_email", Msg::new(T::ImportOwnerUnknown).en());
                None
            }
        },
        None => None,
    };
    let req = CreateAccountRequest {
        name: row.text("name"),
        code: row.text("code"),
        industry: row.opt("industry"),
        segment: row.opt("segment"),
        owner_id,
        stage: stage(&mut p, row),
        modules: modules(&mut p, row, "modules").unwrap_or_default(),
        parent_id: None,
    };
    if let Err(fields) = validation::create_account(&req, &ctx.code_rule) {
        p.fields(&fields);
    }
    let req = match p.finish(req) {
        Ok(req) => req,
        Err(e) => return Ok(Err(e)),
    };
    let code = req.code.trim().to_string();
    if let Err(e) = twice(ctx, "code", format!("code:{code}"), row.number) {
        return Ok(Err(e));
    }
    let Some(existing) = ctx.known_accounts.remove(&code) else {
        if !ctx.dry_run {
            ctx.new.push((row.number, NewRow::Account(req)));
        }
        return Ok(Ok(Outcome::Created));
    };
    let name = req.name.trim().to_string();
    let mut change = UpdateAccountRequest::default();
    if name != existing.name {
        change.name = Some(name);
    }
    if req.industry.is_some() && req.industry != existing.industry {
        change.industry = Some(req.industry);
    }
    if req.segment.is_some() && req.segment != existing.segment {
        change.segment = Some(req.segment);
    }
    if req.owner_id.is_some() && req.owner_id != existing.owner_id {
        change.owner_id = Some(req.owner_id);
    }
    if let Some(stage) = req.stage {
        if stage.as_str() != existing.stage {
            change.stage = Some(stage);
        }
    }
    if row.get("modules").is_some() && modules_to_db(&req.modules) != existing.modules {
        change.modules = Some(req.modules);
    }
    if change == UpdateAccountRequest::default() {
        return Ok(Ok(Outcome::Unchanged));
    }
    if ctx.dry_run {
        return Ok(Ok(Outcome::Updated));
    }
    let savepoint = conn.begin().await?;
    let updated = accounts::update_in(
        &savepoint,
        &ctx.actor,
        existing.id,
        None,
        change,
        ctx.now,
        &ctx.code_rule,
    )
    .await;
    written(savepoint, updated, Outcome::Updated, "code").await
}

async fn contact<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    row: &Row<'_>,
) -> AppResult<RowResult> {
    let mut p = Problems::default();
    let account_id = account_of(conn, ctx, &mut p, row).await?;
    let req = CreateContactRequest {
        name: row.text("name"),
        email: row.opt("email"),
        phone: row.opt("phone"),
        title: row.opt("title"),
        modules: modules(&mut p, row, "modules").unwrap_or_default(),
    };
    if row.get("email").is_none() {
        p.add("email", validation::Invalid::Required.message_en());
    }
    if let Err(fields) = validation::create_contact(&req) {
        p.fields(&fields);
    }
    let (req, account_id) = match p.finish((req, account_id)) {
        Ok((req, Some(id))) => (req, id),
        Ok(_) => return Ok(Err(fail("account_code", Msg::new(T::ImportNoAccount).en()))),
        Err(e) => return Ok(Err(e)),
    };
    let email = validation::normalize_email(req.email.as_deref().unwrap_or_default());
    if let Err(e) = twice(ctx, "email", format!("email:{email}"), row.number) {
        return Ok(Err(e));
    }
    let Some(existing) = ctx.known_contacts.remove(&email) else {
        if !ctx.dry_run {
            ctx.new.push((row.number, NewRow::Contact(account_id, req)));
        }
        return Ok(Ok(Outcome::Created));
    };
    if existing.account_id != account_id {
        // One address is one person at one customer: a contact does not
        // move between accounts by import.
        return Ok(Err(fail(
            "email",
            "belongs to a contact of another account; change it there",
        )));
    }
    let mut change = UpdateContactRequest::default();
    let name = req.name.trim().to_string();
    if name != existing.name {
        change.name = Some(name);
    }
    if req.phone.is_some() && req.phone != existing.phone {
        change.phone = Some(req.phone);
    }
    if req.title.is_some() && req.title != existing.title {
        change.title = Some(req.title);
    }
    if row.get("modules").is_some() && modules_to_db(&req.modules) != existing.modules {
        change.modules = Some(req.modules);
    }
    if change == UpdateContactRequest::default() {
        return Ok(Ok(Outcome::Unchanged));
    }
    if ctx.dry_run {
        return Ok(Ok(Outcome::Updated));
    }
    let savepoint = conn.begin().await?;
    let updated = contacts::update_in(&savepoint, &ctx.actor, existing.id, change, ctx.now).await;
    written(savepoint, updated, Outcome::Updated, "email").await
}

async fn contract<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    row: &Row<'_>,
) -> AppResult<RowResult> {
    let mut p = Problems::default();
    let account_id = account_of(conn, ctx, &mut p, row).await?;
    let number = row.text("number");
    if let Err(reason) = validation::required_text(&number, validation::MAX_CODE_LEN) {
        p.add("number", reason.message_en());
    }
    let starts_on = required_date(&mut p, row, "starts_on");
    let ends_on = required_date(&mut p, row, "ends_on");
    let value = row.text("annual_value").replace([',', '，', '¥', '￥'], "");
    let mut fields = FieldErrors::new();
    let cents = contracts::amount_field(&mut fields, "annual_value", &value);
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        contracts::check_dates(&mut fields, s, e);
    }
    let currency = row
        .get("currency")
        .map_or_else(|| DEFAULT_CURRENCY.to_string(), str::to_uppercase);
    contracts::check_currency(&mut fields, &currency);
    let notice_days = whole(&mut p, row, "notice_days", 0, 365);
    if let Some(n) = notice_days {
        contracts::check_notice(&mut fields, n);
    }
    let auto_renew = yes_no(&mut p, row, "auto_renew");
    p.fields(&fields);
    let (account_id, starts_on, ends_on, cents) =
        match p.finish((account_id, starts_on, ends_on, cents)) {
            Ok((Some(a), Some(s), Some(e), Some(c))) => (a, s, e, c),
            Ok(_) => return Ok(Err(fail("", Msg::new(T::SomeFieldsInvalid).en()))),
            Err(e) => return Ok(Err(e)),
        };
    if let Err(e) = twice(ctx, "number", format!("number:{number}"), row.number) {
        return Ok(Err(e));
    }
    let existing = entity::contracts::Entity::find()
        .filter(entity::contracts::Column::WorkspaceId.eq(ctx.actor.workspace_id))
        .filter(entity::contracts::Column::Number.eq(number.as_str()))
        .one(conn)
        .await?;
    let Some(existing) = existing else {
        if ctx.dry_run {
            return Ok(Ok(Outcome::Created));
        }
        let req = CreateContractRequest {
            account_id,
            starts_on,
            ends_on,
            annual_value: value,
            currency: Some(currency),
            auto_renew: auto_renew.unwrap_or(false),
            notice_days: Some(notice_days.unwrap_or(DEFAULT_NOTICE_DAYS)),
            number: Some(number),
        };
        let savepoint = conn.begin().await?;
        let created = contracts::create_in(&savepoint, &ctx.actor, req, ctx.now).await;
        return written(savepoint, created, Outcome::Created, "account_code").await;
    };
    if existing.account_id != account_id {
        return Ok(Err(fail(
            "account_code",
            "this contract number belongs to a contract of another account",
        )));
    }
    let mut change = UpdateContractRequest::default();
    if starts_on != existing.starts_on {
        change.starts_on = Some(starts_on);
    }
    if ends_on != existing.ends_on {
        change.ends_on = Some(ends_on);
    }
    if cents != existing.annual_value_cents {
        // Becomes a value change for a manager's approval, as in the API.
        change.annual_value = Some(value);
    }
    if row.get("currency").is_some() && currency != existing.currency {
        change.currency = Some(currency);
    }
    if auto_renew.is_some_and(|a| a != existing.auto_renew) {
        change.auto_renew = auto_renew;
    }
    if notice_days.is_some_and(|n| n != existing.notice_days) {
        change.notice_days = notice_days;
    }
    if change == UpdateContractRequest::default() {
        return Ok(Ok(Outcome::Unchanged));
    }
    if ctx.dry_run {
        return Ok(Ok(Outcome::Updated));
    }
    let savepoint = conn.begin().await?;
    let updated =
        contracts::update_in(&savepoint, &ctx.actor, existing.id, None, change, ctx.now).await;
    written(savepoint, updated, Outcome::Updated, "number").await
}

async fn license<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    row: &Row<'_>,
) -> AppResult<RowResult> {
    let mut p = Problems::default();
    let account_id = account_of(conn, ctx, &mut p, row).await?;
    let modules = modules(&mut p, row, "modules");
    let seats = whole(&mut p, row, "seats", 1, i64::from(i32::MAX));
    if row.get("seats").is_none() {
        p.add("seats", validation::Invalid::Required.message_en());
    }
    let expires_on = date(&mut p, row, "expires_on");
    let serial = row.text("dongle_serial");
    let edition = row.text("edition");
    let mut c = validation::Collector::default();
    licenses::check_fields(
        &mut c,
        Some(&edition),
        Some(modules.as_deref().unwrap_or_default()),
        seats,
        Some(&serial),
    );
    p.fields(&c.fields);
    let (account_id, modules, seats) = match p.finish((account_id, modules, seats)) {
        Ok((Some(a), Some(m), Some(s))) => (a, m, s),
        Ok(_) => return Ok(Err(fail("", Msg::new(T::SomeFieldsInvalid).en()))),
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = twice(ctx, "dongle_serial", format!("serial:{serial}"), row.number) {
        return Ok(Err(e));
    }
    let existing = entity::licenses::Entity::find()
        .filter(entity::licenses::Column::WorkspaceId.eq(ctx.actor.workspace_id))
        .filter(entity::licenses::Column::DongleSerial.eq(serial.as_str()))
        .one(conn)
        .await?;
    let Some(existing) = existing else {
        if ctx.dry_run {
            return Ok(Ok(Outcome::Created));
        }
        let req = CreateLicenseRequest {
            edition,
            modules,
            seats,
            dongle_serial: serial,
            expires_on,
        };
        let savepoint = conn.begin().await?;
        let created = licenses::create_in(&savepoint, &ctx.actor, account_id, req, ctx.now).await;
        return written(savepoint, created, Outcome::Created, "account_code").await;
    };
    if existing.account_id != account_id {
        return Ok(Err(fail(
            "dongle_serial",
            Msg::new(T::ImportSerialElsewhere).en(),
        )));
    }
    let mut change = UpdateLicenseRequest::default();
    if edition.trim() != existing.edition {
        change.edition = Some(edition.trim().to_string());
    }
    if modules_to_db(&modules) != existing.modules {
        change.modules = Some(modules);
    }
    if seats != existing.seats {
        change.seats = Some(seats);
    }
    if expires_on.is_some() && expires_on != existing.expires_on {
        change.expires_on = Some(expires_on);
    }
    if change == UpdateLicenseRequest::default() {
        return Ok(Ok(Outcome::Unchanged));
    }
    if ctx.dry_run {
        return Ok(Ok(Outcome::Updated));
    }
    let savepoint = conn.begin().await?;
    let updated = licenses::update_in(
        &savepoint,
        &ctx.actor,
        account_id,
        existing.id,
        None,
        change,
        ctx.now,
    )
    .await;
    written(savepoint, updated, Outcome::Updated, "dongle_serial").await
}

async fn agreement<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    ctx: &mut Ctx,
    row: &Row<'_>,
) -> AppResult<RowResult> {
    let mut p = Problems::default();
    let account_id = account_of(conn, ctx, &mut p, row).await?;
    let starts_on = required_date(&mut p, row, "starts_on");
    let ends_on = required_date(&mut p, row, "ends_on");
    let signed_on = date(&mut p, row, "signed_on");
    let level = row.text("level");
    let (account_id, starts_on, ends_on) = match p.finish((account_id, starts_on, ends_on)) {
        Ok((Some(a), Some(s), Some(e))) => (a, s, e),
        Ok(_) => return Ok(Err(fail("", Msg::new(T::SomeFieldsInvalid).en()))),
        Err(e) => return Ok(Err(e)),
    };
    let req = AgreementRequest {
        level: level.trim().to_string(),
        starts_on,
        ends_on,
        signed_on,
        service_content: row.text("service_content"),
        complaint_procedure: row.text("complaint_procedure"),
        // Not import columns: set in the account's agreements panel.
        service_process: String::new(),
        contract_id: None,
    };
    if let Err(e) = agreements::validate(conn, ctx.actor.workspace_id, &req).await {
        return Ok(Err(row_error(e, "level")?));
    }
    let code = row.text("account_code");
    if let Err(e) = twice(
        ctx,
        "starts_on",
        format!("agreement:{code}\u{0}{}\u{0}{starts_on}", req.level),
        row.number,
    ) {
        return Ok(Err(e));
    }
    let existing = entity::service_agreements::Entity::find()
        .filter(entity::service_agreements::Column::WorkspaceId.eq(ctx.actor.workspace_id))
        .filter(entity::service_agreements::Column::AccountId.eq(account_id))
        .filter(entity::service_agreements::Column::Level.eq(req.level.as_str()))
        .filter(entity::service_agreements::Column::StartsOn.eq(starts_on))
        .one(conn)
        .await?;
    let Some(existing) = existing else {
        if ctx.dry_run {
            return Ok(Ok(Outcome::Created));
        }
        let savepoint = conn.begin().await?;
        let created = agreements::create_in(&savepoint, &ctx.actor, account_id, req, ctx.now).await;
        return written(savepoint, created, Outcome::Created, "account_code").await;
    };
    // Absent optional columns keep what the agreement says.
    let req = AgreementRequest {
        signed_on: req.signed_on.or(existing.signed_on),
        service_content: if row.get("service_content").is_some() {
            req.service_content
        } else {
            existing.service_content.clone()
        },
        complaint_procedure: if row.get("complaint_procedure").is_some() {
            req.complaint_procedure
        } else {
            existing.complaint_procedure.clone()
        },
        service_process: existing.service_process.clone(),
        contract_id: existing.contract_id,
        ..req
    };
    if req.ends_on == existing.ends_on
        && req.signed_on == existing.signed_on
        && req.service_content == existing.service_content
        && req.complaint_procedure == existing.complaint_procedure
    {
        return Ok(Ok(Outcome::Unchanged));
    }
    if ctx.dry_run {
        return Ok(Ok(Outcome::Updated));
    }
    let savepoint = conn.begin().await?;
    let updated = agreements::update_in(
        &savepoint,
        &ctx.actor,
        account_id,
        existing.id,
        req,
        ctx.now,
    )
    .await;
    written(savepoint, updated, Outcome::Updated, "level").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1);
        for text in [
            "2026-03-01",
            "2026/3/1",
            "2026.03.01",
            "2026年3月1日",
            "20260301",
            "2026-03-01 00:00:00",
        ] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(parse_date("03/01/2026"), None);
        assert_eq!(parse_date("2026-02-30"), None);
    }

    #[test]
    fn modules_and_stages_are_read_in_either_language() {
        let names: Vec<&str> = ErpModule::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(vocabulary("财务", &names), Some("finance"));
        assert_eq!(vocabulary("Finance", &names), Some("finance"));
        assert_eq!(vocabulary("sales", &names), Some("sales"));
        assert_eq!(vocabulary("仓库", &names), None);
        assert_eq!(parse_yes_no("是"), Some(true));
        assert_eq!(parse_yes_no("No"), Some(false));
        assert_eq!(parse_yes_no("maybe"), None);
    }
}
