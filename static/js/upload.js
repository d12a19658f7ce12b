// Uploading PDFs (secretariat): the documents of a meeting (templates/documents/upload.html) and a new
// version of one document (templates/documents/reads.html).
//
// A form marked data-upload sends each chosen file in its own multipart request to data-upload-url
// (POST /api/v1/meetings/<id>/documents or /api/v1/documents/<id>/versions), with the session cookie and
// the X-CSRFToken header. Each file gets a line in the list with a <progress class="upload-progress">
// (XHR upload.onprogress); a finished one becomes li.upload-done with a link to the document, a refused
// one li.upload-failed with the server's message ({"error": {"code", "message"}}). The server checks
// everything (size, PDF, encryption, access); this script only carries the files and the answers.
//
// Each chosen file gets its own title field ([data-file-titles]), prefilled from the PDF's /Title when it
// is a real title (doc-titles.js) or else from the file name; the secretary corrects it before sending.
// A field left as prefilled from the file name is sent empty: the server then applies the same rule with
// the /Title it reads while checking the file (a file too big to open here gets its /Title that way).

import { pdfTitle, sensibleTitle, titleFromFileName } from "./doc-titles.js";
import { csrfToken, format, scriptReady, wireDropZone } from "./forms.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function sizeLabel(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(".", ",")} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

// The fields sent with each file: everything in the form but the file input and the titles (one per
// file, see titleFor); readers as "1,2,3".
function fieldsOf(form, fileInput) {
  const fields = [];
  const readers = [];
  for (const [name, value] of new FormData(form)) {
    if (name === fileInput.name || name === "csrf_token" || name === "title") continue;
    if (name === "readers") readers.push(value);
    else if (value !== "") fields.push([name, value]);
  }
  const access = form.querySelector("[name=access]");
  if (readers.length && access?.value === "confidential") fields.push(["readers", readers.join(",")]);
  return fields;
}

function messageOf(xhr, texts) {
  try {
    const body = JSON.parse(xhr.responseText);
    if (body?.error?.message) return body.error.message;
  } catch {
    // not JSON (a proxy's page, a cut connection): the generic message below
  }
  if (xhr.status === 413) return texts.tooLarge;
  return xhr.status ? `${texts.failed} (${xhr.status})` : texts.network;
}

function send(url, file, fields, onProgress) {
  return new Promise((resolve) => {
    const body = new FormData();
    body.append("file", file, file.name);
    for (const [name, value] of fields) body.append(name, value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => resolve(xhr));
    xhr.addEventListener("abort", () => resolve(xhr));
    xhr.send(body);
  });
}

function wire(form) {
  const fileInput = form.querySelector("input[type=file]");
  const submit = form.querySelector("[type=submit]");
  const list = document.getElementById(form.dataset.uploadList);
  const texts = {
    sending: form.dataset.textSending,
    done: form.dataset.textDone,
    failed: form.dataset.textFailed,
    network: form.dataset.textNetwork,
    tooLarge: form.dataset.textTooLarge,
    pages: form.dataset.textPages,
    version: form.dataset.textVersion,
    summary: form.dataset.textSummary,
    removed: form.dataset.textRemoved,
  };
  const removalLabels = JSON.parse(form.dataset.removalLabels || "{}");
  const summary = document.getElementById(form.dataset.uploadSummary);
  wireChoices(form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = [...fileInput.files];
    if (!files.length) {
      fileInput.click();  // nothing chosen yet: open the picker
      return;
    }
    const fields = fieldsOf(form, fileInput);
    const titles = files.map((file, index) => titleFor(form, index));
    submit.disabled = true;
    form.dataset.state = "sending";
    if (summary) summary.hidden = true;
    let ok = 0;
    for (const [index, file] of files.entries()) {
      const item = el("li", "upload-item");
      const head = el("div", "upload-item__head");
      head.append(el("span", "upload-item__name", file.name), el("span", "upload-item__size", sizeLabel(file.size)));
      const progress = el("progress", "upload-progress");
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", `${texts.sending} ${file.name}`);
      const note = el("p", "upload-item__note", texts.sending);
      item.append(head, progress, note);
      list.append(item);
      list.hidden = false;

      const title = titles[index];
      const xhr = await send(form.dataset.uploadUrl, file, title === null ? fields : [...fields, ["title", title]], (loaded, total) => {
        progress.value = Math.round((100 * loaded) / total);
      });
      progress.value = 100;
      if (xhr.status === 201) {
        ok += 1;
        const documentJson = JSON.parse(xhr.responseText);
        item.classList.add("upload-done");
        note.textContent = "";
        const link = el("a", "upload-item__link", documentJson.title);
        link.href = `/documents/${documentJson.id}`;
        const version = documentJson.version || {};
        const facts = [format(texts.version, { n: version.number ?? 1 })];
        if (version.page_count) facts.push(format(texts.pages, { n: version.page_count }));
        note.classList.add("upload-item__note--done");
        note.append(el("span", "upload-item__ok", texts.done), link, el("span", "upload-item__facts", facts.join(" · ")));
        const removed = version.removed_active_content || [];
        if (removed.length && texts.removed) {  // what the upload check took out of the file, in words
          const removals = el("ul", "upload-item__removed");
          removals.dataset.test = "upload-removed";
          for (const code of removed) removals.append(el("li", null, removalLabels[code] || code));
          item.append(el("p", "upload-item__removed-lead", texts.removed), removals);
        }
      } else {
        item.classList.add("upload-failed");
        note.textContent = messageOf(xhr, texts);
        note.setAttribute("role", "alert");
        progress.remove();
      }
    }
    fileInput.value = "";
    fileInput.dispatchEvent(new Event("change", { bubbles: true }));
    form.dataset.state = "done";
    submit.disabled = false;
    if (summary) {
      summary.textContent = format(texts.summary, { ok, total: files.length });
      summary.hidden = false;
    }
    if (ok && form.dataset.reloadOnDone === "true") window.location.reload();
  });
}

// --- one title per file ------------------------------------------------------------------------------

let titleRound = 0;  // a new choice of files makes late /Title answers of the previous one moot

// The title to send for file `index`: what is in its field, or null (send none: the server decides) while
// the field still holds what the file name gave.
function titleFor(form, index) {
  const input = form.querySelector(`[data-file-titles] [data-index="${index}"]`);
  if (!input) return null;
  const value = input.value.replace(/\s+/g, " ").trim();
  return input.dataset.source === "name" && value === input.dataset.prefill ? null : value;
}

function setSource(row, input, source, texts) {
  input.dataset.source = source;
  row.querySelector(".file-title__source").textContent = texts[source];
}

function renderTitles(form) {
  const list = form.querySelector("[data-file-titles]");
  if (!list) return;
  const field = form.querySelector("[data-file-titles-field]");
  const files = [...form.querySelector("input[type=file]").files];
  const texts = { pdf: list.dataset.textFromPdf, name: list.dataset.textFromName, typed: list.dataset.textTyped };
  const round = ++titleRound;
  list.replaceChildren();
  field.hidden = files.length === 0;
  files.forEach((file, index) => {
    const row = el("li", "file-title");
    row.dataset.test = "file-title";
    const id = `file-title-${index}`;
    const label = el("label", "file-title__name", file.name);
    label.htmlFor = id;
    // Two lines, so that a long Vietnamese title is read whole; still one line of text (no Enter).
    const input = el("textarea", "input file-title__input");
    Object.assign(input, { id, name: "title", rows: 2, maxLength: 500, required: true });
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
    input.setAttribute("aria-label", format(list.dataset.textTitleFor, { name: file.name }));
    input.dataset.index = String(index);
    input.dataset.test = "file-title-input";
    input.value = titleFromFileName(file.name);
    input.dataset.prefill = input.value;
    row.append(label, input, el("span", "file-title__source"));
    setSource(row, input, "name", texts);
    input.addEventListener("input", () => setSource(row, input, "typed", texts));
    list.append(row);
    pdfTitle(file).then((raw) => {
      const title = sensibleTitle(raw);
      if (round !== titleRound || !title || input.dataset.source !== "name") return;  // never over what was typed
      input.value = title;
      input.dataset.prefill = title;
      setSource(row, input, "pdf", texts);
    }).catch(() => {}).finally(() => { if (round === titleRound) row.dataset.read = "true"; });
  });
}

// The readers' list matters only for confidential documents; a document of a confidential agenda item
// cannot be public (the server says so too; here it is simply not offered).
// The big "choose files" area: shows what was chosen, and takes files dropped on it (desktop).
function wirePicker(form) {
  const fileInput = form.querySelector("input[type=file]");
  const zone = form.querySelector("[data-filepick]");
  const chosen = form.querySelector("[data-filepick-chosen]");
  if (!zone || !chosen) return;
  const show = () => {
    const names = [...fileInput.files].map((file) => file.name);
    if (!names.length) chosen.textContent = chosen.dataset.textNone;
    else if (names.length === 1) chosen.textContent = names[0];
    else chosen.textContent = `${format(chosen.dataset.textMany, { n: names.length })}: ${names.join(", ")}`;
    zone.classList.toggle("has-files", names.length > 0);
  };
  fileInput.addEventListener("change", show);
  wireDropZone(zone, fileInput);
  show();
}

function wireChoices(form) {
  wirePicker(form);
  const fileInput = form.querySelector("input[type=file]");
  const access = form.querySelector("select[name=access]");
  const item = form.querySelector("select[name=agenda_item_id]");
  const readers = form.querySelector("[data-readers]");
  const sync = () => {
    if (readers && access) readers.hidden = access.value !== "confidential";
    if (access && item) {
      const confidentialItem = item.selectedOptions[0]?.dataset.confidential === "true";
      const publicOption = access.querySelector("option[value=public]");
      if (publicOption) publicOption.disabled = confidentialItem;
      if (confidentialItem && access.value === "public") access.value = "participants";
    }
  };
  form.addEventListener("change", sync);
  fileInput.addEventListener("change", () => renderTitles(form));
  if (fileInput.files.length) renderTitles(form);  // chosen before this script ran (a slow tablet): no "change" comes
  sync();
}

document.querySelectorAll("form[data-upload]").forEach((form) => {
  wire(form);
  scriptReady(form);
});
