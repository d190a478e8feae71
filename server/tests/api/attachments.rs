//! Ticket attachments: accepted types only, ≤ 10 MiB, visible to those who
//! may see the ticket.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image body";

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    path: &str,
    name: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!(
            "{path}?file_name={}",
            crate::accounts::urlencode(name)
        )))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn files_are_type_checked_size_limited_and_only_for_those_who_see_the_ticket() {
    let app = spawn_app().await;
    let admin = app.signup("W", "att@x.cn").await;
    let (account, alice) = app.portal_user(&admin, "alice@att.cn", "1").await;
    let (_, stranger) = app.portal_user(&admin, "stranger@att.cn", "2").await;
    let t: Value = app
        .post("/api/v1/portal/tickets", &alice.token, json!({"module": "finance", "category": "bug", "priority": "p2", "subject": "凭证过账报错"}))
        .await
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let _ = account;

    let response = upload(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{id}/attachments"),
        "报错截图.png",
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let attachment: Value = response.json().await.unwrap();
    assert_eq!(attachment["file_name"], "报错截图.png");
    assert_eq!(attachment["size_bytes"], PNG.len());

    // Staff see and download it.
    let list: Value = app
        .get(&format!("/api/v1/tickets/{id}/attachments"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let response = app
        .get(
            &format!("/api/v1/attachments/{}", attachment["id"]),
            &admin.token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    // A staff reply with a PDF.
    let response = upload(
        &app,
        &admin.token,
        &format!("/api/v1/tickets/{id}/attachments"),
        "操作手册.pdf",
        "application/pdf",
        b"%PDF-1.7 manual".to_vec(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let portal_list: Value = app
        .get(
            &format!("/api/v1/portal/tickets/{id}/attachments"),
            &alice.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(portal_list.as_array().unwrap().len(), 2);

    // Refused: forbidden types, a type that lies about the content, too large, empty, unnamed.
    let path = format!("/api/v1/portal/tickets/{id}/attachments");
    for (name, ct, body) in [
        (
            "setup.exe",
            "application/x-msdownload",
            b"MZ\x90\x00".to_vec(),
        ),
        (
            "page.html",
            "text/html",
            b"<script>alert(1)</script>".to_vec(),
        ),
        (
            "fake.png",
            "image/png",
            b"<script>alert(1)</script>".to_vec(),
        ),
        ("empty.txt", "text/plain", Vec::new()),
        ("..", "text/plain", b"x".to_vec()),
    ] {
        let response = upload(&app, &alice.token, &path, name, ct, body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let mut big = PNG.to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let response = upload(&app, &alice.token, &path, "big.png", "image/png", big).await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let list: Value = app
        .get(&format!("/api/v1/tickets/{id}/attachments"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "nothing refused was stored"
    );

    // Someone who may not see the ticket sees nothing of it.
    let response = app
        .get(
            &format!("/api/v1/portal/attachments/{}", attachment["id"]),
            &stranger.token,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .get(
            &format!("/api/v1/portal/tickets/{id}/attachments"),
            &stranger.token,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = upload(
        &app,
        &stranger.token,
        &path,
        "x.png",
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let other = app.signup("O", "att-o@x.cn").await;
    for url in [
        format!("/api/v1/attachments/{}", attachment["id"]),
        format!("/api/v1/tickets/{id}/attachments"),
    ] {
        assert_error(
            app.get(&url, &other.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let response = app
        .get(
            &format!("/api/v1/portal/attachments/{}", attachment["id"]),
            &alice.token,
        )
        .await;
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
}

#[actix_web::test]
async fn internal_files_stay_with_the_staff_and_closed_tickets_and_quotas_take_no_more() {
    let app = spawn_app_with(|c| c.attachment_quota_mb = 1).await;
    let admin = app.signup("W", "att-i@x.cn").await;
    let (_, alice) = app.portal_user(&admin, "alice@att-i.cn", "1").await;
    let t: Value = app
        .post("/api/v1/portal/tickets", &alice.token, json!({"module": "finance", "category": "bug", "priority": "p2", "subject": "凭证过账报错"}))
        .await
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let staff_path = format!("/api/v1/tickets/{id}/attachments");
    let public: Value = upload(
        &app,
        &admin.token,
        &staff_path,
        "解决步骤.png",
        "image/png",
        PNG.to_vec(),
    )
    .await
    .json()
    .await
    .unwrap();
    let r = app
        .client
        .post(app.url(&format!(
            "{staff_path}?file_name=internal.png&internal=true"
        )))
        .bearer_auth(&admin.token)
        .header("Content-Type", "image/png")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let hidden: Value = r.json().await.unwrap();
    assert_eq!(hidden["internal"], true);
    assert_eq!(public["internal"], false, "public unless asked");

    // Staff see both; the customer only the public one, and the internal
    // file is not served to them by id either.
    let staff_list: Value = app
        .get(&staff_path, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff_list.as_array().unwrap().len(), 2);
    let portal_list: Value = app
        .get(
            &format!("/api/v1/portal/tickets/{id}/attachments"),
            &alice.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = portal_list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["解决步骤.png"]);
    assert_error(
        app.get(
            &format!("/api/v1/portal/attachments/{}", hidden["id"]),
            &alice.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The workspace quota (1 MiB here): a file that would pass it is refused
    // with the quota in the message.
    let mut big = PNG.to_vec();
    big.resize(1024 * 1024, 0);
    let body = assert_error(
        upload(&app, &admin.token, &staff_path, "big.png", "image/png", big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("1 MiB"),
        "{body}"
    );

    // A closed ticket takes no more files, from either side.
    let r = app
        .patch(
            &format!("/api/v1/tickets/{id}"),
            &admin.token,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    for (token, path) in [
        (&admin.token, staff_path.clone()),
        (
            &alice.token,
            format!("/api/v1/portal/tickets/{id}/attachments"),
        ),
    ] {
        assert_error(
            upload(&app, token, &path, "late.png", "image/png", PNG.to_vec()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let staff_list: Value = app
        .get(&staff_path, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        staff_list.as_array().unwrap().len(),
        2,
        "nothing refused was stored"
    );
}

#[cfg(unix)]
#[actix_web::test]
async fn stored_files_are_readable_by_the_server_alone() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let admin = app.signup("W", "att-p@x.cn").await;
    let (_, alice) = app.portal_user(&admin, "alice@att-p.cn", "1").await;
    let t: Value = app
        .post("/api/v1/portal/tickets", &alice.token, json!({"module": "finance", "category": "bug", "priority": "p2", "subject": "凭证过账报错"}))
        .await
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let r = upload(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{id}/attachments"),
        "截图.png",
        "image/png",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let data = app.app_state.config.data_dir.clone();
    assert_eq!(mode(&data), 0o700);
    let root = data.join("attachments");
    assert_eq!(mode(&root), 0o700);
    let workspace_dir = std::fs::read_dir(&root)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(mode(&workspace_dir), 0o700);
    let file = std::fs::read_dir(&workspace_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(mode(&file), 0o600, "{}", file.display());
    if !backend_is_postgres() {
        let url = app.app_state.config.database_url();
        let db = url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(mode(std::path::Path::new(&db)), 0o600);
    }

    // Behind https://, browsers are told to stay there; over plain http the
    // header would mean nothing.
    let r = app
        .request(reqwest::Method::GET, "/healthz", None, None)
        .await;
    assert!(r.headers().get("strict-transport-security").is_none());
    let secure = spawn_app_with(|c| c.public_url = "https://cs.example.com".into()).await;
    let r = secure
        .request(reqwest::Method::GET, "/healthz", None, None)
        .await;
    assert_eq!(
        r.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
}

/// A file of several megabytes downloads whole, streamed from the store in
/// chunks (nothing held whole in memory), with its length announced, to
/// staff and to the customer alike.
#[actix_web::test]
async fn a_large_attachment_streams_whole_with_its_length() {
    let app = spawn_app().await;
    let admin = app.signup("W", "stream@x.cn").await;
    let (_, alice) = app.portal_user(&admin, "alice@stream.cn", "1").await;
    let t: Value = app
        .post("/api/v1/portal/tickets", &alice.token, json!({"module": "finance", "category": "bug", "priority": "p2", "subject": "导出文件打不开"}))
        .await
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let mut body = PNG.to_vec();
    body.extend((0..3_000_000u32).map(|i| (i % 251) as u8));
    let response = upload(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{id}/attachments"),
        "大截图.png",
        "image/png",
        body.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let attachment: Value = response.json().await.unwrap();
    for (token, path) in [
        (
            &admin.token,
            format!("/api/v1/attachments/{}", attachment["id"]),
        ),
        (
            &alice.token,
            format!("/api/v1/portal/attachments/{}", attachment["id"]),
        ),
    ] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.headers()["content-length"].to_str().unwrap(),
            body.len().to_string(),
            "{path}"
        );
        assert_eq!(r.bytes().await.unwrap().to_vec(), body, "{path}");
    }
}
