"""Child process of `regen-fixtures`: record what one stock execnet does.

Usage:  <python> fixture_producer.py <dir containing execnet/> <producer name>

Runs on Python 2.7 and 3.6+, under the interpreter being recorded, with the
stock execnet release found in the given directory.  Reads a JSON object
``{"fuzz": [[name, hex], ...]}`` from stdin (extra internal-format inputs)
and writes one JSON object to stdout:

    {"producer": ..., "dumps": [...], "dump_failures": [...],
     "invalid": [...], "messages": [...]}

The parent merges the records of all producers into Fixtures/.  Every value
below is described twice: as the bytes stock writes for it, and as a "typed
value" obtained by walking the Python object itself (see Fixtures/README.md).
"""

import binascii
import json
import math
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import stock_loader  # noqa: E402

PY2 = sys.version_info[0] == 2
if PY2:
    text_type = unicode  # noqa: F821
    long_type = long  # noqa: F821
    byte_type = str
else:
    text_type = str
    long_type = None
    byte_type = bytes

BIG = 4096          # hexspecs and texts longer than this get compressed
MIN_RUN = 256       # shortest stretch worth a run entry
MAX_PERIOD = 16     # longest repeating unit the run finder looks for


# --------------------------------------------------------------------------
# encoding helpers (see Fixtures/README.md for the formats)


def to_hex(data):
    return binascii.hexlify(bytes(data)).decode("ascii")


def _periodic_length(data, start, period):
    """Length L of the longest stretch data[start:start+L] that repeats
    with `period`, given that the first MIN_RUN bytes already do."""
    limit = len(data) - start

    def holds(length):
        return data[start + period:start + length] == \
            data[start:start + length - period]

    good = MIN_RUN
    step = MIN_RUN
    while good < limit:
        trial = min(limit, good + step)
        if holds(trial):
            good = trial
            step *= 2
        elif step == 1:
            break
        else:
            step = max(1, step // 2)
    return good


def runs(data):
    """Greedy run-length form: list of [hex, count] whose expansion is data."""
    data = bytearray(data)
    out = []
    literal = bytearray()
    i = 0
    n = len(data)
    while i < n:
        best = None
        if i + MIN_RUN <= n:
            for period in range(1, MAX_PERIOD + 1):
                if data[i + period:i + MIN_RUN] != data[i:i + MIN_RUN - period]:
                    continue
                reps = _periodic_length(data, i, period) // period
                if reps * period >= MIN_RUN and \
                        (best is None or reps * period > best[0] * best[1]):
                    best = (period, reps)
        if best is None:
            literal.append(data[i])
            i += 1
            continue
        if literal:
            out.append([to_hex(literal), 1])
            literal = bytearray()
        period, reps = best
        out.append([to_hex(data[i:i + period]), reps])
        i += period * reps
    if literal:
        out.append([to_hex(literal), 1])
    return out


def hexspec(data):
    if len(data) <= BIG:
        return to_hex(data)
    return {"runs": runs(data)}


def _code_points(text):
    """Code points of `text`, pairing surrogates on narrow Python 2 builds."""
    points = []
    i = 0
    while i < len(text):
        c = ord(text[i])
        if 0xD800 <= c < 0xDC00 and i + 1 < len(text) and sys.maxunicode == 0xFFFF:
            d = ord(text[i + 1])
            if 0xDC00 <= d < 0xE000:
                points.append(0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00))
                i += 2
                continue
        points.append(c)
        i += 1
    return points


def text_spec(text):
    points = _code_points(text)
    if any(0xD800 <= p < 0xE000 for p in points):
        # Lone surrogates are not representable in strict JSON parsers.
        return {"codepoints": points}
    if len(points) <= BIG:
        return text
    for period in range(1, 65):
        if len(text) % period == 0 and \
                text[:period] * (len(text) // period) == text:
            return {"repeat": text[:period], "count": len(text) // period}
    raise ValueError("long fixture strings must repeat a short unit")


def decimal(number):
    """str() of an int, even above Python 3.11's digit limit."""
    setter = getattr(sys, "set_int_max_str_digits", None)
    if setter is None:
        return str(number)
    old = sys.get_int_max_str_digits()
    setter(0)
    try:
        return str(number)
    finally:
        setter(old)


def float_hex(number):
    return to_hex(struct.pack(">d", number))


def typed(value):
    """Describe a Python object as a JSON-able tagged array."""
    kind = type(value)
    if value is None:
        return ["none"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", decimal(value)]
    if long_type is not None and kind is long_type:
        return ["long", decimal(value)]
    if kind is float:
        return ["float", float_hex(value)]
    if kind is complex:
        return ["complex", float_hex(value.real), float_hex(value.imag)]
    if kind is byte_type:
        return ["py2str" if PY2 else "bytes", hexspec(bytearray(value))]
    if kind is text_type:
        return ["unicode" if PY2 else "str", text_spec(value)]
    if kind in (list, tuple, set, frozenset):
        return [kind.__name__, [typed(item) for item in value]]
    if kind is dict:
        return ["dict", [[typed(k), typed(v)] for k, v in value.items()]]
    if kind.__name__ == "Channel":
        return ["channel", value.id]
    raise TypeError("no typed form for %r" % (kind,))


# --------------------------------------------------------------------------
# values to dump, by group

def nan_with_payload():
    return struct.unpack(">d", binascii.unhexlify("7ff8000000000123"))[0]


def integer_variants(name, number):
    """On Python 2 both the natural type and a `long` when that differs."""
    items = [(name, number if not PY2 else int(number))]
    if PY2 and type(items[0][1]) is int:
        items.append((name + "-long", long_type(number)))
    return items


INTEGERS = [
    ("0", 0), ("1", 1), ("-1", -1), ("127", 127), ("255", 255),
    ("-256", -256), ("65536", 65536),
    ("2**31-2", 2 ** 31 - 2), ("2**31-1", 2 ** 31 - 1),
    ("-2**31", -2 ** 31), ("-2**31+1", -2 ** 31 + 1),
    ("2**31", 2 ** 31), ("2**31+1", 2 ** 31 + 1), ("2**32", 2 ** 32),
    ("2**63-1", 2 ** 63 - 1), ("2**63", 2 ** 63), ("2**64", 2 ** 64),
    ("2**70", 2 ** 70), ("10**50", 10 ** 50), ("10**1000", 10 ** 1000),
]

# Stock writes every int <= 2**31-1 with the 4-byte INT opcode, so any int
# below -2**31 fails in struct.pack; str() of huge ints fails on 3.11+.
FAILING_INTEGERS = [
    ("-2**31-1", -2 ** 31 - 1), ("-2**32", -2 ** 32), ("-2**63", -2 ** 63),
    ("-(10**50)", -(10 ** 50)), ("10**5000", 10 ** 5000),
]

LATIN1 = u"Gr\xfc\xdfe, caf\xe9 \xa9 \xff"
CJK = u"\u4e2d\u6587\u5b57\u7b26 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4"
ASTRAL = u"\U0001F600"
MAX_CODE_POINT = u"\U0010FFFF"
# 6 code points, 16 bytes of UTF-8: 1-, 2-, 3- and 4-byte sequences mixed.
NON_ASCII_UNIT = u"\xe4\xf6\xfc\u20ac" + ASTRAL + u"\u4e2d"
BYTE_UNIT = bytearray([0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe, 0x10, 0xef,
                       0x20, 0xdf, 0x30, 0xcf, 0x40, 0xbf, 0x50, 0xaf])
ALL_BYTES = bytes(bytearray(range(256)))


def group_scalars():
    items = [
        ("none", None), ("true", True), ("false", False),
        ("int", 5), ("longint", 2 ** 40), ("float", 1.5),
        ("complex", complex(1.5, -2.0)),
        ("text", u"abc"), ("bytes", b"abc"),
        ("list", [None]), ("tuple", (None,)), ("dict", {1: None}),
        ("set", set([1])), ("frozenset", frozenset([1])),
    ]
    if PY2:
        items += [("py2-long", long_type(5)), ("py2-longlong", long_type(2 ** 70)),
                  ("py2-str", "abc"), ("py2-unicode", u"abc")]
    return items


def group_integers():
    items = []
    for name, number in INTEGERS:
        items += integer_variants(name, number)
    return items


def group_floats():
    return [
        ("0.0", 0.0), ("-0.0", -0.0), ("1.5", 1.5), ("-2.25", -2.25),
        ("0.1", 0.1), ("1/3", 1.0 / 3.0), ("pi", math.pi),
        ("1e100", 1e100), ("-1e-100", -1e-100), ("2**53+2", 2.0 ** 53 + 2),
        ("nan", float("nan")), ("-nan", -float("nan")),
        ("nan-payload", nan_with_payload()),
        ("inf", float("inf")), ("-inf", float("-inf")),
        ("min-subnormal", 5e-324), ("-min-subnormal", -5e-324),
        ("max-subnormal", 2.225073858507201e-308),
        ("min-normal", 2.2250738585072014e-308),
        ("max", 1.7976931348623157e308), ("-max", -1.7976931348623157e308),
    ]


def group_complex():
    nan, inf = float("nan"), float("inf")
    return [
        ("0j", 0j), ("1j", 1j), ("1.5-2.5j", complex(1.5, -2.5)),
        ("-0.0+0.0j", complex(-0.0, 0.0)), ("0.0-0.0j", complex(0.0, -0.0)),
        ("-0.0-0.0j", complex(-0.0, -0.0)),
        ("nan+0j", complex(nan, 0.0)), ("0+nanj", complex(0.0, nan)),
        ("nan+nanj", complex(nan, nan)),
        ("inf-infj", complex(inf, -inf)), ("-inf+infj", complex(-inf, inf)),
        ("subnormal+maxj", complex(5e-324, 1.7976931348623157e308)),
    ]


def group_strings():
    items = [
        ("empty", u""), ("ascii", u"hello, world"), ("latin1", LATIN1),
        ("cjk", CJK), ("astral", ASTRAL), ("max-code-point", MAX_CODE_POINT),
        ("utf8-boundaries",
         u"\x7f\x80\u07ff\u0800\ud7ff\ue000\ufeff\ufffd\uffff\U00010000"),
        ("nul", u"\x00"), ("embedded-nul", u"a\x00b"),
        ("controls", u"\t\n\r\x1b\x7f"), ("quote-backslash", u"\"\\'"),
        ("length-4096", u"0123456789abcdef" * 256),
        ("length-4097", u"x" * 4097),
        ("ascii-1MiB", u"abcdefghijklmnop" * 65536),
        ("non-ascii-1MiB", NON_ASCII_UNIT * 65536),
    ]
    if PY2:
        items += [
            ("py2str-empty", ""), ("py2str-ascii", "hello"),
            ("py2str-all-bytes", ALL_BYTES),
            ("py2str-utf8", LATIN1.encode("utf-8")),
            ("py2str-latin1", LATIN1.encode("latin-1")),
        ]
    return items


def group_bytes():
    return [
        ("empty", b""), ("ascii", b"abc"), ("nul", b"\x00"),
        ("all-256", ALL_BYTES), ("invalid-utf8", b"\xff\xfe\xc0\xaf\xed\xa0\x80"),
        ("1MiB", bytes(BYTE_UNIT * 65536)),
    ]


def nested(depth, wrap):
    value = None
    for level in range(depth):
        value = wrap(value, level)
    return value


def group_containers():
    shared = [1]
    return [
        ("empty-list", []), ("empty-tuple", ()), ("empty-dict", {}),
        ("empty-set", set()), ("empty-frozenset", frozenset()),
        ("list", [1, 2, 3]), ("tuple", (1, u"two", 3.0)),
        ("singleton-tuple", (None,)),
        ("dict", {u"a": 1, u"b": [1, 2]}),
        ("set", set([1, 2, 3])), ("frozenset", frozenset([u"x", u"y"])),
        ("nested-list", [[1, [2, [3, []]]], []]),
        ("nested-tuple", ((1, (2, ())), ())),
        ("dict-int-keys", {1: u"one", -1: u"minus one", 2 ** 40: u"big"}),
        ("dict-tuple-keys", {(1, 2): u"pair", (): u"empty", (u"a", (None,)): 3}),
        ("dict-frozenset-keys", {frozenset([1, 2]): u"x", frozenset(): u"empty"}),
        ("dict-mixed-keys", {None: 1, True: 2, 1.5: 3, u"k": 5, 0: 6,
                             complex(0, 1): 7}),
        ("dict-nested", {u"outer": {u"inner": {u"x": [1, (2, frozenset([3]))]}}}),
        ("set-mixed", set([None, 1, 1.5, u"s", (1, 2), frozenset([3])])),
        ("set-of-frozensets", set([frozenset(), frozenset([1]), frozenset([1, 2])])),
        ("frozenset-nested", frozenset([frozenset([1]), (2, 3)])),
        ("same-object-twice", [shared, shared]),
        ("mixed", [None, True, False, 0, -7, 2 ** 40, 1.5, complex(1, -1),
                   u"text", b"bytes", (1,), [2], {3: 4}, set([5]),
                   frozenset([6])]),
        ("deep-list-50", nested(50, lambda v, i: [v])),
        ("deep-tuple-50", nested(50, lambda v, i: (v,))),
        ("deep-dict-50", nested(50, lambda v, i: {u"k": v})),
        ("deep-mixed-50", nested(50, lambda v, i: ([v], (v,), {i: v})[i % 3])),
        ("list-1000-ints", list(range(1000))),
    ]


def group_dump_failures():
    items = []
    for name, number in FAILING_INTEGERS:
        items += integer_variants(name, number)
    # Python 3 refuses to encode lone surrogates; Python 2 writes them as
    # three-byte sequences.
    items += [
        ("lone-high-surrogate", u"\ud800"),
        ("lone-low-surrogate-embedded", u"a\udc00b"),
        ("nested-bad-int", {u"k": (1, -2 ** 40)}),
    ]
    return items


# --------------------------------------------------------------------------
# dumping


def dump_pair(gateway_base, value):
    internal = gateway_base.dumps_internal(value)
    versioned = gateway_base.dumps(value)
    return internal, versioned


def dump_records(gateway_base, version, groups):
    records = []
    for group, items in groups:
        names = set()
        for name, value in items:
            if name in names:
                raise SystemExit("duplicate fixture name %s/%s" % (group, name))
            names.add(name)
            internal, versioned = dump_pair(gateway_base, value)
            records.append({
                "group": group, "name": name, "value": typed(value),
                "internal": hexspec(bytearray(internal)), "version": version,
                "versioned": hexspec(bytearray(versioned)),
            })
    return records


def failure_records(gateway_base):
    records = []
    for name, value in group_dump_failures():
        try:
            internal = gateway_base.dumps_internal(value)
        except Exception as exc:  # noqa - the failure is the record
            verdict = {"error": stock_loader.exception_name(exc), "internal": None}
        else:
            verdict = {"error": None, "internal": hexspec(bytearray(internal))}
        records.append({"name": name, "value": typed(value),
                        "verdict": verdict})
    return records


def channel_records(gateway_base, version):
    """Channels can only be dumped through a live gateway: start one."""
    import execnet
    gateway = execnet.makegateway("popen//python=" + sys.executable)
    try:
        first, second, third = [gateway.newchannel() for _ in range(3)]
        items = [
            ("channel", first), ("channel-in-list", [first]),
            ("channel-in-tuple", (first,)),
            ("channel-dict-value", {u"channel": first}),
            ("channels-several", [first, second, (third, None)]),
        ]
        records = dump_records(gateway_base, version, [("channels", items)])
    finally:
        gateway.exit()
    return records


class Capture(object):
    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(data)

    def getvalue(self):
        return b"".join(self.chunks)


def message_records(gateway_base):
    message = gateway_base.Message
    traceback_text = (
        "Traceback (most recent call last):\n"
        "  File \"<remote exec>\", line 1, in <module>\n"
        "ValueError: boom\n")
    function_source = "def f(channel, x):\n    channel.send(x)\n"
    plan = [
        ("STATUS", "STATUS", 3, None),
        ("RECONFIGURE", "RECONFIGURE", 0, ((True, False),)),
        ("RECONFIGURE-channel", "RECONFIGURE", 5, ((False, True),)),
        ("GATEWAY_TERMINATE", "GATEWAY_TERMINATE", 0, None),
        ("CHANNEL_EXEC", "CHANNEL_EXEC", 1,
         (("channel.send(42)", None, None, {}),)),
        ("CHANNEL_EXEC-function", "CHANNEL_EXEC", 3,
         ((function_source, "remote.py", "f", {"x": 7}),)),
        ("CHANNEL_DATA", "CHANNEL_DATA", 1,
         ({"answer": 42, "items": [1.5, None, u"\xe9"]},)),
        ("CHANNEL_CLOSE", "CHANNEL_CLOSE", 1, None),
        ("CHANNEL_CLOSE_ERROR", "CHANNEL_CLOSE_ERROR", 1, (traceback_text,)),
        ("CHANNEL_LAST_MESSAGE", "CHANNEL_LAST_MESSAGE", 1, None),
        ("CHANNEL_DATA-channel--1", "CHANNEL_DATA", -1, (7,)),
        ("CHANNEL_DATA-channel-2**31-1", "CHANNEL_DATA", 2 ** 31 - 1,
         (u"last",)),
    ]
    records = []
    for name, kind, channel, payload in plan:
        data = b"" if payload is None else gateway_base.dumps_internal(payload[0])
        capture = Capture()
        code = getattr(message, kind)
        message(code, channel, data).to_io(capture)
        records.append({
            "name": name, "type": code, "channel": channel,
            "payload": None if payload is None else typed(payload[0]),
            "frame": hexspec(bytearray(capture.getvalue())),
        })
    return records


# --------------------------------------------------------------------------
# inputs for the loader (identical for every producer)


def i4(number):
    return struct.pack("!i", number)


def blob(op, data):
    return op + i4(len(data)) + data


def f8(number):
    return struct.pack("!d", number)


NONE, TRUE, FALSE, STOP, SETITEM, NEWDICT = b"L", b"R", b"C", b"Q", b"P", b"J"


def INT(n):
    return b"F" + i4(n)


def NEWLIST(n):
    return b"K" + i4(n)


def TUPLE(n):
    return b"@" + i4(n)


def SET(n):
    return b"O" + i4(n)


def FROZENSET(n):
    return b"E" + i4(n)


def internal_cases():
    cases = []

    def add(name, data):
        cases.append((name, False, data))

    # unknown opcodes: below '@', just after 'T', lowercase, high bit
    for byte in (0x00, 0x0a, 0x20, 0x3f, 0x55, 0x5a, 0x61, 0x7f, 0x80, 0xff):
        add("unknown-opcode-%02x" % byte, bytes(bytearray([byte])) + STOP)
    add("unknown-opcode-after-value", NONE + b"\x55" + STOP)

    add("empty", b"")
    add("missing-stop", NONE)
    add("missing-stop-nested", NEWLIST(1) + INT(0) + NONE + SETITEM)
    add("stop-empty-stack", STOP)
    add("stop-two-items", NONE + NONE + STOP)
    add("stop-three-items", NONE + TRUE + FALSE + STOP)
    add("trailing-after-stop", NONE + STOP + NONE)
    add("trailing-garbage-after-stop", NONE + STOP + b"\xff\xff")
    add("two-stops", NONE + STOP + STOP)

    # truncation at every byte of a few valid dumps
    container = (NEWLIST(3) + INT(0) + INT(1) + SETITEM
                 + INT(1) + NONE + TRUE + TUPLE(2) + SETITEM
                 + INT(2) + NEWDICT + blob(b"N", b"a") + b"D" + f8(2.5)
                 + SETITEM + SETITEM + STOP)
    samples = [
        ("container", container),
        ("int", INT(123456) + STOP),
        ("float", b"D" + f8(-1.25) + STOP),
        ("complex", b"T" + f8(1.0) + f8(-2.0) + STOP),
        ("string", blob(b"N", u"h\xe9llo".encode("utf-8")) + STOP),
        ("longint", blob(b"H", b"12345678901") + STOP),
    ]
    for label, data in samples:
        add("valid-" + label, data)
        for cut in range(len(data)):
            add("truncated-%s-%d" % (label, cut), data[:cut])

    # SETITEM misuse
    add("setitem-empty-stack", SETITEM + STOP)
    add("setitem-two-items", NONE + NONE + SETITEM + STOP)
    add("setitem-on-tuple", TUPLE(0) + INT(0) + NONE + SETITEM + STOP)
    add("setitem-on-set", SET(0) + INT(0) + NONE + SETITEM + STOP)
    add("setitem-on-frozenset", FROZENSET(0) + INT(0) + NONE + SETITEM + STOP)
    add("setitem-on-int", INT(1) + INT(0) + NONE + SETITEM + STOP)
    add("setitem-on-str", blob(b"N", b"ab") + INT(0) + NONE + SETITEM + STOP)
    add("setitem-on-bytes", blob(b"A", b"ab") + INT(0) + NONE + SETITEM + STOP)
    add("setitem-on-none", NONE + INT(0) + NONE + SETITEM + STOP)
    add("list-index-out-of-range", NEWLIST(1) + INT(1) + NONE + SETITEM + STOP)
    add("list-index-out-of-range-negative",
        NEWLIST(1) + INT(-2) + NONE + SETITEM + STOP)
    add("list-index-negative-in-range",
        NEWLIST(2) + INT(-1) + TRUE + SETITEM + STOP)
    add("list-index-bool", NEWLIST(2) + TRUE + INT(7) + SETITEM + STOP)
    add("list-index-float", NEWLIST(1) + b"D" + f8(0.0) + NONE + SETITEM + STOP)
    add("list-index-longint", NEWLIST(1) + blob(b"H", b"0") + NONE + SETITEM + STOP)
    add("list-index-huge", NEWLIST(1) + blob(b"H", b"99999999999999999999")
        + NONE + SETITEM + STOP)
    add("list-index-str", NEWLIST(1) + blob(b"N", b"0") + NONE + SETITEM + STOP)
    add("list-index-none", NEWLIST(1) + NONE + NONE + SETITEM + STOP)
    add("list-setitem-twice", NEWLIST(1) + INT(0) + TRUE + SETITEM
        + INT(0) + FALSE + SETITEM + STOP)
    add("dict-key-list", NEWDICT + NEWLIST(0) + NONE + SETITEM + STOP)
    add("dict-key-dict", NEWDICT + NEWDICT + NONE + SETITEM + STOP)
    add("dict-key-set", NEWDICT + SET(0) + NONE + SETITEM + STOP)
    add("dict-key-tuple-with-list",
        NEWDICT + NEWLIST(0) + TUPLE(1) + NONE + SETITEM + STOP)
    add("dict-key-frozenset", NEWDICT + FROZENSET(0) + NONE + SETITEM + STOP)
    add("dict-key-nan", NEWDICT + b"D" + binascii.unhexlify("7ff8000000000000")
        + NONE + SETITEM + STOP)
    add("dict-duplicate-key", NEWDICT + INT(1) + NONE + SETITEM
        + INT(1) + TRUE + SETITEM + STOP)
    add("dict-key-true-then-1", NEWDICT + TRUE + NONE + SETITEM
        + INT(1) + TRUE + SETITEM + STOP)
    add("dict-key-py2str-and-text", NEWDICT + blob(b"M", b"k") + INT(1) + SETITEM
        + blob(b"N", b"k") + INT(2) + SETITEM + STOP)
    add("set-member-list", NEWLIST(0) + SET(1) + STOP)
    add("set-member-dict", NEWDICT + SET(1) + STOP)
    add("frozenset-member-list", NEWLIST(0) + FROZENSET(1) + STOP)
    add("set-duplicates", INT(1) + INT(1) + SET(2) + STOP)

    # collection counts that do not match the stack
    add("tuple-count-exceeds-stack", NONE + TUPLE(5) + STOP)
    add("tuple-count-on-empty-stack", TUPLE(3) + STOP)
    add("set-count-exceeds-stack", NONE + SET(5) + STOP)
    add("frozenset-count-exceeds-stack", NONE + FROZENSET(5) + STOP)
    add("tuple-count-huge", NONE + TUPLE(2 ** 31 - 1) + STOP)
    add("tuple-count-negative-empty-stack", TUPLE(-1) + STOP)
    add("tuple-count-negative-1", NONE + TRUE + TUPLE(-1) + STOP)
    add("tuple-count-negative-2", NONE + NONE + NONE + TUPLE(-2) + STOP)
    add("tuple-count-min", NONE + TUPLE(-2 ** 31) + STOP)
    add("set-count-negative", SET(-1) + STOP)
    add("frozenset-count-negative", FROZENSET(-1) + STOP)
    add("newlist-negative", NEWLIST(-1) + STOP)
    add("newlist-min", NEWLIST(-2 ** 31) + STOP)
    add("newlist-2**31-1", NEWLIST(2 ** 31 - 1) + STOP)  # needs the memory cap

    # LONGINT / LONGLONG text forms (int() rules differ between Pythons)
    longint_forms = [
        ("plain", b"12"), ("space-padded", b" 12 "), ("whitespace", b"\t12\n"),
        ("plus", b"+12"), ("minus", b"-12"), ("leading-zeros", b"00012"),
        ("underscore", b"1_2"), ("trailing-L", b"12L"), ("empty", b""),
        ("hex", b"0x10"), ("float", b"1.5"), ("exponent", b"1e3"),
        ("trailing-nul", b"12\x00"), ("arabic-indic",
                                      u"\u0661\u0662".encode("utf-8")),
        ("small", b"5"), ("2**31", b"2147483648"),
        ("negative-fits", b"-2147483648"), ("negative-big", b"-99999999999"),
        ("big", b"99999999999999999999"), ("4300-digits", b"7" * 4300),
        ("4301-digits", b"7" * 4301), ("5000-digits", b"1" * 5000),
        ("sign-space", b"- 12"), ("sign-tab", b"+\t12"), ("space-inside", b"1 2"),
        ("vertical-tab-padded", b"\x0b12\x0c"), ("double-sign", b"--12"),
        ("underscore-double", b"1__2"), ("underscore-edge", b"_12"),
    ]
    for label, text in longint_forms:
        add("longint-" + label, blob(b"H", text) + STOP)
    for label, text in [("plain", b"12"), ("trailing-L", b"12L"),
                        ("negative-big", b"-99999999999"),
                        ("sign-tab-L", b"-\t12L"), ("trailing-l-space", b"12l "),
                        ("space-before-L", b"12 L"), ("L-only", b"L")]:
        add("longlong-" + label, blob(b"I", text) + STOP)
    add("long-opcode", b"G" + i4(5) + STOP)
    add("long-opcode-negative", b"G" + i4(-5) + STOP)
    add("int-min", INT(-2 ** 31) + STOP)

    # string opcodes
    utf8_forms = [
        ("valid-astral", b"\xf0\x9f\x98\x80"), ("overlong-slash", b"\xc0\xaf"),
        ("overlong-3byte", b"\xe0\x80\xaf"), ("surrogate", b"\xed\xa0\x80"),
        ("surrogate-pair-cesu", b"\xed\xa0\xbd\xed\xb8\x80"),
        ("truncated", b"\xe2\x82"), ("above-max", b"\xf4\x90\x80\x80"),
        ("lone-continuation", b"\x80"), ("ff", b"\xff"), ("nul", b"\x00"),
    ]
    for op, label in ((b"N", "py3string"), (b"S", "unicode")):
        for form, data in utf8_forms:
            add("%s-%s" % (label, form), blob(op, data) + STOP)
    add("py2string-invalid-utf8", blob(b"M", b"\xff\xfe\xc0\xaf") + STOP)
    add("py2string-latin1", blob(b"M", b"caf\xe9") + STOP)
    add("bytes-invalid-utf8", blob(b"A", b"\xff\xfe") + STOP)
    add("string-negative-length", b"N" + i4(-1) + b"abc" + STOP)
    add("bytes-negative-length", b"A" + i4(-1) + STOP)
    add("string-length-beyond-end", b"N" + i4(100) + b"abc")
    add("bytes-length-huge", b"A" + i4(2 ** 31 - 1) + STOP)

    # channels
    add("channel", b"B" + i4(7) + STOP)
    add("channel-negative-id", b"B" + i4(-1) + STOP)
    add("channel-in-list", NEWLIST(1) + INT(0) + b"B" + i4(3) + SETITEM + STOP)
    add("channel-truncated", b"B" + b"\x00\x00")
    return cases


def versioned_cases():
    cases = []

    def add(name, data):
        cases.append((name, True, data))

    add("versioned-empty", b"")
    for version in (0x00, 0x01, 0x02, 0x03, 0xff):
        byte = bytes(bytearray([version]))
        add("version-%02x-none" % version, byte + NONE + STOP)
        add("version-%02x-only" % version, byte)
    for version in (0x01, 0x02):
        byte = bytes(bytearray([version]))
        add("version-%02x-channel" % version, byte + b"B" + i4(7) + STOP)
        add("version-%02x-trailing" % version, byte + NONE + STOP + b"\xff")
        add("version-%02x-py2string" % version, byte + blob(b"M", b"caf\xe9")
            + STOP)
    return cases


def invalid_records(gateway_base, fuzz):
    cases = internal_cases() + versioned_cases()
    cases += [(name, False, binascii.unhexlify(hexdata)) for name, hexdata in fuzz]
    names = set()
    records = []
    for name, versioned, data in cases:
        if name in names:
            raise SystemExit("duplicate invalid case name %r" % name)
        names.add(name)
        verdict = stock_loader.judge(gateway_base, data, versioned)
        records.append({
            "name": name, "versioned": versioned, "input": hexspec(bytearray(data)),
            "verdict": {
                "accepted": verdict.accepted, "error": verdict.error,
                "redump": None if verdict.redump is None
                else hexspec(bytearray(verdict.redump)),
                "redump_error": verdict.redump_error,
            },
        })
    return records


# --------------------------------------------------------------------------


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: fixture_producer.py <stock dir> <producer>\n")
        return 2
    stock_dir, producer = argv[1], argv[2]
    request = json.loads(sys.stdin.read() or "{}")
    gateway_base = stock_loader.import_gateway_base(stock_dir)
    version = bytearray(gateway_base.dumps(None))[0]

    try:
        channels = channel_records(gateway_base, version)
    except Exception:
        import traceback
        sys.stderr.write("*** %s: dumping channels through a popen gateway "
                         "failed ***\n" % producer)
        traceback.print_exc()
        return 3

    groups = [
        ("scalars", group_scalars()), ("integers", group_integers()),
        ("floats", group_floats()), ("complex", group_complex()),
        ("strings", group_strings()), ("bytes", group_bytes()),
        ("containers", group_containers()),
    ]
    result = {
        "producer": producer,
        "dumps": dump_records(gateway_base, version, groups) + channels,
        "dump_failures": failure_records(gateway_base),
        "messages": message_records(gateway_base),
    }
    if not stock_loader.limit_memory():
        sys.stderr.write("%s: cannot cap address space; skipping the "
                         "huge-allocation case\n" % producer)
        raise SystemExit(4)
    result["invalid"] = invalid_records(gateway_base, request.get("fuzz", []))
    out = getattr(sys.stdout, "buffer", sys.stdout)
    out.write(json.dumps(result, sort_keys=True).encode("ascii"))
    out.write(b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Python 2 prints noise when the gateway's daemon threads meet interpreter
    # shutdown; everything is written already, so leave without the teardown.
    os._exit(code)
