"""Profile one endpoint under the bench load: py-spy samples the server while wrk runs.

    .venv/bin/python bench/profile.py --deployment embedded --endpoint get_ticket [--seconds 15]
      [--py-spy PATH]

py-spy is not a project dependency: install it anywhere (``pipx install py-spy`` or
``python3 -m venv /tmp/pyspy && /tmp/pyspy/bin/pip install py-spy``) and pass its path.
Prints the functions with the most samples (inclusive, our code and the libraries) and writes
the collapsed stacks to bench/results/profile-<deployment>-<endpoint>.txt for flamegraph tools.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_bench
import common

ENDPOINTS = {
    "ceiling": ("get_path.lua", "/bench/ceiling"),
    "get_ticket": ("get_ticket.lua", None),
    "list": ("get_path.lua", "/api/v1/tickets"),
    "external_list": ("get_path.lua", "/api/external/tickets"),
    "post_ticket": ("post_ticket.lua", None),
    "post_message": ("post_message.lua", None),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployment", default="embedded", choices=["embedded", "production"])
    parser.add_argument("--endpoint", default="get_ticket", choices=sorted(ENDPOINTS))
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--py-spy", default="py-spy")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    script, path = ENDPOINTS[args.endpoint]
    with tempfile.TemporaryDirectory(prefix="tixallo-profile-") as tmp:
        workdir = Path(tmp)
        # One worker even in production: py-spy follows one process.
        env, _workers, url = api_bench._deployment_env(args.deployment, workdir)
        common.migrate(env)
        bench = asyncio.run(api_bench._seed(url))
        ids_file = workdir / "ids.txt"
        ids_file.write_text("\n".join(bench.ticket_ids_sample[:2000]) + "\n")
        server = common.Server(env=env, workers=1)
        server.start()
        raw = workdir / "stacks.txt"
        try:
            load = threading.Thread(
                target=common.run_wrk,
                args=(server.url, script),
                kwargs={
                    "env": {
                        "BENCH_KEY": bench.api_key,
                        "BENCH_IDS": str(ids_file),
                        "BENCH_PATH": path or "",
                    },
                    "seconds": args.seconds,
                },
            )
            load.start()
            assert server.proc is not None
            subprocess.run(
                [
                    args.py_spy,
                    "record",
                    "--pid",
                    str(server.proc.pid),
                    "--duration",
                    str(args.seconds - 3),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--output",
                    str(raw),
                ],
                check=True,
                capture_output=True,
            )
            load.join()
        finally:
            server.stop()
            if args.deployment == "production":
                common.drop_pg_database("tixallo_bench")
        inclusive: collections.Counter[str] = collections.Counter()
        total = 0
        lines = raw.read_text().splitlines()
        for line in lines:
            stack, _, count_text = line.rpartition(" ")
            count = int(count_text)
            total += count
            for frame in set(stack.split(";")):
                inclusive[frame] += count
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        out = common.RESULTS / f"profile-{args.deployment}-{args.endpoint}.txt"
        out.write_text("\n".join(lines) + "\n")
    print(f"{total} samples; inclusive share of the top frames:")
    for frame, count in inclusive.most_common(args.top):
        print(f"{100 * count / total:5.1f}%  {frame[:150]}")
    print(f"collapsed stacks: {out.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
