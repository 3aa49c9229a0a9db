// The equity monitor as an administrator reads it: when billing began, the
// group whose messaging fell flagged, each dimension's chart beside its
// table, the CSV, and the margin form; and the groups a patient gave,
// recorded from the list of accounts. Every page visited is checked with axe-core at 390 px and
// 1280 px, and nothing runs off a phone's screen.

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, fitsPhone, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 3 });
const { person, shot, signIn } = clinic;

test("an administrator sees which group wrote less once billing began, as charts beside tables", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto(`${clinic.base}/insights`);
  await admin.getByRole("navigation", { name: "Clinic insights" }).getByRole("link", { name: "Equity monitor" }).click();
  await admin.getByRole("heading", { name: "Equity monitor", level: 1 }).waitFor();
  await admin.getByText(/Online visit billing was turned on/).waitFor();
  const flagged = admin.getByRole("status").filter({ hasText: "percentage points" });
  assert.match(await flagged.innerText(), /language: es/, "the Spanish speakers' fall is flagged");

  const chart = admin.getByRole("img", { name: /By language: messages per 100 patients a month/ });
  await chart.waitFor();
  const table = admin.getByRole("region", { name: /By language/ }).getByRole("table");
  await table.getByRole("columnheader", { name: "Everyone else's change (%)" }).waitFor();
  await table.getByRole("rowheader", { name: "es" }).waitFor();
  await admin.getByRole("img", { name: /By payer/ }).waitFor();
  await admin.getByRole("link", { name: "Download every group (CSV)" }).waitFor();
  await shot(admin, "equity-monitor");

  await fitsPhone(admin, chart);

  // A margin wider than any fall flags nobody.
  await admin.getByLabel("Margin (percentage points)").fill("100");
  await admin.getByRole("button", { name: "Show" }).click();
  await admin.waitForURL(/margin=100/);
  await admin.getByText(/No group's messaging fell more than the others' by more than 100 percentage points/).waitFor();
  await admin.context().close();
});

test("an administrator records the groups a patient gave, from the list of accounts", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto(`${clinic.base}/admin/users`);
  await admin.getByRole("link", { name: "Groups Alice Johnson gave" }).click();
  await admin.getByRole("heading", { name: "Groups Alice Johnson gave", level: 1 }).waitFor();
  await admin.getByLabel("Payer (insurance type)").fill("commercial");
  await admin.getByLabel("Sex").fill("female");
  await admin.getByLabel(/^Another grouping/).fill("zip_region");
  await admin.getByLabel(/^Her group in it/).fill("north");
  await admin.getByRole("button", { name: "Save the groups" }).click();
  await admin.waitForURL(/\/groups$/);
  assert.equal(await admin.getByLabel("Payer (insurance type)").inputValue(), "commercial");
  await admin.getByText("zip_region = north").waitFor();
  await shot(admin, "patient-groups");
  await admin.context().close();
});
