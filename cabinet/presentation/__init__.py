"""Presentation shared by the three doors (JSON API, pages, Socket.IO): models turned into JSON, files and
labels. Doors import from here, never from each other; services never build what a door answers."""
