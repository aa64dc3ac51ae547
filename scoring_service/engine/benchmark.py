"""Units per second of each engine: ``python -m scoring_service.engine.benchmark [units]``."""

from __future__ import annotations

import random
import sys
import time
from fractions import Fraction

from scoring_service.domain.ruleset import MetricValue
from scoring_service.engine import DurableRulesEngine, PythonEngine, RuleEngine
from scoring_service.rules import load_ruleset


def random_units(count: int, seed: int = 1) -> list[dict[str, MetricValue]]:
    """Plausible, mostly distinct metric values of ``count`` units."""
    rng = random.Random(seed)
    units: list[dict[str, MetricValue]] = []
    for _ in range(count):
        on_time, late, overdue, open_ = (rng.randint(0, 60) for _ in range(4))
        due = on_time + late + overdue
        weight = rng.randint(due, 3 * due) if due else 0
        rate = Fraction(rng.randint(0, weight), weight) if weight else None
        units.append(
            {
                "findings": due + open_,
                "due": due,
                "on_time": on_time,
                "late": late,
                "overdue": overdue,
                "open": open_,
                "overdue_major": rng.randint(0, min(overdue, 3)),
                "overdue_by_category.6": rng.randint(0, min(overdue, 2)),
                "fakes": rng.choice((0, 0, 0, 1, 2)),
                "repeats": rng.choice((0, 0, 1)),
                "rate": rate,
            }
        )
    return units


def measure(engine: RuleEngine, year: int, units: list[dict[str, MetricValue]]) -> float:
    """Units per second for one ``evaluate`` call over ``units``."""
    ruleset = load_ruleset(year)
    engine.evaluate(ruleset, units[:10])  # registration is not what is measured
    start = time.perf_counter()
    engine.evaluate(ruleset, units)
    return len(units) / (time.perf_counter() - start)


def main() -> None:
    """Print units/s of both engines for both shipped years."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    units = random_units(count)
    distinct = len({tuple(sorted(u.items())) for u in units})
    print(f"{count} units, {distinct} distinct metric sets")
    for year in (2018, 2019):
        for engine in (DurableRulesEngine(), PythonEngine()):
            rate = measure(engine, year, units)
            print(f"{year} {type(engine).__name__}: {rate:,.0f} units/s")


if __name__ == "__main__":
    main()
