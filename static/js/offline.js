// Offline reading, the page side (every page of a logged-in user; see static/sw.js for the worker).
//
// - Registers the service worker and tells it who is logged in (<meta name="cabinet-user">), so that it
//   answers only from this user's copies and deletes anyone else's.
// - On a meeting page that carries a plan (<script type="application/json" id="offline-plan">), asks the
//   worker to keep that meeting's pages and documents, and shows how far it got; the status element
//   gets data-offline-ready="true" once everything is kept.
// - Keeps it again when the meeting page swaps in a fresh plan ("cabinet:offline-plan", sent by
//   meeting-documents.js after a document changed): a withdrawn document's kept copy goes at once.
// - Shows a banner while the tablet is offline.
// - When the tablet is online again (and on every page load), sends the annotations the viewer's outbox
//   kept while offline (static/js/outbox.js, flush()).
// - Shows the changes the server refused when they were sent (static/js/outbox.js remembers them, whichever
//   page sent them) until the reader acknowledges them.
// - Logging out first sends what is pending, then deletes every cache before the form is sent (the
//   server's answer also carries Clear-Site-Data).

const user = document.querySelector('meta[name="cabinet-user"]')?.content;
const banner = document.querySelector("[data-offline-banner]");
// (Both are looked up when used: the meeting page may swap them for fresh ones.)
const currentStatus = () => document.querySelector("[data-offline-status]");
const currentPlan = () => document.getElementById("offline-plan");

const wait = (ms) => new Promise((resolve) => { window.setTimeout(resolve, ms); });

// --- the annotation outbox ----------------------------------------------------------------------------

let outbox;
let flushing = null;

async function loadOutbox() {
  if (!outbox) {
    outbox = await import("./outbox.js");
    outbox.outboxEvents.addEventListener("rejected", showRefusals);
  }
  return outbox;
}

async function flushOutbox() {
  if (!navigator.onLine) return;
  if (flushing) return flushing;
  flushing = (async () => {
    try {
      await loadOutbox();
      if (typeof outbox.flush === "function") await outbox.flush();
    } catch (error) {
      console.warn("offline: the annotation outbox could not be sent yet", error);
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

/** The refused changes, named and with the server's reason, each linking to the page it was made on. */
function showRefusals() {
  const notice = document.querySelector("[data-refused-notice]");
  if (!notice || !outbox) return;
  const list = notice.querySelector("[data-refused-list]");
  const refused = outbox.refusals();
  list.replaceChildren(...refused.map((refusal) => {
    const item = document.createElement("li");
    const what = document.createElement(refusal.page ? "a" : "strong");
    what.textContent = refusal.label || notice.dataset.defaultLabel;
    if (refusal.page) what.href = refusal.page;
    item.append(what, `: ${refusal.message || notice.dataset.defaultReason}`);
    return item;
  }));
  notice.hidden = refused.length === 0;
}

function guardRefusals() {
  const notice = document.querySelector("[data-refused-notice]");
  if (!notice) return;
  notice.querySelector("[data-refused-dismiss]")?.addEventListener("click", () => {
    outbox?.forgetRefusals();
    showRefusals();
  });
  loadOutbox().then(showRefusals).catch(() => {});
}

// --- the service worker -----------------------------------------------------------------------------

async function activeWorker() {
  if (!user || !("serviceWorker" in navigator)) return null;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    return registration.active;
  } catch (error) {
    console.warn("offline: the service worker is not available", error);
    return null;
  }
}

// Send one message to the worker; `onReport` hears its progress; resolves with its final answer.
function ask(worker, message, onReport) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.addEventListener("message", (event) => {
      onReport?.(event.data);
      if (event.data?.type === "done") {
        channel.port1.close();
        resolve(event.data);
      }
    });
    channel.port1.start();
    worker.postMessage(message, [channel.port2]);
  });
}

// --- what the page shows ------------------------------------------------------------------------------

function showConnection() {
  if (banner) banner.hidden = navigator.onLine;
  document.documentElement.classList.toggle("is-offline", !navigator.onLine);
}

function showStatus(state, text) {
  const status = currentStatus();
  if (!status) return;
  status.dataset.state = state;
  status.hidden = false;
  const label = status.querySelector("[data-offline-text]") || status;
  label.textContent = text;
  if (state === "ready") status.dataset.offlineReady = "true";
  else delete status.dataset.offlineReady;
}

async function keepMeeting(worker) {
  const planElement = currentPlan();
  const status = currentStatus();
  if (!planElement || !status) return;
  if (!navigator.onLine) {
    showStatus("offline", status.dataset.textOffline);
    return;
  }
  const plan = JSON.parse(planElement.textContent);
  showStatus("saving", status.dataset.textSaving);
  const answer = await ask(worker, { type: "cache-meeting", plan }, (report) => {
    if (report.type === "progress") {
      showStatus("saving", `${status.dataset.textSaving} ${Math.round((100 * report.done) / report.total)}%`);
    }
  });
  if (answer.failed?.length) {
    console.warn("offline: not everything could be kept", answer.failed);
    showStatus("partial", status.dataset.textPartial);
  } else {
    showStatus("ready", status.dataset.textReady);
  }
}

// --- logging out ------------------------------------------------------------------------------------

async function forgetEverything(worker) {
  if (worker) await Promise.race([ask(worker, { type: "logout" }), wait(2000)]);
  if ("caches" in window) {
    const names = await caches.keys();
    await Promise.all(names.map((name) => caches.delete(name)));
  }
}

function guardLogout(form, workerPromise) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.leaving === "true") return;
    event.preventDefault();
    form.dataset.leaving = "true";
    try {
      await Promise.race([flushOutbox(), wait(3000)]);
      await forgetEverything(await Promise.race([workerPromise, wait(1000)]));
    } finally {
      form.submit();
    }
  });
}

// --- start ----------------------------------------------------------------------------------------------

if (user) {
  showConnection();
  guardRefusals();
  window.addEventListener("online", () => { showConnection(); flushOutbox(); });
  window.addEventListener("offline", showConnection);
  const workerPromise = activeWorker();
  document.querySelectorAll("form[data-logout]").forEach((form) => guardLogout(form, workerPromise));
  workerPromise.then(async (worker) => {
    if (!worker) return;
    await ask(worker, { type: "user", user });
    await keepMeeting(worker);
    window.addEventListener("cabinet:offline-plan", () => keepMeeting(worker));
  });
  flushOutbox();
}
