// E-visit billing in a real browser: an administrator turns it on with the
// patient notice; the patient reads the notice on the compose page and
// agrees; the physician's thread page sends activity from its first-party
// script and shows the running total, which he attests; billing staff find
// the period in the queue without any message text. Pages are checked with
// axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/billing.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 8 });
const { person, shot, signIn } = clinic;

test("a patient agrees to e-visit billing, the physician's time is measured and attested, and billing staff see the period", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto(`${clinic.base}/admin/billing`);
  await admin.getByLabel("Bill online visits (e-visits)").check();
  await admin.getByLabel("Patient notice (English)").fill("A message that needs medical evaluation may be billed to your insurance; you may owe a copay.");
  await admin.getByLabel("Patient notice (Spanish)").fill("Un mensaje que necesita evaluación médica puede facturarse a su seguro.");
  await admin.getByRole("button", { name: "Save" }).click();
  await shot(admin, "billing-settings");
  await admin.context().close();

  const patient = await person(DESKTOP);
  await signIn(patient, "patient.alice");
  await patient.goto(`${clinic.base}/compose`);
  await patient.getByText("may be billed to your insurance; you may owe a copay").waitFor();
  await shot(patient, "billing-compose-notice");
  const subject = `Itchy rash ${Date.now()}`;
  await patient.getByLabel("A question for my care team").check();
  await patient.getByLabel("Subject").fill(subject);
  await patient.getByLabel("Your message").fill("The rash on my arm itches at night.");
  await patient.getByLabel(/^I agree: a message that needs medical evaluation/).check();
  await patient.getByRole("button", { name: "Send message" }).click();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  const thread = new URL(patient.url()).pathname.replace(/\/sent$/, "");
  await patient.goto(`${clinic.base}/billing/consent`);
  await patient.getByText(/You agreed to online visit charges on/).waitFor();
  await patient.context().close();

  const doctor = await person(DESKTOP);
  await signIn(doctor, "dr.lee");
  // He is on her care team: the thread is his to open from her record.
  const pinged = doctor.waitForRequest((r) => r.url().endsWith("/activity") && r.method() === "POST");
  await doctor.goto(`${clinic.base}${thread}`);
  await doctor.getByRole("heading", { name: subject }).waitFor();
  const ping = await pinged;
  assert.ok(ping.headers()["x-csrf-token"], "the ping carries the session's CSRF token");
  assert.equal((await ping.response()).status(), 204);
  await doctor.reload();
  await doctor.getByRole("heading", { name: "Online visit time" }).waitFor();
  await doctor.getByText(/Your time with this patient this period/).waitFor();
  await doctor.getByLabel("What this conversation was about").selectOption("evaluation");
  await doctor.getByLabel(/Minutes to attest/).fill("6");
  await doctor.getByRole("button", { name: "Attest time" }).click();
  await doctor.getByText("You attested 6 min.").waitFor();
  await shot(doctor, "billing-thread-time");
  await doctor.context().close();

  const billing = await person(DESKTOP);
  await signIn(billing, "billing.ng");
  await billing.goto(`${clinic.base}/billing`);
  await billing.getByRole("heading", { name: "E-visit billing" }).waitFor();
  const main = await billing.locator("main").innerText();
  assert.match(main, /Alice/);
  assert.doesNotMatch(main, /itches at night/, "billing staff see no message text");
  await shot(billing, "billing-queue");
  await billing.context().close();
});
