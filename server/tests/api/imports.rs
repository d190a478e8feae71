//! Imports (issue 14): CSV in UTF-8 (with BOM) and GBK, Excel workbooks,
//! headers in Chinese or English, dry run then commit, re-importing the
//! same file changes nothing, a bad row fails alone with its line, column
//! and reason (errors.csv in the reader's language), references resolved
//! in the workspace, who may import, and an interrupted import that goes on.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    file_name: &str,
    bytes: Vec<u8>,
    kind: &str,
    mode: &str,
    encoding: Option<&str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        )
        .text("kind", kind.to_string())
        .text("mode", mode.to_string());
    if let Some(e) = encoding {
        form = form.text("encoding", e.to_string());
    }
    app.client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads and waits until the import has finished (or failed).
pub(crate) async fn import(
    app: &TestApp,
    token: &str,
    file_name: &str,
    bytes: Vec<u8>,
    kind: &str,
    mode: &str,
) -> Value {
    let response = upload(app, token, file_name, bytes, kind, mode, None).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let queued: Value = response.json().await.unwrap();
    finished(app, token, queued["id"].as_i64().unwrap()).await
}

pub(crate) async fn finished(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let import: Value = app
            .get(&format!("/api/v1/imports/{id}"), token)
            .await
            .json()
            .await
            .unwrap();
        if import["status"] == "done" || import["status"] == "failed" {
            return import;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import {id} did not finish");
}

/// Asks to commit what the dry run `dry` checked.
async fn commit(app: &TestApp, token: &str, dry: &Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/imports/{}/commit", dry["id"]),
        token,
        json!({}),
    )
    .await
}

/// Commits the dry run `dry` and waits until the commit has ended.
pub(crate) async fn committed(app: &TestApp, token: &str, dry: &Value) -> Value {
    let response = commit(app, token, dry).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let queued: Value = response.json().await.unwrap();
    finished(app, token, queued["id"].as_i64().unwrap()).await
}

fn counts(import: &Value) -> (i64, i64, i64, i64) {
    (
        import["created"].as_i64().unwrap(),
        import["updated"].as_i64().unwrap(),
        import["unchanged"].as_i64().unwrap(),
        import["failed"].as_i64().unwrap(),
    )
}

pub(crate) fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xef, 0xbb, 0xbf];
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

pub(crate) const ACCOUNTS: &str = "客户编码,客户名称,行业,负责人邮箱,阶段,模块,备注\n\
000101,上海精密机械有限公司,机械制造,csm@imports.test,实施,\"财务、销售\",老客户\n\
000102,苏州华鼎电子科技有限公司,电子,,应用,finance,\n\
A-103,编码不合规则的客户,,,,,\n\
000104,,缺名称,,,,\n\
000105,杭州同创包装有限公司,包装,nobody@imports.test,,仓存,\n";

async fn accounts(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app
        .get("/api/v1/accounts?limit=200", token)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_dry_run_writes_nothing_a_commit_writes_good_rows_and_a_second_import_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("导入测试", "admin@imports.test").await;
    let csm = app.staff(&admin, "csm", "csm@imports.test").await;

    let dry = import(
        &app,
        &admin.token,
        "客户.csv",
        with_bom(ACCOUNTS),
        "accounts",
        "dry_run",
    )
    .await;
    assert_eq!(dry["status"], "done", "{dry}");
    assert_eq!(dry["encoding"], "UTF-8");
    assert_eq!(dry["rows_total"], 5);
    assert_eq!(dry["rows_done"], 5);
    assert_eq!(counts(&dry), (2, 0, 0, 3), "{dry}");
    assert_eq!(
        dry["columns"][0],
        json!({"header": "客户编码", "field": "code"})
    );
    assert_eq!(dry["columns"][6], json!({"header": "备注", "field": null}));
    assert!(
        accounts(&app, &admin.token).await.is_empty(),
        "a dry run writes nothing"
    );

    // The errors name the line, the file's column and the reason, in the
    // reader's language (Chinese by default).
    let errors = dry["errors"].as_array().unwrap();
    let lines: Vec<(i64, &str)> = errors
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        vec![(4, "客户编码"), (5, "客户名称"), (6, "负责人邮箱")]
    );
    assert!(
        errors[2]["message"].as_str().unwrap().contains("在职"),
        "{}",
        errors[2]
    );

    // Commit what the dry run checked.
    let committed = committed(&app, &admin.token, &dry).await;
    assert_eq!(committed["mode"], "commit");
    assert_eq!(counts(&committed), (2, 0, 0, 3), "{committed}");
    let mut imported = accounts(&app, &admin.token).await;
    imported.sort_by_key(|a| a["code"].as_str().unwrap().to_string());
    assert_eq!(imported.len(), 2);
    assert_eq!(imported[0]["code"], "000101");
    assert_eq!(imported[0]["name"], "上海精密机械有限公司");
    assert_eq!(imported[0]["owner_id"], csm.id());
    assert_eq!(imported[0]["stage"], "onboarding");
    assert_eq!(imported[0]["modules"], json!(["sales", "finance"]));
    assert_eq!(imported[1]["stage"], "adoption");

    // The same file again: nothing changes.
    let again = import(
        &app,
        &admin.token,
        "客户.csv",
        with_bom(ACCOUNTS),
        "accounts",
        "commit",
    )
    .await;
    assert_eq!(counts(&again), (0, 0, 2, 3), "{again}");
    let after = accounts(&app, &admin.token).await;
    assert_eq!(
        after
            .iter()
            .map(|a| a["version"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1), json!(1)]
    );

    // A changed row updates its account, and only that.
    let changed = ACCOUNTS.replace("苏州华鼎电子科技有限公司", "苏州华鼎电子股份有限公司");
    let update = import(
        &app,
        &admin.token,
        "客户.csv",
        with_bom(&changed),
        "accounts",
        "commit",
    )
    .await;
    assert_eq!(counts(&update), (0, 1, 1, 3), "{update}");
    let renamed = accounts(&app, &admin.token)
        .await
        .into_iter()
        .find(|a| a["code"] == "000102")
        .unwrap();
    assert_eq!(renamed["name"], "苏州华鼎电子股份有限公司");
    assert_eq!(renamed["version"], 2);

    // errors.csv lists every failed line, in the reader's language.
    let csv = app
        .get(
            &format!("/api/v1/imports/{}/errors.csv", update["id"]),
            &admin.token,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("\u{feff}行号,列,原因\n"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("4,客户编码,"), "{text}");
    app.patch("/api/v1/me", &admin.token, json!({"locale": "en"}))
        .await;
    let text = app
        .get(
            &format!("/api/v1/imports/{}/errors.csv", update["id"]),
            &admin.token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("\u{feff}row,column,reason\n"), "{text}");
    assert!(text.contains("active CSM"), "{text}");

    // The list shows the workspace's imports, newest first.
    let list: Value = app
        .get("/api/v1/imports", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
}

#[tokio::test]
async fn a_gbk_csv_of_contacts_is_decoded_and_its_accounts_resolved_by_code() {
    let app = spawn_app().await;
    let admin = app.signup("编码测试", "admin@gbk.test").await;
    app.create_account(&admin.token, "上海精密机械有限公司", "000201")
        .await;
    let text = "客户编码,姓名,邮箱,手机号,职务,负责模块\n\
000201,王丽,Wang.Li@Customer.test,13800138000,财务经理,财务\n\
000201,张伟,zhang.wei@customer.test,,仓库主管,仓存\n\
999999,李强,li.qiang@customer.test,,,\n\
000201,赵敏,wang.li@customer.test,,,\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let done = import(
        &app,
        &admin.token,
        "联系人.csv",
        gbk.to_vec(),
        "contacts",
        "commit",
    )
    .await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["encoding"], "gb18030");
    assert_eq!(counts(&done), (2, 0, 0, 2), "{done}");
    let errors = done["errors"].as_array().unwrap();
    assert_eq!(errors[0]["row"], 4);
    assert_eq!(errors[0]["column"], "客户编码");
    assert_eq!(errors[0]["message"], "本工作区没有此客户编码的客户");
    // The same address twice in one file: the second is refused.
    assert_eq!(errors[1]["row"], 5);
    assert_eq!(errors[1]["column"], "邮箱");

    let account = accounts(&app, &admin.token).await[0]["id"]
        .as_i64()
        .unwrap();
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{account}/contacts"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let contacts = contacts
        .as_array()
        .cloned()
        .unwrap_or_else(|| contacts["items"].as_array().unwrap().clone());
    let wang = contacts.iter().find(|c| c["name"] == "王丽").unwrap();
    assert_eq!(wang["email"], "wang.li@customer.test");
    assert_eq!(wang["title"], "财务经理");
    assert_eq!(wang["modules"], json!(["finance"]));

    // A user who knows better chooses the character set; a wrong choice
    // is refused before anything is queued.
    let response = upload(
        &app,
        &admin.token,
        "c.csv",
        gbk.to_vec(),
        "contacts",
        "dry_run",
        Some("klingon"),
    )
    .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = upload(
        &app,
        &admin.token,
        "c.csv",
        gbk.to_vec(),
        "contacts",
        "dry_run",
        Some("GBK"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let chosen: Value = response.json().await.unwrap();
    assert_eq!(chosen["encoding"], "gb18030");
}

#[tokio::test]
async fn an_excel_workbook_of_contracts_keeps_values_exact_and_matches_by_number() {
    let app = spawn_app().await;
    let admin = app.signup("合同导入", "admin@xlsx.test").await;
    let account = app
        .create_account(&admin.token, "上海精密机械有限公司", "000301")
        .await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "合同编号",
        "客户编码",
        "开始日期",
        "结束日期",
        "年度金额",
        "自动续约",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let rows = [
        ("HT-2026-001", "2026-01-01", "2026-12-31", "128000.50", "是"),
        ("HT-2026-002", "2026-03-01", "2027-02-28", "99999.99", "否"),
        ("HT-2026-003", "2026-05-01", "2026-04-01", "1000", "否"),
    ];
    for (r, (number, starts, ends, value, auto)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *number).unwrap();
        sheet.write_string(r, 1, "000301").unwrap();
        let starts = rust_xlsxwriter::ExcelDateTime::parse_from_str(starts).unwrap();
        sheet
            .write_datetime_with_format(r, 2, &starts, &date_format)
            .unwrap();
        sheet.write_string(r, 3, *ends).unwrap();
        sheet.write_string(r, 4, *value).unwrap();
        sheet.write_string(r, 5, *auto).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let done = import(
        &app,
        &admin.token,
        "合同.xlsx",
        bytes.clone(),
        "contracts",
        "commit",
    )
    .await;
    assert_eq!(done["format"], "xlsx");
    assert_eq!(counts(&done), (2, 0, 0, 1), "{done}");
    assert_eq!(done["errors"][0]["row"], 4);
    assert_eq!(done["errors"][0]["column"], "结束日期");

    let contracts: Value = app
        .get(
            &format!("/api/v1/contracts?account_id={}", account["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let contracts = contracts
        .as_array()
        .cloned()
        .unwrap_or_else(|| contracts["items"].as_array().unwrap().clone());
    let first = contracts
        .iter()
        .find(|c| c["number"] == "HT-2026-001")
        .unwrap();
    assert_eq!(first["annual_value"], "128000.50");
    assert_eq!(first["starts_on"], "2026-01-01");
    assert_eq!(first["auto_renew"], true);

    let again = import(
        &app,
        &admin.token,
        "合同.xlsx",
        bytes,
        "contracts",
        "commit",
    )
    .await;
    assert_eq!(counts(&again), (0, 0, 2, 1), "{again}");
}

#[tokio::test]
async fn licences_and_agreements_import_and_a_dongle_stays_with_its_account() {
    let app = spawn_app().await;
    let admin = app.signup("许可导入", "admin@lic.test").await;
    app.create_account(&admin.token, "上海精密机械有限公司", "000401")
        .await;
    app.create_account(&admin.token, "苏州华鼎电子科技有限公司", "000402")
        .await;
    let licences = "dongle_serial,account_code,edition,modules,seats,expires_on\n\
KD-0001,000401,标准版,\"finance, sales\",20,2027-12-31\n\
KD-0002,000402,旗舰版,计划,0,\n";
    let done = import(
        &app,
        &admin.token,
        "licences.csv",
        licences.as_bytes().to_vec(),
        "licenses",
        "commit",
    )
    .await;
    assert_eq!(counts(&done), (1, 0, 0, 1), "{done}");
    assert_eq!(done["errors"][0]["column"], "seats");
    let moved = licences.replace("KD-0001,000401", "KD-0001,000402");
    let done = import(
        &app,
        &admin.token,
        "licences.csv",
        moved.into_bytes(),
        "licenses",
        "commit",
    )
    .await;
    assert_eq!(counts(&done), (0, 0, 0, 2), "{done}");
    assert_eq!(done["errors"][0]["column"], "dongle_serial");

    let agreements = "客户编码,服务级别,开始日期,结束日期,服务内容\n\
000401,gold,2026-01-01,2026-12-31,远程支持\n\
000402,platinum,2026-01-01,2026-12-31,\n";
    let done = import(
        &app,
        &admin.token,
        "协议.csv",
        agreements.as_bytes().to_vec(),
        "agreements",
        "commit",
    )
    .await;
    assert_eq!(counts(&done), (1, 0, 0, 1), "{done}");
    assert_eq!(done["errors"][0]["column"], "服务级别");
    let again = import(
        &app,
        &admin.token,
        "协议.csv",
        agreements.as_bytes().to_vec(),
        "agreements",
        "commit",
    )
    .await;
    assert_eq!(counts(&again), (0, 0, 1, 1), "{again}");
}

#[tokio::test]
async fn a_file_without_the_required_columns_fails_as_a_whole_and_bad_forms_are_refused() {
    let app = spawn_app().await;
    let admin = app.signup("坏文件", "admin@bad.test").await;
    let done = import(
        &app,
        &admin.token,
        "x.csv",
        b"name,industry\nA,B\n".to_vec(),
        "accounts",
        "dry_run",
    )
    .await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["failure"]
            .as_str()
            .unwrap()
            .contains("code (客户编码)"),
        "{done}"
    );
    let done = import(
        &app,
        &admin.token,
        "x.csv",
        b"foo,bar\n1,2\n".to_vec(),
        "accounts",
        "dry_run",
    )
    .await;
    assert_eq!(done["status"], "failed");

    for (name, bytes, kind, mode) in [
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec(),
            "accounts",
            "commit",
        ),
        ("a.csv", b"code,name\n1,A\n".to_vec(), "customers", "commit"),
        ("a.csv", b"code,name\n1,A\n".to_vec(), "accounts", "now"),
        ("a.csv", Vec::new(), "accounts", "commit"),
    ] {
        let response = upload(&app, &admin.token, name, bytes, kind, mode, None).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let response = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&admin.token)
        .json(&json!({"kind": "accounts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list: Value = app
        .get("/api/v1/imports", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        2,
        "refused forms queue nothing"
    );

    // Templates in both languages, read back as their own fields.
    let zh = app
        .get("/api/v1/imports/templates/accounts", &admin.token)
        .await;
    assert_eq!(zh.status(), StatusCode::OK);
    assert!(zh
        .text()
        .await
        .unwrap()
        .starts_with("\u{feff}客户编码*,客户名称*"));
    let en = app
        .get("/api/v1/imports/templates/contacts?lang=en", &admin.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(en.starts_with("\u{feff}email*,account_code*,name*"), "{en}");
    let missing = app
        .get("/api/v1/imports/templates/customers", &admin.token)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_admins_and_managers_import_and_no_workspace_sees_anothers_imports() {
    let app = spawn_app().await;
    let admin = app.signup("权限", "admin@perm.test").await;
    let manager = app.staff(&admin, "manager", "manager@perm.test").await;
    let csm = app.staff(&admin, "csm", "csm@perm.test").await;
    let engineer = app.staff(&admin, "engineer", "engineer@perm.test").await;
    let file = || b"code,name\n000501,A\n".to_vec();
    for who in [&csm, &engineer] {
        let response = upload(
            &app,
            &who.token,
            "a.csv",
            file(),
            "accounts",
            "commit",
            None,
        )
        .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.get("/api/v1/imports", &who.token).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let done = import(&app, &manager.token, "a.csv", file(), "accounts", "commit").await;
    assert_eq!(counts(&done), (1, 0, 0, 0));
    let id = done["id"].as_i64().unwrap();
    let response = app.get(&format!("/api/v1/imports/{id}"), &csm.token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let other = app.signup("别家", "admin@other.test").await;
    for path in [
        format!("/api/v1/imports/{id}"),
        format!("/api/v1/imports/{id}/errors.csv"),
    ] {
        let response = app.get(&path, &other.token).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = commit(&app, &other.token, &done).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = app
        .get("/api/v1/imports", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    // The other workspace's import did not touch this one's accounts.
    assert!(accounts(&app, &other.token).await.is_empty());
}

#[tokio::test]
async fn an_import_whose_worker_stopped_is_taken_up_again_after_its_last_recorded_row() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let admin = app.signup("续导", "admin@resume.test").await;
    let mut text = String::from("客户编码,客户名称\n");
    for i in 0..1_200 {
        text.push_str(&format!("{:06},客户{i}\n", 600_000 + i));
    }
    let done = import(
        &app,
        &admin.token,
        "big.csv",
        text.clone().into_bytes(),
        "accounts",
        "commit",
    )
    .await;
    assert_eq!(counts(&done), (1_200, 0, 0, 0), "{done}");
    let id = done["id"].as_i64().unwrap();

    // As if the worker had died after its first batch: running, its lease
    // run out, 500 rows recorded, and its file still there (a finished
    // commit's file is removed).
    let file = server::domain::imports::folder(&app.app_state).join(format!("{id}.csv"));
    std::fs::write(&file, text).unwrap();
    let db = &app.app_state.db.write;
    let backend = db.get_database_backend();
    db.execute(Statement::from_string(
        backend,
        format!(
            "UPDATE imports SET status = 'running', rows_done = 500, created = 500, \
             lease_until = '2000-01-01 00:00:00+00:00', finished_at = NULL WHERE id = {id}"
        ),
    ))
    .await
    .unwrap();
    let response = app
        .post("/api/v1/admin/jobs/imports/run", &admin.token, json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["summary"]["imports"], 1, "{report}");
    let resumed = finished(&app, &admin.token, id).await;
    assert_eq!(resumed["status"], "done");
    assert_eq!(resumed["rows_done"], 1_200);
    // The 700 rows after the last recorded one were done again and found
    // in place: nothing twice.
    assert_eq!(counts(&resumed), (500, 0, 700, 0), "{resumed}");
    let row = db
        .query_one(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM accounts".to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    assert_eq!(n, 1_200);
}

#[tokio::test]
async fn files_are_kept_only_while_an_import_needs_them() {
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    let app = spawn_app_at(start).await;
    let admin = app.signup("导入保留", "admin@keep.test").await;
    let folder = server::domain::imports::folder(&app.app_state);
    let file = |id: &Value| folder.join(format!("{}.csv", id.as_i64().unwrap()));

    let dry = import(
        &app,
        &admin.token,
        "客户.csv",
        with_bom(ACCOUNTS),
        "accounts",
        "dry_run",
    )
    .await;
    assert!(
        file(&dry["id"]).exists(),
        "a dry run's file waits for its commit"
    );
    let done = committed(&app, &admin.token, &dry).await;
    assert_eq!(done["status"], "done", "{done}");
    assert!(
        !file(&done["id"]).exists(),
        "a finished commit's file is removed"
    );
    assert!(file(&dry["id"]).exists());

    // Stray uploads: one from two days ago goes, one being received stays.
    let old = folder.join("upload-old.part");
    let fresh = folder.join("upload-fresh.part");
    std::fs::write(&old, b"half").unwrap();
    std::fs::write(&fresh, b"half").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(2 * 86_400))
        .unwrap();

    let report = server::domain::imports::run_pending(&app.app_state, None)
        .await
        .unwrap();
    assert_eq!(
        report.files_removed, 1,
        "only the stray upload is old enough"
    );
    assert!(!old.exists() && fresh.exists());
    assert!(file(&dry["id"]).exists(), "a week has not passed");

    app.clock.as_ref().unwrap().advance(chrono::Duration::days(
        server::domain::imports::DRY_RUN_FILE_DAYS + 1,
    ));
    let report = server::domain::imports::run_pending(&app.app_state, None)
        .await
        .unwrap();
    assert_eq!(report.files_removed, 1);
    assert!(
        !file(&dry["id"]).exists(),
        "the dry run's file is gone after a week"
    );
    let admin = app.login_ok("admin@keep.test").await;
    let again = commit(&app, &admin.token, &dry).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("upload it again"),
        "{body}"
    );
    // What the imports did is still there to read.
    let listed: Value = app
        .get("/api/v1/imports", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
}

/// New accounts are written a batch at a time; one that collides with
/// another writer at the last moment (here a trigger stands in for the
/// other writer) fails alone, and the batch's other rows still go in,
/// each audited once.
#[tokio::test]
async fn a_new_row_that_collides_at_the_last_moment_fails_alone() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let admin = app.signup("导入冲突", "admin@collide.test").await;
    let db = &app.app_state.db.write;
    let statements: &[&str] = if backend_is_postgres() {
        &[
            "CREATE FUNCTION steal_code() RETURNS trigger AS $$ BEGIN \
             IF NEW.code = '000202' THEN RAISE unique_violation USING MESSAGE = 'taken meanwhile'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER steal BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION steal_code()",
        ]
    } else {
        &[
            "CREATE TABLE taken (k TEXT UNIQUE)",
            "INSERT INTO taken VALUES ('x')",
            "CREATE TRIGGER steal AFTER INSERT ON accounts WHEN NEW.code = '000202' \
             BEGIN INSERT INTO taken VALUES ('x'); END",
        ]
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
    let file = "客户编码,客户名称\n000201,甲公司\n000202,乙公司\n000203,丙公司\n";
    let done = import(
        &app,
        &admin.token,
        "a.csv",
        with_bom(file),
        "accounts",
        "commit",
    )
    .await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(counts(&done), (2, 0, 0, 1), "{done}");
    assert_eq!(done["errors"][0]["row"], 3, "{done}");
    let mut codes: Vec<String> = accounts(&app, &admin.token)
        .await
        .iter()
        .map(|a| a["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    assert_eq!(codes, ["000201", "000203"]);
    let audit: Value = app
        .get("/api/v1/audit?entity_type=account", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let created = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "create")
        .count();
    assert_eq!(created, 2, "{audit}");
}

/// A workbook often holds customers and contacts side by side: each kind
/// reads the worksheet whose headers are its own.
#[tokio::test]
async fn a_workbook_with_several_sheets_is_read_from_the_sheet_of_the_kind() {
    let app = spawn_app().await;
    let admin = app.signup("多表导入", "admin@sheets.test").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet().set_name("说明").unwrap();
    notes
        .write_string(0, 0, "请在后面两张表中填写客户和联系人")
        .unwrap();
    let customers = book.add_worksheet().set_name("客户").unwrap();
    for (c, h) in ["客户编码", "客户名称"].iter().enumerate() {
        customers.write_string(0, c as u16, *h).unwrap();
    }
    customers.write_string(1, 0, "000401").unwrap();
    customers.write_string(1, 1, "无锡精工有限公司").unwrap();
    let people = book.add_worksheet().set_name("联系人").unwrap();
    for (c, h) in ["客户编码", "姓名", "邮箱"].iter().enumerate() {
        people.write_string(0, c as u16, *h).unwrap();
    }
    people.write_string(1, 0, "000401").unwrap();
    people.write_string(1, 1, "王会计").unwrap();
    people.write_string(1, 2, "wang@wuxi.example.cn").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let accounts_done = import(
        &app,
        &admin.token,
        "客户资料.xlsx",
        bytes.clone(),
        "accounts",
        "commit",
    )
    .await;
    assert_eq!(counts(&accounts_done), (1, 0, 0, 0), "{accounts_done}");
    let contacts_done = import(
        &app,
        &admin.token,
        "客户资料.xlsx",
        bytes,
        "contacts",
        "commit",
    )
    .await;
    assert_eq!(counts(&contacts_done), (1, 0, 0, 0), "{contacts_done}");
    assert_eq!(
        contacts_done["columns"][1]["header"], "姓名",
        "{contacts_done}"
    );
    let account = accounts(&app, &admin.token).await;
    assert_eq!(account.len(), 1);
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{}/contacts", account[0]["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        contacts["items"][0]["email"], "wang@wuxi.example.cn",
        "{contacts}"
    );
}
