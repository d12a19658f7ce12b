// The consultation page: a member's answer goes through the outbox (static/js/outbox.js), so an answer
// given without network is kept on the tablet and sent when it returns; the server recognises a resent
// answer by its client_id. Signing the recorded answer happens on the server: offline, its button waits. The progress ("14 of 25 members have answered") and, for the secretariat and
// the chair, the lists of who has answered follow the meeting's live events.

import { enqueue, flush, outboxEvents, pending } from "./outbox.js";
import { LiveConnection } from "./live/connection.js";

const root = document.querySelector("[data-consultation]");
const meetingId = Number(root?.dataset.meetingId);
const form = document.querySelector("[data-answer-form]");
const statusLine = document.querySelector("[data-answer-status]");
const progress = document.querySelector("[data-progress]");
const answersUrl = `/api/v1/consultations/${meetingId}/answers`;

function say(key, { error = false } = {}) {
  if (!statusLine) return;
  statusLine.textContent = key.startsWith("msg") ? form.dataset[key] : key;
  statusLine.classList.toggle("is-error", error);
}

function newClientId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** The form's answers, or the number of the first question left unanswered. */
function collect() {
  const answers = [];
  for (const [index, fieldset] of [...form.querySelectorAll("[data-question-id]")].entries()) {
    const choice = fieldset.querySelector("input[type=radio]:checked")?.value ?? null;
    const text = fieldset.querySelector("textarea").value.trim();
    const kind = fieldset.dataset.kind;
    if ((kind === "choice" && (!choice || (choice === "other" && !text))) || (kind === "text" && !text)) {
      return { missing: index + 1, fieldset };
    }
    answers.push({ question_id: Number(fieldset.dataset.questionId), choice, text });
  }
  return { answers };
}

async function submit(event) {
  event.preventDefault();
  const { answers, missing, fieldset } = collect();
  if (missing) {
    say(form.dataset.msgMissing.replace("{n}", missing), { error: true });
    fieldset.querySelector("input, textarea")?.focus();
    return;
  }
  const clientId = newClientId();
  form.elements.client_id.value = clientId;
  await enqueue({ client_id: clientId, method: "PUT", url: answersUrl, body: { client_id: clientId, answers },
                  label: form.dataset.label });
  say(navigator.onLine ? "msgSending" : "msgQueued");
}

function showProgress(counts) {
  if (!progress || !counts) return;
  progress.textContent = progress.dataset.text.replace("{answered}", counts.answered).replace("{total}", counts.total);
}

async function refreshWho() {
  if (!document.querySelector("[data-test=waiting]")) return;
  // the lists of names are the server's to draw: fetch the page again and take its section
  const page = await fetch(window.location.pathname, { credentials: "same-origin" });
  if (!page.ok) return;
  const fresh = new DOMParser().parseFromString(await page.text(), "text/html");
  for (const name of ["waiting", "answered", "waiting-count", "answered-count", "signed-count"]) {
    const now = fresh.querySelector(`[data-test="${name}"]`);
    const shown = document.querySelector(`[data-test="${name}"]`);
    if (now && shown) shown.replaceWith(now);
  }
  showProgress(JSON.parse(fresh.querySelector("[data-progress]")?.dataset.counts ?? "null"));
}

if (form && statusLine) {
  form.addEventListener("submit", submit);
  outboxEvents.addEventListener("sent", (event) => {
    if (event.detail.op.url !== answersUrl) return;
    say("msgSent");
    window.setTimeout(() => window.location.reload(), 600);
  });
  outboxEvents.addEventListener("rejected", (event) => {
    if (event.detail.op.url === answersUrl) say(event.detail.error?.message ?? "", { error: true });
  });
  pending().then((ops) => { if (ops.some((op) => op.url === answersUrl)) say("msgWaiting"); }).catch(() => {});
}
flush();

const signForm = document.querySelector("[data-answer-sign-form]");
function showSignable() {
  if (!signForm) return;
  signForm.querySelector("button").disabled = !navigator.onLine;
  signForm.querySelector("[data-answer-sign-offline]").hidden = navigator.onLine;
}
window.addEventListener("online", showSignable);
window.addEventListener("offline", showSignable);
showSignable();

if (root && meetingId) {
  new LiveConnection(meetingId, {
    onState: (_state, joins) => { if (joins > 1) refreshWho(); },
    onEvent: (name, payload) => {
      if (name === "consultation.progress") {
        showProgress(payload);
        refreshWho();
      } else if (name === "meeting.status" || name === "consultation.signed" || name === "consultation.changed") {
        if (!form || !form.contains(document.activeElement)) window.location.reload();
      }
    },
    onStatus: () => {},
  }).start();
}
