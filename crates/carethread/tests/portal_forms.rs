//! The portal's forms as a patient, a proxy or a clinician meets them, on
//! both backends: a proxy writes in the record of the patient they act for,
//! staff tell patients apart, an adolescent keeps a thread from her proxies,
//! a read-only proxy is told why there is no reply box, a refused form comes
//! back with what was typed, a reload never sends twice, a note is never a
//! reply, and the thread says whom it is assigned to.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::browser::{Browser, value_after};
use support::{TestApp, backends, spawn};

/// The text of the page's first-level heading.
fn heading(html: &str) -> String {
    let start = html.find("<h1>").map_or(0, |i| i + 4);
    html[start..].split("</h1>").next().unwrap_or_default().to_owned()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn api(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> support::Reply {
    app.call(method, path, Some(token), body).await
}

async fn thread_ids(app: &TestApp, token: &str) -> Vec<String> {
    let list = api(app, Method::GET, "/api/v1/threads", token, None).await;
    list.body["threads"].as_array().into_iter().flatten().filter_map(|t| t["id"].as_str().map(str::to_owned)).collect()
}

async fn message_count(app: &TestApp, token: &str, thread: &str) -> usize {
    let detail = api(app, Method::GET, &format!("/api/v1/threads/{thread}"), token, None).await;
    detail.body["messages"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_proxy_acting_for_maya_writes_in_mayas_record_and_is_told_so() {
    for backend in backends() {
        let app = spawn(backend).await;
        let maya_id = app.id("patient.maya");
        let carol = Browser::sign_in(&app, "proxy.carol").await;
        // Carol chooses Maya in her inbox, then opens "New message" from the menu.
        let inbox = carol.get(&format!("/inbox?patient={maya_id}")).await;
        assert_eq!(inbox.status, StatusCode::OK);
        let compose = carol.get("/compose").await;
        assert!(heading(&compose.html).contains("Maya Johnson"), "{backend:?}: {}", heading(&compose.html));
        let chosen = value_after(&compose.html, "name=\"patient\" value=\"");
        assert_eq!(chosen, maya_id, "{backend:?}: the form writes for Maya");
        let fields = [
            ("kind", "appointment"),
            ("patient", chosen.as_str()),
            ("days", "Tuesday"),
            ("body", "A check-up for Maya, please."),
        ];
        let sent = carol.post_files("/compose", &fields, &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{backend:?}: {}", sent.html);
        let page = carol.get(&sent.location).await;
        assert!(page.html.contains("Maya Johnson"), "{backend:?}: the sent page names the patient");
        let thread = sent.location.trim_end_matches("/sent").to_owned();
        assert!(carol.get(&thread).await.html.contains("About Maya Johnson"), "{backend:?}: so does the thread");
        let maya = app.login("patient.maya").await;
        let alice = app.login("patient.alice").await;
        let in_maya = api(&app, Method::GET, "/api/v1/threads", &maya, None).await.body.to_string();
        let in_alice = api(&app, Method::GET, "/api/v1/threads", &alice, None).await.body.to_string();
        assert!(in_maya.contains("An appointment") && !in_alice.contains("An appointment"), "{backend:?}");
    }
}

#[tokio::test]
async fn a_message_sent_from_a_form_is_not_sent_again_on_reload() {
    for backend in backends() {
        let app = spawn(backend).await;
        let token = app.login("patient.alice").await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let before = thread_ids(&app, &token).await.len();
        let sent =
            alice.post_files("/compose", &[("kind", "question"), ("body", "Is my new pill safe with tea?")], &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{backend:?}: {}", sent.html);
        assert!(sent.location.starts_with("/threads/"), "{backend:?}: {}", sent.location);
        for _ in 0..2 {
            let page = alice.get(&sent.location).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.html.contains("Your message was sent"), "{backend:?}");
        }
        assert_eq!(thread_ids(&app, &token).await.len(), before + 1, "{backend:?}");

        // Asking for a draft answers 303 to the thread page showing it; reloading shows the same draft.
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let thread_id = sent.location.trim_start_matches("/threads/").trim_end_matches("/sent").to_owned();
        let drafted = kim.post(&format!("/threads/{thread_id}/draft"), &[]).await;
        assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{backend:?}: {}", drafted.html);
        assert!(drafted.location.starts_with(&format!("/threads/{thread_id}?draft=")), "{backend:?}");
        let first = kim.get(&drafted.location).await;
        let again = kim.get(&drafted.location).await;
        let draft_of = |html: &str| value_after(html, "name=\"draft_id\" value=\"");
        assert!(!draft_of(&first.html).is_empty(), "{backend:?}: the draft is in the reply box");
        assert_eq!(draft_of(&first.html), draft_of(&again.html), "{backend:?}: the same draft");
        assert!(first.html.contains("Reading level: grade"), "{backend:?}");
        // Another clinician's page does not pick up someone else's draft.
        let lee = Browser::sign_in(&app, "dr.lee").await;
        assert!(draft_of(&lee.get(&drafted.location).await.html).is_empty(), "{backend:?}");

        // A reply, feedback and staff actions also answer 303 to a page that only reads.
        let thread = sent.location.trim_start_matches("/threads/").trim_end_matches("/sent").to_owned();
        let replied = alice.post_files(&format!("/threads/{thread}/reply"), &[("body", "Also, green tea.")], &[]).await;
        assert_eq!(
            (replied.status, replied.location.as_str()),
            (StatusCode::SEE_OTHER, format!("/threads/{thread}").as_str())
        );
        let count = message_count(&app, &token, &thread).await;
        alice.get(&replied.location).await;
        alice.get(&replied.location).await;
        assert_eq!(message_count(&app, &token, &thread).await, count, "{backend:?}");
    }
}

#[tokio::test]
async fn a_refused_form_comes_back_with_what_was_typed_in_the_persons_language() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let compose = alice.get("/compose").await;
        assert!(compose.html.contains("up to 5000 characters"), "{backend:?}: the limit is stated");

        let long = format!("My typed words. {}", "x".repeat(5_100));
        let page = alice
            .post_files("/compose", &[("kind", "question"), ("subject", "Kept subject"), ("body", &long)], &[])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(page.html.contains("My typed words.") && page.html.contains("Kept subject"), "{backend:?}: text kept");
        assert!(
            page.html.contains("aria-invalid=\"true\"")
                && page.html.contains("aria-describedby=\"body-hint body-error\"")
        );
        assert!(page.html.contains("longer than 5000 characters"), "{backend:?}: {}", page.html);
        assert!(page.html.contains("/signout"), "{backend:?}: the normal page, with the menu");

        let big = vec![0x25u8; 10 * 1024 * 1024 + 10];
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend_from_slice(&big);
        let page = alice
            .post_files("/compose", &[("kind", "question"), ("body", "Here is my scan.")], &[("scan.pdf", pdf.clone())])
            .await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{backend:?}");
        assert!(page.html.contains("Here is my scan.") && page.html.contains("larger than 10 MB"), "{backend:?}");
        assert!(!page.html.contains("10485760") && page.html.contains("aria-describedby=\"files-hint files-error\""));

        let five: Vec<(&str, Vec<u8>)> = (0..5).map(|_| ("p.png", PNG.to_vec())).collect();
        let page = alice.post_files("/compose", &[("kind", "question"), ("body", "Five photos")], &five).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(page.html.contains("Five photos") && page.html.contains("up to 4 files"), "{backend:?}");

        // Bob reads Spanish.
        let bob = Browser::sign_in(&app, "patient.bob").await;
        let page =
            bob.post_files("/compose", &[("kind", "question"), ("body", "Mi escaneo.")], &[("scan.pdf", pdf)]).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(page.html.contains("Mi escaneo.") && page.html.contains("más de 10 MB"), "{backend:?}");

        // An expired form is refused on a normal page, with the menu.
        let mut stale = Browser::sign_in(&app, "patient.alice").await;
        stale.csrf = "expired".into();
        let refused = stale.post("/proxies/grant", &[("username", "proxy.carol"), ("scope", "read_only")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(refused.html.contains("/signout") && refused.html.contains("This form expired"), "{backend:?}");

        // A proxy grant for an unknown username comes back on the proxies page with the name kept.
        let grant = alice.post("/proxies/grant", &[("username", "nobody.here"), ("scope", "read_only")]).await;
        assert_eq!(grant.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(grant.html.contains("value=\"nobody.here\"") && grant.html.contains("proxy-username-error"));
        assert!(grant.html.contains("/signout") && grant.html.contains("There is no proxy account"), "{backend:?}");

        // A reply that is too long keeps its text in the reply box.
        let token = app.login("patient.alice").await;
        let thread = app.new_thread(&token, "Question", "A first message.").await;
        let page = alice.post_files(&format!("/threads/{thread}/reply"), &[("body", &long)], &[]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(
            page.html.contains("My typed words.")
                && page.html.contains("aria-describedby=\"reply-body-hint reply-body-error\"")
        );
        assert_eq!(message_count(&app, &token, &thread).await, 1, "{backend:?}: nothing was written");
    }
}

#[tokio::test]
async fn a_read_only_proxy_is_told_why_instead_of_given_a_box_that_fails() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Knee", "My knee hurts when I climb stairs.").await;
        let carol_id = app.id("proxy.carol");
        let grants = api(&app, Method::GET, "/api/v1/grants", &alice, None).await;
        for g in grants.body["grants"].as_array().into_iter().flatten() {
            let id = g["id"].as_str().expect("grant id");
            api(&app, Method::DELETE, &format!("/api/v1/grants/{id}"), &alice, None).await;
        }
        let made = app.post("/api/v1/grants", &alice, json!({"proxy_id": carol_id, "scope": "read_only"})).await;
        assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);

        let carol = Browser::sign_in(&app, "proxy.carol").await;
        let page = carol.get(&format!("/threads/{thread}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.html.contains(&format!("action=\"/threads/{thread}/reply\"")), "{backend:?}: no reply box");
        assert!(page.html.contains("read-only"), "{backend:?}: says why");
        let inbox = carol.get(&format!("/inbox?patient={}", app.id("patient.alice"))).await;
        assert!(
            !inbox.html.contains("href=\"/compose?patient=") && inbox.html.contains("read-only"),
            "{backend:?}: inbox"
        );
        let compose = carol.get(&format!("/compose?patient={}", app.id("patient.alice"))).await;
        assert!(!compose.html.contains("id=\"body\""), "{backend:?}: no message box");
        assert!(compose.html.contains("read-only"), "{backend:?}: says why");

        // With every grant ended, Carol is told she acts for no one.
        let maya = app.login("patient.maya").await;
        for token in [&alice, &maya] {
            let grants = api(&app, Method::GET, "/api/v1/grants", token, None).await;
            for g in grants.body["grants"].as_array().into_iter().flatten() {
                let id = g["id"].as_str().expect("grant id");
                api(&app, Method::DELETE, &format!("/api/v1/grants/{id}"), token, None).await;
            }
        }
        let compose = carol.get("/compose").await;
        assert!(compose.html.contains("do not act for any patient") && !compose.html.contains("id=\"body\""));
    }
}

#[tokio::test]
async fn an_internal_note_is_its_own_action_and_never_a_reply() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Dizzy", "I feel a little dizzy after my new pill.").await;
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains(&format!("action=\"/threads/{thread}/note\"")), "{backend:?}: a note form");
        assert!(page.html.contains("Add internal note — staff only"), "{backend:?}");
        assert!(!page.html.contains("name=\"internal\""), "{backend:?}: no checkbox on the reply box");

        // The reply button posts a reply even if the form were to say "internal".
        let replied = kim
            .post_files(
                &format!("/threads/{thread}/reply"),
                &[("body", "Please sit down when dizzy."), ("internal", "true")],
                &[],
            )
            .await;
        assert_eq!(replied.status, StatusCode::SEE_OTHER, "{backend:?}: {}", replied.html);
        let noted = kim.post(&format!("/threads/{thread}/note"), &[("body", "Check her blood pressure log.")]).await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER, "{backend:?}: {}", noted.html);
        let patient_view =
            api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &alice, None).await.body.to_string();
        assert!(patient_view.contains("Please sit down"), "{backend:?}: the reply reached the patient");
        assert!(!patient_view.contains("blood pressure log"), "{backend:?}: the note did not");
        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Internal note — not visible to the patient"), "{backend:?}");
        let empty = kim.post(&format!("/threads/{thread}/note"), &[("body", " ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        // A patient cannot post a note.
        let patient = Browser::sign_in(&app, "patient.alice").await;
        let refused = patient.post(&format!("/threads/{thread}/note"), &[("body", "sneaky")]).await;
        assert!(refused.status.is_client_error(), "{backend:?}: {}", refused.status);
    }
}

#[tokio::test]
async fn the_thread_says_whom_it_is_assigned_to_and_forwarding_to_a_pool_does_what_the_form_says() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Cough", "I have had a dry cough for a week.").await;
        let kim_token = app.login("rn.kim").await;
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Not assigned"), "{backend:?}");
        kim.post(&format!("/threads/{thread}/manage"), &[("action", "assign_me")]).await;
        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Assigned to Nurse Daniel Kim"), "{backend:?}");
        assert!(page.html.contains("Clear the assignee") && page.html.contains("Keep it assigned"), "{backend:?}");

        // To a pool, keeping the assignee.
        let kept = [("action", "forward"), ("pool", "nurse-triage"), ("assignee_rule", "keep")];
        assert_eq!(kim.post(&format!("/threads/{thread}/manage"), &kept).await.status, StatusCode::SEE_OTHER);
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &kim_token, None).await;
        assert_eq!(detail.body["assignee"]["display_name"], "Nurse Daniel Kim", "{backend:?}");
        // To a pool, clearing it (the form's default).
        let cleared = [("action", "forward"), ("pool", "nurse-triage"), ("assignee_rule", "clear")];
        assert_eq!(kim.post(&format!("/threads/{thread}/manage"), &cleared).await.status, StatusCode::SEE_OTHER);
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &kim_token, None).await;
        assert!(detail.body["assignee"].is_null(), "{backend:?}: {}", detail.body["assignee"]);
        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Not assigned") && page.html.contains("Nurse triage"), "{backend:?}");
        // A forward to nowhere comes back with its note and says what to choose.
        let nowhere = kim
            .post(&format!("/threads/{thread}/manage"), &[("action", "forward"), ("note", "Please look today.")])
            .await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(nowhere.html.contains("Please look today.") && nowhere.html.contains("Choose a pool or a colleague"));
        assert!(nowhere.html.contains("aria-describedby=\"forward-pool-error\""), "{backend:?}");
    }
}

#[tokio::test]
async fn an_adolescent_keeps_a_thread_from_her_proxies_in_the_portal() {
    for backend in backends() {
        let app = spawn(backend).await;
        let maya = Browser::sign_in(&app, "patient.maya").await;
        let compose = maya.get("/compose").await;
        assert!(compose.html.contains("name=\"confidential\""), "{backend:?}: offered to Maya (15)");
        assert!(compose.html.contains("will not see it") && compose.html.contains("care team will"), "{backend:?}");
        let adult = Browser::sign_in(&app, "patient.alice").await.get("/compose").await;
        assert!(!adult.html.contains("name=\"confidential\""), "{backend:?}: not offered to an adult");

        let fields = [
            ("kind", "question"),
            ("subject", "Private question"),
            ("body", "Something I want to keep private."),
            ("confidential", "true"),
        ];
        let sent = maya.post_files("/compose", &fields, &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{backend:?}: {}", sent.html);
        let carol = app.login("proxy.carol").await;
        let seen_by_carol = api(&app, Method::GET, "/api/v1/threads", &carol, None).await.body.to_string();
        assert!(!seen_by_carol.contains("Private question"), "{backend:?}");

        // An existing thread.
        let maya_token = app.login("patient.maya").await;
        let rash = app.new_thread(&maya_token, "Rash on my arm", "An itchy red rash on my arm since Saturday.").await;
        let shown = api(&app, Method::GET, &format!("/api/v1/threads/{rash}"), &carol, None).await;
        assert_eq!(shown.status, StatusCode::OK, "{backend:?}: her proxy sees it before");
        let page = maya.get(&format!("/threads/{rash}")).await;
        assert!(page.html.contains(&format!("action=\"/threads/{rash}/confidential\"")), "{backend:?}");
        let marked = maya.post(&format!("/threads/{rash}/confidential"), &[("confidential", "true")]).await;
        assert_eq!(marked.status, StatusCode::SEE_OTHER, "{backend:?}: {}", marked.html);
        let hidden = api(&app, Method::GET, &format!("/api/v1/threads/{rash}"), &carol, None).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{backend:?}");
        let kim = app.login("rn.kim").await;
        let staff = api(&app, Method::GET, &format!("/api/v1/threads/{rash}"), &kim, None).await;
        assert_eq!((staff.status, staff.body["confidential"].as_bool()), (StatusCode::OK, Some(true)), "{backend:?}");
        // Adults cannot.
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let alice_token = app.login("patient.alice").await;
        let hers = app.new_thread(&alice_token, "Mine", "A message.").await;
        let refused = alice.post(&format!("/threads/{hers}/confidential"), &[("confidential", "true")]).await;
        assert!(refused.status.is_client_error(), "{backend:?}: {}", refused.status);
    }
}

#[tokio::test]
async fn staff_tell_patients_apart_by_date_of_birth_and_record_number() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let alice_id = app.id("patient.alice");
        let bad = api(
            &app,
            Method::PATCH,
            &format!("/api/v1/admin/users/{alice_id}"),
            &admin,
            Some(json!({"mrn": "12 34!"})),
        )
        .await;
        assert_eq!(
            (bad.status, bad.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("mrn")),
            "{backend:?}"
        );
        let set = api(
            &app,
            Method::PATCH,
            &format!("/api/v1/admin/users/{alice_id}"),
            &admin,
            Some(json!({"mrn": "MRN-00123"})),
        )
        .await;
        assert_eq!(set.status, StatusCode::OK, "{backend:?}: {:?}", set.body);
        assert_eq!(set.body["mrn"], "MRN-00123");

        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Refill", "I need more of my pills.").await;
        let maya = app.login("patient.maya").await;
        app.new_thread(&maya, "Refill", "I need more of my inhaler.").await;
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let basket = kim.get("/inbasket?status=all").await;
        for expected in ["Alice Johnson", "Apr 12, 1968", "MRN-00123", "Maya Johnson", "Feb 20, 2011"] {
            assert!(basket.html.contains(expected), "{backend:?}: in-basket lacks {expected}");
        }
        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Apr 12, 1968") && page.html.contains("MRN-00123"), "{backend:?}: thread header");
        let own = Browser::sign_in(&app, "patient.alice").await.get(&format!("/threads/{thread}")).await;
        assert!(!own.html.contains("MRN-00123"), "{backend:?}: staff only");

        // An administrator sets one from the portal's user list too.
        let admin_page = Browser::sign_in(&app, "admin").await;
        let bob_id = app.id("patient.bob");
        let saved = admin_page.post(&format!("/admin/users/{bob_id}"), &[("mrn", "B-42")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}: {}", saved.html);
        let users = admin_page.get("/admin/users").await;
        assert!(users.html.contains("value=\"B-42\""), "{backend:?}");
        let taken = admin_page.post(&format!("/admin/users/{bob_id}"), &[("mrn", "MRN-00123")]).await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "{backend:?}: another patient's number");

        // An administrator adds a patient with a record number.
        let made = app
            .post(
                "/api/v1/admin/users",
                &admin,
                json!({"username": "patient.tom", "display_name": "Tom Johnson", "role": "patient", "date_of_birth": "1990-01-02", "mrn": "A-77", "password": "violet tram seventeen"}),
            )
            .await;
        assert_eq!((made.status, made.body["mrn"].as_str()), (StatusCode::CREATED, Some("A-77")), "{backend:?}");
    }
}

/// Who posts, where, and the form's fields (besides its token).
type FormPost<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn every_kind_of_portal_form_refuses_a_post_without_the_pages_token_and_changes_nothing() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin_token = app.login("admin").await;
        let users_before = api(&app, Method::GET, "/api/v1/admin/users", &admin_token, None).await.body;
        let alice_token = app.login("patient.alice").await;
        let thread = app.new_thread(&alice_token, "Refill", "Could you renew my lisinopril?").await;
        let thread_path = format!("/api/v1/threads/{thread}");
        let thread_before = api(&app, Method::GET, &thread_path, &alice_token, None).await.body;
        assert!(thread_before["status"].is_string(), "{thread_before}");
        let posts: [FormPost; 9] = [
            ("patient.alice", "/notifications".into(), vec![("channel", "none")]),
            ("patient.alice", "/proxies/grant".into(), vec![("username", "proxy.carol")]),
            ("rn.kim", "/away".into(), vec![("from", ""), ("until", "2030-01-01T08:00"), ("coverer", "")]),
            ("rn.kim", format!("/threads/{thread}/manage"), vec![("action", "close")]),
            ("rn.kim", format!("/threads/{thread}/held"), vec![("body", "later"), ("release_at", "")]),
            ("admin", "/admin/users".into(), vec![("username", "forged.user"), ("role", "nurse")]),
            ("admin", "/admin/pools".into(), vec![("action", "create"), ("slug", "forged"), ("name", "Forged")]),
            ("admin", "/admin/jobs/not-a-job/retry".into(), vec![]),
            ("admin", "/admin/users/not-a-user/away".into(), vec![("until", "2030-01-01T08:00")]),
        ];
        for (who, path, fields) in &posts {
            let mut forged = Browser::sign_in(&app, who).await;
            forged.csrf = "forged".into();
            let refused = forged.post(path, fields).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}: {who} {path}: {}", refused.html);
            let mut missing = Browser::sign_in(&app, who).await;
            missing.csrf = String::new();
            let refused = missing.post(path, fields).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}: {who} {path} with no token");
        }
        let users_after = api(&app, Method::GET, "/api/v1/admin/users", &admin_token, None).await.body;
        assert_eq!(users_before, users_after, "{backend:?}");
        let pools = api(&app, Method::GET, "/api/v1/pools", &admin_token, None).await;
        assert!(!pools.body.to_string().contains("forged"), "{backend:?}: {}", pools.body);
        let thread_after = api(&app, Method::GET, &thread_path, &alice_token, None).await.body;
        assert_eq!(thread_before["status"], thread_after["status"], "{backend:?}");
        assert_eq!(thread_before["messages"], thread_after["messages"], "{backend:?}");
    }
}
