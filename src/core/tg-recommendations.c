/* tg-recommendations.c: concrete savings from the user's own usage.
 *
 * Three rules over the 30 days before "now" (docs/services.md,
 * "Recommendations"): a cheaper model that can do everything the current one
 * did for this user, money spent on attempts that failed, and cache reads a
 * provider discounts but the user barely gets.
 *
 * Every figure is integer micro-dollars. Token sums are re-priced part by part
 * (uncached input, cache reads, output) with tg_money_cost_micros(), whose
 * split multiplication cannot overflow where tg_ai_client_cost_micros()'s
 * single numerator could over a month of tokens; the two differ by at most
 * 1.5 µ$, far below the cent these figures are shown to. Both sides of a
 * comparison are priced at today's prices, so a price change inside the
 * window cannot pose as a saving.
 */

#include "config.h"

#include "tg-recommendations.h"

#include <glib/gi18n-lib.h>

#include "tg-money.h"

#define DAY_MS              G_GINT64_CONSTANT (86400000)
#define WINDOW_DAYS         30
/* A user who started two days ago is scaled as if a week had passed: a
 * month extrapolated from hours of use would promise savings nobody sees. */
#define MIN_SPAN_DAYS       7
/* One cent a month: below that a recommendation is noise. */
#define MIN_SAVING_MICROS   G_GINT64_CONSTANT (10000)
/* Cache reads under this share of the input count as "barely used"… */
#define CACHE_LOW_PERCENT   10
/* …and the saving is estimated as if this share came from the cache, what a
 * conversation that resends its history or a fixed system prompt reaches. */
#define CACHE_TARGET_PERCENT 50
/* A billion dollars: past it the store holds nonsense, not usage, and the
 * products of tokens and prices would no longer fit in 64 bits. */
#define MAX_PLAUSIBLE_MICROS 1e15

G_DEFINE_BOXED_TYPE (TgRecommendation, tg_recommendation,
                     tg_recommendation_copy, tg_recommendation_free)

TgRecommendation *
tg_recommendation_copy (const TgRecommendation *self)
{
  TgRecommendation *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TgRecommendation, 1);
  copy->kind = self->kind;
  copy->title = g_strdup (self->title);
  copy->description = g_strdup (self->description);
  copy->provider_id = g_strdup (self->provider_id);
  copy->model_id = g_strdup (self->model_id);
  copy->alt_provider_id = g_strdup (self->alt_provider_id);
  copy->alt_model_id = g_strdup (self->alt_model_id);
  copy->monthly_saving_micros = self->monthly_saving_micros;
  return copy;
}

void
tg_recommendation_free (TgRecommendation *self)
{
  if (self == NULL)
    return;

  g_free (self->title);
  g_free (self->description);
  g_free (self->provider_id);
  g_free (self->model_id);
  g_free (self->alt_provider_id);
  g_free (self->alt_model_id);
  g_free (self);
}

typedef struct {
  TgCatalog  *catalog;
  GHashTable *switchable;  /* provider ids a CHEAPER_MODEL may move to (set) */
  guint       span_days;   /* days of usage the window's sums stand for */
  GPtrArray  *out;         /* TgRecommendation */
} Analysis;

/* Money */

/* The double only decides whether the integer product fits; it is never money. */
static gboolean
cost_is_plausible (gint64 tokens,
                   gint64 price_per_million_micros)
{
  return tokens >= 0 && price_per_million_micros >= 0 &&
         (double) tokens * (double) price_per_million_micros / 1e6 < MAX_PLAUSIBLE_MICROS;
}

/* What @input (of which @cached read from the cache) and @output tokens cost at
 * @model's prices; FALSE when the numbers are beyond any real usage. */
static gboolean
price_tokens (const TgModelCapabilities *model,
              gint64                     input,
              gint64                     cached,
              gint64                     output,
              gint64                    *out_micros)
{
  gint64 uncached;

  cached = CLAMP (cached, 0, MAX (input, 0));
  uncached = input - cached;

  if (!cost_is_plausible (uncached, model->price_input_micros) ||
      !cost_is_plausible (cached, model->price_cached_input_micros) ||
      !cost_is_plausible (output, model->price_output_micros))
    return FALSE;

  *out_micros = tg_money_cost_micros (uncached, model->price_input_micros) +
                tg_money_cost_micros (cached, model->price_cached_input_micros) +
                tg_money_cost_micros (output, model->price_output_micros);
  return TRUE;
}

/* The window's @micros as a 30-day month, rounded half up. */
static gint64
to_monthly (const Analysis *a,
            gint64          micros)
{
  /* Split before multiplying, like tg_money_cost_micros(). */
  return micros / a->span_days * WINDOW_DAYS +
         (micros % a->span_days * WINDOW_DAYS + a->span_days / 2) / a->span_days;
}

/* An estimate is shown to the cent: "$12.40", never "$12.403117". */
static char *
format_estimate (gint64 micros)
{
  return tg_money_format ((micros + 5000) / 10000 * 10000);
}

static const char *
provider_name (const Analysis *a,
               const char     *provider_id)
{
  const TgCatalogProvider *provider = tg_catalog_get_provider (a->catalog, provider_id);

  return provider != NULL && provider->name != NULL ? provider->name : provider_id;
}

static void
add_recommendation (Analysis             *a,
                    TgRecommendationKind  kind,
                    char                 *title,
                    char                 *description,
                    const char           *provider_id,
                    const char           *model_id,
                    const char           *alt_provider_id,
                    const char           *alt_model_id,
                    gint64                monthly_micros)
{
  TgRecommendation *rec = g_new0 (TgRecommendation, 1);

  rec->kind = kind;
  rec->title = title;
  rec->description = description;
  rec->provider_id = g_strdup (provider_id);
  rec->model_id = g_strdup (model_id);
  rec->alt_provider_id = g_strdup (alt_provider_id);
  rec->alt_model_id = g_strdup (alt_model_id);
  rec->monthly_saving_micros = monthly_micros;
  g_ptr_array_add (a->out, rec);
}

/* CHEAPER_MODEL */

/* A price of zero is a local or unknown model: nothing to save, nothing to compare. */
static gboolean
is_priced (const TgModelCapabilities *model)
{
  return model->price_input_micros > 0 || model->price_output_micros > 0;
}

typedef struct {
  const TgModelCapabilities *model;
  const TgCatalogProvider   *provider;
  gint64                     cost_micros;
} Candidate;

/* Keeps in @best the cheapest model of @provider that does all @current did
 * for @usage; ties keep the one found first. */
static void
consider_provider (const TgCatalogProvider   *provider,
                   const TgModelCapabilities *current,
                   const TgModelUsageSummary *usage,
                   Candidate                 *best)
{
  if (provider->user_defined || provider->models == NULL)
    return;

  for (guint i = 0; i < provider->models->len; i++)
    {
      const TgModelCapabilities *model = g_ptr_array_index (provider->models, i);
      gint64 cost;

      /* The catalogue hands out its own pointers, so identity is enough. */
      if (model == current || !is_priced (model))
        continue;
      if ((model->capabilities & current->capabilities) != current->capabilities)
        continue;
      /* The largest request must fit, and so must the longest reply: a lower
       * output cap would cut replies the user already gets. */
      if (model->context_window < usage->max_request_tokens ||
          model->max_output < usage->max_output_tokens)
        continue;
      if (!price_tokens (model, usage->input_tokens, usage->cached_tokens, usage->output_tokens, &cost))
        continue;

      if (cost < best->cost_micros)
        {
          best->model = model;
          best->provider = provider;
          best->cost_micros = cost;
        }
    }
}

static void
suggest_cheaper_model (Analysis                  *a,
                       const TgModelUsageSummary *usage)
{
  const TgCatalogProvider *own = tg_catalog_get_provider (a->catalog, usage->provider_id);
  const TgModelCapabilities *current = tg_catalog_get_model (a->catalog, usage->provider_id, usage->model_id);
  GPtrArray *providers = tg_catalog_get_providers (a->catalog);
  Candidate best = { NULL, NULL, 0 };
  gint64 current_cost, monthly;
  g_autofree char *amount = NULL;
  char *title;

  /* A model the catalogue no longer lists, or a custom endpoint, has no price to compare. */
  if (own == NULL || current == NULL || own->user_defined || !is_priced (current))
    return;
  if (!price_tokens (current, usage->input_tokens, usage->cached_tokens, usage->output_tokens, &current_cost))
    return;

  /* The user's own provider first, so that a tie keeps them where they are. */
  best.cost_micros = current_cost;
  consider_provider (own, current, usage, &best);
  for (guint i = 0; providers != NULL && i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      if (provider != own && g_hash_table_contains (a->switchable, provider->id))
        consider_provider (provider, current, usage, &best);
    }

  if (best.model == NULL)
    return;

  monthly = to_monthly (a, current_cost - best.cost_micros);
  if (monthly < MIN_SAVING_MICROS)
    return;

  if (best.provider == own)
    /* Translators: a recommendation's title; the two %s are model ids ("gpt-5", "gpt-5-mini"). */
    title = g_strdup_printf (_("Switch %s to %s"), usage->model_id, best.model->model_id);
  else
    /* Translators: a recommendation's title; a model id, another model id and
     * the name of that model's provider ("Switch gpt-5 to gemini-2.5-flash on Google Gemini"). */
    title = g_strdup_printf (_("Switch %s to %s on %s"), usage->model_id, best.model->model_id,
                             provider_name (a, best.provider->id));

  amount = format_estimate (monthly);
  add_recommendation (a, TG_RECOMMENDATION_CHEAPER_MODEL, title,
                      /* Translators: %s is an amount of money ("$12.40"), %u a number of days (7 to 30). */
                      g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "It has the same capabilities and a "
                                                    "context window large enough for your largest request. "
                                                    "About %s a month less, going by your last %u day of usage.",
                                                    "It has the same capabilities and a context window large "
                                                    "enough for your largest request. About %s a month less, "
                                                    "going by your last %u days of usage.",
                                                    a->span_days),
                                       amount, a->span_days),
                      usage->provider_id, usage->model_id, best.provider->id, best.model->model_id,
                      monthly);
}

/* CACHE_SHARE */

static void
suggest_cache_share (Analysis                  *a,
                     const TgModelUsageSummary *usage)
{
  const TgModelCapabilities *model = tg_catalog_get_model (a->catalog, usage->provider_id, usage->model_id);
  gint64 target, now_cost, target_cost, monthly;
  g_autofree char *price_in = NULL;
  g_autofree char *price_cached = NULL;
  g_autofree char *amount = NULL;
  guint percent;

  if (model == NULL || model->price_cached_input_micros >= model->price_input_micros ||
      usage->input_tokens <= 0)
    return;

  target = usage->input_tokens / 100 * CACHE_TARGET_PERCENT +
           usage->input_tokens % 100 * CACHE_TARGET_PERCENT / 100;
  if (!price_tokens (model, usage->input_tokens, usage->cached_tokens, 0, &now_cost) ||
      !price_tokens (model, usage->input_tokens, target, 0, &target_cost))
    return;

  /* A share for the comparison and the sentence, not money: a double is fine. */
  percent = (guint) ((double) MIN (usage->cached_tokens, usage->input_tokens) * 100 / (double) usage->input_tokens);
  if (percent >= CACHE_LOW_PERCENT)
    return;

  monthly = to_monthly (a, now_cost - target_cost);
  if (monthly < MIN_SAVING_MICROS)
    return;

  price_in = tg_money_format (model->price_input_micros);
  price_cached = tg_money_format (model->price_cached_input_micros);
  amount = format_estimate (monthly);
  add_recommendation (a, TG_RECOMMENDATION_CACHE_SHARE,
                      /* Translators: a recommendation's title; %s is a model id ("gpt-5"). */
                      g_strdup_printf (_("Read more of your %s prompts from the cache"), usage->model_id),
                      /* Translators: a percentage (0 to 9), a provider's name, two prices
                       * per million tokens ("$0.125", "$1.25"), an amount of money
                       * ("$12.40") and a number of days (7 to 30). */
                      g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Only %u%% of your input was read from "
                                                    "the cache, which %s charges at %s instead of %s per million "
                                                    "tokens. Keep what repeats (system prompt, instructions, "
                                                    "documents) at the start of your prompts and unchanged: with "
                                                    "half of your input from the cache you would pay about %s a "
                                                    "month less, going by your last %u day of usage.",
                                                    "Only %u%% of your input was read from the cache, which %s "
                                                    "charges at %s instead of %s per million tokens. Keep what "
                                                    "repeats (system prompt, instructions, documents) at the "
                                                    "start of your prompts and unchanged: with half of your "
                                                    "input from the cache you would pay about %s a month less, "
                                                    "going by your last %u days of usage.",
                                                    a->span_days),
                                       percent, provider_name (a, usage->provider_id), price_cached,
                                       price_in, amount, a->span_days),
                      usage->provider_id, usage->model_id, NULL, NULL, monthly);
}

/* FAILED_SPEND */

/* What to do, by the error class that cost the most. */
static char *
failure_advice (const char *outcome,
                const char *name)
{
  if (g_strcmp0 (outcome, "auth") == 0)
    /* Translators: advice after "About $3.20 a month spent on failed requests to …";
     * each %s is a provider's name. */
    return g_strdup_printf (_("Most of it went to requests %s refused for the API key. Check the "
                              "key in Preferences, or remove it if you no longer use %s."), name, name);
  if (g_strcmp0 (outcome, "rate-limited") == 0)
    /* Translators: advice; each %s is a provider's name. */
    return g_strdup_printf (_("Most of it went to requests %s cut off at its rate limit. Send fewer "
                              "requests at once, ask %s for a higher limit, or set a fallback "
                              "provider to take the overflow."), name, name);
  if (g_strcmp0 (outcome, "overloaded") == 0 || g_strcmp0 (outcome, "server") == 0)
    /* Translators: advice; each %s is a provider's name. */
    return g_strdup_printf (_("Most of it went to requests that %s failed with a server error or "
                              "for being overloaded. Set a fallback provider so that they go "
                              "elsewhere while %s has trouble."), name, name);
  if (g_strcmp0 (outcome, "timeout") == 0)
    /* Translators: advice; each %s is a provider's name. */
    return g_strdup_printf (_("Most of it went to replies from %s that timed out after tokens had "
                              "been charged. If the replies are long, raise the timeout; if %s "
                              "stalls, set a fallback provider."), name, name);
  if (g_strcmp0 (outcome, "network") == 0)
    /* Translators: advice; each %s is a provider's name. */
    return g_strdup_printf (_("Most of it went to replies from %s cut off by the network. Check "
                              "your connection or proxy."), name);
  if (g_strcmp0 (outcome, "bad-request") == 0)
    /* Translators: advice; each %s is a provider's name. */
    return g_strdup_printf (_("Most of it went to requests %s rejected as invalid. Check that they "
                              "stay within the model’s context window and output limit."), name);
  if (g_strcmp0 (outcome, "cancelled") == 0)
    /* Translators: advice after "About $3.20 a month spent on failed requests to …". */
    return g_strdup (_("Most of it went to requests stopped before the reply was complete; the "
                       "tokens until then are charged. Ask for shorter replies instead of "
                       "stopping long ones."));
  /* Translators: advice; %s is a provider's name. */
  return g_strdup_printf (_("Most of it went to replies from %s that could not be read. If it "
                            "keeps happening, set a fallback provider."), name);
}

/* Folds the rows of one provider (consecutive: they come ordered by provider). */
static void
suggest_failed_spend (Analysis  *a,
                      GPtrArray *rows,
                      guint     *index)
{
  const TgFailedSpend *first = g_ptr_array_index (rows, *index);
  const TgFailedSpend *dominant = first;
  gint64 total = 0, monthly;
  g_autofree char *amount = NULL;
  g_autofree char *advice = NULL;
  const char *name;

  for (; *index < rows->len; (*index)++)
    {
      const TgFailedSpend *row = g_ptr_array_index (rows, *index);

      if (g_strcmp0 (row->provider_id, first->provider_id) != 0)
        break;
      /* Ties: the class that failed more often, then the first by name. */
      if (row->cost_micros > dominant->cost_micros ||
          (row->cost_micros == dominant->cost_micros && row->attempts > dominant->attempts))
        dominant = row;
      total += MIN (row->cost_micros, (gint64) MAX_PLAUSIBLE_MICROS);
    }

  if (total >= (gint64) MAX_PLAUSIBLE_MICROS)
    return;
  monthly = to_monthly (a, total);
  if (monthly < MIN_SAVING_MICROS)
    return;

  name = provider_name (a, first->provider_id);
  amount = format_estimate (monthly);
  advice = failure_advice (dominant->outcome, name);
  add_recommendation (a, TG_RECOMMENDATION_FAILED_SPEND,
                      /* Translators: a recommendation's title; an amount ("$3.20") and a provider's name. */
                      g_strdup_printf (_("About %s a month spent on failed requests to %s"), amount, name),
                      g_steal_pointer (&advice),
                      first->provider_id, NULL, NULL, NULL, monthly);
}

/* The analysis */

static int
compare_recommendations (gconstpointer pa,
                         gconstpointer pb)
{
  const TgRecommendation *a = *(TgRecommendation * const *) pa;
  const TgRecommendation *b = *(TgRecommendation * const *) pb;
  int cmp;

  if (a->monthly_saving_micros != b->monthly_saving_micros)
    return a->monthly_saving_micros > b->monthly_saving_micros ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  if ((cmp = g_strcmp0 (a->provider_id, b->provider_id)) != 0)
    return cmp;
  return g_strcmp0 (a->model_id, b->model_id);
}

/* Days of usage the window stands for: 30, or fewer for a user whose first
 * request is more recent, never under MIN_SPAN_DAYS. */
static guint
usage_span_days (gint64 first_ms,
                 gint64 now_ms)
{
  gint64 days;

  if (first_ms < 0)
    return WINDOW_DAYS;

  days = (now_ms - first_ms + DAY_MS - 1) / DAY_MS;
  return (guint) CLAMP (days, MIN_SPAN_DAYS, WINDOW_DAYS);
}

GPtrArray *
tg_recommendations_compute (TgDb               *db,
                            TgCatalog          *catalog,
                            const char * const *keyed_provider_ids,
                            gint64              now_ms,
                            GError            **error)
{
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GHashTable) switchable = NULL;
  g_autoptr(GPtrArray) out = NULL;
  gint64 from_ms, first_ms;
  Analysis a;

  g_return_val_if_fail (TG_IS_DB (db), NULL);
  g_return_val_if_fail (TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (now_ms >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  from_ms = MAX (now_ms - WINDOW_DAYS * DAY_MS, 0);

  if (!tg_db_get_first_usage_time (db, now_ms, &first_ms, error) ||
      !(models = tg_db_summarize_model_usage (db, from_ms, now_ms, error)) ||
      !(failures = tg_db_summarize_failed_spend (db, from_ms, now_ms, error)))
    return NULL;

  /* Without a list of keys, the providers that worked for the user in the window. */
  switchable = g_hash_table_new (g_str_hash, g_str_equal);
  if (keyed_provider_ids != NULL)
    {
      for (guint i = 0; keyed_provider_ids[i] != NULL; i++)
        g_hash_table_add (switchable, (gpointer) keyed_provider_ids[i]);
    }
  else
    {
      for (guint i = 0; i < models->len; i++)
        g_hash_table_add (switchable, ((TgModelUsageSummary *) g_ptr_array_index (models, i))->provider_id);
    }

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_recommendation_free);
  a.catalog = catalog;
  a.switchable = switchable;
  a.span_days = usage_span_days (first_ms < from_ms ? -1 : first_ms, now_ms);
  a.out = out;

  for (guint i = 0; i < models->len; i++)
    {
      const TgModelUsageSummary *usage = g_ptr_array_index (models, i);

      suggest_cheaper_model (&a, usage);
      suggest_cache_share (&a, usage);
    }

  for (guint i = 0; i < failures->len;)
    suggest_failed_spend (&a, failures, &i);

  g_ptr_array_sort (out, compare_recommendations);
  return g_steal_pointer (&out);
}
