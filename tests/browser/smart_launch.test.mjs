// A patient connects an app to her record in a real browser (SMART App
// Launch, standalone): an administrator registers the app in the portal;
// the app sends the patient to CareThread, she signs in, reads what the app
// asks for and allows it; her browser comes back to the app with a code,
// which the app trades (with its PKCE verifier) for a token that reads her
// record. She then disconnects the app under "Sign-in and security" and its
// tokens stop working. The patient's browser keeps every page's Content
// Security Policy, so the consent form's way back to the app is the one a
// patient's browser allows. Pages are checked with axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/smart_launch.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { demoClinic, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
const { person, shot, signIn } = clinic;

/** The app's own web server: where the patient's browser is sent back to. */
function appServer() {
  return new Promise((ok) => {
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end('<!doctype html><html lang="en"><title>My Health Diary</title><h1>Back in My Health Diary</h1></html>');
    });
    server.listen(0, "127.0.0.1", () => ok(server));
  });
}

async function tokenRequest(fields) {
  const res = await fetch(`${clinic.base}/fhir/r4/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.json() };
}

async function fhirStatus(path, token) {
  const res = await fetch(`${clinic.base}/fhir/r4/${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: res.status === 200 ? await res.json() : null };
}

test("a patient connects an app, the app reads her record, and she disconnects it", async () => {
  const server = await appServer();
  const callback = `http://127.0.0.1:${server.address().port}/callback`;
  try {
    // The administrator registers the app.
    const admin = await person(DESKTOP);
    await signIn(admin, "admin");
    await admin.getByRole("navigation").first().waitFor();
    await admin.goto(`${clinic.base}/admin/apps`);
    await admin.getByLabel("App name").fill("My Health Diary");
    await admin.getByLabel("Redirect addresses").fill(callback);
    await admin.getByLabel("Scopes it may ask for").fill("patient/Communication.rs patient/Patient.r");
    await admin.getByRole("button", { name: "Register app" }).click();
    await admin.getByRole("status").filter({ hasText: "saved" }).waitFor();
    const clientId = (await admin.locator("code.client-id").first().innerText()).trim();
    await shot(admin, "admin-apps");
    await admin.context().close();

    // Discovery tells the app where to send the patient.
    const config = await (await fetch(`${clinic.base}/fhir/r4/.well-known/smart-configuration`)).json();
    const verifier = randomBytes(32).toString("base64url");
    const state = randomBytes(12).toString("hex");
    const launch = new URL(config.authorization_endpoint);
    for (const [name, value] of Object.entries({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback,
      scope: "launch/patient openid fhirUser offline_access patient/Communication.rs patient/Patient.r",
      state,
      aud: `${clinic.base}/fhir/r4`,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    })) {
      launch.searchParams.set(name, value);
    }

    // The consent screen, checked with axe (in a browser that lets axe in).
    const look = await person(DESKTOP);
    await look.goto(launch.toString());
    await look.getByLabel("Username").fill("patient.alice");
    await look.getByLabel("Password").fill("demo");
    await look.getByRole("button", { name: "Sign in" }).click();
    await look.getByRole("heading", { name: "Connect an app" }).waitFor();
    await shot(look, "app-consent");
    await look.context().close();

    // The patient, in a browser that keeps every page's policy: signs in, allows.
    const patient = await person(DESKTOP, "en-US", { enforceCsp: true });
    await patient.goto(launch.toString());
    assert.match(new URL(patient.url()).pathname, /^\/signin/, "she signs in first");
    await patient.getByLabel("Username").fill("patient.alice");
    await patient.getByLabel("Password").fill("demo");
    await patient.getByRole("button", { name: "Sign in" }).click();
    await patient.getByRole("heading", { name: "Connect an app" }).waitFor();
    const main = await patient.locator("main").innerText();
    assert.match(main, /My Health Diary asks to connect to your CareThread record/);
    assert.match(main, /read your messages/);
    assert.match(main, /know who you are in CareThread/);
    assert.match(main, /keep its access even while you are signed out/);
    await patient.getByRole("button", { name: "Allow", exact: true }).click();
    await patient.waitForURL((url) => url.toString().startsWith(callback));
    await patient.getByRole("heading", { name: "Back in My Health Diary" }).waitFor();
    const back = new URL(patient.url());
    assert.equal(back.searchParams.get("state"), state);
    const code = back.searchParams.get("code");
    assert.ok(code, "the app received a code");

    // The app trades the code for a token and reads her record.
    const tokens = await tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: callback,
      client_id: clientId,
      code_verifier: verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok(tokens.body.id_token && tokens.body.refresh_token);
    const record = await fhirStatus(`Patient/${tokens.body.patient}`, tokens.body.access_token);
    assert.equal(record.status, 200);
    assert.equal(record.body.resourceType, "Patient");
    const messages = await fhirStatus(`Communication?subject=Patient/${tokens.body.patient}`, tokens.body.access_token);
    assert.equal(messages.status, 200);
    assert.ok((messages.body.entry || []).length > 0, "her messages reach the app");

    // "Sign-in and security" lists the app; she disconnects it.
    await patient.goto(`${clinic.base}/security`);
    await patient.getByRole("heading", { name: "Connected apps" }).waitFor();
    await patient.getByRole("button", { name: "Disconnect My Health Diary" }).click();
    await patient.getByText("You have not connected any app.").waitFor();
    await patient.context().close();
    assert.equal((await fhirStatus(`Patient/${tokens.body.patient}`, tokens.body.access_token)).status, 401);
    const again = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.body.refresh_token,
      client_id: clientId,
    });
    assert.equal(again.body.error, "invalid_grant");
  } finally {
    server.close();
  }
});
