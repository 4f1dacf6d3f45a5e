/*
 * fairtrack — portal accounts: users and roles, their links to catalogue
 * artists and contract payees, passwords, invites, sessions, login attempts
 * and the audit log, kept in the ledger.
 *
 * Guarantees:
 *  - No secret is stored in the clear.  Passwords are argon2id encoded
 *    strings (salt and parameters inside, so the cost can be raised later
 *    without breaking old hashes); session ids and invite tokens are 256-bit
 *    values from the kernel CSPRNG (getrandom) handed to the caller once and
 *    stored only as their SHA-256.
 *  - ft_user_authenticate takes about the same time whether the user exists
 *    or not (an unknown name is verified against a dummy hash), and says only
 *    "wrong username or password".
 *  - Disabling a user or resetting a password ends all of that user's
 *    sessions in the same transaction.
 *  - The audit log is append-only.
 *
 * Times are Unix seconds passed in by the caller (`now`), so tests drive the
 * clock and the server passes time(NULL).
 *
 * Transactions: each mutating function runs in its own write transaction,
 * unless the caller already opened one with ft_store_begin — then it joins
 * it, so an admin action and its audit entry can commit together.
 */
#ifndef FAIRTRACK_USERS_H
#define FAIRTRACK_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/store.h"

enum ft_role {
	FT_ROLE_ADMIN,		  /* label admin: everything, users */
	FT_ROLE_STAFF,		  /* label staff: reads the label's data */
	FT_ROLE_ARTIST,		  /* sees only the artists and payees linked to the account */
	FT_ROLE_COLLECTIVE_ADMIN, /* reserved for the collective */
	FT_ROLE_MEMBER_LABEL,	  /* reserved for the collective */
	FT_ROLE_COUNT,
};

/* "admin", "staff", "artist", "collective_admin", "member_label". */
const char *ft_role_name(enum ft_role role);
/* -1 for anything else. */
int ft_role_parse(const char *name);

#define FT_USERNAME_MAX 64
#define FT_DISPLAY_NAME_MAX 128
#define FT_PASSWORD_MIN 10   /* characters (bytes of UTF-8) */
#define FT_PASSWORD_MAX 1024 /* bounds the hashing work an attacker can ask for */
#define FT_TOKEN_HEX 64	     /* session ids, invite tokens, CSRF tokens: 32 bytes as hex */

struct ft_user {
	int64_t id;
	char username[FT_USERNAME_MAX + 1];
	char display_name[FT_DISPLAY_NAME_MAX + 1];
	enum ft_role role;
	int disabled;
	int has_password; /* 0 until an invite is accepted */
	char created_at[32];
};

/* A username: 1–64 of a-z 0-9 . _ @ + -, starting with a letter or digit
 * (an e-mail address fits).  FT_EINVAL with the reason. */
int ft_username_check(const char *username, struct ft_error *err);

/* Add a user without a password (set it with ft_user_set_password or an
 * invite).  display_name NULL or "" → the username.  FT_EEXISTS, FT_EINVAL. */
int ft_user_add(struct ft_store *store, const char *username, enum ft_role role,
		const char *display_name, int64_t *id_out, struct ft_error *err);
/* FT_ENOTFOUND when there is none. */
int ft_user_get(struct ft_store *store, const char *username, struct ft_user *out,
		struct ft_error *err);
int ft_user_get_id(struct ft_store *store, int64_t id, struct ft_user *out, struct ft_error *err);
/* Every user, by username.  A non-zero return from fn stops and is returned. */
typedef int (*ft_user_fn)(void *ctx, const struct ft_user *user, struct ft_error *err);
int ft_user_each(struct ft_store *store, ft_user_fn fn, void *ctx, struct ft_error *err);

/* Set the password (FT_EINVAL when shorter than FT_PASSWORD_MIN or longer
 * than FT_PASSWORD_MAX).  Other sessions of the user end. */
int ft_user_set_password(struct ft_store *store, int64_t user_id, const char *password,
			 struct ft_error *err);
/* Disable (1) or enable (0).  Disabling ends the user's sessions. */
int ft_user_set_disabled(struct ft_store *store, int64_t user_id, int disabled,
			 struct ft_error *err);

/* Link an artist account to a catalogue artist (FT_ENOTFOUND when the
 * catalogue has no such artist; linking twice is a no-op). */
int ft_user_link_artist(struct ft_store *store, int64_t user_id, const char *artist_id,
			struct ft_error *err);
/* The artists linked to a user, by id; strings valid during the call. */
typedef int (*ft_user_artist_fn)(void *ctx, const char *artist_id, const char *name,
				 struct ft_error *err);
int ft_user_artists(struct ft_store *store, int64_t user_id, ft_user_artist_fn fn, void *ctx,
		    struct ft_error *err);
/* *linked = 1 when artist_id is linked to user_id. */
int ft_user_has_artist(struct ft_store *store, int64_t user_id, const char *artist_id, int *linked,
		       struct ft_error *err);

/*
 * Link an account to a contract payee (the portal shows an artist account
 * the statements of its payees).  A payee exists by being named in a stored
 * contract or in a run: FT_ENOTFOUND otherwise, naming the payee.  Linking
 * twice is a no-op; unlinking what is not linked is FT_ENOTFOUND.
 */
int ft_user_link_payee(struct ft_store *store, int64_t user_id, const char *payee,
		       struct ft_error *err);
int ft_user_unlink_payee(struct ft_store *store, int64_t user_id, const char *payee,
			 struct ft_error *err);
/* The payees linked to a user, by id (a string valid during the call); a
 * non-zero return from fn stops and is returned. */
typedef int (*ft_user_payee_fn)(void *ctx, const char *payee, struct ft_error *err);
int ft_user_payees(struct ft_store *store, int64_t user_id, ft_user_payee_fn fn, void *ctx,
		   struct ft_error *err);
/* *linked = 1 when payee is linked to user_id. */
int ft_user_has_payee(struct ft_store *store, int64_t user_id, const char *payee, int *linked,
		      struct ft_error *err);

/* -------------------------------------------------------------- passwords */

/* Hash with argon2id (t=2, m=19 MiB, p=1, 16-byte salt, 32-byte tag: the
 * OWASP baseline) into out as the standard encoded string. */
#define FT_PASSWORD_HASH_MAX 128
int ft_password_hash(char out[FT_PASSWORD_HASH_MAX], const char *password, struct ft_error *err);
/* 1 when password matches encoded, 0 otherwise (also for a malformed hash). */
int ft_password_verify(const char *encoded, const char *password);

/*
 * Check a login.  On success fills *out (may be NULL) and returns 0.  A
 * wrong password, an unknown or disabled user, or one without a password yet
 * all give FT_ENOTFOUND "wrong username or password" (the cases are not told
 * apart to the caller; *reason, when not NULL, gets a short word for the
 * audit log: "password", "unknown", "disabled", "no-password").
 */
int ft_user_authenticate(struct ft_store *store, const char *username, const char *password,
			 struct ft_user *out, const char **reason, struct ft_error *err);

/* ------------------------------------------------------- login attempts */

/* Record one attempt (ok = 1 success). */
int ft_login_record(struct ft_store *store, const char *username, const char *ip, int ok,
		    int64_t now, struct ft_error *err);
/*
 * Failures since `since`: *by_user counts those for username after its last
 * success, *by_ip those from ip; *last_user / *last_ip (may be NULL) get
 * the time of the newest of each, 0 when none.
 */
int ft_login_failures(struct ft_store *store, const char *username, const char *ip, int64_t since,
		      int64_t *by_user, int64_t *last_user, int64_t *by_ip, int64_t *last_ip,
		      struct ft_error *err);
/* Forget attempts older than `before` (housekeeping). */
int ft_login_prune(struct ft_store *store, int64_t before, struct ft_error *err);

/* ---------------------------------------------------------------- invites */

/*
 * Issue an invite for a user: token gets FT_TOKEN_HEX hex digits + NUL, valid
 * for ttl seconds; earlier unused invites of that user stop working.  With
 * reset = 1 the current password is removed and the sessions end (a password
 * reset); without it the password stays until the invite is used.
 */
int ft_invite_create(struct ft_store *store, int64_t user_id, int reset, int64_t now, int64_t ttl,
		     char token[FT_TOKEN_HEX + 1], struct ft_error *err);
/* Use an invite: set the password.  FT_ENOTFOUND for a token that is
 * unknown, used or expired (not told apart); FT_EINVAL for a bad password
 * (the token stays usable).  *user_id (may be NULL) gets the user. */
int ft_invite_accept(struct ft_store *store, const char *token, const char *password, int64_t now,
		     int64_t *user_id, struct ft_error *err);

/* --------------------------------------------------------------- sessions */

struct ft_session {
	int64_t user_id;
	char csrf[FT_TOKEN_HEX + 1]; /* the session's CSRF token */
	int64_t created_at, expires_at;
};

/* Start a session of ttl seconds: token gets the session id (for the
 * cookie; only its hash is stored); *out (may be NULL) the session. */
int ft_session_create(struct ft_store *store, int64_t user_id, const char *ip, int64_t now,
		      int64_t ttl, char token[FT_TOKEN_HEX + 1], struct ft_session *out,
		      struct ft_error *err);
/* The live session of token and its user.  FT_ENOTFOUND when the token is
 * malformed, unknown or expired, or the user is disabled. */
int ft_session_lookup(struct ft_store *store, const char *token, int64_t now,
		      struct ft_session *session, struct ft_user *user, struct ft_error *err);
/* End one session (a token that is not live is not an error). */
int ft_session_delete(struct ft_store *store, const char *token, struct ft_error *err);
/* Forget expired sessions and invites (housekeeping). */
int ft_session_prune(struct ft_store *store, int64_t now, struct ft_error *err);

/* ------------------------------------------------------------- audit log */

struct ft_audit_entry {
	int64_t id;
	int64_t at;
	const char *at_utc; /* 2026-11-25T23:04:05Z */
	const char *actor;  /* username, "cli:<login>" or "-" */
	const char *action; /* login.ok, login.fail, user.invite, … (docs/SECURITY.md) */
	const char *target; /* what it was done to, "" when nothing */
	const char *detail; /* free text, "" when none */
	const char *ip;	    /* "" when not over HTTP */
};

/* Append an entry; NULL strings are stored as "". */
int ft_audit_add(struct ft_store *store, int64_t now, const char *actor, const char *action,
		 const char *target, const char *detail, const char *ip, struct ft_error *err);
/* Newest first: entries with id < before_id (0 = from the newest), at most
 * limit of them.  Strings valid during the call. */
typedef int (*ft_audit_fn)(void *ctx, const struct ft_audit_entry *entry, struct ft_error *err);
int ft_audit_each(struct ft_store *store, int64_t before_id, int limit, ft_audit_fn fn, void *ctx,
		  struct ft_error *err);

/* Fill buf with n random bytes from the kernel CSPRNG as 2n hex digits + NUL
 * (buf holds 2n + 1).  FT_EIO when the kernel refuses. */
int ft_random_hex(char *buf, size_t n, struct ft_error *err);

#endif
