// A country's history with a sender (`/dashboard/country/FR?sender=US`): the representation
// periods and the missions' statuses as a timeline strip (Chart.js, vendored from npm), the
// chiefs of mission, the Office of the Historian's entries with their quotes, and the
// relation today. A client of the public JSON API and nothing else.
"use strict";

const MISSION_STATUSES = {
  operating: { colour: "#009E73", label: "Operating" },
  restricted: { colour: "#F0E442", label: "Restricted" },
  suspended: { colour: "#E69F00", label: "Suspended" },
  frozen: { colour: "#56B4E9", label: "Frozen" },
  closed: { colour: "#D55E00", label: "Closed" },
};
const TODAY = new Date().toISOString().slice(0, 10);
const page = { sender: null, code: null, chart: null };

// A day as a year with its fraction, for the strip's axis.
function yearOf(day) {
  const date = new Date(`${day}T00:00:00Z`);
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  return date.getUTCFullYear() + (date - start) / (365.25 * 864e5);
}

// The strip's bars: each representation period, then each mission's statuses in force (the
// status history's shown entries, each until the next begins).
function bars(periods, missions) {
  const rows = [];
  for (const p of periods) {
    rows.push({ row: "Representation", from: p.valid_from, to: p.valid_to || p.observed_until || TODAY,
      colour: STYLE[group(p.level)].colour, label: statusName(p.level), citations: p.citations });
  }
  for (const m of missions) {
    const name = `${words(m.kind)}${m.city ? `, ${m.city}` : ""} (#${m.id})`;
    const shown = (m.status_history || []).filter((s) => s.shown && (s.valid_from || s.effective_on))
      .sort((a, b) => (a.valid_from || a.effective_on).localeCompare(b.valid_from || b.effective_on));
    shown.forEach((s, i) => {
      const next = shown[i + 1];
      rows.push({ row: name, from: s.valid_from || s.effective_on,
        to: s.valid_to || (next ? next.valid_from || next.effective_on : TODAY),
        colour: MISSION_STATUSES[s.status].colour, label: `${MISSION_STATUSES[s.status].label} (${words(s.kind || m.kind)})`,
        citations: s.citations });
    });
  }
  return rows;
}

function drawStrip(rows) {
  const canvas = document.getElementById("strip");
  const labels = [...new Set(rows.map((r) => r.row))];
  const holder = canvas.parentElement;
  holder.style.height = `${Math.max(90, 48 + labels.length * 34)}px`;
  if (page.chart) page.chart.destroy();
  canvas.setAttribute("aria-label", `Timeline strip: ${rows.map((r) => `${r.row}: ${r.label}, ${r.from} to ${r.to}`).join("; ")}`);
  const years = rows.flatMap((r) => [yearOf(r.from), yearOf(r.to)]);
  page.chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [{
        data: rows.map((r) => ({ y: r.row, x: [yearOf(r.from), yearOf(r.to)], bar: r })),
        backgroundColor: rows.map((r) => r.colour),
        borderColor: "#ffffff",
        borderWidth: 1,
        borderSkipped: false,
        barPercentage: 0.9,
        categoryPercentage: 0.9,
        grouped: false,
      }],
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { type: "linear", min: Math.floor(Math.min(...years)), max: Math.ceil(Math.max(...years)),
          ticks: { callback: (value) => String(Math.round(value)) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: {
          title: (items) => items[0].raw.bar.row,
          label: (item) => `${item.raw.bar.label}: ${item.raw.bar.from} – ${item.raw.bar.to}`,
        } },
      },
    },
  });
  const used = new Map(rows.map((r) => [r.label.replace(/ \(.*\)$/, ""), r.colour]));
  document.getElementById("strip-legend").replaceChildren(...[...used].map(([label, colour]) =>
    h("li", {}, h("span", { class: "swatch", style: `background:${colour}` }), label)));
  document.querySelector("#periods details .body").replaceChildren(table(
    ["Row", "Status", "From", "To", "Quote"],
    rows.map((r) => [r.row, r.label, r.from, r.to, r.citations && r.citations[0] ? sourceLink(r.citations[0]) : ""])));
}

// A data set's row is long: the link shows where it stands, the quote is its title.
const sourceLink = (c) => h("a", { href: quotePage(c), class: "quote", title: c.quote }, "the source's words");

// Four at a time: the chiefs' names are their officials' records.
async function names(ids) {
  const found = new Map();
  const queue = [...new Set(ids)];
  await Promise.all([0, 1, 2, 3].map(async () => {
    while (queue.length) {
      const id = queue.shift();
      const official = await getJSON(`/v1/officials/${id}`);
      found.set(id, official.name);
    }
  }));
  return found;
}

async function renderChiefs(posts) {
  const body = document.querySelector("#chiefs .body");
  if (!posts.length) {
    body.replaceChildren(h("p", { class: "muted" }, "No chief of mission on record."));
    return;
  }
  const named = await names(posts.map((p) => p.official_id));
  body.replaceChildren(table(["Name", "Title", "Appointed", "Credentials", "Left", "Quote"],
    posts.map((p) => [named.get(p.official_id) || `official ${p.official_id}`, p.title || "",
      when(p.appointed_on, p.appointed_precision), p.credentials_on ? when(p.credentials_on, p.credentials_precision) : "",
      p.left_on ? when(p.left_on, p.left_precision) : (p.ended_note || ""),
      p.citations[0] ? sourceLink(p.citations[0]) : ""])));
}

function renderEntries(items) {
  const body = document.querySelector("#entries .body");
  body.replaceChildren(...(items.length ? items.map((item) => h("li", { "data-key": item.key },
    h("div", {}, h("strong", {}, when(item.date, item.date_precision)), " ", item.title),
    citations(item.citations.slice(0, 2))))
    : [h("li", { class: "muted" }, "No entry on record.")]));
}

function renderSummary(relation, sender, host) {
  const missions = relation.missions.a_to_b;
  const stages = Object.entries(relation.measures.by_stage || {}).filter(([, list]) => list.length);
  document.querySelector("#summary .body").replaceChildren(
    h("p", {}, `${missions.length} mission(s) of ${sender.name} in ${host.name} on record, `,
      `${relation.missions.b_to_a.length} the other way; `,
      `${stages.reduce((n, [, list]) => n + list.length, 0)} measure(s) between them; `,
      `${relation.disputes.length} unresolved dispute(s). `,
      h("a", { href: `/dashboard/${sender.code}/${host.code}` }, "The bilateral dashboard"), " has them all."),
    missions.length ? table(["Mission", "Status", "Since"], missions.map((m) => [
      `${words(m.kind)}${m.city ? ` in ${m.city}` : ""}`,
      m.status ? words(m.status) : "unknown", m.status_since || ""])) : "");
}

async function show() {
  const [sender, host] = await Promise.all([getJSON(`/v1/countries/${page.sender}`), getJSON(`/v1/countries/${page.code}`)]);
  page.sender = sender.code;
  page.code = host.code;
  const title = `${sender.name} in ${host.name}`;
  document.getElementById("title").textContent = title;
  document.title = `${title} · diplomacy-api`;
  document.getElementById("world-link").href = `/dashboard/world?sender=${sender.code}`;
  const pair = `sending_country=${sender.code}&host_country=${host.code}`;
  const [periods, missions, posts, entries, relation] = await Promise.all([
    readList(`/v1/representations?${pair}&sort=valid_from`).then((list) => list.rows),
    readList(`/v1/missions?${pair}`).then((list) => list.rows),
    readList(`/v1/posts?${pair}&sort=appointed_on`).then((list) => list.rows),
    getJSON(`/v1/timeline?countries=${sender.code},${host.code}&kinds=event&limit=200`),
    getJSON(`/v1/relations/${sender.code}/${host.code}`),
  ]);
  renderSummary(relation, sender, host);
  const rows = bars(periods, missions);
  document.getElementById("periods").hidden = rows.length === 0;
  if (rows.length) drawStrip(rows);
  renderEntries(entries.items);
  await renderChiefs(posts);
}

begin("show this history", async () => {
  page.code = decodeURIComponent(location.pathname.split("/").pop()).toUpperCase();
  page.sender = (new URLSearchParams(location.search).get("sender") || "US").toUpperCase();
  await show();
  followChanges(`countries=${page.sender},${page.code}`, show);
});
