"""pii.py: the planted personal data of depsim's sample traffic (names, e-mails, phones, cards,
IBANs, SSNs, IPs, AWS keys) and the one seeded random generator every part of
scripts/gen-sample.py draws from, in a fixed order (the output is byte-identical per seed)."""
import random

SEED = 20261123
R = random.Random(SEED)

# ---------------------------------------------------------------- personal data (planted)
FIRST = ["Maria", "James", "Aisha", "Lukas", "Sofia", "Chen", "Olivia", "Mateo", "Hannah", "Noah",
         "Camille", "Jonas", "Priya", "Diego", "Emma", "Tomasz", "Lea", "Samuel", "Ines", "Kenji"]
LAST = ["Gonzalez", "Carter", "Okafor", "Schneider", "Rossi", "Wang", "Bennett", "Fernandez",
        "Keller", "Murphy", "Dubois", "Becker", "Raman", "Alvarez", "Larsen", "Nowak", "Moreau",
        "Whitfield", "Garcia", "Tanaka"]
STREETS = [("1423 Oak Street", "Springfield, IL 62704"), ("88 Harbor View Road", "Portland, ME 04101"),
           ("Lindenstraße 17", "10969 Berlin"), ("12 rue des Lilas", "69003 Lyon"),
           ("Calle de Alcalá 210", "28028 Madrid"), ("402 W 57th St, Apt 5B", "New York, NY 10019"),
           ("7 Kingfisher Close", "Cambridge CB4 1XL"), ("55 Maple Avenue", "Austin, TX 78704")]
DOMAINS = ["gmail.com", "outlook.com", "mail.proton.me", "web.de"]  # real providers, made-up people: the
# documentation domains (example.*) are allow-listed by de-identification and would stay visible


def name():
    return R.choice(FIRST) + " " + R.choice(LAST)


def email(full=None):
    full = full or name()
    f, l = full.lower().split(" ", 1)
    sep = R.choice([".", "_", ""])
    return f"{f}{sep}{l}{R.choice(['', str(R.randint(1, 99))])}@{R.choice(DOMAINS)}".replace("ß", "ss")


def phone():
    kind = R.randrange(6)
    if kind == 0:
        return f"({R.choice([415, 212, 312, 617, 206])}) 555-01{R.randint(0, 99):02d}"
    if kind == 1:
        return f"+1 {R.choice([646, 503, 737])}-555-01{R.randint(0, 99):02d}"
    if kind == 2:
        return f"+44 20 7946 0{R.randint(0, 999):03d}"
    if kind == 3:
        return f"+49 30 {R.randint(1000, 9999)} {R.randint(1000, 9999)}"
    if kind == 4:
        return f"+33 6 {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)}"
    return f"+34 6{R.randint(10, 99)} {R.randint(100, 999)} {R.randint(100, 999)}"


def luhn_digit(partial):
    s = 0
    for i, d in enumerate(reversed(partial)):
        d = int(d)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return str((10 - s % 10) % 10)


def card():
    prefix = R.choice(["4", "4", "51", "55", "37"])
    length = 15 if prefix == "37" else 16
    body = prefix + "".join(str(R.randint(0, 9)) for _ in range(length - 1 - len(prefix)))
    num = body + luhn_digit(body)
    style = R.randrange(3)
    if length == 15:
        return num if style == 0 else f"{num[:4]} {num[4:10]} {num[10:]}"
    if style == 0:
        return num
    sep = " " if style == 1 else "-"
    return sep.join(num[i:i + 4] for i in range(0, 16, 4))


def iban():
    country, bban = R.choice([
        ("DE", lambda: "".join(str(R.randint(0, 9)) for _ in range(18))),
        ("FR", lambda: "".join(str(R.randint(0, 9)) for _ in range(23))),
        ("ES", lambda: "".join(str(R.randint(0, 9)) for _ in range(20))),
        ("GB", lambda: R.choice(["NWBK", "BARC", "MIDL"]) + "".join(str(R.randint(0, 9)) for _ in range(14))),
    ])
    bban = bban()
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    raw = f"{country}{check:02d}{bban}"
    if R.random() < 0.5:
        return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    return raw


def iban_valid(s):
    s = s.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def ssn():
    area = R.randint(1, 665)
    return f"{area:03d}-{R.randint(1, 99):02d}-{R.randint(1, 9999):04d}"


def ipv4():
    return R.choice([f"81.2.69.{R.randint(1, 254)}", f"89.160.20.{R.randint(1, 254)}",
                     f"192.168.{R.randint(0, 9)}.{R.randint(2, 250)}"])


def ipv6():
    return f"2a01:4f8:{R.randint(0, 0xffff):x}:{R.randint(0, 0xffff):x}::{R.randint(1, 0xfff):x}"


def aws_key():
    al = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "AKIA" + "".join(R.choice(al) for _ in range(16))


def aws_secret():
    al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
    return "".join(R.choice(al) for _ in range(40))


