// Coordinates. The server and the PDF speak PDF user space (points, origin bottom-left of the
// unrotated page, what /Rect and /QuadPoints use); the screen speaks viewport pixels (origin top-left of
// the page as shown, after /Rotate and zoom). PDF.js's PageViewport converts both ways, so annotations
// land right at any zoom, on rotated pages and on pages of any size.
//
// A rect is [x1, y1, x2, y2]; a "box" is {left, top, width, height} in viewport pixels.

const round = (value) => Math.round(value * 100) / 100;

export function normalizeRect([x1, y1, x2, y2]) {
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

export function roundRect(rect) {
  return rect.map(round);
}

export function boundingRect(rects) {
  if (!rects.length) return null;
  return rects.reduce((acc, [x1, y1, x2, y2]) => [
    Math.min(acc[0], x1), Math.min(acc[1], y1), Math.max(acc[2], x2), Math.max(acc[3], y2),
  ], [Infinity, Infinity, -Infinity, -Infinity]);
}

/** A point in viewport pixels → [x, y] in PDF user space. */
export function toPdfPoint(viewport, x, y) {
  const [px, py] = viewport.convertToPdfPoint(x, y);
  return [round(px), round(py)];
}

/** A rect in PDF user space → [x1, y1, x2, y2] in viewport pixels (pages turn by multiples of 90°). */
export function toViewportRect(viewport, [x1, y1, x2, y2]) {
  const [ax, ay] = viewport.convertToViewportPoint(x1, y1);
  const [bx, by] = viewport.convertToViewportPoint(x2, y2);
  return normalizeRect([ax, ay, bx, by]);
}

/** A rect in PDF user space → a box in viewport pixels (any page rotation). */
export function toViewportBox(viewport, rect) {
  const [x1, y1, x2, y2] = toViewportRect(viewport, rect);
  return { left: x1, top: y1, width: x2 - x1, height: y2 - y1 };
}

/** A rect in viewport pixels → a rect in PDF user space. */
export function viewportRectToPdf(viewport, [x1, y1, x2, y2]) {
  const [ax, ay] = viewport.convertToPdfPoint(x1, y1);
  const [bx, by] = viewport.convertToPdfPoint(x2, y2);
  return normalizeRect([ax, ay, bx, by]);
}

/** The visible area of the page (its CropBox, else MediaBox) in PDF user space. */
export function pageBox(viewport) {
  return normalizeRect(viewport.viewBox);
}

/**
 * The client rects of a text selection → one quad per line, in PDF user space.
 * `origin` is the page element's client position (its top-left is viewport pixel 0,0). Rects are
 * converted first and grouped afterwards, so on a page with /Rotate 90 — where a line of text runs
 * down the screen — a line is still one quad. Lines are grouped by overlapping vertical extent in PDF
 * space (horizontal writing, which is what council documents use).
 */
export function selectionQuads(clientRects, origin, viewport) {
  const [bx1, by1, bx2, by2] = pageBox(viewport);
  const pageArea = (bx2 - bx1) * (by2 - by1);
  const rects = [];
  for (const r of clientRects) {
    if (r.width < 0.5 || r.height < 0.5) continue;  // <br>, collapsed boundaries
    const rect = viewportRectToPdf(viewport,
      [r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]);
    const clipped = [Math.max(rect[0], bx1), Math.max(rect[1], by1), Math.min(rect[2], bx2), Math.min(rect[3], by2)];
    if (clipped[2] - clipped[0] < 0.3 || clipped[3] - clipped[1] < 0.3) continue;  // outside the page
    if ((clipped[2] - clipped[0]) * (clipped[3] - clipped[1]) > pageArea / 2) continue;  // a container, not text
    rects.push(clipped);
  }
  rects.sort((a, b) => (b[1] + b[3]) - (a[1] + a[3]) || a[0] - b[0]);
  const lines = [];
  for (const rect of rects) {
    const height = rect[3] - rect[1];
    const line = lines.find((l) => {
      const overlap = Math.min(l[3], rect[3]) - Math.max(l[1], rect[1]);
      const gap = Math.max(rect[0] - l[2], l[0] - rect[2]);
      return overlap >= 0.5 * Math.min(height, l[3] - l[1]) && gap < 3 * height;
    });
    if (line) {
      line[0] = Math.min(line[0], rect[0]);
      line[1] = Math.min(line[1], rect[1]);
      line[2] = Math.max(line[2], rect[2]);
      line[3] = Math.max(line[3], rect[3]);
    } else {
      lines.push([...rect]);
    }
  }
  lines.sort((a, b) => b[3] - a[3] || a[0] - b[0]);
  return lines.map(roundRect);
}

/** A note pinned where the reader tapped: a small square around the point, kept inside the page. */
export function noteRect(viewport, x, y, size = 20) {
  const [px, py] = viewport.convertToPdfPoint(x, y);
  const [bx1, by1, bx2, by2] = pageBox(viewport);
  const half = size / 2;
  const cx = Math.min(Math.max(px, bx1 + half), bx2 - half);
  const cy = Math.min(Math.max(py, by1 + half), by2 - half);
  return roundRect([cx - half, cy - half, cx + half, cy + half]);
}

/** Ink strokes (viewport pixels) → PDF user space, and their bounding rect (with the pen's width). */
export function inkToPdf(viewport, strokes, width) {
  const paths = strokes.map((stroke) => stroke.map(([x, y]) => toPdfPoint(viewport, x, y)));
  const rect = boundingRect(paths.flat().map(([x, y]) => [x, y, x, y]));
  const pad = width / 2 + 1;
  return { paths, rect: roundRect([rect[0] - pad, rect[1] - pad, rect[2] + pad, rect[3] + pad]) };
}

/** Drop points closer than `minDistance` pixels to the previous kept point (a finger jitters). */
export function simplify(points, minDistance = 1.5) {
  if (points.length < 3) return points;
  const kept = [points[0]];
  for (let i = 1; i < points.length - 1; i += 1) {
    const [lx, ly] = kept[kept.length - 1];
    if (Math.hypot(points[i][0] - lx, points[i][1] - ly) >= minDistance) kept.push(points[i]);
  }
  kept.push(points[points.length - 1]);
  return kept;
}
