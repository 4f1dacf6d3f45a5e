/* test_users.c — portal accounts in the ledger: users, argon2id passwords,
 * invites, sessions, login attempts, audit log, links to artists and
 * payees. */
#include "testutil.h"

#include <unistd.h>

#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"

#define T0 1800000000 /* a fixed "now" so expiry is tested without sleeping */

static struct ft_store *fresh(const char *name)
{
	char path[1024], side[1100];
	struct ft_store *store = NULL;
	struct ft_error err;

	snprintf(path, sizeof(path), "%s/users-%s.ledger", testutil_tmpdir(), name);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, path, FT_STORE_CREATE, &err), 0);
	assert_int_equal(ft_store_exec(store,
				       "INSERT INTO artists (id, name, kind) VALUES"
				       " ('aurora-fields', 'Aurora Fields', 'person'),"
				       " ('zoe-ashwood', 'Zoë Ashwood', 'person')",
				       &err),
			 0);
	return store;
}

static int64_t count(struct ft_store *store, const char *sql)
{
	struct ft_stmt *st = NULL;
	int64_t n;

	assert_int_equal(ft_store_prepare(store, &st, sql, NULL), 0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	n = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	return n;
}

static int64_t add_with_password(struct ft_store *store, const char *name, enum ft_role role,
				 const char *password)
{
	struct ft_error err;
	int64_t id = 0;

	ft_error_clear(&err);
	assert_int_equal(ft_user_add(store, name, role, NULL, &id, &err), 0);
	assert_true(id > 0);
	if (password)
		assert_int_equal(ft_user_set_password(store, id, password, &err), 0);
	return id;
}

static void test_password_hash_is_argon2id_and_verifies(void **state)
{
	char h1[FT_PASSWORD_HASH_MAX], h2[FT_PASSWORD_HASH_MAX];

	assert_int_equal(ft_password_hash(h1, "correct horse battery", NULL), 0);
	assert_int_equal(ft_password_hash(h2, "correct horse battery", NULL), 0);
	assert_memory_equal(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31);
	assert_string_not_equal(h1, h2); /* a fresh salt each time */
	assert_int_equal(ft_password_verify(h1, "correct horse battery"), 1);
	assert_int_equal(ft_password_verify(h1, "correct horse batterY"), 0);
	assert_int_equal(ft_password_verify("$argon2i$garbage", "x"), 0);
	assert_int_equal(ft_password_verify(NULL, "x"), 0);
}

static void test_user_add_refuses_duplicates_and_bad_names(void **state)
{
	struct ft_store *store = fresh("add");
	struct ft_error err;
	struct ft_user u;

	add_with_password(store, "ines@label.example", FT_ROLE_STAFF, NULL);
	assert_int_equal(ft_user_add(store, "ines@label.example", FT_ROLE_ADMIN, NULL, NULL, &err),
			 FT_EEXISTS);
	assert_int_equal(ft_user_add(store, "Ines", FT_ROLE_STAFF, NULL, NULL, &err), FT_EINVAL);
	assert_int_equal(ft_user_add(store, "-x", FT_ROLE_STAFF, NULL, NULL, &err), FT_EINVAL);
	assert_int_equal(ft_user_add(store, "a b", FT_ROLE_STAFF, NULL, NULL, &err), FT_EINVAL);
	assert_int_equal(ft_user_add(store, "", FT_ROLE_STAFF, NULL, NULL, &err), FT_EINVAL);
	assert_int_equal(ft_user_get(store, "ines@label.example", &u, &err), 0);
	assert_int_equal(u.role, FT_ROLE_STAFF);
	assert_string_equal(u.display_name, "ines@label.example");
	assert_int_equal(u.has_password, 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM users"), 1);
	ft_store_close(store);
}

static void test_authenticate_does_not_tell_unknown_from_wrong_password(void **state)
{
	struct ft_store *store = fresh("auth");
	struct ft_error e1, e2, e3;
	struct ft_user u;
	const char *reason = NULL;

	add_with_password(store, "boss", FT_ROLE_ADMIN, "correct horse battery");
	add_with_password(store, "newbie", FT_ROLE_STAFF, NULL);
	assert_int_equal(
	    ft_user_authenticate(store, "boss", "correct horse battery", &u, &reason, NULL), 0);
	assert_string_equal(u.username, "boss");
	assert_string_equal(reason, "ok");
	assert_int_equal(ft_user_authenticate(store, "boss", "wrong", NULL, &reason, &e1),
			 FT_ENOTFOUND);
	assert_string_equal(reason, "password");
	assert_int_equal(ft_user_authenticate(store, "nobody", "wrong", NULL, &reason, &e2),
			 FT_ENOTFOUND);
	assert_string_equal(reason, "unknown");
	assert_int_equal(ft_user_authenticate(store, "newbie", "", NULL, &reason, &e3),
			 FT_ENOTFOUND);
	assert_string_equal(reason, "no-password");
	assert_string_equal(e1.message, e2.message);
	assert_string_equal(e1.message, e3.message);
	ft_store_close(store);
}

static void test_sql_injection_in_a_username_is_plain_data(void **state)
{
	struct ft_store *store = fresh("sqli");
	struct ft_error err;

	add_with_password(store, "boss", FT_ROLE_ADMIN, "correct horse battery");
	assert_int_equal(
	    ft_user_authenticate(store, "boss' OR '1'='1", "x' OR '1'='1", NULL, NULL, &err),
	    FT_ENOTFOUND);
	assert_int_equal(
	    ft_login_record(store, "x'); DROP TABLE users; --", "1.2.3.4", 0, T0, &err), 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM users"), 1);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM login_attempts WHERE username ="
				      " 'x''); DROP TABLE users; --'"),
			 1);
	ft_store_close(store);
}

static void test_session_id_is_stored_only_as_its_hash(void **state)
{
	struct ft_store *store = fresh("session");
	char token[FT_TOKEN_HEX + 1], sql[256];
	struct ft_session s, found;
	struct ft_user u;
	struct ft_error err;
	int64_t id = add_with_password(store, "boss", FT_ROLE_ADMIN, "correct horse battery");

	assert_int_equal(ft_session_create(store, id, "127.0.0.1", T0, 3600, token, &s, &err), 0);
	assert_int_equal(strlen(token), FT_TOKEN_HEX);
	assert_int_equal(strlen(s.csrf), FT_TOKEN_HEX);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'", token);
	assert_int_equal(count(store, sql), 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM sessions"), 1);
	assert_int_equal(ft_session_lookup(store, token, T0 + 10, &found, &u, &err), 0);
	assert_string_equal(found.csrf, s.csrf);
	assert_string_equal(u.username, "boss");
	/* Expired, malformed, upper-cased: all simply "no session". */
	assert_int_equal(ft_session_lookup(store, token, T0 + 3600, NULL, NULL, &err),
			 FT_ENOTFOUND);
	assert_int_equal(ft_session_lookup(store, "' OR 1=1 --", T0, NULL, NULL, &err),
			 FT_ENOTFOUND);
	token[0] = token[0] == 'a' ? 'b' : 'a';
	assert_int_equal(ft_session_lookup(store, token, T0, NULL, NULL, &err), FT_ENOTFOUND);
	ft_store_close(store);
}

static void test_disabling_a_user_ends_its_sessions_and_logins(void **state)
{
	struct ft_store *store = fresh("disable");
	char token[FT_TOKEN_HEX + 1];
	struct ft_error err;
	int64_t id = add_with_password(store, "ines", FT_ROLE_STAFF, "correct horse battery");
	const char *reason;

	assert_int_equal(ft_session_create(store, id, "", T0, 3600, token, NULL, &err), 0);
	assert_int_equal(ft_user_set_disabled(store, id, 1, &err), 0);
	assert_int_equal(ft_session_lookup(store, token, T0, NULL, NULL, &err), FT_ENOTFOUND);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM sessions"), 0);
	assert_int_equal(
	    ft_user_authenticate(store, "ines", "correct horse battery", NULL, &reason, &err),
	    FT_ENOTFOUND);
	assert_string_equal(reason, "disabled");
	assert_int_equal(ft_user_set_disabled(store, id, 0, &err), 0);
	assert_int_equal(
	    ft_user_authenticate(store, "ines", "correct horse battery", NULL, NULL, &err), 0);
	assert_int_equal(ft_user_set_disabled(store, 999, 1, &err), FT_ENOTFOUND);
	ft_store_close(store);
}

static void test_invite_sets_the_password_once(void **state)
{
	struct ft_store *store = fresh("invite");
	char token[FT_TOKEN_HEX + 1], older[FT_TOKEN_HEX + 1];
	struct ft_error err;
	int64_t id = add_with_password(store, "aurora", FT_ROLE_ARTIST, NULL), who = 0;

	assert_int_equal(ft_invite_create(store, id, 0, T0, 3600, older, &err), 0);
	assert_int_equal(ft_invite_create(store, id, 0, T0, 3600, token, &err), 0);
	/* A newer invite retires the older one. */
	assert_int_equal(ft_invite_accept(store, older, "long enough pw", T0, NULL, &err),
			 FT_ENOTFOUND);
	/* A bad password leaves the token usable. */
	assert_int_equal(ft_invite_accept(store, token, "short", T0, NULL, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "at least 10"));
	assert_int_equal(ft_invite_accept(store, token, "long enough pw", T0 + 5, &who, &err), 0);
	assert_int_equal(who, id);
	assert_int_equal(ft_user_authenticate(store, "aurora", "long enough pw", NULL, NULL, &err),
			 0);
	assert_int_equal(ft_invite_accept(store, token, "another password", T0 + 6, NULL, &err),
			 FT_ENOTFOUND);
	/* Expiry. */
	assert_int_equal(ft_invite_create(store, id, 0, T0, 60, token, &err), 0);
	assert_int_equal(ft_invite_accept(store, token, "another password", T0 + 60, NULL, &err),
			 FT_ENOTFOUND);
	assert_int_equal(ft_invite_accept(store, "zz", "another password", T0, NULL, &err),
			 FT_ENOTFOUND);
	ft_store_close(store);
}

static void test_reset_removes_password_and_sessions(void **state)
{
	struct ft_store *store = fresh("reset");
	char session[FT_TOKEN_HEX + 1], token[FT_TOKEN_HEX + 1];
	struct ft_error err;
	struct ft_user u;
	int64_t id = add_with_password(store, "ines", FT_ROLE_STAFF, "correct horse battery");

	assert_int_equal(ft_session_create(store, id, "", T0, 3600, session, NULL, &err), 0);
	assert_int_equal(ft_invite_create(store, id, 1, T0, 3600, token, &err), 0);
	assert_int_equal(ft_session_lookup(store, session, T0, NULL, NULL, &err), FT_ENOTFOUND);
	assert_int_equal(ft_user_get(store, "ines", &u, &err), 0);
	assert_int_equal(u.has_password, 0);
	assert_int_equal(
	    ft_user_authenticate(store, "ines", "correct horse battery", NULL, NULL, &err),
	    FT_ENOTFOUND);
	ft_store_close(store);
}

static void test_login_failures_count_since_last_success(void **state)
{
	struct ft_store *store = fresh("attempts");
	int64_t by_user, last_user, by_ip, last_ip;
	struct ft_error err;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(ft_login_record(store, "boss", "10.0.0.1", 0, T0 + i, &err), 0);
	assert_int_equal(ft_login_record(store, "boss", "10.0.0.2", 1, T0 + 10, &err), 0);
	assert_int_equal(ft_login_record(store, "boss", "10.0.0.1", 0, T0 + 20, &err), 0);
	assert_int_equal(ft_login_record(store, "other", "10.0.0.1", 0, T0 + 21, &err), 0);
	assert_int_equal(ft_login_failures(store, "boss", "10.0.0.1", T0, &by_user, &last_user,
					   &by_ip, &last_ip, &err),
			 0);
	assert_int_equal(by_user, 1); /* the success at T0+10 cleared the name */
	assert_int_equal(last_user, T0 + 20);
	assert_int_equal(by_ip, 5); /* but not the address */
	assert_int_equal(last_ip, T0 + 21);
	/* The window. */
	assert_int_equal(ft_login_failures(store, "other", "10.0.0.9", T0 + 22, &by_user, NULL,
					   &by_ip, NULL, &err),
			 0);
	assert_int_equal(by_user, 0);
	assert_int_equal(by_ip, 0);
	assert_int_equal(ft_login_prune(store, T0 + 20, &err), 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM login_attempts"), 2);
	ft_store_close(store);
}

static int collect_artist(void *ctx, const char *id, const char *name, struct ft_error *err)
{
	strcat(ctx, id);
	strcat(ctx, ";");
	return 0;
}

static void test_artist_links_are_checked_against_the_catalogue(void **state)
{
	struct ft_store *store = fresh("link");
	struct ft_error err;
	char ids[256] = "";
	int linked = -1;
	int64_t id = add_with_password(store, "aurora", FT_ROLE_ARTIST, NULL);

	assert_int_equal(ft_user_link_artist(store, id, "zoe-ashwood", &err), 0);
	assert_int_equal(ft_user_link_artist(store, id, "aurora-fields", &err), 0);
	assert_int_equal(ft_user_link_artist(store, id, "aurora-fields", &err), 0);
	assert_int_equal(ft_user_link_artist(store, id, "nobody", &err), FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "nobody"));
	assert_int_equal(ft_user_artists(store, id, collect_artist, ids, &err), 0);
	assert_string_equal(ids, "aurora-fields;zoe-ashwood;");
	assert_int_equal(ft_user_has_artist(store, id, "zoe-ashwood", &linked, &err), 0);
	assert_int_equal(linked, 1);
	assert_int_equal(ft_user_has_artist(store, id + 1, "zoe-ashwood", &linked, &err), 0);
	assert_int_equal(linked, 0);
	ft_store_close(store);
}

struct audit_seen {
	int n;
	int64_t ids[10];
	char last_action[32];
};

static int collect_audit(void *ctx, const struct ft_audit_entry *e, struct ft_error *err)
{
	struct audit_seen *s = ctx;

	s->ids[s->n++] = e->id;
	snprintf(s->last_action, sizeof(s->last_action), "%s", e->action);
	assert_string_equal(e->at_utc, "2027-01-15T08:00:00Z");
	return 0;
}

static int collect_payee(void *ctx, const char *payee, struct ft_error *err)
{
	char *buf = ctx;
	size_t used = strlen(buf);

	snprintf(buf + used, 256 - used, "%s%s", used ? "," : "", payee);
	return 0;
}

static void test_payee_links_need_a_payee_a_contract_or_run_names(void **state)
{
	struct ft_store *store = fresh("payees");
	struct ft_contracts_import_result res;
	char path[1024], list[256] = "";
	struct ft_error err;
	int64_t id, other;
	int linked = -1;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/users-payees.yaml", testutil_tmpdir());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("id: aurora-recording\ntype: royalty\ncurrency: GBP\nfrequency: monthly\n"
	      "payees:\n  - id: aurora-fields\n    share: 60%\n  - id: kit-producer\n"
	      "    share: 40%\nscope:\n  artists: [aurora-fields]\n  start: 2026-01-01\n"
	      "rates:\n  - rate: 20%\n",
	      f);
	fclose(f);
	ft_error_clear(&err);
	if (ft_contracts_import(store, path, &res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	/* A payee only a run names (its contract since removed) is known too. */
	assert_int_equal(ft_store_exec(store,
				       "INSERT INTO runs VALUES ('2026-09', 24320, 1, 'GBP', 't',"
				       " NULL, '', '0');"
				       "INSERT INTO run_statements (period, payee, account, opening,"
				       " royalties, advances, costs, balance, reserve_withheld,"
				       " reserve_released, reserve_held, payable, closing) VALUES"
				       " ('2026-09', 'old-payee', 'old', '0', '0', '0', '0', '0',"
				       " '0', '0', '0', '0', '0')",
				       &err),
			 0);
	id = add_with_password(store, "aurora", FT_ROLE_ARTIST, NULL);
	other = add_with_password(store, "kit", FT_ROLE_ARTIST, NULL);
	assert_int_equal(ft_user_link_payee(store, id, "kit-producer", &err), 0);
	assert_int_equal(ft_user_link_payee(store, id, "aurora-fields", &err), 0);
	assert_int_equal(ft_user_link_payee(store, id, "aurora-fields", &err), 0);
	assert_int_equal(ft_user_link_payee(store, id, "old-payee", &err), 0);
	assert_int_equal(ft_user_link_payee(store, id, "nobody", &err), FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "'nobody'"));
	assert_int_equal(ft_user_link_payee(store, id, "x' OR '1'='1", &err), FT_ENOTFOUND);
	assert_int_equal(ft_user_link_payee(store, id, "", &err), FT_EINVAL);
	assert_int_equal(ft_user_link_payee(store, 9999, "aurora-fields", &err), FT_ENOTFOUND);
	assert_int_equal(ft_user_payees(store, id, collect_payee, list, &err), 0);
	assert_string_equal(list, "aurora-fields,kit-producer,old-payee");
	assert_int_equal(ft_user_has_payee(store, id, "kit-producer", &linked, &err), 0);
	assert_int_equal(linked, 1);
	/* Links belong to one account. */
	assert_int_equal(ft_user_has_payee(store, other, "kit-producer", &linked, &err), 0);
	assert_int_equal(linked, 0);
	assert_int_equal(ft_user_unlink_payee(store, id, "kit-producer", &err), 0);
	assert_int_equal(ft_user_unlink_payee(store, id, "kit-producer", &err), FT_ENOTFOUND);
	assert_int_equal(ft_user_has_payee(store, id, "kit-producer", &linked, &err), 0);
	assert_int_equal(linked, 0);
	list[0] = '\0';
	assert_int_equal(ft_user_payees(store, id, collect_payee, list, &err), 0);
	assert_string_equal(list, "aurora-fields,old-payee");
	ft_store_close(store);
}

static void test_audit_log_lists_newest_first_in_pages(void **state)
{
	struct ft_store *store = fresh("audit");
	struct audit_seen seen = {0};
	struct ft_error err;
	int i;

	for (i = 0; i < 5; i++)
		assert_int_equal(ft_audit_add(store, T0, "boss", i == 4 ? "user.reset" : "login.ok",
					      "ines", NULL, "127.0.0.1", &err),
				 0);
	assert_int_equal(ft_audit_each(store, 0, 2, collect_audit, &seen, &err), 0);
	assert_int_equal(seen.n, 2);
	assert_true(seen.ids[0] > seen.ids[1]);
	assert_int_equal(ft_audit_each(store, seen.ids[1], 10, collect_audit, &seen, &err), 0);
	assert_int_equal(seen.n, 5);
	assert_int_equal(seen.ids[4], 1);
	assert_string_equal(seen.last_action, "login.ok");
	ft_store_close(store);
}

static void test_a_caller_transaction_is_joined_and_can_roll_back(void **state)
{
	struct ft_store *store = fresh("tx");
	struct ft_error err;

	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_int_equal(ft_user_add(store, "ghost", FT_ROLE_STAFF, NULL, NULL, &err), 0);
	assert_int_equal(ft_audit_add(store, T0, "boss", "user.invite", "ghost", "", "", &err), 0);
	assert_int_equal(ft_store_rollback(store, &err), 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM users"), 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM audit_log"), 0);
	ft_store_close(store);
}

static void test_random_tokens_are_hex_and_distinct(void **state)
{
	char a[FT_TOKEN_HEX + 1], b[FT_TOKEN_HEX + 1];
	size_t i;

	assert_int_equal(ft_random_hex(a, 32, NULL), 0);
	assert_int_equal(ft_random_hex(b, 32, NULL), 0);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_int_equal(ft_random_hex(a, 65, NULL), FT_EUSAGE);
}

static void test_role_names_round_trip(void **state)
{
	int r;

	for (r = 0; r < FT_ROLE_COUNT; r++)
		assert_int_equal(ft_role_parse(ft_role_name(r)), r);
	assert_int_equal(ft_role_parse("root"), -1);
	assert_int_equal(ft_role_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password_hash_is_argon2id_and_verifies),
	    cmocka_unit_test(test_user_add_refuses_duplicates_and_bad_names),
	    cmocka_unit_test(test_authenticate_does_not_tell_unknown_from_wrong_password),
	    cmocka_unit_test(test_sql_injection_in_a_username_is_plain_data),
	    cmocka_unit_test(test_session_id_is_stored_only_as_its_hash),
	    cmocka_unit_test(test_disabling_a_user_ends_its_sessions_and_logins),
	    cmocka_unit_test(test_invite_sets_the_password_once),
	    cmocka_unit_test(test_reset_removes_password_and_sessions),
	    cmocka_unit_test(test_login_failures_count_since_last_success),
	    cmocka_unit_test(test_artist_links_are_checked_against_the_catalogue),
	    cmocka_unit_test(test_payee_links_need_a_payee_a_contract_or_run_names),
	    cmocka_unit_test(test_audit_log_lists_newest_first_in_pages),
	    cmocka_unit_test(test_a_caller_transaction_is_joined_and_can_roll_back),
	    cmocka_unit_test(test_random_tokens_are_hex_and_distinct),
	    cmocka_unit_test(test_role_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
