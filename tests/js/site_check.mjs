// Drive the published pages in Debian's Chromium (playwright-core) for
// tests/test_site_browser.py: filters, the subscribe panel, the copy button, the keyboard,
// axe-core's WCAG 2.2 AA rules, and the pages with JavaScript off. Prints facts as JSON;
// the Python test decides what is right.
//
//   node tests/js/site_check.mjs config.json
//
// config: {"url": "http://127.0.0.1:port/", "axe": ".../axe.min.js",
//          "scenarios": [{"region": "london", "profession": "data", "attend": "", "free": false}],
//          "copy": {"region": ..., "profession": ...}, "feedPage": "feed-....html",
//          "noJsLinks": ["London", "Data in London"], "shots": "/tmp/convene-site"}

import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const LAUNCH = {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};
const origin = new URL(config.url).origin;
const out = { external: [], errors: [], axe: {} };

async function newPage(browser, options = {}, blockScript = false) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  if (options.javaScriptEnabled !== false) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  }
  // No network at view time: anything not from the test server is refused and noted.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (!url.startsWith(origin)) {
      out.external.push(url);
      return route.abort();
    }
    if (blockScript && url.includes("/assets/convene.js")) return route.abort();
    return route.continue();
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => out.errors.push(String(error)));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().includes("net::ERR_FAILED")) {
      out.errors.push(msg.text());
    }
  });
  return page;
}

async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) {
    await page.addScriptTag({ path: config.axe });
  }
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    AXE_TAGS,
  );
  out.axe[name] = {
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    })),
    passes: result.passes.length,
    incomplete: result.incomplete.map((v) => v.id),
  };
}

const visibleTitles = (page) =>
  page.$$eval("li.event:not([hidden]) h4", (hs) =>
    hs.filter((h) => h.offsetParent !== null).map((h) => h.textContent),
  );

async function panel(page) {
  return page.evaluate(() => ({
    title: document.getElementById("sub-title").textContent,
    count: document.getElementById("sub-count").textContent,
    url: document.getElementById("sub-url").value,
    note: document.getElementById("sub-note").hidden
      ? ""
      : document.getElementById("sub-note").textContent,
    links: Object.fromEntries(
      [...document.querySelectorAll("#sub-links li")].map((li) => [
        li.dataset.kind,
        li.querySelector("a").getAttribute("href"),
      ]),
    ),
  }));
}

async function choose(page, { region = "", profession = "", attend = "", free = false }) {
  await page.selectOption("#f-region", region);
  await page.selectOption("#f-profession", profession);
  await page.check(`#f-attend-${attend || "any"}`);
  await page.setChecked("#f-free-1", free);
}

async function scenarios(page) {
  out.scenarios = [];
  for (const scenario of config.scenarios) {
    await choose(page, scenario);
    out.scenarios.push({
      scenario,
      titles: await visibleTitles(page),
      communities: await page.$$eval("li.community:not([hidden]) h3", (hs) =>
        hs.map((h) => h.textContent),
      ),
      panel: await panel(page),
      status: await page.textContent("#filter-status"),
    });
  }
}

async function copy(page) {
  await choose(page, config.copy);
  await page.focus("#sub-copy");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("copy-status").textContent !== "");
  out.copy = {
    status: await page.textContent("#copy-status"),
    live: await page.getAttribute("#copy-status", "aria-live"),
    role: await page.getAttribute("#copy-status", "role"),
    clipboard: await page.evaluate(() => navigator.clipboard.readText()),
    url: await page.inputValue("#sub-url"),
  };
  await page.reload();
  out.copy.restored = {
    query: new URL(page.url()).search,
    region: await page.inputValue("#f-region"),
    profession: await page.inputValue("#f-profession"),
  };
}

// Every element Tab should reach, in document order (one stop per radio group).
function tabStops() {
  const seenGroups = new Set();
  const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
  return [...document.querySelectorAll(selector)]
    .filter((el) => {
      if (el.disabled || el.tabIndex < 0 || el.closest("[hidden], [inert]")) return false;
      if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") {
        return false;
      }
      if (el.closest("details:not([open])") && el.tagName !== "SUMMARY") return false;
      if (el.type === "radio") {
        const group = el.form.querySelectorAll(`input[name="${el.name}"]`);
        const stop = [...group].find((r) => r.checked) || group[0];
        if (stop !== el || seenGroups.has(el.name)) return false;
        seenGroups.add(el.name);
      }
      return true;
    })
    .map((el, n) => {
      el.dataset.stop = String(n);
      return n;
    });
}

function focusFacts() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && !/rgba\(0, 0, 0, 0\)/.test(style.outlineColor);
  return {
    stop: el.dataset.stop ?? null,
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || el.value || "").trim().slice(0, 60),
    href: el.getAttribute("href"),
    visible: outline || style.boxShadow !== "none",
    inView: box.bottom > 0 && box.top < window.innerHeight && box.width > 0,
    height: box.height,
    width: box.width,
  };
}

async function keyboard(page) {
  await page.goto(`${config.url}index.html`);
  const expected = await page.evaluate(tabStops);
  const reached = [];
  for (let n = 0; n < expected.length + 5; n += 1) {
    await page.keyboard.press("Tab");
    const facts = await page.evaluate(focusFacts);
    if (facts === null) break;
    reached.push(facts);
    if (reached.length > 1 && facts.stop === reached[0].stop) break;
  }
  out.keyboard = { expected: expected.length, reached };
  // The skip link: the first stop, shown when focused, and it leads into <main>.
  await page.goto(`${config.url}index.html`);
  await page.keyboard.press("Tab");
  const skip = await page.evaluate(focusFacts);
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  out.keyboard.skip = {
    ...skip,
    hash: new URL(page.url()).hash,
    next: await page.evaluate(() => Boolean(document.activeElement.closest("main"))),
  };
}

async function withoutJavaScript(browser) {
  const page = await newPage(browser, { javaScriptEnabled: false });
  await page.goto(`${config.url}index.html`);
  const facts = {
    formVisible: await page.isVisible("#filters"),
    copyVisible: await page.isVisible("#sub-copy"),
    browseVisible: await page.isVisible("nav.browse"),
    pages: [],
  };
  for (const text of config.noJsLinks) {
    await Promise.all([
      page.waitForURL((url) => url.pathname.endsWith(".html")),
      page.getByRole("link", { name: text, exact: true }).first().click(),
    ]);
    facts.pages.push({
      link: text,
      path: new URL(page.url()).pathname,
      h1: await page.textContent("h1"),
      titles: await visibleTitles(page),
      url: await page.inputValue("#sub-url"),
    });
  }
  await page.screenshot({ path: `${config.shots}-nojs.png`, fullPage: true });
  out.noJs = facts;
  // axe needs a script; the look without ours is the same with ours blocked.
  const bare = await newPage(browser, {}, true);
  await bare.goto(`${config.url}index.html`);
  await axe(bare, "index without our script");
  await bare.goto(`${config.url}${config.feedPage}`);
  await axe(bare, "feed page without our script");
}

const browser = await chromium.launch(LAUNCH);
try {
  const page = await newPage(browser);
  await page.goto(`${config.url}index.html`);
  out.initial = {
    formVisible: await page.isVisible("#filters"),
    copyVisible: await page.isVisible("#sub-copy"),
    titles: await visibleTitles(page),
    panel: await panel(page),
  };
  await axe(page, "index");
  await page.screenshot({ path: `${config.shots}-index.png`, fullPage: true });
  await scenarios(page);
  await choose(page, config.copy);
  await page.screenshot({ path: `${config.shots}-filtered.png`, fullPage: false });
  await page.click("details.why summary");
  await axe(page, "index filtered");
  await copy(page);
  await keyboard(page);

  const feed = await newPage(browser);
  await feed.goto(`${config.url}${config.feedPage}`);
  out.feedPage = { copyVisible: await feed.isVisible("#sub-copy"), panel: await panel(feed) };
  await axe(feed, "feed page");

  const phone = await newPage(browser, { viewport: { width: 375, height: 740 } });
  await phone.goto(`${config.url}index.html`);
  out.phone = {
    overflow: await phone.evaluate(() => document.documentElement.scrollWidth > innerWidth),
  };
  await axe(phone, "index on a phone");
  await phone.screenshot({ path: `${config.shots}-phone.png`, fullPage: true });

  await withoutJavaScript(browser);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
