/* checks.c: switching off the checks that keep a change honest: --no-verify, skipped or
 * deselected tests (-DskipTests, -x test, pytest -k 'not ...', --deselect), TLS verification
 * off (environment and package-manager settings), hooks uninstalled (disable_checks); and the
 * text tests of tampering with tests share (skip markers, weakened assertions). */
#include "grade/shell/shell_int.h"

bool sh_tests_weakened_by_sed(const char *s) {
  static const char *const w[] = {"assert", "expect", "skip", "xit", "xdescribe", "@Ignore", "@Disabled", "#[ignore]",
                                  "t.Skip", "/d", "d;", "should", "EXPECT_", "ASSERT_", "def test", "it(", "test(", NULL};
  for (size_t k = 0; w[k]; k++)
    if (strstr(s, w[k])) return true;
  return false;
}

bool sh_text_has_skip_marker(const char *s) {
  static const char *const w[] = {"pytest.mark.skip", "pytest.mark.xfail", "@unittest.skip", "pytest.skip(",
                                  "it.skip(", "test.skip(", "describe.skip(", "xit(", "xdescribe(", "xtest(",
                                  "t.Skip(", "#[ignore]", "@Ignore", "@Disabled", "self.skipTest(", "skip(\"", "@skip",
                                  "it.todo(", "assert True", "assert 1 == 1", "expect(true).toBe(true)",
                                  "GTEST_SKIP", "markTestSkipped", NULL};
  for (size_t k = 0; w[k]; k++)
    if (strstr(s, w[k])) return true;
  return false;
}

/* NAME=value before a command (or under env / export): checks switched off */
static void env_checks(struct ctx *c, struct cmd *m, const char *s) {
  const char *eq = strchr(s, '=');
  if (!eq) return;
  size_t n = (size_t)(eq - s);
  const char *v = eq + 1;
  bool off = streq(v, "0") || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0;
  bool on = streq(v, "1") || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0;
#define NAME_IS(lit) (n == sizeof(lit) - 1 && strncmp(s, lit, n) == 0)
  if ((NAME_IS("NODE_TLS_REJECT_UNAUTHORIZED") && off) || (NAME_IS("PYTHONHTTPSVERIFY") && off) ||
      (NAME_IS("GIT_SSL_NO_VERIFY") && (on || *v)) || (NAME_IS("HUSKY") && off) ||
      (NAME_IS("HUSKY_SKIP_HOOKS") && on) || (NAME_IS("SKIP") && *v) || (NAME_IS("SKIP_TESTS") && on) ||
      (NAME_IS("PRE_COMMIT_ALLOW_NO_CONFIG") && on) || (NAME_IS("CURL_INSECURE") && on) ||
      (NAME_IS("REQUESTS_CA_BUNDLE") && !*v) || (NAME_IS("CI_SKIP") && on))
    sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.environment", "environment %.*s=%s", (int)n, s, v);
#undef NAME_IS
}

void sh_escape_env(struct ctx *c, struct cmd *m, const char *s); /* escapes.c */

void sh_env_assign(struct ctx *c, struct cmd *m, const struct word *w) {
  env_checks(c, m, w->s);
  sh_escape_env(c, m, w->s);
}

static void judge(struct ctx *c, struct cmd *m) {
  const char *name = m->name;
  struct word **argv = m->argv;
  size_t argc = m->argc;
  if (streq(name, "export")) {
    for (size_t k = 1; k < argc; k++) sh_env_assign(c, m, argv[k]);
    return;
  }
  if (streq(name, "pre-commit") && argc > 1 && streq(argv[1]->s, "uninstall")) {
    m->claimed = true;
    sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.pre_commit", "pre-commit uninstall");
    return;
  }
  if (streq(name, "npm") || streq(name, "pnpm") || streq(name, "yarn") || streq(name, "pip") || streq(name, "pip3")) {
    for (size_t k = 1; k + 1 < argc; k++) {
      if ((streq(argv[k]->s, "strict-ssl") && streq(argv[k + 1]->s, "false")) || streq(argv[k]->s, "--trusted-host"))
        sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.tls_off", "%s turns off TLS verification", name);
    }
  }
  if (m->claimed) return;
  /* options that skip tests or checks in any test runner or build tool */
  for (size_t k = 1; k < argc; k++) {
    const char *a = argv[k]->s;
    if (streq(a, "--no-verify") && !streq(name, "git"))
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.no_verify", "%s --no-verify", name);
    if (strncmp(a, "-DskipTests", 11) == 0 || strncmp(a, "-Dmaven.test.skip", 17) == 0 || strncmp(a, "-DskipITs", 9) == 0 ||
        streq(a, "--skip-tests") || streq(a, "--skip-checks") || streq(a, "--no-tests") || streq(a, "--skip-test") ||
        strncmp(a, "--deselect", 10) == 0 || strncmp(a, "--testPathIgnorePatterns", 24) == 0 ||
        streq(a, "--passWithNoTests") || strncmp(a, "-Dcheckstyle.skip", 17) == 0 || strncmp(a, "-Dspotbugs.skip", 15) == 0)
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.skip_tests", "%s %s skips tests or checks", name, a);
    if ((streq(a, "-x") || streq(a, "--exclude-task")) && k + 1 < argc &&
        (strstr(argv[k + 1]->s, "test") || strstr(argv[k + 1]->s, "check") || strstr(argv[k + 1]->s, "lint")) &&
        strncmp(name, "gradle", 6) == 0)
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.skip_tests", "%s -x %s", name, argv[k + 1]->s);
    if (streq(a, "-k") && k + 1 < argc && strncmp(argv[k + 1]->s, "not ", 4) == 0 &&
        (streq(name, "pytest") || streq(name, "py.test") || strstr(name, "python")))
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.deselect", "pytest -k '%s' deselects tests", argv[k + 1]->s);
    if (streq(a, "--") && k + 1 < argc && streq(argv[k + 1]->s, "--skip") && streq(name, "cargo"))
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.skip_tests", "cargo test -- --skip");
    if ((streq(a, "-skip") || strncmp(a, "-skip=", 6) == 0) && streq(name, "go"))
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.skip_tests", "go test -skip");
    if (strncmp(a, "--ignore=", 9) == 0 && (streq(name, "pytest") || strstr(name, "python")) && sh_test_path(a + 9))
      sh_report(c, m, DS_SHELL_DISABLE_CHECKS, "checks.skip_tests", "pytest %s", a);
  }
}

const struct sh_class sh_class_checks = {"checks", judge};
