/*
 * fmt_flat_tsv.c — the flat usage TSV format ("flat-tsv") and its fast path.
 *
 * The format: a header line, exactly
 *   SalesTransactionId ISRC UPC Territory CommercialModel UseType Usages Currency Revenue
 * (tab-separated), then one usage line per sale or stream group.  Usages is
 * a whole number, Revenue an exact decimal with up to 12 fractional digits
 * (more only if the extra digits are zeros); both may be negative (returns,
 * corrections).  A line names a track by ISRC, or — ISRC empty — a release
 * by UPC/EAN.  Territory is two upper-case letters (ISO 3166-1 alpha-2, or
 * WW), Currency three (ISO 4217).  No quoting: a TSV field cannot hold a tab.
 * Empty lines are skipped.
 *
 * Two entry points share the field rules:
 *   - the generic ft_format ops (.gz, .zip, `import report`): one line at a
 *     time, each checked in full and handed to a sink;
 *   - flat_tsv_fast_path for a mapped plain file, the measured hot path of
 *     `fairtrack aggregate`: the file is cut at line boundaries into chunks
 *     (about 8 per thread) that threads take in file order; each thread
 *     scans its chunks with SSE2 compares (all
 *     nine field boundaries of a line from a few 16-byte loads), parses
 *     Usages and Revenue inline (a specialised decimal → int128 parse: the
 *     general ft_amount_parse is taken only for >18 integer digits or >12
 *     fractional ones, rare), and adds into its own part table.  Checks that
 *     depend only on the dimension text (Territory, CommercialModel, UseType,
 *     Currency) run once per distinct text, when it first enters the part —
 *     which is exactly the first line that carries it, so the error names the
 *     right line.  Errors name the absolute line: a thread that fails counts
 *     the lines before its chunk then (only on that path).
 * Pages behind each thread's cursor are released as it goes (ft_report_release).
 */
#include "ingest/fmt_flat_tsv.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define N_FIELDS 9
#define EXCERPT 40
#define DEFAULT_MIN_CHUNK ((size_t)4 << 20)
#define WINDOW ((size_t)16 << 20) /* release granularity per thread */

static const char *const field_names[N_FIELDS] = {
    "SalesTransactionId", "ISRC",    "UPC", "Territory", "CommercialModel", "UseType", "Usages",
    "Currency",		  "Revenue",
};

enum { F_TXID, F_ISRC, F_UPC, F_TERRITORY, F_MODEL, F_USE, F_USAGES, F_CURRENCY, F_REVENUE };

/* Field boundaries of one line: field i is [start[i], end[i]). */
struct fields {
	const char *start[N_FIELDS];
	const char *end[N_FIELDS];
	int count; /* fields found (may exceed N_FIELDS) */
};

static int excerpt_len(size_t len)
{
	return len > EXCERPT ? EXCERPT : (int)len;
}

static int field_error(struct ft_error *err, const char *file, long line_no, int f,
		       const struct fields *fl, const char *why)
{
	size_t len = (size_t)(fl->end[f] - fl->start[f]);

	return ft_error_setloc(err, FT_EINVAL, file, line_no, field_names[f],
			       "field %d '%s': '%.*s%s' %s", f + 1, field_names[f],
			       excerpt_len(len), fl->start[f], len > EXCERPT ? "..." : "", why);
}

/* --------------------------------------------------------- number parsing */

static const uint64_t pow10_12[13] = {
    1000000000000ull, 100000000000ull, 10000000000ull, 1000000000ull, 100000000ull,
    10000000ull,      1000000ull,      100000ull,      10000ull,      1000ull,
    100ull,	      10ull,	       1ull,
};

/* 0, or 1 when the text needs the general parser (too many digits), or -1
 * when it is not a decimal at all. */
static inline int parse_revenue_fast(const char *s, const char *e, ft_amount *out)
{
	uint64_t ip = 0, fp = 0;
	const char *d;
	size_t nint, nfrac = 0;
	int neg = 0;
	ft_amount v;

	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	d = s;
	while (s < e && (unsigned)(*s - '0') < 10)
		ip = ip * 10 + (uint64_t)(*s++ - '0');
	nint = (size_t)(s - d);
	if (s < e && *s == '.') {
		d = ++s;
		while (s < e && (unsigned)(*s - '0') < 10)
			fp = fp * 10 + (uint64_t)(*s++ - '0');
		nfrac = (size_t)(s - d);
	}
	if (s != e || nint + nfrac == 0)
		return -1;
	if (nint > 18 || nfrac > 12)
		return 1;
	v = (ft_amount)ip * 1000000000000ll + (ft_amount)(fp * pow10_12[nfrac]);
	*out = neg ? -v : v;
	return 0;
}

static int parse_revenue(const char *file, long line_no, const struct fields *fl, ft_amount *out,
			 struct ft_error *err)
{
	const char *s = fl->start[F_REVENUE], *e = fl->end[F_REVENUE];
	int rc = parse_revenue_fast(s, e, out);
	const char *p;
	int frac = -1;

	if (rc == 0)
		return 0;
	if (rc == 1 && ft_amount_parse(out, s, (size_t)(e - s), NULL) == 0)
		return 0;
	if (s == e)
		return field_error(err, file, line_no, F_REVENUE, fl,
				   "is empty (write 0 for a line without revenue)");
	if (memchr(s, ',', (size_t)(e - s)))
		return field_error(err, file, line_no, F_REVENUE, fl,
				   "is not a decimal (use '.' as the decimal point)");
	for (p = s; p < e; p++) {
		if (*p == '.')
			frac = 0;
		else if (frac >= 0)
			frac++;
	}
	if (rc == 1 && frac > 12)
		return field_error(err, file, line_no, F_REVENUE, fl,
				   "has more than 12 decimal places (fairtrack keeps 12 exactly "
				   "and never rounds; shorten it at the source)");
	if (rc == 1)
		return field_error(err, file, line_no, F_REVENUE, fl,
				   "is out of range (the largest amount has 27 integer digits)");
	return field_error(err, file, line_no, F_REVENUE, fl,
			   "is not a decimal (write digits with an optional '-' and '.', "
			   "e.g. -12.5)");
}

static inline int parse_usages(const char *file, long line_no, const struct fields *fl,
			       int64_t *out, struct ft_error *err)
{
	const char *s = fl->start[F_USAGES], *e = fl->end[F_USAGES];
	uint64_t v = 0;
	int neg = 0;
	const char *d;

	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	d = s;
	while (s < e && (unsigned)(*s - '0') < 10) {
		if (v > (UINT64_MAX - 9) / 10)
			goto range;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	if (s != e || s == d)
		return field_error(err, file, line_no, F_USAGES, fl,
				   "is not a whole number (usages count streams or units, "
				   "e.g. 12 or -1 for a return)");
	if (v > (uint64_t)INT64_MAX)
		goto range;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
range:
	return field_error(err, file, line_no, F_USAGES, fl, "is out of range");
}

/* The checks that depend on the dimension fields only. */
static int check_dims(const char *file, long line_no, const struct fields *fl, struct ft_error *err)
{
	const char *t = fl->start[F_TERRITORY], *c = fl->start[F_CURRENCY];
	size_t tl = (size_t)(fl->end[F_TERRITORY] - t), cl = (size_t)(fl->end[F_CURRENCY] - c);
	size_t i;

	if (tl != 2 || t[0] < 'A' || t[0] > 'Z' || t[1] < 'A' || t[1] > 'Z')
		return field_error(err, file, line_no, F_TERRITORY, fl,
				   "is not a territory code (two upper-case letters of ISO "
				   "3166-1 such as GB, or WW for worldwide)");
	if (fl->end[F_MODEL] == fl->start[F_MODEL])
		return field_error(err, file, line_no, F_MODEL, fl,
				   "is empty (e.g. SubscriptionModel, AdvertisementSupportedModel, "
				   "PayAsYouGoModel)");
	if (fl->end[F_USE] == fl->start[F_USE])
		return field_error(err, file, line_no, F_USE, fl,
				   "is empty (e.g. OnDemandStream, PermanentDownload)");
	for (i = 0; i < cl; i++)
		if (c[i] < 'A' || c[i] > 'Z')
			break;
	if (cl != 3 || i != 3)
		return field_error(err, file, line_no, F_CURRENCY, fl,
				   "is not a currency code (three upper-case letters of ISO 4217 "
				   "such as EUR)");
	return 0;
}

static int check_count(const char *file, long line_no, const struct fields *fl,
		       struct ft_error *err)
{
	if (fl->count == N_FIELDS)
		return 0;
	return ft_error_setloc(err, FT_EINVAL, file, line_no, NULL,
			       "expected %d tab-separated fields, found %d (the columns are "
			       "SalesTransactionId ISRC UPC Territory CommercialModel UseType "
			       "Usages Currency Revenue)",
			       N_FIELDS, fl->count);
}

static int check_ident(const char *file, long line_no, const struct fields *fl,
		       struct ft_error *err)
{
	if (fl->end[F_ISRC] != fl->start[F_ISRC] || fl->end[F_UPC] != fl->start[F_UPC])
		return 0;
	return ft_error_setloc(err, FT_EINVAL, file, line_no, field_names[F_ISRC],
			       "field 2 'ISRC' and field 3 'UPC' are both empty (a line names a "
			       "track by ISRC, or a release by UPC)");
}

/* Split a line (terminator removed) at tabs, scalar: the generic path and
 * the fast path's tail. */
static void split_scalar(const char *line, const char *end, struct fields *fl)
{
	const char *p = line;

	fl->count = 0;
	for (;;) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		const char *fe = tab ? tab : end;

		if (fl->count < N_FIELDS) {
			fl->start[fl->count] = p;
			fl->end[fl->count] = fe;
		}
		fl->count++;
		if (!tab)
			break;
		p = tab + 1;
	}
}

/* ------------------------------------------------------- generic ft_format */

static int detect(const char *head, size_t len)
{
	size_t n = sizeof(FLAT_TSV_HEADER) - 1;

	if (len >= n && memcmp(head, FLAT_TSV_HEADER, n) == 0 &&
	    (len == n || head[n] == '\n' || head[n] == '\r'))
		return 100;
	return 0;
}

static int check_header(const char *file, const char *line, size_t len, struct ft_error *err)
{
	size_t n = sizeof(FLAT_TSV_HEADER) - 1;

	if (len == n && memcmp(line, FLAT_TSV_HEADER, n) == 0)
		return 0;
	return ft_error_setloc(err, FT_EINVAL, file, 1, NULL,
			       "not a flat usage TSV header: expected the tab-separated columns "
			       "SalesTransactionId ISRC UPC Territory CommercialModel UseType "
			       "Usages Currency Revenue");
}

static int line_op(void *state, const struct ft_format_ctx *ctx, const char *line, size_t len,
		   long line_no, ft_usage_sink_fn sink, void *sink_ctx, struct ft_error *err)
{
	struct ft_usage_line u;
	struct fields fl;
	int rc;

	if (line_no == 1)
		return check_header(ctx->file, line, len, err);
	if (len == 0)
		return 0;
	split_scalar(line, line + len, &fl);
	if ((rc = check_count(ctx->file, line_no, &fl, err)) ||
	    (rc = check_ident(ctx->file, line_no, &fl, err)) ||
	    (rc = check_dims(ctx->file, line_no, &fl, err)))
		return rc;
	memset(&u, 0, sizeof(u));
	if ((rc = parse_usages(ctx->file, line_no, &fl, &u.usages, err)) ||
	    (rc = parse_revenue(ctx->file, line_no, &fl, &u.revenue, err)))
		return rc;
#define VIEW(f) ((struct ft_strview){fl.start[f], (size_t)(fl.end[f] - fl.start[f])})
	u.transaction_id = VIEW(F_TXID);
	u.isrc = VIEW(F_ISRC);
	u.upc = VIEW(F_UPC);
	u.territory = VIEW(F_TERRITORY);
	u.commercial_model = VIEW(F_MODEL);
	u.use_type = VIEW(F_USE);
	u.currency = VIEW(F_CURRENCY);
#undef VIEW
	u.gross = u.revenue;
	u.line_no = line_no;
	return sink(sink_ctx, &u, err);
}

const struct ft_format ft_format_flat_tsv = {
    .name = "flat-tsv",
    .description = "flat usage TSV: SalesTransactionId ISRC UPC Territory CommercialModel "
		   "UseType Usages Currency Revenue",
    .detect = detect,
    .begin = NULL,
    .line = line_op,
    .end = NULL,
    .free = NULL,
};

/* -------------------------------------------------------------- fast path */

/*
 * The body of the file is cut into chunks (whole lines), several per
 * thread, handed out in file order from a shared counter: a thread slowed
 * down by another process on the machine takes fewer chunks instead of
 * holding the others up.  Each thread keeps one part for all its chunks.
 */
struct chunk_plan {
	const size_t *cuts; /* chunk c is [cuts[c], cuts[c + 1]) */
	int n_chunks;
	int next; /* next chunk to hand out (atomic) */
	int stop; /* lowest failing chunk (atomic): later ones are skipped */
};

struct chunk_job {
	struct ft_report *report;
	const char *data; /* the whole report */
	size_t data_len;
	size_t begin, end; /* the current chunk: [begin, end) of data */
	struct agg_part *part;
	const char *file;
	int index; /* the current chunk's number, 0 first */
	int *stop; /* = &plan->stop */
	struct chunk_plan *plan;
	int rc;
	int err_index; /* chunk of the error when rc != 0 */
	struct ft_error err;
	pthread_t thread;
	int started;
};

/* Line number of the line starting at data[off]: only for messages. */
static long line_at(const char *data, size_t off)
{
	long n = 1;
	const char *p = data, *end = data + off;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * Find the field boundaries of the line at p (up to '\n' or limit), and
 * return the position of its '\n' (or limit).  With SSE2, 16 bytes at a time
 * while a whole 16-byte load stays inside the report; scalar for the tail.
 */
static inline const char *split_line(const char *p, const char *limit, const char *data_end,
				     struct fields *fl)
{
	const char *q = p;
	int n = 0;

	fl->start[0] = p;
#ifdef __SSE2__
	{
		const __m128i tab = _mm_set1_epi8('\t'), nl = _mm_set1_epi8('\n');

		while (q + 16 <= data_end) {
			__m128i v = _mm_loadu_si128((const __m128i *)q);
			unsigned mask = (unsigned)_mm_movemask_epi8(
			    _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, nl)));

			while (mask) {
				const char *hit = q + __builtin_ctz(mask);

				if (hit >= limit) {
					q = limit; /* the last line of the file, no '\n' */
					goto scalar;
				}
				if (*hit == '\n') {
					if (n < N_FIELDS)
						fl->end[n] = hit;
					fl->count = n + 1;
					return hit;
				}
				if (n < N_FIELDS)
					fl->end[n] = hit;
				n++;
				if (n < N_FIELDS)
					fl->start[n] = hit + 1;
				mask &= mask - 1;
			}
			q += 16;
		}
	}
scalar:
#endif
	for (; q < limit; q++) {
		if (*q == '\n')
			break;
		if (*q == '\t') {
			if (n < N_FIELDS)
				fl->end[n] = q;
			n++;
			if (n < N_FIELDS)
				fl->start[n] = q + 1;
		}
	}
	if (q > limit)
		q = limit;
	if (n < N_FIELDS)
		fl->end[n] = q;
	fl->count = n + 1;
	return q;
}

static long fail_line(struct chunk_job *job, const char *line)
{
	/* Where the error happened is only known relative to the chunk; the
	 * absolute number costs a count of the lines before it, done here. */
	long line_no = line_at(job->data, (size_t)(line - job->data));
	int seen = __atomic_load_n(job->stop, __ATOMIC_RELAXED);

	/* stop = the lowest failing chunk; later chunks may give up. */
	while (job->index < seen &&
	       !__atomic_compare_exchange_n(job->stop, &seen, job->index, 0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	return line_no;
}

/*
 * Lines whose key is known but not yet added: the slot of each is
 * prefetched as soon as its hash is known and the adds are done a batch
 * later, so the cache misses of a big table overlap instead of queueing.
 */
#define BATCH 16

struct pending {
	uint64_t lo, hi, hash;
	int64_t usages;
	ft_amount revenue;
	const char *line;
};

/* A direct-mapped cache in front of the part's dimension table: most lines
 * find their dimension here with one short memcmp. */
#define DIM_CACHE 256

struct dim_cache_slot {
	uint32_t len;
	uint32_t id;
};

static inline uint32_t dim_cache_index(const char *text, size_t len)
{
	uint64_t a = 0, b = 0;

	if (len >= 8) {
		memcpy(&a, text, 8);
		memcpy(&b, text + len - 8, 8);
	} else {
		memcpy(&a, text, len);
	}
	return (uint32_t)(((a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ len) >> 56);
}

static int flush_pending(struct chunk_job *job, struct pending *pend, int n)
{
	int k, rc;

	for (k = 0; k < n; k++) {
		rc = agg_part_add_hashed(job->part, pend[k].lo, pend[k].hi, pend[k].hash,
					 pend[k].usages, pend[k].revenue, &job->err);
		if (rc == FT_EOVERFLOW)
			return ft_error_setloc(
			    &job->err, rc, job->file, fail_line(job, pend[k].line), NULL,
			    "the sum of usages or revenue for this key no longer "
			    "fits (split the report)");
		if (rc)
			return rc;
	}
	return 0;
}

static int run_chunk(struct chunk_job *job)
{
	const char *data = job->data;
	const char *data_end = data + job->data_len;
	const char *p = data + job->begin;
	const char *end = data + job->end;
	const char *window_end;
	size_t released = job->begin;
	struct agg_part *part = job->part;
	struct ft_error *err = &job->err;
	char dim_text[AGG_DIM_MAX];
	struct dim_cache_slot cache[DIM_CACHE];
	struct pending pend[BATCH];
	int n_pend = 0, rc;

	memset(cache, 0, sizeof(cache));
	for (;;) {
		window_end = p + WINDOW < end ? p + WINDOW : end;
		while (p < window_end) {
			struct fields fl;
			const char *nlp = split_line(p, end, data_end, &fl);
			const char *line = p;
			struct pending *q;
			struct dim_cache_slot *slot;
			char ident[12];
			uint32_t dim;
			size_t region, cur, dim_len;

			p = nlp + 1;
			/* fl.end[i] is a pointer into the line: [-1] is the byte before
			 * the field's end, inside the line (checked just before). */
			if (fl.count <= N_FIELDS && fl.end[fl.count - 1] > line &&
			    // cppcheck-suppress negativeIndex
			    fl.end[fl.count - 1][-1] == '\r')
				fl.end[fl.count - 1]--;
			if (fl.count == 1 && fl.end[0] == line)
				continue; /* empty line */
			if (fl.count != N_FIELDS)
				return check_count(job->file, fail_line(job, line), &fl, err);
			/* Dimension text: "Territory\tModel\tUse" as it stands in the
			 * line, then "\tCurrency\t\t" (no period, no store). */
			region = (size_t)(fl.end[F_USE] - fl.start[F_TERRITORY]);
			cur = (size_t)(fl.end[F_CURRENCY] - fl.start[F_CURRENCY]);
			dim_len = region + cur + 3;
			if (dim_len > AGG_DIM_MAX)
				return ft_error_setloc(
				    err, FT_EINVAL, job->file, fail_line(job, line), NULL,
				    "fields 4-8 are longer than %d bytes together "
				    "(is this a flat usage TSV?)",
				    AGG_DIM_MAX - 3);
			memcpy(dim_text, fl.start[F_TERRITORY], region);
			dim_text[region] = '\t';
			memcpy(dim_text + region + 1, fl.start[F_CURRENCY], cur);
			dim_text[region + 1 + cur] = '\t';
			dim_text[region + 2 + cur] = '\t';
			slot = &cache[dim_cache_index(dim_text, dim_len)];
			if (slot->id && slot->len == dim_len) {
				size_t have;
				const char *text = agg_strtab_get(&part->dims, slot->id, &have);

				if (memcmp(text, dim_text, dim_len) != 0)
					goto miss;
				dim = slot->id;
			} else {
				int added;
			miss:
				if (agg_part_dim(part, dim_text, dim_len, &dim, &added, err))
					return ft_error_set(err, FT_ENOMEM,
							    "out of memory (dimensions)");
				if (added && check_dims(job->file, 0, &fl, NULL) != 0)
					return check_dims(job->file, fail_line(job, line), &fl,
							  err);
				slot->id = dim;
				slot->len = (uint32_t)dim_len;
			}
			if (fl.end[F_ISRC] - fl.start[F_ISRC] == 12) {
				memcpy(ident, fl.start[F_ISRC], 12);
			} else {
				if (fl.end[F_ISRC] == fl.start[F_ISRC] &&
				    fl.end[F_UPC] == fl.start[F_UPC])
					return check_ident(job->file, fail_line(job, line), &fl,
							   err);
				if (fl.end[F_ISRC] != fl.start[F_ISRC])
					rc = agg_part_odd_ident(
					    part, 'I', fl.start[F_ISRC],
					    (size_t)(fl.end[F_ISRC] - fl.start[F_ISRC]), ident,
					    err);
				else
					rc = agg_part_odd_ident(
					    part, 'U', fl.start[F_UPC],
					    (size_t)(fl.end[F_UPC] - fl.start[F_UPC]), ident, err);
				if (rc)
					return rc;
				dim |= AGG_ODD;
			}
			q = &pend[n_pend];
			if (parse_usages(job->file, 0, &fl, &q->usages, NULL) != 0)
				return parse_usages(job->file, fail_line(job, line), &fl,
						    &q->usages, err);
			if (parse_revenue_fast(fl.start[F_REVENUE], fl.end[F_REVENUE],
					       &q->revenue) != 0 &&
			    parse_revenue(job->file, 0, &fl, &q->revenue, NULL) != 0)
				return parse_revenue(job->file, fail_line(job, line), &fl,
						     &q->revenue, err);
			part->lines++;
			agg_key_words(ident, dim, &q->lo, &q->hi);
			q->hash = agg_key_hash(q->lo, q->hi);
			q->line = line;
			__builtin_prefetch(&part->slots[q->hash & part->mask], 1);
			if (++n_pend == BATCH) {
				if ((rc = flush_pending(job, pend, n_pend)) != 0)
					return rc;
				n_pend = 0;
			}
		}
		if ((rc = flush_pending(job, pend, n_pend)) != 0)
			return rc;
		n_pend = 0;
		if (p >= end)
			break;
		ft_report_release(job->report, released, (size_t)(p - data) - released);
		released = (size_t)(p - data);
		if (__atomic_load_n(job->stop, __ATOMIC_RELAXED) < job->index)
			return 0; /* an earlier chunk failed; its error comes first */
	}
	ft_report_release(job->report, released, job->end - released);
	return 0;
}

static void *chunk_thread(void *p)
{
	struct chunk_job *job = p;
	struct chunk_plan *plan = job->plan;

	for (;;) {
		int c = __atomic_fetch_add(&plan->next, 1, __ATOMIC_RELAXED);
		int rc;

		if (c >= plan->n_chunks || __atomic_load_n(&plan->stop, __ATOMIC_RELAXED) < c)
			break;
		job->index = c;
		job->begin = plan->cuts[c];
		job->end = plan->cuts[c + 1];
		rc = run_chunk(job);
		if (rc) {
			job->rc = rc;
			job->err_index = c;
			break;
		}
	}
	return NULL;
}

int flat_tsv_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

size_t flat_tsv_min_chunk;

int flat_tsv_fast_path(struct ft_report *report, const char *data, size_t len, int threads,
		       struct agg_part *parts, int *used, struct ft_error *err)
{
	return flat_tsv_fast_path_ex(report, data, len, threads, flat_tsv_min_chunk, parts, used,
				     err);
}

int flat_tsv_fast_path_ex(struct ft_report *report, const char *data, size_t len, int threads,
			  size_t min_chunk, struct agg_part *parts, int *used, struct ft_error *err)
{
	const char *file = ft_report_name(report);
	const char *nl = memchr(data, '\n', len);
	size_t header_len = nl ? (size_t)(nl - data) : len;
	size_t body = nl ? header_len + 1 : len;
	struct chunk_plan plan = {NULL, 0, 0, INT_MAX};
	struct chunk_job *jobs;
	size_t chunk, max_chunks, *cuts;
	int k, best, rc = 0;

	*used = 0;
	if (header_len > 0 && data[header_len - 1] == '\r')
		header_len--;
	if (len == 0)
		return ft_error_setloc(
		    err, FT_EINVAL, file, 0, NULL,
		    "the file is empty (a flat usage TSV starts with its header)");
	rc = check_header(file, data, header_len, err);
	if (rc)
		return rc;
	if (threads < 1)
		threads = 1;
	if (min_chunk == 0)
		min_chunk = DEFAULT_MIN_CHUNK;
	/* About 8 chunks a thread, none smaller than min_chunk. */
	chunk = (len - body) / ((size_t)threads * 8) + 1;
	if (chunk < min_chunk)
		chunk = min_chunk;
	max_chunks = (len - body) / chunk + 2;
	cuts = malloc((max_chunks + 1) * sizeof(*cuts));
	if (!cuts)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	cuts[0] = body;
	while (cuts[plan.n_chunks] < len && (size_t)plan.n_chunks < max_chunks) {
		size_t at = cuts[plan.n_chunks] + chunk;
		const char *cut = at < len ? memchr(data + at, '\n', len - at) : NULL;

		cuts[++plan.n_chunks] = cut ? (size_t)(cut - data) + 1 : len;
	}
	if (cuts[plan.n_chunks] < len) /* cannot happen; keep every byte anyway */
		cuts[plan.n_chunks] = len;
	plan.cuts = cuts;
	if (threads > plan.n_chunks)
		threads = plan.n_chunks > 0 ? plan.n_chunks : 1;
	jobs = calloc((size_t)threads, sizeof(*jobs));
	if (!jobs) {
		free(cuts);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	for (k = 0; k < threads && !rc; k++) {
		rc = agg_part_init(&parts[k], err);
		if (rc)
			break;
		*used = k + 1;
		jobs[k] = (struct chunk_job){.report = report,
					     .data = data,
					     .data_len = len,
					     .part = &parts[k],
					     .file = file,
					     .stop = &plan.stop,
					     .plan = &plan};
	}
	if (rc) {
		free(jobs);
		free(cuts);
		return rc;
	}
	for (k = 1; k < threads; k++)
		jobs[k].started =
		    pthread_create(&jobs[k].thread, NULL, chunk_thread, &jobs[k]) == 0;
	chunk_thread(&jobs[0]);
	for (k = 1; k < threads; k++) {
		if (jobs[k].started)
			pthread_join(jobs[k].thread, NULL);
		else
			chunk_thread(&jobs[k]); /* no thread: its share runs here */
	}
	/* The earliest failing chunk holds the first bad line of the file. */
	rc = 0;
	for (k = 0, best = -1; k < threads; k++)
		if (jobs[k].rc && (best < 0 || jobs[k].err_index < jobs[best].err_index))
			best = k;
	if (best >= 0) {
		rc = jobs[best].rc;
		if (err)
			*err = jobs[best].err;
	}
	free(cuts);
	free(jobs);
	return rc;
}
