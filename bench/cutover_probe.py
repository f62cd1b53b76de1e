#!/usr/bin/env python3
"""scripts/bench run 8's two probes of the cutover (the benchmark's tools, not billmig's).

  cutover_probe.py weights SOCKET [BACKEND] [TIMEOUT_S]
      Polls HAProxy's admin socket every 10 ms (`get weight BACKEND/green` and
      `.../blue`) until green's weight has risen above 0 and then all traffic is on
      blue again (green 0, blue > 0). Prints JSON: the wall times (seconds since 1970)
      green first had weight (greenUp) and all traffic was back on blue (allBlue).

  cutover_probe.py writes FRONT RATE SECONDS PROGRESS_JSON BAN:SUBSCRIBER...
      Sends status writes (PUT /accounts/BAN/subscribers/N/status) through FRONT at a
      steady RATE per second for SECONDS, from CUTOVER_PROBE_CONCURRENCY threads (default
      4: writes in flight at most), each with its own subscribers (a
      subscriber's writes come from one thread, one at a time: no two race on one
      item), each on a kept-alive connection. Slots a thread misses by more than a
      second are dropped, not sent in a burst, so the achieved rate is what the
      service sustained. Meanwhile it reads reverse-stream's published progress
      (PROGRESS_JSON, its {state}/reverse/progress.json) every 100 ms: every new
      publication's lagSeconds is a lag sample. After the writes it waits (up to 60 s)
      for a caught-up publication. Prints JSON.

  cutover_probe.py direct TABLE EPOCH RATE SECONDS PROGRESS_JSON BAN:SUBSCRIBER...
      The same, the writes going straight into TABLE (each subscriber's item with its
      status changed and the version of DynamoDB epoch EPOCH, a thread's subscribers
      batched up to 25 to a BatchWriteItem, endpoint from AWS_ENDPOINT_URL): reverse
      replication's lag at a rate the service cannot reach on moto_server, whose
      TransactWriteItems deep-copies the whole table every call.
"""
import http.client
import json
import os
import socket
import sys
import threading
import time


def admin(path, command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(path)
    s.sendall((command + "\n").encode())
    chunks = []
    while True:
        data = s.recv(65536)
        if not data:
            break
        chunks.append(data)
    s.close()
    return b"".join(chunks).decode()


def weight(path, backend, server):
    answer = admin(path, f"get weight {backend}/{server}").strip()
    return int(answer.split()[0])


def weights(argv):
    path = argv[0]
    backend = argv[1] if len(argv) > 1 else "billing"
    timeout = float(argv[2]) if len(argv) > 2 else 120
    deadline = time.time() + timeout
    green_up = all_blue = None
    polls = 0
    while time.time() < deadline:
        now = time.time()
        try:
            green = weight(path, backend, "green")
            blue = weight(path, backend, "blue") if green == 0 else 0
        except (OSError, ValueError, IndexError):
            time.sleep(0.01)
            continue
        polls += 1
        if green_up is None and green > 0:
            green_up = now
        elif green_up is not None and green == 0 and blue > 0:
            all_blue = now
            break
        time.sleep(0.01)
    print(json.dumps({"greenUp": green_up, "allBlue": all_blue, "polls": polls}))
    return 0 if all_blue else 1


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    # nearest rank
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


class ServiceWrites:
    """Status writes through the service (haproxy in front): PUT /accounts/BAN/subscribers/N/status."""

    def __init__(self, front):
        self.host, self.port = front.replace("http://", "").rstrip("/").split(":")

    def connect(self):
        return http.client.HTTPConnection(self.host, int(self.port), timeout=30)

    batch = 1

    def send(self, connection, targets, n):
        """Returns (status or None, connection to use next)."""
        ban, number = targets[0]
        body = json.dumps({"status": "A" if n % 2 else "S",
                           "status_date": time.strftime("%Y-%m-%d", time.gmtime(946684800 + (n % 7000) * 86400))})
        connection = connection or self.connect()
        connection.request("PUT", f"/accounts/{ban}/subscribers/{number}/status", body=body,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = None
        return response.status, connection


class DirectWrites:
    """The same change written straight into the table with PutItem, as the service's
    version of the epoch (V + epoch + A + clock): reverse replication's own capacity,
    without the service's TransactWriteItems (which moto_server serves by deep-copying
    the whole table and its stream for every call)."""

    def __init__(self, table, epoch, targets):
        import boto3
        self.boto3 = boto3
        self.table, self.epoch = table, int(epoch)
        client = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
        self.items = {}
        for ban, number in targets:
            item = client.get_item(TableName=table, Key={"PK": {"S": f"BAN#{ban}"}, "SK": {"S": f"SUB#{number}"}},
                                   ConsistentRead=True).get("Item")
            if item is None or "sub_status" not in item or "SourceVersion" not in item:
                raise SystemExit(f"no subscriber item with sub_status and SourceVersion at BAN#{ban} / SUB#{number} in {table}: {item}")
            self.items[(ban, number)] = item

    def connect(self):
        return self.boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))

    # Up to 25 subscribers' changes in one BatchWriteItem: moto_server's cost is mostly per
    # request (about 65 PutItem/s against 800 items/s batched on a busy 2-core machine), and
    # reverse replication sees the same stream records either way.
    batch = 25

    def send(self, client, targets, n):
        client = client or self.connect()
        version = "V%010dA%020d" % (self.epoch, int(time.time() * 1e6))
        requests = []
        for target in targets:
            item = dict(self.items[target])
            item["sub_status"] = {"S": "A" if n % 2 else "S"}
            item["SourceVersion"] = {"S": version}
            requests.append({"PutRequest": {"Item": item}})
        pending = {self.table: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return 200, client


def writes(argv, direct=False):
    if direct:
        table, epoch, rate, seconds, progress_path = argv[0], argv[1], float(argv[2]), float(argv[3]), argv[4]
        targets = [tuple(t.split(":", 1)) for t in argv[5:]]
    else:
        front, rate, seconds, progress_path = argv[0], float(argv[1]), float(argv[2]), argv[3]
        targets = [tuple(t.split(":", 1)) for t in argv[4:]]
    if not targets:
        print("no subscribers to write", file=sys.stderr)
        return 2
    writer = DirectWrites(table, epoch, targets) if direct else ServiceWrites(front)
    threads = min(len(targets), int(os.environ.get("CUTOVER_PROBE_CONCURRENCY", "4")))
    groups = [targets[i::threads] for i in range(threads)]
    # Each send writes `size` subscribers (distinct items: one request never holds two
    # changes of one item); a thread's sends are spaced by its share of the rate.
    size = min(writer.batch, min(len(g) for g in groups))
    interval = threads * size / rate
    lock = threading.Lock()
    results = {"ok": 0, "failedStatus": 0, "failedError": 0, "dropped": 0, "latencies": [], "errors": {}}
    start = time.time() + 0.5
    end = start + seconds

    def worker(index, group):
        connection = None
        slot = start + index * interval / threads
        n = 0
        while True:
            now = time.time()
            if slot >= end:
                break
            if slot > now:
                time.sleep(slot - now)
            elif now - slot > 1:
                missed = int((now - slot) / interval)
                with lock:
                    results["dropped"] += missed * size
                slot += missed * interval
            batch = [group[(n * size + i) % len(group)] for i in range(size)]
            n += 1
            sent = time.time()
            try:
                status, connection = writer.send(connection, batch, n)
            except Exception as error:  # noqa: BLE001 - every failure counts, by its kind
                status = None
                with lock:
                    results["errors"][type(error).__name__] = results["errors"].get(type(error).__name__, 0) + 1
                if connection is not None and hasattr(connection, "close"):
                    connection.close()
                connection = None
            took = time.time() - sent
            with lock:
                if status is not None and 200 <= status < 300:
                    results["ok"] += size
                    results["latencies"].append(took * 1000)
                elif status is None:
                    results["failedError"] += size
                else:
                    results["failedStatus"] += size
                    results["errors"][str(status)] = results["errors"].get(str(status), 0) + 1
            slot += interval
        if connection is not None and hasattr(connection, "close"):
            connection.close()

    samples = []  # (updatedAtSeconds, lagSeconds, caughtUp)
    live = []  # lag sampled every 100 ms: 0 when caught up, else now - the newest applied record's time
    seen = set()
    done = threading.Event()
    caught_up_after = [None]

    def sampler():
        last = None
        while True:
            now = time.time()
            try:
                with open(progress_path) as f:
                    progress = json.load(f)
            except (OSError, ValueError):
                progress = None
            if progress is not None:
                last = progress
                stamp = progress.get("updatedAtSeconds")
                if stamp not in seen and start <= (stamp or 0):
                    seen.add(stamp)
                    if stamp <= end:
                        samples.append((stamp, progress.get("lagSeconds") or 0.0, progress.get("caughtUp", False)))
                    elif progress.get("caughtUp") and caught_up_after[0] is None:
                        caught_up_after[0] = stamp
            if last is not None and start <= now <= end:
                newest = last.get("newestRecordSeconds")
                live.append(0.0 if last.get("caughtUp") else (now - newest if newest else 0.0))
            if done.is_set() and (caught_up_after[0] is not None or now > end + 60):
                break
            time.sleep(0.1)

    sampling = threading.Thread(target=sampler)
    sampling.start()
    workers = [threading.Thread(target=worker, args=(i, g)) for i, g in enumerate(groups)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    finished = time.time()
    done.set()
    sampling.join()

    lags = [lag * 1000 for _, lag, _ in samples]
    latencies = results.pop("latencies")
    sent = results["ok"] + results["failedStatus"] + results["failedError"]
    print(json.dumps({
        "askedRate": rate,
        "seconds": seconds,
        "threads": threads,
        "subscribers": len(targets),
        "sent": sent,
        **results,
        "failed": results["failedStatus"] + results["failedError"],
        "achievedRate": results["ok"] / (finished - start),
        "writeP50Milliseconds": percentile(latencies, 50),
        "writeP99Milliseconds": percentile(latencies, 99),
        "lagSamples": len(lags),
        "lagP50Milliseconds": percentile(lags, 50),
        "lagP99Milliseconds": percentile(lags, 99),
        "lagMaxMilliseconds": max(lags) if lags else None,
        "liveLagSamples": len(live),
        "liveLagP50Milliseconds": percentile([v * 1000 for v in live], 50),
        "liveLagP99Milliseconds": percentile([v * 1000 for v in live], 99),
        "liveLagMaxMilliseconds": max(live) * 1000 if live else None,
        "caughtUpSecondsAfterLastWrite": (caught_up_after[0] - finished) if caught_up_after[0] else None,
    }, indent=2))
    return 0


if __name__ == "__main__":
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "weights":
        sys.exit(weights(rest))
    if command == "writes":
        sys.exit(writes(rest))
    if command == "direct":
        sys.exit(writes(rest, direct=True))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
