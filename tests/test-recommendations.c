/* test-recommendations.c: tg_recommendations_compute() on data sets built to
 * trigger each rule, and on sets that must not.
 *
 * Prices are those of tests/data/catalog-recommendations.json, per 1M tokens:
 *   alpha-pro   $10 in, $30 out, $1 cached     ctx 200 000, out 32 000, all four capabilities
 *   alpha-mini  $1 in,  $3 out,  $0.10 cached  ctx 200 000, out 32 000, all four
 *   alpha-nano  $0.10,  $0.30,   $0.01         ctx  16 000, out  4 000, all four
 *   alpha-text  $0.05,  $0.15,   no discount   ctx   1M,    out 64 000, no vision
 *   beta-vision $0.50,  $1.50,   no discount   ctx 400 000, out 64 000, all four
 *   local-free  $0,     $0                     (local, never a candidate)
 * so 1 000 tokens at $1/M is 1 000 µ$. */

#include <string.h>

#include <sqlite3.h>

#include "tg-recommendations.h"
#include "tg-test-utils.h"

#define NOW_MS  G_GINT64_CONSTANT (1767225600000)  /* 2026-01-01 00:00 UTC */
#define HOUR_MS G_GINT64_CONSTANT (3600000)
#define DAY_MS  G_GINT64_CONSTANT (86400000)

/* Helpers */

static TgDb *
open_store (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GError) error = NULL;
  TgDb *db = tg_db_open_default (&error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static TgCatalog *
load_catalog (void)
{
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "catalog-recommendations.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_true (tg_catalog_load_file (catalog, file, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&catalog);
}

static void
add_usage (TgDb       *db,
           gint64      time_ms,
           const char *provider_id,
           const char *model_id,
           gint64      input,
           gint64      cached,
           gint64      output,
           gint64      cost_micros,
           const char *outcome)
{
  g_autoptr(TgUsageRecord) record = tg_usage_record_new ();
  g_autoptr(GError) error = NULL;

  record->time_ms = time_ms;
  record->provider_id = g_strdup (provider_id);
  record->model_id = g_strdup (model_id);
  record->request_kind = g_strdup ("chat");
  record->input_tokens = input;
  record->cached_tokens = cached;
  record->output_tokens = output;
  record->cost_micros = cost_micros;
  record->latency_total_ms = 1200;
  record->outcome = g_strdup (outcome);
  record->http_status = g_str_equal (outcome, "ok") ? 200 : 0;
  g_assert_true (tg_db_insert_usage (db, record, &error));
  g_assert_no_error (error);
}

/* @n successful attempts, one a day, the newest an hour before NOW_MS. */
static void
add_daily (TgDb       *db,
           guint       n,
           const char *provider_id,
           const char *model_id,
           gint64      input,
           gint64      cached,
           gint64      output)
{
  for (guint i = 0; i < n; i++)
    add_usage (db, NOW_MS - HOUR_MS - i * DAY_MS, provider_id, model_id, input, cached, output, 0, "ok");
}

/* A big request 45 days ago: outside the window, so it must change nothing,
 * but it makes the user's history older than 30 days (no scaling). Were it
 * counted, its 170 000 tokens would rule out alpha-nano and move every sum. */
static void
add_old_history (TgDb *db)
{
  add_usage (db, NOW_MS - 45 * DAY_MS, "alpha", "alpha-pro", 150000, 0, 20000, 0, "ok");
}

static GPtrArray *
compute (TgDb               *db,
         TgCatalog          *catalog,
         const char * const *keyed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recs = tg_recommendations_compute (db, catalog, keyed, NOW_MS, &error);

  g_assert_no_error (error);
  g_assert_nonnull (recs);
  for (guint i = 0; i < recs->len; i++)
    {
      const TgRecommendation *rec = g_ptr_array_index (recs, i);

      g_test_message ("%d %s/%s -> %s/%s %" G_GINT64_FORMAT ": %s — %s", rec->kind,
                      rec->provider_id, rec->model_id, rec->alt_provider_id, rec->alt_model_id,
                      rec->monthly_saving_micros, rec->title, rec->description);
      /* Every recommendation is at least a cent a month, with words. */
      g_assert_cmpint (rec->monthly_saving_micros, >=, 10000);
      g_assert_true (rec->title != NULL && *rec->title != '\0');
      g_assert_true (rec->description != NULL && *rec->description != '\0');
      if (i > 0)
        g_assert_cmpint (((TgRecommendation *) g_ptr_array_index (recs, i - 1))->monthly_saving_micros,
                         >=, rec->monthly_saving_micros);
    }
  return g_steal_pointer (&recs);
}

static const TgRecommendation *
find (GPtrArray            *recs,
      TgRecommendationKind  kind,
      const char           *provider_id,
      const char           *model_id)
{
  for (guint i = 0; i < recs->len; i++)
    {
      const TgRecommendation *rec = g_ptr_array_index (recs, i);

      if (rec->kind == kind && g_strcmp0 (rec->provider_id, provider_id) == 0 &&
          g_strcmp0 (rec->model_id, model_id) == 0)
        return rec;
    }
  return NULL;
}

static void
assert_contains (const char *text,
                 const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("“%s” does not contain “%s”", text, needle);
}

static void
assert_cheaper (GPtrArray  *recs,
                const char *provider_id,
                const char *model_id,
                const char *alt_provider_id,
                const char *alt_model_id,
                gint64      monthly_micros)
{
  const TgRecommendation *rec = find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, provider_id, model_id);

  g_assert_nonnull (rec);
  g_assert_cmpstr (rec->alt_provider_id, ==, alt_provider_id);
  g_assert_cmpstr (rec->alt_model_id, ==, alt_model_id);
  g_assert_cmpint (rec->monthly_saving_micros, ==, monthly_micros);
}

/* The usual user: 30 daily alpha-pro requests of 9 000 in + 1 000 out. */
static void
add_base_usage (TgDb *db)
{
  add_old_history (db);
  add_daily (db, 30, "alpha", "alpha-pro", 9000, 0, 1000);
}

/* The store's queries */

static void
test_db_queries (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  const TgModelUsageSummary *m;
  const TgFailedSpend *f;
  gint64 first = 0;

  g_assert_true (tg_db_get_first_usage_time (db, NOW_MS, &first, &error));
  g_assert_no_error (error);
  g_assert_cmpint (first, ==, -1);

  add_usage (db, NOW_MS - 40 * DAY_MS, "beta", "beta-vision", 7, 0, 7, 0, "ok");
  add_usage (db, NOW_MS - 2 * DAY_MS, "beta", "beta-vision", 100, 10, 900, 5, "ok");
  add_usage (db, NOW_MS - 1 * DAY_MS, "beta", "beta-vision", 800, 20, 50, 5, "ok");
  add_usage (db, NOW_MS - 1 * DAY_MS, "beta", "beta-vision", 5000, 0, 5000, 70, "timeout");
  add_usage (db, NOW_MS - 1 * DAY_MS, "beta", "beta-vision", 5000, 0, 0, 0, "server");
  add_usage (db, NOW_MS - 3 * DAY_MS, "alpha", "alpha-pro", 1, 0, 1, 3, "timeout");
  add_usage (db, NOW_MS - 3 * DAY_MS, "alpha", "alpha-pro", 1, 0, 1, 4, "timeout");
  add_usage (db, NOW_MS - 3 * DAY_MS, "alpha", "alpha-mini", 1, 0, 1, 9, "auth");
  add_usage (db, NOW_MS, "alpha", "alpha-pro", 1, 0, 1, 1, "ok");

  g_assert_true (tg_db_get_first_usage_time (db, NOW_MS, &first, &error));
  g_assert_cmpint (first, ==, NOW_MS - 40 * DAY_MS);
  g_assert_true (tg_db_get_first_usage_time (db, NOW_MS - 40 * DAY_MS, &first, &error));
  g_assert_cmpint (first, ==, -1);

  /* Successful attempts only, [from, to): the one at NOW_MS is out. */
  models = tg_db_summarize_model_usage (db, NOW_MS - 30 * DAY_MS, NOW_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 1);
  m = models->pdata[0];
  g_assert_cmpstr (m->provider_id, ==, "beta");
  g_assert_cmpstr (m->model_id, ==, "beta-vision");
  g_assert_cmpint (m->requests, ==, 2);
  g_assert_cmpint (m->input_tokens, ==, 900);
  g_assert_cmpint (m->cached_tokens, ==, 30);
  g_assert_cmpint (m->output_tokens, ==, 950);
  g_assert_cmpint (m->max_request_tokens, ==, 1000);  /* 100 + 900, not 800 + 50 */
  g_assert_cmpint (m->max_output_tokens, ==, 900);

  /* Failures with a cost, per provider and class, ordered. */
  failures = tg_db_summarize_failed_spend (db, NOW_MS - 30 * DAY_MS, NOW_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 3);
  f = failures->pdata[0];
  g_assert_cmpstr (f->provider_id, ==, "alpha");
  g_assert_cmpstr (f->outcome, ==, "auth");
  g_assert_cmpint (f->cost_micros, ==, 9);
  f = failures->pdata[1];
  g_assert_cmpstr (f->outcome, ==, "timeout");
  g_assert_cmpint (f->attempts, ==, 2);
  g_assert_cmpint (f->cost_micros, ==, 7);
  f = failures->pdata[2];
  g_assert_cmpstr (f->provider_id, ==, "beta");
  g_assert_cmpstr (f->outcome, ==, "timeout");
  g_assert_cmpint (f->cost_micros, ==, 70);
}

/* Empty and boxed */

static void
test_empty_store (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 0);
}

static void
test_boxed_copy (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  TgRecommendation rec = {
    TG_RECOMMENDATION_CHEAPER_MODEL, (char *) "Switch", (char *) "Cheaper.", (char *) "alpha",
    (char *) "alpha-pro", (char *) "alpha", (char *) "alpha-mini", 123456
  };
  g_autoptr(TgRecommendation) copy = NULL;
  TgRecommendation *boxed;

  g_assert_true (G_TYPE_IS_BOXED (TG_TYPE_RECOMMENDATION));
  copy = tg_recommendation_copy (&rec);
  g_assert_true (copy->title != rec.title);
  g_assert_cmpstr (copy->title, ==, "Switch");
  g_assert_cmpstr (copy->alt_model_id, ==, "alpha-mini");
  g_assert_cmpint (copy->monthly_saving_micros, ==, 123456);

  boxed = g_boxed_copy (TG_TYPE_RECOMMENDATION, copy);
  g_assert_cmpstr (boxed->description, ==, "Cheaper.");
  g_assert_cmpstr (boxed->alt_provider_id, ==, "alpha");
  g_assert_cmpint (boxed->kind, ==, TG_RECOMMENDATION_CHEAPER_MODEL);
  g_boxed_free (TG_TYPE_RECOMMENDATION, boxed);
  tg_recommendation_free (NULL);
}

/* CHEAPER_MODEL */

static void
test_cheaper_same_provider (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  const TgRecommendation *rec;

  add_base_usage (db);
  /* At NOW_MS itself: the window ends before it, so this 100 000-token
   * request must not rule out alpha-nano. */
  add_usage (db, NOW_MS, "alpha", "alpha-pro", 90000, 0, 10000, 0, "ok");
  recs = compute (db, catalog, NULL);

  /* 270 000 in, 30 000 out, largest 10 000 (≤ nano's 16 000), longest reply 1 000.
   *   alpha-pro:  270 000 × $10 + 30 000 × $30   = 2 700 000 + 900 000 = 3 600 000 µ$
   *   alpha-nano: 270 000 × $0.10 + 30 000 × $0.30 =  27 000 +   9 000 =    36 000 µ$
   * saving 3 564 000 µ$ over 30 days of history: $3.56 a month. alpha-text
   * would be cheaper still (18 000 µ$) but has no vision. */
  assert_cheaper (recs, "alpha", "alpha-pro", "alpha", "alpha-nano", 3564000);
  rec = find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, "alpha", "alpha-pro");
  g_assert_cmpstr (rec->title, ==, "Switch alpha-pro to alpha-nano");
  assert_contains (rec->description, "$3.56 a month");
  assert_contains (rec->description, "last 30 days");

  /* And the cache, never used: half of 270 000 from the cache would cost
   *   135 000 × $10 + 135 000 × $1 = 1 485 000 instead of 2 700 000: 1 215 000 µ$. */
  g_assert_cmpuint (recs->len, ==, 2);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[0])->kind, ==, TG_RECOMMENDATION_CHEAPER_MODEL);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[1])->kind, ==, TG_RECOMMENDATION_CACHE_SHARE);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[1])->monthly_saving_micros, ==, 1215000);
}

static void
test_cheaper_context_too_small (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_base_usage (db);
  /* One request of 17 000 tokens: more than alpha-nano's 16 000. */
  add_usage (db, NOW_MS - 2 * HOUR_MS, "alpha", "alpha-pro", 15000, 0, 2000, 0, "ok");
  recs = compute (db, catalog, NULL);

  /* 285 000 in, 32 000 out.
   *   alpha-pro:  2 850 000 + 960 000 = 3 810 000 µ$
   *   alpha-mini:   285 000 +  96 000 =   381 000 µ$  → saving 3 429 000 µ$ */
  assert_cheaper (recs, "alpha", "alpha-pro", "alpha", "alpha-mini", 3429000);
}

static void
test_cheaper_max_output (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_base_usage (db);
  /* 10 000 tokens fit alpha-nano's context, but a 5 000-token reply is
   * past its 4 000-token output cap. */
  add_usage (db, NOW_MS - 2 * HOUR_MS, "alpha", "alpha-pro", 5000, 0, 5000, 0, "ok");
  recs = compute (db, catalog, NULL);

  /* 275 000 in, 35 000 out.
   *   alpha-pro:  2 750 000 + 1 050 000 = 3 800 000 µ$
   *   alpha-mini:   275 000 +   105 000 =   380 000 µ$  → saving 3 420 000 µ$ */
  assert_cheaper (recs, "alpha", "alpha-pro", "alpha", "alpha-mini", 3420000);
}

/* The context-too-small usage: alpha-mini (381 000 µ$) on alpha, beta-vision
 *   285 000 × $0.50 + 32 000 × $1.50 = 142 500 + 48 000 = 190 500 µ$
 * on beta, for a saving of 3 810 000 − 190 500 = 3 619 500 µ$. */
static void
test_cheaper_keyed_provider (void)
{
  const char * const alpha_beta[] = { "alpha", "beta", NULL };
  const char * const alpha_only[] = { "alpha", NULL };
  const char * const beta_only[] = { "beta", NULL };
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) keyed = NULL;
  g_autoptr(GPtrArray) not_keyed = NULL;
  g_autoptr(GPtrArray) own_only = NULL;
  g_autoptr(GPtrArray) failed_only = NULL;
  g_autoptr(GPtrArray) used = NULL;
  const TgRecommendation *rec;

  add_base_usage (db);
  add_usage (db, NOW_MS - 2 * HOUR_MS, "alpha", "alpha-pro", 15000, 0, 2000, 0, "ok");

  keyed = compute (db, catalog, alpha_beta);
  assert_cheaper (keyed, "alpha", "alpha-pro", "beta", "beta-vision", 3619500);
  rec = find (keyed, TG_RECOMMENDATION_CHEAPER_MODEL, "alpha", "alpha-pro");
  g_assert_cmpstr (rec->title, ==, "Switch alpha-pro to beta-vision on Beta Labs");

  /* beta has no key: the user's own provider is the only way. */
  not_keyed = compute (db, catalog, alpha_only);
  assert_cheaper (not_keyed, "alpha", "alpha-pro", "alpha", "alpha-mini", 3429000);

  /* The provider in use needs no entry in the list to offer its own models. */
  own_only = compute (db, catalog, beta_only);
  assert_cheaper (own_only, "alpha", "alpha-pro", "beta", "beta-vision", 3619500);

  /* No list: only providers that answered in the window count, and beta only failed. */
  add_usage (db, NOW_MS - 3 * HOUR_MS, "beta", "beta-vision", 100, 0, 0, 0, "auth");
  failed_only = compute (db, catalog, NULL);
  assert_cheaper (failed_only, "alpha", "alpha-pro", "alpha", "alpha-mini", 3429000);

  /* Once beta answered a (tiny) request, it is a provider the user can switch to.
   * That request itself saves 52 µ$ on alpha-nano: under a cent, no recommendation. */
  add_usage (db, NOW_MS - 3 * HOUR_MS, "beta", "beta-vision", 100, 0, 10, 0, "ok");
  used = compute (db, catalog, NULL);
  assert_cheaper (used, "alpha", "alpha-pro", "beta", "beta-vision", 3619500);
  g_assert_null (find (used, TG_RECOMMENDATION_CHEAPER_MODEL, "beta", "beta-vision"));
}

/* alpha-mini → alpha-nano saves 0.9 µ$ a token: 11 111 tokens save
 * 11 111 − 1 111 (1 111.1 rounded) = 10 000 µ$, exactly a cent. The one
 * request sits on the window's first millisecond, which is inside it, and
 * makes the history exactly 30 days long. Its cache would save
 * 11 111 − (5 556 + 556) = 4 999 µ$: under a cent. */
static void
test_cheaper_one_cent (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_usage (db, NOW_MS - 30 * DAY_MS, "alpha", "alpha-mini", 11111, 0, 0, 0, "ok");
  recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 1);
  assert_cheaper (recs, "alpha", "alpha-mini", "alpha", "alpha-nano", 10000);
  assert_contains (((TgRecommendation *) recs->pdata[0])->description, "$0.01 a month");
}

/* 11 110 tokens: 11 110 − 1 111 = 9 999 µ$, under a cent. */
static void
test_cheaper_under_a_cent (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_usage (db, NOW_MS - 30 * DAY_MS, "alpha", "alpha-mini", 11110, 0, 0, 0, "ok");
  recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 0);
}

/* alpha-nano's only cheaper alternatives are alpha-text (no vision) and
 * local-free (unpriced): 50M in (10M cached) would cost
 *   40M × $0.10 + 10M × $0.01 = 4 100 000 µ$ on nano, 2 500 000 µ$ on text,
 * but nothing may be suggested. A 20 % cache share is not "barely used". */
static void
test_cheaper_capability_missing (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  const char * const keyed[] = { "alpha", "beta", "local", NULL };

  add_old_history (db);
  for (guint i = 0; i < 100; i++)
    add_usage (db, NOW_MS - HOUR_MS - i * (HOUR_MS / 2), "alpha", "alpha-nano", 500000, 100000, 0, 0, "ok");
  recs = compute (db, catalog, keyed);

  g_assert_null (find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, "alpha", "alpha-nano"));
  g_assert_cmpuint (recs->len, ==, 0);
}

static const char custom_overrides[] =
  "{ \"format_version\": 1, \"providers\": [ {"
  "  \"id\": \"mybox\", \"name\": \"My Box\", \"wire_format\": \"openai\","
  "  \"base_url\": \"http://localhost:8080/v1\", \"auth\": \"bearer\", \"health_path\": \"/models\","
  "  \"docs_url\": \"https://mybox.test\", \"pricing_url\": \"https://mybox.test\","
  "  \"prices_as_of\": \"2026-01-01\", \"default_model\": \"mybox-big\","
  "  \"models\": ["
  "    { \"id\": \"mybox-big\", \"name\": \"Big\", \"context_window\": 1000000, \"max_output\": 100000,"
  "      \"price\": { \"input\": \"20\", \"output\": \"20\" },"
  "      \"capabilities\": [\"streaming\", \"tools\", \"vision\", \"json\"] },"
  "    { \"id\": \"mybox-cheap\", \"name\": \"Cheap\", \"context_window\": 1000000, \"max_output\": 100000,"
  "      \"price\": { \"input\": \"0.01\", \"output\": \"0.01\" },"
  "      \"capabilities\": [\"streaming\", \"tools\", \"vision\", \"json\"] } ] } ] }";

/* A custom endpoint's prices are the user's guess: it is neither compared
 * nor offered, even when it is keyed and would be the cheapest. */
static void
test_cheaper_custom_provider (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GFile) overrides = tg_catalog_get_overrides_file ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recs = NULL;
  const char * const keyed[] = { "alpha", "mybox", NULL };

  g_assert_true (g_file_replace_contents (overrides, custom_overrides, strlen (custom_overrides), NULL,
                                          FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_load_overrides (catalog, overrides, &error));
  g_assert_no_error (error);
  g_assert_nonnull (tg_catalog_get_model (catalog, "mybox", "mybox-cheap"));

  add_base_usage (db);
  for (guint i = 0; i < 10; i++)
    add_usage (db, NOW_MS - HOUR_MS - i * DAY_MS, "mybox", "mybox-big", 100000, 0, 10000, 0, "ok");
  recs = compute (db, catalog, keyed);

  /* mybox-cheap would cost 3 000 µ$ for the alpha-pro usage; nano it stays. */
  assert_cheaper (recs, "alpha", "alpha-pro", "alpha", "alpha-nano", 3564000);
  g_assert_null (find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, "mybox", "mybox-big"));
}

/* Scaling to a month */

static void
test_scaling_ten_days (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  const TgRecommendation *rec;

  /* The first request 9 days 1 hour ago: 10 days of history.
   * 90 000 in, 10 000 out: pro 900 000 + 300 000, nano 9 000 + 3 000,
   * saving 1 188 000 µ$ in 10 days, × 30 / 10 = 3 564 000 µ$ a month. */
  add_daily (db, 10, "alpha", "alpha-pro", 9000, 0, 1000);
  recs = compute (db, catalog, NULL);

  assert_cheaper (recs, "alpha", "alpha-pro", "alpha", "alpha-nano", 3564000);
  rec = find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, "alpha", "alpha-pro");
  assert_contains (rec->description, "last 10 days");
}

static void
test_scaling_at_least_a_week (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  const TgRecommendation *rec;

  /* Two days of history count as a week: 18 000 in, 2 000 out:
   * pro 180 000 + 60 000, nano 1 800 + 600, saving 237 600 µ$;
   * × 30 / 7 = 1 018 285.7, rounded 1 018 286 µ$. */
  add_daily (db, 2, "alpha", "alpha-pro", 9000, 0, 1000);
  recs = compute (db, catalog, NULL);

  assert_cheaper (recs, "alpha", "alpha-pro", "alpha", "alpha-nano", 1018286);
  rec = find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, "alpha", "alpha-pro");
  assert_contains (rec->description, "$1.02 a month");
  assert_contains (rec->description, "last 7 days");
}

static void
test_window_old_rows_only (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  /* One millisecond before the window: every rule would fire on it. */
  for (guint i = 0; i < 30; i++)
    add_usage (db, NOW_MS - 30 * DAY_MS - 1 - i * DAY_MS, "alpha", "alpha-pro", 9000, 0, 1000, 0, "ok");
  add_usage (db, NOW_MS - 30 * DAY_MS - 1, "alpha", "alpha-pro", 9000, 0, 1000, 1000000, "timeout");
  recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 0);
}

/* FAILED_SPEND */

static void
test_failed_spend (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  const TgRecommendation *alpha, *ghost;

  add_old_history (db);
  /* alpha: 2 × 30 000 µ$ timeouts, 20 000 µ$ server errors, free auth errors,
   * and a costly failure outside the window. */
  add_usage (db, NOW_MS - 1 * DAY_MS, "alpha", "alpha-pro", 2000, 0, 500, 30000, "timeout");
  add_usage (db, NOW_MS - 2 * DAY_MS, "alpha", "alpha-mini", 2000, 0, 500, 30000, "timeout");
  add_usage (db, NOW_MS - 3 * DAY_MS, "alpha", "alpha-pro", 2000, 0, 0, 20000, "server");
  for (guint i = 0; i < 5; i++)
    add_usage (db, NOW_MS - 4 * DAY_MS, "alpha", "alpha-pro", 0, 0, 0, 0, "auth");
  add_usage (db, NOW_MS - 31 * DAY_MS, "alpha", "alpha-pro", 2000, 0, 500, 1000000, "timeout");
  /* A provider the catalogue does not know: its recorded spend still counts. */
  add_usage (db, NOW_MS - 5 * DAY_MS, "ghost", "g-1", 1000, 0, 100, 15000, "network");
  recs = compute (db, catalog, NULL);

  /* 30 000 + 30 000 + 20 000 = 80 000 µ$ at alpha, mostly timeouts; 15 000 µ$ at ghost. */
  g_assert_cmpuint (recs->len, ==, 2);
  alpha = recs->pdata[0];
  ghost = recs->pdata[1];
  g_assert_cmpint (alpha->kind, ==, TG_RECOMMENDATION_FAILED_SPEND);
  g_assert_cmpstr (alpha->provider_id, ==, "alpha");
  g_assert_null (alpha->model_id);
  g_assert_null (alpha->alt_provider_id);
  g_assert_cmpint (alpha->monthly_saving_micros, ==, 80000);
  g_assert_cmpstr (alpha->title, ==, "About $0.08 a month spent on failed requests to Alpha AI");
  assert_contains (alpha->description, "timed out");

  g_assert_cmpint (ghost->kind, ==, TG_RECOMMENDATION_FAILED_SPEND);
  g_assert_cmpstr (ghost->provider_id, ==, "ghost");
  g_assert_cmpint (ghost->monthly_saving_micros, ==, 15000);
  assert_contains (ghost->title, "ghost");
  assert_contains (ghost->description, "network");
}

static void
test_failed_spend_none (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_old_history (db);
  /* Failures that cost nothing… */
  for (guint i = 0; i < 20; i++)
    add_usage (db, NOW_MS - i * HOUR_MS - 1, "alpha", "alpha-pro", 0, 0, 0, 0, i % 2 ? "auth" : "rate-limited");
  /* …and 9 999 µ$ in a month, under a cent. */
  add_usage (db, NOW_MS - DAY_MS, "beta", "beta-vision", 5000, 0, 5000, 4999, "bad-response");
  add_usage (db, NOW_MS - 2 * DAY_MS, "beta", "beta-vision", 5000, 0, 5000, 5000, "overloaded");
  recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 0);
}

static void
test_failed_spend_advice (void)
{
  static const struct {
    const char *outcome;
    const char *advice;
  } cases[] = {
    { "auth", "Check the key" },
    { "rate-limited", "rate limit" },
    { "overloaded", "fallback provider" },
    { "server", "fallback provider" },
    { "timeout", "raise the timeout" },
    { "network", "connection or proxy" },
    { "bad-request", "context window" },
    { "bad-response", "could not be read" },
    { "cancelled", "shorter replies" },
  };
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();

  add_old_history (db);
  /* Each class dominates in turn: a new provider id per case, the class's
   * spend above a smaller one of another class. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *provider = g_strdup_printf ("p%u", i);

      add_usage (db, NOW_MS - DAY_MS, provider, "m", 100, 0, 100, 50000, cases[i].outcome);
      add_usage (db, NOW_MS - DAY_MS, provider, "m", 100, 0, 100, 40000,
                 g_str_equal (cases[i].outcome, "cancelled") ? "auth" : "cancelled");
    }

  /* A tie in money goes to the class that failed more often: two timeouts
   * over one server error, although "server" sorts first. */
  add_usage (db, NOW_MS - DAY_MS, "tie", "m", 100, 0, 100, 20000, "server");
  add_usage (db, NOW_MS - DAY_MS, "tie", "m", 100, 0, 100, 10000, "timeout");
  add_usage (db, NOW_MS - DAY_MS, "tie", "m", 100, 0, 100, 10000, "timeout");

  {
    g_autoptr(GPtrArray) recs = compute (db, catalog, NULL);
    const TgRecommendation *tie = find (recs, TG_RECOMMENDATION_FAILED_SPEND, "tie", NULL);

    g_assert_nonnull (tie);
    g_assert_cmpint (tie->monthly_saving_micros, ==, 40000);
    assert_contains (tie->description, "timed out");

    g_assert_cmpuint (recs->len, ==, G_N_ELEMENTS (cases) + 1);
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *provider = g_strdup_printf ("p%u", i);
        const TgRecommendation *rec = find (recs, TG_RECOMMENDATION_FAILED_SPEND, provider, NULL);

        g_assert_nonnull (rec);
        g_assert_cmpint (rec->monthly_saving_micros, ==, 90000);
        assert_contains (rec->description, cases[i].advice);
      }
  }
}

/* CACHE_SHARE */

static void
test_cache_share (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  const TgRecommendation *rec;

  add_old_history (db);
  /* 100 × (100 000 in, 5 000 cached): 10M in, 500 000 cached, a 5 % share.
   *   now:       9.5M × $10 + 0.5M × $1 = 95 000 000 + 500 000 = 95 500 000 µ$
   *   half read: 5M × $10 + 5M × $1     = 50 000 000 + 5 000 000 = 55 000 000 µ$
   * saving 40 500 000 µ$, $40.50 a month. */
  for (guint i = 0; i < 100; i++)
    add_usage (db, NOW_MS - HOUR_MS - i * (HOUR_MS / 2), "alpha", "alpha-pro", 100000, 5000, 0, 0, "ok");
  recs = compute (db, catalog, NULL);

  rec = find (recs, TG_RECOMMENDATION_CACHE_SHARE, "alpha", "alpha-pro");
  g_assert_nonnull (rec);
  g_assert_cmpint (rec->monthly_saving_micros, ==, 40500000);
  g_assert_null (rec->alt_model_id);
  g_assert_cmpstr (rec->title, ==, "Read more of your alpha-pro prompts from the cache");
  assert_contains (rec->description, "Only 5% of your input");
  assert_contains (rec->description, "Alpha AI charges at $1.00 instead of $10.00");
  assert_contains (rec->description, "$40.50 a month");
}

static void
test_cache_share_none (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_old_history (db);
  /* Exactly 10 % from the cache already: not "barely". */
  for (guint i = 0; i < 100; i++)
    add_usage (db, NOW_MS - HOUR_MS - i * (HOUR_MS / 2), "alpha", "alpha-pro", 100000, 10000, 0, 0, "ok");
  /* beta charges cache reads at the full price: nothing to gain. */
  for (guint i = 0; i < 100; i++)
    add_usage (db, NOW_MS - HOUR_MS - i * (HOUR_MS / 2), "beta", "beta-vision", 100000, 0, 0, 0, "ok");
  recs = compute (db, catalog, NULL);

  g_assert_null (find (recs, TG_RECOMMENDATION_CACHE_SHARE, "alpha", "alpha-pro"));
  g_assert_null (find (recs, TG_RECOMMENDATION_CACHE_SHARE, "beta", "beta-vision"));
  /* The cheaper-model rule still sees them: it is not what this test is about. */
  g_assert_nonnull (find (recs, TG_RECOMMENDATION_CHEAPER_MODEL, "alpha", "alpha-pro"));
}

/* All three, biggest saving first */

static void
test_sorted (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  /* The base usage: cheaper 3 564 000, cache 1 215 000; failed 2 000 000 between. */
  add_base_usage (db);
  add_usage (db, NOW_MS - DAY_MS, "alpha", "alpha-pro", 9000, 0, 1000, 2000000, "server");
  recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 3);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[0])->kind, ==, TG_RECOMMENDATION_CHEAPER_MODEL);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[1])->kind, ==, TG_RECOMMENDATION_FAILED_SPEND);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[1])->monthly_saving_micros, ==, 2000000);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[2])->kind, ==, TG_RECOMMENDATION_CACHE_SHARE);
}

/* Bad input */

/* Rows for a model the catalogue dropped and for an unknown provider, and a
 * keyed list with an unknown id: no price, so no comparison, but no crash and
 * the recorded failed spend still counts. */
static void
test_unknown_model (void)
{
  const char * const keyed[] = { "nope", "alpha", "", NULL };
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;

  add_old_history (db);
  add_daily (db, 30, "alpha", "alpha-old", 1000000, 0, 100000);
  add_daily (db, 30, "ghost", "g-1", 1000000, 0, 100000);
  add_usage (db, NOW_MS - DAY_MS, "alpha", "alpha-old", 1000, 0, 1000, 50000, "timeout");
  recs = compute (db, catalog, keyed);

  g_assert_cmpuint (recs->len, ==, 1);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[0])->kind, ==, TG_RECOMMENDATION_FAILED_SPEND);
  g_assert_cmpint (((TgRecommendation *) recs->pdata[0])->monthly_saving_micros, ==, 50000);
}

/* A catalogue with nothing loaded: no prices at all, still no crash. */
static void
test_empty_catalog (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GPtrArray) recs = NULL;
  const TgRecommendation *rec;

  add_base_usage (db);
  add_usage (db, NOW_MS - DAY_MS, "alpha", "alpha-pro", 9000, 0, 1000, 60000, "overloaded");
  recs = compute (db, catalog, NULL);

  g_assert_cmpuint (recs->len, ==, 1);
  rec = recs->pdata[0];
  g_assert_cmpint (rec->kind, ==, TG_RECOMMENDATION_FAILED_SPEND);
  g_assert_cmpstr (rec->title, ==, "About $0.06 a month spent on failed requests to alpha");
  assert_contains (rec->description, "fallback provider");
}

static void
test_absurd_numbers (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GPtrArray) recs = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;

  add_old_history (db);
  /* Four quintillion tokens and nine quintillion micro-dollars: no price of
   * them fits in 64 bits. They are skipped, not wrapped around. */
  add_usage (db, NOW_MS - DAY_MS, "alpha", "alpha-pro", G_GINT64_CONSTANT (4000000000000000000), 0,
             G_GINT64_CONSTANT (4000000000000000000), 0, "ok");
  add_usage (db, NOW_MS - DAY_MS, "alpha", "alpha-mini", 100, 500, 100, G_MAXINT64, "server");
  recs = compute (db, catalog, NULL);
  g_assert_cmpuint (recs->len, ==, 0);

  /* A second such row on another day makes the 30-day sum overflow: SQLite
   * refuses it, and so does the analysis, with the store's error. */
  add_usage (db, NOW_MS - 2 * DAY_MS, "alpha", "alpha-pro", G_GINT64_CONSTANT (6000000000000000000), 0,
             0, 0, "ok");
  none = tg_recommendations_compute (db, catalog, NULL, NOW_MS, &error);
  g_assert_null (none);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_FAILED);
  g_test_message ("%s", error->message);
  assert_contains (error->message, "overflow");
}

static void
test_store_error (void)
{
  g_autoptr(TgDb) db = open_store ();
  g_autoptr(TgCatalog) catalog = load_catalog ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recs = NULL;
  sqlite3 *raw = NULL;

  /* Another program breaks the store under us. */
  g_assert_cmpint (sqlite3_open_v2 (tg_db_get_path (db), &raw, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "DROP TABLE ai_usage_analytics", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  recs = tg_recommendations_compute (db, catalog, NULL, NOW_MS, &error);
  g_assert_null (recs);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_FAILED);
  assert_contains (error->message, "ai_usage_analytics");
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/recommendations/db-queries", test_db_queries);
  g_test_add_func ("/recommendations/empty-store", test_empty_store);
  g_test_add_func ("/recommendations/boxed-copy", test_boxed_copy);
  g_test_add_func ("/recommendations/cheaper/same-provider", test_cheaper_same_provider);
  g_test_add_func ("/recommendations/cheaper/context-too-small", test_cheaper_context_too_small);
  g_test_add_func ("/recommendations/cheaper/max-output", test_cheaper_max_output);
  g_test_add_func ("/recommendations/cheaper/keyed-provider", test_cheaper_keyed_provider);
  g_test_add_func ("/recommendations/cheaper/one-cent", test_cheaper_one_cent);
  g_test_add_func ("/recommendations/cheaper/under-a-cent", test_cheaper_under_a_cent);
  g_test_add_func ("/recommendations/cheaper/capability-missing", test_cheaper_capability_missing);
  g_test_add_func ("/recommendations/cheaper/custom-provider", test_cheaper_custom_provider);
  g_test_add_func ("/recommendations/scaling/ten-days", test_scaling_ten_days);
  g_test_add_func ("/recommendations/scaling/at-least-a-week", test_scaling_at_least_a_week);
  g_test_add_func ("/recommendations/window/old-rows-only", test_window_old_rows_only);
  g_test_add_func ("/recommendations/failed-spend/triggered", test_failed_spend);
  g_test_add_func ("/recommendations/failed-spend/none", test_failed_spend_none);
  g_test_add_func ("/recommendations/failed-spend/advice", test_failed_spend_advice);
  g_test_add_func ("/recommendations/cache-share/triggered", test_cache_share);
  g_test_add_func ("/recommendations/cache-share/none", test_cache_share_none);
  g_test_add_func ("/recommendations/sorted", test_sorted);
  g_test_add_func ("/recommendations/unknown-model", test_unknown_model);
  g_test_add_func ("/recommendations/empty-catalog", test_empty_catalog);
  g_test_add_func ("/recommendations/absurd-numbers", test_absurd_numbers);
  g_test_add_func ("/recommendations/store-error", test_store_error);

  return g_test_run ();
}
