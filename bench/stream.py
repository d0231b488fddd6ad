#!/usr/bin/env python3
"""Workloads 1 and 2 of bench/run.sh: one long stream through each relay, interleaved.

    python3 bench/stream.py rounds=5 bytes=N clk_tck=100 cert=C.pem key=K.pem TARGET...

TARGET is name,kind,address,pid exactly as for Load.java (http / raw / rawtls). The client is the
same for every relay: one producer (PUT with Content-Length) and one consumer (GET) moving 1 MiB
blocks through the kernel, with TLS done by OpenSSL (Python's ssl module). A JSSE client costs
about 2.5x the CPU of OpenSSL per TLS byte on this machine and would starve the relays of the
second core, so the byte-moving workloads use this one. Prints "R plain|tls metric target round
value" lines; Load.java's "table" reads them.
"""
import os
import queue
import random
import socket
import ssl
import sys
import threading
import time
import urllib.parse

MiB = 1 << 20
GiB = 1 << 30
OPT = {}


class Target:
    def __init__(self, spec):
        name, kind, address, pid = spec.split(",")
        self.name, self.pid = name, int(pid)
        self.raw = kind in ("raw", "rawtls")
        if self.raw:
            self.tls = kind == "rawtls"
            hostport, listen = address.split(">")
            self.host, port = hostport.rsplit(":", 1)
            self.port, self.listen_port = int(port), int(listen)
            self.prefix = ""
        else:
            u = urllib.parse.urlsplit(address)
            self.tls = u.scheme == "https"
            self.host, self.port = u.hostname, u.port
            self.prefix = u.path.rstrip("/")
        if self.host not in ("127.0.0.1", "localhost"):
            raise SystemExit("loopback only: " + self.host)
        self.accepted = queue.Queue()
        self.listener = None

    def start_listener(self):
        if not self.raw:
            return
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.listen_port))
        ls.listen(1024)
        self.listener = ls

        def loop():
            while True:
                try:
                    c, _ = ls.accept()
                except OSError:
                    return
                self.accepted.put(c)
        threading.Thread(target=loop, daemon=True).start()

    def connect(self):
        s = socket.create_connection((self.host, self.port), timeout=OPT_TIMEOUT())
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            s = CLIENT_CTX.wrap_socket(s, server_hostname=None)
        return s

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        return ticks / float(OPT.get("clk_tck", 100))


def OPT_TIMEOUT():
    return float(OPT.get("timeout", 120))


CLIENT_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CLIENT_CTX.check_hostname = False
CLIENT_CTX.verify_mode = ssl.CERT_NONE
CLIENT_CTX.minimum_version = ssl.TLSVersion.TLSv1_3
SERVER_CTX = None


def read_head(s, buf):
    """Reads a response head (skipping 1xx); returns (status, headers, leftover bytes)."""
    data = bytes(buf)
    while True:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise IOError("closed before the response head")
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if 100 <= status < 200:
            continue
        return status, headers, data


def consume(t, path, ready, result):
    try:
        view = memoryview(bytearray(MiB))
        if t.raw:
            ready.set()
            s = t.accepted.get(timeout=OPT_TIMEOUT())
            s.settimeout(OPT_TIMEOUT())
            if t.tls:
                s = SERVER_CTX.wrap_socket(s, server_side=True)
            n = 0
            try:
                while True:
                    k = s.recv_into(view)
                    if not k:
                        break
                    n += k
            except (ssl.SSLEOFError, ConnectionResetError):
                pass  # the byte count below decides
            s.close()
            result["bytes"] = n
            return
        s = t.connect()
        s.sendall(("GET %s%s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (t.prefix, path, t.host, t.port)).encode())
        ready.set()
        status, headers, rest = read_head(s, b"")
        if status != 200:
            raise IOError("consumer got %d" % status)
        if "content-length" not in headers:
            raise IOError("consumer response without Content-Length: %s" % headers)
        left = int(headers["content-length"]) - len(rest)
        n = len(rest)
        while left > 0:
            k = s.recv_into(view, min(len(view), left))
            if not k:
                break
            n += k
            left -= k
        s.close()
        result["bytes"] = n
    except Exception as e:  # reported by the caller
        ready.set()
        result["error"] = "consumer: %r" % e


def produce(t, path, size, block, result):
    try:
        s = t.connect()
        if not t.raw:
            s.sendall(("PUT %s%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/octet-stream\r\n"
                       "Content-Length: %d\r\n\r\n" % (t.prefix, path, t.host, t.port, size)).encode())
        view = memoryview(block)
        left = size
        while left > 0:
            k = min(len(view), left)
            s.sendall(view[:k])
            left -= k
        if t.raw:
            if t.tls:
                s = s.unwrap()  # close_notify: the relay forwards the end
            s.shutdown(socket.SHUT_WR)
            s.close()
            return
        status, headers, rest = read_head(s, b"")
        if "content-length" in headers:
            need = int(headers["content-length"])
            while len(rest) < need:
                chunk = s.recv(4096)
                if not chunk:
                    break
                rest += chunk
        else:
            while not rest.endswith(b"0\r\n\r\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                rest += chunk
        s.close()
        if status != 200:
            raise IOError("producer got %d: %r" % (status, rest[:200]))
    except Exception as e:
        result["error"] = "producer: %r" % e


def once(t, path, size, block):
    cres, pres = {}, {}
    ready = threading.Event()
    t0 = time.monotonic()
    c = threading.Thread(target=consume, args=(t, path, ready, cres))
    c.start()
    ready.wait(OPT_TIMEOUT())
    p = threading.Thread(target=produce, args=(t, path, size, block, pres))
    p.start()
    p.join(OPT_TIMEOUT())
    c.join(OPT_TIMEOUT())
    secs = time.monotonic() - t0
    if p.is_alive() or c.is_alive():
        raise IOError("timed out")
    for r in (pres, cres):
        if "error" in r:
            raise IOError(r["error"])
    if cres.get("bytes") != size:
        raise IOError("consumer got %s of %d bytes" % (cres.get("bytes"), size))
    return secs


def main():
    global SERVER_CTX
    targets = []
    for a in sys.argv[1:]:
        if "=" in a and "," not in a:
            k, v = a.split("=", 1)
            OPT[k] = v
        else:
            targets.append(Target(a))
    if "cert" in OPT:
        SERVER_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        SERVER_CTX.load_cert_chain(OPT["cert"], OPT["key"])
    rounds = int(OPT.get("rounds", 3))
    size = int(OPT.get("bytes", 2 * GiB))
    block = bytearray(random.Random(7).getrandbits(8 * MiB).to_bytes(MiB, "little"))
    for t in targets:
        t.start_listener()
    for t in targets:  # warm up: JIT, TLS session machinery, socket buffers
        once(t, "/bench-warm-%d" % time.monotonic_ns(), min(size, 256 * MiB), block)
    for r in range(1, rounds + 1):
        for t in targets:
            w = "tls" if t.tls else "plain"
            try:
                cpu0 = t.cpu_seconds()
                secs = once(t, "/bench-%s-%d-%d" % (w, r, time.monotonic_ns()), size, block)
                time.sleep(0.2)  # lets a forking relay (socat) reap its child, whose CPU then counts
                cpu = t.cpu_seconds() - cpu0
                print("R %s MiBps %s %d %.6f" % (w, t.name, r, size / MiB / secs), flush=True)
                print("R %s cpu_s_per_GiB %s %d %.6f" % (w, t.name, r, cpu / (size / GiB)), flush=True)
            except Exception as e:
                print("! %s %s round %d failed: %s" % (w, t.name, r, e), file=sys.stderr, flush=True)
                print("R %s failed %s %d 1" % (w, t.name, r), flush=True)
            time.sleep(0.3)
    os._exit(0)


if __name__ == "__main__":
    main()
