#!/usr/bin/env python3
"""Stock execnet's side of scripts/bench: time its serializer on a corpus.

    python3 scripts/bench_stock.py codec --stock DIR [--dump-out FILE]
        [--records N] [--min-time S] [--min-reps N]

DIR holds the stock `execnet/` package (see `scripts/stock.py path`). Builds
the standard corpus, checks that loads_internal(dumps_internal(corpus)) gives
it back, writes the dump to FILE (for the Swift side to compare against), then
times `execnet.gateway_base.dumps_internal` and `loads_internal`: one warm-up
call, then calls until at least S seconds and N calls have passed; each call
is timed on its own with time.perf_counter and the median is reported. As in
`timeit`, the cyclic garbage collector is off while timing (the corpus has no
cycles, so memory is still freed by reference counting); with it on, stock
measured 5-15% slower here, which would flatter the Swift side. A decoded value is
released outside the timed section. Prints one JSON object on stdout.

    python3 scripts/bench_stock.py host --stock DIR --python PATH
        [--startup-runs N] [--reps N] [--count N] [--bulk-bytes N]
        [--bulk-echoes N] [--fanout N] [--only NAME]...
        [--spec XSPEC] [--prelude XSPEC]...

host: drives PATH through stock execnet's own host (`makegateway("popen//
python=PATH")`, exec-mode bootstrap of its gateway_base) with the workloads
Sources/execnet-bench/HostBench.swift runs on the Swift host, and prints the
same JSON shape: for each workload a warm-up run, then the timed runs in
seconds. As for codec, the cyclic garbage collector is off while timing.
Workloads (--only NAME, repeatable; all of them by default):

  startup          group + makegateway + remote_exec + receive, from nothing
                   (--startup-runs timed runs; through_terminate_s as well)
  roundtrip        --count ints echoed one at a time through one channel
  pipelined        --count ints sent without waiting, then all received
  bulk             a --bulk-bytes bytes value echoed --bulk-echoes times
  channels64       64 echo channels on one gateway, each driven by its own
                   thread through 2,000 round trips of one int, all at once
  fanout           --fanout gateways started one after the other (sequential
                   makegateway calls, as a user of stock's Group writes it),
                   each answers once, then the group is terminated
  fanout.threads   the same, each makegateway from its own thread
  fanout64         fanout with 64 gateways (sequential makegateway calls)
  fanout64.threads fanout.threads with 64 gateways

The startup and fanout workloads also report remote_cpu_s, the CPU time of
the remote interpreters they started and reaped.

    python3 scripts/bench_stock.py rsync --stock DIR --python PATH
        --source DIR --dest DIR [--dest DIR]... [--runs N] [--clear]

rsync: stock's own `execnet.RSync(source, verbose=False)` to one popen
gateway (`popen//python=PATH//id=gw<i>`) per --dest, the same interface and
output as `execnet-bench rsync` (see scripts/bench_rsync.py).  The gateways
are made once, before any run.  Each of the N runs (with --clear, after
removing the destination directories, outside the clock) times the
construction of RSync, add_target for every destination and send(), with the
cyclic garbage collector off, and prints one JSON line: {"workload":
"rsync", "targets": K, "seconds": S, "cpu_seconds": C, "bytes_sent": B},
C being this process's user+sys CPU time over the timed part and B the file
bytes sent, summed over the targets (files answered with None because their
checksum matched count nothing).

Lives next to scripts/bench; a future benchmark adds a subcommand here.
"""

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import threading
import time

sys.dont_write_bytecode = True

STANDARD_RECORDS = 20000


def standard_corpus(records):
    """The corpus the Swift side (Sources/execnet-bench/Corpus.swift) mirrors."""
    return [
        {
            "id": i,
            "name": "item-%d" % i,
            "score": i * 0.5,
            "tags": ["a", "b", "c"],
            "ok": True,
            "blob": b"\x00\x01" * 8,
        }
        for i in range(records)
    ]


def measure(call, min_time, min_reps, warmups=1):
    """Seconds per call of `call()`, which times its own critical section."""
    for _ in range(warmups):
        call()
    seconds = []
    while len(seconds) < min_reps or sum(seconds) < min_time:
        seconds.append(call())
    return seconds


def summary(seconds, size):
    median = statistics.median(seconds)
    return {"mb_per_s": size / 1e6 / median, "median_s": median,
            "best_s": min(seconds), "reps": len(seconds)}


def run_codec(args):
    sys.path.insert(0, os.path.abspath(args.stock))
    from execnet import gateway_base

    dumps, loads = gateway_base.dumps_internal, gateway_base.loads_internal
    corpus = standard_corpus(args.records)
    dump = dumps(corpus)
    if loads(dump) != corpus:
        raise SystemExit("bench_stock: stock loads(dumps(corpus)) != corpus")
    if args.dump_out:
        with open(args.dump_out, "wb") as handle:
            handle.write(dump)

    clock = time.perf_counter

    def encode_once():
        start = clock()
        out = dumps(corpus)
        elapsed = clock() - start
        if len(out) != len(dump):
            raise SystemExit("bench_stock: encoding changed between runs")
        return elapsed

    def decode_once():
        start = clock()
        value = loads(dump)
        elapsed = clock() - start
        if len(value) != args.records:
            raise SystemExit("bench_stock: decoding changed between runs")
        del value  # released outside the timed section
        return elapsed

    gc.collect()
    gc.disable()
    try:
        encode = measure(encode_once, args.min_time, args.min_reps)
        decode = measure(decode_once, args.min_time, args.min_reps)
    finally:
        gc.enable()
    result = {
        "bytes": len(dump),
        "records": args.records,
        "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
        "execnet": os.path.abspath(args.stock),
        "encode": summary(encode, len(dump)),
        "decode": summary(decode, len(dump)),
    }
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------
# host: stock execnet's own host, same workloads as `execnet-bench host`

ECHO_SOURCE = """
for x in channel:
    channel.send(x)
"""

HOST_WORKLOADS = ["startup", "roundtrip", "pipelined", "bulk", "channels64",
                  "fanout", "fanout.threads", "fanout64", "fanout64.threads"]
CHANNELS = 64  # channels64: echo channels on one gateway ...
CHANNEL_ITEMS = 2000  # ... each driven through this many round trips per run
FANOUT_WIDE = 64  # gateways of fanout64 and fanout64.threads


def channels_workload(execnet, spec, timed, reps):
    """channels64: CHANNELS echo channels on one gateway, opened once; each
    timed run starts one thread per channel, releases them all together and
    ends when the last has done its CHANNEL_ITEMS round trips (send one int,
    receive it back). Starting the threads is outside the clock."""
    clock = time.perf_counter
    group = execnet.Group()
    gw = group.makegateway(spec)
    channels = [gw.remote_exec(ECHO_SOURCE) for _ in range(CHANNELS)]

    def drive(channel, barrier, failures):
        send, receive = channel.send, channel.receive
        try:
            barrier.wait()
            for i in range(CHANNEL_ITEMS):
                send(i)
                value = receive()
                if value != i:
                    raise ValueError("sent %d, received %r" % (i, value))
        except BaseException as error:  # reported after the join
            failures.append(error)

    def once():
        barrier = threading.Barrier(CHANNELS + 1)
        failures = []
        threads = [threading.Thread(target=drive, args=(channel, barrier, failures))
                   for channel in channels]
        for thread in threads:
            thread.start()
        start = clock()
        barrier.wait()  # the last to arrive: releases every thread
        for thread in threads:
            thread.join()
        elapsed = clock() - start
        if failures:
            raise SystemExit("bench_stock: channels64 failed: %r" % (failures[0],))
        return elapsed

    result = timed(once, reps)
    for channel in channels:
        channel.close()
    for channel in channels:
        channel.waitclose(timeout=10)
    group.terminate(timeout=10)
    return result


def run_host(args):
    sys.path.insert(0, os.path.abspath(args.stock))
    import execnet

    clock = time.perf_counter
    spec = args.spec or "popen//python=%s" % args.python
    prelude = args.prelude or []
    only = set(args.only or HOST_WORKLOADS)
    workloads = {}

    def children_cpu():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def timed(once, reps, remote=False):
        """A warm-up call of once(), then `reps` timed calls, gc off; with
        the CPU time (user + system, all threads) of this process over them,
        and with `remote` that of the remote processes they started and ended."""
        warmup = once()
        gc.collect()
        gc.disable()
        try:
            cpu, remote_cpu = time.process_time(), children_cpu()
            seconds = [once() for _ in range(reps)]
            cpu, remote_cpu = time.process_time() - cpu, children_cpu() - remote_cpu
        finally:
            gc.enable()
        result = {"warmup_s": warmup, "seconds": seconds, "cpu_s": cpu}
        if remote:
            result["remote_cpu_s"] = remote_cpu
        return result

    if "startup" in only:
        totals = []

        def startup_once():
            # The hops of a via spec are made before the clock starts.
            made = None
            if prelude:
                made = execnet.Group()
                for hop in prelude:
                    made.makegateway(hop)
            start = clock()
            group = made or execnet.Group()
            gw = group.makegateway(spec)
            channel = gw.remote_exec("channel.send(1)")
            value = channel.receive()
            first = clock() - start
            group.terminate(timeout=10)
            totals.append(clock() - start)
            if value != 1:
                raise SystemExit("bench_stock: startup received %r, not 1" % (value,))
            return first

        result = timed(startup_once, args.startup_runs, remote=True)
        result["through_terminate_s"] = totals[1:]
        workloads["startup"] = result

    streaming = [name for name in ("roundtrip", "pipelined", "bulk") if name in only]
    if streaming:
        group = execnet.Group()
        for hop in prelude:
            group.makegateway(hop)
        gw = group.makegateway(spec)

        def echo_workload(run):
            channel = gw.remote_exec(ECHO_SOURCE)
            result = timed(lambda: run(channel), args.reps)
            channel.close()
            channel.waitclose(timeout=10)
            return result

        def roundtrip(channel):
            send, receive = channel.send, channel.receive
            start = clock()
            for i in range(args.count):
                send(i)
                if receive() != i:
                    raise SystemExit("bench_stock: roundtrip lost item %d" % i)
            return clock() - start

        def pipelined(channel):
            send, receive = channel.send, channel.receive
            start = clock()
            for i in range(args.count):
                send(i)
            for i in range(args.count):
                if receive() != i:
                    raise SystemExit("bench_stock: pipelined lost item %d" % i)
            return clock() - start

        payload = bytes(i & 0xFF for i in range(args.bulk_bytes))

        def bulk(channel):
            send, receive = channel.send, channel.receive
            last = None
            start = clock()
            for _ in range(args.bulk_echoes):
                send(payload)
                last = receive()
                if len(last) != args.bulk_bytes:
                    raise SystemExit("bench_stock: bulk received %d bytes" % len(last))
            elapsed = clock() - start
            if last != payload:
                raise SystemExit("bench_stock: the bulk echo differs from what was sent")
            return elapsed

        for name, run in (("roundtrip", roundtrip), ("pipelined", pipelined), ("bulk", bulk)):
            if name in only:
                workloads[name] = echo_workload(run)
        group.terminate(timeout=10)

    if "channels64" in only:
        workloads["channels64"] = channels_workload(execnet, spec, timed, args.reps)

    def answer_once(gw):
        value = gw.remote_exec("channel.send(1)").receive()
        if value != 1:
            raise SystemExit("bench_stock: fanout received %r, not 1" % (value,))

    def fanout_sequential(gateways):
        start = clock()
        group = execnet.Group()
        for _ in range(gateways):
            answer_once(group.makegateway(spec))
        group.terminate(timeout=10)
        return clock() - start

    def fanout_threads(gateways):
        start = clock()
        group = execnet.Group()
        failures = []

        def one():
            try:
                answer_once(group.makegateway(spec))
            except BaseException as error:  # reported after the join
                failures.append(error)

        threads = [threading.Thread(target=one) for _ in range(gateways)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        group.terminate(timeout=10)
        elapsed = clock() - start
        if failures:
            raise SystemExit("bench_stock: fanout.threads (%d gateways) failed: %r"
                             % (gateways, failures[0]))
        return elapsed

    for name, run, gateways in (
            ("fanout", fanout_sequential, args.fanout),
            ("fanout.threads", fanout_threads, args.fanout),
            ("fanout64", fanout_sequential, FANOUT_WIDE),
            ("fanout64.threads", fanout_threads, FANOUT_WIDE)):
        if name in only:
            workloads[name] = timed(lambda run=run, n=gateways: run(n), args.reps, remote=True)

    result = {
        "host": "stock execnet %s on %s %s" % (
            execnet.__version__, platform.python_implementation(), platform.python_version()),
        "python": args.python,
        "gateway_base": "%s exact" % execnet.__version__,
        "count": args.count,
        "bulk_bytes": args.bulk_bytes,
        "bulk_echoes": args.bulk_echoes,
        "fanout": args.fanout,
        "fanout_mode": "sequential makegateway calls (fanout.threads: one thread per gateway)",
        "workloads": workloads,
    }
    print(json.dumps(result, sort_keys=True))
    return 0


# --------------------------------------------------------------------------
# rsync: stock execnet's own RSync, same interface as `execnet-bench rsync`


def run_rsync(args):
    sys.path.insert(0, os.path.abspath(args.stock))
    import shutil
    import execnet

    clock = time.perf_counter
    source = os.path.abspath(args.source)
    dests = [os.path.abspath(dest) for dest in args.dest]
    group = execnet.Group()
    gateways = [group.makegateway("popen//python=%s//id=gw%d" % (args.python, index))
                for index in range(len(dests))]
    try:
        for _ in range(args.runs):
            if args.clear:
                for dest in dests:
                    if os.path.lexists(dest):
                        shutil.rmtree(dest)
            sent = [0]
            gc.collect()
            gc.disable()
            try:
                cpu = time.process_time()
                start = clock()
                rsync = execnet.RSync(source, verbose=False)

                # Called by stock for every file whose data it sends (after
                # it stored the size in _paths); with verbose=False it would
                # only return.
                def count(gateway, relative, rsync=rsync):
                    sent[0] += rsync._paths[relative]

                rsync._report_send_file = count
                for gateway, dest in zip(gateways, dests):
                    rsync.add_target(gateway, dest)
                rsync.send()
                seconds = clock() - start
                cpu = time.process_time() - cpu
            finally:
                gc.enable()
            del rsync
            print(json.dumps({"workload": "rsync", "targets": len(dests), "seconds": seconds,
                              "cpu_seconds": cpu, "bytes_sent": sent[0]}, sort_keys=True))
            sys.stdout.flush()
    finally:
        group.terminate(timeout=10)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="bench_stock.py")
    commands = parser.add_subparsers(dest="command")
    codec = commands.add_parser("codec", help="dumps_internal/loads_internal throughput")
    codec.add_argument("--stock", required=True, help="directory containing execnet/")
    codec.add_argument("--dump-out", help="write the stock dump of the corpus here")
    codec.add_argument("--records", type=int, default=STANDARD_RECORDS)
    codec.add_argument("--min-time", type=float, default=1.0)
    codec.add_argument("--min-reps", type=int, default=7)
    codec.set_defaults(run=run_codec)
    host = commands.add_parser("host", help="stock's own host over popen")
    host.add_argument("--stock", required=True, help="directory containing execnet/")
    host.add_argument("--python", required=True, help="remote interpreter")
    host.add_argument("--startup-runs", type=int, default=10)
    host.add_argument("--reps", type=int, default=5)
    host.add_argument("--count", type=int, default=20000)
    host.add_argument("--bulk-bytes", type=int, default=1 << 20)
    host.add_argument("--bulk-echoes", type=int, default=300)
    host.add_argument("--fanout", type=int, default=16)
    host.add_argument("--spec", help="gateway spec instead of popen//python=PYTHON")
    host.add_argument("--prelude", action="append",
                      help="a gateway made first in every group, outside the clock")
    host.add_argument("--only", action="append", choices=HOST_WORKLOADS)
    host.set_defaults(run=run_host)
    rsync = commands.add_parser("rsync", help="stock's own RSync to popen targets")
    rsync.add_argument("--stock", required=True, help="directory containing execnet/")
    rsync.add_argument("--python", required=True, help="remote interpreter")
    rsync.add_argument("--source", required=True, help="the tree to send")
    rsync.add_argument("--dest", required=True, action="append",
                       help="a destination (one popen gateway each); repeatable")
    rsync.add_argument("--runs", type=int, default=1)
    rsync.add_argument("--clear", action="store_true",
                       help="remove the destinations before each run (outside the clock)")
    rsync.set_defaults(run=run_rsync)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_usage(sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
