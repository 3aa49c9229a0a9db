// The portal's forms in a real browser: a proxy writes in the record of the
// patient she acts for, a refused form keeps what was typed, a reload never
// sends twice, an internal note is its own action, and a teenager can keep a
// conversation from her proxies. Pages are checked with axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/forms.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 8 });
const { person, shot, signIn } = clinic;

test("a proxy acting for Maya writes in Maya's record and is told so", async () => {
  const proxy = await person(DESKTOP);
  await signIn(proxy, "proxy.carol");
  await proxy.getByRole("link", { name: "Go to my messages" }).click();
  await proxy.getByLabel("You are acting for").selectOption({ label: "Maya Johnson" });
  await proxy.getByRole("button", { name: "Show" }).click();
  // "New message" from the menu starts on Maya, not on the first patient.
  await proxy.getByRole("navigation", { name: /main/i }).getByRole("link", { name: "New message" }).click();
  await proxy.getByRole("heading", { name: "New message about Maya Johnson" }).waitFor();
  await proxy.getByText("This message goes to Maya Johnson's record and care team.").waitFor();
  await shot(proxy, "proxy-compose-maya");
  await proxy.getByLabel("An appointment").check();
  await proxy.getByLabel("Which days and times work for you?").fill("Thursday after school");
  await proxy.getByLabel("Your message").fill("Maya needs her sports physical.");
  await proxy.getByRole("button", { name: "Send message" }).click();
  await proxy.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await proxy.getByText("It is filed in Maya Johnson's record.").waitFor();
  await proxy.context().close();

  const maya = await person(PHONE);
  await signIn(maya, "patient.maya");
  await maya.getByRole("link", { name: "Go to my messages" }).click();
  await maya.getByRole("link", { name: /An appointment/ }).first().waitFor();
  await maya.context().close();
});

test("a message that is too long comes back with what was typed, the error beside it, and the menu", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "New message" }).first().click();
  await patient.getByText("You can write up to 5000 characters.").waitFor();
  await patient.getByLabel("A question for my care team").check();
  await patient.getByLabel("Subject").fill("A long story");
  const typed = `It started last spring. ${"And then it went on. ".repeat(260)}`;
  const box = patient.getByLabel("Your message");
  await box.fill(typed);
  await patient.getByText(/characters too many/).waitFor();
  await patient.getByRole("button", { name: "Send message" }).click();
  await patient.getByText(/Your message is longer than 5000 characters/).first().waitFor();
  assert.equal(await patient.getByLabel("Your message").inputValue(), typed, "what was typed is still there");
  assert.match(await patient.getByLabel("Your message").inputValue(), /^It started last spring\./);
  assert.equal(await patient.getByLabel("Your message").getAttribute("aria-invalid"), "true");
  assert.equal(await patient.getByLabel("Subject").inputValue(), "A long story");
  await patient.getByRole("navigation", { name: /main/i }).waitFor();
  await shot(patient, "compose-too-long");
  await patient.context().close();
});

test("reloading the page after sending does not send the message again", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "New message" }).first().click();
  const subject = `Reload check ${Date.now()}`;
  await patient.getByLabel("A question for my care team").check();
  await patient.getByLabel("Subject").fill(subject);
  await patient.getByLabel("Your message").fill("Is it fine to take my pills with food?");
  await patient.getByRole("button", { name: "Send message" }).click();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await patient.reload();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await patient.reload();
  await patient.goto(`${clinic.base}/inbox`);
  await patient.getByRole("link", { name: new RegExp(subject) }).first().waitFor();
  assert.equal(await patient.getByRole("link", { name: new RegExp(subject) }).count(), 1, "sent once");
  await patient.context().close();
});

test("an internal note is a separate action and is shown as a note, never to the patient", async () => {
  const nurse = await person(DESKTOP);
  await signIn(nurse, "rn.kim");
  await nurse.getByRole("heading", { name: "In-basket" }).waitFor();
  await nurse.getByRole("link", { name: /Rash on my arm/ }).first().click();
  assert.equal(await nurse.getByRole("checkbox", { name: /Internal note/ }).count(), 0, "no checkbox on the reply box");
  await nurse.getByLabel("Note for the care team (the patient never sees it)").fill("Mother called: rash is not spreading.");
  await nurse.getByRole("button", { name: "Add internal note — staff only" }).click();
  const note = nurse.locator("li.message.internal").filter({ hasText: "Mother called: rash is not spreading." });
  await note.waitFor();
  await note.getByText("Internal note — not visible to the patient").waitFor();
  assert.equal(await nurse.getByLabel("Your reply").inputValue(), "", "the reply box was not used");
  await shot(nurse, "thread-note");
  await nurse.context().close();

  const patient = await person(PHONE);
  await signIn(patient, "patient.maya");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  await patient.getByRole("link", { name: /Rash on my arm/ }).first().click();
  await patient.getByText(/itchy red rash on my arm/).waitFor();
  assert.equal(await patient.getByText("Mother called: rash is not spreading.").count(), 0, "the patient never sees the note");
  await patient.context().close();
});

test("a 15-year-old keeps a conversation from her proxies, told plainly who will see it", async () => {
  const teen = await person(PHONE);
  await signIn(teen, "patient.maya");
  await teen.getByRole("link", { name: "New message" }).first().click();
  const privately = teen.getByLabel("Keep this conversation private from my proxies (such as a parent)");
  await privately.waitFor();
  await teen.getByText(/Your care team will see it and answer it as usual\. People with proxy access/).waitFor();
  await shot(teen, "compose-confidential");
  await teen.getByLabel("A question for my care team").check();
  const subject = `Private question ${Date.now()}`;
  await teen.getByLabel("Subject").fill(subject);
  await teen.getByLabel("Your message").fill("Can I talk to someone about birth control?");
  await privately.check();
  await teen.getByRole("button", { name: "Send message" }).click();
  await teen.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await teen.getByRole("link", { name: subject }).click();
  await teen.getByText(/This conversation is private/).waitFor();
  await teen.context().close();

  const proxy = await person(DESKTOP);
  await signIn(proxy, "proxy.carol");
  await proxy.getByRole("link", { name: "Go to my messages" }).click();
  await proxy.getByLabel("You are acting for").selectOption({ label: "Maya Johnson" });
  await proxy.getByRole("button", { name: "Show" }).click();
  await proxy.getByRole("link", { name: /Rash on my arm/ }).first().waitFor();
  assert.equal(await proxy.getByRole("link", { name: new RegExp(subject) }).count(), 0, "hidden from her proxy");
  await proxy.context().close();
});
