# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, auto_pickle=False
"""Hot paths of the stream layer: per received message, in C.

* :class:`Router` finds a push's ``"event"`` value in the frame's bytes and
  hands the frame to the sinks registered for it (decoding it once when a
  sink wants typed events). Everything that is not a push (replies, pong)
  goes to a Python ``control`` callable. The routing table itself (which
  event goes where) is built by :class:`wexcore.stream.core.StreamCore`.
* :class:`BookFeed` is the per-message path of a live book: buffer while
  unsynced, otherwise ``OrderBook.apply`` with timing into a
  :class:`LatencyRing`, and the slow cases (gap, crossed, undecodable)
  handed to Python (``lose_sync``).
* :class:`LatencyRing` is a fixed-size ring of int64 samples.

They replace Python code that cost about 1.3 µs per message; the logic is
the same, the plain-Python decisions stay in ``wexcore.stream``.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_FromStringAndSize
from cpython.bytes cimport PyBytes_CheckExact
from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport PyObject
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcmp, memcpy

from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

from wexcore._book cimport OrderBook

from wexcore.errors import DecodeError, PrecisionError, SequenceGap

cdef int _STALE = 0
cdef int _CROSSED = 2


cdef inline int64_t _now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


# '"event":"' : the compact spelling every push of the exchange uses
cdef const char *_EVENT_KEY = b'"event":"'
cdef Py_ssize_t _EVENT_KEY_LEN = 9
cdef Py_ssize_t _EVENT_WINDOW = 160


cdef inline Py_ssize_t _find_event(const char *buf, Py_ssize_t n, Py_ssize_t *end) noexcept nogil:
    """Start of the event value (after its opening quote), or -1."""
    cdef Py_ssize_t lim = n if n < _EVENT_WINDOW else _EVENT_WINDOW
    cdef Py_ssize_t i, j
    i = 0
    while i + _EVENT_KEY_LEN <= lim:
        if buf[i] == b'"' and memcmp(buf + i, _EVENT_KEY, _EVENT_KEY_LEN) == 0:
            j = i + _EVENT_KEY_LEN
            while j < n:
                if buf[j] == b'"':
                    end[0] = j
                    return i + _EVENT_KEY_LEN
                if buf[j] == b'\\':
                    return -1  # escapes: leave it to the careful path
                j += 1
            return -1
        i += 1
    return -1


@cython.final
cdef class Router:
    """Routes raw frames to sinks by their ``"event"`` value.

    Args:
        resolve: ``resolve(event_bytes) -> (tuple_of_deliver_callables, decode)``,
            called once per new event value; the answer is cached until
            :meth:`clear`.
        control: called with frames that are not pushes (replies, ``pong``).
        slow_event: ``slow_event(frame) -> bytes | None`` for frames whose
            event is not spelled compactly near the start.
        decoder: ``decoder(frame) -> event`` when a sink wants decoded events.
    """

    cdef dict _cache
    cdef object _resolve, _control, _slow_event
    cdef public object decoder
    #: optional ``duplicate(frame) -> bool`` check (private streams)
    cdef public object duplicate
    cdef public long long messages, bytes_received, unrouted, duplicates

    def __init__(self, resolve, control, slow_event, decoder):
        self._cache = {}
        self._resolve = resolve
        self._control = control
        self._slow_event = slow_event
        self.decoder = decoder
        self.duplicate = None

    def clear(self):
        """Forget cached routes (subscriptions changed)."""
        self._cache.clear()

    def feed(self, frame, long long received_ns=0):
        """Process one whole received message."""
        cdef Py_ssize_t n, start, end
        cdef const char *buf
        cdef PyObject *hit
        cdef tuple sinks
        if not PyBytes_CheckExact(frame):
            frame = frame.encode() if isinstance(frame, str) else bytes(frame)
        n = PyBytes_GET_SIZE(frame)
        buf = PyBytes_AS_STRING(frame)
        self.messages += 1
        self.bytes_received += n
        start = _find_event(buf, n, &end)
        if start >= 0:
            ev = PyBytes_FromStringAndSize(buf + start, end - start)
        else:
            ev = self._slow_event(frame)
            if ev is None:
                self._control(frame)
                return
        hit = PyDict_GetItem(self._cache, ev)
        if hit is NULL:
            if len(self._cache) > 10000:  # unknown events must not grow it forever
                self._cache.clear()
            entry = self._resolve(ev)
            self._cache[ev] = entry
        else:
            entry = <object>hit
        sinks = <tuple>entry[0]
        if not sinks:
            self.unrouted += 1
            return
        decoded = self.decoder(frame) if entry[1] else None
        if self.duplicate is not None and self.duplicate(frame, decoded):
            self.duplicates += 1
            return
        for deliver in sinks:
            deliver(frame, decoded, received_ns)


@cython.final
cdef class LatencyRing:
    """A fixed-size ring of int64 samples (nanoseconds)."""

    cdef int64_t *_buf
    cdef readonly Py_ssize_t size
    cdef readonly long long count

    def __cinit__(self):
        self._buf = NULL

    def __init__(self, Py_ssize_t size=65536):
        if size < 1:
            raise ValueError("size must be >= 1")
        if self._buf is not NULL:
            raise RuntimeError("LatencyRing is already initialised")
        self._buf = <int64_t *>malloc(size * sizeof(int64_t))
        if self._buf is NULL:
            raise MemoryError()
        self.size = size
        self.count = 0

    def __dealloc__(self):
        free(self._buf)

    cdef inline void push(self, int64_t v) noexcept:
        self._buf[self.count % self.size] = v
        self.count += 1

    def record(self, long long value):
        """Add one sample."""
        self.push(value)

    def samples(self):
        """The kept samples (the last ``size``), as a list, oldest first."""
        cdef Py_ssize_t k = self.count if self.count < self.size else self.size
        cdef Py_ssize_t first = 0 if self.count <= self.size else self.count % self.size
        cdef Py_ssize_t i
        return [self._buf[(first + i) % self.size] for i in range(k)]


cdef inline int64_t _exchange_ms(const char *buf, Py_ssize_t n) noexcept nogil:
    # futures depth_update carries "t" (ms) near the end; spot does not
    cdef Py_ssize_t i = n - 5
    cdef int64_t v = 0
    while i >= 0:
        if buf[i] == b'"' and buf[i + 1] == b't' and buf[i + 2] == b'"' and buf[i + 3] == b':':
            i += 4
            while i < n and b'0' <= buf[i] <= b'9':
                v = v * 10 + (buf[i] - 48)
                i += 1
            return v
        i -= 1
    return 0


cdef class BookFeed:
    """The per-message path of a live book (subclassed by ``BookSync``).

    ``deliver(frame, decoded, received_ns)`` is the stream's sink entry:
    while ``synced`` it applies the frame to ``book`` and records the apply
    time (and, for futures, exchange -> receive time) in the rings;
    otherwise it buffers the frame (bounded by ``max_buffer``, oldest
    dropped). Gaps, crossed books and undecodable frames call the
    subclass's ``lose_sync(reason, detail)``, and so do two signs of a
    sequence that went wrong without a gap: ``max_stale_run`` consecutive
    stale frames (``"stale_frames"``: the book's id ran ahead of the stream)
    and an applied frame that moves the update id by more than
    ``max_id_jump`` (``"id_jump"``; checked on :class:`~wexcore.OrderBook`
    books).
    """

    cdef public object book
    cdef public bint synced
    cdef public object buffer
    cdef public Py_ssize_t max_buffer
    cdef public long long applied, stale, buffer_overflows
    #: consecutive stale frames (reset by every applied one)
    cdef public long long stale_run
    #: this many consecutive stale frames lose sync (0: never)
    cdef public long long max_stale_run
    #: an applied frame that moves the update id further than this loses sync (0: never)
    cdef public long long max_id_jump
    cdef public object on_update
    cdef public LatencyRing apply_ring
    cdef public LatencyRing wire_ring
    cdef public bint futures
    @property
    def raw(self):
        """Always True: the router hands a book frame bytes, never decoded events."""
        return True

    def deliver(self, frame, decoded, long long received_ns):
        cdef int64_t t0, ex, before = 0
        cdef int result
        cdef bint kernel
        if not self.synced:
            buf = self.buffer
            if len(buf) >= self.max_buffer:
                buf.popleft()
                self.buffer_overflows += 1
            buf.append(frame)
            return
        kernel = type(self.book) is OrderBook
        if kernel:
            before = (<OrderBook>self.book)._last_id
        t0 = _now_ns()
        try:
            result = self.book.apply(frame)
        except SequenceGap as exc:
            self.lose_sync("gap", str(exc))
            self.buffer.append(frame)
            return
        except (DecodeError, PrecisionError) as exc:
            # a frame we cannot read may have carried changes: the book can
            # no longer be trusted
            self.lose_sync("decode_error", str(exc))
            return
        if self.apply_ring is not None:
            self.apply_ring.push(_now_ns() - t0)
            if (self.futures and received_ns and self.wire_ring is not None
                    and PyBytes_CheckExact(frame)):
                ex = _exchange_ms(PyBytes_AS_STRING(frame), PyBytes_GET_SIZE(frame))
                if ex:
                    self.wire_ring.push(received_ns - ex * 1000000)
        if result == _STALE:
            self.stale += 1
            self.stale_run += 1
            if self.max_stale_run and self.stale_run >= self.max_stale_run:
                self.stale_run = 0
                self.lose_sync("stale_frames", f"{self.max_stale_run} frames in a row older "
                               f"than the book's update id {self.book.last_update_id}")
            return
        self.stale_run = 0
        if (kernel and self.max_id_jump
                and (<OrderBook>self.book)._last_id - before > self.max_id_jump):
            self.lose_sync("id_jump", f"update id jumped from {before} to "
                           f"{(<OrderBook>self.book)._last_id}")
            return
        if result == _CROSSED:
            self.lose_sync("crossed", "best bid >= best ask after an update")
        else:
            self.applied += 1
            if self.on_update is not None:
                self.on_update(self.book, received_ns)

    def lose_sync(self, reason, detail=""):
        raise NotImplementedError
