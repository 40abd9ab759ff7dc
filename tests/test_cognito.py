"""Amazon Cognito user pools (pricing/services/cognito.py): MAUs per tier user, plans, the shared free MAUs.

Prices (us-east-1, book 2026-11-27): Essentials $0.015, Plus $0.020 per MAU; Lite $0.0055 for MAUs
10,001-100,000, $0.0046 to 1M; 10,000 free MAUs a month for Lite and Essentials together.
"""

import pytest

from models.engine import PER_USER, estimate, sweep
from models.scenario import ScenarioError, loads, to_yaml


def scenario(pools: str, free_users: float = 0, pro_users: float = 0, free_tier: bool = True) -> str:
    return (
        f"name: c\nregion: us-east-1\nfree_tier: {str(free_tier).lower()}\nuser_pools: {pools}\n"
        "features: {chat: {}}\n"
        f"tiers:\n  free: {{users: {free_users}, uses: {{chat: 1}}}}\n"
        f"  pro: {{users: {pro_users}, price: 5, uses: {{chat: 1}}}}\n"
    )


def cognito(text: str) -> float:
    return estimate(loads(text)).services["cognito"]


@pytest.mark.parametrize(
    "plan, users, free_tier, expected",
    [
        ("essentials", 100_000, True, 1_350.00),  # (100,000 - 10,000) x $0.015
        ("essentials", 10_000, True, 0.00),  # all free
        ("essentials", 100_000, False, 1_500.00),  # no allowance: 100,000 x $0.015
        ("plus", 100_000, True, 2_000.00),  # Plus has no free MAUs: 100,000 x $0.020
        ("lite", 100_000, True, 495.00),  # 90,000 x $0.0055
        ("lite", 1_000_000, True, 4_635.00),  # 90,000 x $0.0055 + 900,000 x $0.0046 = $495 + $4,140
    ],
)
def test_mau_prices_by_plan(plan, users, free_tier, expected):
    assert cognito(scenario(f"{{users: {{plan: {plan}}}}}", free_users=users, free_tier=free_tier)) == expected


def test_every_tier_user_is_one_mau_of_every_pool():
    # 60,000 + 40,000 users -> 100,000 MAUs of the Essentials pool: $1,350; each user bears an equal part.
    e = estimate(loads(scenario("{users: {}}", free_users=60_000, pro_users=40_000)))
    assert e.services["cognito"] == 1_350.00
    (every,) = [f for f in e.features if f.name == PER_USER]
    assert (every.uses, every.cost_per_use) == (100_000, pytest.approx(0.0135))
    by_tier = {t.name: t for t in e.tiers}
    assert by_tier["free"].cost == pytest.approx(810.00)  # 60% of $1,350
    assert by_tier["pro"].cost_per_user == pytest.approx(0.0135)
    assert sum(t.cost for t in e.tiers) == pytest.approx(e.total)


def test_baseline_maus_and_each_plans_own_free_allowance():
    # Lite pool: 30,000 users + 10,000 baseline = 40,000 MAUs; Essentials pool: 30,000 MAUs.
    # Each plan has its own 10,000 free: Lite (40,000 - 10,000) x $0.0055 = $165.00;
    # Essentials (30,000 - 10,000) x $0.015 = $300.00.
    e = estimate(loads(scenario("{a: {plan: lite, mau: 10000}, b: {}}", free_users=30_000)))
    lines = {ln.component: ln.cost for ln in e.lines if ln.service == "cognito"}
    assert lines["MAUs (Lite) (first 90,000 MAU)"] == 165.00
    assert lines["MAUs (Essentials)"] == 300.00


def test_lite_bands_are_the_published_ones_after_its_free_maus():
    # 100,000 Lite MAUs beside 100,000 Essentials: Lite's 90,000 paid all fall in 10,001-100,000:
    # 90,000 x $0.0055 = $495.00, whatever the other plan does.
    e = estimate(loads(scenario("{a: {plan: lite}, b: {}}", free_users=100_000)))
    lite = sum(ln.cost for ln in e.lines if ln.component.startswith("MAUs (Lite)"))
    assert lite == 495.00


def test_maus_grow_with_users_in_a_sweep():
    # At 10,000 users everything is free; at 110,000: 100,000 paid x $0.015 = $1,500.
    s = loads(scenario("{users: {}}", free_users=1))
    sw = sweep(s, [10_000, 110_000])
    assert list(sw.total.round(2)) == [0.0, 1_500.0]


def test_pool_keys_defaults_and_round_trip():
    s = loads(scenario("{users: {}, staff: {plan: plus, mau: 25}}"))
    pools = s.resources["user_pools"]
    assert (pools["users"].plan, pools["users"].mau) == ("essentials", 0)
    assert (pools["staff"].plan, pools["staff"].mau) == ("plus", 25)
    assert loads(to_yaml(s)) == s


@pytest.mark.parametrize(
    "pools, what",
    [
        ("{users: {plan: gold}}", "user_pools.users.plan"),
        ("{users: {mau: -1}}", "user_pools.users.mau"),
        ("{users: {maus: 1}}", "maus"),
        ("[users]", "user_pools"),
    ],
)
def test_bad_pools_name_the_field(pools, what):
    with pytest.raises(ScenarioError, match=what.replace(".", r"\.")):
        loads(scenario(pools))


def test_a_feature_cannot_use_a_pool():
    text = scenario("{users: {}}").replace("features: {chat: {}}", "features: {chat: {cognito: []}}")
    with pytest.raises(ScenarioError, match="cognito"):
        loads(text)


def test_cost_explorer_usage_types_map_to_the_plan_meters():
    from usage.costexplorer import classify

    assert classify("Amazon Cognito", "USE1-CognitoEssentialsMAU", "us-east-1", [])[0] == "cognito.mau.essentials"
    assert classify("Amazon Cognito", "EU-CognitoLiteMAU", "eu-west-1", [])[0] == "cognito.mau.lite"
    assert classify("Amazon Cognito", "EU-CognitoUserPoolsMAU", "eu-west-1", [])[0] == "cognito.mau.lite"  # classic
    assert classify("Amazon Cognito", "Global-CognitoFreeTierMAU", "eu-west-1", [])[0] == "cognito.mau.essentials"


def test_the_review_shares_billed_maus_over_users():
    from models.review import Bill, BilledLine, reconcile
    from usage.costexplorer import classify

    s = loads(scenario("{users: {}}", free_users=60_000, pro_users=40_000))
    meter, why = classify("Amazon Cognito", "USE1-CognitoEssentialsMAU", "us-east-1", [])
    billed = BilledLine("Amazon Cognito", "USE1-CognitoEssentialsMAU", 100_000, "", 1_350.00, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}))
    (line,) = [ln for ln in review.lines if ln.service == "cognito"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (1_350.00, 1_350.00, 0)
    features = {f["name"]: f for f in review.unit_costs["features"]}
    assert features[PER_USER]["billed_cost"] == 1_350.00
    assert sum(f["billed_cost"] for f in features.values()) == pytest.approx(1_350.00)
    tiers = {t["name"]: t for t in review.unit_costs["tiers"]}
    assert tiers["free"]["billed_cost"] == 810.00
