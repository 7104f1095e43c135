"""An initial sync killed outright (SIGKILL, no cleanup) resumes from its last applied page.

The app is a real process of its own pulling from the live server; the test kills it once some
pages are in its cache, then opens the same cache file and pulls again: nothing already applied
comes a second time, and the cache ends up as complete as a fresh one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import text

from desktop.sync import session as sessions
from desktop.sync.pull import pull_all
from tests.helpers.sync import Desk, submit, sync_until, titles

#: The app's side: log in, then pull in small pages, saying after each applied page how many
#: changes the cache holds, and taking its time so the test can kill it half way.
_APP = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from desktop.sync import session as sessions
    from desktop.sync.pull import pull_all

    opened = sessions.log_in(
        os.environ["SERVER"], os.environ["EMAIL"], os.environ["PASSWORD"], data_dir=Path(os.environ["DATA"])
    )

    def applied(progress):
        print(progress.done, flush=True)
        time.sleep(0.4)

    pull_all(opened.store, opened.api, page_size=5, on_progress=applied)
    print("finished", flush=True)
    """
)


def test_an_initial_sync_killed_outright_resumes_from_its_last_applied_page(
    desk: Desk, tmp_path: Path
) -> None:
    uma = desk.rest("uma@example.com")
    for n in range(25):  # under the rate limit of new tickets per hour
        submit(uma, f"Killed sync {n:02}")
    reference = desk.desktop("bob@example.com")  # the same buckets as Alice's
    sync_until(reference, lambda: len(titles(reference, limit=100)) == 25)

    data = tmp_path / "alice-device"
    environment = os.environ | {
        "SERVER": desk.server.url,
        "EMAIL": "alice@example.com",
        "PASSWORD": desk.passwords["alice@example.com"],
        "DATA": str(data),
    }
    app = subprocess.Popen(
        [sys.executable, "-c", _APP], env=environment, stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert app.stdout is not None
        applied = 0
        deadline = time.monotonic() + 60
        while applied < 20 and time.monotonic() < deadline:
            line = app.stdout.readline()
            assert line and line.strip() != "finished", "the sync ended before it could be killed"
            applied = int(line)
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == -signal.SIGKILL

    # the app starts again on the same computer: the same cache file
    alice = sessions.log_in(
        desk.server.url, "alice@example.com", desk.passwords["alice@example.com"], data_dir=data
    )
    desk.sessions.append(alice)
    with alice.store.read() as conn:
        kept = conn.execute(text("SELECT count(*) FROM row_buckets")).scalar()
    assert kept is not None and kept >= 20  # every page it said it had applied is there

    resumed = pull_all(alice.store, alice.api, page_size=5)
    with reference.store.read() as conn:
        expected = conn.execute(text("SELECT count(*) FROM row_buckets")).scalar()
    assert resumed.changes == expected - kept  # nothing applied before the kill came again
    assert titles(alice, limit=100) == titles(reference, limit=100)
