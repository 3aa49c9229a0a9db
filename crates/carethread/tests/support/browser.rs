//! A browser for the portal's pages: signed in with a cookie session, it
//! keeps the cookies the server sets (as a browser would), carries the CSRF
//! token its pages hold, and follows no redirect, so tests see each 303.

use std::sync::Mutex;

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::{StatusCode, redirect};
use serde_json::json;

use super::{PASSWORD, TestApp};

/// A signed-in (or anonymous) browser.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    cookie: Mutex<String>,
    pub csrf: String,
}

/// One answer as the browser received it.
pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub html: String,
}

impl Browser {
    /// Signs `username` in with a cookie session and reads the CSRF token from a page.
    pub async fn sign_in(app: &TestApp, username: &str) -> Self {
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).build().expect("client");
        let r = http
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({"username": username, "password": PASSWORD, "cookie": true}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), StatusCode::OK, "{username}");
        let session = r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.split(';').next().filter(|p| p.starts_with("carethread_session=")))
            .expect("session cookie")
            .to_owned();
        let mut browser = Self {
            http,
            base: app.base.clone(),
            cookie: Mutex::new(format!("{session}; carethread_welcomed=1")),
            csrf: String::new(),
        };
        let help = browser.get("/help").await;
        browser.csrf = csrf_of(&help.html);
        browser
    }

    /// A browser nobody signed in with.
    pub fn anonymous(app: &TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).build().expect("client");
        Self { http, base: app.base.clone(), cookie: Mutex::new(String::new()), csrf: String::new() }
    }

    /// The `Cookie` header the browser sends now.
    pub fn cookie(&self) -> String {
        self.cookie.lock().expect("cookie").clone()
    }

    /// Sends with the browser's cookies, and keeps any cookie the answer sets.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let r = req.header(COOKIE, self.cookie()).send().await.expect("request");
        for set in r.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            if let Some((name, value)) = set.split(';').next().and_then(|p| p.split_once('=')) {
                let mut jar = self.cookie.lock().expect("cookie");
                let kept: Vec<String> = jar
                    .split("; ")
                    .filter(|c| !c.is_empty() && !c.starts_with(&format!("{name}=")))
                    .map(str::to_owned)
                    .chain(std::iter::once(format!("{name}={value}")))
                    .collect();
                *jar = kept.join("; ");
            }
        }
        let header = |name| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (status, location, content_type, retry_after) = (
            r.status(),
            header(LOCATION).unwrap_or_default(),
            header(CONTENT_TYPE).unwrap_or_default(),
            header(RETRY_AFTER),
        );
        Page { status, location, content_type, retry_after, html: r.text().await.unwrap_or_default() }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &self.csrf)];
        form.extend_from_slice(fields);
        self.send(self.http.post(format!("{}{path}", self.base)).form(&form)).await
    }

    /// Posts a multipart form (the compose and reply forms), with files.
    pub async fn post_files(&self, path: &str, fields: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> Page {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf.clone());
        for (k, v) in fields {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
        for (name, bytes) in files {
            form = form.part("file", reqwest::multipart::Part::bytes(bytes.clone()).file_name((*name).to_owned()));
        }
        self.send(self.http.post(format!("{}{path}", self.base)).multipart(form)).await
    }
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(html: &str) -> String {
    value_after(html, "name=\"csrf_token\" value=\"")
}

/// The attribute value that follows `marker` in the page.
pub fn value_after(html: &str, marker: &str) -> String {
    html.find(marker).map(|i| html[i + marker.len()..].chars().take_while(|c| *c != '"').collect()).unwrap_or_default()
}
