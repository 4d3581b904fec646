from __future__ import annotations

import os
import subprocess
import sys

from studio.processes import process_alive


def test_a_running_process_is_alive_and_a_finished_one_is_not():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert process_alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)


def test_our_own_pid_is_alive_and_group_ids_are_not_processes():
    assert process_alive(os.getpid())
    assert not process_alive(0)
    assert not process_alive(-1)
