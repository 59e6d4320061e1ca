/*
 * The WebAssembly side of src/io/codecs/zstd-wasm.ts: one streaming ZSTD decoder (zstd's own
 * ZSTD_DStream, lib/decompress of the reference library) with an input and an output buffer that
 * the JavaScript side fills and empties through the module's memory.
 *
 * One call of dec_step runs ZSTD_decompressStream once (zstd.h, "Streaming decompression"): it
 * consumes what it can of the input and writes at most the output buffer's capacity. JavaScript
 * copies the output out and calls again until the input is used up and the output was not full.
 * The window is capped with ZSTD_d_windowLogMax; frame checksums (XXH64) are verified by zstd.
 */
#include <stddef.h>
#include <stdlib.h>

#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"

#define EXPORT(name) __attribute__((export_name(#name)))

typedef struct {
  ZSTD_DStream *ds;
  ZSTD_inBuffer in;
  ZSTD_outBuffer out;
  size_t inCap;
  size_t hint;
} Dec;

/* A decoder with buffers of these sizes and a window of at most 2^windowLogMax bytes; 0 when out of memory. */
EXPORT(dec_new) Dec *dec_new(size_t inCap, size_t outCap, int windowLogMax) {
  Dec *d = (Dec *)calloc(1, sizeof(Dec));
  if (!d) return 0;
  d->ds = ZSTD_createDStream();
  void *in = malloc(inCap);
  void *out = malloc(outCap);
  if (!d->ds || !in || !out ||
      ZSTD_isError(ZSTD_DCtx_setParameter(d->ds, ZSTD_d_windowLogMax, windowLogMax))) {
    ZSTD_freeDStream(d->ds);
    free(in);
    free(out);
    free(d);
    return 0;
  }
  d->in.src = in;
  d->inCap = inCap;
  d->out.dst = out;
  d->out.size = outCap;
  return d;
}

EXPORT(dec_free) void dec_free(Dec *d) {
  if (!d) return;
  ZSTD_freeDStream(d->ds);
  free((void *)d->in.src);
  free(d->out.dst);
  free(d);
}

/* Forgets any frame in progress (the next input starts a frame). */
EXPORT(dec_reset) void dec_reset(Dec *d) {
  ZSTD_DCtx_reset(d->ds, ZSTD_reset_session_only);
  d->in.size = d->in.pos = 0;
  d->hint = 0;
}

EXPORT(dec_in_ptr) void *dec_in_ptr(Dec *d) { return (void *)d->in.src; }
EXPORT(dec_in_cap) size_t dec_in_cap(Dec *d) { return d->inCap; }
EXPORT(dec_out_ptr) void *dec_out_ptr(Dec *d) { return d->out.dst; }

/* The first n bytes of the input buffer are new input (call when the previous input is used up). */
EXPORT(dec_feed) void dec_feed(Dec *d, size_t n) {
  d->in.size = n;
  d->in.pos = 0;
}

/* Input bytes not yet consumed. */
EXPORT(dec_in_left) size_t dec_in_left(Dec *d) { return d->in.size - d->in.pos; }

/* zstd's hint after the last step: 0 when a frame has just been completed (and checked). */
EXPORT(dec_hint) size_t dec_hint(Dec *d) { return d->hint; }

/* Decodes once into the output buffer: the bytes written (≥ 0), or -(zstd error code). */
EXPORT(dec_step) long dec_step(Dec *d) {
  d->out.pos = 0;
  size_t r = ZSTD_decompressStream(d->ds, &d->out, &d->in);
  if (ZSTD_isError(r)) return -(long)ZSTD_getErrorCode(r);
  d->hint = r;
  return (long)d->out.pos;
}

/* zstd's text for an error code (a NUL-terminated string in memory). */
EXPORT(dec_error_name) const char *dec_error_name(int code) { return ZSTD_getErrorString((ZSTD_ErrorCode)code); }
