/// The remote half of remote objects: Python written for this project and
/// sent by `remoteExec`, so that it runs under any stock gateway_base (1.9.0
/// to 2.1.2) on Python 2.7 to 3.13 and under every execmodel. It serves
/// requests arriving on its channel, keeps the objects the host holds
/// proxies for, and calls host callbacks. protocol-spec.md §5 describes
/// every message.
enum AgentSource {
    static let python = #"""
import sys, os, traceback, operator, zlib

PY3 = sys.version_info[0] >= 3
if PY3:
    import builtins as builtin_module
    PLAIN = set([type(None), bool, int, float, complex, str, bytes])
    INTEGERS = (int,)
    def as_name(text):
        return text
else:
    import __builtin__ as builtin_module
    PLAIN = set([type(None), bool, int, long, float, complex, str, unicode])
    INTEGERS = (int, long)
    def as_name(text):
        return str(text)

requests = channel
execmodel = channel.gateway.execmodel
MAX_IDLE = 4


class HostCallbackError(Exception):
    """A host callback failed; the message is the host's error text."""


class ObjectTable(object):
    """The objects the host holds proxies for, each with the number of
    times it was sent: the host gives counts back as it drops proxies."""

    def __init__(self):
        self.lock = execmodel.RLock()
        self.entries = {}
        self.ids = {}
        self.next_id = 1
        self.releases = 0

    def hold(self, obj):
        self.lock.acquire()
        try:
            oid = self.ids.get(id(obj))
            if oid is None:
                oid = self.next_id
                self.next_id += 1
                self.ids[id(obj)] = oid
                self.entries[oid] = [obj, 1]
            else:
                self.entries[oid][1] += 1
            return oid
        finally:
            self.lock.release()

    def get(self, oid):
        entry = self.entries.get(oid)
        if entry is None:
            raise ReferenceError("remote object %d is not held (released, or never sent)" % oid)
        return entry[0]

    def release(self, counts):
        self.lock.acquire()
        try:
            self.releases += 1
            for index in range(0, len(counts) - 1, 2):
                oid, count = counts[index], counts[index + 1]
                entry = self.entries.get(oid)
                if entry is None:
                    continue
                entry[1] -= count
                if entry[1] <= 0:
                    del self.entries[oid]
                    del self.ids[id(entry[0])]
        finally:
            self.lock.release()


table = ObjectTable()
namespace = {"__name__": "__remote__", "__builtins__": builtin_module}
state_lock = execmodel.RLock()
state = {"idle": 0, "threads": 0, "call": 0}
answers = {}
dropped = []


def is_plain(value):
    kind = type(value)
    if kind in PLAIN:
        return True
    if kind is tuple:
        for item in value:
            if not is_plain(item):
                return False
        return True
    return False


def wrap(value):
    if is_plain(value):
        return ("v", value)
    return ("o", table.hold(value), type(value).__name__)


class HostFunction(object):
    """A host closure, callable here: each call asks the host and waits."""

    def __init__(self, number):
        self.number = number

    def __call__(self, *args, **kwargs):
        state_lock.acquire()
        try:
            state["call"] += 1
            call = state["call"]
            slot = answers[call] = [execmodel.Event(), None]
        finally:
            state_lock.release()
        named = []
        for key in kwargs:
            named.append(key)
            named.append(wrap(kwargs[key]))
        requests.send(("call", call, self.number, [wrap(arg) for arg in args], named))
        slot[0].wait()
        ok, payload = slot[1]
        if not ok:
            raise HostCallbackError(payload)
        return unwrap(payload)

    def __del__(self):
        dropped.append(self.number)

    def __repr__(self):
        return "<host callback %d>" % self.number


def unwrap(tagged):
    if type(tagged) is not tuple:
        return tagged
    tag = tagged[0]
    if tag == "v":
        return tagged[1]
    if tag == "o":
        return table.get(tagged[1])
    if tag == "r":
        return resolve(tagged[1], tagged[2])
    if tag == "l":
        return [unwrap(item) for item in tagged[1]]
    if tag == "t":
        return tuple([unwrap(item) for item in tagged[1]])
    if tag == "d":
        items = tagged[1]
        result = {}
        for index in range(0, len(items) - 1, 2):
            result[unwrap(items[index])] = unwrap(items[index + 1])
        return result
    if tag == "f":
        return HostFunction(tagged[1])
    if tag == "m":
        return import_module(tagged[1])
    if tag == "b":
        return builtin_module
    raise ValueError("unknown argument tag %r" % (tag,))


def import_module(name):
    name = as_name(name)
    __import__(name)
    return sys.modules[name]


def names(path):
    if not path:
        return []
    return path.split(".")


def resolve(target, path):
    if type(target) in INTEGERS:
        obj = table.get(target)
    else:
        obj = unwrap(target)
    if path:
        for name in path.split("."):
            obj = getattr(obj, as_name(name))
    return obj


def set_attribute(target, path, value):
    chain = names(path)
    setattr(resolve(target, ".".join(chain[:-1])), as_name(chain[-1]), unwrap(value))


def delete_attribute(target, path):
    chain = names(path)
    delattr(resolve(target, ".".join(chain[:-1])), as_name(chain[-1]))


def call(target, path, args=(), kwargs=()):
    return resolve(target, path)(*[unwrap(item) for item in args], **keywords(kwargs))


def keywords(flat):
    result = {}
    for index in range(0, len(flat) - 1, 2):
        result[as_name(flat[index])] = unwrap(flat[index + 1])
    return result


def scope(tagged):
    if tagged is None:
        return None
    return unwrap(tagged)


def run_eval(code, globals_, locals_):
    code = unwrap(code)
    globals_ = scope(globals_)
    if globals_ is None:
        globals_ = namespace
    locals_ = scope(locals_)
    if locals_ is None:
        locals_ = globals_
    return eval(code, globals_, locals_)


def run_exec(source, globals_, locals_):
    code = compile(source, "<remote>", "exec")
    globals_ = scope(globals_)
    if globals_ is None:
        globals_ = namespace
    locals_ = scope(locals_)
    if locals_ is None:
        locals_ = globals_
    eval(code, globals_, locals_)
    return None


def next_items(target, path, count):
    iterator = resolve(target, path)
    items = []
    finished = False
    while len(items) < count:
        try:
            items.append(wrap(next(iterator)))
        except StopIteration:
            finished = True
            break
    return items, finished


def apply_operator(name, target, path, operands):
    function = getattr(operator, as_name(name))
    return function(resolve(target, path), *[unwrap(item) for item in operands])


def put_file(path, mode, data, window):
    temporary = "%s.execnet-swift-%d-%d.part" % (path, os.getpid(), id(data))
    checksum = 0
    received = 0
    try:
        stream = open(temporary, "wb")
        try:
            while True:
                item = data.receive()
                if type(item) is tuple:
                    expected = item[1]
                    break
                stream.write(item)
                checksum = zlib.crc32(item, checksum)
                received += 1
                if received % window == 0:
                    data.send(received)
        finally:
            stream.close()
        checksum &= 0xFFFFFFFF
        if checksum != expected:
            raise IOError("putFile %s: CRC-32 mismatch (sent %r, received %d)" % (path, expected, checksum))
        os.chmod(temporary, mode)
        os.rename(temporary, path)
    except BaseException:
        # Python 2 forgets the exception being handled once another one is
        # caught (by the unlink below), so keep it to raise it again.
        failure = sys.exc_info()[1]
        try:
            os.unlink(temporary)
        except OSError:
            pass
        data.close()
        raise failure
    return None


def get_file(path, data, chunk, window):
    try:
        stream = open(path, "rb")
    except BaseException:
        data.close()
        raise
    try:
        status = os.fstat(stream.fileno())
        data.send((status.st_size, status.st_mode & 4095))
        checksum = 0
        sent = 0
        acknowledged = 0
        while True:
            block = stream.read(chunk)
            if not block:
                break
            checksum = zlib.crc32(block, checksum)
            data.send(block)
            sent += 1
            while sent - acknowledged >= 2 * window:
                acknowledged = data.receive()
        data.send(("end", checksum & 0xFFFFFFFF))
    except BaseException:
        data.close()
        raise
    finally:
        stream.close()
    return None


def statistics():
    state_lock.acquire()
    try:
        threads = state["threads"]
    finally:
        state_lock.release()
    return (len(table.entries), table.releases, threads)


OPERATIONS = {
    "get": lambda target, path: resolve(target, path),
    "call": call,
    "set": set_attribute,
    "del": delete_attribute,
    "getitem": lambda target, path, key: resolve(target, path)[unwrap(key)],
    "setitem": lambda target, path, key, value: operator.setitem(resolve(target, path), unwrap(key), unwrap(value)),
    "delitem": lambda target, path, key: operator.delitem(resolve(target, path), unwrap(key)),
    "len": lambda target, path: len(resolve(target, path)),
    "repr": lambda target, path: repr(resolve(target, path)),
    "str": lambda target, path: str(resolve(target, path)),
    "bool": lambda target, path: bool(resolve(target, path)),
    "iter": lambda target, path: iter(resolve(target, path)),
    "op": apply_operator,
    "import": import_module,
    "eval": run_eval,
    "exec": run_exec,
    "compile": lambda source, mode, filename: compile(source, filename, mode),
    "putfile": put_file,
    "getfile": get_file,
}
RAW = set(["value", "next", "stats"])


def answer(call, ok, payload):
    slot = answers.pop(call, None)
    if slot is not None:
        slot[1] = (ok, payload)
        slot[0].set()


def send_drops():
    if dropped:
        numbers = []
        while dropped:
            numbers.append(dropped.pop())
        requests.send(("drop", numbers))


def result_reply(number, result):
    if is_plain(result):
        return (number, result)
    return (number, "o", table.hold(result), type(result).__name__)


def handle(message):
    number = message[0]
    operation = message[1]
    if operation == "release":
        table.release(message[2])
        return
    if operation == "answer":
        answer(message[2], message[3], message[4])
        return
    try:
        if type(operation) is int:
            # (id, oid, path[, args[, kwargs]]): a call of a held object, the
            # commonest request, on the shortest way through.
            function = resolve(operation, message[2])
            if len(message) == 3:
                result = function()
            else:
                named = keywords(message[4]) if len(message) > 4 else {}
                result = function(*[unwrap(item) for item in message[3]], **named)
            reply = result_reply(number, result)
        elif operation in RAW:
            if operation == "value":
                reply = (number, resolve(message[2], message[3]))
            elif operation == "next":
                items, finished = next_items(message[2], message[3], message[4])
                reply = (number, "i", items, finished)
            else:
                reply = (number, statistics())
        else:
            reply = result_reply(number, OPERATIONS[operation](*message[2:]))
        if dropped:
            send_drops()
        try:
            requests.send(reply)
        except Exception:
            error = sys.exc_info()[1]
            if type(error).__name__ != "DumpError":
                raise
            raise TypeError("the result cannot be sent as a value: %s" % (error,))
    except (IOError, OSError) as error:
        if requests.isclosed():
            return
        send_error(number)
    except BaseException:
        send_error(number)


def send_error(number):
    text = traceback.format_exc()
    try:
        requests.send((number, "e", text))
    except (IOError, OSError, ValueError):
        pass


def serve(anchor):
    state_lock.acquire()
    state["threads"] += 1
    state_lock.release()
    try:
        while True:
            try:
                message = requests.receive()
            except EOFError:
                return
            state_lock.acquire()
            state["idle"] -= 1
            spawn = state["idle"] <= 0
            if spawn:
                state["idle"] += 1
            state_lock.release()
            if spawn:
                execmodel.start(serve, (False,))
            handle(message)
            state_lock.acquire()
            leave = not anchor and state["idle"] >= MAX_IDLE
            if not leave:
                state["idle"] += 1
            state_lock.release()
            if leave:
                return
    finally:
        state_lock.acquire()
        state["threads"] -= 1
        state_lock.release()


state["idle"] = 1
requests.send(("ready", sys.version_info[0]))
serve(True)
"""#
}
