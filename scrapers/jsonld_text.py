"""The readable parts of an Event: description with prices, organiser, categories."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from scrapers.feed_text import plain_text, truncate
from scrapers.jsonld_values import Node, as_list, clean, enum_name, first, literal, nodes, texts

DESCRIPTION_LIMIT = 2000
_CATEGORY_LIMIT = 20
_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}
_AMOUNT = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def description(event: Node) -> str | None:
    raw = literal(event.get("description"))
    text = plain_text(raw, DESCRIPTION_LIMIT) if raw else ""
    prices = price_line(event)
    # The model has no price field: a line at the end keeps "Free" in front of people.
    joined = "\n\n".join(part for part in (text, prices) if part)
    return joined or None


def price_line(event: Node) -> str | None:
    offers = nodes(event.get("offers"))
    amounts: list[Decimal] = []
    currency = ""
    for offer in offers:
        found = _amounts(offer)
        amounts += found
        if found and not currency:
            currency = (clean(offer.get("priceCurrency")) or "").upper()
    flag = first(event.get("isAccessibleForFree"))
    free = flag is True or str(literal(flag)).lower() == "true"
    if not amounts:
        return "Free" if free else None
    line = _range(min(amounts), max(amounts), currency)
    sold_out = bool(offers) and all(enum_name(o.get("availability")) == "soldout" for o in offers)
    return f"{line} (sold out)" if sold_out else line


def _amounts(offer: Node) -> list[Decimal]:
    found: list[Decimal] = []
    holders = [offer, *nodes(offer.get("priceSpecification"))]
    for holder in holders:
        for key in ("price", "lowPrice", "highPrice"):
            amount = _amount(holder.get(key))
            found += [amount] if amount is not None else []
    return found


def _amount(value: Any) -> Decimal | None:
    raw = literal(value)
    if raw is None:
        return None
    if "free" in raw.lower():
        return Decimal(0)
    match = _AMOUNT.search(raw)
    try:
        amount = Decimal(match.group(0).replace(",", "")) if match else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() and amount >= 0 else None


def _range(low: Decimal, high: Decimal, currency: str) -> str:
    if high == 0:
        return "Free"
    if low == 0:
        return f"Free, or tickets up to {_money(high, currency)}"
    if low == high:
        return f"Tickets {_money(low, currency)}"
    return f"Tickets from {_money(low, currency)}"


def _money(amount: Decimal, currency: str) -> str:
    number = f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
    symbol = _SYMBOLS.get(currency)
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {currency}".strip()


def organiser(event: Node) -> str | None:
    names: list[str] = []
    for item in as_list(event.get("organizer")):
        name = clean(item.get("name") or item.get("legalName")) if isinstance(item, dict) else None
        name = name or (clean(item) if isinstance(item, str) else None)
        if name and "://" not in name and name not in names:
            names.append(name)
    return ", ".join(names) or None


def categories(event: Node) -> tuple[str, ...]:
    found: list[str] = []
    for keywords in texts(event.get("keywords")):
        found += [word.strip() for word in keywords.split(",")]
    found += [about for about in texts(event.get("about")) if "://" not in about]
    tidy = dict.fromkeys(truncate(word, 80) for word in found if word)
    return tuple(tidy)[:_CATEGORY_LIMIT]
