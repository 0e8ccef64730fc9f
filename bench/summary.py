#!/usr/bin/env python3
"""Turn credo-bench's CSV files (scripts/bench.sh) into a Markdown summary: summary.md."""
import csv
import os
import sys

res = sys.argv[1]
out = []


def rows(name):
    path = os.path.join(res, name + ".csv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def f2(x):
    return "%.2f" % x


p = rows("params")
if p:
    p = p[0]
    out.append("Guest: %s vCPUs, credo max_entries=%s, evict_interval_ms=%s; each number is the "
               "median of %s timed runs (best run in parentheses where shown).\n"
               % (p["cpus"], p["max_entries"], p["evict_interval_ms"], p["reps"]))

pairs = rows("pairs")
if pairs:
    out.append("### Switch-and-back pair, ns (medians)\n")
    out.append("| groups | identities | credo hit | credo miss | Samba raw | Ganesha raw | floor | "
               "table hit rate in the hit runs |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in pairs:
        h, m = int(r["hit_lookups_hits"]), int(r["hit_lookups_misses"])
        out.append("| %s | %s | %s | %s | %s | %s | %s | %.1f%% |" % (
            r["groups"], r["idents"], r["credo_hit"], r["credo_miss"], r["samba"], r["ganesha"],
            r["floor"], 100.0 * h / (h + m) if h + m else 0))
    out.append("\n### Switch-and-back pair: ratios (medians; best runs in parentheses)\n")
    out.append("| groups | identities | hit/floor | miss/floor | Samba/floor | Ganesha/floor | "
               "Samba/hit | Ganesha/hit | miss/hit |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in pairs:
        med = {k: float(r[k]) for k in ("credo_hit", "credo_miss", "samba", "ganesha", "floor")}
        mn = {k: float(r["min_" + k]) for k in med}

        def both(a, b):
            return "%s (%s)" % (f2(med[a] / med[b]), f2(mn[a] / mn[b]))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["groups"], r["idents"], both("credo_hit", "floor"), both("credo_miss", "floor"),
            both("samba", "floor"), both("ganesha", "floor"), both("samba", "credo_hit"),
            both("ganesha", "credo_hit"), both("credo_miss", "credo_hit")))
    flat = {}
    for r in pairs:
        flat.setdefault(r["groups"], {})[int(r["idents"])] = float(r["credo_hit"])
    out.append("\nHit cost against the identity count, default table: " + "; ".join(
        "%s groups: 1,000/10 %.2fx, 100,000/10 %.2fx" % (g, d[1000] / d[10], d[100000] / d[10])
        for g, d in flat.items()) + ".\n")

lookup = rows("lookup")
if lookup:
    out.append("### Lookup cost with a table that holds every identity "
               "(credo reloaded with max_entries=262144 evict_interval_ms=0)\n")
    out.append("| groups | identities | credo hit, ns | / 10 identities | best run, ns | best / best of 10 | "
               "table hits | table misses |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in lookup:
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["groups"], r["idents"], r["credo_hit"], f2(float(r["per_10"])), r["min_credo_hit"],
            f2(float(r["min_per_10"])), r["hits"], r["misses"]))
    out.append("")

nocredo = rows("nocredo")
if nocredo:
    hit = {(r["groups"], r["idents"]): r for r in pairs}
    out.append("### The raw ways with credo unloaded (same boot)\n")
    out.append("| groups | Samba raw | Ganesha raw | floor | Samba/floor | Samba unloaded / credo hit (10 ids) |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    for r in nocredo:
        h = hit.get((r["groups"], "10"))
        ratio = "%s (%s)" % (f2(float(r["samba"]) / float(h["credo_hit"])),
                             f2(float(r["min_samba"]) / float(h["min_credo_hit"]))) if h else "-"
        out.append("| %s | %s | %s | %s | %s (%s) | %s |" % (
            r["groups"], r["samba"], r["ganesha"], r["floor"],
            f2(float(r["samba"]) / float(r["floor"])),
            f2(float(r["min_samba"]) / float(r["min_floor"])), ratio))
    q = rows("nocredo_requests")
    if q:
        q = q[0]
        out.append("\nRequest with credo unloaded: no switch %s ns, Samba %s ns (best runs %s, %s).\n"
                   % (q["none"], q["samba"], q["min_none"], q["min_samba"]))

req = rows("requests")
if req:
    out.append("### Per request: open + close one file readable only through the user's group\n")
    out.append("| way | ns | / no switch | / credo | best run, ns | best / no switch | best / credo |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in req:
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["method"], r["ns"], f2(float(r["per_none"])), f2(float(r["per_credo"])), r["min_ns"],
            f2(float(r["min_per_none"])), f2(float(r["min_per_credo"]))))
    s = rows("request_summary")
    if s:
        s = s[0]
        out.append("\ncredo adds %s%% to the request (target <= 25%%); io_uring personality / credo = "
                   "%.2fx (target >= 1.4x).\n" % (s["credo_added_pct"], float(s["uring_pers_per_credo"])))

disp = rows("dispatch")
if disp:
    out.append("### What a pair of ioctls costs before credo's work (0 groups, 10 identities)\n")
    out.append("| way | ns | / floor | best run, ns | best / best floor |")
    out.append("|---|---:|---:|---:|---:|")
    for r in disp:
        out.append("| %s | %s | %s | %s | %s |" % (r["way"], r["ns"], f2(float(r["per_floor"])),
                                                 r["min_ns"], f2(float(r["min_per_min_floor"]))))
    out.append("")

sc = rows("scaling")
if sc:
    out.append("### Scaling (16 groups, 10 identities per thread)\n")
    out.append("| way | threads | pairs/s | vs one thread |")
    out.append("|---|---:|---:|---:|")
    for r in sc:
        out.append("| %s | %s | %s | %s |" % (r["method"], r["threads"], r["pairs_per_s"],
                                            f2(float(r["speedup"]))))
    out.append("")

mem = rows("memory")
if mem:
    out.append("### Memory: cred_jar objects pinned by 10,000 open files\n")
    out.append("| K identities | files | credo | raw set*id | credo - K | after closing (credo, raw) |")
    out.append("|---:|---:|---:|---:|---:|---|")
    for r in mem:
        out.append("| %s | %s | %s | %s | %+d | %s, %s |" % (
            r["k"], r["files"], r["credo_creds"], r["raw_creds"],
            int(r["credo_creds"]) - int(r["k"]), r["credo_after_close"], r["raw_after_close"]))
    out.append("")

prof = rows("profile")
if prof:
    out.append("Kernel function calls traced for one switch and back (ftrace function_graph, depth <= 5): " +
               ", ".join("%s %s%s" % (r["what"], r["calls"], " (an interrupt included)" if r["irq"] == "1" else "")
                         for r in prof) + ".\n")

with open(os.path.join(res, "summary.md"), "w") as f:
    f.write("\n".join(out) + "\n")
