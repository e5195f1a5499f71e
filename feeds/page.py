"""Render index.html: one self-contained page listing every feed and how to subscribe.

No external assets (fonts, scripts, stylesheets), so the page works from any static
host or straight off the disk, and every piece of text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from feeds.ical import as_utc
from feeds.rss import uk_time_text
from feeds.specs import FeedKind, FeedSpec

_HEADINGS: dict[FeedKind, str] = {
    "all": "All events",
    "region": "By region",
    "profession": "By profession",
    "combination": "By region and profession",
}

_CSS = """
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:60rem;margin:0 auto;
padding:1rem;color:#0b0c0c;background:#fff}
a{color:#1d4ed8}a:focus{outline:3px solid #fd0;background:#fd0;color:#0b0c0c}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #b1b4b6;vertical-align:top}
td.n{text-align:right}code{font-size:.85em;word-break:break-all}
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;
clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}
"""

_HOW_TO = """
<h2 id="how-to-subscribe">How to subscribe</h2>
<p>Subscribing keeps your calendar up to date: new, changed and cancelled events
appear by themselves. Copy the calendar address (the link ending in
<code>.ics</code>) and add it to your app. Downloading the file instead gives you a
copy that never updates.</p>
<h3>Google Calendar</h3>
<p>On a computer, next to <strong>Other calendars</strong> choose <strong>+</strong>,
then <strong>From URL</strong>, and paste the address. Google refreshes subscriptions
only every few hours.</p>
<h3>Outlook</h3>
<p>Choose <strong>Add calendar</strong>, then <strong>Subscribe from web</strong>
(in older versions, <strong>From Internet</strong>), and paste the address.</p>
<h3>Apple Calendar</h3>
<p>Use the <strong>Subscribe</strong> link, or choose <strong>File</strong>,
<strong>New Calendar Subscription</strong> and paste the address. On iPhone or iPad,
go to <strong>Settings</strong>, <strong>Calendar</strong>, <strong>Accounts</strong>,
<strong>Add Account</strong>, <strong>Other</strong>,
<strong>Add Subscribed Calendar</strong>.</p>
<h3>Thunderbird</h3>
<p>Choose <strong>New Calendar</strong>, then <strong>On the Network</strong>, paste
the address and pick the iCalendar (ICS) format.</p>
<h3>RSS readers</h3>
<p>Paste the address of the <strong>RSS</strong> link (ending in <code>.xml</code>)
into your feed reader to follow new events as they are listed.</p>
"""


def _base(base_url: str | None) -> str | None:
    return base_url.rstrip("/") + "/" if base_url else None


def _webcal(base: str | None, filename: str) -> str | None:
    """webcal:// opens the subscribe dialog in Apple Calendar and Outlook; http(s) only."""
    if base is None or urlsplit(base).scheme not in ("http", "https"):
        return None
    return "webcal://" + base.split("://", 1)[1] + filename


def _link(href: str, text: str, context: str) -> str:
    # The hidden context makes each link make sense on its own to screen readers.
    hidden = f'<span class="vh"> for {escape(context)}</span>'
    return f'<a href="{escape(href)}">{escape(text)}{hidden}</a>'


def _calendar_cell(spec: FeedSpec, base: str | None) -> str:
    filename = f"{spec.slug}.ics"
    links = [_link(filename, "iCal file", spec.title)]
    webcal = _webcal(base, filename)
    if webcal:
        links.append(_link(webcal, "Subscribe", spec.title))
    cell = " | ".join(links)
    if base:
        cell += f"<br><code>{escape(base + filename)}</code>"
    return cell


def _row(spec: FeedSpec, count: int, base: str | None) -> str:
    rss = _link(f"{spec.slug}.xml", "RSS", spec.title)
    return (
        f'<tr><th scope="row">{escape(spec.title)}</th><td class="n">{count}</td>'
        f"<td>{_calendar_cell(spec, base)}</td><td>{rss}</td></tr>"
    )


def _section(kind: FeedKind, rows: list[str]) -> str:
    heading = _HEADINGS[kind]
    return (
        f'<h3 id="feeds-{kind}">{escape(heading)}</h3>\n<table>\n'
        f'<caption class="vh">{escape(heading)}</caption>\n'
        '<thead><tr><th scope="col">Feed</th><th scope="col">Events</th>'
        '<th scope="col">Calendar</th><th scope="col">RSS</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def _sections(specs_with_counts: Sequence[tuple[FeedSpec, int]], base: str | None) -> str:
    rows: dict[FeedKind, list[str]] = {kind: [] for kind in _HEADINGS}
    for spec, count in specs_with_counts:
        rows[spec.kind].append(_row(spec, count, base))
    return "\n".join(_section(kind, found) for kind, found in rows.items() if found)


def render_index(
    specs_with_counts: Sequence[tuple[FeedSpec, int]], now: datetime, base_url: str | None
) -> bytes:
    """The index page as UTF-8 HTML; feeds are listed in the order given, grouped by kind."""
    stamp = as_utc(now)
    body = f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Convene: event feeds</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>Convene: event feeds</h1>
<p>Events for people who change public services in the UK, gathered from many
organisers into calendar (iCal) and RSS feeds you can subscribe to.</p>
<h2 id="feeds">Feeds</h2>
{_sections(specs_with_counts, _base(base_url))}
{_HOW_TO}
</main>
<footer>
<p>Generated <time datetime="{stamp:%Y-%m-%dT%H:%M:%SZ}">{uk_time_text(stamp)} UK time</time>.</p>
</footer>
</body>
</html>
"""
    return body.encode("utf-8")
