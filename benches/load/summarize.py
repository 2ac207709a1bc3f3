"""Summarises a run of benches/load/run.sh: python3 summarize.py benches/load/results/<date>."""

import glob
import os
import re
import statistics
import sys

OUT = sys.argv[1]
STORES = ["memory", "sqlite", "postgres", "redis"]


def unit(value, suffix):
    value = float(value)
    return value * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[suffix]


def wrk(path):
    """req/s, p50 ms, p99 ms, requests, non-2xx of one wrk output."""
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = p99 = None
    m = re.search(r"\s50%\s+([\d.]+)(us|ms|s|m)\b", text)
    if m:
        p50 = unit(*m.groups())
    m = re.search(r"\s99%\s+([\d.]+)(us|ms|s|m)\b", text)
    if m:
        p99 = unit(*m.groups())
    total = int(re.search(r"(\d+) requests in", text).group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    bad = int(m.group(1)) if m else 0
    return rps, p50, p99, total, bad


def kv(path):
    out = {}
    for line in open(path):
        key, _, value = line.strip().partition("=")
        out[key] = value
    return out


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


stores = [s for s in STORES if glob.glob(f"{OUT}/tp-{s}-*")]
print(open(f"{OUT}/machine.txt").read().rstrip().replace("\n", "  \n"))
print()
print("## Throughput (wrk -t1, median of the rounds; latencies in ms)")
print()
print("| store | route | ours req/s | peer req/s | ours/peer | ours p50 | peer p50 | ours p99 | peer p99 | errors ours/peer |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
protected_over_bare = {}
for store in stores:
    per = {}
    for route in ["bare", "protected"]:
        row = {}
        for side in ["ours", "peer"]:
            runs = [wrk(p) for p in sorted(glob.glob(f"{OUT}/tp-{store}-{route}-{side}-*.txt"))]
            row[side] = (
                med([r[0] for r in runs]),
                med([r[1] for r in runs]),
                med([r[2] for r in runs]),
                sum(r[4] for r in runs),
            )
        per[route] = row
        o, p = row["ours"], row["peer"]
        print(
            f"| {store} | /{route} | {fmt(o[0])} | {fmt(p[0])} | {fmt(ratio(o[0], p[0]), 2)}x | {fmt(o[1], 2)} | {fmt(p[1], 2)} "
            f"| {fmt(o[2], 2)} | {fmt(p[2], 2)} | {o[3]}/{p[3]} |"
        )
    protected_over_bare[store] = ratio(per["protected"]["ours"][0], per["bare"]["ours"][0])
print()
print("ours /protected ÷ ours /bare: " + ", ".join(f"{s} {fmt(v, 2)}" for s, v in protected_over_bare.items()))
print()
print("## /protected while 8 connections post logins at bcrypt cost 12")
print()
print("| store | side | p99 alone | p99 under logins | ratio | req/s alone | req/s under logins | logins/s (cost 12) |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for store in stores:
    for side in ["ours", "peer"]:
        try:
            alone = wrk(f"{OUT}/alone-{store}-{side}.txt")
            under = wrk(f"{OUT}/underlogin-{store}-{side}.txt")
            logins = wrk(f"{OUT}/logins12-{store}-{side}.txt")
        except (FileNotFoundError, AttributeError):
            continue
        print(
            f"| {store} | {side} | {fmt(alone[2], 2)} | {fmt(under[2], 2)} | {fmt(ratio(under[2], alone[2]), 2)}x "
            f"| {fmt(alone[0])} | {fmt(under[0])} | {fmt(logins[0], 1)} |"
        )
print()
print("## Logins at bcrypt cost 4 (8 connections), and what each session costs")
print()
print("| store | side | logins/s | ours/peer | sessions made | RSS bytes/session | store bytes/session | Redis MEMORY USAGE/key |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for store in stores:
    rows = {}
    for side in ["ours", "peer"]:
        try:
            logins = wrk(f"{OUT}/logins4-{store}-{side}.txt")
            mem = kv(f"{OUT}/mem-{store}-{side}.txt")
        except (FileNotFoundError, AttributeError):
            continue
        made = logins[3] - logins[4]
        rss = (int(mem["rss_kb_after"]) - int(mem["rss_kb_before"])) * 1024 / made if made else None
        store_per = None
        if store != "memory":
            try:
                sessions = int(mem["sessions_after"]) - int(mem["sessions_before"])
                store_per = (int(mem["store_bytes_after"]) - int(mem["store_bytes_before"])) / sessions
                made = sessions
            except (ValueError, ZeroDivisionError):
                pass
        rows[side] = (logins[0], made, rss, store_per, mem.get("redis_memory_usage_per_key", "-"))
    for side, (rps, made, rss, store_per, key_bytes) in rows.items():
        r = ratio(rows["ours"][0], rows["peer"][0]) if side == "ours" and "peer" in rows and "ours" in rows else None
        print(
            f"| {store} | {side} | {fmt(rps, 1)} | {fmt(r, 2) + 'x' if r else ''} | {made:,} "
            f"| {fmt(rss) if store == 'memory' else '(n/a)'} | {fmt(store_per)} | {key_bytes} |"
        )
