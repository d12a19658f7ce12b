"""The `cabinet` console script. For `serve`, eventlet takes over before anything else is imported."""
import sys


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from .serving import prepare_eventlet
        prepare_eventlet()
    from .cli import cli
    cli()
