"""Runs generated setup.py texts as setuptools' PEP 517 backend does (`build_meta.run_setup`:
`tokenize.open`, `.replace(r'\r\n', r'\n')`, `exec`), with a `setup()` that records its
keywords, and prints what `install_requires`, `setup_requires`, `tests_require` and
`extras_require` name. The inputs are the repository's own generated programs."""

import io
import sys
import tokenize
import types

from common import names, run

calls = []


def setup(**kw):
    calls.append(kw)


fake = types.ModuleType("setuptools")
fake.setup = setup
core = types.ModuleType("distutils.core")
core.setup = setup
distutils = types.ModuleType("distutils")
distutils.core = core
FAKES = {"setuptools": fake, "distutils": distutils, "distutils.core": core}


def read(text):
    data = text.encode("utf-8")
    # tokenize.open
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    code = io.TextIOWrapper(io.BytesIO(data), encoding, line_buffering=True).read()
    code = code.replace(r"\r\n", r"\n")
    calls.clear()
    saved = {k: sys.modules.get(k) for k in FAKES}
    sys.modules.update(FAKES)
    try:
        exec(compile(code, "setup.py", "exec"), {"__name__": "__main__", "__file__": "setup.py"})
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    out = []
    for kw in calls:
        for key in ("install_requires", "setup_requires", "tests_require"):
            if kw.get(key) is not None:
                out += [[key, n] for n in names(kw[key])]
        extras = kw.get("extras_require")
        if extras is not None:
            for key, value in extras.items():
                extra = key.split(":")[0].strip()
                section = f"extras_require.{extra}" if extra else "extras_require"
                out += [[section, n] for n in names(value)]
    return out


run(read)
