"""``python -m pose_core``: see :mod:`pose_core.cli`."""

from .cli import main

raise SystemExit(main())
