"""Child process of `regen-fixtures`: record stock execnet's own Python host.

Usage:  python3 transcript_recorder.py <dir containing execnet/> <version>

Runs on Python 3.8+ (the interpreter that runs regen-fixtures), with the stock
release found in the given directory.  Every scenario below starts a fresh
popen gateway ``popen//python=<this interpreter>//id=gw0`` through stock's
public API, so stock uses its "exec" bootstrap and its own host code for
everything that follows.  The IO class stock uses for popen gateways is
patched so that every byte the host writes (and reads) is seen here.  The
first write is the bootstrap line; the bytes written after it, up to the
moment the host closes its write side, are the scenario's "host stream".

Writes one JSON object to stdout (the content of
Fixtures/transcripts/execnet-<version>.json; see the README there).  Progress
and failures go to stderr; a failing scenario is named together with the step
that failed and what the remote had sent so far.

The scenarios are plain data so that the Swift host can interpret the same
steps and compare its own host stream with the recorded one.  Only bytes the
host writes are recorded: what the remote sends (tracebacks, paths, pids) may
vary between machines and runs, the host's side must not.
"""

import sys

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__

import ast  # noqa: E402
import binascii  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import weakref  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixture_producer import ALL_BYTES, to_hex, typed  # noqa: E402

SPEC = "popen//python=%s//id=gw0"     # exec bootstrap (python= given)
IMPORT_SPEC = "popen//id=gw0"         # import bootstrap
IMPORTDIR_PLACEHOLDER = "<IMPORTDIR>"
FUNCTIONS_FILE = "remote_functions.py"
MODULE_FILE = "remote_module.py"

SAFETY_TIMEOUT = 30.0   # receive/waitclose without an explicit timeout
CALLBACK_TIMEOUT = 10.0
DROP_TIMEOUT = 10.0
EXIT_TIMEOUT = 30.0

HEADER = struct.Struct("!bii")


class StepFailed(Exception):
    pass


# --------------------------------------------------------------------------
# typed values back to Python objects (inverse of fixture_producer.typed)


def _hexspec_bytes(spec):
    if isinstance(spec, dict):
        return b"".join(binascii.unhexlify(unit) * count
                        for unit, count in spec["runs"])
    return binascii.unhexlify(spec)


def _text(spec):
    if isinstance(spec, dict):
        if "codepoints" in spec:
            return "".join(chr(point) for point in spec["codepoints"])
        return spec["repeat"] * spec["count"]
    return spec


def _float(hex16):
    return struct.unpack(">d", binascii.unhexlify(hex16))[0]


def untyped(value):
    tag = value[0]
    if tag == "none":
        return None
    if tag == "bool":
        return bool(value[1])
    if tag == "int":
        return int(value[1])
    if tag == "float":
        return _float(value[1])
    if tag == "complex":
        return complex(_float(value[1]), _float(value[2]))
    if tag == "bytes":
        return _hexspec_bytes(value[1])
    if tag == "str":
        return _text(value[1])
    if tag in ("list", "tuple", "set", "frozenset"):
        items = [untyped(item) for item in value[1]]
        return {"list": list, "tuple": tuple, "set": set,
                "frozenset": frozenset}[tag](items)
    if tag == "dict":
        return dict((untyped(k), untyped(v)) for k, v in value[1])
    raise ValueError("no Python value for typed %r" % (value,))


# --------------------------------------------------------------------------
# scenario language: step constructors


def T(value):
    """Typed form of `value`; it must survive the way back unchanged."""
    form = typed(value)
    if typed(untyped(form)) != form:
        raise ValueError("typed form of %r does not round-trip" % (value,))
    return form


def exec_(source, file_name=None, call_name=None, kwargs=None):
    return {"op": "exec", "source": source, "file_name": file_name,
            "call_name": call_name,
            "kwargs": None if kwargs is None else T(kwargs)}


def send(channel, value):
    return {"op": "send", "channel": channel, "value": T(value)}


def send_channel(channel, ref):
    return {"op": "send_channel", "channel": channel, "ref": ref}


def receive(channel, value, timeout=None):
    step = {"op": "receive", "channel": channel, "expect": T(value)}
    if timeout is not None:
        step["timeout"] = float(timeout)
    return step


def receive_channel(channel):
    return {"op": "receive_channel", "channel": channel}


def receive_error(channel, error, contains=None):
    return {"op": "receive_error", "channel": channel, "error": error,
            "contains": contains}


def waitclose(channel, error=None, contains=None):
    return {"op": "waitclose", "channel": channel, "error": error,
            "contains": contains}


def close(channel, error=None):
    return {"op": "close", "channel": channel, "error": error}


def newchannel():
    return {"op": "newchannel"}


def status(numchannels=None, numexecuting=None):
    return {"op": "status", "expect": {"numchannels": numchannels,
                                       "numexecuting": numexecuting}}


def reconfigure(channel, py2str_as_py3str, py3str_as_py2str):
    return {"op": "reconfigure", "channel": channel,
            "py2str_as_py3str": py2str_as_py3str,
            "py3str_as_py2str": py3str_as_py2str}


def setcallback(channel, endmarker=None, has_endmarker=False):
    return {"op": "setcallback", "channel": channel,
            "endmarker": T(endmarker) if has_endmarker else None}


def await_callback(channel, items):
    return {"op": "await_callback", "channel": channel,
            "expect": [T(item) for item in items]}


def drop(channel):
    return {"op": "drop", "channel": channel}


def file_write(channel, data):
    return {"op": "file_write", "channel": channel, "data": T(data)}


def file_readline(channel, line):
    return {"op": "file_readline", "channel": channel, "expect": T(line)}


def exit_():
    return {"op": "exit"}


# --------------------------------------------------------------------------
# the scenarios

ECHO_SOURCE = """
    for item in channel:
        channel.send(item)
"""

CORPUS = [
    0, 1, -1, 255, 2 ** 31 - 1, 2 ** 31, -2 ** 31, 2 ** 63, 2 ** 100,
    10 ** 30,
    1.5, -0.0, 0.1, float("inf"), float("-inf"), float("nan"),
    complex(1.5, -2.0), complex(0.0, -0.0),
    "", "hello", u"Gr\xfc\xdfe \u4e2d\u6587 \U0001F600 \U0010FFFF",
    b"", ALL_BYTES,
    None, True, False,
    [], [1, [2, [3, []]]], (), (None,), (1, "two", 3.0),
    {}, {"a": 1, "b": [1, 2]}, {1: "one", (1, 2): "pair", None: b"x"},
    set(), {1, 2, 3}, frozenset(), frozenset({4, 5}),
    [None, True, (False, b"\x00\xff"), {"k": frozenset({6})}, {7},
     complex(1, -1), 2 ** 40],
]

STATUS_SOURCE = """
    channel.send("ready")
    channel.send(channel.receive() + 1)
"""

HOST_CLOSE_SOURCE = """
    first = channel.receive()
    second = channel.receive()
    for other in (first, second):
        try:
            other.waitclose(10)
        except other.RemoteError as exc:
            channel.send(("error", str(exc)))
        else:
            channel.send(("closed", None))
"""

TYPE_ECHO_SOURCE = """
    for item in channel:
        channel.send([type(item).__name__, item])
"""

PASSING_SOURCE = """
    reply = channel.receive()
    reply.send("via host channel")
    mine = channel.gateway.newchannel()
    channel.send(mine)
    mine.send(mine.receive() * 2)
"""

EARLY_CLOSE_SOURCE = """
    side = channel.gateway.newchannel()
    channel.send(side)
    side.send("only item")
    side.close()
    inbox = channel.gateway.newchannel()
    got = []
    inbox.setcallback(got.append)
    channel.send(inbox)
    del inbox
    channel.receive()
    channel.send(got)
"""

DROP_SOURCE = """
    other = channel.receive()
    other.waitclose(10)
    channel.send(other.isclosed())
"""

DROP_CALLBACK_SOURCE = """
    other = channel.receive()
    other.send("a")
    other.send("b")
    other.waitclose(10)
    channel.send(other.isclosed())
"""

MAKEFILE_SOURCE = """
    first = channel.receive()
    second = channel.receive()
    text = (first + second).decode("utf-8")
    for chunk in ("alpha\\nbe", "ta\\n", "gamma\\ndelta\\n", text.upper()):
        channel.send(chunk)
"""

SCALE_FUNCTION = (
    "def scale(channel, factor, items):\n"
    "    channel.send([factor * item for item in items])\n")

GREET_FUNCTION = (
    "\n\n"
    "def greet(channel):\n"
    "    name = channel.receive()\n"
    "    channel.send(\"hello \" + name)\n")

MODULE_SOURCE = (
    "import sys\n"
    "channel.send([__name__, sys.version_info[0]])\n")

MODULE_ERROR_SOURCE = (
    "def helper():\n"
    "    raise KeyError(\"missing\")\n"
    "\n"
    "helper()\n")


def scenarios(version):
    two = not version.startswith("1.")

    def as_py2(text):
        """How stock loads a Python 3 str when py3str_as_py2str is set."""
        return text.encode("utf-8") if two else text

    echo_steps = [exec_(ECHO_SOURCE)]
    for value in CORPUS:
        echo_steps += [send(0, value), receive(0, value)]
    echo_steps += [close(0), waitclose(0), exit_()]

    return [
        ("echo-corpus",
         "An indented remote_exec source echoes every corpus value back; the "
         "host then closes the channel.",
         echo_steps),

        ("remote-error",
         "Remote code raises: the error surfaces once through receive or "
         "waitclose, then the channel reports plain EOF.",
         [exec_("raise ValueError('boom')"),
          receive_error(0, "remote", "ValueError: boom"),
          waitclose(0),
          exec_("\n    channel.send(1)\n    1 / 0\n"),
          receive(1, 1),
          waitclose(1, "remote", "ZeroDivisionError"),
          receive_error(1, "eof"),
          exit_()]),

        ("function-exec",
         "CHANNEL_EXEC as remote_exec sends it for functions (call_name and "
         "kwargs) and for modules (file_name only).",
         [exec_(SCALE_FUNCTION, FUNCTIONS_FILE, "scale",
                {"factor": 3, "items": [1, 2, 3]}),
          receive(0, [3, 6, 9]),
          waitclose(0),
          exec_(GREET_FUNCTION, FUNCTIONS_FILE, "greet", {}),
          send(1, "execnet"),
          receive(1, "hello execnet"),
          waitclose(1),
          exec_(MODULE_SOURCE, MODULE_FILE, None, {}),
          receive(2, ["__channelexec__", 3]),
          waitclose(2),
          exec_(MODULE_ERROR_SOURCE, MODULE_FILE, None, {}),
          waitclose(3, "remote", MODULE_FILE),
          exit_()]),

        ("host-close",
         "The host closes two channels it passed to the remote, one with an "
         "error text; the remote reports what waitclose saw.",
         [exec_(HOST_CLOSE_SOURCE),
          newchannel(), newchannel(),
          send_channel(0, 1), send_channel(0, 2),
          close(1, "stopped by host"),
          close(2),
          receive(0, ("error", "stopped by host")),
          receive(0, ("closed", None)),
          waitclose(0),
          exit_()]),

        ("status",
         "remote_status before any execution and while an exec is blocked "
         "receiving (each status call uses up a channel id).",
         [status(0, 0),
          exec_(STATUS_SOURCE),
          receive(0, "ready"),
          status(1, 1),
          send(0, 41),
          receive(0, 42),
          waitclose(0),
          status(),
          exit_()]),

        ("reconfigure",
         "Per-channel and gateway-wide RECONFIGURE; the remote reports the "
         "type each str arrived as (1.x ignores py3str_as_py2str on Python 3).",
         [exec_(TYPE_ECHO_SOURCE),
          send(0, "text"),
          receive(0, ["str", "text"]),
          reconfigure(0, True, True),
          send(0, "text"),
          receive(0, [as_py2("bytes" if two else "str"), as_py2("text")]),
          reconfigure(0, True, False),
          send(0, "text"),
          receive(0, ["str", "text"]),
          reconfigure(None, False, True),
          exec_(TYPE_ECHO_SOURCE),
          send(1, "abc"),
          receive(1, [as_py2("bytes" if two else "str"), as_py2("abc")]),
          send(0, "still default"),
          receive(0, ["str", "still default"]),
          close(0), close(1),
          waitclose(0), waitclose(1),
          exit_()]),

        ("channel-passing",
         "A host channel travels to the remote and is written there; a "
         "remote channel travels to the host and is used in both directions.",
         [exec_(PASSING_SOURCE),
          newchannel(),
          send_channel(0, 1),
          receive(1, "via host channel"),
          receive_channel(0),
          send(2, 21),
          receive(2, 42),
          waitclose(0),
          exit_()]),

        ("callbacks",
         "Callbacks with and without endmarker, on exec channels and on a "
         "host channel the remote writes to and closes.",
         [exec_("\n    for i in range(3):\n        channel.send(i)\n"),
          setcallback(0, "END", has_endmarker=True),
          await_callback(0, [0, 1, 2, "END"]),
          exec_("\n    for word in ('x', 'y'):\n        channel.send(word)\n"
                "    channel.receive()\n"),
          setcallback(1),
          await_callback(1, ["x", "y"]),
          send(1, "go"),
          waitclose(1),
          newchannel(),
          setcallback(2, None, has_endmarker=True),
          exec_("\n    target = channel.receive()\n"
                "    target.send('via callback')\n    target.close()\n"),
          send_channel(3, 2),
          await_callback(2, ["via callback", None]),
          waitclose(3),
          exit_()]),

        ("remote-closes-early",
         "The remote closes a channel it made (CHANNEL_CLOSE) and drops one "
         "with a callback (CHANNEL_LAST_MESSAGE); the host still sends to "
         "the latter.",
         [exec_(EARLY_CLOSE_SOURCE),
          receive_channel(0),
          receive(1, "only item"),
          receive_error(1, "eof"),
          waitclose(1),
          receive_channel(0),
          waitclose(2),
          send(2, "after last message"),
          send(0, "sent"),
          receive(0, ["after last message"]),
          waitclose(0),
          exit_()]),

        ("drop-without-callback",
         "The host drops its only reference to a channel it passed to the "
         "remote, which makes stock send CHANNEL_CLOSE.",
         [exec_(DROP_SOURCE),
          newchannel(),
          send_channel(0, 1),
          drop(1),
          receive(0, True, timeout=10.0),
          waitclose(0),
          exit_()]),

        ("drop-with-callback",
         "The host drops a channel that has a callback, which makes stock "
         "send CHANNEL_LAST_MESSAGE.",
         [exec_(DROP_CALLBACK_SOURCE),
          newchannel(),
          setcallback(1),
          send_channel(0, 1),
          await_callback(1, ["a", "b"]),
          drop(1),
          receive(0, False, timeout=10.0),
          waitclose(0),
          exit_()]),

        ("terminate-while-blocked",
         "The host exits while the remote exec is still blocked in "
         "channel.receive().",
         [exec_("\n    channel.send('waiting')\n    channel.receive()\n"),
          receive(0, "waiting"),
          exit_()]),

        ("makefile",
         "Host writes through makefile('w') and reads lines through "
         "makefile('r') until EOF.",
         [exec_(MAKEFILE_SOURCE),
          file_write(0, b"hello "),
          file_write(0, b"world"),
          file_readline(0, "alpha\n"),
          file_readline(0, "beta\n"),
          file_readline(0, "gamma\n"),
          file_readline(0, "delta\n"),
          file_readline(0, "HELLO WORLD"),
          file_readline(0, ""),
          waitclose(0),
          exit_()]),
    ]


# --------------------------------------------------------------------------
# capturing the host's IO


class Transcript(object):
    def __init__(self):
        self.writes = []
        self.reads = []
        self.closed = False
        self.late_writes = 0
        self.failed_writes = 0
        self.lock = threading.Lock()


CURRENT = [None]


def patch_io(cls):
    """Route every write, read and close_write of `cls` through a Transcript:
    Popen2IOMaster (popen, ssh), gateway_socket.SocketIO, gateway_io.ProxyIO."""
    write, read, close_write = cls.write, cls.read, cls.close_write

    def transcript(io):
        found = io.__dict__.get("_transcript")
        if found is None:
            found = io.__dict__["_transcript"] = CURRENT[0]
        return found

    def patched_write(self, data):
        # Record before writing: once the bytes are out, the remote may end
        # and the receiver thread may close the write side at any moment.
        record = transcript(self)
        with record.lock:
            if record.closed:
                record.late_writes += 1
            else:
                record.writes.append(bytes(data))
        try:
            write(self, data)
        except Exception:
            record.failed_writes += 1
            raise

    def patched_read(self, numbytes):
        data = read(self, numbytes)
        transcript(self).reads.append(bytes(data))
        return data

    def patched_close_write(self):
        record = transcript(self)
        with record.lock:
            record.closed = True
        return close_write(self)

    cls.write = patched_write
    cls.read = patched_read
    cls.close_write = patched_close_write


def split_frames(data):
    """[(type, channel, payload)] of a message stream; must parse exactly."""
    frames = []
    offset = 0
    while offset < len(data):
        if offset + HEADER.size > len(data):
            raise ValueError("stream ends inside a header at %d" % offset)
        kind, channel, length = HEADER.unpack_from(data, offset)
        offset += HEADER.size
        if length < 0 or offset + length > len(data):
            raise ValueError("payload beyond the end at %d" % offset)
        frames.append((kind, channel, data[offset:offset + length]))
        offset += length
    return frames


# --------------------------------------------------------------------------
# running one scenario


class Session(object):
    def __init__(self, execnet, gateway_base, spec=None, via_spec=None):
        self.execnet = execnet
        self.gateway_base = gateway_base
        self.group = execnet.Group()
        self.via = via_spec
        if via_spec is not None:
            # The via gateway's own traffic goes to a transcript of its own.
            CURRENT[0] = Transcript()
            self.group.makegateway(via_spec)
        self.transcript = Transcript()
        CURRENT[0] = self.transcript
        self.gateway = self.group.makegateway(spec or SPEC % sys.executable)
        self.channels = []
        self.readers = {}
        self.callback_items = {}

    # -- helpers ----------------------------------------------------------

    def channel(self, index):
        found = self.channels[index]
        if found is None:
            raise StepFailed("channel %d was dropped" % index)
        return found

    @staticmethod
    def check_value(got, expect):
        form = typed(got)
        if form != expect:
            raise StepFailed("got %s, expected %s"
                             % (json.dumps(form), json.dumps(expect)))

    @staticmethod
    def check_error(exc, error, contains):
        if error == "eof":
            if not isinstance(exc, EOFError):
                raise StepFailed("expected EOFError, got %r" % (exc,))
            return
        if type(exc).__name__ != "RemoteError":
            raise StepFailed("expected RemoteError, got %r" % (exc,))
        if contains is not None and contains not in str(exc):
            raise StepFailed("remote error does not contain %r:\n%s"
                             % (contains, exc))

    # -- operations -------------------------------------------------------

    def op_exec(self, step):
        source, file_name = step["source"], step["file_name"]
        call_name, kwargs = step["call_name"], step["kwargs"]
        if file_name is None and call_name is None and kwargs is None:
            self.channels.append(self.gateway.remote_exec(source))
            return
        channel = self.gateway.newchannel()
        task = (source, file_name, call_name,
                None if kwargs is None else untyped(kwargs))
        self.gateway._send(self.gateway_base.Message.CHANNEL_EXEC, channel.id,
                           self.gateway_base.dumps_internal(task))
        self.channels.append(channel)

    def op_send(self, step):
        self.channel(step["channel"]).send(untyped(step["value"]))

    def op_send_channel(self, step):
        self.channel(step["channel"]).send(self.channel(step["ref"]))

    def op_receive(self, step):
        item = self.channel(step["channel"]).receive(
            step.get("timeout", SAFETY_TIMEOUT))
        self.check_value(item, step["expect"])

    def op_receive_channel(self, step):
        item = self.channel(step["channel"]).receive(SAFETY_TIMEOUT)
        if type(item).__name__ != "Channel":
            raise StepFailed("expected a channel, got %r" % (item,))
        self.channels.append(item)

    def op_receive_error(self, step):
        channel = self.channel(step["channel"])
        try:
            item = channel.receive(step.get("timeout", SAFETY_TIMEOUT))
        except channel.TimeoutError:
            raise StepFailed("timed out")
        except (EOFError, channel.RemoteError) as exc:
            self.check_error(exc, step["error"], step["contains"])
        else:
            raise StepFailed("received %r instead of an error" % (item,))

    def op_waitclose(self, step):
        channel = self.channel(step["channel"])
        try:
            channel.waitclose(step.get("timeout", SAFETY_TIMEOUT))
        except channel.TimeoutError:
            raise StepFailed("timed out")
        except (EOFError, channel.RemoteError) as exc:
            if step["error"] is None:
                raise StepFailed("unexpected %r" % (exc,))
            self.check_error(exc, step["error"], step["contains"])
        else:
            if step["error"] is not None:
                raise StepFailed("waitclose raised nothing")

    def op_close(self, step):
        self.channel(step["channel"]).close(step["error"])

    def op_newchannel(self, step):
        self.channels.append(self.gateway.newchannel())

    def op_status(self, step):
        result = self.gateway.remote_status()
        for key, wanted in sorted(step["expect"].items()):
            if wanted is not None and getattr(result, key) != wanted:
                raise StepFailed("status %s is %r, expected %r"
                                 % (key, getattr(result, key), wanted))

    def op_reconfigure(self, step):
        flags = (step["py2str_as_py3str"], step["py3str_as_py2str"])
        if step["channel"] is None:
            self.gateway.reconfigure(*flags)
        else:
            self.channel(step["channel"]).reconfigure(*flags)

    def op_setcallback(self, step):
        bucket = self.callback_items.setdefault(step["channel"], [])

        def callback(item):  # must not reference the channel
            bucket.append(item)

        if step["endmarker"] is None:
            self.channel(step["channel"]).setcallback(callback)
        else:
            self.channel(step["channel"]).setcallback(
                callback, untyped(step["endmarker"]))

    def op_await_callback(self, step):
        bucket = self.callback_items[step["channel"]]
        wanted = step["expect"]
        deadline = time.monotonic() + CALLBACK_TIMEOUT
        while len(bucket) < len(wanted) and time.monotonic() < deadline:
            time.sleep(0.005)
        got = [typed(item) for item in list(bucket)]
        if got != wanted:
            raise StepFailed("callback got %s, expected %s"
                             % (json.dumps(got), json.dumps(wanted)))

    def op_drop(self, step):
        index = step["channel"]
        ref = weakref.ref(self.channel(index))
        self.channels[index] = None
        self.readers.pop(index, None)
        gc.collect()
        # The receiver thread may hold the channel for a moment; stock's
        # __del__ has sent its message once the weak reference is dead.
        deadline = time.monotonic() + DROP_TIMEOUT
        while ref() is not None:
            if time.monotonic() > deadline:
                raise StepFailed("channel %d is still referenced" % index)
            time.sleep(0.005)
            gc.collect()

    def op_file_write(self, step):
        self.channel(step["channel"]).makefile("w").write(untyped(step["data"]))

    def op_file_readline(self, step):
        index = step["channel"]
        if index not in self.readers:
            self.readers[index] = self.channel(index).makefile("r")
        line = self.readers[index].readline()
        self.check_value(line, step["expect"])

    def op_exit(self, step):
        self.gateway.exit()
        popen = getattr(self.gateway._io, "popen", None)
        if popen is None:   # socket, via: the remote ends its side
            self.gateway.join(timeout=EXIT_TIMEOUT)
            if self.gateway._receivepool.active_count():
                raise StepFailed("remote did not end within %ds" % EXIT_TIMEOUT)
            return
        try:
            popen.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise StepFailed("remote did not end within %ds" % EXIT_TIMEOUT)
        self.gateway.join()

    def run(self, steps):
        for number, step in enumerate(steps):
            try:
                getattr(self, "op_" + step["op"])(step)
            except Exception as exc:
                raise StepFailed("step %d %s failed: %s: %s"
                                 % (number, json.dumps(step)[:200],
                                    type(exc).__name__, exc))

    def abort(self):
        try:
            self.gateway._io.kill()
        except Exception:  # noqa - best effort
            pass
        try:
            self.group.terminate(timeout=2.0)
        except Exception:  # noqa - best effort
            pass

    def finish(self):
        """Release everything, then check nothing was written late."""
        try:
            self.group.terminate(timeout=2.0)   # no-op after exit
        except OSError:
            # Over via, stock's terminate still asks the proxy to kill the
            # gateway that has exited, on a control channel already closed.
            if self.via is None:
                raise
        self.channels = None
        self.readers = None
        self.callback_items = None
        gc.collect()
        if self.transcript.late_writes or self.transcript.failed_writes:
            raise StepFailed("%d write(s) after the write side was closed, "
                             "%d failed write(s)"
                             % (self.transcript.late_writes,
                                self.transcript.failed_writes))
        return self.transcript


def describe_remote(transcript):
    """What the remote sent, for failure reports."""
    data = b"".join(transcript.reads)
    lines = ["remote sent %d bytes" % len(data)]
    if data[:1] == b"1":
        data = data[1:]
    offset = 0
    while offset + HEADER.size <= len(data):
        kind, channel, length = HEADER.unpack_from(data, offset)
        payload = data[offset + HEADER.size:offset + HEADER.size + length]
        lines.append("  type %d channel %d: %r" % (kind, channel, payload[:300]))
        offset += HEADER.size + length
    return "\n".join(lines)


# --------------------------------------------------------------------------
# bootstrap lines


def bootstrap_info(line, gateway_base):
    with open(gateway_base.__file__, "rb") as handle:
        module_bytes = handle.read()
    module_text = module_bytes.decode("utf-8")
    source = ast.literal_eval(line.decode("utf-8"))
    if not line.endswith(b"\n") or not source.startswith(module_text + "\n"):
        raise SystemExit("bootstrap line is not gateway_base.py plus a trailer")
    trailer = source[len(module_text) + 1:].split("\n")
    if module_text + "\n" + "\n".join(trailer) != source:
        raise SystemExit("bootstrap trailer does not reassemble")
    return {
        "mode": "exec",
        "line_sha256": hashlib.sha256(line).hexdigest(),
        "line_length": len(line),
        "source_sha256": hashlib.sha256(module_bytes).hexdigest(),
        "trailer": trailer,
        "line_prefix_hex": to_hex(line[:64]),
        "line_suffix_hex": to_hex(line[-256:]),
    }


def record_import_bootstrap(execnet):
    from execnet import gateway_bootstrap
    transcript = Transcript()
    CURRENT[0] = transcript
    group = execnet.Group()
    gateway = group.makegateway(IMPORT_SPEC)
    try:
        gateway.exit()
        gateway._io.popen.wait(timeout=EXIT_TIMEOUT)
        gateway.join()
    finally:
        group.terminate(timeout=2.0)
    line = transcript.writes[0].decode("ascii")
    importdir = gateway_bootstrap.importdir
    if line.count(importdir) != 2 or any(c in importdir for c in "\\'\""):
        raise SystemExit("cannot place %r in the import bootstrap line:\n%s"
                         % (importdir, line))
    return line.replace(importdir, IMPORTDIR_PLACEHOLDER)


# --------------------------------------------------------------------------


def record(stock_dir, version):
    stock_dir = os.path.abspath(stock_dir)
    sys.path.insert(0, stock_dir)
    import execnet
    from execnet import gateway_base, gateway_io
    if not os.path.abspath(execnet.__file__).startswith(stock_dir + os.sep):
        raise SystemExit("execnet imported from %s, not %s"
                         % (execnet.__file__, stock_dir))
    patch_io(gateway_io.Popen2IOMaster)
    entries, bootstrap_line = run_scenarios(execnet, gateway_base, version)
    return {
        "execnet": version,
        "host_python": "%d.%d" % sys.version_info[:2],
        "bootstrap": bootstrap_info(bootstrap_line, gateway_base),
        "import_bootstrap": record_import_bootstrap(execnet),
        "scenarios": entries,
    }


def run_scenarios(execnet, gateway_base, version, spec=None, via_spec=None,
                  label="popen"):
    """Every scenario on a fresh gateway each: ([entry], bootstrap line)."""
    bootstrap_line = None
    entries = []
    for name, description, steps in scenarios(version):
        session = None
        try:
            session = Session(execnet, gateway_base, spec, via_spec)
            if not steps or steps[-1]["op"] != "exit" or \
                    any(s["op"] == "exit" for s in steps[:-1]):
                raise StepFailed("a scenario must end with its only exit step")
            session.run(steps)
            transcript = session.finish()
        except Exception as exc:
            sys.stderr.write("*** execnet %s (%s): scenario %s FAILED\n%s\n"
                             % (version, label, name, exc))
            if not isinstance(exc, StepFailed):
                traceback.print_exc()
            if session is not None:
                sys.stderr.write(describe_remote(session.transcript) + "\n")
                session.abort()
            sys.stderr.flush()
            os._exit(3)
        line, stream = transcript.writes[0], b"".join(transcript.writes[1:])
        if bootstrap_line is None:
            bootstrap_line = line
        elif line != bootstrap_line:
            raise SystemExit("scenario %s: bootstrap line differs" % name)
        if b"".join(transcript.reads)[:1] != b"1":
            raise SystemExit("scenario %s: no bootstrap acknowledgement" % name)
        frames = split_frames(stream)
        entries.append({
            "name": name,
            "description": description,
            "steps": steps,
            "host_stream_hex": to_hex(stream),
            "host_messages": [[kind, channel, len(payload)]
                              for kind, channel, payload in frames],
        })
    return entries, bootstrap_line


PORT_PLACEHOLDER = "<PORT>"


def transport_plans(servers):
    """(name, spec, via spec or None, template) per transport; the template
    is the spec with this machine's parts replaced, for the Swift replay."""
    python = sys.executable
    sockets = [entry for entry in servers["socketservers"]
               if os.path.realpath(entry["python"]) == os.path.realpath(python)]
    if not sockets:
        raise SystemExit("servers.json has no socket server running %s" % python)
    return [
        ("ssh", "%s//python=%s//id=gw0" % (servers["sshd"]["spec"], python),
         None, "<SSH>//python=<PYTHON>//id=gw0"),
        ("socket", "%s//id=gw0" % sockets[0]["spec"],
         None, "socket=127.0.0.1:%s//id=gw0" % PORT_PLACEHOLDER),
        ("via", "popen//python=%s//via=via//id=gw0" % python,
         "popen//python=%s//id=via" % python,
         "popen//python=<PYTHON>//via=via//id=gw0"),
    ]


def record_transports(stock_dir, version, servers_file):
    """Stock's host over ssh, socket and one via hop: the proxied (or
    remote) gateway's bootstrap line and host stream for every scenario."""
    stock_dir = os.path.abspath(stock_dir)
    sys.path.insert(0, stock_dir)
    import execnet
    from execnet import gateway_base, gateway_io, gateway_socket
    for cls in (gateway_io.Popen2IOMaster, gateway_socket.SocketIO,
                gateway_io.ProxyIO):
        patch_io(cls)
    with open(servers_file) as handle:
        servers = json.load(handle)
    popen_line = None
    transports = []
    for name, spec, via_spec, template in transport_plans(servers):
        sys.stderr.write("recording execnet %s over %s\n" % (version, name))
        entries, line = run_scenarios(execnet, gateway_base, version, spec,
                                      via_spec, label=name)
        if name == "socket":
            real = spec.encode("ascii")
            if line.count(real) != 1:
                raise SystemExit("socket bootstrap line does not name %r once"
                                 % spec)
            line = line.replace(real, template.encode("ascii"))
        transports.append({
            "name": name,
            "spec": template,
            "bootstrap": {"line_sha256": hashlib.sha256(line).hexdigest(),
                          "line_length": len(line)},
            "scenarios": [{"name": entry["name"],
                           "host_stream_hex": entry["host_stream_hex"],
                           "host_messages": entry["host_messages"]}
                          for entry in entries],
        })
    return {"execnet": version,
            "host_python": "%d.%d" % sys.version_info[:2],
            "transports": transports}


def main(argv):
    if len(argv) == 5 and argv[3] == "--servers":
        result = record_transports(argv[1], argv[2], argv[4])
    elif len(argv) == 3:
        result = record(argv[1], argv[2])
    else:
        sys.stderr.write("usage: transcript_recorder.py <stock dir> <version>"
                         " [--servers servers.json]\n")
        return 2
    sys.stdout.buffer.write(json.dumps(result, sort_keys=True).encode("ascii"))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without interpreter teardown: stock's atexit hooks and daemon
    # threads have nothing left to do.
    os._exit(code)
