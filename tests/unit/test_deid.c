/* test_deid.c: de-identification: detectors and validators, placeholders, JSON escapes in
 * tool-call arguments, Unicode, overlaps, existing placeholders, HMAC mode, allow-lists,
 * extra patterns, post-scan and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/base.h"
#include "deid/deid_int.h"
#include "depsim/deid.h"

static struct ds_deid *mk(const char *types) {
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.types = types;
  struct ds_deid *d = NULL;
  struct ds_err err = {0};
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_OK);
  return d;
}

/* De-identifies s with d; returns a fresh string. */
static char *deid(struct ds_deid *d, const char *s) {
  char *out;
  size_t n;
  struct ds_err err = {0};
  assert_int_equal(ds_deid_text(d, s, strlen(s), &out, &n, &err), DS_OK);
  assert_int_equal(strlen(out), n);
  return out;
}

/* The type of the single detection in s, or NULL when there is none. */
static const char *one_type(struct ds_deid *d, const char *s) {
  struct ds_deid_span *sp;
  size_t n;
  assert_int_equal(ds_deid_find(d, s, strlen(s), &sp, &n, NULL), DS_OK);
  static char type[32];
  if (n == 0) return NULL;
  snprintf(type, sizeof type, "%s", sp[0].type);
  ds_free(sp);
  return type;
}

static void setup_once(void **state) {
  (void)state;
  assert_int_equal(ds_init(NULL), DS_OK);
}

static void validators(void **state) {
  (void)state;
  assert_true(deid_luhn_ok("4111111111111111", 16));
  assert_false(deid_luhn_ok("4111111111111112", 16));
  size_t used;
  assert_true(deid_iban_ok("GB82 WEST 1234 5698 7654 32", 27, &used));
  assert_int_equal(used, 27);
  assert_true(deid_iban_ok("DE89370400440532013000", 22, &used));
  assert_false(deid_iban_ok("DE89370400440532013001", 22, &used));
  /* passes mod-97 but has no IBAN country: a hashed id, not an account */
  assert_false(deid_iban_ok("eb688533deef0cd1", 16, &used));
  assert_true(deid_entropy("aaaaaaaa", 8) < 0.01);
  assert_true(deid_entropy("a8Kz!q2M", 8) > 2.9);
}

static void detects_each_type(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  static const struct { const char *text, *type; } cases[] = {
    {"write to jane.doe+news@mail.co.uk today", "EMAIL"},
    {"call me on +44 20 7946 0958 please", "PHONE"},
    {"my phone: (415) 555-0132", "PHONE"},
    {"mobile 06 12 34 56 78", "PHONE"},
    {"pay with 4111 1111 1111 1111 now", "CARD"},
    {"IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN"},
    {"SSN 123-45-6789", "SSN"},
    {"server at 172.16.254.1 is down", "IP"},
    {"ping 2a00:1450:4001:82b::200e now", "IP"},
    {"nic 3c:22:fb:7a:10:9e up", "MAC"},
    {"git clone https://bob:hunter2secret@git.corp.net/x.git", "URL_CREDENTIAL"},
    {"GET /v1/x?access_token=Zm9vYmFyYmF6cXV4MTIz HTTP/1.1", "URL_CREDENTIAL"},
    {"key AKIAIOSFODNN7EXAMPL3 ok", "AWS_KEY"},
    {"token ghp_0123456789abcdefghijABCDEFGHIJ012345 here", "GITHUB_TOKEN"},
    {"OPENAI_API_KEY sk-proj-4fG7hJ2kL9mN3pQ8rS1tU6vW0xY5zA", "OPENAI_KEY"},
    {"use sk-ant-api03-Xy7Zk2Lm9Nq4Rs8Tv1Wx6Yz3Ab5Cd0Ef-gh", "ANTHROPIC_KEY"},
    {"slack xoxb-2648190234-5839201934-AbCdEfGhIjKl ok", "SLACK_TOKEN"},
    {"maps AIzaSyD4x7Q2mN9pL3kJ8hG1fE6dC0bA5zY7wXv end", "GOOGLE_API_KEY"},
    {"Authorization: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "JWT"},
    {"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "PRIVATE_KEY"},
    {"db_password = \"Tr0ub4dor&3xQz\"", "SECRET"},
    {"they live at 742 Evergreen Terrace", "ADDRESS"},
    {"Hello, my name is Alice Johnson.", "PERSON"},
    {"Date of birth: 14/03/1987", "DOB"},
  };
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    const char *t = one_type(d, cases[i].text);
    if (!t || strcmp(t, cases[i].type)) fail_msg("'%s': expected %s, got %s", cases[i].text, cases[i].type, t ? t : "nothing");
  }
  ds_deid_free(d);
}

static void leaves_non_personal_text(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  static const char *const clean[] = {
    "card 4111 1111 1111 1112 fails Luhn",        /* card-like, bad checksum */
    "IBAN DE89 3704 0044 0532 0130 01",           /* bad mod-97 */
    "-----BEGIN PRIVATE KEY-----\nYOUR_PRIVATE_KEY\n-----END PRIVATE KEY-----", /* a documentation placeholder */
    "SSN 000-12-3456 is not valid",               /* area 000 */
    "version 1.2.3.4.5 and 10.0.19041.1",         /* dotted versions */
    "at 12:30:45 on 2023-03-01",                  /* time and date */
    "std::vector<int> v; a::b::c",                /* C++ scopes */
    "see icon@2x.png",                            /* file name */
    "password = request.form['password']",        /* a reference, not a value */
    "api_key = os.environ['API_KEY']",
    "mail me at info@example.com or 192.0.2.10",  /* documentation domain and range */
    "the numbers 10 20 30 40 50 60",
    "the login was slow",                         /* a lower-case word after a determiner or an owner */
    "the user's login was slow",
    "my chai was cold",
  };
  for (size_t i = 0; i < DS_ARRAY_LEN(clean); i++) {
    const char *t = one_type(d, clean[i]);
    if (t) fail_msg("'%s': unexpected %s", clean[i], t);
  }
  ds_deid_free(d);
}

static void placeholders_are_consistent(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  char *a = deid(d, "mail a@corp.io, then B@Corp.io, then A@CORP.IO");
  assert_string_equal(a, "mail <EMAIL_1>, then <EMAIL_2>, then <EMAIL_1>");
  char *b = deid(d, "again a@corp.io");
  assert_string_equal(b, "again <EMAIL_1>");
  ds_deid_reset(d);
  char *c = deid(d, "new conversation b@corp.io");
  assert_string_equal(c, "new conversation <EMAIL_1>");
  ds_free(a);
  ds_free(b);
  ds_free(c);
  ds_deid_free(d);
}

static void existing_placeholders_do_not_collide(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  json_t *rec = json_pack("{s:[{s:s,s:s},{s:s,s:s}]}", "messages", "role", "user", "content",
                          "my address is zed@corp.io", "role", "assistant", "content",
                          "I wrote <EMAIL_1> in the template and <EMAIL_2> too");
  assert_int_equal(ds_deid_record(d, rec, NULL), DS_OK);
  const char *u = json_string_value(json_object_get(json_array_get(json_object_get(rec, "messages"), 0), "content"));
  assert_string_equal(u, "my address is <EMAIL_3>");
  json_decref(rec);
  ds_deid_free(d);
}

static void json_escapes_in_tool_arguments(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  /* the address is split by a JSON escape inside the arguments string */
  json_t *rec = json_loads(
    "{\"messages\":[{\"role\":\"user\",\"content\":\"send it to ann.lee@corp.io\"},"
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"name\":\"send_mail\","
    "\"arguments\":\"{\\\"to\\\":\\\"ann.lee\\\\u0040corp.io\\\",\\\"cc\\\":\\\"bo\\\\u0062@x.org\\\",\\\"note\\\":\\\"caf\\\\u00e9 +44 20 7946 0958\\\"}\"}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"{\\\"sent_to\\\":\\\"ann.lee@corp.io\\\"}\"}]}",
    0, NULL);
  assert_non_null(rec);
  assert_int_equal(ds_deid_record(d, rec, NULL), DS_OK);
  json_t *msgs = json_object_get(rec, "messages");
  json_t *call = json_array_get(json_object_get(json_array_get(msgs, 1), "tool_calls"), 0);
  const char *args = json_string_value(json_object_get(call, "arguments"));
  assert_string_equal(json_string_value(json_object_get(call, "name")), "send_mail");
  assert_null(strstr(args, "corp.io"));
  assert_null(strstr(args, "x.org"));
  assert_null(strstr(args, "7946"));
  /* still valid JSON, with the same placeholder the plain-text mention got */
  json_t *a = json_loads(args, 0, NULL);
  assert_non_null(a);
  assert_string_equal(json_string_value(json_object_get(a, "to")), "<EMAIL_1>");
  assert_string_equal(json_string_value(json_object_get(a, "cc")), "<EMAIL_2>");
  assert_non_null(strstr(json_string_value(json_object_get(a, "note")), "caf\xc3\xa9 <PHONE_1>"));
  json_decref(a);
  assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "content")), "send it to <EMAIL_1>");
  assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 2), "content")), "{\"sent_to\":\"<EMAIL_1>\"}");
  uint64_t found = 99;
  assert_int_equal(ds_deid_scan_record(d, rec, &found, NULL), DS_OK);
  assert_int_equal(found, 0);
  json_decref(rec);
  ds_deid_free(d);
}

static void unicode_around_matches(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  char *a = deid(d, "\xc3\xa9" "crivez \xc3\xa0 jean.dupont@mail.fr\xe2\x80\x94merci; "
                    "\xe9\x9b\xbb\xe8\xa9\xb1 +33 1 42 68 53 00\xe3\x80\x82 IP\xef\xbc\x9a" "8.8.4.5");
  assert_string_equal(a, "\xc3\xa9" "crivez \xc3\xa0 <EMAIL_1>\xe2\x80\x94merci; "
                         "\xe9\x9b\xbb\xe8\xa9\xb1 <PHONE_1>\xe3\x80\x82 IP\xef\xbc\x9a<IP_1>");
  ds_free(a);
  ds_deid_free(d);
}

static void code_blocks(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  char *a = deid(d, "```bash\nssh deploy@10.20.30.40 -p 22\nexport AWS_ACCESS_KEY_ID=AKIAQ3EGRTWK6NKP7M2X\n"
                    "curl http://203.0.113.7/health\n```");
  assert_null(strstr(a, "10.20.30.40"));
  assert_null(strstr(a, "AKIAQ3EGRTWK6NKP7M2X"));
  assert_non_null(strstr(a, "203.0.113.7")); /* documentation range stays */
  assert_non_null(strstr(a, "```bash\nssh "));
  ds_free(a);
  ds_deid_free(d);
}

static void overlapping_matches(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  /* credentials whose password looks like an e-mail host; an e-mail holding digits that
   * look like a phone; a card number inside a URL parameter */
  char *a = deid(d, "postgres://admin:Pa55w0rd-x@db7.corp.io:5432/app and joe.5551234567@corp.io "
                    "https://pay.io/c?card=4111111111111111&x=1");
  assert_null(strstr(a, "Pa55w0rd"));
  assert_null(strstr(a, "5551234567"));
  assert_null(strstr(a, "4111111111111111"));
  assert_null(strstr(a, "joe."));
  uint64_t n = 0;
  struct ds_deid_span *sp;
  assert_int_equal(ds_deid_find(d, a, strlen(a), &sp, &n, NULL), DS_OK);
  ds_free(sp);
  assert_int_equal(n, 0); /* the output is clean for the post-scan */
  ds_free(a);
  ds_deid_free(d);
}

static void types_can_be_turned_off(void **state) {
  (void)state;
  struct ds_deid *d = mk("all,-email");
  char *a = deid(d, "a@corp.io +44 20 7946 0958");
  assert_string_equal(a, "a@corp.io <PHONE_1>");
  ds_free(a);
  ds_deid_free(d);
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.types = "email,bogus";
  struct ds_err err = {0};
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, "bogus"));
}

static char *write_tmp(const char *content) {
  char *path = ds_strdup("/tmp/ds-deid-test.XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
  close(fd);
  return path;
}

static void allow_list_and_extra_patterns(void **state) {
  (void)state;
  char *allow = write_tmp("# ours\n@corp.io\n10.0.0.0/8\nsupport@vendor.com\n");
  /* EMPLOYEE uses Hyperscan; TICKET needs a lookbehind, so it goes to PCRE2 */
  char *pats = write_tmp("EMPLOYEE E\\d{6}\nTICKET (?<=ticket )[A-Z]{3}-\\d+\n");
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.allow_file = allow;
  p.patterns_file = pats;
  struct ds_deid *d;
  struct ds_err err = {0};
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_OK);
  char *a = deid(d, "a@corp.io b@other.io support@vendor.com 10.1.2.3 11.1.2.3 E123456 ticket ABC-42");
  assert_string_equal(a, "a@corp.io <EMAIL_1> support@vendor.com 10.1.2.3 <IP_1> <EMPLOYEE_1> ticket <TICKET_1>");
  ds_free(a);
  ds_deid_free(d);
  char *bad = write_tmp("GOOD \\d+\nBAD (unclosed\n");
  p.allow_file = NULL;
  p.patterns_file = bad;
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_E_INVALID);
  assert_non_null(strstr(err.msg, ":2:"));
  unlink(allow);
  unlink(pats);
  unlink(bad);
  ds_free(allow);
  ds_free(pats);
  ds_free(bad);
}

static void hmac_placeholders(void **state) {
  (void)state;
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.hmac_key_env = "DS_TEST_DEID_KEY";
  struct ds_deid *d;
  struct ds_err err = {0};
  unsetenv("DS_TEST_DEID_KEY");
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_E_NOTFOUND);
  setenv("DS_TEST_DEID_KEY", "k3y-for-tests", 1);
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_OK);
  char *a = deid(d, "a@corp.io");
  ds_deid_reset(d);
  char *b = deid(d, "A@corp.io again");
  assert_int_equal(strncmp(a, "<EMAIL_", 7), 0);
  assert_int_equal(strlen(a), strlen("<EMAIL_01234567>"));
  assert_int_equal(strncmp(a, b, strlen(a)), 0); /* same value, same placeholder, across conversations */
  json_t *r = ds_deid_report(d);
  char *rs = json_dumps(r, 0);
  assert_null(strstr(rs, "k3y"));
  assert_null(strstr(rs, "corp.io"));
  assert_string_equal(json_string_value(json_object_get(r, "mode")), "hmac");
  ds_free(rs);
  json_decref(r);
  ds_deid_free(d);
  setenv("DS_TEST_DEID_KEY", "another-key", 1);
  assert_int_equal(ds_deid_new(&p, &d, &err), DS_OK);
  char *c = deid(d, "a@corp.io");
  assert_string_not_equal(a, c); /* the key matters */
  ds_free(a);
  ds_free(b);
  ds_free(c);
  ds_deid_free(d);
  unsetenv("DS_TEST_DEID_KEY");
}

/* Every string of a record is de-identified and post-scanned (issue 18, item 15): unknown
 * fields too, not only the ones named. */
static void record_fields_and_counts(void **state) {
  (void)state;
  struct ds_deid_params p;
  ds_deid_default_params(&p);
  p.fields = "metadata.note";
  struct ds_deid *d;
  assert_int_equal(ds_deid_new(&p, &d, NULL), DS_OK);
  json_t *rec = json_loads("{\"id\":\"c-1\",\"metadata\":{\"note\":\"from x@corp.io\",\"other\":\"y@corp.io\"},"
                           "\"messages\":[{\"role\":\"system\",\"content\":\"Operator: +1 415 555 0132\"},"
                           "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"I am z@corp.io\"},"
                           "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}]}",
                           0, NULL);
  uint64_t before = 0;
  assert_int_equal(ds_deid_scan_record(d, rec, &before, NULL), DS_OK);
  assert_int_equal(before, 4);
  assert_int_equal(ds_deid_record(d, rec, NULL), DS_OK);
  json_t *msgs = json_object_get(rec, "messages");
  assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "content")), "Operator: <PHONE_1>");
  json_t *part = json_array_get(json_object_get(json_array_get(msgs, 1), "content"), 0);
  assert_string_equal(json_string_value(json_object_get(part, "text")), "I am <EMAIL_3>"); /* fields in order */
  assert_string_equal(json_string_value(json_object_get(part, "type")), "text");
  assert_string_equal(ds_json_str(json_object_get(rec, "metadata"), "note", ""), "from <EMAIL_1>");
  assert_string_equal(ds_json_str(json_object_get(rec, "metadata"), "other", ""), "<EMAIL_2>"); /* not named */
  uint64_t after = 1;
  assert_int_equal(ds_deid_scan_record(d, rec, &after, NULL), DS_OK);
  assert_int_equal(after, 0);
  json_t *r = ds_deid_report(d);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "replaced"), "EMAIL")), 3);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "replaced"), "PHONE")), 1);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "post_scan"), "findings")), 4);
  json_decref(r);
  json_decref(rec);
  ds_deid_free(d);
}

static void survives_allocation_failures(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL);
  const char *src = "{\"messages\":[{\"role\":\"user\",\"content\":\"a@corp.io +44 20 7946 0958 "
                    "4111 1111 1111 1111 <EMAIL_1>\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"1\","
                    "\"name\":\"f\",\"arguments\":\"{\\\"x\\\":\\\"b\\\\u0040corp.io\\\"}\"}]}]}";
  for (uint64_t k = 1; k < 400; k++) {
    json_t *rec = json_loads(src, 0, NULL);
    assert_non_null(rec);
    ds_alloc_fail_at(k);
    enum ds_status st = ds_deid_record(d, rec, NULL);
    ds_alloc_fail_at(0);
    assert_true(st == DS_OK || st == DS_E_NOMEM);
    json_decref(rec);
  }
  ds_deid_free(d);
}

/* An address surrogate keeps its town in the same country, a town of several words as one:
 * "London NW1" stays British, "San Francisco, CA" becomes another US town, not "San Hamilton". */
static void address_surrogate_keeps_country(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL); /* loads the lexicon */
  struct deid_sur su = {0};
  struct deid_rng r = {7};
  struct ds_buf out;
  ds_buf_init(&out, 0);
  static const struct {
    const char *addr, *after; /* the town follows `after` (and a postal code) in the surrogate */
    char cc[3];
  } cases[] = {{"221B Baker Street, London NW1 6XE", "Street, ", "GB"},
               {"1200 Market St, San Francisco, CA 94102", "St, ", "US"},
               {"Via Roma 12, 40121 Bologna", ", ", "IT"}};
  for (size_t k = 0; k < DS_ARRAY_LEN(cases); k++)
    for (int i = 0; i < 50; i++) {
      ds_buf_reset(&out);
      assert_int_equal(deid_surrogate(&su, T_ADDRESS, cases[k].addr, strlen(cases[k].addr), &r, &out), DS_OK);
      const char *t = strstr(out.data, cases[k].after);
      if (!t) fail_msg("%s became %s", cases[k].addr, out.data);
      t += strlen(cases[k].after);
      while (*t >= '0' && *t <= '9') t++; /* the postal code before the town */
      if (*t == ' ') t++;
      const char *e = k == 1 ? strchr(t, ',') : k == 0 ? strstr(t, " NW") : t + strlen(t);
      if (!e) fail_msg("%s became %s", cases[k].addr, out.data);
      char f[128];
      size_t fl = deid_fold(t, (size_t)(e - t), f, sizeof f);
      const struct lex_entry *c = fl <= sizeof f ? deid_lex_get(f, fl) : NULL;
      if (!c || !(c->flags & LF_CITY) || memcmp(c->cc, cases[k].cc, 2))
        fail_msg("%s became %s: the town is no town of %s (%s %.2s)", cases[k].addr, out.data, cases[k].cc, c ? "entry" : "none", c ? c->cc : "");
    }
  ds_buf_release(&out);
  deid_sur_release(&su);
  ds_deid_free(d);
}

/* A surname's surrogate keeps its ending (the ending carries the origin: "Kowalczyk" gets
 * another "-zyk") and never gives the name back, apostrophes aside ("O'Sullivan" is never
 * "Osullivan"). */
static void name_surrogate_keeps_ending(void **state) {
  (void)state;
  struct ds_deid *d = mk(NULL); /* loads the lexicon */
  struct deid_sur su = {0};
  struct deid_rng r = {11};
  struct ds_buf out;
  ds_buf_init(&out, 0);
  for (int i = 0; i < 100; i++) {
    ds_buf_reset(&out);
    assert_int_equal(deid_surrogate_name_token(&su, "Kowalczyk", 9, 1, &r, &out), DS_OK);
    if (out.len < 4 || strcmp(out.data + out.len - 3, "zyk") || !strcmp(out.data, "Kowalczyk"))
      fail_msg("Kowalczyk became %s", out.data);
    ds_buf_reset(&out);
    assert_int_equal(deid_surrogate_name_token(&su, "O'Sullivan", 10, 1, &r, &out), DS_OK);
    if (!strcasecmp(out.data, "osullivan") || !strcasecmp(out.data, "o'sullivan")) fail_msg("O'Sullivan became %s", out.data);
  }
  ds_buf_release(&out);
  deid_sur_release(&su);
  ds_deid_free(d);
}

int main(void) {
  setup_once(NULL);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(validators),
    cmocka_unit_test(detects_each_type),
    cmocka_unit_test(leaves_non_personal_text),
    cmocka_unit_test(placeholders_are_consistent),
    cmocka_unit_test(existing_placeholders_do_not_collide),
    cmocka_unit_test(json_escapes_in_tool_arguments),
    cmocka_unit_test(unicode_around_matches),
    cmocka_unit_test(code_blocks),
    cmocka_unit_test(overlapping_matches),
    cmocka_unit_test(types_can_be_turned_off),
    cmocka_unit_test(allow_list_and_extra_patterns),
    cmocka_unit_test(hmac_placeholders),
    cmocka_unit_test(record_fields_and_counts),
    cmocka_unit_test(survives_allocation_failures),
    cmocka_unit_test(address_surrogate_keeps_country),
    cmocka_unit_test(name_surrogate_keeps_ending),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
