"""Small pieces every page is built from: escaping, safe links, times, and the page shell.

Event text comes from the open web, so every string that reaches a page goes through
`esc`, and every URL through `safe_url` (only http, https and mailto become links).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from feeds.ical import as_utc, clean_text
from feeds.rss import UK, uk_time_text

ASSETS = Path(__file__).parent / "assets"
ASSET_NAMES = ("convene.css", "convene.js", "icon.svg")
SITE_NAME = "Convene"

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_LINK_SCHEMES = ("http", "https", "mailto")


def esc(text: str) -> str:
    """Text for an HTML element or a quoted attribute."""
    return escape(clean_text(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if a browser may follow it from our page (no javascript:, data:, ...)."""
    if not url:
        return None
    url = clean_text(url).strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in _LINK_SCHEMES and " " not in url else None


def link(url: str | None, text: str, attrs: str = "") -> str:
    """A link when the URL is safe, else the escaped text alone."""
    href = safe_url(url)
    if href is None:
        return esc(text)
    extra = f" {attrs}" if attrs else ""
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def local_link(href: str, text: str, attrs: str = "") -> str:
    """A link to one of our own files (a name we made, never text from a listing)."""
    extra = f" {attrs}" if attrs else ""
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def long_day(day: date) -> str:
    """'Tuesday 3 February 2026'."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def uk_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(UK).date()


def stamp(moment: datetime) -> str:
    """A time that changes on every refresh: pages that differ only in these are left
    alone (feeds.site), so it carries a marker the comparison looks for."""
    utc = as_utc(moment)
    return f'<time datetime="{utc:%Y-%m-%dT%H:%M:%SZ}" data-stamp>{uk_time_text(utc)}</time>'


@cache
def asset_href(name: str) -> str:
    """assets/<name> with a content version, so browsers fetch a changed file at once."""
    digest = hashlib.sha256((ASSETS / name).read_bytes()).hexdigest()[:12]
    return f"assets/{name}?v={digest}"


_SHELL = Template("""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<meta name="description" content="$description">
<link rel="icon" href="$icon" type="image/svg+xml">
<link rel="stylesheet" href="$css">
<link rel="alternate" type="application/rss+xml" title="$title (RSS)" href="$rss">
<script src="$js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="site-header">
<p class="brand"><a href="index.html">$site</a>
<span>Events for people who change public services in the UK</span></p>
</header>
<main id="main">
$main
</main>
<footer class="site-footer">
$footer
</footer>
</body>
</html>
""")


def page(title: str, description: str, rss: str, main: str, footer: str) -> bytes:
    """A whole page as UTF-8; `main` and `footer` are HTML already escaped."""
    return _SHELL.substitute(
        title=esc(title),
        description=esc(description),
        css=esc(asset_href("convene.css")),
        js=esc(asset_href("convene.js")),
        icon=esc(asset_href("icon.svg")),
        rss=esc(rss),
        site=esc(SITE_NAME),
        main=main,
        footer=footer,
    ).encode("utf-8")
