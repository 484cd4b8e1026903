#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn dmio_bench samples into the `make bench` table, JSON and plots.

    bench_report.py OUTDIR SUITE=ABI=SMP=CLOCK=RAW...

RAW is the text dmio_bench left in debugfs (tests/selftest/bench.c) for one
guest run with SMP virtual CPUs and CLOCK "icount" (guest time counts
instructions) or "host" (guest time follows the host's clock). Per cell and
engine: requests per second per repetition (min/median/max), the median CPU
time per request (busy time of all CPUs / requests) and, for asynchronous
cells, the median over repetitions of each repetition's completion latency
p50 and p99 (submit to callback). Ratios are of throughput, the other
engine's in the denominator, the median of the ratios of each repetition
(whose engines ran back to back): above 1.00 dmio is faster. "best" takes,
per repetition, the faster of dmio's two completion modes. Writes
OUTDIR/table.txt, OUTDIR/bench.json and, per run, OUTDIR/regions-RUN.{dat,gp}
for gnuplot (regions-RUN.png).

Copy cells (named copy-*) compare dmio_copy() ("dmio") with the kernel's
dm_kcopyd_copy() ("kcopyd") and get a table of their own: MiB of the source
copied per second, CPU time per MiB, the throughput ratio dmio/kcopyd (the
median of the per-repetition ratios) and the completion latency per copy.
"""
import json
import statistics
import sys

ENGINES = ("dmio", "dmio-endio", "dm-io", "bare")
DEVICES = {
    "nb-none": "null_blk irqmode=0: completes inside submit_bio(), in the "
               "submitter; measures the path length, not a completion",
    "nb-soft": "null_blk irqmode=1: completes from a softirq",
    "nb-t10us": "null_blk irqmode=2: completes from a timer after 10 us",
    "nb-t100us": "null_blk irqmode=2: completes from a timer after 100 us",
    "brd": "brd /dev/ram0: copies the data inside submit_bio()",
}
ASYNC_DEVS = ("nb-soft", "nb-t10us", "nb-t100us")
COPY_ENGINES = ("dmio", "kcopyd")
MIB = 1 << 20


def is_copy(name):
    return name.startswith("copy-")


def parse(path):
    samples, reserve, header = [], {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if words[0] == "sample":
                samples.append(kv)
            elif words[0] == "reserve":
                reserve[kv.pop("engine")] = {k: (int(v) if v.isdigit() else v)
                                             for k, v in kv.items()}
            elif words[0] == "bench":
                header = kv
    return header, reserve, samples


def sample_of(s):
    ios, wall, busy = int(s["ios"]), int(s["wall_ns"]), int(s["busy_ns"])
    r = {"rep": int(s["rep"]), "ios": ios, "wall_ns": wall,
         "busy_ns": busy, "errors": int(s["errors"]),
         "iops": ios * 1e9 / wall if wall else 0.0,
         "cpu_us": busy / ios / 1e3 if ios else 0.0}
    if "lat_p50_ns" in s:
        r.update(lat_n=int(s["lat_n"]), lat_p50_ns=int(s["lat_p50_ns"]),
                 lat_p99_ns=int(s["lat_p99_ns"]))
    # BENCH_COUNTS=1: kernel events during the measurement (kprobes).
    n = {k[2:]: int(v) for k, v in s.items() if k.startswith("n_")}
    if n:
        r["counts"] = n
    return r


def spread(values):
    return {"min": min(values), "median": statistics.median(values),
            "max": max(values)}


def engine_stats(reps):
    st = {"iops": spread([r["iops"] for r in reps]),
          "cpu_us_per_request": spread([r["cpu_us"] for r in reps]),
          "errors": sum(r["errors"] for r in reps), "samples": reps}
    if reps and "lat_p50_ns" in reps[0]:
        st["lat_p50_us"] = statistics.median(r["lat_p50_ns"] for r in reps) / 1e3
        st["lat_p99_us"] = statistics.median(r["lat_p99_ns"] for r in reps) / 1e3
    return st


def summarize(samples):
    cells, order = {}, []
    for s in samples:
        if is_copy(s["cell"]):
            continue
        key = (s["dev"], s["cell"])
        if key not in cells:
            cells[key] = {"dev": s["dev"], "cell": s["cell"],
                          "size": int(s["size"]), "regions": int(s["regions"]),
                          "qd": int(s["qd"]), "mem": s["mem"],
                          "engines": {}}
            order.append(key)
        cells[key]["engines"].setdefault(s["engine"], []).append(sample_of(s))
    out = []
    for key in order:
        c = cells[key]
        raw = c["engines"]
        c["engines"] = {e: engine_stats(r) for e, r in raw.items()}
        # dmio-endio runs on asynchronous cells only (dmio_sync() ignores it).
        best = best_of(raw["dmio"], raw.get("dmio-endio", []))
        c["ratios"] = {
            "dmio/dm-io": paired_ratio(raw["dmio"], raw["dm-io"]),
            "dmio-endio/dm-io": paired_ratio(raw.get("dmio-endio", []), raw["dm-io"]),
            "best/dm-io": paired_ratio(best, raw["dm-io"]),
            "best/bare": paired_ratio(best, raw["bare"]),
        }
        if "lat_p99_us" in c["engines"]["dm-io"]:
            k = c["engines"]["dm-io"]["lat_p99_us"]
            c["p99_vs_dm_io"] = {e: c["engines"][e]["lat_p99_us"] / k if k else 0.0
                                 for e in ("dmio", "dmio-endio")
                                 if e in c["engines"]}
        out.append(c)
    return out


def copy_sample(s):
    r = sample_of(s)
    mib = r["ios"] * int(s["size"]) / MIB
    r["mib_s"] = mib * 1e9 / r["wall_ns"] if r["wall_ns"] else 0.0
    r["cpu_us_mib"] = r["busy_ns"] / 1e3 / mib if mib else 0.0
    return r


def summarize_copies(samples):
    """The copy cells: per engine MiB/s, CPU per MiB, latency per copy."""
    cells, order = {}, []
    for s in samples:
        if not is_copy(s["cell"]):
            continue
        key = (s["dev"], s["cell"])
        if key not in cells:
            cells[key] = {"dev": s["dev"], "cell": s["cell"],
                          "size": int(s["size"]), "dests": int(s["regions"]),
                          "qd": int(s["qd"]), "engines": {}}
            order.append(key)
        cells[key]["engines"].setdefault(s["engine"], []).append(copy_sample(s))
    out = []
    for key in order:
        c = cells[key]
        raw = c["engines"]
        c["engines"] = {}
        for e, reps in raw.items():
            st = engine_stats(reps)
            st["mib_s"] = spread([r["mib_s"] for r in reps])
            st["cpu_us_per_mib"] = spread([r["cpu_us_mib"] for r in reps])
            if all("counts" in r for r in reps):
                mib = sum(r["ios"] for r in reps) * c["size"] / MIB
                st["counts_per_mib"] = {k: sum(r["counts"][k] for r in reps) / mib
                                        for k in reps[0]["counts"]} if mib else {}
            c["engines"][e] = st
        c["ratios"] = {"dmio/kcopyd": paired_ratio(raw.get("dmio", []),
                                                   raw.get("kcopyd", []))}
        d, k = (c["engines"].get(e, {}).get("cpu_us_per_mib", {}).get("median")
                for e in COPY_ENGINES)
        c["cpu_kcopyd/dmio"] = k / d if d and k else None
        out.append(c)
    return out


def best_of(a, b):
    """Per repetition, the faster of dmio's two completion modes."""
    by_rep = {r["rep"]: r for r in b}
    return [max(r, by_rep.get(r["rep"], r), key=lambda x: x["iops"]) for r in a]


def paired_ratio(mine, other):
    """Median over repetitions of one engine's throughput over the other's
    in the same repetition (they ran back to back): drift of the host
    cancels out of each pair."""
    by_rep = {r["rep"]: r["iops"] for r in other}
    ratios = [r["iops"] / by_rep[r["rep"]] for r in mine
              if by_rep.get(r["rep"])]
    return statistics.median(ratios) if ratios else None


def cell_list(cells):
    return "; ".join("%s %s %.2f" % (c["dev"], c["cell"], c["v"]) for c in cells)


def ratio_target(cells, name, key, floor, pick=lambda c: True):
    chosen = [dict(c, v=c["ratios"][key]) for c in cells
              if pick(c) and c["ratios"][key] is not None]
    low = [c for c in chosen if c["v"] < floor]
    detail = ("%d of %d cells met" % (len(chosen) - len(low), len(chosen)) +
              (": misses %s" % cell_list(low) if low else
               ", min %.2f" % min(c["v"] for c in chosen) if chosen else ""))
    return (name, bool(chosen) and not low, detail)


def targets(cells, reserve):
    res = [ratio_target(cells, "best of dmio, dmio-endio / dm-io >= 1.00 on every cell",
                        "best/dm-io", 1.0),
           ratio_target(cells, "dmio (workqueue) / dm-io >= 1.00 on every cell",
                        "dmio/dm-io", 1.0),
           ratio_target(cells, "dmio-endio / dm-io >= 1.00 on every async cell",
                        "dmio-endio/dm-io", 1.0)]
    many = [c for c in cells if c["cell"].startswith("regions-")
            and c["regions"] >= 8 and c["size"] == 65536]
    res.append(ratio_target(many, "best / dm-io >= 1.5 on 64 KiB writes to >= 8 regions",
                            "best/dm-io", 1.5))
    big = [c for c in cells if c["cell"] == "async-1m-qd8"]
    res.append(ratio_target(big, "1 MiB single region within 10% of bare (best/bare >= 0.90)",
                            "best/bare", 0.9))
    for e in ("dmio-endio", "dmio"):
        lat = [dict(c, v=c["p99_vs_dm_io"][e]) for c in cells
               if c["dev"] in ASYNC_DEVS and e in c.get("p99_vs_dm_io", {})]
        high = [c for c in lat if c["v"] > 1.0]
        res.append(("%s p99 <= dm-io p99 on the async devices' cells" % e,
                    bool(lat) and not high,
                    "%d of %d cells met%s" % (len(lat) - len(high), len(lat),
                                              ": misses (p99 ratio) " + cell_list(high)
                                              if high else "")))
    m, k = reserve.get("dmio", {}).get("total"), reserve.get("dm-io", {}).get("total")
    res.append(("reserve per client: dmio <= dm-io", m is not None and k is not None and m <= k,
                "dmio %s B, dm-io %s B" % (m, k)))
    return res


def copy_targets(copies):
    return [ratio_target(copies, "dmio_copy / kcopyd >= 1.00 on every copy cell",
                         "dmio/kcopyd", 1.0),
            ratio_target(copies, "dmio_copy / kcopyd >= 1.30 on copies to >= 2 "
                         "destinations", "dmio/kcopyd", 1.3,
                         lambda c: c["dests"] >= 2)]


COPY_HEAD = "%-9s %-16s %9s %9s %5s %8s %8s %6s %5s %7s %7s %7s %7s"


def copy_header():
    return ["   copies: dmio_copy() against the kernel's dm_kcopyd_copy() (dm-mod), "
            "one source region to dN destinations, qdQ copies in flight, the same "
            "devices, engines alternating per repetition;",
            "   MiB/s: MiB of the source copied per second (each copy writes it to "
            "every destination), median over repetitions (spr: widest "
            "(max-min)/median, %);",
            "   cpu: median CPU us per MiB copied (busy time of all CPUs); "
            "dmio/kcopyd: throughput ratio, median of per-repetition ratios "
            "(> 1: dmio faster);",
            "   cpu k/d: kcopyd's CPU per MiB over dmio's (> 1: dmio cheaper); "
            "p50/p99: completion latency per copy, submit -> callback, ms",
            COPY_HEAD % ("dev", "cell", "MiB/s:dmio", "kcopyd", "spr", "cpu:dmio",
                         "kcopyd", "dmio/", "cpu", "p50:dmio", "kcopyd",
                         "p99:dmio", "kcopyd"),
            COPY_HEAD % ("", "", "MiB/s", "MiB/s", "%", "us/MiB", "us/MiB",
                         "kcopyd", "k/d", "ms", "ms", "ms", "ms")]


def copy_row(c):
    st = c["engines"]
    med = lambda e, k: st[e][k]["median"] if e in st else None
    lat = lambda e, k: st[e][k] / 1e3 if e in st and k in st[e] else None
    spr = max(((s["mib_s"]["max"] - s["mib_s"]["min"]) / s["mib_s"]["median"] * 100
               for s in st.values() if s["mib_s"]["median"]), default=None)
    cols = ["%-9s %-16s" % (c["dev"], c["cell"])]
    cols += [fmt(med(e, "mib_s"), "%.1f", 9) for e in COPY_ENGINES]
    cols.append(fmt(spr, "%.1f", 5))
    cols += [fmt(med(e, "cpu_us_per_mib"), "%.0f", 8) for e in COPY_ENGINES]
    cols.append(fmt(c["ratios"]["dmio/kcopyd"], "%.2f", 6))
    cols.append(fmt(c["cpu_kcopyd/dmio"], "%.2f", 5))
    cols += [fmt(lat(e, "lat_p50_us"), "%.2f", 7) for e in COPY_ENGINES]
    cols += [fmt(lat(e, "lat_p99_us"), "%.2f", 7) for e in COPY_ENGINES]
    return " ".join(cols)


def copy_counts(copies):
    """BENCH_COUNTS=1: kernel events per MiB copied, per engine."""
    keys = []
    for c in copies:
        for st in c["engines"].values():
            keys += [k for k in st.get("counts_per_mib", {}) if k not in keys]
    if not keys:
        return []
    lines = ["   counts (BENCH_COUNTS=1, kprobes; their traps slow every engine): "
             "kernel events per MiB copied: bios submitted (submit_bio_noacct), "
             "bio_add_page() calls, pages allocated, work items run, schedule() calls",
             "%-9s %-16s %-6s " % ("dev", "cell", "engine") +
             " ".join("%9s" % k for k in keys)]
    for c in copies:
        for e in COPY_ENGINES:
            n = c["engines"].get(e, {}).get("counts_per_mib")
            if n:
                lines.append("%-9s %-16s %-6s " % (c["dev"], c["cell"], e) +
                             " ".join(fmt(n.get(k), "%.1f", 9) for k in keys))
    return lines


def plot(outdir, run, abi, cells):
    dat = "%s/regions-%s.dat" % (outdir, run)
    engines = ("dmio", "dm-io", "bare")
    blocks = []
    with open(dat, "w") as f:
        for dev in ("nb-none", "brd"):
            for size, label in ((4096, "4k"), (65536, "64k")):
                rows = sorted((c for c in cells if c["dev"] == dev
                               and c["cell"].startswith("regions-") and c["size"] == size),
                              key=lambda c: c["regions"])
                if not rows:
                    continue
                f.write("# %s %s: regions dmio dm-io bare (CPU us per request, median)\n"
                        % (dev, label))
                for c in rows:
                    f.write("%d %s\n" % (c["regions"], " ".join(
                        "%.3f" % c["engines"][e]["cpu_us_per_request"]["median"]
                        for e in engines)))
                f.write("\n\n")
                blocks.append("%s, %s per region" % (dev, label))
    with open("%s/regions-%s.gp" % (outdir, run), "w") as f:
        f.write('set terminal pngcairo size 1200,900 noenhanced\n'
                'set output "regions-%s.png"\n'
                'set multiplot layout 2,2 title "CPU time per request against regions '
                '(writes, %s %s; lower is better)"\n'
                'set logscale x 2\nset xlabel "regions"\nset ylabel "CPU us per request"\n'
                'set key top left\nset grid\n' % (run, run, abi))
        for i, title in enumerate(blocks):
            f.write('set title "%s"\n' % title)
            f.write('plot "regions-%s.dat" index %d using 1:2 with linespoints title "dmio", '
                    '"" index %d using 1:3 with linespoints title "dm-io", '
                    '"" index %d using 1:4 with linespoints title "bare"\n'
                    % (run, i, i, i))
        f.write("unset multiplot\n")


HEAD = ("%-9s %-18s %8s %8s %8s %8s %5s %7s %7s %7s %7s %5s %5s %5s %5s %7s %7s %7s %7s"
        " %7s %7s %7s %7s")


def fmt(v, f, width):
    return (f % v).rjust(width) if v is not None else "-".rjust(width)


def row(c):
    st = c["engines"]
    get = lambda e, k: st[e][k] if e in st and k in st[e] else None
    med = lambda e, k: st[e][k]["median"] if e in st else None
    spr = max((s["iops"]["max"] - s["iops"]["min"]) / s["iops"]["median"] * 100
              for s in st.values() if s["iops"]["median"])
    r = c["ratios"]
    cols = ["%-9s %-18s" % (c["dev"], c["cell"])]
    cols += [fmt(med(e, "iops"), "%.0f", 8) for e in ENGINES]
    cols.append(fmt(spr, "%.1f", 5))
    cols += [fmt(med(e, "cpu_us_per_request"), "%.2f", 7) for e in ENGINES]
    cols += [fmt(r[k], "%.2f", 5) for k in ("dmio/dm-io", "dmio-endio/dm-io",
                                            "best/dm-io", "best/bare")]
    cols += [fmt(get(e, "lat_p50_us"), "%.1f", 7) for e in ENGINES]
    cols += [fmt(get(e, "lat_p99_us"), "%.1f", 7) for e in ENGINES]
    return " ".join(cols)


def run_header(suite, abi, smp, clock, header):
    lines = ["== %s (%s): %s vCPU%s, %s; %s ms x %s reps per engine and cell"
             % (suite, abi, smp, "" if smp == "1" else "s",
                "icount clock (guest time = instructions executed)" if clock == "icount"
                else "host clock, no icount (QEMU 7.2 hangs with -smp 2 under "
                     "-icount): wall time of a shared 2-core host, noisy",
                header.get("ms"), header.get("reps"))]
    lines += ["   %-9s %s" % (d, t) for d, t in DEVICES.items()]
    lines += ["   req/s: median over repetitions (spr: widest (max-min)/median of the "
              "engines, %); cpu: median CPU us per request (busy time of all CPUs);",
              "   ratios of throughput, median of per-repetition ratios (> 1: dmio faster); "
              "best: the faster dmio mode per repetition;",
              "   p50/p99: completion latency submit -> callback, us, median over repetitions "
              "(async cells); dmio-endio: async cells only",
              HEAD % ("dev", "cell", "dmio", "endio", "dm-io", "bare", "spr",
                      "cpu:dmio", "endio", "dm-io", "bare", "/dmio", "/endi",
                      "best", "best", "p50:dmio", "endio", "dm-io", "bare",
                      "p99:dmio", "endio", "dm-io", "bare"),
              HEAD % ("", "", "req/s", "req/s", "req/s", "req/s", "%", "us", "us",
                      "us", "us", "dm-io", "dm-io", "dm-io", "/bare", "us", "us", "us",
                      "us", "us", "us", "us", "us")]
    return lines


def main():
    outdir = sys.argv[1]
    doc = {"ratios": "throughput of the first engine / throughput of the second, "
                     "median over repetitions of the per-repetition ratio; "
                     "> 1.00: the first is faster; best: per repetition the faster "
                     "of dmio and dmio-endio",
           "cpu": "busy time of all CPUs (not idle, not iowait) during the "
                  "measurement / requests",
           "latency": "per request, submission to callback (ktime_get_ns), p50 and "
                      "p99 per repetition; lat_p50_us/lat_p99_us: their medians",
           "devices": DEVICES, "runs": {}}
    lines = []
    for arg in sys.argv[2:]:
        suite, abi, smp, clock, raw = arg.split("=", 4)
        run = suite if smp == "1" else "%s-smp%s" % (suite, smp)
        header, reserve, samples = parse(raw)
        cells = summarize(samples)
        copies = summarize_copies(samples)
        # A run of copy cells only (BENCH_ONLY=copy-) has no write targets.
        tg = targets(cells, reserve) if cells else []
        tg += copy_targets(copies) if copies else []
        doc["runs"][run] = {"suite": suite, "abi": abi, "vcpus": int(smp),
                            "clock": clock, "params": header, "reserve": reserve,
                            "cells": cells, "copies": copies,
                            "targets": [{"target": t, "met": m, "detail": d}
                                        for t, m, d in tg]}
        plot(outdir, run, abi, cells)
        lines += run_header(suite, abi, smp, clock, header)
        lines += [row(c) for c in cells]
        if copies:
            lines += copy_header()
            lines += [copy_row(c) for c in copies]
            lines += copy_counts(copies)
        for e in ("dmio", "dm-io"):
            r = reserve.get(e, {})
            lines.append("reserve %-5s %6s bytes per client: %s" % (
                e, r.get("total"), " ".join("%s=%s" % (k, v) for k, v in r.items()
                                           if k != "total")))
        for t, m, d in tg:
            lines.append("target %-4s %s: %s" % ("MET" if m else "MISS", t, d))
        lines.append("")
    with open("%s/bench.json" % outdir, "w") as f:
        json.dump(doc, f, indent=1)
    with open("%s/table.txt" % outdir, "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
