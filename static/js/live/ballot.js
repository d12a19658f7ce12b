// Casting a ballot from a tablet, wherever the member taps (the live page's poll card, the vote banner on
// the meeting page or in the document reader): one place decides how a ballot leaves and comes back.
//
// - A ballot gets a key when first tapped, kept in sessionStorage with the choice: a retry (after a 503,
//   a lost connection, a reload) is the same ballot, and the server answers it with the same receipt.
// - Offline, the ballot waits ("queued") and leaves at the next join (resume), with its key.
// - A vote that closed while the ballot was still waiting was not counted: `onLost` says so.

const RETRY_LATER = ["ballot_box_busy", "ballot_pending", "unavailable"];  // 503: nothing refused
const RETRY_MS = 2000;

export class Ballots {
  /**
   * @param {{connection: object, userId: number, onChange: Function, onFailed: Function, onLost: Function}} options
   *   onChange(pollId) after every change of a poll's ballot; onFailed(error) when the server refused it;
   *   onLost(pollId) when a kept ballot's vote closed before it could leave.
   */
  constructor({ connection, userId, onChange, onFailed, onLost }) {
    this.connection = connection;
    this.userId = userId;
    this.onChange = onChange || (() => {});
    this.onFailed = onFailed || (() => {});
    this.onLost = onLost || (() => {});
    this.sending = new Map();  // poll id -> "pending" | "queued" while a ballot is on its way
    this.done = new Map();     // poll id -> {receipt} once this tablet's ballot was counted
    this.open = new Set();     // ids of the polls open now, as far as this tablet knows
  }

  storageKey(pollId) {
    return `cabinet.ballot.${this.userId}.${pollId}`;
  }

  /** The ballot kept for a poll ({key, option}), or null. */
  pending(pollId) {
    try {
      return JSON.parse(window.sessionStorage.getItem(this.storageKey(pollId)) || "null");
    } catch (error) {
      return null;
    }
  }

  /** "pending" | "queued" | undefined */
  state(pollId) {
    return this.sending.get(pollId);
  }

  voted(pollId) {
    return this.done.has(pollId);
  }

  receipt(pollId) {
    return this.done.get(pollId)?.receipt;
  }

  /** What this tablet sent for the poll, once counted (only this tablet knows; the server never says). */
  chosen(pollId) {
    return this.done.get(pollId)?.option;
  }

  clear(pollId) {
    window.sessionStorage.removeItem(this.storageKey(pollId));
    this.sending.delete(pollId);
  }

  /** The member taps an option. */
  cast(pollId, option) {
    if (this.sending.get(pollId) === "pending" || this.voted(pollId)) return;
    const kept = this.pending(pollId);
    // A retry, even with another choice, is the same ballot.
    const key = kept?.key || (window.crypto?.randomUUID ? window.crypto.randomUUID()
      : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
    window.sessionStorage.setItem(this.storageKey(pollId), JSON.stringify({ key, option }));
    this.send(pollId, option, key);
  }

  /** After every join: kept ballots of open polls leave now; those of closed polls were lost. */
  resume(openPolls, closedIds = []) {
    this.open = new Set(openPolls.map((p) => p.id));
    for (const poll of openPolls) {
      if (poll.voted) {
        this.done.set(poll.id, { receipt: poll.receipt || this.receipt(poll.id) });
        this.clear(poll.id);
        continue;
      }
      const kept = this.pending(poll.id);
      if (kept) this.send(poll.id, kept.option, kept.key);
    }
    for (const id of closedIds) if (this.pending(id)) this.lost(id);
  }

  opened(poll) {
    this.open.add(poll.id);
  }

  /** A poll closed: a ballot still waiting for the network never left; one in flight may have counted. */
  closed(pollId) {
    this.open.delete(pollId);
    if (this.sending.get(pollId) === "queued" && !this.voted(pollId)) this.lost(pollId);
    this.clear(pollId);
    this.onChange(pollId);
  }

  lost(pollId) {
    this.clear(pollId);
    if (!this.voted(pollId)) this.onLost(pollId);
  }

  async send(pollId, option, key) {
    const connection = this.connection;
    if (!connection.socket.connected) {
      this.sending.set(pollId, "queued");
      this.onChange(pollId);
      return;
    }
    this.sending.set(pollId, "pending");
    this.onChange(pollId);
    try {
      const answer = await connection.request("ballot.cast", { poll_id: pollId, option, key });
      this.done.set(pollId, { receipt: answer.receipt, option });  // shown back: "you chose …"
      this.clear(pollId);
    } catch (error) {
      const code = error?.answer?.error?.code;
      if (error?.offline || !error?.answer || RETRY_LATER.includes(code)) {
        // Not refused: sent again with the same key (a ballot the server already has answers with its
        // receipt) after the next join, or in a moment if the connection is still up.
        this.sending.set(pollId, "queued");
        if (connection.socket.connected) window.setTimeout(() => this.retry(pollId), RETRY_MS);
      } else {
        if (code === "already_voted") this.done.set(pollId, { receipt: undefined });
        this.clear(pollId);
        this.onFailed(error);
      }
    }
    this.onChange(pollId);
  }

  retry(pollId) {
    const kept = this.pending(pollId);
    if (kept && this.open.has(pollId) && !this.voted(pollId) && this.sending.get(pollId) === "queued") {
      this.send(pollId, kept.option, kept.key);
    }
  }
}
