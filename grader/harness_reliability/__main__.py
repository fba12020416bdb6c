"""Entry point: `python -m grader.harness_reliability <command> ...`."""

from grader.harness_reliability.driver import main

raise SystemExit(main())
