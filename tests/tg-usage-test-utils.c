/* tg-usage-test-utils.c: usage rows and aggregate checks shared by the store
 * and analytics tests. */

#include "tg-usage-test-utils.h"

gint64
tg_test_utc_ms (int y, int mo, int d, int h, int mi, int s, int ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (y, mo, d, h, mi, s);

  return g_date_time_to_unix (dt) * 1000 + ms;
}

TgUsageRecord *
tg_test_make_usage (gint64      time_ms,
                    const char *provider_id,
                    const char *model_id,
                    const char *outcome,
                    gint64      input_tokens,
                    gint64      output_tokens,
                    gint64      cached_tokens,
                    gboolean    estimated,
                    gint64      cost_micros)
{
  TgUsageRecord *record = tg_usage_record_new ();

  record->time_ms = time_ms;
  record->provider_id = g_strdup (provider_id);
  record->model_id = g_strdup (model_id);
  record->request_kind = g_strdup ("chat");
  record->outcome = g_strdup (outcome);
  record->input_tokens = input_tokens;
  record->output_tokens = output_tokens;
  record->cached_tokens = cached_tokens;
  record->tokens_estimated = estimated;
  record->cost_micros = cost_micros;
  record->latency_total_ms = 100;
  if (g_str_equal (outcome, "ok"))
    {
      record->latency_first_token_ms = 20;
      record->http_status = 200;
    }

  return record;
}

void
tg_test_assert_aggregate (const TgUsageAggregate *agg,
                          const TgTestExpected   *expected)
{
  g_assert_cmpstr (agg->key, ==, expected->key);
  g_assert_cmpint (agg->bucket_start_ms, ==, expected->bucket_start_ms);
  g_assert_cmpint (agg->requests, ==, expected->requests);
  g_assert_cmpint (agg->failures, ==, expected->failures);
  g_assert_cmpint (agg->estimated, ==, expected->estimated);
  g_assert_cmpint (agg->input_tokens, ==, expected->input);
  g_assert_cmpint (agg->output_tokens, ==, expected->output);
  g_assert_cmpint (agg->cached_tokens, ==, expected->cached);
  g_assert_cmpint (agg->cost_micros, ==, expected->cost);
}

void
tg_test_assert_aggregates (GPtrArray            *got,
                           const TgTestExpected *expected,
                           guint                 n_expected)
{
  g_assert_nonnull (got);
  g_assert_cmpuint (got->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    tg_test_assert_aggregate (g_ptr_array_index (got, i), &expected[i]);
}
