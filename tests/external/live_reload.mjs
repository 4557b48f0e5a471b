// A page open in headless Chromium, served by `chronicle serve`, while its event file is
// edited: the page must reload with the edit, show the collection's errors over itself while
// the file is broken (without reloading), and reload clean once it is fixed. Any console error
// (a Content Security Policy violation, a script error) fails it.
//
// Usage: node live_reload.mjs URL EVENT_FILE OLD_TITLE
// Prints "ok" and exits 0, or prints what went wrong and exits 1.
import fs from "node:fs";
import { chromium } from "playwright-core";

const [url, file, oldTitle] = process.argv.slice(2);
const timeout = 20000;
const original = fs.readFileSync(file, "utf8");
if (!original.includes(oldTitle)) {
  throw new Error(`${file} does not hold the title ${oldTitle}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});
const failures = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", (message) => {
    if (message.type() === "error") failures.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => failures.push(`page error: ${error}`));
  const text = () => page.evaluate(() => document.body.innerText);

  // Loaded, with its event stream open.
  const streaming = page.waitForResponse((r) => r.url().endsWith("/.chronicle/live"));
  await page.goto(url, { waitUntil: "load" });
  await streaming;
  if (!(await text()).includes(oldTitle)) failures.push("the page lacks the event's title");

  // 1. An edit: the page reloads with it.
  const edited = "Title edited while the page was open";
  let loaded = page.waitForEvent("load");
  fs.writeFileSync(file, original.replace(oldTitle, edited));
  await loaded;
  if (!(await text()).includes(edited)) failures.push("the reloaded page lacks the edited title");

  // 2. A broken edit: the errors show over the page, which is not reloaded.
  await page.evaluate(() => { window.chronicleKept = true; });
  fs.writeFileSync(file, original.replace(/^date = .*$/m, 'date = "the 40th of Marchember"'));
  const panel = page.locator("#chronicle-problems");
  await panel.waitFor({ state: "visible" });
  const shown = await panel.innerText();
  const name = file.split("/").pop();
  if (!shown.includes(name)) failures.push(`the panel does not name ${name}: ${shown}`);
  if (!shown.includes("error")) failures.push(`the panel shows no error: ${shown}`);
  if (!(await page.evaluate(() => window.chronicleKept === true))) {
    failures.push("the page reloaded on a broken edit");
  }

  // 3. Fixed: the page reloads, without the panel, with the fix.
  const fixed = "Title fixed after a broken edit";
  loaded = page.waitForEvent("load");
  fs.writeFileSync(file, original.replace(oldTitle, fixed));
  await loaded;
  if (!(await text()).includes(fixed)) failures.push("the page lacks the fixed title");
  if ((await panel.count()) !== 0) failures.push("the panel stayed after the fix");
} catch (error) {
  failures.push(String(error));
} finally {
  await browser.close();
}
if (failures.length > 0) {
  console.log(failures.join("\n"));
  process.exit(1);
}
console.log("ok");
