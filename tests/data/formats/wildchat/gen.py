#!/usr/bin/env python3
"""gen.py: writes the WildChat and LMSYS-Chat-1M fixtures of this folder (run it here).

Shapes from the hub dataset cards: allenai/WildChat-1M README (top-level conversation_hash,
model, timestamp, conversation, turn, language, openai_moderation, detoxify_moderation, toxic,
redacted, state, country, hashed_ip, header; each conversation entry {content, role,
language, redacted, toxic, timestamp, turn_identifier, country, state, hashed_ip, header};
openai_moderation one {categories, category_scores, flagged} per message), allenai/WildChat
(v1: conversation_id), lmsys/lmsys-chat-1m (conversation_id, model, conversation
[{content, role}], turn, language, openai_moderation, redacted). Rows as JSON the way
datasets/pandas write them (timestamps as epoch milliseconds in JSON Lines)."""
import json

CATS = ["harassment", "harassment/threatening", "hate", "hate/threatening", "self-harm", "self-harm/instructions",
        "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic"]


def mod(*flags):
    cats = {c: c in flags for c in CATS}
    return {"categories": cats, "category_scores": {c: (0.91 if c in flags else 0.0004) for c in CATS},
            "flagged": bool(flags)}


def detox(tox=0.001):
    return {"identity_attack": 0.0001, "insult": 0.0003, "obscene": 0.0002, "severe_toxicity": 0.00001,
            "sexual_explicit": 0.0001, "threat": 0.0001, "toxicity": tox}


def msg(role, content, ts, tid):
    return {"content": content, "role": role, "language": "English", "redacted": False, "toxic": False,
            "timestamp": ts, "turn_identifier": tid, "country": "United States", "state": "Oregon",
            "hashed_ip": "6f3b0c" + str(tid), "header": {"accept-language": "en-US,en;q=0.9", "user-agent": "Mozilla/5.0"}}


def wildchat_1m():
    t = 1680998573000
    rows = [
        {"conversation_hash": "c0ffee00000000000000000000000001", "model": "gpt-3.5-turbo-0301", "timestamp": t,
         "conversation": [msg("user", "Write a haiku about rain.", t, 101), msg("assistant", "Soft rain on the roof\nthe gutters hum a slow tune\nthe city exhales", t + 4000, 101)],
         "turn": 1, "language": "English", "openai_moderation": [mod(), mod()], "detoxify_moderation": [detox(), detox()],
         "toxic": False, "redacted": False, "state": "Oregon", "country": "United States", "hashed_ip": "6f3b0c101",
         "header": {"accept-language": "en-US,en;q=0.9", "user-agent": "Mozilla/5.0"}},
        {"conversation_hash": "c0ffee00000000000000000000000002", "model": "gpt-4-0314", "timestamp": t + 60000,
         "conversation": [msg("user", "Insult my coworker for me.", t + 60000, 102),
                          msg("assistant", "Your coworker is a [insult].", t + 62000, 102),
                          msg("user", "Harsher.", t + 70000, 103),
                          msg("assistant", "I won't write threats.", t + 72000, 103)],
         "turn": 2, "language": "English", "openai_moderation": [mod(), mod("harassment"), mod(), mod()],
         "detoxify_moderation": [detox(), detox(0.83), detox(), detox()],
         "toxic": True, "redacted": False, "state": None, "country": "Germany", "hashed_ip": "aa01",
         "header": {"accept-language": "de-DE", "user-agent": "Mozilla/5.0"}},
        {"conversation_hash": "c0ffee00000000000000000000000003", "model": "gpt-3.5-turbo-0613", "timestamp": t + 120000,
         "conversation": [msg("user", "Describe a violent battle scene.", t + 120000, 104),
                          msg("assistant", "The blades clashed and blood ran in the mud.", t + 121000, 104)],
         "turn": 1, "language": "English", "openai_moderation": [mod("violence"), mod("violence", "violence/graphic")],
         "detoxify_moderation": [detox(), detox(0.2)],
         "toxic": True, "redacted": True, "state": None, "country": "France", "hashed_ip": "bb02",
         "header": {"accept-language": "fr-FR", "user-agent": "Mozilla/5.0"}},
    ]
    return rows


def lmsys():
    return [
        {"conversation_id": "33f01939a744455c869cb234afca47f1", "model": "vicuna-13b",
         "conversation": [{"content": "how can identity protection services help protect me against identity theft", "role": "user"},
                          {"content": "Identity protection services can help by monitoring your credit reports.", "role": "assistant"}],
         "turn": 1, "language": "English", "openai_moderation": [mod(), mod()], "redacted": False},
        {"conversation_id": "1e230e55efea4edab95db9cb87f6a9cb", "model": "koala-13b",
         "conversation": [{"content": "Tell me a dirty joke.", "role": "user"},
                          {"content": "[explicit joke]", "role": "assistant"}],
         "turn": 1, "language": "English", "openai_moderation": [mod("sexual"), mod("sexual")], "redacted": True},
        {"conversation_id": "5b4e7f2c9a1d4e3f8b6a2c1d0e9f8a7b", "model": "gpt-4",
         "conversation": [{"content": "Hi", "role": "user"}, {"content": "Hello! How can I help?", "role": "assistant"},
                          {"content": "Bye", "role": "user"}, {"content": "Goodbye!", "role": "assistant"}],
         "turn": 2, "language": "English", "openai_moderation": [mod(), mod(), mod()], "redacted": False},
    ]


with open("wildchat-1m.jsonl", "w", encoding="utf-8") as f:
    for r in wildchat_1m():
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
with open("wildchat-v1.json", "w", encoding="utf-8") as f:  # v1 rows as one JSON array
    rows = wildchat_1m()[:2]
    for r in rows:
        r["conversation_id"] = r.pop("conversation_hash")
        r["timestamp"] = "2023-04-09 00:02:53+00:00"
        for m in r["conversation"]:
            for k in ("turn_identifier", "header", "state", "hashed_ip", "country", "timestamp"):
                m.pop(k, None)
    json.dump(rows, f, indent=1)
    f.write("\n")
with open("lmsys.jsonl", "w", encoding="utf-8") as f:
    for r in lmsys():
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
