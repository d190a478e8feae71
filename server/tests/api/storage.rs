//! Stored files on a real S3 API server (`moto` in server mode, from
//! PyPI: `scripts/install-tools.sh`): attachments and imports go to the
//! bucket and come back, nothing lands on the replica's disk, and
//! `steward storage migrate` moves a file store's objects to S3, resuming
//! after an interruption.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::storage::Storage;

use crate::attachments::{upload as attach, PNG};
use crate::helpers::*;

#[path = "../support/moto.rs"]
mod moto;
use crate::imports::{committed, import, with_bom, ACCOUNTS};
use moto::Moto;

async fn ticket(app: &TestApp, portal: &Session) -> i64 {
    let t: Value = app
        .post("/api/v1/portal/tickets", &portal.token, json!({"module": "finance", "category": "bug", "priority": "p2", "subject": "凭证过账报错"}))
        .await
        .json()
        .await
        .unwrap();
    t["id"].as_i64().unwrap()
}

async fn download(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let r = app.get(path, token).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn attachments_and_imports_live_in_the_s3_bucket_not_on_the_replicas_disk() {
    let moto = Moto::start().await;
    let url = moto.bucket("steward-files").await;
    let app = spawn_app_with(|c| c.storage_url = Some(url.clone())).await;
    app.app_state.storage.check().await.unwrap();

    let admin = app.signup("对象存储", "admin@s3.test").await;
    let (_, alice) = app.portal_user(&admin, "alice@s3.test", "1").await;
    let id = ticket(&app, &alice).await;
    let mut body = PNG.to_vec();
    body.extend((0..200_000u32).map(|i| (i % 251) as u8));
    let r = attach(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{id}/attachments"),
        "截图.png",
        "image/png",
        body.clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let attachment: Value = r.json().await.unwrap();
    let path = format!("/api/v1/attachments/{}", attachment["id"]);
    assert_eq!(download(&app, &admin.token, &path).await, body);
    let portal_path = format!("/api/v1/portal/attachments/{}", attachment["id"]);
    assert_eq!(download(&app, &alice.token, &portal_path).await, body);

    let keys = moto.keys("steward-files").await;
    let stored: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("attachments/"))
        .collect();
    assert_eq!(stored.len(), 1, "{keys:?}");
    let data_dir = app.app_state.config.data_dir.clone();
    assert!(
        !data_dir.join("attachments").exists(),
        "nothing is written to the replica's disk"
    );
    assert!(
        !keys.iter().any(|k| k.starts_with(".steward-probe/")),
        "the readiness probe cleans up: {keys:?}"
    );

    // An import's file goes to the bucket; the worker reads it from there
    // (as another replica would), and a commit's file is removed at its end.
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
    let done = committed(&app, &admin.token, &dry).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (&done["rows_done"], &done["created"]),
        (&json!(5), &json!(1)),
        "{done}"
    );
    let keys = moto.keys("steward-files").await;
    assert!(
        keys.contains(&format!("imports/{}.csv", dry["id"])),
        "{keys:?}"
    );
    assert!(
        !keys.contains(&format!("imports/{}.csv", done["id"])),
        "{keys:?}"
    );
    let local: Vec<_> = std::fs::read_dir(data_dir.join("imports"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        local.is_empty(),
        "uploads and the worker's copies are gone: {local:?}"
    );
}

#[tokio::test]
async fn an_interrupted_migration_to_s3_resumes_and_every_file_reads_from_the_new_store() {
    let moto = Moto::start().await;
    let url = moto.bucket("steward-moved").await;
    // Files written by a one-machine install: the default file store.
    let app = spawn_app().await;
    assert!(app.app_state.storage.local_path("x/y").is_some());
    let admin = app.signup("迁移", "admin@move.test").await;
    let (_, alice) = app.portal_user(&admin, "alice@move.test", "1").await;
    let id = ticket(&app, &alice).await;
    let mut attachments = Vec::new();
    for i in 0..4u8 {
        let mut body = PNG.to_vec();
        body.extend(std::iter::repeat_n(i, 1000 * usize::from(i + 1)));
        let r = attach(
            &app,
            &admin.token,
            &format!("/api/v1/tickets/{id}/attachments"),
            &format!("图{i}.png"),
            "image/png",
            body.clone(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let a: Value = r.json().await.unwrap();
        attachments.push((a["id"].as_i64().unwrap(), body));
    }
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

    let data_dir = app.app_state.config.data_dir.clone();
    let migrate = |extra: &[&str]| {
        let mut args = vec![
            "storage".to_string(),
            "migrate".into(),
            "--from".into(),
            format!("file://{}", data_dir.display()),
            "--to".into(),
            url.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = Command::new(env!("CARGO_BIN_EXE_steward"))
            .args(&args)
            .env("STEWARD_DATA_DIR", &data_dir)
            .env("STEWARD_LOG_FORMAT", "text")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    // The first run is cut off after two files …
    let first = migrate(&["--max-objects", "2"]);
    assert!(first.contains("[2/5] copied 2"), "{first}");
    assert!(first.contains("run the same command again"), "{first}");
    assert_eq!(moto.keys("steward-moved").await.len(), 2);
    // … and a later file is left half-written, as a kill would leave it.
    let target = Storage::from_url(&url).unwrap();
    let source = app.app_state.storage.clone();
    let mut all = source.list("attachments/").await.unwrap();
    all.extend(source.list("imports/").await.unwrap());
    all.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(all.len(), 5);
    target.put(&all[4].key, b"half".to_vec()).await.unwrap();

    let second = migrate(&[]);
    assert!(
        second.contains("[5/5] copied 3") && second.contains("already there 2"),
        "{second}"
    );
    assert!(
        second.contains("every stored file is in s3://steward-moved"),
        "{second}"
    );
    assert!(!second.contains("secret_access_key=test"), "{second}");
    for object in &all {
        assert_eq!(
            target.get(&object.key).await.unwrap(),
            source.get(&object.key).await.unwrap(),
            "{}",
            object.key
        );
    }
    let third = migrate(&[]);
    assert!(third.contains("[5/5] copied 0"), "{third}");

    // A replica on the same database with the new store serves every file.
    let database_url = app.app_state.config.database_url();
    let replica = spawn_app_with(|c| {
        c.database_url = Some(database_url);
        c.storage_url = Some(url.clone());
    })
    .await;
    let admin = replica.login_ok("admin@move.test").await;
    for (id, body) in &attachments {
        let path = format!("/api/v1/attachments/{id}");
        assert_eq!(&download(&replica, &admin.token, &path).await, body);
    }
    let done = committed(&replica, &admin.token, &dry).await;
    assert_eq!(done["status"], "done", "{done}");
    assert!(!replica
        .app_state
        .config
        .data_dir
        .join("attachments")
        .exists());
}
