#!/usr/bin/env python3
"""gen.py: writes the Langfuse fixtures of this folder (run it here; the output is committed).

Shapes from: langfuse/langfuse-docs blob-storage-export-fields.mdx (observations_v2 columns,
snake_case, input/output as text, timestamps "YYYY-MM-DD HH:MM:SS.ffffff", CSV: every value
text, objects and arrays as JSON text, null empty); the public API's observation and trace
objects (camelCase, input/output as values, GET /api/public/traces/{id} with observations,
list pages {"data","meta"}); input/output payloads as SDK integrations log them (OpenAI
messages and assistant message, Anthropic request and response, plain text), cf. the shapes
collected in SigNoz pkg/.../genaimessages normalize tests."""
import csv
import io
import json

COLS = ["id", "trace_id", "project_id", "environment", "type", "parent_observation_id", "start_time", "end_time",
        "name", "metadata", "level", "status_message", "version", "input", "output", "provided_model_name",
        "model_parameters", "usage_details", "cost_details", "completion_start_time", "prompt_name",
        "prompt_version", "total_cost", "latency", "time_to_first_token", "model_id", "created_at", "updated_at",
        "prompt_id", "tool_calls", "tool_call_names", "tool_definitions", "user_id", "session_id", "trace_name",
        "tags", "release", "bookmarked", "public"]

SYS = {"role": "system", "content": "You are the support bot of Acme."}
U1 = {"role": "user", "content": "Where is my order 1234?"}
CALL = {"role": "assistant", "content": None, "tool_calls": [
    {"id": "call_o1", "type": "function", "function": {"name": "order_status", "arguments": "{\"order\":\"1234\"}"}}]}
RES = {"role": "tool", "tool_call_id": "call_o1", "content": "{\"status\":\"shipped\"}"}
A1 = {"role": "assistant", "content": "Order 1234 has shipped."}
U2 = {"role": "user", "content": "When will it arrive?"}
A2 = {"role": "assistant", "content": "It should arrive on Friday."}
TOOLDEF = {"order_status": {"description": "Look up an order", "parameters": {"type": "object"}}}
TOOLS = [{"type": "function", "function": {"name": "order_status", "parameters": {"type": "object"}}}]


def row(id, trace, typ, start, end, name, inp="", out="", model="", session="", parent="", tools=None, trace_name="support"):
    r = {c: "" for c in COLS}
    r.update({"id": id, "trace_id": trace, "project_id": "proj-1", "environment": "production", "type": typ,
              "parent_observation_id": parent, "start_time": start, "end_time": end, "name": name,
              "metadata": {}, "level": "DEFAULT", "input": inp, "output": out, "provided_model_name": model,
              "model_parameters": json.dumps({"temperature": 0.2}) if model else "", "usage_details": {},
              "cost_details": {}, "tool_calls": [], "tool_call_names": [], "tool_definitions": tools or {},
              "user_id": "u-77", "session_id": session, "trace_name": trace_name, "tags": ["web"],
              "release": "2026.11.3", "bookmarked": False, "public": False, "version": "",
              "created_at": start, "updated_at": start})
    return r


def observations():
    j = json.dumps
    return [
        row("t1-root", "t1", "SPAN", "2026-11-02 10:00:00.000000", "2026-11-02 10:00:09.000000", "handle-message",
            session="sess-9"),
        row("t1-g1", "t1", "GENERATION", "2026-11-02 10:00:01.100000", "2026-11-02 10:00:02.000000", "chat",
            j([SYS, U1]), j(CALL), "gpt-4o-2024-08-06", "sess-9", "t1-root", tools=TOOLDEF),
        row("t1-tool", "t1", "TOOL", "2026-11-02 10:00:02.100000", "2026-11-02 10:00:02.300000", "order_status",
            j({"order": "1234"}), j({"status": "shipped"}), session="sess-9", parent="t1-root"),
        row("t1-g2", "t1", "GENERATION", "2026-11-02 10:00:02.500000", "2026-11-02 10:00:03.000000", "chat",
            j([SYS, U1, CALL, RES]), j(A1), "gpt-4o-2024-08-06", "sess-9", "t1-root", tools=TOOLDEF),
        row("t2-g1", "t2", "GENERATION", "2026-11-02 10:05:00.000000", "2026-11-02 10:05:01.000000", "chat",
            j([SYS, U1, CALL, RES, A1, U2]), j(A2), "gpt-4o-2024-08-06", "sess-9", tools=TOOLDEF),
        row("t3-g1", "t3", "GENERATION", "2026-11-02 11:00:00.000000", "2026-11-02 11:00:00.500000", "translate",
            "Translate 'hello' to French", "Bonjour", "gpt-4o-mini", trace_name="translate"),
        row("t4-g1", "t4", "GENERATION", "2026-11-02 12:00:00.000000", "2026-11-02 12:00:00.100000", "chat",
            "", "", "gpt-4o-mini"),
        row("t5-e1", "t5", "EVENT", "2026-11-02 12:30:00.000000", "", "user-feedback"),
        row("t6-g1", "t6", "GENERATION", "2026-11-02 13:00:00.000000", "2026-11-02 13:00:04.000000", "claude",
            j({"system": "Answer in one sentence.", "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Why is the sky blue?"}]}]}),
            j({"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
               "content": [{"type": "thinking", "thinking": "Rayleigh scattering.", "signature": "EqQBCgIYAhIM"},
                           {"type": "text", "text": "Air scatters blue light more than red."}],
               "stop_reason": "end_turn"}), "claude-sonnet-4-20250514", trace_name="qa"),
    ]


def jsonl_rows():
    out = []
    for r in observations():
        out.append(json.dumps(r, ensure_ascii=False))
    return out


def csv_text():
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLS)
    for r in observations():
        vals = []
        for c in COLS:
            v = r[c]
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, (dict, list)):
                v = json.dumps(v)
            vals.append(v)
        w.writerow(vals)
    return buf.getvalue()


def camel(r):
    """The API's camelCase observation, input/output as values."""
    def val(s):
        try:
            return json.loads(s) if s else None
        except ValueError:
            return s
    return {"id": r["id"], "traceId": r["trace_id"], "type": r["type"], "name": r["name"],
            "startTime": r["start_time"].replace(" ", "T") + "Z", "endTime": (r["end_time"].replace(" ", "T") + "Z") if r["end_time"] else None,
            "completionStartTime": None, "model": r["provided_model_name"] or None,
            "modelParameters": {"temperature": 0.2}, "input": val(r["input"]), "output": val(r["output"]),
            "metadata": {}, "level": "DEFAULT", "statusMessage": None, "parentObservationId": r["parent_observation_id"] or None,
            "promptId": None, "usageDetails": {"input": 10, "output": 5}, "environment": "production"}


with open("observations.jsonl", "w", encoding="utf-8") as f:
    f.write("\n".join(jsonl_rows()) + "\n")
with open("observations.csv", "w", encoding="utf-8", newline="") as f:
    f.write(csv_text())
obs = observations()
with open("api-page.json", "w", encoding="utf-8") as f:
    json.dump({"data": [camel(r) for r in obs[:5]], "meta": {"page": 1, "limit": 50, "totalItems": 5, "totalPages": 1}}, f, indent=2)
    f.write("\n")
with open("trace.json", "w", encoding="utf-8") as f:
    json.dump({"id": "t1", "timestamp": "2026-11-02T10:00:00.000Z", "name": "support", "input": "Where is my order 1234?",
               "output": "Order 1234 has shipped.", "sessionId": "sess-9", "userId": "u-77", "release": "2026.11.3",
               "tags": ["web"], "environment": "production", "observations": [camel(r) for r in obs[:4]],
               "scores": []}, f, indent=2)
    f.write("\n")
with open("broken.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps(obs[5]) + "\n")
    f.write("[1, 2, 3]\n")
    bad = dict(obs[5], id="t7-g1", trace_id="t7", input=json.dumps({"weird": {"shape": 1}}))
    f.write(json.dumps(bad) + "\n")
    f.write('{"id": "t8-g1", "trace_id": \n')
