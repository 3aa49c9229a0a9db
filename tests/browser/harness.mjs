// What every browser test file shares: a demo clinic started from the real
// binary, Debian's Chromium driven by playwright-core, axe-core on every page
// a test audits, screenshots, and the few steps every person takes (sign in,
// write a message).

import { before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const bin = process.env.CARETHREAD_BIN || join(root, "target", "debug", "carethread");
const shots = process.env.CARETHREAD_SCREENSHOTS || join(root, "target", "screenshots");
const axeSource = readFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), "utf8");

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/** At a phone's width nothing runs off the screen, `chart` included; then back to the desktop. */
export async function fitsPhone(page, chart) {
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the page fits the phone (${width} px)`);
  const box = await chart.boundingBox();
  assert.ok(box && box.width <= PHONE.width, "the chart fits the phone");
  await page.setViewportSize(DESKTOP);
}

/** A port nobody is listening on right now. */
function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/** Starts the demo clinic; tries another port if the chosen one was taken meanwhile. */
async function startDemo(extraArgs) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "carethread-browser-"));
    const child = spawn(bin, ["demo", "--port", String(port), "--data-dir", dataDir, ...extraArgs], {
      env: { ...process.env, CARETHREAD_LOG: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const started = await new Promise((ok) => {
      const timer = setTimeout(() => ok(false), 60000);
      child.stdout.on("data", (chunk) => {
        if (String(chunk).includes("CareThread is running")) {
          clearTimeout(timer);
          ok(true);
        }
      });
      child.on("exit", () => {
        clearTimeout(timer);
        ok(false);
      });
    });
    if (started) {
      return { child, base: `http://127.0.0.1:${port}` };
    }
    child.kill();
  }
  throw new Error("the demo did not start");
}

/**
 * A demo clinic for the tests of one file: started before them, stopped after
 * them, when axe-core must have audited at least `minAudited` pages and found
 * no serious or critical WCAG 2 A/AA violation. `base` is set once started.
 */
export function demoClinic({ minAudited = 0, args = [] } = {}) {
  const clinic = { base: undefined };
  let server;
  let browser;
  const violations = [];
  let audited = 0;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    ({ child: server, base: clinic.base } = await startDemo(args));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  after(async () => {
    await browser?.close();
    server?.kill();
    assert.ok(audited >= minAudited, `axe checked ${audited} pages at both widths`);
    assert.deepEqual(violations, [], "axe-core found serious or critical WCAG 2 A/AA violations");
  });

  /**
   * A browser user at a width; axe may inject its script despite the page's CSP,
   * unless `enforceCsp` asks for the pages' policies to hold as they would for anyone.
   */
  clinic.person = async (viewport, locale = "en-US", { enforceCsp = false } = {}) => {
    const context = await browser.newContext({ viewport, locale, bypassCSP: !enforceCsp });
    return context.newPage();
  };

  /** axe-core on the current page: serious or critical WCAG 2 A/AA violations are collected. */
  clinic.audit = async (page, name) => {
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
    );
    assert.ok(result.passes.length > 0, `axe ran on ${name}`);
    audited += 1;
    for (const v of result.violations) {
      if (v.impact === "serious" || v.impact === "critical") {
        violations.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
  };

  /** axe at both widths, and a screenshot at each, then back to the person's own width. */
  clinic.shot = async (page, name) => {
    const own = page.viewportSize();
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      await clinic.audit(page, `${name} @${viewport.width}`);
      await page.screenshot({ path: join(shots, `${name}-${viewport.width}.png`), fullPage: true });
    }
    await page.setViewportSize(own);
  };

  clinic.signIn = async (page, username, password = "demo") => {
    await page.goto(`${clinic.base}/signin`);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  clinic.compose = async (page, kind, fields, body) => {
    await page.getByRole("link", { name: "New message" }).first().click();
    await page.getByLabel(kind).check();
    for (const [label, value] of Object.entries(fields)) {
      await page.getByLabel(label).fill(value);
    }
    await page.getByLabel("Your message").fill(body);
    await page.getByRole("button", { name: "Send message" }).click();
  };

  return clinic;
}
