"""deploy.sh, the real AWS CLI and a real moto_server on 127.0.0.1: what it creates, re-deploys,
plans and destroys. Calls moto does not implement (Glue UpdateJob/UpdateTrigger, QuickSight
UpdateDataSet/UpdateDashboard/Delete*, Lake Formation data-cell filters) are checked against
botocore's service model instead."""

import io
import json
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import validate_parameters

import iam_check
from bedrock_costs.contract import schemas
from bedrock_costs.deploy import apply, cur_access, glue_wheels, role_policy
from bedrock_costs.deploy.iceberg_tables import TABLES
from bedrock_costs.deploy.views import VIEWS, create_statements
from bedrock_costs.io.catalog_settings import EXTENSIONS
from helpers import aws_env, glue_tables_reader, moto_client, start_moto_server

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
LOGS, OUTPUT, CUR = "s3://bc-logs/AWSLogs/", "s3://bc-out/costs/", "s3://bc-cur/cur/export/"
RESULTS = "s3://bc-out/_athena-results/bedrock-costs/"  # Athena's: outside the output


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    """A moto_server of our own (managed policies loaded) and the environment to reach it."""
    recording = tmp_path_factory.mktemp("moto") / "requests.jsonl"
    server, endpoint = start_moto_server(managed_policies=True, recording=recording)
    env = {**aws_env(endpoint), "BC_POLL_SECONDS": "0.05"}
    # Athena queries as in AWS, not done at once: QUEUED, RUNNING, then SUCCEEDED, each state
    # lasting three reads (moto's state manager)
    transition = {
        "model_name": "athena::execution",
        "transition": {"progression": "manual", "times": 3},
    }
    urllib.request.urlopen(
        urllib.request.Request(
            f"{endpoint}/moto-api/state-manager/set-transition",
            data=json.dumps(transition).encode(),
            method="POST",
        )
    )
    wheel_dir = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheel_dir, ROOT],
        check=True,
        capture_output=True,
    )
    env["BC_WHEEL"] = str(next(wheel_dir.glob("*.whl")))
    for name, text in (("access.toml", ACCESS), ("access-iam.toml", ACCESS + ACCESS_IAM)):
        (wheel_dir / name).write_text(text)
    env["BC_ACCESS"] = str(wheel_dir / "access.toml")
    clients = {
        name: moto_client(name, endpoint)
        for name in ("s3", "iam", "glue", "athena", "quicksight", "lakeformation")
    }
    for bucket in ("bc-logs", "bc-out", "bc-cur"):
        clients["s3"].create_bucket(Bucket=bucket)
    # the CUR bucket encrypted by default with a customer-managed key, named by its alias
    kms = moto_client("kms", endpoint)
    cur_key = kms.create_key(Description="cur")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/cur", TargetKeyId=cur_key)
    clients["s3"].put_bucket_encryption(
        Bucket="bc-cur",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "alias/cur",
                    }
                }
            ]
        },
    )
    clients["cur_key"] = cur_key
    clients["s3"].put_object(Bucket="bc-logs", Key="AWSLogs/111122223333/x.json.gz", Body=b"log")
    clients["s3"].put_object(Bucket="bc-out", Key="costs/invocations/part.parquet", Body=b"data")
    yield {"env": env, "endpoint": endpoint, "recording": recording, **clients}
    server.terminate()
    server.wait(timeout=10)


def deployed_role(*read_keys: str) -> role_policy.RoleSettings:
    """The role deploy.sh makes for FULL with --lake-formation."""
    return role_policy.RoleSettings(
        account="123456789012",
        region="us-east-1",
        prefix="bedrock-costs",
        database="bedrock_costs",
        logs=role_policy.location("--logs", LOGS),
        output=role_policy.location("--output", OUTPUT),
        artifacts=role_policy.location("--artifacts", f"{OUTPUT}_deploy/"),
        cur=role_policy.location("--cur", CUR),
        lake_formation=True,
        read_keys=read_keys,
    )


def account_at_lake_formation_defaults(aws) -> None:
    """What an account at Lake Formation's defaults has for a database made before
    --lake-formation (moto grants nothing by itself): IAM_ALLOWED_PRINCIPALS given everything on
    the database and its tables, and on tables made in it later."""
    everyone = {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}
    aws["glue"].create_database(
        DatabaseInput={
            "Name": "bedrock_costs",
            "Description": "bedrock-costs tables (bedrock-costs)",
            "CreateTableDefaultPermissions": [{"Principal": everyone, "Permissions": ["ALL"]}],
        }
    )
    for resource in (
        {"Database": {"CatalogId": "123456789012", "Name": "bedrock_costs"}},
        {
            "Table": {
                "CatalogId": "123456789012",
                "DatabaseName": "bedrock_costs",
                "Name": "invocations",
            }
        },
    ):
        aws["lakeformation"].grant_permissions(
            Principal=everyone, Resource=resource, Permissions=["ALL"]
        )


def deploy(aws, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [ROOT / "deploy.sh", *args],
        env={**aws["env"], **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


QS_PRINCIPAL = "arn:aws:quicksight:us-east-1:123456789012:group/default/finops"
FULL = (
    *("--logs", LOGS, "--output", OUTPUT, "--cur", CUR),
    *("--quicksight-principal", QS_PRINCIPAL, "--dashboard"),
)
RULES = ["bedrock-costs-access-rules", "bedrock-costs-access-rules-accounts"]
DATASETS = RULES + [f"bedrock-costs-{v.replace('_', '-')}" for v in VIEWS]
ACCESS = """
[[grant]]
group = "acme-analysts"
tenants = ["acme"]

[[grant]]
user = "finance/alice"
accounts = ["111122223333"]
"""
ACCESS_IAM = """
[[grant]]
principal = "arn:aws:iam::123456789012:role/acme-athena"
tenants = ["acme"]
"""
EMPTY = {
    "roles": [],
    "jobs": [],
    "triggers": [],
    "databases": [],
    "tables": [],
    "workgroups": [],
    "artifacts": [],
}


ARTIFACTS = [
    "costs/_deploy/access/access_rules/access_rules.csv",
    "costs/_deploy/access/access_rules_accounts/access_rules_accounts.csv",
    "costs/_deploy/jobs/cur_reconcile.py",
    "costs/_deploy/jobs/invocation_costs.py",
    "costs/_deploy/jobs/maintain.py",
    "costs/_deploy/pricing/bedrock_prices.csv",
    "costs/_deploy/pricing/bedrock_unit_prices.csv",
    "costs/_deploy/wheels/bedrock_costs-0.1.0.gluewheels.zip",
]


def actions(output: str) -> dict[str, str]:
    """`  create     glue job x` lines as {"glue job x": "create"}."""
    return {
        m[2]: m[1]
        for m in re.finditer(
            r"^  (create/update|create|update|unchanged|upload|delete|replace|grant|revoke)"
            r"\s+(.+?)(?: \(iceberg.*\))?$",
            output,
            re.M,
        )
    }


def state(aws) -> dict:
    roles = [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]]
    return {
        "roles": [r for r in roles if r.startswith("bedrock-costs")],
        "jobs": sorted(j["Name"] for j in aws["glue"].get_jobs()["Jobs"]),
        "triggers": sorted(aws["glue"].list_triggers()["TriggerNames"]),
        # (`default` is Spark's: made by a Lake Formation deploy if missing, never removed)
        "databases": [
            d["Name"] for d in aws["glue"].get_databases()["DatabaseList"] if d["Name"] != "default"
        ],
        "tables": sorted(
            t["Name"]
            for d in aws["glue"].get_databases()["DatabaseList"]
            for t in aws["glue"].get_tables(DatabaseName=d["Name"])["TableList"]
        ),
        "workgroups": [
            w["Name"]
            for w in aws["athena"].list_work_groups()["WorkGroups"]
            if w["Name"] != "primary"
        ],
        "artifacts": sorted(
            o["Key"]
            for o in aws["s3"]
            .list_objects_v2(Bucket="bc-out", Prefix="costs/_deploy/")
            .get("Contents", [])
        ),
    }


def test_help_documents_every_option(aws):
    text = deploy(aws, "--help").stdout
    parsed = set(re.findall(r"^\s+(--[a-z-]+)\)", (ROOT / "deploy.sh").read_text(), re.M))
    parsed |= set(re.findall(r"(--[a-z-]+)\) [A-Z_]+=", (ROOT / "deploy.sh").read_text()))
    assert parsed and all(option in text for option in parsed)
    assert {"--dry-run", "--destroy", "--logs", "--output", "--cur", "--schedule"} <= parsed


def test_the_cur_bucket_policy_and_the_preflight_print_and_change_nothing(aws):
    before = state(aws)
    printed = json.loads(deploy(aws, *FULL, "--cur-bucket-policy").stdout)
    role = "arn:aws:iam::123456789012:role/bedrock-costs-glue-jobs"
    cur = role_policy.location("--cur", CUR)
    assert printed == {  # what test_role_policy evaluates across accounts
        "BucketPolicyStatements": cur_access.bucket_policy(role, cur)["Statement"],
        "KeyPolicyStatement": cur_access.key_statement(role, "us-east-1"),
    }
    assert state(aws) == before
    # the preflight through deploy.sh (its checks in-process: test_preflight)
    checked = deploy(aws, "--logs", LOGS, "--output", OUTPUT, "--check", check=False)
    lines = checked.stdout.splitlines()
    assert checked.returncode == 1 and lines[-1].endswith(" ok, 1 missing"), checked.stderr
    assert "  missing    Bedrock invocation logging in us-east-1: off, or not to S3" in lines
    assert "  ok         invocation logs under s3://bc-logs/AWSLogs/" in lines
    assert state(aws) == before


def test_bad_arguments_are_one_line_errors(aws):
    done = deploy(aws, "--output", OUTPUT, check=False)
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "deploy.sh: error: --logs is required (see --help)",
    )
    done = deploy(aws, "--logs", "/tmp/logs", "--output", OUTPUT, check=False)
    assert done.returncode == 2 and "--logs must be an s3:// URI" in done.stderr
    before = state(aws)
    for logs, output, says in (
        (LOGS, "s3://bc-out/", "--output 's3://bc-out/' is a bucket's root"),
        ('s3://bc-logs/x*", "arn:aws:s3:::*', OUTPUT, "--logs: the folder 'x*"),
    ):
        done = deploy(aws, "--logs", logs, "--output", output, check=False)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith(f"deploy.sh: error: {says}"), line
    assert state(aws) == before  # nothing written


def apply_in_process(aws, monkeypatch, *argv: str, **env: str) -> int:
    """deploy/apply.py in this process, with the options deploy.sh passes it for `argv` (the
    same names: FULL, --lake-formation, --dry-run…), against the module's moto_server; `env`
    as deploy(). The plan lines go to stdout (capsys)."""
    for name, value in {**aws["env"], **env}.items():
        if name.startswith(("AWS_", "BC_")):
            monkeypatch.setenv(name, value)
    defaults = [
        *("--account", "123456789012", "--region", "us-east-1", "--prefix", "bedrock-costs"),
        *("--database", "bedrock_costs", "--artifacts", f"{OUTPUT}_deploy/", "--home", str(ROOT)),
        *("--pricing", str(ROOT / "pricing" / "bedrock_prices.csv")),
        *("--wheel", aws["env"]["BC_WHEEL"], "--access", {**aws["env"], **env}["BC_ACCESS"]),
        *("--wheel-cache", str(Path.home() / ".cache" / "bedrock-costs" / "glue-wheels")),
    ]
    return apply.main([*defaults, *argv])


def applied(aws, monkeypatch, capsys, *argv: str, **env: str) -> str:
    """apply_in_process that must succeed: its plan lines."""
    code = apply_in_process(aws, monkeypatch, *argv, **env)
    printed = capsys.readouterr()
    assert code == 0, printed.err[-3000:]
    return printed.out


def test_a_table_elsewhere_refuses_the_deploy_before_anything_is_written(aws, monkeypatch, capsys):
    """The Iceberg tables are planned with the other checks, before the first write: a table
    whose data lies elsewhere stops the deploy with nothing changed (not after the artifacts,
    the role and the database were made)."""
    glue = aws["glue"]
    glue.create_database(DatabaseInput={"Name": "elsewhere"})
    glue.create_table(
        DatabaseName="elsewhere",
        TableInput={
            "Name": "focus",
            "Parameters": {"table_type": "ICEBERG", "metadata_location": "s3://old/f/metadata/x"},
            "StorageDescriptor": {"Location": "s3://old/f"},
        },
    )
    before = state(aws)
    code = apply_in_process(aws, monkeypatch, *FULL, "--database", "elsewhere")
    (line,) = capsys.readouterr().err.splitlines()
    assert code == 2
    assert line.startswith("deploy.sh: error: glue table focus is an Iceberg table at s3://old/f")
    assert state(aws) == before
    glue.delete_database(Name="elsewhere")


def test_dry_run_plans_everything_and_creates_nothing(aws, monkeypatch, capsys):
    before = state(aws)
    planned = actions(applied(aws, monkeypatch, capsys, *FULL, "--dry-run"))
    assert planned == {
        **{f"s3 object s3://bc-out/{key}": "create" for key in ARTIFACTS},
        "iam role bedrock-costs-glue-jobs (inline policy bedrock-costs-access)": "create",
        "glue database bedrock_costs": "create",
        **{f"glue table bedrock_costs.{t}": "create" for t in TABLES},
        "glue table bedrock_costs.access_rules": "create",
        "glue table bedrock_costs.access_rules_accounts": "create",
        f"athena workgroup bedrock-costs (results under {RESULTS})": "create",
        **{f"athena view bedrock_costs.{v}": "replace" for v in VIEWS},
        "glue job bedrock-costs-invocation-costs": "create",
        "glue job bedrock-costs-cur-reconcile": "create",
        "glue job bedrock-costs-maintain": "create",
        "glue trigger bedrock-costs-daily-costs": "create",
        "glue trigger bedrock-costs-reconcile-after-costs": "create",
        "glue trigger bedrock-costs-weekly-maintain": "create",
        "quicksight data source bedrock-costs-athena": "create",
        **{f"quicksight dataset {d}": "create" for d in DATASETS},
        "quicksight dashboard bedrock-costs-costs": "create",
    }
    assert state(aws) == before == EMPTY


def requests_in(plan: Path, service: str) -> dict[str, list[dict]]:
    """The recorded requests of a service, each validated against botocore's service model."""
    model = botocore.session.get_session().get_service_model(service)
    found: dict[str, list[dict]] = {}
    for path in plan.glob(f"{service}-*.json"):
        operation = path.name.split("-")[1]
        params = json.loads(path.read_text())
        validate_parameters(params, model.operation_model(operation).input_shape)  # raises if not
        found.setdefault(operation, []).append(params)
    return found


def test_deploy_creates_each_resource_as_configured(aws):
    """A first deploy of everything, Lake Formation included (its own part at the end)."""
    account_at_lake_formation_defaults(aws)
    with iam_check.recorded(aws["endpoint"], aws["recording"], iam_check.calls) as requests:
        planned = actions(deploy(aws, *FULL, "--lake-formation").stdout)
    wheel = Path(aws["env"]["BC_WHEEL"]).name
    bundle = wheel.replace("-py3-none-any.whl", ".gluewheels.zip")
    # each view's query awaited until SUCCEEDED (six reads here) before anything is granted
    # on the views (Lake Formation) or built on them (QuickSight)
    names = [r.action for r in requests]
    submitted = names.index("athena:StartQueryExecution")
    reads = [i for i, name in enumerate(names) if name == "athena:GetQueryExecution"]
    after = next(
        i
        for i, name in enumerate(names)
        if i > submitted and name.startswith(("lakeformation:", "quicksight:"))
    )
    assert len(reads) >= 6 * len(VIEWS) and reads[-1] < after
    assert state(aws)["artifacts"] == ARTIFACTS
    assert {planned[f"s3 object s3://bc-out/{key}"] for key in ARTIFACTS} == {"create"}
    # the wheel and exactly the locked dependencies, as Glue's zip of wheels: nothing for pip
    # to find on an index at a job's start
    zipped = aws["s3"].get_object(Bucket="bc-out", Key=f"costs/_deploy/wheels/{bundle}")
    with zipfile.ZipFile(io.BytesIO(zipped["Body"].read())) as archive:
        names = archive.namelist()
        pinned = archive.read("wheels/requirements.txt").decode().split()
    assert pinned == [p.line(False) for p in glue_wheels.locked().values()] + [
        "bedrock-costs==0.1.0"
    ]
    assert f"wheels/{wheel}" in names and len(names) == len(pinned) + 1
    role = aws["iam"].get_role(RoleName="bedrock-costs-glue-jobs")["Role"]
    assert role["AssumeRolePolicyDocument"] == role_policy.trust_policy("123456789012")
    policy = aws["iam"].get_role_policy(
        RoleName="bedrock-costs-glue-jobs", PolicyName="bedrock-costs-access"
    )["PolicyDocument"]
    # what deploy.role_policy makes for these locations (test_role_policy evaluates it; test_s3
    # evaluates every request of a job run against it), the CUR bucket's default key found
    assert policy == role_policy.role_policy(deployed_role(aws["cur_key"]))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["DecryptInputs"]["Resource"] == [aws["cur_key"]]
    assert "EncryptOutput" not in by_sid  # the output bucket has no default key
    writes = [s for s in policy["Statement"] if "s3:PutObject" in s["Action"]]
    assert [s["Resource"] for s in writes] == [
        "arn:aws:s3:::bc-out/costs/*",  # only the output
        "arn:aws:s3:::bc-out/costs/_deploy/*",  # denied: the deployed code
    ]
    assert not any(a.endswith("*") for s in policy["Statement"] for a in s["Action"])

    job = aws["glue"].get_job(JobName="bedrock-costs-invocation-costs")["Job"]
    assert (job["GlueVersion"], job["WorkerType"], job["NumberOfWorkers"]) == ("5.0", "G.1X", 2)
    assert job["Timeout"] == 240  # minutes: not Glue's 48-hour default
    assert job["Command"]["ScriptLocation"] == "s3://bc-out/costs/_deploy/jobs/invocation_costs.py"
    arguments = job["DefaultArguments"]
    assert arguments["--additional-python-modules"] == f"s3://bc-out/costs/_deploy/wheels/{bundle}"
    assert arguments["--python-modules-installer-option"] == "--no-index"
    assert (arguments["--logs_path"], arguments["--output_path"]) == (LOGS, OUTPUT)
    assert arguments["--enable-glue-datacatalog"] == "true"
    # every optional argument, as getResolvedOptions needs it: the settings table's defaults
    assert (arguments["--trailing_days"], arguments["--quality_policy"]) == ("none", "none")
    assert arguments["--max_tag_columns"] == "50" and arguments["--database"] == "bedrock_costs"
    reconcile = aws["glue"].get_job(JobName="bedrock-costs-cur-reconcile")["Job"]
    assert reconcile["DefaultArguments"]["--cur_path"] == CUR
    assert reconcile["DefaultArguments"]["--recent_periods"] == "2"  # not every month, daily

    daily = aws["glue"].get_trigger(Name="bedrock-costs-daily-costs")["Trigger"]
    assert (daily["Type"], daily["Schedule"]) == ("SCHEDULED", "cron(30 2 * * ? *)")
    assert daily["Actions"] == [
        {"JobName": "bedrock-costs-invocation-costs", "Arguments": {"--trailing_days": "3"}}
    ]
    assert arguments["--datalake-formats"] == "iceberg"
    conf = dict(
        part.split("=", 1) for part in arguments["--conf"].split(" --conf ")
    )  # Glue's one --conf argument, the further settings inside its value
    assert conf["spark.sql.extensions"] == EXTENSIONS
    assert (
        conf["spark.sql.catalog.bedrock.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    )
    assert conf["spark.sql.catalog.bedrock.warehouse"] == OUTPUT.rstrip("/")
    assert conf["spark.sql.defaultCatalog"] == "bedrock"
    maintain = aws["glue"].get_job(JobName="bedrock-costs-maintain")["Job"]
    assert maintain["DefaultArguments"]["--output_path"] == OUTPUT
    assert maintain["DefaultArguments"]["--conf"] == arguments["--conf"]
    weekly = aws["glue"].get_trigger(Name="bedrock-costs-weekly-maintain")["Trigger"]
    assert (weekly["Type"], weekly["Schedule"]) == ("SCHEDULED", "cron(0 4 ? * SUN *)")
    assert weekly["Actions"] == [{"JobName": "bedrock-costs-maintain"}]
    for table in TABLES:  # Iceberg tables, as the jobs' Iceberg Glue catalog reads them
        found = aws["glue"].get_table(DatabaseName="bedrock_costs", Name=table)["Table"]
        assert found["Parameters"]["table_type"].upper() == "ICEBERG"
        assert found["Parameters"]["metadata_location"].startswith(f"{OUTPUT}{table}/metadata/")
        assert not any(k.startswith("projection.") for k in found["Parameters"])
        contract = schemas.load(table)
        names = [c["Name"] for c in found["StorageDescriptor"]["Columns"]]
        declared = ["tag_tenant"] if table == "invocations" else []  # for Lake Formation filters
        assert names == [*contract.names, *declared, contract.partition_keys[0].name]
    policy_actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not any("Partition" in a for a in policy_actions)  # Iceberg tables have none in Glue
    queries = [
        aws["athena"].get_query_execution(QueryExecutionId=q)["QueryExecution"]
        for q in aws["athena"].list_query_executions(WorkGroup="bedrock-costs")["QueryExecutionIds"]
    ]
    assert sorted(q["Query"] for q in queries) == sorted(
        sql for _, sql in create_statements("bedrock_costs")
    )
    rules = (
        aws["s3"]
        .get_object(Bucket="bc-out", Key="costs/_deploy/access/access_rules/access_rules.csv")[
            "Body"
        ]
        .read()
    )
    assert rules.decode().splitlines() == [
        "username,groupname,tenant,account_id",
        ",acme-analysts,acme,",
        "finance/alice,,,111122223333",
    ]
    table = aws["glue"].get_table(DatabaseName="bedrock_costs", Name="access_rules")["Table"]
    assert (
        table["StorageDescriptor"]["Location"] == "s3://bc-out/costs/_deploy/access/access_rules/"
    )
    dashboard = aws["quicksight"].describe_dashboard(
        AwsAccountId="123456789012", DashboardId="bedrock-costs-costs"
    )["Dashboard"]
    assert dashboard["Name"] == "Bedrock costs (bedrock-costs)"
    workgroup = aws["athena"].get_work_group(WorkGroup="bedrock-costs")["WorkGroup"]
    assert workgroup["Configuration"]["ResultConfiguration"]["OutputLocation"] == RESULTS
    engine = workgroup["Configuration"]["EngineVersion"]["SelectedEngineVersion"]
    assert engine == "Athena engine version 3"  # Iceberg, and Lake Formation cell filters

    after = aws["glue"].get_trigger(Name="bedrock-costs-reconcile-after-costs")["Trigger"]
    assert after["Predicate"]["Conditions"] == [
        {
            "LogicalOperator": "EQUALS",
            "JobName": "bedrock-costs-invocation-costs",
            "State": "SUCCEEDED",
        }
    ]
    assert after["Actions"] == [{"JobName": "bedrock-costs-cur-reconcile"}]

    # Lake Formation: the output governed, the role and QuickSight granted
    location = "arn:aws:s3:::bc-out/costs"
    assert planned[f"lake formation location {location}"] == "create"
    assert planned["glue table bedrock_costs.invocations"] == "create"  # with the tenant column
    lf = aws["lakeformation"]
    assert lf.describe_resource(ResourceArn=location)["ResourceInfo"]["ResourceArn"] == location
    granted = lf.list_permissions()["PrincipalResourcePermissions"]
    role = "arn:aws:iam::123456789012:role/bedrock-costs-glue-jobs"
    assert sorted(
        p
        for g in granted
        if g["Principal"]["DataLakePrincipalIdentifier"] == role
        and g["Resource"].get("Database", {}).get("Name") != "default"  # (its own, below)
        for p in g["Permissions"]
    ) == sorted(["DATA_LOCATION_ACCESS", "DESCRIBE", "CREATE_TABLE", "ALTER", "ALL"])
    tables = {
        g["Resource"]["Table"]["Name"]
        for g in granted
        if g["Principal"]["DataLakePrincipalIdentifier"] == QS_PRINCIPAL
        and "Table" in g["Resource"]
    }
    assert "quarantine" not in tables and {"invocations", "daily_cost_by_model"} <= tables
    # Lake Formation decides: nothing left to IAM_ALLOWED_PRINCIPALS, no default grants for new
    # tables, `default` there for Spark with DESCRIBE for the role, the deployer able to replace
    # the views
    everyone = [
        g
        for g in lf.list_permissions()["PrincipalResourcePermissions"]
        if g["Principal"]["DataLakePrincipalIdentifier"] == "IAM_ALLOWED_PRINCIPALS"
    ]
    assert everyone == []
    database = aws["glue"].get_database(Name="bedrock_costs")["Database"]
    assert database["CreateTableDefaultPermissions"] == []
    assert (
        planned["glue database bedrock_costs (no default permissions for new tables)"] == "update"
    )
    assert aws["glue"].get_database(Name="default")["Database"]["Name"] == "default"
    granted = lf.list_permissions()["PrincipalResourcePermissions"]
    assert {
        (g["Principal"]["DataLakePrincipalIdentifier"], tuple(g["Permissions"]))
        for g in granted
        if g["Resource"].get("Database", {}).get("Name") == "default"
    } == {(role, ("DESCRIBE",))}
    deployer = "arn:aws:iam::123456789012:user/moto"  # moto's caller
    assert {
        json.dumps(g["Resource"], sort_keys=True)
        for g in granted
        if g["Principal"]["DataLakePrincipalIdentifier"] == deployer and g["Permissions"] == ["ALL"]
    } == {
        json.dumps(
            {"Database": {"CatalogId": "123456789012", "Name": "bedrock_costs"}}, sort_keys=True
        ),
        json.dumps(
            {
                "Table": {
                    "CatalogId": "123456789012",
                    "DatabaseName": "bedrock_costs",
                    "TableWildcard": {},
                }
            },
            sort_keys=True,
        ),
    }
    # the filters' column, declared by Iceberg schema evolution (the job fills it from then on)
    schema = iceberg_catalog(aws).load_table("bedrock_costs.invocations").schema()
    assert [f.name for f in schema.fields][-2:] == ["tag_tenant", "usage_date"]
    invocations = aws["glue"].get_table(DatabaseName="bedrock_costs", Name="invocations")["Table"]
    assert "tag_tenant" in [c["Name"] for c in invocations["StorageDescriptor"]["Columns"]]
    policy = aws["iam"].get_role_policy(
        RoleName="bedrock-costs-glue-jobs", PolicyName="bedrock-costs-access"
    )["PolicyDocument"]
    assert {
        "Sid": "LakeFormationData",
        "Effect": "Allow",
        "Action": ["lakeformation:GetDataAccess"],
        "Resource": "*",
    } in policy["Statement"]


def test_changed_settings_are_planned_as_updates_the_api_accepts(
    aws, tmp_path, monkeypatch, capsys
):
    """What a redeploy sends (QuickSight updates, new settings, Lake Formation with an IAM
    principal in the access file), as a dry run recording every request."""
    access = aws["env"]["BC_ACCESS"].replace("access.toml", "access-iam.toml")
    changed = applied(
        aws,
        monkeypatch,
        capsys,
        *FULL,
        *("--workers", "4", "--trailing-days", "5", "--lake-formation", "--access", access),
        "--dry-run",
        BC_PLAN_DIR=str(tmp_path),
    )
    planned = actions(changed)
    assert planned["glue job bedrock-costs-invocation-costs"] == "update"
    assert planned["glue trigger bedrock-costs-daily-costs"] == "update"
    # the dry run's diff: each changed value under its resource's line
    job, trigger = (
        changed.split(f"  update     glue {what}\n", 1)[1].split("\n", 1)[0].strip()
        for what in ("job bedrock-costs-invocation-costs", "trigger bedrock-costs-daily-costs")
    )
    assert job == "NumberOfWorkers: 2 → 4"
    assert trigger == "Actions[0].Arguments.--trailing_days: 3 → 5"
    role = "iam role bedrock-costs-glue-jobs (inline policy bedrock-costs-access)"
    assert planned[role] == "unchanged"  # the same access, with or without more workers
    assert planned["glue table bedrock_costs.invocations"] == "unchanged"  # tag_tenant is there
    glue = requests_in(tmp_path, "glue")
    assert {r["JobUpdate"]["NumberOfWorkers"] for r in glue["UpdateJob"]} == {4}
    # a scheduled run during a longer one waits in Glue's queue instead of failing
    assert {r["JobUpdate"]["JobRunQueuingEnabled"] for r in glue["UpdateJob"]} == {True}
    (trigger,) = glue["UpdateTrigger"]
    assert trigger["TriggerUpdate"]["Actions"][0]["Arguments"] == {"--trailing_days": "5"}
    requests = requests_in(tmp_path, "quicksight")
    # (moto has no DescribeDataSet or DescribeDashboardDefinition: every dataset and the
    # dashboard are planned as created; the update path: test_deploy_quicksight)
    assert sorted(r["DataSetId"] for r in requests["CreateDataSet"]) == sorted(DATASETS)
    (board,) = requests["CreateDashboard"]
    readers = board["Permissions"]
    assert [r["Principal"].rsplit(":", 1)[1] for r in readers] == [
        "group/default/finops",
        "group/default/acme-analysts",
        "user/default/finance/alice",
    ]
    formation = requests_in(tmp_path, "lakeformation")
    (created,) = formation["CreateDataCellsFilter"]
    assert created["TableData"]["TableName"] == "invocations"
    assert created["TableData"]["RowFilter"] == {"FilterExpression": "tag_tenant IN ('acme')"}
    # the grants deploy.governance makes (the role on `default`, the deployer), the role's and
    # QuickSight's, and the access file's principals' through their filters
    assert len(formation["BatchGrantPermissions"]) == 3
    (principal_grants,) = [
        g for g in formation["BatchGrantPermissions"] if "DataCellsFilter" in json.dumps(g)
    ]
    (revoked,) = formation["BatchRevokePermissions"]  # IAM_ALLOWED_PRINCIPALS, on every table
    assert {e["Principal"]["DataLakePrincipalIdentifier"] for e in revoked["Entries"]} == {
        "IAM_ALLOWED_PRINCIPALS"
    }
    assert {e["Principal"]["DataLakePrincipalIdentifier"] for e in principal_grants["Entries"]} == {
        "arn:aws:iam::123456789012:role/acme-athena"
    }
    assert "UpdateDataSource" not in requests  # the data source as deployed: unchanged
    source = moto_client("quicksight", aws["env"]["AWS_ENDPOINT_URL"]).describe_data_source(
        AwsAccountId="123456789012", DataSourceId="bedrock-costs-athena"
    )
    parameters = source["DataSource"]["DataSourceParameters"]
    assert parameters == {"AthenaParameters": {"WorkGroup": "bedrock-costs"}}
    model = next(
        r
        for r in requests["CreateDataSet"]
        if r["DataSetId"] == "bedrock-costs-daily-cost-by-model"
    )
    (table,) = model["PhysicalTableMap"].values()
    columns = {c["Name"]: c for c in table["RelationalTable"]["InputColumns"]}
    # no sub-type: QuickSight has them for SPICE datasets only, these query Athena directly
    assert columns["cost_usd"] == {"Name": "cost_usd", "Type": "DECIMAL"}
    assert columns["cost_nano_usd"] == {"Name": "cost_nano_usd", "Type": "INTEGER"}
    assert model["Permissions"][0]["Principal"] == QS_PRINCIPAL


def iceberg_catalog(aws):
    return glue_tables_reader(aws["env"]["AWS_ENDPOINT_URL"])


def test_a_second_deploy_changes_nothing_and_keeps_tag_columns_the_jobs_added(
    aws, monkeypatch, capsys
):
    from pyiceberg.types import StringType

    table = iceberg_catalog(aws).load_table("bedrock_costs.invocations")
    with table.update_schema() as update:  # as a job's run would: Iceberg schema evolution
        update.add_column("tag_team", StringType())
    before = state(aws)
    jobs = aws["glue"].get_jobs()["Jobs"]
    again = actions(applied(aws, monkeypatch, capsys, *FULL, "--lake-formation"))
    changed = {
        k: v
        for k, v in again.items()
        if v not in ("replace", "grant", "revoke") and not k.startswith("quicksight")
    }
    # the artifacts too: the same code makes the same zip of wheels, byte for byte
    assert set(changed.values()) == {"unchanged"} and len(changed) == 19 + len(ARTIFACTS), changed
    assert again["quicksight data source bedrock-costs-athena"] == "unchanged"
    assert state(aws) == before and aws["glue"].get_jobs()["Jobs"] == jobs
    names = [
        f.name for f in iceberg_catalog(aws).load_table("bedrock_costs.invocations").schema().fields
    ]
    assert names[-1] == "tag_team"


def test_a_deploy_without_the_access_file_is_refused_once_rows_are_restricted(
    aws, monkeypatch, capsys
):
    assert apply_in_process(aws, monkeypatch, *FULL, "--dry-run", BC_ACCESS="") == 2
    assert capsys.readouterr().err.strip() == (
        "deploy.sh: error: this deployment has row-level security: pass its --access file "
        "(a deploy without it would show every row)"
    )


def test_destroy_removes_what_it_created_and_keeps_the_data(aws, tmp_path):
    removed = actions(
        deploy(
            aws, "--destroy", "--output", OUTPUT, "--lake-formation", BC_PLAN_DIR=str(tmp_path)
        ).stdout
    )
    assert set(removed.values()) == {"delete", "revoke"}
    assert removed["lake formation permissions of bedrock-costs-glue-jobs"] == "revoke"
    # the role's grants revoked, its DESCRIBE on `default` too: as sent (botocore's model checks
    # the request); moto's revoke of a permission granted twice fails (its in-place merge changes
    # the permission's hash), so what moto holds afterwards is not asserted
    (revoke,) = requests_in(tmp_path, "lakeformation")["BatchRevokePermissions"]
    role = "arn:aws:iam::123456789012:role/bedrock-costs-glue-jobs"
    assert {e["Principal"]["DataLakePrincipalIdentifier"] for e in revoke["Entries"]} == {role}
    assert {
        "Principal": {"DataLakePrincipalIdentifier": role},
        "Resource": {"Database": {"CatalogId": "123456789012", "Name": "default"}},
        "Permissions": ["DESCRIBE"],
    } in [{k: v for k, v in e.items() if k != "Id"} for e in revoke["Entries"]]
    assert aws["lakeformation"].list_resources()["ResourceInfoList"] == []
    assert removed["quicksight dashboard bedrock-costs-costs"] == "delete"
    assert {
        "quicksight data source bedrock-costs-athena",
        "iam role bedrock-costs-glue-jobs",
    } <= set(removed)
    deletes = requests_in(tmp_path, "quicksight")["DeleteDataSet"]  # moto lacks DeleteDataSet
    assert sorted(r["DataSetId"] for r in deletes) == sorted(DATASETS)
    assert state(aws) == EMPTY
    kept = [
        aws["s3"].head_object(Bucket=b, Key=k)["ContentLength"]
        for b, k in (
            ("bc-logs", "AWSLogs/111122223333/x.json.gz"),
            ("bc-out", "costs/invocations/part.parquet"),
        )
    ]
    assert kept == [3, 4]
