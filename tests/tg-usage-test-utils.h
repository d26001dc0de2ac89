/* tg-usage-test-utils.h: usage rows and aggregate checks shared by the store
 * and analytics tests. */
#pragma once

#include "tg-db.h"

G_BEGIN_DECLS

/* UTC milliseconds of a calendar time. */
gint64         tg_test_utc_ms       (int y, int mo, int d, int h, int mi, int s, int ms);

/* A "chat" attempt; "ok" ones get 20 ms to the first token and HTTP 200,
 * every one 100 ms in total. */
TgUsageRecord *tg_test_make_usage   (gint64      time_ms,
                                     const char *provider_id,
                                     const char *model_id,
                                     const char *outcome,
                                     gint64      input_tokens,
                                     gint64      output_tokens,
                                     gint64      cached_tokens,
                                     gboolean    estimated,
                                     gint64      cost_micros);

typedef struct {
  const char *key;
  gint64 bucket_start_ms;
  gint64 requests, failures, estimated, input, output, cached, cost;
} TgTestExpected;

void           tg_test_assert_aggregate  (const TgUsageAggregate *agg,
                                          const TgTestExpected   *expected);
void           tg_test_assert_aggregates (GPtrArray              *got,
                                          const TgTestExpected   *expected,
                                          guint                   n_expected);

G_END_DECLS
