// The clinic's insights as an administrator and a clinic lead read them:
// each section's charts beside their tables, the filters, and the CSV links,
// at phone and desktop widths. Every insights page is checked with axe-core
// at 390 px and 1280 px.

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, fitsPhone, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 10 });
const { person, shot, signIn } = clinic;

test("an administrator reads the message volume and response times as charts with tables", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.getByRole("link", { name: "Clinic insights" }).click();
  await admin.getByRole("heading", { name: "Message volume", level: 1 }).waitFor();

  const chart = admin.getByRole("img", { name: "Patient messages per day" });
  await chart.waitFor();
  const table = admin.getByRole("region", { name: "Patient messages per day" }).getByRole("table");
  await table.getByRole("columnheader", { name: "After hours" }).waitFor();
  assert.ok((await table.getByRole("row").count()) > 28, "a row per day of the four weeks, and the headings");
  await admin.getByRole("link", { name: /Download CSV: Patient messages per day/ }).waitFor();
  await shot(admin, "insights-volume");

  // Nothing runs off a phone's screen.
  await fitsPhone(admin, chart);

  // Narrowed to one urgency, kept when moving to the response times.
  await admin.getByLabel("Urgency", { exact: true }).selectOption("urgent");
  await admin.getByRole("button", { name: "Show" }).click();
  await admin.waitForURL(/urgency=urgent/);
  await admin.getByRole("navigation", { name: "Clinic insights" }).getByRole("link", { name: "Response times" }).click();
  await admin.getByRole("heading", { name: "Response times", level: 1 }).waitFor();
  assert.match(admin.url(), /urgency=urgent/, "the filters are kept");
  await admin.getByRole("img", { name: /Time to first staff reply/ }).waitFor();
  await shot(admin, "insights-response");
  await admin.context().close();
});

test("an administrator makes a nurse a clinic lead, who reads workload, quality and drafting for her own threads", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto(`${clinic.base}/admin/users`);
  await admin.getByRole("button", { name: "Make Nurse Daniel Kim a clinic lead (reads the insights)" }).click();
  await admin.getByRole("button", { name: "Nurse Daniel Kim is no longer a clinic lead" }).waitFor();
  await admin.context().close();

  const lead = await person(DESKTOP);
  await signIn(lead, "rn.kim");
  await lead.getByRole("link", { name: "Clinic insights" }).click();
  await lead.getByRole("heading", { name: "Message volume", level: 1 }).waitFor();
  const menu = lead.getByRole("navigation", { name: "Clinic insights" });
  assert.equal(await menu.getByRole("link", { name: "Equity monitor" }).count(), 0, "the equity monitor is administrators'");

  // Her own threads, from the year's Spanish-speaking patients.
  await lead.getByLabel(/Member of staff/).selectOption({ label: "Nurse Daniel Kim" });
  await lead.getByLabel("Group of patients").selectOption("language:es");
  await lead.getByRole("button", { name: "Show" }).click();
  await lead.waitForURL(/clinician=.*group=language%3Aes/);

  await menu.getByRole("link", { name: "Workload" }).click();
  await lead.getByRole("heading", { name: "Workload", level: 1 }).waitFor();
  assert.match(lead.url(), /group=language%3Aes/, "the filters are kept");
  await lead.getByRole("columnheader", { name: "Received as cover" }).first().waitFor();
  await shot(lead, "insights-workload");

  await menu.getByRole("link", { name: "Quality and safety" }).click();
  await lead.getByRole("heading", { name: "Quality and safety", level: 1 }).waitFor();
  await lead.getByRole("heading", { name: /Did this answer your question/ }).waitFor();
  await shot(lead, "insights-safety");

  await menu.getByRole("link", { name: "AI and drafting" }).click();
  await lead.getByRole("heading", { name: "AI and drafting", level: 1 }).waitFor();
  await lead.getByRole("img", { name: "Drafting per week" }).waitFor();
  await lead.getByRole("region", { name: "Drafting per member of staff" }).getByRole("table").waitFor();
  await shot(lead, "insights-ai");
  await lead.context().close();
});
