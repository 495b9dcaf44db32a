"""scripts/bench rsync: the Swift RSync host against stock 2.1.2's own RSync
host (see scripts/bench for the shared helpers it is given).

    scripts/bench rsync [--python PATH] [--json] [--stock-only]

Workload: one `bench` tree of scripts/rsync_tree.py (2,000 files, 200,000,000
bytes, 100 directories, seed 0), made once in a temporary directory (under
--dir, by default /dev/shm when that is a tmpfs: on this machine's disk the
write-back of 4 x 200 MB sets the pace for both hosts alike), synced
to popen targets on the remote interpreter (python3 from PATH resolved to
the real executable behind it, or --python PATH).  Both sides bootstrap in
exec mode with gateway_base 2.1.2 and are driven through the same interface:

    execnet-bench rsync            --python PY --source DIR --dest DIR...
    bench_stock.py rsync --stock S --python PY --source DIR --dest DIR...
        [--runs N] [--clear]

Each opens one popen gateway per --dest before its first run (outside the
clock) and prints one JSON line per run: {"workload": "rsync", "targets": K,
"seconds": S, "cpu_seconds": C, "bytes_sent": B}; the clock covers making the
RSync object, add_target for every destination and send(); C is the host
process's user+sys CPU over the same stretch, B the file bytes sent summed
over the targets.  Rows (ratio = stock seconds / Swift seconds; target >= 1.5
each):

  rsync.initial.1    1 target, destination removed before each run
  rsync.initial.4    4 targets, destinations removed before each run
  rsync.unchanged.4  4 targets that already hold the tree: no data crosses

Every row runs python, swift, swift, python, each invocation doing one
warm-up run (not counted) and then half the timed runs; medians of all timed
runs.  Also reported: CPU nanoseconds per byte sent of initial.1 and
initial.4 for each side; the Swift host's figure at 4 targets must not grow
beyond that at 1 target (judged with 10% allowance for noise).

Checks, outside the clock: before any timing each side syncs a small
`transcript` tree (symlinks, modes, non-ASCII names) and the result must
equal the source (rsync_tree.compare_trees); after every invocation the
first and last destinations must equal the source; initial runs must report
200,000,000 bytes per target, unchanged runs none (a mismatch is printed as
a warning).  A Swift binary without a working `rsync` subcommand stops the
bench with a message saying so.

--stock-only times stock's side alone (no Swift build): a table of its
figures, for reference.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROWS = [("rsync.initial.1", 1, True), ("rsync.initial.4", 4, True),
        ("rsync.unchanged.4", 4, False)]
TARGET = 1.5               # every row's ratio
CPU_GROWTH_ALLOWED = 1.10  # Swift ns/byte at 4 targets over that at 1
REPS = 4                   # timed runs per side and row (half per invocation)
WARMUPS = 1                # per invocation, not counted
TREE_SEED = 0
MAX_TARGETS = max(targets for _, targets, _ in ROWS)


def default_directory():
    """/dev/shm when it is a writable tmpfs, else None (the temp directory)."""
    candidate = "/dev/shm"
    try:
        with open("/proc/mounts") as handle:
            mounts = [line.split() for line in handle]
    except OSError:
        return None
    if any(len(parts) > 2 and parts[1] == candidate and parts[2] == "tmpfs" for parts in mounts) \
            and os.access(candidate, os.W_OK):
        return candidate
    return None


def run_rsync(json_mode, python, bench, stock_only=False, directory=None):
    """`bench` carries scripts/bench's helpers: run, log, build_swift,
    stock_dir, resolve_python, load_average, compare, print_table."""
    sys.path.insert(0, bench.HERE)
    import rsync_tree

    started = time.monotonic()
    loads = [("at the start", bench.load_average())]
    remote = bench.resolve_python(python or "python3")
    binary = None if stock_only else bench.build_swift()
    stock = bench.stock_dir()
    parent = directory or default_directory()
    work = tempfile.mkdtemp(prefix="execnet-bench-rsync-", dir=parent)
    try:
        source = os.path.join(work, "source")
        small = os.path.join(work, "small")
        rsync_tree.make_tree(small, "transcript", TREE_SEED)
        dests = [os.path.join(work, "dest-%d" % index) for index in range(MAX_TARGETS)]
        bench.log("stock execnet %s's host: %s; Swift host: %s; remote: %s"
                  % (bench.STOCK_VERSION, sys.executable, binary or "(not run)", remote))
        bench.log("trees in %s (%s)" % (work, "tmpfs" if parent == "/dev/shm" else "given"
                                         if directory else "temp directory"))

        def command(side, targets, runs, clear, tree_dir):
            if side == "python":
                line = [sys.executable, os.path.join(bench.HERE, "bench_stock.py"), "rsync",
                        "--stock", stock]
            else:
                line = [binary, "rsync"]
            line += ["--python", remote, "--source", tree_dir, "--runs", str(runs)]
            for dest in targets:
                line += ["--dest", dest]
            if clear:
                line.append("--clear")
            return line

        def invoke(side, targets, runs, clear, tree_dir=source):
            """The runs' JSON objects; exits with a clear message if the side
            fails or prints something else."""
            argv = command(side, targets, runs, clear, tree_dir)
            result = subprocess.run(argv, cwd=os.path.dirname(bench.HERE), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, universal_newlines=True)
            if result.returncode != 0:
                if side == "swift":
                    bench.log("%s has no working `rsync` subcommand (exit %d): %s\n"
                              "  expected interface: execnet-bench rsync --python PY "
                              "--source DIR --dest DIR [--dest DIR ...] [--runs N] [--clear]"
                              % (binary, result.returncode, result.stderr.strip()[-2000:]))
                else:
                    bench.log("stock side failed (exit %d): %s\n%s"
                              % (result.returncode, " ".join(argv), result.stderr[-4000:]))
                sys.exit(1)
            reports = []
            for line in result.stdout.splitlines():
                if not line.strip():
                    continue
                try:
                    report = json.loads(line)
                except ValueError:
                    bench.log("%s printed a line that is not JSON: %r" % (side, line[:200]))
                    sys.exit(1)
                missing = [key for key in ("workload", "targets", "seconds", "cpu_seconds",
                                           "bytes_sent") if key not in report]
                if missing or report["workload"] != "rsync":
                    bench.log("%s printed %r (missing %s)" % (side, line[:200], ", ".join(missing)))
                    sys.exit(1)
                reports.append(report)
            if len(reports) != runs or any(r["targets"] != len(targets) for r in reports):
                bench.log("%s printed %d runs for %d targets, expected %d runs"
                          % (side, len(reports), len(targets), runs))
                sys.exit(1)
            return reports

        def check_tree(side, tree_dir, dest, what):
            report = rsync_tree.compare_trees(tree_dir, dest)
            if not report["equal"]:
                bench.log("%s: %s differs from its source after %s:\n  %s" % (
                    side, dest, what, "\n  ".join(rsync_tree.format_difference(item)
                                                   for item in report["differences"][:20])))
                sys.exit(1)

        sides = ["python"] if stock_only else ["python", "swift"]
        for side in sides:
            probe = os.path.join(work, "probe-%s" % side)
            invoke(side, [probe], 1, True, small)
            check_tree(side, small, probe, "the transcript-tree check")
            shutil.rmtree(probe)
        bench.log("both sides sync the transcript tree correctly" if not stock_only
                  else "stock syncs the transcript tree correctly")
        bench.log("making the bench tree in %s" % source)
        tree = rsync_tree.make_tree(source, "bench", TREE_SEED)
        loads.append(("after the build and the tree", bench.load_average()))
        bench.log("load average (1, 5, 15 min) %s: %s" % loads[-1])

        half = REPS // 2
        warnings = []
        timed = {}  # (row, side) -> [run report]
        order = ["python"] if stock_only else ["python", "swift", "swift", "python"]
        for name, count, clear in ROWS:
            targets = dests[:count]
            for side in order:
                bench.log("timing %s: %s (%d + %d warm-up runs)" % (side, name, half, WARMUPS))
                reports = invoke(side, targets, half + WARMUPS, clear)[WARMUPS:]
                if stock_only:
                    reports += invoke(side, targets, half + WARMUPS, clear)[WARMUPS:]
                timed.setdefault((name, side), []).extend(reports)
                for dest in sorted({targets[0], targets[-1]}):
                    check_tree(side, source, dest, name)
                expected = tree["bytes"] * count if clear else 0
                wrong = [r["bytes_sent"] for r in reports if r["bytes_sent"] != expected]
                if wrong:
                    warnings.append("WARNING: %s %s reported bytes_sent %s, expected %d"
                                    % (name, side, wrong, expected))
                    bench.log(warnings[-1])
        loads.append(("at the end", bench.load_average()))
        bench.log("load average (1, 5, 15 min) %s: %s" % loads[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return print_report(json_mode, bench, timed, tree, remote, binary, loads, warnings,
                        started, stock_only)


def median_seconds(runs):
    return statistics.median(r["seconds"] for r in runs)


def ns_per_byte(runs):
    sent = sum(r["bytes_sent"] for r in runs)
    return sum(r["cpu_seconds"] for r in runs) / sent * 1e9 if sent else float("nan")


def spread(runs):
    values = [r["seconds"] for r in runs]
    return "%.3f [%.3f-%.3f] x%d" % (statistics.median(values), min(values), max(values),
                                     len(values))


def print_report(json_mode, bench, timed, tree, remote, binary, loads, warnings, started,
                 stock_only):
    sides = ["python"] if stock_only else ["swift", "python"]
    cpu = {(name, side): ns_per_byte(timed[(name, side)])
           for name, _, clear in ROWS if clear for side in sides}
    rows = []
    for name, _, clear in ROWS:
        if stock_only:
            row = {"bench": name, "unit": "s", "python": round(median_seconds(timed[(name, "python")]), 3)}
        else:
            row = bench.compare(name, median_seconds(timed[(name, "swift")]),
                                median_seconds(timed[(name, "python")]), unit="s",
                                lower_is_better=True)
        if clear:
            for side in sides:
                row["%s_cpu_ns_per_byte" % side] = round(cpu[(name, side)], 3)
        rows.append(row)

    notes = [
        "",
        "tree: rsync_tree.py bench profile, seed %d: %d files, %d bytes, %d directories, "
        "%d symlinks" % (TREE_SEED, tree["files"], tree["bytes"], tree["directories"],
                         tree["symlinks"]),
        "remote: %s (popen, one gateway per target, made before the clock); gateway_base %s "
        "sent in exec mode" % (remote, bench.STOCK_VERSION),
        "python: stock execnet %s's RSync (scripts/bench_stock.py rsync, gc off while "
        "timing)%s" % (bench.STOCK_VERSION, "" if stock_only else "; swift: %s rsync" % binary),
        "clock: RSync construction + add_target for every target + send(); medians of %d "
        "timed runs per side (a warm-up run per invocation not counted)%s"
        % (REPS, "" if stock_only else "; order python, swift, swift, python per row"),
        "timed runs, seconds, median [min-max] x runs:",
    ]
    for name, _, _ in ROWS:
        notes.append("  %-18s %s" % (name, "; ".join(
            "%s %s" % (side, spread(timed[(name, side)])) for side in sides)))
    growth = {side: cpu[("rsync.initial.4", side)] / cpu[("rsync.initial.1", side)]
              for side in sides}
    notes.append("host CPU per byte sent (user+sys of the host process / file bytes summed "
                 "over targets): " + "; ".join(
                     "%s %.2f ns/B at 1 target, %.2f at 4 (x%.2f)"
                     % (side, cpu[("rsync.initial.1", side)], cpu[("rsync.initial.4", side)],
                        growth[side]) for side in sides))
    if not stock_only:
        met = round(growth["swift"], 2) <= CPU_GROWTH_ALLOWED
        notes.append("swift CPU per byte must not grow with the number of targets: "
                     "x%.2f at 4 targets vs 1 (allowed <= %.2f) %s"
                     % (growth["swift"], CPU_GROWTH_ALLOWED, "met" if met else "MISSED"))
    notes += warnings
    notes.append("load average (1, 5, 15 min): " + "; ".join("%s %s" % pair for pair in loads))
    notes.append("ratio = python seconds / swift seconds (> 1: Swift better); total %.1f s"
                 % (time.monotonic() - started))

    if json_mode:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        for note in notes[1:]:
            sys.stderr.write("bench: %s\n" % note)
        return 0
    if stock_only:
        header = ("bench", "unit", "python", "python ns/B")
        cells = [header] + [(r["bench"], r["unit"], "%.3f" % r["python"],
                             "%.2f" % r["python_cpu_ns_per_byte"]
                             if "python_cpu_ns_per_byte" in r else "-") for r in rows]
        widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
        for line in cells:
            print("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(line, widths))).rstrip())
        for note in notes:
            print(note)
        return 0
    targets = {row["bench"]: ">= %.2f %s" % (TARGET, "met" if row["ratio"] >= TARGET else "MISSED")
               for row in rows}
    bench.print_table(rows, notes, targets)
    return 0
