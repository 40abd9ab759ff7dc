"""`simulate` (the scenario's ranges sampled: P10/P50/P90 per tier and feature, and the tornado) and `forecast`
(month by month as tiers grow and churn). Plain functions of parsed arguments; cli.py holds the argument tree."""

from __future__ import annotations

import json
import sys

from commands.estimate import _about, _load


def simulate(args) -> int:
    from models.plan import simulate

    with _about(args.file):
        scenario, book = _load(args.file)
        result = simulate(scenario, args.samples, args.seed, book)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        from models.report import simulation_text

        print(simulation_text(result, scenario.name))
    return 0


def forecast(args) -> int:
    from models.plan import forecast, rates

    growth, churn = dict(args.growth or []), dict(args.churn or [])  # a tier given twice: the last
    with _about(args.file):
        scenario, book = _load(args.file)
        plan = rates(scenario, growth, churn)
        months = forecast(scenario, args.months, plan, book)
    if args.json:
        json.dump([m.to_json() for m in months], sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        from models.report import forecast_text

        print(forecast_text(months, plan, scenario.name))
    return 0
