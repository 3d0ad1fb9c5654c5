"""python -m gradflow_plot … is python -m gradientflow.plot …"""

import sys

from gradientflow.plot.__main__ import main

sys.exit(main())
