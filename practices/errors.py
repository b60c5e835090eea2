"""Exceptions raised by the practices package, each with a message a person can act on."""


class LibraryError(Exception):
    """One or more library files are invalid; `problems` lists each as `file: field: what`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the practice library:"
        super().__init__("\n".join([heading, *(f"- {p}" for p in self.problems)]))


class UnknownPractice(LookupError):
    """No practice with this id is in the library."""

    def __init__(self, practice_id: str) -> None:
        self.practice_id = practice_id
        super().__init__(f"there is no practice called {practice_id!r}")


class LevelNotOffered(LookupError):
    """The practice has no variant at the requested dose level."""

    def __init__(self, practice_id: str, level: int, offered: list[int]) -> None:
        self.practice_id = practice_id
        self.level = level
        self.offered = list(offered)
        levels = ", ".join(str(n) for n in self.offered) or "none"
        super().__init__(
            f"level {level} is not offered for {practice_id}; offered levels: {levels}"
        )


class UnknownFormat(ValueError):
    """The requested render format is not one of `practices.render.FORMATS`."""

    def __init__(self, fmt: str, formats: tuple[str, ...]) -> None:
        self.fmt = fmt
        self.formats = formats
        super().__init__(f"unknown format {fmt!r}; formats: {', '.join(formats)}")
