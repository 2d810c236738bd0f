"""Reads generated setup.cfg texts as setuptools does: the file read in text mode as
`Distribution._parse_config_files` opens it, `configparser.ConfigParser()` with
`optionxform = str`, `warn_dash_deprecation`'s `-` to `_` in `[options]`, then
`ConfigOptionsHandler._parse_requirements_list` (`_parse_list` with `;`, the `#` filter) and
`_reqs.parse`. (`read_configuration` runs the same code, at 9 ms a file.)"""

import io
from configparser import ConfigParser

from setuptools.config.setupcfg import ConfigHandler

from common import names, run

KEYS = ("install_requires", "setup_requires", "tests_require")


def requirements(value):
    parsed = ConfigHandler._parse_list(value, separator=";")
    return names([line for line in parsed if not line.startswith("#")])


def read(text):
    parser = ConfigParser()
    parser.optionxform = str
    # what `open(filename, encoding="utf-8")` returns, without the file system: a text-mode
    # wrapper with universal newlines
    with io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8") as reader:
        parser.read_file(reader)
    out = []
    if parser.has_section("options"):
        for opt in parser.options("options"):
            key = opt.replace("-", "_")
            if key in KEYS:
                value = parser.get("options", opt)
                if value.startswith(("file:", "attr:")):
                    raise ValueError("not compared")
                out += [[f"options.{key}", n] for n in requirements(value)]
    if parser.has_section("options.extras_require"):
        for opt in parser.options("options.extras_require"):
            value = parser.get("options.extras_require", opt)
            if value.startswith(("file:", "attr:")):
                raise ValueError("not compared")
            out += [[f"options.extras_require.{opt}", n] for n in requirements(value)]
    return out


run(read)
