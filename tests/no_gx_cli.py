"""`bedrock-costs …` in a process of its own with the data-quality checks evaluated by nothing
(helpers.NoChecks), for tests whose subject is not the gates (the standalone cluster, S3).

Several commands separated by `+++` run one after the other in the same process, on one
SparkSession (as `bedrock-costs run … +++ reconcile … +++ maintain …`): the exit code is the
first non-zero one, and the commands after it do not run."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bedrock_costs.entry.cli import main
from bedrock_costs.quality import runner
from helpers import NoChecks

runner.DEFAULT = NoChecks
THEN = "+++"


def commands(argv: list[str]) -> list[list[str]]:
    found: list[list[str]] = [[]]
    for arg in argv:
        if arg == THEN:
            found.append([])
        else:
            found[-1].append(arg)
    return found


if __name__ == "__main__":
    for command in commands(sys.argv[1:]):
        code = main(command)
        if code:
            sys.exit(code)
