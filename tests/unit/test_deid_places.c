/* test_deid_places.c: street addresses (US and European forms, units, postal codes, several
 * lines, other languages and scripts) and personal places (where the writer lives, comes from,
 * travels, works): what is found, what is left, and how far an address reaches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "deid_expect.h"

/* What follows a street: units, towns, regions, postal codes, countries, on one line or
 * several, with a list's bullets. */
static void address_tails(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "Ship to:\n- 12 Oak Street\n- Apt. 5\n- Pituffik\n- Greenland 3971", "ADDRESS",
               "12 Oak Street\n- Apt. 5\n- Pituffik\n- Greenland 3971");
  EXPECT_FOUND(d, "Mail: 15 Harbour Street\nBrighton\n, VIC\n Australia 3186", "ADDRESS",
               "15 Harbour Street\nBrighton\n, VIC\n Australia 3186");
  EXPECT_FOUND(d, "send it to 9 Mill Road\n Apt. 2\n Nuuk\n Greenlander 3900", "ADDRESS",
               "9 Mill Road\n Apt. 2\n Nuuk\n Greenlander 3900");
  EXPECT_FOUND(d, "Please send it to 4 Lindenweg 3\nFrankfurt (Oder)\nGermany 15230", "ADDRESS",
               "4 Lindenweg 3\nFrankfurt (Oder)\nGermany 15230");
  EXPECT_FOUND(d, "here they are: 12 Flores St\nCaxias do Sul, RS 95010", "ADDRESS",
               "12 Flores St\nCaxias do Sul, RS 95010");
  EXPECT_FOUND(d, "Meet me at 8514 Fjordveien 46 Apt. 085 TROMSO nan", "ADDRESS",
               "8514 Fjordveien 46 Apt. 085 TROMSO nan");
  EXPECT_FOUND(d, "I'll meet you at 4137 Birkenweg 12 Apt. 5 HORSCHING OO after the show", "ADDRESS",
               "4137 Birkenweg 12 Apt. 5 HORSCHING OO");
  EXPECT_FOUND(d, "address: 3911 fourth avenue suite 112 calgary alberta", "ADDRESS",
               "3911 fourth avenue suite 112 calgary alberta");
  EXPECT_FOUND(d, "Our office: 10 Downing Street, London SW1A 2AA, United Kingdom", "ADDRESS",
               "10 Downing Street, London SW1A 2AA, United Kingdom");
  EXPECT_FOUND(d, "It went to 77 Massachusetts Ave., Cambridge, MA 02139-4307.", "ADDRESS",
               "77 Massachusetts Ave., Cambridge, MA 02139-4307");
  EXPECT_FOUND(d, "Meine Adresse ist Lindenstraße 12a, 80469 München, Deutschland.", "ADDRESS",
               "Lindenstraße 12a, 80469 München, Deutschland");
  EXPECT_FOUND(d, "I live at Rosenstraße 8 in Hamburg.", "ADDRESS", "Rosenstraße 8 in Hamburg");
  EXPECT_FOUND(d, "Vivo en Calle Gran Vía 28, 5º izq., 28013 Madrid", "ADDRESS",
               "Calle Gran Vía 28, 5º izq., 28013 Madrid");
  EXPECT_FOUND(d, "Send it to 31 Seneca Place, Marshland.", "ADDRESS", "31 Seneca Place, Marshland");
  EXPECT_FOUND(d, "- 2274 Via delle Coste 41\n- Apt. 322\n- Colle Di Tora\n- Italy 95787", "ADDRESS",
               "2274 Via delle Coste 41\n- Apt. 322\n- Colle Di Tora\n- Italy 95787");
  EXPECT_FOUND(d, "Write to 42 Elm St, Cyprus (Greek) 13475", "ADDRESS", "42 Elm St, Cyprus (Greek) 13475");
  ds_deid_free(d);
}

/* Street lines without an English street type after the number. */
static void street_lines(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  /* the street before a unit */
  EXPECT_FOUND(d, "Please return to 2505 Heatherleigh Suite 620, Reno, NV 89505", "ADDRESS",
               "2505 Heatherleigh Suite 620, Reno, NV 89505");
  EXPECT_FOUND(d, "It is Hlíðarvegur 97 Suite 568, Akureyri", "ADDRESS", "Hlíðarvegur 97 Suite 568, Akureyri");
  EXPECT_FOUND(d, "update my address to 55 Kingsway, Unit 9, Vancouver, BC V5T 3J7, Canada", "ADDRESS",
               "55 Kingsway, Unit 9, Vancouver, BC V5T 3J7, Canada");
  EXPECT_FOUND(d, "We finished Grade 10 Unit 1 today", "ADDRESS", "10 Unit 1"); /* the name before it is no street */
  /* a street type first, the number before it */
  EXPECT_FOUND(d, "I'll meet you at 63 Avenue du Golf Arabe, 75011 Paris", "ADDRESS",
               "63 Avenue du Golf Arabe, 75011 Paris");
  EXPECT_FOUND(d, "J'habite au 5 bis avenue Victor Hugo, 69003 Lyon.", "ADDRESS",
               "5 bis avenue Victor Hugo, 69003 Lyon");
  EXPECT_FOUND(d, "drops you off at 31 rue tachkent", "ADDRESS", "31 rue tachkent");
  EXPECT_FOUND(d, "688 rue du centre, 1000 Bruxelles", "ADDRESS", "688 rue du centre, 1000 Bruxelles");
  EXPECT_FOUND(d, "We looked at 3 Route Map options", "ADDRESS", "");
  /* street types of other languages, other scripts */
  EXPECT_FOUND(d, "Address: Rákóczi út 13., 1088 Budapest", "ADDRESS", "Rákóczi út 13., 1088 Budapest");
  EXPECT_FOUND(d, "pedestrians must enter on hegyalja út 98. today", "ADDRESS", "hegyalja út 98.");
  EXPECT_FOUND(d, "It's in Λεωφόρος Συγγρού 119, Αθήνα", "ADDRESS", "Λεωφόρος Συγγρού 119, Αθήνα");
  EXPECT_FOUND(d, "send it to 6889 ul. Jarzębinowa 5\nKRAKÓW\n, MA\n Poland 30-001", "ADDRESS",
               "6889 ul. Jarzębinowa 5\nKRAKÓW\n, MA\n Poland 30-001");
  EXPECT_FOUND(d, "off at 10963 Rua Vinte e Cinco de Setembro 1257 now", "ADDRESS",
               "10963 Rua Vinte e Cinco de Setembro 1257");
  EXPECT_FOUND(d, "send a new one to USNS Sekerková\nFPO AA 65728", "ADDRESS", "USNS Sekerková\nFPO AA 65728");
  /* after a label, the line in any case */
  EXPECT_FOUND(d, "address:\n947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia.", "ADDRESS",
               "947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia");
  EXPECT_FOUND(d, "my address is 106 rúa olmos 44, belfast, south africa", "ADDRESS",
               "106 rúa olmos 44, belfast, south africa");
  EXPECT_FOUND(d, "The IP address: 10.1.2.3 and the MAC address: 0 of them", "ADDRESS", "");
  /* US forms: capitals, floors, a directional and no street type, a postal code and a number */
  EXPECT_FOUND(d, "Send it to 2701 W 18TH ST, CHICAGO, IL 60608", "ADDRESS", "2701 W 18TH ST, CHICAGO, IL 60608");
  EXPECT_FOUND(d, "Send it to 205 N. Michigan Avenue, 41st Floor, Chicago, IL 60601", "ADDRESS",
               "205 N. Michigan Avenue, 41st Floor, Chicago, IL 60601");
  EXPECT_FOUND(d, "Please send it to 111 W Washington, Chicago, IL 60602.", "ADDRESS",
               "111 W Washington, Chicago, IL 60602");
  EXPECT_FOUND(d, "We ran 5 W Sprints today", "ADDRESS", "");
  EXPECT_FOUND(d, "Ship to 205 N. Michigan Ave. # 2510, Chicago, IL 60601", "ADDRESS",
               "205 N. Michigan Ave. # 2510, Chicago, IL 60601");
  EXPECT_FOUND(d, "Please send it to 1085 Santa Paula Avenue, Los Osos.", "ADDRESS",
               "1085 Santa Paula Avenue, Los Osos");
  EXPECT_FOUND(d, "Please send it to 1585 Broadway, New York, NY 10036", "ADDRESS", "1585 Broadway, New York, NY 10036");
  EXPECT_FOUND(d, "I live at 55 W. Van Buren, Chicago, IL 60605", "ADDRESS", "55 W. Van Buren, Chicago, IL 60605");
  EXPECT_FOUND(d, "The restaurant is at 9816 214 Pavlou Drandaki", "ADDRESS", "9816 214 Pavlou Drandaki");
  EXPECT_FOUND(d, "In 2019 12 Best Songs were chosen", "ADDRESS", "");
  EXPECT_FOUND(d, "- 688 rue du centre 320\n- apt. 169\n- marke\n- belgium 97466", "ADDRESS",
               "688 rue du centre 320\n- apt. 169\n- marke\n- belgium 97466");
  /* in lower case, after "at" / "to" */
  EXPECT_FOUND(d, "meet me at 42 smith street, springfield", "ADDRESS", "42 smith street, springfield");
  EXPECT_FOUND(d, "it is at 12 fourth avenue", "ADDRESS", "12 fourth avenue");
  EXPECT_FOUND(d, "I ate 3 apples on the street", "ADDRESS", "");
  /* no number: after "on" with a name that is no common word, or after "live on" */
  EXPECT_FOUND(d, "the early shows on Tarsicio Isle Street were important", "ADDRESS", "Tarsicio Isle Street");
  EXPECT_FOUND(d, "I live on Elmwood Drive in Springfield.", "ADDRESS", "Elmwood Drive in Springfield");
  EXPECT_FOUND(d, "Stocks fell on Wall Street and I saved it on Google Drive", "ADDRESS", "");
  EXPECT_FOUND(d, "Explore Waikiki and go shopping along Kalakaua Avenue", "ADDRESS", "");
  ds_deid_free(d);
}

/* US forms from real addresses (usaddress-labeled): more USPS suffixes, house numbers as
 * words, ranges and halves, Saints, rural routes and boxes, highways, units after a street
 * without a type, lower-case streets, a directional street with nothing after it. */
static void us_forms(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  /* more suffixes, in mixed case and capitals; a common noun among them needs evidence */
  EXPECT_FOUND(d, "Please send it to 42 Cedar Canyon, Tucson, AZ 85701", "ADDRESS",
               "42 Cedar Canyon, Tucson, AZ 85701");
  EXPECT_FOUND(d, "Mail it to 12 WILLOW VIEW, AUSTIN, TX 78701", "ADDRESS", "12 WILLOW VIEW, AUSTIN, TX 78701");
  EXPECT_FOUND(d, "THE TOP 10 GREEN VIEW AWARDS", "ADDRESS", "");
  EXPECT_FOUND(d, "Ship to 6477 COLLEGE PARK SQUARE", "ADDRESS", "6477 COLLEGE PARK SQUARE");
  /* house numbers as words, ranges, halves */
  EXPECT_FOUND(d, "Please send it to One S. Wacker Dr., Chicago, IL 60606", "ADDRESS",
               "One S. Wacker Dr., Chicago, IL 60606");
  EXPECT_FOUND(d, "We sang One Tree Lane all night", "ADDRESS", "");
  EXPECT_FOUND(d, "Send it to 313-317 Broadway, Madison, IN 47250", "ADDRESS", "313-317 Broadway, Madison, IN 47250");
  EXPECT_FOUND(d, "Send it to 2615 1/2 Gary Avenue today", "ADDRESS", "2615 1/2 Gary Avenue");
  /* "St" after a number or a directional is a Saint */
  EXPECT_FOUND(d, "Please send it to 5500 N. St. Louis.", "ADDRESS", "5500 N. St. Louis");
  /* rural routes and boxes */
  EXPECT_FOUND(d, "Send it to RR 2 Box 15, Cordova, AK 99574", "ADDRESS", "RR 2 Box 15, Cordova, AK 99574");
  EXPECT_FOUND(d, "My address is Box # 63, Cordova, AK 99574", "ADDRESS", "Box # 63, Cordova, AK 99574");
  EXPECT_FOUND(d, "Mail it to Post Office Box 40177 please", "ADDRESS", "Post Office Box 40177");
  EXPECT_FOUND(d, "They live on Rural Route 3 near the river", "ADDRESS", "Rural Route 3");
  EXPECT_FOUND(d, "Check box 3 and box 4 in the form", "ADDRESS", "");
  /* highways after a house number */
  EXPECT_FOUND(d, "I moved to 12 State Route 9 last year", "ADDRESS", "12 State Route 9");
  EXPECT_FOUND(d, "Send it to 28402 CR 561, Tavares, FL 32778", "ADDRESS", "28402 CR 561, Tavares, FL 32778");
  EXPECT_FOUND(d, "In 2020 US 10-year yields rose", "ADDRESS", "");
  EXPECT_FOUND(d, "give 2 us 5 minutes", "ADDRESS", "");
  /* a lettered unit, a lot, a building after a street without a type */
  EXPECT_FOUND(d, "Please send it to 2820 N. Greenview Unit I.", "ADDRESS", "2820 N. Greenview Unit I");
  EXPECT_FOUND(d, "Read Room 3 of the castle", "ADDRESS", "");
  /* lower case: a directional or an ordinal, or a ZIP after without a preposition */
  EXPECT_FOUND(d, "send it to 300 east randolph st chicago il 60601", "ADDRESS",
               "300 east randolph st chicago il 60601");
  EXPECT_FOUND(d, "philip palmer, md 12605 lapis lane oklahoma city ok 73170", "ADDRESS",
               "12605 lapis lane oklahoma city ok 73170");
  /* the tail: a state and a ZIP in lower case; a state read as a floor at the end ("FL") */
  EXPECT_FOUND(d, "Send it to 28402 Main St, Orlando, FL 32778", "ADDRESS", "28402 Main St, Orlando, FL 32778");
  EXPECT_FOUND(d, "we saw 3 grand old street parades", "ADDRESS", "");
  /* a directional street with nothing after it: after an address word, not a region */
  EXPECT_FOUND(d, "I moved to 500 South Central last year.", "ADDRESS", "500 South Central");
  EXPECT_FOUND(d, "We opened 5 North Carolina stores", "ADDRESS", "");
  EXPECT_FOUND(d, "Send it to 233 EAST FULTON GRAND RAPIDS, MI 49503", "ADDRESS",
               "233 EAST FULTON GRAND RAPIDS, MI 49503");
  ds_deid_free(d);
}

/* A street line of any type found back from its town, state and ZIP code. */
static void street_before_state_zip(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "Send it to 123 Maple Club, Springfield, IL 62704", "ADDRESS", "123 Maple Club, Springfield, IL 62704");
  EXPECT_FOUND(d, "Ship to 771 Tran River, New Sarah, OH 44101 today", "ADDRESS", "771 Tran River, New Sarah, OH 44101");
  EXPECT_FOUND(d, "Deliver to 9032 Rodriguez Mountains Apt. 4\nEast Lisa, WA 98001-1234", "ADDRESS",
               "9032 Rodriguez Mountains Apt. 4\nEast Lisa, WA 98001-1234");
  EXPECT_FOUND(d, "We grew 12 percent, Springfield, IL 62704", "ADDRESS", ""); /* no street line */
  EXPECT_FOUND(d, "In 2019 Apple moved, Cupertino, CA 95014", "ADDRESS", "");
  EXPECT_FOUND(d, "Rated 5 Stars, Portland, ZZ 97201", "ADDRESS", "");    /* no US state */
  ds_deid_free(d);
}

/* What looks like an address and is not: list items, dates, citations, ships, scores. */
static void not_addresses(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "Places to see:\n1. West Lake\n2. River Walk\n10. Bad Guys Close", "ADDRESS", "");
  EXPECT_FOUND(d, "It was decided on 18 November 2002 by the court", "ADDRESS", "");
  EXPECT_FOUND(d, "See Smith v Jones [2019] NSWSC 1368 and (2010) 242 CLR 446 at the office", "ADDRESS", "");
  EXPECT_FOUND(d, "The attack sank the USS Arizona in 1941", "ADDRESS", "");
  EXPECT_FOUND(d, "Mail it to USS Arizona\nFPO AP 96601", "ADDRESS", "USS Arizona\nFPO AP 96601");
  EXPECT_FOUND(d, "The tower has unit 0 and unit 1", "ADDRESS", "unit 1");
  EXPECT_FOUND(d, "Ability Scores: Dexterity 16, Intelligence 14, Wisdom 12, Charisma 10", "ADDRESS", "");
  EXPECT_FOUND(d, "Race totals\nWhite 157\nAsian 19\nOther 4", "ADDRESS", "");
  ds_deid_free(d);
}

/* Cities where the writer or someone lives, comes from, travels or works; countries and
 * states are kept; companies, products and people are no places. */
static void personal_places(void **state) {
  (void)state;
  struct ds_deid *d = mk(DS_DEID_REPLACE_PLACEHOLDER);
  EXPECT_FOUND(d, "Please send it. I am in Sutri for a business trip", "LOCATION", "Sutri");
  EXPECT_FOUND(d, "Before Labor Day we returned to Deanwell by helicopter.", "LOCATION", "Deanwell");
  EXPECT_FOUND(d, "The issues be remitted to Macready AsJ for decision", "LOCATION", "");
  EXPECT_FOUND(d, "It refers to 1668 Glyn St street in Highveld. It was", "LOCATION", "Highveld");
  EXPECT_FOUND(d, "The next year at Balefire Global in Amsterdam, which later", "LOCATION", "Amsterdam");
  EXPECT_FOUND(d, "Diana is from Cloudmade", "LOCATION", "");
  EXPECT_FOUND(d, "Quionia is from Areavibes Inc", "LOCATION", "");
  EXPECT_FOUND(d, "Anna is from Rotterdam", "LOCATION", "Rotterdam");
  /* every letter is replaced; the apostrophe between two spans stays */
  EXPECT_FOUND(d, "I'm Aldo, originally from PORT O' WARREN, and i'm 58.", "LOCATION", "PORT O|WARREN");
  EXPECT_FOUND(d, "We moved to Villafranca del Cid. It was lovely", "LOCATION", "Villafranca del Cid");
  EXPECT_FOUND(d, "Then go to Settings and click Save", "LOCATION", "");
  EXPECT_FOUND(d, "The Princess Royal arrived at Khandallah this morning", "LOCATION", "Khandallah");
  EXPECT_FOUND(d, "Before Labor Day we returned to Mill Village by boat.", "LOCATION", "Mill Village");
  EXPECT_FOUND(d, "The year after at Poweradvocate in Bremen Ohlenhof, which later", "LOCATION", "Bremen Ohlenhof");
  EXPECT_FOUND(d, "Then move disk 1 back to Rod C.", "LOCATION", "");
  EXPECT_FOUND(d, "We moved here from Estonia", "LOCATION", "");
  /* a large city after "in" is a place, not a person; where someone lives it is replaced */
  EXPECT_FOUND(d, "We have offices in Austin and Denver.", NULL, "");
  EXPECT_FOUND(d, "The conference in Charlotte was great", NULL, "");
  EXPECT_FOUND(d, "I live in Austin.", "LOCATION", "Austin");
  EXPECT_FOUND(d, "We met in Sydney's flat.", "PERSON", "Sydney");
  ds_deid_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(address_tails),
    cmocka_unit_test(street_lines),
    cmocka_unit_test(us_forms),
    cmocka_unit_test(street_before_state_zip),
    cmocka_unit_test(not_addresses),
    cmocka_unit_test(personal_places),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
