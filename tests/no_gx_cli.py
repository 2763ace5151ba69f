"""`bedrock-costs …` in a process of its own with the data-quality checks evaluated by nothing
(helpers.NoChecks), for tests whose subject is not the gates (the standalone cluster, S3)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bedrock_costs.entry.cli import main
from bedrock_costs.quality import runner
from helpers import NoChecks

runner.DEFAULT = NoChecks

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
