"""A served process freezes what startup built, then a few more times after full collections, then stops."""
from __future__ import annotations

import subprocess
import sys

PROBE = """
import gc
from api import heap
heap.settle()
frozen = gc.get_freeze_count()
assert frozen > 0, frozen
keep = [[i] for i in range(20000)]  # long-lived objects made after startup (a cache filling up)
gc.collect()
assert gc.get_freeze_count() >= frozen + 20000, (frozen, gc.get_freeze_count())
for _ in range(heap.FREEZES_AFTER_START):
    gc.collect()
after = gc.get_freeze_count()
later = [[i] for i in range(1000)]
gc.collect()
assert gc.get_freeze_count() == after  # no more freezes once the first few are done
print("ok")
"""


def test_startup_and_the_first_full_collections_freeze_then_no_more():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
