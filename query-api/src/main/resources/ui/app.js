// The built-in pages: a few views over the query API, routed by the URL's fragment
// (#/package/numpy, #/user/ann, ...). Every value reaches the page as text, never as HTML.
"use strict";

const TOKEN_KEY = "pyusage-token";
const WINDOW_KEY = "pyusage-window";
const PAGE_SIZE = 50;
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
/** Columns whose values lead to another page. */
const LINKS = { name: "package", user: "user", users: "user", host: "host", hosts: "host" };
const main = document.getElementById("main");
const windowSelect = document.getElementById("window");

class NeedToken extends Error {}

/** An element with attributes and children (strings become text nodes). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([key, value]) => {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  });
  children.flat().forEach(child => node.append(child instanceof Node ? child : String(child)));
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
  return node;
}

function query(parameters) {
  const search = new URLSearchParams({ since: windowSelect.value });
  Object.entries(parameters || {}).forEach(([key, value]) => {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  });
  return search.toString();
}

/** An API request. The token goes as Bearer, so a refusal never opens the browser's login box. */
async function request(path, parameters) {
  const response = await fetch(path + "?" + query(parameters), {
    headers: { Authorization: "Bearer " + (localStorage.getItem(TOKEN_KEY) || "none") }
  });
  if (response.status === 401) throw new NeedToken();
  return response;
}

/** One API answer as JSON. */
async function api(path, parameters) {
  const response = await request(path, parameters);
  const body = await response.json().catch(() => ({ error: response.status + " " + response.statusText }));
  if (!response.ok) throw new Error(body.error + (body.parameter ? " (" + body.parameter + ")" : ""));
  return body;
}

function link(kind, value) {
  return el("a", { href: "#/" + kind + "/" + encodeURIComponent(value) }, value);
}

function cell(column, value) {
  const values = Array.isArray(value) ? value : [value];
  const td = el("td", typeof value === "number" ? { class: "number" } : {});
  values.forEach((item, i) => {
    if (i > 0) td.append(", ");
    // "users" is a list of names in one answer and a count in another: only names are links.
    td.append(LINKS[column] && typeof item === "string" && item !== "" ? link(LINKS[column], item) : String(item));
  });
  return td;
}

/** A table of API rows, one column per field of the answer (or the given columns). */
function table(id, rows, columns) {
  if (rows.length === 0) return el("p", { id: id, class: "empty" }, "Nothing in this window.");
  const names = columns || Object.keys(rows[0]);
  return el("table", { id: id },
    el("thead", {}, el("tr", {}, names.map(name => el("th", {}, name.replace(/_/g, " "))))),
    el("tbody", {}, rows.map(row => el("tr", row.ready === 0 ? { class: "notready" } : {},
      names.map(name => name === "ready" ? el("td", {}, row.ready ? "yes" : "no") : cell(name, row[name]))))));
}

/**
 * A list that pages through the API: its rows, "a–b of total", and previous/next. "loaded"
 * gives the first answer, with whatever the API sends beside the rows.
 */
function pagedTable(id, path, parameters) {
  const holder = el("div", {});
  async function show(offset) {
    const answer = await api(path, Object.assign({}, parameters, { limit: PAGE_SIZE, offset: offset }));
    const last = offset + answer.rows.length;
    const pager = el("div", { class: "pager" },
      el("span", { id: id + "-count" }, answer.total === 0 ? "0 rows" : (offset + 1) + "–" + last + " of " + answer.total));
    if (offset > 0) pager.append(el("button", { onclick: () => show(Math.max(0, offset - PAGE_SIZE)).catch(failed) }, "Previous"));
    if (last < answer.total) pager.append(el("button", { onclick: () => show(last).catch(failed) }, "Next"));
    holder.replaceChildren(table(id, answer.rows), pager);
    return answer;
  }
  return { node: holder, loaded: show(0) };
}

/**
 * A line chart: one line per series over the sorted periods, a y axis from zero to the largest
 * value, and a legend. Drawn as SVG, no library.
 */
function lineChart(id, rows, periodOf, seriesOf, valueOf) {
  const periods = [...new Set(rows.map(periodOf))].sort();
  const series = new Map();
  rows.forEach(row => {
    const name = seriesOf(row);
    if (!series.has(name)) series.set(name, new Map());
    series.get(name).set(periodOf(row), (series.get(name).get(periodOf(row)) || 0) + valueOf(row));
  });
  const width = 760, height = 240, left = 56, bottom = 22, top = 10, right = 12;
  const max = Math.max(1, ...rows.map(valueOf));
  const x = i => left + (periods.length < 2 ? 0 : i * (width - left - right) / (periods.length - 1));
  const y = v => top + (height - top - bottom) * (1 - v / max);
  const chart = svg("svg", { id: id, class: "chart", width: width, height: height, viewBox: "0 0 " + width + " " + height,
    role: "img", "aria-label": "chart" });
  chart.append(svg("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), stroke: "#999" }));
  chart.append(svg("line", { x1: left, y1: top, x2: left, y2: y(0), stroke: "#999" }));
  [0, max / 2, max].forEach(v => {
    const label = svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" });
    label.textContent = Math.round(v).toLocaleString();
    chart.append(label);
  });
  [0, periods.length - 1].filter((i, k, all) => i >= 0 && all.indexOf(i) === k).forEach(i => {
    const label = svg("text", { x: x(i), y: height - 6, "text-anchor": i === 0 ? "start" : "end" });
    label.textContent = periods[i];
    chart.append(label);
  });
  const legend = el("div", { class: "legend" });
  [...series.keys()].sort().forEach((name, n) => {
    const colour = COLOURS[n % COLOURS.length];
    const points = periods.map((period, i) => x(i) + "," + y(series.get(name).get(period) || 0)).join(" ");
    const line = svg("polyline", { points: points, fill: "none", stroke: colour, "stroke-width": 2, "data-series": name });
    const title = svg("title", {});
    title.textContent = name;
    line.append(title);
    chart.append(line);
    // A dot on each point, so that a series of one period is seen too.
    periods.forEach((period, i) => chart.append(svg("circle", { cx: x(i), cy: y(series.get(name).get(period) || 0), r: 3,
      fill: colour, "data-series": name })));
    legend.append(el("span", {}, el("i", { style: "background:" + colour }), name));
  });
  return el("div", {}, chart, legend);
}

function failed(error) {
  if (error instanceof NeedToken) {
    askForToken();
    return;
  }
  main.append(el("p", { class: "error", id: "error" }, "The request failed: " + error.message));
}

function askForToken() {
  const input = el("input", { type: "password", id: "token", autocomplete: "current-password", size: 40 });
  main.replaceChildren(el("h1", {}, "Token needed"),
    el("p", {}, "This installation answers only with an API token (the embedded default writes one to var/api-token)."),
    el("form", {
      id: "token-form", onsubmit: event => {
        event.preventDefault();
        localStorage.setItem(TOKEN_KEY, input.value.trim());
        route();
      }
    }, input, el("button", { type: "submit" }, "Use this token")));
  input.focus();
}

async function searchView(parameters) {
  const prefix = parameters.get("prefix") || "";
  const input = el("input", { type: "text", id: "search-prefix", value: prefix, placeholder: "package name, e.g. numpy", size: 40 });
  main.replaceChildren(el("h1", {}, "Packages"),
    el("form", {
      id: "search-form", onsubmit: event => {
        event.preventDefault();
        location.hash = "#/?" + new URLSearchParams({ prefix: input.value.trim() });
      }
    }, input, el("button", { type: "submit" }, "Search")));
  const results = pagedTable("search-results", "/api/v1/packages", { prefix: prefix });
  main.append(el("h2", {}, prefix ? "Packages starting with “" + prefix + "”" : "All packages, most users first"), results.node);
  await results.loaded;
}

async function packageView(name) {
  const path = "/api/v1/packages/" + encodeURIComponent(name);
  main.replaceChildren(el("h1", {}, "Package ", el("code", {}, name)));
  const [versions, trend, importedTrend] = await Promise.all([
    api(path),
    api(path + "/trend", { limit: 10000 }),
    api(path + "/trend", { limit: 10000, usage: "imported" })]);
  // Filled once both user lists have come: installed by how many, imported by how many.
  const summary = el("p", { id: "usage-summary" });
  main.append(summary, el("h2", {}, "Versions"), table("versions", versions.rows),
    el("h2", {}, "Starts per day, by version"),
    trend.rows.length ? lineChart("trend-chart", trend.rows, r => r.period, r => r.version, r => r.starts)
      : el("p", { class: "empty" }, "No starts in this window."),
    el("h2", {}, "Starts that imported it, per day, by version"),
    importedTrend.rows.length ? lineChart("imported-trend-chart", importedTrend.rows, r => r.period, r => r.version, r => r.starts)
      : el("p", { class: "empty", id: "imported-trend-empty" }, "No process imported it in this window."));
  const users = pagedTable("users", path + "/users");
  const importers = pagedTable("importers", path + "/users", { usage: "imported" });
  main.append(el("h2", {}, "Who uses it (installed)"), users.node, el("h2", {}, "Who imported it"), importers.node);
  const [installed, imported] = await Promise.all([users.loaded, importers.loaded]);
  summary.textContent = "Installed by " + installed.total + " users, imported by " + imported.total + ".";
}

async function subjectView(kind, name) {
  const path = "/api/v1/" + kind + "s/" + encodeURIComponent(name);
  main.replaceChildren(el("h1", {}, kind === "user" ? "User " : "Host ", el("code", {}, name)));
  const environments = pagedTable("environments", path);
  main.append(el("h2", {}, "Environments"), environments.node);
  const answer = await environments.loaded;
  main.append(el("h2", {}, "Most-used packages"), table("packages", answer.packages));
}

async function basesView() {
  main.replaceChildren(el("h1", {}, "Base versions"));
  const answer = await api("/api/v1/bases", { limit: 1000 });
  main.append(table("bases", answer.rows),
    el("h2", {}, "Starts per day, by base"),
    answer.daily.length ? lineChart("bases-chart", answer.daily, r => r.date, r => r.base, r => r.starts)
      : el("p", { class: "empty" }, "No starts in this window."));
}

async function deprecationView(parameters) {
  const base = parameters.get("base") || "";
  const target = parameters.get("target") || "";
  const bases = await api("/api/v1/bases", { limit: 1000 });
  const baseSelect = el("select", { id: "report-base" }, bases.rows.map(row => el("option", { value: row.base }, row.base)));
  baseSelect.value = base || (bases.rows[0] ? bases.rows[0].base : "");
  const targetInput = el("input", { type: "text", id: "report-target", value: target, placeholder: "target base, e.g. 2023.06" });
  main.replaceChildren(el("h1", {}, "Deprecation report"),
    el("form", {
      id: "report-form", onsubmit: event => {
        event.preventDefault();
        location.hash = "#/deprecation?" + new URLSearchParams({ base: baseSelect.value, target: targetInput.value.trim() });
      }
    }, el("label", {}, "Base to remove ", baseSelect), el("label", {}, "Target base ", targetInput),
      el("button", { type: "submit" }, "Make the report")));
  if (!base || !target) return;
  const report = { base: base, target: target };
  const answer = await api("/api/v1/reports/deprecation", Object.assign({ limit: 10000, packages_limit: 10000 }, report));
  main.append(
    el("p", {}, answer.total + " user/host/environment/entry combinations still start Python on " + base + "; "
      + answer.packages_not_ready + " of " + answer.packages_total + " package versions have not been seen on " + target + "."),
    el("p", { class: "noprint" },
      el("button", { id: "report-csv", onclick: () => downloadCsv(report).catch(failed) }, "Download as CSV"), " ",
      el("a", { href: "/reports/deprecation?" + query(report) }, "Printable page")),
    el("h2", {}, "Who still uses it"), table("remaining", answer.rows),
    el("h2", {}, "Packages in those environments"), table("report-packages", answer.packages));
}

/** The report's rows as a CSV file: fetched with the token, then saved by the browser. */
async function downloadCsv(report) {
  const response = await request("/api/v1/reports/deprecation", Object.assign({ format: "csv", limit: 10000 }, report));
  if (!response.ok) throw new Error(response.status + " " + response.statusText);
  const url = URL.createObjectURL(await response.blob());
  const save = el("a", { href: url, download: "deprecation-" + report.base + ".csv" });
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

let routed = 0;

function route() {
  const routing = ++routed;
  main.removeAttribute("data-loaded");
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search] = hash.split("?");
  const parameters = new URLSearchParams(search || "");
  const parts = path.split("/").filter(part => part !== "").map(decodeURIComponent);
  main.replaceChildren(el("p", {}, "Loading…"));
  let view;
  if (parts[0] === "package" && parts.length === 2) view = packageView(parts[1]);
  else if ((parts[0] === "user" || parts[0] === "host") && parts.length === 2) view = subjectView(parts[0], parts[1]);
  else if (parts[0] === "bases") view = basesView();
  else if (parts[0] === "deprecation") view = deprecationView(parameters);
  else view = searchView(parameters);
  // The attribute tells a reader (and the browser tests) that the view has all its answers.
  view.then(() => routing === routed && main.setAttribute("data-loaded", hash)).catch(failed);
}

windowSelect.value = sessionStorage.getItem(WINDOW_KEY) || windowSelect.value;
windowSelect.addEventListener("change", () => {
  sessionStorage.setItem(WINDOW_KEY, windowSelect.value);
  route();
});
window.addEventListener("hashchange", route);
route();
