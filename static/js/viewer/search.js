// Search in the document's text (PDF.js text content), without regard to case or Vietnamese
// diacritics: "nghi quyet" finds "Nghị quyết". A hit is kept in PDF user space: first estimated from
// the text item's geometry, then — once its page is on screen — measured on the text layer's glyphs,
// so it lands right on rotated pages and at any zoom.
import { selectionQuads } from "./geometry.js";

// One original character → its searchable form ("Ệ" → "e", "đ" → "d"); empty for combining marks.
function fold(char) {
  return char.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
}

export function foldText(text) {
  return [...text].map(fold).join("").replace(/\s+/g, " ").trim();
}

/** A page's text, folded, with a map from each folded character back to (item, offset). */
function indexPage(textContent) {
  let folded = "";
  const map = [];
  const items = textContent.items.filter((item) => typeof item.str === "string");
  items.forEach((item, itemIndex) => {
    const chars = [...item.str];
    let offset = 0;
    for (const char of chars) {
      let f = fold(char);
      if (/\s/.test(f)) f = " ";
      for (const c of f) {
        if (c === " " && folded.endsWith(" ")) continue;
        folded += c;
        map.push([itemIndex, offset]);
      }
      offset += char.length;
    }
    if ((item.hasEOL || !item.str.endsWith(" ")) && !folded.endsWith(" ")) {
      folded += " ";
      map.push([itemIndex, item.str.length]);
    }
  });
  return { folded, map, items };
}

/** The PDF-space box of characters [start, end) of one text item (widths shared out evenly). */
function itemQuad(item, start, end) {
  const [a, b, c, d, e, f] = item.transform;
  const length = Math.max(item.str.length, 1);
  const run = Math.hypot(a, b) || 1;
  const dir = [a / run, b / run];
  const up = Math.hypot(c, d) ? [c / Math.hypot(c, d), d / Math.hypot(c, d)] : [-dir[1], dir[0]];
  const height = item.height || Math.hypot(c, d) || 10;
  const s0 = (item.width * start) / length;
  const s1 = (item.width * end) / length;
  const corners = [[s0, -0.25 * height], [s1, -0.25 * height], [s0, 0.9 * height], [s1, 0.9 * height]]
    .map(([along, across]) => [e + dir[0] * along + up[0] * across, f + dir[1] * along + up[1] * across]);
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export class Search {
  constructor(pdf) {
    this.pdf = pdf;
    this.pages = new Map();  // page number → indexed text
    this.hits = [];
    this.current = -1;
    this.query = "";
  }

  async #page(number) {
    if (!this.pages.has(number)) {
      const page = await this.pdf.getPage(number);
      this.pages.set(number, indexPage(await page.getTextContent()));
    }
    return this.pages.get(number);
  }

  /** Every hit of `query` in the document: [{page, quads, excerpt: [before, match, after]}]. */
  async find(query, isCurrent = () => true) {
    this.query = foldText(query);
    this.hits = [];
    this.current = -1;
    if (this.query.length < 2) return this.hits;
    for (let number = 1; number <= this.pdf.numPages; number += 1) {
      const { folded, map, items } = await this.#page(number);
      if (!isCurrent()) return null;
      let at = folded.indexOf(this.query);
      while (at !== -1) {
        const segments = this.#segments(map, items, at, at + this.query.length);
        this.hits.push({ page: number, segments, exact: false,
          quads: segments.map(({ item, start, end }) => itemQuad(items[item], start, end)),
          excerpt: this.#excerpt(map, items, at, at + this.query.length) });
        at = folded.indexOf(this.query, at + this.query.length);
      }
    }
    return this.hits;
  }

  // The hit as runs of characters of single text items: [{item, start, end}].
  #segments(map, items, from, to) {
    const segments = [];
    for (let i = from; i < to; i += 1) {
      const [item, offset] = map[i];
      const last = segments[segments.length - 1];
      const end = Math.min(offset + 1, items[item].str.length);
      if (last && last.item === item) last.end = Math.max(last.end, end);
      else if (offset < items[item].str.length) segments.push({ item, start: offset, end });
    }
    return segments.filter((segment) => segment.end > segment.start);
  }

  /** Measure the hits of the page on screen on its text layer (spans parallel to the text items). */
  refine(page, textDivs, pageElement, viewport) {
    if (!textDivs?.length) return;
    const origin = pageElement.getBoundingClientRect();
    const range = document.createRange();
    for (const hit of this.hits) {
      if (hit.page !== page || hit.exact) continue;
      const quads = [];
      for (const { item, start, end } of hit.segments) {
        const node = textDivs[item]?.firstChild;
        if (!node || node.nodeType !== Node.TEXT_NODE || end > node.length) continue;
        range.setStart(node, start);
        range.setEnd(node, end);
        quads.push(...selectionQuads(range.getClientRects(), origin, viewport));
      }
      if (quads.length) hit.quads = quads;
      hit.exact = true;
    }
  }

  #excerpt(map, items, from, to) {
    const [firstItem, firstOffset] = map[from];
    const [lastItem, lastOffset] = map[to - 1];
    if (firstItem === lastItem) {
      const text = items[firstItem].str;
      return [text.slice(Math.max(0, firstOffset - 40), firstOffset), text.slice(firstOffset, lastOffset + 1),
        text.slice(lastOffset + 1, lastOffset + 41)];
    }
    const head = items[firstItem].str;
    const tail = items[lastItem].str;
    return [head.slice(Math.max(0, firstOffset - 40), firstOffset),
      `${head.slice(firstOffset)} ${tail.slice(0, lastOffset + 1)}`, tail.slice(lastOffset + 1, lastOffset + 41)];
  }

  hitsOn(page) {
    return this.hits.map((hit, i) => ({ ...hit, current: i === this.current })).filter((hit) => hit.page === page);
  }
}
