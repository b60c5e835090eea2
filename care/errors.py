"""Errors the care layer raises; the service layer turns them into HTTP problems."""


class CareError(Exception):
    """Base class: a request the care record refuses, with a sentence a person can act on."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(CareError):
    """The object does not exist or belongs to someone else (never say which)."""

    status = 404


class Conflict(CareError):
    """The request clashes with what is already stored."""

    status = 409


class Invalid(CareError):
    """The request is well-formed but breaks a rule."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, problems=None):
        super().__init__(message, field=field)
        self.problems = problems or ([(field, message)] if field else [])


class TooMany(CareError):
    """The request is fine but comes too often; it may be tried again after `retry_after`
    seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = retry_after
