"""What a scenario dict adds up to per month: uses x per-use amounts, as the engine will meter them."""

from __future__ import annotations


def feature_totals(sc: dict) -> dict:
    users = sum(t["users"] for t in sc.get("tiers", {}).values())
    uses: dict[str, float] = {}
    for t in sc.get("tiers", {}).values():  # every tier's users, added up
        for f, n in t["uses"].items():
            uses[f] = uses.get(f, 0) + n * t["users"]
    for f, n in sc.get("baseline", {}).items():
        uses[f] = uses.get(f, 0) + n
    out: dict = {
        "users": users,
        "invocations": {},
        "messages": {},
        "minutes": {},
        "connects": {},
        "rru": {},
        "wru": {},
        "services": {},
        "ws_by_feature": {},
    }
    for f, feat in sc.get("features", {}).items():
        n = uses.get(f, 0)
        for fn, k in feat.get("lambda", {}).items():
            out["invocations"][fn] = out["invocations"].get(fn, 0) + n * k
        ws = feat.get("websocket")
        if ws:
            api = ws["api"]
            out["messages"][api] = out["messages"].get(api, 0) + n * ws["messages"]
            out["minutes"][api] = out["minutes"].get(api, 0) + n * ws["connection_minutes"]
            out["connects"][api] = out["connects"].get(api, 0) + n * ws.get("connects", 0)
            out["ws_by_feature"][f] = (n * ws["messages"], n * ws["connection_minutes"])
        for op in feat.get("dynamodb", []):
            t = op["table"]
            if "reads" in op:
                assert op["item_kb"] == 4 and op["consistency"] == "strong", op
                out["rru"][t] = out["rru"].get(t, 0) + n * op["reads"]
            else:
                assert op["item_kb"] == 1 and "gsis" in op, op
                out["wru"][t] = out["wru"].get(t, 0) + n * op["writes"] * (1 + op["gsis"])
        for s, k in feat.get("services", {}).items():
            out["services"][s] = out["services"].get(s, 0) + n * k
    return out
