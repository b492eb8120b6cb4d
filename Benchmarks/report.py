"""Prints the benchmarks of one run side by side: each figure beside its baseline.

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


spread = {}
for row in csv.DictReader(lines):
    spread[(row["test"], row["metric"], float(row["percentile"]))] = float(row["value"])


def runs(prefix, metric):
    """The median, fastest and slowest of a metric recorded once per run."""
    for (test, name, percentile), number in spread.items():
        if test.startswith(prefix) and name == metric and percentile == 50.0:
            return number, spread[(test, name, 0.0)], spread[(test, name, 100.0)]
    return None


if runs("seen() against the stamps, 1 thread", "seenpspercall"):
    print("seen() against the cache stamp under one lock and under 64, 2,000,000 calls a run, 11 runs;")
    print("ns per call is wall time over all threads' calls; median run [fastest, slowest]")
    print(f"{'':28} {'seen()':>22} {'stamp':>22} {'sharded stamp':>22} {'seen/stamp':>20} {'seen/sharded':>20}")
    for threads in (1, 2, 4, 8):
        prefix = f"seen() against the stamps, {threads} thread"
        cells = []
        for metric, scale, unit in (("seenpspercall", 1000, ""), ("stamppspercall", 1000, ""), ("shardedstamppspercall", 1000, ""),
                                    ("seenoverstamppermille", 1000, "x"), ("seenovershardedstamppermille", 1000, "x")):
            figures = runs(prefix, metric)
            if figures is None:
                cells.append("n/a")
                continue
            median, low, high = (number / scale for number in figures)
            digits = 2 if unit else 1
            cells.append(f"{median:.{digits}f}{unit} [{low:.{digits}f}, {high:.{digits}f}]")
        print(f"{str(threads) + ' thread(s)':28} " + " ".join(f"{cell:>22}" if i < 3 else f"{cell:>20}" for i, cell in enumerate(cells)))
    allocations = value("seen() allocations", "Malloc(total)")
    if allocations is not None:
        print(f"seen() allocations: {allocations / 2_000_000:.4f} per call (2,000,000 calls on 8 threads, median of 3)")

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

writer = value("end-to-end x1000000, writer batches", "Time(wallclock)")
copy = value("end-to-end x1000000, PostgresNIO copy", "Time(wallclock)")
if writer or copy:
    print()
    print("the writer alone against COPY, batches of 16,384, median of the iterations")
    print(f"{'':34} {'seconds':>8} {'events/s':>10} {'vs COPY':>8}")
    copy_rate = 1_000_000 / (copy / 1e9) if copy else None
    for name, nanos in (("EventLogWriter (bound arrays)", writer), ("PostgresNIO COPY, same batches", copy)):
        if nanos:
            rate = 1_000_000 / (nanos / 1e9)
            print(f"{name:34} {nanos / 1e9:8.2f} {rate:10.0f} {ratio(rate, copy_rate):>8}")

memory = value("tracker memory", "trackerresidentbytes") or value("tracker memory", "tracker resident bytes")
if memory is not None:
    print()
    print(f"tracker at default capacity (65,536 events), full: {memory / 2**20:.1f} MiB resident")

catch_up = value("catch-up x1000000", "Time(wallclock)")
rebuild = value("rebuild x1000000", "Time(wallclock)")
plain = value("plain SQL presence_current x1000000", "Time(wallclock)")
if catch_up or rebuild or plain:
    print()
    print("projector over a log of 1,000,000 events (100,000 users, 30 days), median of the iterations")
    print(f"{'':40} {'seconds':>8} {'events/s':>10} {'ratio':>8}")
    rebuild_rate = 1_000_000 / (rebuild / 1e9) if rebuild else None
    plain_rate = 1_000_000 / (plain / 1e9) if plain else None
    if catch_up:
        rate = 1_000_000 / (catch_up / 1e9)
        print(f"{'catch-up in batches, vs rebuild':40} {catch_up / 1e9:8.2f} {rate:10.0f} {ratio(rate, rebuild_rate):>8}")
    if rebuild:
        print(f"{'rebuild in one pass, vs plain SQL':40} {rebuild / 1e9:8.2f} {rebuild_rate:10.0f} {ratio(rebuild_rate, plain_rate):>8}")
    if plain:
        print(f"{'plain SQL, presence_current only':40} {plain / 1e9:8.2f} {plain_rate:10.0f} {'1.00x':>8}")

fresh_p50 = value("freshness", "freshnessp50(ms)")
fresh_p99 = value("freshness", "freshnessp99(ms)")
if fresh_p50 is not None:
    probes = value("freshness", "freshnessprobes")
    print()
    print(f"freshness at 10,000 events/s, seen() to online_users: p50 {fresh_p50:.0f} ms, p99 {fresh_p99:.0f} ms ({probes:.0f} probes)")

reports = [("activity by day", "activity, day buckets"), ("activity by hour", "activity, hour buckets"),
           ("sessions", "sessions, projector's gap"), ("active users", "active users (DAU/WAU/MAU)"),
           ("concurrency by hour", "concurrency, hour buckets"), ("concurrency by day", "concurrency, day buckets"),
           ("busiest locations", "busiest locations (window)"), ("online at a prefix", "online at /forum/ (window)"),
           ("viewers of a profile", "viewers of /profile/42"), ("lifecycle by week", "lifecycle, ISO weeks"),
           ("retention by week", "retention, ISO weeks")]
report_rows = []
for events in (1_000_000, 10_000_000):
    for name, label in reports:
        projected = value(f"{name} x{events}, projections", "Time(wallclock)")
        raw = value(f"{name} x{events}, raw log", "Time(wallclock)")
        if projected or raw:
            report_rows.append((f"{events:,}", label, projected, raw))
if report_rows:
    print()
    print("reports over 30 days (Europe/Berlin), from the projections against the raw log; median of the iterations")
    print("(concurrency: from the online spans against runs cut from the range's events of the log;")
    print(" busiest locations and online at a prefix: at one moment, from the threshold's window of the log against the whole log;")
    print(" viewers: 30 days to a moment inside a quarter hour, from location_visits against the log's events of the range;")
    print(" lifecycle and retention: from the activity rollup against the range's events and each user's first event in the whole log;")
    print(" retention runs to 2026-11-10, a week and a half after the data ends)")
    print(f"{'events':>10}  {'report':28} {'projections ms':>14} {'raw log ms':>11} {'raw/proj':>9}")
    for events, label, projected, raw in report_rows:
        shown = [(f"{nanos / 1e6:.2f}" if nanos < 1e7 else f"{nanos / 1e6:.0f}") if nanos else "n/a" for nanos in (projected, raw)]
        print(f"{events:>10}  {label:28} {shown[0]:>14} {shown[1]:>11} {ratio(raw, projected):>9}")

http_rates = {batch: value(f"http ingest x500000, batches of {batch}", "eventspersecond") for batch in (100, 1000)}
library_rate = value("library ingest x500000", "eventspersecond")
if library_rate or any(http_rates.values()):
    print()
    print("presence serve: 500,000 events into the log, 8 connections on loopback, median of the iterations")
    print(f"{'':40} {'events/s':>10} {'vs library':>11}")
    for batch, rate in http_rates.items():
        if rate:
            print(f"{'POST /v1/events, batches of ' + format(batch, ','):40} {rate:10.0f} {ratio(rate, library_rate):>11}")
    if library_rate:
        print(f"{'library: seen() until committed':40} {library_rate:10.0f} {'1.00x':>11}")

middleware_tests = (
    ("PresenceMiddleware", "in process (router responder)", "request in process"),
    ("PresenceMiddleware", "over loopback HTTP", "request over loopback HTTP"),
    ("PresenceVapor's PresenceMiddleware", "in process (responder on its event loop)", "vapor request in process"),
    ("PresenceVapor's PresenceMiddleware", "over loopback HTTP", "vapor request over loopback HTTP"),
)
for middleware, place, test in middleware_tests:
    with_p50 = value(test, "p50with(ns)")
    if with_p50 is None:
        continue
    with_p99 = value(test, "p99with(ns)")
    without_p50 = value(test, "p50without(ns)")
    without_p99 = value(test, "p99without(ns)")
    print()
    print(f"{middleware}, a trivial route {place}, requests alternating with and without it")
    print(f"{'':20} {'p50 ns':>9} {'p99 ns':>9}")
    print(f"{'with':20} {with_p50:9.0f} {with_p99:9.0f}")
    print(f"{'without':20} {without_p50:9.0f} {without_p99:9.0f}")
    print(f"{'overhead':20} {with_p50 - without_p50:9.0f} {with_p99 - without_p99:9.0f}")

concurrent = runs("requests in process from 8 concurrent clients", "concurrentwithnsperrequest")
if concurrent:
    without = runs("requests in process from 8 concurrent clients", "concurrentwithoutnsperrequest")
    ratio_runs = runs("requests in process from 8 concurrent clients", "concurrentwithoverwithoutpermille")
    print()
    print("PresenceMiddleware, a trivial route in process, 8 concurrent clients, 21 rounds of 5,000 requests each;")
    print("wall time per request over all clients, median round [fastest, slowest]")
    print(f"{'with':20} {concurrent[0]:7.0f} ns [{concurrent[1]:.0f}, {concurrent[2]:.0f}]")
    print(f"{'without':20} {without[0]:7.0f} ns [{without[1]:.0f}, {without[2]:.0f}]")
    print(f"{'added':20} {concurrent[0] - without[0]:7.0f} ns; with/without {ratio_runs[0] / 1000:.2f}x [{ratio_runs[1] / 1000:.2f}, {ratio_runs[2] / 1000:.2f}]")

growth_labels = [
    ("growth_events", "events in the history"), ("growth_ingest", "ingest (writer, batches of 5,000), events/s"),
    ("growth_catch_up", "catch-up of the new events, events/s"), ("growth_idle_wake_up", "follower's idle wake-up, us"),
    ("growth_freshness_p50", "freshness p50 at 5,000 events/s, ms"), ("growth_freshness_p99", "freshness p99, ms"),
    ("growth_activity_hour", "activity by hour (1 day), us"), ("growth_activity_day", "activity by day (7 days, Berlin), us"),
    ("growth_sessions", "sessions (7 days), us"), ("growth_sessions_other_gap", "sessions, 10 min gap (1 day), us"),
    ("growth_active_users", "active users (7 days), us"), ("growth_hour_by_weekday", "hour by weekday (7 days), us"),
    ("growth_online", "online at a past moment, us"),
    ("growth_concurrency_hour", "concurrency by hour (1 day), us"),
    ("growth_concurrency_other_threshold", "concurrency, 10 min threshold (1 day), us"),
    ("growth_viewers", "viewers of a page (7 days), us"),
    ("growth_concurrency_packed", "concurrency by hour (1 packed day, 40 days ago), us"),
    ("growth_viewers_packed", "viewers of a page (7 packed days, 36 to 43 days ago), us"),
    ("growth_lifecycle", "lifecycle by ISO week (4 weeks), us"),
    ("growth_retention", "retention by ISO week (4 weeks of cohorts), us"),
    ("growth_last_seen_as_of", "last-seen --as-of from the log, us"),
    ("growth_history", "history of a user (7 days), us"), ("growth_projector_status", "projector status, us"),
    ("growth_erase", "erase a new user of 20 events, us"),
    ("growth_http_online", "HTTP GET /v1/online, us"), ("growth_http_last_seen", "HTTP GET last-seen?as_of, us"),
    ("growth_http_active_users", "HTTP GET active-users (7 days), us"),
    ("growth_rebuild_milliseconds", "rebuild beside the live projections, ms"), ("growth_rebuild_rate", "rebuild, events/s"),
    ("growth_bytes_per_event", "database, bytes/event"), ("growth_log_bytes_per_event", "log, bytes/event"),
    ("growth_activity_bytes_per_event", "user_activity and its packed days, bytes/event"),
    ("growth_sessions_bytes_per_event", "user_sessions, bytes/event"),
    ("growth_current_bytes_per_event", "presence_current, bytes/event"),
    ("growth_online_spans_bytes_per_event", "user_online_spans, bytes/event"),
    ("growth_location_visits_bytes_per_event", "location_visits, bytes/event"),
]


def growth_value(history, metric):
    wanted = metric.replace("_", "")
    for (test, name), number in rows.items():
        if test.startswith(f"growth, {history} history") and name.replace("_", "").replace(" ", "").lower() == wanted:
            return number
    return None


growth = [(label, growth_value("short", metric), growth_value("long", metric)) for metric, label in growth_labels]
if any(short is not None or long is not None for _, short, long in growth):
    print()
    print("growth: the same new events and ranges against 45 days and a year of history, one run")
    print(f"{'':44} {'45 days':>12} {'a year':>12} {'year/45 days':>13}")
    for label, short, long in growth:
        shown = [f"{v:,.0f}" if v is not None else "n/a" for v in (short, long)]
        print(f"{label:44} {shown[0]:>12} {shown[1]:>12} {ratio(long, short):>13}")
