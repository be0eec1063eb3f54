from . import endpoint_version_diff
