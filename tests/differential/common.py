"""Shared by the differential harnesses: the requirement names setuptools reads from a value.

Each harness reads JSON lines on stdin (one generated file's text per line) and prints one JSON
line per input: the list of [section, canonical name] pairs the real reader finds, or null
when the real reader refuses the input (a syntax error, an invalid requirement: nothing would
be installed).
"""

import functools
import json
import sys
import warnings

warnings.simplefilter("ignore")

from setuptools import _reqs  # noqa: E402
from setuptools.extern.packaging.requirements import Requirement  # noqa: E402
from setuptools.extern.packaging.utils import canonicalize_name  # noqa: E402


@functools.lru_cache(maxsize=None)
def _name(requirement):
    try:
        return canonicalize_name(Requirement(requirement).name)
    except Exception:  # noqa: BLE001 - remembered too: pyparsing's failures are slow
        return None


def name(requirement):
    """The canonical name of one requirement (`packaging`; cached, as the generators reuse
    texts and the vendored packaging parses with pyparsing, slowly)."""
    found = _name(requirement)
    if found is None:
        raise ValueError(f"invalid requirement {requirement!r}")
    return found


def names(value):
    """Names in a requirement list as setuptools finalises it (`_reqs.parse`)."""
    return [name(s) for s in _reqs.parse_strings(value)]


def run(read):
    out = sys.stdout
    for line in sys.stdin.buffer:
        text = json.loads(line)
        try:
            result = read(text)
        except BaseException:  # noqa: BLE001 - any failure: the real reader refuses
            result = None
        out.write(json.dumps(result))
        out.write("\n")
