"""Browser tests write their screenshots under the gitignored build folder, never into docs/: a test run
leaves the work tree clean (`make screenshots` copies them into docs/screenshots on purpose)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.browser_support import SCREENSHOTS

ROOT = Path(__file__).resolve().parents[1]


def test_browser_screenshots_go_to_the_build_folder_not_docs() -> None:
    assert SCREENSHOTS.is_relative_to(ROOT / "build")
    assert not SCREENSHOTS.is_relative_to(ROOT / "docs")


def test_build_folder_is_ignored_by_git() -> None:
    probe = SCREENSHOTS / "probe.png"
    done = subprocess.run(
        ["git", "check-ignore", "-q", str(probe)], cwd=ROOT, capture_output=True, check=False, timeout=30
    )
    assert done.returncode == 0, f"{probe.relative_to(ROOT)} is not ignored by git"
