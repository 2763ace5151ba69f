"""What deploy.sh asks of AWS: Glue tables, Athena views, QuickSight, access rules."""
