# mkrun.sh: builds a small graded run database with the sqlite3 CLI for the estimate, gate and
# validate e2e tests (source it). The tables and columns are those of lib/store/store.c (v1).
#
# mkrun DB N K MODEL SPEC...   N prefixes (conv "c-<i>", cut 1), K samples each; SPEC is
#   CATEGORY:MOD:REM  -> label 1 when (prefix_id + 7919*k) % MOD == REM, else 0
# Environment: MK_WEIGHT (SQL expression of i for prefixes.weight, default 1.0), MK_FAIL (every
# MK_FAIL-th sample failed), MK_NULL (every MK_NULL-th sample has a NULL label in the first category).
command -v sqlite3 >/dev/null || skip "needs the sqlite3 command-line tool"

mkrun() {
  local db=$1 n=$2 k=$3 model=$4; shift 4
  local cats="" grades="" first=1
  for spec in "$@"; do
    IFS=: read -r cat mod rem <<<"$spec"
    cats+="  - {id: $cat, title: \"Title of $cat\", severity: $([ $first = 1 ] && echo high || echo low), description: test}
"
    local lab="CASE WHEN (s.prefix_id + 7919*s.k) % $mod = $rem THEN 1 ELSE 0 END"
    if [ $first = 1 ] && [ -n "${MK_NULL:-}" ]; then lab="CASE WHEN s.id % ${MK_NULL} = 0 THEN NULL ELSE $lab END"; fi
    grades+="INSERT INTO grades(sample_id,rubric_sha256,category,label,grader,created_at)
  SELECT s.id,'rub1','$cat',$lab,'rule','2026-11-01T00:00:00Z' FROM samples s WHERE s.status='ok';
"
    first=0
  done
  sqlite3 "$db" <<SQL
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events(id INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT);
CREATE TABLE prefixes(id INTEGER PRIMARY KEY, conv_id TEXT NOT NULL, cut_index INTEGER NOT NULL,
  segment TEXT NOT NULL DEFAULT '{}', weight REAL NOT NULL DEFAULT 1.0, time TEXT, messages TEXT NOT NULL,
  tools TEXT, original TEXT, repo TEXT, status TEXT NOT NULL DEFAULT 'pending', reason TEXT, UNIQUE(conv_id, cut_index));
CREATE TABLE samples(id INTEGER PRIMARY KEY, prefix_id INTEGER NOT NULL REFERENCES prefixes(id), k INTEGER NOT NULL,
  seed INTEGER NOT NULL, status TEXT NOT NULL CHECK(status IN ('ok','failed')), content TEXT, reasoning TEXT,
  tool_calls TEXT, finish_reason TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, latency_s REAL,
  attempts INTEGER, error TEXT, trajectory TEXT, created_at TEXT NOT NULL, UNIQUE(prefix_id, k));
CREATE TABLE rubrics(sha256 TEXT PRIMARY KEY, name TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL, depsim_version TEXT NOT NULL);
CREATE TABLE grades(id INTEGER PRIMARY KEY, sample_id INTEGER NOT NULL REFERENCES samples(id),
  rubric_sha256 TEXT NOT NULL REFERENCES rubrics(sha256), category TEXT NOT NULL, label INTEGER CHECK(label IN (0,1)),
  confidence REAL, grader TEXT NOT NULL, evidence TEXT, step INTEGER, error TEXT, created_at TEXT NOT NULL,
  UNIQUE(sample_id, rubric_sha256, category));
INSERT INTO meta VALUES('schema_version','1'),('depsim_version','0.1.0'),
  ('corpus_sha256','c0ffee00000000000000000000000000000000000000000000000000000000ee'),
  ('model_spec','{"backend":"openai","model":"$model","api_key":"sk-SECRET"}'),('api_token','SECRET2');
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < $n)
INSERT INTO prefixes(id,conv_id,cut_index,segment,weight,messages,status)
  SELECT i, 'c-'||i, 1, json_object('product', CASE i%2 WHEN 0 THEN 'chat' ELSE 'code' END,
         'locale', CASE WHEN i%3=0 THEN 'de' ELSE 'en' END), ${MK_WEIGHT:-1.0}, '[]', 'done' FROM seq;
WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k+1 FROM ks WHERE k < $k - 1)
INSERT INTO samples(id,prefix_id,k,seed,status,content,created_at)
  SELECT (p.id-1)*$k + ks.k + 1, p.id, ks.k, 0, 'ok', 'x', '2026-11-01T00:00:00Z' FROM prefixes p, ks;
${MK_FAIL:+UPDATE samples SET status='failed', content=NULL WHERE id % ${MK_FAIL} = 0;}
INSERT INTO rubrics VALUES('rub1','test','categories:
$cats','2026-11-01T00:00:00Z','0.1.0');
$grades
SQL
}
