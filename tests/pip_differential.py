"""pip's own reading of requirements files, for tests/pip_differential.rs.

Usage: python3 pip_differential.py DIR < names

Reads each file named on stdin (one name a line, relative to DIR) with pip's
`parse_requirements` (pip._internal.req.req_file, with a PipSession), and prints one JSON
object a line: every line pip's parser produced, in order, including the lines that include
another file (which `parse_requirements` follows rather than yields), and pip's error if it
stopped. Each line: file name ("f"), pip's line number ("n"), the requirement string ("a",
pip's `args`), the editable requirement ("e", the first `-e` when there are no args),
whether it came through `-c` ("c"), and the options optparse processed, in order ("o": the
option's first long spelling and its value).
"""

import copy
import json
import logging
import optparse
import os
import sys

from pip._internal.models.format_control import FormatControl
from pip._internal.network.session import PipSession
from pip._internal.req import req_file

logging.disable(logging.CRITICAL)
sys.setrecursionlimit(400)

pending = []
lines = []

_process = optparse.Option.process


def process(self, opt, value, values, parser):
    pending.append([self.get_opt_string(), value])
    return _process(self, opt, value, values, parser)


optparse.Option.process = process

_init = req_file.ParsedLine.__init__


def init(self, filename, lineno, args, opts, constraint):
    _init(self, filename, lineno, args, opts, constraint)
    editable = None
    if not args and opts.editables:
        editable = opts.editables[0]
    lines.append(
        {
            "f": os.path.basename(filename),
            "n": lineno,
            "a": args,
            "e": editable,
            "c": bool(constraint),
            "o": list(pending),
        }
    )
    pending.clear()


req_file.ParsedLine.__init__ = init

# pip builds a new option parser for every line, because optparse's `append` options share
# their default lists between readings; that is nine tenths of its time here. One parser is
# built, and each line gets fresh copies of its defaults (lists, dicts, the FormatControl),
# which is what a new parser gives.
_parser = req_file.build_parser()
_defaults = _parser.get_default_values()


def fresh_defaults():
    values = {}
    for key, value in _defaults.__dict__.items():
        if isinstance(value, (list, dict)):
            value = copy.copy(value)
        elif isinstance(value, FormatControl):
            value = FormatControl(set(value.no_binary), set(value.only_binary))
        values[key] = value
    return optparse.Values(values)


_parser.get_default_values = fresh_defaults
req_file.build_parser = lambda: _parser

# optparse prints its usage on every error: not wanted 100,000 times
optparse.OptionParser.print_usage = lambda self, file=None: None

_get_file_content = req_file.get_file_content


def get_file_content(url, session):
    # No network in a test: a remote include (which squatguard refuses) stops pip's reading
    # here, as a failed fetch would.
    if req_file.get_url_scheme(url) in ["http", "https", "file"]:
        raise req_file.InstallationError("remote include not fetched in this test: " + url)
    return _get_file_content(url, session)


req_file.get_file_content = get_file_content


def main():
    base = sys.argv[1]
    session = PipSession()
    out = sys.stdout
    for name in sys.stdin.read().split("\n"):
        if not name:
            continue
        pending.clear()
        lines.clear()
        err = None
        try:
            for _ in req_file.parse_requirements(os.path.join(base, name), session):
                pass
        except BaseException as e:  # noqa: B036 - any stop of pip's reading is an error here
            if isinstance(e, KeyboardInterrupt):
                raise
            err = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        out.write(json.dumps({"file": name, "lines": lines, "err": err}) + "\n")


main()
