"""The examples in the network package's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["forcegen.network", "forcegen.network._geo", "forcegen.network._graph",
           "forcegen.network.io", "forcegen.network.paths", "forcegen.network.speeds",
           "forcegen.network.multimodal"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0
