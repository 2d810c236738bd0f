"""pip's own resolution of `--group`, for tests/group_differential.rs.

Usage: python group_differential.py < requests

Runs under a pip that reads dependency groups itself (25.1 or newer). Each stdin line is a
JSON object: "file" (a pyproject.toml path), "groups" (the group names asked for, in order),
"ours" (the requirement strings squatguard wrote for pip, or null when it refused). For each,
one JSON line is printed:

  "pip":      pip's resolution: `parse_dependency_groups` (pip/_internal/req/
              req_dependency_group.py, which loads the file with tomllib and resolves with the
              vendored packaging's DependencyGroupResolver), each string then made into an
              install requirement by `install_req_from_req_string`, as pip's `install` does;
              a list of requirements, or null when pip stopped ("err" says why)
  "ours":     squatguard's strings, each read by `install_req_from_line`, as pip reads a line
              of the requirements file safe-pip writes; null when squatguard refused
  "ours_err": why pip could not read one of squatguard's strings, if it could not

A requirement is [written, key]: `key` is what pip installs from it, comparable across
spellings: the canonical name, the canonical extras (sorted), the specifiers in packaging's
canonical form (sorted), the URL, and the marker's value in each of a fixed set of
environments ("1" true, "0" false, "E" an error), since markers that mean the same can be
written otherwise.
"""

import itertools
import json
import logging
import sys

from pip._internal.req.constructors import install_req_from_line, install_req_from_req_string
from pip._internal.req.req_dependency_group import parse_dependency_groups
from pip._vendor.packaging.utils import canonicalize_name

logging.disable(logging.CRITICAL)


def environments():
    """Marker environments that tell apart the markers the generator writes."""
    pythons = ["2.7.18", "3.6.0", "3.8.10", "3.9.0", "3.10.2", "3.11.7", "3.12.1", "3.13.0", "3.14.0"]
    platforms = [
        ("linux", "posix", "Linux", "x86_64", "5.15.0"),
        ("win32", "nt", "Windows", "AMD64", "10"),
        ("darwin", "posix", "Darwin", "arm64", "23.1.0"),
    ]
    impls = [("cpython", "CPython"), ("pypy", "PyPy")]
    extras = ["", "test", "foo-bar", "x"]
    envs = []
    for i, (full, plat, impl) in enumerate(itertools.product(pythons, platforms, impls)):
        sys_platform, os_name, system, machine, release = plat
        envs.append(
            {
                "implementation_name": impl[0],
                "implementation_version": full,
                "os_name": os_name,
                "platform_machine": machine,
                "platform_release": release,
                "platform_system": system,
                "platform_version": "#1 SMP",
                "python_full_version": full,
                "platform_python_implementation": impl[1],
                "python_version": ".".join(full.split(".")[:2]),
                "sys_platform": sys_platform,
                "extra": extras[i % len(extras)],
            }
        )
    return envs


ENVS = environments()


def evaluate(marker, env):
    try:
        return "1" if marker.evaluate(env) else "0"
    except Exception:  # noqa: BLE001 - an undefined comparison is a value here
        return "E"


def key(ireq):
    req = ireq.req
    specs = sorted("".join(s._canonical_spec) for s in req.specifier)
    marker = ireq.markers
    values = "".join(evaluate(marker, env) for env in ENVS) if marker is not None else None
    return [
        canonicalize_name(req.name),
        sorted(canonicalize_name(e) for e in req.extras),
        specs,
        req.url,
        values,
    ]


_keys = {}


def cached_key(how, s):
    """`key` of `s` read by `how` (the same strings come back many times)."""
    k = (how, s)
    if k not in _keys:
        _keys[k] = key(how(s))
    return _keys[k]


def first_line(e):
    text = str(e)
    return "%s: %s" % (type(e).__name__, text.splitlines()[0] if text else "")


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        ask = json.loads(line)
        result = {"file": ask["file"], "groups": ask["groups"], "pip": None, "err": None}
        try:
            strings = parse_dependency_groups([(ask["file"], g) for g in ask["groups"]])
            result["pip"] = [[s, cached_key(install_req_from_req_string, s)] for s in strings]
        except Exception as e:  # noqa: BLE001 - whatever stops pip here is pip refusing
            # an InstallationError mostly; a file that is not UTF-8 is a UnicodeDecodeError,
            # which pip does not catch (it stops with a traceback)
            result["err"] = first_line(e)
        ours = ask.get("ours")
        result["ours"] = None
        result["ours_err"] = None
        if ours is not None:
            try:
                result["ours"] = [[s, cached_key(install_req_from_line, s)] for s in ours]
            except Exception as e:  # noqa: BLE001 - pip could not read what safe-pip wrote
                result["ours_err"] = first_line(e)
        out.write(json.dumps(result) + "\n")


main()
