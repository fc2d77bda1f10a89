"""`zi score` against hostile answer files: the real command in a subprocess, under a time limit.

Each file is refused with exit 2, a short message on stderr and nothing on stdout; none may hang,
eat memory or print the input back at length. The limit is generous (the machine is shared);
on an idle machine each refusal takes a few tenths of a second, mostly Python's start.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zi.config import PROJECT_DIR

ZI = Path(sys.executable).parent / "zi"
TIME_LIMIT = 10  # seconds; the old code hung for hours on several of these
MAX_STDERR = 2000  # characters
MAX_STDERR_MANY = 20_000  # 50 problems listed at most, each cut to a line


def laughs(levels: int = 9) -> str:
    """The "billion laughs": each anchor repeats the previous one nine times."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + f"\nanswers: {{P-MP-i-a: *a{levels - 1}}}\n"


def merge_bomb() -> str:
    """The same with merge keys: every mapping merges the previous ones."""
    lines = ["m0: &m0 {x: 1, y: 2}"]
    for level in range(1, 20):
        lines.append(f"m{level}: &m{level} {{<<: [*m{level - 1}, *m{level - 1}], k{level}: [*m{level - 1}]}}")
    return "\n".join(lines) + "\nanswers: {}\n"


HOSTILE = {
    "billion-laughs.yaml": (laughs(), "refused: more than"),
    "merge-bomb.yaml": (merge_bomb(), "refused: more than"),
    "self-alias.yaml": ("answers: &a {P-MP-i-a: *a}\n", "an alias refers to itself"),
    "exponent.yaml": ("answers:\n  H-I-a: 1e999999999\n", "H-I-a: '1e999999999' is not allowed"),
    "exponent-count.yaml": ("answers:\n  R-AK-i-a: {targets: 1.0e+999999999, achieved: 1}\n",
                            "R-AK-i-a: count targets = inf is not allowed"),
    "exponent.json": ('{"answers": {"H-I-a": 1E+999999999}}', "H-I-a: '1E+999999999' is not allowed"),
    "tiny-exponent.yaml": ("answers:\n  H-I-a: '0.5e-999999999'\n", "H-I-a: '0.5e-999999999' is not allowed"),
    "power-text.yaml": ("answers:\n  H-I-a: '10**10**10'\n", "H-I-a: '10**10**10' is not allowed"),
    "huge-count.json": ('{"answers": {"R-AK-i-a": {"targets": 10000000000000, "achieved": 1}}}',
                        "R-AK-i-a: count targets = 10000000000000 is not allowed"),
    "digits.yaml": ("answers:\n  H-I-a: " + "9" * 200_000 + "\n", "refused: a number of 200000 characters"),
    "digits.json": ('{"answers": {"H-I-a": ' + "7" * 200_000 + "}}",
                    "refused: a number of 200000 characters"),
    "digit-string.yaml": ("answers:\n  H-I-a: '" + "9" * 200_000 + "'\n", "H-I-a: '999999"),
    "sexagesimal.yaml": ("answers:\n  H-I-a: " + "59:" * 100_000 + "1\n", "refused: a number of"),
    "deep.json": ('{"answers": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}",
                  "refused: nested deeper than"),
    "deep-flow.yaml": ("answers: " + "[" * 100_000 + "]" * 100_000 + "\n", "not a YAML or JSON file"),
    "deep-block.yaml": ("answers:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(60)) + "  x: 1\n",
                        "nested deeper than"),
    "wide.yaml": ("answers:\n" + "".join(f"  X-{i}: Ya\n" for i in range(20_000)), "refused: more than"),
    "long-key.yaml": (f"answers:\n  ? {'K' * 300_000}\n  : Ya\n", "unknown item code"),
    "long-top-key.yaml": ("? " + "T" * 300_000 + "\n: 1\nanswers: {}\n", "unknown key(s): TTTT"),
    "long-value.yaml": ("answers:\n  P-MP-i-b: " + "F" * 300_000 + "\n", "P-MP-i-b: 'FFFF"),
    "long-prior.yaml": ("prior_predicate: " + "W" * 300_000 + "\nanswers: {}\n", "prior_predicate: 'WWW"),
    "long-tag.yaml": ("answers: !" + "t" * 300_000 + " {}\n", "could not determine a constructor"),
    "criteria-map.yaml": ("criteria: {a: 1}\nanswers: {}\n", "criteria: {'a': 1} is not allowed"),
    "many-bad.yaml": ("answers:\n" + "".join(f"  P-MP-i-b{i}: {'Z' * 200}\n" for i in range(2000)),
                      "… and 1950 more problem(s)"),
}


def run_zi(path: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run([str(ZI), "score", str(path), "--json"], capture_output=True, text=True,
                            timeout=TIME_LIMIT, cwd=PROJECT_DIR)
    return result, time.monotonic() - started


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answer_file_is_refused_quickly_and_briefly(tmp_path, name):
    content, message = HOSTILE[name]
    path = tmp_path / name
    path.write_text(content)
    result, elapsed = run_zi(path)
    assert result.returncode == 2, (result.returncode, result.stderr[:500])
    assert message in result.stderr, result.stderr[:500]
    assert result.stdout == ""
    limit = MAX_STDERR_MANY if name == "many-bad.yaml" else MAX_STDERR
    assert len(result.stderr) < limit, f"{len(result.stderr)} characters on stderr"
    assert "Traceback" not in result.stderr
    assert elapsed < TIME_LIMIT


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "large.yaml"
    with path.open("w") as f:
        f.write("answers:\n")
        for i in range(400_000):
            f.write(f"  P-MP-i-a-{i}: Ya\n")
    assert path.stat().st_size > 5 * 1024 * 1024
    result, _ = run_zi(path)
    assert result.returncode == 2
    assert "larger than 1024 KB" in result.stderr
    assert len(result.stderr) < MAX_STDERR


def test_a_device_is_read_no_further_than_the_cap():
    result, _ = run_zi(Path("/dev/zero"))
    assert result.returncode == 2
    assert "larger than 1024 KB" in result.stderr


def test_normal_files_still_score(tmp_path):
    """Anchors and aliases within the bounds are fine: one answer repeated by an alias."""
    path = tmp_path / "shared.yaml"
    path.write_text("answers:\n  R-MP-i-a: {agents: 4, changes: 4}\n  P-MP-i-a: &yes ya\n"
                    "  P-MP-iv-a: *yes\n  H-I-a: '3,60'\n")
    result, _ = run_zi(path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["items"]["R-MP-i-a"]["value"] == 1
    assert data["items"]["P-MP-i-a"]["value"] == data["items"]["P-MP-iv-a"]["value"] == 1
    assert data["hasil_parts"]["H-I-a"] == 15.75
    example, _ = run_zi(PROJECT_DIR / "examples" / "bagian-pengadaan-2026.yaml")
    assert example.returncode == 0 and json.loads(example.stdout)["complete"] is True
