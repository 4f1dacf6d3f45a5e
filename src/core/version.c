/* version.c — the library's version string. */
#include "fairtrack/version.h"

const char *ft_version(void) { return FT_VERSION; }
