#!/usr/bin/env python3
"""Deterministic directory trees for the RSync tests, fixtures and benchmarks.

    python3 scripts/rsync_tree.py make DIR --profile test|transcript|bench
                                  [--seed N]
    python3 scripts/rsync_tree.py compare A B [--compare-dir-modes]
                                  [--literal-links] [--mtimes] [--json]
    python3 scripts/rsync_tree.py describe DIR [--content]
                                  [--root-placeholder TEXT]

make: builds a tree in DIR (which must not exist, or be empty).  The same
profile and seed give the same tree on every machine and every Python 3.6+:
names, contents, modes (set with chmod, never left to the umask) and
modification times (set with nanosecond precision once all content is in
place, directories after their children).  Contents come from SHAKE-256 keyed
by the seed and the file's path, not from the `random` module, so that they
do not depend on the interpreter.

Profiles:

  transcript  a few KB (its bytes end up in Fixtures/rsync): nested
              directories, empty directories, an empty file, a file with
              every byte value, non-ASCII names, 0o755 and 0o600 files,
              directories with 0o750 and 0o700, and symlinks of every kind
              stock's RSync tells apart (see SYMLINKS below)
  test        the transcript tree plus 50 small files in 10 directories and
              one 64 MiB file of pseudo-random bytes
  bench       2,000 files, 200,000,000 bytes in all (1,950 of 256 B to
              40 KiB, 50 of 1 to 5 MiB) over 100 directories, plus two
              symlinks

compare: walks both trees without following symlinks and reports every
difference, one line each, then a summary; exit status 1 on any difference.
Compared: the set of relative paths and their kinds (lstat), regular files'
size, content and permission bits (S_IMODE), symlinks' target text.
Directories' modes are ignored unless --compare-dir-modes (stock's remote
ORs 0o700 into them).  An absolute symlink target inside its own tree is
compared as "<ROOT>/rest" with the rest normalized (os.path.normpath), so
that a link stock rewrote to point into the destination still matches;
--literal-links compares the raw text.  --mtimes
also compares regular files' modification times (within 1 us: stock sends
them as floats).  --json prints one JSON object instead.

describe: prints a JSON list, sorted by path (UTF-8 bytes), of every entry
under DIR, the root being ".": path, kind (dir, file, symlink, other), size,
mode (S_IMODE), mtime_ns, and target for symlinks; --content adds data_hex
for files; --root-placeholder replaces DIR at the start of symlink targets.

Importable: make_tree(path, profile, seed), compare_trees(a, b, ...),
describe_tree(path, ...), plan(profile, seed).
"""

import sys

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__

import argparse  # noqa: E402
import binascii  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import stat  # noqa: E402
import struct  # noqa: E402

PROFILES = ("test", "transcript", "bench")
DEFAULT_SEED = 0

BASE_MTIME_NS = 1700000000123456789   # the first entry's mtime
MTIME_STEP_NS = 1000000007            # added per entry: odd nanoseconds

ROOT_MARK = "<ROOT>"   # stands for the tree's own absolute path in a plan
CHUNK = 4 << 20        # content is generated and compared in 4 MiB pieces

# Symlinks of the transcript (and test) profile: relative path -> target.
# stock 2.x classifies a link by os.path.relpath(target, source root), which
# resolves a relative target against the *current directory* of the host
# process; run it from outside the tree and only the absolute link into the
# tree counts as "inside" (sent as a path relative to the root).  stock 1.x
# tests the target text for the root as a prefix instead, so "abs-dotdot"
# travels as "sub/../README.txt" there and as "README.txt" in 2.x.
SYMLINKS = [
    ("alias", "sub/file.txt"),                        # relative, inside
    ("abs-inside", ROOT_MARK + "/sub/deeper/deepest/leaf.txt"),  # absolute, inside
    ("abs-dotdot", ROOT_MARK + "/sub/../README.txt"),  # absolute, inside, with ".."
    ("outside", "../outside-target"),                 # relative, outside
    ("abs-outside", "/nonexistent/execnet-swift-target"),  # absolute, dangling
    ("sub/dangling", "missing.txt"),                  # relative, dangling
    ("sub/deeper/up", "../file.txt"),                 # relative with "..", inside
]


# --------------------------------------------------------------------------
# deterministic bytes and numbers


def _key(seed, label):
    return ("execnet-swift rsync tree|%d|%s" % (seed, label)).encode("utf-8")


def pseudo_random_bytes(seed, label, size):
    """`size` bytes that depend only on (seed, label)."""
    pieces = []
    index = 0
    while size > 0:
        take = min(size, CHUNK)
        pieces.append(hashlib.shake_256(_key(seed, "%s#%d" % (label, index)))
                      .digest(take))
        size -= take
        index += 1
    return b"".join(pieces)


class Numbers(object):
    """A stream of integers derived from (seed, label) with SHA-256."""

    def __init__(self, seed, label):
        self.key = _key(seed, label)
        self.counter = 0

    def below(self, bound):
        block = hashlib.sha256(self.key + struct.pack(">Q", self.counter)).digest()
        self.counter += 1
        return int(binascii.hexlify(block[:8]), 16) % bound

    def between(self, low, high):
        """An integer in [low, high]."""
        return low + self.below(high - low + 1)


def _text(seed, label, lines):
    out = []
    numbers = Numbers(seed, label + "|text")
    for number in range(lines):
        out.append("%s line %d of %d: %08x\n"
                   % (label, number + 1, lines, numbers.below(1 << 32)))
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------
# plans: what a profile contains, before anything touches the disk
#
# A plan is a list of entries (relative path with "/", kind, mode, payload):
#   ("dir", mode, None), ("file", mode, bytes), ("symlink", None, target).


def _transcript_plan(seed):
    entries = [
        ("sub", "dir", 0o755, None),
        ("sub/deeper", "dir", 0o755, None),
        ("sub/deeper/deepest", "dir", 0o750, None),
        ("sub/empty-sub", "dir", 0o755, None),
        ("empty-dir", "dir", 0o755, None),
        ("private", "dir", 0o700, None),
        (u"\u65e5\u672c", "dir", 0o755, None),                 # "Japan"
        ("README.txt", "file", 0o644, _text(seed, "README.txt", 4)),
        ("empty.txt", "file", 0o644, b""),
        ("bytes.bin", "file", 0o644, bytes(bytearray(range(256))) * 3),
        (u"gr\xfc\xdfe.txt", "file", 0o644,
         u"Gr\xfc\xdfe, \u4e16\u754c\n".encode("utf-8")),
        (u"\u65e5\u672c/\u30c7\u30fc\u30bf.bin", "file", 0o644,
         pseudo_random_bytes(seed, "data.bin", 200)),
        ("run.sh", "file", 0o755, b"#!/bin/sh\necho execnet-swift\n"),
        ("sub/file.txt", "file", 0o644, _text(seed, "sub/file.txt", 3)),
        ("sub/tool", "file", 0o755, pseudo_random_bytes(seed, "sub/tool", 96)),
        ("sub/deeper/notes.md", "file", 0o644, _text(seed, "notes.md", 2)),
        ("sub/deeper/deepest/leaf.txt", "file", 0o644,
         _text(seed, "leaf.txt", 2)),
        ("private/secret.txt", "file", 0o600, b"not for everyone\n"),
    ]
    entries += [(path, "symlink", None, target) for path, target in SYMLINKS]
    return entries


def _test_plan(seed):
    entries = _transcript_plan(seed)
    entries.append(("many", "dir", 0o755, None))
    numbers = Numbers(seed, "many")
    for d in range(10):
        directory = "many/dir-%02d" % d
        entries.append((directory, "dir", 0o755, None))
        for f in range(5):
            path = "%s/file-%02d.dat" % (directory, f)
            mode = 0o755 if f == 4 else 0o644
            entries.append((path, "file", mode, pseudo_random_bytes(
                seed, path, numbers.between(0, 8192))))
    entries.append(("big", "dir", 0o755, None))
    entries.append(("big/big-64MiB.bin", "file", 0o644, _lazy(seed, "big", 64 << 20)))
    return entries


BENCH_FILES = 2000
BENCH_LARGE = 50
BENCH_TOTAL = 200 * 1000 * 1000


def _bench_plan(seed):
    numbers = Numbers(seed, "bench")
    directories = []
    entries = []
    for top in range(10):
        name = "d%d" % top
        directories.append(name)
        for child in range(9):
            directories.append("%s/e%d" % (name, child))
    for directory in directories:
        entries.append((directory, "dir", 0o755, None))
    # Sizes first, so that the total can be made exact.
    sizes = [numbers.between(256, 40 << 10) for _ in range(BENCH_FILES - BENCH_LARGE)]
    large = [numbers.between(1 << 20, 5 << 20) for _ in range(BENCH_LARGE)]
    small_total = sum(sizes)
    scale = float(BENCH_TOTAL - small_total) / sum(large)
    large = [int(size * scale) for size in large]
    large[-1] += BENCH_TOTAL - small_total - sum(large)
    all_sizes = sizes + large
    order = list(range(BENCH_FILES))
    # A fixed shuffle, so that large files are spread over the directories.
    for index in range(len(order) - 1, 0, -1):
        other = numbers.below(index + 1)
        order[index], order[other] = order[other], order[index]
    for number, slot in enumerate(order):
        directory = directories[slot % len(directories)]
        path = "%s/f%04d.dat" % (directory, number)
        mode = 0o755 if number % 97 == 0 else 0o644
        entries.append((path, "file", mode, _lazy(seed, path, all_sizes[slot])))
    entries.append(("d0/alias", "symlink", None, "e0/f0000.dat"))
    entries.append(("d1/abs-inside", "symlink", None, ROOT_MARK + "/d1"))
    return entries


class _lazy(object):
    """Content generated when written (bench trees would not fit in memory
    comfortably as one plan)."""

    def __init__(self, seed, label, size):
        self.seed, self.label, self.size = seed, label, size

    def chunks(self):
        index = 0
        left = self.size
        while left > 0:
            take = min(left, CHUNK)
            yield hashlib.shake_256(_key(self.seed, "%s#%d" % (self.label, index))) \
                .digest(take)
            left -= take
            index += 1


def plan(profile, seed=DEFAULT_SEED):
    """The entries of a profile, sorted by the UTF-8 bytes of their path."""
    builders = {"transcript": _transcript_plan, "test": _test_plan,
                "bench": _bench_plan}
    if profile not in builders:
        raise ValueError("unknown profile %r (one of %s)" % (profile, ", ".join(PROFILES)))
    entries = builders[profile](seed)
    paths = [entry[0] for entry in entries]
    if len(set(paths)) != len(paths):
        raise ValueError("profile %s names a path twice" % profile)
    return sorted(entries, key=lambda entry: entry[0].encode("utf-8"))


def _mtime_ns(index):
    return BASE_MTIME_NS + index * MTIME_STEP_NS


def _native(root, relative):
    return os.path.join(root, *relative.split("/"))


def make_tree(path, profile, seed=DEFAULT_SEED):
    """Create the tree of `profile` in `path` (absent or empty).  Returns a
    summary dict: files, directories, symlinks, bytes."""
    entries = plan(profile, seed)
    if os.path.lexists(path):
        if not os.path.isdir(path) or os.path.islink(path):
            raise ValueError("%s exists and is not a directory" % path)
        if os.listdir(path):
            raise ValueError("%s is not empty" % path)
    else:
        os.makedirs(path)
    root = os.path.abspath(path)
    # 1. directories (writable while they are filled), 2. files, 3. links.
    for relative, kind, _, _ in entries:
        if kind == "dir":
            os.makedirs(_native(root, relative), 0o700, exist_ok=True)
    total = 0
    for relative, kind, mode, payload in entries:
        target = _native(root, relative)
        if kind == "file":
            with open(target, "wb") as handle:
                if isinstance(payload, _lazy):
                    for piece in payload.chunks():
                        handle.write(piece)
                    total += payload.size
                else:
                    handle.write(payload)
                    total += len(payload)
            os.chmod(target, mode)
        elif kind == "symlink":
            os.symlink(payload.replace(ROOT_MARK, root, 1)
                       if payload.startswith(ROOT_MARK) else payload, target)
    # 4. times: files and links first, then directories deepest first, the
    # root last, so that nothing created later moves a directory's mtime.
    index = {relative: number for number, (relative, _, _, _) in enumerate(entries)}
    can_touch_links = os.utime in getattr(os, "supports_follow_symlinks", set())
    for relative, kind, _, _ in entries:
        stamp = _mtime_ns(index[relative])
        if kind == "file":
            os.utime(_native(root, relative), ns=(stamp, stamp))
        elif kind == "symlink" and can_touch_links:
            os.utime(_native(root, relative), ns=(stamp, stamp), follow_symlinks=False)
    directories = [(relative, mode) for relative, kind, mode, _ in entries if kind == "dir"]
    directories.sort(key=lambda item: (-item[0].count("/"), item[0].encode("utf-8")))
    for relative, mode in directories:
        os.chmod(_native(root, relative), mode)
        stamp = _mtime_ns(index[relative])
        os.utime(_native(root, relative), ns=(stamp, stamp))
    os.chmod(root, 0o755)
    stamp = _mtime_ns(len(entries))
    os.utime(root, ns=(stamp, stamp))
    return {"profile": profile, "seed": seed, "bytes": total,
            "files": sum(1 for e in entries if e[1] == "file"),
            "directories": len(directories),
            "symlinks": sum(1 for e in entries if e[1] == "symlink")}


# --------------------------------------------------------------------------
# walking


def _kind(mode):
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


def _sort_key(name):
    return os.fsencode(name)


def walk(root):
    """{relative path ("/"-separated, root "."): os.stat_result} without
    following symlinks."""
    found = {".": os.lstat(root)}
    pending = [("", root)]
    while pending:
        prefix, directory = pending.pop()
        for name in sorted(os.listdir(directory), key=_sort_key):
            full = os.path.join(directory, name)
            relative = prefix + name
            info = os.lstat(full)
            found[relative] = info
            if stat.S_ISDIR(info.st_mode):
                pending.append((relative + "/", full))
    return found


def _ordered(paths):
    return sorted(paths, key=lambda p: b"" if p == "." else os.fsencode(p))


def describe_tree(path, content=False, root_placeholder=None):
    """Every entry of the tree as a dict, sorted by path."""
    root = os.path.abspath(path)
    entries = walk(root)
    out = []
    for relative in _ordered(entries):
        info = entries[relative]
        native = root if relative == "." else _native(root, relative)
        kind = _kind(info.st_mode)
        item = {"path": relative, "kind": kind, "mode": stat.S_IMODE(info.st_mode),
                "size": info.st_size if kind == "file" else 0,
                "mtime_ns": info.st_mtime_ns}
        if kind == "symlink":
            target = os.readlink(native)
            if root_placeholder is not None and (
                    target == root or target.startswith(root + os.sep)):
                target = root_placeholder + target[len(root):]
            item["target"] = target
        elif kind == "file" and content:
            with open(native, "rb") as handle:
                item["data_hex"] = binascii.hexlify(handle.read()).decode("ascii")
        out.append(item)
    return out


# --------------------------------------------------------------------------
# comparing


def _same_content(a, b):
    with open(a, "rb") as left, open(b, "rb") as right:
        while True:
            x, y = left.read(CHUNK), right.read(CHUNK)
            if x != y:
                return False
            if not x:
                return True


def _link_text(root, target, literal):
    if literal or not os.path.isabs(target):
        return target
    normal = os.path.normpath(target)
    if normal == root or normal.startswith(root + os.sep):
        return ROOT_MARK + normal[len(root):]
    return target


def compare_trees(a, b, ignore_dir_modes=True, literal_links=False, mtimes=False,
                  mtime_tolerance_ns=1000):
    """Differences between the trees at `a` and `b`:
    {"equal": bool, "entries": int, "differences": [{"path", "what", "a", "b"}]}.
    `what` is one of: only-in-a, only-in-b, kind, size, content, mode, link,
    mtime."""
    root_a, root_b = os.path.abspath(a), os.path.abspath(b)
    left, right = walk(root_a), walk(root_b)
    differences = []

    def differ(path, what, x=None, y=None):
        differences.append({"path": path, "what": what, "a": x, "b": y})

    for path in _ordered(set(left) | set(right)):
        if path not in right:
            differ(path, "only-in-a", _kind(left[path].st_mode))
            continue
        if path not in left:
            differ(path, "only-in-b", None, _kind(right[path].st_mode))
            continue
        x, y = left[path], right[path]
        kind_x, kind_y = _kind(x.st_mode), _kind(y.st_mode)
        if kind_x != kind_y:
            differ(path, "kind", kind_x, kind_y)
            continue
        native_a = root_a if path == "." else _native(root_a, path)
        native_b = root_b if path == "." else _native(root_b, path)
        if kind_x == "file":
            if x.st_size != y.st_size:
                differ(path, "size", x.st_size, y.st_size)
            elif not _same_content(native_a, native_b):
                differ(path, "content")
            if stat.S_IMODE(x.st_mode) != stat.S_IMODE(y.st_mode):
                differ(path, "mode", oct(stat.S_IMODE(x.st_mode)),
                       oct(stat.S_IMODE(y.st_mode)))
            if mtimes and abs(x.st_mtime_ns - y.st_mtime_ns) > mtime_tolerance_ns:
                differ(path, "mtime", x.st_mtime_ns, y.st_mtime_ns)
        elif kind_x == "symlink":
            text_x = _link_text(root_a, os.readlink(native_a), literal_links)
            text_y = _link_text(root_b, os.readlink(native_b), literal_links)
            if text_x != text_y:
                differ(path, "link", text_x, text_y)
        elif kind_x == "dir" and not ignore_dir_modes:
            if stat.S_IMODE(x.st_mode) != stat.S_IMODE(y.st_mode):
                differ(path, "mode", oct(stat.S_IMODE(x.st_mode)),
                       oct(stat.S_IMODE(y.st_mode)))
    return {"equal": not differences, "entries": len(set(left) | set(right)),
            "differences": differences}


def format_difference(item):
    path, what, x, y = item["path"], item["what"], item["a"], item["b"]
    if what == "only-in-a":
        return "only in A: %s (%s)" % (path, x)
    if what == "only-in-b":
        return "only in B: %s (%s)" % (path, y)
    if what == "content":
        return "content differs: %s" % path
    return "%s differs: %s (A %s, B %s)" % (what, path, x, y)


# --------------------------------------------------------------------------


def main(argv):
    parser = argparse.ArgumentParser(
        prog="rsync_tree.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    make = commands.add_parser("make", help="create a deterministic tree")
    make.add_argument("dir")
    make.add_argument("--profile", required=True, choices=PROFILES)
    make.add_argument("--seed", type=int, default=DEFAULT_SEED)
    cmp_ = commands.add_parser("compare", help="compare two trees")
    cmp_.add_argument("a")
    cmp_.add_argument("b")
    cmp_.add_argument("--ignore-dir-modes", dest="ignore_dir_modes",
                      action="store_true", default=True,
                      help="ignore directories' modes (the default)")
    cmp_.add_argument("--compare-dir-modes", dest="ignore_dir_modes",
                      action="store_false", help="compare directories' modes too")
    cmp_.add_argument("--literal-links", action="store_true",
                      help="compare symlink targets as raw text")
    cmp_.add_argument("--mtimes", action="store_true",
                      help="compare regular files' mtimes (within 1 us)")
    cmp_.add_argument("--json", action="store_true")
    desc = commands.add_parser("describe", help="JSON listing of a tree")
    desc.add_argument("dir")
    desc.add_argument("--content", action="store_true",
                      help="include every file's bytes as data_hex")
    desc.add_argument("--root-placeholder", metavar="TEXT",
                      help="replace DIR at the start of symlink targets")
    args = parser.parse_args(argv)

    if args.command == "make":
        try:
            summary = make_tree(args.dir, args.profile, args.seed)
        except ValueError as error:
            sys.stderr.write("rsync_tree.py: %s\n" % error)
            return 2
        print(json.dumps(summary, sort_keys=True))
        return 0
    if args.command == "compare":
        for path in (args.a, args.b):
            if not os.path.isdir(path):
                sys.stderr.write("rsync_tree.py: %s is not a directory\n" % path)
                return 2
        report = compare_trees(args.a, args.b, args.ignore_dir_modes,
                               args.literal_links, args.mtimes)
        if args.json:
            print(json.dumps(report, sort_keys=True))
        else:
            for item in report["differences"]:
                print(format_difference(item))
            print("%d entries, %d difference(s): %s"
                  % (report["entries"], len(report["differences"]),
                     "equal" if report["equal"] else "DIFFERENT"))
        return 0 if report["equal"] else 1
    if args.command == "describe":
        listing = describe_tree(args.dir, args.content, args.root_placeholder)
        print(json.dumps(listing, indent=1, sort_keys=True))
        return 0
    parser.print_usage(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
