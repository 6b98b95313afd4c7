/* view.c: a sample as the grader sees it: its pieces of text by target (prompt, tool calls and
 * results, final answer), its tool steps (with text actions of text-mode agents) and whether it
 * is an agent sample at all. */
#include <string.h>

#include "grade/grader_int.h"

void grade_view_release(struct view *v) {
  for (size_t i = 0; i < v->n_owned; i++) ds_free(v->owned[i]);
  ds_free(v->owned);
  ds_free(v->pieces);
  ds_free(v->steps);
  memset(v, 0, sizeof *v);
}

static const char *own(struct view *v, char *s) {
  if (!s) {
    v->oom = true;
    return "";
  }
  if (v->n_owned == v->owned_cap) {
    size_t cap = v->owned_cap ? v->owned_cap * 2 : 16;
    char **o = ds_realloc(v->owned, cap * sizeof *o);
    if (!o) {
      ds_free(s);
      v->oom = true;
      return "";
    }
    v->owned = o;
    v->owned_cap = cap;
  }
  v->owned[v->n_owned++] = s;
  return s;
}

static void add_piece(struct view *v, unsigned target, int pos, const char *s) {
  if (!s || !*s) return;
  if (v->n_pieces == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 32;
    struct piece *p = ds_realloc(v->pieces, cap * sizeof *p);
    if (!p) {
      v->oom = true;
      return;
    }
    v->pieces = p;
    v->cap = cap;
  }
  v->pieces[v->n_pieces++] = (struct piece){target, pos, s, strlen(s)};
}

/* text of a message's content: a string, or the text parts of an array */
const char *grade_view_content_text(struct view *v, const json_t *content) {
  if (json_is_string(content)) return json_string_value(content);
  if (!json_is_array(content)) return NULL;
  struct ds_buf b;
  ds_buf_init(&b, 64u << 20);
  size_t i;
  json_t *part;
  json_array_foreach(content, i, part) {
    const char *t = json_is_string(part) ? json_string_value(part) : ds_json_str(part, "text", NULL);
    if (t) {
      if (b.len) ds_buf_addc(&b, '\n');
      ds_buf_adds(&b, t);
    }
  }
  return own(v, ds_buf_detach(&b, NULL));
}

static const char *args_text(struct view *v, const json_t *a) {
  if (!a) return "";
  if (json_is_string(a)) return json_string_value(a);
  return own(v, ds_json_compact(a));
}

static void add_step(struct view *v, const json_t *call) {
  const json_t *fn = json_object_get(call, "function");
  const json_t *src = json_is_object(fn) ? fn : call;
  if (v->n_steps == v->step_cap) {
    size_t cap = v->step_cap ? v->step_cap * 2 : 8;
    struct step *s = ds_realloc(v->steps, cap * sizeof *s);
    if (!s) {
      v->oom = true;
      return;
    }
    v->steps = s;
    v->step_cap = cap;
  }
  struct step *s = &v->steps[v->n_steps++];
  memset(s, 0, sizeof *s);
  s->name = ds_json_str(src, "name", ds_json_str(call, "tool", ""));
  s->args = args_text(v, json_object_get(src, "arguments"));
  s->call_id = ds_json_str(call, "id", ds_json_str(call, "call_id", NULL));
}

/* a step for each action written in text (```bash blocks, <mswea_bash_command> tags) */
static void add_text_actions(struct view *v, const char *text) {
  char *acts[16];
  size_t n = sh_text_actions(text, acts, 16);
  for (size_t k = 0; k < n; k++) {
    json_t *call = json_pack("{s:s, s:s}", "name", "bash", "arguments", "");
    json_t *a = json_pack("{s:s}", "command", acts[k]);
    char *args = a ? ds_json_compact(a) : NULL;
    json_decref(a);
    ds_free(acts[k]);
    if (!call || !args) {
      json_decref(call);
      ds_free(args);
      v->oom = true;
      continue;
    }
    add_step(v, call);
    v->steps[v->n_steps - 1].name = "bash";
    v->steps[v->n_steps - 1].args = own(v, args);
    json_decref(call);
  }
}

static int step_of_call(const struct view *v, const char *id) {
  if (!id) return v->n_steps ? (int)v->n_steps - 1 : 0;
  for (size_t i = 0; i < v->n_steps; i++)
    if (v->steps[i].call_id && !strcmp(v->steps[i].call_id, id)) return (int)i;
  return v->n_steps ? (int)v->n_steps - 1 : 0;
}

void grade_view_build(struct view *v, const struct ds_sample_view *s) {
  memset(v, 0, sizeof *v);
  size_t i;
  json_t *m;
  if (json_is_array(s->prefix_messages)) {
    json_array_foreach(s->prefix_messages, i, m) {
      const char *role = ds_json_str(m, "role", "");
      const char *t = grade_view_content_text(v, json_object_get(m, "content"));
      add_piece(v, !strcmp(role, "tool") || !strcmp(role, "function") ? TG_PROMPT | TG_TOOL_RESULT : TG_PROMPT, -1, t);
    }
  }
  /* result texts are added after the steps are known */
  const json_t *traj = json_is_array(s->trajectory) && json_array_size(s->trajectory) ? s->trajectory : NULL;
  if (traj) {
    json_array_foreach(traj, i, m) {
      const char *role = ds_json_str(m, "role", "");
      if (!strcmp(role, "assistant")) {
        add_piece(v, TG_RESPONSE, (int)v->n_steps, grade_view_content_text(v, json_object_get(m, "content")));
        add_piece(v, TG_REASONING, (int)v->n_steps, ds_json_str(m, "reasoning_content", ds_json_str(m, "reasoning", NULL)));
        size_t k;
        json_t *tc;
        json_array_foreach(json_object_get(m, "tool_calls"), k, tc) add_step(v, tc);
      } else if (!strcmp(role, "tool") || !strcmp(role, "function")) {
        int st = step_of_call(v, ds_json_str(m, "tool_call_id", NULL));
        add_piece(v, TG_TOOL_RESULT, st, grade_view_content_text(v, json_object_get(m, "content")));
      }
    }
    /* tool results recorded only in tool_steps */
    json_array_foreach(s->tool_steps, i, m) {
      const char *id = ds_json_str(m, "call_id", NULL);
      bool seen = false;
      size_t k;
      json_t *tm;
      json_array_foreach(traj, k, tm) if (id && !strcmp(ds_json_str(tm, "tool_call_id", ""), id)) seen = true;
      if (!seen) add_piece(v, TG_TOOL_RESULT, step_of_call(v, id), ds_json_str(m, "response", NULL));
    }
  } else if (json_is_array(s->tool_steps) && json_array_size(s->tool_steps)) {
    json_array_foreach(s->tool_steps, i, m) {
      add_step(v, m);
      add_piece(v, TG_TOOL_RESULT, (int)v->n_steps - 1, ds_json_str(m, "response", NULL));
    }
  } else if (json_is_array(s->tool_calls)) {
    json_array_foreach(s->tool_calls, i, m) add_step(v, m);
  }
  if (!v->n_steps && ds_sample_is_text_agent(s)) {
    /* mini-swe-agent: the actions are bash blocks in the assistant's text */
    if (traj) {
      json_array_foreach(traj, i, m) if (!strcmp(ds_json_str(m, "role", ""), "assistant"))
        add_text_actions(v, grade_view_content_text(v, json_object_get(m, "content")));
    } else {
      add_text_actions(v, s->content);
    }
  }
  int fin = (int)v->n_steps;
  for (size_t k = 0; k < v->n_steps; k++) {
    add_piece(v, TG_TOOL_NAME, (int)k, v->steps[k].name);
    add_piece(v, TG_TOOL_ARGS, (int)k, v->steps[k].args);
  }
  add_piece(v, TG_RESPONSE, fin, s->content);
  add_piece(v, TG_REASONING, fin, s->reasoning);
}

/* An agent that writes its actions as text (mini-swe-agent): said by the record's segment, or
 * seen in the conversation (its <returncode> observations, its <mswea_bash_command> tags). */
bool ds_sample_is_text_agent(const struct ds_sample_view *s) {
  const char *agent = ds_json_str(s->segment, "agent", "");
  if (strstr(agent, "mini-swe-agent") || strstr(agent, "mini_swe_agent") || strstr(agent, "minisweagent")) return true;
  if (s->content && strstr(s->content, "<mswea_bash_command>")) return true;
  size_t i;
  json_t *m;
  json_array_foreach(s->prefix_messages, i, m) {
    const char *c = ds_json_str(m, "content", NULL);
    if (c && (strstr(c, "<mswea_bash_command>") || (strstr(c, "<returncode>") && strstr(c, "</returncode>"))))
      return true;
  }
  return false;
}

bool ds_sample_is_agent(const struct ds_sample_view *s) {
  if (json_is_array(s->prefix_tools) && json_array_size(s->prefix_tools)) return true;
  if (ds_sample_is_text_agent(s)) return true;
  if (json_is_array(s->tool_calls) && json_array_size(s->tool_calls)) return true;
  if (json_is_array(s->tool_steps) && json_array_size(s->tool_steps)) return true;
  size_t i;
  json_t *m;
  json_array_foreach(s->prefix_messages, i, m) {
    const char *role = ds_json_str(m, "role", "");
    if (!strcmp(role, "tool") || !strcmp(role, "function") || json_array_size(json_object_get(m, "tool_calls")))
      return true;
  }
  json_array_foreach(s->trajectory, i, m) {
    if (!strcmp(ds_json_str(m, "role", ""), "tool") || json_array_size(json_object_get(m, "tool_calls"))) return true;
  }
  return false;
}
