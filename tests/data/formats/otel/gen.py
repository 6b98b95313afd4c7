#!/usr/bin/env python3
"""gen.py: writes the OTLP/JSON fixtures of this folder (run it here; the output is committed).

Shapes from: the OTLP File Exporter spec (one TracesData per line) and
open-telemetry/opentelemetry-proto examples/trace.json (field names, ids as hex, uint64 times as
strings, AnyValue kinds); GenAI semconv examples-llm-calls.md (tool-call spans 1 and 2,
system instructions, reasoning) and gen-ai-input-messages.json; legacy per-message events
(semconv 1.28 gen-ai-events.md: gen_ai.user.message, gen_ai.choice; gen_ai.event.content as
the Azure SDKs and Semantic Kernel write it); OpenInference spec/semantic_conventions.md and
llm_spans.md (llm.input_messages.N.message.*, tool_calls, llm.tools.N.tool.json_schema);
OpenLLMetry semconv_ai (gen_ai.prompt.N.*, gen_ai.completion.N.tool_calls.M.*,
llm.request.functions.N.*); the Vercel AI SDK telemetry docs (ai.generateText and its
doGenerate spans: ai.prompt.messages, ai.response.text, ai.response.toolCalls, ai.prompt.tools,
ai.model.id); Google ADK's telemetry (call_llm spans: gcp.vertex.agent.llm_request and
llm_response as JSON text, gcp.vertex.agent.session_id)."""
import json


def av(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [av(x) for x in v]}}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": av(x)} for k, x in v.items()]}}
    raise TypeError(v)


def kvs(d):
    return [{"key": k, "value": av(v)} for k, v in d.items()]


def span(trace, sid, name, attrs, start, end=None, parent=None, events=None):
    s = {"traceId": trace, "spanId": sid, "name": name, "kind": 3,
         "startTimeUnixNano": str(start), "endTimeUnixNano": str(end or start + 1_000_000_000),
         "attributes": kvs(attrs), "status": {}}
    if parent:
        s["parentSpanId"] = parent
    if events:
        s["events"] = events
    return s


def td(spans, service="chat-api", deployment="production", scope="opentelemetry.instrumentation.openai_v2"):
    return {"resourceSpans": [{"resource": {"attributes": kvs({"service.name": service, "service.version": "1.4.2",
                                                                  "deployment.environment.name": deployment})},
                               "scopeSpans": [{"scope": {"name": scope, "version": "2.1b0"}, "spans": spans}]}]}


T0 = 1735689600_000_000_000  # 2025-01-01T00:00:00Z
W = "call_VSPygqKTWdrhaFErNvMV18Yl"
CHAT = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4",
        "gen_ai.response.model": "gpt-4-0613"}
TOOLS = [{"type": "function", "name": "get_weather", "description": "Get the weather in a given location",
          "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}]


def semconv():
    t1 = "4bf92f3577b34da6a3ce929d0e0e4736"
    in1 = [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
    out1 = [{"role": "assistant", "parts": [{"type": "tool_call", "id": W, "name": "get_weather",
                                              "arguments": {"location": "Paris"}}], "finish_reason": "tool_call"}]
    in2 = in1 + [{"role": "assistant", "parts": out1[0]["parts"]},
                 {"role": "tool", "parts": [{"type": "tool_call_response", "id": W, "response": "rainy, 57°F"}]}]
    out2 = [{"role": "assistant", "parts": [{"type": "text", "content": "The weather in Paris is currently rainy with a temperature of 57°F."}],
             "finish_reason": "stop"}]
    lines = []
    # trace 1, batch 1: root span, chat span 1 (structured), the tool span
    lines.append(td([
        span(t1, "aa00000000000001", "invoke_agent weather", {"gen_ai.operation.name": "invoke_agent"}, T0, T0 + 9_000_000_000),
        span(t1, "aa00000000000002", "chat gpt-4", dict(CHAT, **{"gen_ai.input.messages": in1, "gen_ai.output.messages": out1,
                                                                  "gen_ai.tool.definitions": TOOLS}), T0 + 1_000_000_000,
             parent="aa00000000000001"),
        span(t1, "aa00000000000003", "execute_tool get_weather", {"gen_ai.operation.name": "execute_tool",
             "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": W}, T0 + 3_000_000_000, parent="aa00000000000001"),
    ]))
    # a batch with only an HTTP span of another service
    lines.append(td([span("5b8efff798038103d269b633813fc60c", "bb00000000000001", "GET /health",
                          {"http.request.method": "GET"}, T0)], service="gateway"))
    # trace 1, batch 2: chat span 2 (messages as JSON text), its conversation repeats span 1's
    lines.append(td([span(t1, "aa00000000000004", "chat gpt-4", dict(CHAT, **{"gen_ai.input.messages": json.dumps(in2),
                                                                               "gen_ai.output.messages": json.dumps(out2)}),
                          T0 + 5_000_000_000, parent="aa00000000000001")]))
    # trace 2: system instructions, reasoning, two choices
    t2 = "0af7651916cd43dd8448eb211c80319c"
    lines.append(td([span(t2, "cc00000000000001", "chat gpt-4", dict(CHAT, **{
        "gen_ai.system_instructions": [{"type": "text", "content": "You must never tell jokes"}],
        "gen_ai.input.messages": [{"role": "system", "parts": [{"type": "text", "content": "You are a helpful bot"}]},
                                  {"role": "user", "parts": [{"type": "text", "content": "Tell me a joke about OpenTelemetry"}]}],
        "gen_ai.output.messages": [
            {"role": "assistant", "parts": [{"type": "reasoning", "content": "The user wants a joke; the instructions forbid it."},
                                            {"type": "text", "content": "I'm sorry, but I can't assist with that"}], "finish_reason": "stop"},
            {"role": "assistant", "parts": [{"type": "text", "content": "No jokes today."}], "finish_reason": "stop"}]}),
        T0 + 60_000_000_000)], deployment="staging"))
    # trace 3: content capture off
    lines.append(td([span("1f2e3d4c5b6a79881f2e3d4c5b6a7988", "dd00000000000001", "chat gpt-4", CHAT, T0 + 120_000_000_000)]))
    # a session over two traces (session.id on the root span only): the later trace holds it all
    s1, s2 = "9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a01", "9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a02"
    u1 = [{"role": "user", "parts": [{"type": "text", "content": "Hi, I need a refund."}]}]
    a1 = [{"role": "assistant", "parts": [{"type": "text", "content": "Sure, what is the order number?"}]}]
    u2 = u1 + a1 + [{"role": "user", "parts": [{"type": "text", "content": "It is 1234."}]}]
    a2 = [{"role": "assistant", "parts": [{"type": "text", "content": "Refund issued for order 1234."}]}]
    for tr, base, inp, out in ((s1, 200, u1, a1), (s2, 300, u2, a2)):
        lines.append(td([
            span(tr, tr[-4:] + "000000000001", "conversation turn", {"session.id": "sess-42"}, T0 + base * 1_000_000_000),
            span(tr, tr[-4:] + "000000000002", "chat gpt-4", dict(CHAT, **{"gen_ai.input.messages": inp,
                                                                           "gen_ai.output.messages": out}),
                 T0 + (base + 1) * 1_000_000_000, parent=tr[-4:] + "000000000001"),
        ]))
    # a side call in trace 1's conversation: a title, not a prefix of the main call
    lines.append(td([span(t1, "aa00000000000005", "chat gpt-4o-mini", dict(CHAT, **{
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "Title for: Weather in Paris?"}]}],
        "gen_ai.output.messages": [{"role": "assistant", "parts": [{"type": "text", "content": "Paris weather"}]}]}),
        T0 + 2_000_000_000, parent="aa00000000000001")]))
    return lines


def events():
    tr = "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"
    ev = lambda name, body, **attrs: {"name": name, "timeUnixNano": str(T0),
                                      "attributes": kvs(dict({"gen_ai.system": "az.ai.inference"}, **attrs,
                                                             **({"gen_ai.event.content": json.dumps(body)} if body is not None else {})))}
    s = span(tr, "ee00000000000001", "chat gpt-4o", {"gen_ai.operation.name": "chat", "gen_ai.system": "az.ai.inference",
                                                     "gen_ai.request.model": "gpt-4o"}, T0,
             events=[ev("gen_ai.system.message", {"role": "system", "content": "You are a weather bot."}),
                     ev("gen_ai.user.message", {"role": "user", "content": "Weather in Oslo?"}),
                     ev("gen_ai.assistant.message", {"role": "assistant", "tool_calls": [
                         {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]}),
                     ev("gen_ai.tool.message", {"role": "tool", "id": "call_1", "content": "-3C, snow"}),
                     ev("gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {"content": "It is -3C and snowing in Oslo."}})])
    # body fields as event attributes (no gen_ai.event.content), older Python instrumentation
    tr2 = "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2"
    s2 = span(tr2, "ee00000000000002", "chat gpt-4o-mini", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"},
              T0 + 10_000_000_000,
              events=[{"name": "gen_ai.user.message", "attributes": kvs({"content": "Say hi"})},
                      {"name": "gen_ai.choice", "attributes": kvs({"index": 0, "finish_reason": "stop",
                                                                    "message": {"role": "assistant", "content": "Hi!"}})}])
    # semconv 1.26: gen_ai.content.prompt / gen_ai.content.completion events with JSON text
    tr3 = "e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3"
    s3 = span(tr3, "ee00000000000003", "chat claude", {"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-3-haiku"},
              T0 + 20_000_000_000,
              events=[{"name": "gen_ai.content.prompt", "attributes": kvs({"gen_ai.prompt": json.dumps([{"role": "user", "content": "2+2?"}])})},
                      {"name": "gen_ai.content.completion", "attributes": kvs({"gen_ai.completion": json.dumps([{"role": "assistant", "content": "4"}])})}])
    return [td([s], service="azure-bot"), td([s2, s3], service="py-bot")]


def openinference():
    tr = "0100000000000000000000000000aaaa"
    flat = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-2024-08-06", "llm.provider": "openai",
            "llm.system": "openai", "session.id": "oi-session-7",
            "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "You multiply.",
            "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "What is 23 times 87?",
            "llm.input_messages.2.message.role": "assistant",
            "llm.input_messages.2.message.tool_calls.0.tool_call.id": "call_m1",
            "llm.input_messages.2.message.tool_calls.0.tool_call.function.name": "multiply",
            "llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments": "{\n  \"a\": 23,\n  \"b\": 87\n}",
            "llm.input_messages.3.message.role": "tool", "llm.input_messages.3.message.tool_call_id": "call_m1",
            "llm.input_messages.3.message.content": "2001",
            "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "23 x 87 = 2001.",
            "llm.tools.0.tool.json_schema": json.dumps({"type": "function", "function": {"name": "multiply",
                                                        "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}}),
            "input.value": "{\"messages\": []}", "input.mime_type": "application/json",
            "llm.token_count.prompt": 61, "llm.token_count.completion": 9}
    s1 = span(tr, "0a00000000000001", "ChatCompletion", flat, T0)
    # nested form (the spec's display form) with typed contents and an image
    tr2 = "0100000000000000000000000000bbbb"
    nested = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
              "llm.input_messages": [{"message.role": "user", "message.contents": [
                  {"message_content.type": "text", "message_content.text": "What is in this image?"},
                  {"message_content.type": "image", "message_content.image.image.url": "https://example.com/cat.png"}]}],
              "llm.output_messages": [{"message.role": "assistant", "message.tool_calls": [
                  {"tool_call.id": "call_z", "tool_call.function.name": "describe", "tool_call.function.arguments": "{\"detail\":\"high\"}"}]}]}
    s2 = span(tr2, "0b00000000000001", "ChatCompletion", nested, T0 + 5_000_000_000)
    # a chain span and a retriever span (not model calls)
    s3 = span(tr, "0a00000000000002", "agent", {"openinference.span.kind": "CHAIN", "input.value": "What is 23 times 87?"}, T0 - 1_000_000_000)
    return [td([s3, s1], service="phoenix-app", scope="openinference.instrumentation.openai"),
            td([s2], service="phoenix-app", scope="openinference.instrumentation.openai")]


def openllmetry():
    tr = "7777777777777777777777777777aaaa"
    a = {"llm.request.type": "chat", "gen_ai.system": "OpenAI", "gen_ai.request.model": "gpt-3.5-turbo",
         "gen_ai.response.model": "gpt-3.5-turbo-0125", "traceloop.association.properties.session_id": "tl-sess-1",
         "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "You are a travel agent.",
         "gen_ai.prompt.1.role": "user",
         "gen_ai.prompt.1.content": json.dumps([{"type": "text", "text": "Book me a flight to Rome"}]),
         "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.finish_reason": "tool_calls",
         "gen_ai.completion.0.tool_calls.0.id": "call_f1", "gen_ai.completion.0.tool_calls.0.name": "book_flight",
         "gen_ai.completion.0.tool_calls.0.arguments": "{\"to\":\"FCO\"}",
         "llm.request.functions.0.name": "book_flight", "llm.request.functions.0.description": "Books a flight",
         "llm.request.functions.0.parameters": json.dumps({"type": "object", "properties": {"to": {"type": "string"}}}),
         "gen_ai.usage.prompt_tokens": 40, "gen_ai.usage.completion_tokens": 12}
    s1 = span(tr, "7a00000000000001", "openai.chat", a, T0)
    b = dict((k, v) for k, v in a.items() if k.startswith(("llm.request.type", "gen_ai.system", "gen_ai.request", "gen_ai.response", "traceloop")))
    b.update({"gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "You are a travel agent.",
              "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": json.dumps([{"type": "text", "text": "Book me a flight to Rome"}]),
              "gen_ai.prompt.2.role": "assistant", "gen_ai.prompt.2.tool_calls.0.id": "call_f1",
              "gen_ai.prompt.2.tool_calls.0.name": "book_flight", "gen_ai.prompt.2.tool_calls.0.arguments": "{\"to\":\"FCO\"}",
              "gen_ai.prompt.3.role": "tool", "gen_ai.prompt.3.tool_call_id": "call_f1", "gen_ai.prompt.3.content": "booked AZ123",
              "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "You are booked on AZ123 to Rome.",
              "gen_ai.completion.0.finish_reason": "stop"})
    s2 = span("7777777777777777777777777777bbbb", "7b00000000000001", "openai.chat", b, T0 + 30_000_000_000)
    return [td([s1], service="travel", scope="opentelemetry.instrumentation.openai.v1"),
            td([s2], service="travel", scope="opentelemetry.instrumentation.openai.v1")]


def sdks():
    tr = "5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d01"
    msgs1 = [{"role": "system", "content": "You answer with the weather."},
             {"role": "user", "content": [{"type": "text", "text": "Weather in Madrid?"}]}]
    call = {"role": "assistant", "content": [{"type": "tool-call", "toolCallId": "call_v1", "toolName": "weather",
                                              "args": {"city": "Madrid"}}]}
    res = {"role": "tool", "content": [{"type": "tool-result", "toolCallId": "call_v1", "toolName": "weather",
                                        "result": {"tempC": 31}}]}
    common = {"ai.model.id": "gpt-4o-mini", "ai.model.provider": "openai.chat", "gen_ai.system": "openai.chat",
              "ai.prompt.format": "messages",
              "ai.prompt.tools": [json.dumps({"type": "function", "name": "weather", "description": "Weather",
                                              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}})]}
    outer = span(tr, "5a00000000000001", "ai.generateText", {"operation.name": "ai.generateText", "ai.model.id": "gpt-4o-mini",
                 "ai.prompt": json.dumps({"system": "You answer with the weather.", "prompt": "Weather in Madrid?"}),
                 "ai.response.text": "It is 31C in Madrid."}, T0, T0 + 4_000_000_000)
    step1 = span(tr, "5a00000000000002", "ai.generateText.doGenerate", dict(common, **{
        "operation.name": "ai.generateText.doGenerate", "ai.prompt.messages": json.dumps(msgs1),
        "ai.response.toolCalls": json.dumps([{"toolCallType": "function", "toolCallId": "call_v1", "toolName": "weather",
                                              "args": "{\"city\":\"Madrid\"}"}]),
        "ai.response.finishReason": "tool-calls"}), T0 + 100_000_000, T0 + 1_000_000_000, parent="5a00000000000001")
    step2 = span(tr, "5a00000000000003", "ai.generateText.doGenerate", dict(common, **{
        "operation.name": "ai.generateText.doGenerate", "ai.prompt.messages": json.dumps(msgs1 + [call, res]),
        "ai.response.text": "It is 31C in Madrid.", "ai.response.finishReason": "stop"}),
        T0 + 2_000_000_000, T0 + 3_000_000_000, parent="5a00000000000001")
    adk_tr = "adadadadadadadadadadadadadadad01"
    req = {"model": "gemini-2.0-flash", "config": {"system_instruction": "You are a helpful travel agent.", "tools": []},
           "contents": [{"role": "user", "parts": [{"text": "Find me a hotel in Porto."}]}]}
    resp = {"content": {"parts": [{"text": "Hotel Infante Sagres has rooms tonight."}], "role": "model"},
            "usage_metadata": {"candidates_token_count": 9, "prompt_token_count": 30}}
    adk = span(adk_tr, "ad00000000000001", "call_llm", {"gen_ai.system": "gcp.vertex.agent",
               "gen_ai.request.model": "gemini-2.0-flash", "gcp.vertex.agent.invocation_id": "e-1",
               "gcp.vertex.agent.session_id": "adk-session-3", "gcp.vertex.agent.llm_request": json.dumps(req),
               "gcp.vertex.agent.llm_response": json.dumps(resp)}, T0 + 50_000_000_000)
    return [td([outer, step1, step2], service="next-app", scope="ai"), td([adk], service="adk-agent", scope="gcp.vertex.agent")]


def write(name, lines):
    with open(name, "w", encoding="utf-8") as f:
        for l in lines:
            f.write(json.dumps(l, ensure_ascii=False) + "\n")


write("semconv.jsonl", semconv())
write("events.jsonl", events())
write("openinference.jsonl", openinference())
write("openllmetry.jsonl", openllmetry())
write("sdks.jsonl", sdks())
with open("document.json", "w", encoding="utf-8") as f:  # one pretty-printed TracesData
    json.dump(events()[0], f, indent=2)
    f.write("\n")
with open("broken.jsonl", "w", encoding="utf-8") as f:  # a good line, a bad one, a wrong shape
    f.write(json.dumps(openllmetry()[1]) + "\n")
    f.write('{"resourceSpans": [{"scopeSpans": [{"spans": [\n')
    f.write(json.dumps({"resourceSpans": {"not": "a list"}}) + "\n")
    f.write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "x"}]}]}]}) + "\n")
