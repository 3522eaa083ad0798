#!/usr/bin/env python3
"""Summarise the runs of bench/compare: medians, min/max spreads, per-round ratios.

Reads WORK/<key>.<side>.<round>.json (side: wdfio or fio; stack uses wdfio) and
prints a table, or one JSON object with --json. Stdlib only.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path


def load(path):
    text = path.read_text()
    # fio may print notes before its JSON object
    return json.loads(text[text.index("{"):])


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "values": values}


def fio_iops(d):
    return d["jobs"][0]["read"]["iops"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--size-mib", type=int, required=True)
    ap.add_argument("--elapsed-ms", type=int, required=True)
    ap.add_argument("--fio-version", required=True)
    ap.add_argument("--warnings", required=True)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    work = Path(a.work)
    rounds = range(1, a.rounds + 1)

    def get(key, side):
        return [load(work / f"{key}.{side}.{r}.json") for r in rounds]

    rows = []  # each: name, a, b (or None), ratio (or None), labels, unit

    def row(name, unit, a_label, a_vals, b_label=None, b_vals=None, ratio_label=None, ratios=None, note=""):
        rows.append({
            "pair": name, "unit": unit, "note": note,
            "a": {"label": a_label, **spread(a_vals)},
            "b": {"label": b_label, **spread(b_vals)} if b_vals is not None else None,
            "ratio": {"label": ratio_label, **spread(ratios)} if ratios is not None else None,
        })

    for qd in (32, 1):
        w = get(f"raw_qd{qd}", "wdfio")
        row(f"uring-raw qd{qd} iops", "IOPS", "raw liburing", [d["raw_iops"] for d in w],
            "wdfio", [d["iops"] for d in w], "wdfio/raw", [d["ratio"] for d in w],
            "same process, wdfio always first")
        row(f"uring-raw qd{qd} cpu", "ns/req", "raw liburing", [d["raw"]["cpu_ns_per_request"] for d in w],
            "wdfio", [d["cpu_ns_per_request"] for d in w], "wdfio/raw",
            [d["cpu_ns_per_request"] / d["raw"]["cpu_ns_per_request"] for d in w])
    for qd in (32, 1):
        w, f = get(f"fio_qd{qd}", "wdfio"), get(f"fio_qd{qd}", "fio")
        wi, fi = [d["iops"] for d in w], [fio_iops(d) for d in f]
        row(f"uring-fio qd{qd} iops", "IOPS", "fio io_uring", fi, "wdfio", wi, "wdfio/fio",
            [x / y for x, y in zip(wi, fi)], "alternating order")
    s = get("stack", "wdfio")
    for lv in ("1", "2", "4"):
        row(f"stack {lv} level{'s' if lv != '1' else ''}", "ns/req", "wdfio", [d["ns_per_request"][lv] for d in s])
    row("stack hop vs NOP", "ns", "io_uring NOP (batch 32)", [d["ns_per_nop_batch32"] for d in s],
        "wdfio hop", [d["ns_per_hop"] for d in s], "hop/NOP", [d["hop_over_nop"] for d in s])
    sb = get("stack_busy", "wdfio")
    row("stack hop vs NOP, busy", "ns", "io_uring NOP (batch 32)", [d["ns_per_nop_batch32"] for d in sb],
        "wdfio hop", [d["ns_per_hop"] for d in sb], "hop/NOP", [d["hop_over_nop"] for d in sb],
        "beside one CPU-bound process")
    for key, when, target in (("handover", "quiet", 0.85), ("handover_busy", "busy", 0.50)):
        h = get(key, "wdfio")
        row(f"handover qd32 iops, {when}", "IOPS", "raw liburing 1 thread", [d["raw_iops"] for d in h],
            "wdfio hand-over", [d["handover_iops"] for d in h], "wdfio/raw", [d["ratio"] for d in h],
            f"same process, raw first; target >= {target} (not checked)")
    w, f = get("threads", "wdfio"), get("threads", "fio")
    bad = [d["backend"] for d in w if d["backend"] != "threads"]
    if bad:
        sys.exit(f"compare: WDFIO_BACKEND=threads ran on backend {bad[0]!r}")
    wi, fi = [d["iops"] for d in w], [fio_iops(d) for d in f]
    row("threads-psync iops", "IOPS", "fio psync x2 jobs", fi, "wdfio threads qd8", wi, "wdfio/fio",
        [x / y for x, y in zip(wi, fi)], "2 threads each; alternating order")

    on, off = [d["iops"] for d in get("recorder_on", "wdfio")], [d["iops"] for d in get("recorder_off", "wdfio")]
    row("recorder qd32 iops", "IOPS", "recorder off", off, "recorder on", on, "on/off",
        [x / y for x, y in zip(on, off)], "alternating order; target >= 0.97 (not checked)")

    w = get("fixed_qd32", "wdfio")
    bad = [d for d in w if not d.get("fixed_buffers") or d["backend"] != "io_uring"]
    if bad:
        sys.exit(f"compare: the fixedbufs pair ran without fixed buffers on io_uring (backend {bad[0]['backend']!r})")
    row("fixedbufs qd32 iops", "IOPS", "raw liburing fixed", [d["raw_iops"] for d in w],
        "wdfio fixed", [d["iops"] for d in w], "wdfio/raw", [d["ratio"] for d in w],
        "same process, wdfio always first; issue 16 target >= 0.95 (not checked)")
    row("fixedbufs qd32 cpu", "ns/req", "raw liburing fixed", [d["raw"]["cpu_ns_per_request"] for d in w],
        "wdfio fixed", [d["cpu_ns_per_request"] for d in w], "wdfio/raw",
        [d["cpu_ns_per_request"] / d["raw"]["cpu_ns_per_request"] for d in w])

    one, two = get("engines1", "wdfio"), get("engines2", "wdfio")
    row("engines x2 qd32 iops", "IOPS", "1 engine thread", [d["iops"] for d in one],
        "2 engine threads", [d["iops"] for d in two], "2/1", [b["iops"] / a["iops"] for a, b in zip(one, two)],
        "2 sending threads, qd 32 each; alternating order; issue 16 target >= 1.7 (not checked)")
    row("engines x2 vs raw x2 iops", "IOPS", "raw liburing 2 rings", [d["raw_iops"] for d in two],
        "wdfio 2 engine threads", [d["iops"] for d in two], "wdfio/raw", [d["ratio"] for d in two],
        "2 threads each, same process, wdfio first; issue 16 target >= 0.90 (not checked)")

    m = load(work / "memory.json")
    one = next(st for st in m["stacks"] if st["levels"] == 1)
    row("memory sizeof(Request)", "bytes", "sizeof", [m["sizeof_request"]])
    row(f"memory qd{m['count']} 1 level", "B/req", "created (heap)", [one["created_bytes_per_request"]],
        "in flight (+location)", [one["in_flight_bytes_per_request"]],
        note="heap per request, sender -> RAM disk; issue 5 target <= 512 (not checked)")
    row("memory timed send", "B/req", "timer wheel extra", [one["timed_extra_bytes_per_request"]])
    if "fixed" in m:
        row("memory fixed-buffer reads", "B/req", "created (heap)", [m["fixed"]["created_bytes_per_request"]],
            "in flight extra", [m["fixed"]["in_flight_extra_bytes_per_request"]],
            note="READ_FIXED reads held at the OS (an empty pipe), one registered Memory")

    warnings = [l for l in Path(a.warnings).read_text().splitlines() if l]
    meta = {"mode": a.mode, "rounds": a.rounds, "time_s": a.seconds, "file_mib": a.size_mib,
            "fio_version": a.fio_version, "elapsed_s": a.elapsed_ms / 1000}
    if a.json:
        json.dump({**meta, "pairs": rows, "memory": m, "warnings": warnings}, sys.stdout, separators=(",", ":"))
        print()
        return

    def fmt(v, unit):
        if unit == "IOPS":
            return f"{v / 1000:.0f}k"
        return f"{v:.1f}"

    def cell(side, unit):
        if side is None:
            return ("", "", "")
        return (side["label"], fmt(side["median"], unit), f"{fmt(side['min'], unit)}-{fmt(side['max'], unit)}")

    print(f"wdfio bench/compare, {a.mode} mode: {a.rounds} rounds, {a.seconds:g} s per run, "
          f"{a.size_mib} MiB page-cached file, {a.fio_version}")
    print("medians over rounds; [min-max]; ratios are per round (adjacent runs), then the median\n")
    hdr = ("pair", "unit", "A", "A median", "A min-max", "B", "B median", "B min-max", "ratio", "median", "min-max")
    table = [hdr]
    for r in rows:
        ra = r["ratio"]
        table.append((r["pair"], r["unit"], *cell(r["a"], r["unit"]), *cell(r["b"], r["unit"]),
                      *((ra["label"], f"{ra['median']:.3f}", f"{ra['min']:.3f}-{ra['max']:.3f}") if ra else ("", "", ""))))
    widths = [max(len(t[i]) for t in table) for i in range(len(hdr))]
    for i, t in enumerate(table):
        print("  ".join(c.ljust(w) if j in (0, 1, 2, 5, 8) else c.rjust(w) for j, (c, w) in enumerate(zip(t, widths))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("\nnotes: uring-raw: one process, wdfio then raw liburing (order fixed by the tool); "
          "uring-fio: fio io_uring with batch submit/complete 32, fixedbufs, registerfiles;")
    print("       handover: every send from a thread other than the engine's, QD 32; busy: beside one "
          "`yes >/dev/null` the harness starts; issue 16's targets: >= 0.85 quiet, >= 0.50 busy (reports, not checks)")
    print("       threads-psync: WDFIO_BACKEND=threads, 1 engine thread at QD 8 over the 2-worker pool, "
          "against fio psync numjobs=2 (2 threads each)")
    print("       recorder: wdfio bench as uring-raw's wdfio side, in-flight recorder on and WDFIO_RECORDER=off; "
          "issue 13's target is a ratio >= 0.97 (a report, not a check)")
    print("       fixedbufs: uring-raw's load with registered buffers on both sides (wdfio --fixedbufs: "
          "Memory::allocate_registered; raw: io_uring_register_buffers), READ_FIXED; issue 16's target is a ratio "
          ">= 0.95 (a report, not a check)")
    print(f"       memory: heap bytes (mallinfo2) per request with {m['count']} held at once; in flight = the sender's "
          f"request + the queue-delivered one at the RAM disk; issue 5 target: <= 512 per in-flight request")
    if warnings:
        print(f"\n{len(warnings)} warning(s):")
        for w in warnings:
            print("  " + w)
    print(f"\ntotal time {a.elapsed_ms / 1000:.1f} s")


if __name__ == "__main__":
    main()
