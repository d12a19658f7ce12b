// The top bar's "Việc cần làm" count, kept current: the server pushes `inbox.count` {count} to the user's
// room whenever something changes what waits for them (services/inbox.py). After every (re)connection the
// count is asked for once (`inbox.ask`, over the socket), for what changed while it was not there. 0 hides
// the badge.
// Its own connection: sharing the meeting pages' one (js/live/connection.js) broke the minutes page's
// reconnection after a reload (tests/e2e/test_minutes_editor.py); one socket per page is still to be done.

import { io } from "../vendor/socket.io/socket.io.esm.min.js";

const badge = document.querySelector("[data-inbox-count]");

function show(count) {
  if (typeof count !== "number" || count < 0) return;
  badge.textContent = String(count);
  badge.hidden = count === 0;
  badge.setAttribute("aria-label", (badge.dataset.label || "COUNT").replace("COUNT", String(count)));
  badge.dataset.updated = String(Date.now());
}

if (badge) {
  const socket = io({ transports: ["websocket", "polling"], autoConnect: false });
  socket.on("inbox.count", (payload) => show(payload?.count));
  socket.on("connect", async () => {
    try {  // over the socket: a tablet going offline right now fails quietly (an HTTP request logs an error)
      const answer = await socket.timeout(10000).emitWithAck("inbox.ask", {});
      if (answer?.ok) show(answer.count);
    } catch {
      // offline again: the next connection asks again
    }
  });
  window.addEventListener("offline", () => socket.disconnect());
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });
  if (navigator.onLine && !socket.connected) socket.connect();
}
