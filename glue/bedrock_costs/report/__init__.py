"""The one-file HTML cost report: figures from the tables, and the page."""
