from datetime import date
from decimal import Decimal

import pytest

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.reference.price_file import choose_row, default_pricing_path, load_prices
from helpers import HAIKU, NOVA, PRICE_HEADER, price, write_csv


def load(tmp_path, rows, header=None):
    return load_prices(write_csv(tmp_path / "prices.csv", rows, header))


def error_of(tmp_path, rows, header=None) -> str:
    with pytest.raises(UsageError) as caught:
        load(tmp_path, rows, header)
    return str(caught.value)


def test_load_prices_parses_decimals_dates_and_defaults(tmp_path):
    row = price(inp="0.035", tier="", min_input_tokens="", currency="", effective_to="2026-07-01")
    [parsed] = load(tmp_path, [row])
    assert parsed.input_per_mtok == Decimal("0.035")
    assert parsed.tier == "standard" and parsed.min_input_tokens == 0 and parsed.currency == "USD"
    assert parsed.effective_from == date(2026, 1, 1) and parsed.effective_to == date(2026, 7, 1)
    assert parsed.row == 2


def test_load_prices_accepts_decimal_text_forms_exactly(tmp_path):
    rows = [price(inp=".5", out="5.", cr="0.000001", cw="12")]
    [parsed] = load(tmp_path, rows)
    got = (
        parsed.input_per_mtok,
        parsed.output_per_mtok,
        parsed.cache_read_per_mtok,
        parsed.cache_write_per_mtok,
    )
    assert got == (Decimal("0.5"), Decimal("5"), Decimal("0.000001"), Decimal("12"))


def test_load_prices_accepts_only_required_columns(tmp_path):
    required = [
        "model",
        "region",
        "routing",
        "input_per_mtok",
        "output_per_mtok",
        "cache_read_per_mtok",
        "cache_write_per_mtok",
        "effective_from",
    ]
    row = {k: v for k, v in price().items() if k in required}
    assert len(load(tmp_path, [row], required)) == 1


@pytest.mark.parametrize(
    ("overrides", "column", "words"),
    [
        ({"input_per_mtok": "-1.00"}, "input_per_mtok", "negative"),
        ({"output_per_mtok": "abc"}, "output_per_mtok", "decimal"),
        ({"output_per_mtok": "1e-3"}, "output_per_mtok", "decimal"),
        ({"cache_read_per_mtok": "0.1234567"}, "cache_read_per_mtok", "6 decimal"),
        ({"cache_write_per_mtok": ""}, "cache_write_per_mtok", "required"),
        ({"model": ""}, "model", "required"),
        ({"model": f"us.{HAIKU}"}, "model", "routing prefix"),
        (
            {"model": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"},
            "model",
            "routing prefix",
        ),
        ({"region": "US East"}, "region", "Region code"),
        ({"routing": "cross_region"}, "routing", "in_region, geo, global"),
        ({"tier": "reserved"}, "tier", "standard, priority, flex, batch"),
        ({"min_input_tokens": "-5"}, "min_input_tokens", "whole number"),
        # '²'.isdigit() is True and int('²') raises; a count past a bigint passed validation
        # and crashed the job after it had written its catalog (issue 17)
        ({"min_input_tokens": "²"}, "min_input_tokens", "whole number"),
        ({"min_input_tokens": str(2**63)}, "min_input_tokens", "whole number"),
        ({"effective_from": "07-01-2026"}, "effective_from", "ISO date"),
        ({"effective_to": "2026-02-30"}, "effective_to", "ISO date"),
        ({"effective_to": "2026-01-01"}, "effective_to", "after effective_from"),
        ({"currency": "EUR"}, "currency", "USD"),
        ({"input_per_mtok": "1000000"}, "input_per_mtok", "below"),
    ],
)
def test_load_prices_names_row_and_column_of_an_invalid_value(tmp_path, overrides, column, words):
    message = error_of(tmp_path, [price(NOVA), price(**overrides)])
    assert "prices.csv" in message and "row 3" in message and f"column {column}" in message
    assert words in message


def test_load_prices_rejects_unknown_and_missing_columns(tmp_path):
    unknown = error_of(tmp_path, [{**price(), "discount": "5"}], [*PRICE_HEADER, "discount"])
    assert "row 1" in unknown and "unknown column 'discount'" in unknown
    header = [h for h in PRICE_HEADER if h != "cache_read_per_mtok"]
    missing = error_of(tmp_path, [{k: v for k, v in price().items() if k in header}], header)
    assert "missing required column 'cache_read_per_mtok'" in missing


def test_load_prices_rejects_overlapping_equally_specific_rows(tmp_path):
    rows = [price(), price(inp="2.00", effective_from="2026-03-01")]
    message = error_of(tmp_path, rows)
    assert "overlapping rows: rows 2 and 3" in message


def test_load_prices_rejects_duplicate_rows(tmp_path):
    assert "duplicate rows: rows 2 and 3" in error_of(tmp_path, [price(), price()])


def test_load_prices_accepts_adjacent_windows_and_different_specificity(tmp_path):
    rows = [
        price(effective_to="2026-07-01"),
        price(inp="0.80", effective_from="2026-07-01"),
        price(region="us-east-1"),
        price(routing="global"),
        price(min_input_tokens="200000"),
    ]
    assert len(load(tmp_path, rows)) == 5


def test_load_prices_rejects_a_short_row_and_an_empty_file(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(",".join(PRICE_HEADER) + "\n" + HAIKU + ",*,*\n")
    with pytest.raises(UsageError, match="row 2: expected 13 fields, found 3"):
        load_prices(str(path))
    path.write_text("")
    with pytest.raises(UsageError, match="empty file"):
        load_prices(str(path))


def test_load_prices_names_the_row_of_an_unclosed_quote_and_of_an_oversized_value(tmp_path):
    """A quote left open swallowed the rows after it into one value: `pricing validate` called
    a 4-line file valid with 1 row and those models went unpriced. A value over the csv module's
    128 KiB limit was a traceback (issue 17)."""

    def raw(name: str, *sources: str) -> str:
        path = tmp_path / name
        models = (NOVA, HAIKU, "m2", "m3")
        lines = [
            ",".join({**price(m), "source": s}.values())
            for m, s in zip(models, sources, strict=False)
        ]
        path.write_text("\n".join([",".join(PRICE_HEADER), *lines]) + "\n")
        return str(path)

    with pytest.raises(UsageError) as caught:
        load_prices(raw("open.csv", "a", '"open', "b", "c"))
    assert "open.csv, row 3, column source: a quoted value runs over" in str(caught.value)
    with pytest.raises(UsageError, match=r"wide.csv, row 3: not readable as CSV: field larger"):
        load_prices(raw("wide.csv", "a", "x" * 140_000))


def test_load_prices_reports_a_missing_file(tmp_path):
    with pytest.raises(UsageError, match="cannot read the file"):
        load_prices(str(tmp_path / "nope.csv"))


def test_shipped_price_table_is_valid_and_every_row_has_a_source():
    rows = load_prices(default_pricing_path())
    assert len(rows) > 100
    assert all(r.source for r in rows)


@pytest.mark.parametrize(
    ("model", "routing", "one_hour"),
    [
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "global", "6.00"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "geo", "6.60"),
        ("anthropic.claude-opus-4-5-20251101-v1:0", "global", "10.00"),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", "geo", "2.20"),
    ],
)
def test_shipped_price_table_has_published_one_hour_cache_write_prices(model, routing, one_hour):
    rows = [
        r
        for r in load_prices(default_pricing_path())
        if (r.model, r.region, r.routing, r.tier, r.min_input_tokens)
        == (model, "*", routing, "standard", 0)
    ]
    assert [r.cache_write_1h_per_mtok for r in rows] == [Decimal(one_hour)]


@pytest.mark.parametrize(
    ("model", "region", "routing", "tier", "figures"),
    [
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "*",
            "global",
            "standard",
            ("3.00", "15.00", "0.30", "3.75"),
        ),
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "*",
            "geo",
            "standard",
            ("3.30", "16.50", "0.33", "4.125"),
        ),
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us-gov-west-1",
            "*",
            "standard",
            ("3.60", "18.00", "0.36", "4.50"),
        ),
        (
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "*",
            "global",
            "standard",
            ("1.00", "5.00", "0.10", "1.25"),
        ),
        (
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "*",
            "geo",
            "standard",
            ("1.10", "5.50", "0.11", "1.375"),
        ),
        (
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "*",
            "geo",
            "standard",
            ("5.50", "27.50", "0.55", "6.875"),
        ),
        (
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "*",
            "*",
            "standard",
            ("0.80", "4.00", "0.08", "1.00"),
        ),
        ("amazon.nova-micro-v1:0", "us-east-1", "*", "standard", ("0.035", "0.14", "0.00875", "0")),
        (
            "amazon.nova-micro-v1:0",
            "eu-central-1",
            "*",
            "standard",
            ("0.046", "0.184", "0.0115", "0"),
        ),
        ("amazon.nova-pro-v1:0", "us-east-1", "*", "priority", ("1.40", "5.60", "0.35", "0")),
        ("amazon.nova-pro-v1:0", "us-east-1", "*", "flex", ("0.40", "1.60", "0.10", "0")),
        (
            "meta.llama3-3-70b-instruct-v1:0",
            "us-east-1",
            "*",
            "standard",
            ("0.72", "0.72", "0", "0"),
        ),
        ("amazon.titan-embed-text-v2:0", "us-east-1", "*", "standard", ("0.02", "0", "0", "0")),
        ("anthropic.claude-opus-5", "*", "global", "standard", ("5.00", "25.00", "0.50", "6.25")),
        ("anthropic.claude-sonnet-5", "*", "geo", "standard", ("2.20", "11.00", "0.22", "2.75")),
        ("anthropic.claude-opus-4-6-v1", "*", "global", "batch", ("2.50", "12.50", "0", "0")),
        ("qwen.qwen3-32b-v1:0", "us-east-1", "*", "flex", ("0.075", "0.30", "0", "0")),
        ("deepseek.v3.2", "us-east-1", "*", "priority", ("1.085", "3.2375", "0", "0")),
        ("moonshotai.kimi-k3", "*", "global", "standard", ("3.00", "15.00", "0.30", "3.75")),
        ("xai.grok-4.6", "us-east-1", "geo", "standard", ("2.20", "6.60", "0.55", "0")),
        ("zai.glm-5", "us-east-1", "*", "flex", ("0.50", "1.60", "0", "0")),
        (
            "amazon.nova-2-lite-v1:0",
            "ap-northeast-2",
            "global",
            "standard",
            ("0.36", "2.96", "0.09", "0"),
        ),
        (
            "amazon.nova-2-pro-v1:0",
            "us-east-1",
            "global",
            "priority",
            ("2.1875", "17.50", "0", "0"),
        ),
        (
            "xai.grok-4.7",
            "ap-northeast-2",
            "in_region",
            "priority",
            ("3.85", "11.55", "0.9625", "0"),
        ),
        (
            "amazon.nova-2-omni-v1:0",
            "ap-northeast-2",
            "global",
            "standard",
            ("0.40", "3.00", "0", "0"),
        ),
        (
            "anthropic.claude-mythos-preview",
            "*",
            "geo",
            "standard",
            ("27.50", "137.50", "2.75", "34.375"),
        ),
    ],
)
def test_shipped_price_table_matches_published_figures(model, region, routing, tier, figures):
    rows = [
        r
        for r in load_prices(default_pricing_path())
        if (r.model, r.region, r.routing, r.tier, r.min_input_tokens)
        == (model, region, routing, tier, 0)
    ]
    assert len(rows) == 1
    r = rows[0]
    got = (r.input_per_mtok, r.output_per_mtok, r.cache_read_per_mtok, r.cache_write_per_mtok)
    assert got == tuple(Decimal(f) for f in figures)


@pytest.mark.parametrize(
    ("model", "region", "tier", "figures"),
    [
        ("anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", "standard", ("0.25", "1.25")),
        ("anthropic.claude-3-haiku-20240307-v1:0", "us-west-2", "batch", ("0.125", "0.625")),
        ("anthropic.claude-3-haiku-20240307-v1:0", "us-gov-west-1", "standard", ("0.30", "1.50")),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "us-east-1", "standard", ("3.00", "15.00")),
        ("anthropic.claude-3-sonnet-20240229-v1:0", "us-west-2", "standard", ("3.00", "15.00")),
        ("anthropic.claude-v2:1", "us-east-1", "standard", ("8.00", "24.00")),
        ("anthropic.claude-v2", "us-east-1", "standard", ("8.00", "24.00")),
        ("anthropic.claude-instant-v1", "us-east-1", "standard", ("0.80", "2.40")),
        ("ai21.jamba-instruct-v1:0", "us-east-1", "standard", ("0.50", "0.70")),
        ("amazon.titan-text-express-v1", "us-east-1", "standard", ("0.20", "0.60")),
        ("amazon.nova-micro-v1:0", "ap-northeast-1", "standard", ("0.042", "0.168")),
        ("amazon.nova-lite-v1:0", "ap-northeast-1", "standard", ("0.072", "0.288")),
        ("amazon.nova-pro-v1:0", "ap-northeast-1", "standard", ("0.96", "3.84")),
        ("amazon.titan-embed-text-v2:0", "ap-northeast-1", "standard", ("0.029", "0")),
        ("amazon.titan-embed-text-v2:0", "ap-northeast-2", "standard", ("0.024592", "0")),
        ("anthropic.claude-3-opus-20240229-v1:0", "us-west-2", "standard", ("15.00", "75.00")),
        ("cohere.command-r-plus-v1:0", "us-east-1", "standard", ("3.00", "15.00")),
        ("cohere.command-r-v1:0", "us-east-1", "standard", ("0.50", "1.50")),
        ("meta.llama3-2-1b-instruct-v1:0", "us-east-1", "standard", ("0.10", "0.10")),
        ("deepseek.r1-v1:0", "us-east-1", "standard", ("1.35", "5.40")),
        ("ai21.j2-ultra-v1", "us-east-1", "standard", ("18.80", "18.80")),
        ("openai.gpt-oss-120b-1:0", "eu-west-2", "standard", ("0.23", "0.93")),
        ("openai.gpt-oss-120b-1:0", "us-west-2", "flex", ("0.075", "0.30")),
        ("deepseek.v3-v1:0", "ap-northeast-1", "standard", ("0.7017", "2.0324")),
        ("qwen.qwen3-32b-v1:0", "eu-central-1", "standard", ("0.20", "0.79")),
    ],
)
def test_shipped_price_table_prices_the_models_real_logs_use(model, region, tier, figures):
    """Issue 17 §4: the models that were no_price on real public logs (and the Tokyo prices),
    and older models the Price List still lists, chosen as a call in that Region, in-Region and
    through a geo profile, would be priced; each chosen row names its Price List source."""
    rows = load_prices(default_pricing_path())
    for routing in ("in_region", "geo"):
        row = choose_row(rows, model, region, routing, tier, date(2026, 11, 30), 1000)
        assert row is not None
        assert (row.input_per_mtok, row.output_per_mtok) == tuple(Decimal(f) for f in figures)
        assert "Price List" in row.source


def test_shipped_model_names_map_the_price_list_names_of_the_added_models():
    from bedrock_costs.reference.model_names import fold, model_names

    names = model_names()
    for name, model in [
        ("Claude 3 Sonnet", "anthropic.claude-3-sonnet-20240229-v1:0"),
        ("Claude 3.5 Sonnet", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("Claude Instant", "anthropic.claude-instant-v1"),
        ("Jamba-Instruct", "ai21.jamba-instruct-v1:0"),
        ("Titan Text G1 - Express", "amazon.titan-text-express-v1"),
        ("TitanTextG1-Express", "amazon.titan-text-express-v1"),
        ("Cohere Command R+", "cohere.command-r-plus-v1:0"),  # `+` is not dropped: not R
        ("Cohere Command R", "cohere.command-r-v1:0"),
        ("R1", "deepseek.r1-v1:0"),
    ]:
        assert names[fold(name)] == model


def test_a_region_without_a_sourced_price_is_unpriced_not_given_another_regions():
    """gpt-oss-120b's flex tier is sourced for the US Regions only: a flex call in eu-west-1
    finds no row (no_price), where a '*' row had priced every Region at the US figure."""
    rows = load_prices(default_pricing_path())
    day = date(2026, 11, 30)
    assert (
        choose_row(rows, "openai.gpt-oss-120b-1:0", "eu-west-1", "in_region", "flex", day, 1)
        is None
    )
    assert choose_row(rows, "openai.gpt-oss-120b-1:0", "us-east-2", "in_region", "flex", day, 1)
