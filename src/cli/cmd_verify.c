/*
 * cmd_verify.c — `fairtrack -l LEDGER verify FILE…`: is each file a
 * statement this ledger issued, and for whom?  Compares the file's SHA-256
 * with those `statements` recorded; exit 0 when every file was issued, 6
 * (not found) when one was not — a changed byte is a different file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/issue.h"
#include "fairtrack/store.h"

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_issue_record rec;
	struct ft_error err;
	int code, i, rc, worst = 0, files = 0;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error(cli, "verify", "unknown option '%s'", argv[i]);
	if (argc < 2)
		return cli_usage_error(cli, "verify", "needs a FILE to check");
	code = cli_open_ledger(cli, "verify", &store);
	if (code)
		return code;
	for (i = 1; i < argc; i++) {
		files++;
		ft_error_clear(&err);
		rc = ft_issue_verify(store, argv[i], &rec, &err);
		if (rc) {
			code = cli_fail(cli, &err);
			if (!worst || rc != FT_ENOTFOUND)
				worst = code;
			continue;
		}
		if (cli->json) {
			fputs("{\"file\":", stdout);
			cli_json_string(stdout, argv[i]);
			printf(",\"issued\":true,\"sha256\":\"%s\",\"period\":", rec.sha256);
			cli_json_string(stdout, rec.period);
			fputs(",\"payee\":", stdout);
			cli_json_string(stdout, rec.payee);
			fputs(",\"account\":", stdout);
			cli_json_string(stdout, rec.account);
			printf(",\"format\":\"%s\"}\n", rec.format);
		} else {
			printf("%s: issued for %s%s%s, period %s, %s (as %s, %s)\n", argv[i],
			       rec.payee, rec.account[0] ? ", account " : "", rec.account,
			       rec.period, rec.format, rec.file, rec.issued_at);
		}
	}
	(void)files;
	ft_store_close(store);
	return worst;
}
