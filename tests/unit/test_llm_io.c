/* test_llm_io.c: the converter of logged LLM inputs and outputs (lib/corpus/formats/llm_io.c,
 * llm_blocks.c) on one case per shape it reads, each raw value as an SDK or gateway logs it
 * (the cases follow the shapes collected in SigNoz's genaimessages normalize tests, OTel GenAI
 * examples, LangChain serialization, the OpenAI, Anthropic, Gemini and Bedrock APIs) and the
 * canonical messages expected; and the tool definitions it normalizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/base.h"
#include "corpus/formats/llm_io.h"

struct io_case {
  const char *name;
  bool output;
  const char *raw;
  const char *want; /* the canonical messages */
};

static const struct io_case cases[] = {
    {"semconv input", false,
     "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"Be brief.\"}]},"
     "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi\"}]}]",
     "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]"},
    {"semconv tool call and response", false,
     "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"w\",\"arguments\":{\"city\":\"B\"}}]},"
     "{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":\"c1\",\"response\":\"18C\"}]}]",
     "[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"B\\\"}\"}],"
     "\"content\":null},{\"role\":\"tool\",\"content\":\"18C\",\"tool_call_id\":\"c1\"}]"},
    {"semconv output, two choices", true,
     "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"reasoning\",\"content\":\"think\"},{\"type\":\"text\",\"content\":\"A\"}],"
     "\"finish_reason\":\"stop\"},{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"B\"}]}]",
     "[{\"role\":\"assistant\",\"reasoning\":\"think\",\"finish_reason\":\"stop\",\"content\":\"A\"}]"},
    {"semconv tool call id as [run, call] (Microsoft Agent Framework)", false,
     "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":[\"run_1\",\"call_9\"],\"name\":\"lookup\","
     "\"arguments\":{\"q\":\"x\"}}]},{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":[\"run_1\",\"call_9\"],"
     "\"response\":\"found\"}]}]",
     "[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_9\",\"name\":\"lookup\",\"arguments\":\"{\\\"q\\\":\\\"x\\\"}\"}],"
     "\"content\":null},{\"role\":\"tool\",\"content\":\"found\",\"tool_call_id\":\"call_9\"}]"},
    {"OpenAI chat request as JSON text", false,
     "\"{\\\"messages\\\":[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"Weather?\\\"},{\\\"content\\\":null,\\\"role\\\":"
     "\\\"assistant\\\",\\\"tool_calls\\\":[{\\\"id\\\":\\\"call_A\\\",\\\"function\\\":{\\\"arguments\\\":\\\"{}\\\",\\\"name\\\":"
     "\\\"w\\\"},\\\"type\\\":\\\"function\\\"}]},{\\\"role\\\":\\\"tool\\\",\\\"tool_call_id\\\":\\\"call_A\\\",\\\"content\\\":"
     "\\\"28C\\\"}],\\\"model\\\":\\\"gpt-4o-mini\\\"}\"",
     "[{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_A\",\"name\":\"w\","
     "\"arguments\":\"{}\"}],\"content\":null},{\"role\":\"tool\",\"content\":\"28C\",\"tool_call_id\":\"call_A\"}]"},
    {"OpenAI chat completion", true,
     "{\"id\":\"chatcmpl-1\",\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"content\":\"Hello!\","
     "\"refusal\":null,\"role\":\"assistant\"}}],\"model\":\"gpt-4o-mini\"}",
     "[{\"role\":\"assistant\",\"finish_reason\":\"stop\",\"content\":\"Hello!\"}]"},
    {"OpenAI Responses request", false,
     "{\"input\":[{\"content\":\"Weather in Bangalore?\",\"role\":\"user\"}],\"instructions\":\"Be concise.\","
     "\"model\":\"gpt-4o-mini\"}",
     "[{\"role\":\"developer\",\"content\":\"Be concise.\"},{\"role\":\"user\",\"content\":\"Weather in Bangalore?\"}]"},
    {"OpenAI Responses output: reasoning, message, function call", true,
     "{\"object\":\"response\",\"output\":[{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":\"summary_text\","
     "\"text\":\"Thinking\"}]},{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
     "\"text\":\"Checking.\"}]},{\"type\":\"function_call\",\"call_id\":\"call_M\",\"name\":\"w\",\"arguments\":"
     "\"{\\\"city\\\":\\\"B\\\"}\"}]}",
     "[{\"role\":\"assistant\",\"content\":\"Checking.\",\"reasoning\":\"Thinking\",\"tool_calls\":[{\"id\":\"call_M\","
     "\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"B\\\"}\"}]}]"},
    {"Anthropic request: system apart, thinking, tool_use, tool_result in the user turn", false,
     "{\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":"
     "[{\"type\":\"thinking\",\"thinking\":\"Let me see\",\"signature\":\"x\"},{\"type\":\"redacted_thinking\",\"data\":\"y\"},"
     "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"lookup\",\"input\":{\"q\":\"a\"}}]},{\"role\":\"user\",\"content\":"
     "[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":[{\"type\":\"text\",\"text\":\"line one\"},"
     "{\"type\":\"text\",\"text\":\"line two\"}],\"is_error\":true}]}]}",
     "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\","
     "\"reasoning\":\"Let me see\",\"reasoning_redacted\":true,\"tool_calls\":[{\"id\":\"toolu_1\",\"name\":\"lookup\","
     "\"arguments\":\"{\\\"q\\\":\\\"a\\\"}\"}],\"content\":null},{\"role\":\"tool\",\"content\":\"line one\\nline two\","
     "\"tool_call_id\":\"toolu_1\",\"is_error\":true}]"},
    {"Anthropic response", true,
     "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Lima.\"}],"
     "\"stop_reason\":\"end_turn\"}",
     "[{\"role\":\"assistant\",\"content\":\"Lima.\"}]"},
    {"Gemini request: system instruction in config, function call and response without ids", false,
     "{\"config\":{\"system_instruction\":\"Be brief.\"},\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather?\"}]},"
     "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"w\",\"args\":{\"city\":\"Paris\"}}}]},{\"role\":\"user\","
     "\"parts\":[{\"functionResponse\":{\"name\":\"w\",\"response\":{\"temp\":20}}}]}]}",
     "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\","
     "\"tool_calls\":[{\"id\":\"x-call-1\",\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}],\"content\":null},"
     "{\"role\":\"tool\",\"content\":\"{\\\"temp\\\":20}\",\"tool_call_id\":\"x-call-1\",\"name\":\"w\"}]"},
    {"Gemini response with a thought", true,
     "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Let me check\",\"thought\":true},{\"text\":\"Sunny.\"}],"
     "\"role\":\"model\"},\"finishReason\":\"STOP\"}]}",
     "[{\"role\":\"assistant\",\"reasoning\":\"Let me check\",\"content\":\"Sunny.\"}]"},
    {"Bedrock Converse request", false,
     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Weather?\"}]},{\"role\":\"assistant\",\"content\":"
     "[{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"w\",\"input\":{\"city\":\"Paris\"}}}]},{\"role\":\"user\",\"content\":"
     "[{\"toolResult\":{\"toolUseId\":\"t1\",\"content\":[{\"text\":\"20C\"}],\"status\":\"error\"}}]}],"
     "\"system\":[{\"text\":\"Be brief.\"}]}",
     "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\","
     "\"tool_calls\":[{\"id\":\"t1\",\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}],\"content\":null},"
     "{\"role\":\"tool\",\"content\":\"20C\",\"tool_call_id\":\"t1\",\"is_error\":true}]"},
    {"Bedrock Converse response", true,
     "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"20C in Paris.\"}]}},\"stopReason\":\"end_turn\"}",
     "[{\"role\":\"assistant\",\"content\":\"20C in Paris.\"}]"},
    {"LangChain serialized prompt (LangSmith)", false,
     "{\"messages\":[[{\"lc\":1,\"type\":\"constructor\",\"id\":[\"langchain\",\"schema\",\"messages\",\"SystemMessage\"],"
     "\"kwargs\":{\"content\":\"You are concise.\",\"type\":\"system\"}},{\"lc\":1,\"type\":\"constructor\",\"id\":[\"langchain\","
     "\"schema\",\"messages\",\"HumanMessage\"],\"kwargs\":{\"content\":\"Define observability.\",\"type\":\"human\"}}]]}",
     "[{\"role\":\"system\",\"content\":\"You are concise.\"},{\"role\":\"user\",\"content\":\"Define observability.\"}]"},
    {"LangChain generations (LangSmith)", true,
     "{\"generations\":[[{\"text\":\"Observability is Y.\",\"type\":\"ChatGeneration\",\"message\":{\"lc\":1,\"type\":"
     "\"constructor\",\"id\":[\"langchain\",\"schema\",\"messages\",\"AIMessage\"],\"kwargs\":{\"content\":\"Observability is Y.\","
     "\"type\":\"ai\",\"tool_calls\":[],\"invalid_tool_calls\":[]}}}]],\"llm_output\":{\"model_name\":\"gpt-4o-mini\"}}",
     "[{\"role\":\"assistant\",\"content\":\"Observability is Y.\"}]"},
    {"LangChain typed dicts, tool calls in additional_kwargs", false,
     "[{\"type\":\"human\",\"content\":\"Weather?\"},{\"type\":\"ai\",\"content\":\"\",\"additional_kwargs\":{\"tool_calls\":"
     "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}},"
     "{\"type\":\"tool\",\"content\":\"20C\",\"tool_call_id\":\"call_1\",\"name\":\"w\"}]",
     "[{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"name\":\"w\","
     "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}],\"content\":null},{\"role\":\"tool\",\"content\":\"20C\",\"tool_call_id\":"
     "\"call_1\",\"name\":\"w\"}]"},
    {"Vercel AI SDK parts", false,
     "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather?\"}]},{\"role\":\"assistant\",\"content\":"
     "[{\"type\":\"tool-call\",\"toolCallId\":\"call_l\",\"toolName\":\"w\",\"args\":{\"unit\":\"c\"}}]},{\"role\":\"tool\","
     "\"content\":[{\"type\":\"tool-result\",\"toolCallId\":\"call_l\",\"toolName\":\"w\",\"result\":{\"t\":27}}]}]",
     "[{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_l\",\"name\":\"w\","
     "\"arguments\":\"{\\\"unit\\\":\\\"c\\\"}\"}],\"content\":null},{\"role\":\"tool\",\"content\":\"{\\\"t\\\":27}\","
     "\"tool_call_id\":\"call_l\",\"name\":\"w\"}]"},
    {"Vercel {system, prompt}", false, "{\"system\":\"You are concise.\",\"prompt\":\"Say hello.\"}",
     "[{\"role\":\"system\",\"content\":\"You are concise.\"},{\"role\":\"user\",\"content\":\"Say hello.\"}]"},
    {"Semantic Kernel event wrapper", false,
     "[{\"role\":\"system\",\"gen_ai.event.content\":\"{\\\"role\\\":\\\"system\\\",\\\"content\\\":\\\"Be brief.\\\"}\"}]",
     "[{\"role\":\"system\",\"content\":\"Be brief.\"}]"},
    {"image part kept beside the text", false,
     "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What animal?\"},{\"type\":\"image_url\",\"image_url\":"
     "{\"url\":\"data:image/jpeg;base64,AAAA\"}}]}]",
     "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What animal?\"},{\"type\":\"image_url\",\"image_url\":"
     "{\"url\":\"data:image/jpeg;base64,AAAA\"}}]}]"},
    {"nested list and list of JSON texts", false, "[[\"{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"Hi\\\"}\"]]",
     "[{\"role\":\"user\",\"content\":\"Hi\"}]"},
    {"plain text input", false, "\"Translate hello\"", "[{\"role\":\"user\",\"content\":\"Translate hello\"}]"},
    {"plain text output", true, "\"Bonjour\"", "[{\"role\":\"assistant\",\"content\":\"Bonjour\"}]"},
    {"Ollama message wrapper", true, "{\"model\":\"llama3\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\"},\"done\":true}",
     "[{\"role\":\"assistant\",\"content\":\"Hi!\"}]"},
    {"completion with reasoning (OpenRouter)", true, "{\"completion\":\"Paris.\",\"reasoning\":\"A capital.\"}",
     "[{\"role\":\"assistant\",\"content\":\"Paris.\",\"reasoning\":\"A capital.\"}]"},
    {"bare tool call list", true,
     "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]",
     "[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}],"
     "\"content\":null}]"},
    {"LangChain LLM prompts", false, "{\"prompts\":[\"Q: 2+2?\\nA:\"]}", "[{\"role\":\"user\",\"content\":\"Q: 2+2?\\nA:\"}]"},
    {"a traced function's arguments (Langfuse @observe)", false,
     "{\"args\":[],\"kwargs\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"model\":\"gpt-4o\"}}",
     "[{\"role\":\"user\",\"content\":\"Hi\"}]"},
};

static void test_shapes(void **state) {
  DS_UNUSED(state);
  for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++) {
    const struct io_case *k = &cases[i];
    json_error_t je;
    json_t *raw = json_loads(k->raw, JSON_DECODE_ANY, &je);
    json_t *want = json_loads(k->want, 0, &je);
    if (!raw || !want) fail_msg("case \"%s\": fixture does not parse: %s", k->name, je.text);
    struct llm_conv c;
    assert_true(llm_conv_init(&c, "x"));
    struct ds_bad_record b;
    memset(&b, 0, sizeof b);
    enum ds_status st = k->output ? llm_output(&c, raw, &b) : llm_input(&c, raw, &b);
    if (st) fail_msg("case \"%s\": %s", k->name, b.msg);
    if (!json_equal(c.msgs, want)) {
      char *got = json_dumps(c.msgs, JSON_COMPACT);
      fail_msg("case \"%s\":\n got  %s\n want %s", k->name, got, k->want);
    }
    llm_conv_release(&c);
    json_decref(raw);
    json_decref(want);
  }
}

/* The second choice of an output goes to alts; the model of a request or response is learnt. */
static void test_alts_and_model(void **state) {
  DS_UNUSED(state);
  json_t *v = json_loads("{\"model\":\"gpt-4o-mini\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"A\"}},"
                         "{\"message\":{\"role\":\"assistant\",\"content\":\"B\"}}]}", 0, NULL);
  struct llm_conv c;
  assert_true(llm_conv_init(&c, "x"));
  struct ds_bad_record b;
  assert_int_equal(llm_output(&c, v, &b), DS_OK);
  assert_int_equal(json_array_size(c.msgs), 1);
  assert_int_equal(json_array_size(c.alts), 1);
  assert_string_equal(ds_json_str(json_array_get(c.alts, 0), "content", ""), "B");
  assert_string_equal(c.model, "gpt-4o-mini");
  llm_conv_release(&c);
  json_decref(v);
}

static void test_unknown_shapes(void **state) {
  DS_UNUSED(state);
  static const char *const bad[] = {"{\"weird\":{\"shape\":1}}", "[{\"role\":\"narrator\",\"content\":\"x\"}]", "42"};
  for (size_t i = 0; i < DS_ARRAY_LEN(bad); i++) {
    json_t *v = json_loads(bad[i], JSON_DECODE_ANY, NULL);
    struct llm_conv c;
    assert_true(llm_conv_init(&c, "x"));
    struct ds_bad_record b;
    memset(&b, 0, sizeof b);
    assert_int_equal(llm_input(&c, v, &b), DS_E_INVALID);
    assert_non_null(b.reason);
    assert_true(strlen(b.msg) > 0);
    llm_conv_release(&c);
    json_decref(v);
  }
}

static void test_tools(void **state) {
  DS_UNUSED(state);
  json_t *defs = json_loads(
      "[{\"type\":\"function\",\"name\":\"a\",\"parameters\":{\"type\":\"object\"}},"
      "{\"name\":\"b\",\"description\":\"B\",\"input_schema\":{\"type\":\"object\"}},"
      "{\"functionDeclarations\":[{\"name\":\"c\",\"parameters\":{\"type\":\"object\"}}]},"
      "{\"type\":\"function\",\"function\":{\"name\":\"d\"}},{\"type\":\"code_interpreter\"},{}]",
      0, NULL);
  json_t *t = llm_tools(defs);
  assert_int_equal(json_array_size(t), 5);
  static const char *const names[] = {"a", "b", "c", "d"};
  for (size_t i = 0; i < 4; i++) {
    const json_t *fn = json_object_get(json_array_get(t, i), "function");
    assert_string_equal(ds_json_str(fn, "name", ""), names[i]);
    if (i < 3) assert_true(json_is_object(json_object_get(fn, "parameters")));
  }
  assert_string_equal(ds_json_str(json_array_get(t, 4), "type", ""), "code_interpreter");
  json_decref(t);
  json_decref(defs);
  /* {name: {description, parameters}} and JSON text */
  json_t *m = json_string("{\"lookup\":{\"description\":\"L\",\"parameters\":\"{\\\"type\\\":\\\"object\\\"}\"}}");
  t = llm_tools(m);
  assert_int_equal(json_array_size(t), 1);
  assert_string_equal(ds_json_str(json_object_get(json_array_get(t, 0), "function"), "name", ""), "lookup");
  json_decref(t);
  json_decref(m);
  json_t *none = json_object();
  assert_null(llm_tools(none));
  json_decref(none);
}

int main(void) {
  struct ds_err err = {0};
  ds_init(&err);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shapes),
      cmocka_unit_test(test_alts_and_model),
      cmocka_unit_test(test_unknown_shapes),
      cmocka_unit_test(test_tools),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
