from setuptools import setup

requires = ["flask>=3.0"]
requires.append("reqeusts==2.31.0")

setup(name="demo", version="0.1.0", install_requires=requires)
