from setuptools import setup

setup(
    name="demo",
    install_requires=[
        "reqeusts",  # squatguard: ignore[SG102,SG103] vendored fork
    ],
)
