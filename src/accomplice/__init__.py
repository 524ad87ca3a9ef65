"""accomplice: screen, trace and document the enablers of North Korea's forced labour and sanctions evasion.

The public API is what `__all__` lists; everything else is internal and may change.
"""

from __future__ import annotations

from accomplice.errors import AccompliceError, InputError, NotFoundError, OfflineError
from accomplice.services import load_list, load_shared
from accomplice.store import Store, open_store

__version__ = "0.1.0"

__all__ = [
    "AccompliceError",
    "InputError",
    "NotFoundError",
    "OfflineError",
    "Store",
    "__version__",
    "load_list",
    "load_shared",
    "open_store",
]
