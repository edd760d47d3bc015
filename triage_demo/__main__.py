"""`python -m triage_demo` is the same as the `triage-demo` console script."""

from triage_demo.cli import main

raise SystemExit(main())
