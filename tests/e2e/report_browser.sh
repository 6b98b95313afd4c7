#!/usr/bin/env bash
# report_browser.sh: a real headless Chromium opens a depsim report from a file: the SVG charts
# are in the DOM, a script and an onerror handler planted in a conversation did not run, and a
# screenshot is taken (kept in $DS_REPORT_SHOT_DIR when set). Skips only when Chromium is absent.
source "$(dirname "$0")/lib.sh"

CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROME" ] || skip "chromium is not installed (Debian package 'chromium'); the browser check needs it"
FIXTURE="$DS_BUILD/tests/test_report"
[ -x "$FIXTURE" ] || FIXTURE="$DS_BUILD/test_report"
[ -x "$FIXTURE" ] || fail "test_report (fixture builder) not built; is cmocka installed?"

chrome() {
  local prof; prof=$(mktemp -d "$WORK/prof.XXXXXX")
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$prof" "$@" 2>>"$WORK/chrome.log"
}

# run databases from data/sample: v2 candidate (with a planted <script> conversation), baseline
DS_SRC="$DS_SRC" "$FIXTURE" --fixture "$WORK" || fail "fixture builder failed"
# the real estimate and validate stages (v1 stands in for what production showed after release)
"$DEPSIM" estimate "$WORK/run.db" --baseline "$WORK/base.db" -o "$WORK/forecast.json" >/dev/null \
  || fail "depsim estimate failed"
"$DEPSIM" validate "$WORK/forecast.json" --observed "$WORK/v1.db" --previous "$WORK/base.db" \
  -o "$WORK/validation.json" >/dev/null || fail "depsim validate failed"
cat >"$WORK/realism.json" <<'J'
{"discriminator":{"accuracy":0.56,"lo":0.51,"hi":0.61,"n":400},"awareness":{"rate":0.04,"ci":[0.02,0.07]}}
J
"$DEPSIM" report "$WORK/run.db" --baseline "$WORK/base.db" --forecast "$WORK/forecast.json" \
  --validation "$WORK/validation.json" --realism "$WORK/realism.json" -o "$WORK/report.html" \
  || fail "depsim report failed"

# the report's own figures (computed from run.db) agree with estimate's forecast.json
"$DEPSIM" report "$WORK/run.db" --json >"$WORK/report.json" || fail "depsim report --json failed"
python3 - "$WORK/report.json" "$WORK/forecast.json" <<'PY' || fail "report and forecast disagree"
import json, sys
rep, fc = (json.load(open(p)) for p in sys.argv[1:3])
mine = {c["id"]: c["candidate"] for c in rep["categories"]}
assert len(fc["categories"]) == len(mine) == 5, (len(fc["categories"]), len(mine))
for c in fc["categories"]:
    m = mine[c["id"]]
    assert (m["k"], m["n"]) == (c["events"], c["n"]), c["id"]
    assert abs(m["hi"] - c["upper"]) < 1e-9 and abs(m["lo"] - (c["lower"] or 0)) < 1e-9, c["id"]
assert mine["sycophancy"]["k"] == 20 and mine["system_prompt_leak"]["floor"] is True
PY

# control: this browser set-up does run inline scripts, so a clean result below means something
printf '<!DOCTYPE html><html><head><title>clean</title></head><body><script>document.title="PWNED"</script></body></html>' \
  >"$WORK/control.html"
chrome --dump-dom "file://$WORK/control.html" >"$WORK/control.dom" || fail "chromium failed on the control page: $(tail -5 "$WORK/chrome.log")"
grep -q '<title>PWNED</title>' "$WORK/control.dom" || fail "control page: scripts did not run, so the check below proves nothing"

chrome --dump-dom "file://$WORK/report.html" >"$WORK/report.dom" || fail "chromium failed: $(tail -5 "$WORK/chrome.log")"
dom="$WORK/report.dom"
[ -s "$dom" ] || fail "empty DOM dump"
grep -q 'PWNED</title>' "$dom" && fail "a script planted in the data ran (title changed)"
grep -q '<script' "$dom" && fail "a <script> element from the data is in the DOM"
grep -q '<img' "$dom" && fail "an <img> element from the data is in the DOM"
grep -q "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" "$dom" || fail "the planted script is not shown as text"
for id in chart-rates chart-heatmap chart-validation chart-realism chart-tools; do
  grep -q "<svg[^>]*id=\"$id\"" "$dom" || fail "SVG $id missing from the DOM"
done
n_circles=$(grep -o '<circle' "$dom" | wc -l)
[ "$n_circles" -ge 10 ] || fail "too few chart points in the DOM ($n_circles)"
grep -q 'class="floor"' "$dom" || fail "no detection floor drawn"
grep -q 'class="band"' "$dom" || fail "no 1.5x band in the forecast-vs-observed chart"

chrome --window-size=1200,3600 --screenshot="$WORK/report.png" "file://$WORK/report.html" >/dev/null \
  || fail "screenshot failed: $(tail -5 "$WORK/chrome.log")"
size=$(stat -c %s "$WORK/report.png")
[ "$size" -gt 50000 ] || fail "screenshot is suspiciously small ($size bytes): page blank?"
# a blank or unstyled page compresses far better: require many distinct colours in the image rows
python3 - "$WORK/report.png" <<'PY' || fail "screenshot looks blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
# the unfiltered bytes of each row are enough to count distinct byte values per row
colours = set()
stride = len(raw) // h
for y in range(0, h, 7):
    colours.update(raw[y * stride + 1:(y + 1) * stride:29])
sys.exit(0 if len(colours) > 40 else 1)
PY
if [ -n "${DS_REPORT_SHOT_DIR:-}" ]; then cp "$WORK/report.png" "$WORK/report.html" "$DS_REPORT_SHOT_DIR/"; fi
echo "ok: charts rendered, planted script inert, screenshot $size bytes"
