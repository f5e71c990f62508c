"""server.py - an HTTP inference service for handwritten digits.

Stock Python only (http.server, json) plus scikit-learn: at start it trains
a support vector classifier on the 8x8 digits dataset bundled with
scikit-learn (sklearn.datasets.load_digits), or loads a model pickled by an
earlier run (--model), then answers:

  GET  /health    {"status": "ok", "model": ..., "test_accuracy": ...}
  POST /predict   body {"image": IMAGE}            -> {"digit": N}
                  body {"image": [IMAGE, IMAGE...]} -> {"digits": [N, ...]}
                  (also accepted: {"images": [IMAGE, ...]})
  where IMAGE is 64 numbers 0..16 (row-major 8x8, as load_digits gives
  them) or 8 rows of 8 such numbers.

Bad input gets a 4xx answer with a JSON body {"error": "what is wrong"}:
400 for a body that is not JSON or not a valid image, 411 without a
Content-Length, 413 for a body over 1 MiB, 404/405 for other paths and
methods.  The port comes from --port, else $PORT, else 8080.  It prints
"listening on HOST:PORT" on stdout once it accepts connections, which is
what tests wait for.  Run under solo:

    solo run -p 8080:8080 python3 ml-demo/http/server.py

The model code (build_model, to_batch) is importable, so a test can predict
natively with exactly the model the service uses.
"""

import argparse
import json
import math
import os
import pickle
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


class BadInput(Exception):
    """A request the service refuses; .status is the HTTP status to answer."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def build_model():
    """Train the classifier on load_digits; return (model, held-out accuracy).

    Deterministic: a fixed split (random_state=0) and an SVC, which has no
    randomness, so every run - native or under solo - gets the same model.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0)
    model = SVC(gamma=0.001, C=10.0)
    model.fit(X_train, y_train)
    return model, float(model.score(X_test, y_test))


def check_pixel(v, where):
    """Return pixel v as a float, or raise BadInput naming where it is."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise BadInput("%s: expected a number, got %s" % (where, json.dumps(v)))
    if not math.isfinite(v) or v < 0 or v > 16:
        raise BadInput("%s: %s is outside 0..16" % (where, json.dumps(v)))
    return float(v)


def to_image(obj, where):
    """One image (64 numbers, or 8 rows of 8) as a flat list of 64 floats."""
    if not isinstance(obj, list):
        raise BadInput("%s: expected a list of 64 numbers (or 8 rows of 8)" % where)
    if len(obj) == 8 and all(isinstance(r, list) for r in obj):
        flat = []
        for i, row in enumerate(obj):
            if len(row) != 8:
                raise BadInput("%s: row %d has %d values, expected 8" % (where, i, len(row)))
            flat.extend(check_pixel(v, "%s[%d][%d]" % (where, i, j)) for j, v in enumerate(row))
        return flat
    if len(obj) != 64:
        raise BadInput("%s: expected 64 numbers (8x8 pixels), got %d values" % (where, len(obj)))
    return [check_pixel(v, "%s[%d]" % (where, i)) for i, v in enumerate(obj)]


def is_batch(obj):
    """True when obj is a list of images rather than one image."""
    if not isinstance(obj, list) or len(obj) == 0 or not isinstance(obj[0], list):
        return False
    if len(obj) == 8 and all(isinstance(r, list) and len(r) == 8 and
                             all(not isinstance(v, list) for v in r) for r in obj):
        return False    # one image given as 8 rows of 8
    return True


def to_batch(body):
    """Decode a request body; return (list of flat images, whether a batch)."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadInput("body is not valid JSON: %s" % e)
    if not isinstance(doc, dict):
        raise BadInput('body must be a JSON object like {"image": [64 numbers 0..16]}')
    if "image" in doc:
        key = "image"
    elif "images" in doc:
        key = "images"
    else:
        raise BadInput('missing "image": expected {"image": [64 numbers 0..16]}')
    value = doc[key]
    if key == "images" or is_batch(value):
        if not isinstance(value, list) or len(value) == 0:
            raise BadInput('"%s": expected a non-empty list of images' % key)
        if len(value) > 1000:
            raise BadInput('"%s": at most 1000 images per request' % key)
        return [to_image(img, "%s[%d]" % (key, i)) for i, img in enumerate(value)], True
    return [to_image(value, key)], False


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive, every answer is JSON."""

    protocol_version = "HTTP/1.1"
    server_version = "solo-digits/1.0"

    def reply(self, status, doc, extra=()):
        data = (json.dumps(doc) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = self.headers.get("Content-Length")
        if length is None:
            raise BadInput("Content-Length required", 411)
        try:
            n = int(length)
        except ValueError:
            raise BadInput("bad Content-Length %r" % length)
        if n < 0:
            raise BadInput("bad Content-Length %r" % length)
        if n > MAX_BODY:
            self.close_connection = True
            raise BadInput("body of %d bytes is over the %d-byte limit" % (n, MAX_BODY), 413)
        return self.rfile.read(n)

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"status": "ok", "model": type(self.server.model).__name__,
                             "test_accuracy": self.server.accuracy})
        elif self.path == "/predict":
            self.reply(405, {"error": "use POST /predict"}, [("Allow", "POST")])
        else:
            self.reply(404, {"error": "no such path %s (try POST /predict or GET /health)" % self.path})

    def do_POST(self):
        if self.path != "/predict":
            if self.path == "/health":
                self.reply(405, {"error": "use GET /health"}, [("Allow", "GET")])
            else:
                self.reply(404, {"error": "no such path %s (try POST /predict)" % self.path})
            self.server.count_request()
            return
        try:
            images, batch = to_batch(self.read_body())
        except BadInput as e:
            self.reply(e.status, {"error": str(e)})
            self.server.count_request()
            return
        digits = [int(d) for d in self.server.model.predict(images)]
        self.reply(200, {"digits": digits} if batch else {"digit": digits[0]})
        self.server.count_request()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


class Server(ThreadingHTTPServer):
    """The listening socket plus the model; optionally stops after N requests."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, model, accuracy, verbose=False, max_requests=0):
        super().__init__(addr, Handler)
        self.model = model
        self.accuracy = accuracy
        self.verbose = verbose
        self.max_requests = max_requests
        self.served = 0
        self.lock = threading.Lock()

    def count_request(self):
        """Count one answered POST; at --max-requests, stop serving."""
        with self.lock:
            self.served += 1
            last = self.max_requests > 0 and self.served == self.max_requests
        if last:    # shutdown() waits for serve_forever: not from this thread
            threading.Thread(target=self.shutdown, daemon=True).start()


def main(argv):
    p = argparse.ArgumentParser(description="digits inference service (POST /predict)")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    p.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    p.add_argument("--model", help="load this pickled model instead of training")
    p.add_argument("--save", help="after training, pickle the model to this file")
    p.add_argument("--max-requests", type=int, default=0,
                   help="exit after answering this many POST requests (0: never)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request on stderr")
    args = p.parse_args(argv)

    if args.model:
        with open(args.model, "rb") as f:
            model, accuracy = pickle.load(f)
    else:
        model, accuracy = build_model()
        if args.save:
            with open(args.save, "wb") as f:
                pickle.dump((model, accuracy), f)
    server = Server((args.host, args.port), model, accuracy, args.verbose, args.max_requests)
    print("model %s, held-out accuracy %.4f" % (type(model).__name__, accuracy), flush=True)
    print("listening on %s:%d" % (args.host, server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
