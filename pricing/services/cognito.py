"""Amazon Cognito user pools: monthly active users (MAUs), by feature plan.

Scenario:
  user_pools: {NAME: {plan: essentials, mau: 0}}        lite | essentials (default) | plus

Metering: every tier user is one MAU of every pool in the month (a user who signs in, refreshes a
token or changes an attribute counts once, however often); `mau` adds MAUs no tier stands for
(staff, testers, a legacy population). A pool bills nothing per request, so features don't use it:
its cost falls on the users, an equal part each (the engine's PER_USER row).
Source: https://aws.amazon.com/cognito/pricing/ (MAU definition, as in the DE/JP copies) and the
feature-plans guide (the plan is per pool; new pools default to Essentials).

Prices (us-east-1, since the feature plans of 2024-11-22): Essentials $0.015 and Plus $0.020 per MAU;
Lite $0.0055 for MAUs 10,001-100,000, $0.0046 to 1M, $0.00325 to 10M, $0.0025 above (the upper two
from the pre-2024 card, the same Lite rates, and in Tokyo's Price List). Each plan has its own free
MAUs per account, as the pricing page lists them: 10,000 for Lite, 10,000 for Essentials, none for
Plus (the Price List's Global-CognitoFreeTierMAU, 0-10,000 at $0); pools of one plan share its
allowance. Lite's bands are stored as what is left after its free 10,000 (0-90,000 paid MAUs for
"10,001-100,000"), as the engine bills tiers after the allowance. Accounts with pools from before
the change reportedly keep 50,000 free Lite MAUs: not modelled.
Usage types (Price List AmazonCognito): <region>-CognitoLiteMAU, -CognitoEssentialsMAU and
-CognitoPlusMAU (Tokyo's offer); pools from before the plans bill <region>-CognitoUserPoolsMAU at
the Lite rates, mapped to Lite.
Not modelled: SAML/OIDC federated MAUs, machine-to-machine app clients, purchased API capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

from pricing.service import Component, amount, choice

NAME = "cognito"
TITLE = "Amazon Cognito"
ORDER = 95
BILL_NAMES = ("cognito",)
PLANS = ("essentials", "lite", "plus")

SECTION = "user_pools"


@dataclass(frozen=True)
class Resource:
    """A user pool: its feature plan and the monthly active users besides the tiers'."""

    plan: str = choice(*PLANS, help="The pool's feature plan: the price per MAU and the free MAUs")
    mau: float = amount(0.0, integer=True, help="Monthly active users besides the tiers' users")


def per_user(pool: Resource, s) -> dict[str, float]:
    return {f"{NAME}.mau.{pool.plan}": 1.0}


def fixed(pool: Resource, s) -> dict[str, float]:
    return {f"{NAME}.mau.{pool.plan}": pool.mau}


OFFER = "AmazonCognito"
COMPONENTS = (
    Component(
        f"{NAME}.mau.lite", "mau_lite", "MAUs (Lite)", "MAU", OFFER, "CognitoLiteMAU", free="mau_lite_free",
        aliases=("CognitoUserPoolsMAU",),
    ),
    Component(
        f"{NAME}.mau.essentials", "mau_essentials", "MAUs (Essentials)", "MAU", OFFER, "CognitoEssentialsMAU",
        free="mau_essentials_free", also_billed_as=("CognitoFreeTierMAU",),  # the $0 free part, on the bill
    ),
    Component(f"{NAME}.mau.plus", "mau_plus", "MAUs (Plus)", "MAU", OFFER, "CognitoPlusMAU"),
)  # fmt: skip
