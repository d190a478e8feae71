//! Ticket attachments: accepted types only, ≤ 10 MiB, visible to those who
//! may see the ticket.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image body";

async fn upload(
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
