"""Child process of `regen-fixtures`: record stock execnet's own RSync host.

Usage:  python3 rsync_recorder.py <dir containing execnet/> <version>

Runs on Python 3.8+ (the interpreter that runs regen-fixtures) with the stock
release found in the given directory, and must be started with its current
directory outside the trees it syncs (regen-fixtures uses scripts/): stock
2.x classifies relative symlinks with os.path.relpath, which resolves them
against the current directory.

Every scenario syncs one `transcript` tree (scripts/rsync_tree.py, fixed
seed, made in a temporary directory) with `execnet.RSync(source)` to fresh
popen gateways ``popen//python=<this interpreter>//id=gw<N>``, one per
target, and records, per target, every byte the host wrote to that gateway
after the bootstrap line until it closed its write side at gateway exit (the
"host stream"), in the way scripts/transcript_recorder.py does for plain
gateways.  Destinations that must hold something first are filled by an
unrecorded stock RSync of the same source and then modified as the scenario
says, so that a replay can prepare them the same way.

Deterministic by construction:

- stock's rsync module sees an `os` whose listdir returns names sorted by
  their UTF-8 bytes (the only place where stock's order is the file
  system's); a replay must walk the source in the same order;
- the tree's modes and nanosecond mtimes are fixed by rsync_tree.py;
- machine-specific text is replaced, on decoded values, by placeholders: in
  the CHANNEL_EXEC of rsync_remote its file name (`<RSYNC_REMOTE>`) and its
  source (`<RSYNC_REMOTE_SOURCE>`; stock's code does not go into the
  fixture, only its SHA-256), in the first data item the destination
  (`<DEST>`); each payload is first checked to re-dump to the bytes stock
  wrote, then dumped again with the placeholder.

Writes one JSON object to stdout (Fixtures/rsync/execnet-<version>.json; see
the README there).  Progress and failures go to stderr.
"""

import sys

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__

import binascii  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rsync_tree  # noqa: E402
import transcript_recorder  # noqa: E402
from transcript_recorder import CURRENT, Transcript, split_frames  # noqa: E402

SPEC = "popen//python=%s//id=gw%d"
TREE_PROFILE = "transcript"
TREE_SEED = 0

REMOTE_FILE_PLACEHOLDER = "<RSYNC_REMOTE>"
REMOTE_SOURCE_PLACEHOLDER = "<RSYNC_REMOTE_SOURCE>"
DEST_PLACEHOLDER = "<DEST>"
SOURCE_PLACEHOLDER = "<SOURCE>"

SCENARIO_TIMEOUT = 60.0
EXIT_TIMEOUT = 30.0

# Fixed times for files the scenarios touch or add (outside the tree's range).
TOUCHED_MTIME_NS = 1600000000987654321
ADDED_MTIME_NS = 1650000000555555555


def hexed(data):
    return binascii.hexlify(data).decode("ascii")


# --------------------------------------------------------------------------
# listing order


def utf8_order(name):
    return os.fsencode(name)


class SortedListdirOs(object):
    """Stands in for `os` inside stock's rsync module: the same module,
    except that listdir returns names sorted by their UTF-8 bytes."""

    def __init__(self, real):
        self._real = real

    def listdir(self, path):
        return sorted(self._real.listdir(path), key=utf8_order)

    def __getattr__(self, name):
        return getattr(self._real, name)


# --------------------------------------------------------------------------
# scenarios and destination preparation (plain data, for the Swift replay)


def scenarios(source):
    def read(relative):
        with open(os.path.join(source, *relative.split("/")), "rb") as handle:
            return handle.read()

    readme = read("README.txt")
    same_size = bytes(bytearray((byte ^ 0x20) if 0x61 <= byte <= 0x7a else byte
                                for byte in bytearray(readme)))
    if same_size == readme or len(same_size) != len(readme):
        raise SystemExit("README.txt of the tree has no lower-case letters")

    def added(relative, text):
        return {"add_file": relative, "data_hex": hexed(text.encode("utf-8")),
                "mode": 0o644, "mtime_ns": ADDED_MTIME_NS}

    def prepared(presync, modifications=()):
        return {"presync": presync, "modifications": list(modifications)}

    return [
        {"name": "initial-two-targets",
         "description": "Two targets with empty destination directories and "
                        "default options: every file is requested (no "
                        "checksum) and sent, then every symlink.",
         "options": {}, "callback": True,
         "targets": [prepared(False), prepared(False)]},
        {"name": "unchanged",
         "description": "The same source again (new RSync, new gateway) to a "
                        "destination that already holds it: the remote asks "
                        "for nothing, no file data crosses; the links are "
                        "sent again.  Without a progress callback: stock's "
                        "host fails (KeyError) when it is given one and a "
                        "target requests nothing.",
         "options": {}, "callback": False,
         "targets": [prepared(True)]},
        {"name": "delete",
         "description": "delete=True against a synced destination with extra "
                        "files, directories and a link (removed), a file "
                        "where the source has a directory and a directory "
                        "where the source has a file (both replaced; the "
                        "latter is requested without checksum).",
         "options": {"delete": True}, "callback": True,
         "targets": [prepared(True, [
             added("extra.txt", "not in the source\n"),
             {"add_dir": "extra-dir", "mode": 0o755},
             added("extra-dir/nested.txt", "nested extra\n"),
             added("sub/deeper/stale.txt", "stale\n"),
             {"add_symlink": "sub/extra-link", "target": "file.txt"},
             {"remove": "empty-dir"},
             added("empty-dir", "a file where the source has a directory\n"),
             {"remove": "sub/deeper/notes.md"},
             {"add_dir": "sub/deeper/notes.md", "mode": 0o755},
             added("sub/deeper/notes.md/inner.txt", "inside\n"),
         ])]},
        {"name": "checksum",
         "description": "A synced destination where one file has another "
                        "mtime (same content: the remote sends its md5, the "
                        "host answers None), one has other content of the "
                        "same size and another mtime (md5 differs: the host "
                        "sends the data) and one has another mode only (the "
                        "remote chmods it without asking).",
         "options": {}, "callback": True,
         "targets": [prepared(True, [
             {"touch": "sub/file.txt", "mtime_ns": TOUCHED_MTIME_NS},
             {"write_same_size": "README.txt", "data_hex": hexed(same_size),
              "mtime_ns": TOUCHED_MTIME_NS},
             {"chmod": "run.sh", "mode": 0o700},
         ])]},
    ]


def apply_modifications(dest, modifications):
    def native(relative):
        return os.path.join(dest, *relative.split("/"))

    for step in modifications:
        if "touch" in step:
            stamp = step["mtime_ns"]
            os.utime(native(step["touch"]), ns=(stamp, stamp))
        elif "write_same_size" in step:
            path = native(step["write_same_size"])
            data = binascii.unhexlify(step["data_hex"])
            if os.path.getsize(path) != len(data):
                raise SystemExit("write_same_size would change the size of %s" % path)
            with open(path, "wb") as handle:
                handle.write(data)
            stamp = step["mtime_ns"]
            os.utime(path, ns=(stamp, stamp))
        elif "add_file" in step:
            path = native(step["add_file"])
            with open(path, "wb") as handle:
                handle.write(binascii.unhexlify(step["data_hex"]))
            os.chmod(path, step["mode"])
            stamp = step["mtime_ns"]
            os.utime(path, ns=(stamp, stamp))
        elif "add_dir" in step:
            path = native(step["add_dir"])
            os.mkdir(path)
            os.chmod(path, step["mode"])
        elif "add_symlink" in step:
            os.symlink(step["target"], native(step["add_symlink"]))
        elif "chmod" in step:
            os.chmod(native(step["chmod"]), step["mode"])
        elif "remove" in step:
            path = native(step["remove"])
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        else:
            raise SystemExit("unknown modification %r" % (step,))


# --------------------------------------------------------------------------
# the host stream with placeholders


class Scrubber(object):
    def __init__(self, gateway_base, remote_file, remote_source):
        self.gateway_base = gateway_base
        self.remote_file = remote_file
        self.remote_source = remote_source

    def redump(self, payload, what):
        value = self.gateway_base.loads_internal(payload)
        if self.gateway_base.dumps_internal(value) != payload:
            raise SystemExit("%s: re-dumping the decoded payload does not give "
                             "stock's bytes back" % what)
        return value

    def scrub(self, stream, dest):
        """The stream with placeholders, and its frames [(type, id, payload)]."""
        message = self.gateway_base.Message
        frames = []
        seen_data = set()
        for kind, channel, payload in split_frames(stream):
            if kind == message.CHANNEL_EXEC:
                source, file_name, call_name, kwargs = self.redump(payload, "CHANNEL_EXEC")
                if file_name != self.remote_file or source != self.remote_source:
                    raise SystemExit("CHANNEL_EXEC is not rsync_remote (file %r)"
                                     % (file_name,))
                payload = self.gateway_base.dumps_internal(
                    (REMOTE_SOURCE_PLACEHOLDER, REMOTE_FILE_PLACEHOLDER, call_name, kwargs))
            elif kind == message.CHANNEL_DATA and channel not in seen_data:
                seen_data.add(channel)
                value = self.redump(payload, "first CHANNEL_DATA")
                if not (isinstance(value, tuple) and len(value) == 2 and value[0] == dest):
                    raise SystemExit("first item is not (destination, options): %r"
                                     % (value,))
                payload = self.gateway_base.dumps_internal((DEST_PLACEHOLDER, value[1]))
            frames.append((kind, channel, payload))
        header = transcript_recorder.HEADER
        out = b"".join(header.pack(kind, channel, len(payload)) + payload
                       for kind, channel, payload in frames)
        return out, frames


# --------------------------------------------------------------------------
# running stock's RSync


class Watchdog(object):
    def __init__(self, what):
        self.timer = threading.Timer(SCENARIO_TIMEOUT, self.fire, (what,))
        self.timer.daemon = True

    @staticmethod
    def fire(what):
        sys.stderr.write("*** %s did not finish within %ds\n" % (what, SCENARIO_TIMEOUT))
        sys.stderr.flush()
        os._exit(3)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()


def run_rsync(execnet, source, dests, options, what, with_callback=False):
    """One stock RSync of `source` to `dests`, a fresh gateway per target.
    Returns per target: (Transcript, callback events, files reported sent);
    the events are those of a progress callback (with_callback) and of a
    finished callback per target."""
    group = execnet.Group()
    transcripts, gateways = [], []
    events = [[] for _ in dests]
    sent = [[] for _ in dests]
    index_of = {}
    with Watchdog(what):
        for number in range(len(dests)):
            transcripts.append(Transcript())
            CURRENT[0] = transcripts[-1]
            gateway = group.makegateway(SPEC % (sys.executable, number))
            index_of[gateway.id] = number
            gateways.append(gateway)

        def callback(kind, count, channel):
            events[index_of[channel.gateway.id]].append([kind, count])

        def finished(number):
            return lambda: events[number].append(["finished", None])

        rsync = execnet.RSync(source, callback=callback if with_callback else None,
                              verbose=False)
        # Per-file reports (what verbose=True would print) are recorded.
        rsync._report_send_file = lambda gateway, relative: \
            sent[index_of[gateway.id]].append(relative)
        for number, (gateway, dest) in enumerate(zip(gateways, dests)):
            rsync.add_target(gateway, dest, finished(number), **options)
        rsync.send()
        for gateway in gateways:
            gateway.exit()
            try:
                gateway._io.popen.wait(timeout=EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise SystemExit("%s: a remote did not end within %ds" % (what, EXIT_TIMEOUT))
            gateway.join()
        group.terminate(timeout=2.0)
        del rsync  # only now: nothing may be written after the exits
    for transcript in transcripts:
        if transcript.late_writes or transcript.failed_writes:
            raise SystemExit("%s: %d late and %d failed write(s)"
                             % (what, transcript.late_writes, transcript.failed_writes))
        if b"".join(transcript.reads)[:1] != b"1":
            raise SystemExit("%s: no bootstrap acknowledgement" % what)
    return transcripts, events, sent


def result_listing(dest):
    """The destination after a sync, without what the remote's timing
    decides (directories' and links' mtimes)."""
    out = []
    for entry in rsync_tree.describe_tree(dest, root_placeholder=DEST_PLACEHOLDER):
        if entry["kind"] != "file":
            del entry["mtime_ns"]
        out.append(entry)
    return out


def source_listing(source):
    return rsync_tree.describe_tree(source, content=True,
                                    root_placeholder=SOURCE_PLACEHOLDER)


def run_scenario(execnet, scrubber, work, source, scenario, forbidden):
    name = scenario["name"]
    dests = []
    for number, preparation in enumerate(scenario["targets"]):
        dest = os.path.join(work, "%s-%d" % (name, number))
        os.mkdir(dest)
        os.chmod(dest, 0o755)
        if preparation["presync"]:
            run_rsync(execnet, source, [dest], {}, "%s: presync" % name)
        apply_modifications(dest, preparation["modifications"])
        dests.append(dest)
    transcripts, events, sent = run_rsync(execnet, source, dests, scenario["options"], name,
                                          scenario["callback"])
    for dest in dests:
        report = rsync_tree.compare_trees(source, dest)
        if not report["equal"]:
            raise SystemExit("%s: the destination differs from the source:\n  %s" % (
                name, "\n  ".join(rsync_tree.format_difference(item)
                                   for item in report["differences"])))
    targets = []
    for number, transcript in enumerate(transcripts):
        # The first write is the bootstrap line (its trailer names the id).
        stream = b"".join(transcript.writes[1:])
        scrubbed, frames = scrubber.scrub(stream, dests[number])
        for text in forbidden:
            if text.encode("utf-8") in scrubbed:
                raise SystemExit("%s: host stream still names %r" % (name, text))
        targets.append({
            "preparation": scenario["targets"][number],
            "host_stream_hex": hexed(scrubbed),
            "host_messages": [[kind, channel, len(payload)]
                              for kind, channel, payload in frames],
            "callbacks": events[number],
            "sent": sent[number],
            "result_listing": result_listing(dests[number]),
        })
    return {"name": name, "description": scenario["description"],
            "options": scenario["options"], "callback": scenario["callback"],
            "targets": targets}


def record(stock_dir, version):
    stock_dir = os.path.abspath(stock_dir)
    sys.path.insert(0, stock_dir)
    import execnet
    from execnet import gateway_base, gateway_io
    import execnet.rsync as rsync_module
    import execnet.rsync_remote as remote_module
    import inspect
    if not os.path.abspath(execnet.__file__).startswith(stock_dir + os.sep):
        raise SystemExit("execnet imported from %s, not %s" % (execnet.__file__, stock_dir))
    transcript_recorder.patch_io(gateway_io.Popen2IOMaster)
    rsync_module.os = SortedListdirOs(os)

    remote_file = inspect.getsourcefile(remote_module)
    remote_source = inspect.getsource(remote_module)
    with open(remote_file, "rb") as handle:
        if handle.read() != remote_source.encode("utf-8"):
            raise SystemExit("inspect.getsource(rsync_remote) is not the file's text")
    scrubber = Scrubber(gateway_base, remote_file, remote_source)

    work = tempfile.mkdtemp(prefix="execnet-swift-rsync-")
    try:
        work = os.path.realpath(work)
        source = os.path.join(work, "source")
        if os.path.realpath(os.getcwd()).startswith(source):
            raise SystemExit("the current directory is inside the source tree")
        rsync_tree.make_tree(source, TREE_PROFILE, TREE_SEED)
        forbidden = [work, stock_dir, os.path.dirname(remote_file)]
        entries = []
        for scenario in scenarios(source):
            sys.stderr.write("recording execnet %s: %s\n" % (version, scenario["name"]))
            entries.append(run_scenario(execnet, scrubber, work, source, scenario,
                                        forbidden))
        listing = source_listing(source)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "execnet": version,
        "host_python": "%d.%d" % sys.version_info[:2],
        "tree": {"profile": TREE_PROFILE, "seed": TREE_SEED},
        "listing": listing,
        "listdir_order": "utf-8",
        "remote_module": {
            "module": "execnet/rsync_remote.py",
            "file_name": REMOTE_FILE_PLACEHOLDER,
            "source": REMOTE_SOURCE_PLACEHOLDER,
            "source_sha256": hashlib.sha256(remote_source.encode("utf-8")).hexdigest(),
            "source_length": len(remote_source.encode("utf-8")),
        },
        "scenarios": entries,
    }


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: rsync_recorder.py <stock dir> <version>\n")
        return 2
    try:
        result = record(argv[1], argv[2])
    except SystemExit as exc:
        sys.stderr.write("*** execnet %s: %s\n" % (argv[2], exc))
        return 3
    except Exception:  # noqa - reported, then a failing exit status
        traceback.print_exc()
        return 3
    sys.stdout.buffer.write(json.dumps(result, sort_keys=True).encode("ascii"))
    sys.stdout.buffer.write(b"\n")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without interpreter teardown, as transcript_recorder does.
    os._exit(code)
