/*
 * cmd_aggregate.c — `fairtrack aggregate --catalog FILE [--format F]
 * [--threads N] REPORT…`: pure aggregation, no ledger.
 *
 * Prints the aggregates of all REPORTs together (docs/internals/INGEST.md):
 * a header, one TSV line per (isrc, territory, commercial_model, use_type,
 * currency) sorted by that key, a blank line, then the unmatched block.
 * Each report file is aggregated on its own and merged, so the same command
 * over a subset of files gives partial results that add up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "fairtrack/format.h"
#include "fairtrack/ingest.h"

int cmd_aggregate(struct cli *cli, int argc, char **argv)
{
	struct ft_aggregate_opts opts = {0};
	struct ft_matcher *matcher = NULL;
	struct ft_aggregate *agg = NULL;
	struct ft_error err;
	const char *catalog = NULL, *format = NULL, *mapping_path = NULL, *reject_path = NULL, *v;
	void *mapping = NULL;
	struct cli_progress progress;
	static char outbuf[1 << 20];
	int i, first_report = 0, missing = 0, rc = CLI_EXIT_OK;

	ft_error_clear(&err);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			first_report = i + 1;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			first_report = i;
			break;
		}
		if ((v = cli_opt_value(argc, argv, &i, "--catalog", &missing))) {
			catalog = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--format", &missing))) {
			format = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--mapping", &missing))) {
			mapping_path = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--reject-file", &missing))) {
			reject_path = v;
		} else if (strcmp(a, "--force") == 0) {
			opts.force = 1;
		} else if ((v = cli_opt_value(argc, argv, &i, "--threads", &missing))) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end || n < 0 || n > 256)
				return cli_usage_error(cli, "aggregate",
						       "--threads wants a number from 0 (one per "
						       "CPU) to 256, not '%s'",
						       v);
			opts.threads = (int)n;
		} else {
			return cli_usage_error(cli, "aggregate", "%s '%s'",
					       missing ? "missing value for" : "unknown option", a);
		}
	}
	if (!catalog)
		return cli_usage_error(cli, "aggregate",
				       "--catalog FILE is required (the catalogue, or any CSV/TSV "
				       "with an ISRC column)");
	if (first_report == 0 || first_report >= argc)
		return cli_usage_error(cli, "aggregate", "no REPORT given");
	rc = cli_report_format(cli, "aggregate", format, mapping_path, &opts.format, &mapping);
	if (rc)
		return rc;
	opts.format_user = mapping;
	if (reject_path) {
		opts.reject = fopen(reject_path, "w");
		if (!opts.reject) {
			fprintf(stderr, "%s: cannot write the reject file %s\n", cli->prog,
				reject_path);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
	}
	if (ft_matcher_new(&matcher, &err) || ft_matcher_load(matcher, catalog, &err)) {
		rc = cli_fail(cli, &err);
		goto out;
	}
	opts.matcher = matcher;
	opts.progress = cli_progress_hook;
	opts.progress_ctx = &progress;
	if (ft_aggregate_new(&agg, &opts, &err)) {
		rc = cli_fail(cli, &err);
		goto out;
	}
	for (i = first_report; i < argc; i++) {
		int failed;

		cli_progress_start(&progress, argv[i], 0, cli->quiet);
		failed = ft_aggregate_file(agg, argv[i], &err);
		cli_progress_finish(&progress);
		if (failed) {
			rc = cli_fail(cli, &err);
			goto out;
		}
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (ft_aggregate_write_tsv(agg, stdout, &err))
		rc = cli_fail(cli, &err);
	if (reject_path) {
		struct ft_aggregate_stats st;

		ft_aggregate_stats(agg, &st);
		cli_print_rejects(cli, reject_path, st.rejected_lines, st.first_reject,
				  st.reject_totals, st.n_reject_totals);
	}
out:
	if (opts.reject && fclose(opts.reject) != 0 && rc == CLI_EXIT_OK) {
		fprintf(stderr, "%s: writing the reject file %s failed\n", cli->prog, reject_path);
		rc = CLI_EXIT_INPUT;
	}
	ft_aggregate_free(agg);
	ft_matcher_free(matcher);
	cli_free_mapping(mapping);
	return rc;
}
