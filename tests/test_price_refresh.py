from datetime import date
from decimal import Decimal

from bedrock_costs.entry.cli import main
from bedrock_costs.reference.price_file import check_no_ambiguity, choose_row, load_prices
from bedrock_costs.reference.price_list import OfferPrice
from bedrock_costs.reference.price_refresh import describe, propose
from helpers import NOVA, price, write_csv

NAMES = {"novamicro": NOVA, "claude46sonnet": "anthropic.claude-sonnet-4-6"}
AS_OF = date(2026, 11, 22)


def offer(name, kind, per_mtok, region="us-east-1", routing="*", tier="standard"):
    return OfferPrice(name, region, routing, tier, 0, kind, Decimal(per_mtok), "sku")


def nova(inp, out, cr, region="us-east-1"):
    return [
        offer("Nova Micro", "input", inp, region),
        offer("Nova Micro", "output", out, region),
        offer("Nova Micro", "cache_read", cr, region),
    ]


def table(tmp_path, rows):
    return load_prices(write_csv(tmp_path / "p.csv", rows))


def test_choose_row_follows_the_contract_like_the_job(tmp_path):
    rows = table(
        tmp_path,
        [
            price(inp="1"),
            price(inp="2", routing="geo"),
            price(inp="3", region="us-west-2"),
            price(inp="5", routing="geo", min_input_tokens="200000"),
        ],
    )
    day = date(2026, 7, 14)

    def pick(region, routing, total):
        return choose_row(rows, rows[0].model, region, routing, "standard", day, total)

    assert [
        pick("us-east-1", "in_region", 10).input_per_mtok,
        pick("us-east-1", "geo", 10).input_per_mtok,
        pick("us-west-2", "geo", 10).input_per_mtok,
        pick("us-east-1", "geo", 200_001).input_per_mtok,
        pick("us-east-1", "geo", 200_000).input_per_mtok,
    ] == [1, 2, 3, 5, 2]
    assert choose_row(rows, "other.model", "us-east-1", "geo", "standard", day, 1) is None


def test_propose_leaves_matching_prices_alone(tmp_path):
    current = table(tmp_path, [price(NOVA, "0.035", "0.14", "0.00875", "0", region="us-east-1")])
    refresh = propose(current, nova("0.035", "0.14", "0.00875"), NAMES, AS_OF)
    assert (refresh.added, refresh.closed, refresh.unchanged) == ([], [], 2)  # in_region and geo


def test_propose_closes_the_open_row_and_adds_one_from_the_day(tmp_path):
    current = table(
        tmp_path,
        [
            price(
                NOVA,
                "0.035",
                "0.14",
                "0.00875",
                "0",
                region="us-east-1",
                routing="in_region",
                effective_from="2025-01-01",
            )
        ],
    )
    refresh = propose(current, nova("0.030", "0.12", "0.0075"), NAMES, AS_OF)
    assert [(r.row, r.effective_from, r.effective_to) for r in refresh.closed] == [
        (2, date(2025, 1, 1), AS_OF)
    ]
    assert [
        (r.routing, r.input_per_mtok, r.effective_from, r.effective_to) for r in refresh.added
    ] == [("in_region", Decimal("0.030"), AS_OF, None), ("geo", Decimal("0.030"), AS_OF, None)]
    merged = refresh.merged(current)
    check_no_ambiguity("merged", merged)
    old_day = choose_row(merged, NOVA, "us-east-1", "in_region", "standard", date(2026, 1, 1), 1)
    assert old_day.input_per_mtok == Decimal("0.035")  # history is untouched
    new_day = choose_row(merged, NOVA, "us-east-1", "in_region", "standard", AS_OF, 1)
    assert new_day.input_per_mtok == Decimal("0.030")


def test_propose_adds_a_region_that_had_no_price_and_stops_before_a_future_row(tmp_path):
    current = table(
        tmp_path,
        [
            price(
                NOVA,
                "0.05",
                "0.2",
                "0",
                "0",
                region="ap-south-1",
                routing="geo",
                effective_from="2027-01-01",
            )
        ],
    )
    refresh = propose(current, nova("0.037", "0.148", "0.00925", region="ap-south-1"), NAMES, AS_OF)
    geo = next(r for r in refresh.added if r.routing == "geo")
    assert (geo.region, geo.effective_from, geo.effective_to) == (
        "ap-south-1",
        AS_OF,
        date(2027, 1, 1),
    )
    check_no_ambiguity("merged", refresh.merged(current))


def test_propose_keeps_global_apart_and_reports_what_it_cannot_use(tmp_path):
    offers = [
        offer("Claude4.6Sonnet", "input", "3.00", routing="global"),
        offer("Claude4.6Sonnet", "output", "15.00", routing="global"),
        offer("Claude4.6Sonnet", "input", "3.30"),
        offer("Mystery Model", "input", "1"),
        offer("Mystery Model", "output", "1"),
    ]
    refresh = propose([], offers, NAMES, AS_OF)
    assert [(r.routing, r.input_per_mtok) for r in refresh.added] == [("global", Decimal("3.00"))]
    assert refresh.unmapped == {"Mystery Model": 2}
    assert refresh.incomplete == [
        "anthropic.claude-sonnet-4-6 us-east-1 * standard: no input or output price"
    ]
    text = describe(refresh, [])
    assert (
        "+ add anthropic.claude-sonnet-4-6 us-east-1 global standard >0: 3.00/15.00/0/0/- " in text
    )
    assert "add the name to pricing/model_names.csv" in text


def test_pricing_refresh_command_writes_a_valid_merged_table(tmp_path, capsys):
    from test_price_list import bulk_offer, product

    offer_file = tmp_path / "index.json"
    offer_file.write_text(
        bulk_offer(
            product(
                "A",
                "USE1-NovaMicro-input-tokens",
                "1K tokens",
                "0.00003",
                model="Nova Micro",
                regionCode="us-east-1",
            ),
            product(
                "B",
                "USE1-NovaMicro-output-tokens",
                "1K tokens",
                "0.00012",
                model="Nova Micro",
                regionCode="us-east-1",
            ),
        )
    )
    current = write_csv(
        tmp_path / "p.csv", [price(NOVA, "0.035", "0.14", "0.00875", "0", region="us-east-1")]
    )
    target = tmp_path / "new.csv"
    assert (
        main(
            [
                "pricing",
                "refresh",
                "--offers",
                str(offer_file),
                "--pricing",
                current,
                "--as-of",
                "2026-11-22",
                "--write",
                str(target),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "+ add amazon.nova-micro-v1:0 us-east-1 in_region standard >0: 0.03/0.12/0/0/-" in out
    merged = load_prices(str(target))
    today = choose_row(merged, NOVA, "us-east-1", "in_region", "standard", date(2026, 11, 22), 1)
    before = choose_row(merged, NOVA, "us-east-1", "in_region", "standard", date(2026, 11, 21), 1)
    assert (today.input_per_mtok, before.input_per_mtok) == (Decimal("0.03"), Decimal("0.035"))


def test_pricing_coverage_lists_what_the_shipped_table_lacks_or_disagrees_with(tmp_path, capsys):
    """`pricing coverage --offers` (issue 17) against the shipped table: Nova Micro in
    ap-northeast-1 at the Price List's 0.042/0.168 now agrees (the table had the apac. profile's
    0.037/0.148); a Nova Lite price there that differs from the table's 0.072/0.288 and Titan
    Text Express there (which the table lacks) are listed; nothing is written."""
    from test_price_list import bulk_offer, product

    def token_sku(sku: str, model: str, kind: str, per_1k: str, code: str = ""):
        return product(
            sku,
            f"APN1-{code or model.replace(' ', '')}-{kind}",
            "1K tokens",
            per_1k,
            model=model,
            regionCode="ap-northeast-1",
        )

    offer_file = tmp_path / "index.json"
    offer_file.write_text(
        bulk_offer(
            token_sku("A", "Nova Micro", "input-tokens", "0.000042"),
            token_sku("B", "Nova Micro", "output-tokens", "0.000168"),
            token_sku("E", "Nova Micro", "cache-read-input-token-count", "0.0000105"),
            token_sku("C", "Nova Lite", "input-tokens", "0.00007"),
            token_sku("D", "Nova Lite", "output-tokens", "0.00028"),
            token_sku(
                "F", "Titan Text G1 - Express", "input-tokens", "0.000275", "TitanTextG1-Express"
            ),
            token_sku(
                "G", "Titan Text G1 - Express", "output-tokens", "0.000825", "TitanTextG1-Express"
            ),
        )
    )
    before = sorted(tmp_path.iterdir())
    assert main(["pricing", "coverage", "--offers", str(offer_file)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert not [line for line in printed if "nova-micro" in line]
    lite = next(line for line in printed if "amazon.nova-lite-v1:0 ap-northeast-1" in line)
    assert lite.startswith("disagrees  amazon.nova-lite-v1:0 ap-northeast-1 in_region standard")
    assert "the table has 0.072/0.288/0.018/0/- (row " in lite
    assert "the offer 0.07/0.28/" in lite
    titan = next(line for line in printed if "amazon.titan-text-express-v1 ap-northeast-1" in line)
    assert titan.startswith("lacks      amazon.titan-text-express-v1 ap-northeast-1 in_region")
    assert "the offer has 0.275/0.825" in titan
    assert sorted(tmp_path.iterdir()) == before
