"""Where the studio keeps its files (platformdirs), each overridable by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "multimodal-studio"


def _folder(env: str, kind: str) -> Path:
    override = os.environ.get(env)
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    return _folder("STUDIO_CACHE_DIR", "cache")


def data_dir() -> Path:
    return _folder("STUDIO_DATA_DIR", "data")


def config_dir() -> Path:
    return _folder("STUDIO_CONFIG_DIR", "config")


def state_dir() -> Path:
    return _folder("STUDIO_STATE_DIR", "state")


def components_dir() -> Path:
    """The user's component library (`STUDIO_COMPONENTS_DIR`, else `components/` in data)."""
    override = os.environ.get("STUDIO_COMPONENTS_DIR")
    path = Path(override) if override else data_dir() / "components"
    path.mkdir(parents=True, exist_ok=True)
    return path


PROJECTS_FOLDER_NAME = "Multimodal Studio"


def projects_dir() -> Path:
    """Where new projects live: "Multimodal Studio" in the user's documents folder."""
    override = os.environ.get("STUDIO_PROJECTS_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_documents_dir()) / PROJECTS_FOLDER_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """Where the rotating log file lives (`studio.log`); a user sends it with a report."""
    return _folder("STUDIO_LOG_DIR", "log")


def resources_dir() -> Path:
    """The `resources/` folder: inside the package in a wheel, beside it in a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "resources"
    return packaged if packaged.is_dir() else here.parent / "resources"
