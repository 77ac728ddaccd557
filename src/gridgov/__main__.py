import sys

from gridgov.cli import main

sys.exit(main())
