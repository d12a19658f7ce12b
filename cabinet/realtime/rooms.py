"""Live rooms beyond the meeting's own: the connections of one user in one meeting and of one API token,
and what closing such a room means on every process (python-socketio's message queue carries close_room
to all of them). Services call these after commit (outbox.after_commit) when someone loses access."""
from __future__ import annotations

from ..extensions import socketio
from ..outbox import room_for, user_room


def meeting_user_room(meeting_id: int, user_id: int) -> str:
    """A user's connections that joined a meeting; closing it takes them out of the meeting's room."""
    return f"{room_for(meeting_id)}:user:{user_id}"


def token_room(token_id: int) -> str:
    """The connections authenticated with one API token; closing it disconnects them."""
    return f"token:{token_id}"


def end_user_connections(user_id: int) -> None:
    """A disabled account: tell its tablets the session ended, then disconnect them on every process."""
    socketio.emit("session.ended", {}, to=user_room(user_id))
    socketio.close_room(user_room(user_id))


def login_room(login_id: str) -> str:
    """The connections opened with one browser login's cookie; closing it (logout) disconnects them."""
    return f"login:{login_id}"


def end_login_connections(login_id: str) -> None:
    """A browser logged out: disconnect the sockets its cookie opened, on every process."""
    socketio.close_room(login_room(login_id))


def end_token_connections(token_id: int) -> None:
    """A revoked token: disconnect the sockets it authenticated, on every process."""
    socketio.close_room(token_room(token_id))


def close_meeting_to(meeting_id: int, user_id: int) -> None:
    """Someone who may no longer see the meeting: their sockets leave its room on every process (they
    stay connected; joining again is refused, and so is every event, by the services' own checks)."""
    socketio.close_room(meeting_user_room(meeting_id, user_id))


class _ClosingRooms:
    """Mixed into python-socketio's client manager. close_room is the one operation on a room by name that
    its message queue carries to every process (emit aside; disconnect, enter_room and leave_room name
    one socket, and a process only knows its own sockets). So the rooms above give closing a meaning:
    each process applies it to the members it holds, when its manager closes the room."""

    def basic_close_room(self, room, namespace):
        members = [sid for sid, _eio_sid in self.get_participants(namespace, room)]
        meeting, _, rest = room.partition(":user:") if room.startswith("meeting:") else ("", "", "")
        for sid in members:
            if rest:
                self.basic_leave_room(sid, namespace, meeting)
            elif room.startswith(("user:", "token:", "login:")):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        return super().basic_close_room(room, namespace)


def client_manager(message_queue: str | None):
    """python-socketio's client manager, alone or on the Redis message queue (Flask-SocketIO's channel),
    with the room closing above."""
    import socketio as python_socketio

    if message_queue is None:
        class ClientManager(_ClosingRooms, python_socketio.Manager):
            pass
        return ClientManager()

    class RedisClientManager(_ClosingRooms, python_socketio.RedisManager):
        pass
    return RedisClientManager(message_queue, channel="flask-socketio")
