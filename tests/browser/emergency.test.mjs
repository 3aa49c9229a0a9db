// Emergencies after hours in a real browser: an administrator sets hours
// that leave the clinic closed now, a patient sends an emergency, and no
// page promises a reply time; the patient is given 911, 988 and the clinic's
// after-hours line as links that dial. Staff see that on-call has not seen it
// until the on-call nurse opens it. Pages are checked with axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/emergency.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
const { person, shot, signIn, compose } = clinic;

/** Opening and closing times (UTC, every day) that leave the clinic closed now. */
function closedHours() {
  const hour = new Date().getUTCHours();
  const opens = hour <= 20 ? hour + 2 : 1;
  const hh = (h) => String(h).padStart(2, "0");
  return { opens: `${hh(opens)}:00`, closes: `${hh(opens + 1)}:00` };
}

test("an administrator closes the clinic for now in the clinic profile, with the after-hours line", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto(`${clinic.base}/admin/clinic`);
  await admin.getByLabel("Time zone (for example America/Chicago)").fill("UTC");
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
    await admin.getByLabel(day, { exact: true }).check();
  }
  const { opens, closes } = closedHours();
  await admin.getByLabel("Opens at").fill(opens);
  await admin.getByLabel("Closes at").fill(closes);
  assert.equal(await admin.getByLabel(/After-hours phone line/).inputValue(), "+1 555-010-0199", "the demo's line");
  assert.match(await admin.getByLabel(/On call after hours/).locator("option:checked").innerText(), /Nurse Daniel Kim/);
  await admin.getByRole("button", { name: "Save" }).click();
  await admin.getByText(/is closed now\./).waitFor();
  await shot(admin, "admin-clinic-after-hours");
  await admin.context().close();
});

test("an emergency after hours promises no reply time and gives numbers that dial", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  await compose(patient, "A question for my care team", {}, "I have crushing chest pain and I can't breathe");
  await patient.getByRole("heading", { name: "This may be an emergency" }).waitFor();
  await patient.getByRole("button", { name: "Send my message too" }).click();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();

  const dials = async (where) => {
    await patient.getByRole("heading", { name: "Messages are not read now" }).first().waitFor();
    for (const href of ["tel:911", "tel:988", "tel:+15550100199"]) {
      assert.equal(await patient.locator(`a[href="${href}"]`).count() > 0, true, `${where}: a link to ${href}`);
    }
    assert.equal(await patient.getByText(/Reply expected/).count(), 0, `${where} promises no reply time`);
  };
  await dials("the sent page");
  await shot(patient, "emergency-after-hours-sent");

  await patient.getByRole("link", { name: "A question for my care team" }).first().click();
  await dials("the thread page");
  await shot(patient, "emergency-after-hours-thread");

  await patient.goto(`${clinic.base}/inbox`);
  for (const href of ["tel:911", "tel:988", "tel:+15550100199"]) {
    assert.ok((await patient.locator(`a[href="${href}"]`).count()) > 0, `the inbox: a link to ${href}`);
  }
  assert.equal(await patient.getByText(/Reply expected/).count(), 0, "the inbox promises no reply time");
  await patient.context().close();
});

test("staff see that on-call has not seen it until the on-call nurse opens it", async () => {
  const doctor = await person(DESKTOP);
  await signIn(doctor, "dr.lee");
  await doctor.goto(`${clinic.base}/inbasket?urgency=emergency`);
  await doctor.getByText("After hours: on-call has not seen this").first().waitFor();
  await shot(doctor, "inbasket-on-call-not-seen");

  const nurse = await person(DESKTOP);
  await signIn(nurse, "rn.kim");
  await nurse.goto(`${clinic.base}/inbasket?urgency=emergency`);
  await nurse.getByRole("link", { name: /A question for my care team/ }).first().click();
  await nurse.getByRole("heading", { name: "Messages", exact: true }).waitFor();
  await nurse.context().close();

  await doctor.reload();
  await doctor.getByRole("link", { name: /A question for my care team/ }).first().click();
  await doctor.getByText(/After hours: seen by on-call Nurse Daniel Kim at/).waitFor();
  await doctor.context().close();
});
