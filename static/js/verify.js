// Verifying the signatures of a PDF (templates/minutes/verify.html).
//
// The chosen file goes to POST /api/v1/verify (multipart, session cookie and X-CSRFToken); the answer
// {signed, signatures: [{signer, signed_at, intact, valid, trusted, modified_after, summary, …}]} becomes
// an overall verdict and a table. A refused file (not a PDF, damaged) shows the server's message. Texts come
// from data-text-* attributes on the form (translated by the server).

import { csrfToken, format, scriptReady, wireDropZone } from "./forms.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// "08:15, 09/12/2025" in the meeting system's time zone, as the server writes times elsewhere.
function localTime(iso, timeZone) {
  if (!iso) return "—";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(moment).map((part) => [part.type, part.value]));
  return `${parts.hour}:${parts.minute}, ${parts.day}/${parts.month}/${parts.year}`;
}

const sound = (signature) => signature.intact && signature.valid && !signature.modified_after;

function verdictOf(report, texts) {
  const signatures = report.signatures ?? [];
  if (!report.signed || !signatures.length) return { kind: "info", text: texts.unsigned };
  if (!signatures.every(sound)) return { kind: "error", text: texts.broken };
  if (!signatures.every((signature) => signature.trusted)) return { kind: "warning", text: texts.untrusted };
  return { kind: "success", text: texts.allValid };
}

function chip(ok, yes, no, test) {
  const node = el("span", `chip ${ok ? "chip--ok" : "chip--off"}`, ok ? yes : no);
  node.dataset.test = test;
  return node;
}

function wire(form) {
  const texts = Object.fromEntries(Object.entries(form.dataset)
    .filter(([key]) => key.startsWith("text"))
    .map(([key, value]) => [key.slice(4, 5).toLowerCase() + key.slice(5), value]));
  const input = form.querySelector("input[type=file]");
  const submit = form.querySelector("[type=submit]");
  const errorBox = document.querySelector("[data-verify-error]");
  const result = document.querySelector("[data-verify-result]");
  const verdict = result.querySelector("[data-verify-verdict]");
  const fileLine = result.querySelector("[data-verify-file]");
  const table = result.querySelector("[data-verify-table]");
  const rows = result.querySelector("[data-verify-rows]");
  const chosen = form.querySelector("[data-filepick-chosen]");
  const zone = form.querySelector("[data-filepick]");
  const timeZone = form.dataset.timezone || undefined;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    result.hidden = true;
  }

  function render(report, name) {
    const { kind, text } = verdictOf(report, texts);
    verdict.className = `alert alert--${kind} verify__verdict`;
    verdict.dataset.verdict = kind;
    verdict.textContent = text;
    fileLine.textContent = format(texts.file, { name });
    const signatures = report.signatures ?? [];
    rows.replaceChildren(...signatures.map((signature) => {
      const row = el("tr");
      row.dataset.test = "verify-row";
      const who = el("td");
      who.append(el("span", "verify__signer", signature.signer || texts.unknown));
      if (signature.reason) who.append(el("span", "table__sub", signature.reason));
      const when = el("td", "verify__when", localTime(signature.signed_at, timeZone));
      const integrity = el("td");
      integrity.append(chip(sound(signature), texts.intact, texts.modified, "verify-integrity"));
      const trust = el("td");
      trust.append(chip(signature.trusted, texts.trusted, texts.notTrusted, "verify-trust"));
      if (signature.summary) trust.append(el("span", "table__sub verify__summary", signature.summary));
      row.append(who, when, integrity, trust);
      return row;
    }));
    table.hidden = !signatures.length;
    result.hidden = false;
  }

  const showChosen = () => {
    const file = input.files[0];
    chosen.textContent = file ? file.name : chosen.dataset.textNone;
    zone.classList.toggle("has-files", Boolean(file));
  };
  input.addEventListener("change", showChosen);
  wireDropZone(zone, input);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const file = input.files[0];
    if (!file) {
      showError(texts.choose);
      input.click();
      return;
    }
    const body = new FormData();
    body.append("file", file, file.name);
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = texts.checking;
    form.setAttribute("aria-busy", "true");
    try {
      let response;
      try {
        response = await fetch(form.dataset.verifyUrl, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
        });
      } catch {
        showError(texts.network);
        return;
      }
      let payload = null;
      try {
        payload = await response.json();
      } catch {
        // not JSON: the generic message below
      }
      if (!response.ok) {
        if (response.status === 413) showError(texts.tooLarge);
        else showError(payload?.error?.message ?? format(texts.failed, { status: response.status }));
        return;
      }
      render(payload, file.name);
    } finally {
      submit.disabled = false;
      submit.textContent = label;
      form.removeAttribute("aria-busy");
    }
  });
}

document.querySelectorAll("form[data-verify]").forEach((form) => {
  wire(form);
  scriptReady(form);
});
