"""Docker HEALTHCHECK of a Patroni node: GET /health on the node's REST API (port read from its rendered config)."""
import sys
import urllib.request

import yaml

try:
    with open("/tmp/patroni-node") as f:
        node = f.read().strip()
    with open(f"/config/{node}.yml") as f:
        port = yaml.safe_load(f)["restapi"]["listen"].rsplit(":", 1)[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception as e:  # unhealthy, whatever the reason
    print(e, file=sys.stderr)
    sys.exit(1)
