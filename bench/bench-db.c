/* bench-db.c: TgDb with a big usage history.
 *
 * Inserts N usage rows (default 1 000 000; argv[1] overrides) spread over 90
 * days through tg_db_insert_usage() in transactions of 10 000, then times
 * tg_db_aggregate_usage() for every grouping over the last 30 days and over all
 * 90 days: best and median of 5 runs. Everything lives in a temporary folder
 * that is removed at the end.
 *
 *   bench-db [ROWS]
 */

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tg-db.h"

#define DAY_MS     G_GINT64_CONSTANT (86400000)
#define BATCH      10000
#define RUNS       5

typedef struct {
  const char *id;
  guint weight;                 /* share of the traffic, percent */
  const char *models[5];
  gint64 price_input_micros;    /* per 1M tokens */
  gint64 price_output_micros;
} Provider;

/* Nine providers, thirty models, shaped like the shipped catalogue. */
static const Provider providers[] = {
  { "openai", 28, { "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4o-mini" }, 1250000, 10000000 },
  { "anthropic", 24, { "claude-sonnet-5", "claude-haiku-4-5" }, 3000000, 15000000 },
  { "gemini", 14, { "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite" }, 1250000, 10000000 },
  { "openrouter", 8, { "openai/gpt-5", "openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash" }, 1000000, 5000000 },
  { "groq", 7, { "llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b" }, 590000, 790000 },
  { "deepseek", 6, { "deepseek-chat", "deepseek-reasoner" }, 560000, 1680000 },
  { "mistral", 5, { "mistral-medium-2508", "mistral-large-2411", "mistral-small-2506" }, 400000, 2000000 },
  { "xai", 4, { "grok-4-0709", "grok-4-fast-non-reasoning", "grok-3-mini" }, 3000000, 15000000 },
  { "ollama", 4, { "llama3.2", "qwen3:8b", "gemma3:4b", "mistral", "llama3.1:8b" }, 0, 0 },
};

static const char * const failures[] = {
  "rate-limited", "overloaded", "server", "timeout", "network", "auth", "bad-response", "cancelled",
};

static const char * const group_names[] = {
  [TG_USAGE_GROUP_NONE] = "totals",
  [TG_USAGE_GROUP_PROVIDER] = "provider",
  [TG_USAGE_GROUP_MODEL] = "model",
  [TG_USAGE_GROUP_HOUR] = "hour",
  [TG_USAGE_GROUP_DAY] = "day",
};

static guint
n_models (const Provider *provider)
{
  guint n = 0;

  while (n < G_N_ELEMENTS (provider->models) && provider->models[n] != NULL)
    n++;
  return n;
}

static const Provider *
pick_provider (GRand *rand)
{
  guint roll = g_rand_int_range (rand, 0, 100);

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      if (roll < providers[i].weight)
        return &providers[i];
      roll -= providers[i].weight;
    }

  return &providers[0];
}

static void
fill_record (TgUsageRecord  *record,
             GRand          *rand,
             gint64          time_ms,
             const Provider *provider,
             gint64          fallback_of)
{
  gboolean failed = g_rand_int_range (rand, 0, 100) < 4;

  g_free (record->provider_id);
  g_free (record->model_id);
  g_free (record->request_kind);
  g_free (record->outcome);

  record->time_ms = time_ms;
  record->provider_id = g_strdup (provider->id);
  record->model_id = g_strdup (provider->models[g_rand_int_range (rand, 0, n_models (provider))]);
  record->request_kind = g_strdup (g_rand_int_range (rand, 0, 20) == 0 ? "embedding" : "chat");
  record->outcome = g_strdup (failed ? failures[g_rand_int_range (rand, 0, G_N_ELEMENTS (failures))] : "ok");
  record->fallback_of = fallback_of;
  record->source = g_rand_int_range (rand, 0, 10) == 0 ? TG_USAGE_SOURCE_CLI : TG_USAGE_SOURCE_APP;

  if (failed)
    {
      record->input_tokens = 0;
      record->output_tokens = 0;
      record->cached_tokens = 0;
      record->tokens_estimated = FALSE;
      record->cost_micros = 0;
      record->latency_first_token_ms = -1;
      record->latency_total_ms = g_rand_int_range (rand, 50, 30000);
      record->http_status = g_rand_boolean (rand) ? 429 + g_rand_int_range (rand, 0, 2) * 71 : 0;
    }
  else
    {
      record->input_tokens = g_rand_int_range (rand, 200, 8000);
      record->output_tokens = g_rand_int_range (rand, 50, 2000);
      record->cached_tokens = g_rand_int_range (rand, 0, 4) == 0 ? record->input_tokens / 2 : 0;
      record->tokens_estimated = g_rand_int_range (rand, 0, 100) == 0;
      record->cost_micros = (record->input_tokens * provider->price_input_micros +
                             record->output_tokens * provider->price_output_micros) / 1000000;
      record->latency_first_token_ms = g_rand_int_range (rand, 150, 2500);
      record->latency_total_ms = record->latency_first_token_ms + g_rand_int_range (rand, 100, 20000);
      record->http_status = provider->price_input_micros == 0 ? 0 : 200;
    }
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
remove_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260329);
  g_autoptr(TgUsageRecord) record = tg_usage_record_new ();
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gint64 n_rows = 1000000;
  gint64 end_ms, start_ms, step_ms;
  gint64 inserted = 0, fallbacks = 0;
  gint64 began;
  double insert_s;
  struct { const char *name; gint64 from_ms; } ranges[2];

  if (argc > 1)
    {
      char *rest = NULL;

      n_rows = g_ascii_strtoll (argv[1], &rest, 10);
      if (rest == argv[1] || *rest != '\0' || n_rows <= 0)
        {
          g_printerr ("Usage: %s [ROWS]\n", argv[0]);
          return EXIT_FAILURE;
        }
    }

  dir = g_dir_make_tmp ("tollgate-bench-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("Cannot make a temporary folder: %s\n", error->message);
      return EXIT_FAILURE;
    }
  path = g_build_filename (dir, "tollgate.db", NULL);

  db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      remove_folder (dir);
      return EXIT_FAILURE;
    }

  /* 90 days up to a fixed instant that is not on a bucket or day boundary, so
   * the ranges below have ragged edges like the ones the app asks for. */
  end_ms = G_GINT64_CONSTANT (1780000000123);
  start_ms = end_ms - 90 * DAY_MS;
  step_ms = MAX ((90 * DAY_MS) / n_rows, 1);

  g_print ("Tollgate database benchmark: %" G_GINT64_FORMAT " usage rows over 90 days, "
           "%u providers, SQLite %s\n", n_rows, (guint) G_N_ELEMENTS (providers), sqlite3_libversion ());

  began = g_get_monotonic_time ();
  while (inserted < n_rows)
    {
      if (!tg_db_begin (db, &error))
        break;

      for (guint i = 0; i < BATCH && inserted < n_rows; i++)
        {
          const Provider *provider = pick_provider (rand);
          gint64 time_ms = start_ms + inserted * step_ms + g_rand_int_range (rand, 0, (gint32) MIN (step_ms, G_MAXINT32));

          fill_record (record, rand, time_ms, provider, 0);
          if (!tg_db_insert_usage (db, record, &error))
            break;
          inserted++;

          /* Half the failures are retried on another provider. */
          if (g_strcmp0 (record->outcome, "ok") != 0 && g_rand_boolean (rand) && inserted < n_rows)
            {
              gint64 failed_id = record->id;

              fill_record (record, rand, time_ms + record->latency_total_ms, pick_provider (rand), failed_id);
              if (!tg_db_insert_usage (db, record, &error))
                break;
              inserted++;
              fallbacks++;
            }
        }

      if (error != NULL)
        {
          tg_db_rollback (db);
          break;
        }
      if (!tg_db_commit (db, &error))
        break;
    }
  insert_s = (g_get_monotonic_time () - began) / 1e6;

  if (error != NULL)
    {
      g_printerr ("Insert failed after %" G_GINT64_FORMAT " rows: %s\n", inserted, error->message);
      g_clear_object (&db);
      remove_folder (dir);
      return EXIT_FAILURE;
    }

  g_print ("\nInsert: %" G_GINT64_FORMAT " rows (%" G_GINT64_FORMAT " fallbacks) in %.2f s: %.0f rows/s "
           "(tg_db_insert_usage, %d per transaction)\n",
           inserted, fallbacks, insert_s, inserted / insert_s, BATCH);

  ranges[0].name = "last 30 days";
  ranges[0].from_ms = end_ms - 30 * DAY_MS;
  ranges[1].name = "all 90 days";
  ranges[1].from_ms = start_ms;

  g_print ("\ntg_db_aggregate_usage, %d runs each (local time zone for hour and day):\n\n", RUNS);
  g_print ("%-9s  %-13s  %8s  %12s  %10s  %10s\n", "group", "range", "results", "requests", "best ms", "median ms");
  g_print ("%-9s  %-13s  %8s  %12s  %10s  %10s\n", "---------", "-------------", "--------",
           "------------", "----------", "----------");

  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      for (TgUsageGroup group = TG_USAGE_GROUP_NONE; group <= TG_USAGE_GROUP_DAY; group++)
        {
          double ms[RUNS];
          guint n_results = 0;
          gint64 requests = 0;

          for (guint run = 0; run < RUNS; run++)
            {
              g_autoptr(GPtrArray) result = NULL;
              gint64 t0 = g_get_monotonic_time ();

              /* A minute past the end takes in the last retries (latency < 30 s). */
              result = tg_db_aggregate_usage (db, ranges[r].from_ms, end_ms + 60000, group, &error);
              ms[run] = (g_get_monotonic_time () - t0) / 1000.0;
              if (result == NULL)
                {
                  g_printerr ("Aggregate failed: %s\n", error->message);
                  g_clear_object (&db);
                  remove_folder (dir);
                  return EXIT_FAILURE;
                }

              n_results = result->len;
              requests = 0;
              for (guint i = 0; i < result->len; i++)
                requests += ((TgUsageAggregate *) result->pdata[i])->requests;
            }

          qsort (ms, RUNS, sizeof ms[0], compare_double);
          g_print ("%-9s  %-13s  %8u  %12" G_GINT64_FORMAT "  %10.2f  %10.2f\n",
                   group_names[group], ranges[r].name, n_results, requests, ms[0], ms[RUNS / 2]);
        }
    }

  g_clear_object (&db);
  remove_folder (dir);

  return EXIT_SUCCESS;
}
