/* test_deid_speed_paths.c: every fast path of the de-identifier agrees with the slow one it
 * stands for (lexicon lookups folded 8 bytes at a time, the SSE2 word end of the tokenizer, the
 * memo of cue words), on words of every length, case and alphabet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"
#include "deid/names_int.h" /* and deid_int.h */

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* A random word: letters of both cases, digits, ' and -, sometimes a non-ASCII letter. */
static size_t rand_word(char *w, size_t max) {
  static const char *const alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'-@[`{";
  size_t n = 1 + next_rand() % max, k = 0;
  while (k < n) {
    if (next_rand() % 23 == 0 && k + 2 <= max) { /* é or É */
      w[k++] = '\xc3';
      w[k++] = next_rand() % 2 ? '\xa9' : '\x89';
      continue;
    }
    w[k++] = alpha[next_rand() % strlen(alpha)];
  }
  return k;
}

/* The slow path: fold, then look up the folded key. */
static const struct lex_entry *slow_lookup(const char *p, size_t n) {
  char f[256];
  size_t k = deid_fold(p, n, f, sizeof f);
  return k > sizeof f ? NULL : deid_lex_get(f, k);
}

static void lexicon_word_agrees_with_folded_lookup(void **state) {
  (void)state;
  assert_int_equal(deid_lex_init(), DS_OK);
  static const char *const words[] = {"Maria", "maria", "MARIA", "the", "The", "a", "I", "Zurich", "Desrosiers",
                                      "internationalization", "Washington", "Jerković", "ÉLODIE", "élodie",
                                      "o'brien", "O'Brien", "x-ray", "1234", "Abcdefgh", "Abcdefghi",
                                      "Abcdefghijklmnop", "Abcdefghijklmnopq", "van", "De", "patricia"};
  for (size_t i = 0; i < DS_ARRAY_LEN(words); i++) {
    const char *w = words[i];
    assert_ptr_equal(deid_lex_word(w, strlen(w)), slow_lookup(w, strlen(w)));
    /* inside a longer text: the fast path reads only the word's own bytes */
    char buf[64];
    snprintf(buf, sizeof buf, "ZZ%sZZ", w);
    assert_ptr_equal(deid_lex_word(buf + 2, strlen(w)), slow_lookup(w, strlen(w)));
  }
  assert_non_null(deid_lex_word("Maria", 5));
  char w[40];
  for (int r = 0; r < 200000; r++) {
    size_t n = rand_word(w, r % 2 ? 8 : sizeof w - 1);
    assert_ptr_equal(deid_lex_word(w, n), slow_lookup(w, n));
  }
}

static void ascii_fold_and_hash_agree_with_generic(void **state) {
  (void)state;
  char w[40], f[64];
  for (int r = 0; r < 200000; r++) {
    size_t n = rand_word(w, 16);
    uint64_t c[2];
    bool ascii = true;
    for (size_t i = 0; i < n; i++) ascii &= (unsigned char)w[i] < 0x80;
    assert_int_equal(deid_lex_ascii16(w, n, &c[0], &c[1]), ascii);
    if (!ascii) continue;
    size_t k = deid_fold(w, n, f, sizeof f);
    assert_int_equal(k, n);
    char g[16];
    memcpy(g, c, 16);
    assert_memory_equal(g, f, n);
    for (size_t i = n; i < 16; i++) assert_int_equal(g[i], 0);
  }
  /* the hash of a key depends on every byte and on the length */
  assert_true(deid_lex_key_hash("ab", 2) != deid_lex_key_hash("ab\0", 3));
  assert_true(deid_lex_key_hash("abcdefghijklmnopq", 17) != deid_lex_key_hash("abcdefghijklmnopr", 17));
  assert_true(deid_lex_key_hash("", 0) != deid_lex_key_hash("\0", 1));
}

static void word_end_agrees_with_byte_loop(void **state) {
  (void)state;
  unsigned char t[96];
  for (int r = 0; r < 100000; r++) {
    size_t len = next_rand() % sizeof t;
    for (size_t i = 0; i < len; i++) {
      uint64_t x = next_rand() % 8;
      /* mostly letters and digits, with every kind of byte at the edges of the classes */
      static const unsigned char edge[] = {'@', '[', '`', '{', '/', ':', ' ', '\'', '-', 0x80, 0xc3, 0xff, 0, 'A', 'z', '9'};
      t[i] = x < 6 ? (unsigned char)"aZ0bY9cX"[next_rand() % 8] : edge[next_rand() % sizeof edge];
    }
    for (size_t i = 0; i <= len; i++)
      assert_int_equal(deid_ascii_word_end(t, i, len), deid_ascii_word_end_slow(t, i, len));
  }
}

static void cue_memo_agrees_with_cue_word(void **state) {
  (void)state;
  deid_cues_init();
  static const char *const words[] = {"my", "My", "MY", "name", "Name", "is", "I", "I'm", "said", "told", "by",
                                      "Dear", "dear", "Regards", "and", "from", "to", "in", "near", "at",
                                      "abcdefghijklmnop", "abcdefghijklmno", "Straße", "birthday", "x"};
  for (int pass = 0; pass < 3; pass++) /* the second and third answers come from the memo */
    for (size_t i = 0; i < DS_ARRAY_LEN(words); i++)
      assert_int_equal(deid_names_cue_word_memo(words[i], strlen(words[i])), deid_cue_word(words[i], strlen(words[i])));
  assert_true(deid_cue_word("name", 4) != 0);
  char w[40];
  for (int r = 0; r < 200000; r++) {
    size_t n = rand_word(w, r % 3 ? 6 : 20);
    assert_int_equal(deid_names_cue_word_memo(w, n), deid_cue_word(w, n));
  }
}

static void n_cps_agrees_with_decoding(void **state) {
  (void)state;
  static const char *const texts[] = {"", "a", "abcdefgh", "abcdefghi", "Élodie", "abcdefg\xc3\xa9", "\xc3",
                                      "abc\xe2\x80\x99s", "\xff\xfe", "\xf0\x9f\x98\x80x", "abcdefgh\xe2\x82"};
  for (size_t i = 0; i < DS_ARRAY_LEN(texts); i++)
    assert_int_equal(deid_n_cps(texts[i], strlen(texts[i])), deid_n_cps_slow(texts[i], strlen(texts[i])));
  char w[40];
  for (int r = 0; r < 200000; r++) {
    size_t n = rand_word(w, r % 2 ? 12 : sizeof w - 1);
    if (next_rand() % 7 == 0) w[next_rand() % n] = (char)(0x80 + next_rand() % 128); /* a stray byte */
    assert_int_equal(deid_n_cps(w, n), deid_n_cps_slow(w, n));
  }
}

/* Every word of a text looked up at once (deid_lex_tokens, 16 bytes at a time where the text
 * goes on) gives each token the entry deid_lex_word gives it. */
static void lex_tokens_agree_with_lex_word(void **state) {
  (void)state;
  assert_int_equal(deid_lex_init(), DS_OK);
  char text[400];
  struct deid_toks t = {0};
  for (int r = 0; r < 3000; r++) {
    size_t len = 0;
    while (len + 42 < sizeof text) {
      if (next_rand() % 4 == 0) {
        static const char *const names[] = {"Maria", "patricia", "desrosiers", "the", "ZHANG", "O'Brien", "élodie"};
        const char *w = names[next_rand() % DS_ARRAY_LEN(names)];
        memcpy(text + len, w, strlen(w));
        len += strlen(w);
      } else {
        len += rand_word(text + len, r % 2 ? 9 : 20);
      }
      text[len++] = " .,\n"[next_rand() % 4];
    }
    len -= next_rand() % 30; /* words near the end of the text too */
    assert_int_equal(deid_tokenize(text, len, NULL, &t), DS_OK);
    deid_lex_tokens(text, len, &t);
    for (size_t i = 0; i < t.n; i++)
      assert_ptr_equal(deid_tok_lex(text, &t, i), deid_lex_word(text + t.v[i].s, t.v[i].e - t.v[i].s));
  }
  ds_free(t.v);
  ds_free(t.lx);
  ds_free(t.caps);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(lexicon_word_agrees_with_folded_lookup),
    cmocka_unit_test(ascii_fold_and_hash_agree_with_generic),
    cmocka_unit_test(word_end_agrees_with_byte_loop),
    cmocka_unit_test(cue_memo_agrees_with_cue_word),
    cmocka_unit_test(n_cps_agrees_with_decoding),
    cmocka_unit_test(lex_tokens_agree_with_lex_word),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
