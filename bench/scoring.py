"""How fast the scoring engine is: one full LKE, and a dashboard's worth of them.

Prints the time per assessment and per item, and the ratio to a baseline measured
in the same run: a plain float loop over the same 113 items (the least any
scorer must do). Target: well under a millisecond per item.

    .venv/bin/python bench/scoring.py [ASSESSMENTS]
"""

import random
import sys
import time
import tracemalloc

from zi.config import PROJECT_DIR
from zi.criteria import load_file
from zi.scoring import item_values, score

criteria = load_file(PROJECT_DIR / "criteria" / "lke-2021.yaml")


def random_answers(rng: random.Random) -> dict:
    answers = {}
    for item in criteria.items:
        if item.type == "index_0_4":
            answers[item.code] = round(rng.uniform(2.5, 4), 2)
        elif item.type == "percent":
            answers[item.code] = {c: rng.randint(1, 30) for c in item.count_ids}
        else:
            answers[item.code] = rng.choice(item.option_keys)
    return answers


def baseline(values: dict) -> float:
    weights = {code: float(w) for code, w in criteria.weights.items()}
    return sum(float(values[code]) * weights[code] for code in weights)


def main(count: int) -> None:
    rng = random.Random(2026)
    sets = [random_answers(rng) for _ in range(count)]
    prepared = [item_values(criteria, a) for a in sets]

    start = time.perf_counter()
    for values in prepared:
        baseline(values)
    base = time.perf_counter() - start

    start = time.perf_counter()
    for answers in sets:
        score(criteria, answers, "WBK")
    elapsed = time.perf_counter() - start

    tracemalloc.start()
    score(criteria, sets[0], "WBK")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    items = len(criteria.items)
    print(f"assessments scored:        {count}")
    print(f"per assessment ({items} items): {elapsed / count * 1e3:8.3f} ms")
    print(f"per item:                  {elapsed / count / items * 1e6:8.2f} µs  (target ≪ 1000 µs)")
    print(f"baseline float loop:       {base / count * 1e3:8.3f} ms per assessment")
    print(f"ratio to baseline:         {elapsed / base:8.1f}x")
    print(f"peak memory, one score:    {peak / 1024:8.1f} KiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
