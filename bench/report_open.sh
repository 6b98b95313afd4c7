#!/usr/bin/env bash
# report_open.sh: how long headless Chromium takes to open a depsim report with 2,000 embedded
# samples, beside the limit (2 s), and whether a run of 30 categories x 50 segments stays
# legible (a screenshot of the segment table is written for a look). Run by hand after
# `make build`: bench/report_open.sh [BUILD_DIR] [SAMPLES_IN_RUN]. Needs chromium and sqlite3.
#
# The run is synthetic: SAMPLES_IN_RUN prefixes (default 6,000) of three messages of 300-1,500
# characters, one sample each, 30 rule-graded categories (about 3% flagged each), a segment
# "tenant" of 50 values and one "product" of 3; the report embeds --max-samples 2000 of them.
set -euo pipefail
build=${1:-build}
n=${2:-6000}
src=$(cd "$(dirname "$0")/.." && pwd)
depsim="$build/depsim"
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -x "$depsim" ] && [ -x "$build/tests/grade_mkdb" ] || { echo "report_open: build first (make build)" >&2; exit 2; }
[ -n "$chrome" ] || { echo "report_open: needs chromium" >&2; exit 2; }
work=$(mktemp -d /tmp/ds-report-open.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

"$build/tests/grade_mkdb" "$work/run.db"
cats=""
for c in $(seq -w 1 30); do
  cats+="  - {id: cat_$c, title: Category $c, description: d, severity: medium, applies_to: both, graders: [{type: rule, target: response, patterns: [x]}]}
"
done
sqlite3 "$work/run.db" <<SQL
BEGIN;
INSERT INTO rubrics VALUES('r30', 'bench', 'name: bench
categories:
$cats', '2026-12-01T00:00:00Z', '0.1.0');
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
INSERT INTO prefixes(id, conv_id, cut_index, segment, messages, original, status)
  SELECT i, 'c-' || printf('%06d', i), 3,
    json_object('tenant', 't' || (i % 50), 'product', CASE i % 3 WHEN 0 THEN 'chat' WHEN 1 THEN 'api' ELSE 'agent' END),
    json_array(json_object('role', 'system', 'content', substr(hex(randomblob(800)), 1, 300 + (i * 37) % 700)),
               json_object('role', 'user', 'content', 'Question ' || i || ': ' || substr(hex(randomblob(800)), 1, 300 + (i * 53) % 1200)),
               json_object('role', 'assistant', 'content', substr(hex(randomblob(800)), 1, 400))),
    json_object('role', 'assistant', 'content', 'The original answer ' || i || ' ' || substr(hex(randomblob(600)), 1, 600)),
    'done' FROM seq;
INSERT INTO samples(id, prefix_id, k, seed, status, content, finish_reason, created_at)
  SELECT id, id, 0, 0, 'ok', 'The candidate answer ' || id || ' ' || substr(hex(randomblob(800)), 1, 300 + (id * 71) % 1200),
    CASE id % 17 WHEN 0 THEN 'length' ELSE 'stop' END, '2026-12-01T00:00:00Z' FROM prefixes;
WITH RECURSIVE c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c WHERE k < 30)
INSERT INTO grades(sample_id, rubric_sha256, category, label, confidence, grader, evidence, created_at)
  SELECT s.id, 'r30', 'cat_' || printf('%02d', c.k),
    CASE WHEN (s.id * 7919 + c.k * 104729 + (s.id % 50) * c.k) % (20 + c.k + (s.id % 50 = c.k) * -15) = 0 THEN 1 ELSE 0 END,
    0.9, 'rule', '{"match":"answer"}', '2026-12-01T00:00:00Z' FROM samples s, c;
COMMIT;
SQL
t0=$(date +%s.%N)
"$depsim" report "$work/run.db" --max-samples 2000 -o "$work/report.html" -q
t1=$(date +%s.%N)
echo "report: $n samples in the run, written in $(echo "$t1 - $t0" | bc) s, $(stat -c %s "$work/report.html") bytes"

PYTHONPATH="$src/tests/e2e" python3 - "$chrome" "$work" <<'PY'
import statistics, sys
from report_cdp import Browser
chrome, work = sys.argv[1:3]
url = "file://" + work + "/report.html"
loads, ready = [], []
with Browser(chrome, work + "/profile") as b:
    for i in range(6):
        p = b.page()
        t = p.open(url)
        if i == 0:
            continue  # the first load also starts the renderer process
        loads.append(t)
        ready.append(int(p.eval("document.documentElement.getAttribute('data-ready')")) / 1000)
    n = p.eval("document.getElementById('b-count').dataset.n")
    seg = p.eval("document.querySelectorAll('#table-segments tbody tr').length")
    cols = p.eval("document.querySelectorAll('#table-segments thead th').length - 1")
    font = p.eval("getComputedStyle(document.querySelector('#table-segments td')).fontSize")
    print("embedded samples listed: %s; segment table %s rows x %s categories, cell font %s" % (n, seg, cols, font))
    print("open (load event), best / median of 5: %.2f / %.2f s   (limit 2 s)" % (min(loads), statistics.median(loads)))
    print("drawn (script done), best / median of 5: %.2f / %.2f s" % (min(ready), statistics.median(ready)))
    p.eval("document.getElementById('segments').scrollIntoView()")
    p.viewport_shot("/tmp/report-open-segments.png")
PY
echo "segment table screenshot: /tmp/report-open-segments.png"
