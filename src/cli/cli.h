/*
 * cli.h — shared plumbing of the fairtrack command line (internal to src/cli).
 *
 * The CLI is a thin shell over the library: it parses arguments, calls the
 * public API (include/fairtrack/ only — the build enforces it), and renders
 * results and errors.  Every command lives in its own cmd_<name>.c and is
 * listed once in commands.def, which generates the usage text and the
 * dispatch table.
 *
 * Exit codes (documented in docs/fairtrack.1):
 *   0 success · 1 bad input (a file, a line, a value) · 2 usage error ·
 *   3 ledger cannot be opened or has a newer schema · 4 already done / conflict
 *   (e.g. a report imported twice) · 5 integrity check failed ·
 *   6 not found · 70 internal error (out of memory, storage failure)
 */
#ifndef FAIRTRACK_CLI_H
#define FAIRTRACK_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "fairtrack/error.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_INPUT = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_LEDGER = 3,
	CLI_EXIT_CONFLICT = 4,
	CLI_EXIT_CHECK = 5,
	CLI_EXIT_NOTFOUND = 6,
	CLI_EXIT_INTERNAL = 70,
};

struct cli {
	const char *prog;   /* argv[0] basename, for messages */
	const char *ledger; /* -l/--ledger, or $FAIRTRACK_LEDGER, or NULL */
	int json;           /* --json: machine-readable output on stdout */
	int quiet;          /* -q: no progress, no chatter */
};

typedef int (*cli_command_fn)(struct cli *cli, int argc, char **argv);

struct cli_command {
	const char *name;
	cli_command_fn run;
	const char *synopsis; /* arguments after the command name */
	const char *summary;  /* one line */
	const char *help;     /* paragraphs for --help and the man page */
};

#define CMD(name, synopsis, summary, help) int cmd_##name(struct cli *cli, int argc, char **argv);
#include "commands.def"
#undef CMD

extern const struct cli_command cli_commands[];

/* Print an error as "fairtrack: message" (or JSON on stderr with --json) and
 * return the exit code that fits its error code. */
int cli_fail(struct cli *cli, const struct ft_error *err);
/* Print a usage error for a command and return CLI_EXIT_USAGE. */
int cli_usage_error(struct cli *cli, const char *command, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Map an FT_E* code to an exit code. */
int cli_exit_for(int ft_code);
/* Print a command's --help text to f. */
void cli_print_command_help(FILE *f, const struct cli_command *cmd);
/* True if argv contains -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);
/* Require the global -l LEDGER; prints a usage error when missing. */
int cli_need_ledger(struct cli *cli, const char *command);

/* `import KIND` sub-dispatch: each kind in its own file. */
int cli_import_catalog(struct cli *cli, int argc, char **argv);
int cli_import_report(struct cli *cli, int argc, char **argv);
int cli_import_contracts(struct cli *cli, int argc, char **argv);
int cli_import_fx(struct cli *cli, int argc, char **argv);
int cli_import_income(struct cli *cli, int argc, char **argv);

/* Open the global -l ledger for a command.  On failure prints the error and
 * returns the exit code (usage error without -l; CLI_EXIT_LEDGER when the
 * ledger is missing or unusable); 0 with *store set on success. */
struct ft_store;
int cli_open_ledger(struct cli *cli, const char *command, struct ft_store **store);

/* Option with a value: "--name VALUE" or "--name=VALUE" at argv[*i]; advances
 * *i past the value.  NULL when argv[*i] is another option.  A "--name" with
 * no value left is reported as a usage error via *missing = 1. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing);

/* Resolve --format NAME and --mapping FILE for a report command: the named
 * format (usage error when unknown), the generic format when only a mapping
 * is given, or NULL (detect).  *mapping is loaded from mapping_path (NULL:
 * none); free it with cli_free_mapping.  0, or the exit code after printing
 * the error. */
struct ft_format;
int cli_report_format(struct cli *cli, const char *command, const char *format_name,
		      const char *mapping_path, const struct ft_format **format, void **mapping);
void cli_free_mapping(void *mapping);

/* After a run with --reject-file: print to stderr how many lines were set
 * aside in path, why the first one was, and their amounts per currency, so
 * nothing disappears silently.  Prints nothing when none were. */
struct ft_aggregate_reject_total;
void cli_print_rejects(struct cli *cli, const char *path, uint64_t lines, const char *first_reason,
		       const struct ft_aggregate_reject_total *totals, size_t n);

/* `import KIND FILE…` for the simple kinds: open the ledger, run
 * import(store, path, &count, err) for each FILE in order, print
 * "imported PATH: COUNT WHAT" (or {"file":…,"JSON_KEY":COUNT}).  Stops at the
 * first file refused. */
typedef int (*cli_import_fn)(struct ft_store *store, const char *path, size_t *count,
			     struct ft_error *err);
int cli_import_files(struct cli *cli, const char *kind, cli_import_fn import, const char *what,
		     const char *json_key, int argc, char **argv);

/* A command whose only argument is --period P (run, close): *period parsed,
 * *text the argument as given.  0, or the exit code after printing why. */
struct ft_period;
int cli_period_arg(struct cli *cli, const char *command, int argc, char **argv,
		   struct ft_period *period, const char **text);

/* Print an exact amount (ft_amount) with at least min_frac digits. */
void cli_print_amount(FILE *f, __int128 amount, int min_frac);

/* --json also accepted after the command ("list artists --json"): sets
 * cli->json, removes it from argv, returns the new argc. */
int cli_take_json_flag(struct cli *cli, int argc, char **argv);

/* One catalogue record (list, show) as a JSON object on stdout. */
struct ft_catalog_record;
void cli_catalog_record_json(const struct ft_catalog_record *rec);

/* JSON output helpers: a quoted, escaped string. */
void cli_json_string(FILE *f, const char *s);

#endif
