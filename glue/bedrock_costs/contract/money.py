"""The exact DECIMAL types money and usage travel in, from the price file to the table column."""

from __future__ import annotations

# Prices per million tokens (or per unit): below 1,000,000 with at most 6 decimals (validated),
# so one token's price fits DECIMAL(12,12) and any bigint token count's cost is exact.
PRICE_TYPE = "decimal(18,6)"
# A call's costs: 12 decimals, room to add the parts without losing scale.
COST_TYPE = "decimal(38,12)"
# CUR amounts, converted once from the double AWS writes: CUR costs carry 10 decimals at most.
MONEY_TYPE = "decimal(38,10)"
RATE_TYPE = "decimal(38,12)"  # CUR unblended rates
USAGE_TYPE = "decimal(38,6)"  # tokens or units, summed
UNITS_TYPE = "decimal(18,6)"  # a call's images, seconds of video or queries
