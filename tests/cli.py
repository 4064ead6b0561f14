"""The CLI run as a user runs it, for tests: exit code and what it printed."""

from __future__ import annotations

import json

from tracker.cli import main


def tracker(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tracker_json(capsys, *argv):
    code, out, err = tracker(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)
