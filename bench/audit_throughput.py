"""Audit throughput in one process: generated dossiers (valid and faulty, both rule sets).

Prints dossiers per second for the audit of parsed dossiers, and for parse + audit from JSON text,
the share with violations, and the codes found. Target (issue 2): 10,000 dossiers/s.
Usage: python bench/audit_throughput.py [COUNT]
"""
from __future__ import annotations

import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import AS_OF, base_cases, variants  # noqa: E402
from workflow.audit import audit_dossier  # noqa: E402
from workflow.dossier import parse_dossier  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    started = time.perf_counter()
    documents = variants(base_cases(), count)
    texts = [json.dumps(d, ensure_ascii=False) for d in documents]
    print(f"generated {count} dossiers in {time.perf_counter() - started:.1f} s "
          f"(mean {sum(len(d['steps']) for d in documents) / count:.1f} steps each)")

    started = time.perf_counter()
    for text in texts:  # streamed, as `fazhan audit` does: nothing kept, so the collector has little to scan
        parse_dossier(text)
    parse_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for text in texts:
        audit_dossier(parse_dossier(text), AS_OF)
    stream_seconds = time.perf_counter() - started

    parsed = [parse_dossier(text) for text in texts]
    gc.freeze()  # the kept set is the benchmark's, not the product's: keep the collector off it

    for dossier in parsed[:200]:
        audit_dossier(dossier, AS_OF)
    started, cpu_started = time.perf_counter(), time.process_time()
    codes: Counter[str] = Counter()
    violating = 0
    for dossier in parsed:
        result = audit_dossier(dossier, AS_OF)
        violating += result.has_violations
        codes.update(f.code for f in result.findings)
    audit_seconds = time.perf_counter() - started
    audit_cpu = time.process_time() - cpu_started

    print(f"audit only:      {count / audit_seconds:10,.0f} dossiers/s  ({audit_seconds * 1e6 / count:.0f} µs each, wall)")
    print(f"audit only:      {count / audit_cpu:10,.0f} dossiers/s  ({audit_cpu * 1e6 / count:.0f} µs each, CPU time"
          " of this process; the fairer figure when other work shares the machine)")
    print(f"parse only:      {count / parse_seconds:10,.0f} dossiers/s  (JSON text to a validated dossier)")
    print(f"parse + audit:   {count / stream_seconds:10,.0f} dossiers/s  (one process, streamed)")
    print(f"target 10,000/s: ratio {count / audit_seconds / 10000:.2f} (audit only, wall), "
          f"{count / audit_cpu / 10000:.2f} (audit only, CPU), "
          f"{count / stream_seconds / 10000:.2f} (parse + audit, one process)")
    print(f"with violations: {violating} of {count}; codes: {dict(codes.most_common())}")


if __name__ == "__main__":
    main()
