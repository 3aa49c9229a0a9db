// The portal in a real browser (Debian's Chromium, driven by playwright-core),
// found by label and role as a person or a screen reader would find it.
// Every page visited is checked with axe-core at 390 px and 1280 px, and
// screenshots of the main pages are written to target/screenshots.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/portal.test.mjs
// (`cargo test` runs it when CARETHREAD_TEST_BROWSER is set; .ci/run does.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE, DESKTOP } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 40 });
const { person, shot, signIn, compose } = clinic;

test("a patient writes, a nurse drafts and answers live, the patient reads, the nurse sees it was read", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("heading", { name: "Welcome to secure messaging" }).waitFor();
  await shot(patient, "welcome");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  await patient.getByRole("heading", { name: "Messages" }).waitFor();
  await shot(patient, "inbox");

  // The nurse has her in-basket open before the patient writes.
  const nurse = await person(DESKTOP);
  await signIn(nurse, "rn.kim");
  await nurse.getByRole("heading", { name: "In-basket" }).waitFor();

  await compose(patient, "A prescription refill", { "Which medicine?": "lisinopril 10", "Which pharmacy?": "CVS on Main Street" },
    "I am almost out of my blood pressure pills.");
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await compose(patient, "A question for my care team", { "Since when?": "Saturday", "How bad is it, from 0 (none) to 10 (worst)?": "3" },
    "I have an itchy rash on my arm. Should I come in?");
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();

  // Both appear in the nurse's in-basket without a reload (live updates).
  await nurse.getByRole("link", { name: /A prescription refill/ }).waitFor({ timeout: 15000 });
  await nurse.getByRole("link", { name: /A question for my care team/ }).waitFor({ timeout: 15000 });
  await shot(nurse, "inbasket");

  await nurse.getByRole("link", { name: /A prescription refill/ }).click();
  await nurse.getByRole("button", { name: "Draft a reply" }).click();
  const replyBox = nurse.getByLabel("Your reply");
  const drafted = await replyBox.inputValue();
  assert.match(drafted, /Alice/);
  assert.match(drafted, /CVS/);
  await nurse.getByText(/Reading level: grade/).waitFor();
  await shot(nurse, "thread-draft");
  await replyBox.fill(drafted.replace("It should be ready", "It will be ready"));
  await nurse.getByRole("button", { name: "Send", exact: true }).click();
  await nurse.getByText("Drafted with the help of software and reviewed by").waitFor();

  // The patient reads the reply; the nurse then sees it was read.
  await patient.goto(`${clinic.base}/inbox`);
  await patient.getByRole("link", { name: /A prescription refill/ }).click();
  await patient.getByText(/It will be ready/).waitFor();
  await patient.getByRole("group", { name: "Did this answer your question?" }).waitFor();
  await shot(patient, "thread");
  await nurse.reload();
  await nurse.getByText(/Read by Alice/).first().waitFor();
  await nurse.getByRole("button", { name: "Assign to me" }).click();
  await nurse.getByRole("heading", { name: "A prescription refill" }).waitFor();

  // The patient sees who has opened her messages, and who may act for her.
  await patient.getByRole("link", { name: "Who has seen my messages" }).click();
  await patient.getByRole("cell", { name: /Nurse Daniel Kim/ }).first().waitFor();
  await shot(patient, "who-has-seen");
  await patient.getByRole("link", { name: "My proxies" }).click();
  await patient.getByRole("button", { name: /End access for/ }).waitFor();
  await patient.getByLabel("Their CareThread username").waitFor();
  await shot(patient, "proxies");
  await patient.context().close();
  await nurse.context().close();
});

test("an emergency shows the emergency guidance before it is sent", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  await compose(patient, "A question for my care team", {}, "I have crushing chest pain and I can't breathe");
  await patient.getByRole("heading", { name: "This may be an emergency" }).waitFor();
  await patient.getByText("Call 911 now, or go to the nearest emergency department.").waitFor();
  await shot(patient, "emergency");
  await patient.getByRole("button", { name: "Send my message too" }).click();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await patient.getByRole("alert").first().waitFor();
  await patient.context().close();
});

test("a proxy acts for the patients who granted access", async () => {
  const proxy = await person(DESKTOP);
  await signIn(proxy, "proxy.carol");
  await proxy.getByRole("link", { name: "Go to my messages" }).click();
  const acting = proxy.getByLabel("You are acting for");
  const options = await acting.locator("option").allTextContents();
  assert.equal(options.length, 2, `acts for two patients: ${options}`);
  await acting.selectOption({ index: 1 });
  await proxy.getByRole("button", { name: "Show" }).click();
  await proxy.getByRole("link", { name: "New message" }).first().click();
  await proxy.getByLabel("Writing for").selectOption({ index: 1 });
  await proxy.getByRole("button", { name: "Change" }).click();
  await proxy.getByLabel("An appointment").check();
  await proxy.getByLabel("Which days and times work for you?").fill("Tuesday morning");
  await proxy.getByLabel("Your message").fill("Could she have a check-up next week?");
  await proxy.getByRole("button", { name: "Send message" }).click();
  await proxy.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await shot(proxy, "proxy-sent");
  await proxy.context().close();
});

test("the Spanish interface works end to end", async () => {
  const patient = await person(PHONE, "es-US");
  await patient.goto(`${clinic.base}/signin`);
  await patient.getByRole("heading", { name: "Iniciar sesión" }).waitFor();
  await patient.getByLabel("Usuario").fill("patient.maya");
  await patient.getByLabel("Contraseña").fill("demo");
  await patient.getByRole("button", { name: "Entrar" }).click();
  // Maya's account is in English; the language switch changes it and is remembered.
  await patient.getByRole("heading", { name: "Welcome to secure messaging" }).waitFor();
  await patient.getByLabel("Language").selectOption("es");
  await patient.getByRole("button", { name: "OK" }).click();
  // The switch returns to the same page, now in Spanish.
  await patient.getByRole("heading", { name: "Bienvenido a los mensajes seguros" }).waitFor();
  await patient.getByRole("link", { name: "Ir a mis mensajes" }).click();
  await patient.getByRole("heading", { name: "Mensajes" }).waitFor();
  await patient.goto(`${clinic.base}/help`);
  await patient.getByRole("heading", { name: "Ayuda" }).waitFor();
  await patient.getByText("Nunca use los mensajes para una emergencia.", { exact: false }).waitFor();
  await shot(patient, "ayuda");
  await patient.getByRole("link", { name: "Mensaje nuevo" }).first().click();
  await patient.getByLabel("Renovar una receta").check();
  await patient.getByLabel("¿Qué medicina?").fill("inhalador");
  await patient.getByLabel("Su mensaje").fill("Se me acaba el inhalador.");
  await patient.getByRole("button", { name: "Enviar mensaje" }).click();
  await patient.getByRole("heading", { name: "Su mensaje fue enviado" }).waitFor();
  assert.equal(await patient.locator("html").getAttribute("lang"), "es");
  await patient.context().close();
});

test("an administrator sees the drafting report and switches drafting off and on", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.getByRole("heading", { name: "Drafting and AI" }).waitFor();
  const nurseRow = admin.getByRole("row", { name: /Nurse Daniel Kim/ });
  await nurseRow.waitFor();
  assert.match(await nurseRow.innerText(), /100%/, "the nurse's one draft was sent");
  await shot(admin, "admin");
  const drafting = admin.getByLabel("Offer reply drafts to clinicians");
  await drafting.uncheck();
  await admin.getByRole("button", { name: "Save" }).click();
  assert.equal(await admin.getByLabel("Offer reply drafts to clinicians").isChecked(), false);
  await admin.getByLabel("Offer reply drafts to clinicians").check();
  await admin.getByRole("button", { name: "Save" }).click();
  assert.equal(await admin.getByLabel("Offer reply drafts to clinicians").isChecked(), true);
  await admin.context().close();
});

/** A tiny PNG: the signature is what the server sniffs. */
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");

test("a patient sends a photo; the nurse forwards it to the doctor with a note and answers with a quick reply", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  await patient.getByRole("link", { name: "New message" }).first().click();
  await patient.getByText(/usually answers within 2 business days/).waitFor();
  await patient.getByLabel("A question for my care team").check();
  await patient.getByLabel("Subject").fill("Photo of my ankle");
  await patient.getByLabel("Your message").fill("My ankle is a bit swollen since I twisted it. Here is a photo.");
  await patient.getByLabel("Photos or PDF files (optional)").setInputFiles({ name: "ankle.png", mimeType: "image/png", buffer: PNG });
  await shot(patient, "compose");
  await patient.getByRole("button", { name: "Send message" }).click();
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await patient.getByRole("link", { name: "Photo of my ankle" }).click();
  await patient.getByRole("link", { name: /ankle\.png/ }).waitFor();

  const nurse = await person(DESKTOP);
  await signIn(nurse, "rn.kim");
  await nurse.getByLabel("Pool", { exact: true }).selectOption({ label: "Nurse triage" });
  await nurse.getByRole("button", { name: "Show" }).click();
  await nurse.getByRole("link", { name: /Photo of my ankle/ }).click();
  await nurse.getByText(/Reply due/).first().waitFor();
  await nurse.getByLabel("To a colleague").selectOption({ label: "Dr. Grace Lee (Physician)" });
  await nurse.getByLabel("Note for them (only staff see it)").fill("Swelling after a sprain; can you check the photo?");
  await nurse.getByRole("button", { name: "Forward", exact: true }).click();
  await nurse.getByText(/Forwarded to Dr\. Grace Lee\./).waitFor();
  await nurse.getByText(/Assigned to Dr\. Grace Lee|Forwarded/).first().waitFor();
  await nurse.getByLabel("Quick reply").selectOption({ index: 0 });
  await nurse.getByRole("button", { name: "Insert" }).click();
  const box = nurse.getByLabel("Your reply");
  assert.ok((await box.inputValue()).length > 10, "the quick reply is in the reply box");
  await nurse.getByText(/Reading level: grade/).waitFor();
  await shot(nurse, "thread-staff");

  const doctor = await person(DESKTOP);
  await signIn(doctor, "dr.lee");
  await doctor.getByRole("link", { name: "Assigned to me" }).click();
  await doctor.getByRole("link", { name: /Photo of my ankle/ }).click();
  await doctor.getByText("Swelling after a sprain; can you check the photo?").waitFor();
  await doctor.getByRole("heading", { name: "Other recent messages from Alice Johnson" }).waitFor();
  for (const p of [patient, nurse, doctor]) await p.context().close();
});

test("an administrator manages users, pools, routing, proxy access and the clinic's hours", async () => {
  const admin = await person(DESKTOP);
  await signIn(admin, "admin");
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("heading", { name: "Users", level: 1 }).waitFor();
  await admin.getByLabel("Name", { exact: true }).fill("Nurse Ana Ruiz");
  await admin.getByLabel("Username", { exact: true }).fill("rn.ruiz");
  await admin.getByLabel("Role", { exact: true }).selectOption("nurse");
  await admin.getByLabel(/First password/).fill("violet tram seventeen");
  await admin.getByRole("button", { name: "Add a user" }).click();
  await admin.getByText("Saved.").waitFor();
  await admin.getByRole("row", { name: /Nurse Ana Ruiz/ }).waitFor();
  await shot(admin, "admin-users");

  await admin.getByRole("link", { name: "Pools" }).click();
  const triagePool = admin.getByRole("region", { name: "Nurse triage" });
  await triagePool.getByLabel("Add to Nurse triage").selectOption({ label: "Nurse Ana Ruiz" });
  await triagePool.getByRole("button", { name: "Add", exact: true }).click();
  await admin.getByRole("button", { name: "Remove Nurse Ana Ruiz from Nurse triage" }).waitFor();
  await shot(admin, "admin-pools");

  await admin.getByRole("link", { name: "Care teams" }).click();
  await admin.getByRole("heading", { name: "Care teams", level: 1 }).waitFor();
  await shot(admin, "admin-care-teams");

  await admin.getByRole("link", { name: "Routing rules" }).click();
  await admin.getByLabel("Billing and forms").selectOption({ label: "Front desk" });
  await admin.getByRole("button", { name: "Save" }).click();
  await admin.getByText("Saved.").waitFor();
  await shot(admin, "admin-routing");

  await admin.getByRole("link", { name: "Proxy access" }).click();
  await admin.getByRole("heading", { name: "Proxy access", level: 1 }).waitFor();
  await shot(admin, "admin-grants");

  await admin.getByRole("link", { name: "Clinic settings" }).click();
  await admin.getByRole("checkbox", { name: "Saturday" }).check();
  await admin.getByLabel("Routine messages: business days to reply").fill("3");
  await admin.getByRole("button", { name: "Save" }).click();
  await admin.getByText("Saved.").waitFor();
  assert.equal(await admin.getByLabel("Routine messages: business days to reply").inputValue(), "3");
  await shot(admin, "admin-clinic");
  await admin.context().close();

  // Patients are told the new reply time.
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.goto(`${clinic.base}/compose`);
  await patient.getByText(/usually answers within 3 business days/).waitFor();
  await patient.context().close();
});

test("sign-in and security, and the privacy officer's audit log", async () => {
  const nurse = await person(PHONE);
  await signIn(nurse, "rn.kim");
  await nurse.getByRole("link", { name: "Sign-in and security" }).click();
  await nurse.getByRole("button", { name: "Set up two-step sign-in" }).click();
  await nurse.getByRole("img", { name: /QR code/ }).waitFor();
  await shot(nurse, "security-enrol");
  await nurse.context().close();

  const auditor = await person(DESKTOP);
  await signIn(auditor, "auditor");
  await auditor.getByRole("heading", { name: "Audit log" }).waitFor();
  await auditor.getByRole("link", { name: /CSV/ }).waitFor();
  await shot(auditor, "audit");
  await auditor.context().close();
});
