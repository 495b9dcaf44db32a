"""Shared helpers for asking stock execnet how it treats serialized bytes.

Used by both ``stock-oracle`` (interactive) and ``fixture_producer.py``
(batch), so that the verdicts recorded in Fixtures/invalid.json and the ones
the oracle gives live are computed the same way.

Must run on Python 2.7 and 3.6+, under whichever interpreter is being
examined.  Only ``execnet.gateway_base`` of the stock release is imported.
"""

import io
import os
import struct
import sys


def import_gateway_base(stock_dir):
    """Import gateway_base from the directory that contains `execnet/`."""
    stock_dir = os.path.abspath(stock_dir)
    if not os.path.isfile(os.path.join(stock_dir, "execnet", "gateway_base.py")):
        raise SystemExit("no execnet/gateway_base.py under %s" % stock_dir)
    sys.path.insert(0, stock_dir)
    from execnet import gateway_base
    return gateway_base


class Channel(object):
    """Stand-in for a channel created while loading the CHANNEL opcode.

    The stock serializer picks its save method from the type's *name*, so an
    instance of this class is written back as a channel reference.
    """

    def __init__(self, id):
        self.id = id

    def __repr__(self):
        return "<Channel id=%d>" % self.id

    def __hash__(self):
        # A real channel hashes by identity, so sets holding channels iterate
        # in an order that changes from run to run; hashing by id keeps the
        # oracle's re-dumps comparable. Equality stays identity, as in stock.
        return hash(("channel", self.id))


class _ChannelFactory(object):
    """Like stock's factory: one channel object per id within a gateway."""

    def __init__(self):
        self._channels = {}

    def new(self, id):
        if id not in self._channels:
            self._channels[id] = Channel(id)
        return self._channels[id]


class StubGateway(object):
    """Just enough of a gateway for `Unserializer(stream, gateway)`.

    Stock 1.9.0/2.0.x look attributes up with getattr and 2.1.x reads
    `_strconfig` and `_channelfactory` directly; this object satisfies both.
    It has no `gateway` attribute, so 1.9.0/2.0.x treat it as the gateway.
    (False, False): py2 `str` loads as bytes on Python 3, and Python 3 text
    loads as unicode on Python 2 - the plain `loads` defaults.
    """

    _strconfig = (False, False)

    def __init__(self):
        self._channelfactory = _ChannelFactory()


def exception_name(exc):
    """Stable class name: bare for builtins and execnet's own, else dotted."""
    cls = type(exc)
    module = getattr(cls, "__module__", "")
    if module in ("builtins", "exceptions", "__builtin__") or \
            module.startswith("execnet"):
        return cls.__name__
    return "%s.%s" % (module, cls.__name__)


def exception_text(exc):
    """The exception message as one line of ASCII."""
    try:
        text = u"%s" % (exc,)
    except Exception:  # noqa - some messages cannot be formatted at all
        try:
            text = repr(exc)
        except Exception:  # noqa
            text = u"<unprintable>"
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text.replace("\r", "\\r").replace("\n", "\\n")


def limit_memory(headroom=2 << 30):
    """Cap this process's address space at current size + `headroom` bytes.

    Hostile inputs such as NEWLIST 0x7fffffff make stock allocate huge lists;
    with the cap they fail with MemoryError instead of exhausting the machine.
    Best effort: returns False where the limit cannot be set.
    """
    try:
        import resource
    except ImportError:
        return False
    current = 0
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (IOError, OSError, ValueError, IndexError, AttributeError):
        current = 256 << 20
    wanted = current + headroom
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft == resource.RLIM_INFINITY or soft > wanted:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
        return True
    except (ValueError, OSError, resource.error):
        return False


class Verdict(object):
    """Outcome of loading one input: accepted with a re-dump, or an error."""

    def __init__(self, accepted, error=None, message=None, redump=None,
                 redump_error=None, redump_message=None):
        self.accepted = accepted
        self.error = error
        self.message = message
        self.redump = redump
        self.redump_error = redump_error
        self.redump_message = redump_message


def _describe_and_forget(exc):
    """Name and text of `exc`, after dropping its traceback.

    The traceback keeps the loader's frames, and so a half-built (possibly
    huge) stack, alive; after a MemoryError nothing more can be allocated
    until it is gone.
    """
    exc.__traceback__ = None
    if hasattr(sys, "exc_clear"):
        sys.exc_clear()
    try:
        return exception_name(exc), exception_text(exc)
    except MemoryError:
        return type(exc).__name__, ""


def judge(gateway_base, data, versioned, reform=None):
    """Load `data` with stock execnet and dump the result again.

    Internal format: an `Unserializer` over a BytesIO with a StubGateway (so
    CHANNEL loads), re-dumped with `dumps_internal`.  Versioned format: the
    public `loads` (leading version byte), re-dumped with `dumps`.
    """
    try:
        if versioned:
            value = gateway_base.loads(data)
        else:
            unserializer = gateway_base.Unserializer(io.BytesIO(data),
                                                     StubGateway())
            value = unserializer.load()
    except BaseException as exc:  # noqa - every failure is a verdict
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return Verdict(False, *_describe_and_forget(exc))
    try:
        if reform is not None:
            redump = reform(value)
        elif versioned:
            redump = gateway_base.dumps(value)
        else:
            redump = gateway_base.dumps_internal(value)
    except BaseException as exc:  # noqa
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        value = None
        name, text = _describe_and_forget(exc)
        return Verdict(True, redump_error=name, redump_message=text)
    value = None
    return Verdict(True, redump=bytes(redump))


class TooLarge(Exception):
    """The loaded value is too large to put into canonical form cheaply."""


def canonical_form(value, budget=4000000):
    """Bytes that identify a loaded value, independent of set iteration order.

    Stock's own re-dump lists set members in iteration order, which depends
    on hashes that some objects take from their address (NaN since CPython
    3.10, None before 3.12); two loads of the same bytes can then re-dump
    differently. Here set and frozenset members are sorted by their own
    canonical bytes, and every scalar keeps its exact type and bits, so two
    values get equal bytes exactly when they are the same Python value.
    """
    parts = []

    def put(obj):
        if len(parts) > budget:
            raise TooLarge("more than %d parts" % budget)
        kind = type(obj).__name__.encode("ascii")
        parts.append(kind + b":")
        if obj is None or isinstance(obj, bool):
            parts.append(repr(obj).encode("ascii"))
        elif isinstance(obj, float):
            parts.append(struct.pack("!d", obj))
        elif isinstance(obj, complex):
            parts.append(struct.pack("!dd", obj.real, obj.imag))
        elif kind in (b"int", b"long"):
            parts.append(str(obj).rstrip("L").encode("ascii"))
        elif isinstance(obj, Channel):
            parts.append(str(obj.id).encode("ascii"))
        elif isinstance(obj, bytes):
            parts.append(str(len(obj)).encode("ascii") + b":" + obj)
        elif kind in (b"str", b"unicode"):
            encoded = obj.encode("utf-8")
            parts.append(str(len(encoded)).encode("ascii") + b":" + encoded)
        elif isinstance(obj, (list, tuple)):
            parts.append(str(len(obj)).encode("ascii") + b"[")
            for item in obj:
                put(item)
            parts.append(b"]")
        elif isinstance(obj, dict):
            parts.append(str(len(obj)).encode("ascii") + b"{")
            for key, item in obj.items():
                put(key)
                put(item)
            parts.append(b"}")
        elif isinstance(obj, (set, frozenset)):
            members = sorted(canonical_form(member, budget - len(parts)) for member in obj)
            parts.append(str(len(members)).encode("ascii") + b"(")
            for member in members:
                parts.append(str(len(member)).encode("ascii") + b":" + member)
            parts.append(b")")
        else:
            raise TypeError("no canonical form for %r" % (type(obj),))

    put(value)
    return b"".join(parts)
