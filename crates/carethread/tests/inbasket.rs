//! The in-basket a nurse works all day, at the size of a busy clinic: every
//! thread is reachable page by page (no cap), and within an urgency the
//! thread that has waited longest (the most overdue) comes first, on the
//! portal and in the API alike, on both backends.

mod support;

use reqwest::StatusCode;
use support::browser::{Browser, value_after};
use support::{backends, spawn};

/// The thread links of a portal list page, in order.
fn thread_links(html: &str) -> Vec<String> {
    html.split("href=\"/threads/").skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect()
}

#[tokio::test]
async fn every_open_thread_is_reachable_and_the_most_overdue_comes_first() {
    for backend in backends() {
        let app = spawn(backend).await;
        let overdue = support::old_thread(&app, "Waiting ten days", 10, None).await;
        let alice = app.login("patient.alice").await;
        let mut fresh = Vec::new();
        for n in 0..205 {
            fresh.push(
                app.new_thread(&alice, &format!("Refill {n}"), &format!("Please refill my vitamin D, order {n}."))
                    .await,
            );
        }
        let later = support::old_thread(&app, "Waiting three days", 3, None).await;

        // The portal: the most overdue first, then the next most overdue; every thread on some page.
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let mut page = kim.get("/inbasket?urgency=routine").await;
        assert_eq!(page.status, StatusCode::OK);
        let first = thread_links(&page.html);
        assert_eq!(first.len(), 50, "{backend:?}: a page of 50");
        assert_eq!(&first[..2], [overdue.clone(), later.clone()], "{backend:?}: longest waiting first");
        let mut seen: Vec<String> = first;
        let mut pages = 1;
        loop {
            let next = value_after(&page.html, "rel=\"next\" href=\"").replace("&amp;", "&");
            if next.is_empty() {
                break;
            }
            page = kim.get(&next).await;
            assert_eq!(page.status, StatusCode::OK, "{next}");
            seen.extend(thread_links(&page.html));
            pages += 1;
            assert!(pages < 20, "{backend:?}: the pages end");
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{backend:?}: no thread on two pages");
        assert!(seen.len() > 200 && pages >= 5, "{backend:?}: {} threads on {pages} pages", seen.len());

        // The API pages through the same query: the same threads in the same order.
        let token = app.login("rn.kim").await;
        let mut listed = Vec::new();
        let mut cursor = String::new();
        loop {
            let path = format!("/api/v1/threads?status=open&urgency=routine&limit=100{cursor}");
            let api = app.get(&path, &token).await;
            assert_eq!(api.status, StatusCode::OK, "{path}");
            listed.extend(
                api.body["threads"]
                    .as_array()
                    .expect("threads")
                    .iter()
                    .filter_map(|t| t["id"].as_str().map(str::to_owned)),
            );
            match api.body["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(listed, seen, "{backend:?}: the API and the portal list the same threads in the same order");
        assert!(fresh.iter().filter(|id| listed.contains(id)).count() > 150, "{backend:?}: most refills are routine");
        let bad = app.get("/api/v1/threads?urgency=soon", &token).await;
        assert_eq!((bad.status, bad.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("urgency")));
    }
}

/// The text of the first element after `marker` (up to its closing tag), tags removed.
fn cell_after(html: &str, marker: &str) -> String {
    let Some(at) = html.find(marker) else { return String::new() };
    let rest = &html[at + marker.len()..];
    let rest = rest.split_once('>').map_or("", |(_, r)| r);
    let cell = rest.split("</td>").next().unwrap_or_default();
    let mut text = String::new();
    let mut in_tag = false;
    for c in cell.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

#[tokio::test]
async fn the_in_basket_is_a_table_with_the_reasons_behind_a_disclosure() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let id = app
            .new_thread(&alice, "Rash", "Is the rash on my arm something to worry about? It started 3 days ago.")
            .await;
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let page = kim.get("/inbasket").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.html;
        assert!(html.contains("<table class=\"inbasket\""), "{backend:?}: a table");
        assert!(html.contains("<caption"), "{backend:?}: a caption");
        for column in ["Urgency", "Patient", "Subject", "Pool", "Assigned to", "Waiting since", "Reply due"] {
            assert!(html.contains(&format!("<th scope=\"col\">{column}</th>")), "{backend:?}: no {column} column");
        }
        assert_eq!(thread_links(html).iter().filter(|l| **l == id).count(), 1, "{backend:?}: one link per thread");
        // The reasons are there, folded: a <details> per row, not text on every row.
        let details =
            html.find(&format!("<details class=\"reasons\" data-thread=\"{id}\"")).expect("the row's reasons");
        assert!(html[details..].contains("since: 3 days ago"), "{backend:?}: the reasons inside the disclosure");
        assert!(!html.contains(" open>") && !html.contains(" open=\""), "{backend:?}: closed until asked");
        assert_eq!(cell_after(html, "<td class=\"patient\""), "Alice Johnson · DOB Apr 12, 1968", "{backend:?}");
        assert_eq!(cell_after(html, "<td class=\"assignee\""), "Nobody yet", "{backend:?}");
    }
}

#[tokio::test]
async fn a_spanish_speaking_nurse_reads_the_pool_and_the_triage_reasons_in_spanish() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let id = app
            .new_thread(
                &alice,
                "Refill please",
                "Can you refill my lisinopril? Also my chest feels tight since this morning.",
            )
            .await;
        let kim = Browser::sign_in(&app, "rn.kim").await;

        // In English: the pool's name and the reasons as the rules wrote them.
        let english = kim.get("/inbasket").await.html;
        assert_eq!(cell_after(&english, "<td class=\"pool\""), "Nurse triage", "{backend:?}");
        assert!(english.contains("red flag: chest pain (&quot;chest feels tight&quot;)"), "{backend:?}");
        assert!(english.contains("mentions a medicine: lisinopril"), "{backend:?}");
        let thread = kim.get(&format!("/threads/{id}")).await.html;
        assert!(thread.contains("Pool: Nurse triage"), "{backend:?}");
        assert!(thread.contains("<li>red flag: chest pain (&quot;chest feels tight&quot;)</li>"), "{backend:?}");

        // The same nurse reading in Spanish.
        assert_eq!(kim.post("/lang", &[("lang", "es")]).await.status, StatusCode::SEE_OTHER);
        let spanish = kim.get("/inbasket").await.html;
        assert_eq!(cell_after(&spanish, "<td class=\"pool\""), "Triaje de enfermería", "{backend:?}");
        assert!(spanish.contains("señal de alarma: dolor de pecho («chest feels tight»)"), "{backend:?}");
        assert!(spanish.contains("menciona un medicamento: lisinopril"), "{backend:?}");
        assert!(spanish.contains("<th scope=\"col\">Esperando desde</th>"), "{backend:?}");
        assert!(
            !spanish.contains("red flag:") && !spanish.contains("mentions a medicine"),
            "{backend:?}: no English left"
        );
        let thread = kim.get(&format!("/threads/{id}")).await.html;
        assert!(thread.contains("Grupo: Triaje de enfermería"), "{backend:?}");
        assert!(thread.contains("<li>señal de alarma: dolor de pecho («chest feels tight»)</li>"), "{backend:?}");

        // The API keeps the English text for its clients.
        let token = app.login("rn.kim").await;
        let api = app.get(&format!("/api/v1/threads/{id}"), &token).await;
        let reasons = api.body["triage"]["reasons"].as_array().expect("reasons").clone();
        assert!(
            reasons.iter().any(|r| r.as_str().is_some_and(|r| r.starts_with("red flag: chest pain"))),
            "{reasons:?}"
        );
    }
}
