"""Where the app writes on this computer, and how ``--data-dir`` moves all of it.

By default the offline caches and drafts live in the user data folder and the small settings
files (remembered accounts, saved filters) in the user config folder, as platformdirs names
them. Started with ``--data-dir DIR`` (a portable copy, a second profile, tests), the app writes
all of it below DIR: caches and drafts in the same subfolders, settings files at its top.
(Tokens stay in the system keyring, which is not the app's to move.)
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from desktop.store.files import APP_NAME


def settings_file(name: str, data_dir: Path | None = None) -> Path:
    """The settings file ``name``: in ``data_dir`` when given, else in the user config folder."""
    folder = data_dir if data_dir is not None else platformdirs.user_config_path(APP_NAME, appauthor=False)
    return folder / name
