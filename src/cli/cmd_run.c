/*
 * cmd_run.c — `fairtrack -l LEDGER run --period P [--include-unrun]`: compute
 * every contract for P and post the journal (fairtrack/ledger_run.h);
 * --include-unrun posts earlier months no run covers as late adjustments.  Re-running an open
 * period replaces its postings with the same figures; prints the period's
 * totals, adjustments for closed periods, and one line per payee account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

static void amount_json(const char *name, ft_amount a, int comma)
{
	printf("%s\"%s\":\"", comma ? "," : "", name);
	cli_print_amount(stdout, a, 2);
	putchar('"');
}

static void print_json(const struct ft_run_summary *s)
{
	size_t i;

	printf("{\"period\":\"%s\",\"currency\":\"%s\",\"replaced\":%s,\"lines\":%zu,"
	       "\"late_lines\":%zu,\"postings\":%zu,\"legs\":%zu",
	       s->period, s->currency, s->replaced ? "true" : "false", s->lines, s->late_lines,
	       s->postings, s->legs);
	amount_json("receipts", s->receipts, 1);
	amount_json("fees", s->fees, 1);
	amount_json("royalties", s->royalties, 1);
	amount_json("label", s->label, 1);
	amount_json("suspense", s->suspense, 1);
	amount_json("remainder", s->remainder, 1);
	amount_json("payable", s->payable, 1);
	fputs(",\"notes\":[", stdout);
	for (i = 0; i < s->n_notes; i++) {
		fputs(i ? "," : "", stdout);
		cli_json_string(stdout, s->notes[i]);
	}
	fputs("],\"payees\":[", stdout);
	for (i = 0; i < s->n_payees; i++) {
		const struct ft_run_payee *p = &s->payees[i];

		printf("%s{\"payee\":", i ? "," : "");
		cli_json_string(stdout, p->payee);
		fputs(",\"account\":", stdout);
		cli_json_string(stdout, p->account);
		fputs(",\"currency\":", stdout);
		cli_json_string(stdout, p->currency);
		amount_json("opening", p->opening, 1);
		amount_json("royalties", p->royalties, 1);
		amount_json("advances", p->advances, 1);
		amount_json("costs", p->costs, 1);
		amount_json("balance", p->balance, 1);
		amount_json("reserve_held", p->reserve_held, 1);
		amount_json("payable", p->payable, 1);
		amount_json("closing", p->closing, 1);
		putchar('}');
	}
	puts("]}");
}

static void print_text(const struct ft_run_summary *s)
{
	size_t i;

	printf("%s %s: %zu lines (%zu late), %zu postings, %zu legs%s\n",
	       s->replaced ? "re-ran" : "ran", s->period, s->lines, s->late_lines, s->postings,
	       s->legs, s->replaced ? " (the earlier open run was replaced)" : "");
	for (i = 0; i < s->n_notes; i++)
		printf("  %s\n", s->notes[i]);
	printf("  receipts %s ", s->currency);
	cli_print_amount(stdout, s->receipts, 2);
	fputs("  fees ", stdout);
	cli_print_amount(stdout, s->fees, 2);
	fputs("  royalties ", stdout);
	cli_print_amount(stdout, s->royalties, 2);
	fputs("  label account ", stdout);
	cli_print_amount(stdout, s->label, 2);
	fputs("  suspense ", stdout);
	cli_print_amount(stdout, s->suspense, 2);
	fputs("  remainder ", stdout);
	cli_print_amount(stdout, s->remainder, 0);
	putchar('\n');
	puts("payee\taccount\topening\troyalties\tadvances\tcosts\tbalance\treserve_held\tpayable\t"
	     "closing\tcurrency");
	for (i = 0; i < s->n_payees; i++) {
		const struct ft_run_payee *p = &s->payees[i];
		const ft_amount v[8] = {p->opening, p->royalties,    p->advances, p->costs,
					p->balance, p->reserve_held, p->payable,  p->closing};
		int k;

		printf("%s\t%s", p->payee, p->account);
		for (k = 0; k < 8; k++) {
			putchar('\t');
			cli_print_amount(stdout, v[k], 2);
		}
		printf("\t%s\n", p->currency);
	}
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct ft_run_summary sum;
	struct ft_run_options opts = {0};
	struct ft_store *store = NULL;
	struct ft_period period;
	struct ft_error err;
	const char *p = NULL;
	int code, i, o = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--include-unrun") == 0)
			opts.include_unrun = 1;
		else
			argv[o++] = argv[i];
	}
	argc = o;
	code = cli_period_arg(cli, "run", argc, argv, &period, &p);
	if (code)
		return code;
	ft_error_clear(&err);
	code = cli_open_ledger(cli, "run", &store);
	if (code)
		return code;
	if (ft_run_period_opts(store, &period, &opts, &sum, &err))
		code = cli_fail(cli, &err);
	else if (cli->json)
		print_json(&sum);
	else if (!cli->quiet)
		print_text(&sum);
	/* FAIRTRACK_TIMING=1: where the time went (bench/engine.sh), on stderr. */
	if (!code && getenv("FAIRTRACK_TIMING"))
		fprintf(
		    stderr,
		    "timing: read %lld.%03lld s, engine %lld.%03lld s, post %lld.%03lld s, "
		    "commit %lld.%03lld s\n",
		    (long long)(sum.us_read / 1000000), (long long)(sum.us_read / 1000 % 1000),
		    (long long)(sum.us_engine / 1000000), (long long)(sum.us_engine / 1000 % 1000),
		    (long long)(sum.us_post / 1000000), (long long)(sum.us_post / 1000 % 1000),
		    (long long)(sum.us_commit / 1000000), (long long)(sum.us_commit / 1000 % 1000));
	ft_run_summary_free(&sum);
	ft_store_close(store);
	return code;
}
