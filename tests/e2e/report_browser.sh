#!/usr/bin/env bash
# report_browser.sh: a real headless Chromium, driven through the DevTools protocol
# (tests/e2e/report_cdp.py), opens depsim reports from files: the verdict banner is the first
# thing on the page; the sample browser's filters give the counts the run database gives; with
# scripts off the verdict, the rates and the flagged examples are all there; an XSS corpus
# planted in messages, segments, tool names, rubric titles and judge explanations never runs
# (no title change, no planted element, only the page's two script elements); the CSP hash is
# enforced (a changed script does not run); files of another run are refused. Skips (77) only
# when Chromium is absent.
source "$(dirname "$0")/lib.sh"

CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROME" ] || skip "chromium is not installed (Debian package 'chromium'); the browser check needs it"
FIXTURE="$DS_BUILD/tests/test_report"
[ -x "$FIXTURE" ] || FIXTURE="$DS_BUILD/test_report"
[ -x "$FIXTURE" ] || fail "test_report (fixture builder) not built; is cmocka installed?"

# run databases from data/sample: v2 candidate (with the planted XSS corpus), baseline, v1
DS_SRC="$DS_SRC" "$FIXTURE" --fixture "$WORK" || fail "fixture builder failed"
# the real estimate, gate and validate stages (v1 stands in for what production showed)
"$DEPSIM" estimate "$WORK/run.db" --baseline "$WORK/base.db" -o "$WORK/forecast.json" -q || fail "estimate failed"
set +e
"$DEPSIM" gate "$WORK/forecast.json" --policy "$DS_SRC/data/policies/demo.yaml" --run "$WORK/run.db" \
  --json "$WORK/gate.json" -q
rc=$?
set -e
assert_eq "$rc" 1 "gate exit (the fixture's v2 fails the demo policy)"
"$DEPSIM" validate "$WORK/forecast.json" --observed "$WORK/v1.db" --previous "$WORK/base.db" \
  -o "$WORK/validation.json" -q || fail "validate failed"
run_id=$(sqlite3 "$WORK/run.db" "SELECT value FROM meta WHERE key='run_id'")
[ ${#run_id} = 32 ] || fail "run.db has no run id ('$run_id')"
cat >"$WORK/realism.json" <<J
{"format":"depsim-realism","run":{"path":"$WORK/run.db","run_id":"$run_id"},
 "discriminate":{"judge":"j","n":40,"events":22,"rate":0.55,"lower":0.4,"upper":0.7,"n_judgments":40,"errors":2,
  "by_order":{"real_first":{"n":20,"rate":0.5},"sim_first":{"n":20,"rate":0.6}}},
 "awareness":{"judge":"j","errors":0,"groups":{"real":{"n":20,"rate":0.05,"lower":0.01,"upper":0.24},
  "simulated":{"n":20,"rate":0.1,"lower":0.03,"upper":0.3}}}}
J
"$DEPSIM" report "$WORK/run.db" --baseline "$WORK/base.db" --forecast "$WORK/forecast.json" --gate "$WORK/gate.json" \
  --validation "$WORK/validation.json" --realism "$WORK/realism.json" -o "$WORK/report.html" -q \
  || fail "depsim report failed"
[ -s "$WORK/report.html" ] || fail "no report written"

# a validation of another run is refused, naming both runs
"$DEPSIM" estimate "$WORK/v1.db" --baseline "$WORK/base.db" -o "$WORK/v1.forecast.json" -q
"$DEPSIM" validate "$WORK/v1.forecast.json" --observed "$WORK/base.db" -o "$WORK/v1.validation.json" -q
set +e
"$DEPSIM" report "$WORK/run.db" --validation "$WORK/v1.validation.json" -o "$WORK/wrong.html" 2>"$WORK/wrong.err"
rc=$?
set -e
assert_eq "$rc" 3 "report with another run's validation"
grep -q "v1.validation.json: this validation belongs to another run: it was made from .*v1.db" "$WORK/wrong.err" \
  || fail "refusal does not name both runs: $(cat "$WORK/wrong.err")"
grep -q "not from $WORK/run.db" "$WORK/wrong.err" || fail "refusal does not name the run: $(cat "$WORK/wrong.err")"
[ ! -e "$WORK/wrong.html" ] || fail "a refused report was written"

# two candidates on one page, each with its own gate decision
set +e
"$DEPSIM" gate "$WORK/v1.forecast.json" --policy "$DS_SRC/data/policies/demo.yaml" --json "$WORK/v1.gate.json" -q
set -e
"$DEPSIM" report "$WORK/run.db" "$WORK/v1.db" --baseline "$WORK/base.db" --gate "$WORK/gate.json" \
  --gate "$WORK/v1.gate.json" -o "$WORK/compare.html" -q || fail "comparison report failed"

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

mkdir -p "$DS_BUILD/artifacts/report"
PYTHONPATH="$DS_SRC/tests/e2e" python3 - "$CHROME" "$WORK" "$DS_BUILD/artifacts/report" <<'PY' || fail "browser checks failed"
import json, os, sqlite3, sys, time
from report_cdp import Browser
chrome, work, art = sys.argv[1:4]
url = "file://" + work + "/report.html"
TITLE = "depsim report: run.db"

def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)

# what the run database says, for the filters
db = sqlite3.connect(work + "/run.db")
rub = db.execute("SELECT rubric_sha256 FROM grades LIMIT 1").fetchone()[0]
def count(sql, *a):
    return db.execute(sql, a).fetchone()[0]
n_all = count("SELECT count(*) FROM samples")
n_flagged = count("SELECT count(DISTINCT sample_id) FROM grades WHERE label = 1 AND rubric_sha256 = ?", rub)
n_syc = count("SELECT count(*) FROM grades WHERE label = 1 AND category = 'sycophancy' AND rubric_sha256 = ?", rub)
n_agent = count("SELECT count(*) FROM samples s JOIN prefixes p ON p.id = s.prefix_id "
                "WHERE json_extract(p.segment, '$.product') = 'agent'")
n_sim = count("SELECT count(DISTINCT sample_id) FROM tool_steps WHERE source = 'simulator'")
n_git = count("SELECT count(*) FROM samples WHERE lower(content) LIKE '%git push%' OR lower(tool_calls) LIKE '%git push%'")
check(n_flagged == 48 and n_syc == 20 and n_agent > 0 and n_sim > 0, "fixture counts %r" % [n_flagged, n_syc, n_agent, n_sim])

with open(work + "/control.html", "w") as f:
    f.write('<!DOCTYPE html><html><head><title>clean</title></head><body><script>document.title="PWNED"</script></body></html>')
# the page with one byte of its script changed: its hash no longer matches the CSP
page = open(work + "/report.html").read()
i = page.index("<script>") + len("<script>")
with open(work + "/tampered.html", "w") as f:
    f.write(page[:i] + "document.title='PWNED';" + page[i:])

with Browser(chrome, work + "/profile", open(work + "/chrome.log", "w")) as b:
    # control: this set-up runs inline scripts, and turning scripts off stops them
    p = b.page()
    p.open("file://" + work + "/control.html")
    check(p.eval("document.title") == "PWNED", "control page: scripts did not run, so the checks below prove nothing")
    off = b.page(scripts=False)
    off.open("file://" + work + "/control.html")
    check(off.eval("document.title") == "clean", "control page: scripts ran with scripts off")

    # the CSP is enforced: a script whose hash is not the one allowed does not run
    p.open("file://" + work + "/tampered.html")
    time.sleep(0.2)
    check(p.eval("document.title") == TITLE, "a script not allowed by the CSP hash ran")
    check(p.eval("document.documentElement.hasAttribute('data-ready')") is False, "tampered script ran")

    # scripts on
    p = b.page()
    p.open(url)
    check(p.eval("document.documentElement.getAttribute('data-ready')") is not None, "the page's script did not run")
    check(not p.console_errors(), "script errors: %r" % p.console_errors()[:2])
    check(p.eval("document.title") == TITLE, "title changed: %r" % p.eval("document.title"))
    # the verdict first: visible, at the top, naming the decision and the policy
    v = p.eval("""(() => { const v = document.getElementById('verdict'); const r = v.getBoundingClientRect();
        const first = document.querySelector('main').children[2];
        return {cls: v.className, text: v.innerText, top: r.top, h: r.height, first: first === v}; })()""")
    check("v-fail" in v["cls"] and v["text"].startswith("FAIL"), "verdict banner: %r" % v["text"][:80])
    check(v["first"] and v["top"] < 200 and v["h"] > 50, "verdict banner is not the first thing: %r" % v)
    check("demo.yaml" in v["text"] and "sycophancy" in v["text"] and "max_rate 0.04" in v["text"], "verdict says why")

    # the sample browser: each filter gives the count the database gives
    def ui(sel, value):
        p.eval("""(() => { const s = document.getElementById(%s); s.value = %s;
            s.dispatchEvent(new Event('change')); })()""" % (json.dumps(sel), json.dumps(value)))
        return int(p.eval("document.getElementById('b-count').dataset.n"))
    def search(text):
        p.eval("""(() => { const q = document.getElementById('b-q'); q.value = %s;
            q.dispatchEvent(new Event('input')); })()""" % json.dumps(text))
        time.sleep(0.5)
        return int(p.eval("document.getElementById('b-count').dataset.n"))
    check(int(p.eval("document.getElementById('b-count').dataset.n")) == n_all, "all samples listed")
    check(ui("b-flag", "flagged") == n_flagged, "flag filter")
    check(ui("b-cat", "sycophancy") == n_syc, "category filter")
    ui("b-cat", ""); ui("b-flag", "")
    check(ui("b-seg", "product=agent") == n_agent, "segment filter")
    ui("b-seg", "")
    check(ui("b-src", "simulator") == n_sim, "tool source filter")
    ui("b-src", "")
    check(search("git push") >= n_git > 0, "text search")
    check(search("x-evil#1") == 1, "search by sample id")
    # the planted sample's whole transcript, drawn by the script
    p.eval("document.querySelector('#browser tr.row').click()")
    d = p.eval("document.getElementById('b-detail').textContent")
    check("<b id=\"xss-planted\">b</b>" in d and "document.title='PWNED'" in d, "planted text not shown as text")
    check("sh<b id=" in d and "because <b id=" in d, "tool name / judge explanation not shown")

    def inert(page, where):
        r = page.eval("""({title: document.title, planted: !!document.getElementById('xss-planted'),
            scripts: document.scripts.length, imgs: document.images.length,
            onload: document.querySelectorAll('[onload],[onerror]').length})""")
        check(r["title"] == TITLE or r["title"].startswith("depsim report"), "%s: title changed to %r" % (where, r["title"]))
        check(not r["planted"], "%s: a planted element is in the DOM" % where)
        check(r["scripts"] == 2 and r["imgs"] == 0 and r["onload"] == 0, "%s: foreign elements %r" % (where, r))
    inert(p, "list and transcript")
    p.open(url + "#b?sample=x-evil%231/0")
    check(p.eval("!!document.getElementById('b-detail')"), "a link to a sample opens it")
    inert(p, "sample link")

    # several candidates: the same prompt, both answers side by side
    c = b.page()
    c.open("file://" + work + "/compare.html#b?tab=grid&flag=flagged")
    check(c.eval("document.getElementById('g-count') !== null"), "no grid")
    rows = c.eval("document.querySelectorAll('table.grid tr').length")
    heads = c.eval("[...document.querySelectorAll('table.grid th')].map(t => t.textContent)")
    check(heads[-2:] == ["run", "v1"] and rows > 5, "grid columns %r, %d rows" % (heads, rows))
    cnt = json.loads(json.dumps(c.eval("document.getElementById('g-count').dataset.n")))
    v1 = sqlite3.connect(work + "/v1.db")
    keys = set(r[0] for r in db.execute("SELECT DISTINCT p.conv_id||'#'||p.cut_index FROM grades g JOIN samples s ON "
                                           "s.id = g.sample_id JOIN prefixes p ON p.id = s.prefix_id WHERE g.label = 1"))
    keys |= set(r[0] for r in v1.execute("SELECT DISTINCT p.conv_id||'#'||p.cut_index FROM grades g JOIN samples s ON "
                                            "s.id = g.sample_id JOIN prefixes p ON p.id = s.prefix_id WHERE g.label = 1"))
    check(int(cnt) == len(keys), "grid prompts %s, flagged prefixes in either run %d" % (cnt, len(keys)))
    check(c.eval("document.querySelectorAll('section.verdict').length") == 2, "one verdict per candidate")
    inert(c, "comparison grid")

    # scripts off: the verdict, the rates and the flagged examples are all there
    off.open(url)
    r = off.eval("""({ready: document.documentElement.hasAttribute('data-ready'),
        verdict: (document.getElementById('verdict') || {}).innerText || '',
        rates: document.querySelectorAll('#table-rates tr').length,
        examples: document.querySelectorAll('.ex').length, title: document.title})""")
    check(not r["ready"], "scripts ran with scripts off")
    check(r["verdict"].startswith("FAIL") and r["rates"] == 6 and r["examples"] >= 10, "scripts off: %r" % r)

    # screenshots at 1280 px, kept with the build
    for name, page_ in (("report", p), ("compare", c)):
        page_.open("file://" + work + "/" + ("report.html" if name == "report" else "compare.html"))
        h = page_.screenshot(os.path.join(art, "fixture-%s.png" % name), 1280)
        check(os.path.getsize(os.path.join(art, "fixture-%s.png" % name)) > 100000 and h > 2000, "screenshot %s" % name)
print("browser: verdict first, filters match the database, scripts-off complete, XSS corpus inert, CSP enforced")
PY
echo "ok: $(ls "$DS_BUILD/artifacts/report" | wc -l) screenshots in $DS_BUILD/artifacts/report"
