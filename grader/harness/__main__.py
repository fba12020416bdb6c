"""Entry point: `python -m grader.harness run ...`."""

from grader.harness.run import main

raise SystemExit(main())
