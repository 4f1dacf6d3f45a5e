/*
 * users.c — portal accounts in the ledger (fairtrack/users.h): users and
 * roles, links to catalogue artists and contract payees, argon2id
 * passwords, invites, sessions, login attempts, audit log.
 *
 * Secrets: a session id or invite token is 32 bytes from getrandom(2),
 * given to the caller as hex and stored only as SHA-256(hex).  A stolen
 * ledger file therefore opens no session; SHA-256 (not argon2) is enough
 * because the token has 256 bits of entropy — nothing to brute-force.
 * Passwords are the opposite case (low entropy), hence argon2id.
 *
 * Every comparison of a secret happens inside SQLite on the hash (an index
 * lookup) or inside libargon2 (constant time), never with strcmp on the
 * secret itself.
 *
 * What this module does not do: decide policy.  How many failures lock a
 * login, how long a session lives, who may call what — that is the HTTP
 * layer's (src/http/ratelimit.c, routes.def); here are the facts it needs.
 */
#include "fairtrack/users.h"

#include <argon2.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fairtrack/digest.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/period.h"

/* OWASP password storage baseline for argon2id. */
#define KDF_T_COST 2
#define KDF_M_COST (19 * 1024) /* KiB */
#define KDF_PARALLEL 1
#define KDF_SALT_LEN 16
#define KDF_HASH_LEN 32

static const char *const role_names[FT_ROLE_COUNT] = {
    "admin", "staff", "artist", "collective_admin", "member_label",
};

const char *ft_role_name(enum ft_role role)
{
	return (unsigned)role < FT_ROLE_COUNT ? role_names[role] : "?";
}

int ft_role_parse(const char *name)
{
	int i;

	for (i = 0; name && i < FT_ROLE_COUNT; i++)
		if (strcmp(name, role_names[i]) == 0)
			return i;
	return -1;
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/*
 * Join the caller's transaction or open our own: *owned says which, so
 * tx_end commits or rolls back only what tx_begin started.
 */
static int tx_begin(struct ft_store *store, int *owned, struct ft_error *err)
{
	*owned = !ft_store_in_transaction(store);
	return *owned ? ft_store_begin(store, err) : 0;
}

static int tx_end(struct ft_store *store, int owned, int rc, struct ft_error *err)
{
	if (!owned)
		return rc;
	if (rc) {
		ft_store_rollback(store, NULL);
		return rc;
	}
	return ft_store_commit(store, err);
}

/* Prepare, bind texts/ints in order from a tiny format ("t" text, "i" int64),
 * run to completion.  Keeps the many one-statement writes below short. */
static int exec_bound(struct ft_store *store, const char *sql, const char *types,
		      const void *const *values, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc, i;

	rc = ft_store_prepare(store, &st, sql, err);
	for (i = 0; !rc && types[i]; i++) {
		if (types[i] == 't')
			rc = ft_stmt_bind_text(st, i + 1, values[i], err);
		else
			rc = ft_stmt_bind_int64(st, i + 1, *(const int64_t *)values[i], err);
	}
	if (!rc)
		rc = ft_stmt_run(st, err);
	ft_stmt_free(st);
	return rc;
}

int ft_random_hex(char *buf, size_t n, struct ft_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bytes[64];
	size_t got = 0, i;

	if (n > sizeof(bytes))
		return ft_error_set(err, FT_EUSAGE, "ft_random_hex: at most %zu bytes",
				    sizeof(bytes));
	while (got < n) {
		ssize_t r = getrandom(bytes + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ft_error_set(err, FT_EIO, "getrandom failed: %s", strerror(errno));
		got += (size_t)r;
	}
	for (i = 0; i < n; i++) {
		buf[2 * i] = hex[bytes[i] >> 4];
		buf[2 * i + 1] = hex[bytes[i] & 15];
	}
	buf[2 * n] = '\0';
	explicit_bzero(bytes, sizeof(bytes));
	return 0;
}

/* A token as the client holds it must be exactly FT_TOKEN_HEX lower-case hex
 * digits; anything else is refused before it reaches a query. */
static int token_ok(const char *token)
{
	size_t i;

	if (!token)
		return 0;
	for (i = 0; i < FT_TOKEN_HEX; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return 0;
	return token[FT_TOKEN_HEX] == '\0';
}

static int token_hash(char out[FT_SHA256_HEX_LEN + 1], const char *token, struct ft_error *err)
{
	return ft_sha256_buf(out, token, strlen(token), err);
}

/* ------------------------------------------------------------------ users */

int ft_username_check(const char *username, struct ft_error *err)
{
	size_t i, n = username ? strlen(username) : 0;

	if (n == 0 || n > FT_USERNAME_MAX)
		return ft_error_set(err, FT_EINVAL, "username must be 1 to %d characters",
				    FT_USERNAME_MAX);
	for (i = 0; i < n; i++) {
		char c = username[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (i == 0 && !alnum)
			return ft_error_set(err, FT_EINVAL,
					    "username '%s' must start with a lower-case letter "
					    "or a digit",
					    username);
		if (!alnum && !strchr("._@+-", c))
			return ft_error_set(err, FT_EINVAL,
					    "username '%s': character %zu is not allowed (use a-z, "
					    "0-9 and . _ @ + -)",
					    username, i + 1);
	}
	return 0;
}

int ft_user_add(struct ft_store *store, const char *username, enum ft_role role,
		const char *display_name, int64_t *id_out, struct ft_error *err)
{
	struct ft_user existing;
	char stamp[32];
	int owned, rc;

	rc = ft_username_check(username, err);
	if (rc)
		return rc;
	if ((unsigned)role >= FT_ROLE_COUNT)
		return ft_error_set(err, FT_EINVAL, "unknown role");
	if (!display_name || !display_name[0])
		display_name = username;
	if (strlen(display_name) > FT_DISPLAY_NAME_MAX)
		return ft_error_set(err, FT_EINVAL, "display name longer than %d bytes",
				    FT_DISPLAY_NAME_MAX);
	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = ft_user_get(store, username, &existing, NULL);
	if (rc == 0) {
		rc = ft_error_set(err, FT_EEXISTS, "user '%s' already exists", username);
	} else if (rc == FT_ENOTFOUND) {
		const char *role_name = ft_role_name(role);
		const void *v[] = {username, display_name, role_name, stamp};

		ft_timestamp_utc(stamp, time(NULL));
		rc = exec_bound(store,
				"INSERT INTO users (username, display_name, role, created_at)"
				" VALUES (?, ?, ?, ?)",
				"tttt", v, err);
		if (!rc && id_out)
			*id_out = ft_store_last_id(store);
	}
	return tx_end(store, owned, rc, err);
}

#define USER_COLUMNS                                                                               \
	"id, username, display_name, role, disabled, password_hash IS NOT NULL, created_at"

static void read_user(struct ft_stmt *st, struct ft_user *u)
{
	int role = ft_role_parse(ft_stmt_column_text(st, 3));

	u->id = ft_stmt_column_int64(st, 0);
	copy(u->username, sizeof(u->username), ft_stmt_column_text(st, 1));
	copy(u->display_name, sizeof(u->display_name), ft_stmt_column_text(st, 2));
	/* The CHECK constraint keeps role valid; a hand-edited ledger gets the
	 * least powerful role rather than the most. */
	u->role = role < 0 ? FT_ROLE_ARTIST : (enum ft_role)role;
	u->disabled = ft_stmt_column_int64(st, 4) != 0;
	u->has_password = ft_stmt_column_int64(st, 5) != 0;
	copy(u->created_at, sizeof(u->created_at), ft_stmt_column_text(st, 6));
}

int ft_user_get(struct ft_store *store, const char *username, struct ft_user *out,
		struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st, "SELECT " USER_COLUMNS " FROM users WHERE username = ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, username, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		if (out)
			read_user(st, out);
		rc = 0;
	} else if (rc == 0) {
		rc = ft_error_set(err, FT_ENOTFOUND, "no user '%s'", username);
	}
	ft_stmt_free(st);
	return rc;
}

int ft_user_get_id(struct ft_store *store, int64_t id, struct ft_user *out, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		if (out)
			read_user(st, out);
		rc = 0;
	} else if (rc == 0) {
		rc = ft_error_set(err, FT_ENOTFOUND, "no user with id %lld", (long long)id);
	}
	ft_stmt_free(st);
	return rc;
}

int ft_user_each(struct ft_store *store, ft_user_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_user u;
	int rc;

	rc = ft_store_prepare(store, &st, "SELECT " USER_COLUMNS " FROM users ORDER BY username",
			      err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		read_user(st, &u);
		rc = fn(ctx, &u, err);
	}
	ft_stmt_free(st);
	return rc;
}

static int end_sessions(struct ft_store *store, int64_t user_id, struct ft_error *err)
{
	const void *v[] = {&user_id};

	return exec_bound(store, "DELETE FROM sessions WHERE user_id = ?", "i", v, err);
}

static int password_check(const char *password, struct ft_error *err)
{
	size_t n = password ? strlen(password) : 0;

	if (n < FT_PASSWORD_MIN)
		return ft_error_set(err, FT_EINVAL, "the password must have at least %d characters",
				    FT_PASSWORD_MIN);
	if (n > FT_PASSWORD_MAX)
		return ft_error_set(err, FT_EINVAL, "the password must have at most %d characters",
				    FT_PASSWORD_MAX);
	return 0;
}

/* Store a new hash (already computed, so no hashing inside the write lock). */
static int store_password(struct ft_store *store, int64_t user_id, const char *encoded,
			  struct ft_error *err)
{
	char stamp[32];
	const void *v[] = {encoded, stamp, &user_id};
	int rc;

	ft_timestamp_utc(stamp, time(NULL));
	rc = exec_bound(store,
			"UPDATE users SET password_hash = ?, password_set_at = ? WHERE id = ?",
			"tti", v, err);
	if (!rc && ft_store_changes(store) == 0)
		rc = ft_error_set(err, FT_ENOTFOUND, "no user with id %lld", (long long)user_id);
	if (!rc)
		rc = end_sessions(store, user_id, err);
	return rc;
}

int ft_user_set_password(struct ft_store *store, int64_t user_id, const char *password,
			 struct ft_error *err)
{
	char encoded[FT_PASSWORD_HASH_MAX];
	int owned, rc;

	rc = password_check(password, err);
	if (!rc)
		rc = ft_password_hash(encoded, password, err);
	if (rc)
		return rc;
	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = store_password(store, user_id, encoded, err);
	return tx_end(store, owned, rc, err);
}

int ft_user_set_disabled(struct ft_store *store, int64_t user_id, int disabled,
			 struct ft_error *err)
{
	int64_t flag = disabled != 0;
	const void *v[] = {&flag, &user_id};
	int owned, rc;

	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = exec_bound(store, "UPDATE users SET disabled = ? WHERE id = ?", "ii", v, err);
	if (!rc && ft_store_changes(store) == 0)
		rc = ft_error_set(err, FT_ENOTFOUND, "no user with id %lld", (long long)user_id);
	if (!rc && disabled)
		rc = end_sessions(store, user_id, err);
	return tx_end(store, owned, rc, err);
}

int ft_user_link_artist(struct ft_store *store, int64_t user_id, const char *artist_id,
			struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	const void *v[] = {&user_id, artist_id};
	int owned, rc;

	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = ft_store_prepare(store, &st, "SELECT 1 FROM artists WHERE id = ?", err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, artist_id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	if (rc == 0)
		rc = ft_error_set(err, FT_ENOTFOUND,
				  "the catalogue has no artist '%s' (see 'fairtrack list artists')",
				  artist_id);
	if (rc == 1)
		rc = ft_user_get_id(store, user_id, NULL, err);
	if (!rc) {
		int linked = 0;

		rc = ft_user_has_artist(store, user_id, artist_id, &linked, err);
		if (!rc && !linked)
			rc = exec_bound(
			    store, "INSERT INTO user_artists (user_id, artist_id) VALUES (?, ?)",
			    "it", v, err);
	}
	return tx_end(store, owned, rc, err);
}

int ft_user_artists(struct ft_store *store, int64_t user_id, ft_user_artist_fn fn, void *ctx,
		    struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st,
			      "SELECT a.id, a.name FROM user_artists u JOIN artists a ON a.id ="
			      " u.artist_id WHERE u.user_id = ? ORDER BY a.id",
			      err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, user_id, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1)
		rc = fn(ctx, ft_stmt_column_text(st, 0), ft_stmt_column_text(st, 1), err);
	ft_stmt_free(st);
	return rc;
}

int ft_user_has_artist(struct ft_store *store, int64_t user_id, const char *artist_id, int *linked,
		       struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	*linked = 0;
	rc = ft_store_prepare(
	    store, &st, "SELECT 1 FROM user_artists WHERE user_id = ? AND artist_id = ?", err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, user_id, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, artist_id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1)
		*linked = 1;
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* ----------------------------------------------------------------- payees */

/*
 * A payee is known when a run has figures for it or a stored contract names
 * it.  The run is asked first (one index lookup); only a payee that has not
 * been run yet costs loading the contracts.
 */
static int payee_known(struct ft_store *store, const char *payee, int *known, struct ft_error *err)
{
	struct ft_contract_set set;
	struct ft_stmt *st = NULL;
	size_t i, j;
	int rc;

	*known = 0;
	rc = ft_store_prepare(store, &st, "SELECT 1 FROM run_statements WHERE payee = ? LIMIT 1",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, payee, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*known = 1;
		return 0;
	}
	memset(&set, 0, sizeof(set));
	rc = ft_contracts_load(store, &set, err);
	for (i = 0; !rc && i < set.n && !*known; i++)
		for (j = 0; j < set.items[i].n_payees && !*known; j++)
			*known = strcmp(set.items[i].payees[j].id, payee) == 0;
	ft_contract_set_clear(&set);
	return rc;
}

int ft_user_link_payee(struct ft_store *store, int64_t user_id, const char *payee,
		       struct ft_error *err)
{
	const void *v[] = {&user_id, payee};
	int owned, rc, known = 0, linked = 0;

	if (!payee || !*payee)
		return ft_error_set(err, FT_EINVAL, "a payee id is needed (a payee of a contract)");
	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = ft_user_get_id(store, user_id, NULL, err);
	if (!rc)
		rc = payee_known(store, payee, &known, err);
	if (!rc && !known)
		rc = ft_error_set(err, FT_ENOTFOUND,
				  "no contract names a payee '%s' (the payee ids are in the "
				  "contracts' 'payees:' lists)",
				  payee);
	if (!rc)
		rc = ft_user_has_payee(store, user_id, payee, &linked, err);
	if (!rc && !linked)
		rc = exec_bound(store, "INSERT INTO user_payees (user_id, payee) VALUES (?, ?)",
				"it", v, err);
	return tx_end(store, owned, rc, err);
}

int ft_user_unlink_payee(struct ft_store *store, int64_t user_id, const char *payee,
			 struct ft_error *err)
{
	const void *v[] = {&user_id, payee ? payee : ""};
	int owned, rc, linked = 0;

	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = ft_user_has_payee(store, user_id, payee ? payee : "", &linked, err);
	if (!rc && !linked)
		rc = ft_error_set(err, FT_ENOTFOUND, "payee '%s' is not linked to this account",
				  payee ? payee : "");
	if (!rc)
		rc = exec_bound(store, "DELETE FROM user_payees WHERE user_id = ? AND payee = ?",
				"it", v, err);
	return tx_end(store, owned, rc, err);
}

int ft_user_payees(struct ft_store *store, int64_t user_id, ft_user_payee_fn fn, void *ctx,
		   struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(
	    store, &st, "SELECT payee FROM user_payees WHERE user_id = ? ORDER BY payee", err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, user_id, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1)
		rc = fn(ctx, ft_stmt_column_text(st, 0), err);
	ft_stmt_free(st);
	return rc;
}

int ft_user_has_payee(struct ft_store *store, int64_t user_id, const char *payee, int *linked,
		      struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	*linked = 0;
	rc = ft_store_prepare(store, &st,
			      "SELECT 1 FROM user_payees WHERE user_id = ? AND payee = ?", err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, user_id, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, payee, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1)
		*linked = 1;
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* -------------------------------------------------------------- passwords */

int ft_password_hash(char out[FT_PASSWORD_HASH_MAX], const char *password, struct ft_error *err)
{
	unsigned char salt[KDF_SALT_LEN];
	size_t got = 0;
	int rc;

	if (argon2_encodedlen(KDF_T_COST, KDF_M_COST, KDF_PARALLEL, KDF_SALT_LEN, KDF_HASH_LEN,
			      Argon2_id) > FT_PASSWORD_HASH_MAX)
		return ft_error_set(err, FT_EUSAGE, "argon2 encoded hash too long");
	while (got < sizeof(salt)) {
		ssize_t r = getrandom(salt + got, sizeof(salt) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ft_error_set(err, FT_EIO, "getrandom failed: %s", strerror(errno));
		got += (size_t)r;
	}
	rc = argon2id_hash_encoded(KDF_T_COST, KDF_M_COST, KDF_PARALLEL, password, strlen(password),
				   salt, sizeof(salt), KDF_HASH_LEN, out, FT_PASSWORD_HASH_MAX);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return ft_error_set(err, FT_ENOMEM, "argon2id: out of memory");
	if (rc != ARGON2_OK)
		return ft_error_set(err, FT_EINVAL, "argon2id: %s", argon2_error_message(rc));
	return 0;
}

int ft_password_verify(const char *encoded, const char *password)
{
	if (!encoded || !password || strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

/* A hash of nothing anyone knows, made once, so that a login for an unknown
 * user costs the same argon2 work as one for a real user. */
static char dummy_hash[FT_PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	char secret[2 * 32 + 1];

	if (ft_random_hex(secret, 32, NULL) || ft_password_hash(dummy_hash, secret, NULL))
		dummy_hash[0] = '\0';
}

int ft_user_authenticate(struct ft_store *store, const char *username, const char *password,
			 struct ft_user *out, const char **reason, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_user user;
	char encoded[FT_PASSWORD_HASH_MAX] = "";
	const char *why = "unknown";
	int found = 0, match, rc;

	pthread_once(&dummy_once, make_dummy);
	if (!password || strlen(password) > FT_PASSWORD_MAX)
		password = "";
	rc = ft_store_prepare(
	    store, &st, "SELECT " USER_COLUMNS ", password_hash FROM users WHERE username = ?",
	    err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, username ? username : "", err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		read_user(st, &user);
		copy(encoded, sizeof(encoded), ft_stmt_column_text(st, 7));
		found = 1;
		rc = 0;
	}
	ft_stmt_free(st);
	if (rc < 0)
		return rc;
	/* Always one argon2 verification, whatever the case. */
	match = ft_password_verify(found && encoded[0] ? encoded : dummy_hash, password);
	explicit_bzero(encoded, sizeof(encoded));
	if (found && user.has_password && match && !user.disabled) {
		if (out)
			*out = user;
		if (reason)
			*reason = "ok";
		return 0;
	}
	if (found)
		why = !user.has_password ? "no-password" : !match ? "password" : "disabled";
	if (reason)
		*reason = why;
	return ft_error_set(err, FT_ENOTFOUND, "wrong username or password");
}

/* ------------------------------------------------------- login attempts */

int ft_login_record(struct ft_store *store, const char *username, const char *ip, int ok,
		    int64_t now, struct ft_error *err)
{
	int64_t flag = ok != 0;
	const void *v[] = {username ? username : "", ip ? ip : "", &now, &flag};

	return exec_bound(store,
			  "INSERT INTO login_attempts (username, ip, at, ok) VALUES (?, ?, ?, ?)",
			  "ttii", v, err);
}

static int count_since(struct ft_store *store, const char *sql, const char *key, int64_t since,
		       int64_t *count, int64_t *last, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st, sql, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, key ? key : "", err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 2, since, err);
	if (!rc && strstr(sql, "ok = 1"))
		rc = ft_stmt_bind_text(st, 3, key ? key : "", err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		*count = ft_stmt_column_int64(st, 0);
		if (last)
			*last = ft_stmt_column_is_null(st, 1) ? 0 : ft_stmt_column_int64(st, 1);
		rc = 0;
	}
	ft_stmt_free(st);
	return rc;
}

int ft_login_failures(struct ft_store *store, const char *username, const char *ip, int64_t since,
		      int64_t *by_user, int64_t *last_user, int64_t *by_ip, int64_t *last_ip,
		      struct ft_error *err)
{
	int rc;

	/* A success clears the count for the name (the owner got in), but not
	 * for the address: a guesser who also owns one account must not reset
	 * its own budget by logging in to it. */
	rc = count_since(store,
			 "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE username = ? AND ok ="
			 " 0 AND at >= ? AND id > COALESCE((SELECT MAX(id) FROM login_attempts"
			 " WHERE username = ? AND ok = 1), 0)",
			 username, since, by_user, last_user, err);
	if (!rc)
		rc = count_since(
		    store,
		    "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE ip = ? AND ok = 0"
		    " AND at >= ?",
		    ip, since, by_ip, last_ip, err);
	return rc;
}

int ft_login_prune(struct ft_store *store, int64_t before, struct ft_error *err)
{
	const void *v[] = {&before};

	return exec_bound(store, "DELETE FROM login_attempts WHERE at < ?", "i", v, err);
}

/* ---------------------------------------------------------------- invites */

int ft_invite_create(struct ft_store *store, int64_t user_id, int reset, int64_t now, int64_t ttl,
		     char token[FT_TOKEN_HEX + 1], struct ft_error *err)
{
	char hash[FT_SHA256_HEX_LEN + 1];
	int64_t expires = now + ttl;
	const void *old[] = {&now, &user_id};
	const void *v[] = {hash, &user_id, &now, &expires};
	const void *clear[] = {&user_id};
	int owned, rc;

	rc = ft_random_hex(token, FT_TOKEN_HEX / 2, err);
	if (!rc)
		rc = token_hash(hash, token, err);
	if (rc)
		return rc;
	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = ft_user_get_id(store, user_id, NULL, err);
	if (!rc)
		rc = exec_bound(
		    store, "UPDATE invites SET used_at = ? WHERE user_id = ? AND used_at IS NULL",
		    "ii", old, err);
	if (!rc)
		rc = exec_bound(store,
				"INSERT INTO invites (token_hash, user_id, created_at, expires_at)"
				" VALUES (?, ?, ?, ?)",
				"tiii", v, err);
	if (!rc && reset)
		rc =
		    exec_bound(store,
			       "UPDATE users SET password_hash = NULL, password_set_at = NULL WHERE"
			       " id = ?",
			       "i", clear, err);
	if (!rc && reset)
		rc = end_sessions(store, user_id, err);
	rc = tx_end(store, owned, rc, err);
	if (rc)
		explicit_bzero(token, FT_TOKEN_HEX + 1);
	return rc;
}

int ft_invite_accept(struct ft_store *store, const char *token, const char *password, int64_t now,
		     int64_t *user_id, struct ft_error *err)
{
	char hash[FT_SHA256_HEX_LEN + 1];
	char encoded[FT_PASSWORD_HASH_MAX];
	struct ft_stmt *st = NULL;
	int64_t uid = 0;
	int owned, rc;

	if (!token_ok(token))
		return ft_error_set(err, FT_ENOTFOUND,
				    "this invitation is not valid (it may have "
				    "expired or been used): ask for a new one");
	rc = password_check(password, err);
	if (!rc)
		rc = token_hash(hash, token, err);
	/* Hash before taking the write lock: argon2 takes tens of ms. */
	if (!rc)
		rc = ft_password_hash(encoded, password, err);
	if (rc)
		return rc;
	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = ft_store_prepare(store, &st,
			      "SELECT user_id FROM invites WHERE token_hash = ? AND used_at IS NULL"
			      " AND expires_at > ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, hash, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 2, now, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		uid = ft_stmt_column_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = ft_error_set(err, FT_ENOTFOUND,
				  "this invitation is not valid (it may have "
				  "expired or been used): ask for a new one");
	}
	ft_stmt_free(st);
	if (!rc) {
		const void *v[] = {&now, hash};

		rc = exec_bound(store, "UPDATE invites SET used_at = ? WHERE token_hash = ?", "it",
				v, err);
	}
	if (!rc)
		rc = store_password(store, uid, encoded, err);
	rc = tx_end(store, owned, rc, err);
	if (!rc && user_id)
		*user_id = uid;
	return rc;
}

/* --------------------------------------------------------------- sessions */

int ft_session_create(struct ft_store *store, int64_t user_id, const char *ip, int64_t now,
		      int64_t ttl, char token[FT_TOKEN_HEX + 1], struct ft_session *out,
		      struct ft_error *err)
{
	char hash[FT_SHA256_HEX_LEN + 1];
	struct ft_session s = {.user_id = user_id, .created_at = now, .expires_at = now + ttl};
	const void *v[] = {hash, &user_id, s.csrf, &s.created_at, &s.expires_at, ip ? ip : ""};
	int rc;

	rc = ft_random_hex(token, FT_TOKEN_HEX / 2, err);
	if (!rc)
		rc = ft_random_hex(s.csrf, FT_TOKEN_HEX / 2, err);
	if (!rc)
		rc = token_hash(hash, token, err);
	if (!rc)
		rc = exec_bound(
		    store,
		    "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at,"
		    " ip) VALUES (?, ?, ?, ?, ?, ?)",
		    "titiit", v, err);
	if (rc) {
		explicit_bzero(token, FT_TOKEN_HEX + 1);
		return rc;
	}
	if (out)
		*out = s;
	return 0;
}

int ft_session_lookup(struct ft_store *store, const char *token, int64_t now,
		      struct ft_session *session, struct ft_user *user, struct ft_error *err)
{
	char hash[FT_SHA256_HEX_LEN + 1];
	struct ft_stmt *st = NULL;
	struct ft_user u;
	int rc;

	if (!token_ok(token))
		return ft_error_set(err, FT_ENOTFOUND, "no such session");
	rc = token_hash(hash, token, err);
	if (!rc)
		rc = ft_store_prepare(store, &st,
				      "SELECT u.id, u.username, u.display_name, u.role, u.disabled,"
				      " u.password_hash IS NOT NULL, u.created_at, s.csrf,"
				      " s.created_at, s.expires_at FROM sessions s JOIN users u ON"
				      " u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?",
				      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, hash, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 2, now, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		read_user(st, &u);
		rc = u.disabled ? ft_error_set(err, FT_ENOTFOUND, "no such session") : 0;
		if (!rc && session) {
			session->user_id = u.id;
			copy(session->csrf, sizeof(session->csrf), ft_stmt_column_text(st, 7));
			session->created_at = ft_stmt_column_int64(st, 8);
			session->expires_at = ft_stmt_column_int64(st, 9);
		}
		if (!rc && user)
			*user = u;
	} else if (rc == 0) {
		rc = ft_error_set(err, FT_ENOTFOUND, "no such session");
	}
	ft_stmt_free(st);
	return rc;
}

int ft_session_delete(struct ft_store *store, const char *token, struct ft_error *err)
{
	char hash[FT_SHA256_HEX_LEN + 1];
	const void *v[] = {hash};
	int rc;

	if (!token_ok(token))
		return 0;
	rc = token_hash(hash, token, err);
	return rc ? rc : exec_bound(store, "DELETE FROM sessions WHERE id_hash = ?", "t", v, err);
}

int ft_session_prune(struct ft_store *store, int64_t now, struct ft_error *err)
{
	const void *v[] = {&now};
	int owned, rc;

	rc = tx_begin(store, &owned, err);
	if (rc)
		return rc;
	rc = exec_bound(store, "DELETE FROM sessions WHERE expires_at <= ?", "i", v, err);
	/* Used invites stay: they are the record of who set a password when. */
	if (!rc)
		rc = exec_bound(store,
				"DELETE FROM invites WHERE used_at IS NULL AND expires_at <= ?",
				"i", v, err);
	return tx_end(store, owned, rc, err);
}

/* ------------------------------------------------------------- audit log */

int ft_audit_add(struct ft_store *store, int64_t now, const char *actor, const char *action,
		 const char *target, const char *detail, const char *ip, struct ft_error *err)
{
	char stamp[32];
	const void *v[] = {&now,
			   stamp,
			   actor ? actor : "",
			   action ? action : "",
			   target ? target : "",
			   detail ? detail : "",
			   ip ? ip : ""};

	ft_timestamp_utc(stamp, now);
	return exec_bound(store,
			  "INSERT INTO audit_log (at, at_utc, actor, action, target, detail, ip)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?)",
			  "itttttt", v, err);
}

int ft_audit_each(struct ft_store *store, int64_t before_id, int limit, ft_audit_fn fn, void *ctx,
		  struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_audit_entry e;
	int rc;

	rc = ft_store_prepare(
	    store, &st,
	    "SELECT id, at, at_utc, actor, action, target, detail, ip FROM audit_log"
	    " WHERE id < ? ORDER BY id DESC LIMIT ?",
	    err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 2, limit > 0 ? limit : 100, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		e.id = ft_stmt_column_int64(st, 0);
		e.at = ft_stmt_column_int64(st, 1);
		e.at_utc = ft_stmt_column_text(st, 2);
		e.actor = ft_stmt_column_text(st, 3);
		e.action = ft_stmt_column_text(st, 4);
		e.target = ft_stmt_column_text(st, 5);
		e.detail = ft_stmt_column_text(st, 6);
		e.ip = ft_stmt_column_text(st, 7);
		rc = fn(ctx, &e, err);
	}
	ft_stmt_free(st);
	return rc;
}
