/* tg-provider-test-utils.h: what the provider adapter tests
 * (test-provider-openai/anthropic/gemini/ollama.c) share. */
#pragma once

#include "tg-provider-adapter.h"

G_BEGIN_DECLS

/* The JSON body of a built request (asserted to be there). */
JsonObject   *tg_provider_test_request_body (SoupMessage *message);

/* The full URL of a built request. */
char         *tg_provider_test_message_url  (SoupMessage *message);

/* @adapter's parse_response() on a whole reply; NULL with @error set if it fails. */
TgChatResult *tg_provider_test_parse_reply  (const TgProviderAdapter  *adapter,
                                             const char               *json,
                                             GError                  **error);

/* A whole stream fed through the real framing (SSE or NDJSON) into
 * @adapter's parse_stream_event(). */
typedef struct {
  const TgProviderAdapter *adapter;
  TgChatResult *result;
  GPtrArray    *deltas;
  GError       *error;
  union {
    guint       events;   /* SSE events seen */
    guint       lines;    /* NDJSON lines seen */
  };
  gboolean      done_before_last;
} TgProviderTestStream;

/* @chunk: bytes per feed, to split events anywhere. */
TgProviderTestStream *tg_provider_test_run_sse_stream    (const TgProviderAdapter *adapter,
                                                          const char              *wire,
                                                          gsize                    chunk);
/* NDJSON has no event names: each line goes to the adapter with a NULL type. */
TgProviderTestStream *tg_provider_test_run_ndjson_stream (const TgProviderAdapter *adapter,
                                                          const char              *wire,
                                                          gsize                    chunk);
void                  tg_provider_test_stream_free       (TgProviderTestStream    *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgProviderTestStream, tg_provider_test_stream_free)

G_END_DECLS
