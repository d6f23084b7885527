"""``python -m medins_sdk`` runs the ``medins`` command."""

from medins_sdk.cli import main

raise SystemExit(main())
