from setuptools import setup

NAME = "requests"
setup(name=NAME, version="99.0")
