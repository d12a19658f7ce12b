// The tablet in a live session: follow the agenda, check in, ask for the floor, vote; the chair's
// controls appear where the server's flags allow them (the API decides anyway).

import { Ballots } from "./ballot.js";
import { LiveConnection } from "./connection.js";
import { api } from "../api.js";
import { el, flatAgenda, labels, percent, readJson, showCountdown, syncClock } from "./common.js";
import { VoteBanner } from "./vote-banner.js";

const root = document.querySelector("[data-live]");
const data = readJson("live-data");
syncClock(data.server_now);
const t = labels(root);
const $ = (selector) => root.querySelector(selector);

const state = {
  snapshot: null,        // the last join state, kept current by the events
  polls: [],             // every poll of the meeting (GET /meetings/{id}/polls), kept current by the events
  people: [],            // the attendance list (GET /meetings/{id}/attendance)
  myAttendance: null,
};

const connection = new LiveConnection(data.meeting_id, {
  onStatus: showConnection,
  onState: applySnapshot,
  onEvent: applyEvent,
  onError: (error) => showError(t("joinFailed", { message: error?.message || "" })),
});

const ballots = new Ballots({
  connection, userId: data.user_id,
  onChange: () => { renderPoll(); banner?.render(); },
  onFailed: failed,
  onLost: () => showError(t("voteLost"), { sticky: true }),
});

// The banner, for a member scrolled away from the ballot: it brings the ballot card into view.
const bannerRoot = document.querySelector("[data-vote-banner]");
const banner = bannerRoot ? new VoteBanner(bannerRoot, {
  meetingId: data.meeting_id, userId: data.user_id, ballots, loadMe: false, ballotCard: $("[data-poll]"),
  onVote: () => {
    $("[data-test=poll-card]").scrollIntoView({ block: "start", behavior: "smooth" });
    $("[data-poll] [data-vote]:not(:disabled)")?.focus({ preventScroll: true });
  },
}).attach(connection) : null;

// --- connection and errors ---------------------------------------------------------------------------

function showConnection(status) {
  root.dataset.state = status;
  const label = $("[data-conn]");
  label.textContent = t(status);
  label.dataset.state = status;
  renderPoll();  // the vote buttons say whether a ballot can leave now
}

let errorTimer = 0;
function showError(message, { sticky = false } = {}) {
  const box = $("[data-live-error]");
  if (!message && box.dataset.sticky === "true") return;  // stays until the page is left
  box.textContent = message;
  box.hidden = !message;
  box.dataset.sticky = String(sticky);
  window.clearTimeout(errorTimer);
  if (message && !sticky) errorTimer = window.setTimeout(() => { box.hidden = true; }, 8000);
}

function failed(error) {
  if (error?.offline || error?.status === 0) showError(t("noConnection"));
  else showError(t("failed", { message: error?.answer?.error?.message || error?.message || "" }));
}

async function run(button, action) {
  if (button) button.disabled = true;
  try {
    showError("");
    return await action();
  } catch (error) {
    failed(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// --- state ---------------------------------------------------------------------------------------------

async function applySnapshot(snapshot, joins) {
  state.snapshot = snapshot;
  root.dataset.seq = String(snapshot.seq);
  root.dataset.joins = String(joins);
  await Promise.all([loadPolls(), loadAttendance(), loadDocuments()]);
  // Ballots that could not leave while offline go now, with the key they were first sent with.
  ballots.resume(snapshot.open_polls, state.polls.filter((p) => p.status === "closed").map((p) => p.id));
  banner?.applyState(snapshot);
  renderAll();
}

async function loadPolls() {
  try {
    const answer = await api("GET", `/meetings/${data.meeting_id}/polls`);
    const open = new Map((state.snapshot?.open_polls || []).map((p) => [p.id, p]));
    state.polls = answer.items.map((p) => open.get(p.id) || p);
  } catch (error) {
    state.polls = state.snapshot?.open_polls || [];
  }
}

async function loadAttendance() {
  try {
    const answer = await api("GET", `/meetings/${data.meeting_id}/attendance`);
    state.people = answer.items;
    const mine = answer.items.find((p) => p.user_id === data.user_id);
    state.myAttendance = mine ? mine.attendance : null;
    banner?.setMe(mine ? { role: mine.role, attendance: mine.attendance } : null);
  } catch (error) {
    /* keep what is shown */
  }
}

async function loadDocuments() {
  const select = $("[data-present-doc]");
  if (!select) return;
  try {
    const answer = await api("GET", `/meetings/${data.meeting_id}/documents`);
    const chosen = select.value;
    const usable = answer.items.filter((d) => d.access !== "confidential" && !d.withdrawn);
    select.replaceChildren(...usable.map((d) => el("option", { value: String(d.id), dataset: { pages: String(d.version?.page_count || 1) }, text: d.title })));
    if (!usable.length) select.append(el("option", { value: "", text: t("noDocuments") }));
    if (chosen) select.value = chosen;
    syncPageLimit();
  } catch (error) {
    /* keep the list shown */
  }
}

function syncPageLimit() {
  const select = $("[data-present-doc]");
  const pages = select?.selectedOptions[0]?.dataset.pages;
  const input = $("[data-present-form] [name=page]");
  if (input && pages) input.max = pages;
}

function upsertPoll(poll) {
  const index = state.polls.findIndex((p) => p.id === poll.id);
  const previous = index >= 0 ? state.polls[index] : {};
  const merged = { ...previous, ...poll, voted: poll.voted ?? previous.voted };
  if (index >= 0) state.polls[index] = merged;
  else state.polls.push(merged);
  return merged;
}

function applyEvent(name, payload) {
  const snapshot = state.snapshot;
  root.dataset.seq = String(payload.seq);
  banner?.applyEvent(name, payload);
  switch (name) {
    case "meeting.status":
      snapshot.status = payload.status;
      renderAll();
      break;
    case "agenda.updated":
      connection.join();  // what each reader may see differs: fetch it again
      break;
    case "agenda.current":
      snapshot.current_item_id = payload.item_id;
      snapshot.presenting = null;
      renderAgenda(true);
      renderCurrent();
      renderPresenting();
      break;
    case "attendance.updated": {
      const { changed, ...counts } = payload;
      snapshot.attendance = { ...snapshot.attendance, ...counts };
      renderQuorum();
      if ($("[data-attendance-list]")) {  // the roll-call (chair, secretary) shows everyone: reload it
        loadAttendance().then(() => { renderCheckin(); renderPeople(); renderPoll(); });
      } else if (changed && changed.user_id === data.user_id) {  // a member's tablet: only its own state
        state.myAttendance = changed.attendance;
        if (banner?.me) banner.setMe({ ...banner.me, attendance: changed.attendance });
        renderCheckin();
        renderPoll();
      }
      break;
    }
    case "present.page":
      snapshot.presenting = { document_id: payload.document_id, page: payload.page };
      renderPresenting(true);
      break;
    case "speakers.updated":
      snapshot.speakers = { item_id: payload.item_id, queue: payload.queue, current: payload.current };
      renderSpeakers();
      break;
    case "poll.opened":
      upsertPoll({ ...payload.poll, voted: false });
      snapshot.open_polls = [payload.poll];
      ballots.opened(payload.poll);
      renderPoll();
      renderDrafts();
      renderPollList();
      break;
    case "poll.progress": {
      const poll = state.polls.find((p) => p.id === payload.poll_id);
      if (poll && poll.status === "open" && payload.cast >= (poll.cast || 0)) {
        poll.cast = payload.cast;
        poll.eligible = payload.eligible;
        renderPoll();
        renderPollList();
      }
      break;
    }
    case "poll.closed":
      upsertPoll(payload.poll);
      snapshot.open_polls = snapshot.open_polls.filter((p) => p.id !== payload.poll.id);
      // A ballot still waiting for the network never left; one in flight may have been counted.
      ballots.closed(payload.poll.id);
      renderPoll();
      renderDrafts();
      renderPollList();
      break;
    case "document.published":
    case "document.version":
    case "document.updated":
    case "document.withdrawn":
      loadDocuments();
      break;
    default:
      break;  // annotations: the viewer's business; minutes: the minutes page's
  }
}

// --- rendering -----------------------------------------------------------------------------------------

function renderAll() {
  renderQuorum();
  renderCheckin();
  renderAgenda(false);
  renderCurrent();
  renderSpeakers();
  renderPoll();
  renderDrafts();
  renderPollList();
  renderPeople();
  renderPresenting();
}

function renderQuorum() {
  const a = state.snapshot?.attendance;
  if (!a) return;
  const quorum = $("[data-quorum]");
  quorum.textContent = `${t("quorum", a)} · ${t("needed", a)}`;
  quorum.dataset.present = String(a.present);
  const met = $("[data-quorum-state]");
  met.textContent = a.quorum_met ? t("quorumMet") : t("quorumNotMet");
  met.dataset.met = String(Boolean(a.quorum_met));
}

function renderCheckin() {
  const line = $("[data-checkin-state]");
  if (!line) return;
  const mode = state.myAttendance;
  line.textContent = mode === "room" ? t("checkedRoom") : mode === "online" ? t("checkedOnline")
    : mode === "absent" ? t("checkedAbsent") : t("notChecked");
  line.dataset.attendance = mode || "none";
  const button = $("[data-action=checkin]");
  button.hidden = mode === "room" || mode === "online";
  button.disabled = state.snapshot?.status !== "live";
}

function itemById(id) {
  return flatAgenda(state.snapshot?.agenda).find((item) => item.id === id) || null;
}

function renderAgenda(follow) {
  const list = $("[data-agenda]");
  const current = state.snapshot?.current_item_id;
  list.replaceChildren(...flatAgenda(state.snapshot?.agenda).map((item) => {
    const isCurrent = item.id === current;
    return el("li", {
      class: `live-agenda__item${isCurrent ? " is-current" : ""} live-agenda__item--depth-${Math.min(item.depth, 3)}`,
      "aria-current": isCurrent ? "step" : null,
      dataset: { test: "agenda-item", itemId: String(item.id), current: String(isCurrent) },
    },
    el("span", { class: "live-agenda__number", text: item.number || "" }),
    el("span", { class: "live-agenda__body" },
      el("span", { class: "live-agenda__title", text: item.title }),
      item.presenter ? el("span", { class: "live-agenda__presenter", text: t("presenter", { name: item.presenter }) }) : null),
    isCurrent ? el("span", { class: "badge badge--live live-agenda__now", text: t("now") }) : null,
    data.can_move && !isCurrent && state.snapshot?.status === "live"
      ? el("button", { type: "button", class: "btn btn--secondary btn--small live-agenda__move", dataset: { test: "move-to-item", moveItem: String(item.id) }, text: t("moveHere") })
      : null);
  }));
  if (follow) scrollToCurrent();
  updateBackButton();
}

function currentElement() {
  return $(".live-agenda__item.is-current");
}

/** Follow the chair: keep the new current item in view while the reader is looking at the agenda. */
function scrollToCurrent() {
  const item = currentElement();
  if (!item) return;
  const area = $("[data-agenda]").getBoundingClientRect();
  const agendaVisible = area.bottom > 0 && area.top < window.innerHeight;
  const rect = item.getBoundingClientRect();
  const outOfView = rect.top < 0 || rect.bottom > window.innerHeight;
  if (agendaVisible && outOfView) item.scrollIntoView({ block: "center", behavior: "smooth" });
}

/** While the reader browses the agenda away from the current item, a floating button brings them back. */
function updateBackButton() {
  const item = currentElement();
  const button = $("[data-back-current]");
  const list = $("[data-agenda]");
  if (!item) {
    button.hidden = true;
    return;
  }
  const rect = item.getBoundingClientRect();
  const area = list.getBoundingClientRect();
  const itemVisible = rect.bottom > 0 && rect.top < window.innerHeight;
  const agendaVisible = area.bottom > 0 && area.top < window.innerHeight;
  button.hidden = itemVisible || !agendaVisible;
}

function renderCurrent() {
  const box = $("[data-current-item]");
  const item = itemById(state.snapshot?.current_item_id);
  box.replaceChildren();
  if (state.snapshot && state.snapshot.status !== "live") {
    box.textContent = t("notInSession");
  } else if (item) {
    box.append(el("span", { class: "live-current__number", text: item.number || "" }), " ",
      el("span", { class: "live-current__title", text: item.title }));
  } else {
    box.textContent = t("noItem");
  }
  box.dataset.itemId = item ? String(item.id) : "";
}

function renderSpeakers() {
  const speakers = state.snapshot?.speakers || { queue: [], current: null };
  const box = $("[data-current-speaker]");
  const current = speakers.current;
  box.replaceChildren();
  box.dataset.userId = current ? String(current.user_id) : "";
  if (current) {
    box.append(
      el("span", { class: `live-speaker__label live-speaker__label--${current.kind}`, text: current.kind === "question" ? t("question") : t("hasFloor") }),
      el("span", { class: "live-speaker__name", dataset: { test: "current-speaker-name" }, text: current.full_name }),
      el("span", { class: "live-countdown", dataset: { countdown: "", test: "countdown" } }));
    if (data.can_speakers) {
      box.append(el("button", { type: "button", class: "btn btn--secondary btn--small", dataset: { finish: String(current.id), test: "finish-speaker" }, text: t("endTurn") }));
    }
  } else {
    box.append(el("span", { class: "live-speaker__none", text: t("nobodySpeaking") }));
  }
  showCountdown(box.querySelector("[data-countdown]"), current);

  const queue = $("[data-speaker-queue]");
  queue.replaceChildren(...speakers.queue.map((entry, index) => el("li", {
    class: "live-queue__entry", dataset: { test: "queue-entry", userId: String(entry.user_id) },
  },
  el("span", { class: "live-queue__pos", text: `${index + 1}.` }),
  el("span", { class: "live-queue__name", text: entry.full_name }),
  el("span", { class: `chip live-queue__kind live-queue__kind--${entry.kind}`, text: entry.kind === "question" ? t("question") : t("speech") }),
  data.can_speakers ? el("span", { class: "live-queue__tools" },
    el("button", { type: "button", class: "btn btn--primary btn--small", dataset: { grant: String(entry.id), test: "grant" }, text: t("grant") }),
    el("button", { type: "button", class: "btn btn--ghost btn--small", dataset: { removeRequest: String(entry.id), test: "remove-request" }, text: t("remove") })) : null)));
  if (!speakers.queue.length) queue.append(el("li", { class: "live-queue__empty", text: t("nobodyWaiting") }));

  const mine = $("[data-my-request]");
  if (mine) {
    const index = speakers.queue.findIndex((entry) => entry.user_id === data.user_id);
    const speaking = current?.user_id === data.user_id;
    mine.textContent = speaking ? t("youSpeak") : index >= 0 ? t("youAreWaiting", { n: index + 1 }) : "";
    mine.hidden = !mine.textContent;
    const live = state.snapshot?.status === "live";
    $("[data-action=withdraw]").hidden = index < 0;
    $("[data-action=request-speech]").hidden = index >= 0 || speaking;
    $("[data-action=request-question]").hidden = index >= 0 || speaking;
    $("[data-action=request-speech]").disabled = !live;
    $("[data-action=request-question]").disabled = !live;
  }
}

// --- polls ---------------------------------------------------------------------------------------------

function currentPoll() {
  const open = state.polls.filter((p) => p.status === "open");
  if (open.length) return open[open.length - 1];
  const closed = state.polls.filter((p) => p.status === "closed");
  return closed.length ? closed[closed.length - 1] : null;
}

function renderPoll() {
  const box = $("[data-poll]");
  if (!box || !state.snapshot) return;
  const poll = currentPoll();
  box.replaceChildren();
  box.dataset.pollId = poll ? String(poll.id) : "";
  box.dataset.status = poll ? poll.status : "none";
  if (!poll) {
    box.append(el("p", { class: "live-empty", text: t("noPoll") }));
    return;
  }
  const majority = majorityLabel(poll);
  box.append(
    el("p", { class: "live-poll__question", dataset: { test: "poll-question-text" }, text: poll.question }),
    el("p", { class: "live-poll__meta" },
      el("span", { class: `chip live-poll__kind${poll.secret ? " live-poll__kind--secret" : ""}`, text: poll.secret ? t("secret") : t("named") }),
      el("span", { class: "live-poll__rule", text: majority })));
  if (poll.status === "open") {
    box.append(el("p", { class: "live-poll__progress", dataset: { test: "poll-progress", cast: String(poll.cast), eligible: String(poll.eligible) }, text: t("cast", poll) }));
    const voting = ballots.state(poll.id);
    if (poll.voted || ballots.voted(poll.id)) {
      const receipt = ballots.receipt(poll.id) || poll.receipt;
      const chosen = ballots.chosen(poll.id);
      box.append(el("p", { class: "live-poll__voted", dataset: { test: "voted" } },
        el("strong", { text: t("voted") }),
        chosen ? el("span", { class: "live-poll__chosen", dataset: { test: "voted-option" }, text: t("youChose", { option: chosen }) }) : null,
        receipt ? el("span", { class: "live-poll__receipt", text: t("receipt", { receipt }) }) : null));
    } else if (data.can_vote) {
      const checkedIn = state.myAttendance === "room" || state.myAttendance === "online";
      const pending = ballots.pending(poll.id);
      const options = el("div", { class: "live-options", role: "group", "aria-label": poll.question });
      poll.options.forEach((option, index) => {
        options.append(el("button", {
          type: "button", class: `live-option live-option--${index}${pending?.option === option ? " is-chosen" : ""}`,
          dataset: { vote: option, test: "vote-option" }, disabled: !checkedIn || Boolean(voting), text: option,
        }));
      });
      box.append(options);
      if (!checkedIn) box.append(el("p", { class: "live-hint", text: t("checkInToVote") }));
      if (voting) {
        box.append(el("p", { class: "live-hint live-hint--pending", dataset: { test: "vote-pending", state: voting },
          // Queued while connected: the server asked for it again in a moment (503), it is on its way.
          text: voting === "queued" && !connection.socket.connected ? t("voteQueued") : t("votePending") }));
      }
    }
    if (data.can_polls) {
      box.append(el("button", { type: "button", class: "btn btn--primary live-btn", dataset: { closePoll: String(poll.id), test: "close-poll" }, text: t("closePoll") }),
        el("button", { type: "button", class: "btn btn--ghost live-btn", dataset: { cancelPoll: String(poll.id), test: "cancel-poll" }, text: t("cancelPoll") }));
    }
  } else if (poll.status === "cancelled") {
    box.append(el("p", { class: "live-hint", dataset: { test: "poll-cancelled" }, text: t("pollStatusCancelled") }));
  } else {
    box.append(renderResult(poll));
  }
}

function majorityLabel(poll) {
  return t(`majority${poll.majority.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")}`);
}

/** A closed poll's result as the law reads it. `prefix` keeps the data-test names of the list's copies
 *  apart from the poll card's. The counts of non-voters and of the approvals needed are shown when the
 *  server sends them (`did_not_vote`, `votes_needed`, `not_voted`). */
function renderResult(poll, prefix = "") {
  const test = (name) => `${prefix}${name}`;
  const result = el("div", { class: "live-result", dataset: { test: test("poll-result"), passed: String(Boolean(poll.passed)) } });
  result.append(el("p", { class: `live-result__verdict live-result__verdict--${poll.passed ? "passed" : "failed"}`, dataset: { test: test("poll-passed") }, text: poll.passed ? t("passed") : t("notPassed") }));
  if (Number.isInteger(poll.votes_needed)) {
    result.append(el("p", { class: "live-result__needed", dataset: { test: test("votes-needed") }, text: t("votesNeeded", { count: poll.votes_needed }) }));
  }
  const list = el("ul", { class: "live-result__list" });
  for (const option of poll.options) {
    const count = poll.results?.[option] ?? 0;
    const share = poll.percent_of_members?.[option] ?? 0;
    list.append(el("li", { class: "live-result__row", dataset: { test: test("result-row"), option, count: String(count) } },
      el("span", { class: "live-result__option", text: option }),
      el("span", { class: "live-result__count", text: t("votes", { count }) }),
      el("span", { class: "live-result__share", text: t("ofMembers", { percent: percent(share) }) }),
      el("span", { class: "live-result__bar", "aria-hidden": "true" }, el("span", { class: `live-result__fill live-result__fill--${Math.round(Math.min(share, 100) / 5) * 5}` }))));
  }
  if (Number.isInteger(poll.did_not_vote)) {
    list.append(el("li", { class: "live-result__row live-result__row--none", dataset: { test: test("did-not-vote"), count: String(poll.did_not_vote) } },
      el("span", { class: "live-result__option", text: t("didNotVote") }),
      el("span", { class: "live-result__count", text: t("members", { count: poll.did_not_vote }) }),
      poll.did_not_vote_percent !== undefined
        ? el("span", { class: "live-result__share", text: t("ofMembers", { percent: percent(poll.did_not_vote_percent) }) }) : el("span")));
  }
  result.append(list);
  if (!poll.secret && poll.ballots?.length) {
    result.append(el("h3", { class: "live-card__subtitle", text: t("ballots") }),
      el("ul", { class: "live-ballots", dataset: { test: test("named-ballots") } },
        ...poll.ballots.map((b) => el("li", {}, el("span", { text: b.full_name }), el("span", { class: "live-ballots__option", text: b.option })))));
  }
  if (!poll.secret && poll.not_voted?.length) {
    result.append(el("h3", { class: "live-card__subtitle", text: t("didNotVote") }),
      el("ul", { class: "live-ballots live-ballots--none", dataset: { test: test("not-voted") } },
        ...poll.not_voted.map((p) => el("li", {}, el("span", { text: p.full_name })))));
  }
  return result;
}

/** Every poll of the meeting, in the order they were prepared: open, closed with their results, prepared. */
function renderPollList() {
  const list = $("[data-poll-list]");
  if (!list) return;
  list.replaceChildren(...state.polls.map((poll, index) => {
    const item = el("li", { class: `live-polls__item live-polls__item--${poll.status}`, dataset: { test: "poll-list-item", pollId: String(poll.id), status: poll.status } },
      el("p", { class: "live-polls__head" },
        el("span", { class: "live-polls__number", text: t("pollNumber", { n: index + 1 }) }),
        el("span", { class: `chip live-polls__status live-polls__status--${poll.status}`, dataset: { test: "poll-list-status" }, text: t(`pollStatus${poll.status[0].toUpperCase()}${poll.status.slice(1)}`) })),
      el("p", { class: "live-polls__question", text: poll.question }),
      el("p", { class: "live-poll__meta" },
        el("span", { class: `chip live-poll__kind${poll.secret ? " live-poll__kind--secret" : ""}`, text: poll.secret ? t("secret") : t("named") }),
        el("span", { class: "live-poll__rule", text: majorityLabel(poll) })));
    if (poll.status === "open") item.append(el("p", { class: "live-poll__progress", text: t("cast", poll) }));
    if (poll.status === "closed") item.append(renderResult(poll, "list-"));
    const receipt = poll.receipt || ballots.receipt(poll.id);  // from the server, or this tablet's own ballot
    if (poll.status === "closed" && receipt) item.append(renderReceiptCheck(poll.id, receipt));
    return item;
  }));
  if (!state.polls.length) list.append(el("li", { class: "live-empty", text: t("noPolls") }));
}

/** The voter checks their own receipt against the codes of every counted ballot, published after close
 *  (GET /polls/{id}/receipts): a code proves the ballot was counted and says nothing of the choice. */
function renderReceiptCheck(pollId, receipt) {
  const answer = el("span", { class: "live-poll__receipt-answer", dataset: { test: "receipt-answer" }, role: "status" });
  const check = async () => {
    try {
      const published = await api("GET", `/polls/${pollId}/receipts`);
      const counted = published.receipts.includes(receipt);
      answer.textContent = t(counted ? "receiptCounted" : "receiptMissing", { receipt, count: published.count });
      answer.dataset.counted = String(counted);
    } catch (error) {
      answer.textContent = t("failed", { message: error?.message || "" });
    }
  };
  return el("p", { class: "live-poll__receipt-check", dataset: { test: "receipt-check" } },
    el("span", { class: "live-poll__receipt", text: t("receipt", { receipt }) }),
    el("button", { type: "button", class: "btn btn--secondary btn--small", dataset: { test: "check-receipt" }, onclick: check, text: t("checkReceipt") }),
    answer);
}

function renderDrafts() {
  const list = $("[data-poll-drafts]");
  if (!list) return;
  const drafts = state.polls.filter((p) => p.status === "draft");
  const anyOpen = state.polls.some((p) => p.status === "open");
  list.replaceChildren(...drafts.map((poll) => el("li", { class: "live-drafts__item", dataset: { test: "draft-poll" } },
    el("span", { class: "live-drafts__question", text: poll.question }),
    el("span", { class: "chip", text: poll.secret ? t("secret") : t("named") }),
    el("button", { type: "button", class: "btn btn--primary btn--small", disabled: anyOpen || state.snapshot?.status !== "live",
      dataset: { openPoll: String(poll.id), test: "open-poll" }, text: t("openPoll") }))));
  if (!drafts.length) list.append(el("li", { class: "live-empty", text: t("noDrafts") }));
}

// --- attendance (chair, secretary, secretariat) --------------------------------------------------------

// Someone who never checked in is "unknown" on the server: shown as not checked in, never as one of the
// states a tap on "Record" would write. "Record" waits until the secretary has chosen a state.
const RECORDABLE = ["room", "online", "absent"];
const shownAttendance = (person) => (RECORDABLE.includes(person.attendance) ? person.attendance : "none");

function renderPeople() {
  const list = $("[data-attendance-list]");
  if (!list || list.contains(document.activeElement)) return;  // never under the secretary's fingers
  list.replaceChildren(...state.people.map((person) => {
    const current = shownAttendance(person);
    const row = el("li", { class: "live-people__row", dataset: { test: "attendance-row", userId: String(person.user_id), attendance: current } });
    const select = el("select", { class: "input input--compact", "aria-label": person.full_name, dataset: { attendanceSelect: "", test: "attendance-select" } },
      ...["none", ...RECORDABLE].map((mode) => el("option", { value: mode, selected: current === mode, disabled: mode === "none", text: t(`att${mode[0].toUpperCase()}${mode.slice(1)}`) })));
    select.value = current;  // (an option list none of whose options is selected would show the first usable one)
    const reason = el("input", { type: "text", class: "input live-people__reason", placeholder: t("reason"), "aria-label": t("reason"), value: person.reason || "", dataset: { attendanceReason: "" }, maxlength: "1000" });
    const record = el("button", { type: "button", class: "btn btn--secondary btn--small", dataset: { recordAttendance: String(person.user_id), test: "record-attendance" }, text: t("record") });
    const sync = () => {
      reason.hidden = select.value !== "absent";
      record.disabled = select.value === "none";
    };
    select.addEventListener("change", sync);
    sync();
    row.append(
      el("span", { class: "live-people__who" },
        el("span", { class: "live-people__name", text: person.full_name }),
        el("span", { class: `chip chip--role-${person.role}`, text: t(`role${person.role[0].toUpperCase()}${person.role.slice(1)}`) })),
      el("span", { class: "live-people__tools" }, select, reason, record));
    return row;
  }));
}

// --- presenter mode ------------------------------------------------------------------------------------

const FOLLOW_KEY = `cabinet.follow.${data.user_id}`;

function renderPresenting(fresh = false) {
  const banner = $("[data-present-banner]");
  const presenting = state.snapshot?.presenting;
  banner.hidden = !presenting;
  if (!presenting) return;
  $("[data-present-text]").textContent = t("presenting", { page: presenting.page });
  const url = `${data.viewer_url}${presenting.document_id}#page=${presenting.page}`;
  $("[data-present-open]").href = url;
  if (fresh && $("[data-present-follow]").checked) window.location.assign(url);
}

// --- actions -------------------------------------------------------------------------------------------

root.addEventListener("click", (event) => {
  const button = event.target.closest("button, a[data-present-open]");
  if (!button || !root.contains(button)) return;
  const d = button.dataset;
  if (d.action === "checkin") {
    run(button, async () => {
      const summary = await api("POST", `/meetings/${data.meeting_id}/checkin`, {});
      state.myAttendance = "room";
      if (state.snapshot) state.snapshot.attendance = { ...state.snapshot.attendance, ...summary };
      renderQuorum();
      renderCheckin();
      renderPoll();
    });
  } else if (d.action === "request-speech" || d.action === "request-question") {
    run(button, () => connection.request("speaker.request", { meeting_id: data.meeting_id, kind: d.action === "request-question" ? "question" : "speech" }));
  } else if (d.action === "withdraw") {
    run(button, () => connection.request("speaker.withdraw", { meeting_id: data.meeting_id }));
  } else if (d.moveItem) {
    run(button, () => api("POST", `/meetings/${data.meeting_id}/agenda/current`, { item_id: Number(d.moveItem) }));
  } else if (d.grant) {
    const seconds = Number($("[data-grant-seconds]")?.value) || undefined;
    run(button, () => api("POST", `/speakers/${d.grant}/grant`, { seconds }));
  } else if (d.removeRequest) {
    run(button, () => api("DELETE", `/speakers/${d.removeRequest}`));
  } else if (d.finish) {
    run(button, () => api("POST", `/speakers/${d.finish}/finish`, {}));
  } else if (d.vote) {
    const poll = currentPoll();
    if (!poll || poll.status !== "open") return;
    ballots.cast(poll.id, d.vote);
  } else if (d.openPoll) {
    run(button, async () => upsertPoll(await api("POST", `/polls/${d.openPoll}/open`, {})));
  } else if (d.closePoll) {
    run(button, () => api("POST", `/polls/${d.closePoll}/close`, {}));
  } else if (d.cancelPoll) {
    const reason = window.prompt(t("cancelReason"));  // the chair says why; the audit log keeps it
    if (reason && reason.trim()) run(button, () => api("POST", `/polls/${d.cancelPoll}/cancel`, { reason }));
  } else if (d.recordAttendance) {
    const row = button.closest("[data-test=attendance-row]");
    const mode = row.querySelector("[data-attendance-select]").value;
    if (!RECORDABLE.includes(mode)) return;  // nothing chosen yet: nothing to record
    const reason = row.querySelector("[data-attendance-reason]").value;
    run(button, async () => {
      await api("POST", `/meetings/${data.meeting_id}/checkin`, { user_id: Number(d.recordAttendance), mode, reason });
      button.blur();
      await loadAttendance();
      renderPeople();
      renderCheckin();
    });
  } else if (button.hasAttribute("data-back-current")) {
    currentElement()?.scrollIntoView({ block: "center", behavior: "smooth" });
  }
});

$("[data-poll-form]")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const submit = form.querySelector("[type=submit]");
  run(submit, async () => {
    const poll = await api("POST", `/meetings/${data.meeting_id}/polls`, {
      question: form.elements.question.value, secret: form.elements.secret.checked,
      majority: form.elements.majority.value, agenda_item_id: state.snapshot?.current_item_id ?? undefined,
    });
    upsertPoll(poll);
    form.reset();
    renderDrafts();
  });
});

$("[data-present-doc]")?.addEventListener("change", syncPageLimit);
$("[data-present-form]")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const documentId = Number(form.elements.document_id.value);
  if (!documentId) return;
  run(form.querySelector("[type=submit]"), () => connection.request("present.page", {
    meeting_id: data.meeting_id, document_id: documentId, page: Number(form.elements.page.value) || 1,
  }));
});

const follow = $("[data-present-follow]");
follow.checked = window.localStorage.getItem(FOLLOW_KEY) === "true";
follow.addEventListener("change", () => window.localStorage.setItem(FOLLOW_KEY, String(follow.checked)));

window.addEventListener("scroll", updateBackButton, { passive: true });
window.addEventListener("resize", updateBackButton);

// The speaker's countdown, every second.
window.setInterval(() => showCountdown($("[data-current-speaker] [data-countdown]"), state.snapshot?.speakers?.current), 1000);

connection.start();
