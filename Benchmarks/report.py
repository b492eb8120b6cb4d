"""Prints the ingest benchmarks of one run side by side: each figure beside its baseline.

Reads the influx CSV that `swift package benchmark --format influx` writes; uses the median
(p50) of each metric. Wall-clock values in that file are nanoseconds.
"""
import csv
import sys

rows = {}
with open(sys.argv[1], newline="") as file:
    lines = [line for line in file if not line.startswith("#")]
for row in csv.DictReader(lines):
    if float(row["percentile"]) == 50.0:
        rows[(row["test"], row["metric"])] = float(row["value"])


def value(prefix, metric):
    for (test, name), number in rows.items():
        if test.startswith(prefix) and name == metric:
            return number
    return None


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


calls = 50_000
print("seen() against the cache trick (Mutex<[String: Date]>), median of 50,000-call iterations")
print(f"{'':34} {'ns/call':>8} {'mallocs/call':>13} {'ratio':>8}")
for threads in (1, 2):
    seen = value(f"seen() x{calls}, {threads} thread", "Time(wallclock)")
    base = value(f"baseline cache x{calls}, {threads} thread", "Time(wallclock)")
    seen_mallocs = value(f"seen() x{calls}, {threads} thread", "Malloc(total)")
    base_mallocs = value(f"baseline cache x{calls}, {threads} thread", "Malloc(total)")
    if seen and base:
        print(f"{'seen(), ' + str(threads) + ' thread(s)':34} {seen / calls:8.1f} {seen_mallocs / calls:13.4f} {ratio(seen, base):>8}")
        print(f"{'baseline cache, ' + str(threads) + ' thread(s)':34} {base / calls:8.1f} {base_mallocs / calls:13.4f} {'1.00x':>8}")
print("(with 2 threads, ns/call is wall time over all calls of both threads)")

tracker = value("end-to-end x1000000, tracker", "Time(wallclock)")
psql = value("end-to-end x1000000, psql copy", "Time(wallclock)")
naive = value("end-to-end x10000, one INSERT", "Time(wallclock)")
if tracker or psql or naive:
    print()
    print("end-to-end ingest into the embedded server, median of the iterations")
    print(f"{'':34} {'seconds':>8} {'events/s':>10} {'vs psql':>8}")
    psql_rate = 1_000_000 / (psql / 1e9) if psql else None
    for name, nanos, count in (("tracker, seen() to commit", tracker, 1_000_000), ("psql \\copy from a file", psql, 1_000_000),
                               ("one INSERT per event (10,000)", naive, 10_000)):
        if nanos:
            rate = count / (nanos / 1e9)
            print(f"{name:34} {nanos / 1e9:8.2f} {rate:10.0f} {ratio(rate, psql_rate):>8}")

memory = value("tracker memory", "trackerresidentbytes") or value("tracker memory", "tracker resident bytes")
if memory is not None:
    print()
    print(f"tracker at default capacity (65,536 events), full: {memory / 2**20:.1f} MiB resident")
