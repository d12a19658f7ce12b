// The minutes page (templates/minutes/page.html): drafting, the editor with its live PDF preview, restoring
// a revision, signing (the dialog opened from the sticky signer's bar, #sign), the chair sending the minutes
// back with a comment, and opening a correction.
//
// Everything goes through the JSON API (cabinet/api/minutes.py) with the session cookie and the X-CSRFToken
// header; the server validates and sanitises every field, this script only carries them. Texts come from
// data-text-* attributes on [data-minutes] (translated by the server).
//
// The editor sends only the fields changed since the last save (so the history says what changed), with
// `base_revision`: a save on top of someone else's newer revision is refused (409 stale_revision) and the
// page offers to reload. The preview posts the same unsaved changes and shows the returned PDF in an
// <iframe> through a blob: URL (CSP frame-src 'self' blob:), again a moment after typing stops.

import { api, ApiError } from "./api.js";
import { format, scriptReady } from "./forms.js";
import { watchMinutes } from "./minutes-live.js";
import { richValue, syncEmpty, wireRich } from "./minutes-rich.js";

const NOTICE_KEY = "cabinet.minutes.notice";
const HEADER_FIELDS = ["issuer_parent", "issuer", "number", "place", "date", "subject", "location"];
const PREVIEW_DELAY_MS = 1500;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function apiCaller(texts) {
  // ../api.js with the page's own words when the server gave none; `api.busy()`: a request that may change
  // the minutes is still on its way.
  let changing = 0;
  async function send(method, path, body, options) {
    try {
      return await api(method, path, body, options);
    } catch (error) {
      if (error instanceof ApiError && !error.message) {
        error.message = error.status === 0 ? texts.network : format(texts.failed, { status: error.status });
      }
      throw error;
    }
  }
  async function call(method, path, body, options = {}) {
    if (method === "GET") return send(method, path, body, options);
    changing += 1;
    try {
      return await send(method, path, body, options);
    } finally {
      changing -= 1;
    }
  }
  call.busy = () => changing > 0;
  return call;
}

// After an action that changes what the page shows (draft, sign, correction) the page is loaded again; the
// confirmation travels in sessionStorage and is shown once.
function reloadWith(message) {
  try {
    if (message) window.sessionStorage.setItem(NOTICE_KEY, message);
  } catch {
    // storage refused (private mode): the reload alone shows the new state
  }
  window.location.reload();
}

function takeNotice() {
  try {
    const message = window.sessionStorage.getItem(NOTICE_KEY);
    window.sessionStorage.removeItem(NOTICE_KEY);
    return message;
  } catch {
    return null;
  }
}

// --- the page -----------------------------------------------------------------------------------------

function wire(root) {
  const texts = Object.fromEntries(Object.entries(root.dataset)
    .filter(([key]) => key.startsWith("text"))
    .map(([key, value]) => [key.slice(4, 5).toLowerCase() + key.slice(5), value]));
  const api = apiCaller(texts);
  const minutesId = root.dataset.minutesId;
  const noticeBox = root.querySelector("[data-minutes-notice]");
  const errorBox = root.querySelector("[data-minutes-error]");
  let leaving = false;

  function showNotice(message) {
    if (!noticeBox || !message) return;
    noticeBox.textContent = message;
    noticeBox.hidden = false;
  }

  function showPageError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.scrollIntoView({ block: "nearest" });
  }

  showNotice(takeNotice());
  // A notice says what the page shows now; once the writer changes something it is old news.
  root.addEventListener("input", () => { if (noticeBox) noticeBox.hidden = true; });

  // No minutes yet: the secretary drafts them from the record.
  root.querySelector("[data-action=draft]")?.addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    showNotice(texts.drafting);
    try {
      await api("POST", `/meetings/${root.dataset.meetingId}/minutes`, {});
      leaving = true;
      reloadWith(null);
    } catch (error) {
      noticeBox.hidden = true;
      showPageError(error.message);
      button.disabled = false;
    }
  });

  let editor = null;
  if (minutesId) {
    editor = wireEditor(root, texts, api, () => leaving);
    wireSigning(root, texts, api, editor, () => { leaving = true; });
    wireReturn(root, texts, api, () => { leaving = true; });
    wireCorrection(root, texts, api, () => { leaving = true; });
  }
  // Someone else drafted, saved, restored, signed or opened a correction: show it, unless that would throw
  // away unsaved changes — then say so and let the writer copy what they want to keep.
  watchMinutes(root, {
    isBusy: () => api.busy() || leaving,
    onChanged(minutes) {
      if (editor?.dirty()) {
        editor.warnStale(format(texts.changedDirty, { n: minutes.revision }));
      } else {
        leaving = true;
        reloadWith(format(texts.changed, { n: minutes.revision }));
      }
    },
  });
  // Every button here works only through this script: enabled now that their handlers are attached.
  scriptReady(root);
  // Arriving from "Awaiting your signature" (#sign): the bar is at the top; its sign button takes the focus,
  // once the browser has finished going to the anchor (that resets the focus).
  const signButton = window.location.hash === "#sign" && root.querySelector("[data-action=open-sign]");
  if (signButton) {
    const focus = () => window.setTimeout(() => signButton.focus(), 0);
    if (document.readyState === "complete") focus(); else window.addEventListener("load", focus, { once: true });
  }
  root.dataset.ready = "true";
}

function wireEditor(root, texts, api, isLeaving) {
  const form = root.querySelector("[data-minutes-form]");
  if (!form) return { dirty: () => false };
  const minutesId = root.dataset.minutesId;
  const areas = [...form.querySelectorAll("[data-field]")];
  const saveButton = root.querySelector("[data-action=save]");
  const previewButton = root.querySelector("[data-action=preview]");
  const state = root.querySelector("[data-save-state]");
  const alertBox = root.querySelector("[data-editor-error]");
  const history = root.querySelector("[data-history]");
  const revisionLabel = root.querySelector("[data-test=current-revision]");
  const layout = root.querySelector("[data-layout]");
  const preview = root.querySelector("[data-preview]");
  const frame = preview.querySelector("[data-preview-frame]");
  const previewState = preview.querySelector("[data-preview-state]");
  let revision = Number(root.dataset.revision);
  let saving = false;
  let baseline = {};
  let previewUrl = null;
  let previewRequest = null;
  let previewTimer = null;

  root.querySelectorAll("[data-rich]").forEach(wireRich);
  try {
    document.execCommand("defaultParagraphSeparator", false, "p");  // Enter makes <p>, not <div>
  } catch {
    // older engines: richValue turns <div> into <p> anyway
  }

  function values() {
    const current = {};
    for (const name of HEADER_FIELDS) current[name] = form.elements[name].value;
    for (const area of areas) current[area.dataset.field] = richValue(area);
    return current;
  }

  function changedKeys(current = values()) {
    return Object.keys(current).filter((key) => current[key] !== baseline[key]);
  }

  function bodyOf(keys, current) {
    const body = {};
    for (const key of keys) {
      if (key.startsWith("conclusion-")) {
        body.conclusions = body.conclusions ?? {};
        body.conclusions[key.slice("conclusion-".length)] = current[key];
      } else {
        body[key] = current[key];
      }
    }
    return body;
  }

  const dirty = () => changedKeys().length > 0;

  function showState(message) {
    state.textContent = message;
  }

  function refreshState() {
    state.classList.toggle("is-dirty", dirty());
    showState(format(dirty() ? texts.dirty : texts.clean, { n: revision }));
  }

  function clearInvalid() {
    for (const field of form.querySelectorAll(".field--invalid")) field.classList.remove("field--invalid");
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  function hideAlert() {
    alertBox.hidden = true;
    alertBox.replaceChildren();
  }

  function showAlert(error) {
    alertBox.replaceChildren(el("span", "minutes-sticky__message", error.message));
    if (["stale_revision", "minutes_locked"].includes(error.code)) {
      alertBox.append(" ", el("span", "minutes-sticky__hint", texts.staleHint));
      const reload = el("button", "btn btn--secondary btn--small minutes-sticky__reload", texts.reload);
      reload.type = "button";
      reload.dataset.test = "reload-minutes";
      reload.addEventListener("click", () => {
        window.removeEventListener("beforeunload", warnBeforeLeaving);
        window.location.reload();
      });
      alertBox.append(reload);
    }
    alertBox.hidden = false;
    const input = error.field && form.elements[error.field];
    if (input instanceof HTMLElement) {
      input.setAttribute("aria-invalid", "true");
      input.closest(".field")?.classList.add("field--invalid");
      input.focus();
    }
  }

  function fill(content) {
    for (const name of HEADER_FIELDS) form.elements[name].value = content[name] ?? "";
    const conclusions = Object.fromEntries((content.items ?? []).map((item) => [String(item.item_id), item.conclusion]));
    for (const area of areas) {
      const key = area.dataset.field;
      const html = key.startsWith("conclusion-") ? conclusions[key.slice("conclusion-".length)] : content[key];
      area.innerHTML = html ?? "";  // sanitised by the server (nh3) when it was saved
      syncEmpty(area);
    }
  }

  async function refreshHistory() {
    try {
      const response = await fetch(`/minutes/${minutesId}/history`, { headers: { Accept: "text/html" } });
      if (response.ok) {
        history.innerHTML = await response.text();  // our own server-rendered fragment
        scriptReady(history);
      }
    } catch {
      // the next page load shows it; the save itself succeeded
    }
  }

  function adopt(json) {
    revision = json.revision;
    root.dataset.revision = String(revision);
    if (revisionLabel) revisionLabel.textContent = format(texts.revision, { n: revision });
    refreshHistory();
  }

  async function save() {
    if (saving) return;
    const current = values();
    const keys = changedKeys(current);
    hideAlert();
    clearInvalid();
    if (!keys.length) {
      showState(texts.nothing);
      return;
    }
    saving = true;
    saveButton.disabled = true;
    showState(texts.saving);
    try {
      const json = await api("PUT", `/minutes/${minutesId}`, { base_revision: revision, ...bodyOf(keys, current) });
      for (const key of keys) baseline[key] = current[key];
      // Where the server's sanitised text differs from what was sent, show its version (unless the writer is
      // in that area: the caret would jump).
      const saved = Object.fromEntries((json.content.items ?? []).map((item) => [`conclusion-${item.item_id}`, item.conclusion]));
      for (const area of areas) {
        const key = area.dataset.field;
        const server = key.startsWith("conclusion-") ? saved[key] : json.content[key];
        if (keys.includes(key) && document.activeElement !== area && richValue(area) === current[key]
            && server !== undefined && server !== current[key]) {
          area.innerHTML = server;
          baseline[key] = richValue(area);
        }
      }
      adopt(json);
      // The chair's note stays until the next revision is saved: this one.
      root.querySelector("[data-test=returned-note]")?.remove();
      showState(format(texts.saved, { n: revision }));
      window.setTimeout(() => { if (!saving) refreshState(); }, 4000);
    } catch (error) {
      showAlert(error);
      refreshState();
    } finally {
      saving = false;
      saveButton.disabled = false;
    }
  }

  // --- preview ---

  function setPreviewState(message, failed = false) {
    previewState.textContent = message;
    previewState.classList.toggle("is-error", failed);
  }

  async function renderPreview() {
    window.clearTimeout(previewTimer);
    previewRequest?.abort();
    const request = new AbortController();
    previewRequest = request;
    preview.setAttribute("aria-busy", "true");
    setPreviewState(texts.previewBusy);
    const current = values();
    try {
      const blob = await api("POST", `/minutes/${minutesId}/preview`, bodyOf(changedKeys(current), current),
        { raw: true, signal: request.signal });
      if (request !== previewRequest) return;
      const url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
      frame.src = url;
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = url;
      setPreviewState(texts.previewReady);
    } catch (error) {
      if (error.name === "AbortError") return;
      setPreviewState(error.message, true);
    } finally {
      if (request === previewRequest) preview.removeAttribute("aria-busy");
    }
  }

  function openPreview() {
    const opening = preview.hidden;
    preview.hidden = false;
    layout.classList.add("is-previewing");
    previewButton.setAttribute("aria-expanded", "true");
    renderPreview();
    // Side by side on wide screens; below the editor on narrow ones, where it is brought into view.
    if (opening && window.matchMedia("(max-width: 999px)").matches) preview.scrollIntoView({ block: "start" });
  }

  function closePreview() {
    window.clearTimeout(previewTimer);
    previewRequest?.abort();
    previewRequest = null;
    preview.hidden = true;
    layout.classList.remove("is-previewing");
    previewButton.setAttribute("aria-expanded", "false");
    frame.removeAttribute("src");
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    previewButton.focus();
  }

  function schedulePreview() {
    if (preview.hidden) return;
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(renderPreview, PREVIEW_DELAY_MS);
  }

  // --- restore ---

  async function restore(button) {
    const number = Number(button.dataset.revision);
    const question = format(dirty() ? texts.restoreDirty : texts.restoreConfirm, { n: number });
    if (!window.confirm(question)) return;
    hideAlert();
    button.disabled = true;
    try {
      const json = await api("POST", `/minutes/${minutesId}/restore`, { revision: number });
      fill(json.content);
      baseline = values();
      adopt(json);
      refreshState();
      showState(format(texts.restored, { old: number, n: revision }));
      if (!preview.hidden) renderPreview();
    } catch (error) {
      showAlert(error);
      button.disabled = false;
    }
  }

  function warnBeforeLeaving(event) {
    if (isLeaving() || !dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  }

  baseline = values();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  form.addEventListener("input", (event) => {
    const field = event.target.closest?.(".field--invalid");
    if (field) {
      field.classList.remove("field--invalid");
      event.target.removeAttribute("aria-invalid");
    }
    refreshState();
    schedulePreview();
  });
  saveButton.addEventListener("click", save);
  previewButton.addEventListener("click", openPreview);
  root.querySelector("[data-action=close-preview]")?.addEventListener("click", closePreview);
  history.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=restore]");
    if (button) restore(button);
  });
  // Ctrl+S saves (the browser's "save page" would be of no use here).
  form.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener("beforeunload", warnBeforeLeaving);
  return { dirty, warnStale: (message) => showAlert({ code: "stale_revision", message }) };
}

// A dialog opened by `opener` (the signer's bar); its Cancel button and Escape close it.
function wireDialog(root, dialog, opener, onOpen) {
  if (!dialog || !opener) return;
  opener.addEventListener("click", () => {
    if (!dialog.open) dialog.showModal();
    onOpen?.();
  });
  dialog.querySelectorAll("[data-action=close-dialog]").forEach((button) => {
    button.addEventListener("click", () => dialog.close());
  });
}

function wireSigning(root, texts, api, editor, onLeave) {
  const dialog = root.querySelector("[data-sign-dialog]");
  const form = root.querySelector("[data-sign-form]");
  if (!form) return;
  const errorBox = root.querySelector("[data-sign-error]");
  const button = form.querySelector("[type=submit]");
  const passphrase = form.elements.passphrase;
  const warning = form.querySelector("[data-empty-warning]");
  const confirmEmpty = form.elements.confirm_empty;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  wireDialog(root, dialog, root.querySelector("[data-action=open-sign]"), () => {
    errorBox.hidden = true;
    if (editor.dirty()) showError(texts.signDirty);
    passphrase.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    if (editor.dirty()) {
      showError(texts.signDirty);
      return;
    }
    // Empty parts are signed only when the signer said so (the server refuses otherwise: 409 empty_sections).
    if (!warning.hidden && !confirmEmpty.checked) {
      showError(texts.confirmEmpty);
      confirmEmpty.focus();
      return;
    }
    if (!passphrase.value) {
      passphrase.setAttribute("aria-invalid", "true");
      passphrase.focus();
      return;
    }
    button.disabled = true;
    const label = button.textContent;
    button.textContent = texts.signing;
    try {
      await api("POST", `/minutes/${root.dataset.minutesId}/sign`,
        { passphrase: passphrase.value, confirm_empty: !warning.hidden && confirmEmpty.checked });
      onLeave();
      reloadWith(texts.signed);
    } catch (error) {
      button.disabled = false;
      button.textContent = label;
      if (error.code === "empty_sections") {
        // Saved since the page was drawn: the server's list (in the message) replaces the page's.
        warning.querySelector("[data-empty-text]").textContent = error.message;
        warning.querySelector("[data-empty-list]").hidden = true;
        warning.hidden = false;
        confirmEmpty.checked = false;
        confirmEmpty.focus();
        return;
      }
      showError(error.message);
      if (error.code === "wrong_passphrase" || error.code === "passphrase_required") {
        passphrase.setAttribute("aria-invalid", "true");
        passphrase.select();
      }
    }
  });
  passphrase.addEventListener("input", () => passphrase.removeAttribute("aria-invalid"));
  confirmEmpty.addEventListener("change", () => { errorBox.hidden = true; });
}

function wireReturn(root, texts, api, onLeave) {
  const dialog = root.querySelector("[data-return-dialog]");
  const form = root.querySelector("[data-return-form]");
  if (!form) return;
  const errorBox = form.querySelector("[data-return-error]");
  const comment = form.elements.comment;
  wireDialog(root, dialog, root.querySelector("[data-action=open-return]"), () => comment.focus());
  comment.addEventListener("input", () => { errorBox.hidden = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    if (!comment.value.trim()) {
      errorBox.textContent = texts.commentNeeded;
      errorBox.hidden = false;
      comment.focus();
      return;
    }
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      const json = await api("POST", `/minutes/${root.dataset.minutesId}/return`, { comment: comment.value });
      onLeave();
      reloadWith(format(texts.returned, { n: json.revision }));
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
      button.disabled = false;
    }
  });
}

function wireCorrection(root, texts, api, onLeave) {
  const form = root.querySelector("[data-correction-form]");
  if (!form) return;
  const errorBox = root.querySelector("[data-minutes-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    const reason = form.elements.reason;
    if (!reason.value.trim()) {
      reason.focus();
      return;
    }
    button.disabled = true;
    try {
      const json = await api("POST", `/minutes/${root.dataset.minutesId}/correction`, { reason: reason.value });
      onLeave();
      reloadWith(format(texts.correction, { n: json.revision }));
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
      errorBox.scrollIntoView({ block: "nearest" });
      button.disabled = false;
    }
  });
}

document.querySelectorAll("[data-minutes]").forEach(wire);
