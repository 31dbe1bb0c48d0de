/* Loaded with LD_PRELOAD: unshare() fails with EPERM, as under Docker's default seccomp
   profile or for a user without user namespaces (tests/web/test_query_walls.py). */
#define _GNU_SOURCE
#include <errno.h>

int unshare(int flags) {
    (void)flags;
    errno = EPERM;
    return -1;
}
