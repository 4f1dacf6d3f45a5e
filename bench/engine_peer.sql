-- engine_peer.sql — the peer of bench/engine.sh: sqlite3 itself, on the same
-- ledger in the same run, doing the part of a royalty run that SQL does
-- naturally: every usage row of the month converted to the accounting
-- currency at the month's rate, less the partner's fee, attributed to the
-- track's main artist and summed.  No contracts, rules, escalations, shares,
-- recoupment, journal or provenance, and in floating point: a floor, not an
-- equal.  bench/engine.sh reports fairtrack's run time over this.
SELECT ta.artist_id, SUM(CAST(u.revenue AS REAL) * COALESCE(CAST(f.rate AS REAL), 1.0) * (1.0 - CAST(p.fee_percent AS REAL) / 100.0))
FROM usage u
JOIN import_batches b ON b.id = u.batch_id AND b.withdrawn_at IS NULL
JOIN partners p ON p.id = b.partner_id
LEFT JOIN fx_rates f ON f.month = u.month AND f.from_currency = u.currency AND f.to_currency = 'EUR'
JOIN track_artists ta ON ta.isrc = u.isrc AND ta.role = 'main' AND ta.position = 1
WHERE u.month = '2026-10'
GROUP BY ta.artist_id;
