//! Walks every route with every role (and anonymously) and checks the status
//! each gets, on both backends. The expectations table is the access policy
//! as a person would state it.

mod support;

use reqwest::Method;
use serde_json::json;
use support::{CALLERS, TestApp, backends, spawn};

#[derive(Clone)]
enum Body {
    Json(serde_json::Value),
    None,
    NewThread,
    Message,
    Note,
    Patch,
    Upload,
    Retriage,
    TriageSettings,
}

fn uuid_nil() -> &'static str {
    "00000000-0000-0000-0000-000000000000"
}

fn row(expected: [u16; 11]) -> [u16; 11] {
    expected
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one table of every route and every role, read as a whole")]
async fn every_route_answers_every_role_as_the_policy_says() {
    for backend in backends() {
        let app = spawn(backend).await;
        let owner = app.login("patient.alice").await;
        let started = app
            .post(
                "/api/v1/threads",
                &owner,
                json!({"subject": "Medication question", "body": "Does my rash relate to the new pill?", "category": "medication"}),
            )
            .await;
        let thread = started.body["id"].as_str().expect("thread id").to_owned();
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("a.png"));
        let uploaded = TestApp::reply(
            app.http
                .post(format!("{}/api/v1/threads/{thread}/attachments", app.base))
                .bearer_auth(&owner)
                .multipart(form),
        )
        .await;
        let attachment_url = uploaded.body["attachments"][0]["url"].as_str().expect("url").to_owned();
        let alice_id = app.id("patient.alice");
        let (carol_id, patel_id, bob_id) = (app.id("proxy.carol"), app.id("rx.patel"), app.id("patient.bob"));
        let far = "2099-01-01T00:00:00Z";
        let to_revoke =
            app.post("/api/v1/grants", &owner, json!({"proxy_id": carol_id, "scope": "full", "expires_at": far})).await;
        let grant = to_revoke.body["id"].as_str().expect("grant id").to_owned();
        let pool = app.store.pool_by_slug("front-desk").await.expect("pool").expect("front desk pool").id;
        let lee_id = app.id("dr.lee");
        let listed = app.get(&format!("/fhir/r4/Communication?part-of={thread}"), &owner).await;
        let message = listed.body["entry"][0]["resource"]["id"].as_str().expect("a message of the thread").to_owned();
        let until = (chrono::Utc::now() + chrono::TimeDelta::days(2)).to_rfc3339();
        let away = json!({"until": until, "coverer_pool_id": pool.to_string()});
        let new_user = |n: &str| {
            json!({"username": format!("matrix.{n}"), "display_name": "Matrix User", "role": "nurse",
                   "password": "violet tram seventeen"})
        };

        let routes: Vec<(Method, String, Body, [u16; 11])> = vec![
            //                                                                       anon alice bob carol lee  kim patel desk bill admin audit
            (Method::GET, "/healthz".into(), Body::None, row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])),
            (Method::GET, "/readyz".into(), Body::None, row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])),
            (Method::GET, "/metrics".into(), Body::None, row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])),
            (
                Method::GET,
                "/api/v1/openapi.json".into(),
                Body::None,
                row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::GET,
                "/api/v1/me".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::PATCH,
                "/api/v1/me".into(),
                Body::Json(json!({"language": "en"})),
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            // Everyone sets how they are notified; the body is refused before anything is saved.
            (
                Method::GET,
                "/api/v1/me/notifications".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::PUT,
                "/api/v1/me/notifications".into(),
                Body::Json(json!({"channel": "none", "quiet_start": "22:00", "quiet_end": "07:00"})),
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::PUT,
                "/api/v1/me/notifications".into(),
                Body::Json(json!({"channel": "sms"})),
                row([401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
            ),
            (
                Method::GET,
                "/api/v1/clinic".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::PATCH,
                "/api/v1/admin/clinic".into(),
                Body::Json(json!({"urgent_reply_hours": 4})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/pools".into(),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/threads".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::POST,
                "/api/v1/threads".into(),
                Body::NewThread,
                row([401, 201, 422, 201, 201, 201, 201, 201, 201, 403, 403]),
            ),
            (
                Method::GET,
                format!("/api/v1/threads/{thread}"),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 404, 404, 403, 403]),
            ),
            // FHIR R4: the same policy as the JSON API; searches list only what the caller may see.
            // Onboarding from an EHR: administrators only; an empty batch changes nothing.
            (
                Method::POST,
                "/fhir/r4".into(),
                Body::Json(json!({"resourceType": "Bundle", "type": "batch", "entry": []})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            // Bulk export needs Prefer: respond-async first (and then a registered system's token).
            (
                Method::GET,
                "/fhir/r4/Patient/$export".into(),
                Body::None,
                row([401, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]),
            ),
            // Subscriptions are for registered systems; people have none to list.
            (
                Method::POST,
                "/fhir/r4/Subscription".into(),
                Body::Json(json!({"resourceType": "Subscription", "status": "requested",
                    "criteria": "https://carethread.org/fhir/SubscriptionTopic/communication-created",
                    "channel": {"type": "rest-hook", "endpoint": "https://lab.example/hook"}})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
            ),
            (
                Method::GET,
                "/fhir/r4/Subscription".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            // Proxies' access: the patient's own, the proxy's own, staff who may see the patient.
            (
                Method::GET,
                format!("/fhir/r4/RelatedPerson?patient=Patient/{alice_id}"),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            // People searches: each finds whom the policy lets them see; pools are for in-basket staff.
            (
                Method::GET,
                "/fhir/r4/Patient?name=a".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                "/fhir/r4/Practitioner?name=a".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                "/fhir/r4/Group?name=a".into(),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            // The audit log as AuditEvents: patients their own record's, privacy officers all of it.
            (
                Method::GET,
                "/fhir/r4/AuditEvent?_count=5".into(),
                Body::None,
                row([401, 200, 200, 403, 403, 403, 403, 403, 403, 403, 200]),
            ),
            // A message to Alice through FHIR: whoever may write for her, as in the JSON API.
            (
                Method::POST,
                "/fhir/r4/Communication".into(),
                Body::Json(json!({"resourceType": "Communication", "status": "completed",
                    "subject": {"reference": format!("Patient/{alice_id}")}, "topic": {"text": "A question"},
                    "payload": [{"contentString": "Is the clinic open on Saturday?"}]})),
                row([401, 201, 400, 201, 201, 201, 201, 201, 201, 403, 403]),
            ),
            (
                Method::GET,
                "/fhir/r4/metadata".into(),
                Body::None,
                row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Communication/{message}"),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Communication?subject=Patient/{alice_id}&sent=ge2000-01-01&_count=5"),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Communication?part-of={thread}"),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Patient/{alice_id}"),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            // No message here was drafted: a search finds no provenance, for whoever may search.
            (
                Method::GET,
                format!("/fhir/r4/Provenance?target=Communication/{message}"),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Provenance/{message}"),
                Body::None,
                row([401, 404, 404, 404, 404, 404, 404, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/CareTeam/{alice_id}"),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/CareTeam?subject=Patient/{alice_id}"),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Practitioner/{lee_id}"),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403]),
            ),
            // The care team's work as FHIR: staff who work in-baskets only.
            (
                Method::GET,
                format!("/fhir/r4/Task/{thread}"),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::PUT,
                format!("/fhir/r4/Task/{thread}"),
                Body::Json(json!({"resourceType": "Task", "id": thread, "status": "ready", "intent": "order"})),
                row([401, 403, 403, 403, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                "/fhir/r4/Task?status=ready&priority=routine".into(),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                format!("/fhir/r4/Group/{pool}"),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::PATCH,
                format!("/api/v1/threads/{thread}"),
                Body::Patch,
                row([401, 403, 404, 403, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/threads/{thread}/confidential"),
                Body::Json(json!({"confidential": false})),
                row([401, 422, 404, 403, 403, 403, 403, 404, 404, 403, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/triage"),
                Body::Retriage,
                row([401, 403, 404, 403, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/triage".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PATCH,
                "/api/v1/admin/triage".into(),
                Body::TriageSettings,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/messages"),
                Body::Message,
                row([401, 201, 404, 201, 201, 201, 201, 404, 404, 403, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/messages"),
                Body::Note,
                row([401, 403, 404, 403, 201, 201, 201, 404, 404, 403, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/attachments"),
                Body::Upload,
                row([401, 201, 404, 201, 201, 201, 201, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                attachment_url.clone(),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/events".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 403, 200]),
            ),
            // Replies held back and scheduled: clinicians who may reply; nobody else learns of them.
            (
                Method::GET,
                format!("/api/v1/threads/{thread}/held"),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/held"),
                Body::Json(json!({"body": "Your results are in; let us talk them through first."})),
                row([401, 403, 404, 403, 201, 201, 201, 404, 404, 403, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/held/{}/release", uuid_nil()),
                Body::None,
                row([401, 403, 404, 403, 404, 404, 404, 404, 404, 403, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/threads/{thread}/held/{}", uuid_nil()),
                Body::None,
                row([401, 403, 404, 403, 404, 404, 404, 404, 404, 403, 403]),
            ),
            // Turning a thread into a visit (refused here for want of a reason, so the thread stays open);
            // the front desk and billing work the requests, the front desk books them.
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/visit"),
                Body::Json(json!({"kind": "video", "reason": " "})),
                row([401, 403, 404, 403, 422, 422, 422, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/visit-requests".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403]),
            ),
            (
                Method::PATCH,
                format!("/api/v1/visit-requests/{}", uuid_nil()),
                Body::Json(json!({"status": "booked"})),
                row([401, 403, 403, 403, 403, 403, 403, 404, 403, 403, 403]),
            ),
            // Privacy: the audit log, grants, break-the-glass.
            (
                Method::GET,
                "/api/v1/audit".into(),
                Body::None,
                row([401, 200, 200, 403, 403, 403, 403, 403, 403, 403, 200]),
            ),
            (
                Method::GET,
                "/api/v1/audit?format=csv".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
            ),
            (
                Method::GET,
                "/api/v1/grants".into(),
                Body::None,
                row([401, 200, 200, 200, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::POST,
                "/api/v1/grants".into(),
                Body::Json(json!({"proxy_id": carol_id, "patient_id": alice_id, "scope": "full", "expires_at": far})),
                row([401, 201, 422, 403, 403, 403, 403, 403, 403, 201, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/grants/{grant}"),
                Body::None,
                row([401, 204, 404, 403, 403, 403, 403, 403, 403, 404, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/break-glass"),
                Body::Json(json!({"reason": "covering the on-call shift tonight"})),
                row([401, 403, 403, 403, 409, 409, 409, 403, 403, 403, 403]),
            ),
            // Drafting, reply feedback, quick replies and the AI settings.
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/drafts"),
                Body::Json(json!({})),
                row([401, 403, 404, 403, 201, 201, 201, 404, 404, 403, 403]),
            ),
            (
                Method::POST,
                "/api/v1/readability".into(),
                Body::Json(json!({"text": "Hello there."})),
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::POST,
                "/api/v1/drafts/check".into(),
                Body::Json(json!({"body": "Hello there."})),
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/quick-replies".into(),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 200, 403]),
            ),
            (
                Method::POST,
                "/api/v1/quick-replies".into(),
                Body::Json(json!({"code": "mx", "body": "Hi {first_name}"})),
                row([401, 403, 403, 403, 201, 201, 201, 201, 201, 403, 403]),
            ),
            (
                Method::GET,
                format!("/api/v1/threads/{thread}/quick-replies/mx"),
                Body::None,
                row([401, 403, 404, 403, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/quick-replies/{}", uuid_nil()),
                Body::None,
                row([401, 403, 403, 403, 404, 404, 404, 404, 404, 404, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/ai".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PATCH,
                "/api/v1/admin/ai".into(),
                Body::Json(json!({"drafting_enabled": true})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/ai/replies".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PUT,
                "/api/v1/admin/ai/replies/general/en".into(),
                Body::Json(json!({"body": "Hi {first_name}, thanks for writing."})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::DELETE,
                "/api/v1/admin/ai/replies/general/en".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            // The clinic's insights (administrators).
            (
                Method::GET,
                "/api/v1/insights/volume".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/insights/response".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/insights/workload".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/insights/safety".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/insights/ai".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/insights/volume?format=csv&table=per_day".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            // The equity monitor (administrators), and the groups a patient gave (front desk and
            // administrators record them).
            (
                Method::GET,
                "/api/v1/insights/equity".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                format!("/api/v1/patients/{bob_id}/groups"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/patients/{bob_id}/groups"),
                Body::Json(json!({"groups": {"payer": "commercial"}})),
                row([401, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403]),
            ),
            // E-visit billing (off in this clinic): the setup (administrators), a patient's consent
            // and her answer for a thread, a clinician's pings, time and attestation, the e-visit
            // line (whoever reads the thread), and the billing queue (billing staff only).
            (
                Method::GET,
                "/api/v1/billing/settings".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PUT,
                "/api/v1/billing/settings".into(),
                Body::Json(
                    json!({"enabled": false, "notice_en": "", "notice_es": "", "payer": "other", "idle_cutoff_seconds": 60}),
                ),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/me/billing-consent".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::PUT,
                "/api/v1/me/billing-consent".into(),
                Body::Json(json!({"choice": "agree"})),
                row([401, 409, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/threads/{thread}/billing-consent"),
                Body::Json(json!({"choice": "agree"})),
                row([401, 204, 404, 204, 403, 403, 403, 403, 403, 403, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/activity"),
                Body::Json(json!({"kind": "page_visible"})),
                row([401, 403, 403, 403, 204, 204, 204, 403, 403, 403, 403]),
            ),
            (
                Method::GET,
                format!("/api/v1/threads/{thread}/billing-time"),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/threads/{thread}/billing-attestation"),
                Body::Json(json!({"purpose": "evaluation"})),
                row([401, 403, 403, 403, 409, 409, 409, 403, 403, 403, 403]),
            ),
            // A visit about the thread's problem: clinicians and front desk who may read it.
            (
                Method::POST,
                format!("/api/v1/threads/{thread}/recorded-visits"),
                Body::Json(
                    json!({"visited_on": (chrono::Utc::now() - chrono::TimeDelta::days(2)).date_naive().to_string()}),
                ),
                row([401, 403, 403, 403, 201, 201, 201, 404, 403, 403, 403]),
            ),
            (
                Method::GET,
                format!("/api/v1/threads/{thread}/evisit"),
                Body::None,
                row([401, 200, 404, 200, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/billing/queue".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
            ),
            (
                Method::PUT,
                "/api/v1/billing/periods/not-a-period".into(),
                Body::Json(json!({"status": "approved"})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 404, 403, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/billing/patients/{alice_id}"),
                Body::Json(json!({"first_visit_on": "2020-01-15"})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
            ),
            (
                Method::POST,
                "/api/v1/billing/export".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
            ),
            // Paging status (staff who may read the thread) and the dead letters (administrators).
            (
                Method::GET,
                format!("/api/v1/threads/{thread}/pages"),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 404, 404, 403, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/jobs?state=dead".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::POST,
                format!("/api/v1/admin/jobs/{}/retry", uuid_nil()),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403]),
            ),
            // Two-step sign-in (not required of anyone in this clinic).
            (
                Method::POST,
                "/api/v1/mfa/enrol".into(),
                Body::None,
                row([401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            (
                Method::POST,
                "/api/v1/mfa/confirm".into(),
                Body::Json(json!({"code": "000000"})),
                row([401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
            ),
            (
                Method::DELETE,
                "/api/v1/mfa".into(),
                Body::Json(json!({"code": "000000"})),
                row([401, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409]),
            ),
            // Staff set their own time away (and clear it); the body is refused before anything is saved.
            (
                Method::GET,
                "/api/v1/me/away".into(),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::PUT,
                "/api/v1/me/away".into(),
                Body::Json(json!({"until": "2020-01-01T00:00:00Z"})),
                row([401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
            ),
            (
                Method::PUT,
                "/api/v1/me/away".into(),
                Body::Json(away.clone()),
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::DELETE,
                "/api/v1/me/away".into(),
                Body::None,
                row([401, 403, 403, 403, 204, 204, 204, 204, 204, 403, 403]),
            ),
            // Administration.
            (
                Method::PUT,
                format!("/api/v1/admin/users/{lee_id}/away"),
                Body::Json(away.clone()),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/users/{alice_id}/away"),
                Body::Json(away.clone()),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/users/{lee_id}/away"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/users".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::POST,
                "/api/v1/admin/users".into(),
                Body::Json(new_user("one")),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403]),
            ),
            (
                Method::PATCH,
                format!("/api/v1/admin/users/{bob_id}"),
                Body::Json(json!({"disabled": false})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PATCH,
                format!("/api/v1/admin/users/{patel_id}"),
                Body::Json(json!({"display_name": "Priya Patel, PharmD"})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/care-teams".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::GET,
                "/api/v1/admin/pools".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/patients/{alice_id}/care-team/{patel_id}"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/patients/{alice_id}/care-team/{patel_id}"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::POST,
                "/api/v1/admin/pools".into(),
                Body::Json(json!({"slug": "wound-care", "name": "Wound care"})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/pools/{pool}/members/{patel_id}"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/pools/{pool}/members/{patel_id}"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/pools/{pool}/lead"),
                Body::Json(json!({"user_id": null})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            // Legal holds: administrators only; the body is checked before anything is saved.
            (
                Method::GET,
                "/api/v1/admin/legal-holds".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/patients/{bob_id}/legal-hold"),
                Body::Json(json!({"reason": ""})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 422, 403]),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/patients/{bob_id}/legal-hold"),
                Body::Json(json!({"reason": "Records request from counsel"})),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/patients/{bob_id}/legal-hold"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 204, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/patients/{bob_id}/legal-hold"),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403]),
            ),
            // A patient's record to keep: her own (a proxy names a patient who gave full access).
            (
                Method::GET,
                "/api/v1/record?format=fhir".into(),
                Body::None,
                row([401, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404]),
            ),
            // Systems on the FHIR API are registered by administrators; the body is checked after who asks.
            (
                Method::GET,
                "/api/v1/admin/system-clients".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::POST,
                "/api/v1/admin/system-clients".into(),
                Body::Json(
                    json!({"name": "Lab", "role": "nurse", "jwks": {"keys": []}, "scopes": "system/Patient.rs"}),
                ),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 422, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/system-clients/{}", uuid::Uuid::now_v7()),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403]),
            ),
            // Apps patients connect (SMART App Launch) are registered by administrators too.
            (
                Method::GET,
                "/api/v1/admin/patient-apps".into(),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ),
            (
                Method::POST,
                "/api/v1/admin/patient-apps".into(),
                Body::Json(
                    json!({"name": "Diary", "redirect_uris": ["http://app.example/cb"], "scopes": "patient/*.rs"}),
                ),
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 422, 403]),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/patient-apps/{}", uuid::Uuid::now_v7()),
                Body::None,
                row([401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403]),
            ),
            // The key id_tokens are signed with is public.
            (
                Method::GET,
                "/fhir/r4/.well-known/jwks.json".into(),
                Body::None,
                row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            // The token endpoint takes no session: a request without a signed assertion is refused alike.
            (
                Method::POST,
                "/fhir/r4/auth/token".into(),
                Body::Json(json!({"grant_type": "client_credentials"})),
                row([400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]),
            ),
            (
                Method::GET,
                "/fhir/r4/.well-known/smart-configuration".into(),
                Body::None,
                row([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ),
            // Staff who work in-baskets see the overdue threads escalated to them.
            (
                Method::GET,
                "/api/v1/me/overdue".into(),
                Body::None,
                row([401, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            ),
            (
                Method::DELETE,
                "/api/v1/session".into(),
                Body::None,
                row([401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
            ),
            // Signs everyone in again first (the row above ended their sessions).
            (
                Method::DELETE,
                "/api/v1/sessions".into(),
                Body::None,
                row([401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
            ),
        ];

        let mut tokens = Vec::new();
        for caller in CALLERS {
            tokens.push(if caller == "anonymous" { None } else { Some(app.login(caller).await) });
        }
        let mut failures = Vec::new();
        for (method, path, body, expected) in &routes {
            if path == "/api/v1/sessions" {
                for (i, caller) in CALLERS.iter().enumerate() {
                    if *caller != "anonymous" {
                        tokens[i] = Some(app.login(caller).await);
                    }
                }
            }
            for (i, caller) in CALLERS.iter().enumerate() {
                let mut req = app.http.request(method.clone(), format!("{}{path}", app.base));
                if let Some(token) = &tokens[i] {
                    req = req.bearer_auth(token);
                }
                req = match body {
                    Body::None => req,
                    Body::Json(value) => req.json(value),
                    Body::NewThread => {
                        req.json(&json!({"subject": "Hello", "body": "A question", "patient_id": alice_id}))
                    }
                    Body::Message => req.json(&json!({"body": "A reply"})),
                    Body::Note => req.json(&json!({"body": "A note", "internal": true})),
                    Body::Patch => req.json(&json!({"status": "open"})),
                    Body::Retriage => req.json(&json!({"urgency": "urgent"})),
                    Body::TriageSettings => req.json(&json!({"classifier_enabled": true})),
                    Body::Upload => req.multipart(
                        reqwest::multipart::Form::new()
                            .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("b.png")),
                    ),
                };
                let response = req.send().await.expect("request");
                let status = response.status();
                if status.as_u16() != expected[i] {
                    failures.push(format!("{method} {path} as {caller}: expected {}, got {status}", expected[i]));
                }
                if !status.is_success() {
                    let ct =
                        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    // The FHIR API answers errors as OperationOutcome resources; its OAuth token
                    // endpoint as OAuth errors (application/json) that carry the problem fields too.
                    let expected_ct = if path == "/fhir/r4/auth/token" {
                        "application/json"
                    } else if path.starts_with("/fhir/") {
                        "application/fhir+json"
                    } else {
                        "application/problem+json"
                    };
                    if ct != expected_ct {
                        failures.push(format!("{method} {path} as {caller}: error without a problem body ({ct})"));
                    }
                }
                // Event streams stay open: dropping the response closes them.
                drop(response);
            }
        }
        assert!(failures.is_empty(), "{backend:?}:\n{}", failures.join("\n"));
    }
}
