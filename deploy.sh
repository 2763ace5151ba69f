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

ROLE="$PREFIX-glue-jobs"
COST_JOB="$PREFIX-invocation-costs"

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
"$PYTHON" -m bedrock_costs pricing validate "$PRICING" >/dev/null || die "the price table is invalid"
[ "$DASHBOARD" = 0 ] || [ -n "$QS_PRINCIPAL" ] || die "--dashboard needs --quicksight-principal"
[ -z "$ACCESS" ] || [ -f "$ACCESS" ] || die "--access: no such file $ACCESS"
[ -z "$ATHENA_RESULTS" ] || ATHENA_RESULTS=$(s3_uri --athena-results "$ATHENA_RESULTS")

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
WHEEL="bedrock_costs-$VERSION-py3-none-any.whl"
echo "deploying $PREFIX $VERSION to account $ACCOUNT, $REGION$( [ "$DRY_RUN" = 1 ] && echo ' (dry run: nothing changes)')"
BUILD=$(mktemp -d); trap 'rm -rf "$BUILD"' EXIT
if [ -z "$WHEEL_FILE" ]; then
  # the same source gives the same wheel, byte for byte (its files dated by this fixed
  # time): a redeploy of the same code then uploads no new zip of wheels
  SOURCE_DATE_EPOCH=315532800 "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$BUILD" "$HERE" >/dev/null
  WHEEL_FILE="$BUILD/$WHEEL"
fi
[ "$(basename "$WHEEL_FILE")" = "$WHEEL" ] && [ -f "$WHEEL_FILE" ] || die "no wheel $WHEEL (--wheel $WHEEL_FILE)"

# The deployment itself, in one process (deploy/apply.py): the checks that could refuse it
# (nothing written before they hold), then the artifacts, the role and database, the tables,
# the jobs and triggers, Lake Formation, Athena and QuickSight, each read, then created,
# updated in place or left alone
APPLY=(--account "$ACCOUNT" --region "$REGION" --prefix "$PREFIX" --database "$DATABASE"
  --logs "$LOGS" --output "$OUTPUT" --artifacts "$ARTIFACTS" --cur "$CUR" --home "$HERE"
  --pricing "$PRICING" --wheel "$WHEEL_FILE" --wheel-cache "$WHEEL_CACHE"
  --athena-results "$ATHENA_RESULTS" --access "$ACCESS" --quicksight-principal "$QS_PRINCIPAL"
  --glue-version "$GLUE_VERSION" --worker-type "$WORKER_TYPE" --workers "$WORKERS"
  --timeout-minutes "$TIMEOUT_MINUTES" --schedule "$SCHEDULE" --maintain-schedule "$MAINTAIN_SCHEDULE"
  --trailing-days "$TRAILING_DAYS")
IFS=',' read -r -a KMS_LIST <<< "$KMS_KEYS"
for key in "${KMS_LIST[@]}"; do [ -z "$key" ] || APPLY+=(--kms-key "$key"); done
[ "$LAKE_FORMATION" = 0 ] || APPLY+=(--lake-formation)
[ "$DASHBOARD" = 0 ] || APPLY+=(--dashboard)
[ "$DRY_RUN" = 0 ] || APPLY+=(--dry-run)
"$PYTHON" -m bedrock_costs.deploy.apply "${APPLY[@]}" || exit $?

echo "done. Run the cost job now:  aws glue start-job-run --job-name $COST_JOB --arguments '{\"--trailing_days\":\"$TRAILING_DAYS\"}'"
