// Agenda editor: drag an item by its handle (mouse, pen or finger) to reorder it or to move it under
// another main item. Each drop is saved through the JSON API (PATCH /api/v1/agenda/<id>, session
// cookie + X-CSRFToken), then the list is reloaded from the server so numbers and buttons stay true.
// Without JavaScript, or from the keyboard, the "move up" / "move down" buttons do the same job.
import Sortable from "../vendor/sortablejs/sortable.esm.js";
import { csrfToken } from "./forms.js";

const root = document.querySelector("[data-agenda-editor]");
const messageBox = document.querySelector("[data-agenda-message]");
let sortables = [];

// One message box above the list: the outcome of the last drop (the page's older messages go away).
function show(kind, message) {
  document.querySelector(".flashes")?.remove();
  if (!messageBox) return;
  messageBox.className = `alert alert--${kind}`;
  messageBox.setAttribute("role", kind === "error" ? "alert" : "status");
  messageBox.textContent = message;
  messageBox.hidden = false;
  if (kind === "error") messageBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function clearMessage() {
  if (!messageBox) return;
  messageBox.hidden = true;
  messageBox.textContent = "";
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body?.error?.message) return body.error.message;
  } catch {
    // not JSON: fall through to the generic message
  }
  return `${root.dataset.failed} (${response.status})`;
}

async function saveMove(itemId, position, parentId) {
  const response = await fetch(`${root.dataset.api}${itemId}`, {
    method: "PATCH",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify({ position, parent_id: parentId }),
  });
  if (!response.ok) throw new Error(await errorMessage(response));
}

// Replace the list with the server's version of it (new numbers, enabled/disabled arrow buttons).
async function reloadList() {
  const response = await fetch(window.location.pathname, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) {
    window.location.reload();
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.querySelector("[data-agenda-editor]");
  if (!fresh) {
    window.location.reload();
    return;
  }
  root.replaceChildren(...fresh.childNodes);
  enable();
}

async function onEnd(event) {
  root.classList.remove("is-dragging");
  if (event.from === event.to && event.oldIndex === event.newIndex) return;
  const itemId = event.item.dataset.itemId;
  const parentId = event.to.dataset.parentId ? Number(event.to.dataset.parentId) : null;
  root.classList.add("is-saving");
  root.dataset.state = "saving";
  clearMessage();
  try {
    await saveMove(itemId, event.newIndex, parentId);
    show("success", root.dataset.moved);
  } catch (error) {
    show("error", error.message || root.dataset.failed);
  } finally {
    await reloadList();  // on failure this also puts the item back where the server has it
    root.classList.remove("is-saving");
    root.dataset.state = "ready";
  }
}

// Refuse drops the server would refuse anyway: a main item with sub-items cannot become a sub-item,
// and an item cannot go into its own sub-list.
function onMove(event) {
  const target = event.to;
  if (!target.dataset.parentId) return true;
  if (event.dragged.dataset.hasChildren === "true") return false;
  return target.closest("[data-item-id]") !== event.dragged;
}

function enable() {
  sortables.forEach((sortable) => sortable.destroy());
  sortables = [...root.querySelectorAll("ol.edit-list")].map((list) => Sortable.create(list, {
    group: "agenda",
    handle: ".drag-handle",
    draggable: ">li",
    animation: 150,
    forceFallback: true,  // one code path for mouse, pen and touch
    fallbackTolerance: 4,
    fallbackOnBody: true,
    swapThreshold: 0.6,
    emptyInsertThreshold: 24,
    onStart: () => root.classList.add("is-dragging"),
    onMove,
    onEnd,
  }));
  root.classList.add("is-sortable");
  root.dataset.state = "ready";
}

if (root) enable();
