// A patient who writes in a language CareThread does not triage, in a real
// browser: she writes in Arabic, and the page she lands on and the thread
// itself tell her, in Arabic (right to left) and then in English, what to do
// in an emergency, with 911 and 988 as links that dial; the footer leads to
// the guidance in every language, which anyone may read. Pages are checked
// with axe-core.
//
// Run: CARETHREAD_BIN=target/debug/carethread node --test tests/browser/interpreter.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoClinic, PHONE } from "./harness.mjs";

const clinic = demoClinic({ minAudited: 8 });
const { person, shot, signIn, compose } = clinic;

const SUBJECT = "سعال وحمى";
const ARABIC =
  "مرحبا دكتور، عندي سعال شديد وحمى منذ ثلاثة أيام. لا آكل جيدا وأشعر بالتعب طوال الوقت. هل يمكنني الحصول على موعد هذا الأسبوع؟";
const ARABIC_HEADING = "إذا كانت هذه حالة طارئة، اتصل بالرقم 911";
const ENGLISH_HEADING = "If this is an emergency, call 911";

/** The alert shows Arabic, right to left, before English, with both numbers as links. */
async function showsArabicGuidance(page, where) {
  const alert = page.getByRole("alert").filter({ has: page.getByRole("heading", { name: ARABIC_HEADING }) });
  await alert.waitFor();
  const arabic = alert.locator('div.guidance[lang="ar"]');
  assert.equal(await arabic.getAttribute("dir"), "rtl", `${where}: Arabic reads right to left`);
  assert.equal(await arabic.evaluate((el) => getComputedStyle(el).direction), "rtl", `${where}: and is drawn so`);
  const english = alert.locator('div.guidance[lang="en"]');
  assert.ok((await english.innerText()).includes(ENGLISH_HEADING), `${where}: then English`);
  const order = await alert.evaluate((el) => [...el.querySelectorAll("div.guidance")].map((d) => d.lang));
  assert.deepEqual(order, ["ar", "en"], `${where}: the patient's language first`);
  for (const href of ["tel:911", "tel:988"]) {
    assert.ok((await arabic.locator(`a[href="${href}"]`).count()) > 0, `${where}: ${href} in Arabic`);
  }
}

test("a message in Arabic shows the emergency guidance in Arabic, on the sent page and the thread", async () => {
  const patient = await person(PHONE);
  await signIn(patient, "patient.alice");
  await patient.getByRole("link", { name: "Go to my messages" }).click();
  await compose(patient, "A question for my care team", { Subject: SUBJECT }, ARABIC);
  await patient.getByRole("heading", { name: "Your message was sent" }).waitFor();
  await showsArabicGuidance(patient, "the sent page");
  await shot(patient, "interpreter-arabic-sent");

  await patient.getByRole("link", { name: SUBJECT }).first().click();
  await patient.getByRole("heading", { level: 1, name: SUBJECT }).waitFor();
  await showsArabicGuidance(patient, "the thread page");
  await shot(patient, "interpreter-arabic-thread");

  await patient.reload();
  await showsArabicGuidance(patient, "the thread page, reloaded");

  await patient.getByRole("link", { name: "What to do in an emergency, in other languages" }).click();
  await patient.getByRole("heading", { level: 1, name: "What to do in an emergency" }).waitFor();
  const sections = await patient.locator("section[lang]").evaluateAll((all) => all.map((s) => `${s.lang}:${s.dir}`));
  assert.deepEqual(sections, ["en:ltr", "es:ltr", "zh-Hans:ltr", "vi:ltr", "tl:ltr", "ar:rtl", "ko:ltr", "ru:ltr", "ht:ltr", "pt:ltr", "fr:ltr"]);
  await shot(patient, "emergency-help-signed-in");
  await patient.context().close();
});

test("anyone may read the guidance in every language without signing in", async () => {
  const visitor = await person(PHONE, "es-MX");
  await visitor.goto(`${clinic.base}/emergency-help`);
  await visitor.getByRole("heading", { level: 1, name: "Qué hacer en una emergencia" }).waitFor();
  await visitor.getByRole("link", { name: "Tiếng Việt" }).click();
  assert.ok(visitor.url().endsWith("#guidance-vi"), visitor.url());
  assert.ok((await visitor.locator('section[lang="vi"] a[href="tel:911"]').count()) > 0);
  await shot(visitor, "emergency-help-visitor");
  await visitor.context().close();
});
