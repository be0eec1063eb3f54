# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a code snippet sees of its endpoint.

The endpoint record itself is a superuser record of a Settings-only model:
through it a snippet would reach every table (``endpoint.env``) and the
process's logging (``endpoint._logger``), whatever its "Exec as user". The
snippet gets this small read-only object instead. Its only state lives in
name-mangled slots, which a snippet cannot name: the sandbox refuses every
name holding a double underscore.
"""


class SnippetEndpoint:
    """The endpoint, as its snippet sees it: ``id``, ``name``, ``route`` and
    ``env`` (the snippet's own environment)."""

    __slots__ = ("__env", "__id", "__read")

    def __init__(self, record_id, read, env):
        """``read(field)`` returns a field of the record, when first asked:
        most snippets never ask, and a request then costs no query."""
        self.__id = record_id
        self.__read = read
        self.__env = env

    @property
    def id(self):
        return self.__id

    @property
    def name(self):
        return self.__read("name")

    @property
    def route(self):
        return self.__read("route")

    @property
    def env(self):
        """The snippet's environment: the same rights as its ``env``."""
        return self.__env

    def __repr__(self):
        return f"<endpoint {self.__id}>"
