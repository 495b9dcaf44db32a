"""scripts/bench transports: the host workloads over loopback ssh, a stock
socket server and one via hop, Swift host and stock 2.1.2's Python host in
the same run (see scripts/bench for the shared helpers it is given).

Rows (ratios > 1: Swift better; python/swift for times, swift/python for
rates), for each transport T of ssh, socket, via:

  transport.T.startup    group + makegateway + remote_exec + one receive, ms;
                         the hop of via is made before the clock (both sides)
  transport.T.roundtrip  ints echoed one at a time, us per round trip
  transport.T.pipelined  ints sent without waiting, then received, msg/s
  transport.T.bulk       a 1 MiB bytes value echoed, MB/s each way

Both sides bootstrap in exec mode with gateway_base 2.1.2. Each transport's
workloads run python, swift, swift, python with half the runs each time.
Targets: every row >= 1.0; ssh startup and ssh roundtrip >= 1.3. The servers
(a loopback sshd with its own keys, stock's socket server under the remote
interpreter) come from scripts/test-servers and are stopped at the end.
"""

import json
import os
import statistics
import sys
import time

WORKLOADS = ["startup", "roundtrip", "pipelined", "bulk"]
STARTUP_RUNS = 10  # per side
REPS = 6  # per side, for the streaming workloads
COUNT = 5000
BULK_ECHOES = 60


def cells(servers, remote):
    """(name, spec, prelude) per transport."""
    socket = [s for s in servers["socketservers"] if s["python"] == remote]
    hop = "popen//python=%s//id=hop" % remote
    return [
        ("ssh", "%s//python=%s" % (servers["sshd"]["spec"], remote), []),
        ("socket", socket[0]["spec"], []),
        ("via", "popen//python=%s//via=hop" % remote, [hop]),
    ]


def run_transports(json_mode, python, bench):
    """`bench` carries scripts/bench's helpers: run, log, build_swift,
    stock_dir, resolve_python, load_average, merge_runs, compare, print_table."""
    started = time.monotonic()
    loads = [("at the start", bench.load_average())]
    remote = bench.resolve_python(python or "python3")
    binary = bench.build_swift()
    stock = bench.stock_dir()
    servers_script = os.path.join(bench.HERE, "test-servers")
    bench.run([sys.executable, servers_script, "install"], capture=False)
    servers = json.loads(bench.run([sys.executable, servers_script, "start", "--json",
                                    "--socket-python", remote]))
    loads.append(("after the build and the servers", bench.load_average()))
    rows, notes, targets = [], [], {}
    try:
        for name, spec, prelude in cells(servers, remote):
            def side(which, half):
                command = ([sys.executable, os.path.join(bench.HERE, "bench_stock.py"), "host",
                            "--stock", stock, "--python", remote] if which == "python" else
                           [binary, "host", "--json", "--python", remote,
                            "--stock-version", bench.STOCK_VERSION])
                command += ["--spec", spec, "--startup-runs", str(STARTUP_RUNS // 2), "--reps", str(half),
                            "--count", str(COUNT), "--bulk-echoes", str(BULK_ECHOES)]
                for hop in prelude:
                    command += ["--prelude", hop]
                for workload in WORKLOADS:
                    command += ["--only", workload]
                bench.log("timing %s over %s (%d runs)" % (which, name, half))
                return json.loads(bench.run(command))

            half = REPS // 2
            first_py, first_sw = side("python", half), side("swift", half)
            second_sw, second_py = side("swift", half), side("python", half)
            py = bench.merge_runs(None, first_py, second_py)
            sw = bench.merge_runs(None, first_sw, second_sw)
            figures = {}
            for side_name, report in (("swift", sw), ("python", py)):
                w = report["workloads"]
                figures[side_name] = {
                    "startup": statistics.median(w["startup"]["seconds"]) * 1e3,
                    "roundtrip": statistics.median(w["roundtrip"]["seconds"]) / COUNT * 1e6,
                    "pipelined": COUNT / statistics.median(w["pipelined"]["seconds"]),
                    "bulk": report["bulk_bytes"] * BULK_ECHOES / 1e6
                    / statistics.median(w["bulk"]["seconds"]),
                }
                notes.append("%s %s runs, median [min-max]: %s" % (name, side_name, "; ".join(
                    "%s %s" % (workload, spread(w[workload]["seconds"])) for workload in WORKLOADS)))
            for workload, unit, lower in (("startup", "ms", True), ("roundtrip", "us", True),
                                          ("pipelined", "msg/s", False), ("bulk", "MB/s", False)):
                bench_name = "transport.%s.%s" % (name, workload)
                row = bench.compare(bench_name, figures["swift"][workload],
                                    figures["python"][workload], unit=unit, lower_is_better=lower)
                rows.append(row)
                goal = 1.3 if name == "ssh" and workload in ("startup", "roundtrip") else 1.0
                targets[bench_name] = ">= %.2f %s" % (goal, "met" if row["ratio"] >= goal else "MISSED")
    finally:
        bench.run([sys.executable, servers_script, "stop", "--dir", servers["dir"]], capture=False)
    loads.append(("at the end", bench.load_average()))
    notes.insert(0, "remote: %s, both sides; gateway_base %s sent in exec mode; %d ints for roundtrip and "
                 "pipelined, a 1 MiB bytes value echoed %d times for bulk; medians of %d runs (startup %d)"
                 % (remote, bench.STOCK_VERSION, COUNT, BULK_ECHOES, REPS, STARTUP_RUNS))
    notes.append("load average (1, 5, 15 min): " + "; ".join("%s %s" % load for load in loads))
    notes.append("total %.1f s" % (time.monotonic() - started))
    if json_mode:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        for note in notes:
            sys.stderr.write("bench: %s\n" % note)
    else:
        bench.print_table(rows, notes, targets)
    return 0


def spread(seconds):
    return "%.4g [%.4g-%.4g] s" % (statistics.median(seconds), min(seconds), max(seconds))
