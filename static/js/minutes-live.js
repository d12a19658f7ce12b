// Keeps the minutes page current while others work on the same minutes (another secretary saves, the chair
// signs, a correction is opened): the meeting's `minutes.updated` event, and every reconnection, make the
// page ask the server which revision and status the minutes have now. When they differ from what the page
// shows, `onChanged(minutes)` decides what to do (reload, or warn first when there are unsaved changes).
//
// The event is only a cue: the answer of GET /api/v1/minutes/{id} is the truth. The page's own save, restore
// or signature also sends the event; while one of its requests is in flight (`isBusy()`) the check waits, so
// the page never takes its own change for someone else's.

import { LiveConnection } from "./live/connection.js";

const SETTLE_MS = 700;

export function watchMinutes(root, { isBusy, onChanged }) {
  const meetingId = Number(root.dataset.meetingId);
  let timer = 0;

  function check() {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      if (isBusy()) {
        check();
        return;
      }
      const minutesId = root.dataset.minutesId;
      const path = minutesId ? `/api/v1/minutes/${minutesId}` : `/api/v1/meetings/${meetingId}/minutes`;
      try {
        const response = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;  // no minutes yet (404): nothing new to show
        const minutes = await response.json();
        if (isBusy()) {
          check();
        } else if (String(minutes.revision) !== root.dataset.revision || minutes.status !== root.dataset.status) {
          onChanged(minutes);
        }
      } catch {
        // offline: the reconnection checks again
      }
    }, SETTLE_MS);
  }

  return new LiveConnection(meetingId, {
    onStatus: (status) => { root.dataset.live = status; },
    onState: (state, joins) => { if (joins > 1) check(); },
    onEvent: (name) => { if (name === "minutes.updated") check(); },
  }).start();
}
