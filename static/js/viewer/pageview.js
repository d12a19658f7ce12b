// One page on screen: the canvas PDF.js paints, the text layer (selectable, searchable text in the
// right place) and the SVG overlay the annotations are drawn on. A new zoom or page is painted off
// screen and swapped in when ready, so the reader never sees a blank page between two renders.
import { TextLayer } from "../../vendor/pdfjs/pdf.mjs";

const SVG = "http://www.w3.org/2000/svg";
const MAX_CANVAS_PIXELS = 16_777_216;  // 4096² — what mobile Safari accepts for one canvas

export class PageView {
  constructor(element) {
    this.element = element;
    this.canvas = null;
    this.textLayer = null;
    this.textDivs = [];
    this.overlay = document.createElementNS(SVG, "svg");
    this.overlay.classList.add("annot-layer");
    this.overlay.setAttribute("aria-hidden", "true");
    this.element.append(this.overlay);
    this.viewport = null;
    this.page = null;
    this.renderTask = null;
    this.textTask = null;
    this.generation = 0;
  }

  /** Paint `page` at `scale` (CSS pixels per point). Resolves with the viewport, or null if overtaken. */
  async show(page, scale) {
    const generation = ++this.generation;
    this.cancel();
    const viewport = page.getViewport({ scale });
    const samePage = this.page === page;
    if (!samePage) {
      // Another page: show its size and a spinner at once; the old picture would mislead.
      this.canvas?.remove();
      this.textLayer?.remove();
      this.canvas = null;
      this.textLayer = null;
      this.overlay.replaceChildren();
    }
    this.element.classList.add("is-loading");
    this.page = page;
    this.sizeTo(viewport);

    const canvas = document.createElement("canvas");
    canvas.className = "pdf-page__canvas";
    const pixelRatio = window.devicePixelRatio || 1;
    let ratio = pixelRatio;
    const area = viewport.width * viewport.height * ratio * ratio;
    if (area > MAX_CANVAS_PIXELS) ratio = Math.sqrt(MAX_CANVAS_PIXELS / (viewport.width * viewport.height));
    canvas.width = Math.max(1, Math.floor(viewport.width * ratio));
    canvas.height = Math.max(1, Math.floor(viewport.height * ratio));
    this.renderTask = page.render({
      canvas,
      canvasContext: canvas.getContext("2d", { alpha: false }),
      viewport,
      transform: ratio !== 1 ? [canvas.width / viewport.width, 0, 0, canvas.height / viewport.height, 0, 0] : null,
      annotationMode: 0,  // AnnotationMode.DISABLE: the page's own form widgets and links are not ours to show
    });
    try {
      await this.renderTask.promise;
    } catch (error) {
      if (error?.name === "RenderingCancelledException") return null;
      throw error;
    } finally {
      this.renderTask = null;
    }
    if (generation !== this.generation) return null;

    const textDiv = document.createElement("div");
    textDiv.className = "textLayer";
    this.textTask = new TextLayer({ textContentSource: page.streamTextContent(), container: textDiv, viewport });
    let textDivs = [];
    try {
      await this.textTask.render();
      textDivs = this.textTask.textDivs;
    } catch (error) {
      if (error?.name !== "AbortException") console.warn("text layer:", error);
    } finally {
      this.textTask = null;
    }
    if (generation !== this.generation) return null;

    this.canvas?.remove();
    this.textLayer?.remove();
    this.element.prepend(canvas, textDiv);
    this.canvas = canvas;
    this.textLayer = textDiv;
    this.textDivs = textDivs;  // one span per text item, in the order of page.getTextContent()
    this.viewport = viewport;
    this.element.classList.remove("is-loading");
    this.element.dataset.pageNumber = String(page.pageNumber);
    this.element.dataset.rotation = String(viewport.rotation);
    return viewport;
  }

  sizeTo(viewport) {
    const { style } = this.element;
    style.width = `${viewport.width}px`;
    style.height = `${viewport.height}px`;
    style.setProperty("--scale-factor", String(viewport.scale));
    style.setProperty("--user-unit", String(viewport.userUnit || 1));
    style.setProperty("--total-scale-factor", String(viewport.scale * (viewport.userUnit || 1)));
    this.overlay.setAttribute("viewBox", `0 0 ${viewport.width} ${viewport.height}`);
  }

  /** During a pinch the page is stretched by CSS; the next render replaces the stretch. */
  stretch(factor, originX, originY) {
    const { style } = this.element;
    style.transformOrigin = `${originX}px ${originY}px`;
    style.transform = factor === 1 ? "" : `scale(${factor})`;
  }

  cancel() {
    this.renderTask?.cancel();
    this.textTask?.cancel();
  }
}

/** Paint a small picture of `page` for the thumbnails panel. */
export async function renderThumbnail(page, canvas, width) {
  const base = page.getViewport({ scale: 1 });
  const viewport = page.getViewport({ scale: width / base.width });
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  await page.render({
    canvas,
    canvasContext: canvas.getContext("2d", { alpha: false }),
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
    annotationMode: 0,
  }).promise;
}
