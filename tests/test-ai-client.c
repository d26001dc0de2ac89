/* test-ai-client.c: TgAiClient end to end against the mock provider server,
 * for each wire format: replies, streams, metering, errors, retries,
 * cancellation, timeouts; every attempt must be a row in the store. */

#include <string.h>

#include "tg-ai-client.h"
#include "tg-usage-writer.h"
#include "tg-mock-provider.h"
#include "tg-test-utils.h"

/* One catalogue provider per wire format, all pointing at the mock. */
static const struct {
  const char   *id;
  TgMockFormat  mock;
  const char   *wire;
  const char   *auth;
  const char   *model;
} formats[] = {
  { "mock-openai",    TG_MOCK_FORMAT_OPENAI,    "openai",    "bearer",         "gpt-test" },
  { "mock-anthropic", TG_MOCK_FORMAT_ANTHROPIC, "anthropic", "x-api-key",      "claude-test" },
  { "mock-gemini",    TG_MOCK_FORMAT_GEMINI,    "gemini",    "x-goog-api-key", "gemini-test" },
  { "mock-ollama",    TG_MOCK_FORMAT_OLLAMA,    "ollama",    "none",           "llama-test" },
};

/* $2.00 in, $8.00 out, $0.50 cached, per 1M tokens. */
#define PRICE_IN     2000000
#define PRICE_OUT    8000000
#define PRICE_CACHED  500000

typedef struct {
  TgMockProvider *mock;
  TgDb           *db;
  TgCatalog      *catalog;
  TgSecretStore  *secrets;
  TgAiClient     *client;
  TgConfigService    *config;     /* only the fallback tests set the services up */
  TgAnalyticsService *analytics;
  TgHealthMonitor    *health;
  char           *dir;
  guint           format;   /* index into formats[] */
} Fixture;

typedef struct {
  GMainLoop    *loop;
  TgAiResponse *response;
  GError       *error;
  GString      *text;
  guint         n_deltas;
  GCancellable *cancel_after_first;
  gint64        recorded_id;   /* the last row ::attempt-recorded told of */
  guint         n_recorded;
} Outcome;

static void
write_catalog (Fixture *fixture)
{
  g_autoptr(GString) json = g_string_new ("{\"format_version\":1,\"providers\":[");
  g_autofree char *path = g_build_filename (fixture->dir, "catalog.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *base = tg_mock_provider_get_base_url (fixture->mock, formats[i].mock);
      const char *health = formats[i].mock == TG_MOCK_FORMAT_OPENAI ? "/models"
                         : formats[i].mock == TG_MOCK_FORMAT_ANTHROPIC ? "/v1/models"
                         : formats[i].mock == TG_MOCK_FORMAT_GEMINI ? "/v1beta/models" : "/api/tags";

      g_string_append_printf (json,
        "%s{\"id\":\"%s\",\"name\":\"Mock %s\",\"wire_format\":\"%s\",\"base_url\":\"%s\","
        "\"auth\":\"%s\",\"health_path\":\"%s\",\"docs_url\":\"https://example.com/docs\","
        "\"pricing_url\":\"https://example.com/pricing\",\"prices_as_of\":\"2026-11-01\","
        "\"local\":%s,\"default_model\":\"%s\",\"models\":[{\"id\":\"%s\",\"name\":\"Test\","
        "\"context_window\":128000,\"max_output\":8192,"
        "\"price\":{\"input\":\"2.00\",\"output\":\"8.00\",\"cached_input\":\"0.50\"},"
        "\"capabilities\":[\"streaming\"]}]}",
        i ? "," : "", formats[i].id, formats[i].wire, formats[i].wire, base, formats[i].auth, health,
        g_str_equal (formats[i].auth, "none") ? "true" : "false", formats[i].model, formats[i].model);
    }
  g_string_append (json, "]}");

  g_assert_true (g_file_set_contents (path, json->str, -1, NULL));
  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_sync_to_db (fixture->catalog, fixture->db, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->format = GPOINTER_TO_UINT (user_data);
  fixture->dir = tg_test_make_data_dir ();
  fixture->mock = tg_mock_provider_new ();
  g_assert_true (tg_mock_provider_start (fixture->mock, 0, &error));
  g_assert_no_error (error);

  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  fixture->catalog = tg_catalog_new ();
  write_catalog (fixture);
  fixture->secrets = tg_secret_store_new ();
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (!g_str_equal (formats[i].auth, "none"))
      {
        g_assert_true (tg_secret_store_store_sync (fixture->secrets, formats[i].id, "sk-test-key-1234", NULL, &error));
        g_assert_no_error (error);
      }

  fixture->client = tg_ai_client_new (fixture->db, fixture->catalog, fixture->secrets);
  /* Fast retries so the suite stays quick; the policy itself is what is tested. */
  tg_ai_client_set_retry_policy (fixture->client, 3, 10, 40, 5000);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->health);
  g_clear_object (&fixture->analytics);
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  tg_mock_provider_stop (fixture->mock);
  g_clear_object (&fixture->mock);
  g_clear_pointer (&fixture->dir, g_free);
}

static void
on_delta (const char *delta,
          gpointer    user_data)
{
  Outcome *outcome = user_data;

  g_assert_cmpstr (delta, !=, "");
  g_string_append (outcome->text, delta);
  outcome->n_deltas++;
  if (outcome->cancel_after_first != NULL)
    g_cancellable_cancel (outcome->cancel_after_first);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->response = tg_ai_client_send_finish (TG_AI_CLIENT (source), result, &outcome->error);
  g_main_loop_quit (outcome->loop);
}

static void
on_recorded (TgAiClient    *client,
             TgUsageRecord *record,
             gpointer       user_data)
{
  Outcome *outcome = user_data;

  g_assert_cmpint (record->id, >, 0);
  outcome->recorded_id = record->id;
  outcome->n_recorded++;
}

/* The answering attempt's row is written after the reply is returned: waits
 * for the writer, then runs what its completions queued on this context. */
static void
wait_for_rows (TgDb *db)
{
  tg_usage_writer_flush (tg_db_get_usage_writer (db));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Sends on @client with @outcome, then waits for the rows. */
static void
run_request (TgAiClient        *client,
             TgDb              *db,
             const TgAiRequest *request,
             GCancellable      *cancellable,
             Outcome           *outcome)
{
  gulong handler = g_signal_connect (client, "attempt-recorded", G_CALLBACK (on_recorded), outcome);

  outcome->loop = g_main_loop_new (NULL, FALSE);
  outcome->text = g_string_new (NULL);
  tg_ai_client_send_async (client, request, on_delta, outcome, cancellable, on_sent, outcome);
  g_main_loop_run (outcome->loop);
  wait_for_rows (db);
  g_signal_handler_disconnect (client, handler);
}

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->loop, g_main_loop_unref);
  g_clear_pointer (&outcome->response, tg_ai_response_free);
  g_clear_error (&outcome->error);
  if (outcome->text)
    g_string_free (outcome->text, TRUE);
  outcome->text = NULL;
  g_clear_object (&outcome->cancel_after_first);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
send (Fixture      *fixture,
      gboolean      stream,
      GCancellable *cancellable,
      Outcome      *outcome)
{
  TgAiRequest request = TG_AI_REQUEST_INIT;

  request.provider_id = formats[fixture->format].id;
  request.system = "Answer briefly.";
  request.prompt = "Explain WAL mode in one line.";
  request.stream = stream;

  run_request (fixture->client, fixture->db, &request, cancellable, outcome);
}

static GPtrArray *
usage_rows (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  wait_for_rows (fixture->db);
  rows = tg_db_list_usage (fixture->db, 0, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  /* Oldest first reads better in assertions. */
  for (guint i = 0; i < rows->len / 2; i++)
    {
      gpointer tmp = rows->pdata[i];
      rows->pdata[i] = rows->pdata[rows->len - 1 - i];
      rows->pdata[rows->len - 1 - i] = tmp;
    }
  return rows;
}

static TgMockFormat
mock_format (Fixture *fixture)
{
  return formats[fixture->format].mock;
}

/* What TgUsage the mock's numbers mean once normalised: Anthropic's
 * input_tokens leave out cache reads and writes. */
static gint64
expected_input (Fixture           *fixture,
                const TgMockUsage *usage)
{
  if (mock_format (fixture) == TG_MOCK_FORMAT_ANTHROPIC)
    return usage->input + usage->cached + usage->cache_creation;
  return usage->input;
}

static void
check_reply (Fixture  *fixture,
             gboolean  stream)
{
  static const TgMockUsage usage = { .input = 1200, .output = 345, .cached = 800 };
  const char *text = "WAL appends changes to a log, so readers never wait for writers.";
  TgMockReply reply = { .text = text, .usage = &usage, .n_chunks = 5 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageRecord *row;
  gint64 input = expected_input (fixture, &usage);
  /* Gemini and Ollama report no cached tokens in the mock for Ollama. */
  gint64 cached = mock_format (fixture) == TG_MOCK_FORMAT_OLLAMA ? 0 : usage.cached;
  gint64 expected_cost = ((input - cached) * PRICE_IN + cached * PRICE_CACHED + usage.output * PRICE_OUT + 500000) / 1000000;

  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &reply);
  send (fixture, stream, NULL, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_nonnull (outcome.response);
  g_assert_cmpstr (outcome.response->text, ==, text);
  g_assert_cmpstr (outcome.response->provider_id, ==, formats[fixture->format].id);
  g_assert_cmpstr (outcome.response->model_id, ==, formats[fixture->format].model);
  if (stream)
    {
      g_assert_cmpstr (outcome.text->str, ==, text);
      g_assert_cmpuint (outcome.n_deltas, >=, 2);
    }
  else
    g_assert_cmpuint (outcome.n_deltas, ==, 0);

  /* Exactly the numbers the server sent. */
  g_assert_false (outcome.response->tokens_estimated);
  g_assert_cmpint (outcome.response->usage.input_tokens, ==, input);
  g_assert_cmpint (outcome.response->usage.output_tokens, ==, usage.output);
  g_assert_cmpint (outcome.response->usage.cached_tokens, ==, cached);
  g_assert_cmpint (outcome.response->cost_micros, ==, expected_cost);
  g_assert_cmpuint (outcome.response->attempts, ==, 1);
  g_assert_cmpint (outcome.response->latency_first_token_ms, <=, outcome.response->latency_total_ms);

  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 1);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpint (row->id, ==, outcome.recorded_id);
  g_assert_cmpuint (outcome.n_recorded, ==, 1);
  g_assert_cmpstr (row->outcome, ==, "ok");
  g_assert_cmpstr (row->provider_id, ==, formats[fixture->format].id);
  g_assert_cmpint (row->input_tokens, ==, input);
  g_assert_cmpint (row->output_tokens, ==, usage.output);
  g_assert_cmpint (row->cached_tokens, ==, cached);
  g_assert_cmpint (row->cost_micros, ==, expected_cost);
  g_assert_cmpuint (row->http_status, ==, 200);
  g_assert_false (row->tokens_estimated);
  g_assert_cmpint (row->latency_first_token_ms, >=, 0);
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, mock_format (fixture),
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 1);
}

static void
test_reply (Fixture       *fixture,
            gconstpointer  user_data)
{
  check_reply (fixture, FALSE);
}

static void
test_stream (Fixture       *fixture,
             gconstpointer  user_data)
{
  check_reply (fixture, TRUE);
}

static void
test_no_usage_is_estimated (Fixture       *fixture,
                            gconstpointer  user_data)
{
  TgMockReply reply = { .text = "Twelve characters of reply, give or take a few.", .omit_usage = TRUE };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageRecord *row;

  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &reply);
  send (fixture, TRUE, NULL, &outcome);
  g_assert_no_error (outcome.error);

  /* Never silently free: the estimate is used and flagged. */
  g_assert_true (outcome.response->tokens_estimated);
  g_assert_cmpint (outcome.response->usage.output_tokens, ==, tg_ai_client_estimate_tokens (reply.text));
  g_assert_cmpint (outcome.response->usage.input_tokens, >, 0);
  g_assert_cmpint (outcome.response->cost_micros, >, 0);

  rows = usage_rows (fixture);
  row = g_ptr_array_index (rows, 0);
  g_assert_true (row->tokens_estimated);
  g_assert_cmpint (row->output_tokens, ==, outcome.response->usage.output_tokens);
  g_assert_cmpint (row->cost_micros, ==, outcome.response->cost_micros);
}

typedef struct {
  guint        status;
  const char  *error_type;
  TgErrorClass expected;
} ErrorCase;

static void
test_error_classes (Fixture       *fixture,
                    gconstpointer  user_data)
{
  static const ErrorCase cases[] = {
    { 401, NULL, TG_ERROR_CLASS_AUTH },
    { 400, NULL, TG_ERROR_CLASS_BAD_REQUEST },
    { 404, NULL, TG_ERROR_CLASS_BAD_REQUEST },
    { 429, NULL, TG_ERROR_CLASS_RATE_LIMITED },
    { 500, NULL, TG_ERROR_CLASS_SERVER },
    { 503, NULL, TG_ERROR_CLASS_OVERLOADED },
  };

  /* One attempt, so each status is one row. */
  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TgMockReply reply = { .status = cases[i].status, .error_type = cases[i].error_type };

      /* Anthropic sheds load with its own 529 (overloaded_error). */
      if (mock_format (fixture) == TG_MOCK_FORMAT_ANTHROPIC && cases[i].status == 503)
        reply.status = 529;
      g_auto(Outcome) outcome = { 0 };
      g_autoptr(GPtrArray) rows = NULL;
      TgUsageRecord *row;

      /* Ollama has no auth and no 429/503 of its own. */
      if (mock_format (fixture) == TG_MOCK_FORMAT_OLLAMA && cases[i].status != 404 && cases[i].status != 500)
        continue;

      tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &reply);
      send (fixture, i % 2 == 0, NULL, &outcome);
      g_test_message ("status %u → %s", cases[i].status, outcome.error ? outcome.error->message : "no error");
      g_assert_error (outcome.error, TG_PROVIDER_ERROR, (gint) cases[i].expected);
      /* The message names the provider. */
      g_assert_true (g_str_has_prefix (outcome.error->message, "Mock "));

      rows = usage_rows (fixture);
      row = g_ptr_array_index (rows, rows->len - 1);
      g_assert_cmpstr (row->outcome, ==, tg_error_class_to_string (cases[i].expected));
      g_assert_cmpuint (row->http_status, ==, reply.status);
      g_assert_cmpint (row->cost_micros, ==, 0);
    }
}

static void
test_retry_after (Fixture       *fixture,
                  gconstpointer  user_data)
{
  TgMockReply limited = { .status = 429, .retry_after = "1" };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageRecord *first, *second;
  gint64 start = g_get_monotonic_time ();

  if (mock_format (fixture) == TG_MOCK_FORMAT_OLLAMA)
    limited.status = 503;

  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &limited);
  send (fixture, TRUE, NULL, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_cmpuint (outcome.response->attempts, ==, 2);
  /* Retry-After: 1 was honoured (a lower bound; never an upper one). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);

  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 2);
  first = g_ptr_array_index (rows, 0);
  second = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (first->outcome, !=, "ok");
  g_assert_cmpstr (second->outcome, ==, "ok");
  g_assert_cmpint (second->fallback_of, ==, first->id);
  g_assert_cmpint (second->id, ==, outcome.recorded_id);
  g_assert_cmpuint (outcome.n_recorded, ==, 2);
}

static void
test_retry_after_too_long (Fixture       *fixture,
                           gconstpointer  user_data)
{
  TgMockReply limited = { .status = mock_format (fixture) == TG_MOCK_FORMAT_OLLAMA ? 503 : 429,
                          .retry_after = "3600" };
  g_auto(Outcome) outcome = { 0 };

  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &limited);
  send (fixture, FALSE, NULL, &outcome);

  /* An hour is past the 5 s this fixture honours: no retry, and the error says why. */
  g_assert_nonnull (outcome.error);
  g_assert_nonnull (strstr (outcome.error->message, "wait 3600 s"));
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, mock_format (fixture),
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 1);
}

static void
test_not_retried (Fixture       *fixture,
                  gconstpointer  user_data)
{
  TgMockReply bad = { .status = mock_format (fixture) == TG_MOCK_FORMAT_OLLAMA ? 404 : 401 };
  g_auto(Outcome) outcome = { 0 };

  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &bad);
  send (fixture, TRUE, NULL, &outcome);
  g_assert_nonnull (outcome.error);
  /* Auth and bad requests do not get better by asking again. */
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, mock_format (fixture),
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 1);
}

static void
test_retries_exhausted (Fixture       *fixture,
                        gconstpointer  user_data)
{
  TgMockReply failing = { .status = 500 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  tg_mock_provider_set_default_reply (fixture->mock, mock_format (fixture), &failing);
  send (fixture, FALSE, NULL, &outcome);
  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 3);
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpint (((TgUsageRecord *) rows->pdata[i])->fallback_of, ==, ((TgUsageRecord *) rows->pdata[i - 1])->id);
}

static void
check_bad_response (Fixture     *fixture,
                    TgMockFault  fault,
                    gboolean     stream)
{
  TgMockReply reply = { .fault = fault, .fault_chunk = 1, .n_chunks = 4 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);
  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &reply);
  send (fixture, stream, NULL, &outcome);

  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((TgUsageRecord *) rows->pdata[0])->outcome, ==, "bad-response");
}

static void
test_truncated_stream (Fixture       *fixture,
                       gconstpointer  user_data)
{
  check_bad_response (fixture, TG_MOCK_FAULT_CUT, TRUE);
}

static void
test_truncated_body (Fixture       *fixture,
                     gconstpointer  user_data)
{
  check_bad_response (fixture, TG_MOCK_FAULT_CUT, FALSE);
}

static void
test_malformed_stream (Fixture       *fixture,
                       gconstpointer  user_data)
{
  check_bad_response (fixture, TG_MOCK_FAULT_MALFORMED, TRUE);
}

static void
test_malformed_body (Fixture       *fixture,
                     gconstpointer  user_data)
{
  check_bad_response (fixture, TG_MOCK_FAULT_MALFORMED, FALSE);
}

static void
test_cancel_mid_stream (Fixture       *fixture,
                        gconstpointer  user_data)
{
  static const TgMockUsage usage = { .input = 500, .output = 40 };
  TgMockReply slow = { .text = "one two three four five six seven eight", .n_chunks = 8,
                       .chunk_delay_ms = 300, .usage = &usage };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageRecord *row;

  outcome.cancel_after_first = g_cancellable_new ();
  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &slow);
  send (fixture, TRUE, outcome.cancel_after_first, &outcome);

  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (outcome.n_deltas, ==, 1);

  /* The attempt is recorded with what was received so far. */
  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 1);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->outcome, ==, "cancelled");
  g_assert_cmpint (row->output_tokens, >, 0);
  g_assert_cmpint (row->input_tokens, >, 0);
  g_assert_cmpint (row->cost_micros, >, 0);
  if (mock_format (fixture) == TG_MOCK_FORMAT_ANTHROPIC)
    {
      /* message_start already carried the input side: no estimate needed. */
      g_assert_false (row->tokens_estimated);
      g_assert_cmpint (row->input_tokens, ==, usage.input);
    }
}

static void
test_first_byte_timeout (Fixture       *fixture,
                         gconstpointer  user_data)
{
  TgMockReply slow = { .first_byte_delay_ms = 3000 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);
  tg_ai_client_set_timeouts (fixture->client, 200, 0, 0);
  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &slow);
  send (fixture, TRUE, NULL, &outcome);

  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_TIMEOUT);
  rows = usage_rows (fixture);
  g_assert_cmpstr (((TgUsageRecord *) rows->pdata[0])->outcome, ==, "timeout");
}

/* The catalogue is loaded again, as when a provider is edited in the
 * preferences: every provider the old one held is freed. */
static gboolean
reload_catalog_cb (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *path = g_build_filename (fixture->dir, "catalog.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GPtrArray *before = tg_catalog_get_providers (fixture->catalog);

  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_get_providers (fixture->catalog) != before);
  return G_SOURCE_REMOVE;
}

/* A request in flight keeps the catalogue it started with: the provider it
 * names in its error is still whole after the catalogue changed under it
 * (under ASan this was a use after free). */
static void
test_catalog_changes_mid_request (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  TgMockReply slow_failure = { .status = 500, .first_byte_delay_ms = 300 };
  g_auto(Outcome) outcome = { 0 };

  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);
  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &slow_failure);
  g_timeout_add (50, reload_catalog_cb, fixture);
  send (fixture, TRUE, NULL, &outcome);

  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  g_assert_true (g_str_has_prefix (outcome.error->message, "Mock "));
}

static void
test_reply_size_cap (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *big = g_strnfill (64 * 1024, 'x');
  TgMockReply reply = { .text = big };
  g_auto(Outcome) outcome = { 0 };

  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);
  tg_ai_client_set_max_reply_size (fixture->client, 16 * 1024);
  tg_mock_provider_enqueue (fixture->mock, mock_format (fixture), &reply);
  send (fixture, FALSE, NULL, &outcome);
  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
}

static void
test_no_key (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (mock_format (fixture) == TG_MOCK_FORMAT_OLLAMA)
    return;

  tg_secret_store_delete_sync (fixture->secrets, formats[fixture->format].id, NULL, NULL, &error);
  g_assert_no_error (error);
  send (fixture, TRUE, NULL, &outcome);

  /* The message says how to add one; nothing was sent or recorded. */
  g_assert_error (outcome.error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_NO_KEY);
  g_assert_nonnull (strstr (outcome.error->message, "tollgate key set"));
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, mock_format (fixture),
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 0);
  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 0);
}

static void
test_refusals (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = tg_db_open_default (&error);
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (&error);
  g_autoptr(TgSecretStore) secrets = tg_secret_store_new ();
  g_autoptr(TgAiClient) client = tg_ai_client_new (db, catalog, secrets);
  static const struct { const char *provider, *model, *prompt; int code; } cases[] = {
    { "openai", NULL, "  \n", TG_AI_CLIENT_ERROR_INVALID },
    { "nosuch", NULL, "hi", TG_AI_CLIENT_ERROR_UNKNOWN_PROVIDER },
    { "openai", "gpt-99-imaginary", "hi", TG_AI_CLIENT_ERROR_UNKNOWN_MODEL },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TgAiRequest request = TG_AI_REQUEST_INIT;
      g_auto(Outcome) outcome = { 0 };

      request.provider_id = cases[i].provider;
      request.model_id = cases[i].model;
      request.prompt = cases[i].prompt;
      outcome.loop = g_main_loop_new (NULL, FALSE);
      tg_ai_client_send_async (client, &request, NULL, NULL, NULL, on_sent, &outcome);
      g_main_loop_run (outcome.loop);
      g_assert_error (outcome.error, TG_AI_CLIENT_ERROR, cases[i].code);
    }
}

static void
test_cost (void)
{
  TgModelCapabilities model = { .price_input_micros = 3000000, .price_output_micros = 15000000,
                                .price_cached_input_micros = 300000 };
  /* 1000 fresh input, 2000 cache reads, 400 cache writes, 500 output:
   * 1000×3 + 2000×0.3 + 400×3×1.25 + 500×15 = 3000 + 600 + 1500 + 7500 = 12600 µ$ per… /1M tokens → 0.0126 $. */
  TgUsage usage = { .input_tokens = 3400, .cached_tokens = 2000, .cache_write_tokens = 400, .output_tokens = 500 };
  TgUsage tiny = { .input_tokens = 1, .output_tokens = 0 };

  g_assert_cmpint (tg_ai_client_cost_micros (&model, &usage), ==, 12600);
  /* 1 token at $3/M is 3 µ$. */
  g_assert_cmpint (tg_ai_client_cost_micros (&model, &tiny), ==, 3);
  g_assert_cmpint (tg_ai_client_cost_micros (NULL, &usage), ==, 0);

  g_assert_cmpint (tg_ai_client_estimate_tokens (NULL), ==, 0);
  g_assert_cmpint (tg_ai_client_estimate_tokens (""), ==, 0);
  g_assert_cmpint (tg_ai_client_estimate_tokens ("abcd"), ==, 1);
  g_assert_cmpint (tg_ai_client_estimate_tokens ("abcde"), ==, 2);
  /* Characters, not bytes. */
  g_assert_cmpint (tg_ai_client_estimate_tokens ("ééééé"), ==, 2);
}

/* Nothing chosen yet: the first catalogue provider with a key answers; with
 * no key at all the refusal says what to do. */
static void
test_default_provider (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_auto(Outcome) first = { 0 };
  g_auto(Outcome) none = { 0 };
  TgAiRequest request = TG_AI_REQUEST_INIT;

  /* Keep only the Gemini mock's key (the others come earlier in the catalogue). */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (i != fixture->format && !g_str_equal (formats[i].auth, "none"))
      {
        tg_secret_store_delete_sync (fixture->secrets, formats[i].id, NULL, NULL, &error);
        g_assert_no_error (error);
      }

  request.prompt = "hi";
  first.loop = g_main_loop_new (NULL, FALSE);
  first.text = g_string_new (NULL);
  tg_ai_client_send_async (fixture->client, &request, on_delta, &first, NULL, on_sent, &first);
  g_main_loop_run (first.loop);
  g_assert_no_error (first.error);
  g_assert_cmpstr (first.response->provider_id, ==, formats[fixture->format].id);
  g_assert_cmpstr (first.response->model_id, ==, formats[fixture->format].model);

  tg_secret_store_delete_sync (fixture->secrets, formats[fixture->format].id, NULL, NULL, &error);
  g_assert_no_error (error);
  none.loop = g_main_loop_new (NULL, FALSE);
  tg_ai_client_send_async (fixture->client, &request, NULL, NULL, NULL, on_sent, &none);
  g_main_loop_run (none.loop);
  g_assert_error (none.error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_NO_PROVIDER);
  g_assert_nonnull (strstr (none.error->message, "tollgate key set"));
}

/* Fallback: the services wired as the app does, the OpenAI mock preferred and
 * the Anthropic mock behind it. */
static void
services_setup (Fixture            *fixture,
                const char * const *fallback_order)
{
  static const TgCircuitBreakerConfig circuit = { 10, 5, 50, 2, 60000, 600000, 1 };
  g_autoptr(GError) error = NULL;

  fixture->config = tg_config_service_new (fixture->db, fixture->catalog);
  fixture->analytics = tg_analytics_service_new (fixture->db, fixture->catalog, fixture->config);
  fixture->health = tg_health_monitor_new (fixture->db, fixture->catalog, fixture->secrets);
  tg_health_monitor_set_circuit_config (fixture->health, &circuit);
  tg_ai_client_set_services (fixture->client, fixture->config, fixture->analytics, fixture->health);

  g_assert_true (tg_config_service_set_default_provider (fixture->config, "mock-openai", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_config_service_set_fallback_order (fixture->config, fallback_order, &error));
  g_assert_no_error (error);
}

static void
send_preferred (Fixture  *fixture,
                gboolean  no_fallback,
                Outcome  *outcome)
{
  TgAiRequest request = TG_AI_REQUEST_INIT;

  request.prompt = "Explain WAL mode in one line.";
  request.no_fallback = no_fallback;
  run_request (fixture->client, fixture->db, &request, NULL, outcome);
}

static guint
usage_rows_count (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = usage_rows (fixture);

  return rows->len;
}

static guint
completions (Fixture      *fixture,
             TgMockFormat  format)
{
  return tg_mock_provider_get_request_count (fixture->mock, format, TG_MOCK_ENDPOINT_COMPLETION);
}

/* A provider that fails with a retryable error is replaced at once by the next
 * one in the user's order; both attempts are rows, the second pointing at the
 * first, and the caller learns who answered. */
static void
test_fallback_answers (Fixture       *fixture,
                       gconstpointer  user_data)
{
  const char * const order[] = { "mock-anthropic", NULL };
  TgMockReply overloaded = { .status = 503 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageRecord *failed, *answered;

  services_setup (fixture, order);
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, &overloaded);

  send_preferred (fixture, FALSE, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.response->provider_id, ==, "mock-anthropic");
  g_assert_cmpstr (outcome.response->model_id, ==, "claude-test");
  g_assert_cmpstr (outcome.response->fallback_from, ==, "mock-openai");
  g_assert_cmpstr (outcome.response->text, ==, TG_MOCK_DEFAULT_TEXT);
  g_assert_cmpuint (outcome.response->attempts, ==, 2);
  /* No backoff and retries on the failing provider while a fallback is there. */
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 1);
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_ANTHROPIC), ==, 1);

  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 2);
  failed = g_ptr_array_index (rows, 0);
  answered = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (failed->provider_id, ==, "mock-openai");
  g_assert_cmpstr (failed->outcome, ==, "overloaded");
  g_assert_cmpuint (failed->http_status, ==, 503);
  g_assert_cmpstr (answered->provider_id, ==, "mock-anthropic");
  g_assert_cmpstr (answered->outcome, ==, "ok");
  g_assert_cmpint (answered->fallback_of, ==, failed->id);
  g_assert_cmpint (answered->id, ==, outcome.recorded_id);
  g_assert_cmpuint (outcome.n_recorded, ==, 2);

  /* The failure reached the health monitor as a passive result. */
  {
    g_autoptr(TgProviderHealth) health = tg_health_monitor_get_health (fixture->health, "mock-openai");

    g_assert_cmpuint (health->n_samples, ==, 1);
    g_assert_cmpstr (health->last_error_class, ==, "overloaded");
  }
}

/* The fallback is asked for the model the user mapped it to. */
static void
test_fallback_explicit_model (Fixture       *fixture,
                              gconstpointer  user_data)
{
  const char * const order[] = { "mock-anthropic", NULL };
  TgMockReply server_error = { .status = 500 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  services_setup (fixture, order);
  g_assert_true (tg_config_service_set_fallback_model (fixture->config, "mock-anthropic", "claude-test", &error));
  g_assert_no_error (error);
  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &server_error);

  send_preferred (fixture, FALSE, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.response->provider_id, ==, "mock-anthropic");
  body = tg_mock_provider_get_last_request_body (fixture->mock, TG_MOCK_FORMAT_ANTHROPIC,
                                                 TG_MOCK_ENDPOINT_COMPLETION);
  g_assert_nonnull (strstr (body, "\"model\":\"claude-test\""));
}

/* Failures that another provider would not fix (a bad key, a bad request)
 * are the user's to see, not to hide behind a fallback. */
static void
test_fallback_not_for_auth (Fixture       *fixture,
                            gconstpointer  user_data)
{
  const char * const order[] = { "mock-anthropic", NULL };
  TgMockReply unauthorized = { .status = 401 };
  g_auto(Outcome) outcome = { 0 };

  services_setup (fixture, order);
  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &unauthorized);

  send_preferred (fixture, FALSE, &outcome);
  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_ANTHROPIC), ==, 0);
}

/* A fallback without a key is passed over; one with a key answers. With
 * no_fallback the preferred provider is retried and its error comes back. */
static void
test_fallback_skips_unkeyed (Fixture       *fixture,
                             gconstpointer  user_data)
{
  const char * const order[] = { "mock-gemini", "mock-anthropic", NULL };
  TgMockReply overloaded = { .status = 503 };
  g_auto(Outcome) outcome = { 0 };
  g_auto(Outcome) alone = { 0 };
  g_autoptr(GError) error = NULL;

  services_setup (fixture, order);
  tg_secret_store_delete_sync (fixture->secrets, "mock-gemini", NULL, NULL, &error);
  g_assert_no_error (error);
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, &overloaded);

  send_preferred (fixture, FALSE, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.response->provider_id, ==, "mock-anthropic");
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_GEMINI), ==, 0);

  send_preferred (fixture, TRUE, &alone);
  g_assert_error (alone.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_OVERLOADED);
  g_assert_nonnull (strstr (alone.error->message, "Mock openai"));
  /* One attempt the first time, three (the retry policy) the second. */
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 4);
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_ANTHROPIC), ==, 1);
}

/* When every provider of the chain fails, the error names the last one and
 * says the ones before it failed too. */
static void
test_fallback_all_fail (Fixture       *fixture,
                        gconstpointer  user_data)
{
  const char * const order[] = { "mock-anthropic", NULL };
  TgMockReply overloaded = { .status = 503 };
  TgMockReply server_error = { .status = 500 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  services_setup (fixture, order);
  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, &overloaded);
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_ANTHROPIC, &server_error);

  send_preferred (fixture, FALSE, &outcome);
  g_assert_error (outcome.error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  g_assert_nonnull (strstr (outcome.error->message, "Mock anthropic"));
  g_assert_nonnull (strstr (outcome.error->message, "Mock openai"));
  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpint (((TgUsageRecord *) g_ptr_array_index (rows, 1))->fallback_of, ==,
                   ((TgUsageRecord *) g_ptr_array_index (rows, 0))->id);
}

/* A provider whose circuit is open is not even asked: the request goes
 * straight to the fallback, and with no fallback it is refused at once. */
static void
test_fallback_open_circuit (Fixture       *fixture,
                            gconstpointer  user_data)
{
  const char * const order[] = { "mock-anthropic", NULL };
  const char * const none[] = { NULL };
  g_auto(Outcome) outcome = { 0 };
  g_auto(Outcome) refused = { 0 };
  g_autoptr(GError) error = NULL;

  services_setup (fixture, order);
  /* Two server failures in a row trip this test's circuit. */
  tg_health_monitor_report (fixture->health, "mock-openai", FALSE, 100, 500, "server");
  tg_health_monitor_report (fixture->health, "mock-openai", FALSE, 100, 500, "server");
  g_assert_cmpint (tg_health_monitor_get_status (fixture->health, "mock-openai"), ==, TG_HEALTH_STATUS_DOWN);

  send_preferred (fixture, FALSE, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.response->provider_id, ==, "mock-anthropic");
  g_assert_cmpstr (outcome.response->fallback_from, ==, "mock-openai");
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 0);

  g_assert_true (tg_config_service_set_fallback_order (fixture->config, none, &error));
  g_assert_no_error (error);
  send_preferred (fixture, FALSE, &refused);
  g_assert_error (refused.error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_PROVIDER_DOWN);
  g_assert_nonnull (strstr (refused.error->message, "Mock openai"));
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 0);
}

/* With the hard limit on and the budget spent, nothing is sent and the
 * refusal states spend and limit. */
static void
test_hard_limit_refuses (Fixture       *fixture,
                         gconstpointer  user_data)
{
  const char * const none[] = { NULL };
  g_auto(Outcome) first = { 0 };
  g_auto(Outcome) second = { 0 };
  g_auto(Outcome) refused = { 0 };
  g_autoptr(GError) error = NULL;

  services_setup (fixture, none);
  /* $0.0001: the mock's default reply (12 in, 8 out at $2/$8 per 1M) costs $0.000088. */
  g_assert_true (tg_config_service_set_budget (fixture->config, 100, TG_BUDGET_PERIOD_DAILY, &error));
  g_assert_no_error (error);
  g_assert_true (tg_config_service_set_hard_limit (fixture->config, TRUE, &error));
  g_assert_no_error (error);

  /* 88 of 100 spent: still allowed; then 176: refused before sending. */
  send_preferred (fixture, FALSE, &first);
  g_assert_no_error (first.error);
  g_assert_cmpint (first.response->cost_micros, ==, 88);
  send_preferred (fixture, FALSE, &second);
  g_assert_no_error (second.error);
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 2);

  send_preferred (fixture, FALSE, &refused);
  g_assert_error (refused.error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED);
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 2);
  g_assert_cmpuint (usage_rows_count (fixture), ==, 2);
}

/* Another process holding the store's write lock holds back neither the
 * reply nor the main loop, and loses no row: the row waits on the writer
 * thread and lands once the lock is let go. (Written on the main thread, the
 * reply waited out the 5 s busy timeout and its row was lost.) */
static void
test_locked_store (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) other = tg_db_open (tg_db_get_path (fixture->db), TG_DB_OPEN_NO_MIGRATE, &error);
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  TgAiRequest request = TG_AI_REQUEST_INIT;
  TgUsageWriter *writer = tg_db_get_usage_writer (fixture->db);
  gulong handler;

  g_assert_no_error (error);
  g_assert_true (tg_db_begin (other, &error));
  g_assert_no_error (error);

  request.provider_id = formats[fixture->format].id;
  request.prompt = "Explain WAL mode in one line.";
  handler = g_signal_connect (fixture->client, "attempt-recorded", G_CALLBACK (on_recorded), &outcome);
  outcome.loop = g_main_loop_new (NULL, FALSE);
  outcome.text = g_string_new (NULL);
  tg_ai_client_send_async (fixture->client, &request, on_delta, &outcome, NULL, on_sent, &outcome);
  g_main_loop_run (outcome.loop);
  g_assert_no_error (outcome.error);
  g_assert_nonnull (outcome.response);
  /* The reply came while the lock was still held: its row is still queued. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (outcome.n_recorded, ==, 0);
  g_assert_cmpuint (tg_usage_writer_get_pending (writer), ==, 1);

  g_assert_true (tg_db_commit (other, &error));
  g_assert_no_error (error);
  rows = usage_rows (fixture);
  g_signal_handler_disconnect (fixture->client, handler);
  g_assert_cmpuint (outcome.n_recorded, ==, 1);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (((TgUsageRecord *) rows->pdata[0])->id, ==, outcome.recorded_id);
  g_assert_cmpstr (((TgUsageRecord *) rows->pdata[0])->outcome, ==, "ok");
  g_assert_cmpint (((TgUsageRecord *) rows->pdata[0])->cost_micros, ==, outcome.response->cost_micros);
}

int
main (int   argc,
      char *argv[])
{
  static const struct { const char *name; void (*func) (Fixture *, gconstpointer); } cases[] = {
    { "reply", test_reply },
    { "stream", test_stream },
    { "no-usage-is-estimated", test_no_usage_is_estimated },
    { "error-classes", test_error_classes },
    { "retry-after", test_retry_after },
    { "retry-after-too-long", test_retry_after_too_long },
    { "not-retried", test_not_retried },
    { "retries-exhausted", test_retries_exhausted },
    { "truncated-stream", test_truncated_stream },
    { "truncated-body", test_truncated_body },
    { "malformed-stream", test_malformed_stream },
    { "malformed-body", test_malformed_body },
    { "cancel-mid-stream", test_cancel_mid_stream },
    { "first-byte-timeout", test_first_byte_timeout },
    { "reply-size-cap", test_reply_size_cap },
    { "no-key", test_no_key },
  };

  tg_test_init (&argc, &argv);

  g_test_add_func ("/ai-client/cost", test_cost);
  g_test_add_func ("/ai-client/refusals", test_refusals);
  /* The Gemini mock: third in the catalogue, so earlier keyed providers must be skipped. */
  g_test_add ("/ai-client/default-provider", Fixture, GUINT_TO_POINTER (2), fixture_setup,
              test_default_provider, fixture_teardown);
  g_test_add ("/ai-client/fallback/answers", Fixture, NULL, fixture_setup, test_fallback_answers, fixture_teardown);
  g_test_add ("/ai-client/fallback/explicit-model", Fixture, NULL, fixture_setup, test_fallback_explicit_model,
              fixture_teardown);
  g_test_add ("/ai-client/fallback/not-for-auth", Fixture, NULL, fixture_setup, test_fallback_not_for_auth,
              fixture_teardown);
  g_test_add ("/ai-client/fallback/skips-unkeyed", Fixture, NULL, fixture_setup, test_fallback_skips_unkeyed,
              fixture_teardown);
  g_test_add ("/ai-client/fallback/all-fail", Fixture, NULL, fixture_setup, test_fallback_all_fail,
              fixture_teardown);
  g_test_add ("/ai-client/fallback/open-circuit", Fixture, NULL, fixture_setup, test_fallback_open_circuit,
              fixture_teardown);
  g_test_add ("/ai-client/hard-limit", Fixture, NULL, fixture_setup, test_hard_limit_refuses, fixture_teardown);
  g_test_add ("/ai-client/locked-store", Fixture, NULL, fixture_setup, test_locked_store, fixture_teardown);
  g_test_add ("/ai-client/catalog-changes-mid-request", Fixture, NULL, fixture_setup,
              test_catalog_changes_mid_request, fixture_teardown);
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *path = g_strdup_printf ("/ai-client/%s/%s", formats[f].wire, cases[i].name);
        g_test_add (path, Fixture, GUINT_TO_POINTER (f), fixture_setup, cases[i].func, fixture_teardown);
      }

  return g_test_run ();
}
