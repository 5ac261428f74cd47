"""The command line is a contract other tools depend on: `python -m data_loaders summary --json`
prints one JSON object of a fixed shape; an unknown unit or a bad date is exit code 2 and one
`{"status": "error", "message"}` object with --json (else one line on stderr), never a traceback.
Against the seeded database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set); most tests call
the command line in this process (tests/support/cli.py), a few run it as a real process, for its
exit codes and streams."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.cli import run_cli, run_cli_process

SUMMARY_KEYS = {"unit", "as_of", "tasks", "indicators", "children"}
UNIT_KEYS = {"code", "name", "level"}
TASK_KEYS = {"total", "completed", "on_schedule", "overdue"}
INDICATOR_KEYS = {
    "fiveg_stations", "fiveg_coverage_pct", "fiber_coverage_pct", "villages_no_signal", "villages_no_power",
    "st_enterprises", "high_tech_enterprises", "digital_tech_enterprises", "ai_experts", "population",
}
COUNT_INDICATORS = INDICATOR_KEYS - {"fiveg_coverage_pct", "fiber_coverage_pct"}


def summary(database_url: str, unit: str, *extra: str) -> dict:
    result = run_cli(database_url, "summary", "--unit", unit, *extra, "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, f"summary --json must print one JSON object on one line: {result.stdout!r}"
    return json.loads(lines[0])


def assert_usage_error(result: subprocess.CompletedProcess) -> str:
    """Exit 2, never a traceback: with --json one JSON object {"status": "error", "message"} on stdout
    and nothing on stderr, else one line on stderr and nothing on stdout. Returns the message."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    if "--json" in result.args:
        assert result.stderr == ""
        lines = result.stdout.strip().splitlines()
        assert len(lines) == 1, f"expected one JSON object, got {result.stdout!r}"
        payload = json.loads(lines[0])
        assert set(payload) == {"status", "message"} and payload["status"] == "error" and payload["message"]
        return payload["message"]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line error, got {result.stderr!r}"
    assert result.stdout.strip() == ""
    return lines[0]


@pytest.fixture(scope="module")
def national(seeded_url) -> dict:
    return summary(seeded_url, "VN")


def test_summary_shape(national):
    assert set(national) == SUMMARY_KEYS
    assert set(national["unit"]) == UNIT_KEYS
    assert set(national["tasks"]) == TASK_KEYS
    assert set(national["indicators"]) == INDICATOR_KEYS
    assert all(isinstance(v, int) for v in national["tasks"].values())
    assert all(isinstance(national["indicators"][k], int) for k in COUNT_INDICATORS)
    assert isinstance(national["children"], int)


def test_national_headline_figures(national):
    assert national["unit"] == {"code": "VN", "name": "Việt Nam", "level": "national"}
    assert national["as_of"] == "2025-06-30"  # defaults to the latest data date
    assert national["tasks"] == {"total": 802, "completed": 239, "on_schedule": 427, "overdue": 136}
    indicators = national["indicators"]
    assert indicators["fiveg_stations"] == 12106
    assert 26.0 <= indicators["fiveg_coverage_pct"] < 27.0
    assert indicators["st_enterprises"] == 858
    assert indicators["high_tech_enterprises"] == 45
    assert 73_000 < indicators["digital_tech_enterprises"] < 74_000
    assert indicators["ai_experts"] == 277
    assert national["children"] == 34


@pytest.mark.parametrize("typed", ["68", "068"])
def test_province_code_with_or_without_leading_zero(seeded_url, typed):
    # "068" could be the commune 00068, but no commune has that code, so it means Lâm Đồng.
    result = summary(seeded_url, typed)
    assert result["unit"] == {"code": "68", "name": "Lâm Đồng", "level": "province"}
    assert result["children"] > 0
    assert 0 < result["tasks"]["total"] < 802


def test_short_code_means_province_and_five_digits_a_commune(seeded_url):
    # Without leading zeros the ranges overlap: 4 is the province 04, 00004 the commune in Hà Nội.
    short, padded = summary(seeded_url, "4"), summary(seeded_url, "04")
    assert short == padded
    assert short["unit"] == {"code": "04", "name": "Cao Bằng", "level": "province"}
    commune = summary(seeded_url, "00004")
    assert commune["unit"] == {"code": "00004", "name": "Phường Ba Đình", "level": "commune"}
    assert commune["children"] == 0


def test_commune_summary(seeded_url, national):
    commune = summary(seeded_url, "00070")
    assert commune["unit"] == {"code": "00070", "name": "Phường Hoàn Kiếm", "level": "commune"}
    assert commune["as_of"] == national["as_of"]
    assert set(commune["indicators"]) == INDICATOR_KEYS
    assert commune["indicators"]["population"] > 0
    for key in COUNT_INDICATORS:
        assert 0 <= commune["indicators"][key] <= national["indicators"][key]


def test_earlier_as_of_gives_smaller_or_equal_figures(seeded_url, national):
    earlier = summary(seeded_url, "VN", "--as-of", "2025-03-31")
    assert earlier["as_of"] == "2025-03-31"
    assert earlier["tasks"]["total"] <= national["tasks"]["total"]
    assert earlier["tasks"]["completed"] <= national["tasks"]["completed"]
    for key in ("fiveg_stations", "st_enterprises", "high_tech_enterprises", "digital_tech_enterprises",
                "ai_experts"):
        assert earlier["indicators"][key] <= national["indicators"][key], key
    # Something did happen between March and June.
    assert (earlier["tasks"]["completed"], earlier["indicators"]["fiveg_stations"]) != (
        national["tasks"]["completed"], national["indicators"]["fiveg_stations"])


def test_as_of_before_any_data_is_empty_not_an_error(seeded_url):
    before = summary(seeded_url, "VN", "--as-of", "2020-01-01")
    assert before["tasks"] == {"total": 0, "completed": 0, "on_schedule": 0, "overdue": 0}
    assert before["children"] == 34


@pytest.mark.parametrize("unit", ["XX", "99", "99999", "1234567"])
def test_unknown_unit(seeded_url, unit):
    line = assert_usage_error(run_cli(seeded_url, "summary", "--unit", unit, "--json"))
    assert unit in line


@pytest.mark.parametrize("date", ["2025-13-01", "30/06/2025", "yesterday"])
def test_bad_date(seeded_url, date):
    line = assert_usage_error(run_cli(seeded_url, "summary", "--unit", "VN", "--as-of", date, "--json"))
    assert date in line


def test_missing_unit_argument_is_a_usage_error(seeded_url):
    assert_usage_error(run_cli(seeded_url, "summary", "--json"))


@pytest.mark.parametrize("args", [("summary", "--unit", "XX", "--json"), ("summary", "--json"),
                                  ("summary", "--unit", "XX"), ("summary",)])
def test_a_real_process_exits_2_with_one_line(seeded_url, args):
    """The other tests call the command line in this process; exit codes and streams of the real one."""
    assert_usage_error(run_cli_process(seeded_url, *args))


def test_a_real_process_prints_the_summary(seeded_url, national):
    done = run_cli_process(seeded_url, "summary", "--unit", "VN", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == national


def test_seed_on_a_non_empty_database_does_nothing(seeded_url, national):
    result = run_cli(seeded_url, "seed")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""  # nothing was loaded
    assert summary(seeded_url, "VN") == national


def test_a_reader_that_stops_reading_ends_the_command_quietly(seeded_url):
    """`python -m data_loaders approvals list … | head -1`: the reader closes the pipe; the command ends
    without an error line or a BrokenPipeError traceback (here the reader is gone before the first write,
    so the broken pipe is certain), exit 1 as Python exits on a closed pipe."""
    import os
    import sys

    from tests.support import PROJECT_DIR

    env = {**os.environ, "DATABASE_URL": seeded_url, "PYTHONIOENCODING": "utf-8"}
    env.pop("NQ57_DEBUG", None)
    for extra in ((), ("--json",)):
        process = subprocess.Popen([sys.executable, "-m", "data_loaders", "approvals", "list", "--period", "2025-06",
                                    "--unit", "68", *extra], cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.close()  # `| head -0`: the reader has gone
        _, stderr = process.communicate(timeout=300)
        assert stderr.decode() == "", extra
        assert process.returncode == 1, extra


def test_a_closed_pipe_in_process_is_quiet(seeded_url, monkeypatch, capsys):
    """main() itself: stdout raising BrokenPipeError (on write or on the final flush) is exit 1, nothing on stderr."""
    import io

    from data_loaders.cli.main import main

    class Closed(io.StringIO):
        def __init__(self, fail_on: str) -> None:
            super().__init__()
            self.fail_on = fail_on

        def write(self, text: str) -> int:
            if self.fail_on == "write":
                raise BrokenPipeError(32, "Broken pipe")
            return super().write(text)

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setenv("DATABASE_URL", seeded_url)
    for fail_on in ("write", "flush"):
        monkeypatch.setattr("sys.stdout", Closed(fail_on))
        assert main(["approvals", "list", "--period", "2025-06", "--unit", "VN"]) == 1, fail_on
        assert main(["approvals", "list", "--period", "2025-06", "--unit", "VN", "--json"]) == 1, fail_on
        assert capsys.readouterr().err == "", fail_on
