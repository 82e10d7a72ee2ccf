#!/usr/bin/env python3
"""userns-sysctl.py USER VALUE CMD...: runs CMD as USER with user.max_user_namespaces=VALUE.

The value is set in a user namespace of its own (root creates it and maps every id to itself, so
USER is USER inside) rather than on the host: the user.* limits are per user namespace and apply
to the namespaces created inside it, so CMD sees VALUE in /proc/sys/user/max_user_namespaces and
gets ENOSPC from clone(CLONE_NEWUSER) exactly as on a host set to VALUE; nothing else on the
machine is affected (other test runs go on), nothing needs restoring, and it works where root lacks
CAP_SYS_RESOURCE on the host (containers, this build machine). Needs root (to write the maps).
"""
import ctypes
import os
import pwd
import sys

CLONE_NEWUSER = 0x10000000
user, value, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
pw = pwd.getpwnam(user)
libc = ctypes.CDLL(None, use_errno=True)
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(ready_r)
    os.close(go_w)
    if libc.unshare(CLONE_NEWUSER) != 0:
        print("userns-sysctl: unshare: " + os.strerror(ctypes.get_errno()), file=sys.stderr)
        os._exit(2)
    os.write(ready_w, b"u")
    if os.read(go_r, 1) != b"g":
        os._exit(2)
    # still without an execve: the namespace's creator holds every capability in it
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write(value)
    os.initgroups(user, pw.pw_gid)
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    env = {"HOME": pw.pw_dir, "USER": user, "LOGNAME": user, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for k in ("JBOX_HELPER", "JBOX_CLASSPATH", "JAVA_HOME"):
        if os.environ.get(k):
            env[k] = os.environ[k]
    os.chdir(pw.pw_dir)
    os.execvpe(cmd[0], cmd, env)
os.close(ready_w)
os.close(go_r)
if os.read(ready_r, 1) != b"u":
    sys.exit(2)
for f in ("uid_map", "gid_map"):
    with open("/proc/%d/%s" % (pid, f), "w") as fh:
        fh.write("0 0 4294967295")
os.write(go_w, b"g")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
