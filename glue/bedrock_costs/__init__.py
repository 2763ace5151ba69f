"""bedrock-costs: Amazon Bedrock invocation logs to priced, tag-pivoted Parquet tables."""

__version__ = "0.1.0"
