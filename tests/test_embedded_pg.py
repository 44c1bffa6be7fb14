"""The embedded Postgres: shared by processes, stopped by the last one, even when that one crashes.

Each test runs its own server in a temporary data folder, in separate Python processes.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

ATTACH = """
import sys, time
from pathlib import Path
from fashionsite import embedded_pg
cfg = embedded_pg.start(Path(sys.argv[1]), "probe")
import psycopg
with psycopg.connect(host=cfg["HOST"], dbname="probe", user="postgres") as c:
    c.execute("CREATE EXTENSION IF NOT EXISTS vector")
    print(c.execute("SELECT '[1,2]'::vector <=> '[2,4]'::vector").fetchone()[0], flush=True)
print("attached", flush=True)
time.sleep(float(sys.argv[2]))
"""


def postmaster_running(datadir: Path) -> bool:
    pid_file = datadir / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def attach(datadir: Path, hold: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", ATTACH, str(datadir), str(hold)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert float(proc.stdout.readline()) == pytest.approx(0.0, abs=1e-6)  # pgvector works
    assert proc.stdout.readline().strip() == "attached"
    return proc


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def datadir(tmp_path_factory):
    path = Path("/tmp") / f"fs-pg-{os.getpid()}-{time.time_ns()}"  # short: unix socket paths are limited
    yield path / "pgdata"
    if postmaster_running(path / "pgdata"):
        from fashionsite.embedded_pg import stop

        stop(path / "pgdata")


def test_two_processes_share_the_server_and_the_last_to_exit_stops_it(datadir):
    first = attach(datadir, hold=4)
    second = attach(datadir, hold=0)
    assert second.wait(30) == 0
    assert postmaster_running(datadir)  # the first still uses it
    assert first.wait(30) == 0  # a normal exit: pgserver's exit handler stops the server
    assert wait_for(lambda: not postmaster_running(datadir), timeout=5)


def test_the_data_folder_survives_a_restart(datadir):
    code = (
        "import sys; from pathlib import Path; from fashionsite import embedded_pg; import psycopg\n"
        "cfg = embedded_pg.start(Path(sys.argv[1]), 'probe')\n"
        "with psycopg.connect(host=cfg['HOST'], dbname='probe', user='postgres', autocommit=True) as c:\n"
        "    c.execute('CREATE TABLE IF NOT EXISTS t (x int)'); c.execute('INSERT INTO t VALUES (1)')\n"
        "    print(c.execute('SELECT count(*) FROM t').fetchone()[0])\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code, str(datadir)], cwd=REPO, capture_output=True, text=True, timeout=60)
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["1", "2"], runs[-1].stderr


def test_a_killed_last_user_does_not_leave_the_server_running(datadir):
    proc = attach(datadir, hold=60)
    proc.kill()  # SIGKILL: no exit handlers run
    proc.wait()
    assert json.loads((datadir / ".handle_pids.json").read_text()) == [proc.pid]  # its pid is left behind
    assert wait_for(lambda: not postmaster_running(datadir), timeout=30)  # the watchdog stops the server


def test_a_dead_pid_left_behind_is_pruned_when_the_next_process_attaches(datadir):
    proc = attach(datadir, hold=60)
    stale = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(stale.stdout)
    pids_file = datadir / ".handle_pids.json"
    pids_file.write_text(json.dumps(json.loads(pids_file.read_text()) + [dead_pid]))
    second = attach(datadir, hold=60)
    assert sorted(json.loads(pids_file.read_text())) == sorted([proc.pid, second.pid])
    for p in (second, proc):
        p.terminate()
        p.wait(30)
    assert wait_for(lambda: not postmaster_running(datadir))
