// The dashboard: a client of the public JSON API and nothing else. No framework, no build,
// no CDN: the page is what the server ships. Text from the API is only ever set as text.
"use strict";

const STAGE_NAMES = {
  considered: "Considered", threatened: "Threatened", proposed: "Proposed", ordered: "Ordered",
  implemented: "Implemented", withdrawn: "Withdrawn", lapsed: "Lapsed",
};

// ---- sections -------------------------------------------------------------------------

function renderMissions(relation) {
  const { a, b, missions } = relation;
  const rows = [];
  for (const [way, from, to] of [["a_to_b", a, b], ["b_to_a", b, a]]) {
    for (const m of missions[way]) {
      rows.push([
        `${from.name} → ${to.name}`,
        h("a", { href: `/v1/missions/${m.id}` }, words(m.kind)),
        m.city || h("span", { class: "muted" }, "city not given"),
        // The words of the change that gave it its status (the history is newest first), not
        // the mission's own.
        [m.status
          ? h("span", { class: `badge status-${m.status}` }, m.status)
          : h("span", { class: "muted" }, "no status in force"),
          m.status_history.length ? citations(m.status_history[0].citations) : null],
        m.status_since ? m.status_since : h("span", { class: "muted" }, "since: unknown"),
        citations(m.citations),
      ]);
    }
  }
  return rows.length
    ? table(["direction", "mission", "city", "status", "since", "sources"], rows)
    : h("p", { class: "muted" }, "No missions on record between the two.");
}

function count(record) {
  if (!record) return h("span", { class: "muted" }, "unknown");
  return h("span", {},
    h("a", { href: `/v1/headcounts/${record.id}` }, String(record.count)), " ",
    h("span", { class: "muted" }, when(record.as_of, record.date_precision)));
}

function renderStaffing(relation) {
  const { a, b, staffing } = relation;
  const known = staffing.filter((s) => ["a_to_b", "b_to_a"].some(
    (way) => s[way].actual || s[way].cap));
  if (!known.length) {
    return h("p", { class: "muted", id: "no-headcounts" },
      "No headcounts on record for this pair: the parity is unknown (null).");
  }
  const ratio = (value) => (value === null ? h("span", { class: "muted" }, "n/a") : value.toFixed(2));
  return table(
    ["category", `${a.code} in ${b.code}: actual`, `${a.code} in ${b.code}: cap`,
      `${b.code} in ${a.code}: actual`, `${b.code} in ${a.code}: cap`, "parity (actual)", "parity (cap)"],
    known.map((s) => [words(s.category), count(s.a_to_b.actual), count(s.a_to_b.cap),
      count(s.b_to_a.actual), count(s.b_to_a.cap), ratio(s.parity.actual), ratio(s.parity.cap)]),
  );
}

function talksBlock(label, talks) {
  if (!talks) return null;
  return h("div", { class: "talks" },
    h("strong", {}, label, ": "),
    h("a", { href: `/v1/talks/${talks.id}` },
      `${when(talks.date, talks.date_precision)}${talks.city ? ", " + talks.city : ""}`),
    ` — ${words(talks.outcome)}. `,
    talks.participants.length
      ? `With ${talks.participants.map((p) => `${p.name} (${p.side})`).join(", ")}. `
      : "",
    talks.summary || "",
    talks.statements.length ? h("ul", { class: "statements" }, talks.statements.map((s) => h("li", {},
      `${s.speaker || "Unnamed"} (${s.kind}): `, quoteLink(s)))) : null,
    citations(talks.citations));
}

function renderDisputes(relation) {
  if (!relation.disputes.length) return h("p", { class: "muted" }, "No open disputes on record.");
  return relation.disputes.map((d) => {
    const next = d.next_round.planned
      ? `planned, ${d.next_round.date ? "on " + d.next_round.date : "no date set"}`
      : "none planned";
    return h("article", { class: "dispute" },
      h("p", {}, h("a", { href: `/v1/visa-disputes/${d.id}` }, d.title), " ",
        h("span", { class: "badge" }, d.status), " ",
        h("span", { class: "muted" }, `issues: ${d.issues.map(words).join(", ")}`)),
      talksBlock("Last talks", d.last_talks) ||
        h("p", { class: "muted" }, "No talks on record yet."),
      talksBlock("Next talks", d.next_talks),
      h("p", {}, h("strong", {}, "Next round: "), next),
      citations(d.citations));
  });
}

// Who takes a measure, and against whom; a source may name no actor (null), never guessed.
function direction(m) {
  return `${m.actor_country || "actor not named"} → ${m.target_country}`;
}

function measureCard(m) {
  return h("div", { class: "measure", "data-measure": m.id },
    h("div", {}, h("span", { class: "badge" }, m.stage), " ",
      h("a", { href: `/v1/measures/${m.id}` }, words(m.kind)), " ",
      direction(m)),
    h("div", { class: "muted" }, [m.actor_body, when(m.date, m.date_precision),
      m.diplomats_count !== null ? `${m.diplomats_count} diplomats` : null,
      m.condition].filter(Boolean).join(" · ")),
    h("div", {}, m.summary || ""),
    citations(m.citations));
}

function renderMeasures(relation) {
  const byId = {};
  for (const list of Object.values(relation.measures.by_stage)) {
    for (const m of list) byId[m.id] = m;
  }
  const chains = relation.measures.chains;
  if (!chains.length) return h("p", { class: "muted" }, "No measures on record between the two.");
  const drawn = chains.map((chain) => h("div", { class: "chain" },
    chain.flatMap((id, i) => (i ? [h("span", { class: "arrow" }, "→"), measureCard(byId[id])]
      : [measureCard(byId[id])]))));
  const stages = Object.entries(relation.measures.by_stage).filter(([, list]) => list.length)
    .map(([stage, list]) => h("div", {}, h("strong", {}, STAGE_NAMES[stage] || stage, ": "),
      list.map((m) => `${words(m.kind)} (${direction(m)})`).join("; ")));
  return [h("p", { class: "muted" }, "Each row is a chain: a measure, then the measures taken " +
    "in response to it."), ...drawn, h("div", { class: "stages" }, stages)];
}

function renderEvents(relation) {
  if (!relation.events.length) return h("p", { class: "muted" }, "No events on record.");
  return h("ul", {}, relation.events.map((e) => h("li", {},
    h("span", { class: "muted" }, when(e.date, e.date_precision)), " ",
    h("a", { href: `/v1/events/${e.id}` }, e.summary), citations(e.citations))));
}

function timelineItems(items) {
  return items.map((item) => h("li", { class: "entry", "data-kind": item.kind, "data-key": item.key },
    h("div", { class: "when" }, h("span", {}, when(item.date, item.date_precision)),
      h("span", { class: "badge" }, words(item.kind))),
    h("div", { class: "what" }, h("a", { href: item.url }, item.title), citations(item.citations))));
}

// ---- a source's page: its record, its text with its quotes in place, what quotes it ------

// The API counts code points; a JavaScript string counts UTF-16 units. The index in `text` of
// each code-point offset asked for, found in one pass; one past the end is not found.
function unitIndexes(text, offsets) {
  const wanted = [...new Set(offsets)].sort((p, q) => p - q);
  const found = new Map();
  let point = 0, unit = 0;
  for (const offset of wanted) {
    while (point < offset && unit < text.length) {
      unit += text.codePointAt(unit) > 0xffff ? 2 : 1;
      point += 1;
    }
    if (point === offset) found.set(offset, unit);
  }
  return found;
}

const anchored = (c) => Number.isInteger(c.start) && Number.isInteger(c.end) && c.start < c.end;

// The text, every passage quoted shaded and the chosen one (`chosen`: `{start, end}` in code
// points, or null) a <mark id="quote"> of its own.
function sourceText(text, quotes, chosen) {
  const ranges = quotes.filter(anchored);
  const units = unitIndexes(text, [...ranges, ...(chosen ? [chosen] : [])]
    .flatMap((c) => [c.start, c.end]));
  const span = (c) => (units.has(c.start) && units.has(c.end)
    ? [units.get(c.start), units.get(c.end)] : null);
  const cited = ranges.map(span).filter(Boolean);
  const mark = chosen ? span(chosen) : null;
  const cuts = [...new Set([0, text.length, ...cited.flat(), ...(mark || [])])]
    .sort((p, q) => p - q);
  const pre = h("pre", { class: "text" });
  const marked = mark ? h("mark", { id: "quote" }) : null;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    const piece = text.slice(from, to);
    const inQuote = mark && mark[0] <= from && to <= mark[1];
    const node = cited.some(([p, q]) => p <= from && to <= q)
      ? h("span", { class: "cited" }, piece) : document.createTextNode(piece);
    if (inQuote) {
      if (!marked.parentNode) pre.append(marked);
      marked.append(node);
    } else {
      pre.append(node);
    }
  }
  return { pre, marked };
}

// Where the text is not public: the quote between the words either side of it, as the API
// serves them with every citation.
function inContext(c, length) {
  return h("p", { class: "context" },
    c.start > (c.prefix || "").length ? "…" : "", c.prefix || "",
    h("mark", { id: "quote" }, c.quote),
    c.suffix || "", c.end + (c.suffix || "").length < length ? "…" : "");
}

function sourceRecord(source) {
  const row = (label, ...value) => [h("dt", {}, label), h("dd", {}, ...value)];
  const unknown = (text) => h("span", { class: "muted" }, text);
  return h("dl", { class: "record" },
    row("publisher", source.publisher),
    row("kind", words(source.kind)),
    row("published", source.published_on
      ? when(source.published_on, source.date_precision) : unknown("no date")),
    row("retrieved", source.retrieved_on || unknown("not recorded")),
    row("address", source.url ? h("a", { href: source.url, rel: "nofollow noopener" }, source.url)
      : unknown("none given")),
    row("attribution", source.attribution || unknown("none")),
    row("licence", source.licence || unknown("not known")),
    row("text", source.text_url
      ? [`${source.text_length} characters, ${source.media_type}, `,
        source.text_public ? "public" : "for API keys with the read scope", " · SHA-256 ",
        h("code", {}, source.sha256)]
      : unknown("the API holds no text for it")),
    row("as JSON", h("a", { href: `/v1/sources/${source.id}` }, `/v1/sources/${source.id}`)));
}

// What the source is quoted for: every fact it supports and every statement quoted from it at
// talks, in the order the text says them (`facts`, from its record).
function quotesOf(source) {
  return source.facts.map((f) => ({ ...f, label: f.record_type === "talks_statement"
    ? `said at talks ${f.record_id}` : `${words(f.record_type)} ${f.record_id}` }));
}

function quoteList(quotes, chosen) {
  if (!quotes.length) return h("p", { class: "muted" }, "Nothing quotes it.");
  return h("ul", { class: "quotes" }, quotes.map((q) => h("li", {
    class: chosen && q.start === chosen.start && q.end === chosen.end ? "current" : null },
  h("a", { href: q.url }, q.label), " ", h("blockquote", {}, quoteLink(q)))));
}

async function showSource(id, query) {
  stopFollowing();
  live.paused = false;
  const status = document.getElementById("status");
  document.body.dataset.state = "loading";
  document.getElementById("content").hidden = true;
  document.getElementById("pairs").hidden = true;
  state.redraw = null;
  status.textContent = "Loading…";
  try {
    const source = await getJSON(`/v1/sources/${encodeURIComponent(id)}`);
    const quotes = quotesOf(source);
    // The characters the link names (code points), and the citation that covers them.
    const start = Number.parseInt(query.get("start"), 10);
    const end = Number.parseInt(query.get("end"), 10);
    const range = Number.isInteger(start) && Number.isInteger(end) ? { start, end } : null;
    const cited = range && quotes.find((q) => q.start === start && q.end === end);
    document.title = `${source.title} · diplomacy-api`;
    document.getElementById("source-title").textContent = source.title;
    const where = document.querySelector("#source-text .body");
    const note = document.getElementById("source-note");
    let marked = null;
    if (source.text_url && source.text_public) {
      const response = await fetch(source.text_url);
      if (!response.ok) throw new Error(`${response.status} on ${source.text_url}`);
      // The text as stored, a byte-order mark included: `response.text()` would drop one, and
      // every offset after it would be one off.
      const stored = new TextDecoder("utf-8", { ignoreBOM: true })
        .decode(await response.arrayBuffer());
      // Only a range some quote covers is marked as a quote: a link cannot make other words
      // look quoted.
      const drawn = sourceText(stored, quotes, cited ? range : null);
      marked = drawn.marked;
      note.replaceChildren(range && !cited ? `Nothing quotes characters ${start}–${end}. `
        : "", marked ? "The quote is marked where it stands; " : "",
      "every passage quoted is shaded. The text as stored: ",
      h("a", { href: source.text_url }, source.text_url), ".");
      where.replaceChildren(drawn.pre);
    } else if (source.text_url) {
      note.replaceChildren(range && !cited ? `Nothing quotes characters ${start}–${end}. ` : "",
        "The full text is not public (its licence is not known to be an open one): reading " +
        `it at ${source.text_url} takes an API key with the read scope. Every quote is public, ` +
        `with the words either side of it${cited ? ":" : ": follow one below."}`);
      where.replaceChildren(...(cited ? [inContext(cited, source.text_length)] : []));
      marked = where.querySelector("mark");
    } else {
      note.replaceChildren("The API holds no text for this source, so its quotes cannot be " +
        "checked against it (they are served with verified: false).");
      where.replaceChildren();
    }
    fill("source-record", sourceRecord(source));
    fill("source-quotes", quoteList(quotes, range));
    document.getElementById("source").hidden = false;
    if (marked) marked.scrollIntoView({ block: "center" });
    status.textContent = "";
    document.body.dataset.state = "ready";
  } catch (error) {
    status.textContent = `Could not load source ${id}: ${error.message}`;
    document.getElementById("source").hidden = true;
    document.body.dataset.state = "error";
  }
}

// ---- the chart: Chart.js (vendored from npm by `make vendor`) --------------------------

let chart = null;

// A step line per series (a count holds until the next one), actual solid and cap dashed, a's
// staff in one colour and b's in another; under it, the same counts as a table.
function renderChart(series, relation, category) {
  const { a } = relation;
  const chosen = series.filter((s) => s.category === category);
  const points = chosen.flatMap((s) => s.points);
  if (chart) chart.destroy();
  chart = null;
  if (!points.length) {
    return h("p", { class: "muted", id: "no-chart" }, "No headcounts on record for this pair.");
  }
  const time = (d) => Date.parse(d + "T00:00:00Z");
  const named = chosen.map((s) => ({
    s,
    name: `${s.sending_country} in ${s.host_country}: ${s.kind}` + (s.mission_id ? ` (mission ${s.mission_id})` : ""),
    colour: s.sending_country === a.code ? "#1f5fa8" : "#b5402a",
  }));
  const canvas = h("canvas", { id: "headcounts", role: "img", "data-points": points.length,
    "aria-label": `Headcounts (${words(category)}): ` + named.map(({ s, name }) =>
      `${name}, ${s.points.map((p) => `${p.count} on ${p.date}`).join(", ")}`).join("; ") });
  chart = new Chart(canvas, {
    type: "line",
    data: {
      datasets: named.map(({ s, name, colour }) => ({
        label: name,
        data: s.points.map((p) => ({ x: time(p.date), y: p.count, point: p })),
        stepped: "after",
        borderColor: colour,
        backgroundColor: colour,
        borderDash: s.kind === "cap" ? [6, 4] : [],
        borderWidth: 2,
        pointRadius: 4,
      })),
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { type: "linear", ticks: { maxTicksLimit: 6, callback: (v) => new Date(v).toISOString().slice(0, 10) } },
        y: { beginAtZero: true, title: { display: true, text: "people" } },
      },
      plugins: {
        tooltip: { callbacks: {
          title: (items) => when(items[0].raw.point.date, items[0].raw.point.date_precision),
          label: (item) => `${item.dataset.label}: ${item.raw.y}`,
        } },
      },
    },
  });
  const rows = named.flatMap(({ s, name }) => s.points.map((p) => ({ name, p })));
  const counts = h("table", {}, h("thead", {}, h("tr", {}, ["Series", "Date", "Count"].map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map(({ name, p }) => h("tr", { class: "point", "data-series": name, "data-date": p.date,
      "data-count": p.count }, [name, when(p.date, p.date_precision), p.count].map((cell, i) =>
      h("td", { "data-label": ["Series", "Date", "Count"][i] }, h("div", {}, cell)))))));
  return [h("div", { class: "chart-box" }, canvas),
    h("details", {}, h("summary", {}, "The counts as a table"), counts)];
}

// ---- pairs with data ------------------------------------------------------------------

// No endpoint lists the pairs that have data, so they are counted from the lists whose records
// name two countries. Headcounts are left out, since that list can run to millions of rows: a
// pair known only by its headcounts is not offered (it can still be picked). Each list is read
// up to PAIR_PAGES pages of 1,000; past that the page says that pairs may be missing.
const PAIR_PAGES = 5;
const PAIR_SOURCES = [
  { path: "/v1/missions", noun: "missions", one: "mission",
    pairs: (r) => [[r.sending_country, r.host_country]] },
  { path: "/v1/measures", noun: "measures", one: "measure",
    pairs: (r) => [[r.actor_country, r.target_country]] },
  { path: "/v1/visa-disputes", noun: "disputes", one: "dispute",
    pairs: (r) => [[r.country_a, r.country_b]] },
  { path: "/v1/events", noun: "events", one: "event",
    pairs: (r) => r.countries.flatMap((c, i) => r.countries.slice(i + 1).map((d) => [c, d])) },
];

async function loadPairs() {
  const lists = await Promise.all(PAIR_SOURCES.map((s) => readList(s.path, PAIR_PAGES)));
  const pairs = new Map();
  PAIR_SOURCES.forEach((source, i) => {
    for (const row of lists[i].rows) {
      for (const [x, y] of source.pairs(row)) {
        if (!x || !y || x === y) continue;
        const [a, b] = [x, y].sort();
        const pair = pairs.get(`${a}/${b}`) || { a, b, total: 0, counts: {} };
        pair.counts[source.noun] = (pair.counts[source.noun] || 0) + 1;
        pair.total += 1;
        pairs.set(`${a}/${b}`, pair);
      }
    }
  });
  return {
    pairs: [...pairs.values()],
    unread: PAIR_SOURCES.filter((_, i) => !lists[i].complete).map((s) => s.noun),
  };
}

const countryName = (code) => (state.countries.get(code) || { name: code }).name;

function renderPairs() {
  const list = document.querySelector("#pairs .body");
  const { pairs, unread } = state.pairs;
  const sorted = [...pairs].sort((p, q) => q.total - p.total ||
    `${countryName(p.a)}/${countryName(p.b)}`.localeCompare(`${countryName(q.a)}/${countryName(q.b)}`));
  list.replaceChildren(...sorted.map((p) => h("li", { "data-pair": `${p.a}/${p.b}` },
    h("a", { href: `/dashboard/${p.a}/${p.b}` }, `${countryName(p.a)} – ${countryName(p.b)}`), " ",
    h("span", { class: "muted" }, PAIR_SOURCES.filter((s) => p.counts[s.noun])
      .map((s) => `${p.counts[s.noun]} ${p.counts[s.noun] === 1 ? s.one : s.noun}`).join(" · ")))));
  if (!pairs.length) list.replaceChildren(h("li", { class: "muted" }, "No pair has data yet."));
  document.getElementById("pairs-note").textContent =
    "Counted from the missions, measures, disputes and events on record (not headcounts). " +
    (unread.length ? `Only the first ${PAIR_PAGES * 1000} ${unread.join(", ")} were read: ` +
      "some pairs may be missing. " : "") +
    "Any two countries can be picked above.";
}

// The pickers offer the countries that have data first: in the second, the first one's partners.
function offerCountries() {
  const form = document.getElementById("pick");
  const pairs = state.pairs ? state.pairs.pairs : [];
  const partners = (code) => pairs.flatMap((p) => (p.a === code ? [p.b] : p.b === code ? [p.a] : []));
  const withData = pairs.flatMap((p) => [p.a, p.b]);
  fillCountries(form.a, withData, "With data");
  if (form.a.value) fillCountries(form.b, partners(form.a.value), `With data for ${countryName(form.a.value)}`);
  else fillCountries(form.b, withData, "With data");
}

function fillCountries(select, first, label) {
  const chosen = select.value;
  const firstSet = new Set(first);
  const option = (c) => h("option", { value: c.code }, `${c.name} (${c.code})`);
  const all = [...state.countries.values()];
  const groups = firstSet.size
    ? [h("optgroup", { label }, all.filter((c) => firstSet.has(c.code)).map(option)),
      h("optgroup", { label: "Other countries" }, all.filter((c) => !firstSet.has(c.code)).map(option))]
    : all.map(option);
  select.replaceChildren(h("option", { value: "" }, "—"), ...groups);
  select.value = chosen;
}

// ---- the page -------------------------------------------------------------------------

const state = {
  a: null, b: null, next: null, countries: new Map(), pairs: null, redraw: null, search: null,
};

function fill(id, content) {
  const node = document.querySelector(`#${id} .body`);
  node.replaceChildren(...[content].flat().filter(Boolean));
}

function chooseCategory(series) {
  const counts = {};
  for (const s of series) counts[s.category] = (counts[s.category] || 0) + s.points.length;
  const categories = Object.keys(counts).sort((p, q) => counts[q] - counts[p]);
  const picker = document.getElementById("category");
  picker.replaceChildren(...categories.map((c) => h("option", { value: c }, words(c))));
  document.getElementById("category-pick").hidden = categories.length < 2;
  return categories[0] || "diplomatic";
}

async function loadMore() {
  const page = await getJSON(state.next);
  document.querySelector("#timeline .body").append(...timelineItems(page.items));
  state.next = page.next_cursor ? nextUrl(state.next, page.next_cursor) : null;
  document.getElementById("more").hidden = !state.next;
}

// Live: the pair's page follows the change stream (`/v1/changes/stream`) and redraws when a
// record of the pair changes. The browser's EventSource reconnects by itself, sending the id
// of the last change it had (Last-Event-ID): nothing is missed while it was away.
const live = { source: null, pair: null, timer: null, paused: false };

function follow(a, b) {
  const pair = `${a},${b}`;
  if (live.pair === pair) return;
  stopFollowing();
  const badge = document.getElementById("live");
  const source = new EventSource(`/v1/changes/stream?countries=${encodeURIComponent(pair)}`);
  let opened = false;
  live.source = source;
  live.pair = pair;
  source.onopen = () => {
    badge.textContent = "● Live";
    badge.dataset.live = "on";
    badge.title = "Changes to this pair's records show here as they are written.";
    // A change written between the page's load and the stream's start: redraw once.
    if (!opened) later();
    opened = true;
  };
  source.onerror = () => {
    const closed = source.readyState === EventSource.CLOSED;
    badge.textContent = closed ? "Not live: reload the page to follow changes" : "Reconnecting…";
    badge.dataset.live = "off";
  };
  source.addEventListener("change", later);
}

function later() { // many changes at once (an import): one redraw
  clearTimeout(live.timer);
  live.timer = setTimeout(() => {
    if (live.pair === `${state.a},${state.b}`) show(state.a, state.b, true);
  }, 200);
}

// A hidden tab lets go of its stream (a browser keeps six connections to a server over
// HTTP/1.1, and each open stream holds one), and catches up when it is shown again.
document.addEventListener("visibilitychange", () => {
  if (document.hidden && live.source) {
    stopFollowing();
    live.paused = true;
  } else if (!document.hidden && live.paused) {
    live.paused = false;
    if (state.a && state.b && document.body.dataset.state === "ready") show(state.a, state.b, true);
  }
});

function stopFollowing() {
  if (live.source) live.source.close();
  Object.assign(live, { source: null, pair: null });
  clearTimeout(live.timer);
  const badge = document.getElementById("live");
  badge.textContent = "";
  delete badge.dataset.live;
}

// `quiet`: a redraw for a change, without the "Loading…" in between.
async function show(a, b, quiet = false) {
  const status = document.getElementById("status");
  if (!quiet) {
    document.body.dataset.state = "loading";
    document.getElementById("pairs").hidden = true;
    document.getElementById("source").hidden = true;
    document.getElementById("results").hidden = true;
    status.textContent = "Loading…";
  }
  try {
    const relation = await getJSON(
      `/v1/relations/${encodeURIComponent(a)}/${encodeURIComponent(b)}`, quiet);
    const [series, timeline] = await Promise.all([
      getJSON(relation.links.series, quiet),
      getJSON(`${relation.links.timeline}&limit=100`, quiet),
    ]);
    state.a = relation.a.code;
    state.b = relation.b.code;
    document.getElementById("country-a").value = state.a;
    offerCountries();
    document.getElementById("country-b").value = state.b;
    document.title = `${relation.a.name} – ${relation.b.name} · diplomacy-api`;
    document.getElementById("pair-title").textContent = `${relation.a.name} – ${relation.b.name}`;
    // Shown before it is filled, so that the chart can read the width it has.
    document.getElementById("content").hidden = false;
    fill("missions", renderMissions(relation));
    fill("staffing", renderStaffing(relation));
    fill("disputes", renderDisputes(relation));
    fill("measures", renderMeasures(relation));
    fill("events", renderEvents(relation));
    const picker = document.getElementById("category");
    picker.value = chooseCategory(series.series);
    state.redraw = () => fill("chart", renderChart(series.series, relation, picker.value));
    state.redraw();
    picker.onchange = state.redraw;
    fill("timeline", timeline.items.length ? timelineItems(timeline.items)
      : h("li", { class: "entry muted" }, "No dated facts on record."));
    state.next = timeline.next_cursor ? nextUrl(`${relation.links.timeline}&limit=100`, timeline.next_cursor) : null;
    document.getElementById("more").hidden = !state.next;
    status.textContent = "";
    document.body.dataset.state = "ready";
    follow(state.a, state.b);
  } catch (error) {
    status.textContent = `Could not load ${a}–${b}: ${error.message}`;
    document.getElementById("content").hidden = true;
    document.body.dataset.state = "error";
    stopFollowing();
  }
}

// Search: `/dashboard?q=…` lists `/v1/search`'s hits, best first. A snippet arrives
// HTML-escaped with the matched words in <mark>: it is built here as text and <mark>
// elements, never parsed as HTML.
const unescaped = (text) =>
  text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

function snippet(text) {
  return text.split(/<mark>(.*?)<\/mark>/s)
    .map((part, i) => (i % 2 ? h("mark", {}, unescaped(part)) : unescaped(part)));
}

// Where a hit opens: a source, or a passage of its text, in the source's page (which marks
// quotes, not passages: the hit's snippet shows the words); anything else as the API has it.
function hitLink(hit) {
  if (hit.kind === "sources" || hit.kind === "texts") return `/dashboard/sources/${hit.id}`;
  if (hit.kind === "citations") return `/dashboard/citations/${hit.id}`;
  return hit.url;
}

// A quote's page is its source's, the quote marked where it stands (`quotePage`).
async function showCitation(id) {
  const status = document.getElementById("status");
  document.body.dataset.state = "loading";
  status.textContent = "Loading…";
  try {
    const quote = await getJSON(`/v1/citations/${encodeURIComponent(id)}`);
    const page = new URL(quotePage(quote), location.origin);
    history.replaceState(null, "", page.pathname + page.search);
    await showSource(String(quote.source_id), page.searchParams);
  } catch (error) {
    status.textContent = `Could not load quote ${id}: ${error.message}`;
    document.body.dataset.state = "error";
  }
}

// A query as the page quotes it: in quotation marks, unless it holds its own (a phrase).
function quoted(q) {
  return /["“”]/.test(q) ? q : `“${q}”`;
}

// A quote's hit says what it is quoted for: two quotes of the same words in one source (one
// for each country's embassy) are otherwise alike.
function citedFor(hit) {
  const record = hit.cited_for;
  if (!record || !record.url) return null;
  const what = record.record_type === "mission_status" ? "quoted for the status of " : "quoted for ";
  return h("p", { class: "cited-for muted" }, what,
    h("a", { href: record.url }, record.title || record.url));
}

function hitItem(hit) {
  return h("li", { class: "hit", "data-kind": hit.kind },
    h("span", { class: "kind" }, words(hit.kind)), " ",
    h("a", { href: hitLink(hit) }, hit.title || hit.url),
    hit.date ? h("span", { class: "muted" }, ` · ${hit.date}`) : null,
    h("p", { class: "snippet" }, snippet(hit.snippet)),
    citedFor(hit));
}

async function showSearch(q, more = false) {
  stopFollowing();
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  for (const id of ["content", "source", "pairs"]) document.getElementById(id).hidden = true;
  state.redraw = null;
  document.getElementById("q").value = q;
  if (!more) {
    document.body.dataset.state = "loading";
    results.hidden = true;
    status.textContent = "Searching…";
    state.search = `/v1/search?q=${encodeURIComponent(q)}&count=true&limit=25`;
  }
  try {
    const page = await getJSON(state.search);
    const list = results.querySelector(".body");
    if (!more) {
      list.replaceChildren();
      document.title = `${q} · search · diplomacy-api`;
      document.getElementById("results-title").textContent = page.total
        ? `${page.total} found for ${quoted(q)}, best first`
        : `Nothing found for ${quoted(q)}`;
    }
    list.append(...page.items.map(hitItem));
    state.search = page.next_cursor ? nextUrl(state.search, page.next_cursor) : null;
    document.getElementById("more-results").hidden = !state.search;
    results.hidden = false;
    status.textContent = "";
    document.body.dataset.state = "ready";
  } catch (error) {
    status.textContent = `Could not search for ${quoted(q)}: ${error.message}`;
    results.hidden = true;
    document.body.dataset.state = "error";
  }
}

async function showPairs(loading) {
  stopFollowing();
  live.paused = false;
  const status = document.getElementById("status");
  document.getElementById("content").hidden = true;
  document.getElementById("source").hidden = true;
  state.redraw = null;
  status.textContent = "Loading the pairs that have data…";
  try {
    await loading;
    renderPairs();
    document.getElementById("pairs").hidden = false;
    status.textContent = "Pick a pair below, or any two countries above.";
  } catch (error) {
    status.textContent = `Could not read the pairs with data (${error.message}): ` +
      "pick any two countries above.";
  }
  document.body.dataset.state = "ready";
}

async function start() {
  document.getElementById("status").textContent = "Loading…";
  const pairs = loadPairs().then((found) => { state.pairs = found; offerCountries(); });
  pairs.catch(() => {}); // showPairs says so; a pair's own page does without them
  const countries = await readList("/v1/countries?sort=name");
  for (const c of countries.rows) state.countries.set(c.code, c);
  offerCountries();
  const form = document.getElementById("pick");
  form.hidden = false;
  form.a.addEventListener("change", offerCountries);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const a = form.a.value, b = form.b.value;
    if (!a || !b) return;
    history.pushState(null, "", `/dashboard/${a}/${b}`);
    show(a, b);
  });
  document.getElementById("swap").addEventListener("click", () => {
    [form.a.value, form.b.value] = [form.b.value, form.a.value];
    offerCountries();
    form.requestSubmit();
  });
  document.getElementById("more").addEventListener("click", loadMore);
  const find = document.getElementById("find");
  find.hidden = false;
  find.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = find.q.value.trim();
    if (!q) return;
    history.pushState(null, "", `/dashboard?q=${encodeURIComponent(q)}`);
    showSearch(q);
  });
  document.getElementById("more-results").addEventListener("click", () => {
    if (state.search) showSearch(document.getElementById("q").value, true);
  });
  const route = () => {
    const source = location.pathname.match(/^\/dashboard\/sources\/(\d+)\/?$/);
    const quote = location.pathname.match(/^\/dashboard\/citations\/(\d+)\/?$/);
    const match = location.pathname.match(/^\/dashboard\/([^/]+)\/([^/]+)\/?$/);
    const q = new URLSearchParams(location.search).get("q");
    document.getElementById("results").hidden = true;
    if (source) showSource(source[1], new URLSearchParams(location.search));
    else if (quote) showCitation(quote[1]);
    else if (q && !match) showSearch(q);
    else if (match) show(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
    else showPairs(pairs);
  };
  window.addEventListener("popstate", route);
  route();
}

start().catch((error) => {
  document.getElementById("status").textContent = `Could not start: ${error.message}`;
  document.body.dataset.state = "error";
});
