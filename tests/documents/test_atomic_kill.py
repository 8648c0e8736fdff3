"""An output file that is being written has no name until it is complete: after `kill -9` in the
middle of writing a form or bundle, the output directory holds no partial file with personal data."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from documents.atomic import atomic_path
    with atomic_path(Path(sys.argv[1]) / "dossier.zip") as temp:
        with open(temp, "wb") as handle:
            handle.write("姓名 张三 身份证号 11010519491231002X".encode() * 1000)
            handle.flush()
            print("writing", flush=True)
            time.sleep(60)
""")


def test_kill_during_an_atomic_write_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == b"writing"
        assert list(out.iterdir()) == []  # nameless while being written
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert list(out.iterdir()) == []


def test_a_completed_write_appears_whole(tmp_path):
    from documents.atomic import write_atomic

    target = write_atomic(tmp_path / "form.pdf", b"%PDF-1.7 ...")
    assert target.read_bytes() == b"%PDF-1.7 ..." and [p.name for p in tmp_path.iterdir()] == ["form.pdf"]
    write_atomic(target, b"again")
    assert target.read_bytes() == b"again" and [p.name for p in tmp_path.iterdir()] == ["form.pdf"]
