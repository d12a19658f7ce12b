// The vote banner: while a poll is open, every page of the live meeting a member may be on (the live page,
// the meeting page, the document reader) shows it fixed at the bottom of the screen, with the question and
// one big button. A member reading a document must not come back to find the vote closed.
//
// - It follows the meeting's connection: the snapshot's `open_polls` on every join, `poll.opened` and
//   `poll.closed`. It shows for voting members only (chair, member): their role and attendance come from
//   GET /meetings/{id}/attendance (or from the live page, which loads it anyway).
// - Not checked in: it says so and offers the check-in (one tap), then the vote.
// - The big button opens the ballot over the page (a dialog): the reader's page and zoom stay as they
//   were underneath. On the live page, where the ballot is a card of the page, it scrolls there instead,
//   and the banner keeps out of the way while that card is on screen.
// - It goes when the member has voted (`voted`, or this tablet's counted ballot) or the poll closes.

import { Ballots } from "./ballot.js";
import { LiveConnection } from "./connection.js";
import { api } from "../api.js";
import { el, labels } from "./common.js";

const VOTING_ROLES = ["chair", "member"];
const PRESENT = ["room", "online"];
const SEEN_KEY = "cabinet.vote-banner.seen";
const RECHECK_MS = 800;  // a burst of check-ins reloads the attendance once

export class VoteBanner {
  /**
   * @param {HTMLElement} root  the banner (templates/live/_vote_banner.html)
   * @param {{meetingId: number, userId: number, ballots?: Ballots, onVote?: Function, ballotCard?: Element,
   *          loadMe?: boolean}} options  onVote replaces the dialog (the live page scrolls to its ballot);
   *   loadMe false when the page hands the member's attendance over itself (setMe).
   */
  constructor(root, { meetingId, userId, ballots = null, onVote = null, ballotCard = null, loadMe = true }) {
    this.root = root;
    this.t = labels(root);
    this.meetingId = meetingId;
    this.userId = userId;
    this.ballots = ballots;
    this.onVote = onVote;
    this.loadMe = loadMe;
    this.status = null;
    this.polls = new Map();  // open polls, by id
    this.me = undefined;     // {role, attendance}; null: not a participant; undefined: not known yet
    this.recheckTimer = 0;
    this.cardInView = false;
    this.dialog = root.querySelector("[data-vote-dialog]");
    root.querySelector("[data-vote-go]").addEventListener("click", () => this.go());
    this.dialog.addEventListener("click", (event) => this.onDialogClick(event));
    this.dialog.addEventListener("close", () => this.render());
    if (ballotCard && "IntersectionObserver" in window) {
      new IntersectionObserver((entries) => {
        this.cardInView = entries.some((entry) => entry.isIntersecting);
        this.render();
      }).observe(ballotCard);
    }
  }

  /** For pages that share their connection: the ballots go through it. */
  attach(connection) {
    this.connection = connection;
    if (!this.ballots) {
      this.ballots = new Ballots({
        connection, userId: this.userId,
        onChange: () => this.render(),
        onFailed: (error) => this.showError(error?.answer?.error?.message || error?.message || ""),
        onLost: () => this.showError(this.t("voteLost")),
      });
    }
    return this;
  }

  // --- what the connection says --------------------------------------------------------------------

  applyState(state) {
    this.status = state.status;
    this.root.dataset.meetingStatus = state.status;  // (also tells a test that the snapshot arrived)
    this.polls = new Map((state.open_polls || []).map((poll) => [poll.id, poll]));
    if (this.ownBallots()) this.ballots.resume(state.open_polls || []);
    if (this.loadMe && state.status === "live") this.fetchMe();
    this.render();
  }

  applyEvent(name, payload) {
    if (name === "meeting.status") {
      this.status = payload.status;
      this.root.dataset.meetingStatus = payload.status;
      if (this.loadMe && payload.status === "live" && this.me === undefined) this.fetchMe();
    } else if (name === "poll.opened") {
      this.polls.set(payload.poll.id, { ...payload.poll, voted: false });
      if (this.ownBallots()) this.ballots.opened(payload.poll);
    } else if (name === "poll.closed") {
      this.polls.delete(payload.poll.id);
      if (this.ownBallots()) this.ballots.closed(payload.poll.id);
      if (this.dialog.open && Number(this.dialog.dataset.pollId) === payload.poll.id && !this.votedIn(payload.poll.id)) {
        this.dialog.close();
      }
    } else if (name === "attendance.updated") {
      // The event names whose state changed: this member's own check-in (by the secretary, or from another
      // device) changes the banner; nobody else's does, and nothing is fetched.
      const changed = payload.changed;
      if (this.loadMe && changed && changed.user_id === this.userId && this.me) {
        this.me = { ...this.me, attendance: changed.attendance };
      } else if (this.loadMe && this.me === undefined && this.polls.size) {
        this.recheckSoon();
      }
    } else {
      return;
    }
    this.render();
  }

  /** The live page hands over the member's row of the attendance list. */
  setMe(me) {
    this.me = me;
    this.render();
  }

  // The live page keeps its own Ballots (it resumes them itself); a standalone banner keeps its own.
  ownBallots() {
    return this.ballots && this.loadMe;
  }

  recheckSoon() {
    window.clearTimeout(this.recheckTimer);
    this.recheckTimer = window.setTimeout(() => this.fetchMe(), RECHECK_MS);
  }

  async fetchMe() {
    try {
      const answer = await api("GET", `/meetings/${this.meetingId}/attendance`);
      const row = answer.items.find((person) => person.user_id === this.userId);
      this.me = row ? { role: row.role, attendance: row.attendance } : null;
    } catch (error) {
      /* keep what is known; the next join or check-in asks again */
    }
    this.render();
  }

  // --- showing it ------------------------------------------------------------------------------------

  mayVote() {
    return Boolean(this.me) && VOTING_ROLES.includes(this.me.role);
  }

  checkedIn() {
    return Boolean(this.me) && PRESENT.includes(this.me.attendance);
  }

  votedIn(pollId) {
    return Boolean(this.polls.get(pollId)?.voted) || Boolean(this.ballots?.voted(pollId));
  }

  /** The poll the banner is about: the open one this member has not voted in yet (the newest). */
  poll() {
    if (this.status !== "live" || !this.mayVote()) return null;
    const waiting = [...this.polls.values()].filter((poll) => !this.votedIn(poll.id));
    return waiting.length ? waiting[waiting.length - 1] : null;
  }

  render() {
    const poll = this.poll();
    const show = Boolean(poll) && !(this.onVote && this.cardInView);
    const bar = this.root.querySelector("[data-vote-bar]");
    const wasHidden = bar.hidden;
    bar.hidden = !show;  // (the dialog stays: it shows "you have voted" after the banner has gone)
    this.root.dataset.pollId = poll ? String(poll.id) : "";
    this.root.dataset.checkedIn = String(this.checkedIn());
    document.body.classList.toggle("has-vote-banner", show);
    if (poll) {
      this.root.querySelector("[data-vote-question]").textContent = poll.question;
      this.root.querySelector("[data-vote-go]").textContent = this.checkedIn() ? this.t("vote") : this.t("checkInToVote");
      this.root.querySelector("[data-vote-hint]").textContent = this.checkedIn() ? "" : this.t("notCheckedIn");
      this.root.querySelector("[data-vote-hint]").hidden = this.checkedIn();
    }
    if (show) {
      // The page keeps room under its last line for the banner (CSSOM: allowed by the page's CSP).
      document.body.style.setProperty("--vote-banner-space", `${bar.offsetHeight}px`);
      if (wasHidden) this.announce(poll);
    }
    if (this.dialog.open) this.renderDialog();
  }

  /** A poll shown for the first time on this tablet: make it felt (where the tablet can vibrate). */
  announce(poll) {
    let seen = [];
    try {
      seen = JSON.parse(window.sessionStorage.getItem(SEEN_KEY) || "[]");
    } catch (error) {
      seen = [];
    }
    if (seen.includes(poll.id)) return;
    window.sessionStorage.setItem(SEEN_KEY, JSON.stringify([...seen, poll.id].slice(-20)));
    // Browsers refuse (and complain about) vibrating a page nobody has touched yet.
    if (navigator.vibrate && navigator.userActivation?.hasBeenActive) navigator.vibrate([200, 100, 200]);
  }

  go() {
    const poll = this.poll();
    if (!poll) return;
    if (this.onVote && this.checkedIn()) {
      this.onVote(poll);
      return;
    }
    this.dialog.dataset.pollId = String(poll.id);
    this.renderDialog();
    if (!this.dialog.open) this.dialog.showModal();
  }

  renderDialog() {
    const pollId = Number(this.dialog.dataset.pollId);
    const poll = this.polls.get(pollId);
    const body = this.dialog.querySelector("[data-vote-body]");
    const t = this.t;
    body.replaceChildren();
    if (!poll) {  // closed meanwhile
      body.append(el("p", { class: "vote-dialog__note", dataset: { test: "banner-closed" }, text: t("closed") }));
      return;
    }
    this.dialog.querySelector("[data-vote-title]").textContent = poll.question;
    body.append(el("p", { class: "vote-dialog__meta" },
      el("span", { class: "chip", text: poll.secret ? t("secret") : t("named") }), " ",
      el("span", { text: t(`majority${poll.majority.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")}`) })));
    if (this.votedIn(pollId)) {
      const receipt = this.ballots?.receipt(pollId) || poll.receipt;
      const chosen = this.ballots?.chosen(pollId);
      body.append(el("p", { class: "vote-dialog__voted", dataset: { test: "banner-voted" } },
        el("strong", { text: t("voted") }),
        chosen ? el("span", { class: "vote-dialog__chosen", dataset: { test: "banner-voted-option" }, text: t("youChose", { option: chosen }) }) : null,
        receipt ? el("span", { class: "vote-dialog__receipt", text: t("receipt", { receipt }) }) : null));
      return;
    }
    if (!this.checkedIn()) {
      body.append(el("p", { class: "vote-dialog__note", text: t("notCheckedIn") }),
        el("button", { type: "button", class: "btn btn--primary vote-dialog__checkin", dataset: { voteCheckin: "", test: "banner-checkin" }, text: t("checkIn") }));
      return;
    }
    const sending = this.ballots?.state(pollId);
    const kept = this.ballots?.pending(pollId);
    const options = el("div", { class: "vote-dialog__options", role: "group", "aria-label": poll.question });
    poll.options.forEach((option, index) => {
      options.append(el("button", {
        type: "button", class: `vote-option vote-option--${index}${kept?.option === option ? " is-chosen" : ""}`,
        dataset: { voteOption: option, test: "banner-vote-option" }, disabled: Boolean(sending), text: option,
      }));
    });
    body.append(options);
    if (sending) {
      body.append(el("p", { class: "vote-dialog__note vote-dialog__note--pending", dataset: { test: "banner-vote-pending" },
        text: sending === "queued" && !this.connection?.socket.connected ? t("voteQueued") : t("votePending") }));
    }
  }

  onDialogClick(event) {
    const button = event.target.closest("button");
    if (!button) {
      if (event.target === this.dialog) this.dialog.close();  // a tap beside the ballot
      return;
    }
    if (button.hasAttribute("data-vote-close")) {
      this.dialog.close();
    } else if (button.dataset.voteOption) {
      this.ballots?.cast(Number(this.dialog.dataset.pollId), button.dataset.voteOption);
      this.renderDialog();
    } else if (button.hasAttribute("data-vote-checkin")) {
      button.disabled = true;
      api("POST", `/meetings/${this.meetingId}/checkin`, {})
        .then(() => { this.me = { ...this.me, attendance: "room" }; })
        .catch((error) => this.showError(error?.message || ""))
        .finally(() => this.render());
    }
  }

  showError(message) {
    const box = this.dialog.querySelector("[data-vote-error]");
    box.textContent = message ? this.t("failed", { message }) : "";
    box.hidden = !message;
  }
}

/** A page with no connection of its own (the meeting page): the banner opens one. */
export function startVoteBanner(root) {
  if (!root) return null;
  const meetingId = Number(root.dataset.meetingId);
  const banner = new VoteBanner(root, { meetingId, userId: Number(root.dataset.userId) });
  const connection = new LiveConnection(meetingId, {
    onState: (state) => banner.applyState(state),
    onEvent: (name, payload) => banner.applyEvent(name, payload),
  });
  banner.attach(connection);
  connection.start();
  return banner;
}
