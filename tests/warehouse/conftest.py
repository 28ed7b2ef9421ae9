"""Fixtures of the warehouse tests."""

from __future__ import annotations

import pytest

from .big_export import write_big_exports


@pytest.fixture(scope="session")
def big_exports(tmp_path_factory):
    """Payment exports big enough that a load takes seconds, written once per session."""
    return write_big_exports(tmp_path_factory.mktemp("big_exports"))
