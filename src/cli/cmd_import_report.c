/*
 * cmd_import_report.c — `fairtrack -l LEDGER import report [--partner P]
 * [--format F] [--month M] [--force] [--threads N] FILE…`
 *
 * Each FILE becomes one import batch, all or nothing (fairtrack/import.h).
 * Files are imported in order; when one is refused the command stops there,
 * says which files before it were imported, and exits non-zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "fairtrack/format.h"
#include "fairtrack/import.h"
#include "fairtrack/store.h"

static void print_result(struct cli *cli, const char *path, const struct ft_import_result *r,
			 int first)
{
	size_t i;

	if (cli->json) {
		printf("%s{\"file\":", first ? "" : ",\n");
		cli_json_string(stdout, path);
		printf(",\"batch\":%lld,\"sha256\":\"%s\",\"first_month\":", (long long)r->batch_id,
		       r->sha256);
		cli_json_string(stdout, r->first_month);
		fputs(",\"last_month\":", stdout);
		cli_json_string(stdout, r->last_month);
		printf(",\"usage_lines\":%llu,\"rejected_lines\":%llu", (unsigned long long)r->usage_lines,
		       (unsigned long long)r->rejected_lines);
		printf(",\"rows\":%lld,\"suspense_rows\":%lld,\"totals\":[", (long long)r->rows,
		       (long long)r->suspense_rows);
		for (i = 0; i < r->n_totals; i++) {
			const struct ft_import_total *t = &r->totals[i];

			printf("%s{\"currency\":\"%s\",\"usages\":%lld,\"revenue\":\"", i ? "," : "",
			       t->currency, (long long)t->usages);
			cli_print_amount(stdout, t->revenue, 0);
			printf("\",\"suspense_usages\":%lld,\"suspense_revenue\":\"",
			       (long long)t->suspense_usages);
			cli_print_amount(stdout, t->suspense_revenue, 0);
			fputs("\"}", stdout);
		}
		fputs("]}", stdout);
		return;
	}
	if (cli->quiet)
		return;
	printf("imported %s as batch %lld (%s%s%s): %llu lines, %lld rows, %lld in suspense\n",
	       path, (long long)r->batch_id, r->first_month,
	       strcmp(r->first_month, r->last_month) ? ".." : "",
	       strcmp(r->first_month, r->last_month) ? r->last_month : "",
	       (unsigned long long)r->usage_lines, (long long)r->rows, (long long)r->suspense_rows);
	for (i = 0; i < r->n_totals; i++) {
		const struct ft_import_total *t = &r->totals[i];

		printf("  %s  %lld usages  ", t->currency, (long long)t->usages);
		cli_print_amount(stdout, t->revenue, 2);
		if (t->suspense_usages || t->suspense_revenue) {
			printf("   suspense: %lld usages  ", (long long)t->suspense_usages);
			cli_print_amount(stdout, t->suspense_revenue, 2);
		}
		putchar('\n');
	}
}

int cli_import_report(struct cli *cli, int argc, char **argv)
{
	struct ft_import_opts opts = {0};
	struct cli_progress progress;
	struct ft_store *store = NULL;
	struct ft_error err;
	const char *v, *format = NULL, *mapping_path = NULL, *reject_path = NULL;
	void *mapping = NULL;
	int i, missing = 0, first = 0, imported = 0, code;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			first = i + 1;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			first = i;
			break;
		}
		if ((v = cli_opt_value(argc, argv, &i, "--partner", &missing))) {
			opts.partner = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--format", &missing))) {
			format = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--mapping", &missing))) {
			mapping_path = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--reject-file", &missing))) {
			reject_path = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--month", &missing)) ||
			   (v = cli_opt_value(argc, argv, &i, "--period", &missing))) {
			opts.month = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--threads", &missing))) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end || n < 0 || n > 256)
				return cli_usage_error(cli, "import report",
						       "--threads wants a number from 0 (one per "
						       "CPU) to 256, not '%s'",
						       v);
			opts.threads = (int)n;
		} else if (strcmp(a, "--force") == 0) {
			opts.force = 1;
		} else {
			return cli_usage_error(cli, "import report", "%s '%s'",
					       missing ? "missing value for" : "unknown option", a);
		}
	}
	if (!first || first >= argc)
		return cli_usage_error(cli, "import report", "no report FILE given");
	if (!opts.partner)
		return cli_usage_error(cli, "import report",
				       "which partner sent the report? --partner ID (see 'fairtrack "
				       "list partners')");
	code = cli_report_format(cli, "import report", format, mapping_path, &opts.format, &mapping);
	if (code)
		return code;
	opts.format_user = mapping;
	if (reject_path) {
		opts.reject = fopen(reject_path, "w");
		if (!opts.reject) {
			fprintf(stderr, "%s: cannot write the reject file %s\n", cli->prog,
				reject_path);
			cli_free_mapping(mapping);
			return CLI_EXIT_INPUT;
		}
	}
	code = cli_open_ledger(cli, "import report", &store);
	if (code)
		goto out;
	if (cli->json)
		putchar('[');
	code = CLI_EXIT_OK;
	for (i = first; i < argc; i++) {
		struct ft_import_result res;

		int failed;

		ft_error_clear(&err);
		cli_progress_start(&progress, argv[i], 0, cli->quiet || cli->json);
		opts.progress = cli_progress_hook;
		opts.progress_ctx = &progress;
		failed = ft_import_report(store, argv[i], &opts, &res, &err);
		cli_progress_finish(&progress);
		if (failed) {
			ft_import_result_free(&res);
			if (cli->json)
				puts("]");
			code = cli_fail(cli, &err);
			if (imported && !cli->json)
				fprintf(stderr, "%s: %d file(s) before %s were imported; %s and the "
						"files after it were not\n",
					cli->prog, imported, argv[i], argv[i]);
			goto out;
		}
		print_result(cli, argv[i], &res, imported == 0);
		cli_print_rejects(cli, reject_path, res.rejected_lines, res.first_reject,
				  res.reject_totals, res.n_reject_totals);
		imported++;
		ft_import_result_free(&res);
	}
	if (cli->json)
		puts("]");
out:
	ft_store_close(store);
	cli_free_mapping(mapping);
	if (opts.reject && fclose(opts.reject) != 0 && code == CLI_EXIT_OK) {
		fprintf(stderr, "%s: writing the reject file %s failed\n", cli->prog, reject_path);
		code = CLI_EXIT_INPUT;
	}
	return code;
}
