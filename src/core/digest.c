/*
 * digest.c — SHA-256 of files and buffers through libcrypto (see digest.h).
 *
 * Files are read in 1 MiB blocks with read(2): memory stays constant however
 * large the report, and the page cache makes the later parse pass cheap.
 */
#include "fairtrack/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void to_hex(char hex[FT_SHA256_HEX_LEN + 1], const unsigned char *md)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[FT_SHA256_HEX_LEN] = '\0';
}

int ft_sha256_buf(char hex[FT_SHA256_HEX_LEN + 1], const void *data, size_t len,
		  struct ft_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) || md_len != 32)
		return ft_error_set(err, FT_ENOMEM, "SHA-256: libcrypto failed");
	to_hex(hex, md);
	return 0;
}

int ft_sha256_file(char hex[FT_SHA256_HEX_LEN + 1], uint64_t *size_out, const char *path,
		   struct ft_error *err)
{
	enum { BLOCK = 1 << 20 };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	uint64_t size = 0;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot open: %s",
				       strerror(errno));
	ctx = EVP_MD_CTX_new();
	buf = malloc(BLOCK);
	if (!ctx || !buf || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = ft_error_set(err, FT_ENOMEM, "SHA-256 of %s: out of memory", path);
		goto out;
	}
	for (;;) {
		n = read(fd, buf, BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ft_error_setloc(err, FT_EIO, path, 0, NULL, "read failed: %s",
					     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		size += (uint64_t)n;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			rc = ft_error_set(err, FT_ENOMEM, "SHA-256 of %s: libcrypto failed", path);
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != 32) {
		rc = ft_error_set(err, FT_ENOMEM, "SHA-256 of %s: libcrypto failed", path);
		goto out;
	}
	to_hex(hex, md);
	if (size_out)
		*size_out = size;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}
