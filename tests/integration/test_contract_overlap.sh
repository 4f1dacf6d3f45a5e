# import contracts refuses two contracts claiming the same track, territory
# and month (docs/CONTRACTS.md "Overlapping contracts"): the message names
# both files and the field, and a refused import leaves the ledger as it was.
. "$TOP/tests/integration/lib.sh"
L="$WORK/l.db"
S="$TOP/samples"
ft init "$L" >/dev/null
ft -l "$L" import catalog "$S"/catalog/*.csv >/dev/null
# the samples stack a producer's points on the artists' deals: accepted
check "the sample contracts import (producer points stack)" ft -l "$L" import contracts "$S/contracts"

dump() { sqlite3 "$L" .dump > "$1"; }

# A license on Zoë Ashwood's release, which wren-distribution already owns.
mkdir -p "$WORK/clash"
cat > "$WORK/clash/zoe-license.yaml" <<'EOF'
id: zoe-license
type: license
currency: GBP
frequency: monthly
payees:
  - id: tidewater-films
    share: 100%
scope:
  releases: ["501234000618"]
  territories: GB IE
  start: 2026-06-01
rates:
  - rate: 40%
EOF
dump "$WORK/before.sql"
ft -l "$L" import contracts "$WORK/clash" > "$WORK/clash.out" 2>&1; rc=$?
[ $rc = 4 ] && ok "a second deal on a distributed release exits 4 (conflict)" ||
	not_ok "a second deal on a distributed release exits 4 (got $rc)"
check_grep "the message names the new file, line and field" \
	"clash/zoe-license.yaml:1: scope.releases\[1\]: contract 'zoe-license' claims track GBNLR26000" \
	"$WORK/clash.out"
check_grep "the message names the territory and the date" "(on release 00501234000618) in GB IE from 2026-06-01" "$WORK/clash.out"
check_grep "the message names the other contract and its file" \
	"which contract 'wren-distribution' (.*samples/contracts/zoe-ashwood-distribution.yaml, scope.releases\[1\])" \
	"$WORK/clash.out"
dump "$WORK/after.sql"
check "the refused import changed nothing" cmp "$WORK/before.sql" "$WORK/after.sql"

# A directory with a good contract and one paying Aurora Fields twice: all
# or nothing, so neither is stored.
mkdir -p "$WORK/mixed"
cat > "$WORK/mixed/a-kit-producer.yaml" <<'EOF'
id: kit-producer
type: royalty
currency: GBP
frequency: monthly
payees:
  - id: kit-lowe
    share: 100%
scope:
  tracks: [GBNLR2600003]
  start: 2026-01-01
rates:
  - rate: 2%
EOF
cat > "$WORK/mixed/b-aurora-points.yaml" <<'EOF'
id: aurora-points
type: royalty
currency: GBP
frequency: monthly
payees:
  - id: aurora-fields
    share: 100%
scope:
  tracks: [GBNLR2600003]
  territories: WW -US
  start: 2027-02-01
rates:
  - rate: 3%
EOF
ft -l "$L" import contracts "$WORK/mixed" > "$WORK/mixed.out" 2>&1; rc=$?
[ $rc = 4 ] && ok "the same payee twice on a track exits 4" || not_ok "the same payee twice on a track exits 4 (got $rc)"
check_grep "the payee is named" "mixed/b-aurora-points.yaml:1: scope.tracks\[1\]: contract 'aurora-points' claims track GBNLR2600003 in WW -US from 2027-02-01, which contract 'aurora-fields-recording' (.*samples/contracts/aurora-fields.yaml, scope.artists\[1\]) already claims: both pay 'aurora-fields'" "$WORK/mixed.out"
dump "$WORK/after2.sql"
check "the good contract of the refused directory was not stored either" cmp "$WORK/before.sql" "$WORK/after2.sql"

# Alone, the producer stacks on the artist's deal; a re-import of a stored
# contract replaces it rather than clashing with itself.
check "a producer on an artist's track imports" ft -l "$L" import contracts "$WORK/mixed/a-kit-producer.yaml"
sed 's/start: 2026-04-01/start: 2026-05-01/' "$S/contracts/zoe-ashwood-distribution.yaml" > "$WORK/zoe.yaml"
ft -l "$L" import contracts "$WORK/zoe.yaml" > "$WORK/zoe.out" 2>&1
check_grep "a changed distribution deal replaces itself" "changed   wren-distribution" "$WORK/zoe.out"
# The license in other territories than the deal's, after it ends: fine.
sed 's/  start: 2026-06-01/  start: 2026-06-01\n  end: 2026-12-31/' "$WORK/clash/zoe-license.yaml" > "$WORK/zoe-license.yaml"
sed -e 's/start: 2026-04-01/start: 2026-04-01\n  end: 2026-05-31/' "$S/contracts/zoe-ashwood-distribution.yaml" > "$WORK/zoe-ends.yaml"
check "the distribution deal ends in May" ft -l "$L" import contracts "$WORK/zoe-ends.yaml"
check "a license from June on the same release imports" ft -l "$L" import contracts "$WORK/zoe-license.yaml"
finish
