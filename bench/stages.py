"""Where the job's time goes: each stage of the first pass timed alone in one warm session.

    python bench/stages.py bench/data/logs-200000 [--repeat 2]

Every stage is run to a `noop` sink (Spark computes every column and writes nothing), the
whole list twice by default: the first round includes the JIT's warm-up, the second is the
steady state. Stages build on each other, so the differences between rows are what each step
adds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "glue"))

from pyspark.sql import DataFrame, SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from bedrock_costs.config import RunConfig  # noqa: E402
from bedrock_costs.contract import schemas  # noqa: E402
from bedrock_costs.invocations.costs import prices_frame, unit_prices_frame  # noqa: E402
from bedrock_costs.invocations.log_files import list_log_files, read_lines  # noqa: E402
from bedrock_costs.invocations.model_ids import profiles_frame  # noqa: E402
from bedrock_costs.invocations.object_reader import read_objects  # noqa: E402
from bedrock_costs.invocations.records import parse_records  # noqa: E402
from bedrock_costs.invocations.tables import (  # noqa: E402
    assign_window,
    build_invocations,
    mark_first_of_each_request,
)
from bedrock_costs.io.session import local_session  # noqa: E402
from bedrock_costs.pipelines.invocation_costs import plan_tags  # noqa: E402
from bedrock_costs.reference.price_file import load_prices  # noqa: E402
from bedrock_costs.reference.profile_file import load_profile_table  # noqa: E402
from bedrock_costs.reference.unit_price_file import (  # noqa: E402
    default_unit_pricing_path,
    load_unit_prices,
)

PRICES = HERE.parent / "pricing" / "bedrock_prices.csv"


def stages(spark: SparkSession, logs: str, scratch: str) -> dict[str, Callable[[], DataFrame]]:
    files = list_log_files(logs, None)
    config = RunConfig(logs, scratch, str(PRICES), f"{logs}/profiles.csv", None, None, "bench", 50)
    profiles = profiles_frame(spark, load_profile_table(config.profiles_path))
    prices = prices_frame(spark, load_prices(str(PRICES)))
    units = unit_prices_frame(spark, load_unit_prices(default_unit_pricing_path()))
    read_schema = schemas.load("log_record").spark_type()

    def lines() -> DataFrame:
        return read_lines(spark, files)

    def from_json() -> DataFrame:
        return lines().select(F.from_json("value", read_schema).alias("r"), "source_file")

    def objects() -> DataFrame:
        return read_objects(spark, files)

    def parsed() -> DataFrame:
        return objects().transform(parse_records).transform(assign_window, window=None)

    def text_parsed() -> DataFrame:
        return lines().transform(parse_records)

    def marked() -> DataFrame:
        return parsed().transform(mark_first_of_each_request)

    started = time.monotonic()
    cached = marked().cache()
    plan = plan_tags(spark, config, cached, profiles)
    print(f"setup   {time.monotonic() - started:6.1f} s  cache the parsed rows, plan tag columns")

    def invocations() -> DataFrame:
        return build_invocations(cached, prices, units, profiles, plan)

    def invocations_by_day() -> DataFrame:
        return invocations().repartition("usage_date")

    return {
        "Spark's text reader: gunzip and split lines": lines,
        "+ from_json (pruned schema)": from_json,
        "+ every parsed column (the Spark parse of every line)": text_parsed,
        "the job's reader: objects to Arrow batches (object_reader)": objects,
        "+ every parsed column (parse_records)": parsed,
        "+ the first row of each request marked (one shuffle)": marked,
        "read the cached rows": lambda: cached,
        "invocations from the cache (models, prices, tags)": invocations,
        "+ the shuffle by day before writing": invocations_by_day,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/stages.py", description=__doc__)
    parser.add_argument("logs")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--scratch", default=str(HERE / "data" / "stages"))
    args = parser.parse_args(argv)
    spark = local_session(args.scratch)
    named = stages(spark, args.logs, args.scratch)
    for round_ in range(1, args.repeat + 1):
        for name, frame in named.items():
            started = time.monotonic()
            frame().write.format("noop").mode("overwrite").save()
            print(f"round {round_}  {time.monotonic() - started:6.1f} s  {name}", flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
