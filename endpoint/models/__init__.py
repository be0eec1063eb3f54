from . import endpoint_mixin
from . import endpoint_mixin_publish
from . import endpoint_mixin_serve
from . import endpoint_mixin_openapi
from . import endpoint_mixin_routes
from . import endpoint_endpoint
from . import ir_http
