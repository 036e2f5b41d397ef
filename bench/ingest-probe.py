#!/usr/bin/env python3
"""Ack -> SSE latency probe for bench/ingest (standard library only).

Opens the Server-Sent Events stream GET /api/v1/events as a supervisor (every
call.ringing event of a call without an agent reaches supervisors), then, on a
separate keep-alive connection, posts its own native `ringing` events
(callId "probe-<n>") every --interval seconds, recording the monotonic time at
which each 200 ack has been read. The SSE reader thread records the monotonic
time at which the chunk carrying the event whose call.providerCallId is
"probe-<n>" arrived. The stream also carries every event the load generator
causes, so the reader only scans raw bytes for b"probe-" and json-decodes just
those `data:` lines.

Runs until SIGTERM/SIGINT (or --duration), finishes the request in flight,
waits up to --drain seconds for outstanding SSE deliveries, then prints
`PROBE-RESULT key=value ...` and a short human summary on stdout.
A line "PROBE-READY" is printed (and flushed) once the stream is open.

Differences (sse - ack) can be negative: the server publishes to the stream
right after it writes the ack, and either may be read first. They are reported
as measured.
"""
import argparse
import datetime
import http.client
import json
import math
import signal
import socket
import sys
import threading
import time


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None if empty)."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


class SSEReader(threading.Thread):
    def __init__(self, host, port, key):
        super().__init__(daemon=True)
        self.host, self.port, self.key = host, port, key
        self.arrivals = {}          # probe n -> monotonic ns of arrival
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.closed_reason = None   # why the stream ended (None while open)
        self.bytes_read = 0
        self.events_seen = 0        # "event:" lines (all events, not only the probe's)
        self.mismatches = 0         # lines containing probe- whose JSON did not check out
        self.stop = False
        self.sock = None

    def run(self):
        try:
            sock = socket.create_connection((self.host, self.port), timeout=10)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            request = ("GET /api/v1/events HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                       "Accept: text/event-stream\r\n\r\n" % (self.host, self.port, self.key))
            sock.sendall(request.encode())
            # Blocking reads into one preallocated buffer: a timeout makes Python poll() before
            # every recv, and recv(1 MiB) maps and unmaps a fresh 1 MiB object per chunk. The
            # probe shares the CPUs with the server it measures: at ~23k events/s this took it
            # from ~15% to ~11% of one CPU. The main thread shuts the socket down to stop it.
            sock.settimeout(None)
            self.sock = sock
            space = bytearray(1 << 20)
            view = memoryview(space)
            buf = b""
            head_done = False
            while not self.stop:
                got = sock.recv_into(view)
                now = time.monotonic_ns()
                if not got:
                    if not self.stop:
                        self.closed_reason = "server closed the stream"
                    break
                chunk = bytes(view[:got])
                self.bytes_read += len(chunk)
                buf += chunk
                if not head_done:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    status = buf[:buf.find(b"\r\n")]
                    if b" 200 " not in status + b" ":
                        self.closed_reason = "stream refused: " + status.decode(errors="replace")
                        break
                    buf = buf[end + 4:]
                    head_done = True
                # Only complete lines; the rest waits for the next chunk.
                cut = buf.rfind(b"\n")
                if cut < 0:
                    continue
                block, buf = buf[:cut + 1], buf[cut + 1:]
                self.events_seen += block.count(b"\nevent:") + (1 if block.startswith(b"event:") else 0)
                if not self.ready.is_set() and b"event: hello" in block:
                    self.ready.set()
                pos = block.find(b"probe-")
                while pos >= 0:
                    start = block.rfind(b"\n", 0, pos) + 1
                    end = block.find(b"\n", pos)
                    line = block[start:end]
                    self.check(line, now)
                    pos = block.find(b"probe-", end)
            sock.close()
        except Exception as e:  # report, never crash silently
            self.closed_reason = "stream error: %r" % (e,)
        finally:
            self.ready.set()

    def check(self, line, now):
        if not line.startswith(b"data:"):
            return
        try:
            obj = json.loads(line[5:])
            call_id = obj["call"]["providerCallId"]
            if not call_id.startswith("probe-"):
                raise ValueError(call_id)
            n = int(call_id[6:])
        except Exception:
            self.mismatches += 1
            return
        with self.lock:
            self.arrivals.setdefault(n, now)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret", required=True, help="native integration webhook secret")
    ap.add_argument("--key", required=True, help="supervisor API key")
    ap.add_argument("--interval", type=float, default=0.005, help="seconds between probe events (default 0.005)")
    ap.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: only on a signal)")
    ap.add_argument("--drain", type=float, default=3.0, help="seconds to wait for outstanding SSE events at the end")
    args = ap.parse_args()

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    reader = SSEReader(args.host, args.port, args.key)
    reader.start()
    if not reader.ready.wait(15) or reader.closed_reason:
        print("PROBE-ERROR stream not ready: %s" % (reader.closed_reason or "no hello within 15 s"), flush=True)
        return 1
    print("PROBE-READY", flush=True)

    occurred = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {"Authorization": "Bearer " + args.secret, "Content-Type": "application/json"}
    conn = http.client.HTTPConnection(args.host, args.port, timeout=30)
    acks = {}            # n -> monotonic ns when the 200 had been read
    ack_latency_ns = []  # send -> ack, per 2xx
    sent = errors = 0
    error_samples = []
    started = time.monotonic()
    next_at = started
    n = 0
    while not stopping.is_set():
        if args.duration and time.monotonic() - started >= args.duration:
            break
        n += 1
        body = json.dumps({"callId": "probe-%d" % n, "clientNumber": "+4073%07d" % (n % 10000000),
                           "occurredAt": occurred}).encode()
        t0 = time.monotonic_ns()
        try:
            conn.request("POST", "/webhooks/calls/ringing", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            t1 = time.monotonic_ns()
            sent += 1
            if 200 <= resp.status < 300:
                acks[n] = t1
                ack_latency_ns.append(t1 - t0)
            else:
                errors += 1
                if len(error_samples) < 5:
                    error_samples.append("probe-%d: HTTP %d" % (n, resp.status))
        except Exception as e:
            sent += 1
            errors += 1
            if len(error_samples) < 5:
                error_samples.append("probe-%d: %r" % (n, e))
            conn.close()
            conn = http.client.HTTPConnection(args.host, args.port, timeout=30)
        next_at += args.interval
        delay = next_at - time.monotonic()
        if delay > 0:
            stopping.wait(delay)
        else:
            next_at = time.monotonic()  # fell behind: no burst to catch up
    send_seconds = time.monotonic() - started
    conn.close()

    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline and reader.closed_reason is None:
        with reader.lock:
            if all(k in reader.arrivals for k in acks):
                break
        time.sleep(0.05)
    reader.stop = True
    if reader.sock is not None:
        try:
            reader.sock.shutdown(socket.SHUT_RDWR)   # wakes the blocked recv
        except OSError:
            pass

    with reader.lock:
        arrivals = dict(reader.arrivals)
    diffs = sorted((arrivals[k] - t) / 1e6 for k, t in acks.items() if k in arrivals)
    lat = sorted(x / 1e6 for x in ack_latency_ns)
    missing = sum(1 for k in acks if k not in arrivals)
    negative = sum(1 for d in diffs if d < 0)

    def fmt(v):
        return "n/a" if v is None else "%.3f" % v

    print("PROBE-RESULT sent=%d acked=%d errors=%d sse_matched=%d sse_missing=%d sse_negative=%d "
          "sse_p50_ms=%s sse_p99_ms=%s sse_max_ms=%s sse_min_ms=%s ack_p50_ms=%s ack_p99_ms=%s "
          "send_seconds=%.2f interval_ms=%.1f stream_bytes=%d stream_events=%d stream_mismatches=%d" % (
              sent, len(acks), errors, len(diffs), missing, negative,
              fmt(percentile(diffs, 50)), fmt(percentile(diffs, 99)), fmt(diffs[-1] if diffs else None),
              fmt(diffs[0] if diffs else None), fmt(percentile(lat, 50)), fmt(percentile(lat, 99)),
              send_seconds, args.interval * 1000, reader.bytes_read, reader.events_seen, reader.mismatches))
    print("probe: %d ringing events sent on one keep-alive connection, one at a time, at most one every %.1f ms "
          "(effective %.0f/s: the next waits for the ack), %d acknowledged (2xx), %d errors"
          % (sent, args.interval * 1000, sent / send_seconds if send_seconds > 0 else 0, len(acks), errors))
    print("probe: ack -> SSE delivery over %d events: p50 %s ms, p99 %s ms, min %s ms, max %s ms, %d negative (SSE read before ack), %d acked but never seen on the stream"
          % (len(diffs), fmt(percentile(diffs, 50)), fmt(percentile(diffs, 99)), fmt(diffs[0] if diffs else None),
             fmt(diffs[-1] if diffs else None), negative, missing))
    print("probe: its own ack latency: p50 %s ms, p99 %s ms" % (fmt(percentile(lat, 50)), fmt(percentile(lat, 99))))
    print("probe: SSE stream read %d bytes, %d events in all; stream state at the end: %s"
          % (reader.bytes_read, reader.events_seen, reader.closed_reason or "open"))
    for s in error_samples:
        print("probe: error sample: " + s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
