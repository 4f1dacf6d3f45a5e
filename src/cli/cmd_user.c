/*
 * cmd_user.c — `fairtrack -l LEDGER user add|invite|disable|enable|reset|link|unlink|
 * list`: portal accounts from the command line (fairtrack/users.h).  An
 * artist account is linked to catalogue artists (--artist, what it may see
 * of the catalogue) and to contract payees (--payee, whose statements it
 * sees in the portal).
 *
 * Every change is written to the ledger's audit log with the actor
 * "cli:<login name>", in the same transaction as the change.  Passwords are
 * never taken from the command line (they would show in `ps` and in shell
 * history): either --password-stdin, or an invite link the user opens to
 * choose one.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"

#define INVITE_TTL ((int64_t)7 * 24 * 3600)
#define MAX_ARTISTS 32
#define MAX_PAYEES 32

struct user_args {
	const char *username;
	const char *role;
	const char *name;
	const char *base_url;
	const char *artists[MAX_ARTISTS];
	int n_artists;
	const char *payees[MAX_PAYEES];
	int n_payees;
	int password_stdin;
};

static void actor(char *buf, size_t cap)
{
	const char *login = getenv("USER");

	if (!login || !*login)
		login = getenv("LOGNAME");
	if (!login || !*login) {
		struct passwd *pw = getpwuid(getuid());

		login = pw ? pw->pw_name : NULL;
	}
	snprintf(buf, cap, "cli:%s", login && *login ? login : "?");
}

static int parse_args(struct cli *cli, const char *sub, int argc, char **argv, struct user_args *a)
{
	int i, missing = 0;
	const char *v;

	memset(a, 0, sizeof(*a));
	a->base_url = getenv("FAIRTRACK_URL") ? getenv("FAIRTRACK_URL") : "http://127.0.0.1:8080";
	for (i = 2; i < argc; i++) {
		if ((v = cli_opt_value(argc, argv, &i, "--role", &missing))) {
			a->role = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--name", &missing))) {
			a->name = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--base-url", &missing))) {
			a->base_url = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--artist", &missing))) {
			if (a->n_artists == MAX_ARTISTS)
				return cli_usage_error(cli, "user", "at most %d --artist",
						       MAX_ARTISTS);
			a->artists[a->n_artists++] = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--payee", &missing))) {
			if (a->n_payees == MAX_PAYEES)
				return cli_usage_error(cli, "user", "at most %d --payee",
						       MAX_PAYEES);
			a->payees[a->n_payees++] = v;
		} else if (strcmp(argv[i], "--password-stdin") == 0) {
			a->password_stdin = 1;
		} else if (missing) {
			return cli_usage_error(cli, "user", "%s needs a value", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error(cli, "user", "unknown option '%s' for 'user %s'",
					       argv[i], sub);
		} else if (!a->username) {
			a->username = argv[i];
		} else if (strcmp(sub, "link") == 0 && a->n_artists < MAX_ARTISTS) {
			a->artists[a->n_artists++] = argv[i];
		} else {
			return cli_usage_error(cli, "user", "unexpected argument '%s'", argv[i]);
		}
		if (missing)
			return cli_usage_error(cli, "user", "%s needs a value", argv[i]);
	}
	if (!a->username && strcmp(sub, "list") != 0)
		return cli_usage_error(cli, "user", "'user %s' needs a USERNAME", sub);
	return 0;
}

static int read_password(char *buf, size_t cap, struct ft_error *err)
{
	size_t n;

	if (!fgets(buf, (int)cap, stdin))
		return ft_error_set(err, FT_EINVAL, "no password on standard input");
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

static void print_invite(struct cli *cli, const char *username, const char *base, const char *token,
			 int64_t expires)
{
	size_t n = strlen(base);
	const char *slash = n && base[n - 1] == '/' ? "" : "/";

	if (cli->json) {
		printf("{\"username\":");
		cli_json_string(stdout, username);
		printf(",\"invite_url\":\"");
		fputs(base, stdout);
		printf("%s#invite=%s\",\"expires_at\":%lld}\n", slash, token, (long long)expires);
	} else {
		printf("invite link for %s (valid 7 days, shown once):\n%s%s#invite=%s\n", username,
		       base, slash, token);
	}
}

/* add and invite: create (add always, invite when missing), link, then a
 * password from stdin or an invite. */
static int create_or_invite(struct cli *cli, struct ft_store *store, const char *sub,
			    const struct user_args *a, struct ft_error *err)
{
	char who[128], token[FT_TOKEN_HEX + 1] = "", password[FT_PASSWORD_MAX + 2];
	struct ft_user existing;
	int64_t now = time(NULL), id = 0;
	int role = -1, create, rc, i;

	actor(who, sizeof(who));
	rc = ft_user_get(store, a->username, &existing, NULL);
	create = rc == FT_ENOTFOUND;
	if (rc && !create)
		return ft_user_get(store, a->username, NULL, err);
	if (!create && strcmp(sub, "add") == 0)
		return ft_error_set(err, FT_EEXISTS,
				    "user '%s' already exists (use 'user reset' for a new "
				    "password)",
				    a->username);
	if (create) {
		role = ft_role_parse(a->role);
		if (role < 0)
			return ft_error_set(err, FT_EUSAGE,
					    "--role must be admin, staff, artist, collective_admin "
					    "or member_label");
	}
	if (a->password_stdin) {
		rc = read_password(password, sizeof(password), err);
		if (rc)
			return rc;
	}
	rc = ft_store_begin(store, err);
	if (!rc && create)
		rc = ft_user_add(store, a->username, role, a->name, &id, err);
	if (!rc && !create)
		id = existing.id;
	for (i = 0; !rc && i < a->n_artists; i++)
		rc = ft_user_link_artist(store, id, a->artists[i], err);
	for (i = 0; !rc && i < a->n_payees; i++)
		rc = ft_user_link_payee(store, id, a->payees[i], err);
	if (!rc && a->password_stdin)
		rc = ft_user_set_password(store, id, password, err);
	else if (!rc)
		rc = ft_invite_create(store, id, 0, now, INVITE_TTL, token, err);
	if (!rc && create)
		rc = ft_audit_add(store, now, who, "user.add", a->username, ft_role_name(role), "",
				  err);
	if (!rc && !a->password_stdin)
		rc = ft_audit_add(store, now, who, "user.invite", a->username, "", "", err);
	if (!rc && a->password_stdin)
		rc = ft_audit_add(store, now, who, "password.set", a->username, "", "", err);
	if (rc)
		ft_store_rollback(store, NULL);
	else
		rc = ft_store_commit(store, err);
	explicit_bzero(password, sizeof(password));
	if (rc)
		return rc;
	if (token[0])
		print_invite(cli, a->username, a->base_url, token, now + INVITE_TTL);
	else if (!cli->quiet)
		printf("user %s %s\n", a->username, create ? "added" : "updated");
	explicit_bzero(token, sizeof(token));
	return 0;
}

static int change(struct cli *cli, struct ft_store *store, const char *sub,
		  const struct user_args *a, struct ft_error *err)
{
	char who[128], token[FT_TOKEN_HEX + 1] = "";
	struct ft_user u;
	int64_t now = time(NULL);
	int rc, i;

	actor(who, sizeof(who));
	rc = ft_user_get(store, a->username, &u, err);
	if (!rc)
		rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
		rc = ft_user_set_disabled(store, u.id, sub[0] == 'd', err);
	else if (strcmp(sub, "reset") == 0)
		rc = ft_invite_create(store, u.id, 1, now, INVITE_TTL, token, err);
	else if (strcmp(sub, "unlink") == 0)
		for (i = 0; !rc && i < a->n_payees; i++)
			rc = ft_user_unlink_payee(store, u.id, a->payees[i], err);
	else {
		for (i = 0; !rc && i < a->n_artists; i++)
			rc = ft_user_link_artist(store, u.id, a->artists[i], err);
		for (i = 0; !rc && i < a->n_payees; i++)
			rc = ft_user_link_payee(store, u.id, a->payees[i], err);
	}
	if (!rc) {
		char action[32];

		snprintf(action, sizeof(action), "user.%s", sub);
		rc = ft_audit_add(store, now, who, action, a->username, "", "", err);
	}
	if (rc)
		ft_store_rollback(store, NULL);
	else
		rc = ft_store_commit(store, err);
	if (rc)
		return rc;
	if (token[0])
		print_invite(cli, a->username, a->base_url, token, now + INVITE_TTL);
	else if (!cli->quiet && !cli->json)
		printf("user %s: %s done\n", a->username, sub);
	explicit_bzero(token, sizeof(token));
	return 0;
}

struct list_ctx {
	struct cli *cli;
	struct ft_store *store;
	int n;
	char artists[1024];
	char payees[1024];
};

static int join_artist(void *ctx, const char *id, const char *name, struct ft_error *err)
{
	struct list_ctx *l = ctx;
	size_t used = strlen(l->artists);

	snprintf(l->artists + used, sizeof(l->artists) - used, "%s%s", used ? "; " : "", id);
	return 0;
}

static int join_payee(void *ctx, const char *payee, struct ft_error *err)
{
	struct list_ctx *l = ctx;
	size_t used = strlen(l->payees);

	snprintf(l->payees + used, sizeof(l->payees) - used, "%s%s", used ? "; " : "", payee);
	return 0;
}

static int print_user(void *ctx, const struct ft_user *u, struct ft_error *err)
{
	struct list_ctx *l = ctx;
	const char *status = u->disabled ? "disabled" : u->has_password ? "active" : "invited";
	int rc;

	l->artists[0] = '\0';
	l->payees[0] = '\0';
	rc = ft_user_artists(l->store, u->id, join_artist, l, err);
	if (!rc)
		rc = ft_user_payees(l->store, u->id, join_payee, l, err);
	if (rc)
		return rc;
	if (l->cli->json) {
		printf("%s{\"username\":", l->n++ ? ",\n" : "");
		cli_json_string(stdout, u->username);
		printf(",\"display_name\":");
		cli_json_string(stdout, u->display_name);
		printf(",\"role\":\"%s\",\"status\":\"%s\",\"artists\":", ft_role_name(u->role),
		       status);
		cli_json_string(stdout, l->artists);
		printf(",\"payees\":");
		cli_json_string(stdout, l->payees);
		printf(",\"created_at\":\"%s\"}", u->created_at);
	} else {
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u->username, ft_role_name(u->role), status,
		       u->display_name, l->artists, l->payees, u->created_at);
	}
	return 0;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
	static const char *const subcommands[] = {"add",  "invite", "disable", "enable", "reset",
						  "link", "unlink", "list",    NULL};
	struct ft_store *store = NULL;
	struct user_args a;
	struct ft_error err;
	const char *sub;
	int code, rc, i;

	if (argc < 2)
		return cli_usage_error(cli, "user",
				       "needs a subcommand: add, invite, disable, enable, reset, "
				       "link, unlink or list");
	sub = argv[1];
	for (i = 0; subcommands[i] && strcmp(sub, subcommands[i]) != 0; i++)
		;
	if (!subcommands[i])
		return cli_usage_error(cli, "user", "unknown subcommand '%s'", sub);
	code = parse_args(cli, sub, argc, argv, &a);
	if (code)
		return code;
	if (strcmp(sub, "link") == 0 && a.n_artists == 0 && a.n_payees == 0)
		return cli_usage_error(cli, "user",
				       "'user link' needs USERNAME ARTIST… or --payee ID…");
	if (strcmp(sub, "unlink") == 0 && a.n_payees == 0)
		return cli_usage_error(cli, "user", "'user unlink' needs USERNAME --payee ID…");
	code = cli_open_ledger(cli, "user", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	if (strcmp(sub, "list") == 0) {
		struct list_ctx l = {.cli = cli, .store = store};

		if (cli->json)
			putchar('[');
		else
			puts("username\trole\tstatus\tdisplay_name\tartists\tpayees\tcreated_at");
		rc = ft_user_each(store, print_user, &l, &err);
		if (cli->json)
			puts("]");
	} else if (strcmp(sub, "add") == 0 || strcmp(sub, "invite") == 0) {
		rc = create_or_invite(cli, store, sub, &a, &err);
	} else {
		rc = change(cli, store, sub, &a, &err);
	}
	ft_store_close(store);
	return rc ? cli_fail(cli, &err) : CLI_EXIT_OK;
}
