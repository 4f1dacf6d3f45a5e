/*
 * contract_set.c — loading contract files and directories into a set.
 *
 * All or nothing: every file is read and parsed into a staging list first,
 * ids are checked for uniqueness against the set and across the staged
 * files, and only then is the set grown — one realloc that either happens or
 * leaves the set as it was.  So `import contracts DIR` with one bad file in
 * it changes nothing, as docs/CONTRACTS.md promises.
 */
#include "fairtrack/contract.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int read_file(char **out, size_t *len_out, const char *path, struct ft_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, got;
	int rc = 0;

	*out = NULL;
	if (!f)
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot open: %m");
	buf = malloc(FT_CONTRACT_FILE_MAX + 1);
	if (!buf) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	while ((got = fread(buf + len, 1, FT_CONTRACT_FILE_MAX + 1 - len, f)) > 0)
		len += got;
	if (ferror(f)) {
		rc = ft_error_setloc(err, FT_EIO, path, 0, NULL, "read failed");
		goto out;
	}
	if (len > FT_CONTRACT_FILE_MAX) {
		rc = ft_error_setloc(err, FT_EINVAL, path, 0, NULL,
				     "contract file is larger than %u bytes", FT_CONTRACT_FILE_MAX);
		goto out;
	}
	*out = buf;
	*len_out = len;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return rc;
}

struct staged {
	struct ft_contract *items;
	size_t n, cap;
};

static int stage_file(struct staged *st, const char *path, const struct ft_contract_hooks *hooks,
		      struct ft_error *err)
{
	struct ft_contract *list = NULL;
	size_t n = 0, i;
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = read_file(&text, &len, path, err);
	if (rc)
		return rc;
	rc = ft_contract_parse(&list, &n, text, len, path, hooks, err);
	free(text);
	if (rc)
		return rc;
	if (st->n + n > st->cap) {
		size_t cap = (st->n + n) * 2;
		struct ft_contract *grown = realloc(st->items, cap * sizeof(*grown));

		if (!grown) {
			ft_contract_array_free(list, n);
			return ft_error_set(err, FT_ENOMEM, "out of memory loading contracts");
		}
		st->items = grown;
		st->cap = cap;
	}
	for (i = 0; i < n; i++)
		st->items[st->n++] = list[i]; /* ownership moves to the staging list */
	free(list);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool yaml_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int stage_dir(struct staged *st, const char *dir, const struct ft_contract_hooks *hooks,
		     struct ft_error *err)
{
	char **names = NULL, **grown, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return ft_error_setloc(err, FT_EIO, dir, 0, NULL, "cannot open directory: %m");
	while ((e = readdir(d))) {
		if (!yaml_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory listing %s", dir);
				goto out;
			}
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory listing %s", dir);
			goto out;
		}
		n++;
	}
	if (n == 0) {
		rc = ft_error_setloc(err, FT_ENOTFOUND, dir, 0, NULL,
				     "no contract files (*.yaml, *.yml) in this directory");
		goto out;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = stage_file(st, path, hooks, err);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* Index order by id, then position: equal ids end up side by side, the
 * earliest first. */
static int by_id_then_index(const void *a, const void *b, void *ctx)
{
	const struct ft_contract *items = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int d = strcmp(items[i].id, items[j].id);

	return d ? d : (i > j) - (i < j);
}

static int by_id_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The first staged contract (in file order) whose id is in the set or on an
 * earlier staged one, with that earlier one.  By sorting: comparing every
 * pair took a quarter of importing 10,000 contracts.
 */
static int find_duplicate(const struct ft_contract_set *set, const struct staged *st, size_t *dup,
			  const struct ft_contract **old, struct ft_error *err)
{
	size_t *order = malloc((st->n ? st->n : 1) * sizeof(*order));
	const struct ft_contract **prior = calloc(st->n ? st->n : 1, sizeof(*prior));
	const char **set_ids = malloc((set->n ? set->n : 1) * sizeof(*set_ids));
	size_t i, first = 0;

	*dup = SIZE_MAX;
	*old = NULL;
	if (!order || !prior || !set_ids) {
		free(order);
		free(prior);
		free(set_ids);
		return ft_error_set(err, FT_ENOMEM, "out of memory loading contracts");
	}
	for (i = 0; i < st->n; i++)
		order[i] = i;
	if (st->n > 1)
		qsort_r(order, st->n, sizeof(*order), by_id_then_index, st->items);
	for (i = 1; i < st->n; i++) {
		if (strcmp(st->items[order[i]].id, st->items[order[i - 1]].id))
			first = i;
		else
			prior[order[i]] = &st->items[order[first]];
	}
	for (i = 0; i < set->n; i++)
		set_ids[i] = set->items[i].id;
	if (set->n > 1)
		qsort(set_ids, set->n, sizeof(*set_ids), by_id_ptr);
	for (i = 0; i < st->n && !*old; i++) {
		const char *id = st->items[i].id;

		if (set->n && bsearch(&id, set_ids, set->n, sizeof(*set_ids), by_id_ptr))
			*old = ft_contract_set_find(set, id);
		else
			*old = prior[i];
		if (*old)
			*dup = i;
	}
	free(order);
	free(prior);
	free(set_ids);
	return 0;
}

int ft_contract_set_load(struct ft_contract_set *set, const char *path,
			 const struct ft_contract_hooks *hooks, size_t *added, struct ft_error *err)
{
	struct staged st = {0};
	struct ft_contract *grown;
	const struct ft_contract *old;
	struct stat sb;
	size_t dup;
	int rc;

	if (added)
		*added = 0;
	if (stat(path, &sb) != 0)
		return ft_error_setloc(err, FT_ENOTFOUND, path, 0, NULL, "no such file: %m");
	rc = S_ISDIR(sb.st_mode) ? stage_dir(&st, path, hooks, err)
				 : stage_file(&st, path, hooks, err);
	if (!rc)
		rc = find_duplicate(set, &st, &dup, &old, err);
	if (rc)
		goto out;
	if (old) {
		const struct ft_contract *c = &st.items[dup];

		rc = ft_error_setloc(err, FT_EEXISTS, c->file, c->line, "id",
				     "id: contract '%s' is already defined (%s:%ld)", c->id,
				     old->file[0] ? old->file : "earlier", old->line);
		goto out;
	}
	grown = realloc(set->items, (set->n + st.n) * sizeof(*grown));
	if (!grown && set->n + st.n > 0) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory loading contracts");
		goto out;
	}
	set->items = grown;
	if (st.n)
		memcpy(set->items + set->n, st.items, st.n * sizeof(*st.items));
	set->n += st.n;
	if (added)
		*added = st.n;
	free(st.items);
	return 0;
out:
	ft_contract_array_free(st.items, st.n);
	return rc;
}

const struct ft_contract *ft_contract_set_find(const struct ft_contract_set *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->items[i].id, id) == 0)
			return &set->items[i];
	return NULL;
}

void ft_contract_set_clear(struct ft_contract_set *set)
{
	if (!set)
		return;
	ft_contract_array_free(set->items, set->n);
	set->items = NULL;
	set->n = 0;
}
