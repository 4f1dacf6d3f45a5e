/*
 * cmd_statements.c — `fairtrack -l LEDGER statements --period P --out DIR
 * [--format csv,xlsx,pdf] [--payee X] [--jobs N]`: issue the statements of a run
 * (fairtrack/issue.h).  One file per payee account with activity and format,
 * the label summary and the payment file; each file's SHA-256 is recorded so
 * `fairtrack verify` can recognise it.  Prints one line per file written.
 * --jobs N renders on N threads (default: one per online CPU); the files
 * are the same bytes and listed in the same order for any N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/issue.h"
#include "fairtrack/statement.h"
#include "fairtrack/store.h"

int cmd_statements(struct cli *cli, int argc, char **argv)
{
	struct ft_issue_options opts = {NULL, NULL, NULL, 0};
	struct ft_issue_result res;
	struct ft_store *store = NULL;
	struct ft_period period;
	struct ft_error err;
	const char *p = NULL, *v;
	int code, i, missing = 0;
	size_t k;

	for (i = 1; i < argc; i++) {
		if ((v = cli_opt_value(argc, argv, &i, "--period", &missing)))
			p = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--out", &missing)))
			opts.out_dir = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--format", &missing)))
			opts.formats = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--payee", &missing)))
			opts.payee = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--jobs", &missing))) {
			char *end;
			long n = strtol(v, &end, 10);

			if (!*v || *end || n < 0 || n > 64)
				return cli_usage_error(cli, "statements",
						       "--jobs wants a number from 0 (one per CPU) "
						       "to 64, not '%s'",
						       v);
			opts.jobs = (unsigned)n;
		} else
			return cli_usage_error(cli, "statements", "unknown argument '%s'", argv[i]);
	}
	if (missing)
		return cli_usage_error(cli, "statements", "an option is missing its value");
	if (!p || !opts.out_dir)
		return cli_usage_error(cli, "statements",
				       "needs --period P (2026-10, 2026-Q4, …) and --out DIR");
	ft_error_clear(&err);
	if (ft_period_parse(&period, p, strlen(p), &err))
		return cli_fail(cli, &err);
	code = cli_open_ledger(cli, "statements", &store);
	if (code)
		return code;
	if (ft_issue_statements(store, &period, &opts, &res, &err)) {
		code = cli_fail(cli, &err);
	} else if (cli->json) {
		fputs("{\"period\":", stdout);
		cli_json_string(stdout, p);
		printf(",\"statements\":%zu,\"files\":[", res.n_statements);
		for (k = 0; k < res.n_files; k++) {
			const struct ft_issue_file *f = &res.files[k];

			printf("%s{\"payee\":", k ? "," : "");
			cli_json_string(stdout, f->payee);
			fputs(",\"account\":", stdout);
			cli_json_string(stdout, f->account);
			printf(",\"format\":\"%s\",\"sha256\":\"%s\",\"path\":", f->format,
			       f->sha256);
			cli_json_string(stdout, f->path);
			putchar('}');
		}
		puts("]}");
	} else if (!cli->quiet) {
		for (k = 0; k < res.n_files; k++)
			printf("%s\t%s\t%s\t%s\n", res.files[k].payee, res.files[k].format,
			       res.files[k].sha256, res.files[k].path);
		printf("issued %zu statements for %s into %s (%zu files, SHA-256 recorded)\n",
		       res.n_statements, p, opts.out_dir, res.n_files);
	}
	ft_issue_result_free(&res);
	/* Pango's per-thread font map, held for the next PDF; there is none. */
	ft_render_release_thread_caches();
	ft_store_close(store);
	return code;
}
