// The live connection of a meeting page (docs/LIVE.md): Socket.IO with the session cookie, `join` for a
// snapshot, then the meeting's numbered events applied in order.
//
// - An event with seq === last + 1 is applied (and becomes the last); seq <= last is a duplicate and is
//   ignored; a gap means something was missed: join again for a fresh snapshot.
// - `poll.progress` is derived and carries the current seq without taking one: applied without advancing.
// - Every (re)connection joins again. When the tablet loses the network (the browser's `offline`), the
//   socket is closed at once and opened again on `online`, so the page never trusts a dead connection.

import { io } from "../../vendor/socket.io/socket.io.esm.min.js";

const NUMBERED = ["meeting.status", "agenda.updated", "agenda.current", "attendance.updated", "present.page",
  "speakers.updated", "poll.opened", "poll.closed", "document.published", "document.version",
  "document.updated", "document.withdrawn", "annotation.shared", "minutes.updated"];

export class LiveConnection {
  /**
   * @param {number} meetingId
   * @param {{onState: Function, onEvent: Function, onStatus: Function}} handlers
   *   onState(state) after every join; onEvent(name, payload) for each event to apply;
   *   onStatus("connecting" | "online" | "reconnecting" | "offline") when the connection changes.
   */
  constructor(meetingId, handlers) {
    this.meetingId = meetingId;
    this.handlers = handlers;
    this.last = -1;
    this.joined = false;
    this.joining = null;
    this.joins = 0;
    this.buffer = [];
    this.socket = io({ transports: ["websocket", "polling"], autoConnect: false });
    this.socket.on("connect", () => this.join());
    this.socket.on("disconnect", () => {
      this.joined = false;
      this.status(navigator.onLine ? "reconnecting" : "offline");
    });
    this.socket.on("connect_error", () => this.status(navigator.onLine ? "reconnecting" : "offline"));
    for (const name of NUMBERED) this.socket.on(name, (payload) => this.numbered(name, payload));
    this.socket.on("poll.progress", (payload) => this.progress(payload));
    this.socket.on("session.ended", () => { window.location.assign("/login"); });
    window.addEventListener("offline", () => {
      this.socket.disconnect();
      this.status("offline");
    });
    window.addEventListener("online", () => {
      this.status("reconnecting");
      if (!this.socket.connected) this.socket.connect();
    });
  }

  start() {
    if (!navigator.onLine) {  // opened from the tablet's copy: connect when the network is back
      this.status("offline");
      return this;
    }
    this.status("connecting");
    this.socket.connect();
    return this;
  }

  status(value) {
    this.handlers.onStatus?.(value);
  }

  /** Join the meeting's room (again) and hand the snapshot over; concurrent calls share one request. */
  join() {
    if (this.joining) return this.joining;
    this.joining = (async () => {
      try {
        const answer = await this.socket.timeout(10000).emitWithAck("join", { meeting_id: this.meetingId });
        if (!answer?.ok) {
          this.buffer = [];
          this.handlers.onError?.(answer?.error);
          return;
        }
        this.last = answer.state.seq;
        this.joined = true;
        this.joins += 1;
        this.status("online");
        await this.handlers.onState(answer.state, this.joins);
        const waiting = this.buffer.splice(0);
        this.joining = null;
        for (const [name, payload] of waiting) this.numbered(name, payload);
      } catch (error) {
        this.buffer = [];
        // No answer in time: the connection is gone or stuck; the next connect joins again.
        if (this.socket.connected) window.setTimeout(() => { this.joining = null; this.join(); }, 2000);
      } finally {
        this.joining = null;
      }
    })();
    return this.joining;
  }

  numbered(name, payload) {
    if (payload?.meeting_id !== this.meetingId) return;
    if (this.joining) {
      this.buffer.push([name, payload]);  // the snapshot on its way may or may not include it
      return;
    }
    if (!this.joined) return;
    const seq = payload.seq;
    if (typeof seq !== "number" || seq <= this.last) return;
    if (seq !== this.last + 1) {
      this.join();
      return;
    }
    this.last = seq;
    this.handlers.onEvent(name, payload);
  }

  progress(payload) {
    if (payload?.meeting_id !== this.meetingId || !this.joined) return;
    if (payload.seq > this.last) {
      this.join();  // something numbered was missed before this count
      return;
    }
    this.handlers.onEvent("poll.progress", payload);
  }

  /** An acknowledged socket event; rejects when there is no connection or no answer in time. */
  async request(name, data, timeout = 8000) {
    if (!this.socket.connected) throw Object.assign(new Error("offline"), { offline: true });
    const answer = await this.socket.timeout(timeout).emitWithAck(name, data);
    if (!answer?.ok) throw Object.assign(new Error(answer?.error?.message || "refused"), { answer });
    return answer;
  }
}
