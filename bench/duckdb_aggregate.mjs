// duckdb_aggregate.mjs — the benchmark peer: `fairtrack aggregate` in DuckDB.
//
//   node duckdb_aggregate.mjs USAGE.tsv CATALOG.tsv OUT.txt THREADS
//
// The same grouping, exact DECIMAL(38,12) sums, the same canonical revenue
// text (no trailing fractional zeros, no '.' for whole amounts), the same
// bytewise sort and the same two blocks, so bench/run can compare the two
// outputs byte for byte.  Identifier normalisation is what the benchmark data
// needs (upper case, hyphens and spaces removed; a UPC padded to GTIN-14);
// fairtrack's full ISRC/GTIN validation is not reproduced here.
import { DuckDBInstance } from '@duckdb/node-api';

const [usage, catalog, out, threads] = process.argv.slice(2);
if (!usage || !catalog || !out) {
	console.error('usage: node duckdb_aggregate.mjs USAGE.tsv CATALOG.tsv OUT.txt [THREADS]');
	process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads || 2) });
const con = await inst.connect();

const norm = (col) => `upper(replace(replace(${col}, '-', ''), ' ', ''))`;
const key = `concat_ws(chr(9), id, t, m, ut, c)`;
const line = `concat_ws(chr(9), id, t, m, ut, c, CAST(n AS VARCHAR), rtrim(rtrim(CAST(rev AS VARCHAR), '0'), '.'))`;
const cols = `chr(9) || 'territory' || chr(9) || 'commercial_model' || chr(9) || 'use_type' || chr(9) || 'currency' || chr(9) || 'usages' || chr(9) || 'revenue' AS tail`;

await con.run(`
COPY (
WITH u AS (
	SELECT * FROM read_csv(${q(usage)}, delim = '\t', header = true, quote = '', escape = '',
		auto_detect = false,
		columns = {'SalesTransactionId': 'VARCHAR', 'ISRC': 'VARCHAR', 'UPC': 'VARCHAR',
			'Territory': 'VARCHAR', 'CommercialModel': 'VARCHAR', 'UseType': 'VARCHAR',
			'Usages': 'BIGINT', 'Currency': 'VARCHAR', 'Revenue': 'DECIMAL(38,12)'})
), g AS (
	SELECT CASE WHEN coalesce(ISRC, '') <> '' THEN ${norm('ISRC')} ELSE lpad(UPC, 14, '0') END AS id,
		Territory AS t, CommercialModel AS m, UseType AS ut, Currency AS c,
		sum(Usages) AS n, sum(Revenue) AS rev
	FROM u GROUP BY ALL
), cat AS (
	SELECT * FROM read_csv(${q(catalog)}, delim = '\t', header = true, all_varchar = true)
), known AS (
	SELECT ${norm('ISRC')} AS id FROM cat WHERE coalesce(ISRC, '') <> ''
	UNION SELECT lpad(UPC, 14, '0') FROM cat WHERE coalesce(UPC, '') <> ''
), r AS (
	SELECT g.*, g.id IN (SELECT id FROM known) AS matched FROM g
), h AS (SELECT ${cols})
SELECT line FROM (
	SELECT 0 AS blk, '' AS k, 'isrc' || (SELECT tail FROM h) AS line
	UNION ALL SELECT 1, ${key}, ${line} FROM r WHERE matched
	UNION ALL SELECT 2, '', chr(10) || 'unmatched_id' || (SELECT tail FROM h)
	UNION ALL SELECT 3, ${key}, ${line} FROM r WHERE NOT matched
) ORDER BY blk, k
) TO ${q(out)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')`);
