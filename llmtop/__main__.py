from __future__ import annotations

from llmtop.cli import main

raise SystemExit(main())
