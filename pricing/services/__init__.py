"""The registry of services: every module in this folder is one AWS service, found by its name here.

A module declares (see pricing/service.py for the types):
  NAME, TITLE, ORDER       the book's service key (also the meter prefix), its display name, its place in tables
  COMPONENTS               its price components, in the order its lines are shown
  SECTION, Resource        the scenario section of its resources (`queues`) and their dataclass   } for services
  USE, Use, use(u, r, s)   the feature key (`sqs`), one use's dataclass, and its metered quantities } the scenario
  fixed(r, s)              monthly quantities a resource bills whoever uses it (storage, capacity)   } reads for them
  per_user(r, s)           monthly quantities on it of each tier user (Cognito MAUs)                 }
  sized(s)                 capacity sized to the load at every user count (auto-scaled DynamoDB)      }
  QUOTAS                   its throughput limits, for the capacity model
A Resource or Use may define problem(given_keys) -> (field, message) | None for a rule across fields.
and may replace the defaults: lines(usage, prices), per_use(feature, s), per_use_by_resource(feature, s),
fixed_all(s), drivers(feature, s, price).
Adding a service is adding a module here and its rows in the price book; nothing else names it.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from functools import cache
from types import ModuleType

from pricing.lines import Line, Prices, Usage
from pricing.service import Component, Quota, bill, spec


class Service:
    """A service module with the defaults filled in."""

    def __init__(self, module: ModuleType):
        self.module = module
        self.name: str = module.NAME
        self.title: str = getattr(module, "TITLE", module.NAME)
        self.order: int = getattr(module, "ORDER", 50)
        self.components: tuple[Component, ...] = getattr(module, "COMPONENTS", ())
        self.section: str | None = getattr(module, "SECTION", None)
        self.resource = getattr(module, "Resource", None)
        self.use_key: str | None = getattr(module, "USE", None)
        self.use_type = getattr(module, "Use", None)
        self.quotas: tuple[Quota, ...] = getattr(module, "QUOTAS", ())
        # Parts of the normalised Cost Explorer / bill service name this service's usage types come under
        self.bill_names: tuple[str, ...] = getattr(module, "BILL_NAMES", (module.NAME,))
        self.ref_field = (
            next((f.name for f in dataclasses.fields(self.use_type) if spec(f)["kind"] == "ref"), None)
            if self.use_type
            else None
        )

    def __repr__(self) -> str:
        return f"Service({self.name})"

    def lines(self, usage: Usage, prices: Prices) -> list[Line]:
        if hasattr(self.module, "lines"):
            return self.module.lines(usage, prices)
        return bill(self.name, self.components, usage, prices)

    def uses_of(self, feature) -> tuple:
        return feature.uses.get(self.use_key, ()) if self.use_key else ()

    def resource_of(self, use, s):
        return s.resources[self.section][getattr(use, self.ref_field)] if self.ref_field else None

    def per_use(self, feature, s) -> dict[str, float]:
        """Quantity one use of `feature` puts on each of this service's meters."""
        if hasattr(self.module, "per_use"):
            return self.module.per_use(feature, s)
        row: dict[str, float] = {}
        for u in self.uses_of(feature):
            for meter, q in self.module.use(u, self.resource_of(u, s), s).items():
                row[meter] = row.get(meter, 0.0) + q
        return row

    def per_use_by_resource(self, feature, s) -> dict[str, dict[str, float]]:
        """per_use by the scenario resource it lands on: resource name -> meter -> quantity of one use (what the
        review splits a bill line of one resource by). Default: each use's referenced resource."""
        if hasattr(self.module, "per_use_by_resource"):
            return self.module.per_use_by_resource(feature, s)
        out: dict[str, dict[str, float]] = {}
        if not self.ref_field or hasattr(self.module, "per_use"):  # no per-resource rule: the per-meter share
            return out
        for u in self.uses_of(feature):
            row = out.setdefault(getattr(u, self.ref_field), {})
            for meter, q in self.module.use(u, self.resource_of(u, s), s).items():
                row[meter] = row.get(meter, 0.0) + q
        return out

    def fixed(self, s) -> dict[str, float]:
        """Monthly quantities on this service's meters that no feature causes."""
        if hasattr(self.module, "fixed_all"):
            return self.module.fixed_all(s)
        return self._over_resources(s, "fixed")

    def sized(self, s) -> list:
        """Capacity sized to the load at every user count (pricing.service.Sized), if the module declares it."""
        return self.module.sized(s) if hasattr(self.module, "sized") else []

    def per_user(self, s) -> dict[str, float]:
        """Monthly quantities on this service's meters of each tier user, whatever the user does."""
        return self._over_resources(s, "per_user")

    def _over_resources(self, s, hook: str) -> dict[str, float]:
        """The module's per-resource quantities (`fixed(r, s)`, `per_user(r, s)`), summed over its resources."""
        out: dict[str, float] = {}
        if self.section and hasattr(self.module, hook):
            for r in s.resources.get(self.section, {}).values():
                for meter, q in getattr(self.module, hook)(r, s).items():
                    out[meter] = out.get(meter, 0.0) + q
        return out

    def drivers(self, feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
        """Hidden cost drivers of one use: (title, why, quantity, unit, USD at list price)."""
        return self.module.drivers(feature, s, price) if hasattr(self.module, "drivers") else []


@cache
def registry() -> tuple[Service, ...]:
    """The services, in display order. Cached: call `registry.cache_clear()` after adding a module path."""
    modules = [
        importlib.import_module(f"{__name__}.{m.name}")
        for m in pkgutil.iter_modules(__path__)
        if not m.name.startswith("_")
    ]
    services = sorted((Service(m) for m in modules), key=lambda s: (s.order, s.name))
    names = [s.name for s in services]
    if len(set(names)) != len(names):
        raise RuntimeError(f"two service modules share a NAME: {names}")
    return tuple(services)


def by_name(name: str) -> Service | None:
    return next((s for s in registry() if s.name == name), None)


def components() -> dict[str, tuple[Service, Component]]:
    """Every priced meter of every service: meter -> (service, component)."""
    return {c.meter: (s, c) for s in registry() for c in s.components}


def generic() -> tuple[Service, ...]:
    """The services whose scenario keys the registry reads: a resource section, and most a per-use key."""
    return tuple(s for s in registry() if s.section)


def with_uses() -> tuple[Service, ...]:
    """The generic services a feature can use (a Cognito user pool has users, not uses)."""
    return tuple(s for s in generic() if s.use_key)
