/*
 * fairtrack — SHA-256 digests of files and buffers.
 *
 * Used to recognise a report imported before (import batches) and, later, to
 * prove a statement unaltered.  OpenSSL's libcrypto does the hashing (it uses
 * the CPU's SHA extensions where present); this module only streams files
 * through it and renders lower-case hex.
 */
#ifndef FAIRTRACK_DIGEST_H
#define FAIRTRACK_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"

#define FT_SHA256_HEX_LEN 64

/* SHA-256 of a whole file as 64 lower-case hex digits + NUL; *size_out (may
 * be NULL) gets the file's size.  FT_EIO naming the file when unreadable. */
int ft_sha256_file(char hex[FT_SHA256_HEX_LEN + 1], uint64_t *size_out, const char *path,
		   struct ft_error *err);
/* SHA-256 of a buffer. */
int ft_sha256_buf(char hex[FT_SHA256_HEX_LEN + 1], const void *data, size_t len,
		  struct ft_error *err);

#endif
