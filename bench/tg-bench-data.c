/* tg-bench-data.c: the usage history the benchmarks share (see the header). */

#include "tg-bench-data.h"

#include <glib/gstdio.h>

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

int
tg_bench_compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

void
tg_bench_remove_folder (const char *path)
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


void
tg_bench_fill_record (TgUsageRecord *record,
                      GRand         *rand,
                      gint64         time_ms,
                      gint64         fallback_of)
{
  fill_record (record, rand, time_ms, pick_provider (rand), fallback_of);
}

guint
tg_bench_n_providers (void)
{
  return G_N_ELEMENTS (providers);
}

gint64
tg_bench_fill_usage (TgDb    *db,
                     GRand   *rand,
                     gint64   n_rows,
                     gint64   start_ms,
                     gint64   end_ms,
                     gint64  *fallbacks,
                     GError **error)
{
  g_autoptr(TgUsageRecord) record = tg_usage_record_new ();
  gint64 step_ms = MAX ((end_ms - start_ms) / n_rows, 1);
  gint64 inserted = 0;
  gint64 retries = 0;
  GError *local_error = NULL;

  while (inserted < n_rows)
    {
      if (!tg_db_begin (db, &local_error))
        break;

      for (guint i = 0; i < TG_BENCH_BATCH && inserted < n_rows; i++)
        {
          const Provider *provider = pick_provider (rand);
          gint64 time_ms = start_ms + inserted * step_ms + g_rand_int_range (rand, 0, (gint32) MIN (step_ms, G_MAXINT32));

          fill_record (record, rand, time_ms, provider, 0);
          if (!tg_db_insert_usage (db, record, &local_error))
            break;
          inserted++;

          /* Half the failures are retried on another provider. */
          if (g_strcmp0 (record->outcome, "ok") != 0 && g_rand_boolean (rand) && inserted < n_rows)
            {
              gint64 failed_id = record->id;

              fill_record (record, rand, time_ms + record->latency_total_ms, pick_provider (rand), failed_id);
              if (!tg_db_insert_usage (db, record, &local_error))
                break;
              inserted++;
              retries++;
            }
        }

      if (local_error != NULL)
        {
          tg_db_rollback (db);
          break;
        }
      if (!tg_db_commit (db, &local_error))
        break;
    }

  if (fallbacks != NULL)
    *fallbacks = retries;
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error,
                                  "Insert failed after %" G_GINT64_FORMAT " rows: ", inserted);
      return -1;
    }
  return inserted;
}

TgDb *
tg_bench_open_temp_db (char   **out_dir,
                       GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("tollgate-bench-XXXXXX", error);
  g_autofree char *path = NULL;
  TgDb *db;

  if (dir == NULL)
    return NULL;

  path = g_build_filename (dir, "tollgate.db", NULL);
  db = tg_db_open (path, TG_DB_OPEN_DEFAULT, error);
  if (db == NULL)
    {
      tg_bench_remove_folder (dir);
      return NULL;
    }

  *out_dir = g_steal_pointer (&dir);
  return db;
}
