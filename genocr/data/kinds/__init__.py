"""Importing this package registers every data kind in ``genocr.data.sample.KINDS``."""
from . import chart  # noqa: F401
from . import formatted_page  # noqa: F401
from . import geometry  # noqa: F401
from . import math  # noqa: F401
from . import molecule  # noqa: F401
from . import music  # noqa: F401
from . import page  # noqa: F401
from . import pixel  # noqa: F401
from . import region  # noqa: F401
from . import scene  # noqa: F401
from . import table  # noqa: F401
from . import text  # noqa: F401
from . import typeset  # noqa: F401
