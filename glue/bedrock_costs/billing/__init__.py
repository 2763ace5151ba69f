"""The bill: CUR 2.0 lines, buckets and statuses, allocation, price drift, the FOCUS mapping."""
