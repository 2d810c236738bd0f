"""Reads generated setup.cfg texts with setuptools' own reader:
`Distribution().parse_config_files(["setup.cfg"])` (`_parse_config_files`: `configparser` with
`optionxform = str`, `warn_dash_deprecation`; `setupcfg.parse_configuration`: each section
handed to the handler its name gives, `[options]`'s requirement keys, `[options.extras_require]`;
`_finalize_requires`), then the lists it leaves in `install_requires`, `setup_requires`,
`tests_require` and `extras_require`, read as `_reqs.parse` reads them (`common.names`).

Three things differ from a real run, to keep the reader near a millisecond a file:

- the file is not on disk: setuptools' `io.open(filename, encoding="utf-8")` is handed a
  text-mode wrapper over the input's bytes, with universal newlines as a file has them;
- the entry point lookups of `importlib.metadata` are made once (the installed distributions
  do not change while this runs);
- `_finalize_requires` only asks `extras_require` for its keys (which fails when `[options]`
  sets it to a string): that is all of it that can fail on its own; the rest parses the same
  lists with `pkg_resources.Requirement` (the same vendored packaging 21.3 that
  `common.names` reads them with) to move markers into extras, three quarters of the time a
  file takes.

The working directory is an empty temporary one. Values that start with `file:` or `attr:`
are not compared (the harness reads no files)."""

import functools
import io
import os
import tempfile

import setuptools.dist
from setuptools.dist import Distribution

from common import names, run

_metadata = setuptools.dist.metadata
_entry_points = _metadata.entry_points
_metadata.entry_points = functools.lru_cache(maxsize=None)(
    lambda **kw: _entry_points(**kw)
)


def _finalize_requires(dist):
    if getattr(dist, "extras_require", None):
        dist.extras_require.keys()


Distribution._finalize_requires = _finalize_requires
_COMMANDS = Distribution()._setuptools_commands()
Distribution._setuptools_commands = lambda self: _COMMANDS


class _InMemoryIo:
    """`setuptools.dist`'s `io`, whose `open` reads the current input instead of a file."""

    text = ""

    def open(self, filename, encoding=None):
        assert filename == "setup.cfg" and encoding == "utf-8"
        return io.TextIOWrapper(io.BytesIO(self.text.encode("utf-8")), encoding=encoding)


_IO = _InMemoryIo()
setuptools.dist.io = _IO

os.chdir(tempfile.mkdtemp())


def _not_compared(value):
    if isinstance(value, str) or any(
        line.lstrip().startswith(("file:", "attr:")) for line in value
    ):
        raise ValueError("not compared")
    return value


def read(text):
    if "file:" in text or "attr:" in text:
        raise ValueError("not compared")
    _IO.text = text
    dist = Distribution()
    dist.parse_config_files(["setup.cfg"])
    out = []
    lists = [
        ("install_requires", dist.install_requires),
        ("setup_requires", dist.setup_requires),
        ("tests_require", dist.tests_require),
    ]
    for key, value in lists:
        out += [[f"options.{key}", n] for n in names(_not_compared(value or []))]
    for extra, value in (dist.extras_require or {}).items():
        out += [[f"options.extras_require.{extra}", n] for n in names(_not_compared(value))]
    return out


run(read)
