/*
 * store_faulty.h — a test-only store backend that fails on purpose.
 *
 * It wraps a real store and passes every call through, except:
 *  - the Nth write statement (INSERT, UPDATE, DELETE, REPLACE, CREATE, DROP,
 *    ALTER — counted at each step and each exec, 1-based) returns FT_EDB;
 *  - with crash_before_commit, commit rolls the inner store back and returns
 *    FT_EDB, as a process killed just before COMMIT would leave it.
 * Tests use it to prove that an import is all or nothing, the way SQLite's
 * crash-test VFS proves its journal.  Not for production code.
 */
#ifndef FAIRTRACK_STORE_FAULTY_H
#define FAIRTRACK_STORE_FAULTY_H

#include "fairtrack/store.h"

struct ft_store_faults {
	long fail_nth_write;     /* 1-based; 0 = never */
	int crash_before_commit; /* non-zero: every commit fails and rolls back */
};

/* Wrap inner (taken over: closing the faulty store closes it).  On error
 * inner is closed too. */
int ft_store_faulty_wrap(struct ft_store **out, struct ft_store *inner,
			 const struct ft_store_faults *faults, struct ft_error *err);
/* Write statements seen so far (including the failed one). */
long ft_store_faulty_writes(const struct ft_store *faulty);

#endif
