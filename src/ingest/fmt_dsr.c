/*
 * fmt_dsr.c — DDEX DSR flat files, Basic Audio profile (format "dsr").
 *
 * Structure (DSR Part 1 §6): one HEAD record, summary records (SYxx), blocks
 * of release/resource records (RE01, RE02, AS01, AS02, MW01) followed by the
 * sales/usage records (SU01 downloads, SU02 streams) that point into the
 * block and to a summary record, and one FOOT record.  The Single Record
 * Block variant (Basic Audio 1.2) replaces the blocks by self-contained SR01
 * / SR02 records and the FOOT by SRFO.  Cells are tab-separated, a
 * multi-value cell separates its values with '|', and a record whose first
 * cell starts with '#' is a heading row (§6.6.17), not data.  The cell
 * positions used here are those of the ddexnet/dsrf BasicAudioProfile 1.2
 * XSD; docs/FORMATS.md lists the record versions accepted.
 *
 * Money.  A Basic Audio detail record carries usages (and a consumer price),
 * never what the licensor earns; the summary record it points to carries the
 * money of its whole sales context (territory × commercial model × use
 * type).  Each line's revenue is its summary's money shared over the
 * summary's lines pro rata to their usages with ft_amount_split (largest
 * remainder at 10^-12: the shares add up to the summary exactly, nothing is
 * lost).  The money shared is AllocatedRevenue (the "amount payable" to the
 * rights controller) for SY02/SY05, or AllocatedNetRevenue when only that is
 * given; for SY01/SY04/SY06, which carry no allocation, it is NetRevenue,
 * the service's net revenue for the recipient's repertoire (docs/FORMATS.md
 * says what that means for the accounts).  Lines that are not royalty
 * bearing take part in the usage checks but get no money.
 *
 * Memory.  A summary spans every block of the file (one release per block,
 * one summary per territory and model), so a line's share is known only at
 * the FOOT.  Detail lines are therefore held until end(): one compact record
 * each (~48 bytes plus its identifiers, interned in one string pool), i.e.
 * memory grows with the number of detail records of one file — about 60 MB
 * per million lines.  The reference table of a block (its resources and
 * releases) is reset at each block boundary; only their few pool bytes stay.  Lines are not merged
 * by key before the split because each keeps its SalesTransactionId for de-duplication downstream.
 *
 * Checks, all FT_EINVAL naming file, line and cell: the report's own summary
 * usages against the sum of its lines, and the FOOT counts (lines, summary
 * records, blocks) — a mismatch is accepted only with ctx->force, which the
 * caller records; a SalesTransactionId seen twice in the file; references to
 * resources, releases or summaries the file does not define; a file without
 * HEAD or FOOT (truncated).  Multi-file reports (NumberOfFiles > 1) are
 * refused: their summaries cover all files, so no file can be shared alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/format.h"
#include "fairtrack/money.h"
#include "ingest/formats.h"
#include "ingest/fmt_util.h"

#define DSR_MAX_CELLS 128

struct pstr { /* a string in the pool */
	uint32_t off, len;
};

enum sum_kind { SUM_ALLOCATED, SUM_NET };

struct dsr_summary {
	struct pstr id, record, model, use_type, territory, currency, store;
	enum sum_kind kind;
	int has_money;
	ft_amount money;
	int has_usages;
	ft_amount declared_usages; /* decimal in SY02/SY05 (AllocatedUsages) */
	ft_amount line_usages;
	const char *usages_cell; /* name of the cell declared_usages came from */
	size_t n_lines;
	long line_no;
};

struct dsr_held {
	uint32_t summary;
	int royalty_bearing;
	int64_t usages;
	long line_no;
	struct pstr isrc, upc, txid;
	ft_amount revenue;
};

struct dsr_ref {
	struct pstr ref, id; /* reference → ISRC (resource) or ICPN (release) */
	struct pstr used;    /* RE02: UsedResources */
	int sub_release;
};

struct dsr_state {
	char *pool;
	size_t pool_len, pool_cap;

	int have_head, have_foot, srb;
	long head_line, foot_line;
	struct pstr message_id, sender, period;
	/* FOOT figures, checked in end() */
	int64_t foot_lines, foot_summaries, foot_blocks;
	int foot_has_blocks;

	struct dsr_summary *sums;
	size_t n_sums, cap_sums;
	size_t last_sum;

	struct dsr_held *held;
	size_t n_held, cap_held;

	/* the current block */
	struct pstr block_id;
	int in_block;
	long n_blocks;
	struct dsr_ref *refs;
	size_t n_refs, cap_refs;
	struct pstr head_icpn;
};

static const char *pool_ptr(const struct dsr_state *s, struct pstr p)
{
	return s->pool + p.off;
}

static int pool_add(struct dsr_state *s, struct pstr *out, const char *p, size_t len,
		    struct ft_error *err)
{
	if (len > UINT32_MAX / 2 || s->pool_len + len + 1 > UINT32_MAX)
		return ft_error_set(err, FT_EOVERFLOW, "DSR string pool exceeds 4 GiB");
	if (s->pool_len + len + 1 > s->pool_cap) {
		size_t cap = s->pool_cap ? s->pool_cap * 2 : 4096;
		char *np;

		while (cap < s->pool_len + len + 1)
			cap *= 2;
		np = realloc(s->pool, cap);
		if (!np)
			return ft_error_set(err, FT_ENOMEM, "out of memory (DSR string pool)");
		s->pool = np;
		s->pool_cap = cap;
	}
	memcpy(s->pool + s->pool_len, p, len);
	s->pool[s->pool_len + len] = '\0';
	out->off = (uint32_t)s->pool_len;
	out->len = (uint32_t)len;
	s->pool_len += len + 1;
	return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size, struct ft_error *err)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * size);
	if (!p)
		return ft_error_set(err, FT_ENOMEM, "out of memory (DSR records)");
	*arr = p;
	*cap = ncap;
	return 0;
}

static int sv_eq(const struct ft_strview *v, const char *s)
{
	return v->len == strlen(s) && memcmp(v->ptr, s, v->len) == 0;
}

static int pstr_eq(const struct dsr_state *s, struct pstr p, const struct ft_strview *v)
{
	return p.len == v->len && memcmp(s->pool + p.off, v->ptr, v->len) == 0;
}

/* ---- format interface ---- */

static int dsr_detect(const char *head, size_t len)
{
	/* The first data record of a DSR flat file is HEAD, whose second cell is
	 * MessageVersion "dsrf/…" (Part 8, HEAD record). */
	struct ft_lines it;
	const char *line;
	size_t llen;

	ft_lines_init(&it, head, len);
	while (ft_lines_next(&it, &line, &llen, NULL)) {
		if (llen == 0 || line[0] == '#')
			continue;
		if (llen >= 10 && memcmp(line, "HEAD\t", 5) == 0) {
			if (memcmp(line + 5, "dsrf/", 5) == 0)
				return memmem(line, llen, "BasicAudio", 10) ? 95 : 80;
			return 60;
		}
		return 0;
	}
	return 0;
}

static int dsr_begin(void **state, const struct ft_format_ctx *ctx, struct ft_error *err)
{
	struct dsr_state *s = calloc(1, sizeof(*s));

	*state = NULL;
	if (!s)
		return ft_error_set(err, FT_ENOMEM, "out of memory (DSR state)");
	s->last_sum = (size_t)-1;
	*state = s;
	return 0;
}

static void dsr_free(void *state)
{
	struct dsr_state *s = state;

	if (!s)
		return;
	free(s->pool);
	free(s->sums);
	free(s->held);
	free(s->refs);
	free(s);
}

/* Split at tabs; no quoting in DSR flat files (Part 1 §6.6). */
static size_t split_tabs(struct ft_strview *cells, const char *line, size_t len)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || line[i] == '\t') {
			if (n == DSR_MAX_CELLS)
				return DSR_MAX_CELLS + 1;
			cells[n].ptr = line + start;
			cells[n].len = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

struct rec {
	const struct ft_format_ctx *ctx;
	long line_no;
	const struct ft_strview *c;
	size_t n;
	const char *type; /* for messages: "SU02.02" */
};

static struct ft_strview cell(const struct rec *r, size_t i)
{
	struct ft_strview empty = {"", 0};

	return i < r->n ? r->c[i] : empty;
}

static int bad(const struct rec *r, size_t i, const char *name, struct ft_error *err,
	       const char *why)
{
	struct ft_strview v = cell(r, i);

	return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, name,
			       "%s cell %zu %s: '%.*s' %s", r->type, i + 1, name,
			       (int)(v.len > 60 ? 60 : v.len), v.ptr, why);
}

static int need_cells(const struct rec *r, size_t n, struct ft_error *err)
{
	if (r->n >= n)
		return 0;
	return ft_error_setloc(
	    err, FT_EINVAL, r->ctx->file, r->line_no, NULL,
	    "%s record has %zu cells, the Basic Audio profile needs at least %zu", r->type, r->n,
	    n);
}

static int need_value(const struct rec *r, size_t i, const char *name, struct ft_error *err)
{
	if (cell(r, i).len > 0)
		return 0;
	return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, name,
			       "%s cell %zu %s is empty but mandatory", r->type, i + 1, name);
}

static int amount_cell(const struct rec *r, size_t i, const char *name, ft_amount *out,
		       struct ft_error *err)
{
	struct ft_strview v = cell(r, i);
	struct ft_error local;

	if (memchr(v.ptr, '|', v.len))
		return bad(r, i, name, err,
			   "has several values; fairtrack reads one allocation per summary record");
	ft_error_clear(&local);
	if (ft_amount_parse(out, v.ptr, v.len, &local))
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, name,
				       "%s cell %zu %s: %s", r->type, i + 1, name, local.message);
	return 0;
}

static int count_cell(const struct rec *r, size_t i, const char *name, int64_t *out,
		      struct ft_error *err)
{
	struct ft_strview v = cell(r, i);
	struct ft_error local;

	ft_error_clear(&local);
	if (fmt_parse_count(out, v.ptr, v.len, &local))
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, name,
				       "%s cell %zu %s: %s", r->type, i + 1, name, local.message);
	return 0;
}

/* "2026-10", "2026-10-01"/"2026-10-31" → "2026-10"; else "start..end". */
static int set_period(struct dsr_state *s, struct ft_strview a, struct ft_strview b,
		      struct ft_error *err)
{
	char buf[64];
	int n;

	if (a.len >= 7 && b.len >= 7 && memcmp(a.ptr, b.ptr, 7) == 0)
		return pool_add(s, &s->period, a.ptr, 7, err);
	n = snprintf(buf, sizeof(buf), "%.*s..%.*s", (int)(a.len > 20 ? 20 : a.len), a.ptr,
		     (int)(b.len > 20 ? 20 : b.len), b.ptr);
	return pool_add(s, &s->period, buf, (size_t)n, err);
}

static int on_head(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	int64_t file_no, n_files;
	struct ft_strview profile = cell(r, 2);
	int rc;

	if (s->have_head)
		return ft_error_setloc(
		    err, FT_EINVAL, r->ctx->file, r->line_no, NULL,
		    "second HEAD record (the first is on line %ld): a DSR file has "
		    "exactly one",
		    s->head_line);
	if ((rc = need_cells(r, 12, err)) || (rc = need_value(r, 4, "MessageId", err)))
		return rc;
	if (!memmem(profile.ptr, profile.len, "BasicAudio", 10))
		return bad(r, 2, "Profile", err,
			   "is not the Basic Audio profile, the only DSR profile fairtrack reads");
	if ((rc = count_cell(r, 6, "FileNumber", &file_no, err)) ||
	    (rc = count_cell(r, 7, "NumberOfFiles", &n_files, err)))
		return rc;
	if (n_files != 1)
		return bad(r, 7, "NumberOfFiles", err,
			   "says the report is split over several files; their summary records "
			   "cover all files, so fairtrack cannot share the money of one file alone "
			   "(ask the sender for a single-file report)");
	if ((rc = pool_add(s, &s->message_id, cell(r, 4).ptr, cell(r, 4).len, err)) ||
	    (rc = pool_add(s, &s->sender, cell(r, 11).ptr, cell(r, 11).len, err)) ||
	    (rc = set_period(s, cell(r, 8), cell(r, 9), err)))
		return rc;
	s->have_head = 1;
	s->head_line = r->line_no;
	return 0;
}

static struct dsr_summary *find_summary(struct dsr_state *s, struct ft_strview id, size_t *idx)
{
	if (s->last_sum < s->n_sums && pstr_eq(s, s->sums[s->last_sum].id, &id)) {
		*idx = s->last_sum;
		return &s->sums[s->last_sum];
	}
	for (size_t i = 0; i < s->n_sums; i++) {
		if (pstr_eq(s, s->sums[i].id, &id)) {
			s->last_sum = i;
			*idx = i;
			return &s->sums[i];
		}
	}
	return NULL;
}

/* Cell positions (0-based) of the summary records read, per the 1.2 XSD. */
struct sy_layout {
	const char *type;
	enum sum_kind kind;
	size_t min_cells, currency, usages, alloc_usages, alloc_rev, alloc_net, net_rev;
	const char *usages_name;
};

#define NONE ((size_t)-1)
static const struct sy_layout sy_layouts[] = {
    {"SY01.01", SUM_NET, 12, 10, 8, NONE, NONE, NONE, 11, "Usages"},
    {"SY02.02", SUM_ALLOCATED, 19, 10, 8, 14, 15, 16, 11, "Usages"},
    {"SY04.01", SUM_NET, 20, 14, 13, NONE, NONE, NONE, 18, "UsagesInReportingPeriod"},
    {"SY05.02", SUM_ALLOCATED, 24, 17, NONE, 12, 15, 14, NONE, ""},
    {"SY06.02", SUM_NET, 11, 10, 8, NONE, NONE, NONE, 12, "Usages"},
};

static int on_summary(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	const struct sy_layout *l = NULL;
	struct dsr_summary *sum;
	size_t idx;
	int rc;

	for (size_t i = 0; i < sizeof(sy_layouts) / sizeof(sy_layouts[0]); i++)
		if (sv_eq(&r->c[0], sy_layouts[i].type))
			l = &sy_layouts[i];
	if (!l)
		return bad(r, 0, "RecordType", err,
			   "is a summary record version fairtrack does not read (supported: "
			   "SY01.01, SY02.02, SY04.01, SY05.02, SY06.02)");
	if ((rc = need_cells(r, l->min_cells, err)) ||
	    (rc = need_value(r, 1, "SummaryRecordId", err)))
		return rc;
	if (find_summary(s, cell(r, 1), &idx))
		return bad(r, 1, "SummaryRecordId", err,
			   "is used by an earlier summary record; each needs its own id");
	if ((rc = grow((void **)&s->sums, &s->cap_sums, s->n_sums, sizeof(*s->sums), err)))
		return rc;
	sum = &s->sums[s->n_sums];
	memset(sum, 0, sizeof(*sum));
	sum->kind = l->kind;
	sum->line_no = r->line_no;
	{
		struct ft_strview store =
		    cell(r, 2).len ? cell(r, 2)
				   : (struct ft_strview){pool_ptr(s, s->sender), s->sender.len};
		char tmp[256];

		/* store may point into the pool, which pool_add may move: copy first */
		snprintf(tmp, sizeof(tmp), "%.*s", (int)store.len, store.ptr);
		if ((rc = pool_add(s, &sum->store, tmp, strlen(tmp), err)))
			return rc;
	}
	if ((rc = pool_add(s, &sum->id, cell(r, 1).ptr, cell(r, 1).len, err)) ||
	    (rc = pool_add(s, &sum->record, r->c[0].ptr, r->c[0].len, err)) ||
	    (rc = pool_add(s, &sum->model, cell(r, 4).ptr, cell(r, 4).len, err)) ||
	    (rc = pool_add(s, &sum->use_type, cell(r, 5).ptr, cell(r, 5).len, err)) ||
	    (rc = pool_add(s, &sum->territory, cell(r, 6).ptr, cell(r, 6).len, err)) ||
	    (rc = pool_add(s, &sum->currency, cell(r, l->currency).ptr, cell(r, l->currency).len,
			   err)))
		return rc;
	if (l->kind == SUM_ALLOCATED) {
		if (cell(r, l->alloc_rev).len) {
			rc = amount_cell(r, l->alloc_rev, "AllocatedRevenue", &sum->money, err);
			sum->has_money = 1;
		} else if (cell(r, l->alloc_net).len) {
			rc = amount_cell(r, l->alloc_net, "AllocatedNetRevenue", &sum->money, err);
			sum->has_money = 1;
		}
		if (rc)
			return rc;
		if (cell(r, l->alloc_usages).len) {
			rc = amount_cell(r, l->alloc_usages, "AllocatedUsages",
					 &sum->declared_usages, err);
			sum->has_usages = 1;
			sum->usages_cell = "AllocatedUsages";
		} else if (l->usages != NONE && cell(r, l->usages).len) {
			rc = amount_cell(r, l->usages, l->usages_name, &sum->declared_usages, err);
			sum->has_usages = 1;
			sum->usages_cell = l->usages_name;
		}
	} else {
		if (cell(r, l->net_rev).len) {
			rc = amount_cell(r, l->net_rev, "NetRevenue", &sum->money, err);
			sum->has_money = 1;
		}
		if (!rc && cell(r, l->usages).len) {
			rc = amount_cell(r, l->usages, l->usages_name, &sum->declared_usages, err);
			sum->has_usages = 1;
			sum->usages_cell = l->usages_name;
		}
	}
	if (rc)
		return rc;
	s->n_sums++;
	return 0;
}

/* A block record: a new BlockId starts a new block (Part 1 §6.4). */
static int enter_block(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	struct ft_strview id = cell(r, 1);
	int rc;

	if (!s->have_head)
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, NULL,
				       "%s record before the HEAD record", r->type);
	if ((rc = need_value(r, 1, "BlockId", err)))
		return rc;
	if (s->in_block && pstr_eq(s, s->block_id, &id))
		return 0;
	/* The previous block's references are no longer reachable. */
	s->n_refs = 0;
	s->head_icpn.len = 0;
	s->in_block = 1;
	s->n_blocks++;
	return pool_add(s, &s->block_id, id.ptr, id.len, err);
}

static int add_ref(struct dsr_state *s, struct ft_strview ref, struct ft_strview id,
		   struct ft_strview used, int sub, struct ft_error *err)
{
	struct dsr_ref *e;
	const char *bar = memchr(id.ptr, '|', id.len);
	int rc;

	if (bar) /* several ISRCs for one resource: the first is its own */
		id.len = (size_t)(bar - id.ptr);
	if ((rc = grow((void **)&s->refs, &s->cap_refs, s->n_refs, sizeof(*s->refs), err)))
		return rc;
	e = &s->refs[s->n_refs];
	memset(e, 0, sizeof(*e));
	e->sub_release = sub;
	if ((rc = pool_add(s, &e->ref, ref.ptr, ref.len, err)) ||
	    (rc = pool_add(s, &e->id, id.ptr, id.len, err)) ||
	    (rc = pool_add(s, &e->used, used.ptr, used.len, err)))
		return rc;
	s->n_refs++;
	return 0;
}

/* Resources and releases share one list; a reference is unique per kind
 * within a block (Part 8: "specific to the Block"), so the kind is part of
 * the lookup. */
static const struct dsr_ref *find_ref(const struct dsr_state *s, struct ft_strview ref, int release)
{
	for (size_t i = 0; i < s->n_refs; i++) {
		const struct dsr_ref *e = &s->refs[i];
		int is_release = e->sub_release != 0;

		if (is_release == release && pstr_eq(s, e->ref, &ref))
			return e;
	}
	return NULL;
}

static int on_block_record(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	struct ft_strview none = {"", 0};
	int rc = enter_block(s, r, err);

	if (rc)
		return rc;
	if (memcmp(r->c[0].ptr, "AS01", 4) == 0 || memcmp(r->c[0].ptr, "AS02", 4) == 0) {
		if ((rc = need_cells(r, 5, err)) ||
		    (rc = need_value(r, 2, "ResourceReference", err)))
			return rc;
		return add_ref(s, cell(r, 2), cell(r, 4), none, 0, err);
	}
	if (memcmp(r->c[0].ptr, "RE01", 4) == 0) {
		if ((rc = need_cells(r, 7, err)) ||
		    (rc = need_value(r, 2, "ReleaseReference", err)))
			return rc;
		if ((rc = add_ref(s, cell(r, 2), cell(r, 6), none, 1, err)))
			return rc;
		s->head_icpn = s->refs[s->n_refs - 1].id;
		return 0;
	}
	if (memcmp(r->c[0].ptr, "RE02", 4) == 0) {
		if ((rc = need_cells(r, 6, err)) ||
		    (rc = need_value(r, 2, "ReleaseReference", err)))
			return rc;
		return add_ref(s, cell(r, 2), none, cell(r, 5), 2, err);
	}
	return 0; /* MW01: works carry no money */
}

static int hold_line(struct dsr_state *s, const struct rec *r, struct ft_strview sum_id,
		     struct ft_strview isrc, struct ft_strview upc, struct ft_strview txid,
		     int64_t usages, int royalty_bearing, struct ft_error *err)
{
	struct dsr_summary *sum;
	struct dsr_held *h;
	size_t idx;
	ft_amount u;
	int rc;

	sum = find_summary(s, sum_id, &idx);
	if (!sum)
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, "SummaryRecordId",
				       "%s SummaryRecordId '%.*s' names no summary record of this "
				       "file",
				       r->type, (int)sum_id.len, sum_id.ptr);
	if ((rc = grow((void **)&s->held, &s->cap_held, s->n_held, sizeof(*s->held), err)))
		return rc;
	h = &s->held[s->n_held];
	memset(h, 0, sizeof(*h));
	h->summary = (uint32_t)idx;
	h->usages = usages;
	h->royalty_bearing = royalty_bearing;
	h->line_no = r->line_no;
	{
		char buf[3][128];
		struct ft_strview v[3] = {isrc, upc, txid};

		/* isrc/upc may point into the block's pool region: copy out first */
		for (int i = 0; i < 3; i++) {
			if (v[i].len >= sizeof(buf[i]))
				return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no,
						       NULL, "%s identifier longer than 127 bytes",
						       r->type);
			memcpy(buf[i], v[i].ptr, v[i].len);
		}
		if ((rc = pool_add(s, &h->isrc, buf[0], v[0].len, err)) ||
		    (rc = pool_add(s, &h->upc, buf[1], v[1].len, err)) ||
		    (rc = pool_add(s, &h->txid, buf[2], v[2].len, err)))
			return rc;
	}
	if ((rc = ft_amount_mul_int(&u, FT_AMOUNT_ONE, usages)) ||
	    (rc = ft_amount_add(&sum->line_usages, sum->line_usages, u)))
		return ft_error_setloc(err, rc, r->ctx->file, r->line_no, NULL,
				       "usages overflow summary '%.*s'", (int)sum_id.len,
				       sum_id.ptr);
	sum->n_lines++;
	s->n_held++;
	return 0;
}

static int parse_bool(const struct rec *r, size_t i, const char *name, int dflt, int *out,
		      struct ft_error *err)
{
	struct ft_strview v = cell(r, i);

	if (v.len == 0)
		*out = dflt;
	else if (sv_eq(&v, "true") || sv_eq(&v, "1"))
		*out = 1;
	else if (sv_eq(&v, "false") || sv_eq(&v, "0"))
		*out = 0;
	else
		return bad(r, i, name, err, "is not a boolean (true or false)");
	return 0;
}

static int on_su(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	int su01 = memcmp(r->c[0].ptr, "SU01", 4) == 0;
	struct ft_strview release = cell(r, 4), resource = cell(r, 5), isrc = {"", 0},
			  upc = {"", 0};
	int64_t usages = 0, returns = 0;
	int royalty = 1, rc = enter_block(s, r, err);

	if (rc)
		return rc;
	if ((rc = need_cells(r, su01 ? 10 : 8, err)) ||
	    (rc = need_value(r, 2, "SummaryRecordId", err)) ||
	    (rc = need_value(r, 3, "SalesTransactionId", err)) ||
	    (rc = parse_bool(r, 6, "IsRoyaltyBearing", 1, &royalty, err)))
		return rc;
	if (su01) {
		if ((rc = count_cell(r, 8, "Usages", &usages, err)))
			return rc;
		if (cell(r, 9).len && (rc = count_cell(r, 9, "Returns", &returns, err)))
			return rc;
		usages -= returns;
	} else if ((rc = count_cell(r, 7, "NumberOfStreams", &usages, err))) {
		return rc;
	}
	if ((release.len > 0) == (resource.len > 0))
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, NULL,
				       "%s needs exactly one of TransactedRelease (cell 5) and "
				       "TransactedResource (cell 6)",
				       r->type);
	if (resource.len) {
		const struct dsr_ref *e = find_ref(s, resource, 0);

		if (!e)
			return bad(r, 5, "TransactedResource", err,
				   "names no AS01/AS02 resource record of this block");
		isrc = (struct ft_strview){pool_ptr(s, e->id), e->id.len};
	} else {
		const struct dsr_ref *e = find_ref(s, release, 1);

		if (!e)
			return bad(r, 4, "TransactedRelease", err,
				   "names no RE01/RE02 release record of this block");
		if (e->sub_release == 1) {
			upc = (struct ft_strview){pool_ptr(s, e->id), e->id.len};
		} else {
			/* RE02 sub-release: a track release (one used resource)
			 * is that recording; a bigger one is sold as part of the
			 * head release, so it is accounted to its ICPN. */
			struct ft_strview used = {pool_ptr(s, e->used), e->used.len};
			const struct dsr_ref *res;

			if (!memchr(used.ptr, '|', used.len) && (res = find_ref(s, used, 0)))
				isrc = (struct ft_strview){pool_ptr(s, res->id), res->id.len};
			else
				upc = (struct ft_strview){pool_ptr(s, s->head_icpn),
							  s->head_icpn.len};
		}
	}
	return hold_line(s, r, cell(r, 2), isrc, upc, cell(r, 3), usages, royalty, err);
}

static int on_sr(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	int sr01 = sv_eq(&r->c[0], "SR01");
	int64_t usages = 0, returns = 0;
	int royalty = 1, rc;

	if (!s->have_head)
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, NULL,
				       "%s record before the HEAD record", r->type);
	s->srb = 1;
	if (sr01) {
		if ((rc = need_cells(r, 38, err)) ||
		    (rc = need_value(r, 33, "SalesTransactionId", err)) ||
		    (rc = parse_bool(r, 34, "IsRoyaltyBearing", 1, &royalty, err)) ||
		    (rc = count_cell(r, 36, "Downloads", &usages, err)))
			return rc;
		if (cell(r, 37).len && (rc = count_cell(r, 37, "Returns", &returns, err)))
			return rc;
		usages -= returns;
	} else {
		if ((rc = need_cells(r, 35, err)) ||
		    (rc = need_value(r, 32, "SalesTransactionId", err)) ||
		    (rc = parse_bool(r, 33, "IsRoyaltyBearing", 1, &royalty, err)) ||
		    (rc = count_cell(r, 34, "NumberOfStreams", &usages, err)))
			return rc;
	}
	if ((rc = need_value(r, 1, "SummaryRecordId", err)))
		return rc;
	return hold_line(s, r, cell(r, 1), cell(r, 3), cell(r, 23), cell(r, sr01 ? 33 : 32), usages,
			 royalty, err);
}

static int on_foot(struct dsr_state *s, const struct rec *r, struct ft_error *err)
{
	int srfo = sv_eq(&r->c[0], "SRFO");
	int rc;

	if (!s->have_head)
		return ft_error_setloc(err, FT_EINVAL, r->ctx->file, r->line_no, NULL,
				       "%s record without a HEAD record", r->type);
	if (srfo) {
		if ((rc = need_cells(r, 3, err)) ||
		    (rc = count_cell(r, 1, "NumberOfLinesInReport", &s->foot_lines, err)) ||
		    (rc = count_cell(r, 2, "NumberOfSummaryRecords", &s->foot_summaries, err)))
			return rc;
	} else {
		if ((rc = need_cells(r, 5, err)) ||
		    (rc = count_cell(r, 1, "NumberOfLinesInFile", &s->foot_lines, err)) ||
		    (rc = count_cell(r, 3, "NumberOfSummaryRecords", &s->foot_summaries, err)) ||
		    (rc = count_cell(r, 4, "NumberOfBlocksInFile", &s->foot_blocks, err)))
			return rc;
		s->foot_has_blocks = 1;
	}
	s->have_foot = 1;
	s->foot_line = r->line_no;
	return 0;
}

static int only_tabs(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != '\t')
			return 0;
	return 1;
}

static int dsr_line(void *state, const struct ft_format_ctx *ctx, const char *line, size_t len,
		    long line_no, ft_usage_sink_fn sink, void *sink_ctx, struct ft_error *err)
{
	struct dsr_state *s = state;
	struct ft_strview cells[DSR_MAX_CELLS];
	char type[16];
	struct rec r = {.ctx = ctx, .line_no = line_no, .c = cells, .type = type};
	const char *t;

	if (len == 0 || line[0] == '#' || only_tabs(line, len))
		return 0; /* empty records (§6.6.7) and heading rows count as lines only */
	r.n = split_tabs(cells, line, len);
	if (r.n > DSR_MAX_CELLS)
		return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no, NULL,
				       "record has more than %d cells", DSR_MAX_CELLS);
	snprintf(type, sizeof(type), "%.*s", (int)(cells[0].len > 12 ? 12 : cells[0].len),
		 cells[0].ptr);
	t = cells[0].ptr;
	if (s->have_foot)
		return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no, NULL,
				       "%s record after the footer (line %ld): the footer ends the "
				       "file",
				       type, s->foot_line);
	if (sv_eq(&cells[0], "HEAD"))
		return on_head(s, &r, err);
	if (!s->have_head)
		return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no, "RecordType",
				       "'%s' before the HEAD record: a DSR flat file starts with "
				       "HEAD (is this the right --format?)",
				       type);
	if (cells[0].len < 4)
		goto unknown;
	if (sv_eq(&cells[0], "FOOT") || sv_eq(&cells[0], "SRFO"))
		return on_foot(s, &r, err);
	if (memcmp(t, "SY", 2) == 0)
		return on_summary(s, &r, err);
	if (sv_eq(&cells[0], "SR01") || sv_eq(&cells[0], "SR02"))
		return on_sr(s, &r, err);
	if ((cells[0].len == 4 || t[4] == '.') &&
	    (memcmp(t, "SU01", 4) == 0 || memcmp(t, "SU02", 4) == 0))
		return on_su(s, &r, err);
	if ((cells[0].len == 4 || t[4] == '.') &&
	    (memcmp(t, "AS01", 4) == 0 || memcmp(t, "AS02", 4) == 0 || memcmp(t, "RE01", 4) == 0 ||
	     memcmp(t, "RE02", 4) == 0 || memcmp(t, "MW01", 4) == 0))
		return on_block_record(s, &r, err);
unknown:
	return ft_error_setloc(err, FT_EINVAL, ctx->file, line_no, "RecordType",
			       "record type '%s' is not one fairtrack reads in a Basic Audio DSR "
			       "(HEAD, SYxx, RE01, RE02, AS01, AS02, MW01, SU01, SU02, SR01, SR02, "
			       "FOOT, SRFO)",
			       type);
}

/* ---- end of file: checks, the money split, emission ---- */

static int mismatch(const struct ft_format_ctx *ctx, long line, const char *field,
		    struct ft_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int mismatch(const struct ft_format_ctx *ctx, long line, const char *field,
		    struct ft_error *err, const char *fmt, ...)
{
	char msg[FT_ERROR_MESSAGE_MAX];
	va_list ap;

	if (ctx->force)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ft_error_setloc(err, FT_EINVAL, ctx->file, line, field, "%s (--force accepts it)",
			       msg);
}

static int check_counts(struct dsr_state *s, const struct ft_format_ctx *ctx, struct ft_error *err)
{
	int rc;

	for (size_t i = 0; i < s->n_sums; i++) {
		struct dsr_summary *sum = &s->sums[i];
		char want[FT_AMOUNT_STR_MAX], got[FT_AMOUNT_STR_MAX];

		if (!sum->has_usages || sum->declared_usages == sum->line_usages)
			continue;
		ft_amount_format(want, sizeof(want), sum->declared_usages, 0);
		ft_amount_format(got, sizeof(got), sum->line_usages, 0);
		rc = mismatch(ctx, sum->line_no, sum->usages_cell, err,
			      "summary record '%s' (%s) declares %s %s but its %zu sales/usage "
			      "records add up to %s",
			      pool_ptr(s, sum->id), pool_ptr(s, sum->record), sum->usages_cell,
			      want, sum->n_lines, got);
		if (rc)
			return rc;
	}
	if (s->foot_lines != s->foot_line &&
	    (rc = mismatch(ctx, s->foot_line, "NumberOfLinesInFile", err,
			   "footer says %lld lines but the file has %ld (truncated or edited?)",
			   (long long)s->foot_lines, s->foot_line)))
		return rc;
	if (s->foot_summaries != (int64_t)s->n_sums &&
	    (rc = mismatch(ctx, s->foot_line, "NumberOfSummaryRecords", err,
			   "footer says %lld summary records but the file has %zu",
			   (long long)s->foot_summaries, s->n_sums)))
		return rc;
	if (s->foot_has_blocks && s->foot_blocks != s->n_blocks &&
	    (rc = mismatch(ctx, s->foot_line, "NumberOfBlocksInFile", err,
			   "footer says %lld blocks but the file has %ld",
			   (long long)s->foot_blocks, s->n_blocks)))
		return rc;
	return 0;
}

static int cmp_txid(const void *a, const void *b, void *arg)
{
	const struct dsr_state *s = arg;
	const struct dsr_held *x = *(const struct dsr_held *const *)a;
	const struct dsr_held *y = *(const struct dsr_held *const *)b;
	int c = strcmp(s->pool + x->txid.off, s->pool + y->txid.off);

	return c ? c : (x->line_no > y->line_no) - (x->line_no < y->line_no);
}

static int check_duplicates(struct dsr_state *s, const struct ft_format_ctx *ctx,
			    struct ft_error *err)
{
	struct dsr_held **order;
	int rc = 0;

	if (s->n_held < 2)
		return 0;
	order = malloc(s->n_held * sizeof(struct dsr_held *));
	if (!order)
		return ft_error_set(err, FT_ENOMEM, "out of memory (duplicate check)");
	for (size_t i = 0; i < s->n_held; i++)
		order[i] = &s->held[i];
	qsort_r(order, s->n_held, sizeof(struct dsr_held *), cmp_txid, s);
	for (size_t i = 1; i < s->n_held; i++) {
		if (order[i]->txid.len == 0 ||
		    strcmp(s->pool + order[i]->txid.off, s->pool + order[i - 1]->txid.off) != 0)
			continue;
		rc = ft_error_setloc(
		    err, FT_EINVAL, ctx->file, order[i]->line_no, "SalesTransactionId",
		    "SalesTransactionId '%s' of message '%s' was already used on line "
		    "%ld: a sales line may be reported once",
		    s->pool + order[i]->txid.off, pool_ptr(s, s->message_id),
		    order[i - 1]->line_no);
		break;
	}
	free(order);
	return rc;
}

static int share_money(struct dsr_state *s, const struct ft_format_ctx *ctx, struct ft_error *err)
{
	size_t *start = NULL, *fill = NULL, *members = NULL;
	ft_amount *weights = NULL, *parts = NULL;
	int rc = 0;

	start = calloc(s->n_sums + 1, sizeof(*start));
	fill = calloc(s->n_sums + 1, sizeof(*fill));
	members = malloc((s->n_held ? s->n_held : 1) * sizeof(*members));
	weights = malloc((s->n_held ? s->n_held : 1) * sizeof(*weights));
	parts = malloc((s->n_held ? s->n_held : 1) * sizeof(*parts));
	if (!start || !fill || !members || !weights || !parts) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory (DSR revenue split)");
		goto out;
	}
	/* Bucket the held lines by summary (counting sort, file order kept). */
	for (size_t i = 0; i < s->n_held; i++)
		start[s->held[i].summary + 1]++;
	for (size_t k = 0; k < s->n_sums; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < s->n_held; i++) {
		uint32_t k = s->held[i].summary;

		members[start[k] + fill[k]++] = i;
	}
	for (size_t k = 0; k < s->n_sums; k++) {
		struct dsr_summary *sum = &s->sums[k];
		size_t n = start[k + 1] - start[k];
		int any = 0;

		if (n == 0)
			continue;
		if (!sum->has_money) {
			int alloc = sum->kind == SUM_ALLOCATED;

			rc = mismatch(
			    ctx, sum->line_no, alloc ? "AllocatedRevenue" : "NetRevenue", err,
			    "summary record '%s' (%s) carries no %s, so its %zu lines "
			    "have no receipts",
			    pool_ptr(s, sum->id), pool_ptr(s, sum->record),
			    alloc ? "AllocatedRevenue or AllocatedNetRevenue" : "NetRevenue", n);
			if (rc)
				goto out;
			continue; /* forced: revenue 0 */
		}
		for (size_t j = 0; j < n; j++) {
			const struct dsr_held *h = &s->held[members[start[k] + j]];

			if (h->usages < 0 && h->royalty_bearing) {
				rc =
				    ft_error_setloc(err, FT_EINVAL, ctx->file, h->line_no, "Usages",
						    "net usages %lld are negative: the money of "
						    "summary '%s' cannot "
						    "be shared pro rata over returns",
						    (long long)h->usages, pool_ptr(s, sum->id));
				goto out;
			}
			weights[j] = h->royalty_bearing ? (ft_amount)h->usages : 0;
			any |= weights[j] > 0;
		}
		if (sum->money == 0)
			continue;
		if (!any) {
			rc = ft_error_setloc(
			    err, FT_EINVAL, ctx->file, sum->line_no, NULL,
			    "summary record '%s' has revenue but its %zu royalty-bearing "
			    "lines have no usages to share it over",
			    pool_ptr(s, sum->id), n);
			goto out;
		}
		if ((rc = ft_amount_split(parts, sum->money, weights, n, err)))
			goto out;
		for (size_t j = 0; j < n; j++)
			s->held[members[start[k] + j]].revenue = parts[j];
	}
out:
	free(start);
	free(fill);
	free(members);
	free(weights);
	free(parts);
	return rc;
}

static struct ft_strview view(const struct dsr_state *s, struct pstr p)
{
	return (struct ft_strview){s->pool + p.off, p.len};
}

static int dsr_end(void *state, const struct ft_format_ctx *ctx, ft_usage_sink_fn sink,
		   void *sink_ctx, struct ft_error *err)
{
	struct dsr_state *s = state;
	int rc;

	if (!s->have_head)
		return ft_error_setloc(err, FT_EINVAL, ctx->file, 0, NULL,
				       "no HEAD record: not a DSR flat file, or an empty one");
	if (!s->have_foot)
		return ft_error_setloc(
		    err, FT_EINVAL, ctx->file, 0, NULL,
		    "no FOOT record: the file is truncated (a DSR flat file ends "
		    "with its footer)");
	if ((rc = check_counts(s, ctx, err)) || (rc = check_duplicates(s, ctx, err)) ||
	    (rc = share_money(s, ctx, err)))
		return rc;
	for (size_t i = 0; i < s->n_held; i++) {
		const struct dsr_held *h = &s->held[i];
		const struct dsr_summary *sum = &s->sums[h->summary];
		struct ft_usage_line u = {
		    .isrc = view(s, h->isrc),
		    .upc = view(s, h->upc),
		    .territory = view(s, sum->territory),
		    .commercial_model = view(s, sum->model),
		    .use_type = view(s, sum->use_type),
		    .currency = view(s, sum->currency),
		    .store = view(s, sum->store),
		    .period = view(s, s->period),
		    .transaction_id = view(s, h->txid),
		    .usages = h->usages,
		    .revenue = h->revenue,
		    .gross = h->revenue,
		    .line_no = h->line_no,
		};

		if ((rc = sink(sink_ctx, &u, err)))
			return rc;
	}
	return 0;
}

const struct ft_format ft_format_dsr = {
    .name = "dsr",
    .description = "DDEX DSR flat file, Basic Audio profile (HEAD/SY/RE/AS/SU/FOOT, SR variant)",
    .detect = dsr_detect,
    .begin = dsr_begin,
    .line = dsr_line,
    .end = dsr_end,
    .free = dsr_free,
};
