#!/usr/bin/env bash
# make bench: build credo for Debian's stock kernel, boot that kernel in QEMU (TCG), run
# bench/credo-bench there, and turn its output into CSV files, a Markdown summary and PNG plots.
#   Output: $CREDO_BENCH_BUILD (default build/bench)/results/{report.txt,*.csv,summary.md,*.png}
#   CREDO_BENCH_DOCS=1 also copies the PNGs into docs/ (the ones docs/performance.md shows).
#   CREDO_BENCH_PHASES="profile" (or any of memory requests scaling pairs dispatch handles tracepoint nocredo profile)
#   runs only those phases; the plots and summary then cover what was run.
# Not part of make check. Takes about 5-10 minutes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CREDO_BUILD=$(realpath -m "${CREDO_BENCH_BUILD:-$CREDO_TOP/build/bench}")
export CREDO_BUILD
res=$CREDO_BUILD/results
mkdir -p "$CREDO_BUILD"

# CREDO_BENCH_REPLOT=1: no build and no guest; redo the CSV, summary and plots from the
# last run's guest output ($CREDO_BUILD/guest-bench/results.log).
if [ "${CREDO_BENCH_REPLOT:-0}" != 1 ]; then
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
# CREDO_BENCH_PHASES picks phases (memory requests scaling pairs dispatch handles tracepoint nocredo, and the opt-in
# profile); the guest program reads them from /tests/credo-bench.args.
[ -z "${CREDO_BENCH_PHASES:-}" ] || echo "$CREDO_BENCH_PHASES" >"$CREDO_BUILD/tests/credo-bench.args"
say "bench: built $CREDO_BUILD/tests/credo-bench${CREDO_BENCH_PHASES:+ (phases: $CREDO_BENCH_PHASES)}"

set +e
# Multi-threaded TCG: the two-thread rows need two host threads (run-guest.sh says the risk).
CREDO_TCG_OPTS=${CREDO_TCG_OPTS-} CREDO_GUEST_TESTS="" CREDO_GUEST_DEMOS="credo-bench" CREDO_GUEST_TIMEOUT=${CREDO_GUEST_TIMEOUT:-1200} \
	"$CREDO_TOP/scripts/run-guest.sh" bench "/boot/vmlinuz-$kver" "$kver" "$CREDO_BUILD/mod-bench/module"
grc=$?
set -e
else
	grc=0
fi

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

python3 "$CREDO_TOP/bench/summary.py" "$res"

# Plots (small PNGs) of what was run.
plot() { # $1 csv name: the plot needs it
	[ -f "$res/$1.csv" ]
}
gp=""
if plot pairs; then
	awk -F, 'NR > 1 && $2 == 1000 { print $1, $3, $4, $5, $6, $7 }' "$res/pairs.csv" >"$res/pairs-1000.dat"
	gp+='
set output "'"$res"'/perf-pairs.png"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set key top left
set title "Switch and back, 1,000 identities (ns per pair, median; TCG guest: compare ratios only)"
set xlabel "supplementary groups"
set ylabel "ns per pair (log scale)"
plot "'"$res"'/pairs-1000.dat" using 2:xtic(1) title "credo hit", "" using 3 title "credo miss", \
	"" using 4 title "Samba raw", "" using 5 title "Ganesha raw", "" using 6 title "floor (2 getppid)"
unset logscale y
'
fi
if plot requests; then
	awk -F, 'NR > 1 { print $1, $2, $5 }' "$res/requests.csv" >"$res/requests.dat"
	gp+='
set output "'"$res"'/perf-requests.png"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top right
set title "Per request: open + close as another user (ns; TCG guest)"
set xlabel ""
set xtics rotate by -25
set ylabel "ns per request"
set yrange [0:*]
plot "'"$res"'/requests.dat" using 2:xtic(1) title "median", "" using 3 title "best run"
set autoscale y
set xtics norotate
'
fi
if plot memory; then
	awk -F, 'NR > 1 { print $1, $3, $4 }' "$res/memory.csv" >"$res/memory.dat"
	gp+='
set output "'"$res"'/perf-memory.png"
set style data linespoints
set key top left
set title "cred objects pinned by 10,000 open files"
set xlabel "distinct identities K"
set ylabel "cred\\_jar objects"
set yrange [5:30000]
set logscale xy
plot "'"$res"'/memory.dat" using 1:2 title "credo" lw 2 pt 7, "" using 1:3 title "raw set*id" lw 2 pt 5, \
	"" using 1:1 title "y = K" dt 2 lc rgb "gray"
'
fi
if [ -n "$gp" ]; then
	gnuplot <<GP
set terminal pngcairo size 720,420 font ",10"
set grid ytics
$gp
GP
fi
if [ "${CREDO_BENCH_DOCS:-0}" = 1 ]; then
	cp "$res"/perf-*.png "$CREDO_TOP/docs/" 2>/dev/null || true
	say "bench: copied the plots into docs/"
fi
cat "$res/summary.md"
say "bench: results in $res (report.txt, *.csv, summary.md, perf-*.png)"
