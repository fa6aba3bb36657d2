from .routes.cli import main

raise SystemExit(main())
