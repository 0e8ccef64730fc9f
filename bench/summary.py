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
    has_h = "per_handle" in req[0]
    out.append("| way | ns | / no switch | / descriptor | %sbest run, ns | best / no switch | best / descriptor |%s"
               % ("/ handle | " if has_h else "", " best / handle |" if has_h else ""))
    out.append("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if has_h else ""))
    for r in req:
        out.append("| %s | %s | %s | %s | %s%s | %s | %s |%s" % (
            r["method"], r["ns"], f2(float(r["per_none"])), f2(float(r["per_credo"])),
            f2(float(r["per_handle"])) + " | " if has_h else "", r["min_ns"],
            f2(float(r["min_per_none"])), f2(float(r["min_per_credo"])),
            " %s |" % f2(float(r["min_per_handle"])) if has_h else ""))
    s = rows("request_summary")
    if s:
        s = s[0]
        out.append("\nThe descriptor path adds %s%% to the request (target <= 25%%); io_uring personality "
                   "/ descriptor path = %.2fx." % (s["credo_added_pct"], float(s["uring_pers_per_credo"])))
        rq0 = {r["method"]: r for r in req}
        if "none+empty-ioctl" in rq0:
            out.append("One empty ioctl per request adds %.1f%% (best runs %.1f%%): the least a switch made of "
                       "one ioctl can add." % (100 * (float(rq0["none+empty-ioctl"]["ns"]) / float(rq0["none"]["ns"]) - 1),
                                               100 * (float(rq0["none+empty-ioctl"]["min_ns"]) /
                                                      float(rq0["none"]["min_ns"]) - 1)))
        if "handle_added_pct" in s:
            out.append("The handle switch adds %s%% to the request (target <= 10%%); io_uring personality "
                       "/ handle = %.2fx (target >= 1.4x)." % (s["handle_added_pct"],
                                                              float(s["uring_pers_per_handle"])))
        out.append("")

disp = rows("dispatch")
if disp:
    out.append("### What ioctls cost, before and with credo's work (0 groups)\n")
    out.append("| way | ioctls | ns | / floor | best run, ns | best / best floor |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for r in disp:
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            r["way"], r.get("ioctls", "-"), r["ns"], f2(float(r["per_floor"])), r["min_ns"],
            f2(float(r["min_per_min_floor"]))))
    out.append("")

hand = rows("handles")
if hand:
    st = rows("handles_setup")
    out.append("### Handles in use: one ioctl per op through 10 handles and through all of them\n")
    if st:
        st = st[0]
        n = int(st["handles"])
        out.append("%s handles (distinct uids, 0 groups) minted in %s s, each assumed once in %s s, "
                   "closed in %s s; %s kB of MemAvailable while open (%.2f kB per handle); "
                   "max_entries %s.\n" % (
                       st["handles"], st["mint_s"], st["first_assume_s"], st["close_s"],
                       st["mem_kb"], float(st["mem_kb"]) / n,
                       "raised to %s for the phase, then restored" % st["max_entries_raised_to"]
                       if st["max_entries_raised_to"] != "0" else "unchanged"))
    out.append("| ioctl | handles cycled | stride | when | ns | / 10 handles | best run, ns | "
               "best / best of 10 | table lookups in the timed runs |")
    out.append("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in hand:
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            "ASSUME (handle switch)" if r["way"] == "assume" else "empty (ENOTTY) on the handle",
            r["handles"], r["stride"],
            "before the others were minted" if r["when"] == "before" else "all minted",
            r["ns"], f2(float(r["per_10"])), r["min_ns"], f2(float(r["min_per_10"])),
            r["table_lookups"]))
    out.append("")

sc = rows("scaling")
if sc:
    out.append("### Scaling (16 groups; each thread its own identities, handles, /dev/credo open)\n")
    out.append("| way | one op | threads | ops/s | vs one thread |")
    out.append("|---|---|---:|---:|---:|")
    unit = {"credo-hit": "override + revert", "samba": "switch and back",
            "handle-switch": "one ASSUME", "ioctl-empty-1": "one empty ioctl"}
    for r in sc:
        out.append("| %s | %s | %s | %s | %s |" % (
            r["method"], unit.get(r["method"], "pair"), r["threads"],
            r.get("ops_per_s", r.get("pairs_per_s")), f2(float(r["speedup"]))))
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

tp = rows("tracepoint")
if tp:
    out.append("### Hit pairs with credo's tracepoints off and on (issue 15)\n")
    out.append("| way | off, ns | on, ns | on / off | best runs off / on, ns |")
    out.append("|---|---:|---:|---:|---|")
    for r in tp:
        out.append("| %s | %s | %s | %s | %s / %s |" % (r["way"], r["off_ns"], r["on_ns"],
                                                     f2(float(r["on_per_off"])), r["min_off_ns"],
                                                     r["min_on_ns"]))
    out.append("")
    out.append("Off is what everybody pays for the tracepoints' existence (static branches); the "
               "descriptor hit pair with them off is in the dispatch table above as credo-hit.\n")

# ---- the targets of issue 14 (brief sections 6 and 7), from this run ----
targets = []


def target(name, val, best, goal, ok, judged=True):
    targets.append("| %s | %s | %s | %s | %s |" % (
        name, val, best if best is not None else "-", goal,
        ("**met**" if ok else "**missed**") if judged else
        "not judged (%s by the number)" % ("met" if ok else "missed")))


def ratio(a, b):
    return float(a) / float(b)


d = {r["way"]: r for r in disp}
if "handle-pair" in d and "ioctl-empty-2" in d:
    x = ratio(d["handle-pair"]["ns"], d["ioctl-empty-2"]["ns"])
    y = ratio(d["handle-pair"]["min_ns"], d["ioctl-empty-2"]["min_ns"])
    target("handle pair (ASSUME + REVERT) / two empty ioctls", "%.2fx" % x, "%.2fx" % y, "<= 1.5x", x <= 1.5)
if "handle-switch" in d and "ioctl-empty-1" in d:
    x = ratio(d["handle-switch"]["ns"], d["ioctl-empty-1"]["ns"])
    y = ratio(d["handle-switch"]["min_ns"], d["ioctl-empty-1"]["min_ns"])
    target("handle switch (one ASSUME) / one empty ioctl", "%.2fx" % x, "%.2fx" % y, "<= 1.3x", x <= 1.3)
rq = {r["method"]: r for r in req}
if "credo-handle" in rq:
    x = ratio(rq["credo-handle"]["ns"], rq["none"]["ns"])
    y = ratio(rq["credo-handle"]["min_ns"], rq["none"]["min_ns"])
    target("per request: handle switch / no switch (root)", "%.2fx" % x, "%.2fx" % y, "<= 1.10x", x <= 1.10)
    if "none-user" in rq:
        x = ratio(rq["credo-handle"]["ns"], rq["none-user"]["ns"])
        y = ratio(rq["credo-handle"]["min_ns"], rq["none-user"]["min_ns"])
        target("per request: handle switch / no switch (the user itself)", "%.2fx" % x, "%.2fx" % y,
               "<= 1.10x", x <= 1.10)
    x = ratio(rq["uring-pers"]["ns"], rq["credo-handle"]["ns"])
    y = ratio(rq["uring-pers"]["min_ns"], rq["credo-handle"]["min_ns"])
    target("per request: io_uring personality / handle switch", "%.2fx" % x, "%.2fx" % y, ">= 1.4x", x >= 1.4)
if "credo" in rq:
    x = ratio(rq["credo"]["ns"], rq["none"]["ns"])
    y = ratio(rq["credo"]["min_ns"], rq["none"]["min_ns"])
    target("per request: descriptor path / no switch", "%.2fx" % x, "%.2fx" % y, "<= 1.25x", x <= 1.25)
big = [r for r in hand if r["way"] == "assume" and r["handles"] != "10" and r["stride"] != "1"]
if big:
    b = big[0]
    x, y = float(b["per_10"]), float(b["min_per_10"])
    target("%s handles / 10 handles (handle switch)" % b["handles"], "%.2fx" % x, "%.2fx" % y, "<= 1.3x",
           x <= 1.3)
scd = {(r["method"], r["threads"]): float(r["speedup"]) for r in sc}
srel = rows("scaling_rel")
if ("handle-switch", "2") in scd and ("ioctl-empty-1", "2") in scd:
    x = scd[("handle-switch", "2")] / scd[("ioctl-empty-1", "2")]
    note, judged = "", True
    if srel:
        q = srel[0]
        note = "; the rounds' own ratios: median %.2fx, range %.2f-%.2f over %s rounds" % (
            float(q["median_of_rounds"]), float(q["min_round"]), float(q["max_round"]), q["rounds"])
        # Rounds a factor 2 apart either way: the host, not credo, decided the number.
        judged = float(q["min_round"]) >= 0.5 and float(q["max_round"]) <= 2
    target("2-thread scaling of the handle switch / that of the empty ioctl (medians: %.2fx / %.2fx%s)" % (
        scd[("handle-switch", "2")], scd[("ioctl-empty-1", "2")], note), "%.2fx" % x, None, ">= 0.9x",
        x >= 0.9, judged)
if pairs:
    p10 = [r for r in pairs if r["idents"] == "10"]
    xs = [(r["groups"], ratio(r["samba"], r["credo_hit"]), ratio(r["min_samba"], r["min_credo_hit"]))
          for r in p10]
    if xs:
        target("descriptor path (OVERRIDE + REVERT, hit) at least 5x cheaper than Samba's raw switch "
               "and back (10 identities; groups " + "/".join(g for g, _, _ in xs) + ")",
               " / ".join("%.1fx" % x for _, x, _ in xs), " / ".join("%.1fx" % y for _, _, y in xs),
               ">= 5x", all(x >= 5 for _, x, _ in xs))
if targets:
    at = 1 if p else 0
    out[at:at] = ["### Targets (issue 14), this run: medians (best runs)\n",
                "| ratio | median | best runs | target | |", "|---|---:|---:|---:|---|"] + targets + [""]

with open(os.path.join(res, "summary.md"), "w") as f:
    f.write("\n".join(out) + "\n")
