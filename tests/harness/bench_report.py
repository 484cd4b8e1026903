#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn dmio_bench samples into the `make bench` table, JSON and plots.

    bench_report.py OUTDIR SUITE=ABI=RAW...

RAW is the text dmio_bench left in debugfs (tests/selftest/bench.c). Per
cell and engine: requests per second per repetition (min/median/max) and
the median CPU time per request (busy time of all CPUs / requests). Ratios
are of throughput, dmio over the other engine, the median of the ratios of
each repetition (whose engines ran back to back): above 1.00 dmio is
faster. Writes OUTDIR/table.txt, OUTDIR/bench.json and, per suite,
OUTDIR/regions-SUITE.{dat,gp} for gnuplot (regions-SUITE.png).
"""
import json
import statistics
import sys

ENGINES = ("dmio", "dm-io", "bare")


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


def summarize(samples):
    cells = {}
    order = []
    for s in samples:
        key = (s["dev"], s["cell"])
        if key not in cells:
            cells[key] = {"dev": s["dev"], "cell": s["cell"],
                          "size": int(s["size"]), "regions": int(s["regions"]),
                          "qd": int(s["qd"]), "mem": s["mem"],
                          "engines": {e: [] for e in ENGINES}}
            order.append(key)
        ios, wall, busy = int(s["ios"]), int(s["wall_ns"]), int(s["busy_ns"])
        cells[key]["engines"][s["engine"]].append({
            "rep": int(s["rep"]), "ios": ios, "wall_ns": wall,
            "busy_ns": busy, "errors": int(s["errors"]),
            "iops": ios * 1e9 / wall if wall else 0.0,
            "cpu_us": busy / ios / 1e3 if ios else 0.0})
    out = []
    for key in order:
        c = cells[key]
        stats = {}
        for e, reps in c["engines"].items():
            iops = [r["iops"] for r in reps]
            cpu = [r["cpu_us"] for r in reps]
            stats[e] = {"iops": {"min": min(iops), "median": statistics.median(iops),
                                 "max": max(iops)},
                        "cpu_us_per_request": {"min": min(cpu),
                                               "median": statistics.median(cpu),
                                               "max": max(cpu)},
                        "errors": sum(r["errors"] for r in reps),
                        "samples": reps}
        c["engines"] = stats
        c["ratio_dmio_dm_io"] = paired_ratio(stats["dmio"]["samples"],
                                             stats["dm-io"]["samples"])
        c["ratio_dmio_bare"] = paired_ratio(stats["dmio"]["samples"],
                                            stats["bare"]["samples"])
        out.append(c)
    return out


def paired_ratio(mine, other):
    """Median over repetitions of dmio's throughput over the other engine's
    in the same repetition (they ran back to back): drift of the host
    cancels out of each pair."""
    by_rep = {r["rep"]: r["iops"] for r in other}
    ratios = [r["iops"] / by_rep[r["rep"]] for r in mine
              if by_rep.get(r["rep"])]
    return statistics.median(ratios) if ratios else 0.0


def fmt_iops(st):
    i = st["iops"]
    return "%8.0f [%6.0f-%6.0f]" % (i["median"], i["min"], i["max"])


def targets(cells, reserve):
    res = []
    low = [c for c in cells if c["ratio_dmio_dm_io"] < 1.0]
    res.append(("dmio/dm-io >= 1.00 on every cell", not low,
                "; ".join("%s %s %.2f" % (c["dev"], c["cell"], c["ratio_dmio_dm_io"])
                          for c in low) or "min %.2f" % min(
                              c["ratio_dmio_dm_io"] for c in cells)))
    many = [c for c in cells if c["cell"].startswith("regions-")
            and c["regions"] >= 8 and c["size"] == 65536]
    low = [c for c in many if c["ratio_dmio_dm_io"] < 1.5]
    res.append(("dmio/dm-io >= 1.5 on 64 KiB writes to >= 8 regions", bool(many) and not low,
                ", ".join("%s %s %.2f" % (c["dev"], c["cell"], c["ratio_dmio_dm_io"])
                          for c in many)))
    big = [c for c in cells if c["cell"] == "async-1m-qd8"]
    low = [c for c in big if c["ratio_dmio_bare"] < 0.9]
    res.append(("1 MiB single region within 10% of bare (dmio/bare >= 0.90)",
                bool(big) and not low,
                ", ".join("%s %.2f" % (c["dev"], c["ratio_dmio_bare"]) for c in big)))
    m, k = reserve.get("dmio", {}).get("total"), reserve.get("dm-io", {}).get("total")
    res.append(("reserve per client: dmio <= dm-io", m is not None and k is not None and m <= k,
                "dmio %s B, dm-io %s B" % (m, k)))
    return res


def plot(outdir, suite, abi, cells):
    dat = "%s/regions-%s.dat" % (outdir, suite)
    blocks = []
    with open(dat, "w") as f:
        for dev in ("null_blk", "brd"):
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
                        for e in ENGINES)))
                f.write("\n\n")
                blocks.append("%s, %s per region" % (dev, label))
    with open("%s/regions-%s.gp" % (outdir, suite), "w") as f:
        f.write('set terminal pngcairo size 1200,900 noenhanced\n'
                'set output "regions-%s.png"\n'
                'set multiplot layout 2,2 title "CPU time per request against regions '
                '(writes, %s %s; lower is better)"\n'
                'set logscale x 2\nset xlabel "regions"\nset ylabel "CPU us per request"\n'
                'set key top left\nset grid\n' % (suite, suite, abi))
        for i, title in enumerate(blocks):
            f.write('set title "%s"\n' % title)
            f.write('plot "regions-%s.dat" index %d using 1:2 with linespoints title "dmio", '
                    '"" index %d using 1:3 with linespoints title "dm-io", '
                    '"" index %d using 1:4 with linespoints title "bare"\n'
                    % (suite, i, i, i))
        f.write("unset multiplot\n")


def main():
    outdir = sys.argv[1]
    doc = {"ratio_reads": "throughput of dmio / throughput of the other engine, "
                          "median over repetitions of the per-repetition ratio; "
                          "> 1.00: dmio is faster",
           "cpu": "busy time of all CPUs (not idle, not iowait) during the "
                  "measurement / requests", "suites": {}}
    lines = []
    ok_all = True
    for arg in sys.argv[2:]:
        suite, abi, raw = arg.split("=", 2)
        header, reserve, samples = parse(raw)
        cells = summarize(samples)
        tg = targets(cells, reserve)
        doc["suites"][suite] = {"abi": abi, "params": header, "reserve": reserve,
                                "cells": cells,
                                "targets": [{"target": t, "met": m, "detail": d}
                                            for t, m, d in tg]}
        plot(outdir, suite, abi, cells)
        lines.append("== %s (%s): %s ms x %s reps per engine and cell, %s CPUs"
                     % (suite, abi, header.get("ms"), header.get("reps"),
                        header.get("cpus")))
        lines.append("   req/s: median [min-max] over repetitions; cpu: median CPU us "
                     "per request; ratios: dmio throughput / other engine's, median of "
                     "per-repetition ratios (> 1: dmio faster)")
        lines.append("%-8s %-17s %-24s %-24s %-24s %8s %8s %8s %7s %7s" % (
            "dev", "cell", "dmio req/s", "dm-io req/s", "bare req/s",
            "cpu dmio", "dm-io", "bare", "/dm-io", "/bare"))
        for c in cells:
            st = c["engines"]
            lines.append("%-8s %-17s %-24s %-24s %-24s %8.2f %8.2f %8.2f %7.2f %7.2f" % (
                c["dev"], c["cell"], fmt_iops(st["dmio"]), fmt_iops(st["dm-io"]),
                fmt_iops(st["bare"]),
                st["dmio"]["cpu_us_per_request"]["median"],
                st["dm-io"]["cpu_us_per_request"]["median"],
                st["bare"]["cpu_us_per_request"]["median"],
                c["ratio_dmio_dm_io"], c["ratio_dmio_bare"]))
        for e in ("dmio", "dm-io"):
            r = reserve.get(e, {})
            lines.append("reserve %-5s %6s bytes per client: %s" % (
                e, r.get("total"), " ".join("%s=%s" % (k, v) for k, v in r.items()
                                           if k != "total")))
        for t, m, d in tg:
            ok_all &= m
            lines.append("target %-4s %s: %s" % ("MET" if m else "MISS", t, d))
        lines.append("")
    with open("%s/bench.json" % outdir, "w") as f:
        json.dump(doc, f, indent=1)
    with open("%s/table.txt" % outdir, "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
