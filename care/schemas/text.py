"""Text that no database can store (NUL, unpaired surrogates), found before it reaches one:
the API's parser and every web form check it the same way."""


def unstorable_text(value, path: str = "body") -> str | None:
    """The path of the first string no database can store (NUL, lone surrogates), if any."""
    if isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_text(key, path) or unstorable_text(
                item, str(key) if path == "body" else f"{path}.{key}"
            )
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_text(item, f"{path}.{index}")
            if found:
                return found
    return None
