/*
 * cmd_import_catalog.c — `fairtrack -l LEDGER import catalog FILE…`
 *
 * Every file is parsed first (all of them, into one catalogue), then the
 * whole catalogue is imported in one transaction: a bad row anywhere means
 * nothing is imported.  Prints each change, then the counts.  --dry-run
 * prints the same and changes nothing.  A directory stands for its *.csv
 * and *.tsv files (what `export catalog DIR` writes).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fairtrack/catalog.h"
#include "fairtrack/store.h"

static const char *action_name(enum ft_catalog_action action)
{
	return action == FT_CATALOG_ADDED ? "added" : "updated";
}

static void print_json(const struct ft_catalog_changes *changes, int dry_run)
{
	struct ft_catalog_counts total = ft_catalog_changes_total(changes);
	size_t i;
	int e;

	fputs("{\"changes\":[", stdout);
	for (i = 0; i < changes->count; i++) {
		const struct ft_catalog_change *c = &changes->items[i];

		fputs(i ? ",{" : "{", stdout);
		fputs("\"action\":", stdout);
		cli_json_string(stdout, action_name(c->action));
		fputs(",\"entity\":", stdout);
		cli_json_string(stdout, c->entity);
		fputs(",\"key\":", stdout);
		cli_json_string(stdout, c->key);
		if (c->field) {
			fputs(",\"field\":", stdout);
			cli_json_string(stdout, c->field);
			fputs(",\"before\":", stdout);
			cli_json_string(stdout, c->before);
			fputs(",\"after\":", stdout);
			cli_json_string(stdout, c->after);
		}
		fputs("}", stdout);
	}
	fputs("],\"counts\":{", stdout);
	for (e = 0; e < FT_CATALOG_ENTITY_COUNT; e++) {
		const struct ft_catalog_counts *n = &changes->counts[e];

		if (e)
			fputc(',', stdout);
		cli_json_string(stdout, ft_catalog_entity_name(e));
		printf(":{\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu}", n->added, n->updated,
		       n->unchanged);
	}
	printf("},\"changed\":%zu,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu,"
	       "\"dry_run\":%s}\n",
	       total.added + total.updated, total.added, total.updated, total.unchanged,
	       dry_run ? "true" : "false");
}

static void print_text(struct cli *cli, const struct ft_catalog_changes *changes, int dry_run)
{
	struct ft_catalog_counts total = ft_catalog_changes_total(changes);
	char line[4096];
	size_t i;
	int e;

	if (!cli->quiet) {
		for (i = 0; i < changes->count; i++) {
			ft_catalog_change_format(line, sizeof(line), &changes->items[i]);
			puts(line);
		}
		for (e = 0; e < FT_CATALOG_ENTITY_COUNT; e++) {
			const struct ft_catalog_counts *n = &changes->counts[e];

			if (n->added + n->updated + n->unchanged == 0)
				continue;
			printf("%s: %zu added, %zu updated, %zu unchanged\n",
			       ft_catalog_entity_name(e), n->added, n->updated, n->unchanged);
		}
	}
	printf("%zu changed (%zu added, %zu updated, %zu unchanged)%s\n",
	       total.added + total.updated, total.added, total.updated, total.unchanged,
	       dry_run ? " -- dry run, nothing was written" : "");
}

static int has_catalogue_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && name[0] != '.' &&
	       (strcmp(name + n - 4, ".csv") == 0 || strcmp(name + n - 4, ".tsv") == 0);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or a directory: its *.csv and *.tsv files in name order. */
static int parse_path(struct ft_catalog *cat, const char *path, struct ft_error *err)
{
	struct stat st;
	DIR *dir;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ft_catalog_parse_file(cat, path, NULL, err);
	dir = opendir(path);
	if (!dir)
		return ft_error_set(err, FT_EIO, "%s: cannot read the directory", path);
	while (!rc && (e = readdir(dir))) {
		char *full;

		if (!has_catalogue_suffix(e->d_name))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!grown) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory");
				break;
			}
			names = grown;
		}
		full = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (!full) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
			break;
		}
		sprintf(full, "%s/%s", path, e->d_name);
		names[n++] = full;
	}
	closedir(dir);
	if (!rc && n == 0)
		rc = ft_error_set(err, FT_EINVAL, "%s: no .csv or .tsv files in this directory",
				  path);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; !rc && i < n; i++)
		rc = ft_catalog_parse_file(cat, names[i], NULL, err);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int cli_import_catalog(struct cli *cli, int argc, char **argv)
{
	struct ft_catalog *cat = NULL;
	struct ft_store *store = NULL;
	struct ft_catalog_changes changes;
	struct ft_error err;
	int i, first = 1, dry_run = 0, rc, exit_code;

	memset(&changes, 0, sizeof(changes));
	ft_error_clear(&err);
	if (cli_need_ledger(cli, "import catalog"))
		return CLI_EXIT_USAGE;
	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		}
		if (strcmp(argv[first], "--dry-run") == 0 || strcmp(argv[first], "-n") == 0)
			dry_run = 1;
		else if (strcmp(argv[first], "--json") == 0)
			cli->json = 1;
		else
			return cli_usage_error(cli, "import",
					       "unknown option '%s' for 'import catalog'",
					       argv[first]);
	}
	if (argc <= first)
		return cli_usage_error(cli, "import", "import catalog needs at least one FILE");
	rc = ft_catalog_new(&cat, &err);
	for (i = first; !rc && i < argc; i++)
		rc = parse_path(cat, argv[i], &err);
	if (!rc) {
		exit_code = cli_open_ledger(cli, "import catalog", &store);
		if (exit_code)
			goto out;
		rc = dry_run ? ft_catalog_preview(store, cat, &changes, &err)
			     : ft_catalog_import(store, cat, &changes, &err);
	}
	if (rc) {
		exit_code = cli_fail(cli, &err);
		if (!cli->json)
			fprintf(stderr, "%s: nothing was imported\n", cli->prog);
		goto out;
	}
	if (cli->json)
		print_json(&changes, dry_run);
	else
		print_text(cli, &changes, dry_run);
	exit_code = CLI_EXIT_OK;
out:
	ft_catalog_changes_free(&changes);
	ft_store_close(store);
	ft_catalog_free(cat);
	return exit_code;
}
