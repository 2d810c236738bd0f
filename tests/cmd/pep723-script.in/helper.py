def helper():
    return "no inline metadata here"
