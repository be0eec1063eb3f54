from . import endpoint_mixin
from . import endpoint_mixin_openapi
from . import endpoint_endpoint
from . import ir_http
