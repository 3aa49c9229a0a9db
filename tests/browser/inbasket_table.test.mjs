// The in-basket a nurse works all day: a dense table on a desktop (one row
// per thread, a caption and column headers for screen readers), the same
// rows as cards on a phone, triage reasons folded until asked for, and all
// of it in the nurse's language.

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
const { person, shot, signIn } = clinic;

const COLUMNS = ["Urgency", "Patient", "Subject", "Pool", "Assigned to", "Waiting since", "Reply due"];

test("a nurse sees a table at desktop width, cards on a phone, and opens a row's triage reasons", async () => {
  const nurse = await person(DESKTOP);
  await signIn(nurse, "rn.kim");
  await nurse.getByRole("heading", { name: "In-basket" }).waitFor();

  const table = nurse.getByRole("table", { name: /most urgent first/ });
  await table.waitFor();
  for (const name of COLUMNS) {
    const header = table.getByRole("columnheader", { name, exact: true });
    assert.equal(await header.count(), 1, `one ${name} column`);
    assert.ok(await header.isVisible(), `${name} is shown at desktop width`);
  }
  const row = table.getByRole("row").filter({ hasText: "Rash on my arm" });
  assert.equal(await row.count(), 1, "one row for the thread");
  await row.getByRole("link", { name: "Rash on my arm" }).waitFor();
  await row.getByText("Maya Johnson · DOB Feb 20, 2011").waitFor();
  await row.getByRole("cell", { name: "Nurse triage" }).waitFor();
  assert.equal(await row.evaluate((el) => getComputedStyle(el).display), "table-row", "a table row on a desktop");

  // The reasons are folded until the nurse asks for them.
  const reasons = row.locator("details.reasons");
  const since = reasons.getByText(/since: Saturday/);
  assert.equal(await since.isVisible(), false, "reasons closed at first");
  await reasons.locator("summary").click();
  await since.waitFor();
  await shot(nurse, "inbasket-table");

  // The same page on a phone: each row is a card, its cells named by their column.
  await nurse.setViewportSize(PHONE);
  assert.equal(await row.evaluate((el) => getComputedStyle(el).display), "flex", "a card on a phone");
  const head = await table.locator("thead").boundingBox();
  assert.ok(!head || head.width <= 1, "the header row is for screen readers only on a phone");
  const label = await row.locator("td.pool").evaluate((el) => getComputedStyle(el, "::before").content);
  assert.match(label, /Pool/, "each cell says which column it is");
  const card = await row.boundingBox();
  assert.ok(card && card.width <= PHONE.width, "the card fits the phone");
  await reasons.locator("summary").click();
  assert.equal(await since.isVisible(), false, "closed again");
  await reasons.locator("summary").click();
  await since.waitFor();
  await nurse.context().close();
});

test("a nurse reading in Spanish sees the pool and the triage reasons in Spanish", async () => {
  const nurse = await person(DESKTOP);
  await signIn(nurse, "rn.kim");
  await nurse.getByRole("heading", { name: "In-basket" }).waitFor();
  await nurse.getByLabel("Language").selectOption("es");
  await nurse.getByRole("button", { name: "OK" }).click();
  await nurse.getByRole("heading", { name: "Bandeja de entrada" }).waitFor();

  const table = nurse.getByRole("table", { name: /primero las más urgentes/ });
  for (const name of ["Urgencia", "Paciente", "Asunto", "Grupo", "Asignado a", "Esperando desde", "Responder antes de"]) {
    assert.equal(await table.getByRole("columnheader", { name, exact: true }).count(), 1, `the ${name} column`);
  }
  const row = table.getByRole("row").filter({ hasText: "Rash on my arm" });
  await row.getByRole("cell", { name: "Triaje de enfermería" }).waitFor();
  await row.locator("details.reasons summary").click();
  await row.getByText(/desde cuándo: Saturday/).waitFor();
  assert.equal(await row.getByText(/since:|mentions a medicine|classifier:/).count(), 0, "no reason left in English");
  await shot(nurse, "inbasket-table-es");
  await nurse.context().close();
});
