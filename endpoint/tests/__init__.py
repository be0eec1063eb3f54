from . import test_endpoint_openapi
from . import test_endpoint_records
