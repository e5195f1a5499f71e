// Open pages in Debian's Chromium (playwright-core) and try to make hostile event text
// run, for tests/test_xss_browser.py. Each page is loaded, given time for onload and
// onerror handlers, then every link, button, summary and form control on it is clicked
// (DOM click(): hidden ones too, and a javascript: link runs on click). Navigation to
// another document is answered 204 No Content, so the page stays and every click
// happens on it; a javascript: URL makes no request and would still run. Prints what was seen as JSON;
// the Python test decides what is right.
//
//   node tests/js/xss_check.mjs config.json
//
// config: {"origin": "http://127.0.0.1:port", "pages": ["index.html", ...]}

import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const LAUNCH = {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};
const SETTLE_MS = 300;

// What a page holds that could run: handlers, script-bearing URLs, elements that run code.
function inventory() {
  const risky = /^\s*(javascript|vbscript|data):/i;
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "srcdoc", "data"];
  const onAttrs = [];
  const badUrls = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith("on")) onAttrs.push(`${el.tagName} ${attr.name}`);
      if (urlAttrs.includes(attr.name.toLowerCase())) {
        // The value as the browser reads it: entities decoded, tabs and newlines dropped.
        const value = attr.value.replace(/[\t\n\r]/g, "");
        if (risky.test(value) || attr.name === "srcdoc") badUrls.push(`${el.tagName} ${attr.name}=${value}`);
      }
    }
  }
  for (const a of document.querySelectorAll("a[href]")) {
    // The link's resolved protocol, whatever the attribute spelled.
    if (["javascript:", "vbscript:", "data:"].includes(a.protocol)) badUrls.push(`A ${a.href}`);
  }
  const scripts = [...document.querySelectorAll("script")]
    .filter((s) => !(s.type === "application/json" || /\/assets\/convene\.js(\?|$)/.test(s.src)))
    .map((s) => s.outerHTML.slice(0, 120));
  const active = [...document.querySelectorAll("iframe, frame, object, embed, svg, math, img, form, base, meta[http-equiv]")]
    .filter((el) => !(el.tagName === "IMG" && /\/data\/events-by-month\.svg$/.test(el.src)))
    .filter((el) => !(el.tagName === "FORM" && el.id === "filters"))
    .map((el) => el.outerHTML.slice(0, 120));
  return { onAttrs, badUrls, scripts, active, text: document.body ? document.body.textContent : "" };
}

async function check(browser, path) {
  const context = await browser.newContext();
  const dialogs = [];
  const external = [];
  let allowNavigation = true;
  await context.route("**/*", (route) => {
    const request = route.request();
    const url = request.url();
    const navigation = request.isNavigationRequest() && request.frame() === page.mainFrame();
    if (!url.startsWith(config.origin)) external.push(url);
    // A 204 answer to a navigation leaves the page where it is (an aborted one would
    // replace it with an error page); other requests go nowhere but the test server.
    if (navigation && !allowNavigation) return route.fulfill({ status: 204 });
    if (!url.startsWith(config.origin)) return route.abort();
    return route.continue();
  });
  const page = await context.newPage();
  page.on("dialog", async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const address = `${config.origin}/${path}`;
  await page.goto(address, { waitUntil: "load" });
  allowNavigation = false;
  // Gone after the clicks if the document was replaced (a navigation that got through).
  await page.evaluate(() => { window.__marker = "still here"; });
  await page.waitForTimeout(SETTLE_MS);
  const afterLoad = await page.evaluate(() => window.__pwned);
  const found = await page.evaluate(inventory);
  const count = await page.evaluate(
    () => document.querySelectorAll("a, button, summary, input, select, area").length,
  );
  let clicked = 0;
  for (let i = 0; i < count; i += 1) {
    const done = await page.evaluate((n) => {
      const el = document.querySelectorAll("a, button, summary, input, select, area")[n];
      if (!el) return false;
      el.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
      el.focus();
      el.click();
      return true;
    }, i).catch(() => false);
    if (done) clicked += 1;
  }
  await page.waitForTimeout(SETTLE_MS);
  const result = {
    path,
    pwnedAfterLoad: afterLoad ?? null,
    pwned: (await page.evaluate(() => window.__pwned)) ?? null,
    stayed: (await page.evaluate(() => window.__marker)) === "still here",
    finalUrl: page.url(),
    dialogs,
    external,
    errors,
    clicked,
    ...found,
  };
  await context.close();
  return result;
}

const browser = await chromium.launch(LAUNCH);
const out = [];
try {
  for (const path of config.pages) out.push(await check(browser, path));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
