// While a document is open, annotations made elsewhere appear without a reload: another reader's shared
// ones (`annotation.shared`, to the meeting's room; a confidential document's only to its readers), and
// this reader's own from another device (`annotation.changed`, to the reader's own room). Either event
// — and every reconnection, which may have missed some (the first connection too, when the list came from
// the tablet's copy) — makes the store load again: the server's list with what the outbox still has to
// send laid over it, so nothing drawn here is lost.
//
// The document itself withdrawn, renamed or given a new version (`document.*` naming it) goes to
// `onDocument(name)`.
//
// This reader's comments on a draft, answered or changed elsewhere (`draft_comment.*`, to their own room),
// go to `onComments()`.
//
// The same connection carries the meeting's votes to the vote banner (`also`: {applyState, applyEvent}),
// so that a member reading a document sees a vote open.

import { LiveConnection } from "../live/connection.js";

const SETTLE_MS = 300;  // a burst of changes (a shared note edited, moved, recoloured) loads once

export function followAnnotations({ meetingId, documentId, reload, onStatus, loadedOffline, also = null,
  onDocument = null, onComments = null }) {
  let timer = 0;
  const soon = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(reload, SETTLE_MS);
  };
  const ours = (payload) => payload?.document_id === documentId;
  const connection = new LiveConnection(meetingId, {
    onStatus,
    onState: (state, joins) => {
      also?.applyState(state);
      if (joins > 1 || loadedOffline) soon();
    },
    onEvent: (name, payload) => {
      also?.applyEvent(name, payload);
      if (name === "annotation.shared" && ours(payload)) soon();
      if (name.startsWith("document.") && ours(payload)) onDocument?.(name);
    },
  });
  also?.attach(connection);
  connection.socket.on("annotation.changed", (payload) => { if (ours(payload)) soon(); });
  // This reader's comments on a draft: answered by the secretariat, or changed on another device.
  for (const name of ["draft_comment.answered", "draft_comment.changed"]) {
    connection.socket.on(name, (payload) => { if (ours(payload)) onComments?.(); });
  }
  return connection.start();
}
