/* fault_server.c: a small HTTP/1.1 server on 127.0.0.1 (poll-based, keep-alive) that answers
 * Chat Completions with the fault chosen by the first path segment, for the faults a real
 * server will not make on demand; GET /stats counts requests per mode. Also the bench's
 * zero-latency endpoint. GET /stats: {"total","connections" accepted,"by_mode"}. Usage: fault_server [--port N]  (prints "port=N" when listening).
 *
 * Modes (base URL http://127.0.0.1:PORT/<mode>/v1):
 *   fast        fixed small chat completion (no parsing; the bench)
 *   echo        content = the request body received (tests inspect what was sent)
 *   toolcall    a wire-form tool call; reasoning: content + reasoning_content; n2: two choices
 *   429-<s>     429 with Retry-After: <s> seconds; 429date-<s>: Retry-After as an HTTP date
 *   500, 503    that status with a JSON error body
 *   flaky-<k>   the first k requests to this mode get 503, then echo
 *   reset       headers then a TCP reset mid-response
 *   stall       headers and half the body, then silence
 *   slow-<ms>   echo after ms milliseconds
 *   late-<ms>   the fast completion after ms milliseconds; GET (server metadata) 404 at once
 *   hang-<k>    the first k POSTs get no answer at all (the connection stays open); later ones
 *               echo; GET (server metadata) 404 at once: a stalled model server
 *   malformed   200 application/json with a cut JSON body
 *   ctype       200 text/html
 *   nochoices   200 JSON without choices;  error200: 200 JSON with an "error" object
 *   auth        401 echoing the Authorization header unless it is "Bearer $FAULT_EXPECT_KEY"
 *   close       echo, then the server closes the connection (no keep-alive) */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096

struct conn {
  int fd;
  char *in;
  size_t in_len, in_cap;
  char *out;
  size_t out_len, out_off;
  double send_at;   /* delayed response */
  bool close_after; /* close once written */
  bool rst_after;   /* reset once written */
  bool stalled;     /* never finish */
};

static struct conn conns[MAX_CONNS];
static struct pollfd pfds[MAX_CONNS + 1];
static int n_conns;
static volatile sig_atomic_t stop;

struct counter {
  char mode[64];
  long n;
};
static struct counter counters[256];
static int n_counters;
static long total, accepted;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long *count_for(const char *mode) {
  for (int i = 0; i < n_counters; i++)
    if (strcmp(counters[i].mode, mode) == 0) return &counters[i].n;
  if (n_counters == (int)(sizeof counters / sizeof counters[0])) return &counters[0].n;
  snprintf(counters[n_counters].mode, sizeof counters[n_counters].mode, "%s", mode);
  return &counters[n_counters++].n;
}

static void out_add(struct conn *c, const char *p, size_t n) {
  c->out = realloc(c->out, c->out_len + n + 1);
  memcpy(c->out + c->out_len, p, n);
  c->out_len += n;
}

static void respond(struct conn *c, int status, const char *reason, const char *ctype, const char *extra_headers,
                    const char *body, size_t body_len, bool keep_alive) {
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n", status, reason, ctype,
                   body_len, extra_headers ? extra_headers : "", keep_alive ? "" : "Connection: close\r\n");
  out_add(c, head, (size_t)n);
  out_add(c, body, body_len);
  if (!keep_alive) c->close_after = true;
}

static void respond_json(struct conn *c, int status, const char *reason, const char *extra, json_t *o, bool ka) {
  char *s = json_dumps(o, JSON_COMPACT);
  respond(c, status, reason, "application/json", extra, s, strlen(s), ka);
  free(s);
  json_decref(o);
}

static json_t *completion(json_t *message, const char *finish) {
  json_t *ch = json_pack("{s:i,s:o,s:s}", "index", 0, "message", message, "finish_reason", finish);
  return json_pack("{s:s,s:s,s:i,s:s,s:[o],s:{s:i,s:i,s:i}}", "id", "chatcmpl-fault", "object", "chat.completion",
                   "created", 0, "model", "fault", "choices", ch, "usage", "prompt_tokens", 5, "completion_tokens", 3,
                   "total_tokens", 8);
}

static const char *header_value(const char *head, size_t head_len, const char *name, size_t *out_len) {
  size_t nl = strlen(name);
  const char *p = head, *end = head + head_len;
  while (p < end) {
    const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (!eol) eol = end;
    if ((size_t)(eol - p) > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (v < eol && *v == ' ') v++;
      *out_len = (size_t)(eol - v);
      return v;
    }
    p = eol + 2;
  }
  return NULL;
}

static void handle(struct conn *c, const char *method, const char *path, const char *head, size_t head_len,
                   const char *body, size_t body_len, bool client_ka) {
  char mode[64] = "";
  const char *p = path[0] == '/' ? path + 1 : path;
  size_t ml = strcspn(p, "/?");
  if (ml >= sizeof mode) ml = sizeof mode - 1;
  memcpy(mode, p, ml);
  mode[ml] = '\0';
  if (strcmp(method, "GET") == 0 && strcmp(mode, "stats") == 0) {
    json_t *by = json_object();
    for (int i = 0; i < n_counters; i++) json_object_set_new(by, counters[i].mode, json_integer(counters[i].n));
    respond_json(c, 200, "OK", NULL,
                 json_pack("{s:I,s:I,s:o}", "total", (json_int_t)total, "connections", (json_int_t)accepted, "by_mode", by),
                 client_ka);
    return;
  }
  total++;
  long *cnt = count_for(mode);
  (*cnt)++;
  static const char fast_body[] =
      "{\"id\":\"chatcmpl-fast\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"fault\",\"choices\":[{\"index\":0,"
      "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,"
      "\"completion_tokens\":1,\"total_tokens\":6}}";
  bool post = strcmp(method, "POST") == 0;
  if ((strncmp(mode, "late-", 5) == 0 || strncmp(mode, "hang-", 5) == 0) && !post) {
    (*cnt)--; /* these modes count completions only: k is the k-th POST */
    total--;
    respond_json(c, 404, "Not Found", NULL, json_pack("{s:{s:s}}", "error", "message", "no metadata"), client_ka);
    return;
  }
  if (strncmp(mode, "late-", 5) == 0) {
    c->send_at = now_s() + atol(mode + 5) / 1000.0;
    respond(c, 200, "OK", "application/json", NULL, fast_body, sizeof fast_body - 1, client_ka);
    return;
  }
  if (strncmp(mode, "hang-", 5) == 0 && *cnt <= atol(mode + 5)) {
    c->stalled = true; /* nothing is sent; process() reads no further request on it */
    return;
  }
  if (strcmp(mode, "fast") == 0) {
    respond(c, 200, "OK", "application/json", NULL, fast_body, sizeof fast_body - 1, client_ka);
    return;
  }
  bool echo = strcmp(mode, "echo") == 0 || strcmp(mode, "close") == 0 || strncmp(mode, "slow-", 5) == 0 ||
              strncmp(mode, "hang-", 5) == 0;
  if (strncmp(mode, "flaky-", 6) == 0) {
    if (*cnt <= atol(mode + 6)) {
      respond_json(c, 503, "Service Unavailable", NULL, json_pack("{s:{s:s}}", "error", "message", "warming up"), client_ka);
      return;
    }
    echo = true;
  }
  if (echo) {
    json_t *msg = json_pack("{s:s,s:s%}", "role", "assistant", "content", body, body_len);
    if (strncmp(mode, "slow-", 5) == 0) c->send_at = now_s() + atol(mode + 5) / 1000.0;
    respond_json(c, 200, "OK", NULL, completion(msg, "stop"), client_ka && strcmp(mode, "close") != 0);
    return;
  }
  if (strcmp(mode, "toolcall") == 0) {
    json_t *msg = json_pack("{s:s,s:n,s:[{s:s,s:s,s:{s:s,s:s}}]}", "role", "assistant", "content", "tool_calls", "id",
                            "call_7", "type", "function", "function", "name", "shell", "arguments", "{\"cmd\":\"ls -la\"}");
    respond_json(c, 200, "OK", NULL, completion(msg, "tool_calls"), client_ka);
    return;
  }
  if (strcmp(mode, "reasoning") == 0) {
    json_t *msg = json_pack("{s:s,s:s,s:s}", "role", "assistant", "content", "answer", "reasoning_content", "thinking...");
    respond_json(c, 200, "OK", NULL, completion(msg, "stop"), client_ka);
    return;
  }
  if (strcmp(mode, "n2") == 0) {
    json_t *o = completion(json_pack("{s:s,s:s}", "role", "assistant", "content", "first"), "stop");
    json_array_append_new(json_object_get(o, "choices"),
                          json_pack("{s:i,s:{s:s,s:s},s:s}", "index", 1, "message", "role", "assistant", "content",
                                    "second", "finish_reason", "length"));
    respond_json(c, 200, "OK", NULL, o, client_ka);
    return;
  }
  if (strncmp(mode, "429-", 4) == 0 || strncmp(mode, "429date-", 8) == 0) {
    char hdr[128];
    if (mode[3] == '-') {
      snprintf(hdr, sizeof hdr, "Retry-After: %s\r\n", mode + 4);
    } else {
      time_t t = time(NULL) + atol(mode + 8);
      struct tm tm;
      gmtime_r(&t, &tm);
      char d[64];
      strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      snprintf(hdr, sizeof hdr, "Retry-After: %s\r\n", d);
    }
    respond_json(c, 429, "Too Many Requests", hdr, json_pack("{s:{s:s}}", "error", "message", "rate limited"), client_ka);
    return;
  }
  if (strcmp(mode, "500") == 0 || strcmp(mode, "503") == 0) {
    int st = atoi(mode);
    respond_json(c, st, st == 500 ? "Internal Server Error" : "Service Unavailable", NULL,
                 json_pack("{s:{s:s}}", "error", "message", "injected failure"), client_ka);
    return;
  }
  if (strcmp(mode, "reset") == 0) {
    static const char partial[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":";
    out_add(c, partial, sizeof partial - 1);
    c->rst_after = true;
    return;
  }
  if (strcmp(mode, "stall") == 0) {
    static const char partial[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":";
    out_add(c, partial, sizeof partial - 1);
    c->stalled = true;
    return;
  }
  if (strcmp(mode, "malformed") == 0) {
    static const char cut[] = "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hel";
    respond(c, 200, "OK", "application/json", NULL, cut, sizeof cut - 1, client_ka);
    return;
  }
  if (strcmp(mode, "ctype") == 0) {
    static const char html[] = "<html><body>gateway</body></html>";
    respond(c, 200, "OK", "text/html", NULL, html, sizeof html - 1, client_ka);
    return;
  }
  if (strcmp(mode, "nochoices") == 0) {
    respond_json(c, 200, "OK", NULL, json_pack("{s:s}", "object", "chat.completion"), client_ka);
    return;
  }
  if (strcmp(mode, "error200") == 0) {
    respond_json(c, 200, "OK", NULL, json_pack("{s:{s:s}}", "error", "message", "context length exceeded"), client_ka);
    return;
  }
  if (strcmp(mode, "auth") == 0) {
    size_t al = 0;
    const char *a = header_value(head, head_len, "Authorization", &al);
    const char *want = getenv("FAULT_EXPECT_KEY");
    char expect[512];
    snprintf(expect, sizeof expect, "Bearer %s", want ? want : "");
    if (want && a && al == strlen(expect) && memcmp(a, expect, al) == 0) {
      json_t *msg = json_pack("{s:s,s:s}", "role", "assistant", "content", "authorized");
      respond_json(c, 200, "OK", NULL, completion(msg, "stop"), client_ka);
    } else {
      json_t *e = json_pack("{s:{s:s,s:s%}}", "error", "message", "bad key", "got", a ? a : "", a ? al : 0);
      respond_json(c, 401, "Unauthorized", NULL, e, client_ka);
    }
    return;
  }
  respond_json(c, 404, "Not Found", NULL, json_pack("{s:{s:s}}", "error", "message", "unknown mode"), client_ka);
}

/* Parses as many complete requests as the buffer holds (one at a time: a response first). */
static void process(struct conn *c) {
  while (c->out_len == c->out_off && !c->stalled && !c->close_after && !c->rst_after) {
    char *hend = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!hend) return;
    size_t head_len = (size_t)(hend - c->in) + 4;
    size_t cl_len = 0;
    const char *cl = header_value(c->in, head_len, "Content-Length", &cl_len);
    size_t body_len = cl ? strtoul(cl, NULL, 10) : 0;
    if (c->in_len < head_len + body_len) return;
    char method[16] = "", path[512] = "";
    sscanf(c->in, "%15s %511s", method, path);
    size_t cn_len = 0;
    const char *cn = header_value(c->in, head_len, "Connection", &cn_len);
    bool ka = !(cn && cn_len >= 5 && strncasecmp(cn, "close", 5) == 0);
    c->out_len = c->out_off = 0;
    handle(c, method, path, c->in, head_len, c->in + head_len, body_len, ka);
    memmove(c->in, c->in + head_len + body_len, c->in_len - head_len - body_len);
    c->in_len -= head_len + body_len;
  }
}

static void drop(int i) {
  close(conns[i].fd);
  free(conns[i].in);
  free(conns[i].out);
  conns[i] = conns[n_conns - 1];
  memset(&conns[n_conns - 1], 0, sizeof conns[0]);
  n_conns--;
}

static void on_signal(int s) {
  (void)s;
  stop = 1;
}

int main(int argc, char **argv) {
  int port = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: fault_server [--port N]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024)) {
    perror("fault_server: bind/listen");
    return 1;
  }
  socklen_t al = sizeof a;
  getsockname(ls, (struct sockaddr *)&a, &al);
  fcntl(ls, F_SETFL, O_NONBLOCK);
  printf("port=%d\n", ntohs(a.sin_port));
  fflush(stdout);
  while (!stop) {
    double now = now_s();
    int timeout = 1000;
    pfds[0] = (struct pollfd){.fd = ls, .events = POLLIN};
    for (int i = 0; i < n_conns; i++) {
      struct conn *c = &conns[i];
      short ev = POLLIN;
      if (c->out_off < c->out_len && !c->stalled) {
        if (c->send_at > now) {
          int ms = (int)((c->send_at - now) * 1000) + 1;
          if (ms < timeout) timeout = ms;
        } else {
          ev |= POLLOUT;
        }
      }
      if (c->stalled && c->out_off < c->out_len) ev |= POLLOUT; /* the partial part goes out */
      pfds[i + 1] = (struct pollfd){.fd = c->fd, .events = ev};
    }
    int nfds = n_conns + 1;
    if (poll(pfds, (nfds_t)nfds, timeout) < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      return 1;
    }
    now = now_s();
    /* walk backwards: drop() moves the last connection into the freed slot */
    for (int i = nfds - 2; i >= 0; i--) {
      struct conn *c = &conns[i];
      short re = pfds[i + 1].revents;
      if (re & (POLLERR | POLLNVAL)) {
        drop(i);
        continue;
      }
      if (re & (POLLIN | POLLHUP)) {
        char buf[65536];
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n <= 0) {
          if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
          drop(i);
          continue;
        }
        if (c->in_len + (size_t)n > c->in_cap) {
          c->in_cap = (c->in_len + (size_t)n) * 2;
          c->in = realloc(c->in, c->in_cap);
        }
        memcpy(c->in + c->in_len, buf, (size_t)n);
        c->in_len += (size_t)n;
        process(c);
      }
      if (c->out_off < c->out_len && c->send_at <= now) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          drop(i);
          continue;
        }
        if (n > 0) c->out_off += (size_t)n;
        if (c->out_off == c->out_len) {
          if (c->rst_after) {
            struct linger lg = {1, 0}; /* close with RST */
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            drop(i);
            continue;
          }
          if (c->close_after) {
            drop(i);
            continue;
          }
          if (!c->stalled) {
            c->out_len = c->out_off = 0;
            c->send_at = 0;
            process(c);
          }
        }
      }
    }
    if (pfds[0].revents & POLLIN) {
      for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) break;
        if (n_conns == MAX_CONNS) {
          close(fd);
          continue;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[n_conns++] = (struct conn){.fd = fd};
        accepted++;
      }
    }
  }
  return 0;
}
