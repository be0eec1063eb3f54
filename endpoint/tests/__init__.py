from . import test_endpoint_mixin
from . import test_endpoint_publish
from . import test_endpoint_serve
from . import test_endpoint_snippet
from . import test_endpoint_openapi
from . import test_endpoint_security
from . import test_endpoint_ui
from . import test_endpoint_routes
