//! The FHIR R4 API against the real server, on both databases: who reads
//! which Communications, searching and paging, the `CapabilityStatement`
//! listing exactly what answers, and every resource served validated by
//! real FHIR tooling (`fhir.resources`, when `CARETHREAD_TEST_FHIR` names a
//! Python that has it).

#[path = "support/fhir_check.rs"]
mod fhir_check;
#[path = "support/smart.rs"]
mod smart;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Backend, Reply, TestApp, backends, spawn};

const FHIR_JSON: &str = "application/fhir+json";

/// Calls the FHIR API and keeps every resource it answered with, for the
/// conformance check.
struct Client<'a> {
    app: &'a TestApp,
    seen: Vec<Value>,
}

impl<'a> Client<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self { app, seen: Vec::new() }
    }

    /// `GET` a FHIR path (relative to `/fhir/r4`, or an absolute link).
    async fn get(&mut self, path: &str, token: Option<&str>) -> Reply {
        let url = if path.starts_with("http") { path.to_owned() } else { format!("{}/fhir/r4/{path}", self.app.base) };
        let mut req = self.app.http.get(url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let reply = TestApp::reply(req).await;
        assert_eq!(
            reply.content_type,
            FHIR_JSON,
            "GET {path}: {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.raw)
        );
        if !reply.status.is_success() {
            assert_eq!(reply.body["resourceType"], "OperationOutcome", "GET {path}: {:?}", reply.body);
        }
        self.seen.push(reply.body.clone());
        reply
    }

    /// `PUT` a resource to a FHIR path (relative to `/fhir/r4`).
    async fn put(&mut self, path: &str, token: &str, resource: &Value) -> Reply {
        let url = format!("{}/fhir/r4/{path}", self.app.base);
        let req = self.app.http.put(url).bearer_auth(token).header("content-type", FHIR_JSON).json(resource);
        let reply = TestApp::reply(req).await;
        assert_eq!(reply.content_type, FHIR_JSON, "PUT {path}: {} {:?}", reply.status, reply.body);
        self.seen.push(reply.body.clone());
        reply
    }

    /// `POST` a resource to a FHIR path (relative to `/fhir/r4`).
    async fn post(&mut self, path: &str, token: &str, resource: &Value) -> Reply {
        let url = format!("{}/fhir/r4/{path}", self.app.base);
        let req = self.app.http.post(url).bearer_auth(token).header("content-type", FHIR_JSON).json(resource);
        let reply = TestApp::reply(req).await;
        assert_eq!(reply.content_type, FHIR_JSON, "POST {path}: {} {:?}", reply.status, reply.body);
        self.seen.push(reply.body.clone());
        reply
    }

    /// `GET` that must answer 200, returning the body.
    async fn ok(&mut self, path: &str, token: &str) -> Value {
        let reply = self.get(path, Some(token)).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {:?}", reply.body);
        reply.body
    }
}

fn entries(bundle: &Value) -> Vec<Value> {
    bundle["entry"].as_array().map(|e| e.iter().map(|x| x["resource"].clone()).collect()).unwrap_or_default()
}

fn ids(bundle: &Value) -> Vec<String> {
    entries(bundle).iter().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect()
}

fn next_link(bundle: &Value) -> Option<String> {
    bundle["link"].as_array()?.iter().find(|l| l["relation"] == "next")?["url"].as_str().map(str::to_owned)
}

async fn reply_in(app: &TestApp, token: &str, thread: &str, body: Value) {
    let r = app.post(&format!("/api/v1/threads/{thread}/messages"), token, body).await;
    assert!(r.status.is_success(), "{:?}", r.body);
}

/// Alice's thread with a reply from her nurse, an internal note and a photo;
/// Bob's thread. Returns (alice's thread, bob's thread).
async fn seed(app: &TestApp) -> (String, String) {
    let alice = app.login("patient.alice").await;
    let kim = app.login("rn.kim").await;
    let bob = app.login("patient.bob").await;
    let thread = app.new_thread(&alice, "Refill for lisinopril", "I am almost out of my blood pressure pills").await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).file_name("reading.png"));
    let uploaded = TestApp::reply(
        app.http.post(format!("{}/api/v1/threads/{thread}/attachments", app.base)).bearer_auth(&alice).multipart(form),
    )
    .await;
    assert!(uploaded.status.is_success(), "{:?}", uploaded.body);
    // The nurse opens it (a read receipt), notes, and answers.
    assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &kim).await.status, StatusCode::OK);
    reply_in(app, &kim, &thread, json!({"body": "Checked the chart", "internal": true})).await;
    reply_in(app, &kim, &thread, json!({"body": "Sent to your pharmacy today"})).await;
    let bobs = app.new_thread(&bob, "Knee pain", "My knee hurts after running").await;
    (thread, bobs)
}

/// A patient reads her own Communications and gets 404 for another patient's,
/// exactly as for one that does not exist.
async fn patient_reads_her_own_and_not_anothers(app: &TestApp, fhir: &mut Client<'_>) {
    let (thread, _) = seed(app).await;
    let alice = app.login("patient.alice").await;
    let bob = app.login("patient.bob").await;
    let alice_id = app.id("patient.alice");

    let mine = fhir.ok("Communication", &alice).await;
    assert_eq!(mine["type"], "searchset");
    // Her message (with its photo) and the nurse's answer; never the internal note.
    assert_eq!(mine["total"], 3, "{mine}");
    let resources = entries(&mine);
    assert!(resources.iter().all(|c| c["subject"]["reference"] == format!("Patient/{alice_id}")));
    assert!(resources.iter().all(|c| c["payload"][0]["contentString"] != "Checked the chart"));
    assert!(resources.iter().all(|c| c.get("extension").is_none()), "patients are not shown triage");
    assert!(resources.iter().all(|c| c["partOf"][0]["identifier"]["value"] == thread.as_str()));
    let answer = &resources[0];
    assert_eq!(answer["payload"][0]["contentString"], "Sent to your pharmacy today");
    assert_eq!(answer["sender"]["reference"], format!("Practitioner/{}", app.id("rn.kim")));
    assert_eq!(answer["recipient"][0]["reference"], format!("Patient/{alice_id}"));
    assert!(answer["inResponseTo"][0]["reference"].as_str().is_some_and(|r| r.starts_with("Communication/")));
    let first = &resources[2];
    assert_eq!(first["topic"]["text"], "Refill for lisinopril");
    assert_eq!(first["status"], "completed");
    assert!(first["received"].as_str().is_some(), "the nurse opened it: {first}");

    let bobs_search = fhir.ok("Communication", &bob).await;
    let bobs_message = ids(&bobs_search).pop().expect("bob's message");
    let alices_message = ids(&mine).pop().expect("alice's message");
    let own = fhir.ok(&format!("Communication/{alices_message}"), &alice).await;
    assert_eq!(own["id"], alices_message.as_str());

    let other = fhir.get(&format!("Communication/{bobs_message}"), Some(&alice)).await;
    let missing = fhir.get("Communication/0190a0a0-0000-7000-8000-000000000000", Some(&alice)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.body, missing.body, "another patient's message answers exactly like a missing one");
    let other_patient = fhir.get(&format!("Patient/{}", app.id("patient.bob")), Some(&alice)).await;
    assert_eq!(other_patient.status, StatusCode::NOT_FOUND);
    assert_eq!(other_patient.body, fhir.get("Patient/not-an-id", Some(&alice)).await.body);
    let herself = fhir.ok(&format!("Patient/{alice_id}"), &alice).await;
    assert_eq!(herself["resourceType"], "Patient");
    // Her reading through FHIR is in the audit log, as through the JSON API.
    let auditor = app.login("auditor").await;
    let log = app.get("/api/v1/audit?action=message.read", &auditor).await;
    let read_by_alice = log.body["entries"]
        .as_array()
        .is_some_and(|entries| entries.iter().any(|e| e["actor"]["id"] == alice_id.as_str()));
    assert!(read_by_alice, "{:?}", log.body);
    // Naming Bob as the subject finds nothing of his.
    let crossed = fhir.ok(&format!("Communication?subject=Patient/{}", app.id("patient.bob")), &alice).await;
    assert_eq!(crossed["total"], 0);
}

/// A nurse on the care team searches by subject and sees the internal note
/// and the triage; staff must name a subject; bad parameters answer 400.
async fn nurse_searches_by_subject(app: &TestApp, fhir: &mut Client<'_>) {
    let (thread, _) = seed(app).await;
    let kim = app.login("rn.kim").await;
    let alice_id = app.id("patient.alice");
    let found = fhir.ok(&format!("Communication?subject=Patient/{alice_id}"), &kim).await;
    assert_eq!(found["total"], 4, "{found}");
    let resources = entries(&found);
    let note = resources.iter().find(|c| c["payload"][0]["contentString"] == "Checked the chart").expect("the note");
    assert_eq!(note["category"][1]["coding"][0]["code"], "internal-note");
    let first = resources.last().expect("the patient's message");
    let triage = &first["extension"][0];
    assert!(triage["url"].as_str().is_some_and(|u| u.ends_with("/triage")), "{first}");
    assert!(triage["extension"].as_array().is_some_and(|e| e.iter().any(|x| x["url"] == "modelVersion")));
    // The photo came as a message of its own, with no text.
    let with_photo = resources.iter().find(|c| c["payload"][0].get("contentAttachment").is_some()).expect("the photo");
    let photo = &with_photo["payload"][0]["contentAttachment"];
    assert_eq!(photo["contentType"], "image/png");
    assert!(photo["url"].as_str().is_some_and(|u| u.contains(&format!("/api/v1/threads/{thread}/attachments/"))));
    assert!(photo["extension"][0]["valueBase64Binary"].as_str().is_some());
    assert!(photo.get("hash").is_none());

    let by_thread = fhir.ok(&format!("Communication?part-of={thread}&sent=ge2000-01-01&_count=100"), &kim).await;
    assert_eq!(by_thread["total"], 4);
    let future = fhir.ok(&format!("Communication?subject=Patient/{alice_id}&sent=gt2099-01-01"), &kim).await;
    assert_eq!(future["total"], 0);
    // By the conversation's category and urgency; with its Task included for staff.
    let category = first["category"][0]["coding"][0]["code"].as_str().expect("category").to_owned();
    let priority = first["priority"].as_str().expect("priority").to_owned();
    let by_both = format!("Communication?subject=Patient/{alice_id}&category={category}&priority={priority}");
    assert_eq!(fhir.ok(&by_both, &kim).await["total"], 4);
    let other = if priority == "asap" { "routine" } else { "asap" };
    let elsewise = fhir.ok(&format!("Communication?subject=Patient/{alice_id}&priority={other}"), &kim).await;
    assert_eq!(elsewise["total"], 0);
    let with_task = fhir.ok(&format!("Communication?part-of={thread}&_include=Communication:part-of"), &kim).await;
    let included: Vec<&Value> =
        with_task["entry"].as_array().expect("entries").iter().filter(|e| e["search"]["mode"] == "include").collect();
    assert_eq!(included.len(), 1, "{with_task}");
    assert_eq!(
        (&included[0]["resource"]["resourceType"], &included[0]["resource"]["id"]),
        (&json!("Task"), &json!(thread))
    );
    let alice = app.login("patient.alice").await;
    let hers = fhir.ok(&format!("Communication?part-of={thread}&_include=Communication:part-of"), &alice).await;
    let modes = hers["entry"].as_array().expect("entries").iter().map(|e| e["search"]["mode"].clone());
    assert!(modes.into_iter().all(|m| m == "match"), "a patient reads no tasks: {hers}");
    let lee = fhir.ok(&format!("Practitioner/{}", app.id("rn.kim")), &kim).await;
    assert_eq!(lee["resourceType"], "Practitioner");
    assert_eq!(fhir.ok(&format!("Patient/{alice_id}"), &kim).await["id"], alice_id.as_str());

    for bad in [
        "Communication",
        "Communication?subject=Patient/x",
        "Communication?_count=0",
        "Communication?sent=ne2026-01-01",
        "Communication?category=medication",
        "Communication?_cursor=oops",
    ] {
        let r = fhir.get(bad, Some(&kim)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
        assert_eq!(r.body["issue"][0]["code"], "invalid");
    }
    let anonymous = fhir.get("Communication", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["issue"][0]["code"], "login");
}

/// Pages of two follow `next` links through every message once, newest first.
async fn paging_follows_next(app: &TestApp, fhir: &mut Client<'_>) {
    let alice = app.login("patient.alice").await;
    let thread = app.new_thread(&alice, "Several readings", "Reading 0").await;
    for n in 1..=4 {
        reply_in(app, &alice, &thread, json!({"body": format!("Reading {n}")})).await;
    }
    let mut page = fhir.ok(&format!("Communication?part-of={thread}&_count=2"), &alice).await;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert_eq!(page["total"], 5);
        seen.extend(entries(&page).iter().map(|c| c["payload"][0]["contentString"].as_str().unwrap_or("").to_owned()));
        match next_link(&page) {
            Some(next) => page = fhir.ok(&next, &alice).await,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["Reading 4", "Reading 3", "Reading 2", "Reading 1", "Reading 0"]);
}

/// Every interaction and search parameter the `CapabilityStatement` lists
/// answers; resource types and interactions it does not list do not.
/// A nurse works her in-basket as FHIR `Task`s: each waiting conversation
/// is `ready` with its owner and due time, an answered one `on-hold`;
/// claiming one makes her its owner; pages follow `next` links without a
/// repeat; the pool is a `Group` of its staff; patients are refused.
async fn nurse_works_tasks(app: &TestApp, fhir: &mut Client<'_>) {
    let (answered, bobs) = seed(app).await;
    let kim = app.login("rn.kim").await;
    let kim_id = app.id("rn.kim");
    let ready = fhir.ok("Task?status=ready", &kim).await;
    let waiting = entries(&ready);
    let bobs_task = waiting.iter().find(|t| t["id"] == bobs.as_str()).expect("Bob's question waits for the care team");
    assert_eq!((&bobs_task["status"], &bobs_task["intent"]), (&json!("ready"), &json!("order")));
    assert_eq!(bobs_task["for"]["reference"], format!("Patient/{}", app.id("patient.bob")));
    assert!(bobs_task["restriction"]["period"]["end"].is_string(), "{bobs_task}");
    assert!(waiting.iter().all(|t| t["status"] == "ready"), "{ready}");
    let owner = bobs_task["owner"]["reference"].as_str().expect("owned by its pool").to_owned();
    assert!(owner.starts_with("Group/"), "{owner}");

    let on_hold = fhir.ok(&format!("Task/{answered}"), &kim).await;
    assert_eq!(on_hold["status"], "on-hold", "answered: waiting for the patient");
    assert!(on_hold.get("restriction").is_none(), "nothing is due from the care team");

    // Kim claims Bob's question: she owns the task now.
    let claimed = app
        .call(Method::PATCH, &format!("/api/v1/threads/{bobs}"), Some(&kim), Some(json!({"assignee_id": kim_id})))
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{:?}", claimed.body);
    let mine = fhir.ok(&format!("Task?owner=Practitioner/{kim_id}"), &kim).await;
    assert_eq!(ids(&mine), std::slice::from_ref(&bobs));
    assert_eq!(entries(&mine)[0]["owner"]["reference"], format!("Practitioner/{kim_id}"));

    // One task a page: every task once, by the next links.
    let mut seen = Vec::new();
    let mut page = fhir.ok("Task?_count=1", &kim).await;
    loop {
        seen.extend(ids(&page));
        match next_link(&page) {
            Some(next) => page = fhir.ok(&next, &kim).await,
            None => break,
        }
    }
    let mut distinct = seen.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), seen.len(), "no task twice: {seen:?}");
    assert!(seen.contains(&bobs) && seen.contains(&answered), "{seen:?}");

    // Kim hands it to Dr. Lee and closes it, by PUT of the Task with its status and owner changed.
    let lee_id = app.id("dr.lee");
    let mut changed = fhir.ok(&format!("Task/{bobs}"), &kim).await;
    changed["status"] = json!("completed");
    changed["owner"] = json!({"reference": format!("Practitioner/{lee_id}")});
    let updated = fhir.put(&format!("Task/{bobs}"), &kim, &changed).await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(
        (&updated.body["status"], &updated.body["owner"]["reference"]),
        (&json!("completed"), &json!(format!("Practitioner/{lee_id}")))
    );
    let thread = app.get(&format!("/api/v1/threads/{bobs}"), &kim).await;
    assert_eq!(
        (&thread.body["status"], &thread.body["assignee"]["id"]),
        (&json!("closed"), &json!(lee_id)),
        "the conversation itself changed"
    );
    // Back to its pool, unassigned, waiting for the care team again.
    let mut back = updated.body.clone();
    back["status"] = json!("ready");
    back["owner"] = json!({"reference": owner.clone()});
    let reopened = fhir.put(&format!("Task/{bobs}"), &kim, &back).await;
    assert_eq!((reopened.status, &reopened.body["owner"]["reference"]), (StatusCode::OK, &json!(owner.clone())));
    for (element, value) in
        [("status", json!("draft")), ("id", json!("someone-else")), ("owner", json!({"reference": "Patient/x"}))]
    {
        let mut bad = back.clone();
        bad[element] = value;
        assert_eq!(fhir.put(&format!("Task/{bobs}"), &kim, &bad).await.status, StatusCode::BAD_REQUEST, "{element}");
    }
    let mut unknown_pool = back.clone();
    unknown_pool["owner"] = json!({"reference": format!("Group/{}", uuid_like())});
    assert_eq!(fhir.put(&format!("Task/{bobs}"), &kim, &unknown_pool).await.status, StatusCode::BAD_REQUEST);

    let group = fhir.ok(&owner, &kim).await;
    assert_eq!(group["resourceType"], "Group");
    let members: Vec<&str> =
        group["member"].as_array().into_iter().flatten().filter_map(|m| m["entity"]["reference"].as_str()).collect();
    assert!(members.contains(&format!("Practitioner/{kim_id}").as_str()), "{group}");

    let alice = app.login("patient.alice").await;
    for path in ["Task?status=ready".to_owned(), format!("Task/{answered}"), owner.clone()] {
        assert_eq!(fhir.get(&path, Some(&alice)).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(fhir.put(&format!("Task/{bobs}"), &alice, &back).await.status, StatusCode::FORBIDDEN);
    for bad in ["Task?status=draft", "Task?owner=Patient/x", "Task?priority=stat", "Task?subject=Patient/1"] {
        assert_eq!(fhir.get(bad, Some(&kim)).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let nobody = format!("Task/{}", uuid_like());
    assert_eq!(fhir.get(&nobody, Some(&kim)).await.status, StatusCode::NOT_FOUND);
}

fn uuid_like() -> &'static str {
    "00000000-0000-7000-8000-000000000000"
}

/// A reply `token` sends from a draft in `thread`; the message's id.
async fn drafted_reply(app: &TestApp, token: &str, thread: &str) -> String {
    let drafted = app.post(&format!("/api/v1/threads/{thread}/drafts"), token, json!({})).await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{:?}", drafted.body);
    let body = json!({"body": drafted.body["body"], "draft_id": drafted.body["id"]});
    let sent = app.post(&format!("/api/v1/threads/{thread}/messages"), token, body).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    sent.body["id"].as_str().expect("message id").to_owned()
}

/// A patient's care team and an AI-assisted reply's provenance, as staff
/// and patients may (and may not) read them.
async fn team_and_provenance(
    app: &TestApp,
    fhir: &mut Client<'_>,
    kim: &str,
    alice_id: &str,
    assisted: &str,
    plain: &str,
) {
    // The reply's provenance names Kim and the drafting model; the patient reads it too, another does not.
    let provenance = fhir.ok(&format!("Provenance/{assisted}"), kim).await;
    assert_eq!(provenance["agent"][0]["who"]["reference"], format!("Practitioner/{}", app.id("rn.kim")));
    assert!(
        provenance["agent"][1]["who"]["display"].as_str().is_some_and(|d| d.contains("carethread-replies")),
        "{provenance}"
    );
    fhir.ok(&format!("Provenance/{assisted}"), &app.login("patient.bob").await).await;
    let other = app.login("patient.alice").await;
    assert_eq!(fhir.get(&format!("Provenance/{assisted}"), Some(&other)).await.status, StatusCode::NOT_FOUND);
    // A message written without a draft has none.
    assert_eq!(fhir.get(&format!("Provenance/{plain}"), Some(kim)).await.status, StatusCode::NOT_FOUND);
    // The patient's care team names the clinicians who look after her.
    let team = fhir.ok(&format!("CareTeam/{alice_id}"), kim).await;
    let members: Vec<&str> = team["participant"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["member"]["reference"].as_str())
        .collect();
    assert!(members.contains(&format!("Practitioner/{}", app.id("rn.kim")).as_str()), "{team}");
    let bob = app.login("patient.bob").await;
    assert_eq!(fhir.get(&format!("CareTeam/{alice_id}"), Some(&bob)).await.status, StatusCode::NOT_FOUND);
    let none = fhir.ok(&format!("CareTeam?subject=Patient/{alice_id}"), &bob).await;
    assert!(entries(&none).is_empty(), "another patient's team is not found: {none}");
}

/// What the capability test asks with: an id of each resource type, the
/// token that may read it, and an example value of each search parameter.
struct Known {
    alice_id: String,
    kim_id: String,
    thread: String,
    message: String,
    category: String,
    priority: String,
    pool: String,
    assisted: String,
    entry: String,
    subscription: String,
    grant: String,
    carol_id: String,
    kim: String,
    auditor: String,
    system: String,
}

impl Known {
    async fn gather(app: &TestApp, fhir: &mut Client<'_>) -> Self {
        let (thread, bobs) = seed(app).await;
        let kim = app.login("rn.kim").await;
        let alice_id = app.id("patient.alice");
        let in_thread = fhir.ok(&format!("Communication?part-of={thread}"), &kim).await;
        let first = entries(&in_thread)[0].clone();
        // A reply Kim sent from a draft to Bob's question: it has a Provenance.
        let assisted = drafted_reply(app, &kim, &bobs).await;
        // The audit log is the privacy officer's to read.
        let auditor = app.login("auditor").await;
        let entry = app.get("/api/v1/audit?limit=1", &auditor).await.body["entries"][0]["seq"].to_string();
        // Subscriptions are a registered system's.
        let system = system_token(app, "system/Subscription.crds").await;
        let made = fhir.post("Subscription", &system, &created_example("Subscription", &alice_id, &thread)).await;
        // Alice's record number, for a search by identifier.
        let admin = app.login("admin").await;
        let user_path = format!("/api/v1/admin/users/{alice_id}");
        let numbered = app.call(Method::PATCH, &user_path, Some(&admin), Some(json!({"mrn": "A-1001"}))).await;
        assert!(numbered.status.is_success(), "{:?}", numbered.body);
        Self {
            kim_id: app.id("rn.kim"),
            message: ids(&in_thread).pop().expect("a message"),
            category: first["category"][0]["coding"][0]["code"].as_str().expect("code").to_owned(),
            priority: first["priority"].as_str().expect("priority").to_owned(),
            pool: app.store.pool_by_slug("nurse-triage").await.expect("pool").expect("nurse triage").id.to_string(),
            subscription: made.body["id"].as_str().expect("a subscription").to_owned(),
            grant: app
                .store
                .proxy_grants(Some(alice_id.parse().expect("id")), None)
                .await
                .expect("grants")
                .first()
                .expect("Carol's access to Alice")
                .id
                .to_string(),
            carol_id: app.id("proxy.carol"),
            alice_id,
            thread,
            assisted,
            entry,
            kim,
            auditor,
            system,
        }
    }

    fn token(&self, resource: &str) -> &str {
        match resource {
            "AuditEvent" => &self.auditor,
            "Subscription" => &self.system,
            _ => &self.kim,
        }
    }

    fn id(&self, resource: &str) -> &str {
        match resource {
            "AuditEvent" => &self.entry,
            "Subscription" => &self.subscription,
            "RelatedPerson" => &self.grant,
            "Communication" => &self.message,
            // A patient's care team has the patient's id.
            "Patient" | "CareTeam" => &self.alice_id,
            "Provenance" => &self.assisted,
            "Task" => &self.thread,
            "Group" => &self.pool,
            _ => &self.kim_id,
        }
    }

    fn example(&self, kind: &str, param: &str) -> String {
        match (kind, param) {
            ("Patient", "name") => "alice".to_owned(),
            ("Practitioner", "name") => "kim".to_owned(),
            ("Group", "name") => "triage".to_owned(),
            ("RelatedPerson", "identifier") => {
                format!("https://carethread.org/fhir/NamingSystem/user-id|{}", self.carol_id)
            }
            (_, "identifier") => "https://carethread.org/fhir/NamingSystem/mrn|A-1001".to_owned(),
            (_, "subject" | "patient") => format!("Patient/{}", self.alice_id),
            (_, "part-of") => self.thread.clone(),
            (_, "sent" | "date" | "_lastUpdated") => "ge2000-01-01".to_owned(),
            (_, "category") => self.category.clone(),
            (_, "priority") => self.priority.clone(),
            (_, "owner") => format!("Group/{}", self.pool),
            (_, "status") => "on-hold".to_owned(),
            (_, "target") => format!("Communication/{}", self.assisted),
            (_, "agent") => format!("Practitioner/{}", self.kim_id),
            (_, "type") => "thread.read".to_owned(),
            (_, other) => panic!("no example value for the listed search parameter {other}"),
        }
    }
}

/// Every interaction and search parameter a listed resource type has answers.
async fn listed_answers(app: &TestApp, fhir: &mut Client<'_>, known: &Known, resource: &Value) -> String {
    let kind = resource["type"].as_str().expect("type").to_owned();
    let interactions: Vec<&str> =
        resource["interaction"].as_array().into_iter().flatten().filter_map(|i| i["code"].as_str()).collect();
    let (token, id) = (known.token(&kind), known.id(&kind));
    if interactions.contains(&"read") {
        let read = fhir.ok(&format!("{kind}/{id}"), token).await;
        if interactions.contains(&"update") {
            // Sent back as read, it changes nothing and answers the same resource.
            let put = fhir.put(&format!("{kind}/{id}"), token, &read).await;
            assert_eq!((put.status, &put.body["id"]), (StatusCode::OK, &read["id"]), "{kind} update");
        }
    } else {
        assert_eq!(fhir.get(&format!("{kind}/{id}"), Some(&known.kim)).await.status, StatusCode::NOT_FOUND);
    }
    if interactions.contains(&"create") {
        let sent = fhir.post(&kind, token, &created_example(&kind, &known.alice_id, &known.thread)).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{kind} create: {:?}", sent.body);
        if interactions.contains(&"delete") {
            let url = format!("{}/fhir/r4/{kind}/{}", app.base, sent.body["id"].as_str().expect("id"));
            let gone = TestApp::reply(app.http.delete(url).bearer_auth(token)).await;
            assert_eq!(gone.status, StatusCode::NO_CONTENT, "{kind} delete");
        }
    }
    let params: Vec<&str> =
        resource["searchParam"].as_array().into_iter().flatten().filter_map(|p| p["name"].as_str()).collect();
    if interactions.contains(&"search-type") {
        for param in &params {
            // A search by time alone is too wide for staff: name the patient too.
            let narrow = kind == "Communication" && ["sent", "_lastUpdated", "category", "priority"].contains(param);
            let also = if narrow { format!("&subject=Patient/{}", known.alice_id) } else { String::new() };
            let query = format!("{kind}?{param}={}{also}", known.example(&kind, param));
            let found = fhir.ok(&query, token).await;
            assert!(!entries(&found).is_empty(), "{query}: {found}");
        }
    } else {
        assert!(params.is_empty());
        assert_eq!(
            fhir.get(&kind, Some(&known.kim)).await.status,
            StatusCode::NOT_FOUND,
            "{kind} search is not listed"
        );
    }
    kind
}

async fn capability_statement_lists_exactly_what_answers(app: &TestApp, fhir: &mut Client<'_>) {
    let statement = fhir.get("metadata", None).await;
    assert_eq!(statement.status, StatusCode::OK);
    assert_eq!(statement.body["fhirVersion"], "4.0.1");
    let known = Known::gather(app, fhir).await;
    let mut listed_types = Vec::new();
    for resource in statement.body["rest"][0]["resource"].as_array().cloned().unwrap_or_default() {
        listed_types.push(listed_answers(app, fhir, &known, &resource).await);
    }
    let expected =
        ["Communication", "Task", "Group", "CareTeam", "Provenance", "AuditEvent", "RelatedPerson", "Subscription"];
    assert_eq!(listed_types, [&expected[..], &["Patient", "Practitioner"]].concat());
    team_and_provenance(app, fhir, &known.kim, &known.alice_id, &known.assisted, &known.message).await;
    unlisted_answer_nothing(app, fhir, &known.kim, &known.message).await;
}

/// Types, addresses and interactions the statement does not list are not served.
async fn unlisted_answer_nothing(app: &TestApp, fhir: &mut Client<'_>, kim: &str, message: &str) {
    for kind in ["CommunicationRequest", "Observation"] {
        assert_eq!(fhir.get(kind, Some(kim)).await.status, StatusCode::NOT_FOUND, "{kind}");
        assert_eq!(fhir.get(&format!("{kind}/{}", uuid_like()), Some(kim)).await.status, StatusCode::NOT_FOUND);
    }
    // Addresses that name nothing answer 404 as an OperationOutcome too.
    for nothing in ["Patient/%FF%FE", "Communication/..%2F..%2Fapi", "", "Patient/"] {
        assert_eq!(fhir.get(nothing, Some(kim)).await.status, StatusCode::NOT_FOUND, "{nothing:?}");
    }
    let base = TestApp::reply(app.http.get(format!("{}/fhir/r4", app.base)).bearer_auth(kim)).await;
    assert_eq!((base.status, base.content_type.as_str()), (StatusCode::NOT_FOUND, FHIR_JSON));
    // Nor are interactions it does not list.
    let write = TestApp::reply(
        app.http.request(Method::DELETE, format!("{}/fhir/r4/Communication/{message}", app.base)).bearer_auth(kim),
    )
    .await;
    assert_eq!(write.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(write.content_type, FHIR_JSON);
    let created = fhir.post("Task", kim, &json!({"resourceType": "Task"})).await;
    assert_eq!(created.status, StatusCode::METHOD_NOT_ALLOWED, "Task create is not listed");
}

/// A registered system's token (a nurse's role) with `scopes`.
async fn system_token(app: &TestApp, scopes: &str) -> String {
    let admin = app.login("admin").await;
    let signer = smart::Signer::ec();
    let registered = smart::register(app, &admin, &signer, scopes).await;
    let granted = smart::token_for(app, &signer, registered["client_id"].as_str().expect("id"), scopes).await;
    granted.body["access_token"].as_str().expect("token").to_owned()
}

/// A resource to create of a type whose create the statement lists.
fn created_example(kind: &str, patient: &str, thread: &str) -> Value {
    match kind {
        "Subscription" => json!({
            "resourceType": "Subscription", "status": "requested", "reason": "capability test",
            "criteria": "https://carethread.org/fhir/SubscriptionTopic/communication-created",
            "channel": {"type": "rest-hook", "endpoint": "https://lab.example/hook", "payload": "application/fhir+json"}
        }),
        "Communication" => json!({
            "resourceType": "Communication", "status": "completed",
            "subject": {"reference": format!("Patient/{patient}")},
            "partOf": [{"reference": format!("Task/{thread}")}],
            "payload": [{"contentString": "Your results are back and look fine."}]
        }),
        other => panic!("no example to create for the listed {other} create"),
    }
}

#[tokio::test]
async fn a_patient_reads_her_own_communications_and_gets_404_for_anothers() {
    for backend in backends() {
        let app = spawn(backend).await;
        patient_reads_her_own_and_not_anothers(&app, &mut Client::new(&app)).await;
    }
}

#[tokio::test]
async fn a_nurse_searches_communications_by_subject() {
    for backend in backends() {
        let app = spawn(backend).await;
        nurse_searches_by_subject(&app, &mut Client::new(&app)).await;
    }
}

#[tokio::test]
async fn paging_follows_next_links_through_every_message_once() {
    for backend in backends() {
        let app = spawn(backend).await;
        paging_follows_next(&app, &mut Client::new(&app)).await;
    }
}

#[tokio::test]
async fn a_nurse_works_her_in_basket_as_tasks() {
    for backend in backends() {
        let app = spawn(backend).await;
        nurse_works_tasks(&app, &mut Client::new(&app)).await;
    }
}

#[tokio::test]
async fn the_capability_statement_lists_exactly_what_answers() {
    for backend in backends() {
        let app = spawn(backend).await;
        capability_statement_lists_exactly_what_answers(&app, &mut Client::new(&app)).await;
    }
}

/// Every resource the scenarios above received (search bundles, their
/// entries, reads, the `CapabilityStatement` and `OperationOutcome`s) is valid
/// for `fhir.resources`' FHIR R4 (4.0.1) models.
#[carethread_test_services::needs(fhir)]
#[tokio::test]
async fn every_resource_served_validates_with_fhir_resources() {
    let python = std::env::var("CARETHREAD_TEST_FHIR").expect("CARETHREAD_TEST_FHIR names a python");
    let mut seen = Vec::new();
    for scenario in 0..5 {
        let app = spawn(Backend::Sqlite).await;
        let mut fhir = Client::new(&app);
        match scenario {
            0 => patient_reads_her_own_and_not_anothers(&app, &mut fhir).await,
            1 => nurse_searches_by_subject(&app, &mut fhir).await,
            2 => paging_follows_next(&app, &mut fhir).await,
            3 => nurse_works_tasks(&app, &mut fhir).await,
            _ => capability_statement_lists_exactly_what_answers(&app, &mut fhir).await,
        }
        seen.append(&mut fhir.seen);
    }
    let mut resources = Vec::new();
    for body in seen {
        resources.extend(entries(&body));
        resources.push(body);
    }
    let kinds: std::collections::BTreeSet<String> =
        resources.iter().filter_map(|r| r["resourceType"].as_str().map(str::to_owned)).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "AuditEvent",
            "Bundle",
            "CapabilityStatement",
            "CareTeam",
            "Communication",
            "Group",
            "OperationOutcome",
            "Patient",
            "Practitioner",
            "Provenance",
            "RelatedPerson",
            "Subscription",
            "Task"
        ]
    );
    fhir_check::validate(&python, &resources);
}
