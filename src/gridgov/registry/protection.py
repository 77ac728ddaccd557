"""The field protection of the registers is the project's one module, ``core.protection``."""

from gridgov.core.protection import (
    decrypt as decrypt,
)
from gridgov.core.protection import (
    encrypt as encrypt,
)
from gridgov.core.protection import (
    fernet as fernet,
)
from gridgov.core.protection import (
    generate_key as generate_key,
)
from gridgov.core.protection import (
    lookup_hash as lookup_hash,
)
from gridgov.core.protection import (
    lookup_key as lookup_key,
)
from gridgov.core.protection import (
    rotate as rotate,
)
