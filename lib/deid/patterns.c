/* patterns.c: the built-in detector patterns. They are candidate finders: every one is
 * compiled into a single Hyperscan database and each candidate is then checked by the
 * validator of its kind (validate*.c), so patterns stay general and cheap. Person names and
 * places are not patterns: names.c finds them with the tagger and context rules. */
#include "deid_int.h"

#define CL HS_FLAG_CASELESS
/* month names in lower case (cheaper than caseless patterns: "mar" is in many words) */
#define MONTHS_LC "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|" \
                  "apr|jun|jul|aug|sept?|oct|nov|dec"

const struct deid_pattern deid_builtin_patterns[] = {
  /* e-mail: local@domain.tld */
  {"[A-Za-z0-9._%+\\-]@[A-Za-z0-9\\-]+\\.[A-Za-z]", NOSOM, T_EMAIL, K_EMAIL},

  /* phones: international (+CC ...), North American, grouped national (needs context or a
   * strong shape), bare digit runs (need context) */
  {"\\+\\d{1,3}(?:[ .\\-]?\\(\\d{1,4}\\))?(?:[ .\\-]?\\d{1,5}){1,6}(?:[ ]?(?:x|ext\\.?)[ ]?\\d{1,6})?", 0, T_PHONE,
   K_PHONE_INTL},
  {"(?:(?:\\+?1|00?1)[ .\\-]?)?(?:\\(\\d{3}\\)[ .\\-]?\\d{3}[ .\\-]\\d{4}|\\d{3}[.\\-]\\d{3}[.\\-]\\d{4})"
   "(?:[ ]?(?:x|ext\\.?)[ ]?\\d{1,6})?",
   0, T_PHONE, K_PHONE_NANP},
  {"\\d(?:[ .\\-]\\d{2,8}){1,5}(?:[ ]?(?:x|ext\\.?)[ ]?\\d{1,6})?\\b", NOSOM, T_PHONE, K_PHONE_GROUPED},
  {"\\b\\d{7,15}\\b", 0, T_PHONE, K_PHONE_BARE},

  /* payment cards: 12-19 digits, optional space/dash groups; Luhn + IIN or context */
  {"\\b\\d(?:[ \\-]?\\d){11,18}\\b", 0, T_CARD, K_CARD},

  /* IBAN: country, check digits, BBAN (optional spaces); length table + mod-97 */
  {"\\b[A-Za-z]{2}\\d{2}(?:[ ]?[A-Za-z0-9]){11,30}\\b", 0, T_IBAN, K_IBAN},

  /* US SSN: dashed always; spaced or bare only near "SSN"/"social security" */
  {"\\b\\d{3}-\\d{2}-\\d{4}\\b", 0, T_SSN, K_SSN_DASH},
  {"\\b\\d{3} \\d{2} \\d{4}\\b", 0, T_SSN, K_SSN_CTX},
  {"\\b\\d{9}\\b", 0, T_SSN, K_SSN_CTX},

  /* IP addresses: IPv4 dotted quad; IPv6 found from any "x:y:" and checked by inet_pton */
  {"\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b", 0, T_IP, K_IPV4},
  {"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:", NOSOM, T_IP, K_IPV6},

  /* MAC addresses */
  {"\\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\\b", 0, T_MAC, K_MAC},
  {"\\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\\b", 0, T_MAC, K_MAC},
  {"\\b[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\b", 0, T_MAC, K_MAC},

  /* URLs carrying credentials (user:pass@) or tokens in the query */
  {"[A-Za-z][A-Za-z0-9+.\\-]*://[^\\s/?#@:\"'<>]*:[^\\s/?#@\"'<>]+@", 0, T_URL_CREDENTIAL, K_URL_USERINFO},
  {"[?&;](?:access_token|refresh_token|id_token|token|api[_\\-]?key|apikey|key|secret|client_secret|password|"
   "passwd|pwd|auth|sig|signature|session_?id|sid|code|x-amz-signature|x-amz-credential|x-amz-security-token|"
   "x-goog-signature)=",
   NOSOM | CL, T_URL_CREDENTIAL, K_URL_PARAM},

  /* secrets with a fixed shape */
  {"\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[0-9A-Z]{16}\\b", 0, T_AWS_KEY, K_TOKEN},
  {"\\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}", 0, T_GITHUB_TOKEN, K_TOKEN},
  {"\\bgithub_pat_[A-Za-z0-9_]{22,}", 0, T_GITHUB_TOKEN, K_TOKEN},
  {"\\bsk-ant-[A-Za-z0-9]{2,12}-[A-Za-z0-9_\\-]{20,}", 0, T_ANTHROPIC_KEY, K_TOKEN},
  {"\\bsk-[A-Za-z0-9_\\-]{20,}", 0, T_OPENAI_KEY, K_TOKEN},
  {"\\b[rs]k_(?:live|test)_[0-9A-Za-z]{10,}", 0, T_SECRET, K_TOKEN},
  {"\\bxox[abposre]-[A-Za-z0-9\\-]{10,}", 0, T_SLACK_TOKEN, K_TOKEN},
  {"https://hooks\\.slack\\.com/services/[A-Za-z0-9/_\\-]{10,}", 0, T_SLACK_TOKEN, K_TOKEN},
  {"\\bAIza[0-9A-Za-z_\\-]{35}", 0, T_GOOGLE_API_KEY, K_TOKEN},
  {"\\beyJ[A-Za-z0-9_\\-]{5,}\\.eyJ[A-Za-z0-9_\\-]{5,}\\.[A-Za-z0-9_\\-]*", 0, T_JWT, K_JWT},
  {"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----", 0, T_PRIVATE_KEY, K_PEM},
  /* keyword = value assignments; the value is checked for entropy */
  {"(?:password|passwd|passphrase|pwd|secret|api[_\\-]?key|apikey|access[_\\-]?key|secret[_\\-]?key|"
   "auth[_\\-]?token|access[_\\-]?token|refresh[_\\-]?token|bearer[_\\-]?token|client[_\\-]?secret|"
   "private[_\\-]?key|token|api[_\\-]?secret|credentials?)[\"']?[ \\t]{0,3}(?:=|:|=>|:=)",
   NOSOM | CL, T_SECRET, K_ASSIGN},
  {"\\b(?:authorization[\"']?[ \\t]*[:=][ \\t]*[\"']?)?(?:bearer|token)[ \\t]+", NOSOM | CL, T_SECRET, K_ASSIGN},

  /* street addresses (patterns only: number + capitalized words + street suffix; unit
   * designators; military; European "Name-suffix 12" and "Via Name 12" shapes) */
  {" (?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|"
   "Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Ter|Way|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Trail|"
   "Trl|Crescent|Cres|Close|Row|Mews|Alley|Plaza|Grove|Gardens|Heights|Hill|Hills|View|Park|Loop|Path|Pike|"
   "Crossing|Ridge|Walk|Green|Forge|Forges|Rapids|Port|Ports|Mill|Mills|Valley|Spring|Springs|Field|Fields|"
   "Falls|Landing|Haven|Harbor|Harbour|Point|Pass|Station|Shore|Shores|Meadow|Meadows|Estate|Estates|Stream|"
   "Junction|Knoll|Vista|Inlet|Route|Rte|Expressway|Freeway|Turnpike|Causeway|Esplanade|Parade|Quay|Wharf|"
   "Broadway|Wynd|Brae|Gate|Yard|Rise|Hollow|Creek|Lake|Lakes|Island|Common|Commons|Center|Centre|Cove|"
   "Bend|Bypass|Extension|Oval|Summit|Trace|Track|Tunnel|Underpass|Union|Village|Villages|Ville|"
   /* more of the USPS suffixes (C1) that are no common nouns (each literal costs scan time) */
   "Bayou|Bluff|Bluffs|Brook|Brooks|Canyon|Cliff|Cliffs|Crest|Dale|Ferry|Ford|Glen|Glens|Isle|Knolls|Manor|Orchard|"
   "Pines|Plains|Prairie|Shoals|Skyway|Viaduct|Wells|Expy|Plz|Ctr)\\b",
   NOSOM, T_ADDRESS, K_ADDR_STREET},
  /* the same in capitals ("2701 W 18TH ST", "111 ELMWOOD TERR") */
  {" (?:STREET|ST|AVENUE|AVE|ROAD|RD|BOULEVARD|BLVD|LANE|LN|DRIVE|DR|COURT|CT|PLACE|PL|TERRACE|TERR|TER|WAY|"
   "PARKWAY|PKWY|CIRCLE|CIR|HIGHWAY|HWY|TRAIL|TRL|SQUARE|PLAZA|GROVE|HILL|VIEW|TURNPIKE|TPKE|EXPRESSWAY|"
   "EXPY|FREEWAY|FWY|PIKE|LOOP|CROSSING|CENTER|CTR|PLZ|CSWY|RIDGE|CRESCENT|WALK|BYPASS|CAUSEWAY|ALLEY|"
   "BROADWAY|LANE|COVE|POINT|VALLEY)\\b",
   NOSOM, T_ADDRESS, K_ADDR_STREET},
  {"\\b(?:Apt|Apartment|Suite|Ste|Unit|Flat)\\.?[ ]?#?[ ]?\\d{1,5}[A-Za-z]?\\b", CL, T_ADDRESS, K_ADDR_UNIT},
  {"\\b(?:PSC|CMR|Unit) \\d{3,5},? Box \\d{3,5}\\b", CL, T_ADDRESS, K_ADDR_MIL},
  {"\\bP\\.? ?O\\.? ?Box \\d{1,6}\\b", CL, T_ADDRESS, K_ADDR_UNIT},
  /* rural routes and boxes ("RR 2 Box 15", "Rural Route 3", "Box # 63", "Post Office Box 40"),
   * highways after a house number ("12 State Route 9", "28402 CR 561", "1470 hwy 104") */
  {"\\b(?:(?:RR|R\\.R\\.|RD|RT|Rte|Route|HC|Star Route|Rural Route)\\.?[ ]?#?[ ]?\\d{1,4}[A-Za-z]?,? |Route |"
   "Post Office |P\\.? ?O\\.? ?|Lock ?box )?Box[ ]?#?[ ]?\\d{1,6}",
   CL, T_ADDRESS, K_ADDR_ROUTE},
  {"\\bRural Route[ ]?#?[ ]?\\d{1,4}\\b", CL, T_ADDRESS, K_ADDR_ROUTE},
  {"\\b(?:Apt|Apartment|Suite|Ste|Unit|Lot|Bldg|Building|Room|Rm)\\.?[ ]?#?[ ]?(?:\\d{1,5}[A-Za-z]?|[A-Z])\\b", 0,
   T_ADDRESS, K_ADDR_UNIT_STREET},
  {"\\b(?:APT|SUITE|STE|UNIT|LOT|BLDG|BUILDING|ROOM|RM)\\.?[ ]?#?[ ]?(?:\\d{1,5}[A-Z]?|[A-Z])\\b", 0, T_ADDRESS,
   K_ADDR_UNIT_STREET},
  {" (?:Route|ROUTE|route|Rte|RTE|rte|Rt|RT|rt|Road|ROAD|road|Rd|RD|rd|Highway|HIGHWAY|highway|Hwy|HWY|hwy|"
   "SR|CR|FM|RR|RM|US|Interstate|I)[ ]?-?\\d{1,5}[A-Za-z]?\\b",
   NOSOM, T_ADDRESS, K_ADDR_HIGHWAY},
  {"\\b(?:the )?corner of ", CL, T_ADDRESS, K_ADDR_CORNER},
  /* "Name Words 12": a street named before its number (most of Europe); needs a postal code or
   * house number before it, an address word near it, or more address after it */
  {"[A-Za-z\\x80-\\xff.'\\-] \\d{1,5}[A-Za-z]?\\b", NOSOM, T_ADDRESS, K_ADDR_EURO},
  {"\\b(?:APO|FPO|DPO) (?:AA|AE|AP) \\d{5}\\b", CL, T_ADDRESS, K_ADDR_MIL},
  {"\\b(?:USNS|USNV|USS|USCGC) [A-Z][a-z\\x80-\\xff]+", 0, T_ADDRESS, K_ADDR_MIL},
  {"\\b[A-Z][a-z\\x80-\\xff]*(?:stra\\xc3\\x9fe|strasse|str\\.|weg|gasse|allee|platz|damm|tie|katu|kuja|"
   "polku|tori|vej|gade|gata|gatan|v\\xc3\\xa4gen|veien|vegen|laan|straat|plein|gracht|kade|utca|ulica)"
   "[ ]\\d{1,5}[a-zA-Z]?\\b",
   NOSOM, T_ADDRESS, K_ADDR_EURO_SUFFIX},
  {"(?:\\b(?:Rue|Avenue|Via|Viale|Piazza|Corso|Calle|Avenida|Rua|Carrer|Paseo|Ulica|Ul\\.|ul\\.|C/|Trg|trg|Strada|"
   "Calea|Rambla|Praça|Rúa)|\\xce\\x9b\\xce\\xb5\\xcf\\x89\\xcf\\x86\\xcf\\x8c\\xcf\\x81\\xce\\xbf\\xcf\\x82|"
   "\\xce\\x9f\\xce\\xb4\\xcf\\x8c\\xcf\\x82)"
   "(?:[ ][A-Za-z\\x80-\\xff'\\-]+){1,6},?[ ]\\d{1,5}[a-zA-Z]?\\b",
   NOSOM, T_ADDRESS, K_ADDR_EURO_PREFIX},
  /* "63 Avenue du Golf", "31 rue de la Hulotais", "69 Av Sidi Lakhmi": a number, then a street
   * type written first (French, Spanish, Portuguese, Italian); the name is checked after */
  {"\\b\\d{1,5}[A-Za-z]?(?: bis| ter)?,? (?:rue|avenue|av|avda|boulevard|bd|allée|allee|chemin|impasse|quai|cours|calle|"
   "avenida|rua|rúa|via|viale|piazza|corso|largo|strada|plaza|paseo|carrer|travessa|rambla)\\.? ",
   NOSOM | CL, T_ADDRESS, K_ADDR_NUM_PREFIX},
  /* "Address:\n947 trg revolucije 17 apt. 858", "my address is 106 rúa olmos 44": the line
   * after a label, when it starts with a house number (any case, any language) */
  {"\\baddress(?:[ \\t]*:|[ \\t]+is)[ \\t]*(?:\\r?\\n)?", NOSOM | CL, T_ADDRESS, K_ADDR_LABEL},
  /* "at 9816 214 Pavlou Drandaki": a postal code and a house number before a name without a
   * street type; needs an address word before it */
  {"\\b\\d{4,6} \\d{1,5}[A-Za-z]? [A-Z\\xc0-\\xff]", NOSOM, T_ADDRESS, K_ADDR_TWO_NUMBERS},
  /* "111 W Washington, Chicago, IL 60602", "10 S. Dearborn, Ste. 250": a number, a directional
   * and a name without a street type, kept when a unit, town, state or postal code follows */
  {"\\b\\d{1,6} (?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|NORTH|SOUTH|EAST|WEST|So)\\.? [A-Z]", NOSOM, T_ADDRESS,
   K_ADDR_DIRECTIONAL},
  /* "at 42 smith street", "to 7 ridge rd": a street in lower case, after "at" / "to" */
  {"\\b\\d{1,6} [a-z][a-z'\\-]+(?: [a-z][a-z'\\-]+){0,2} (?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|"
   "boulevard|blvd|court|ct|place|pl|way|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl|freeway|fwy|"
   "expressway|expy|square|sq|plaza|turnpike|tpke|causeway|cswy|pike)\\b",
   0, T_ADDRESS, K_ADDR_LOWER},
  /* "5050 s dr martin luther king blvd", "1732 1st ave": a directional or an ordinal first (the
   * street type is looked for after it) */
  {"\\b\\d{1,6} (?:(?:n|s|e|w|ne|nw|se|sw)\\.?|\\d{1,3}(?:st|nd|rd|th)) [a-z0-9]", 0, T_ADDRESS, K_ADDR_LOWER},

  /* ", IL 62704": a US state and ZIP code; the street line before its town is found back from it
   * (validate_address_zip.c), whatever its type ("123 Maple Club, Springfield, IL 62704") */
  {"[a-z], [A-Z]{2},? \\d{5}(?:-\\d{4})?\\b", NOSOM, T_ADDRESS, K_ADDR_STATE_ZIP},

  /* dates of birth, where labeled */
  {"\\b(?:date of birth|birth ?date|birthday|b-?day|d\\.?o\\.?b\\.?|born(?: on| in)?)[ \\t]*[:\\-=]?[ \\t]*",
   NOSOM | CL, T_DOB, K_DOB},
  /* other dates (kept only when tied to a person: validate_date.c); a year alone is kept */
  {"\\b\\d{1,4}[/.\\-]\\d{1,2}[/.\\-]\\d{2,4}(?:\\b|T)", 0, T_DATE, K_DATE},
  {"\\b(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|"
   "NOV|DEC|" MONTHS_LC ")\\.?(?: |-|/| the )\\d{1,2}(?:st|nd|rd|th)?\\b",
   0, T_DATE, K_DATE},
  /* a month and a year: "June 2019", "Aug. 2017", "March, 2020" */
  {"\\b(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}|" MONTHS_LC ")\\.?,? (?:19|20)\\d\\d\\b", 0,
   T_DATE, K_DATE},
  {"\\b\\d{1,2}(?:st|nd|rd|th)?[ \\-/](?:of )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|JAN|FEB|MAR|APR|"
   "MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|" MONTHS_LC ")",
   0, T_DATE, K_DATE},
  /* a month alone after a preposition ("in June": a date element; needs a personal word) */
  {"\\b(?:in|since|until|till|by|last|next|this|early|late|mid|mid-|of|from|to) (?:January|February|March|April|"
   "May|June|July|August|September|October|November|December)\\b", CL, T_DATE, K_DATE},
  /* a day and a month in figures after a preposition: "on 5/3", "from 3/14 to 3/18" */
  {" \\d{1,2}/\\d{1,2}\\b", NOSOM, T_DATE, K_DATE}, /* the preposition is checked by the validator */

  /* numbers named by a label */
  {"\\b(?:driver'?s?|driving|drivers)[ \\-]?licen[cs]es?|\\bD\\.?L\\.?(?: ?#| no\\.?| number)|\\blicen[cs]e "
   "(?:number|no\\.?|#)",
   NOSOM | CL, T_DRIVER_LICENSE, K_LABELED_ID},
  {"\\bC?DL\\b", NOSOM, T_DRIVER_LICENSE, K_LABELED_ID}, /* "Her DL is D1234567"; a value is required */
  {"\\blicen[cs]e(?: id)? ?[:#]", NOSOM | CL, T_DRIVER_LICENSE, K_LABELED_ID}, /* "License: D1234567" */
  {"\\b(?:my|his|her|your|their) (?:licen[cs]e|permit)\\b", NOSOM | CL, T_DRIVER_LICENSE, K_LABELED_ID},
  {"\\bpassport(?: card)?", NOSOM | CL, T_PASSPORT, K_LABELED_ID},
  {"\\bMRN\\b|\\bmedical record|\\bmed\\.? rec(?:ord)?\\.?|\\bhealth record|\\bpatient (?:id|number|no\\.?|#)|"
   "\\bchart (?:number|no\\.?|#)",
   NOSOM | CL, T_MEDICAL_RECORD, K_LABELED_ID},
  {"\\b(?:bank |checking |savings |brokerage )?(?:account|acct\\.?|a/c)(?: number| no\\.?| #| num)?|\\brouting "
   "(?:number|no\\.?)",
   NOSOM | CL, T_ACCOUNT, K_LABELED_ID},
  {"\\b(?:member|membership|policy|subscriber|beneficiary|insurance|health plan|certificate|licen[cs]e plate|plate|"
   "vin|vehicle identification|serial|employee|student|national|tax|taxpayer|citizen|voter|badge|customer|client|"
   "case|claim|device|benefit|medicare|medicaid|nhs|group|state|id card|identity card|national insurance|"
   "social insurance|health insurance|health card)[ \\-]?(?:id|number|no\\.?|#|identifier)",
   NOSOM | CL, T_ID_NUMBER, K_LABELED_ID},
  {"\\bVIN\\b", NOSOM, T_ID_NUMBER, K_LABELED_ID},
  /* vehicle plates (HIPAA's vehicle identifiers): "license plate 7ABC123", "number plate AB12 CDE" */
  {"\\b(?:licen[cs]e|number|registration|car|vehicle) plates?", NOSOM | CL, T_ID_NUMBER, K_LABELED_ID},

  /* ages: over 89 by their form, younger ones when a person's (validate_date.c) */
  {"\\b\\d{1,3}[ \\-]?(?:years?|yrs?)[ \\-]?old\\b|\\b\\d{1,3}[ \\-]?y/?o\\b|\\b\\d{1,3} ?y\\.o\\.?|"
   "\\b\\d{1,3} (?:years?|yrs?) of age\\b|\\b\\d{1,3}(?:st|nd|rd|th) birthday\\b",
   CL, T_AGE, K_AGE},
  {"\\b(?:aged?|age of|turned|turning|turns|turn)[ :]{1,3}\\d{1,3}\\b", CL, T_AGE, K_AGE_LABEL},
  {"\\b(?:i'm|i am|im|he's|she's|he is|she is|he was|she was|i was|you're|you are) \\d{1,3}\\b", CL, T_AGE,
   K_AGE_LABEL},
  {"\\b(?:is|was|will be) \\d{1,3}\\b", CL, T_AGE, K_AGE_LABEL}, /* "My son is 9.", "Maria was 45 when" */
  {", \\d{1,3},| \\(\\d{1,3}\\)", NOSOM, T_AGE, K_AGE_LABEL}, /* "John Smith, 45, of Leeds", "Ana (7)" */
};
const size_t deid_n_builtin_patterns = DS_ARRAY_LEN(deid_builtin_patterns);
