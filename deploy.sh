#!/usr/bin/env bash
# Deploy bedrock-costs into an AWS account: artifacts, a least-privilege role, the Glue database and
# tables, the Athena workgroup and views, the Glue jobs and their triggers. Non-interactive and idempotent: a second run updates what
# changed and reports the rest unchanged. Run with --help for every option.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy.sh --logs S3_URI --output S3_URI [options]
       deploy.sh --destroy [options]

Deploys the bedrock-costs Glue jobs into the account of the current AWS credentials.
Every option can also be set by the environment variable in brackets.

required (to deploy):
  --logs S3_URI            Bedrock invocation logs, read only           [BC_LOGS]
  --output S3_URI          where the tables are written                  [BC_OUTPUT]
options:
  --cur S3_URI             CUR 2.0 export (its root); adds the reconciliation job and the
                           trigger that runs it after each successful cost run   [BC_CUR]
  --artifacts S3_URI       where the wheel, job scripts and price tables go
                           (default: <output>/_deploy)                   [BC_ARTIFACTS]
  --prefix NAME            name prefix of everything created (default bedrock-costs) [BC_PREFIX]
  --database NAME          Glue database (default: the prefix with _ for -)  [BC_DATABASE]
  --region REGION          AWS Region (default: AWS_REGION / AWS_DEFAULT_REGION)  [AWS_REGION]
  --profile NAME           AWS CLI profile                               [AWS_PROFILE]
  --glue-version V         Glue version (default 5.0)                    [BC_GLUE_VERSION]
  --worker-type T          Glue worker type (default G.1X)               [BC_WORKER_TYPE]
  --workers N              number of workers (default 2)                 [BC_WORKERS]
  --schedule CRON          when the cost job runs, a Glue cron expression
                           (default "cron(30 2 * * ? *)": 02:30 UTC daily)   [BC_SCHEDULE]
  --trailing-days N        days each scheduled run re-prices, today included, so
                           late-delivered logs are picked up (default 3)  [BC_TRAILING_DAYS]
  --pricing CSV            price table to deploy (default pricing/bedrock_prices.csv) [BC_PRICING]
  --wheel FILE             deploy this wheel of the package instead of building one  [BC_WHEEL]
  --quicksight-principal ARN  also create the QuickSight Athena data source and one dataset
                           per view (fixed ids), shared with this user or group ARN
                                                                   [BC_QUICKSIGHT_PRINCIPAL]
  --dry-run                print the plan (create / update / unchanged) and change nothing
  --destroy                remove what deploy.sh created: triggers, jobs, the Glue database
                           (table definitions only), the role and the artifacts. Never the logs,
                           the CUR export or the tables' data under --output.
  -h, --help               this help
EOF
}

die() { echo "deploy.sh: error: $*" >&2; exit 2; }

LOGS=${BC_LOGS:-} OUTPUT=${BC_OUTPUT:-} CUR=${BC_CUR:-} ARTIFACTS=${BC_ARTIFACTS:-}
PREFIX=${BC_PREFIX:-bedrock-costs} DATABASE=${BC_DATABASE:-}
GLUE_VERSION=${BC_GLUE_VERSION:-5.0} WORKER_TYPE=${BC_WORKER_TYPE:-G.1X} WORKERS=${BC_WORKERS:-2}
SCHEDULE=${BC_SCHEDULE:-"cron(30 2 * * ? *)"} TRAILING_DAYS=${BC_TRAILING_DAYS:-3}
PRICING=${BC_PRICING:-} WHEEL_FILE=${BC_WHEEL:-} DRY_RUN=0 DESTROY=0
QS_PRINCIPAL=${BC_QUICKSIGHT_PRINCIPAL:-}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dry-run) DRY_RUN=1; shift; continue ;;
    --destroy) DESTROY=1; shift; continue ;;
  esac
  [ $# -ge 2 ] || die "$1 needs a value (see --help)"
  case "$1" in
    --logs) LOGS=$2 ;; --output) OUTPUT=$2 ;; --cur) CUR=$2 ;; --artifacts) ARTIFACTS=$2 ;;
    --prefix) PREFIX=$2 ;; --database) DATABASE=$2 ;; --region) REGION=$2 ;;
    --profile) export AWS_PROFILE=$2 ;; --glue-version) GLUE_VERSION=$2 ;;
    --worker-type) WORKER_TYPE=$2 ;; --workers) WORKERS=$2 ;; --schedule) SCHEDULE=$2 ;;
    --trailing-days) TRAILING_DAYS=$2 ;; --pricing) PRICING=$2 ;; --wheel) WHEEL_FILE=$2 ;;
    --quicksight-principal) QS_PRINCIPAL=$2 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-$( [ -x "$HERE/.venv/bin/python" ] && echo "$HERE/.venv/bin/python" || echo python3 )}
PRICING=${PRICING:-$HERE/pricing/bedrock_prices.csv}
DATABASE=${DATABASE:-${PREFIX//-/_}}
[ -n "$REGION" ] || die "no AWS Region: pass --region or set AWS_REGION"
export AWS_DEFAULT_REGION=$REGION AWS_PAGER=""
command -v aws >/dev/null || die "the AWS CLI (aws) is not on PATH"
[[ $PREFIX =~ ^[a-z][a-z0-9-]{0,40}$ ]] || die "--prefix must be lower-case letters, digits and -"
[[ $DATABASE =~ ^[a-z][a-z0-9_]{0,60}$ ]] || die "--database must be lower-case letters, digits and _"
[[ $WORKERS =~ ^[0-9]+$ && $WORKERS -ge 2 ]] || die "--workers must be 2 or more"
[[ $TRAILING_DAYS =~ ^[0-9]+$ && $TRAILING_DAYS -ge 1 ]] || die "--trailing-days must be 1 or more"

s3_uri() {  # normalise s3://bucket/prefix to s3://bucket/prefix/ (prefix may be empty)
  local name=$1 value=$2
  [[ $value =~ ^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$ ]] || die "$name must be an s3:// URI, got '$value'"
  value=${value%/}; echo "$value/"
}
bucket_of() { local rest=${1#s3://}; echo "${rest%%/*}"; }
key_of() { local rest=${1#s3://}; [[ $rest == */* ]] && echo "${rest#*/}" || echo ""; }

ROLE="$PREFIX-glue-jobs"
COST_JOB="$PREFIX-invocation-costs"
RECONCILE_JOB="$PREFIX-cur-reconcile"
SCHEDULE_TRIGGER="$PREFIX-daily-costs"
RECONCILE_TRIGGER="$PREFIX-reconcile-after-costs"

say() { printf '  %-10s %s\n' "$1" "$2"; }  # action, what
run() { if [ "$DRY_RUN" = 1 ]; then return 0; fi; "$@" >/dev/null; }

# Compare what AWS has with what we want, as canonical JSON (key order and whitespace aside).
same_json() {
  "$PYTHON" - "$1" "$2" <<'PY'
import json, sys
have, want = (json.loads(a) if a.strip() else None for a in sys.argv[1:3])
sys.exit(0 if have == want else 1)
PY
}

exists() { "$@" >/dev/null 2>&1; }
workgroup_named() { aws athena list-work-groups --query "WorkGroups[?Name=='$1'].Name" --output text; }

# With BC_PLAN_DIR set, the API parameters of update calls are also written there as JSON
# (service-operation.json): the tests check them against botocore's service model.
record() {  # service operation params-json
  [ -n "${BC_PLAN_DIR:-}" ] || return 0
  printf '%s\n' "$3" > "$BC_PLAN_DIR/$1-$2-$(date +%s%N).json"
}

destroy() {
  ACCOUNT=$(aws sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
  echo "destroying $PREFIX in $REGION (logs, CUR and table data are kept)"
  for trigger in "$RECONCILE_TRIGGER" "$SCHEDULE_TRIGGER"; do
    if exists aws glue get-trigger --name "$trigger"; then
      say delete "glue trigger $trigger"; run aws glue delete-trigger --name "$trigger"
    fi
  done
  for job in "$RECONCILE_JOB" "$COST_JOB"; do
    if exists aws glue get-job --job-name "$job"; then
      say delete "glue job $job"; run aws glue delete-job --job-name "$job"
    fi
  done
  if exists aws quicksight describe-data-source --aws-account-id "$ACCOUNT" --data-source-id "$PREFIX-athena"; then
    while IFS=$'\t' read -r VIEW _; do
      id="$PREFIX-${VIEW//_/-}"
      record quicksight DeleteDataSet "{\"AwsAccountId\": \"$ACCOUNT\", \"DataSetId\": \"$id\"}"
      if [ "$DRY_RUN" = 0 ] && ! out=$(aws quicksight delete-data-set --aws-account-id "$ACCOUNT" --data-set-id "$id" 2>&1) \
          && [[ $out != *ResourceNotFoundException* ]]; then
        echo "deploy.sh: warning: could not delete the QuickSight dataset $id: ${out##*$'\n'}" >&2
      else
        say delete "quicksight dataset $id"
      fi
    done < <("$PYTHON" -m bedrock_costs.views --database "$DATABASE")
    say delete "quicksight data source $PREFIX-athena"
    run aws quicksight delete-data-source --aws-account-id "$ACCOUNT" --data-source-id "$PREFIX-athena"
  fi
  if [ -n "$(workgroup_named "$PREFIX")" ]; then
    say delete "athena workgroup $PREFIX"
    run aws athena delete-work-group --work-group "$PREFIX" --recursive-delete-option
  fi
  if exists aws glue get-database --name "$DATABASE"; then
    say delete "glue database $DATABASE (table and view definitions only)"
    run aws glue delete-database --name "$DATABASE"
  fi
  if exists aws iam get-role --role-name "$ROLE"; then
    say delete "iam role $ROLE"
    run aws iam delete-role-policy --role-name "$ROLE" --policy-name "$PREFIX-access"
    run aws iam delete-role --role-name "$ROLE"
  fi
  if [ -n "$ARTIFACTS" ]; then
    ARTIFACTS=$(s3_uri --artifacts "$ARTIFACTS")
    say delete "artifacts under $ARTIFACTS"; run aws s3 rm --recursive --quiet "$ARTIFACTS"
  elif [ -n "$OUTPUT" ]; then
    ARTIFACTS="$(s3_uri --output "$OUTPUT")_deploy/"
    say delete "artifacts under $ARTIFACTS"; run aws s3 rm --recursive --quiet "$ARTIFACTS"
  fi
}

if [ "$DESTROY" = 1 ]; then destroy; exit 0; fi

[ -n "$LOGS" ] || die "--logs is required (see --help)"
[ -n "$OUTPUT" ] || die "--output is required (see --help)"
LOGS=$(s3_uri --logs "$LOGS"); OUTPUT=$(s3_uri --output "$OUTPUT")
ARTIFACTS=$(s3_uri --artifacts "${ARTIFACTS:-${OUTPUT}_deploy}")
[ -z "$CUR" ] || CUR=$(s3_uri --cur "$CUR")
[ -f "$PRICING" ] || die "--pricing: no such file $PRICING"
"$PYTHON" -c "import bedrock_costs" 2>/dev/null || die "bedrock_costs is not importable by $PYTHON (run make first)"
"$PYTHON" -m bedrock_costs.cli pricing validate "$PRICING" >/dev/null || die "the price table is invalid"

ACCOUNT=$(aws sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
VERSION=$("$PYTHON" -c "import bedrock_costs; print(bedrock_costs.__version__)")
WHEEL="bedrock_costs-$VERSION-py3-none-any.whl"
echo "deploying $PREFIX $VERSION to account $ACCOUNT, $REGION$( [ "$DRY_RUN" = 1 ] && echo ' (dry run: nothing changes)')"

# 1. artifacts: the wheel, the job scripts and the price tables
BUILD=$(mktemp -d); trap 'rm -rf "$BUILD"' EXIT
say upload "wheel, job scripts and price tables to $ARTIFACTS"
if [ "$DRY_RUN" = 0 ]; then
  if [ -z "$WHEEL_FILE" ]; then
    "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$BUILD" "$HERE" >/dev/null
    WHEEL_FILE="$BUILD/$WHEEL"
  fi
  [ "$(basename "$WHEEL_FILE")" = "$WHEEL" ] && [ -f "$WHEEL_FILE" ] || die "no wheel $WHEEL (--wheel $WHEEL_FILE)"
  aws s3 cp --quiet "$WHEEL_FILE" "${ARTIFACTS}wheels/$WHEEL"
  for script in "$HERE"/jobs/*.py; do aws s3 cp --quiet "$script" "${ARTIFACTS}jobs/$(basename "$script")"; done
  aws s3 cp --quiet "$PRICING" "${ARTIFACTS}pricing/bedrock_prices.csv"
  aws s3 cp --quiet "$HERE/pricing/bedrock_unit_prices.csv" "${ARTIFACTS}pricing/bedrock_unit_prices.csv"
fi

# 2. the jobs' role: read logs, CUR and artifacts; write the output prefix; its own database only
s3_read() {  # statement pair reading one prefix
  local uri=$1 sid=$2 bucket key
  bucket=$(bucket_of "$uri"); key=$(key_of "$uri")
  cat <<EOF
    {"Sid": "${sid}Objects", "Effect": "Allow", "Action": ["s3:GetObject"],
     "Resource": "arn:aws:s3:::$bucket/$key*"},
    {"Sid": "${sid}List", "Effect": "Allow", "Action": ["s3:ListBucket"],
     "Resource": "arn:aws:s3:::$bucket", "Condition": {"StringLike": {"s3:prefix": ["$key*"]}}},
EOF
}
OUT_BUCKET=$(bucket_of "$OUTPUT"); OUT_KEY=$(key_of "$OUTPUT")
POLICY=$(cat <<EOF
{"Version": "2012-10-17", "Statement": [
$(s3_read "$LOGS" ReadLogs)
$( [ -z "$CUR" ] || s3_read "$CUR" ReadCur)
$(s3_read "$ARTIFACTS" ReadArtifacts)
    {"Sid": "WriteOutput", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": "arn:aws:s3:::$OUT_BUCKET/$OUT_KEY*"},
    {"Sid": "ListOutput", "Effect": "Allow", "Action": ["s3:ListBucket"],
     "Resource": "arn:aws:s3:::$OUT_BUCKET", "Condition": {"StringLike": {"s3:prefix": ["$OUT_KEY*"]}}},
    {"Sid": "OwnCatalogDatabase", "Effect": "Allow",
     "Action": ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
                "glue:CreateTable", "glue:UpdateTable", "glue:GetPartition", "glue:GetPartitions",
                "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition",
                "glue:DeletePartition", "glue:BatchDeletePartition", "glue:BatchGetPartition"],
     "Resource": ["arn:aws:glue:$REGION:$ACCOUNT:catalog",
                  "arn:aws:glue:$REGION:$ACCOUNT:database/$DATABASE",
                  "arn:aws:glue:$REGION:$ACCOUNT:table/$DATABASE/*"]},
    {"Sid": "DefaultDatabaseLookup", "Effect": "Allow", "Action": ["glue:GetDatabase"],
     "Resource": ["arn:aws:glue:$REGION:$ACCOUNT:database/default"]},
    {"Sid": "JobLogs", "Effect": "Allow",
     "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": "arn:aws:logs:$REGION:$ACCOUNT:log-group:/aws-glue/*"},
    {"Sid": "JobMetrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
     "Condition": {"StringEquals": {"cloudwatch:namespace": "Glue"}}}
]}
EOF
)
TRUST='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
if exists aws iam get-role --role-name "$ROLE"; then
  HAVE=$(aws iam get-role-policy --role-name "$ROLE" --policy-name "$PREFIX-access" --query PolicyDocument --output json 2>/dev/null || true)
  if same_json "$HAVE" "$POLICY"; then
    say unchanged "iam role $ROLE (inline policy $PREFIX-access)"
  else
    say update "iam role $ROLE (inline policy $PREFIX-access)"
    run aws iam put-role-policy --role-name "$ROLE" --policy-name "$PREFIX-access" --policy-document "$POLICY"
  fi
else
  say create "iam role $ROLE (inline policy $PREFIX-access)"
  run aws iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST" \
    --description "bedrock-costs Glue jobs ($PREFIX)" --tags "Key=app,Value=bedrock-costs" "Key=prefix,Value=$PREFIX"
  run aws iam put-role-policy --role-name "$ROLE" --policy-name "$PREFIX-access" --policy-document "$POLICY"
fi
ROLE_ARN="arn:aws:iam::$ACCOUNT:role/$ROLE"

# 3. the Glue database
if exists aws glue get-database --name "$DATABASE"; then
  say unchanged "glue database $DATABASE"
else
  say create "glue database $DATABASE"
  run aws glue create-database --database-input "{\"Name\": \"$DATABASE\", \"Description\": \"bedrock-costs tables ($PREFIX)\"}"
fi

# 3b. the tables, from schemas/ (partition projection; columns the jobs added are kept)
for table in invocations quarantine reconciliation allocations focus; do
  EXISTING=$(aws glue get-table --database-name "$DATABASE" --name "$table" --output json 2>/dev/null || true)
  PLAN=$(printf '%s' "$EXISTING" | "$PYTHON" -m bedrock_costs.catalog_tables --table "$table" --output "$OUTPUT")
  ACTION=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["action"])' "$PLAN")
  INPUT=$("$PYTHON" -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["table_input"]))' "$PLAN")
  say "$ACTION" "glue table $DATABASE.$table"
  case "$ACTION" in
    create) run aws glue create-table --database-name "$DATABASE" --table-input "$INPUT" ;;
    update) record glue UpdateTable "{\"DatabaseName\": \"$DATABASE\", \"TableInput\": $INPUT}"
            run aws glue update-table --database-name "$DATABASE" --table-input "$INPUT" ;;
  esac
done

# 3c. Athena: a workgroup writing query results under the output, and the dashboard views
WORKGROUP="$PREFIX"
if [ -n "$(workgroup_named "$WORKGROUP")" ]; then
  say unchanged "athena workgroup $WORKGROUP"
else
  say create "athena workgroup $WORKGROUP (results under ${OUTPUT}_athena/)"
  run aws athena create-work-group --name "$WORKGROUP" --description "bedrock-costs ($PREFIX)" \
    --configuration "ResultConfiguration={OutputLocation=${OUTPUT}_athena/},EnforceWorkGroupConfiguration=true,PublishCloudWatchMetricsEnabled=true"
fi
while IFS=$'\t' read -r VIEW SQL; do
  say replace "athena view $DATABASE.$VIEW"
  run aws athena start-query-execution --work-group "$WORKGROUP" --query-string "$SQL" \
    --query-execution-context "Database=$DATABASE"
done < <("$PYTHON" -m bedrock_costs.views --database "$DATABASE")

# 3d. QuickSight: an Athena data source and a dataset per view, with fixed ids
if [ -n "$QS_PRINCIPAL" ]; then
  QS="$BUILD/quicksight"
  "$PYTHON" -m bedrock_costs.quicksight --account "$ACCOUNT" --region "$REGION" --prefix "$PREFIX" \
    --database "$DATABASE" --workgroup "$WORKGROUP" --principal "$QS_PRINCIPAL" --to "$QS"
  if exists aws quicksight describe-data-source --aws-account-id "$ACCOUNT" --data-source-id "$PREFIX-athena"; then
    say update "quicksight data source $PREFIX-athena"
    record quicksight UpdateDataSource "$(cat "$QS/source-update.json")"
    run aws quicksight update-data-source --cli-input-json "file://$QS/source-update.json"
  else
    say create "quicksight data source $PREFIX-athena"
    record quicksight CreateDataSource "$(cat "$QS/source.json")"
    run aws quicksight create-data-source --cli-input-json "file://$QS/source.json"
  fi
  for request in "$QS"/dataset-*-update.json; do
    create=${request%-update.json}.json
    id=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["DataSetId"])' "$create")
    record quicksight CreateDataSet "$(cat "$create")"
    record quicksight UpdateDataSet "$(cat "$request")"
    if [ "$DRY_RUN" = 1 ]; then say create/update "quicksight dataset $id"; continue; fi
    # create, or update in place when it exists: the id never changes, dashboards keep working
    if out=$(aws quicksight create-data-set --cli-input-json "file://$create" 2>&1); then
      say create "quicksight dataset $id"
    elif [[ $out == *ResourceExistsException* ]]; then
      say update "quicksight dataset $id"
      aws quicksight update-data-set --cli-input-json "file://$request" >/dev/null
    else
      echo "$out" >&2; die "could not create the QuickSight dataset $id"
    fi
  done
fi

# 4. the Glue jobs: created, updated when their definition differs, else left alone
job_definition() {  # name script arguments-json
  cat <<EOF
{"Role": "$ROLE_ARN",
 "Command": {"Name": "glueetl", "ScriptLocation": "${ARTIFACTS}jobs/$2", "PythonVersion": "3"},
 "DefaultArguments": {
   "--job-language": "python",
   "--enable-glue-datacatalog": "true",
   "--additional-python-modules": "${ARTIFACTS}wheels/$WHEEL",
   "--python-modules-installer-option": "--no-deps",
   "--database": "$DATABASE",
   $3},
 "GlueVersion": "$GLUE_VERSION", "WorkerType": "$WORKER_TYPE", "NumberOfWorkers": $WORKERS,
 "ExecutionProperty": {"MaxConcurrentRuns": 1},
 "Description": "bedrock-costs $1 ($PREFIX)"}
EOF
}
ensure_job() {  # name definition
  local name=$1 want=$2 have
  if have=$(aws glue get-job --job-name "$name" --query 'Job.{Role: Role, Command: Command, DefaultArguments: DefaultArguments, GlueVersion: GlueVersion, WorkerType: WorkerType, NumberOfWorkers: NumberOfWorkers, ExecutionProperty: ExecutionProperty, Description: Description}' --output json 2>/dev/null); then
    if same_json "$have" "$want"; then say unchanged "glue job $name"; return; fi
    say update "glue job $name"
    record glue UpdateJob "{\"JobName\": \"$name\", \"JobUpdate\": $want}"
    run aws glue update-job --job-name "$name" --job-update "$want"
  else
    say create "glue job $name"
    run aws glue create-job --name "$name" --cli-input-json "$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); d["Name"]=sys.argv[2]; d["Tags"]={"app": "bedrock-costs"}; print(json.dumps(d))' "$want" "$name")"
  fi
}
ensure_job "$COST_JOB" "$(job_definition invocation-costs invocation_costs.py "
   \"--logs_path\": \"$LOGS\", \"--output_path\": \"$OUTPUT\",
   \"--pricing_path\": \"${ARTIFACTS}pricing/bedrock_prices.csv\",
   \"--unit_pricing_path\": \"${ARTIFACTS}pricing/bedrock_unit_prices.csv\"")"
if [ -n "$CUR" ]; then
  ensure_job "$RECONCILE_JOB" "$(job_definition cur-reconcile cur_reconcile.py "
   \"--output_path\": \"$OUTPUT\", \"--cur_path\": \"$CUR\",
   \"--pricing_path\": \"${ARTIFACTS}pricing/bedrock_prices.csv\"")"
fi

# 5. triggers: the daily cost run over a trailing window; reconciliation after each success
ensure_trigger() {  # name definition
  local name=$1 want=$2 have
  if have=$(aws glue get-trigger --name "$name" --query 'Trigger.{Type: Type, Schedule: Schedule, Actions: Actions, Predicate: Predicate}' --output json 2>/dev/null); then
    if same_json "$have" "$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({k: d.get(k) for k in ("Type","Schedule","Actions","Predicate")}))' "$want")"; then
      say unchanged "glue trigger $name"; return
    fi
    say update "glue trigger $name"
    local update
    update=$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); d.pop("Type"); d.pop("StartOnCreation", None); d["Name"]=sys.argv[2]; print(json.dumps(d))' "$want" "$name")
    record glue UpdateTrigger "{\"Name\": \"$name\", \"TriggerUpdate\": $update}"
    run aws glue update-trigger --name "$name" --trigger-update "$update"
  else
    say create "glue trigger $name"
    run aws glue create-trigger --name "$name" --cli-input-json "$want"
  fi
}
ensure_trigger "$SCHEDULE_TRIGGER" "{\"Type\": \"SCHEDULED\", \"Schedule\": \"$SCHEDULE\",
  \"Actions\": [{\"JobName\": \"$COST_JOB\", \"Arguments\": {\"--trailing_days\": \"$TRAILING_DAYS\"}}],
  \"StartOnCreation\": true}"
if [ -n "$CUR" ]; then
  ensure_trigger "$RECONCILE_TRIGGER" "{\"Type\": \"CONDITIONAL\",
    \"Predicate\": {\"Logical\": \"ANY\", \"Conditions\": [{\"LogicalOperator\": \"EQUALS\", \"JobName\": \"$COST_JOB\", \"State\": \"SUCCEEDED\"}]},
    \"Actions\": [{\"JobName\": \"$RECONCILE_JOB\"}], \"StartOnCreation\": true}"
fi

echo "done. Run the cost job now:  aws glue start-job-run --job-name $COST_JOB --arguments '{\"--trailing_days\":\"$TRAILING_DAYS\"}'"
