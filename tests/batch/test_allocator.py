"""The C allocator's thresholds for a batch run."""

from __future__ import annotations

import platform

import pytest

from silson.batch import allocator


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's thresholds are glibc's")
def test_glibc_takes_the_thresholds() -> None:
    assert allocator.keep_blocks() is True
