// What every dashboard page uses: elements, the API's JSON, dates and quotes. Loaded before
// the page's own script; no framework, no build, no CDN. Text from the API is only ever set
// as text.
"use strict";

// h("a", {href: "/x"}, "text", child): an element; strings become text nodes.
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// `fresh`: past the browser's HTTP cache (it revalidates with the ETag it holds: a 304 when
// nothing changed), for a redraw that a change on the stream asked for.
async function getJSON(url, fresh = false) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    cache: fresh ? "no-cache" : "default",
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || `${response.status} on ${url}`);
  return body;
}

const words = (value) => (value || "").replaceAll("_", " ");

function when(date, precision) {
  if (!date) return "date unknown";
  if (!precision || precision === "day") return date;
  if (precision === "week") return `week of ${date}`;
  if (precision === "month") return date.slice(0, 7);
  return date.slice(0, 4);
}

// Where a quote can be checked: its source's page, the quote marked where it stands
// (`start`/`end`, code points into the source's text); a quote not anchored (its source has
// no text) goes to the source's page as it is.
function quotePage(c) {
  const page = `/dashboard/sources/${c.source_id}`;
  return Number.isInteger(c.start) && Number.isInteger(c.end)
    ? `${page}?start=${c.start}&end=${c.end}` : page;
}

// A quote in quotation marks, unless it brings its own (a direct quotation quoted whole).
const QUOTED = /^\s*["“„«].*["”»]\s*$/s;
const quoteLink = (c) => h("a", { href: quotePage(c), class: "quote" },
  ...(QUOTED.test(c.quote) ? [c.quote.trim()] : ["“", c.quote, "”"]));

function citations(list) {
  return h("ul", { class: "citations" }, (list || []).map((c) => h("li", {},
    h("blockquote", {}, quoteLink(c), " ",
      h("a", { href: `/dashboard/sources/${c.source_id}`, class: "source" }, `source ${c.source_id}`)))));
}

// Each cell carries its column's name: on a narrow screen the rows stack and the CSS shows it.
function table(headers, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {},
      row.map((cell, i) => h("td", { "data-label": headers[i] }, h("div", {}, cell)))))));
}

// The levels of representation, as /v1/representations and /v1/world name them, in Okabe–Ito's
// palette (readable by colour-blind viewers): the world map's colours and a history's.
const STATUSES = [
  { key: "embassy", colour: "#0072B2", label: "Embassy" },
  { key: "legation", colour: "#56B4E9", label: "Legation" },
  { key: "consulate", colour: "#009E73", label: "Consulate" },
  { key: "interests", colour: "#E69F00", label: "Interests section" },
  { key: "liaison", colour: "#CC79A7", label: "Liaison office" },
  { key: "nonresident", colour: "#F0E442", label: "Non-resident (accredited from elsewhere)" },
  { key: "none", colour: "#D55E00", label: "No representation" },
  { key: "unknown", colour: "#E4E4E4", label: "Unknown: no source says" },
  { key: "sender", colour: "#3B3B3B", label: "The sender" },
];
const STYLE = Object.fromEntries(STATUSES.map((s) => [s.key, s]));
const group = (status) => (status.endsWith("_nonresident") ? "nonresident" : status);
const LEVEL_NAMES = {
  ambassador_nonresident: "Ambassador accredited from elsewhere",
  envoy_nonresident: "Envoy accredited from elsewhere",
  consul_nonresident: "Consul accredited from elsewhere",
};
const statusName = (status) => LEVEL_NAMES[status] || STYLE[group(status)].label;

// Live: a page follows the change stream and redraws (once for many changes: an import) when
// one comes. The browser reconnects by itself, sending the id of the last change it had.
function followChanges(query, redraw) {
  const badge = document.getElementById("live");
  const source = new EventSource(`/v1/changes/stream?${query}`);
  let timer = null;
  source.onopen = () => {
    badge.textContent = "● Live";
    badge.dataset.live = "on";
    badge.title = "Changes show here as they are written.";
  };
  source.onerror = () => {
    const closed = source.readyState === EventSource.CLOSED;
    badge.textContent = closed ? "Not live: reload the page to follow changes" : "Reconnecting…";
    badge.dataset.live = "off";
  };
  source.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(() => redraw().catch(() => {}), 200);
  });
  return source;
}

// A page's start: "Loading…", then the page, ready; or what went wrong.
async function begin(what, load) {
  const status = document.getElementById("status");
  status.textContent = "Loading…";
  try {
    await load();
    document.getElementById("content").hidden = false;
    status.textContent = "";
    document.body.dataset.state = "ready";
  } catch (error) {
    status.textContent = `Could not ${what}: ${error.message}`;
    document.body.dataset.state = "error";
  }
}

// A list's next page: the same request with the cursor the last one gave.
function nextUrl(url, cursor) {
  const next = new URL(url, location.origin);
  next.searchParams.set("cursor", cursor);
  return next.pathname + next.search;
}

// Every item of a list (up to `maxPages` pages of 1,000), and whether that was all of them.
async function readList(path, maxPages = Infinity) {
  const rows = [];
  let url = `${path}${path.includes("?") ? "&" : "?"}limit=1000`;
  for (let page = 0; url && page < maxPages; page++) {
    const body = await getJSON(url);
    rows.push(...body.items);
    url = body.next_cursor ? nextUrl(url, body.next_cursor) : null;
  }
  return { rows, complete: !url };
}
