#!/bin/sh
# bench/gen_statements_ledger.sh DIR [PAYEES] [MIX] — a label with PAYEES
# artists (default 10000), each with its own royalty contract, one month of
# usage from the distributor North Sea, the exchange rates and the run of
# 2026-10, in DIR/ledger.db, ready for `fairtrack statements`.  Seeded: the
# same arguments give the same ledger.
#
# MIX says how many statement lines a payee gets:
#   realistic  (default) most payees a few to a few dozen lines: 1-4 tracks,
#              1-12 lines a track (median ~12 lines, max 48, 1-2 pages)
#   long       every payee 12 tracks of 27 lines (~325 lines, the 8-page
#              statement of bench/statements.c)
# Names: ~5 % of artists have CJK names, ~3 % Arabic or Hebrew, the others
# Latin with accents, as a label's roster might.
#
# Uses $FAIRTRACK (default build/rel/fairtrack).  Figures come from
# bench/statements-e2e.sh, which calls this.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
FT=${FAIRTRACK:-$top/build/rel/fairtrack}
dir=${1:?usage: gen_statements_ledger.sh DIR [PAYEES] [realistic|long]}
payees=${2:-10000}
mix=${3:-realistic}
rm -rf "$dir/contracts"
mkdir -p "$dir/catalog" "$dir/contracts"
rm -f "$dir/ledger.db"

awk -v n="$payees" -v mix="$mix" -v dir="$dir" '
function rnd(k) { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) % k }
function upc(i,   s, d, k, sum, digit) {
	s = sprintf("50%09d", i)
	sum = 0
	for (k = 1; k <= 11; k++) {
		digit = substr(s, k, 1) + 0
		sum += (k % 2 == 1) ? digit * 3 : digit
	}
	return s ((10 - sum % 10) % 10)
}
BEGIN {
	seed = 20261026
	split("Ana Lúcia|Zoë|Søren|Inès|Mañana|Łukasz|Ólafur|Renée|Jürgen|François|Björk|Tomás|Marta|Jonas|Elena|Noah", first, "|")
	split("Ferreira|Ångström|Dubois|Müller|García|Nowak|Rossi|Kowalski|Novák|Smith|Okafor|Byrne|Costa|Lindqvist", last, "|")
	split("坂本 美雨|森 遥|김 하늘|王 芳|夜明け", cjk, "|")
	split("فيروز الحداد|נועה כהן|ليلى|דניאל לוי", rtl, "|")
	split("Saudade|Café Noir|Blue Hours|Nørrebro|Über Alles|Glass Harbour|Midnight Tram|Paper Moons|Lantern Field|Slow River|Velvet Static|Cidade Nua|Second Sunrise|Quiet Engines", word, "|")
	split("GB US DE FR JP BR ES IT NL SE NO PL MX CA AU IE PT KR IN ZA", terr, " ")
	split("SubscriptionModel|AdvertisementSupportedModel|PayAsYouGoModel", model, "|")
	cat = dir "/catalog/tracks.csv"; art = dir "/catalog/artists.csv"
	rep = dir "/usage-2026-10.tsv"
	print "label,country\nBench Records,GB" > (dir "/catalog/labels.csv")
	print "partner_id,name,type,territories,fee_percent,currency\nnorth-sea,North Sea Distribution,distributor,WW,15,GBP" > (dir "/catalog/partners.csv")
	print "artist_id,name,kind,country,members" > art
	print "upc,release_title,release_artist,release_date,format,label,disc,track_no,isrc,title,artists,featured,duration" > cat
	print "SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\tCurrency\tRevenue" > rep
	row = 0; isrc = 0
	for (a = 1; a <= n; a++) {
		id = sprintf("artist-%05d", a)
		r = rnd(100)
		if (r < 5) name = cjk[rnd(5) + 1] " " a
		else if (r < 8) name = rtl[rnd(4) + 1] " " a
		else name = first[rnd(16) + 1] " " last[rnd(14) + 1] " " a
		printf "%s,\"%s\",person,GB,\n", id, name > art
		tracks = mix == "long" ? 12 : 1 + rnd(4)
		for (t = 1; t <= tracks; t++) {
			isrc++
			code = sprintf("GBBEN26%05d", isrc % 100000)
			if (isrc >= 100000) code = sprintf("GBBEM26%05d", isrc % 100000)
			title = word[rnd(14) + 1] " " t
			printf "%s,\"%s\",%s,2026-01-16,ep,Bench Records,1,%d,%s,\"%s\",%s,,3:30\n", upc(a), "Release of " name, id, t, code, title, id > cat
			lines = mix == "long" ? 27 : 1 + rnd(12)
			for (l = 1; l <= lines; l++) {
				row++
				m = rnd(3) + 1
				use = m == 3 ? "PermanentDownload" : "OnDemandStream"
				units = m == 3 ? 1 + rnd(40) : 100 + rnd(50000)
				cur = rnd(4) == 0 ? "USD" : "GBP"
				rev = m == 3 ? units * 0.69 : units * 0.0031
				# one line per (track, territory, model): territories cycle
				printf "BEN-%08d\t%s\t\t%s\t%s\t%s\t%d\t%s\t%.6f\n", row, code, terr[(l - 1) % 20 + 1], model[m], use, units, cur, rev > rep
			}
		}
		# One file a contract: the ledger keeps each contract'"'"'s source file.
		con = sprintf("%s/contracts/%s.yaml", dir, id)
		printf "id: %s-recording\ntype: royalty\ncurrency: GBP\nfrequency: monthly\npayees:\n  - id: %s\n    name: \"%s\"\n    share: 100%%\nscope:\n  artists: [%s]\n  start: 2026-01-01\nrates:\n  - rate: 18%%\n  - use_type: PermanentDownload\n    rate: 22%%\n", id, id, name, id > con
		if (rnd(4) == 0)
			printf "advances:\n  - amount: %d.00\n    currency: GBP\n    date: 2026-02-01\n", 100 * (1 + rnd(20)) > con
		close(con)
	}
}'
printf 'period,from,to,rate\n2026-Q4,USD,GBP,0.7874\n' > "$dir/fx.csv"

"$FT" init "$dir/ledger.db" > /dev/null
"$FT" -l "$dir/ledger.db" import catalog "$dir"/catalog/*.csv | tail -n 1
"$FT" -l "$dir/ledger.db" import contracts "$dir/contracts" | tail -n 1
"$FT" -l "$dir/ledger.db" import fx "$dir/fx.csv" | tail -n 1
"$FT" -l "$dir/ledger.db" import report --partner north-sea --month 2026-10 "$dir/usage-2026-10.tsv" | tail -n 1
"$FT" -l "$dir/ledger.db" run --period 2026-10 | head -n 1
