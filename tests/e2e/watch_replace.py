#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Watches one file's directory with inotify and says how the file was replaced:
#   watch_replace.py FILE READY STOP
# creates READY once watching, and when STOP exists prints one line per event on FILE's
# name: "moved_to" (an atomic rename onto it), "delete", "create" or "modify" (the name
# gone for a moment, or the file rewritten in place: what a reader must never see).
import ctypes, os, select, struct, sys

IN_MODIFY, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x2, 0x80, 0x100, 0x200
path, ready, stop = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
if fd < 0:
    sys.exit("inotify_init1 failed")
d, name = os.path.split(os.path.abspath(path))
if libc.inotify_add_watch(fd, d.encode(), IN_MODIFY | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0:
    sys.exit("inotify_add_watch failed")
open(ready, "w").close()
seen = []
def drain():
    while True:
        try:
            buf = os.read(fd, 65536)
        except BlockingIOError:
            return
        i = 0
        while i < len(buf):
            _, mask, _, n = struct.unpack_from("iIII", buf, i)
            ev = buf[i + 16:i + 16 + n].rstrip(b"\0").decode(errors="replace")
            i += 16 + n
            if ev == name:
                for bit, word in ((IN_MOVED_TO, "moved_to"), (IN_DELETE, "delete"),
                                  (IN_CREATE, "create"), (IN_MODIFY, "modify")):
                    if mask & bit:
                        seen.append(word)
while not os.path.exists(stop):
    select.select([fd], [], [], 0.05)
    drain()
drain()
print("\n".join(seen))
