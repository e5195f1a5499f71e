/* Convene: the index page's filters and subscribe panel, and the copy button.

   Without this script every page still works: the filters give way to links to one
   page per feed, and the calendar address can be selected and copied by hand. The
   links built here have the same shapes as feeds/page_subscribe.py builds. */
(() => {
  "use strict";

  const GOOGLE = "https://calendar.google.com/calendar/render?cid=";
  const OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb?url=";
  const byId = (id) => document.getElementById(id);
  const words = (el, name) => new Set((el.dataset[name] || "").split(" ").filter(Boolean));

  /* Where the feeds are published: the configured address, else this page's folder. */
  function baseUrl(configured) {
    if (configured) return configured;
    const { protocol } = window.location;
    return protocol === "http:" || protocol === "https:"
      ? new URL(".", window.location.href).href
      : "";
  }

  function countText(n) {
    return `${n} upcoming event${n === 1 ? "" : "s"}`;
  }

  function appLinks(slug, title, base) {
    const ics = `${slug}.ics`;
    const found = [];
    if (/^https?:\/\//.test(base)) {
      const https = base + ics;
      const webcal = `webcal://${https.slice(https.indexOf("://") + 3)}`;
      found.push(
        ["webcal", webcal, "Subscribe in Apple Calendar or Outlook (webcal)"],
        ["google", GOOGLE + encodeURIComponent(webcal), "Add to Google Calendar"],
        [
          "outlook",
          `${OUTLOOK}${encodeURIComponent(https)}&name=${encodeURIComponent(title)}`,
          "Add to Outlook.com",
        ],
      );
    }
    found.push(
      ["rss", `${slug}.xml`, "RSS feed"],
      ["changes", `${slug}-changes.xml`, "RSS feed of changes (new, moved, cancelled)"],
      ["ics", ics, "Download the .ics file (a copy that does not update)"],
    );
    return found;
  }

  function fillPanel(panel, slug, title, base) {
    const links = appLinks(slug, title, base);
    if (panel.dataset.pageLink) links.push(["page", `feed-${slug}.html`, "Page for this feed"]);
    byId("sub-title").textContent = title;
    byId("sub-url").value = base + `${slug}.ics`;
    byId("sub-links").replaceChildren(
      ...links.map(([kind, href, text]) => {
        const item = document.createElement("li");
        const anchor = document.createElement("a");
        item.dataset.kind = kind;
        anchor.href = href;
        anchor.textContent = text;
        item.append(anchor);
        return item;
      }),
    );
    panel.dataset.slug = slug;
  }

  function say(status, text) {
    // Emptied first, so that saying the same thing twice is announced twice.
    status.textContent = "";
    window.setTimeout(() => {
      status.textContent = text;
    }, 100);
  }

  function setUpCopy() {
    const button = byId("sub-copy");
    const input = byId("sub-url");
    const status = byId("copy-status");
    if (!button || !input || !status) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      let copied = false;
      try {
        await navigator.clipboard.writeText(input.value);
        copied = true;
      } catch {
        input.select();
        try {
          copied = document.execCommand("copy");
        } catch {
          copied = false;
        }
      }
      say(
        status,
        copied
          ? "Copied the calendar address."
          : "Could not copy: the address is selected, press Ctrl+C (Cmd+C on a Mac).",
      );
    });
  }

  /* The feed with exactly this choice, or null when no feed can have it. */
  function exactFeed({ region, profession, attend }) {
    if (attend === "online") return region || profession ? null : "region-online";
    if (attend === "in-person") return region && !profession ? `region-${region}-in-person` : null;
    if (region && profession) return `region-${region}-profession-${profession}`;
    if (region) return `region-${region}`;
    return profession ? `profession-${profession}` : "all";
  }

  /* The feed to offer: the exact one if published, else the nearest wider one. */
  function chooseFeed(choice, feeds) {
    const none = { region: "", profession: "", attend: "" };
    const tries = [
      choice,
      { ...choice, profession: "" },
      { ...choice, region: "" },
      { ...choice, attend: "" },
      { ...none, region: choice.region },
      { ...none, profession: choice.profession },
      { ...none, attend: choice.attend },
      none,
    ];
    for (const [index, tried] of tries.entries()) {
      const slug = exactFeed(tried);
      if (slug && feeds[slug]) return { slug, exact: index === 0 };
    }
    return { slug: "all", exact: false };
  }

  function eventShown(el, c) {
    const regions = words(el, "r");
    if (c.region && !words(el, c.attend === "in-person" ? "rp" : "r").has(c.region)) return false;
    if (c.attend === "online" && !regions.has("online")) return false;
    if (c.attend === "in-person" && words(el, "rp").size === 0) return false;
    if (c.profession && !words(el, "p").has(c.profession)) return false;
    return !(c.free && el.dataset.free !== "1");
  }

  function communityShown(el, c) {
    const regions = words(el, "r");
    const placed = [...regions].some((r) => r !== "online" && r !== "uk-wide");
    // Like the region feeds: online and UK-wide communities belong to every region.
    if (c.region && !regions.has(c.region) && (placed || c.attend === "in-person")) return false;
    if (c.attend === "online" && !regions.has("online")) return false;
    if (c.attend === "in-person" && !placed) return false;
    return !(c.profession && !words(el, "p").has(c.profession));
  }

  function setUpFilters(panel) {
    const form = byId("filters");
    const source = byId("feed-data");
    if (!form || !source) return;
    const data = JSON.parse(source.textContent);
    const base = baseUrl(data.base);
    const region = byId("f-region");
    const profession = byId("f-profession");
    const free = form.elements.namedItem("free");
    const events = [...document.querySelectorAll("li.event")];
    const days = [...document.querySelectorAll("div.day")];
    const groups = [...document.querySelectorAll("li.community")];
    const status = byId("filter-status");

    const params = new URLSearchParams(window.location.search);
    for (const select of [region, profession]) {
      const wanted = params.get(select.name) || "";
      if ([...select.options].some((o) => o.value === wanted)) select.value = wanted;
    }
    const attend = form.querySelector(`input[name="attend"][value="${params.get("attend")}"]`);
    if (attend) attend.checked = true;
    free.checked = params.get("free") === "1";

    function update(announce) {
      const checked = form.querySelector('input[name="attend"]:checked');
      const c = {
        region: region.value,
        profession: profession.value,
        attend: checked ? checked.value : "",
        free: free.checked,
      };
      let shown = 0;
      for (const el of events) {
        el.hidden = !eventShown(el, c);
        shown += el.hidden ? 0 : 1;
      }
      for (const day of days) day.hidden = !day.querySelector("li.event:not([hidden])");
      let met = 0;
      for (const el of groups) {
        el.hidden = !communityShown(el, c);
        met += el.hidden ? 0 : 1;
      }
      const noEvents = byId("no-events");
      if (noEvents) noEvents.hidden = shown > 0 || events.length === 0;
      const noGroups = byId("no-communities");
      if (noGroups) noGroups.hidden = met > 0 || groups.length === 0;

      const { slug, exact } = chooseFeed(c, data.feeds);
      const [title, , count] = data.feeds[slug];
      fillPanel(panel, slug, title, base);
      byId("sub-count").textContent = countText(count);
      const notes = [];
      if (!exact) {
        notes.push(`No feed has exactly this choice: this is the nearest, with more events than shown here.`);
      }
      if (c.free) notes.push("Feeds carry paid events too: the free filter applies to this page only.");
      const note = byId("sub-note");
      note.textContent = notes.join(" ");
      note.hidden = notes.length === 0;

      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(c)) {
        if (value) query.set(key, value === true ? "1" : value);
      }
      const search = query.toString();
      try {
        window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
      } catch {
        // file:// pages may refuse; the filters work all the same.
      }
      if (announce) {
        status.textContent =
          `Showing ${shown} of ${events.length} events and ` +
          `${met} of ${groups.length} communities.`;
      }
    }

    form.hidden = false;
    // The feed pages' links stand in for the filters without this script: fold them.
    for (const list of document.querySelectorAll("details.browse-list")) list.open = false;
    form.addEventListener("change", () => update(true));
    form.addEventListener("submit", (event) => event.preventDefault());
    update(false);
  }

  function start() {
    const panel = document.querySelector("section.subscribe");
    if (!panel) return;
    setUpCopy();
    if (byId("filters")) {
      setUpFilters(panel);
    } else if (!byId("sub-url").value.includes("://")) {
      const base = baseUrl("");
      if (base) fillPanel(panel, panel.dataset.slug, panel.dataset.title, base);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
