"""http_client.py - host side of the inference-service test (t_ml_http).

Usage: http_client.py PORT SERVERDIR [WAIT_SECONDS]

Trains natively the very model ml-demo/http/server.py serves (its
build_model, imported from SERVERDIR), then waits until the service behind
127.0.0.1:PORT answers GET /health and checks, through that port:
  - /health reports the held-out accuracy the native model has;
  - POST /predict of one digits image (64 numbers) gives the native
    prediction, and a batch (8x8 rows) gives the native predictions; the
    images include ones the model gets wrong, so only the same model agrees;
  - malformed requests (not JSON, 63 pixels, a pixel of 17) give 400 with a
    JSON error message.
That is 5 POST requests: the service is started with --max-requests 5 and
exits by itself after the last.  Prints one "ok" line per check; on the
first failure prints "FAIL: ..." and exits 1.
"""

import http.client
import json
import sys
import time

INDICES = [0, 5, 37, 905, 1000, 1796]   # 5, 37, 905: misclassified by the model


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def request(port, method, path, body=None, timeout=60):
    """One request on a fresh connection; return (status, decoded JSON or raw text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(data)
    except ValueError:
        return resp.status, data.decode(errors="replace")


def wait_ready(port, seconds):
    """Poll GET /health until it answers 200; return its document."""
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, doc = request(port, "GET", "/health", timeout=5)
            if status == 200:
                return doc
            last = "status %d" % status
        except (OSError, http.client.HTTPException) as e:
            last = repr(e)    # before the guest listens, QEMU's forward resets
        time.sleep(0.5)
    fail("service not ready after %d s: %s" % (seconds, last))


def expect_400(port, body, what):
    status, doc = request(port, "POST", "/predict", body)
    if status != 400 or not isinstance(doc, dict) or "error" not in doc:
        fail("%s: expected 400 with an error, got %d %r" % (what, status, doc))
    print("ok %s -> 400 %s" % (what, doc["error"]), flush=True)


def main():
    port = int(sys.argv[1])
    sys.path.insert(0, sys.argv[2])
    wait = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    import server
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    model, accuracy = server.build_model()
    want = [int(d) for d in model.predict(X[INDICES])]

    health = wait_ready(port, wait)
    if health.get("status") != "ok" or health.get("test_accuracy") != accuracy:
        fail("health %r, native accuracy %r" % (health, accuracy))
    print("ok health: %s accuracy %.4f as native" % (health.get("model"), accuracy), flush=True)

    one = [int(v) for v in X[INDICES[0]]]
    status, doc = request(port, "POST", "/predict", json.dumps({"image": one}))
    if status != 200 or doc != {"digit": want[0]}:
        fail("image %d: got %d %r, native predicts %d" % (INDICES[0], status, doc, want[0]))
    print("ok image %d -> digit %d as native" % (INDICES[0], want[0]), flush=True)

    batch = [X[i].reshape(8, 8).tolist() for i in INDICES]
    status, doc = request(port, "POST", "/predict", json.dumps({"image": batch}))
    if status != 200 or doc != {"digits": want}:
        fail("batch %r: got %d %r, native predicts %r" % (INDICES, status, doc, want))
    print("ok batch %r -> %r as native" % (INDICES, want), flush=True)

    expect_400(port, '{"image": [1, 2,', "truncated JSON")
    expect_400(port, json.dumps({"image": one[:63]}), "63 pixels")
    expect_400(port, json.dumps({"image": one[:63] + [17]}), "pixel 17")
    return 0


if __name__ == "__main__":
    sys.exit(main())
