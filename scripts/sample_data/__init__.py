"""sample_data: the parts of scripts/gen-sample.py (pii, chats, agents)."""
