"""Run a command where no seccomp filter can be loaded: ``python without_seccomp.py CMD...``.

It loads a filter of its own that refuses the seccomp() call and prctl(PR_SET_SECCOMP),
as a sandbox that allows no nested filters does; the filter lasts across exec, so CMD
and every process it starts inherit it (tests/web/test_query_walls.py).
"""

import errno
import os
import sys

import pyseccomp as seccomp

PR_SET_SECCOMP = 22

if __name__ == "__main__":
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "seccomp")
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_SECCOMP))
    rules.load()
    os.execvp(sys.argv[1], sys.argv[1:])
