// Parse .ics files with ical.js (Mozilla's iCalendar parser, the one Thunderbird uses)
// and print what a calendar app would read, as JSON, for tests/test_feeds_icaljs.py.
//
//   node tests/js/ics_to_json.mjs feed1.ics feed2.ics ...
//
// Output: {"<path>": {"calendar": {...}, "timezones": [...], "events": [...]}, ...}
// Instants are UTC ISO strings ("2026-03-28T18:30:00Z"); all-day values are dates
// ("2026-02-03"). Each file's VTIMEZONEs are registered with ICAL.TimezoneService
// (reset between files, so one file can never lean on another's zones) and every
// TZID is checked to have resolved: "zone" says which zone ical.js actually used.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function instant(time) {
  if (time === null || time === undefined) return null;
  if (time.isDate) return time.toString(); // "YYYY-MM-DD"
  const seconds = time.toUnixTime();
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function timeProperty(component, name) {
  const prop = component.getFirstProperty(name);
  if (prop === null) return null;
  const value = prop.getFirstValue();
  return {
    value: instant(value),
    date: Boolean(value.isDate),
    tzid: prop.getParameter("tzid") ?? null,
    // The zone ical.js used: the TZID when it resolved, "UTC" for Z, "floating" when not.
    zone: value.isDate ? null : value.zone.tzid,
  };
}

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : String(value);
}

function allValues(component, name) {
  return component
    .getAllProperties(name)
    .flatMap((prop) => prop.getValues())
    .map((value) => (typeof value === "object" && value !== null ? value.toString() : value));
}

function parameters(prop) {
  const params = {};
  for (const [key, value] of Object.entries(prop.toJSON()[1])) params[key.toUpperCase()] = value;
  return params;
}

function calendarProperties(vcalendar) {
  const props = {};
  for (const prop of vcalendar.getAllProperties()) {
    const values = prop.getValues().map((v) => (typeof v === "object" ? v.toString() : v));
    props[prop.name.toUpperCase()] = {
      values,
      type: prop.type,
      params: parameters(prop),
    };
  }
  return props;
}

function event(vevent) {
  const organizer = vevent.getFirstProperty("organizer");
  const geo = vevent.getFirstPropertyValue("geo");
  const sequence = vevent.getFirstPropertyValue("sequence");
  return {
    properties: vevent.getAllProperties().map((prop) => prop.name.toUpperCase()),
    uid: text(vevent, "uid"),
    summary: text(vevent, "summary"),
    description: text(vevent, "description"),
    location: text(vevent, "location"),
    url: text(vevent, "url"),
    status: text(vevent, "status"),
    transp: text(vevent, "transp"),
    sequence: sequence === null ? null : Number(sequence),
    categories: allValues(vevent, "categories"),
    organizer: organizer === null ? null : String(organizer.getFirstValue()),
    organizer_cn: organizer === null ? null : (organizer.getParameter("cn") ?? null),
    geo: geo === null ? null : geo.map(Number),
    dtstart: timeProperty(vevent, "dtstart"),
    dtend: timeProperty(vevent, "dtend"),
    created: timeProperty(vevent, "created"),
    last_modified: timeProperty(vevent, "last-modified"),
    dtstamp: timeProperty(vevent, "dtstamp"),
  };
}

function parseFile(path) {
  const jcal = ICAL.parse(readFileSync(path, "utf8"));
  const vcalendar = new ICAL.Component(jcal);
  ICAL.TimezoneService.reset();
  const timezones = [];
  for (const vtimezone of vcalendar.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtimezone);
    ICAL.TimezoneService.register(zone);
    timezones.push(zone.tzid);
  }
  return {
    name: vcalendar.name,
    calendar: calendarProperties(vcalendar),
    timezones,
    components: vcalendar.getAllSubcomponents().map((c) => c.name.toUpperCase()),
    events: vcalendar.getAllSubcomponents("vevent").map(event),
  };
}

const result = {};
for (const path of process.argv.slice(2)) result[path] = parseFile(path);
process.stdout.write(JSON.stringify(result));
