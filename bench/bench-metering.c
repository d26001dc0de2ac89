/* bench-metering.c: what metering costs on top of the request itself.
 *
 * Sends N streamed requests (default 500; argv[1] overrides) to the mock
 * provider on 127.0.0.1 through TgAiClient (request building, SSE framing,
 * per-event JSON parsing, usage, cost, one row in a real TgDb in WAL mode,
 * written by its TgUsageWriter thread),
 * and the same requests with bare libsoup: the same message from the adapter's
 * build_request, sent and read to the end, nothing parsed or recorded. Both
 * run one request at a time on the same GMainContext, one of each in turn, so
 * that drift (CPU frequency, page cache, the database growing) falls on both
 * alike. Reports per-request mean and median and the ratio client/bare. Exits
 * 0 whatever the ratio: the figure is reported, not asserted. Everything lives
 * in a temporary folder that is removed at the end.
 *
 * By default the mock sends the events back to back, which leaves nothing but
 * the client's own work between them: the worst case. CHUNK_DELAY_MS spaces
 * them out as a real provider's token rate does.
 *
 *   bench-metering [REQUESTS [CHUNK_DELAY_MS]]
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "tg-ai-client.h"
#include "tg-bench-data.h"
#include "tg-mock-provider.h"
#include "tg-usage-writer.h"

#define WARMUP      20
#define N_CHUNKS    60
/* The role chunk, the text chunks, the finish chunk, the usage chunk, [DONE]. */
#define N_EVENTS    (N_CHUNKS + 4)
#define READ_CHUNK  16384
#define PROVIDER_ID "bench-openai"
#define MODEL_ID    "gpt-bench"

/* About 1,500 characters, a few of them outside ASCII as in real replies. */
static const char reply_text[] =
  "Write-ahead logging changes how SQLite commits a transaction. Instead of copying the "
  "original pages to a rollback journal and then overwriting the database file, it appends "
  "the changed pages to a separate -wal file and leaves the database untouched. A commit is "
  "then a single append followed, with synchronous=NORMAL, by no fsync at all: the log is "
  "synced only when it is checkpointed back into the main file. Readers keep working while a "
  "writer commits, because each reader remembers the last valid frame in the log when its "
  "transaction began and ignores anything appended after that point. That is why a second "
  "process — the command-line tool, say — can read usage figures while the app records new "
  "ones, without either of them waiting on a lock. The price is a little more work on reads, "
  "which must look in the log’s index before the database, and a log that grows until a "
  "checkpoint runs; by default that happens automatically once it passes 1,000 pages. For an "
  "app that inserts one small row per request and reads aggregates now and then, the trade is "
  "an easy one: commits become cheap appends, readers never block the writer, and a power cut "
  "loses at most the last few transactions, never the consistency of the file. Two caveats "
  "remain. WAL does not work over network file systems, since it relies on shared memory "
  "between processes on one host, and the -wal and -shm files must travel with the database "
  "when it is copied while open. Neither applies to a per-user data folder on a local disk.";

typedef struct {
  const char *name;
  double     *ms;      /* wall time per request, in the order sent */
  double     *cpu_ms;  /* the main thread's CPU time per request */
  guint       n;
} Series;

typedef struct {
  GMainLoop    *loop;
  TgAiClient   *client;
  SoupSession  *session;        /* the bare path's, configured like the client's */
  const TgCatalogProvider *provider;
  TgChatRequest *chat;
  GError       *error;

  /* The request under way. */
  gint64        began_us;
  gint64        ended_us;
  SoupMessage  *message;
  GInputStream *stream;
  gsize         bytes;
  guint         deltas;
  guint8        buffer[READ_CHUNK];
} Bench;

/* Client path */

static void
on_delta (const char *delta,
          gpointer    user_data)
{
  Bench *bench = user_data;

  bench->deltas++;
}

static void
client_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(TgAiResponse) response = NULL;

  response = tg_ai_client_send_finish (TG_AI_CLIENT (source), result, &bench->error);
  bench->ended_us = g_get_monotonic_time ();

  /* A benchmark of a path that silently failed would measure nothing. */
  if (response != NULL &&
      (strcmp (response->text, reply_text) != 0 || response->tokens_estimated ||
       response->usage.input_tokens != 1200 || response->usage.output_tokens != 375 ||
       response->cost_micros <= 0))
    g_set_error (&bench->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "TgAiClient returned an unexpected reply (%zu characters, %" G_GINT64_FORMAT " in, %"
                 G_GINT64_FORMAT " out, %" G_GINT64_FORMAT " µ$)",
                 strlen (response->text), response->usage.input_tokens,
                 response->usage.output_tokens, response->cost_micros);

  g_main_loop_quit (bench->loop);
}

static void
client_start (Bench *bench)
{
  TgAiRequest request = TG_AI_REQUEST_INIT;

  request.provider_id = PROVIDER_ID;
  request.model_id = MODEL_ID;
  request.system = bench->chat->system;
  request.prompt = ((TgChatMessage *) g_ptr_array_index (bench->chat->messages, 0))->content;
  request.stream = TRUE;

  tg_ai_client_send_async (bench->client, &request, on_delta, bench, NULL, client_sent_cb, bench);
}

/* Bare path */

static void
bare_done (Bench *bench)
{
  bench->ended_us = g_get_monotonic_time ();
  g_clear_object (&bench->stream);
  g_clear_object (&bench->message);
  g_main_loop_quit (bench->loop);
}

static void
bare_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bench *bench = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &bench->error);

  if (n > 0)
    {
      bench->bytes += n;
      g_input_stream_read_async (bench->stream, bench->buffer, sizeof bench->buffer,
                                 G_PRIORITY_DEFAULT, NULL, bare_read_cb, bench);
      return;
    }
  bare_done (bench);
}

static void
bare_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bench *bench = user_data;

  bench->stream = soup_session_send_finish (SOUP_SESSION (source), result, &bench->error);
  if (bench->stream == NULL)
    {
      bare_done (bench);
      return;
    }
  if (soup_message_get_status (bench->message) != SOUP_STATUS_OK)
    {
      g_set_error (&bench->error, G_IO_ERROR, G_IO_ERROR_FAILED, "bare request: HTTP %u",
                   soup_message_get_status (bench->message));
      bare_done (bench);
      return;
    }
  g_input_stream_read_async (bench->stream, bench->buffer, sizeof bench->buffer,
                             G_PRIORITY_DEFAULT, NULL, bare_read_cb, bench);
}

static void
bare_start (Bench *bench)
{
  const TgProviderAdapter *adapter = tg_provider_adapter_for_format (TG_WIRE_FORMAT_OPENAI);

  /* Built per request as the client does, so only what follows the send differs. */
  bench->message = adapter->build_request (bench->provider, NULL, bench->chat, &bench->error);
  if (bench->message == NULL)
    {
      bench->ended_us = g_get_monotonic_time ();
      g_main_loop_quit (bench->loop);
      return;
    }
  soup_session_send_async (bench->session, bench->message, G_PRIORITY_DEFAULT, NULL,
                           bare_sent_cb, bench);
}

/* CPU time of the calling thread: the app's side only, whatever the mock's
 * thread does meanwhile. */
static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One request of either kind, run to its end on the main loop; its wall and
 * CPU times in ms. */
static gboolean
run_one (Bench    *bench,
         gboolean  client,
         double   *ms,
         double   *cpu_ms)
{
  double cpu_began = thread_cpu_ms ();

  bench->bytes = 0;
  bench->deltas = 0;
  bench->began_us = g_get_monotonic_time ();
  if (client)
    client_start (bench);
  else
    bare_start (bench);
  g_main_loop_run (bench->loop);

  if (bench->error != NULL)
    return FALSE;
  if (client && bench->deltas < N_CHUNKS / 2)
    {
      g_set_error (&bench->error, G_IO_ERROR, G_IO_ERROR_FAILED, "only %u deltas", bench->deltas);
      return FALSE;
    }
  if (!client && bench->bytes < sizeof reply_text)
    {
      g_set_error (&bench->error, G_IO_ERROR, G_IO_ERROR_FAILED, "a short bare reply: %zu bytes", bench->bytes);
      return FALSE;
    }
  if (ms != NULL)
    *ms = (bench->ended_us - bench->began_us) / 1000.0;
  if (cpu_ms != NULL)
    *cpu_ms = thread_cpu_ms () - cpu_began;
  return TRUE;
}

/* Statistics */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct {
  double mean, median, p90, p99, min, total, cpu_mean, cpu_total;
} Stats;

static Stats
stats_of (const Series *series)
{
  g_autofree double *sorted = g_memdup2 (series->ms, series->n * sizeof (double));
  Stats stats = { 0 };

  qsort (sorted, series->n, sizeof (double), compare_double);
  for (guint i = 0; i < series->n; i++)
    {
      stats.total += sorted[i];
      stats.cpu_total += series->cpu_ms[i];
    }
  stats.cpu_mean = stats.cpu_total / series->n;
  stats.mean = stats.total / series->n;
  stats.median = series->n % 2 ? sorted[series->n / 2]
                               : (sorted[series->n / 2 - 1] + sorted[series->n / 2]) / 2;
  stats.p90 = sorted[MIN ((guint) (series->n * 0.9), series->n - 1)];
  stats.p99 = sorted[MIN ((guint) (series->n * 0.99), series->n - 1)];
  stats.min = sorted[0];
  return stats;
}

static void
print_row (const Series *series,
           const Stats  *stats)
{
  g_print ("%-14s  %8u  %9.3f  %9.3f  %9.3f  %9.3f  %9.3f  %9.3f  %9.3f\n", series->name, series->n,
           stats->mean, stats->median, stats->p90, stats->p99, stats->min, stats->total / 1000.0, stats->cpu_mean);
}

/* Setup */

static gboolean
write_catalog (const char      *dir,
               TgMockProvider  *mock,
               TgCatalog       *catalog,
               TgDb            *db,
               GError         **error)
{
  g_autofree char *base = tg_mock_provider_get_base_url (mock, TG_MOCK_FORMAT_OPENAI);
  g_autofree char *path = g_build_filename (dir, "catalog.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *json = NULL;

  /* Keyless, so no keyring is involved; priced, so cost is computed as for a paid model. */
  json = g_strdup_printf (
    "{\"format_version\":1,\"providers\":[{\"id\":\"" PROVIDER_ID "\",\"name\":\"Bench\","
    "\"wire_format\":\"openai\",\"base_url\":\"%s\",\"auth\":\"none\",\"health_path\":\"/models\","
    "\"docs_url\":\"https://example.com/docs\",\"pricing_url\":\"https://example.com/pricing\","
    "\"prices_as_of\":\"2026-11-01\",\"local\":true,\"default_model\":\"" MODEL_ID "\","
    "\"models\":[{\"id\":\"" MODEL_ID "\",\"name\":\"Bench\",\"context_window\":128000,"
    "\"max_output\":8192,\"price\":{\"input\":\"2.00\",\"output\":\"8.00\",\"cached_input\":\"0.50\"},"
    "\"capabilities\":[\"streaming\"]}]}]}", base);

  return g_file_set_contents (path, json, -1, error) &&
         tg_catalog_load_file (catalog, file, error) &&
         tg_catalog_sync_to_db (catalog, db, error);
}

static gint64
count_rows (TgDb    *db,
            GError **error)
{
  g_autoptr(GPtrArray) rows = tg_db_aggregate_usage (db, 0, G_MAXINT64, TG_USAGE_GROUP_NONE, error);
  gint64 requests = 0;

  if (rows == NULL)
    return -1;
  for (guint i = 0; i < rows->len; i++)
    requests += ((TgUsageAggregate *) rows->pdata[i])->requests;
  return requests;
}

static gboolean
measure (Bench  *bench,
         Series *client,
         Series *bare,
         guint   n_requests)
{
  /* The page cache, SQLite's statement cache and the lazily initialised
   * types all settle before anything is counted. */
  for (guint i = 0; i < 2 * WARMUP; i++)
    if (!run_one (bench, i % 2 == 0, NULL, NULL))
      return FALSE;

  /* One of each in turn, which one first alternating: a drift in the
   * machine's speed falls on both alike, and neither always follows the
   * other (a client request leaves its row to be written meanwhile). */
  for (guint i = 0; i < n_requests; i++)
    for (guint j = 0; j < 2; j++)
      {
        gboolean is_client = (i + j) % 2 == 0;
        Series *series = is_client ? client : bare;

        if (!run_one (bench, is_client, &series->ms[series->n], &series->cpu_ms[series->n]))
          return FALSE;
        series->n++;
      }
  return TRUE;
}

static gboolean
run (Bench   *bench,
     TgDb    *db,
     guint    n_requests,
     GError **error)
{
  g_autofree double *client_ms = g_new (double, 2 * n_requests);
  g_autofree double *bare_ms = g_new (double, 2 * n_requests);
  Series client = { "TgAiClient", client_ms, client_ms + n_requests, 0 };
  Series bare = { "bare libsoup", bare_ms, bare_ms + n_requests, 0 };
  Stats client_stats, bare_stats;
  TgUsageWriter *writer;
  guint pending;
  gint64 flush_began_us;
  double flush_ms;
  gint64 rows;

  if (!measure (bench, &client, &bare, n_requests))
    {
      g_propagate_error (error, g_steal_pointer (&bench->error));
      return FALSE;
    }

  /* Rows are written on the writer thread while the next request runs: how
   * far behind it was when the last reply came, then wait for it. */
  writer = tg_db_get_usage_writer (db);
  pending = tg_usage_writer_get_pending (writer);
  flush_began_us = g_get_monotonic_time ();
  tg_usage_writer_flush (writer);
  flush_ms = (g_get_monotonic_time () - flush_began_us) / 1000.0;
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Every client request, warm-up included, must have left its row. */
  rows = count_rows (db, error);
  if (rows < 0)
    return FALSE;
  if (rows != n_requests + WARMUP)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%" G_GINT64_FORMAT " usage rows for %u client requests",
                   rows, n_requests + WARMUP);
      return FALSE;
    }

  client_stats = stats_of (&client);
  bare_stats = stats_of (&bare);

  g_print ("%-14s  %8s  %9s  %9s  %9s  %9s  %9s  %9s  %9s\n", "method", "requests", "mean ms", "median ms",
           "p90 ms", "p99 ms", "min ms", "total s", "CPU ms");
  g_print ("%-14s  %8s  %9s  %9s  %9s  %9s  %9s  %9s  %9s\n", "--------------", "--------", "---------",
           "---------", "---------", "---------", "---------", "---------", "---------");
  print_row (&client, &client_stats);
  print_row (&bare, &bare_stats);
  g_print ("\nMetering overhead per request: %.3f ms (median), %.3f ms (mean)\n",
           client_stats.median - bare_stats.median, client_stats.mean - bare_stats.mean);
  g_print ("Ratio client/bare: %.3f (medians), %.3f (totals); goal < 1.05\n",
           client_stats.median / bare_stats.median, client_stats.total / bare_stats.total);
  g_print ("Main-thread CPU per request: %.3f ms more with TgAiClient (%.3f ms per stream event)\n",
           client_stats.cpu_mean - bare_stats.cpu_mean,
           (client_stats.cpu_mean - bare_stats.cpu_mean) / N_EVENTS);
  g_print ("Usage rows recorded: %" G_GINT64_FORMAT " (%d warm-up + %u measured); "
           "%u still queued after the last reply, written %.2f ms later\n",
           rows, WARMUP, n_requests, pending, flush_ms);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  static const TgMockUsage usage = { .input = 1200, .output = 375 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgMockProvider) mock = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgSecretStore) secrets = NULL;
  g_autoptr(TgChatRequest) chat = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *user_agent = NULL;
  g_autofree Bench *bench = NULL;
  TgMockReply reply = { 0 };
  guint64 n_requests = 500;
  guint64 chunk_delay_ms = 0;
  gboolean ok;

  /* The desktop proxy resolver reads GSettings schemas, which a bare
   * environment may lack; the mock is on loopback, where no proxy applies. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  if ((argc > 1 && !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXUINT32 / 4, &n_requests, NULL)) ||
      (argc > 2 && !g_ascii_string_to_unsigned (argv[2], 10, 0, 1000, &chunk_delay_ms, NULL)) ||
      argc > 3)
    {
      g_printerr ("Usage: %s [REQUESTS [CHUNK_DELAY_MS]]\n", argv[0]);
      return EXIT_FAILURE;
    }

  dir = g_dir_make_tmp ("tollgate-bench-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("Cannot make a temporary folder: %s\n", error->message);
      return EXIT_FAILURE;
    }
  /* Nothing the core opens by default may land in the user's real data folder. */
  g_setenv ("TOLLGATE_DATA_DIR", dir, TRUE);
  db_path = g_build_filename (dir, "tollgate.db", NULL);

  mock = tg_mock_provider_new ();
  reply.text = reply_text;
  reply.n_chunks = N_CHUNKS;
  reply.usage = &usage;
  reply.chunk_delay_ms = (guint) chunk_delay_ms;
  tg_mock_provider_set_default_reply (mock, TG_MOCK_FORMAT_OPENAI, &reply);

  catalog = tg_catalog_new ();
  secrets = tg_secret_store_new ();
  if (!tg_mock_provider_start (mock, 0, &error) ||
      (db = tg_db_open (db_path, TG_DB_OPEN_DEFAULT, &error)) == NULL ||
      !write_catalog (dir, mock, catalog, db, &error))
    {
      g_printerr ("Setup failed: %s\n", error->message);
      g_clear_object (&db);
      tg_bench_remove_folder (dir);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  user_agent = g_strdup_printf ("Tollgate/%s", PACKAGE_VERSION);
  chat = tg_chat_request_new (MODEL_ID, "Answer in one paragraph.",
                              "Explain what SQLite's WAL mode changes for an app that records every request.");
  chat->stream = TRUE;

  bench = g_new0 (Bench, 1);
  bench->loop = loop;
  bench->client = tg_ai_client_new (db, catalog, secrets);
  bench->session = soup_session_new_with_options ("user-agent", user_agent, NULL);
  bench->provider = tg_catalog_get_provider (catalog, PROVIDER_ID);
  bench->chat = chat;

  g_print ("Tollgate metering overhead: %u streamed requests per method to the mock provider on 127.0.0.1\n"
           "(OpenAI format, %zu-byte reply in %d text events of %d, usage included, %u ms between events),\n"
           "one of each in turn, %d warm-up requests each\n\n",
           (guint) n_requests, strlen (reply_text), N_CHUNKS, N_EVENTS, (guint) chunk_delay_ms,
           WARMUP);

  ok = run (bench, db, (guint) n_requests, &error);
  if (!ok)
    g_printerr ("Benchmark failed: %s\n", error->message);

  g_clear_object (&bench->client);
  g_clear_object (&bench->session);
  tg_mock_provider_stop (mock);
  g_clear_object (&db);
  tg_bench_remove_folder (dir);

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
