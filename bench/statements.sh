#!/bin/sh
# bench/statements.sh [N] [THREADS] [TRACKS] [FORMATS] — build and run
# bench/statements.c against the optimised library (make first).
# Figures, never pass/fail.  Output files go to $BENCH_OUT (/tmp/fairtrack-bench).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
lib=${FAIRTRACK_LIB:-$top/build/rel/libfairtrack.a}
[ -f "$lib" ] || { echo "bench: no $lib (run make first, or set FAIRTRACK_LIB)" >&2; exit 2; }
pkgs="sqlite3 zlib libarchive yaml-0.1 libcrypto pangocairo cairo xlsxwriter libmicrohttpd libargon2 jansson"
out=${BENCH_OUT:-/tmp/fairtrack-bench}
mkdir -p "$out"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -I"$top/include" -o "$out/bench_statements" \
	"$top/bench/statements.c" "$lib" $(pkg-config --libs $pkgs) -lpthread -lm
exec "$out/bench_statements" "$@"
