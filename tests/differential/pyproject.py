"""Reads generated pyproject.toml texts with `tomllib` (as pip, build and setuptools do) and
prints the names in `[project] dependencies` and `optional-dependencies`, each string one
PEP 508 requirement (`packaging.requirements.Requirement`), as every build backend reads them."""

import tomllib

from common import name, run


def names(deps):
    return [name(d) for d in deps]


def read(text):
    project = tomllib.loads(text).get("project", {})
    out = []
    deps = project.get("dependencies")
    if deps is not None:
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise TypeError("not a list of strings")
        out += [["project.dependencies", n] for n in names(deps)]
    extras = project.get("optional-dependencies")
    if extras is not None:
        for extra, deps in extras.items():
            if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                raise TypeError("not a list of strings")
            out += [[f"project.optional-dependencies.{extra}", n] for n in names(deps)]
    return out


run(read)
