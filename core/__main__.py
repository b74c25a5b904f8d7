"""Headless commands: ``python -m core validate|summary|models|forecast|brief|demo|calibrate``.

The table of commands is :data:`core.cli.main.COMMANDS`. Every failure a user can cause
prints one line ``error: ...`` and exits 2.
"""

from core.cli.main import main

raise SystemExit(main())
