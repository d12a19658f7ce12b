// Fingers on the stage. The stage has `touch-action: none`, so the browser leaves every touch to us:
//   one finger   — with a tool: the tool draws; reading: pans a zoomed page, swipes to turn pages,
//                  a tap on the left or right edge turns pages, a tap on a note opens it
//   two fingers  — pinch to zoom (the page is stretched live, then painted sharp at the new zoom)
// A mouse keeps its usual ways (select text, wheel to scroll); a pen draws with the ink tool.

const TAP_SLOP = 10;
const TAP_MS = 350;
const SWIPE_MIN = 60;
const SWIPE_MS = 700;
const EDGE = 0.15;

export class Gestures {
  /** host: {stage, tools, pageView, prev(), next(), zoomBy(factor, clientX, clientY), tapNote(clientId)} */
  constructor(host) {
    this.host = host;
    this.pointers = new Map();  // pointerId → {x, y, startX, startY, t}
    this.mode = null;  // "tool" | "pan" | "pinch" | "mouse"
    this.pinch = null;
    const { stage } = host;
    stage.addEventListener("pointerdown", (e) => this.#down(e));
    stage.addEventListener("pointermove", (e) => this.#move(e));
    stage.addEventListener("pointerup", (e) => this.#up(e));
    stage.addEventListener("pointercancel", (e) => this.#cancel(e));
    stage.addEventListener("lostpointercapture", (e) => this.#cancel(e));
    // Safari's own pinch events would zoom the whole page.
    stage.addEventListener("gesturestart", (e) => e.preventDefault());
  }

  #down(event) {
    const { stage, tools } = this.host;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY, startX: event.clientX,
      startY: event.clientY, t: performance.now(), scrollLeft: stage.scrollLeft, scrollTop: stage.scrollTop,
      target: event.target });
    if (this.pointers.size === 2 && event.pointerType === "touch") {
      if (this.mode === "tool") tools.cancel();
      this.#startPinch();
      return;
    }
    if (this.pointers.size > 1) return;
    if (tools.claims(event)) {
      this.mode = "tool";
      event.preventDefault();
      stage.setPointerCapture(event.pointerId);
      tools.down(event);
    } else if (event.pointerType === "mouse") {
      this.mode = "mouse";
    } else {
      this.mode = "pan";
      stage.setPointerCapture(event.pointerId);
    }
  }

  #move(event) {
    const pointer = this.pointers.get(event.pointerId);
    if (!pointer) return;
    pointer.x = event.clientX;
    pointer.y = event.clientY;
    if (this.mode === "tool") {
      this.host.tools.move(event);
    } else if (this.mode === "pan") {
      const { stage } = this.host;
      stage.scrollLeft = pointer.scrollLeft - (pointer.x - pointer.startX);
      stage.scrollTop = pointer.scrollTop - (pointer.y - pointer.startY);
    } else if (this.mode === "pinch") {
      this.#movePinch();
    }
  }

  #up(event) {
    const pointer = this.pointers.get(event.pointerId);
    if (!pointer) return;
    this.pointers.delete(event.pointerId);
    const mode = this.mode;
    if (mode === "pinch") {
      if (this.pointers.size < 2) this.#endPinch();
      return;
    }
    if (this.pointers.size) return;
    this.mode = null;
    if (mode === "tool") {
      this.host.tools.up(event);
    } else if (mode === "pan") {
      this.#tapOrSwipe(pointer, event);
    } else if (mode === "mouse") {
      const note = pointer.target.closest?.("[data-note]");
      const still = Math.hypot(event.clientX - pointer.startX, event.clientY - pointer.startY) <= TAP_SLOP;
      if (note && still) this.host.tapNote(note.dataset.note);
    }
  }

  #cancel(event) {
    if (!this.pointers.has(event.pointerId)) return;
    this.pointers.delete(event.pointerId);
    if (this.mode === "tool") this.host.tools.cancel();
    if (this.mode === "pinch" && this.pointers.size < 2) this.#endPinch();
    if (!this.pointers.size) this.mode = null;
  }

  #tapOrSwipe(pointer, event) {
    const { stage } = this.host;
    const dx = event.clientX - pointer.startX;
    const dy = event.clientY - pointer.startY;
    const elapsed = performance.now() - pointer.t;
    if (Math.hypot(dx, dy) <= TAP_SLOP && elapsed <= TAP_MS) {
      const note = pointer.target.closest?.("[data-note]");
      if (note) {
        this.host.tapNote(note.dataset.note);
        return;
      }
      const box = stage.getBoundingClientRect();
      const at = (event.clientX - box.left) / box.width;
      if (at < EDGE) this.host.prev();
      else if (at > 1 - EDGE) this.host.next();
      return;
    }
    // A swipe turns the page when the page does not scroll that way any more.
    if (Math.abs(dx) >= SWIPE_MIN && Math.abs(dx) > 1.5 * Math.abs(dy) && elapsed <= SWIPE_MS) {
      const atLeftEdge = pointer.scrollLeft <= 1;
      const atRightEdge = pointer.scrollLeft >= stage.scrollWidth - stage.clientWidth - 1;
      if (dx < 0 && atRightEdge) this.host.next();
      if (dx > 0 && atLeftEdge) this.host.prev();
    }
  }

  #points() {
    return [...this.pointers.values()].slice(0, 2);
  }

  #startPinch() {
    const [a, b] = this.#points();
    this.mode = "pinch";
    const origin = this.host.pageView.element.getBoundingClientRect();
    const cx = (a.x + b.x) / 2;
    const cy = (a.y + b.y) / 2;
    this.pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, factor: 1, cx, cy,
      originX: cx - origin.left, originY: cy - origin.top };
  }

  #movePinch() {
    const [a, b] = this.#points();
    if (!a || !b || !this.pinch) return;
    const factor = Math.hypot(a.x - b.x, a.y - b.y) / this.pinch.distance;
    this.pinch.factor = this.host.clampFactor(factor);
    this.host.pageView.stretch(this.pinch.factor, this.pinch.originX, this.pinch.originY);
  }

  #endPinch() {
    const pinch = this.pinch;
    this.pinch = null;
    this.mode = this.pointers.size ? "pinch-done" : null;  // the last finger up ends it, without panning
    if (!pinch) return;
    this.host.pageView.stretch(1, 0, 0);
    if (Math.abs(pinch.factor - 1) > 0.02) this.host.zoomBy(pinch.factor, pinch.cx, pinch.cy);
  }
}
