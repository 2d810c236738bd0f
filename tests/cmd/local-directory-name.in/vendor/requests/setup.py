from setuptools import setup

setup(name="requests", version="99.0")
