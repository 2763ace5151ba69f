from pyspark.sql import SparkSession

from awsglue import CALLS


class GlueContext:
    def __init__(self, spark_context):
        CALLS.append(("GlueContext", type(spark_context).__name__))
        self.spark_session = SparkSession.builder.getOrCreate()
