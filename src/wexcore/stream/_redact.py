"""Keep ws tokens and listen keys out of log lines.

A private stream's token travels in every subscribe request (spot's
``"listenKey"`` field, futures' ``order@<key>`` topics). The WebSocket
libraries log frames at DEBUG, elided to a few dozen characters, which was
enough to leak 12-19 characters of a key; wexcore's own warnings may quote a
server's reply that echoes it.

Every token a stream client obtains is registered here (:func:`add_secret`),
and every log line that can carry one is rewritten before it is emitted:

* the loggers handed to ``websockets`` and ``picows`` are
  :class:`RedactingLogger` adapters, which redact a frame's whole payload
  *before* the library elides it (so no fragment of a key survives the cut);
* wexcore's stream loggers carry a :class:`RedactingFilter`.

Redacted are: every registered secret wherever it appears, and the value of
any ``"listenKey"`` field, registered or not (``"listenKey":"***"``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections import OrderedDict
from typing import Any

__all__ = ["add_secret", "redact", "RedactingFilter", "RedactingLogger", "MASK"]

MASK = "***"

# tokens live days (spot) or hours (futures); the last few dozen cover every
# connection a process keeps open, and the bound keeps a renewal loop from
# growing the set without end
_MAX_SECRETS = 64
# shorter strings would redact ordinary words; real tokens are 32+ characters
_MIN_SECRET_LEN = 8

_secrets: OrderedDict[str, None] = OrderedDict()
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()

# the value of a "listenKey" field, also when the line was cut inside it
_FIELD = re.compile(r'("listenKey"\s*:\s*")[^"]*("?)')


def add_secret(secret: str | None) -> None:
    """Register a token to be masked in every log line from now on."""
    global _pattern
    if not secret or len(secret) < _MIN_SECRET_LEN:
        return
    with _lock:
        _secrets[secret] = None
        _secrets.move_to_end(secret)
        while len(_secrets) > _MAX_SECRETS:
            _secrets.popitem(last=False)
        # longest first: a secret that contains another is masked whole
        alternatives = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in alternatives))


def redact(text: str) -> str:
    """``text`` with every registered secret and ``"listenKey"`` value masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "listenKey" in text:
        text = _FIELD.sub(rf"\g<1>{MASK}\g<2>", text)
    return text


def _redact_arg(arg: Any) -> Any:
    """A log argument with secrets masked; a websockets ``Frame`` keeps its
    type (so that it still prints as a frame) with its whole payload masked
    before its ``__str__`` elides it."""
    if isinstance(arg, str):
        return redact(arg)
    if isinstance(arg, bytes | bytearray | memoryview):
        raw = bytes(arg)
        clean = redact(raw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        return raw if clean == raw else clean
    data = getattr(arg, "data", None)
    if dataclasses.is_dataclass(arg) and isinstance(data, bytes | bytearray | memoryview):
        clean = _redact_arg(data)
        return arg if clean is data else dataclasses.replace(arg, data=clean)  # type: ignore[type-var]
    return arg


class RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to a WebSocket library: the same logger, every line
    redacted. Costs nothing while its level is disabled (the libraries ask
    ``isEnabledFor`` once per connection)."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger, {})

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg)
        if args:
            try:
                text = text % tuple(_redact_arg(a) for a in args)
            except (TypeError, ValueError):
                text = f"{text} {args!r}"
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, "%s", redact(text), **kwargs)


class RedactingFilter(logging.Filter):
    """Masks secrets in the records of the logger it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        # records exist only for enabled levels: this runs per emitted line
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = redact(text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def install(*logger_names: str) -> None:
    """Attach one :class:`RedactingFilter` to each named logger (idempotent)."""
    for name in logger_names:
        lg = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in lg.filters):
            lg.addFilter(RedactingFilter())


# wexcore's stream loggers: the client, its core, live books, transports
install("wexcore.stream", "wexcore.stream.core", "wexcore.stream.livebook",
        "wexcore.stream.transport")
