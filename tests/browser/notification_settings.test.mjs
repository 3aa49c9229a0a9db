// Notification settings in a real browser: a patient opens the page from the
// menu, sets an e-mail address, quiet hours and Spanish notices, saves, and
// finds them kept; in Spanish, text messages without a mobile number come back
// with the number marked and what was typed kept. Pages are checked with axe-core at
// phone and desktop widths.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/notification_settings.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
const { person, shot, signIn } = clinic;

test("a patient sets e-mail, quiet hours and Spanish notices, saves, and finds them kept", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("navigation", { name: /main/i }).getByRole("link", { name: "Notifications" }).click();
  await patient.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
  await shot(patient, "notifications");

  await patient.getByLabel("E-mail address").fill("alice.notices@example.org");
  await patient.getByLabel("By e-mail").check();
  await patient.getByLabel("Quiet from").fill("22:00");
  await patient.getByLabel("Quiet until").fill("07:00");
  await patient.getByLabel("Language of notices").selectOption("es");
  await patient.getByRole("button", { name: "Save notification settings" }).click();
  await patient.getByText("Your notification settings are saved.").waitFor();

  for (const reloaded of [false, true]) {
    if (reloaded) {
      await patient.goto(`${clinic.base}/notifications`);
    }
    assert.equal(await patient.getByLabel("E-mail address").inputValue(), "alice.notices@example.org");
    assert.equal(await patient.getByLabel("Quiet from").inputValue(), "22:00");
    assert.equal(await patient.getByLabel("Quiet until").inputValue(), "07:00");
    assert.equal(await patient.getByLabel("Language of notices").inputValue(), "es");
    assert.equal(await patient.getByLabel("By e-mail").isChecked(), true);
  }
  await shot(patient, "notifications-saved");
  await patient.context().close();
});

test("in Spanish, text messages without a mobile number come back with the number marked and what was typed kept", async () => {
  const patient = await person(DESKTOP);
  await signIn(patient, "patient.bob");
  await patient.getByRole("navigation", { name: /principal|main/i }).getByRole("link", { name: "Avisos" }).click();
  await patient.getByRole("heading", { name: "Avisos", level: 1 }).waitFor();
  await patient.getByLabel("Número de celular").fill("");
  await patient.getByLabel("Por mensaje de texto").check();
  await patient.getByLabel("Silencio desde").fill("21:15");
  await patient.getByLabel("Silencio hasta").fill("06:30");
  await patient.getByRole("button", { name: "Guardar preferencias de avisos" }).click();
  await patient.getByText("Escriba su número de celular para recibir avisos por mensaje de texto").first().waitFor();
  assert.equal(await patient.getByLabel("Número de celular").getAttribute("aria-invalid"), "true");
  assert.equal(await patient.getByLabel("Por mensaje de texto").isChecked(), true);
  assert.equal(await patient.getByLabel("Silencio desde").inputValue(), "21:15");
  await shot(patient, "notifications-refused-es");
  await patient.context().close();
});
