/* fairtrack — version numbers. */
#ifndef FAIRTRACK_VERSION_H
#define FAIRTRACK_VERSION_H

#define FT_VERSION "0.1.0"

/* The version string of the library (same as FT_VERSION for this build). */
const char *ft_version(void);

#endif
