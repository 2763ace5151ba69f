"""docker/compose.yml cannot run here (no Docker engine): its structure is checked instead."""

import re
from pathlib import Path

import yaml

from bedrock_costs.config import GLUE
from bedrock_costs.entry.glue import CUR_RECONCILE, INVOCATION_COSTS, main

ROOT = Path(__file__).parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
GE_PIN = re.search(r'"(great_expectations==[\d.]+)"', (ROOT / "pyproject.toml").read_text())[1]


def test_every_service_runs_in_the_official_glue_5_image_with_the_repo_mounted():
    assert set(COMPOSE["services"]) == {"costs", "reconcile", "tests"}
    for service in COMPOSE["services"].values():
        assert service["image"] == "public.ecr.aws/glue/aws-glue-libs:5"
        assert service["working_dir"] == "/home/hadoop/workspace"
        assert "..:/home/hadoop/workspace" in service["volumes"]  # relative to docker/
        assert "${HOME}/.aws:/home/hadoop/.aws:ro" in service["volumes"]  # credentials read-only
        assert service["environment"]["PYTHONPATH"] == "/home/hadoop/workspace/glue"
        assert service["command"][0] == "-c"  # the image's entrypoint is a login shell


def test_job_services_pass_every_argument_of_existing_scripts(capsys):
    for name, job in (("costs", INVOCATION_COSTS), ("reconcile", CUR_RECONCILE)):
        command = COMPOSE["services"][name]["command"][1]
        script = re.search(r"spark-submit (\S+)", command)[1]
        assert (ROOT / script).is_file()
        required = [s.glue_name for s in job.settings if s.is_required(GLUE)]
        assert {f"--{a}" for a in (*required, "JOB_NAME")} <= set(re.findall(r"--\w+", command))
        # the optional ones: every default argument, before the given ones
        defaults = f"$(python3 -m bedrock_costs.entry.glue defaults {job.name} --as-arguments)"
        assert command.index(defaults) < command.index("--JOB_NAME")
        main(["defaults", job.name, "--as-arguments"])
        printed = capsys.readouterr().out.split()
        assert set(printed[::2]) == set(job.default_arguments())
        assert GE_PIN in command  # the quality gates' library, as the wheel pins it
    tests = COMPOSE["services"]["tests"]["command"][1]
    assert "install --user --quiet -e ." in tests and "pytest" in tests
    assert "[spark" not in tests  # never pip's pyspark over the image's Spark
