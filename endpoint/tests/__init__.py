from . import test_endpoint_cache
from . import test_endpoint_hostile
from . import test_endpoint_http
from . import test_endpoint_openapi
from . import test_endpoint_records
from . import test_endpoint_security
from . import test_endpoint_snippet
from . import test_endpoint_ui
