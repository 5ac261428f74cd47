"""Helpers the test modules share (test modules import only from here and from conftest)."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
