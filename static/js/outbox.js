// The outbox: changes a tablet makes (annotations today) wait in IndexedDB until the server has them.
//
//   enqueue({client_id, method, url, body})  store one change, then try to send
//   flush()                                   send what waits, in order; safe to call any time, from any page
//   pending()                                 the changes still waiting (oldest first)
//   outboxEvents                              "sent" {op, data} · "rejected" {op, status, error} · "state" {state, count, message}
//   refusals() / forgetRefusals()             the refused changes not yet acknowledged (every page shows them)
//
// Database `cabinet-outbox`, store `ops` (one record per change, in the order they were made).
// A change to something the server has not numbered yet (an annotation created offline) has the
// placeholder `{id}` in its URL; once the creation is sent, the server's id replaces it (store `ids`
// keeps client_id → id). Creations carry a client_id the server deduplicates on, so a retry after a lost
// answer never makes a second copy. Network failures, 5xx, 408 and 429 keep the change and retry later
// (2 s, doubling up to a minute, and at once when the browser comes back online); 401 and a refused
// security token keep it until its author logs in again (a change is only ever sent in its author's
// session: a tablet may change hands without a logout); any other refusal drops that one change and
// reports the server's message — and remembers it (localStorage) until the reader acknowledges it, since the
// refusal may come on another page than the one the change was made on (an answer given offline reaching
// the server after the deadline): each change carries a `label` and the `page` it was made on for that.

const DB_NAME = "cabinet-outbox";
const DB_VERSION = 1;
const OPS = "ops";
const IDS = "ids";
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 60000;

export const outboxEvents = new EventTarget();
export const ID_PLACEHOLDER = "{id}";

let dbPromise = null;
let running = null;
let again = false;
let retryTimer = null;
let retryDelay = RETRY_FIRST_MS;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(OPS)) db.createObjectStore(OPS, { keyPath: "seq", autoIncrement: true });
        if (!db.objectStoreNames.contains(IDS)) db.createObjectStore(IDS, { keyPath: "client_id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("cabinet-outbox is blocked by another tab"));
    });
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("transaction aborted"));
  });
}

function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Every change still waiting, oldest first. */
export async function pending() {
  const db = await openDb();
  return (await result(db.transaction(OPS).objectStore(OPS).getAll())).filter(mine);
}

// Whose tablet it is now (<meta name="cabinet-user">): a change is sent only in its own author's session. On a
// tablet handed over without logging out, what the first member queued offline waits for her — it is never
// sent (nor its refusal shown) in the next person's name. (A change kept from before owners were recorded
// has none, and goes with whoever is logged in, as it did.)
function currentUser() {
  return globalThis.document?.querySelector('meta[name="cabinet-user"]')?.content ?? "";
}

function mine(op) {
  return !op.user || op.user === currentUser();
}

/** Keep one change ({client_id, method, url, body}) and start sending. Resolves once it is stored. */
export async function enqueue(op) {
  const record = {
    client_id: op.client_id ?? null,
    method: op.method,
    url: op.url,
    body: op.body ?? null,
    label: op.label ?? "",
    page: op.page ?? globalThis.location?.pathname ?? "",
    user: currentUser(),
    queued_at: new Date().toISOString(),
  };
  const db = await openDb();
  const transaction = db.transaction(OPS, "readwrite");
  const seq = await result(transaction.objectStore(OPS).add(record));
  await done(transaction);
  await announce();
  flush();
  return seq;
}

function csrfToken(given) {
  if (given) return given;
  return globalThis.document?.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

async function announce(state, message) {
  let count = 0;
  try {
    count = (await pending()).length;
  } catch {
    // IndexedDB unavailable: nothing can wait here
  }
  const current = state ?? (running ? "sending" : count ? "waiting" : "idle");
  outboxEvents.dispatchEvent(new CustomEvent("state", { detail: { state: current, count, message: message ?? null } }));
  return count;
}

function scheduleRetry() {
  if (retryTimer) return;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    flush();
  }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

async function resolveUrl(db, op) {
  if (!op.url.includes(ID_PLACEHOLDER)) return op.url;
  const known = await result(db.transaction(IDS).objectStore(IDS).get(op.client_id));
  return known ? op.url.replace(ID_PLACEHOLDER, String(known.id)) : null;
}

async function readError(response) {
  try {
    const body = await response.json();
    if (body?.error) return body.error;
  } catch {
    // not JSON
  }
  return { code: `http_${response.status}`, message: `${response.status} ${response.statusText}`.trim() };
}

async function finish(db, op, data) {
  const transaction = db.transaction([OPS, IDS], "readwrite");
  transaction.objectStore(OPS).delete(op.seq);
  if (op.method === "POST" && data && data.id != null && op.client_id) {
    transaction.objectStore(IDS).put({ client_id: op.client_id, id: data.id });
  }
  if (op.method === "DELETE" && op.client_id) transaction.objectStore(IDS).delete(op.client_id);
  await done(transaction);
}

// Send the oldest change; answer what to do next: "next", "retry" or "blocked".
async function sendOne(db, op, token) {
  const url = await resolveUrl(db, op);
  if (url === null) {
    // Its creation was refused (or never queued): nothing on the server to change.
    await finish(db, op, null);
    outboxEvents.dispatchEvent(new CustomEvent("rejected", { detail: { op, status: 0, error: null } }));
    return "next";
  }
  const headers = { Accept: "application/json", "X-CSRFToken": token };
  if (op.body !== null) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method: op.method,
      credentials: "same-origin",
      headers,
      body: op.body !== null ? JSON.stringify(op.body) : undefined,
    });
  } catch {
    return "retry";  // offline or the server is unreachable
  }
  if (response.ok || (op.method === "DELETE" && response.status === 404)) {
    let data = null;
    if (response.status !== 204) data = await response.json().catch(() => null);
    await finish(db, op, data);
    outboxEvents.dispatchEvent(new CustomEvent("sent", { detail: { op: { ...op, url }, data } }));
    return "next";
  }
  const error = await readError(response);
  if (response.status >= 500 || response.status === 408 || response.status === 429) return "retry";
  if (response.status === 401 || error.code === "csrf_failed") {
    await announce("blocked", error.message);
    return "blocked";
  }
  await finish(db, op, null);
  remember({ label: op.label ?? "", page: op.page ?? "", message: error?.message ?? "", at: new Date().toISOString() });
  outboxEvents.dispatchEvent(new CustomEvent("rejected", { detail: { op: { ...op, url }, status: response.status, error } }));
  return "next";
}

const refusedKey = () => `cabinet-outbox-refused:${currentUser()}`;  // each person's own
const KEEP_REFUSED = 20;

function remember(refusal) {
  try {
    localStorage.setItem(refusedKey(), JSON.stringify([...refusals(), refusal].slice(-KEEP_REFUSED)));
  } catch {
    // storage full or off: the page's own "rejected" listener is then the only word
  }
}

/** The refused changes the reader has not acknowledged yet, oldest first: {label, page, message, at}. */
export function refusals() {
  try {
    const kept = JSON.parse(localStorage.getItem(refusedKey()) ?? "[]");
    return Array.isArray(kept) ? kept : [];
  } catch {
    return [];
  }
}

export function forgetRefusals() {
  try {
    localStorage.removeItem(refusedKey());
  } catch {
    // nothing kept
  }
}

async function drain(options) {
  const db = await openDb();
  const token = csrfToken(options.csrfToken);
  for (;;) {
    const [next] = await pending();
    if (!next) {
      retryDelay = RETRY_FIRST_MS;
      return "idle";
    }
    if (globalThis.navigator && navigator.onLine === false) return "retry";
    const outcome = await sendOne(db, next, token);
    if (outcome !== "next") return outcome;
    await announce("sending");
  }
}

/** Send every waiting change, oldest first. Concurrent calls share one run; tabs take turns (Web Locks). */
export function flush(options = {}) {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    let outcome;
    do {
      again = false;
      await announce("sending");
      try {
        const locks = globalThis.navigator?.locks;
        outcome = locks ? await locks.request(DB_NAME, () => drain(options)) : await drain(options);
      } catch (error) {
        outcome = "retry";
        console.warn("outbox:", error);
      }
    } while (again && outcome === "idle");
    return outcome;
  })();
  return running.then(async (outcome) => {
    running = null;
    if (outcome === "retry") scheduleRetry();
    if (outcome !== "blocked") await announce();
    return outcome;
  });
}

if (globalThis.addEventListener) {
  globalThis.addEventListener("online", () => {
    retryDelay = RETRY_FIRST_MS;
    flush();
  });
}
