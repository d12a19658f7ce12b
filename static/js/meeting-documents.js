// The documents on a meeting page (templates/meetings/detail.html, documents/_list.html), kept current:
//
// - Live: the page joins the meeting's room (live/connection.js). A document published, renamed, moved,
//   reordered, withdrawn or given a new version (and any rejoin after a gap) makes it fetch the page again
//   and put in the fresh agenda and documents cards — one template renders them, here as on the server.
//   The fresh offline plan goes to offline.js ("cabinet:offline-plan"), so a withdrawn document's kept
//   copy is deleted from the tablet at once, not only on the next visit.
// - The secretariat's tools (can.arrange): move up/down, rename, move to another agenda item, withdraw and
//   restore, each one API call (PATCH /documents/{id}, POST /documents/{id}/withdraw|restore); the server
//   decides and audits, and the page then shows what it says.

import { api } from "./api.js";
import { format } from "./forms.js";
import { LiveConnection } from "./live/connection.js";

const section = document.querySelector("[data-meeting-documents]");
const meetingId = Number(section?.dataset.meetingDocuments);
const texts = { failed: section?.dataset.textFailed || "", network: section?.dataset.textNetwork || "" };
const DOCUMENT_EVENTS = ["document.published", "document.version", "document.updated", "document.withdrawn"];

// --- showing the page's current state -----------------------------------------------------------------

let refreshing = null;
let again = false;

/** Fetch the page and swap in its agenda and documents cards (one refresh at a time; one more if asked meanwhile). */
async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        again = false;
        const response = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok || response.redirected) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const id of ["agenda", "documents"]) {
          const now = document.getElementById(id);
          const next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.adoptNode(next));
        }
        showTools();
        window.dispatchEvent(new CustomEvent("cabinet:offline-plan"));
      } while (again);
    } catch (error) {
      console.warn("documents: the list could not be refreshed", error);
    } finally {
      document.body.dataset.documentsRefreshed = String(Number(document.body.dataset.documentsRefreshed || 0) + 1);
      refreshing = null;
    }
  })();
  return refreshing;
}

function showTools() {
  document.querySelectorAll("[data-doc-tools]").forEach((tools) => { tools.hidden = false; });
}

// --- the secretariat's tools ----------------------------------------------------------------------------

function showError(item, error) {
  const box = item.querySelector("[data-doc-error]");
  if (!box) return;
  box.textContent = error ? (error.status === 0 ? texts.network : format(texts.failed, { message: error.message || error.code })) : "";
  box.hidden = !error;
}

async function change(item, call) {
  const controls = item.querySelectorAll("button, select, input");
  controls.forEach((control) => { control.dataset.wasDisabled = String(control.disabled); control.disabled = true; });
  try {
    await call(`/documents/${item.dataset.documentId}`);
    showError(item, null);
    await refresh();
  } catch (error) {
    controls.forEach((control) => { control.disabled = control.dataset.wasDisabled === "true"; });
    showError(item, error);
  }
}

function openRename(item) {
  const form = item.querySelector("[data-rename-form]");
  form.hidden = false;
  item.querySelector("[data-doc-tools]").hidden = true;
  const input = form.querySelector("input[name=title]");
  input.focus();
  input.select();
}

function closeRename(item) {
  item.querySelector("[data-rename-form]").hidden = true;
  item.querySelector("[data-doc-tools]").hidden = false;
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-doc-action], [data-rename-cancel]");
  const item = target?.closest("[data-document-id]");
  if (!item || target.tagName === "SELECT") return;
  if (target.hasAttribute("data-rename-cancel")) {
    closeRename(item);
    return;
  }
  const action = target.dataset.docAction;
  if (action === "rename") openRename(item);
  else if (action === "position") change(item, (path) => api("PATCH", path, { position: Number(target.dataset.position) }));
  else if (action === "withdraw" || action === "restore") change(item, (path) => api("POST", `${path}/${action}`));
});

document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-doc-action=move]");
  const item = select?.closest("[data-document-id]");
  if (!item || !select.value) return;
  const itemId = select.value === "none" ? null : Number(select.value);
  change(item, (path) => api("PATCH", path, { agenda_item_id: itemId }));
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-rename-form]");
  if (!form) return;
  event.preventDefault();
  const item = form.closest("[data-document-id]");
  change(item, (path) => api("PATCH", path, { title: form.elements.title.value }));
});

document.addEventListener("keydown", (event) => {
  const form = event.target.closest?.("[data-rename-form]");
  if (form && event.key === "Escape") closeRename(form.closest("[data-document-id]"));
});

// --- start ----------------------------------------------------------------------------------------------

/** A notice left by the page the member came from (the reader, when its document was withdrawn). */
function showNotice() {
  let text = null;
  try {
    text = sessionStorage.getItem("cabinet-notice");
    sessionStorage.removeItem("cabinet-notice");
  } catch {
    return;
  }
  if (!text) return;
  const notice = document.createElement("div");
  notice.className = "alert alert--info";
  notice.setAttribute("role", "status");
  notice.dataset.test = "notice";
  notice.textContent = text;
  document.querySelector("main")?.prepend(notice);
}

showNotice();

if (section && meetingId) {
  showTools();
  let joins = 0;
  new LiveConnection(meetingId, {
    onState: () => {
      joins += 1;
      section.ownerDocument.body.dataset.documentsLive = "true";
      if (joins > 1) return refresh();  // after a reconnect or a gap: whatever was missed
      return undefined;
    },
    onEvent: (name) => {
      if (DOCUMENT_EVENTS.includes(name) || name === "agenda.updated") refresh();
    },
    onStatus: () => {},
  }).start();
}
