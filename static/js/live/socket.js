// One Socket.IO connection per page, shared by whatever listens on it (the meeting's live connection, the
// inbox badge): a tablet keeps one connection to the server, not one per widget. Opened by the first who
// needs it; the session cookie authenticates it and puts it in the user's own room.

import { io } from "../../vendor/socket.io/socket.io.esm.min.js";

let shared = null;

export function pageSocket() {
  if (!shared) shared = io({ transports: ["websocket", "polling"], autoConnect: false });
  return shared;
}
