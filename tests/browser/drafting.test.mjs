// Reply feedback in a real browser: a physician types a reply with jargon
// and the reading level and plain words appear as she types (a polite live
// region, from POST /api/v1/drafts/check); "Check wording" gives the same
// without a script and keeps the text. A self-harm emergency gets the crisis
// draft with 988, and a typed promise of a reply time is flagged. Pages are
// checked with axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/drafting.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
const { person, shot, signIn, compose } = clinic;

test("typed jargon is flagged as a clinician types, and Check wording keeps the text", async () => {
  const patient = await person(DESKTOP);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  const subject = `Sore throat ${Date.now()}`;
  await compose(patient, "A question for my care team", { Subject: subject }, "My throat hurts when I swallow. What should I do?");
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  const thread = new URL(patient.url()).pathname.split("/")[2];
  await patient.context().close();

  // The demo's year of history fills the in-basket: open the thread by its address.
  const clinician = await person(DESKTOP);
  await signIn(clinician, "dr.lee");
  await clinician.getByRole("heading", { name: "In-basket" }).waitFor();
  await clinician.goto(`${clinic.base}/threads/${thread}`);
  await clinician.getByRole("heading", { name: new RegExp(subject) }).first().waitFor();
  const typed = "Your strep test confirms pharyngitis. Take the lozenges PRN.";
  await clinician.getByLabel("Your reply").pressSequentially(typed, { delay: 5 });
  const region = clinician.locator("#reply-feedback");
  assert.equal(await region.getAttribute("role"), "status", "a polite live region");
  await region.getByText("pharyngitis → sore throat", { exact: false }).waitFor();
  await region.getByText("prn → as needed", { exact: false }).waitFor();
  await region.getByText(/Reading level: grade/).waitFor();
  await shot(clinician, "reply-wording-live");

  await clinician.getByRole("button", { name: "Check wording" }).click();
  await clinician.locator("#reply-feedback").getByText("pharyngitis → sore throat", { exact: false }).waitFor();
  assert.equal(await clinician.getByLabel("Your reply").inputValue(), typed, "the typed text is kept");
  await clinician.context().close();
});

test("a self-harm message gets the crisis draft, and a typed reply time is flagged", async () => {
  const patient = await person(DESKTOP);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  const subject = `Hard week ${Date.now()}`;
  await compose(patient, "A question for my care team", { Subject: subject }, "Everyone would be better off without me.");
  await patient.getByRole("heading", { name: "This may be an emergency" }).waitFor();
  await patient.getByRole("button", { name: "Send my message too" }).click();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  const thread = new URL(patient.url()).pathname.split("/")[2];
  await patient.context().close();

  const doctor = await person(DESKTOP);
  await signIn(doctor, "dr.lee");
  await doctor.getByRole("heading", { name: "In-basket" }).waitFor();
  await doctor.goto(`${clinic.base}/threads/${thread}`);
  await doctor.getByRole("heading", { name: new RegExp(subject) }).first().waitFor();
  await doctor.getByRole("button", { name: "Draft a reply" }).click();
  const draft = await doctor.getByLabel("Your reply").inputValue();
  assert.match(draft, /988/, "988 for suicidal thoughts");
  assert.match(draft, /trying to reach you by phone/);
  assert.doesNotMatch(draft, /business days/, "no promised reply time");
  await shot(doctor, "draft-self-harm");

  await doctor.getByLabel("Your reply").fill("");
  await doctor.getByLabel("Your reply").pressSequentially("We will get back to you within two business days.", { delay: 5 });
  await doctor.locator("#reply-feedback").getByText(/give the crisis line 988 first/).waitFor();
  await doctor.locator("#reply-feedback").getByText(/promise no reply time/).waitFor();
  await doctor.context().close();
});
