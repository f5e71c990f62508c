"""loadgen.py - HTTP load generator for the inference service (make bench).

Usage: loadgen.py PORT [SECONDS] [CONNECTIONS] [WAIT_SECONDS]

Waits (up to WAIT_SECONDS, default 300) until GET /health on 127.0.0.1:PORT
answers, sends a few warm-up requests, then for SECONDS (default 15) keeps
CONNECTIONS (default 4) HTTP/1.1 keep-alive connections busy, one thread
each, every request a POST /predict of one digits image (the dataset's
images in turn; the host needs scikit-learn only for load_digits).  A
connection that fails is reopened and the failure counted.  Prints on
stdout "bench KEY VALUE" lines: requests, errors, http_rps (completed
requests per second) and latency percentiles in ms (http_p50_ms,
http_p90_ms, http_p99_ms, http_max_ms).  Exit status 1 if no request
succeeded.
"""

import http.client
import json
import sys
import threading
import time


def wait_ready(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/health")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.5)
    return False


class Worker(threading.Thread):
    """One keep-alive connection posting bodies until stop; records latencies."""

    def __init__(self, port, bodies, start_at, stop):
        super().__init__(daemon=True)
        self.port = port
        self.bodies = bodies
        self.start_at = start_at
        self.stop = stop
        self.lat = []
        self.errors = 0

    def post(self, conn, body):
        conn.request("POST", "/predict", body=body,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200 or b'"digit"' not in data:
            raise ValueError("bad answer %d %r" % (r.status, data[:100]))

    def run(self):
        conn = None
        i = self.start_at
        while not self.stop.is_set():
            body = self.bodies[i % len(self.bodies)]
            i += 1
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.post(conn, body)
            except (OSError, http.client.HTTPException, ValueError):
                self.errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            self.lat.append(time.perf_counter() - t)
        if conn is not None:
            conn.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main(argv):
    port = int(argv[0])
    seconds = float(argv[1]) if len(argv) > 1 else 15.0
    nconn = int(argv[2]) if len(argv) > 2 else 4
    wait = float(argv[3]) if len(argv) > 3 else 300.0
    from sklearn.datasets import load_digits
    X, _ = load_digits(return_X_y=True)
    bodies = [json.dumps({"image": [int(v) for v in img]}).encode() for img in X[:200]]

    if not wait_ready(port, wait):
        print("loadgen: no answer from 127.0.0.1:%d/health in %d s" % (port, wait), file=sys.stderr)
        return 1
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for b in bodies[:10]:
        warm.request("POST", "/predict", body=b, headers={"Content-Type": "application/json"})
        warm.getresponse().read()
    warm.close()

    stop = threading.Event()
    workers = [Worker(port, bodies, k * 37, stop) for k in range(nconn)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join(60)
    elapsed = time.perf_counter() - t0
    lat = sorted(x for w in workers for x in w.lat)
    errors = sum(w.errors for w in workers)
    print("bench requests %d" % len(lat))
    print("bench errors %d" % errors)
    print("bench http_rps %.1f" % (len(lat) / elapsed))
    for p in (50, 90, 99):
        print("bench http_p%d_ms %.2f" % (p, percentile(lat, p) * 1000))
    print("bench http_max_ms %.2f" % ((lat[-1] if lat else float("nan")) * 1000))
    return 0 if lat else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
