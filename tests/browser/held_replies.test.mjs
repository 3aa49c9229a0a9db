// Replies released later and visits in a real browser: a nurse schedules a
// reply for a set time on the clinic's clock; the thread shows it scheduled
// to staff while the patient sees nothing of it; releasing it now makes it a
// message the patient reads. A physician closes a thread as needing a video
// visit; the patient reads how to book and the front desk finds the request.
// Pages are checked with axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/held_replies.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
const { person, shot, signIn, compose } = clinic;

/** Alice writes; answers her new thread's id (from the "sent" page's address). */
async function aliceAsks(topic, body) {
  const patient = await person(DESKTOP);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  const subject = `${topic} ${Date.now()}`;
  await compose(patient, "A question for my care team", { Subject: subject }, body);
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  const id = new URL(patient.url()).pathname.split("/")[2];
  await patient.context().close();
  return id;
}

async function openAs(username, thread) {
  const page = await person(DESKTOP);
  await signIn(page, username);
  await page.getByRole("navigation").first().waitFor();
  await page.goto(`${clinic.base}/threads/${thread}`);
  return page;
}

async function aliceReads(thread) {
  const patient = await person(DESKTOP);
  await signIn(patient, "patient.alice");
  await patient.getByRole("navigation").first().waitFor();
  await patient.goto(`${clinic.base}/threads/${thread}`);
  await patient.getByRole("heading", { name: "Messages" }).waitFor();
  const text = await patient.locator("main").innerText();
  await patient.context().close();
  return text;
}

test("a nurse schedules a reply: staff see it scheduled, the patient sees nothing until it is released", async () => {
  const thread = await aliceAsks("Lab results", "Are my cholesterol results back yet?");
  const nurse = await openAs("rn.kim", thread);
  const reply = `Your results are back and look good ${Date.now()}.`;
  await nurse.getByRole("heading", { name: "Hold or schedule a reply" }).waitFor();
  await nurse.getByLabel("Reply", { exact: true }).fill(reply);
  await nurse.getByLabel("At a set time").check();
  const later = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString().slice(0, 16);
  await nurse.getByLabel("Release time (clinic time)").fill(later);
  await nurse.getByRole("button", { name: "Hold reply" }).click();
  await nurse.getByRole("heading", { name: "Replies held back" }).waitFor();
  await nurse.getByText(/^Scheduled for /).waitFor();
  await shot(nurse, "held-reply-scheduled");

  assert.ok(!(await aliceReads(thread)).includes(reply), "the patient sees nothing of a scheduled reply");

  await nurse.getByRole("button", { name: "Release now" }).click();
  await nurse.locator("ol.messages li.message").filter({ hasText: reply }).first().waitFor();
  assert.equal(await nurse.getByRole("heading", { name: "Replies held back" }).count(), 0, "nothing held any more");
  await nurse.context().close();
  assert.ok((await aliceReads(thread)).includes(reply), "released, it is a reply the patient reads");
});

test("a thread closed as needing a visit tells the patient how to book and reaches the front desk", async () => {
  const thread = await aliceAsks("Rash", "The rash on my arm is spreading. What should I do?");
  const doctor = await openAs("dr.lee", thread);
  await doctor.getByLabel("Visit", { exact: true }).selectOption("video");
  await doctor.getByLabel("Reason (the patient reads this)").fill("We need to look at the rash together.");
  await doctor.getByRole("button", { name: "Close as needing a visit" }).click();
  await doctor.getByText("How to book", { exact: false }).first().waitFor();
  await doctor.context().close();

  const seen = await aliceReads(thread);
  assert.match(seen, /video visit/);
  assert.match(seen, /look at the rash together/);

  // The demo's front desk reads the portal in Spanish.
  const desk = await person(DESKTOP);
  await signIn(desk, "desk.ortiz");
  await desk.getByRole("link", { name: "Solicitudes de cita" }).first().click();
  await desk.getByRole("heading", { name: "Solicitudes de cita" }).waitFor();
  await desk.getByRole("cell", { name: "We need to look at the rash together." }).first().waitFor();
  await shot(desk, "visit-requests");
  await desk.getByRole("button", { name: "Marcar como reservada" }).first().click();
  await desk.getByRole("heading", { name: "Solicitudes de cita" }).waitFor();
  assert.equal(await desk.getByRole("cell", { name: "We need to look at the rash together." }).count(), 0, "booked, it leaves the open list");
  await desk.context().close();
});
