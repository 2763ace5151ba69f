#!/usr/bin/env bash
# Deploy bedrock-costs into an AWS account: artifacts, a least-privilege role, the Glue database
# and its Apache Iceberg tables, the Athena workgroup and views, the Glue jobs and their triggers,
# optionally QuickSight datasets and a dashboard with row-level security and Lake Formation
# data-cell filters.
# Non-interactive and idempotent: a second run updates what changed and reports the rest
# unchanged. Run with --help for every option.
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
  --maintain-schedule CRON when the table maintenance job runs (expire old snapshots, remove
                           orphan files, compact small ones; default "cron(0 4 ? * SUN *)":
                           Sundays 04:00 UTC)                        [BC_MAINTAIN_SCHEDULE]
  --timeout-minutes N      a job run still running after N minutes is stopped (default 240;
                           Glue's own default is 48 hours)          [BC_TIMEOUT_MINUTES]
  --trailing-days N        days each scheduled run re-prices, today included, so
                           late-delivered logs are picked up (default 3)  [BC_TRAILING_DAYS]
  --pricing CSV            price table to deploy (default pricing/bedrock_prices.csv) [BC_PRICING]
  --wheel FILE             deploy this wheel of the package instead of building one  [BC_WHEEL]
  --wheel-cache DIR        where the jobs' locked dependencies are downloaded once and kept
                           (default ~/.cache/bedrock-costs/glue-wheels) [BC_WHEEL_CACHE]
  --athena-results S3_URI  where the Athena workgroup writes query results; never under
                           --output (default s3://<output bucket>/_athena-results/<prefix>/)
                                                                   [BC_ATHENA_RESULTS]
  --kms-key ARN            a KMS key the jobs may use through S3 (repeatable; the default
                           encryption keys of the buckets are found and added without it)
                                                                   [BC_KMS_KEYS, comma-separated]
  --quicksight-principal ARN  also create the QuickSight Athena data source and one dataset
                           per view (fixed ids), shared with this user or group ARN
                                                                   [BC_QUICKSIGHT_PRINCIPAL]
  --dashboard              also the QuickSight dashboard <prefix>-costs (fixed id), shared
                           with the access file's users and groups as readers;
                           needs --quicksight-principal                  [BC_DASHBOARD=1]
  --access FILE            row-level security from a TOML file mapping QuickSight users and
                           groups or IAM principals to tenants and/or accounts (README
                           "Row-level security"): QuickSight rules datasets on every
                           dataset, Lake Formation data-cell filters with --lake-formation
                                                                   [BC_ACCESS]
  --lake-formation         govern the output with Lake Formation: register the output
                           location, grant the jobs' role (and the QuickSight principal)
                           access, create the access file's filters for IAM principals
                           (on the Iceberg tables: docs/deploy.md, "Lake Formation")
                                                                   [BC_LAKE_FORMATION=1]
  --dry-run                print the plan (create / update / unchanged, and what an update of
                           a job, trigger or workgroup changes) and change nothing
  --check                  the preflight: reading only, report what a first deploy needs and
                           lacks (buckets and their encryption, Bedrock invocation logging,
                           the CUR 2.0 export, Lake Formation admin, QuickSight), each ok or
                           missing with its fix; exit 1 if anything is missing
  --logging-region R       also check invocation logging in Region R (repeatable; --region is
                           always checked)                   [BC_LOGGING_REGIONS, comma-separated]
  --cur-bucket-policy      print what the owner of a CUR bucket in another account (the
                           payer) adds so that the jobs' role may read --cur: two bucket
                           policy statements and a KMS key policy statement; change nothing
  --destroy                remove what deploy.sh created: triggers, jobs, the Glue database
                           (table definitions only), the role and the artifacts. Never the logs,
                           the CUR export or the tables' data and Iceberg metadata under
                           --output (a later deploy registers those tables again). Pass the
                           options you deployed with (--output, --lake-formation).
  -h, --help               this help
EOF
}

die() { echo "deploy.sh: error: $*" >&2; exit 2; }   # a usage error: nothing was changed
fail() { echo "deploy.sh: error: $*" >&2; exit 1; }  # AWS refused or failed a step

LOGS=${BC_LOGS:-} OUTPUT=${BC_OUTPUT:-} CUR=${BC_CUR:-} ARTIFACTS=${BC_ARTIFACTS:-}
PREFIX=${BC_PREFIX:-bedrock-costs} DATABASE=${BC_DATABASE:-}
GLUE_VERSION=${BC_GLUE_VERSION:-5.0} WORKER_TYPE=${BC_WORKER_TYPE:-G.1X} WORKERS=${BC_WORKERS:-2}
SCHEDULE=${BC_SCHEDULE:-"cron(30 2 * * ? *)"} TRAILING_DAYS=${BC_TRAILING_DAYS:-3}
TIMEOUT_MINUTES=${BC_TIMEOUT_MINUTES:-240}
MAINTAIN_SCHEDULE=${BC_MAINTAIN_SCHEDULE:-"cron(0 4 ? * SUN *)"}
PRICING=${BC_PRICING:-} WHEEL_FILE=${BC_WHEEL:-} WHEEL_CACHE=${BC_WHEEL_CACHE:-} DRY_RUN=0 DESTROY=0 CUR_POLICY=0 CHECK=0 KMS_KEYS=${BC_KMS_KEYS:-}
ATHENA_RESULTS=${BC_ATHENA_RESULTS:-} LOGGING_REGIONS=${BC_LOGGING_REGIONS:-}
QS_PRINCIPAL=${BC_QUICKSIGHT_PRINCIPAL:-} ACCESS=${BC_ACCESS:-}
DASHBOARD=${BC_DASHBOARD:-0} LAKE_FORMATION=${BC_LAKE_FORMATION:-0}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dry-run) DRY_RUN=1; shift; continue ;;
    --destroy) DESTROY=1; shift; continue ;;
    --cur-bucket-policy) CUR_POLICY=1; shift; continue ;;
    --check) CHECK=1; shift; continue ;;
    --dashboard) DASHBOARD=1; shift; continue ;;
    --lake-formation) LAKE_FORMATION=1; shift; continue ;;
  esac
  [ $# -ge 2 ] || die "$1 needs a value (see --help)"
  case "$1" in
    --logs) LOGS=$2 ;; --output) OUTPUT=$2 ;; --cur) CUR=$2 ;; --artifacts) ARTIFACTS=$2 ;;
    --prefix) PREFIX=$2 ;; --database) DATABASE=$2 ;; --region) REGION=$2 ;;
    --profile) export AWS_PROFILE=$2 ;; --glue-version) GLUE_VERSION=$2 ;;
    --worker-type) WORKER_TYPE=$2 ;; --workers) WORKERS=$2 ;; --schedule) SCHEDULE=$2 ;;
    --maintain-schedule) MAINTAIN_SCHEDULE=$2 ;;
    --trailing-days) TRAILING_DAYS=$2 ;; --timeout-minutes) TIMEOUT_MINUTES=$2 ;; --pricing) PRICING=$2 ;;
    --wheel) WHEEL_FILE=$2 ;; --wheel-cache) WHEEL_CACHE=$2 ;;
    --quicksight-principal) QS_PRINCIPAL=$2 ;; --access) ACCESS=$2 ;;
    --kms-key) KMS_KEYS="${KMS_KEYS:+$KMS_KEYS,}$2" ;; --athena-results) ATHENA_RESULTS=$2 ;;
    --logging-region) LOGGING_REGIONS="${LOGGING_REGIONS:+$LOGGING_REGIONS,}$2" ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-$( [ -x "$HERE/.venv/bin/python" ] && echo "$HERE/.venv/bin/python" || echo python3 )}
PRICING=${PRICING:-$HERE/pricing/bedrock_prices.csv}
WHEEL_CACHE=${WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bedrock-costs/glue-wheels}
DATABASE=${DATABASE:-${PREFIX//-/_}}
[ -n "$REGION" ] || die "no AWS Region: pass --region or set AWS_REGION"
export AWS_DEFAULT_REGION=$REGION AWS_PAGER=""
command -v aws >/dev/null || die "the AWS CLI (aws) is not on PATH"
[[ $PREFIX =~ ^[a-z][a-z0-9-]{0,40}$ ]] || die "--prefix must be lower-case letters, digits and -"
[[ $DATABASE =~ ^[a-z][a-z0-9_]{0,60}$ ]] || die "--database must be lower-case letters, digits and _"
[[ $WORKERS =~ ^[0-9]+$ && $WORKERS -ge 2 ]] || die "--workers must be 2 or more"
[[ $TRAILING_DAYS =~ ^[0-9]+$ && $TRAILING_DAYS -ge 1 ]] || die "--trailing-days must be 1 or more"
[[ $TIMEOUT_MINUTES =~ ^[0-9]+$ && $TIMEOUT_MINUTES -ge 1 && $TIMEOUT_MINUTES -le 2880 ]] \
  || die "--timeout-minutes must be 1 to 2880 (Glue's limit)"
[[ $DASHBOARD =~ ^[01]$ && $LAKE_FORMATION =~ ^[01]$ ]] || die "BC_DASHBOARD and BC_LAKE_FORMATION are 0 or 1"

s3_uri() {  # normalise s3://bucket/prefix to s3://bucket/prefix/ (prefix may be empty)
  local name=$1 value=$2
  [[ $value =~ ^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$ ]] || die "$name must be an s3:// URI, got '$value'"
  value=${value%/}; echo "$value/"
}
bucket_of() { local rest=${1#s3://}; echo "${rest%%/*}"; }
key_of() { local rest=${1#s3://}; [[ $rest == */* ]] && echo "${rest#*/}" || echo ""; }

ROLE="$PREFIX-glue-jobs"
COST_JOB="$PREFIX-invocation-costs"

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

# One of the resources a batch read returned (one AWS CLI call for several, each call costs a
# process start): `pick JSON LIST NAME [FIELD...]` prints it (only FIELDs, if given), or nothing.
pick() {
  "$PYTHON" - "$@" <<'PY'
import json, sys
text, key, name, fields = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
found = [r for r in (json.loads(text).get(key) or []) if r.get("Name") == name] if text.strip() else []
if found:
    print(json.dumps({f: found[0].get(f) for f in fields} if fields else found[0]))
PY
}
# A filter of a ListDataCellsFilter response as the TableData deploy.sh sends, or null
pick_filter() {  # response database table name
  "$PYTHON" - "$@" <<'PY'
import json, sys
found = json.loads(sys.argv[1] or "{}").get("DataCellsFilters") or []
keys = ("TableCatalogId", "DatabaseName", "TableName", "Name", "RowFilter", "ColumnWildcard")
database, table, name = sys.argv[2:5]
have = [f for f in found if (f.get("DatabaseName"), f.get("TableName"), f.get("Name")) == (database, table, name)]
print(json.dumps({k: have[0].get(k) for k in keys} if have else None))
PY
}

# With BC_PLAN_DIR set, the API parameters of update calls are also written there as JSON
# (service-operation.json): the tests check them against botocore's service model.
record() {  # service operation params-json
  [ -n "${BC_PLAN_DIR:-}" ] || return 0
  printf '%s\n' "$3" > "$BC_PLAN_DIR/$1-$2-$(date +%s%N).json"
}

# One Lake Formation batch call; the API reports refused entries in Failures, not the exit code
lf_batch() {  # operation request-json-or-file://
  [ "$DRY_RUN" = 0 ] || return 0
  local failed
  failed=$(aws lakeformation "$1" --cli-input-json "$2" --query 'Failures[].Error.ErrorMessage' --output text) || return 1
  [ -z "$failed" ] || [ "$failed" = None ] || { echo "deploy.sh: lake formation $1: $failed" >&2; return 1; }
}

# The data-cell filters of the database, as a ListDataCellsFilter response (one call for all)
lf_filters_json() {
  aws lakeformation list-data-cells-filter --output json 2>/dev/null || echo '{}'
}
# Those deploy.sh made (bc-*), as table<TAB>name lines
lf_filters() {
  "$PYTHON" - "$1" "$DATABASE" <<'PY'
import json, sys
found = json.loads(sys.argv[1] or "{}").get("DataCellsFilters") or []
for f in found:
    if f.get("DatabaseName") == sys.argv[2] and f.get("Name", "").startswith("bc-"):
        print(f"{f['TableName']}\t{f['Name']}")
PY
}

delete_filter() {  # table name: a filter of a grant no longer in the access file
  say delete "lake formation filter $2 on $DATABASE.$1"
  record lakeformation DeleteDataCellsFilter "{\"TableCatalogId\": \"$ACCOUNT\", \"DatabaseName\": \"$DATABASE\", \"TableName\": \"$1\", \"Name\": \"$2\"}"
  run aws lakeformation delete-data-cells-filter --table-catalog-id "$ACCOUNT" --database-name "$DATABASE" --table-name "$1" --name "$2"
}

# --destroy (deploy/destroy.py): what deploy.sh made, in the reverse order; never the data
destroy() {
  ACCOUNT=$(aws sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
  echo "destroying $PREFIX in $REGION (logs, CUR and table data are kept)"
  local options=(--account "$ACCOUNT" --prefix "$PREFIX" --database "$DATABASE")
  [ -z "$OUTPUT" ] || options+=(--output "$(s3_uri --output "$OUTPUT")")
  [ -z "$ARTIFACTS" ] || options+=(--artifacts "$(s3_uri --artifacts "$ARTIFACTS")")
  [ "$LAKE_FORMATION" = 0 ] || options+=(--lake-formation)
  [ "$DRY_RUN" = 0 ] || options+=(--dry-run)
  "$PYTHON" -m bedrock_costs.deploy.destroy "${options[@]}" || fail "the destroy stopped (above)"
}

if [ "$DESTROY" = 1 ]; then destroy; exit 0; fi

[ -n "$LOGS" ] || die "--logs is required (see --help)"
[ -n "$OUTPUT" ] || die "--output is required (see --help)"
LOGS=$(s3_uri --logs "$LOGS"); OUTPUT=$(s3_uri --output "$OUTPUT")
ARTIFACTS=$(s3_uri --artifacts "${ARTIFACTS:-${OUTPUT}_deploy}")
[ -z "$CUR" ] || CUR=$(s3_uri --cur "$CUR")
[ -f "$PRICING" ] || die "--pricing: no such file $PRICING"
"$PYTHON" -c "import bedrock_costs" 2>/dev/null || die "bedrock_costs is not importable by $PYTHON (run make first)"
"$PYTHON" -c "import pyiceberg.catalog.glue" 2>/dev/null \
  || die "pyiceberg is not importable by $PYTHON (pip install 'bedrock-costs[deploy]', or run make)"
"$PYTHON" -m bedrock_costs pricing validate "$PRICING" >/dev/null || die "the price table is invalid"
[ "$DASHBOARD" = 0 ] || [ -n "$QS_PRINCIPAL" ] || die "--dashboard needs --quicksight-principal"
TENANT_TAG=tenant TENANT_COLUMN=
if [ -n "$ACCESS" ]; then
  CHECKED=$("$PYTHON" -m bedrock_costs.deploy.access check "$ACCESS" 2>&1) || die "--access: $CHECKED"
  IFS=$'\t' read -r TENANT_TAG TENANT_COLUMN <<<"$CHECKED"
fi

ACCOUNT=$(aws sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
if [ "$CHECK" = 1 ]; then  # the preflight (deploy/preflight.py): reads only
  CHECK_OPTIONS=(--account "$ACCOUNT" --region "$REGION" --logs "$LOGS" --output "$OUTPUT" --cur "$CUR")
  IFS=',' read -r -a CHECK_REGIONS <<< "$LOGGING_REGIONS"
  for region in "${CHECK_REGIONS[@]}"; do CHECK_OPTIONS+=(--logging-region "$region"); done
  [ "$LAKE_FORMATION" = 0 ] || CHECK_OPTIONS+=(--lake-formation)
  [ -z "$QS_PRINCIPAL" ] || CHECK_OPTIONS+=(--quicksight-principal "$QS_PRINCIPAL")
  [ -z "$ACCESS" ] || CHECK_OPTIONS+=(--row-level-security)
  echo "checking what deploying $PREFIX to account $ACCOUNT, $REGION needs (nothing changes)"
  exec "$PYTHON" -m bedrock_costs.deploy.preflight "${CHECK_OPTIONS[@]}"
fi
if [ "$CUR_POLICY" = 1 ]; then  # for the CUR bucket's owner (deploy/cur_access.py); no change here
  [ -n "$CUR" ] || die "--cur-bucket-policy needs --cur"
  exec "$PYTHON" -m bedrock_costs.deploy.cur_access --role-arn "arn:aws:iam::$ACCOUNT:role/$ROLE" \
    --cur "$CUR" --region "$REGION"
fi
VERSION=$("$PYTHON" -c "import bedrock_costs; print(bedrock_costs.__version__)")
WHEEL="bedrock_costs-$VERSION-py3-none-any.whl"; MODULES="bedrock_costs-$VERSION.gluewheels.zip"
echo "deploying $PREFIX $VERSION to account $ACCOUNT, $REGION$( [ "$DRY_RUN" = 1 ] && echo ' (dry run: nothing changes)')"
# the jobs' role, least privilege (deploy/role_policy.py): made now, so that a location the
# policy cannot name exactly stops the deploy before anything is written
KMS_OPTIONS=(--detect-kms)
IFS=',' read -r -a KMS_LIST <<< "$KMS_KEYS"
for key in "${KMS_LIST[@]}"; do [ -z "$key" ] || KMS_OPTIONS+=(--kms-key "$key"); done
ROLE_OPTIONS=(--account "$ACCOUNT" --region "$REGION" --prefix "$PREFIX" --database "$DATABASE"
  --logs "$LOGS" --output "$OUTPUT" --artifacts "$ARTIFACTS")
[ -z "$CUR" ] || ROLE_OPTIONS+=(--cur "$CUR")
[ "$LAKE_FORMATION" = 0 ] || ROLE_OPTIONS+=(--lake-formation)
POLICY=$("$PYTHON" -m bedrock_costs.deploy.role_policy "${ROLE_OPTIONS[@]}" "${KMS_OPTIONS[@]}") || exit 2
TRUST=$("$PYTHON" -m bedrock_costs.deploy.role_policy "${ROLE_OPTIONS[@]}" --trust)
OUT_BUCKET=$(bucket_of "$OUTPUT"); OUT_KEY=$(key_of "$OUTPUT")
# Athena's query results: outside the output, which Lake Formation may govern (deploy/athena.py)
[ -z "$ATHENA_RESULTS" ] || ATHENA_RESULTS=$(s3_uri --athena-results "$ATHENA_RESULTS")
ATHENA_RESULTS=$("$PYTHON" -m bedrock_costs.deploy.athena --check --database "$DATABASE" \
  --workgroup "$PREFIX" --prefix "$PREFIX" --output "$OUTPUT" --results "$ATHENA_RESULTS") || exit 2
# the database's tables, read once (one AWS CLI call): the access check and step 3b use them
CATALOG_TABLES=$(aws glue get-tables --database-name "$DATABASE" --output json 2>/dev/null || true)
if [ -z "$ACCESS" ] && [ -n "$(pick "$CATALOG_TABLES" TableList access_rules Name)" ]; then
  die "this deployment has row-level security: pass its --access file (a deploy without it would show every row)"
fi

# 1. artifacts: the zip of wheels (the package and its locked dependencies, which Glue installs
# offline: deploy/glue_wheels.py), the job scripts, the price tables and the access file's rules
# tables, staged here and uploaded where they changed (deploy/artifacts.py)
DRY=(); [ "$DRY_RUN" = 0 ] || DRY=(--dry-run)
BUILD=$(mktemp -d); trap 'rm -rf "$BUILD"' EXIT
if [ -z "$WHEEL_FILE" ]; then
  "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$BUILD" "$HERE" >/dev/null
  WHEEL_FILE="$BUILD/$WHEEL"
fi
[ "$(basename "$WHEEL_FILE")" = "$WHEEL" ] && [ -f "$WHEEL_FILE" ] || die "no wheel $WHEEL (--wheel $WHEEL_FILE)"
STAGE="$BUILD/artifacts"; mkdir -p "$STAGE/wheels" "$STAGE/jobs" "$STAGE/pricing"
RELIED=$("$PYTHON" -m bedrock_costs.deploy.glue_wheels build --wheel "$WHEEL_FILE" \
  --to "$STAGE/wheels/$MODULES" --cache "$WHEEL_CACHE") || die "the jobs' Python dependencies (above)"
echo "  the jobs' Python modules: $WHEEL and its locked dependencies; the job $RELIED"
cp "$HERE"/jobs/*.py "$STAGE/jobs/"
cp "$PRICING" "$STAGE/pricing/bedrock_prices.csv"; cp "$HERE/pricing/bedrock_unit_prices.csv" "$STAGE/pricing/"
if [ -n "$ACCESS" ]; then  # the QuickSight rules tables' data: one folder per table
  "$PYTHON" -m bedrock_costs.deploy.access write "$ACCESS" --to "$BUILD/access" --account "$ACCOUNT" --database "$DATABASE"
  for table in access_rules access_rules_accounts; do
    mkdir -p "$STAGE/access/$table"; cp "$BUILD/access/$table.csv" "$STAGE/access/$table/"
  done
fi
"$PYTHON" -m bedrock_costs.deploy.artifacts --from "$STAGE" --to "$ARTIFACTS" "${DRY[@]}" \
  || fail "the artifacts could not be uploaded (above)"

# 2-3. the jobs' role (its policy, deploy/role_policy.py, was made before anything was written)
# and the Glue database (deploy/foundation.py): read, created, updated in place or unchanged
FOUNDATION=(--role "$ROLE" --prefix "$PREFIX" --database "$DATABASE" --policy "$POLICY" --trust "$TRUST")
[ "$LAKE_FORMATION" = 0 ] || FOUNDATION+=(--lake-formation)
"$PYTHON" -m bedrock_costs.deploy.foundation "${FOUNDATION[@]}" "${DRY[@]}" \
  || fail "the jobs' role or the Glue database could not be made (above)"
ROLE_ARN="arn:aws:iam::$ACCOUNT:role/$ROLE"

# 3b. the tables: the jobs' outputs as Apache Iceberg tables (pyiceberg: created, registered
# again, migrated from an earlier version's Hive-style definition, or given the declared tenant
# column); the access file's rules tables as CSV tables
TAG_OPTIONS=()
[ "$LAKE_FORMATION" = 0 ] || [ -z "$TENANT_COLUMN" ] || TAG_OPTIONS+=(--tag-column "$TENANT_COLUMN")
ICEBERG_PLAN=$(printf '%s' "$CATALOG_TABLES" | "$PYTHON" -m bedrock_costs.deploy.iceberg_tables \
  --output "$OUTPUT" --database "$DATABASE" "${TAG_OPTIONS[@]}" "${DRY[@]}" \
  $(printf -- '--table %s ' invocations quarantine reconciliation allocations focus)) \
  || die "could not create or update the Iceberg tables"
while IFS=$'\t' read -r ACTION table DETAIL; do
  say "$ACTION" "glue table $DATABASE.$table (iceberg${DETAIL:+: $DETAIL})"
done <<< "$ICEBERG_PLAN"
if [ -n "$ACCESS" ]; then
  TABLE_PLAN=$(printf '%s' "$CATALOG_TABLES" | "$PYTHON" -m bedrock_costs.deploy.glue_tables \
    --rules-root "${ARTIFACTS}access/" --table access_rules --table access_rules_accounts) \
    || die "could not plan the Glue tables"
  while IFS=$'\t' read -r ACTION table INPUT; do
    say "$ACTION" "glue table $DATABASE.$table"
    case "$ACTION" in
      create) run aws glue create-table --database-name "$DATABASE" --table-input "$INPUT" ;;
      update) record glue UpdateTable "{\"DatabaseName\": \"$DATABASE\", \"TableInput\": $INPUT}"
              run aws glue update-table --database-name "$DATABASE" --table-input "$INPUT" ;;
    esac
  done <<< "$TABLE_PLAN"
fi

# 4-5. the Glue jobs and their triggers (deploy/glue_jobs.py): created, updated in place when
# they differ, else left alone; every optional job argument set to its default
"$PYTHON" -m bedrock_costs.deploy.glue_jobs --prefix "$PREFIX" --region "$REGION" --role-arn "$ROLE_ARN" \
  --database "$DATABASE" --artifacts "$ARTIFACTS" --modules "$MODULES" --logs "$LOGS" --output "$OUTPUT" \
  --cur "$CUR" --glue-version "$GLUE_VERSION" --worker-type "$WORKER_TYPE" --workers "$WORKERS" \
  --timeout-minutes "$TIMEOUT_MINUTES" --schedule "$SCHEDULE" --maintain-schedule "$MAINTAIN_SCHEDULE" \
  --trailing-days "$TRAILING_DAYS" "${DRY[@]}" || fail "the Glue jobs or triggers could not be made (above)"

# 6. Lake Formation that decides (deploy/governance.py): the database without default grants,
# IAM_ALLOWED_PRINCIPALS revoked (and checked gone), `default` for Spark, and what the deploying
# identity needs to replace the views
if [ "$LAKE_FORMATION" = 1 ]; then
  "$PYTHON" -m bedrock_costs.deploy.governance --account "$ACCOUNT" --database "$DATABASE" \
    --role-arn "$ROLE_ARN" "${DRY[@]}" || fail "Lake Formation could not be set to decide (above)"
fi

# 7. Athena (deploy/athena.py): a workgroup writing query results outside the output, and the
# dashboard views, each awaited until Athena says it succeeded
WORKGROUP="$PREFIX"
"$PYTHON" -m bedrock_costs.deploy.athena --database "$DATABASE" --workgroup "$WORKGROUP" \
  --prefix "$PREFIX" --output "$OUTPUT" --results "$ATHENA_RESULTS" --tenant-tag "$TENANT_TAG" "${DRY[@]}" \
  || fail "the Athena workgroup or views could not be made (above)"

# 8. Lake Formation: the output location governed, the jobs' role (and QuickSight) granted,
# a data-cell filter per IAM principal of the access file and table it reaches
if [ "$LAKE_FORMATION" = 1 ]; then
  LOCATION_ARN="arn:aws:s3:::$OUT_BUCKET/$OUT_KEY"; LOCATION_ARN=${LOCATION_ARN%/}
  if exists aws lakeformation describe-resource --resource-arn "$LOCATION_ARN"; then
    say unchanged "lake formation location $LOCATION_ARN"
  else
    say create "lake formation location $LOCATION_ARN"
    record lakeformation RegisterResource "{\"ResourceArn\": \"$LOCATION_ARN\", \"UseServiceLinkedRole\": true}"
    run aws lakeformation register-resource --resource-arn "$LOCATION_ARN" --use-service-linked-role
  fi
  READER=(); [ -z "$QS_PRINCIPAL" ] || READER=(--reader "$QS_PRINCIPAL")
  request=$("$PYTHON" -m bedrock_costs.deploy.access role-grants --role-arn "$ROLE_ARN" --location-arn "$LOCATION_ARN" \
             --account "$ACCOUNT" --database "$DATABASE" "${READER[@]}")
  record lakeformation BatchGrantPermissions "$request"
  lf_batch batch-grant-permissions "$request" || die "could not grant the Lake Formation permissions of $ROLE"
  say grant "lake formation permissions: $ROLE$( [ -z "$QS_PRINCIPAL" ] || echo " and $QS_PRINCIPAL")"
  if [ -n "$ACCESS" ]; then
    declare -A WANTED=()
    HAVE_FILTERS=$(lf_filters_json)
    while IFS= read -r data; do
      name=$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["TableName"] + "\t" + d["Name"])' "$data")
      table=${name%%$'\t'*}; name=${name#*$'\t'}; WANTED["$table/$name"]=1
      have=$(pick_filter "$HAVE_FILTERS" "$DATABASE" "$table" "$name")
      record lakeformation CreateDataCellsFilter "{\"TableData\": $data}"
      record lakeformation UpdateDataCellsFilter "{\"TableData\": $data}"
      if [ "$have" = "null" ]; then
        say create "lake formation filter $name on $DATABASE.$table"
        run aws lakeformation create-data-cells-filter --table-data "$data"
      elif same_json "$have" "$data"; then
        say unchanged "lake formation filter $name on $DATABASE.$table"
      else
        say update "lake formation filter $name on $DATABASE.$table"
        run aws lakeformation update-data-cells-filter --table-data "$data"
      fi
    done < "$BUILD/access/filters.jsonl"
    while IFS=$'\t' read -r table name; do  # filters of grants no longer in the access file
      [ -n "$name" ] && [ -z "${WANTED["$table/$name"]:-}" ] || continue
      delete_filter "$table" "$name"
    done < <(lf_filters "$HAVE_FILTERS")
    if [ -s "$BUILD/access/grants.json" ]; then
      say grant "lake formation SELECT through the filters to the access file's IAM principals"
      record lakeformation BatchGrantPermissions "$(cat "$BUILD/access/grants.json")"
      lf_batch batch-grant-permissions "file://$BUILD/access/grants.json" || die "could not grant the access file's principals"
    fi
  fi
fi

# 9. QuickSight (deploy/quicksight_apply.py): an Athena data source and a dataset per view, with
# fixed ids, and the dashboard; each creation and each dashboard version awaited
if [ -n "$QS_PRINCIPAL" ]; then
  QS_OPTIONS=(); [ -z "$ACCESS" ] || QS_OPTIONS+=(--access "$ACCESS"); [ "$DASHBOARD" = 0 ] || QS_OPTIONS+=(--dashboard)
  "$PYTHON" -m bedrock_costs.deploy.quicksight_apply --account "$ACCOUNT" --region "$REGION" --prefix "$PREFIX" \
    --database "$DATABASE" --workgroup "$WORKGROUP" --principal "$QS_PRINCIPAL" "${QS_OPTIONS[@]}" "${DRY[@]}" \
    || fail "the QuickSight data source, datasets or dashboard could not be made (above)"
fi

echo "done. Run the cost job now:  aws glue start-job-run --job-name $COST_JOB --arguments '{\"--trailing_days\":\"$TRAILING_DAYS\"}'"
