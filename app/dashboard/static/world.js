// The world map: one sender's representation in every country, year by year. It reads
// /v1/world (one request per year) and draws today's borders from world-atlas (Natural Earth)
// with d3-geo and topojson-client, vendored from npm (`make vendor`).
"use strict";

const BASIS = {
  representation: "Kenkel's U.S. Diplomatic Mission Status Data",
  mission: "the mission's status history",
  listed: "listed by the Wikidata export (no status given)",
};
const W = 960;
const H = 500;

const state = { sender: null, year: null, world: null, byCode: new Map(), shapes: [], playing: null };

function params() {
  const query = new URLSearchParams(location.search);
  const year = Number.parseInt(query.get("year"), 10);
  return { sender: (query.get("sender") || "US").toUpperCase(), year: Number.isFinite(year) ? year : null };
}

async function drawBorders() {
  const topo = await getJSON("/dashboard/assets/vendor/countries-50m.json");
  const features = topojson.feature(topo, topo.objects.countries).features;
  const projection = d3.geoEqualEarth().fitExtent([[4, 4], [W - 4, H - 4]], { type: "Sphere" });
  const path = d3.geoPath(projection);
  const map = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-labelledby": "caption", id: "world" });
  map.append(svg("path", { class: "sphere", d: path({ type: "Sphere" }) }));
  state.shapes = features.map((feature) => {
    const shape = svg("path", { class: "country", d: path(feature), tabindex: "0", role: "link" });
    shape.feature = feature;
    map.append(shape);
    return shape;
  });
  document.getElementById("map").replaceChildren(map);
}

// A shape's country: by its ISO numeric code, or, for the few shapes world-atlas gives none
// (Kosovo), by name.
function countryOf(feature) {
  if (feature.id !== undefined) return state.byNumeric.get(feature.id);
  return state.byName.get(feature.properties.name);
}

function paint() {
  const world = state.world;
  const drawn = new Set();
  for (const shape of state.shapes) {
    const entry = countryOf(shape.feature);
    const status = entry ? entry.status : "unknown";
    if (entry) {
      shape.dataset.iso = entry.country;
      drawn.add(entry.country);
    } else delete shape.dataset.iso;
    shape.dataset.status = status;
    shape.setAttribute("fill", STYLE[group(status)].colour);
    const name = entry ? entry.name : shape.feature.properties.name;
    shape.setAttribute("aria-label", `${name}: ${statusName(status)}${entry && entry.since ? ` since ${entry.since}` : ""}`);
  }
  const title = `${state.senderName}: representation abroad on ${world.on}`;
  document.getElementById("title").textContent = title;
  document.title = `${title} · diplomacy-api`;
  const counted = STATUSES.map((s) => [s, Object.entries(world.counts)
    .filter(([status]) => group(status) === s.key).reduce((sum, [, n]) => sum + n, 0)]);
  document.getElementById("caption").textContent = `World map. ${title}: ` +
    counted.filter(([, n]) => n).map(([s, n]) => `${n} ${s.label.toLowerCase()}`).join(", ") +
    ". Borders of today; the table below gives the same.";
  document.getElementById("legend").replaceChildren(...counted.map(([s, n]) =>
    h("li", { "data-status": s.key }, h("span", { class: "swatch", style: `background:${s.colour}` }),
      `${s.label} (${n})`)));
  const missing = world.countries.filter((e) => !drawn.has(e.country) && e.status !== "unknown" && e.status !== "sender");
  document.getElementById("elsewhere").hidden = missing.length === 0;
  document.querySelector("#elsewhere .body").replaceChildren(...missing.map((e) =>
    h("li", { "data-iso": e.country, "data-status": e.status },
      h("span", { class: "swatch", style: `background:${STYLE[group(e.status)].colour}` }),
      h("a", { href: historyUrl(e.country) }, e.name), ` (${e.country}): ${statusName(e.status).toLowerCase()}`,
      e.since ? `, since ${e.since}` : "")));
  const known = world.countries.filter((e) => e.status !== "unknown");
  document.querySelector("#as-table .body").replaceChildren(table(
    ["Country", "Status", "Since", "Until", "Quote"],
    known.map((e) => [h("a", { href: historyUrl(e.country) }, e.name), statusName(e.status),
      e.since || "", e.until || "", e.citation ? quoteLink(e.citation) : ""])));
}

const historyUrl = (code) => `/dashboard/country/${code}?sender=${state.sender}`;

function showTip(shape, x, y) {
  const entry = countryOf(shape.feature);
  const tip = document.getElementById("tip");
  const name = entry ? entry.name : shape.feature.properties.name;
  const status = entry ? entry.status : "unknown";
  const lines = [h("strong", {}, name), h("div", {}, statusName(status))];
  if (entry && entry.basis) {
    const span = entry.basis === "listed" ? `as of ${entry.until}` : [
      entry.since ? `since ${when(entry.since, entry.since_precision)}` : "since before the sources say",
      entry.until ? `known until ${entry.until}` : null].filter(Boolean).join("; ");
    lines.push(h("div", { class: "muted" }, span), h("div", { class: "muted" }, `From ${BASIS[entry.basis]}`));
    if (entry.designation) lines.push(h("div", { class: "muted" }, entry.designation));
    if (entry.citation) {
      const quote = entry.citation.quote.length > 240 ? `${entry.citation.quote.slice(0, 240)}…` : entry.citation.quote;
      lines.push(h("blockquote", {}, `“${quote}”`));
    }
  }
  tip.replaceChildren(...lines);
  tip.hidden = false;
  const box = document.getElementById("map-section").getBoundingClientRect();
  const left = Math.min(Math.max(0, x - box.left + 12), box.width - tip.offsetWidth - 4);
  tip.style.left = `${Math.max(0, left)}px`;
  tip.style.top = `${y - box.top + 14}px`;
}

function wireShapes() {
  const map = document.getElementById("world");
  map.addEventListener("mousemove", (event) => {
    if (event.target.feature) showTip(event.target, event.clientX, event.clientY);
  });
  map.addEventListener("mouseleave", () => { document.getElementById("tip").hidden = true; });
  map.addEventListener("focusin", (event) => {
    if (!event.target.feature) return;
    const box = event.target.getBoundingClientRect();
    showTip(event.target, box.left + box.width / 2, box.top + box.height / 2);
  });
  map.addEventListener("focusout", () => { document.getElementById("tip").hidden = true; });
  const open = (shape) => {
    const entry = countryOf(shape.feature);
    if (entry && entry.status !== "sender") location.assign(historyUrl(entry.country));
  };
  map.addEventListener("click", (event) => { if (event.target.feature) open(event.target); });
  map.addEventListener("keydown", (event) => {
    if (event.target.feature && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      open(event.target);
    }
  });
}

// One request per year; a year seen before is read again with its ETag (a 304 when nothing
// changed), so going back and forth costs little.
async function showYear(year, fresh = false) {
  const query = year === null ? `sender=${state.sender}` : `sender=${state.sender}&year=${year}`;
  state.world = await getJSON(`/v1/world?${query}`, fresh);
  state.byNumeric = new Map();
  state.byName = new Map();
  for (const entry of state.world.countries) {
    if (entry.numeric) state.byNumeric.set(entry.numeric, entry);
    state.byName.set(entry.name, entry);
  }
  state.year = Number.parseInt(state.world.on.slice(0, 4), 10);
  const slider = document.getElementById("year");
  slider.min = state.world.first_year || state.year;
  slider.max = Math.max(state.world.last_year || state.year, state.year);
  slider.value = state.year;
  // A sender known on one day only (a data set's export) has nothing to slide through.
  const single = Number(slider.min) === Number(slider.max);
  slider.hidden = single;
  document.getElementById("play").hidden = single;
  document.getElementById("year-shown").textContent = state.year;
  document.getElementById("map").dataset.year = state.year;
  history.replaceState(null, "", `/dashboard/world?sender=${state.sender}&year=${state.year}`);
  paint();
}

function play() {
  const button = document.getElementById("play");
  const slider = document.getElementById("year");
  if (state.playing) {
    clearTimeout(state.playing);
    state.playing = null;
    button.textContent = "▶ Play";
    button.setAttribute("aria-pressed", "false");
    return;
  }
  if (state.year >= Number(slider.max)) slider.value = slider.min;
  button.textContent = "❚❚ Pause";
  button.setAttribute("aria-pressed", "true");
  const step = async () => {
    const next = Math.min(Number(slider.value) + 1, Number(slider.max));
    await showYear(next);
    if (state.playing !== null && next < Number(slider.max)) state.playing = setTimeout(step, 600);
    else if (state.playing !== null) play();
  };
  state.playing = setTimeout(step, 0);
}

async function load() {
  const wanted = params();
  state.sender = wanted.sender;
  const [{ rows: countries }] = await Promise.all([readList("/v1/countries"), drawBorders()]);
  const sender = countries.find((c) => c.code === state.sender || c.alpha3 === state.sender);
  if (!sender) throw new Error(`No country with the code '${state.sender}'.`);
  state.sender = sender.code;
  state.senderName = sender.name;
  const select = document.getElementById("sender");
  select.replaceChildren(...countries.slice().sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => h("option", { value: c.code, selected: c.code === state.sender }, c.name)));
  select.addEventListener("change", () => {
    location.assign(`/dashboard/world?sender=${select.value}&year=${state.year}`);
  });
  await showYear(wanted.year);
  wireShapes();
  let pending = null;
  document.getElementById("year").addEventListener("input", (event) => {
    document.getElementById("year-shown").textContent = event.target.value;
    clearTimeout(pending);
    pending = setTimeout(() => showYear(Number(event.target.value)), 120);
  });
  document.getElementById("play").addEventListener("click", play);
  document.getElementById("controls").hidden = false;
  // Live: a change to a representation or a mission redraws the year shown.
  followChanges("resources=representations,missions", () => showYear(state.year, true));
}

begin("draw the map", load);
