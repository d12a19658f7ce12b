// Cabinet's service worker: keeps what a member needs to read an upcoming meeting's documents without a
// network, and answers from that copy when the network is gone.
//
// - Served from /sw.js (scope "/") by cabinet/web/offline.py; registered by static/js/offline.js.
// - Nothing is kept until a meeting page asks ("cache-meeting"): that page, the viewer page, the Document
//   JSON, the full PDF (no Range) and the annotations of each document the member may read, the agenda,
//   and the static files (styles, scripts, static/vendor/pdfjs/*).
// - Caches are named per user: cabinet-u<user>-shared (static files, the meetings list) and
//   cabinet-u<user>-m<meeting>. The page says who is logged in ("user"); another user's caches are
//   deleted then, and never answer. Logging out deletes them all (offline.js, and the server's
//   Clear-Site-Data header).
// - Every GET goes to the network first; only when that fails is the kept copy used. A kept page or
//   JSON answer is refreshed when the same URL is fetched again online. The PDF is kept whole (and
//   downloaded again only for a new version); PDF.js asks for byte ranges, which are cut from the kept
//   file (206 with Content-Range).
// - Writes (annotations made offline) are not the worker's: the viewer's outbox (static/js/outbox.js)
//   keeps them in IndexedDB and sends them when the tablet is online again.

const PREFIX = "cabinet-u";
const META = "cabinet-meta";
const META_USER = "/__cabinet/user";
const INDEX = "/__cabinet/index";  // in a meeting cache: {files: {url: version}}
const PARALLEL = 3;
const NEVER = ["/sw.js", "/logout", "/login", "/socket.io/"];
const GATEWAY_DOWN = [502, 503, 504];

let currentUser;  // undefined: not read yet from META; null: nobody
let generation = 0;  // a logout ends every keeping still under way: nothing is written after it

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// --- whose caches ---------------------------------------------------------------------------------

async function whoIsLoggedIn() {
  if (currentUser !== undefined) return currentUser;
  const kept = await caches.match(META_USER, { cacheName: META });  // (caches.open would create it)
  currentUser = kept ? await kept.text() : null;
  return currentUser;
}

async function userCaches(user) {
  const prefix = `${PREFIX}${user}-`;
  return (await caches.keys()).filter((name) => name.startsWith(prefix));
}

async function setUser(user) {
  currentUser = String(user);
  await (await caches.open(META)).put(META_USER, new Response(currentUser));
  const mine = `${PREFIX}${currentUser}-`;
  const others = (await caches.keys()).filter((name) => name.startsWith(PREFIX) && !name.startsWith(mine));
  await Promise.all(others.map((name) => caches.delete(name)));
}

async function lookup(request) {
  const user = await whoIsLoggedIn();
  if (!user) return undefined;
  for (const name of await userCaches(user)) {
    const hit = await (await caches.open(name)).match(request, { ignoreVary: true });
    if (hit) return hit;
  }
  return undefined;
}

// A URL fetched again online replaces the copy kept of it (only where one is kept).
async function refresh(request, response) {
  const user = await whoIsLoggedIn();
  if (!user) return;
  for (const name of await userCaches(user)) {
    const cache = await caches.open(name);
    if (await cache.match(request, { ignoreVary: true })) {
      await cache.put(request.url, response);
      return;
    }
  }
}

// --- keeping a meeting ----------------------------------------------------------------------------

// One GET, whole and fresh; the server is told it is an offline copy (not a read by the member).
async function download(url, { prefetch = false } = {}) {
  const headers = prefetch ? { "X-Cabinet-Prefetch": "offline" } : {};
  const response = await fetch(url, { credentials: "same-origin", cache: "no-cache", headers });
  if (!response.ok || response.redirected) throw new Error(`${url}: ${response.status}`);
  return response;
}

async function readIndex(cache) {
  const kept = await cache.match(INDEX);
  return kept ? kept.json() : { files: {}, assets: null };
}

// Run `work` over `items`, a few at a time; report each finished item.
async function inParallel(items, work, onDone) {
  let next = 0;
  const failed = [];
  async function lane() {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed.push(String(error.message || error));
      }
      onDone();
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
  return failed;
}

async function forgetEverything() {
  generation += 1;
  currentUser = null;
  await Promise.all((await caches.keys()).map((name) => caches.delete(name)));
}

async function keepMeeting(plan, report) {
  const mine = generation;
  await setUser(plan.user);
  const shared = await caches.open(`${PREFIX}${plan.user}-shared`);
  const meeting = await caches.open(`${PREFIX}${plan.user}-m${plan.meeting}`);
  const index = await readIndex(meeting);
  const sharedIndex = await readIndex(shared);
  // Static files are downloaded again only when they changed on the server (a new version).
  const assets = sharedIndex.assets === plan.assets_version ? [] : plan.assets;
  const put = async (cache, url, response) => {
    if (mine !== generation) throw new Error("logged out");
    await cache.put(url, response);
  };
  const keep = (cache, url) => async () => put(cache, url, await download(url));
  const jobs = [
    ...assets.map((url) => keep(shared, url)),
    ...plan.pages.map((url) => keep(shared, url)),
    ...plan.urls.map((url) => keep(meeting, url)),
    ...plan.files.map((file) => async () => {
      // An unchanged version is not downloaded (nor stamped) again.
      if (file.version && index.files[file.url] === file.version && await meeting.match(file.url)) return;
      await put(meeting, file.url, await download(file.url, { prefetch: true }));
      index.files[file.url] = file.version;
    }),
  ];
  let done = 0;
  const failed = await inParallel(jobs, (job) => job(), () => report({ type: "progress", done: ++done, total: jobs.length }));
  if (mine !== generation) {
    report({ type: "done", total: jobs.length, failed: ["logged out"] });
    return;
  }
  if (!failed.length) {
    // Documents no longer in the meeting (or no longer readable) go away; only after a full success,
    // so that opening the page offline never empties the copy.
    const wanted = new Set([...plan.urls, ...plan.files.map((file) => file.url), INDEX]
      .map((url) => new URL(url, self.location.origin).href));
    for (const request of await meeting.keys()) {
      if (!wanted.has(request.url)) await meeting.delete(request);
    }
    for (const url of Object.keys(index.files)) {
      if (!plan.files.some((file) => file.url === url)) delete index.files[url];
    }
    sharedIndex.assets = plan.assets_version;
  }
  await meeting.put(INDEX, jsonResponse(index));
  await shared.put(INDEX, jsonResponse(sharedIndex));
  report({ type: "done", total: jobs.length, failed });
}

function jsonResponse(value) {
  return new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } });
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const port = event.ports[0];
  const report = (answer) => port?.postMessage(answer);
  if (message.type === "user") {
    event.waitUntil(setUser(message.user).then(() => report({ type: "done" })));
  } else if (message.type === "logout") {
    event.waitUntil(forgetEverything().then(() => report({ type: "done" })));
  } else if (message.type === "cache-meeting") {
    event.waitUntil(keepMeeting(message.plan, report).catch((error) => report({ type: "done", failed: [String(error)] })));
  }
});

// --- answering ------------------------------------------------------------------------------------

function isDocumentFile(url) {
  return /^\/api\/v1\/documents\/\d+\/file$/.test(url.pathname);
}

async function networkFirst(event) {
  const { request } = event;
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && response.type === "basic") {
      event.waitUntil(refresh(request, response.clone()));
    } else if (GATEWAY_DOWN.includes(response.status)) {
      return (await lookup(request)) || response;  // the proxy answers but the server does not
    }
    return response;
  } catch (error) {
    const kept = await lookup(request);
    if (kept) return kept;
    if (request.mode === "navigate") {
      const page = await lookup(new Request("/offline"));
      if (page) return page;
    }
    throw error;
  }
}

// "bytes=a-b", "bytes=a-" or "bytes=-n" cut from the kept whole file; anything else gets the whole file.
async function partial(whole, header) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return whole;
  const blob = await whole.blob();
  const size = blob.size;
  let start;
  let end;
  if (match[1] === "") {
    start = Math.max(size - Number(match[2]), 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  return new Response(blob.slice(start, end + 1, "application/pdf"), {
    status: 206,
    statusText: "Partial Content",
    headers: {
      "Content-Type": "application/pdf",
      "Content-Length": String(end - start + 1),
      "Content-Range": `bytes ${start}-${end}/${size}`,
      "Accept-Ranges": "bytes",
      "Cache-Control": "no-store",
    },
  });
}

async function documentFile({ request }) {
  const range = request.headers.get("Range");
  try {
    // Online, the file is not copied again here: PDF.js stops reading the whole answer once it knows it
    // may ask for ranges, and a copy would download it all. The meeting page keeps the copy current.
    return await fetch(request);
  } catch (error) {
    const whole = await lookup(new Request(request.url));
    if (!whole) throw error;
    return range ? partial(whole, range) : whole;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.some((path) => url.pathname.startsWith(path))) return;
  event.respondWith(isDocumentFile(url) ? documentFile(event) : networkFirst(event));
});
