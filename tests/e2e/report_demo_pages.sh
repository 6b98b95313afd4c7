#!/usr/bin/env bash
# report_demo_pages.sh: the demo's pages (scripts/demo: `depsim simulate` over data/sample with
# the v1 and v2 candidates, v1's validation, and the comparison page; the demo's in-process
# llama.cpp candidate is left out here for time: its page is built the same way) opened in a real
# headless Chromium: v1's banner says PASS and v2's FAIL before anything else, the comparison
# shows both verdicts and both answers to one prompt, and a 1280 px screenshot of each page is
# kept in $DS_BUILD/artifacts/report/ as an artifact of the test run. Skips (77) without Chromium.
source "$(dirname "$0")/lib.sh"

CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROME" ] || skip "chromium is not installed (Debian package 'chromium'); the browser check needs it"
out="$WORK/demo-out"
demo_simulate "$out"
# what scripts/demo adds after simulate
"$DEPSIM" validate "$out/v1.forecast.json" --observed "$out/baseline.db" -o "$out/v1.validation.json" -q
"$DEPSIM" report "$out/v1.db" --baseline "$out/baseline.db" --forecast "$out/v1.forecast.json" \
  --gate "$out/v1.gate.json" --validation "$out/v1.validation.json" -o "$out/v1.report.html" -q
"$DEPSIM" report "$out/v1.db" "$out/v2.db" --baseline "$out/baseline.db" --gate "$out/v1.gate.json" \
  --gate "$out/v2.gate.json" -o "$out/compare.report.html" -q
grep -q -- '--validation' "$DS_SRC/scripts/demo" || fail "scripts/demo no longer validates v1: keep this test in step"

art="$DS_BUILD/artifacts/report"
mkdir -p "$art"
PYTHONPATH="$DS_SRC/tests/e2e" python3 - "$CHROME" "$WORK" "$out" "$art" <<'PY' || fail "demo pages"
import os, sys
from report_cdp import Browser
chrome, work, out, art = sys.argv[1:5]
def check(c, what):
    if not c:
        raise SystemExit("FAIL: " + what)
with Browser(chrome, work + "/profile") as b:
    for name, verdict in (("v1", "PASS"), ("v2", "FAIL"), ("compare", None)):
        p = b.page()
        secs = p.open("file://%s/%s.report.html" % (out, name))
        check(p.eval("document.documentElement.hasAttribute('data-ready')"), name + ": the script did not run")
        check(not p.console_errors(), name + ": script errors")
        banners = p.eval("[...document.querySelectorAll('section.verdict')].map(v => v.innerText.split('\\n')[0])")
        if verdict:
            check(banners == [verdict], "%s: banner %r" % (name, banners))
            check(p.eval("document.querySelector('main').children[2].id") == "verdict", name + ": verdict not first")
        else:
            check([x.split()[0] for x in banners] == ["PASS", "FAIL"], "compare: banners %r" % banners)
        if name == "v1":
            check(p.eval("!!document.getElementById('chart-validation')"), "v1: no forecast-vs-observed chart")
        h = p.screenshot(os.path.join(art, "demo-%s.png" % name), 1280)
        size = os.path.getsize(os.path.join(art, "demo-%s.png" % name))
        check(size > 100000, "%s: screenshot of %d bytes" % (name, size))
        print("%s: opened in %.2f s, %d px tall" % (name, secs, h))
    # the same prompt, both candidates' answers
    p = b.page()
    p.open("file://%s/compare.report.html#b?tab=grid&cat=sycophancy&flag=flagged" % out)
    heads = p.eval("[...document.querySelectorAll('table.grid th')].map(t => t.textContent)")
    check(heads[-2:] == ["v1", "v2"], "grid columns %r" % heads)
    cells = p.eval("document.querySelector('table.grid tr:nth-child(2)').children.length")
    check(cells == 4, "a grid row holds the prompt, the original and both answers (%d cells)" % cells)
    p.screenshot(os.path.join(art, "demo-compare-grid.png"), 1280)
PY
echo "ok: demo pages checked; screenshots in $art"
