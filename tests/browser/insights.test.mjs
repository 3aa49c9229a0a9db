// The clinic's insights as an administrator reads them: each section's
// charts beside their tables, the filters, and the CSV links, at phone and
// desktop widths. Every page visited is checked with axe-core at 390 px and
// 1280 px.

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 4 });
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
  await admin.setViewportSize(PHONE);
  const width = await admin.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the page fits the phone (${width} px)`);
  const box = await chart.boundingBox();
  assert.ok(box && box.width <= PHONE.width, "the chart fits the phone");
  await admin.setViewportSize(DESKTOP);

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
