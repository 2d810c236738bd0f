import os
from setuptools import setup

setup(name=os.environ["PKG"])
