#!/usr/bin/env bash
# make bench: build credo for Debian's stock kernel, boot that kernel in QEMU (TCG), run
# bench/credo-bench there, and turn its output into CSV files, a Markdown summary and PNG plots.
#   Output: $CREDO_BENCH_BUILD (default build/bench)/results/{report.txt,*.csv,summary.md,*.png}
#   CREDO_BENCH_DOCS=1 also copies the PNGs into docs/ (the ones docs/performance.md shows).
# Not part of make check. Takes about 5-10 minutes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CREDO_BUILD=${CREDO_BENCH_BUILD:-$CREDO_TOP/build/bench}
export CREDO_BUILD
res=$CREDO_BUILD/results
mkdir -p "$CREDO_BUILD"

# Dependencies: the project's own, plus static liburing and gnuplot for the benchmark.
"$CREDO_TOP/scripts/install-deps.sh"
missing=()
for p in liburing-dev gnuplot-nox; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root"
	say "bench: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>"$CREDO_BUILD/apt.log" 2>&1 || { tail -n 30 "$CREDO_BUILD/apt.log"; die "apt-get install failed"; }
fi

kver=$(stock_kver)
"$CREDO_TOP/scripts/build-module.sh" bench "/lib/modules/$kver/build"
rm -rf "$CREDO_BUILD/tests"
make -s -C "$CREDO_TOP/bench" OUT="$CREDO_BUILD/tests" >"$CREDO_BUILD/bench-build.log" 2>&1 ||
	{ cat "$CREDO_BUILD/bench-build.log"; die "credo-bench build failed"; }
say "bench: built $CREDO_BUILD/tests/credo-bench"

set +e
CREDO_GUEST_TESTS="" CREDO_GUEST_DEMOS="credo-bench" CREDO_GUEST_TIMEOUT=${CREDO_GUEST_TIMEOUT:-1200} \
	"$CREDO_TOP/scripts/run-guest.sh" bench "/boot/vmlinuz-$kver" "$kver" "$CREDO_BUILD/mod-bench/module"
grc=$?
set -e

log=$CREDO_BUILD/guest-bench/results.log
rm -rf "$res"
mkdir -p "$res"
tr -d '\r' <"$log" | awk '/^CREDO-DEMO-BEGIN credo-bench/ { on = 1; next }
	/^CREDO-DEMO-END credo-bench/ { on = 0 } on' >"$res/report.txt"
grep -q '^CREDO-DEMO-END credo-bench rc=0' <(tr -d '\r' <"$log") ||
	die "credo-bench did not finish in the guest (see $log and $CREDO_BUILD/guest-bench/console.log)"
[ "$grc" = 0 ] || say "bench: warning: the guest run was judged failed (exit $grc), see above"

# csv:NAME:fields lines -> NAME.csv (the first line of each name is its header)
awk -F: '/^csv:/ { f = "'"$res"'/" $2 ".csv"; sub(/^csv:[^:]*:/, ""); print > f }' "$res/report.txt"
say "bench: CSV in $res: $(cd "$res" && ls ./*.csv | tr '\n' ' ')"

python3 - "$res" <<'PY'
import csv, sys, os
res = sys.argv[1]
def rows(name):
    with open(os.path.join(res, name + ".csv")) as f:
        return list(csv.DictReader(f))
out = []
p = rows("params")[0]
out.append("Guest: %s vCPUs, credo max_entries=%s, evict_interval_ms=%s; medians of %s runs.\n"
           % (p["cpus"], p["max_entries"], p["evict_interval_ms"], p["reps"]))
out.append("### Switch-and-back pair (ns, and ratios)\n")
out.append("| groups | identities | credo hit | credo miss | Samba raw | Ganesha raw | floor | hit/floor | miss/floor | Samba/hit | Ganesha/hit | miss/hit | table hit rate in the hit runs |")
out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows("pairs"):
    h, m = int(r["hit_lookups_hits"]), int(r["hit_lookups_misses"])
    out.append("| %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f%% |" % (
        r["groups"], r["idents"], r["credo_hit"], r["credo_miss"], r["samba"], r["ganesha"], r["floor"],
        float(r["hit_per_floor"]), float(r["miss_per_floor"]), float(r["samba_per_hit"]),
        float(r["ganesha_per_hit"]), float(r["miss_per_hit"]), 100.0 * h / (h + m) if h + m else 0))
out.append("\nRatios to the floor for the raw ways:\n")
out.append("| groups | identities | Samba/floor | Ganesha/floor |")
out.append("|---:|---:|---:|---:|")
for r in rows("pairs"):
    out.append("| %s | %s | %.2f | %.2f |" % (r["groups"], r["idents"], float(r["samba_per_floor"]),
                                             float(r["ganesha_per_floor"])))
# lookup flatness: hit cost at the largest identity count over the smallest, per group count
flat = {}
for r in rows("pairs"):
    flat.setdefault(r["groups"], {})[int(r["idents"])] = float(r["credo_hit"])
out.append("\nHit cost, largest over smallest identity count: " + ", ".join(
    "%s groups: 1000/10 %.2fx, 100000/10 %.2fx" % (g, d[1000] / d[10], d[100000] / d[10])
    for g, d in flat.items()) + "\n")
out.append("### Per request: open + close one file readable only through the user's group\n")
out.append("| way | ns | / no switch | / credo |")
out.append("|---|---:|---:|---:|")
for r in rows("requests"):
    out.append("| %s | %s | %.2f | %.2f |" % (r["method"], r["ns"], float(r["per_none"]), float(r["per_credo"])))
s = rows("request_summary")[0]
out.append("\ncredo adds %s%% to the request (target <= 25%%); io_uring personality / credo = %.2fx (target >= 1.4x).\n"
           % (s["credo_added_pct"], float(s["uring_pers_per_credo"])))
out.append("### Scaling (16 groups, 10 identities per thread)\n")
out.append("| way | threads | pairs/s | vs one thread |")
out.append("|---|---:|---:|---:|")
for r in rows("scaling"):
    out.append("| %s | %s | %s | %.2f |" % (r["method"], r["threads"], r["pairs_per_s"], float(r["speedup"])))
out.append("\n### Memory: cred_jar objects pinned by 10,000 open files\n")
out.append("| K identities | files | credo | raw set*id | credo - K | after closing (credo, raw) |")
out.append("|---:|---:|---:|---:|---:|---|")
for r in rows("memory"):
    out.append("| %s | %s | %s | %s | %+d | %s, %s |" % (r["k"], r["files"], r["credo_creds"], r["raw_creds"],
               int(r["credo_creds"]) - int(r["k"]), r["credo_after_close"], r["raw_after_close"]))
if os.path.exists(os.path.join(res, "nocredo.csv")):
    hit = {(r["groups"], r["idents"]): float(r["credo_hit"]) for r in rows("pairs")}
    out.append("\n### The raw ways with credo unloaded (same boot, after the rest)\n")
    out.append("| groups | Samba raw | Ganesha raw | floor | Samba/floor | Samba / credo hit (10 ids, loaded) |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    for r in rows("nocredo"):
        out.append("| %s | %s | %s | %s | %.2f | %.2f |" % (r["groups"], r["samba"], r["ganesha"], r["floor"],
                   float(r["samba"]) / float(r["floor"]), float(r["samba"]) / hit[(r["groups"], "10")]))
    q = rows("nocredo_requests")[0]
    out.append("\nRequest without credo loaded: no switch %s ns, Samba %s ns.\n" % (q["none"], q["samba"]))
if os.path.exists(os.path.join(res, "lookup.csv")):
    out.append("\n### Lookup cost with a table that holds every identity (credo reloaded with max_entries=262144 evict_interval_ms=0)\n")
    out.append("| groups | identities | credo hit ns | / 10 identities | table hits | table misses |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    for r in rows("lookup"):
        out.append("| %s | %s | %s | %.2f | %s | %s |" % (r["groups"], r["idents"], r["credo_hit"],
                   float(r["per_10"]), r["hits"], r["misses"]))
with open(os.path.join(res, "summary.md"), "w") as f:
    f.write("\n".join(out) + "\n")
PY

# Plots (small PNGs).
awk -F, 'NR > 1 && $2 == 1000 { print $1, $3, $4, $5, $6, $7 }' "$res/pairs.csv" >"$res/pairs-1000.dat"
awk -F, 'NR > 1 { print $1, $2, $3 }' "$res/pairs.csv" >"$res/hit-idents.dat"
awk -F, 'NR > 1 { print $1, $2 }' "$res/requests.csv" >"$res/requests.dat"
awk -F, 'NR > 1 { print $1, $3, $4 }' "$res/memory.csv" >"$res/memory.dat"
gnuplot <<GP
set terminal pngcairo size 720,420 font ",10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top left

set output "$res/perf-pairs.png"
set logscale y
set title "Switch and back, 1,000 identities (ns per pair, TCG guest; compare ratios only)"
set xlabel "supplementary groups"
set ylabel "ns per pair"
plot "$res/pairs-1000.dat" using 2:xtic(1) title "credo hit", '' using 3 title "credo miss", \
	'' using 4 title "Samba raw", '' using 5 title "Ganesha raw", '' using 6 title "floor (2 getppid)"

unset logscale y
set output "$res/perf-requests.png"
set title "Per request: open + close as another user (ns, TCG guest)"
set xlabel ""
set ylabel "ns per request"
set key off
plot "$res/requests.dat" using 2:xtic(1) title "ns"

set output "$res/perf-memory.png"
set style data linespoints
set title "cred objects pinned by 10,000 open files"
set xlabel "distinct identities K"
set ylabel "cred_jar objects"
set logscale xy
set key top left
plot "$res/memory.dat" using 1:2 title "credo" lw 2 pt 7, '' using 1:3 title "raw set*id" lw 2 pt 5, \
	'' using 1:1 title "y = K" dt 2 lc rgb "gray"
GP
if [ "${CREDO_BENCH_DOCS:-0}" = 1 ]; then
	cp "$res"/perf-*.png "$CREDO_TOP/docs/"
	say "bench: copied the plots into docs/"
fi
cat "$res/summary.md"
say "bench: results in $res (report.txt, *.csv, summary.md, perf-*.png)"
