from . import controllers
from . import models
from . import wizards


def uninstall_hook(env):
    """The route table belongs to the route handler and stays: take off the
    triggers through which its changes signal the endpoints' caches."""
    from .models.endpoint_mixin_publish import ROUTE_SIGNAL_DROP_SQL

    env.cr.execute(ROUTE_SIGNAL_DROP_SQL)
