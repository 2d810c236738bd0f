#!/usr/bin/env python3
# /// script
# requires-python = ">=3.11"
# dependencies = [
#   "rich>=13",
#   "reqeusts==2.31.0",
# ]
# ///

import requests
from rich import print

print(requests.get("https://example.org").status_code)
