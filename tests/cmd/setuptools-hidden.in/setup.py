from setuptools import setup

setup(
    name="demo",
    # pinned belowinstall_requires=["colourama==0.1.0"],
)
