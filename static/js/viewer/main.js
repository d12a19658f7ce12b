// The document viewer (templates/documents/viewer.html): PDF.js shows one page at a time; the reader
// turns pages by swiping, tapping the page edges, the arrows or the page number; zooms by pinching or
// with the buttons; finds words; and highlights, notes and draws. Annotations are stored in PDF user
// space (docs/DOCUMENTS.md) and saved through the offline outbox (../outbox.js).
import { getDocument, GlobalWorkerOptions } from "../../vendor/pdfjs/pdf.mjs";
import { AnnotationStore, drawOverlay } from "./annotations.js";
import { DraftComments } from "./comments.js";
import { Gestures } from "./gestures.js";
import { followAnnotations } from "./live.js";
import { VoteBanner } from "../live/vote-banner.js";
import { PageView } from "./pageview.js";
import { AnnotationPanel, NoteDialog } from "./panel.js";
import { SaveStatus } from "./savestatus.js";
import { Search } from "./search.js";
import { SearchPanel } from "./searchpanel.js";
import { Thumbnails } from "./thumbnails.js";
import { Tools } from "./tools.js";

const SVG = "http://www.w3.org/2000/svg";
const CSS_UNITS = 96 / 72;  // 100 % = the printed size
const ZOOM_STEP = 1.25;
const ZOOM_MIN = 0.25;
const ZOOM_MAX = 5;
const VENDOR = new URL("../../vendor/pdfjs/", import.meta.url);
GlobalWorkerOptions.workerSrc = new URL("pdf.worker.mjs", VENDOR).href;

const root = document.querySelector("[data-viewer]");
const data = JSON.parse(document.getElementById("document-data").textContent);
// A vote that opens while the member reads shows over the page; voting leaves the page where it was.
const bannerRoot = document.querySelector("[data-vote-banner]");
const voteBanner = bannerRoot
  ? new VoteBanner(bannerRoot, { meetingId: data.meeting_id, userId: Number(root.dataset.meId) }) : null;
const $ = (selector) => root.querySelector(selector);
const stage = $("[data-stage]");
const pageInput = $("[data-page-input]");
const zoomLabel = $("[data-zoom-label]");
const hint = $("[data-tool-hint]");
const message = $("[data-viewer-message]");

/** A label from the page (translated on the server): t("page", {page: 2}) → "Trang 2". */
function t(key, vars = {}) {
  const name = `i18n${key.split("-").map((part) => part[0].toUpperCase() + part.slice(1)).join("")}`;
  return (root.dataset[name] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

const state = {
  pdf: null,
  page: 1,
  zoom: 1,
  fit: true,
  color: "#ffd400",
  shareDefault: false,
  selected: null,
  preview: [],
  rendered: false,
};

const pageView = new PageView($("[data-page-view]"));
const inkLayer = document.createElementNS(SVG, "g");
inkLayer.classList.add("ink-preview");
const store = new AnnotationStore({
  documentId: data.id,
  versionNumber: data.version.number,
  me: { id: Number(root.dataset.meId), full_name: root.dataset.meName },
});
let search = null;
let thumbnails = null;

// --- drawing ----------------------------------------------------------------------------------------

function redraw(preview = state.preview) {
  state.preview = preview;
  const viewport = pageView.viewport;
  if (!viewport) return;
  if (!pageView.element.style.transform) search?.refine(state.page, pageView.textDivs, pageView.element, viewport);
  drawOverlay(pageView.overlay, viewport, {
    annotations: store.forPage(state.page), selected: state.selected, preview,
    hits: search ? search.hitsOn(state.page) : [],
  });
  pageView.overlay.append(inkLayer);
}

function drawInkPreview(strokes, color) {
  const viewport = pageView.viewport;
  const width = viewport ? Math.max(1.5, 2 * viewport.scale) : 2;
  inkLayer.replaceChildren(...strokes.filter((s) => s.length).map((stroke) => {
    const path = document.createElementNS(SVG, "path");
    const d = stroke.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join("");
    path.setAttribute("d", stroke.length === 1 ? `${d}l0.1 0` : d);
    path.setAttribute("class", "annot-ink");
    path.setAttribute("stroke", color);
    path.setAttribute("stroke-width", String(width));
    return path;
  }));
}

// --- pages and zoom -----------------------------------------------------------------------------------

function fitZoom(page) {
  const width = page.getViewport({ scale: CSS_UNITS }).width;
  const available = stage.clientWidth - 32;
  return Math.min(Math.max(available / width, ZOOM_MIN), ZOOM_MAX);
}

async function render() {
  if (!state.pdf) return null;
  tools.commitInk();
  const number = state.page;
  const page = await state.pdf.getPage(number);
  if (number !== state.page) return null;
  if (state.fit) state.zoom = fitZoom(page);
  updateControls();
  let viewport;
  try {
    viewport = await pageView.show(page, state.zoom * CSS_UNITS);
  } catch (error) {
    showMessage(t("load-failed"));
    console.error(error);
    return null;
  }
  if (!viewport) return null;
  redraw([]);
  if (!state.rendered) {
    state.rendered = true;
    root.dataset.state = "ready";
  }
  return viewport;
}

function updateControls() {
  const total = state.pdf?.numPages ?? data.version.page_count;
  pageInput.value = String(state.page);
  pageInput.max = String(total);
  $("[data-page-count]").textContent = String(total);
  $('[data-action="prev"]').disabled = state.page <= 1;
  $('[data-action="next"]').disabled = state.page >= total;
  zoomLabel.textContent = `${Math.round(state.zoom * 100)}%`;
  $('[data-action="fit-width"]').setAttribute("aria-pressed", String(state.fit));
  $('[data-action="zoom-in"]').disabled = state.zoom >= ZOOM_MAX;
  $('[data-action="zoom-out"]').disabled = state.zoom <= ZOOM_MIN;
  thumbnails?.mark(state.page);
}

function goTo(number) {
  if (!state.pdf) return;
  const target = Math.min(Math.max(1, Math.round(Number(number)) || 1), state.pdf.numPages);
  if (target === state.page && state.rendered) {
    updateControls();
    return;
  }
  tools.commitInk();
  state.page = target;
  state.selected = null;
  history.replaceState(null, "", `#page=${target}`);
  stage.scrollTo(0, 0);
  render();
}

async function zoomTo(zoom, clientX, clientY) {
  const next = Math.min(Math.max(zoom, ZOOM_MIN), ZOOM_MAX);
  const before = pageView.element.getBoundingClientRect();
  const box = stage.getBoundingClientRect();
  const cx = clientX ?? box.left + box.width / 2;
  const cy = clientY ?? box.top + box.height / 2;
  const factor = next / state.zoom;
  state.zoom = next;
  state.fit = false;
  await render();
  // Keep the point under the fingers (or the middle of the screen) where it was.
  const after = pageView.element.getBoundingClientRect();
  stage.scrollLeft += after.left + (cx - before.left) * factor - cx;
  stage.scrollTop += after.top + (cy - before.top) * factor - cy;
}

const zoomBy = (factor, x, y) => zoomTo(state.zoom * factor, x, y);

// --- tools ----------------------------------------------------------------------------------------------

const tools = new Tools({
  pageView,
  store,
  page: () => state.page,
  color: () => state.color,
  shared: () => state.shareDefault,
  redraw,
  drawInkPreview,
  openNote: async ({ page, rect }) => {
    const answer = await noteDialog.open({ shared: state.shareDefault });
    if (answer?.text) store.create({ page, kind: "note", rect, text: answer.text, color: state.color, shared: answer.shared });
  },
});

function setTool(tool) {
  tools.setTool(tool);
  root.dataset.tool = tool;
  for (const button of root.querySelectorAll("[data-tool-button]")) {
    button.setAttribute("aria-pressed", String(button.dataset.toolButton === tool));
  }
  hint.hidden = tool === "read";
  hint.textContent = tool === "read" ? "" : t(`hint-${tool}`);
}

for (const button of root.querySelectorAll("[data-tool-button]")) {
  // Keep a text selection alive while the button is pressed: "highlight" then highlights it.
  button.addEventListener("mousedown", (event) => event.preventDefault());
  button.addEventListener("click", () => {
    const tool = button.dataset.toolButton;
    if (tool === "highlight" && tools.highlightSelection()) return;
    setTool(tools.tool === tool && tool !== "read" ? "read" : tool);
  });
}

const colorButton = $('[data-action="colors"]');
const colorMenu = $("[data-colors]");
const currentColor = $("[data-current-color]");

function showColors(open) {
  colorMenu.hidden = !open;
  colorButton.setAttribute("aria-expanded", String(open));
}

function setColor(color) {
  state.color = color;
  currentColor.style.setProperty("--swatch", color);
  for (const swatch of colorMenu.querySelectorAll("[data-color]")) {
    swatch.setAttribute("aria-checked", String(swatch.dataset.color === color));
  }
}

for (const swatch of colorMenu.querySelectorAll("[data-color]")) {
  swatch.addEventListener("mousedown", (event) => event.preventDefault());
  swatch.addEventListener("click", () => {
    setColor(swatch.dataset.color);
    showColors(false);
    const selected = state.selected && store.get(state.selected);
    if (selected?.mine) store.update(selected.client_id, { color: state.color });
  });
}
document.addEventListener("pointerdown", (event) => {
  if (!colorMenu.hidden && !event.target.closest(".viewer-color-pick")) showColors(false);
});

$("[data-share-default]").addEventListener("change", (event) => {
  state.shareDefault = event.target.checked;
});

// --- annotations: list, notes, saving state ---------------------------------------------------------

const noteDialog = new NoteDialog($("[data-note-dialog]"));

async function editNote(annotation) {
  const answer = await noteDialog.open({ text: annotation.text, shared: annotation.shared });
  if (!answer) return;
  const changes = {};
  if (answer.text !== annotation.text) changes.text = answer.text;
  if (answer.shared !== annotation.shared) changes.shared = answer.shared;
  if (Object.keys(changes).length) store.update(annotation.client_id, changes);
}

function select(clientId) {
  state.selected = clientId;
  redraw();
  panel.render();
}

const panel = new AnnotationPanel({
  list: $("[data-notes-list]"),
  empty: $("[data-notes-empty]"),
  counter: $("[data-annotation-count]"),
  host: { store, t, goTo, select, selected: () => state.selected, editNote },
});

function tapNote(clientId) {
  const annotation = store.get(clientId);
  if (!annotation) return;
  select(clientId);
  if (annotation.mine) {
    editNote(annotation);
  } else {
    openSide("annotations");
    panel.reveal(clientId);
  }
}

store.addEventListener("change", (event) => {
  redraw();
  panel.render();
  const { rejected, error } = event.detail;
  if (rejected && error?.message) saveStatus.show("rejected", t("rejected", { message: error.message }));
});

const saveStatus = new SaveStatus(document.querySelector("[data-save-status]"), t);

// Comments on a draft (only when the secretariat opened this document for them, and this reader may).
const commentsData = JSON.parse(document.getElementById("comments-data").textContent);
const draftComments = commentsData.may_comment && commentsData.consultation ? new DraftComments({
  data: commentsData,
  list: $("[data-comments-list]"),
  empty: $("[data-comments-empty]"),
  counter: $("[data-comment-count]"),
  dialog: $("[data-comment-dialog]"),
  status: saveStatus,
  host: {
    t, pageView, page: () => state.page, goTo,
    open: () => { if (sides.comments?.hidden) openSide("comments"); },
  },
}) : null;
draftComments?.render();
// Keep a text selection alive while "Góp ý" is pressed: the comment is on that passage.
$('[data-action="comment"]')?.addEventListener("mousedown", (event) => event.preventDefault());

/** The secretariat answered (or this reader changed a comment on another device): load the list again. */
async function reloadComments() {
  if (!draftComments) return;
  try {
    await draftComments.refresh();
    root.dataset.commentLoads = String(Number(root.dataset.commentLoads ?? 0) + 1);
  } catch (error) {
    console.warn("comments:", error);
  }
}
saveStatus.guardDownload(document.querySelector("[data-download-annotated]"));

// --- panels --------------------------------------------------------------------------------------

const sides = { search: $("[data-search-panel]"), annotations: $("[data-notes-panel]") };
if ($("[data-comments-panel]")) sides.comments = $("[data-comments-panel]");
const searchPanel = new SearchPanel(sides.search, {
  search: () => search, t, page: () => state.page, redraw, pageView, stage,
  showPage: (number) => {
    state.page = number;
    history.replaceState(null, "", `#page=${number}`);
    return render();
  },
});

function openSide(name) {
  for (const [key, panelElement] of Object.entries(sides)) {
    const open = key === name && panelElement.hidden;
    panelElement.hidden = !open;
    $(`[data-action="${key}"]`).setAttribute("aria-pressed", String(open));
  }
  if (!sides.search.hidden) searchPanel.opened();
  else searchPanel.clear();
}

function closeSide(name) {
  sides[name].hidden = true;
  $(`[data-action="${name}"]`).setAttribute("aria-pressed", "false");
  if (name === "search") searchPanel.clear();
}

function toggleThumbnails() {
  const panelElement = $("[data-thumbs]");
  panelElement.hidden = !panelElement.hidden;
  $('[data-action="thumbnails"]').setAttribute("aria-pressed", String(!panelElement.hidden));
  if (!panelElement.hidden) thumbnails?.show();
}

function toggleNight() {
  const on = root.classList.toggle("is-night");
  $('[data-action="night"]').setAttribute("aria-pressed", String(on));
  try {
    localStorage.setItem("cabinet-night", on ? "1" : "0");
  } catch {
    // private mode: the choice lasts for this page only
  }
}

// --- buttons, keys, sizes ---------------------------------------------------------------------------

const actions = {
  prev: () => goTo(state.page - 1),
  next: () => goTo(state.page + 1),
  "zoom-in": () => zoomBy(ZOOM_STEP),
  "zoom-out": () => zoomBy(1 / ZOOM_STEP),
  "fit-width": () => {
    state.fit = true;
    render();
  },
  thumbnails: toggleThumbnails,
  search: () => openSide("search"),
  annotations: () => openSide("annotations"),
  "close-search": () => closeSide("search"),
  "close-annotations": () => closeSide("annotations"),
  comment: () => draftComments?.start(),
  comments: () => openSide("comments"),
  "close-comments": () => closeSide("comments"),
  night: toggleNight,
  colors: () => showColors(colorMenu.hidden),
  "search-next": () => searchPanel.next(),
  "search-prev": () => searchPanel.previous(),
};
root.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (button && actions[button.dataset.action]) actions[button.dataset.action]();
});

pageInput.addEventListener("change", () => goTo(pageInput.value));
pageInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    goTo(pageInput.value);
    pageInput.blur();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("input, textarea, select, dialog") || event.ctrlKey || event.metaKey || event.altKey) return;
  const keys = {
    ArrowLeft: actions.prev, PageUp: actions.prev, ArrowRight: actions.next, PageDown: actions.next,
    "+": actions["zoom-in"], "=": actions["zoom-in"], "-": actions["zoom-out"],
    Escape: () => setTool("read"),
  };
  if (keys[event.key]) {
    event.preventDefault();
    keys[event.key]();
  }
});

// Ctrl/⌘ + wheel (and a trackpad pinch) zooms the page, not the whole screen.
stage.addEventListener("wheel", (event) => {
  if (!event.ctrlKey) return;
  event.preventDefault();
  zoomBy(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX, event.clientY);
}, { passive: false });

let lastWidth = stage.clientWidth;
let resizeTimer = null;
new ResizeObserver(() => {
  if (Math.abs(stage.clientWidth - lastWidth) < 2) return;
  lastWidth = stage.clientWidth;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (state.fit) render();
  }, 120);
}).observe(stage);

new Gestures({
  stage, tools, pageView,
  prev: actions.prev, next: actions.next, zoomBy, tapNote,
  clampFactor: (factor) => Math.min(Math.max(state.zoom * factor, ZOOM_MIN), ZOOM_MAX) / state.zoom,
});

function showMessage(text) {
  message.textContent = text;
  message.hidden = false;
  root.dataset.state = "error";
}

// --- start ----------------------------------------------------------------------------------------

/** The secretariat withdrew this document: it is closed, with a word, for the meeting page (where the
 * tablet's kept copy is dropped). A new version or a new title is not forced on a reader mid-page: the
 * meeting page marks the document updated, and the next opening shows it. */
function documentChanged(name) {
  if (name !== "document.withdrawn") return;
  showMessage(t("withdrawn"));
  try {  // said again where the member lands: a message that lasts four seconds is easily missed
    sessionStorage.setItem("cabinet-notice", t("withdrawnAfter"));
  } catch {
    // storage refused: the message above is all
  }
  const meetingUrl = document.querySelector("[data-test=back-to-meeting]").href;
  window.setTimeout(() => window.location.assign(meetingUrl), 4000);
}

/** Annotations changed elsewhere: load the list again (a failure keeps what is shown). */
async function reloadAnnotations() {
  try {
    await store.refresh();
    root.dataset.annotationLoads = String(Number(root.dataset.annotationLoads ?? 0) + 1);
  } catch (error) {
    console.warn("annotations:", error);
  }
}

async function start() {
  try {
    if (localStorage.getItem("cabinet-night") === "1") toggleNight();
  } catch {
    // no storage
  }
  setTool("read");
  setColor(state.color);
  const fromHash = /^#page=(\d+)$/.exec(window.location.hash);
  state.page = fromHash ? Number(fromHash[1]) : 1;
  store.load().then(() => {
    root.dataset.annotations = store.offline ? "offline" : "loaded";
    if (store.offline) saveStatus.show("waiting", t("offline-list"));
    followAnnotations({
      meetingId: data.meeting_id, documentId: data.id, reload: reloadAnnotations,
      loadedOffline: store.offline || !navigator.onLine,  // (the list may have come from the tablet's copy)
      onStatus: (status) => { root.dataset.live = status; },
      also: voteBanner,
      onDocument: documentChanged,
      onComments: reloadComments,
    });
  }).catch((error) => {
    saveStatus.show("blocked", t("blocked", { message: error.message }));
  });
  pageView.element.classList.add("is-loading");
  const task = getDocument({
    url: data.file_url,
    disableAutoFetch: true,  // fetch only the byte ranges the pages on screen need …
    disableStream: true,  // … so the first page shows before the whole file has arrived
    isEvalSupported: false,
    useWasm: root.dataset.pdfWasm === "true",
    cMapUrl: new URL("cmaps/", VENDOR).href,
    cMapPacked: true,
    standardFontDataUrl: new URL("standard_fonts/", VENDOR).href,
    wasmUrl: new URL("wasm/", VENDOR).href,
    iccUrl: new URL("iccs/", VENDOR).href,
  });
  try {
    state.pdf = await task.promise;
  } catch (error) {
    console.warn("pdf:", error);
    pageView.element.classList.remove("is-loading");
    showMessage(t("load-failed"));
    return;
  }
  search = new Search(state.pdf);
  thumbnails = new Thumbnails({
    panel: $("[data-thumbs]"), list: $("[data-thumb-list]"), pdf: state.pdf,
    label: (page) => t("page", { page }), onPick: goTo,
  });
  state.page = Math.min(Math.max(1, state.page), state.pdf.numPages);
  await render();
}

start();
