"""scripts/bench objects: remote objects against plain channels, one run.

Everything here is the Swift host (release `execnet-bench objects`): stock
execnet has no remote objects, so each row compares a remote-objects
workload with the plain-channel workload it is built on, timed in the same
run against the same remote interpreter (gateway_base 2.1.2, exec mode):

  objects.call      us per os.getpid() call on a held proxy of os; "python"
                    is the us per round trip of a plain channel echo, timed
                    in alternating slices of 100 with the calls; ratio =
                    echo / call; target >= 0.8 (a call at most 1.25 x the echo)
  objects.proxies   ms for 10,000 proxies received (batches of 1,000) and
                    released until the agent's table is back where it was;
                    "python" is ms for the same 10,000 ints as 10 lists over
                    a plain channel (info)
  objects.putfile   MB/s of a --file-mib MiB file copied to the remote side,
  objects.getfile   and back; "python" is host.bulk in the same run (a 1 MiB
                    bytes value echoed 300 times, MB/s each way); ratio =
                    file / bulk; target >= 0.8

Medians of --reps timed runs (after one warm-up), with the spread (min-max)
and the load average in the notes. The files go to /dev/shm when it is a
writable tmpfs (so the page cache's write-back does not set the pace), else
the temp directory; --dir overrides.
"""

import json
import os
import statistics


def default_directory():
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        return shm
    return None


def run_objects(json_mode, python, helpers, reps, file_mib, directory):
    loads = [helpers.load_average()]
    binary = helpers.build_swift()
    loads.append(helpers.load_average())
    python = helpers.resolve_python(python or "python3")
    helpers.run([helpers.sys_executable, os.path.join(helpers.HERE, "stock.py"), "fetch", "2.1.2"], capture=False)
    command = [binary, "objects", "--python", python, "--reps", str(reps), "--file-mib", str(file_mib), "--json"]
    directory = directory or default_directory()
    if directory:
        command += ["--dir", directory]
    helpers.log("running %s" % " ".join(command))
    report = json.loads(helpers.run(command))
    loads.append(helpers.load_average())
    runs = report["workloads"]
    median = dict((name, statistics.median(values)) for name, values in runs.items())
    calls = report["calls"]
    file_mb = report["file_bytes"] / 1e6
    bulk_mb = report["bulk_bytes"] * report["bulk_echoes"] / 1e6

    def per_call(seconds):
        return seconds / calls * 1e6

    rows = [
        helpers.compare("objects.call", per_call(median["objects.call"]), per_call(median["channel.echo"]),
                        unit="us", lower_is_better=True),
        helpers.compare("objects.proxies", median["objects.proxies"] * 1e3, median["channel.lists"] * 1e3,
                        unit="ms", lower_is_better=True),
        helpers.compare("objects.putfile", file_mb / median["objects.putfile"], bulk_mb / median["host.bulk"]),
        helpers.compare("objects.getfile", file_mb / median["objects.getfile"], bulk_mb / median["host.bulk"]),
    ]
    if json_mode:
        for row in rows:
            print(json.dumps(row))
        helpers.log("load average (1/5/15 min): start %s, after build %s, end %s" % tuple(loads))
        return 0

    def verdict(row):
        return "%s %s" % (">= 0.80", "met" if row["ratio"] >= 0.8 else "MISSED")

    targets = dict((row["bench"], verdict(row)) for row in rows if row["bench"] != "objects.proxies")

    def spread(name, scale):
        values = runs[name]
        return "%s %.3g (%.3g-%.3g)" % (name, statistics.median(values) * scale, min(values) * scale, max(values) * scale)

    notes = [
        "",
        "remote: %s, gateway_base 2.1.2 exec mode; %d calls, %.0f MiB file, %d timed runs each"
        % (python, calls, report["file_bytes"] / 2 ** 20, len(runs["objects.call"])),
        "medians (spread) in s per run: " + ", ".join(spread(name, 1) for name in sorted(runs)),
        "load average (1/5/15 min): start %s, after build %s, end %s" % tuple(loads),
    ]
    helpers.print_table(rows, notes, targets)
    return 0
