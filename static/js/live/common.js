// Small helpers shared by the live pages: labels from data attributes, DOM building, the speaker's
// countdown. (The JSON API is ../api.js.)

/** Labels in the reader's language: data-i18n-foo-bar="…" on `root` → t("fooBar", {n: 1}). */
export function labels(root) {
  return (key, values = {}) => {
    const name = `i18n${key.charAt(0).toUpperCase()}${key.slice(1)}`;
    let text = root.dataset[name] ?? key;
    for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
}

export function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

/** el("li", {class: "x", dataset: {test: "y"}, text: "…"}, child, …) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Agenda nodes in reading order, each with its depth. */
export function flatAgenda(nodes, depth = 0, out = []) {
  for (const node of nodes || []) {
    out.push({ ...node, depth });
    flatAgenda(node.children, depth + 1, out);
  }
  return out;
}

// How far the tablet's clock is from the server's (the page carries the server's time when it was made;
// the page's own load time bounds the error by the time the answer took).
let clockOffset = 0;
export function syncClock(serverNow) {
  const server = Date.parse(serverNow || "");
  if (!Number.isNaN(server)) clockOffset = server - (performance.timeOrigin || Date.now());
}

/** Seconds left of the current speaker's time (negative once over). */
export function secondsLeft(current, now = Date.now() + clockOffset) {
  if (!current?.granted_at || !current.seconds) return null;
  let stamp = current.granted_at;
  if (!/[zZ]|[+-]\d\d:?\d\d$/.test(stamp)) stamp += "Z";
  const end = Date.parse(stamp) + current.seconds * 1000;
  return Math.round((end - now) / 1000);
}

export function clock(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(seconds);
  return `${sign}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Fill a countdown element; data-state="warn" in the last 30 seconds, "over" after. */
export function showCountdown(element, current) {
  if (!element) return;
  const left = secondsLeft(current);
  if (left === null) {
    element.hidden = true;
    return;
  }
  element.hidden = false;
  element.textContent = clock(left);
  element.dataset.state = left < 0 ? "over" : left <= 30 ? "warn" : "ok";
}

export function percent(value) {
  return `${Number(value || 0).toLocaleString(document.documentElement.lang || "vi", { maximumFractionDigits: 1 })}%`;
}
