/* lex.c: the shell analyzer's tokenizer. It reads a command line the way a POSIX shell does
 * (single, double and $'...' quotes, backslashes, comments, operators, redirections with fd
 * numbers, heredocs, $(...), `...` and <(...)), runs each substitution's command line through
 * the analyzer as it meets it, and keeps every word's span in the line as the user wrote it. */
#include "grade/shell/shell_int.h"

void sh_word_free(struct word *w) {
  ds_free(w->s);
  w->s = NULL;
}

void sh_toks_free(struct toks *t) {
  for (size_t i = 0; i < t->n; i++) {
    sh_word_free(&t->v[i].w);
    ds_free(t->v[i].heredoc);
  }
  ds_free(t->v);
  t->v = NULL;
  t->n = t->cap = 0;
}

static struct tok *toks_push(struct toks *t) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    if (cap > 200000) return NULL;
    struct tok *v = ds_realloc(t->v, cap * sizeof *v);
    if (!v) return NULL;
    t->v = v;
    t->cap = cap;
  }
  struct tok *k = &t->v[t->n++];
  memset(k, 0, sizeof *k);
  k->fd = -1;
  return k;
}

/* the span of bytes [a, b) of the text being lexed, in the top-level line */
static unsigned at(const struct ctx *c, size_t i, bool end) {
  if (c->fixed) return end ? c->fix_end : c->fix_start;
  return c->off + (unsigned)i;
}

/* index just past the ')' matching the '(' at s[i-1]; len when unterminated */
static size_t match_paren(const char *s, size_t len, size_t i) {
  int depth = 1;
  while (i < len) {
    char ch = s[i];
    if (ch == '\\') {
      i += 2;
      continue;
    }
    if (ch == '\'') {
      const char *q = memchr(s + i + 1, '\'', len - i - 1);
      i = q ? (size_t)(q - s) + 1 : len;
      continue;
    }
    if (ch == '"') {
      i++;
      while (i < len && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (ch == '(') depth++;
    if (ch == ')' && --depth == 0) return i + 1;
    i++;
  }
  return len;
}

/* A de-identification placeholder (<IP_1>, <EMAIL_3>, <PERSON_a1b2c3> from depsim ingest)
 * stands for a word: its '<' and '>' are not redirections. Returns its length, or 0. */
static size_t placeholder(const char *s, size_t len, size_t i) {
  if (i >= len || s[i] != '<' || i + 1 >= len || !isupper((unsigned char)s[i + 1])) return 0;
  size_t j = i + 1;
  while (j < len && (isupper((unsigned char)s[j]) || s[j] == '_')) j++;
  if (j == i + 1 || s[j - 1] != '_') return 0;
  size_t d = j;
  while (j < len && isalnum((unsigned char)s[j])) j++;
  if (j == d || j >= len || s[j] != '>') return 0;
  return j + 1 - i;
}

static bool is_meta(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' || ch == '&' || ch == '|' || ch == '(' ||
         ch == ')' || ch == '<' || ch == '>' || ch == '\r';
}

/* runs the inner command line of a substitution at s[a..a+n) of the text being lexed */
static void substitute(struct ctx *c, struct word *w, size_t a, size_t n) {
  bool dl = false;
  unsigned off = c->off;
  if (!c->fixed) c->off = c->off + (unsigned)a;
  bool saved_dec = c->any_decode;
  c->any_decode = false;
  sh_analyze_line(c, c->line + a, n, &dl);
  if (c->any_decode) w->subst_dec = true;
  c->any_decode = saved_dec;
  c->off = off;
  if (dl) w->subst_dl = true;
  w->dyn = true;
}

/* A `...` substitution at s[i]: runs the inner command line and keeps the text as written in
 * b. Returns the index after the closing backtick (len when there is none). */
static size_t backtick(struct ctx *c, struct word *w, struct ds_buf *b, const char *s, size_t len, size_t i,
                       bool *ok) {
  const char *q = memchr(s + i + 1, '`', len - i - 1);
  size_t end = q ? (size_t)(q - s) : len;
  substitute(c, w, i + 1, end - i - 1);
  *ok &= ds_buf_add(b, s + i, (q ? end + 1 : end) - i) == DS_OK;
  return q ? end + 1 : end;
}

/* Reads one word starting at s[*pos]. Returns false on allocation failure. */
static bool lex_word(struct ctx *c, const char *s, size_t len, size_t *pos, struct word *w) {
  struct ds_buf b;
  ds_buf_init(&b, SH_MAX_INPUT);
  size_t i = *pos;
  bool ok = true;
  w->start = at(c, i, false);
  while (i < len && (!is_meta(s[i]) || placeholder(s, len, i))) {
    char ch = s[i];
    bool inner = b.len > 0; /* a quote after some bare text: c''at, w\hoami */
    size_t ph = placeholder(s, len, i);
    if (ph) {
      ok &= ds_buf_add(&b, s + i, ph) == DS_OK;
      i += ph;
      continue;
    }
    if (ch == '\\') {
      if (i + 1 < len && s[i + 1] == '\n') {
        i += 2;
        continue;
      }
      if (i + 1 < len) ok &= ds_buf_addc(&b, s[i + 1]) == DS_OK;
      if (inner && i + 2 < len && !is_meta(s[i + 2]) && isalpha((unsigned char)s[i + 1])) w->midquote = true;
      i += 2;
      w->quoted = true;
    } else if (ch == '\'') {
      const char *q = memchr(s + i + 1, '\'', len - i - 1);
      size_t end = q ? (size_t)(q - s) : len;
      if (!q) c->out->incomplete = true;
      ok &= ds_buf_add(&b, s + i + 1, end - i - 1) == DS_OK;
      if (inner && end + 1 < len && !is_meta(s[end + 1]) && isalnum((unsigned char)s[end + 1])) w->midquote = true;
      i = end + 1;
      w->quoted = true;
    } else if (ch == '$' && i + 1 < len && s[i + 1] == '\'') {
      i += 2;
      while (i < len && s[i] != '\'') {
        if (s[i] == '\\' && i + 1 < len) {
          char e = s[i + 1];
          if (e == 'x' && i + 3 < len && isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3])) {
            char hx[3] = {s[i + 2], s[i + 3], 0};
            ok &= ds_buf_addc(&b, (char)strtol(hx, NULL, 16)) == DS_OK;
            w->midquote = true; /* hex escapes spell a word the reader cannot see */
            i += 4;
            continue;
          }
          char r = e == 'n' ? '\n' : e == 't' ? '\t' : e;
          ok &= ds_buf_addc(&b, r) == DS_OK;
          i += 2;
        } else {
          ok &= ds_buf_addc(&b, s[i++]) == DS_OK;
        }
      }
      i++;
      w->quoted = true;
    } else if (ch == '"') {
      w->quoted = true;
      size_t open = i;
      i++;
      while (i < len && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < len && strchr("$`\"\\\n", s[i + 1])) {
          if (s[i + 1] != '\n') ok &= ds_buf_addc(&b, s[i + 1]) == DS_OK;
          i += 2;
        } else if (s[i] == '$' && i + 1 < len && s[i + 1] == '(' && !(i + 2 < len && s[i + 2] == '(')) {
          size_t end = match_paren(s, len, i + 2);
          substitute(c, w, i + 2, (end > i + 2 ? end - 1 : end) - (i + 2));
          ok &= ds_buf_add(&b, s + i, end - i) == DS_OK;
          i = end;
        } else if (s[i] == '`') {
          i = backtick(c, w, &b, s, len, i, &ok);
        } else {
          if (s[i] == '$') w->dyn = true;
          ok &= ds_buf_addc(&b, s[i++]) == DS_OK;
        }
      }
      if (i >= len) c->out->incomplete = true;
      i++;
      if (inner && i < len && !is_meta(s[i]) && i - open <= 3) w->midquote = true; /* c""at */
    } else if (ch == '$' && i + 1 < len && s[i + 1] == '(') {
      bool arith = i + 2 < len && s[i + 2] == '(';
      size_t end = match_paren(s, len, i + 2);
      if (!arith) substitute(c, w, i + 2, (end > i + 2 ? end - 1 : end) - (i + 2));
      w->dyn = true;
      ok &= ds_buf_add(&b, s + i, end - i) == DS_OK;
      i = end;
    } else if (ch == '`') {
      i = backtick(c, w, &b, s, len, i, &ok);
    } else {
      if (ch == '$') w->dyn = true;
      ok &= ds_buf_addc(&b, ch) == DS_OK;
      i++;
    }
  }
  if (i > len) i = len;
  *pos = i;
  w->end = at(c, i, true);
  w->s = ds_buf_detach(&b, NULL);
  return ok && w->s;
}

/* reads the heredoc bodies queued on the line that just ended at s[*pi] */
static void heredocs(struct ctx *c, const char *s, size_t len, size_t *pi, struct toks *t, size_t from) {
  size_t i = *pi;
  for (size_t j = from; j < t->n; j++) {
    struct tok *h = &t->v[j];
    if (h->kind != T_REDIR || strcmp(h->redir, "<<") != 0 || h->heredoc) continue;
    struct ds_buf body;
    ds_buf_init(&body, SH_MAX_INPUT);
    const char *delim = h->w.s ? h->w.s : "";
    bool found = false;
    while (i < len) {
      const char *nl = memchr(s + i, '\n', len - i);
      size_t end = nl ? (size_t)(nl - s) : len;
      size_t a = i;
      while (a < end && s[a] == '\t') a++;
      if (end - a == strlen(delim) && memcmp(s + a, delim, end - a) == 0) {
        i = nl ? end + 1 : end;
        found = true;
        break;
      }
      ds_buf_add(&body, s + i, end - i);
      ds_buf_addc(&body, '\n');
      i = nl ? end + 1 : end;
    }
    if (!found) c->out->incomplete = true;
    h->heredoc = ds_buf_detach(&body, NULL);
    h->w.end = at(c, i, true); /* the body belongs to the redirection's span */
  }
  *pi = i;
}

/* Tokenizes a whole line. Heredoc bodies are attached to their redirections. */
bool sh_lex(struct ctx *c, const char *s, size_t len, struct toks *t) {
  size_t i = 0;
  size_t pending_from = 0; /* first token index that may hold a heredoc waiting for its body */
  c->line = s;
  while (i < len) {
    char ch = s[i];
    if (ch == ' ' || ch == '\t' || ch == '\r') {
      i++;
      continue;
    }
    if (ch == '\\' && i + 1 < len && s[i + 1] == '\n') {
      i += 2;
      continue;
    }
    if (ch == '#') {
      while (i < len && s[i] != '\n') i++;
      continue;
    }
    if (ch == '\n') {
      struct tok *k = toks_push(t);
      if (!k) return false;
      k->kind = T_OP;
      k->op = OP_NL;
      k->start = at(c, i, false);
      i++;
      heredocs(c, s, len, &i, t, pending_from);
      pending_from = t->n;
      continue;
    }
    struct tok *k = NULL;
    int op = -1, oplen = 1;
    if (ch == ';') op = OP_SEMI, oplen = (i + 1 < len && s[i + 1] == ';') ? 2 : 1;
    else if (ch == '&' && i + 1 < len && s[i + 1] == '&') op = OP_AND, oplen = 2;
    else if (ch == '|' && i + 1 < len && s[i + 1] == '|') op = OP_OR, oplen = 2;
    else if (ch == '|') op = OP_PIPE, oplen = (i + 1 < len && s[i + 1] == '&') ? 2 : 1;
    else if (ch == '&' && !(i + 1 < len && s[i + 1] == '>')) op = OP_AMP;
    else if (ch == '(') op = OP_LPAREN;
    else if (ch == ')') op = OP_RPAREN;
    if (op >= 0) {
      if (!(k = toks_push(t))) return false;
      k->kind = T_OP;
      k->op = op;
      k->start = at(c, i, false);
      i += (size_t)oplen;
      continue;
    }
    /* redirection, possibly with an fd number directly before it (not a placeholder <IP_1>) */
    size_t j = i;
    int fd = -1;
    while (j < len && isdigit((unsigned char)s[j])) j++;
    if (j > i && j < len && (s[j] == '<' || s[j] == '>') && j - i < 4) {
      fd = atoi(s + i);
    } else {
      j = i;
    }
    if (j < len && (s[j] == '<' || s[j] == '>' || (s[j] == '&' && j + 1 < len && s[j + 1] == '>')) &&
        !placeholder(s, len, j)) {
      /* process substitution <( ... ) / >( ... ) is a word, not a redirection */
      if ((s[j] == '<' || s[j] == '>') && j + 1 < len && s[j + 1] == '(' && j == i) {
        size_t end = match_paren(s, len, j + 2);
        if (!(k = toks_push(t))) return false;
        size_t idx = t->n - 1;
        struct word w = {0};
        w.start = at(c, j, false);
        w.end = at(c, end, true);
        substitute(c, &w, j + 2, (end > j + 2 ? end - 1 : end) - (j + 2));
        w.s = ds_strdup("/dev/fd/63");
        t->v[idx].kind = T_WORD;
        t->v[idx].w = w;
        if (!w.s) return false;
        i = end;
        continue;
      }
      static const char *const ops[] = {"&>>", "<<<", "<<-", ">>", "<<", "&>", ">&", "<&", "<>", ">|", ">", "<"};
      const char *m = NULL;
      for (size_t q = 0; q < DS_ARRAY_LEN(ops); q++)
        if (j + strlen(ops[q]) <= len && memcmp(s + j, ops[q], strlen(ops[q])) == 0) {
          m = ops[q];
          break;
        }
      if (!m) m = s[j] == '<' ? "<" : ">";
      if (!(k = toks_push(t))) return false;
      size_t idx = t->n - 1;
      k->kind = T_REDIR;
      k->fd = fd;
      k->start = at(c, i, false);
      const char *norm = strcmp(m, "<<-") == 0 ? "<<" : strcmp(m, "&>>") == 0 ? ">>" : strcmp(m, ">|") == 0 ? ">" : m;
      if (strcmp(m, "&>") == 0) norm = ">";
      snprintf(k->redir, sizeof k->redir, "%s", norm);
      i = j + strlen(m);
      while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
      struct word w = {0};
      if (i < len && (!is_meta(s[i]) || placeholder(s, len, i))) {
        /* substitutions in the target run inner lines with toks of their own: t->v is stable */
        if (!lex_word(c, s, len, &i, &w)) {
          sh_word_free(&w);
          return false;
        }
      } else {
        w.s = ds_strdup("");
        w.start = w.end = at(c, i, false);
        if (!w.s) return false;
      }
      w.start = t->v[idx].start;
      t->v[idx].w = w;
      continue;
    }
    if (!(k = toks_push(t))) return false;
    size_t idx = t->n - 1;
    struct word w = {0};
    if (!lex_word(c, s, len, &i, &w)) {
      sh_word_free(&w);
      return false;
    }
    t->v[idx].kind = T_WORD;
    t->v[idx].w = w;
    t->v[idx].start = w.start;
  }
  return true;
}
