// The annotation tools on the page: highlight (drag across text, or highlight the current selection),
// note (tap a point) and ink (draw with a finger or a pen). Each turns screen positions into PDF user
// space through the page's viewport (geometry.js) and hands a finished annotation to the store.
import { boundingRect, inkToPdf, noteRect, selectionQuads, simplify } from "./geometry.js";
import { INK_LINE_WIDTH } from "./annotations.js";

const TAP_SLOP = 10;
const INK_IDLE_MS = 1200;  // strokes drawn within this pause make one drawing

/** Text spans of a PDF.js text layer, with their client rects (measured once per gesture). */
function textSpans(textLayer) {
  return [...textLayer.querySelectorAll("span")]
    .filter((span) => !span.classList.contains("markedContent") && span.firstChild?.nodeType === Node.TEXT_NODE
      && span.textContent.length)
    .map((span, index) => ({ span, index, rect: span.getBoundingClientRect(), chars: null }));
}

function distanceToRect(x, y, r) {
  const dx = Math.max(r.left - x, 0, x - r.right);
  const dy = Math.max(r.top - y, 0, y - r.bottom);
  return Math.hypot(dx, dy);
}

function charRects(entry) {
  if (!entry.chars) {
    const node = entry.span.firstChild;
    const range = document.createRange();
    entry.chars = [];
    for (let i = 0; i < node.length; i += 1) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      entry.chars.push(range.getBoundingClientRect());
    }
  }
  return entry.chars;
}

/** The character nearest to a client point: {entry, offset}. Works on rotated pages too. */
function charAt(spans, x, y) {
  let best = null;
  let bestDistance = Infinity;
  for (const entry of spans) {
    const distance = distanceToRect(x, y, entry.rect);
    if (distance < bestDistance) {
      best = entry;
      bestDistance = distance;
    }
  }
  if (!best || bestDistance > 40) return null;
  const chars = charRects(best);
  let offset = 0;
  let nearest = Infinity;
  chars.forEach((r, i) => {
    const d = Math.hypot(x - (r.left + r.right) / 2, y - (r.top + r.bottom) / 2);
    if (d < nearest) {
      nearest = d;
      offset = i;
    }
  });
  return { entry: best, offset };
}

function rangeBetween(a, b) {
  let [first, last] = [a, b];
  if (b.entry.index < a.entry.index || (b.entry.index === a.entry.index && b.offset < a.offset)) [first, last] = [b, a];
  const range = document.createRange();
  range.setStart(first.entry.span.firstChild, first.offset);
  range.setEnd(last.entry.span.firstChild, last.offset + 1);
  return range;
}

/** A tap with the highlighter marks the word under the finger. */
function wordAt({ entry, offset }) {
  const node = entry.span.firstChild;
  const text = node.data;
  if (/\s/.test(text[offset] ?? " ")) return null;
  let start = offset;
  let end = offset + 1;
  while (start > 0 && !/\s/.test(text[start - 1])) start -= 1;
  while (end < text.length && !/\s/.test(text[end])) end += 1;
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, end);
  return range;
}

export class Tools {
  /**
   * viewer: {pageView, store, page(), color(), shared(), redraw(preview), drawInkPreview(strokes, color),
   *          openNote({page, rect})}
   */
  constructor(viewer) {
    this.viewer = viewer;
    this.tool = "read";
    this.gesture = null;
    this.ink = null;  // {page, strokes: [[x, y]…], timer}
    this.penSeen = false;
  }

  setTool(tool) {
    if (tool !== "ink") this.commitInk();
    this.tool = tool;
    this.gesture = null;
  }

  /** A touch that should draw with this tool (with a pen around, fingers pan and the pen draws). */
  claims(event) {
    if (this.tool === "read") return false;
    if (event.target.closest?.("[data-note]")) return false;  // a tap on a note opens it, whatever the tool
    if (event.pointerType === "pen") this.penSeen = true;
    if (this.tool === "ink" && this.penSeen && event.pointerType === "touch") return false;
    return Boolean(this.viewer.pageView.viewport) && this.viewer.pageView.element.contains(event.target);
  }

  #local(event) {
    const origin = this.viewer.pageView.element.getBoundingClientRect();
    return [event.clientX - origin.left, event.clientY - origin.top];
  }

  down(event) {
    const { pageView } = this.viewer;
    if (this.tool === "highlight") {
      const spans = pageView.textLayer ? textSpans(pageView.textLayer) : [];
      const start = charAt(spans, event.clientX, event.clientY);
      this.gesture = { kind: "highlight", spans, start, range: null, x: event.clientX, y: event.clientY };
      if (start) this.#previewHighlight(start);
    } else if (this.tool === "note") {
      this.gesture = { kind: "note", x: event.clientX, y: event.clientY };
    } else if (this.tool === "ink") {
      if (this.ink && this.ink.page !== this.viewer.page()) this.commitInk();
      clearTimeout(this.ink?.timer);
      this.ink ??= { page: this.viewer.page(), strokes: [], timer: null };
      this.ink.strokes.push([this.#local(event)]);
      this.gesture = { kind: "ink" };
      this.#drawInk();
    }
  }

  move(event) {
    const gesture = this.gesture;
    if (!gesture) return;
    if (gesture.kind === "highlight" && gesture.start) {
      const end = charAt(gesture.spans, event.clientX, event.clientY);
      if (end) this.#previewHighlight(end);
    } else if (gesture.kind === "ink") {
      const stroke = this.ink.strokes[this.ink.strokes.length - 1];
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      for (const e of events.length ? events : [event]) stroke.push(this.#local(e));
      this.#drawInk();
    }
  }

  up(event) {
    const gesture = this.gesture;
    this.gesture = null;
    if (!gesture) return;
    if (gesture.kind === "highlight") {
      const tap = Math.hypot(event.clientX - gesture.x, event.clientY - gesture.y) <= TAP_SLOP;
      const range = tap && gesture.start ? wordAt(gesture.start) : gesture.range;
      if (range) this.#createHighlight(range);
      this.viewer.redraw([]);
    } else if (gesture.kind === "note") {
      if (Math.hypot(event.clientX - gesture.x, event.clientY - gesture.y) > TAP_SLOP) return;
      const [x, y] = this.#local(event);
      this.viewer.openNote({ page: this.viewer.page(), rect: noteRect(this.viewer.pageView.viewport, x, y) });
    } else if (gesture.kind === "ink") {
      const stroke = this.ink.strokes[this.ink.strokes.length - 1];
      this.ink.strokes[this.ink.strokes.length - 1] = simplify(stroke);
      this.ink.timer = setTimeout(() => this.commitInk(), INK_IDLE_MS);
    }
  }

  cancel() {
    if (this.gesture?.kind === "ink" && this.ink) {
      this.ink.strokes.pop();
      if (!this.ink.strokes.length) this.#dropInk();
      else this.#drawInk();
    }
    if (this.gesture?.kind === "highlight") this.viewer.redraw([]);
    this.gesture = null;
  }

  #previewHighlight(end) {
    const gesture = this.gesture;
    gesture.range = rangeBetween(gesture.start, end);
    this.viewer.redraw(this.#quads(gesture.range));
  }

  #quads(range) {
    const { pageView } = this.viewer;
    return selectionQuads(range.getClientRects(), pageView.element.getBoundingClientRect(), pageView.viewport);
  }

  #createHighlight(range) {
    const quads = this.#quads(range);
    if (!quads.length) return null;
    const text = range.toString().replace(/\s+/g, " ").trim();
    return this.viewer.store.create({
      page: this.viewer.page(), kind: "highlight", quads, rect: boundingRect(quads), text,
      color: this.viewer.color(), shared: this.viewer.shared(),
    });
  }

  /** Highlight what is selected in the text layer (a long press, or a mouse), if anything. */
  highlightSelection() {
    const selection = window.getSelection();
    const { pageView } = this.viewer;
    if (!selection || selection.isCollapsed || !selection.rangeCount || !pageView.textLayer) return false;
    const range = selection.getRangeAt(0);
    if (!pageView.textLayer.contains(range.commonAncestorContainer)) return false;
    const created = this.#createHighlight(range);
    selection.removeAllRanges();
    return Boolean(created);
  }

  #drawInk() {
    this.viewer.drawInkPreview(this.ink?.strokes ?? [], this.viewer.color());
  }

  #dropInk() {
    clearTimeout(this.ink?.timer);
    this.ink = null;
    this.viewer.drawInkPreview([], null);
  }

  /** Save the drawing in progress (after a pause, or when the tool or the page changes). */
  commitInk() {
    const ink = this.ink;
    if (!ink) return;
    const strokes = ink.strokes.filter((stroke) => stroke.length);
    const viewport = this.viewer.pageView.viewport;
    this.#dropInk();
    if (!strokes.length || !viewport) return;
    const { paths, rect } = inkToPdf(viewport, strokes, INK_LINE_WIDTH);
    this.viewer.store.create({ page: ink.page, kind: "ink", paths, rect, color: this.viewer.color(), shared: this.viewer.shared() });
  }
}
