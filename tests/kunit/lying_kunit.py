#!/usr/bin/env python3
"""A stand-in for kunit.py that always reports one passing test and success,
whatever the log says: kunit_crosscheck.py must notice that it disagrees
with the runner (CTest kunit.crosscheck_fires_on_disagreement)."""
import json
import sys

for arg in sys.argv[1:]:
    if arg.startswith("--json="):
        with open(arg.split("=", 1)[1], "w") as out:
            json.dump({"name": "KUnit Test Group", "sub_groups": [],
                       "test_cases": [{"name": "everything", "status": "PASS"}]}, out)
sys.exit(0)
