"""Small responses without a 40 ms wait: ``TCP_NODELAY`` on the server's listening sockets.

Streamlit binds its server's socket itself (``socket.socket(family)``: protocol number 0) and hands it to
uvicorn.  asyncio disables Nagle's algorithm only on sockets whose protocol is ``IPPROTO_TCP``
(``asyncio.base_events._set_nodelay``), so none of the connections gets ``TCP_NODELAY``: a response
written in two parts (headers, then a small body) waits for the browser's delayed acknowledgement of the
first, about 40 ms, before the second leaves.  Most of Streamlit's frontend files are under 2 kB: on
this machine a small file took 44 ms where a 0.5 MB one took 2 ms, and a first visit asks for 140.

On Linux a connection accepted from a listening socket inherits its ``TCP_NODELAY``, so setting it on
the listening sockets, once, before the first connection, covers every connection.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

#: ``/proc/net/tcp`` state of a listening socket.
LISTEN = "0A"


def no_delay_on_listeners(proc: str | Path = "/proc") -> int:
    """Set ``TCP_NODELAY`` on this process's listening TCP sockets (IPv4 and IPv6); return how many.

    Read from ``/proc`` (Linux): the listening sockets' inodes in ``net/tcp`` and ``net/tcp6``, matched
    to this process's open files.  Elsewhere, or without ``/proc``, nothing is done (0).
    """
    proc = Path(proc)
    listening: set[str] = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        listening.update(f[9] for f in (line.split() for line in lines) if len(f) > 9 and f[3] == LISTEN)
    done = 0
    try:
        fds = os.listdir(proc / "self" / "fd")
    except OSError:
        return 0
    for fd in fds:
        try:
            link = os.readlink(proc / "self" / "fd" / fd)
        except OSError:  # closed meanwhile
            continue
        if not (link.startswith("socket:[") and link[8:-1] in listening):
            continue
        try:
            # A second handle on the same socket (the option is the socket's, not the handle's).
            with socket.socket(fileno=os.dup(int(fd))) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            done += 1
        except OSError:
            continue
    return done
