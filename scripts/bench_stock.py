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

Lives next to scripts/bench; a future benchmark adds a subcommand here.
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
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
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_usage(sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
