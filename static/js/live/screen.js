// The room screen (projector): the meeting, the current item, the speaker with the countdown, the vote in
// progress or its result. Read only: it joins the meeting and follows its events.

import { LiveConnection } from "./connection.js";
import { api } from "../api.js";
import { el, flatAgenda, labels, percent, readJson, showCountdown, syncClock } from "./common.js";

const root = document.querySelector("[data-screen]");
const data = readJson("live-data");
syncClock(data.server_now);
const t = labels(root);
const $ = (selector) => root.querySelector(selector);
const state = { snapshot: null, polls: [] };

const connection = new LiveConnection(data.meeting_id, {
  onStatus(status) {
    root.dataset.state = status;
    const label = $("[data-conn]");
    label.textContent = status === "online" ? "" : t(status);
    label.hidden = status === "online";
  },
  async onState(snapshot, joins) {
    state.snapshot = snapshot;
    root.dataset.seq = String(snapshot.seq);
    root.dataset.joins = String(joins);
    try {
      const answer = await api("GET", `/meetings/${data.meeting_id}/polls`);
      const open = new Map(snapshot.open_polls.map((p) => [p.id, p]));
      state.polls = answer.items.map((p) => open.get(p.id) || p);
    } catch (error) {
      state.polls = snapshot.open_polls;
    }
    render();
  },
  onEvent(name, payload) {
    const snapshot = state.snapshot;
    root.dataset.seq = String(payload.seq);
    if (name === "meeting.status") snapshot.status = payload.status;
    else if (name === "agenda.updated") connection.join();
    else if (name === "agenda.current") snapshot.current_item_id = payload.item_id;
    else if (name === "attendance.updated") { const { changed, ...counts } = payload; snapshot.attendance = { ...snapshot.attendance, ...counts }; }
    else if (name === "speakers.updated") snapshot.speakers = payload;
    else if (name === "poll.opened" || name === "poll.closed") upsert(payload.poll);
    else if (name === "poll.progress") {
      const poll = state.polls.find((p) => p.id === payload.poll_id);
      if (poll && poll.status === "open" && payload.cast >= (poll.cast || 0)) Object.assign(poll, { cast: payload.cast, eligible: payload.eligible });
    }
    render();
  },
  onError(error) {
    $("[data-current-item]").textContent = t("joinFailed", { message: error?.message || "" });
  },
});

function upsert(poll) {
  const index = state.polls.findIndex((p) => p.id === poll.id);
  if (index >= 0) state.polls[index] = { ...state.polls[index], ...poll };
  else state.polls.push(poll);
}

function render() {
  const snapshot = state.snapshot;
  if (!snapshot) return;
  const a = snapshot.attendance;
  $("[data-quorum]").textContent = `${t("quorum", a)} · ${a.quorum_met ? t("quorumMet") : t("quorumNotMet")}`;

  const item = flatAgenda(snapshot.agenda).find((i) => i.id === snapshot.current_item_id);
  const current = $("[data-current-item]");
  current.replaceChildren();
  if (snapshot.status !== "live") current.textContent = t("notInSession");
  else if (item) current.append(el("span", { class: "screen__number", text: item.number || "" }), " ", el("span", { text: item.title }));
  else current.textContent = t("noItem");
  current.dataset.itemId = item ? String(item.id) : "";

  const speakers = snapshot.speakers || { queue: [], current: null };
  const speaker = $("[data-current-speaker]");
  speaker.replaceChildren();
  if (speakers.current) {
    if (speakers.current.kind === "question") speaker.append(el("span", { class: "screen__speaker-kind", text: t("question") }));
    speaker.append(
      el("span", { class: "screen__speaker-name", dataset: { test: "screen-speaker-name" }, text: speakers.current.full_name }),
      el("span", { class: "live-countdown screen__countdown", dataset: { countdown: "", test: "screen-countdown" } }));
    showCountdown(speaker.querySelector("[data-countdown]"), speakers.current);
  } else {
    speaker.append(el("span", { class: "screen__none", text: t("nobodySpeaking") }));
  }
  $("[data-queue]").textContent = speakers.queue.length ? t("waiting", { names: speakers.queue.map((q) => q.full_name).join(", ") }) : "";

  const open = state.polls.filter((p) => p.status === "open");
  const closed = state.polls.filter((p) => p.status === "closed");
  const poll = open.length ? open[open.length - 1] : closed[closed.length - 1];
  const panel = $("[data-poll-panel]");
  panel.hidden = !poll;
  const box = $("[data-poll]");
  box.replaceChildren();
  if (!poll) return;
  box.dataset.pollId = String(poll.id);
  box.dataset.status = poll.status;
  box.append(el("p", { class: "screen__question", text: poll.question }),
    el("p", { class: "screen__kind", text: poll.secret ? t("secret") : t("named") }));
  if (poll.status === "open") {
    box.append(el("p", { class: "screen__progress", dataset: { test: "screen-progress" }, text: t("cast", poll) }));
  } else {
    box.append(el("p", { class: `screen__verdict screen__verdict--${poll.passed ? "passed" : "failed"}`, dataset: { test: "poll-passed" }, text: poll.passed ? t("passed") : t("notPassed") }));
    const list = el("ul", { class: "screen__results", dataset: { test: "poll-result" } });
    for (const option of poll.options) {
      const count = poll.results?.[option] ?? 0;
      list.append(el("li", { class: "screen__result", dataset: { test: "result-row", option, count: String(count) } },
        el("span", { class: "screen__option", text: option }),
        el("span", { class: "screen__count", text: String(count) }),
        el("span", { class: "screen__share", text: percent(poll.percent_of_members?.[option] ?? 0) })));
    }
    box.append(list);
  }
}

function tick() {
  showCountdown($("[data-current-speaker] [data-countdown]"), state.snapshot?.speakers?.current);
  const now = new Date();
  $("[data-clock]").textContent = `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
}
window.setInterval(tick, 1000);
tick();
connection.start();
