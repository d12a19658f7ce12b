// The reader's annotations: what the server has, plus what the outbox still has to send.
// Every change shows at once and is queued in the outbox (IndexedDB), which sends it in order when the
// tablet is online; a creation carries a client_id, so the server never stores it twice.
import { enqueue, flush, ID_PLACEHOLDER, outboxEvents, pending } from "../outbox.js";
import { api, API_ROOT, newClientId } from "../api.js";
import { toViewportBox } from "./geometry.js";

const SVG = "http://www.w3.org/2000/svg";
const INK_WIDTH = 2;  // points
const EDITABLE = ["text", "color", "shared", "rect", "quads", "paths"];

export class AnnotationStore extends EventTarget {
  constructor({ documentId, versionNumber, me }) {
    super();
    this.documentId = documentId;
    this.versionNumber = versionNumber;
    this.me = me;
    this.items = new Map();  // client_id → annotation (the API's shape, plus `pending`)
    this.collectionPath = `/documents/${documentId}/annotations`;
    this.collectionUrl = `${API_ROOT}${this.collectionPath}`;  // as the outbox sends it
    this.offline = false;
    outboxEvents.addEventListener("sent", (event) => this.#onSent(event.detail));
    outboxEvents.addEventListener("rejected", (event) => this.#onRejected(event.detail));
  }

  /** Load the server's list, then lay the changes still in the outbox over it. */
  async load() {
    let items = [];
    try {
      items = (await api("GET", this.collectionPath)).items;
      this.offline = false;
    } catch (error) {
      if (error.status && error.status !== 503) throw error;
      this.offline = true;  // no network and nothing cached: what this tablet holds is all there is
    }
    await this.#show(items);
  }

  /** Load again (annotations changed elsewhere); if the list cannot be had, what is shown stays. */
  async refresh() {
    const { items } = await api("GET", this.collectionPath);
    this.offline = false;
    await this.#show(items);
  }

  async #show(items) {
    this.items = new Map(items.map((item) => [item.client_id, { ...item, pending: false, outstanding: 0 }]));
    let ops = [];
    try {
      ops = await pending();
    } catch (error) {
      console.warn("outbox unavailable:", error);
    }
    for (const op of ops) this.#replay(op);
    this.#changed();
    flush();
  }

  #replay(op) {
    if (op.method === "POST" && op.url === this.collectionUrl && !this.items.has(op.client_id)) {
      this.items.set(op.client_id, { ...this.#local(op.body), pending: true, outstanding: 1 });
      return;
    }
    const item = this.items.get(op.client_id);
    if (!item) return;  // another document's annotation
    if (op.method === "PATCH") Object.assign(item, op.body);
    if (op.method === "DELETE") this.items.delete(op.client_id);
    item.outstanding = (item.outstanding ?? 0) + 1;
    item.pending = true;
  }

  #local(body) {
    const now = new Date().toISOString();
    return {
      id: null, document_id: this.documentId, version_number: this.versionNumber,
      rect: null, quads: [], paths: [], text: "", color: "#ffd400", shared: false,
      ...body, mine: true, author: this.me, created_at: now, updated_at: now,
    };
  }

  #changed(detail = {}) {
    this.dispatchEvent(new CustomEvent("change", { detail }));
  }

  list() {
    return [...this.items.values()].sort((a, b) =>
      (b.version_number === this.versionNumber) - (a.version_number === this.versionNumber)
      || a.page - b.page || String(a.created_at).localeCompare(String(b.created_at)));
  }

  forPage(page) {
    return this.list().filter((a) => a.page === page && a.version_number === this.versionNumber);
  }

  get(clientId) {
    return this.items.get(clientId);
  }

  /** A new annotation of mine: shown at once, sent through the outbox. */
  async create(fields) {
    const body = {
      client_id: newClientId(), page: fields.page, kind: fields.kind, rect: fields.rect,
      quads: fields.quads ?? [], paths: fields.paths ?? [], text: fields.text ?? "",
      color: fields.color, shared: Boolean(fields.shared), version_number: this.versionNumber,
    };
    const item = { ...this.#local(body), pending: true, outstanding: 1 };
    this.items.set(body.client_id, item);
    this.#changed({ created: item });
    await enqueue({ client_id: body.client_id, method: "POST", url: this.collectionUrl, body });
    return item;
  }

  async update(clientId, changes) {
    const item = this.items.get(clientId);
    if (!item || !item.mine) return;
    const body = Object.fromEntries(Object.entries(changes).filter(([key]) => EDITABLE.includes(key)));
    Object.assign(item, body, { pending: true, outstanding: item.outstanding + 1, updated_at: new Date().toISOString() });
    this.#changed({ updated: item });
    await enqueue({ client_id: clientId, method: "PATCH", url: this.#itemUrl(item), body });
  }

  async remove(clientId) {
    const item = this.items.get(clientId);
    if (!item || !item.mine) return;
    this.items.delete(clientId);
    this.#changed({ removed: item });
    await enqueue({ client_id: clientId, method: "DELETE", url: this.#itemUrl(item), body: null });
  }

  #itemUrl(item) {
    return `${API_ROOT}/annotations/${item.id ?? ID_PLACEHOLDER}`;
  }

  #onSent({ op, data }) {
    const item = this.items.get(op.client_id);
    if (!item || op.method === "DELETE") return;
    item.outstanding = Math.max(0, item.outstanding - 1);
    if (data?.id != null) item.id = data.id;
    // The server's copy wins once nothing newer of ours waits in the outbox.
    if (item.outstanding === 0) {
      if (data) Object.assign(item, data);
      item.pending = false;
    }
    this.#changed({ saved: item });
  }

  #onRejected({ op, error }) {
    if (op.method === "POST") this.items.delete(op.client_id);
    this.#changed({ rejected: op, error });
  }
}

// --- drawing -----------------------------------------------------------------------------------------

function svg(name, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  parent?.append(element);
  return element;
}

function rectElement(viewport, rect, attributes, parent) {
  const box = toViewportBox(viewport, rect);
  return svg("rect", { x: box.left, y: box.top, width: box.width, height: box.height, ...attributes }, parent);
}

/** Draw a page's annotations, the highlight being made, and search hits on its SVG overlay. */
export function drawOverlay(overlay, viewport, { annotations = [], selected = null, preview = [], hits = [] }) {
  overlay.replaceChildren();
  const scale = viewport.scale * (viewport.userUnit || 1);
  for (const hit of hits) {
    for (const quad of hit.quads) {
      rectElement(viewport, quad, { class: `search-hit${hit.current ? " search-hit--current" : ""}`, rx: 2 }, overlay);
    }
  }
  for (const annotation of annotations) {
    const group = svg("g", {
      class: ["annot", `annot--${annotation.kind}`, annotation.pending ? "annot--pending" : "",
        annotation.mine ? "" : "annot--shared-other",
        annotation.client_id === selected ? "annot--selected" : ""].filter(Boolean).join(" "),
      "data-client-id": annotation.client_id,
      "data-kind": annotation.kind,
    }, overlay);
    if (annotation.kind === "highlight") {
      for (const quad of annotation.quads?.length ? annotation.quads : [annotation.rect]) {
        rectElement(viewport, quad, { class: "annot-highlight", fill: annotation.color, rx: 1.5 }, group);
      }
    } else if (annotation.kind === "ink") {
      for (const path of annotation.paths ?? []) {
        if (!path.length) continue;
        const points = path.map(([x, y]) => viewport.convertToViewportPoint(x, y));
        const d = points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join("");
        svg("path", { class: "annot-ink", d: points.length === 1 ? `${d}l0.1 0` : d, stroke: annotation.color,
          "stroke-width": Math.max(1.5, INK_WIDTH * scale) }, group);
      }
    } else if (annotation.kind === "note") {
      drawNoteMarker(group, viewport, annotation);
    }
  }
  for (const quad of preview) rectElement(viewport, quad, { class: "annot-highlight annot-highlight--preview", rx: 1.5 }, overlay);
}

// A note is a speech bubble of a fixed size on screen (like a PDF /Text icon), centred on its rect.
function drawNoteMarker(group, viewport, annotation) {
  const box = toViewportBox(viewport, annotation.rect);
  const cx = box.left + box.width / 2;
  const cy = box.top + box.height / 2;
  const marker = svg("g", { class: "annot-note", transform: `translate(${(cx - 15).toFixed(1)} ${(cy - 15).toFixed(1)})`,
    "data-note": annotation.client_id, "data-test": "note-marker" }, group);
  svg("title", {}, marker).textContent = annotation.text || "";
  svg("rect", { x: -7, y: -7, width: 44, height: 44, fill: "transparent" }, marker);  // a 44 px target
  svg("path", { class: "annot-note__body", fill: annotation.color,
    d: "M3 2h24a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H13l-6 6v-6H3a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z" }, marker);
  svg("path", { class: "annot-note__line", d: "M7 9h16M7 15h10" }, marker);
}

export const INK_LINE_WIDTH = INK_WIDTH;
