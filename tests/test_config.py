"""tracker.toml as a user meets it: mistakes in it are errors that say what to fix, the file is looked
for in a known order, and `tracker config` shows every setting and where it came from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import tracker
from tracker.alerts import webhook_fingerprint
from tracker.config import TRACKER_SETTINGS, load_settings

SECRET_WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/s3cr3tT0ken"


@dataclass
class Places:
    cwd: Path  # the working directory: ./tracker.toml
    user_file: Path  # $XDG_CONFIG_HOME/tracker/tracker.toml
    home: Path


@pytest.fixture
def places(tmp_path, monkeypatch) -> Places:
    """A user's shell with no tracker settings at all: no variables, empty working and config folders."""
    for setting in TRACKER_SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    cwd, home, xdg = tmp_path / "work", tmp_path / "home", tmp_path / "xdg"
    for folder in (cwd, home, xdg):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.chdir(cwd)
    return Places(cwd=cwd, user_file=xdg / "tracker" / "tracker.toml", home=home)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings_json(capsys) -> dict:
    code, out, err = tracker(capsys, "config", "--format", "json")
    assert code == 0, err
    shown = json.loads(out)
    shown["by_name"] = {row["name"]: row for row in shown["settings"]}
    return shown


def test_a_misspelt_key_stops_the_run_and_names_the_closest_key(places, capsys):
    toml = write(places.cwd / "tracker.toml", f'[tracker]\nalert_webhok = "{SECRET_WEBHOOK}"\n')

    code, out, err = tracker(capsys, "run", "--seeds", places.cwd)

    assert code == 2
    assert err.strip() == (f"Error: unknown setting 'alert_webhok' in {toml} [tracker]; "
                           f"did you mean 'alert_webhook'?")
    assert "s3cr3tT0ken" not in out + err


def test_an_unknown_section_is_an_error(places, capsys):
    toml = write(places.cwd / "tracker.toml", '[alert]\nwatch = ["rd_intensity"]\n')

    code, _, err = tracker(capsys, "config")

    assert code == 2
    assert f"unknown section [alert] in {toml}; did you mean [alerts]?" in err


def test_a_setting_outside_any_section_says_where_it_belongs(places, capsys):
    write(places.cwd / "tracker.toml", 'fetch_workers = 4\n')

    code, _, err = tracker(capsys, "config")

    assert code == 2
    assert "'fetch_workers'" in err and "put it under [tracker]" in err


def test_an_unknown_key_in_alerts_is_an_error(places, capsys):
    write(places.cwd / "tracker.toml", '[alerts]\nwatches = ["rd_intensity"]\n')

    code, _, err = tracker(capsys, "config")

    assert code == 2
    assert "unknown setting 'watches'" in err and "[alerts]; did you mean 'watch'?" in err


@pytest.mark.parametrize(("toml", "expected"), [
    ('[tracker]\nfetch_workers = "4"\n', "setting 'fetch_workers' in {file} [tracker] must be a whole number, "
                                         "not the string '4'"),
    ('[tracker]\nfetch_timeout_s = "30"\n', "setting 'fetch_timeout_s' in {file} [tracker] must be a number"),
    ('[tracker]\nfetch_retries = 1.5\n', "setting 'fetch_retries' in {file} [tracker] must be a whole number"),
    ('[tracker]\nlock_timeout_s = true\n', "setting 'lock_timeout_s' in {file} [tracker] must be a number, "
                                           "not the boolean true"),
    ('[tracker]\ndb = 5\n', "setting 'db' in {file} [tracker] must be a string"),
    ('[tracker]\nfetch_workers = 0\n', "fetch_workers must be at least 1, not 0 (from {file})"),
    ('[alerts]\nwatch = "rd_intensity"\n', "setting 'watch' in {file} [alerts] must be a list"),
    ('[alerts]\nwatch = ["rd_intensity", " "]\n', "entry 2 is an empty string"),
    ('[alerts]\nwatch = ["rd_intensity", 3]\n', "entry 2 is the number 3"),
    ('[alerts]\nwatch = ["topc:ai"]\n', "watch entry 'topc:ai' in {file} [alerts] is not an indicator key or "
                                       "topic:X, subject:X, kind:X; did you mean 'topic:'?"),
    ('[alerts]\nwatch = ["kind:targets"]\n', "the kind is one of measurement, target, milestone, estimate"),
])
def test_a_value_of_the_wrong_type_names_the_key(places, capsys, toml, expected):
    file = write(places.cwd / "tracker.toml", toml)

    code, _, err = tracker(capsys, "config")

    assert code == 2
    assert expected.format(file=file) in err
    assert len(err.strip().splitlines()) == 1


def test_a_variable_that_is_not_a_number_names_the_variable(places, capsys, monkeypatch):
    monkeypatch.setenv("TRACKER_FETCH_RETRIES", "two")

    code, _, err = tracker(capsys, "config")

    assert code == 2
    assert "$TRACKER_FETCH_RETRIES must be a whole number, not 'two'" in err


def test_the_first_file_found_wins_named_then_working_directory_then_user_folder(places, capsys, monkeypatch):
    named = write(places.cwd.parent / "named.toml", "[tracker]\nfetch_workers = 3\n")
    in_cwd = write(places.cwd / "tracker.toml", "[tracker]\nfetch_workers = 5\n")
    in_user_folder = write(places.user_file, "[tracker]\nfetch_workers = 7\n")

    monkeypatch.setenv("TRACKER_CONFIG", str(named))
    shown = settings_json(capsys)
    assert (shown["config_file"], shown["by_name"]["fetch_workers"]) == (
        str(named), {"name": "fetch_workers", "value": 3, "origin": str(named)})

    monkeypatch.delenv("TRACKER_CONFIG")
    shown = settings_json(capsys)
    assert shown["config_file"] == str(in_cwd)
    assert shown["by_name"]["fetch_workers"]["value"] == 5

    in_cwd.unlink()
    shown = settings_json(capsys)
    assert shown["config_file"] == str(in_user_folder)
    assert shown["by_name"]["fetch_workers"] == {"name": "fetch_workers", "value": 7, "origin": str(in_user_folder)}

    in_user_folder.unlink()
    code, out, _ = tracker(capsys, "config")
    assert code == 0
    assert out.splitlines()[0] == f"Config file: none found; looked in: {in_cwd}, {in_user_folder}"
    assert settings_json(capsys)["by_name"]["fetch_workers"] == {"name": "fetch_workers", "value": 8,
                                                                 "origin": "default"}


def test_without_xdg_config_home_the_user_folder_is_under_home(places, capsys, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    in_home = write(places.home / ".config" / "tracker" / "tracker.toml", "[tracker]\nfetch_retries = 4\n")

    shown = settings_json(capsys)

    assert shown["config_file"] == str(in_home)
    assert shown["by_name"]["fetch_retries"] == {"name": "fetch_retries", "value": 4, "origin": str(in_home)}


def test_a_named_file_that_does_not_exist_means_no_file_and_no_search(places, capsys, monkeypatch):
    """Tests (and scripts) name an absent TRACKER_CONFIG to mean "no tracker.toml": the lookup stops there."""
    absent = places.cwd.parent / "absent.toml"
    monkeypatch.setenv("TRACKER_CONFIG", str(absent))
    write(places.cwd / "tracker.toml", "[tracker]\nnot_a_setting = 1\n")  # would be an error if it were read

    code, out, err = tracker(capsys, "config")

    assert code == 0, err
    assert out.splitlines()[0] == (f"Config file: none found; looked in: {absent} "
                                   f"(named by $TRACKER_CONFIG; nothing else is searched)")


def test_config_shows_every_value_and_its_origin_and_masks_the_webhook(places, capsys, monkeypatch):
    toml = write(places.cwd / "tracker.toml", f'[tracker]\nalert_webhook = "{SECRET_WEBHOOK}"\n'
                                              f'fetch_workers = 4\nfetch_retries = 1\n'
                                              f'[alerts]\nwatch = ["rd_intensity", "topic:ai"]\n')
    monkeypatch.setenv("TRACKER_FETCH_RETRIES", "6")  # the environment wins over the file

    code, out, err = tracker(capsys, "config")

    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert out.splitlines()[0] == f"Config file: {toml}"
    assert set(lines) == {s.key for s in TRACKER_SETTINGS} | {"alerts.watch"}
    assert lines["fetch_workers"].split()[1:] == ["4", f"({toml})"]
    assert lines["fetch_retries"].split()[1:] == ["6", "($TRACKER_FETCH_RETRIES)"]
    assert lines["db"].split()[1:] == ["warehouse/tracker.duckdb", "(default)"]
    assert lines["alerts.watch"].split()[1:] == ["rd_intensity,", "topic:ai", f"({toml})"]
    assert "https://hooks.slack.com/…" in lines["alert_webhook"]
    assert webhook_fingerprint(SECRET_WEBHOOK) in lines["alert_webhook"]
    assert "s3cr3tT0ken" not in out + err and "/services/" not in out + err


def test_a_webhook_from_the_environment_is_masked_too(places, capsys, monkeypatch):
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", "https://user:pa55word@example.org/hook?token=s3cr3tT0ken")

    code, out, err = tracker(capsys, "config")
    shown = settings_json(capsys)["by_name"]["alert_webhook"]

    assert code == 0, err
    assert shown["origin"] == "$TRACKER_ALERT_WEBHOOK"
    assert shown["value"].startswith("https://example.org/… (set, masked")
    for secret in ("s3cr3tT0ken", "pa55word", "user:"):
        assert secret not in out + err + json.dumps(shown)


def test_config_json_is_one_object_with_every_setting(places, capsys):
    toml = write(places.cwd / "tracker.toml", f'[tracker]\nalert_webhook = "{SECRET_WEBHOOK}"\n'
                                              f'schedule_interval_s = 90\n')

    code, out, err = tracker(capsys, "config", "--format", "json")

    assert code == 0, err
    assert "s3cr3tT0ken" not in out + err
    shown = json.loads(out)
    assert shown["config_file"] == str(toml)
    assert shown["looked_in"] == [str(toml), str(places.user_file)]
    by_name = {row["name"]: row for row in shown["settings"]}
    assert list(by_name) == [s.key for s in TRACKER_SETTINGS] + ["alerts.watch"]
    assert by_name["schedule_interval_s"] == {"name": "schedule_interval_s", "value": 90.0, "origin": str(toml)}
    assert by_name["alerts.watch"] == {"name": "alerts.watch", "value": [], "origin": "default"}
    assert by_name["max_document_bytes"]["value"] == 20 * 1024 * 1024


def test_alerts_watch_reaches_the_settings(places):
    write(places.cwd / "tracker.toml", '[alerts]\nwatch = ["rd_intensity", "topic:ai", "subject:EU", "kind:target"]\n')

    assert load_settings().alert_watch == ("rd_intensity", "topic:ai", "subject:EU", "kind:target")
