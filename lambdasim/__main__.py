import sys

from lambdasim.cli import main

sys.exit(main())
