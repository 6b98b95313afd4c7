/* make_tiny_gguf.c: writes a tiny random-weight llama model (2 layers, dim 64, F32, fixed
 * seed) with the tokenizer of one of llama.cpp's vocabulary files, so tests that need a
 * model run on a fresh clone. Usage: make_tiny_gguf OUT.gguf [VOCAB.gguf] */
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ggml.h>
#include <gguf.h>
#include <llama.h>

#define N_EMBD 64
#define N_LAYER 2
#define N_HEAD 4
#define N_HEAD_KV 2
#define N_FF 128
#define N_CTX 2048
#define DEFAULT_VOCAB "ggml-vocab-phi-3.gguf" /* SentencePiece, 32k tokens, has a chat template */

static uint64_t rng = 0x9E3779B97F4A7C15ull; /* fixed: the same file every time */

static float next_uniform(void) {
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (float)((double)(z >> 11) / (double)(1ull << 53)) * 2.0f - 1.0f;
}

/* The default vocabulary: $DS_LLAMA_PREFIX/share/llama-vocab, else next to the libllama
 * this program runs with (<prefix>/lib/../share/llama-vocab). */
static int default_vocab(char *out, size_t n) {
  const char *prefix = getenv("DS_LLAMA_PREFIX");
  if (prefix && *prefix) {
    snprintf(out, n, "%s/share/llama-vocab/%s", prefix, DEFAULT_VOCAB);
    if (access(out, R_OK) == 0) return 0;
  }
  Dl_info info;
  if (dladdr((void *)llama_backend_init, &info) && info.dli_fname) {
    char lib[4096];
    snprintf(lib, sizeof lib, "%s", info.dli_fname);
    snprintf(out, n, "%s/../share/llama-vocab/%s", dirname(lib), DEFAULT_VOCAB);
    if (access(out, R_OK) == 0) return 0;
  }
  return -1;
}

static struct ggml_tensor *add(struct ggml_context *g, struct gguf_context *out, const char *name, int64_t ne0,
                               int64_t ne1, float scale) {
  struct ggml_tensor *t = ne1 ? ggml_new_tensor_2d(g, GGML_TYPE_F32, ne0, ne1) : ggml_new_tensor_1d(g, GGML_TYPE_F32, ne0);
  ggml_set_name(t, name);
  float *d = t->data;
  int64_t n = ggml_nelements(t);
  for (int64_t i = 0; i < n; i++) d[i] = scale == 0.0f ? 1.0f : scale * next_uniform();
  gguf_add_tensor(out, t);
  return t;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || argv[1][0] == '-') {
    fprintf(stderr, "usage: make_tiny_gguf OUT.gguf [VOCAB.gguf]\n"
                    "  VOCAB defaults to llama.cpp's share/llama-vocab/%s\n", DEFAULT_VOCAB);
    return 2;
  }
  char vocab_path[4096];
  if (argc == 3) {
    snprintf(vocab_path, sizeof vocab_path, "%s", argv[2]);
  } else if (default_vocab(vocab_path, sizeof vocab_path) != 0) {
    fprintf(stderr, "make_tiny_gguf: no vocabulary file found (set DS_LLAMA_PREFIX or pass VOCAB.gguf)\n");
    return 1;
  }
  struct gguf_init_params ip = {.no_alloc = true, .ctx = NULL};
  struct gguf_context *vocab = gguf_init_from_file(vocab_path, ip);
  if (!vocab) {
    fprintf(stderr, "make_tiny_gguf: %s: not a readable GGUF file\n", vocab_path);
    return 1;
  }
  int64_t k_tokens = gguf_find_key(vocab, "tokenizer.ggml.tokens");
  if (k_tokens < 0) {
    fprintf(stderr, "make_tiny_gguf: %s: has no tokenizer.ggml.tokens\n", vocab_path);
    gguf_free(vocab);
    return 1;
  }
  int64_t n_vocab = (int64_t)gguf_get_arr_n(vocab, k_tokens);

  /* the tokenizer's key/value pairs (and the chat template, when the vocabulary has one) */
  struct gguf_context *out = gguf_init_empty();
  gguf_set_kv(out, vocab);
  for (int64_t i = gguf_get_n_kv(out) - 1; i >= 0; i--) {
    const char *key = gguf_get_key(out, i);
    if (strncmp(key, "tokenizer.", 10) != 0) gguf_remove_key(out, key);
  }
  gguf_free(vocab);
  gguf_set_val_str(out, "general.architecture", "llama");
  gguf_set_val_str(out, "general.name", "depsim tiny random llama");
  gguf_set_val_u32(out, "general.file_type", 0); /* all F32 */
  gguf_set_val_u32(out, "llama.context_length", N_CTX);
  gguf_set_val_u32(out, "llama.embedding_length", N_EMBD);
  gguf_set_val_u32(out, "llama.block_count", N_LAYER);
  gguf_set_val_u32(out, "llama.feed_forward_length", N_FF);
  gguf_set_val_u32(out, "llama.attention.head_count", N_HEAD);
  gguf_set_val_u32(out, "llama.attention.head_count_kv", N_HEAD_KV);
  gguf_set_val_u32(out, "llama.rope.dimension_count", N_EMBD / N_HEAD);
  gguf_set_val_f32(out, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_u32(out, "llama.vocab_size", (uint32_t)n_vocab);

  int64_t n_kv = N_EMBD / N_HEAD * N_HEAD_KV;
  size_t floats = (size_t)(2 * n_vocab * N_EMBD + N_EMBD) +
                  (size_t)N_LAYER * (2 * N_EMBD + 2 * N_EMBD * N_EMBD + 2 * N_EMBD * n_kv + 3 * N_EMBD * N_FF);
  struct ggml_init_params gp = {.mem_size = floats * sizeof(float) + 64 * ggml_tensor_overhead(), .mem_buffer = NULL,
                                .no_alloc = false};
  struct ggml_context *g = ggml_init(gp);
  if (!g) {
    fprintf(stderr, "make_tiny_gguf: out of memory\n");
    gguf_free(out);
    return 1;
  }
  add(g, out, "token_embd.weight", N_EMBD, n_vocab, 1.0f);
  add(g, out, "output_norm.weight", N_EMBD, 0, 0.0f);
  add(g, out, "output.weight", N_EMBD, n_vocab, 0.5f);
  for (int l = 0; l < N_LAYER; l++) {
    char name[64];
    float s = 1.0f / 8.0f; /* ~1/sqrt(N_EMBD) */
#define T(suffix, ne0, ne1, scale) (snprintf(name, sizeof name, "blk.%d." suffix, l), add(g, out, name, ne0, ne1, scale))
    T("attn_norm.weight", N_EMBD, 0, 0.0f);
    T("attn_q.weight", N_EMBD, N_EMBD, s);
    T("attn_k.weight", N_EMBD, n_kv, s);
    T("attn_v.weight", N_EMBD, n_kv, s);
    T("attn_output.weight", N_EMBD, N_EMBD, s);
    T("ffn_norm.weight", N_EMBD, 0, 0.0f);
    T("ffn_gate.weight", N_EMBD, N_FF, s);
    T("ffn_up.weight", N_EMBD, N_FF, s);
    T("ffn_down.weight", N_FF, N_EMBD, 1.0f / 11.0f);
#undef T
  }
  /* written beside OUT and renamed, so concurrent tests never read half a file */
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", argv[1], (long)getpid());
  bool ok = gguf_write_to_file(out, tmp, false) && rename(tmp, argv[1]) == 0;
  ggml_free(g);
  gguf_free(out);
  if (!ok) {
    fprintf(stderr, "make_tiny_gguf: %s: write failed\n", argv[1]);
    unlink(tmp);
    return 1;
  }
  printf("%s: llama, %d layers, dim %d, %lld tokens from %s\n", argv[1], N_LAYER, N_EMBD, (long long)n_vocab,
         vocab_path);
  return 0;
}
