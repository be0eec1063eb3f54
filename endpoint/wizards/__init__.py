from . import endpoint_version_diff
from . import endpoint_console
from . import endpoint_export
