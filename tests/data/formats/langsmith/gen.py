#!/usr/bin/env python3
"""gen.py: writes the LangSmith fixtures of this folder (run it here; the output is committed).

Shapes from: the LangSmith run data format (docs.langchain.com/langsmith/run-data-format: id,
name, run_type, start_time, end_time, inputs, outputs, extra.metadata, extra.invocation_params,
trace_id, parent_run_id, dotted_order, session_id = the project, tags, error, status);
log-llm-trace (inputs.messages in LangChain, OpenAI or Anthropic format); LangChain's
serialization (dumpd: {"lc":1,"type":"constructor","id":["langchain","schema","messages",
"HumanMessage"],"kwargs":{...}}), LLMResult generations and AIMessage tool_calls
[{name,args,id,type:"tool_call"}], as in the LangChainSerialisedPrompt_Langsmith and
LangChainGenerations_Langsmith cases of SigNoz's genaimessages normalize tests; threads by
metadata thread_id / session_id / conversation_id."""
import json


def lc(cls, **kw):
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", cls], "kwargs": kw}


def run(rid, trace, rtype, name, start, end, inputs, outputs, parent=None, meta=None, inv=None, order=None, **extra):
    r = {"id": rid, "name": name, "run_type": rtype, "start_time": start, "end_time": end, "inputs": inputs,
         "outputs": outputs, "trace_id": trace, "parent_run_id": parent,
         "dotted_order": order or ("20260301T100000000000Z" + trace + ("." + start.replace("-", "").replace(":", "") + "Z" + rid if parent else "")),
         "session_id": "5c0a7f2e-0000-4000-8000-00000000proj", "extra": {"metadata": meta or {}, "runtime": {"sdk": "langsmith-py", "sdk_version": "0.3.45"}},
         "tags": ["prod"], "error": None, "status": "success", "events": []}
    if inv:
        r["extra"]["invocation_params"] = inv
    r.update(extra)
    return r


SYS = lc("SystemMessage", content="You are a weather assistant.", type="system")
HUM = lc("HumanMessage", content="What's the weather in Lyon?", type="human")
AI_CALL = lc("AIMessage", content="", type="ai", tool_calls=[{"name": "get_weather", "args": {"city": "Lyon"}, "id": "call_w1", "type": "tool_call"}],
             invalid_tool_calls=[], additional_kwargs={"tool_calls": [{"id": "call_w1", "type": "function",
                                                                         "function": {"name": "get_weather", "arguments": "{\"city\": \"Lyon\"}"}}]})
TOOL = lc("ToolMessage", content="14C, cloudy", type="tool", tool_call_id="call_w1", name="get_weather")
AI_TEXT = lc("AIMessage", content="It is 14C and cloudy in Lyon.", type="ai", tool_calls=[], invalid_tool_calls=[],
             response_metadata={"model_name": "gpt-4o-2024-08-06", "finish_reason": "stop"})
HUM2 = lc("HumanMessage", content="And tomorrow?", type="human")
AI_TEXT2 = lc("AIMessage", content="Tomorrow looks sunny, 18C.", type="ai", tool_calls=[], invalid_tool_calls=[])
META = {"thread_id": "th-lyon", "ls_provider": "openai", "ls_model_name": "gpt-4o", "ls_model_type": "chat"}
INV = {"model": "gpt-4o", "model_name": "gpt-4o", "temperature": 0.0, "_type": "openai-chat",
       "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}


def gen(msg):
    return {"generations": [[{"text": msg["kwargs"]["content"], "generation_info": {"finish_reason": "stop"},
                              "type": "ChatGeneration", "message": msg}]],
            "llm_output": {"model_name": "gpt-4o-2024-08-06"}, "run": None, "type": "LLMResult"}


A = "0192a000-0000-7000-8000-00000000000a"
B = "0192a000-0000-7000-8000-00000000000b"
runs = [
    run(A, A, "chain", "agent", "2026-03-01T10:00:00.000000", "2026-03-01T10:00:06.000000",
        {"input": "What's the weather in Lyon?"}, {"output": "It is 14C and cloudy in Lyon."}, meta={"thread_id": "th-lyon"}),
    run("0192a000-0000-7000-8000-0000000000a1", A, "llm", "ChatOpenAI", "2026-03-01T10:00:01.000000", "2026-03-01T10:00:02.000000",
        {"messages": [[SYS, HUM]]}, gen(AI_CALL), parent=A, meta=META, inv=INV),
    run("0192a000-0000-7000-8000-0000000000a2", A, "tool", "get_weather", "2026-03-01T10:00:02.100000", "2026-03-01T10:00:02.400000",
        {"input": "{'city': 'Lyon'}"}, {"output": TOOL}, parent=A, meta={"thread_id": "th-lyon"}),
    run("0192a000-0000-7000-8000-0000000000a3", A, "llm", "ChatOpenAI", "2026-03-01T10:00:03.000000", "2026-03-01T10:00:05.000000",
        {"messages": [[SYS, HUM, AI_CALL, TOOL]]}, gen(AI_TEXT), parent=A, meta=META, inv=INV),
    # the next turn of the thread, in a new trace: the whole conversation
    run(B, B, "chain", "agent", "2026-03-01T10:10:00.000000", "2026-03-01T10:10:03.000000",
        {"input": "And tomorrow?"}, {"output": "Tomorrow looks sunny, 18C."}, meta={"thread_id": "th-lyon"}),
    run("0192a000-0000-7000-8000-0000000000b1", B, "llm", "ChatOpenAI", "2026-03-01T10:10:01.000000", "2026-03-01T10:10:02.000000",
        {"messages": [[SYS, HUM, AI_CALL, TOOL, AI_TEXT, HUM2]]}, gen(AI_TEXT2), parent=B, meta=META, inv=INV),
    # wrap_openai: the request and the ChatCompletion as the client saw them
    run("0192a000-0000-7000-8000-00000000000c", "0192a000-0000-7000-8000-00000000000c", "llm", "ChatOpenAI",
        "2026-03-01T11:00:00.000000", "2026-03-01T11:00:01.000000",
        {"messages": [{"role": "user", "content": "Summarize: the meeting moved to 3pm."}], "model": "gpt-4o-mini", "temperature": 0},
        {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
         "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Meeting now at 3pm."}}],
         "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}},
        meta={"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"}),
    # wrap_anthropic: system apart, content blocks, thinking
    run("0192a000-0000-7000-8000-00000000000d", "0192a000-0000-7000-8000-00000000000d", "llm", "ChatAnthropic",
        "2026-03-01T12:00:00.000000", "2026-03-01T12:00:03.000000",
        {"system": "Be brief.", "messages": [{"role": "user", "content": [{"type": "text", "text": "Capital of Peru?"}]}],
         "model": "claude-sonnet-4-20250514", "max_tokens": 1024},
        {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
         "content": [{"type": "thinking", "thinking": "Peru's capital is Lima.", "signature": "Eq0B"},
                     {"type": "text", "text": "Lima."}], "stop_reason": "end_turn"},
        meta={"ls_provider": "anthropic"}),
    # a completion (non-chat) LLM run, found by dotted_order only
    {"id": "0192a000-0000-7000-8000-00000000000e", "name": "OpenAI", "run_type": "llm",
     "start_time": "2026-03-01T13:00:00.000000", "end_time": "2026-03-01T13:00:01.000000",
     "inputs": {"prompts": ["Q: 2+2?\nA:"]}, "outputs": {"generations": [[{"text": " 4", "generation_info": None, "type": "Generation"}]],
                                                        "llm_output": {"model_name": "gpt-3.5-turbo-instruct"}},
     "dotted_order": "20260301T130000000000Z0192a000-0000-7000-8000-00000000000e", "parent_run_id": None,
     "extra": {"invocation_params": {"model_name": "gpt-3.5-turbo-instruct"}}},
    # a failed call: no outputs, an error
    run("0192a000-0000-7000-8000-00000000000f", "0192a000-0000-7000-8000-00000000000f", "llm", "ChatOpenAI",
        "2026-03-01T14:00:00.000000", "2026-03-01T14:00:30.000000", {}, None, error="RateLimitError", status="error"),
    # a retriever run alone
    run("0192a000-0000-7000-8000-000000000010", "0192a000-0000-7000-8000-000000000010", "retriever", "docs",
        "2026-03-01T15:00:00.000000", "2026-03-01T15:00:00.500000", {"query": "refund policy"}, {"documents": []}),
]

with open("runs.jsonl", "w", encoding="utf-8") as f:
    for r in runs:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
with open("runs.json", "w", encoding="utf-8") as f:  # the same runs as one JSON array
    json.dump(runs[6:9], f, indent=1)
    f.write("\n")
with open("broken.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps(runs[6]) + "\n")
    f.write(json.dumps({"id": "x", "name": "y"}) + "\n")
    bad = dict(runs[7], id="0192a000-0000-7000-8000-0000000000ff", trace_id="0192a000-0000-7000-8000-0000000000ff",
               inputs={"messages": [[lc("RemoveMessage", id="m1")]]})
    f.write(json.dumps(bad) + "\n")
