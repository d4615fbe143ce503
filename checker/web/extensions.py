"""The Flask extensions, as module-level objects set up by `init_app` in create_app.

One of each: views use them directly (`@limiter.limit`, `@csrf.exempt`), whatever app they
end up in. Their settings come from the app config that create_app fills from Settings.
"""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

babel = Babel()
compress = Compress()
csrf = CSRFProtect()
htmx = HTMX()
# Counted in the product's Redis (checker.web.limits sets the storage), shared by every process.
# The client address is the TCP peer, or what PROXY_FIX_HOPS proxies say it is.
limiter = Limiter(key_func=get_remote_address)
