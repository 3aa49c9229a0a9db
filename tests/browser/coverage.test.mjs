// Time away in a real browser: Dr. Lee opens "Time away" from the menu, says
// she is away from now for a week with Nurse Kim covering, and sees it set;
// Alice, whose care team she is on, opens "New message" and reads who covers
// and until when; in Spanish, a return date before the start comes back with
// the date marked; an administrator sets it for Nurse Kim from the users
// page, with a pool covering. Pages are checked with axe-core at phone and desktop widths.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/coverage.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 5 });
const { person, shot, signIn } = clinic;

/** `YYYY-MM-DDTHH:MM` for a date-time input, `days` from now (the demo clinic's zone is close enough: a week's margin). */
function localInput(days) {
  const t = new Date(Date.now() + days * 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

test("a clinician sets time away with a colleague covering, and her patient sees it when writing", async () => {
  const doctor = await person(DESKTOP);
  await signIn(doctor, "dr.lee");
  await doctor.getByRole("navigation", { name: /main/i }).getByRole("link", { name: "Time away" }).click();
  await doctor.getByRole("heading", { name: "Time away", level: 1 }).waitFor();
  await doctor.getByText("No time away is set.").waitFor();
  await doctor.getByLabel("Back on").fill(localInput(7));
  await doctor.getByLabel("Who covers").selectOption({ label: "Nurse Daniel Kim" });
  await doctor.getByRole("button", { name: "Save time away" }).click();
  await doctor.getByText("Saved.").waitFor();
  await doctor.getByText(/You are away until .*\. Nurse Daniel Kim covers for you\./).waitFor();
  await shot(doctor, "away-set");
  await doctor.context().close();

  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "New message" }).first().click();
  const notice = patient.getByRole("note").filter({ hasText: "Dr. Grace Lee is away until" });
  await notice.waitFor();
  assert.match(await notice.innerText(), /Nurse Daniel Kim is covering and will read your message\./);
  await shot(patient, "compose-away");
  await patient.context().close();
});

test("in Spanish, a return before the start comes back with the date marked and what was typed kept", async () => {
  const pharmacist = await person(PHONE);
  await signIn(pharmacist, "rx.patel");
  await pharmacist.goto(`${clinic.base}/away`);
  await pharmacist.getByLabel("Language").selectOption("es");
  await pharmacist.getByRole("button", { name: "OK" }).click();
  await pharmacist.getByRole("heading", { name: "Ausencias", level: 1 }).waitFor();
  const start = localInput(5);
  await pharmacist.getByLabel("Ausente desde").fill(start);
  await pharmacist.getByLabel("De vuelta el").fill(localInput(3));
  await pharmacist.getByLabel("Quién cubre").selectOption({ label: "Dr. Grace Lee" });
  await pharmacist.getByRole("button", { name: "Guardar ausencia" }).click();
  await pharmacist.getByText(/Escriba cuándo vuelve/).first().waitFor();
  assert.equal(await pharmacist.getByLabel("De vuelta el").getAttribute("aria-invalid"), "true");
  assert.equal(await pharmacist.getByLabel("Ausente desde").inputValue(), start);
  await shot(pharmacist, "away-refused-es");
  await pharmacist.context().close();
});

test("an administrator sets a nurse's time away from the users page, with a pool covering", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto(`${clinic.base}/admin/users`);
  await admin.getByRole("link", { name: "Time away of Nurse Daniel Kim" }).click();
  await admin.getByRole("heading", { name: "Time away: Nurse Daniel Kim", level: 1 }).waitFor();
  await admin.getByLabel("Back on").fill(localInput(2));
  await admin.getByLabel("Who covers").selectOption({ label: "Nurse triage" });
  await admin.getByRole("button", { name: "Save time away" }).click();
  await admin.getByText(/Nurse Daniel Kim is away until .*\. Nurse triage covers\./).waitFor();
  await shot(admin, "away-admin");
  await admin.context().close();
});
