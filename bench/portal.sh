#!/bin/sh
# bench/portal.sh — the portal under load: wrk on loopback against the
# statement API of a ledger with 10,000 payees.  Figures, never pass/fail.
#
#   bench/portal.sh                       # 10,000 payees, 100 connections, 20 s a endpoint
#   BENCH_PAYEES=1000 BENCH_SECONDS=5 bench/portal.sh
#
# Environment: FAIRTRACK (binary, default build/rel/fairtrack), BENCH_OUT
# (default /tmp/fairtrack-bench/portal), BENCH_PAYEES (10000),
# BENCH_CONNECTIONS (100), BENCH_SECONDS (20), BENCH_WRK_THREADS (2),
# BENCH_SERVE_THREADS (the server's --threads, default its own),
# BENCH_WARMUP (concurrent requests to each endpoint, twice, before wrk: 8;
# 1 for a cold start),
# BENCH_ENDPOINTS (space-separated paths; default: the statement API when
# the build has it, else /api/me and /api/artists/a00042).  The label and
# its ledger are built once per size under BENCH_OUT and reused.
#
# Steps: generate (once per size) a label of BENCH_PAYEES artists, one single
# and one royalty contract each (payee = the artist), a month of usage for
# every track (GBP, three lines a track); init, import, run the month; add an
# artist account linked to one artist (and its payee, where the build links
# accounts to payees); serve on a free loopback port with the access log
# off, twice: `fairtrack serve` as shipped, then the same server with the
# per-address connection limit raised (bench/portal_serve.c, built against
# FAIRTRACK_LIB, default libfairtrack.a beside FAIRTRACK); sign in with curl;
# hand the session cookie to wrk through bench/portal.lua; run wrk against
# each endpoint; print requests/s, p50, p99, errors and the targets
# (>= 5,000 req/s, p99 < 50 ms, no errors).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ft=${FAIRTRACK:-$top/build/rel/fairtrack}
out=${BENCH_OUT:-/tmp/fairtrack-bench/portal}
payees=${BENCH_PAYEES:-10000}
conns=${BENCH_CONNECTIONS:-100}
secs=${BENCH_SECONDS:-20}
wrk_threads=${BENCH_WRK_THREADS:-2}
[ -x "$ft" ] || { echo "bench: no $ft (run make first, or set FAIRTRACK)" >&2; exit 2; }
for tool in wrk curl; do
	command -v $tool > /dev/null 2>&1 || { echo "bench: $tool not found (scripts/bootstrap installs it)" >&2; exit 2; }
done
mkdir -p "$out"
data="$out/data-$payees"
L="$out/ledger-$payees.db"
PW="bench artist password"

# --- the label: artists a00001…, one single of one track each, one contract each
if [ ! -f "$data/stamp" ]; then
	echo "bench: generating a label of $payees artists and payees into $data"
	rm -rf "$data"; mkdir -p "$data/catalog" "$data/contracts"
	printf 'label,country\nBench Records,GB\n' > "$data/catalog/labels.csv"
	printf 'partner_id,name,type,territories,fee_percent,currency\nbench-dsp,Bench DSP,dsp,WW,0,GBP\n' > "$data/catalog/partners.csv"
	awk -v n="$payees" -v dir="$data" 'BEGIN {
		artists = dir "/catalog/artists.csv"; tracks = dir "/catalog/tracks.csv"; usage = dir "/usage-2026-10.tsv"
		print "artist_id,name,kind,country,members" > artists
		print "upc,release_title,release_artist,release_date,format,label,disc,track_no,isrc,title,artists,featured,duration" > tracks
		print "SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\tCurrency\tRevenue" > usage
		split("GB US DE", terr, " ")
		split("SubscriptionModel AdvertisementSupportedModel SubscriptionModel", model, " ")
		line = 0
		for (i = 1; i <= n; i++) {
			id = sprintf("a%05d", i)
			printf "%s,Bench Artist %d,person,GB,\n", id, i > artists
			# UPC-A: 11 digits and the GS1 check digit (odd positions x3).
			body = sprintf("50999%06d", i); s = 0
			for (k = 1; k <= 11; k++) s += substr(body, k, 1) * (k % 2 ? 3 : 1)
			upc = body ((10 - s % 10) % 10)
			isrc = sprintf("GBBEN26%05d", i)
			printf "%s,Single %d,%s,2026-01-01,single,Bench Records,1,1,%s,Song %d,%s,,3:30\n", upc, i, id, isrc, i, id > tracks
			c = sprintf("%s/contracts/%s.yaml", dir, id)
			print "id: " id "-recording" > c
			print "label: \"Bench Records\"\ntype: royalty\ncurrency: GBP\nfrequency: monthly\npayees:" > c
			print "  - id: " id "\n    name: \"Bench Artist " i "\"\n    share: 100%" > c
			print "scope:\n  artists: [" id "]\n  start: 2026-01-01\nrates:\n  - rate: 20%" > c
			close(c)
			for (t = 1; t <= 3; t++) {
				line++
				units = 100 + (i * 7919 + t * 104729) % 5000
				printf "BEN-%07d\t%s\t\t%s\t%s\tOnDemandStream\t%d\tGBP\t%d.%06d\n", line, isrc, terr[t], model[t], units, units / 300, (i * 31 + t) % 1000000 > usage
			}
		}
	}'
	echo "$payees" > "$data/stamp"
fi

if [ ! -f "$L" ] || [ "$L" -ot "$data/stamp" ]; then
	echo "bench: building the ledger $L"
	rm -f "$L" "$L-wal" "$L-shm"
	t0=$(date +%s)
	"$ft" init "$L" > /dev/null
	"$ft" -l "$L" import catalog "$data"/catalog/*.csv > /dev/null
	"$ft" -l "$L" import contracts "$data/contracts" > /dev/null
	"$ft" -l "$L" import report --partner bench-dsp --month 2026-10 "$data/usage-2026-10.tsv" > /dev/null
	"$ft" -l "$L" run --period 2026-10 > "$out/run.txt"
	payee=""
	if "$ft" help user 2> /dev/null | grep -q -- '--payee'; then payee="--payee a00042"; fi
	# shellcheck disable=SC2086
	echo "$PW" | "$ft" -l "$L" user add bench-artist --role artist --artist a00042 $payee --password-stdin > /dev/null
	echo "bench: ledger built in $(($(date +%s) - t0)) s ($(du -h "$L" | cut -f1))"
fi
echo "bench: $(sqlite3 "$L" 'SELECT COUNT(DISTINCT payee) FROM user_payees' 2>/dev/null || echo '?') linked payees; payees in the run: $(grep -c '^a[0-9]' "$out/run.txt" || true)"

# --- the servers: `fairtrack serve` as shipped, and the same server with the
# per-address connection limit raised (bench/portal_serve.c: all of wrk's
# connections come from 127.0.0.1, and serve admits 32 from one address).
lib=${FAIRTRACK_LIB:-$(dirname "$ft")/libfairtrack.a}
pkgs="sqlite3 zlib libarchive yaml-0.1 libcrypto pangocairo cairo xlsxwriter libmicrohttpd libargon2 jansson"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -I"$top/include" -o "$out/portal_serve" \
	"$top/bench/portal_serve.c" "$lib" $(pkg-config --libs $pkgs) -lpthread -lm

server=""
trap '[ -n "$server" ] && kill -TERM $server 2> /dev/null; true' EXIT INT TERM
start_server() { # COMMAND…: start it, wait for "listening PORT", sign in
	"$@" > "$out/serve.out" 2> "$out/serve.err" &
	server=$!
	port=""
	for _ in $(seq 1 40); do
		port=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$out/serve.out")
		[ -n "$port" ] && break
		sleep 0.25
	done
	[ -n "$port" ] || { echo "bench: the server did not start:" >&2; cat "$out/serve.err" >&2; exit 1; }
	U="http://127.0.0.1:$port"
	rm -f "$out/cookies"
	curl -s -c "$out/cookies" -H 'Content-Type: application/json' \
		-d "{\"username\":\"bench-artist\",\"password\":\"$PW\"}" "$U/api/login" > "$out/login.json"
	session=$(awk '$6 == "ft_session" { print $7 }' "$out/cookies")
	[ -n "$session" ] || { echo "bench: sign-in failed: $(cat "$out/login.json")" >&2; exit 1; }
}
stop_server() {
	kill -TERM $server
	wait $server || true
	server=""
}

# The endpoints: the statement API when this build has it, else what an
# artist's pages ask for today.
pick_endpoints() {
	if [ -n "${BENCH_ENDPOINTS:-}" ]; then endpoints=$BENCH_ENDPOINTS; return; fi
	endpoints="/api/me /api/artists/a00042"
	list=$(curl -s -o "$out/statements.json" -w '%{http_code}' -b "$out/cookies" "$U/api/statements")
	if [ "$list" = 200 ]; then
		one=$(node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
			const s = (d.statements || [])[0]; if (s) console.log(s.payee + "/" + s.period);' < "$out/statements.json" || true)
		endpoints="/api/statements"
		[ -n "$one" ] && endpoints="$endpoints /api/statements/$one /api/statements/$one/charts"
		endpoints="$endpoints /api/me"
	fi
}

load() { # LABEL: wrk against each endpoint, one line each
	for ep in $endpoints; do
		# After a slow endpoint the server may still be draining wrk's
		# queued requests: give it time, and never let curl's exit stop us.
		code=$(curl -s -o /dev/null -m 60 --retry 5 --retry-all-errors --retry-delay 2 \
			-w '%{http_code}' -b "$out/cookies" "$U$ep" || true)
		[ "$code" = 200 ] || { echo "bench: $ep answers $code before the load, skipped" >&2; continue; }
		# Warm-up (BENCH_WARMUP requests, 8 by default): every worker thread's
		# first look empties the reply cache (src/http/cache.c), so the first
		# requests after a start compute; the table measures the steady state.
		# Concurrent, so that every worker gets some.
		for _ in 1 2; do
			pids=""
			for _ in $(seq 2 "${BENCH_WARMUP:-8}"); do
				curl -s -o /dev/null -m 60 -b "$out/cookies" "$U$ep" &
				pids="$pids $!"
			done
			# shellcheck disable=SC2086
			wait $pids || true # not a bare wait: the server is a job too
		done
		name=$1$(echo "$ep" | tr '/' '_')
		FT_SESSION="$session" wrk -t "$wrk_threads" -c "$conns" -d "${secs}s" --timeout 10s --latency \
			-s "$top/bench/portal.lua" "$U$ep" > "$out/wrk-$name.txt" 2>&1 || true
		awk -v ep="$ep" -v cfg="$1" '
			/Requests\/sec:/ { rps = $2 }
			/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
			/^ +Latency +[0-9]/ { max = $4 }
			/Non-2xx or 3xx responses:/ { non2xx = $5 }
			/Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
			END { printf "%-14s %-30s %10s %9s %9s %9s %8d\n", cfg, ep, rps, p50, p99, max, non2xx + sock }
		' "$out/wrk-$name.txt"
	done
}

printf '\n%-14s %-30s %10s %9s %9s %9s %8s\n' server endpoint 'req/s' p50 p99 max errors
# shellcheck disable=SC2086
start_server "$ft" -l "$L" serve --listen 127.0.0.1:0 --web "$top/web" --access-log /dev/null ${BENCH_SERVE_THREADS:+--threads $BENCH_SERVE_THREADS}
pick_endpoints
load serve-default
stop_server
# The per-address limit raised: serve --max-per-ip where this build has it,
# else bench/portal_serve.c.
if "$ft" -l "$L" serve --max-per-ip 1024 --listen bad 2>&1 | grep -q "unknown option"; then
	# shellcheck disable=SC2086
	start_server "$out/portal_serve" "$L" "$top/web" 1024 ${BENCH_SERVE_THREADS:-}
else
	# shellcheck disable=SC2086
	start_server "$ft" -l "$L" serve --listen 127.0.0.1:0 --web "$top/web" --access-log /dev/null --max-per-ip 1024 ${BENCH_SERVE_THREADS:+--threads $BENCH_SERVE_THREADS}
fi
pick_endpoints
load per-ip-1024
stop_server

echo
echo "targets: >= 5,000 req/s, p99 < 50 ms, 0 errors ($conns connections, $wrk_threads wrk threads, ${secs} s each, $payees payees)"
echo "serve-default: fairtrack serve as shipped (32 connections per address: the rest are refused, counted as errors)"
echo "per-ip-1024:   the same server, per-address limit 1024 (serve --max-per-ip 1024)"
echo "wrk output: $out/wrk-*.txt; machine: $(nproc) cores, $(uname -r)"
