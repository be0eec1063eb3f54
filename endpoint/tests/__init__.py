from . import test_endpoint_records
