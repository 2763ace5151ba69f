"""`python -m bedrock_costs …` is the `bedrock-costs` command."""

import sys

from bedrock_costs.entry.cli import main

sys.exit(main())
