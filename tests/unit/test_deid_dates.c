/* test_deid_dates.c: dates tied to a person (and dates in technical text left alone), dates
 * of birth, ages of a person and their surrogates, numbers named by a label (driver's licence,
 * passport, medical record, account, health-plan and other ids); texts without a NUL after them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "deid_expect.h"

/* Date forms found as candidates, in a sentence about a person. */
static void date_forms(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "We met in June 2019 at a conference.", "DATE", "June 2019");
  EXPECT_FOUND(d, "I started there in aug. 2017.", "DATE", "aug. 2017");
  EXPECT_FOUND(d, "See you on May 3rd!", "DATE", "May 3rd");
  EXPECT_FOUND(d, "Our daughter arrived on November 2nd, 2020.", "DATE", "November 2nd, 2020");
  EXPECT_FOUND(d, "Kim's wedding was on 3 May.", "DATE", "3 May"); /* no full stop in the date */
  EXPECT_FOUND(d, "My surgery is on 03.05.2021.", "DATE", "03.05.2021");
  EXPECT_FOUND(d, "My appointment is on 23-Jul-2021.", "DATE", "23-Jul-2021");
  EXPECT_FOUND(d, "My appointment is on Jul-23-2021.", "DATE", "Jul-23-2021");
  EXPECT_FOUND(d, "My appointment is on March the 5th.", "DATE", "March the 5th");
  EXPECT_FOUND(d, "My appointment is on 2021-07-23T10:00:00Z.", "DATE", "2021-07-23T10:00:00Z");
  EXPECT_FOUND(d, "My appointment is on July 23, 2021, 3:45 PM.", "DATE", "July 23, 2021, 3:45 PM");
  EXPECT_FOUND(d, "My appointment is on 23/07/2021 14:30.", "DATE", "23/07/2021 14:30");
  EXPECT_FOUND(d, "We booked the hotel from 3/14 to 3/18.", "DATE", "3/14|3/18");
  EXPECT_FOUND(d, "I cut the recipe by 1/3 for me.", "DATE", ""); /* a fraction, a pronoun only */
  EXPECT_FOUND(d, "pretend february 30 exists, my friend", "DATE", ""); /* no such day */
  EXPECT_FOUND(d, "you may 2 times retry, he said", "DATE", "");       /* "may" the verb */
  EXPECT_FOUND(d, "I think option 2 may work for me.", "DATE", "");
  EXPECT_FOUND(d, "She was born in 1990.", NULL, ""); /* a year alone is kept (HIPAA keeps years) */
  ds_deid_free(d);
}

/* What ties a date to a person, and what keeps one in technical or public text. */
static void dates_tied_to_a_person(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  /* a pronoun anywhere in the sentence, a person named, personal words */
  EXPECT_FOUND(d, "I think the best time to catch up is on the morning of 4 May for me.", "DATE", "4 May");
  EXPECT_FOUND(d, "Tom Baker got married on 21 June 2008.", "DATE", "21 June 2008");
  EXPECT_FOUND(d, "Then Priya came home on 12 March.", "DATE", "12 March");
  EXPECT_FOUND(d, "i am flying in on 17th April from SFO.", "DATE", "17th April");
  EXPECT_FOUND(d, "Kim's party is on 4 July.", "DATE", "4 July");
  EXPECT_FOUND(d, "I work the night shift on 4 July.", "DATE", "4 July");
  /* news: a "shift" that is no one's work shift (a real web-search answer of the Messages API) */
  EXPECT_FOUND(d, "On September 25, 2025, headlines were dominated by seismic shifts in AI infrastructure.", "DATE", "");
  EXPECT_FOUND(d, "Patient seen 04/11/2023 for follow-up.", "DATE", "04/11/2023");
  EXPECT_FOUND(d, "Can you move the meeting to July 14?", "DATE", "July 14");
  EXPECT_FOUND(d, "Then Chen will be in Berlin on 5 June.", "DATE", "5 June"); /* a surname */
  EXPECT_FOUND(d, "Your package will be delivered to you on 3 June.", "DATE", "3 June");
  EXPECT_FOUND(d, "I was hospitalized in March and discharged in April.", "DATE", "March|April");
  EXPECT_FOUND(d, "We got married in June.", "DATE", "June");
  EXPECT_FOUND(d, "We met in June.", "DATE", ""); /* a month alone needs a strong word */
  EXPECT_FOUND(d, "If you like whales, visit from December to May.", "DATE", "");
  EXPECT_FOUND(d, "As of my last update in January 2022, many employees joined.", "DATE", "");
  /* technical and public text */
  EXPECT_FOUND(d, "The release is on March 3, 2021.", "DATE", "");
  EXPECT_FOUND(d, "Version 2.4.0 was released on 2023-01-15 by us.", "DATE", "");
  EXPECT_FOUND(d, "You can use the date format 2021-03-09 in your query.", "DATE", "");
  EXPECT_FOUND(d, "I think the article from March 3, 2023 explains it.", "DATE", "");
  EXPECT_FOUND(d, "The Treaty of Versailles was signed on 28 June 1919.", "DATE", "");
  EXPECT_FOUND(d, "Current date: 3/30/2023. Instructions: answer me.", "DATE", "");
  EXPECT_FOUND(d, "Flag Day on November 3 is one of the national holidays we keep.", "DATE", "");
  EXPECT_FOUND(d, "The meeting of the board is on May 3, 2023.", "DATE", "");
  ds_deid_free(d);
}

static void dates_of_birth(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "I was born in March 1985.", "DOB", "March 1985");
  EXPECT_FOUND(d, "I was born in May.", "DOB", "May"); /* a month of birth is a date element */
  EXPECT_FOUND(d, "My daughter was born on the 2nd of April, 2012.", "DOB", "2nd of April, 2012");
  EXPECT_FOUND(d, "my bday is 11/07", "DOB", "11/07");
  EXPECT_FOUND(d, "Her b-day: 7-11", "DOB", "7-11");
  EXPECT_FOUND(d, "I was born in Leeds in 1990.", "DOB", "");
  EXPECT_FOUND(d, "I was born in Leeds in 1990.", "DATE", "");
  ds_deid_free(d);
}

/* Ages of a person at any value; ages over 89 by their form; things and ranges are not. */
static void ages(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "I am 34 years old.", "AGE", "34");
  EXPECT_FOUND(d, "my 7-year-old son loves trains", "AGE", "7");
  EXPECT_FOUND(d, "This 79 year old female complaining of pain.", "AGE", "79");
  EXPECT_FOUND(d, "My brother just turned 60", "AGE", "60");
  EXPECT_FOUND(d, "originally from Leeds, and i'm 31 y/o.", "AGE", "31");
  EXPECT_FOUND(d, "Written when he was 78.", "AGE", "78");
  EXPECT_FOUND(d, "I'm 34 and live in Ohio.", "AGE", "34");
  EXPECT_FOUND(d, "Age: 52", "AGE", "52");
  EXPECT_FOUND(d, "a man aged 34 was arrested", "AGE", "34");
  EXPECT_FOUND(d, "At age 12 I started coding.", "AGE", "12");
  EXPECT_FOUND(d, "Maria is 29 years old.", "AGE", "29");
  EXPECT_FOUND(d, "John Smith, 45, of Leeds was arrested.", "AGE", "45");
  EXPECT_FOUND(d, "Ana (7) loves drawing.", "AGE", "7");
  EXPECT_FOUND(d, "My son is 9.", "AGE", "9");
  EXPECT_FOUND(d, "Maria was 45 when she moved.", "AGE", "45");
  EXPECT_FOUND(d, "I'm celebrating my 40th birthday next week.", "AGE", "40th");
  EXPECT_FOUND(d, "She is 67 years of age.", "AGE", "67");
  EXPECT_FOUND(d, "i'm 31yo from Ohio", "AGE", "31");
  EXPECT_FOUND(d, "A 45 y.o. male presented with pain.", "AGE", "45");
  EXPECT_FOUND(d, "Version 3, 12, and 14 are out.", "AGE", "");
  EXPECT_FOUND(d, "The answer is 42.", "AGE", "");
  EXPECT_FOUND(d, "Washington's games played was 32.", "AGE", "");
  EXPECT_FOUND(d, "my sister who is 5 years younger than me", "AGE", "");
  EXPECT_FOUND(d, "The building is 120 years old.", "AGE", "120"); /* over 89: by its form */
  EXPECT_FOUND(d, "a 120-year-old building", "AGE", "");
  EXPECT_FOUND(d, "I am 12 minutes late.", "AGE", "");
  EXPECT_FOUND(d, "The codebase is 10 years old.", "AGE", "");
  EXPECT_FOUND(d, "I have a 5 year old laptop.", "AGE", "");
  EXPECT_FOUND(d, "Python turned 30 this year.", "AGE", "");
  EXPECT_FOUND(d, "turn 90 degrees to the left", "AGE", "");
  EXPECT_FOUND(d, "I'm 100% sure.", "AGE", "");
  EXPECT_FOUND(d, "He is 6 feet tall.", "AGE", "");
  EXPECT_FOUND(d, "Young adults aged 18-30 like it, I hear.", "AGE", "");
  EXPECT_FOUND(d, "The 30-year-old bond yields rose.", "AGE", "");
  ds_deid_free(d);
}

/* An age surrogate keeps the stage of life: a child stays a child, over 89 stays over 89. */
static void age_surrogates(void **state) {
  (void)state;
  struct deid_sur su = {0};
  struct deid_rng r = {42};
  struct ds_buf out;
  ds_buf_init(&out, 0);
  static const struct {
    const char *age;
    int lo, hi;
  } cases[] = {{"1", 1, 2}, {"7", 6, 8}, {"34", 30, 38}, {"79", 71, 87}, {"94", 90, 99}, {"40th", 35, 45}};
  for (size_t k = 0; k < DS_ARRAY_LEN(cases); k++)
    for (int i = 0; i < 200; i++) {
      ds_buf_reset(&out);
      assert_int_equal(deid_surrogate(&su, T_AGE, cases[k].age, strlen(cases[k].age), &r, &out), DS_OK);
      int v = atoi(out.data);
      bool ord = strchr(cases[k].age, 't') != NULL, has_ord = strpbrk(out.data, "stndrh") != NULL;
      if (v < cases[k].lo || v > cases[k].hi || !strcmp(out.data, cases[k].age) || ord != has_ord)
        fail_msg("age %s became %s", cases[k].age, out.data);
    }
  ds_buf_release(&out);
  deid_sur_release(&su);
  struct ds_deid *d = mk(DS_DEID_REPLACE_SURROGATE);
  char *o = NULL;
  const char *in = "My son is 9 years old.";
  assert_int_equal(ds_deid_text(d, in, strlen(in), &o, NULL, NULL), DS_OK);
  int v = -1;
  if (sscanf(o, "My son is %d years old.", &v) != 1 || v < 8 || v > 10 || v == 9) fail_msg("%s", o);
  ds_free(o);
  ds_deid_free(d);
}

static void labeled_numbers(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "Driver's License Number for Maria is W426-545-30-761-0", "DRIVER_LICENSE", "W426-545-30-761-0");
  EXPECT_FOUND(d, "Her DL is D12345678", "DRIVER_LICENSE", "D12345678");
  EXPECT_FOUND(d, "DL models beat 12 baselines", "DRIVER_LICENSE", "");
  EXPECT_FOUND(d, "My license is D1234567.", "DRIVER_LICENSE", "D1234567");
  EXPECT_FOUND(d, "The license is MIT.", NULL, "");
  EXPECT_FOUND(d, "License: D1234567", "DRIVER_LICENSE", "D1234567");
  EXPECT_FOUND(d, "License: Apache-2.0", NULL, "");
  EXPECT_FOUND(d, "License: ABCD-1234-EFGH-5678", "DRIVER_LICENSE", ""); /* a software key's shape */
  EXPECT_FOUND(d, "CDL # A1234567", "DRIVER_LICENSE", "A1234567");
  EXPECT_FOUND(d, "Driving licence number MORGA 753116 SM9IJ", "DRIVER_LICENSE", "MORGA 753116 SM9IJ");
  EXPECT_FOUND(d, "His driving licence is MORGA753116SM9IJ.", "DRIVER_LICENSE", "MORGA753116SM9IJ");
  EXPECT_FOUND(d, "passport (number) 498765432", "PASSPORT", "498765432");
  EXPECT_FOUND(d, "My passport expires 2027-06-30.", "PASSPORT", ""); /* a date, not the number */
  EXPECT_FOUND(d, "Med rec #: 00-44-5512", "MEDICAL_RECORD", "00-44-5512");
  EXPECT_FOUND(d, "patient ID 8675309", "MEDICAL_RECORD", "8675309");
  EXPECT_FOUND(d, "Please enter the account number 12345678 for Ana.", "ACCOUNT", "12345678");
  EXPECT_FOUND(d, "a/c 00123456", "ACCOUNT", "00123456");
  EXPECT_FOUND(d, "Account number ending in 4821", "ACCOUNT", "4821");
  EXPECT_FOUND(d, "health plan ID is HP-77812345", "ID_NUMBER", "HP-77812345");
  EXPECT_FOUND(d, "NHS number 943 476 5919", "ID_NUMBER", "943 476 5919");
  EXPECT_FOUND(d, "state ID number S12345678", "ID_NUMBER", "S12345678");
  EXPECT_FOUND(d, "ID card number 1234567890", "ID_NUMBER", "1234567890");
  EXPECT_FOUND(d, "The account was created in 2019.", NULL, "");
  EXPECT_FOUND(d, "I lost my drivers license, it was 123456789", "DRIVER_LICENSE", "123456789");
  EXPECT_FOUND(d, "Your driving licence (GB) SMITH753116SM9IJ expires soon", "DRIVER_LICENSE", "SMITH753116SM9IJ");
  EXPECT_FOUND(d, "Her license plate is 7ABC123.", "ID_NUMBER", "7ABC123");
  EXPECT_FOUND(d, "my license plate number: 4KXP902", "ID_NUMBER", "4KXP902");
  EXPECT_FOUND(d, "number plates are required in 2 places", NULL, "");
  ds_deid_free(d);
}

/* Texts that end inside a date, an age or a label (the fuzzer's shape: no NUL after them). */
static void ends_inside(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  static const char *const inputs[] = {"my appointment is on May 3r", "my appointment on 23-Jul-", "I was born on 1",
                                       "my bday is 11/", "I'm 3", "account number ending", "DL is D1",
                                       "my flight on 3/1", "I met her on 2021-07-23T1", "born in Ma", "aged 9"};
  for (size_t i = 0; i < DS_ARRAY_LEN(inputs); i++) ds_free(found(d, inputs[i], NULL));
  ds_deid_free(d);
}

/* Surrogates of dates and ages in a text that ends right after them: the year was read with
 * atoi past the end (under ASan this failed before the fix: fuzz_deid's first find). */
static void surrogates_inside_bounds(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_SURROGATE);
  static const char *const inputs[] = {"DOB 01/12/1990", "I was admitted on March 3, 2021", "I am 34",
                                       "my 40th birthday", "born on 5 May 1990"};
  for (size_t i = 0; i < DS_ARRAY_LEN(inputs); i++) {
    size_t n = strlen(inputs[i]);
    char *exact = malloc(n); /* no NUL after the text */
    memcpy(exact, inputs[i], n);
    char *out = NULL;
    assert_int_equal(ds_deid_text(d, exact, n, &out, NULL, NULL), DS_OK);
    if (!strcmp(out, inputs[i])) fail_msg("'%s' was not replaced", inputs[i]);
    ds_free(out);
    free(exact);
  }
  ds_deid_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(date_forms),     cmocka_unit_test(dates_tied_to_a_person), cmocka_unit_test(dates_of_birth),
    cmocka_unit_test(ages),           cmocka_unit_test(age_surrogates),         cmocka_unit_test(labeled_numbers),
    cmocka_unit_test(ends_inside),    cmocka_unit_test(surrogates_inside_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
