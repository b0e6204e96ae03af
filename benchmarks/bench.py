"""smpgen's speed and memory figures, printed (never asserted in a test).

    .venv/bin/python benchmarks/bench.py            # 850 synthetic cities
    .venv/bin/python benchmarks/bench.py --cities 100 --runs 3
    .venv/bin/python benchmarks/bench.py --cities 0     # one city's figures only

Prints, in one run on this machine:
1. one city's bundle (policy DOCX/PDF/HTML, form DOCX/PDF, summary DOCX/PDF/HTML) from a
   cold CLI process, median wall time of --runs runs: with the default --jobs (the
   policy's PDF in a second process), with --jobs 1, and with --packet as well;
2. LibreOffice converting the three DOCX files smpgen wrote to PDF in one call (its user
   profile made beforehand, as on a desk where it has run before), median, and the
   ratio of (1) to it, side by side;
3. the batch of N cities: wall time, cities per second, peak memory of any one process;
4. the same batch again with nothing changed: wall time;
5. ``smpgen --help``: median wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SMPGEN = [sys.executable, "-m", "smpgen"]
STATES = ["MN", "AR", "WA", "TX", "CA", "CO", "GA", "IL", "NC", "OR", "UT", "WI"]
TITLES = ["City Administrator", "City Manager", "Mayor", "City Clerk", "Assistant City Manager",
          "Communications Director", "Public Information Officer", "Deputy City Clerk"]
PLATFORMS = ["Facebook", "Instagram", "X", "YouTube", "Nextdoor", "LinkedIn", "Bluesky"]


def synthetic_profile(i: int, rng: random.Random) -> dict[str, object]:
    """A valid profile with varied state, numbering, comment mode, lists and toggles."""
    name = f"Testville {i:04d}"
    numbering = rng.choice(["decimal", "outline", "policy-number", "headings"])
    accounts = [{"platform": p, "name": f"{name} on {p}",
                 "url": f"https://social.example.com/testville{i}/{p.lower()}",
                 **({"comments": rng.choice(["open", "closed"])} if rng.random() < 0.3 else {})}
                for p in rng.sample(PLATFORMS, rng.randint(1, 5))]
    return {
        "city": {"name": name, "state": rng.choice(STATES),
                 "website": f"https://www.testville{i}.example.gov"},
        "document": {"numbering": numbering, "policy_number": str(700 + i % 90),
                     "version": f"1.{i % 7}"},
        "officials": {"final_authority": rng.choice(TITLES), "authorizer": rng.choice(TITLES),
                      "coordinator": rng.choice(TITLES)},
        "authorized_roles": rng.sample(TITLES, rng.randint(0, 5)),
        "accounts": accounts,
        "public_comments": {"mode": rng.choice(["open", "closed"]),
                            "contact_method": f"the form at https://www.testville{i}.example.gov"},
        "optional_sections": {k: rng.random() < 0.8 for k in (
            "personal_use", "separate_tools", "hours", "generated_content", "officials_accounts")},
        "council": {"meeting_date": "2026-12-01", "agenda_section": "Consent",
                    "agenda_number": f"{i % 12 + 1}.{'abcdef'[i % 6]}.",
                    "prepared_by": [{"name": "Pat Example", "title": rng.choice(TITLES)}],
                    "approved_by": "PE"},
    }


def wall(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def wall_and_peak(cmd: list[str]) -> tuple[float, int]:
    """Wall time of ``cmd``, and the peak resident memory (KiB) of the largest process it
    ran: measured in a process of its own, so no earlier child (LibreOffice) counts."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
             "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe, *cmd], check=True,
                          capture_output=True, text=True)
    return time.perf_counter() - start, int(done.stdout)


def median(cmd: list[str], runs: int, cwd: Path | None = None) -> float:
    return statistics.median(wall(cmd, cwd) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=int, default=850)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    rng = random.Random(20261121)
    work = Path(tempfile.mkdtemp(prefix="smpgen-bench-"))
    try:
        profiles = work / "profiles"
        profiles.mkdir()
        for i in range(args.cities):
            (profiles / f"city-{i:04d}.yaml").write_text(yaml.safe_dump(synthetic_profile(i, rng)))
        one = ROOT / "city_profiles" / "example-city.yaml"
        out = work / "one"

        def cold(*extra: str) -> float:
            return median([*SMPGEN, "render", str(one), "--force", "-q", "--out", str(out),
                           *extra], args.runs)

        bundle, serial, packet = cold(), cold("--jobs", "1"), cold("--packet")
        docx = sorted((out / "example-city").glob("*.docx"))
        lo_profile = (work / "lo").as_uri()
        office = shutil.which("libreoffice") or shutil.which("soffice")
        lo = float("nan")
        if office:
            convert = [office, f"-env:UserInstallation={lo_profile}", "--headless",
                       "--convert-to", "pdf", "--outdir", str(work / "lo-out"), *map(str, docx)]
            wall(convert)  # LibreOffice makes its user profile on the first run
            lo = median(convert, args.runs)

        batch = peak_mb = rerun = float("nan")
        if args.cities:
            batch_out = work / "batch"
            batch_cmd = [*SMPGEN, "render", str(profiles), "--out", str(batch_out), "-q",
                         "--jobs", str(args.jobs)]
            batch, peak_kb = wall_and_peak(batch_cmd)
            peak_mb = peak_kb / 1024
            rerun = wall(batch_cmd)
        helptime = median([*SMPGEN, "--help"], max(args.runs, 10))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"1. one city's bundle, cold CLI (median of {args.runs}): {bundle:.2f} s "
          f"(--jobs 1: {serial:.2f} s; with --packet: {packet:.2f} s)")
    print(f"2. LibreOffice converting its three DOCX files in one call: {lo:.2f} s; "
          f"ratio (1)/(2): {bundle / lo:.2f} (--jobs 1: {serial / lo:.2f}; "
          f"--packet: {packet / lo:.2f})")
    print(f"3. batch of {args.cities} cities, {args.jobs} workers: {batch:.1f} s, "
          f"{args.cities / batch:.2f} cities/s, peak memory of one process {peak_mb:.0f} MB")
    print(f"4. the same batch again, nothing changed: {rerun:.2f} s")
    print(f"5. smpgen --help (median): {helptime:.3f} s")


if __name__ == "__main__":
    main()
