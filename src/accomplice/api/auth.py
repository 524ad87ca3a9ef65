"""Authentication and permissions of the API: `current_principal` and `require`.

Usage in a route::

    from accomplice.api.auth import require
    from accomplice.services.auth import Permission, Principal

    @api_router.post("/jobs")
    def create_job(..., principal: Principal = Depends(require(Permission.JOBS))) -> ...: ...

The implementation lives in `accomplice.web.auth`, because the pages use the same dependencies and the
layers let the API use the web package but not the reverse. A route that anonymous users may call must be
listed in `PUBLIC_ROUTES`; a test fails for any route that is neither listed nor guarded.
"""

from __future__ import annotations

from accomplice.services.auth import ANONYMOUS, Permission, Principal, Role
from accomplice.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    PUBLIC_ROUTES,
    SESSION_COOKIE,
    authenticated,
    current_principal,
    require,
    route_permission,
)

__all__ = [
    "ANONYMOUS",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "PUBLIC_ROUTES",
    "SESSION_COOKIE",
    "Permission",
    "Principal",
    "Role",
    "authenticated",
    "current_principal",
    "require",
    "route_permission",
]
