"""A private moto_server on a free 127.0.0.1 port for the deployment tests.
It must start: a test that needs it fails (never skips) when it does not."""
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest

sys.path.insert(0, os.path.dirname(__file__))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=2)
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto_server did not start on {endpoint} (see {log.name}); install it with scripts/setup")
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def aws(moto_endpoint):
    def client(service):
        return boto3.client(
            service, endpoint_url=moto_endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing")
    return client


@pytest.fixture(scope="session")
def billmig():
    path = os.environ.get("BILLMIG_BINARY")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("BILLMIG_BINARY must name the built billmig (infra/check sets it after swift build)")
    return path
