"""The ``wexcore`` command line: one argparse subcommand per tool.

Subcommands register themselves in :data:`COMMANDS` (name -> (help, add_arguments,
run)); today only ``sim`` exists.  ``python -m wexcore`` runs the same entry point.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


def _sim_arguments(parser: argparse.ArgumentParser) -> None:
    from .sim.__main__ import add_arguments

    add_arguments(parser)


def _sim_run(args: argparse.Namespace) -> int:
    import asyncio

    from .sim.__main__ import run

    try:
        asyncio.run(run(args))
    except ImportError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {
    "sim": ("run the local WEX exchange simulator (needs the 'sim' extra)",
            _sim_arguments, _sim_run),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wexcore", description="wexcore tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, _run) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
