//! Addresses belong to a workspace (issue 13): sign-up and invitations
//! answer the same whether or not another tenant uses an address; a
//! sign-up address is confirmed by e-mail before its workspace sends mail;
//! nobody sets another person's password.

use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::email_outbox;

use crate::helpers::*;
use crate::reminders;

async fn signup_with(app: &TestApp, workspace: &str, email: &str, password: &str) -> Value {
    let response = app
        .request(
            Method::POST,
            "/api/v1/signup",
            None,
            Some(json!({"workspace_name": workspace, "name": "某人", "email": email, "password": password})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/me", token).await.json().await.unwrap()
}

#[actix_web::test]
async fn signing_up_with_an_address_another_workspace_uses_answers_the_same_and_reaches_nothing() {
    let app = spawn_app().await;
    let owner = app.signup("甲公司", "taken@x.cn").await;
    app.create_account(&owner.token, "甲的客户", "1").await;

    // A stranger types the same address (in other case): the same 201 as
    // for a new one, with a workspace of its own.
    let stranger = signup_with(&app, "乙公司", "TAKEN@x.cn", "a stranger's passphrase").await;
    let fresh = signup_with(&app, "丙公司", "fresh@x.cn", "another passphrase!").await;
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&stranger), keys(&fresh));
    assert_eq!(keys(&stranger["user"]), keys(&fresh["user"]));
    let stranger_token = stranger["access_token"].as_str().unwrap();
    let stranger_me = me(&app, stranger_token).await;
    assert_ne!(
        stranger_me["workspace"]["id"], owner.user["workspace_id"],
        "{stranger_me}"
    );
    assert_eq!(stranger_me["workspace"]["email_verified"], false);
    let accounts: Value = app
        .get("/api/v1/accounts", stranger_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accounts["items"].as_array().unwrap().len(), 0);

    // The real owner is told, in a mail that names the new workspace.
    let told = app.mail.wait_for("taken@x.cn").await;
    assert!(told.body().contains("乙公司"), "{}", told.body());

    // Each password signs in to its own workspace; the owner's is untouched.
    let back = app.login_ok("taken@x.cn").await;
    assert_eq!(back.user["workspace_id"], owner.user["workspace_id"]);
    let other = app
        .login_ok_with("taken@x.cn", "a stranger's passphrase")
        .await;
    assert_eq!(other.user["workspace_id"], stranger["user"]["workspace_id"]);
    assert_error(
        app.login("taken@x.cn", "nobody's passphrase").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // With the same password in both, `workspace_id` chooses.
    let same = signup_with(&app, "丁公司", "taken@x.cn", PASSWORD).await;
    let chosen = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "taken@x.cn", "password": PASSWORD,
                        "workspace_id": same["user"]["workspace_id"]})),
        )
        .await;
    assert_eq!(chosen.status(), StatusCode::OK);
    let chosen = session_of(chosen).await;
    assert_eq!(chosen.user["workspace_id"], same["user"]["workspace_id"]);
    // Without it, the login that confirmed the address comes first.
    let default = app.login_ok("taken@x.cn").await;
    assert_eq!(default.user["workspace_id"], owner.user["workspace_id"]);
}

#[actix_web::test]
async fn an_invitation_to_an_address_another_workspace_uses_is_no_conflict() {
    let app = spawn_app().await;
    let a = app.signup("A", "a-admin@x.cn").await;
    let a_csm = app.staff(&a, "csm", "shared@x.cn").await;
    let b = app.signup("B", "b-admin@x.cn").await;

    // B invites the same person: created, as for any new address.
    let response = app
        .post(
            "/api/v1/users",
            &b.token,
            json!({"name": "共享", "email": "Shared@x.cn", "role": "engineer"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let b_engineer = app.accept_invitation("shared@x.cn").await;
    assert_eq!(b_engineer.user["workspace_id"], b.user["workspace_id"]);
    assert_eq!(b_engineer.user["role"], "engineer");
    // The login in A is untouched; both sign in with the same password
    // (A's, confirmed first, unless B's is chosen).
    assert_eq!(app.login_ok("shared@x.cn").await.id(), a_csm.id());

    // Within one workspace the address is taken: that is A's own business.
    let again = app
        .post(
            "/api/v1/users",
            &b.token,
            json!({"name": "重复", "email": "shared@x.cn", "role": "csm"}),
        )
        .await;
    let error = assert_error(again, StatusCode::CONFLICT, "conflict").await;
    assert!(error["fields"]["email"].is_string(), "{error}");

    // A contact whose address is a login elsewhere gets portal access too.
    let account = app.create_account(&b.token, "客户", "2").await;
    let contact = app
        .create_contact(
            &b.token,
            account["id"].as_i64().unwrap(),
            "门户",
            "a-admin@x.cn",
        )
        .await;
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
            &b.token,
            json!({"role": "customer"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn nobody_sets_another_persons_password() {
    let app = spawn_app().await;
    let admin = app.signup("W", "pw-admin@x.cn").await;
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "N", "email": "pw-csm@x.cn", "role": "csm", "password": PASSWORD}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["password"].is_string(), "{error}");
    let account = app.create_account(&admin.token, "客户", "3").await;
    let contact = app
        .create_contact(
            &admin.token,
            account["id"].as_i64().unwrap(),
            "门户",
            "pw-portal@kehu.cn",
        )
        .await;
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
            &admin.token,
            json!({"role": "customer", "password": PASSWORD}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["password"].is_string(), "{error}");
    // Nothing was created: neither login exists.
    let users: Value = app
        .get("/api/v1/users", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "{users}");
    for email in ["pw-csm@x.cn", "pw-portal@kehu.cn"] {
        assert_eq!(
            app.login(email, PASSWORD).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

#[actix_web::test]
async fn an_unconfirmed_workspace_sends_no_mail_until_its_address_is_confirmed() {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap()).await;
    reminders::set_day(&app, 30);
    let admin = app.signup_unconfirmed("W", "hold@x.cn").await;
    assert_eq!(
        me(&app, &admin.token).await["workspace"]["email_verified"],
        false
    );

    // What a user starts that mails someone is refused, and changes nothing.
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "N", "email": "hold-csm@x.cn", "role": "csm"}),
        )
        .await;
    let error = assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        error["message"].as_str().unwrap().contains("confirm"),
        "{error}"
    );
    let users: Value = app
        .get("/api/v1/users", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
    let account = app.create_account(&admin.token, "客户", "4").await;
    let contact = app
        .create_contact(
            &admin.token,
            account["id"].as_i64().unwrap(),
            "门户",
            "hold-portal@kehu.cn",
        )
        .await;
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
            &admin.token,
            json!({"role": "customer"}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let survey = app
        .post(
            "/api/v1/surveys",
            &admin.token,
            json!({"name": "NPS", "question_zh": "您有多大可能推荐我们？",
                   "question_en": "How likely are you to recommend us?",
                   "contact_ids": [contact["id"]]}),
        )
        .await;
    assert_error(survey, StatusCode::FORBIDDEN, "forbidden").await;
    let surveys: Value = app
        .get("/api/v1/surveys", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(surveys["items"].as_array().unwrap().len(), 0, "{surveys}");

    // Mail the system sends on its own (a renewal reminder to the owner)
    // waits in the outbox.
    reminders::add_contract(&app, &admin.token, &account, "50000.00").await;
    let report = reminders::run_job(&app).await;
    assert_eq!(report["reminders"], 1, "{report}");
    let state = &app.app_state;
    state
        .mailer
        .deliver_pending(&state.db, state.clock.as_ref())
        .await
        .unwrap();
    let held = email_outbox::Entity::find()
        .filter(email_outbox::Column::Status.eq("held"))
        .all(&state.db.read)
        .await
        .unwrap();
    assert!(
        held.iter()
            .any(|m| m.to_addr == "hold@x.cn" && m.subject.contains("续约")),
        "{held:?}"
    );
    let subjects: Vec<String> = held.iter().map(|m| m.subject.clone()).collect();
    let received = |subject: &str| {
        app.mail
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.header("Subject").is_some_and(|s| s == subject))
            .count()
    };
    for subject in &subjects {
        assert_eq!(received(subject), 0, "{subject}");
    }

    // A fresh link can be asked for (one every two minutes); a bogus or
    // used one does nothing.
    app.clock
        .as_ref()
        .unwrap()
        .advance(chrono::Duration::minutes(3));
    let resend = app
        .request(
            Method::POST,
            "/api/v1/me/email-verification",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(resend.status(), StatusCode::ACCEPTED);
    let bogus = app
        .request(
            Method::POST,
            "/api/v1/auth/verify-email",
            None,
            Some(json!({"token": "not-a-token"})),
        )
        .await;
    assert_error(bogus, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let first = app.mail.take_link("hold@x.cn", "/verify-email").await;
    app.confirm_address("hold@x.cn").await; // the second link
    let used = app
        .request(
            Method::POST,
            "/api/v1/auth/verify-email",
            None,
            Some(json!({ "token": first })),
        )
        .await;
    assert_error(used, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        me(&app, &admin.token).await["workspace"]["email_verified"],
        true
    );

    // Confirmed: what was held goes out, once, and invitations work.
    for _ in 0..100 {
        if subjects.iter().all(|s| received(s) > 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for subject in &subjects {
        assert_eq!(
            received(subject),
            subjects.iter().filter(|s| *s == subject).count(),
            "{subject}"
        );
    }
    app.staff(&admin, "csm", "hold-csm@x.cn").await;
    let again = app
        .request(
            Method::POST,
            "/api/v1/me/email-verification",
            Some(&admin.token),
            None,
        )
        .await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;
}

#[actix_web::test]
async fn a_reset_for_an_address_in_two_workspaces_mails_a_link_for_each() {
    let app = spawn_app().await;
    let a = app.signup("甲工作区", "two@x.cn").await;
    let b = signup_with(&app, "乙工作区", "two@x.cn", "the other passphrase").await;
    // The second sign-up's confirmation goes to the same address.
    app.confirm_address("two@x.cn").await;
    let response = app
        .request(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"email": "two@x.cn"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mut reset_in = Vec::new();
    for _ in 0..2 {
        let token = app.mail.take_link("two@x.cn", "/reset-password").await;
        let response = app
            .request(
                Method::POST,
                "/api/v1/auth/password-reset/confirm",
                None,
                Some(json!({"token": token, "password": format!("new passphrase {}", reset_in.len())})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        reset_in.push(reset_in.len());
    }
    // Each link set its own login's password.
    let first = app.login_ok_with("two@x.cn", "new passphrase 0").await;
    let second = app.login_ok_with("two@x.cn", "new passphrase 1").await;
    let mut workspaces = vec![
        first.user["workspace_id"].clone(),
        second.user["workspace_id"].clone(),
    ];
    workspaces.sort_by_key(|v| v.as_i64());
    let mut expected = vec![
        a.user["workspace_id"].clone(),
        b["user"]["workspace_id"].clone(),
    ];
    expected.sort_by_key(|v| v.as_i64());
    assert_eq!(workspaces, expected);
}

#[actix_web::test]
async fn invitations_racing_for_one_address_create_one_login_and_name_the_field() {
    let app = spawn_app().await;
    let admin = app.signup("W", "race-admin@x.cn").await;
    let attempts = (0..8).map(|_| {
        app.post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "同一人", "email": "race@x.cn", "role": "csm"}),
        )
    });
    let answers = futures_util::future::join_all(attempts).await;
    let mut created = 0;
    for answer in answers {
        if answer.status() == StatusCode::CREATED {
            created += 1;
            continue;
        }
        // Past the check or stopped by the unique index: the same answer.
        let error = assert_error(answer, StatusCode::CONFLICT, "conflict").await;
        assert!(error["fields"]["email"].is_string(), "{error}");
        assert_eq!(
            error["field_keys"]["email"]["key"], "auth.email_in_use",
            "{error}"
        );
    }
    assert_eq!(created, 1);
}

#[actix_web::test]
async fn a_person_in_two_workspaces_sees_the_other_one_and_a_stranger_sees_none() {
    let app = spawn_app().await;
    let a = app.signup("甲公司", "a-boss@x.cn").await;
    let b = app.signup("乙公司", "b-boss@x.cn").await;
    let in_a = app.staff(&a, "csm", "consultant@x.cn").await;
    app.staff(&b, "engineer", "consultant@x.cn").await;
    let listed = |token: String| {
        let app = &app;
        async move {
            let r = app.get("/api/v1/me/workspaces", &token).await;
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|w| w["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(in_a.token.clone()).await, vec!["乙公司".to_string()]);

    // A stranger signs up with the same address: their (unconfirmed) login
    // learns no workspace, and is offered to nobody.
    let stranger = signup_with(
        &app,
        "冒名公司",
        "consultant@x.cn",
        "a stranger's passphrase",
    )
    .await;
    assert!(
        listed(stranger["access_token"].as_str().unwrap().to_string())
            .await
            .is_empty()
    );
    assert_eq!(listed(in_a.token.clone()).await, vec!["乙公司".to_string()]);
    // Nobody else's list changes.
    assert!(listed(a.token.clone()).await.is_empty());
    assert_eq!(
        app.request(Method::GET, "/api/v1/me/workspaces", None, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
