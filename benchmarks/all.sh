#!/usr/bin/env bash
# Every issue-13/17 target benchmark, one after the other, for the README's "Speed" table.
# Run on a quiet machine from the project root after `make env`:  bash benchmarks/all.sh 2>&1 | tee /tmp/bench.txt
set -euo pipefail
py=.venv/bin/python
echo "== $(date -u '+%Y-%m-%d %H:%M UTC')  $(git rev-parse --short HEAD)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== bench_startup";            $py benchmarks/bench_startup.py --repeats 3
echo "== bench_lambda (python)";    $py benchmarks/bench_lambda.py --repeats 5 --kernel python
echo "== bench_lambda date";        $py benchmarks/bench_lambda.py --repeats 5 --kernel python --keep-alive date
echo "== bench_lambda (numba)";     $py benchmarks/bench_lambda.py --repeats 5 --kernel numba
echo "== bench_lambda summary";     $py benchmarks/bench_lambda.py --repeats 1 --records summary --horizon-s 25000
echo "== bench_azure_day";          $py benchmarks/bench_azure_day.py --repeats 3
echo "== bench_panel";              $py benchmarks/bench_panel.py --moves 5
echo "== bench_platforms";          $py benchmarks/bench_platforms.py
echo "== bench_compare";            $py benchmarks/bench_compare.py --workers 2 --repeats 3
echo "== done $(date -u '+%H:%M UTC')  load: $(cut -d' ' -f1-3 /proc/loadavg)"
