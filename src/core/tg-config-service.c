/* tg-config-service.c: the user's preferences (DESIGN §2, §4).
 *
 * One TgPreferences (profile "default") lives in memory. Every change goes
 * through apply(): validate against the catalogue, lay the changed keys over
 * the row as stored now (another process may have saved), write the whole
 * row, swap, then tell listeners what changed. Old and new are compared through the
 * keys' string forms, so ::changed fires exactly when what `tollgate prefs`
 * would show changes, and never for a value set to what it already was. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-config-service.h"
#include "tg-money.h"

#define PROFILE "default"

G_DEFINE_QUARK (tg-config-error-quark, tg_config_error)

struct _TgConfigService
{
  GObject        parent_instance;

  TgDb          *db;
  TgCatalog     *catalog;
  TgPreferences *prefs;
  gboolean       stored;
  /* The row could not be read (not "absent", not "damaged"): saving the
   * defaults over it would lose the user's real preferences. */
  GError        *load_error;

  /* follow_store(): the store's write-ahead log, watched for other
   * processes' commits. */
  GFileMonitor  *store_monitor;
  guint          reload_source;
  gint64         data_version;
};

G_DEFINE_FINAL_TYPE (TgConfigService, tg_config_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DEFAULT_PROVIDER,
  PROP_DEFAULT_MODEL,
  PROP_BUDGET_MICROS,
  PROP_BUDGET_PERIOD,
  PROP_HARD_LIMIT,
  PROP_HEALTH_CHECK_INTERVAL,
  PROP_HEALTH_CHECKS_PAUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers */

/* The char * member at @offset of every element of @items, joined by ", ". */
static char *
join_ids (GPtrArray *items,
          gsize      offset)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, G_STRUCT_MEMBER (const char *, g_ptr_array_index (items, i), offset));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
known_providers_text (TgConfigService *self)
{
  return join_ids (tg_catalog_get_providers (self->catalog), G_STRUCT_OFFSET (TgCatalogProvider, id));
}

static char *
provider_models_text (const TgCatalogProvider *provider)
{
  return join_ids (provider->models, G_STRUCT_OFFSET (TgModelCapabilities, model_id));
}

static gboolean
appears_before (char  **ids,
                guint   index)
{
  for (guint j = 0; j < index; j++)
    if (g_str_equal (ids[j], ids[index]))
      return TRUE;
  return FALSE;
}

/* The provider's catalogue default model if the catalogue still has it, else
 * its first model; NULL for a provider without models. */
static const char *
provider_default_model (TgConfigService         *self,
                        const TgCatalogProvider *provider)
{
  if (provider->default_model != NULL &&
      tg_catalog_get_model (self->catalog, provider->id, provider->default_model) != NULL)
    return provider->default_model;
  if (provider->models != NULL && provider->models->len > 0)
    return ((const TgModelCapabilities *) g_ptr_array_index (provider->models, 0))->model_id;
  return NULL;
}

/* Sets the default provider; a NULL @model_id keeps the current model when the
 * provider stays the same and takes the provider's default otherwise. An
 * unknown provider is left for validation to refuse with its message. */
static void
set_default_in (TgConfigService *self,
                TgPreferences   *prefs,
                const char      *provider_id,
                const char      *model_id)
{
  const TgCatalogProvider *provider = NULL;
  /* Copies first: the ids may point into @prefs itself. */
  g_autofree char *provider_copy = g_strdup (provider_id);
  g_autofree char *model = NULL;

  if (provider_id != NULL)
    provider = tg_catalog_get_provider (self->catalog, provider_id);

  if (model_id != NULL)
    model = g_strdup (model_id);
  else if (provider_id != NULL && g_strcmp0 (provider_id, prefs->default_provider) == 0)
    model = g_strdup (prefs->default_model);
  else if (provider != NULL)
    model = g_strdup (provider_default_model (self, provider));

  g_free (prefs->default_provider);
  prefs->default_provider = g_steal_pointer (&provider_copy);
  g_free (prefs->default_model);
  prefs->default_model = g_steal_pointer (&model);
}

/* Validation. Each message names the offending value and what is allowed. */

static gboolean
budget_error (gint64   budget_micros,
              GError **error)
{
  g_autofree char *amount = tg_money_format (budget_micros);

  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_BUDGET,
               _("A budget must be more than zero, not %s. Set it to “none” for no budget."), amount);
  return FALSE;
}

static gboolean
check_threshold_count (guint    n,
                       GError **error)
{
  if (n <= TG_MAX_ALERT_THRESHOLDS)
    return TRUE;
  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_THRESHOLDS,
               _("At most %d alert thresholds are allowed, not %u."), TG_MAX_ALERT_THRESHOLDS, n);
  return FALSE;
}

static gboolean
check_interval (guint64   seconds,
                GError  **error)
{
  if (seconds >= TG_CONFIG_MIN_CHECK_INTERVAL_S && seconds <= TG_CONFIG_MAX_CHECK_INTERVAL_S)
    return TRUE;
  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_INTERVAL,
               _("A health check interval of %" G_GUINT64_FORMAT " seconds is outside the allowed %d to %d seconds."),
               seconds, TG_CONFIG_MIN_CHECK_INTERVAL_S, TG_CONFIG_MAX_CHECK_INTERVAL_S);
  return FALSE;
}

static gboolean
fallback_provider_error (TgConfigService *self,
                         const char      *provider_id,
                         GError         **error)
{
  g_autofree char *known = known_providers_text (self);

  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_FALLBACK,
               _("“%s” cannot have a fallback model: it is not a provider in the catalogue. Known providers: %s."),
               provider_id, known);
  return FALSE;
}

static gboolean
validate_default (TgConfigService      *self,
                  const TgPreferences  *prefs,
                  GError              **error)
{
  const TgCatalogProvider *provider;

  if (prefs->default_provider == NULL)
    {
      if (prefs->default_model == NULL)
        return TRUE;
      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_UNKNOWN_MODEL,
                   _("The default model “%s” needs a default provider: set default-provider first."),
                   prefs->default_model);
      return FALSE;
    }

  provider = tg_catalog_get_provider (self->catalog, prefs->default_provider);
  if (provider == NULL)
    {
      g_autofree char *known = known_providers_text (self);

      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_UNKNOWN_PROVIDER,
                   _("“%s” is not a provider in the catalogue. Known providers: %s."),
                   prefs->default_provider, known);
      return FALSE;
    }

  if (prefs->default_model != NULL &&
      tg_catalog_get_model (self->catalog, provider->id, prefs->default_model) == NULL)
    {
      g_autofree char *models = provider_models_text (provider);

      /* Translators: provider name, model id, the provider's model ids */
      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_UNKNOWN_MODEL,
                   _("%s offers no model “%s”. Its models: %s."),
                   provider->name, prefs->default_model, models);
      return FALSE;
    }

  return TRUE;
}

static gboolean
validate_thresholds (const guint  *percents,
                     guint         n,
                     GError      **error)
{
  if (!check_threshold_count (n, error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      if (percents[i] < 1 || percents[i] > 100)
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_THRESHOLDS,
                       _("The alert threshold %u %% is outside 1 to 100 %%."), percents[i]);
          return FALSE;
        }
      if (i > 0 && percents[i] <= percents[i - 1])
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_THRESHOLDS,
                       _("Alert thresholds must go up: %u %% comes after %u %%."),
                       percents[i], percents[i - 1]);
          return FALSE;
        }
    }
  return TRUE;
}

typedef enum {
  LIST_FALLBACK_ORDER,
  LIST_ENABLED_PROVIDERS,
} ProviderList;

static gboolean
validate_provider_list (TgConfigService  *self,
                        char            **ids,
                        ProviderList      list,
                        GError          **error)
{
  for (guint i = 0; ids[i] != NULL; i++)
    {
      if (tg_catalog_get_provider (self->catalog, ids[i]) == NULL)
        {
          g_autofree char *known = known_providers_text (self);

          if (list == LIST_FALLBACK_ORDER)
            g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_FALLBACK,
                         _("“%s” in the fallback order is not a provider in the catalogue. Known providers: %s."),
                         ids[i], known);
          else
            g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_UNKNOWN_PROVIDER,
                         _("“%s” in the enabled providers is not a provider in the catalogue. Known providers: %s."),
                         ids[i], known);
          return FALSE;
        }
      if (appears_before (ids, i))
        {
          if (list == LIST_FALLBACK_ORDER)
            g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_FALLBACK,
                         _("“%s” appears twice in the fallback order; each provider can appear once."), ids[i]);
          else
            g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
                         _("“%s” appears twice in the enabled providers; each provider can appear once."), ids[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
validate_fallback_models (TgConfigService  *self,
                          GHashTable       *fallback_models,
                          GError          **error)
{
  g_autoptr(GList) providers = g_hash_table_get_keys (fallback_models);

  /* Sorted, so the same preferences always report the same first problem. */
  providers = g_list_sort (providers, (GCompareFunc) g_strcmp0);
  for (GList *l = providers; l != NULL; l = l->next)
    {
      const char *model_id = g_hash_table_lookup (fallback_models, l->data);
      const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, l->data);

      if (provider == NULL)
        return fallback_provider_error (self, l->data, error);
      if (model_id == NULL || tg_catalog_get_model (self->catalog, provider->id, model_id) == NULL)
        {
          g_autofree char *models = provider_models_text (provider);

          /* Translators: provider name, model id, the provider's model ids */
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_FALLBACK,
                       _("%s offers no model “%s” to fall back to. Its models: %s."),
                       provider->name, model_id != NULL ? model_id : "", models);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tg_config_service_validate (TgConfigService      *self,
                            const TgPreferences  *prefs,
                            GError              **error)
{
  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (prefs != NULL, FALSE);
  g_return_val_if_fail (prefs->fallback_order != NULL, FALSE);
  g_return_val_if_fail (prefs->enabled_providers != NULL, FALSE);
  g_return_val_if_fail (prefs->fallback_models != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!validate_default (self, prefs, error))
    return FALSE;
  if (prefs->budget_micros < 0)
    return budget_error (prefs->budget_micros, error);
  if (tg_budget_period_to_string (prefs->budget_period) == NULL)
    {
      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
                   _("Unknown budget period %d: use daily, weekly or monthly."), (int) prefs->budget_period);
      return FALSE;
    }
  return validate_thresholds (prefs->alert_thresholds, prefs->n_alert_thresholds, error) &&
         check_interval (prefs->health_check_interval_s, error) &&
         validate_provider_list (self, prefs->fallback_order, LIST_FALLBACK_ORDER, error) &&
         validate_fallback_models (self, prefs->fallback_models, error) &&
         validate_provider_list (self, prefs->enabled_providers, LIST_ENABLED_PROVIDERS, error);
}

/* Repair: what the store holds may predate the catalogue (a provider or model
 * was dropped) or be out of range. Fixed in memory only and logged; the next
 * change saves the repaired preferences. */

/* Repairs are logged once, when they are first made: not again when the
 * same stale row is read back for a merge. */
static void G_GNUC_PRINTF (2, 3)
repair_note (gboolean    quiet,
             const char *format,
             ...)
{
  va_list args;

  if (quiet)
    return;
  va_start (args, format);
  g_logv (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, format, args);
  va_end (args);
}

static void
repair_provider_list (TgConfigService   *self,
                      char            ***ids,
                      const char        *what,
                      gboolean           quiet)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  char **old = *ids;

  for (guint i = 0; old[i] != NULL; i++)
    {
      if (tg_catalog_get_provider (self->catalog, old[i]) == NULL)
        repair_note (quiet, "Dropped “%s” from the %s: it is not in the catalogue any more.", old[i], what);
      else if (appears_before (old, i))
        repair_note (quiet, "Dropped a repeated “%s” from the %s.", old[i], what);
      else
        g_strv_builder_add (builder, old[i]);
    }
  g_strfreev (old);
  *ids = g_strv_builder_end (builder);
}

static void
repair (TgConfigService *self,
        TgPreferences   *prefs,
        gboolean         quiet)
{
  GHashTableIter iter;
  gpointer key, value;

  if (prefs->default_provider != NULL &&
      tg_catalog_get_provider (self->catalog, prefs->default_provider) == NULL)
    {
      repair_note (quiet, "The default provider “%s” is not in the catalogue any more; no default provider is set.",
                   prefs->default_provider);
      g_clear_pointer (&prefs->default_provider, g_free);
    }
  if (prefs->default_provider == NULL)
    g_clear_pointer (&prefs->default_model, g_free);
  else if (prefs->default_model != NULL &&
           tg_catalog_get_model (self->catalog, prefs->default_provider, prefs->default_model) == NULL)
    {
      const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, prefs->default_provider);
      g_autofree char *dropped = g_steal_pointer (&prefs->default_model);

      prefs->default_model = g_strdup (provider_default_model (self, provider));
      repair_note (quiet, "The default model “%s” is not in the catalogue any more; using “%s”.",
                   dropped, prefs->default_model != NULL ? prefs->default_model : "");
    }

  repair_provider_list (self, &prefs->fallback_order, "fallback order", quiet);
  repair_provider_list (self, &prefs->enabled_providers, "enabled providers", quiet);

  g_hash_table_iter_init (&iter, prefs->fallback_models);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (tg_catalog_get_model (self->catalog, key, value) == NULL)
      {
        repair_note (quiet, "Dropped the fallback model “%s” for “%s”: it is not in the catalogue any more.",
                     (const char *) value, (const char *) key);
        g_hash_table_iter_remove (&iter);
      }

  if (!validate_thresholds (prefs->alert_thresholds, prefs->n_alert_thresholds, NULL))
    {
      g_autoptr(TgPreferences) defaults = tg_preferences_new ();

      repair_note (quiet, "The stored alert thresholds are not valid; using the defaults.");
      memcpy (prefs->alert_thresholds, defaults->alert_thresholds, sizeof prefs->alert_thresholds);
      prefs->n_alert_thresholds = defaults->n_alert_thresholds;
    }

  if (!check_interval (prefs->health_check_interval_s, NULL))
    {
      guint clamped = CLAMP (prefs->health_check_interval_s,
                             TG_CONFIG_MIN_CHECK_INTERVAL_S, TG_CONFIG_MAX_CHECK_INTERVAL_S);

      repair_note (quiet, "The stored health check interval of %u seconds is out of range; using %u.",
                   prefs->health_check_interval_s, clamped);
      prefs->health_check_interval_s = clamped;
    }

  if (prefs->budget_micros < 0)
    prefs->budget_micros = 0;
}

/* A copy of the preferences for a setter to change. Repaired first: the
 * catalogue may have lost a provider since loading (`tollgate provider
 * remove`), and one stale value must not block every other change; the
 * repair is saved with the change. */
static TgPreferences *
edit_copy (TgConfigService *self)
{
  TgPreferences *prefs = tg_preferences_copy (self->prefs);

  repair (self, prefs, FALSE);
  return prefs;
}

/* Loading and saving */

static void
load (TgConfigService *self)
{
  g_autoptr(GError) error = NULL;
  TgPreferences *prefs = NULL;

  if (self->db != NULL)
    prefs = tg_db_get_preferences (self->db, PROFILE, &error);

  if (prefs != NULL)
    self->stored = TRUE;
  else
    {
      prefs = tg_preferences_new ();
      if (error != NULL && !g_error_matches (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND))
        {
          g_warning ("Using the default preferences: %s", error->message);
          /* A damaged row is still there and may be replaced; anything else
           * (the table cannot be read) must not be overwritten blindly. */
          if (g_error_matches (error, TG_DB_ERROR, TG_DB_ERROR_INVALID))
            self->stored = TRUE;
          else
            self->load_error = g_steal_pointer (&error);
        }
    }

  repair (self, prefs, FALSE);
  self->prefs = prefs;
}

static gboolean
save (TgConfigService  *self,
      TgPreferences    *prefs,
      GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->db == NULL)
    {
      g_set_error_literal (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE,
                           _("The preferences cannot be saved: the database is not available."));
      return FALSE;
    }
  if (self->load_error != NULL)
    {
      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE,
                   _("The preferences were not saved, because the stored ones could not be read "
                     "and would be overwritten: %s"), self->load_error->message);
      return FALSE;
    }

  /* Update first: the row may have been written (or removed) by another
   * process, such as `tollgate prefs set`, since we loaded. */
  if (!tg_db_update_preferences (self->db, prefs, &local_error) &&
      g_error_matches (local_error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND))
    {
      g_clear_error (&local_error);
      tg_db_insert_preferences (self->db, prefs, &local_error);
    }
  if (local_error != NULL)
    {
      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE,
                   _("The preferences could not be saved: %s"), local_error->message);
      return FALSE;
    }

  self->stored = TRUE;
  return TRUE;
}

/* Keys: string forms and parsers */

static char *
get_default_provider (const TgPreferences *prefs)
{
  return g_strdup (prefs->default_provider != NULL ? prefs->default_provider : "");
}

static char *
get_default_model (const TgPreferences *prefs)
{
  return g_strdup (prefs->default_model != NULL ? prefs->default_model : "");
}

static char *
get_fallback_order (const TgPreferences *prefs)
{
  return g_strjoinv (",", prefs->fallback_order);
}

static char *
get_fallback_models (const TgPreferences *prefs)
{
  g_autoptr(GList) providers = g_hash_table_get_keys (prefs->fallback_models);
  g_autoptr(GString) text = g_string_new (NULL);

  /* Sorted: the same map is always the same text (and ::changed compares texts). */
  providers = g_list_sort (providers, (GCompareFunc) g_strcmp0);
  for (GList *l = providers; l != NULL; l = l->next)
    g_string_append_printf (text, "%s%s:%s", l == providers ? "" : ",", (const char *) l->data,
                            (const char *) g_hash_table_lookup (prefs->fallback_models, l->data));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
get_enabled_providers (const TgPreferences *prefs)
{
  return g_strjoinv (",", prefs->enabled_providers);
}

static char *
get_budget (const TgPreferences *prefs)
{
  g_autofree char *amount = NULL;

  if (prefs->budget_micros == 0)
    return g_strdup ("none");
  amount = tg_money_format (prefs->budget_micros);
  /* Without the currency sign, so `prefs set budget $(prefs get budget)` round-trips. */
  return g_strdup (amount[0] == '$' ? amount + 1 : amount);
}

static char *
get_budget_period (const TgPreferences *prefs)
{
  return g_strdup (tg_budget_period_to_string (prefs->budget_period));
}

static char *
get_alert_thresholds (const TgPreferences *prefs)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < prefs->n_alert_thresholds; i++)
    g_string_append_printf (text, "%s%u", i > 0 ? "," : "", prefs->alert_thresholds[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
get_hard_limit (const TgPreferences *prefs)
{
  return g_strdup (prefs->hard_limit ? "true" : "false");
}

static char *
get_check_interval (const TgPreferences *prefs)
{
  return g_strdup_printf ("%u", prefs->health_check_interval_s);
}

static char *
get_checks_paused (const TgPreferences *prefs)
{
  return g_strdup (prefs->health_checks_paused ? "true" : "false");
}

/* "a, b,,c" → { "a", "b", "c" }: items trimmed, empty ones skipped. */
static char **
parse_list (const char *value)
{
  g_auto(GStrv) items = g_strsplit (value, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; items[i] != NULL; i++)
    if (*g_strstrip (items[i]) != '\0')
      g_strv_builder_add (builder, items[i]);
  return g_strv_builder_end (builder);
}

static gboolean
parse_bool (const char  *key,
            const char  *value,
            gboolean    *out,
            GError     **error)
{
  static const char * const yes[] = { "true", "yes", "on", "1" };
  static const char * const no[] = { "false", "no", "off", "0" };
  g_autofree char *text = g_strstrip (g_strdup (value));

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (text, yes[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, no[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  /* Translators: a preference name, then the value given */
  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
               _("%s takes true or false, not “%s”."), key, value);
  return FALSE;
}

static gboolean
parse_default_provider (TgConfigService  *self,
                        TgPreferences    *prefs,
                        const char       *value,
                        GError          **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value));

  if (*text == '\0' || g_str_equal (text, "none"))
    set_default_in (self, prefs, NULL, NULL);
  else
    set_default_in (self, prefs, text, NULL);
  return TRUE;
}

static gboolean
parse_default_model (TgConfigService  *self,
                     TgPreferences    *prefs,
                     const char       *value,
                     GError          **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value));

  g_free (prefs->default_model);
  prefs->default_model = *text != '\0' ? g_steal_pointer (&text) : NULL;
  return TRUE;
}

static gboolean
parse_fallback_order (TgConfigService  *self,
                      TgPreferences    *prefs,
                      const char       *value,
                      GError          **error)
{
  g_strfreev (prefs->fallback_order);
  prefs->fallback_order = parse_list (value);
  return TRUE;
}

static gboolean
parse_fallback_models (TgConfigService  *self,
                       TgPreferences    *prefs,
                       const char       *value,
                       GError          **error)
{
  g_auto(GStrv) items = parse_list (value);
  g_autoptr(GHashTable) map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; items[i] != NULL; i++)
    {
      /* At the first colon: model ids may hold one ("llama3.1:8b"), provider ids do not. */
      const char *colon = strchr (items[i], ':');
      g_autofree char *provider = NULL;
      g_autofree char *model = NULL;

      if (colon != NULL)
        {
          provider = g_strstrip (g_strndup (items[i], colon - items[i]));
          model = g_strstrip (g_strdup (colon + 1));
        }
      if (provider == NULL || *provider == '\0' || *model == '\0')
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
                       _("“%s” is not a provider:model pair such as anthropic:claude-haiku-4-5."), items[i]);
          return FALSE;
        }
      if (g_hash_table_contains (map, provider))
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_FALLBACK,
                       _("“%s” is given two fallback models; give one per provider."), provider);
          return FALSE;
        }
      g_hash_table_insert (map, g_steal_pointer (&provider), g_steal_pointer (&model));
    }

  g_hash_table_unref (prefs->fallback_models);
  prefs->fallback_models = g_steal_pointer (&map);
  return TRUE;
}

static gboolean
parse_enabled_providers (TgConfigService  *self,
                         TgPreferences    *prefs,
                         const char       *value,
                         GError          **error)
{
  g_strfreev (prefs->enabled_providers);
  prefs->enabled_providers = parse_list (value);
  return TRUE;
}

static gboolean
parse_budget (TgConfigService  *self,
              TgPreferences    *prefs,
              const char       *value,
              GError          **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value));
  const char *amount = text;
  gint64 micros;

  if (*text == '\0' || g_ascii_strcasecmp (text, "none") == 0)
    {
      prefs->budget_micros = 0;
      return TRUE;
    }

  if (*amount == '$')
    amount++;
  /* Parsed as a decimal string, never through a double. "0" means no budget. */
  if (tg_money_parse_micros (amount, &micros))
    {
      prefs->budget_micros = micros;
      return TRUE;
    }

  if (*amount == '-' && tg_money_parse_micros (amount + 1, &micros))
    return budget_error (-micros, error);

  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_BUDGET,
               _("“%s” is not an amount in dollars such as 25 or 25.50 (at most six decimals), or “none”."),
               value);
  return FALSE;
}

static gboolean
parse_budget_period (TgConfigService  *self,
                     TgPreferences    *prefs,
                     const char       *value,
                     GError          **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value));

  if (tg_budget_period_from_string (text, &prefs->budget_period))
    return TRUE;
  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
               _("“%s” is not a budget period: use daily, weekly or monthly."), value);
  return FALSE;
}

static gboolean
parse_alert_thresholds (TgConfigService  *self,
                        TgPreferences    *prefs,
                        const char       *value,
                        GError          **error)
{
  g_auto(GStrv) items = parse_list (value);
  guint n = g_strv_length (items);

  if (!check_threshold_count (n, error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      char *item = items[i];
      gsize len = strlen (item);
      guint64 percent;

      /* "50%" reads as well as "50". */
      if (len > 0 && item[len - 1] == '%')
        {
          item[len - 1] = '\0';
          g_strchomp (item);
        }
      if (!g_ascii_string_to_unsigned (item, 10, 0, G_MAXUINT, &percent, NULL))
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
                       _("“%s” is not a whole percentage; give thresholds such as 50,80,100."), items[i]);
          return FALSE;
        }
      prefs->alert_thresholds[i] = (guint) percent;
    }
  prefs->n_alert_thresholds = n;
  return TRUE;
}

static gboolean
parse_hard_limit (TgConfigService  *self,
                  TgPreferences    *prefs,
                  const char       *value,
                  GError          **error)
{
  return parse_bool (TG_CONFIG_KEY_HARD_LIMIT, value, &prefs->hard_limit, error);
}

static gboolean
parse_check_interval (TgConfigService  *self,
                      TgPreferences    *prefs,
                      const char       *value,
                      GError          **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value));
  guint64 seconds;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &seconds, NULL))
    {
      g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
                   _("“%s” is not a whole number of seconds."), value);
      return FALSE;
    }
  if (!check_interval (seconds, error))
    return FALSE;
  prefs->health_check_interval_s = (guint) seconds;
  return TRUE;
}

static gboolean
parse_checks_paused (TgConfigService  *self,
                     TgPreferences    *prefs,
                     const char       *value,
                     GError          **error)
{
  return parse_bool (TG_CONFIG_KEY_CHECKS_PAUSED, value, &prefs->health_checks_paused, error);
}

typedef struct {
  const char  *key;
  guint        prop;  /* 0: no property */
  char      *(*get)   (const TgPreferences *prefs);
  gboolean   (*parse) (TgConfigService *self, TgPreferences *prefs, const char *value, GError **error);
} KeyInfo;

static const KeyInfo key_infos[] = {
  { TG_CONFIG_KEY_DEFAULT_PROVIDER, PROP_DEFAULT_PROVIDER, get_default_provider, parse_default_provider },
  { TG_CONFIG_KEY_DEFAULT_MODEL, PROP_DEFAULT_MODEL, get_default_model, parse_default_model },
  { TG_CONFIG_KEY_FALLBACK_ORDER, 0, get_fallback_order, parse_fallback_order },
  { TG_CONFIG_KEY_FALLBACK_MODELS, 0, get_fallback_models, parse_fallback_models },
  { TG_CONFIG_KEY_ENABLED_PROVIDERS, 0, get_enabled_providers, parse_enabled_providers },
  { TG_CONFIG_KEY_BUDGET, PROP_BUDGET_MICROS, get_budget, parse_budget },
  { TG_CONFIG_KEY_BUDGET_PERIOD, PROP_BUDGET_PERIOD, get_budget_period, parse_budget_period },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, 0, get_alert_thresholds, parse_alert_thresholds },
  { TG_CONFIG_KEY_HARD_LIMIT, PROP_HARD_LIMIT, get_hard_limit, parse_hard_limit },
  { TG_CONFIG_KEY_CHECK_INTERVAL, PROP_HEALTH_CHECK_INTERVAL, get_check_interval, parse_check_interval },
  { TG_CONFIG_KEY_CHECKS_PAUSED, PROP_HEALTH_CHECKS_PAUSED, get_checks_paused, parse_checks_paused },
};

static const char * const key_names[] = {
  TG_CONFIG_KEY_DEFAULT_PROVIDER,
  TG_CONFIG_KEY_DEFAULT_MODEL,
  TG_CONFIG_KEY_FALLBACK_ORDER,
  TG_CONFIG_KEY_FALLBACK_MODELS,
  TG_CONFIG_KEY_ENABLED_PROVIDERS,
  TG_CONFIG_KEY_BUDGET,
  TG_CONFIG_KEY_BUDGET_PERIOD,
  TG_CONFIG_KEY_ALERT_THRESHOLDS,
  TG_CONFIG_KEY_HARD_LIMIT,
  TG_CONFIG_KEY_CHECK_INTERVAL,
  TG_CONFIG_KEY_CHECKS_PAUSED,
  NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (key_names) == G_N_ELEMENTS (key_infos) + 1);

static const KeyInfo *
find_key (const char  *key,
          GError     **error)
{
  g_autofree char *known = NULL;

  for (guint i = 0; key != NULL && i < G_N_ELEMENTS (key_infos); i++)
    if (g_str_equal (key, key_infos[i].key))
      return &key_infos[i];

  known = g_strjoinv (", ", (char **) key_names);
  g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_UNKNOWN_KEY,
               _("“%s” is not a preference. The preferences are: %s."), key != NULL ? key : "", known);
  return NULL;
}

/* Public API */

TgConfigService *
tg_config_service_new (TgDb      *db,
                       TgCatalog *catalog)
{
  TgConfigService *self;

  g_return_val_if_fail (db == NULL || TG_IS_DB (db), NULL);
  g_return_val_if_fail (TG_IS_CATALOG (catalog), NULL);

  self = g_object_new (TG_TYPE_CONFIG_SERVICE, NULL);
  g_set_object (&self->db, db);
  g_set_object (&self->catalog, catalog);
  load (self);
  return self;
}

const TgPreferences *
tg_config_service_get_preferences (TgConfigService *self)
{
  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), NULL);
  return self->prefs;
}

gboolean
tg_config_service_is_stored (TgConfigService *self)
{
  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  return self->stored;
}

/* The keys whose string forms differ between @a and @b, in key order. */
static guint
diff_keys (const TgPreferences  *a,
           const TgPreferences  *b,
           const KeyInfo       **changed)
{
  guint n_changed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (key_infos); i++)
    {
      g_autofree char *before = key_infos[i].get (a);
      g_autofree char *after = key_infos[i].get (b);

      if (!g_str_equal (before, after))
        changed[n_changed++] = &key_infos[i];
    }
  return n_changed;
}

/* Makes @next the preferences and tells listeners: only once the change is
 * in the store, so that a listener that reads back sees it. */
static void
swap_and_emit (TgConfigService  *self,
               TgPreferences    *next,
               const KeyInfo   **changed,
               guint             n_changed)
{
  g_autoptr(TgPreferences) previous = g_steal_pointer (&self->prefs);

  self->prefs = next;
  g_object_ref (self);
  for (guint i = 0; i < n_changed; i++)
    {
      if (changed[i]->prop != 0)
        g_object_notify_by_pspec (G_OBJECT (self), properties[changed[i]->prop]);
      g_signal_emit (self, signals[CHANGED], g_quark_from_static_string (changed[i]->key), changed[i]->key);
    }
  g_object_unref (self);
}

/* The stored row, repaired, or NULL: none, damaged (set aside as load()
 * does), or unreadable (@error set). */
static TgPreferences *
read_stored (TgConfigService  *self,
             gboolean          quiet,
             GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  TgPreferences *stored = tg_db_get_preferences (self->db, PROFILE, &local_error);

  if (stored == NULL)
    {
      if (!g_error_matches (local_error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND) &&
          !g_error_matches (local_error, TG_DB_ERROR, TG_DB_ERROR_INVALID))
        g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE,
                     _("The stored preferences could not be read: %s"), local_error->message);
      return NULL;
    }
  repair (self, stored, quiet);
  return stored;
}

/* Another process (`tollgate prefs set`, a second instance) may have saved
 * since we loaded. @wanted was made from self->prefs: the keys it changes
 * are laid over @stored, every other key keeps its stored value. */
static TgPreferences *
merge_into_stored (TgConfigService      *self,
                   const TgPreferences  *wanted,
                   TgPreferences        *stored,
                   GError              **error)
{
  g_autoptr(TgPreferences) merged = stored;
  const KeyInfo *changed[G_N_ELEMENTS (key_infos)];
  guint n_changed = diff_keys (self->prefs, wanted, changed);

  for (guint i = 0; i < n_changed; i++)
    {
      g_autofree char *value = changed[i]->get (wanted);

      if (!changed[i]->parse (self, merged, value, error))
        return NULL;
    }
  /* Two valid sets can make an invalid one (a default provider here, that
   * provider disabled there): refused like any invalid change. */
  if (!tg_config_service_validate (self, merged, error))
    return NULL;
  return g_steal_pointer (&merged);
}

gboolean
tg_config_service_reload (TgConfigService  *self,
                          GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  TgPreferences *stored;
  const KeyInfo *changed[G_N_ELEMENTS (key_infos)];
  guint n_changed;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->db == NULL)
    return TRUE;

  stored = read_stored (self, FALSE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (stored == NULL)
    return TRUE;

  /* Readable now: what we hold may be saved over it again. */
  self->stored = TRUE;
  g_clear_error (&self->load_error);

  n_changed = diff_keys (self->prefs, stored, changed);
  if (n_changed == 0)
    {
      tg_preferences_free (stored);
      return TRUE;
    }
  swap_and_emit (self, stored, changed, n_changed);
  return TRUE;
}

/* Every commit appends to the write-ahead log, ours too; data_version tells
 * another connection's from our own, and a burst of them is one reload. */
#define RELOAD_DELAY_MS 200

static gboolean
reload_timeout_cb (gpointer user_data)
{
  TgConfigService *self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 version;

  self->reload_source = 0;
  version = tg_db_get_data_version (self->db);
  if (version == self->data_version)
    return G_SOURCE_REMOVE;
  self->data_version = version;

  if (!tg_config_service_reload (self, &error))
    g_warning ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (GFileMonitor      *monitor,
                  GFile             *file,
                  GFile             *other_file,
                  GFileMonitorEvent  event,
                  TgConfigService   *self)
{
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_timeout_cb, self);
}

void
tg_config_service_follow_store (TgConfigService *self)
{
  g_autofree char *log_path = NULL;
  g_autoptr(GFile) log_file = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TG_IS_CONFIG_SERVICE (self));

  if (self->db == NULL || self->store_monitor != NULL || !g_path_is_absolute (tg_db_get_path (self->db)))
    return;

  /* The store is in WAL mode: a commit writes the -wal file, not the database. */
  log_path = g_strconcat (tg_db_get_path (self->db), "-wal", NULL);
  log_file = g_file_new_for_path (log_path);
  self->store_monitor = g_file_monitor_file (log_file, G_FILE_MONITOR_NONE, NULL, &error);
  if (self->store_monitor == NULL)
    {
      g_debug ("Not following changes to the preferences from other programs: %s", error->message);
      return;
    }
  self->data_version = tg_db_get_data_version (self->db);
  g_signal_connect_object (self->store_monitor, "changed", G_CALLBACK (store_changed_cb), self, 0);
}

gboolean
tg_config_service_apply (TgConfigService      *self,
                         const TgPreferences  *prefs,
                         GError              **error)
{
  g_autoptr(TgPreferences) next = NULL;
  const KeyInfo *changed[G_N_ELEMENTS (key_infos)];
  guint n_changed;
  gboolean in_transaction = FALSE;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (prefs != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!tg_config_service_validate (self, prefs, error))
    return FALSE;

  next = tg_preferences_copy (prefs);
  g_free (next->profile);
  next->profile = g_strdup (PROFILE);

  if (diff_keys (self->prefs, next, changed) == 0)
    return TRUE;

  /* Read what is stored and write the change in one transaction, so that
   * nothing another process saved in between is lost. */
  if (self->db != NULL && self->load_error == NULL)
    {
      g_autoptr(GError) local_error = NULL;
      TgPreferences *stored;

      if (!tg_db_begin (self->db, &local_error))
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE,
                       _("The preferences could not be saved: %s"), local_error->message);
          return FALSE;
        }
      in_transaction = TRUE;

      stored = read_stored (self, TRUE, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto failed;
        }
      if (stored != NULL)
        {
          TgPreferences *merged = merge_into_stored (self, next, stored, error);

          if (merged == NULL)
            goto failed;
          g_free (merged->profile);
          merged->profile = g_strdup (PROFILE);
          tg_preferences_free (next);
          next = merged;
        }
    }

  n_changed = diff_keys (self->prefs, next, changed);
  if (n_changed == 0)
    {
      if (in_transaction)
        tg_db_rollback (self->db);
      return TRUE;
    }

  if (!save (self, next, error))
    goto failed;

  if (in_transaction)
    {
      g_autoptr(GError) local_error = NULL;

      if (!tg_db_commit (self->db, &local_error))
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE,
                       _("The preferences could not be saved: %s"), local_error->message);
          goto failed;
        }
    }

  swap_and_emit (self, g_steal_pointer (&next), changed, n_changed);
  return TRUE;

failed:
  if (in_transaction)
    tg_db_rollback (self->db);
  return FALSE;
}

gboolean
tg_config_service_choose_defaults (TgConfigService     *self,
                                   const char * const  *keyed_provider_ids,
                                   GError             **error)
{
  g_autoptr(TgPreferences) prefs = NULL;
  GPtrArray *providers;
  const TgCatalogProvider *chosen = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  prefs = edit_copy (self);
  if (prefs->default_provider != NULL || keyed_provider_ids == NULL)
    return TRUE;

  /* Cloud providers first: a local server in the list may not be running,
   * while a key the user stored is a clear sign of intent. */
  providers = tg_catalog_get_providers (self->catalog);
  for (guint pass = 0; pass < 2 && chosen == NULL; pass++)
    for (guint i = 0; i < providers->len && chosen == NULL; i++)
      {
        const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

        if (!!provider->local == (pass == 0) ||
            !g_strv_contains (keyed_provider_ids, provider->id) ||
            provider_default_model (self, provider) == NULL)
          continue;
        chosen = provider;
      }

  if (chosen == NULL)
    return TRUE;

  set_default_in (self, prefs, chosen->id, NULL);
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_default_provider (TgConfigService  *self,
                                        const char       *provider_id,
                                        const char       *model_id,
                                        GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  set_default_in (self, prefs, provider_id, model_id);
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_default_model (TgConfigService  *self,
                                     const char       *model_id,
                                     GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  g_free (prefs->default_model);
  prefs->default_model = g_strdup (model_id);
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_fallback_order (TgConfigService     *self,
                                      const char * const  *provider_ids,
                                      GError             **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  g_strfreev (prefs->fallback_order);
  prefs->fallback_order = provider_ids != NULL ? g_strdupv ((char **) provider_ids) : g_new0 (char *, 1);
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_fallback_model (TgConfigService  *self,
                                      const char       *provider_id,
                                      const char       *model_id,
                                      GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (provider_id != NULL, FALSE);

  /* Checked here too: removing the mapping of an unknown provider is a mistake, not a no-op. */
  if (tg_catalog_get_provider (self->catalog, provider_id) == NULL)
    return fallback_provider_error (self, provider_id, error);

  prefs = edit_copy (self);
  if (model_id != NULL)
    g_hash_table_insert (prefs->fallback_models, g_strdup (provider_id), g_strdup (model_id));
  else
    g_hash_table_remove (prefs->fallback_models, provider_id);
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_budget (TgConfigService  *self,
                              gint64            budget_micros,
                              TgBudgetPeriod    period,
                              GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  if (budget_micros <= 0)
    return budget_error (budget_micros, error);

  prefs = edit_copy (self);
  prefs->budget_micros = budget_micros;
  prefs->budget_period = period;
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_alert_thresholds (TgConfigService  *self,
                                        const guint      *percents,
                                        guint             n_percents,
                                        GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (percents != NULL || n_percents == 0, FALSE);

  if (!check_threshold_count (n_percents, error))
    return FALSE;

  prefs = edit_copy (self);
  if (n_percents > 0)
    memcpy (prefs->alert_thresholds, percents, n_percents * sizeof *percents);
  prefs->n_alert_thresholds = n_percents;
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_hard_limit (TgConfigService  *self,
                                  gboolean          hard_limit,
                                  GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  prefs->hard_limit = !!hard_limit;
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_check_interval (TgConfigService  *self,
                                      guint             seconds,
                                      GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  prefs->health_check_interval_s = seconds;
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_checks_paused (TgConfigService  *self,
                                     gboolean          paused,
                                     GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  prefs->health_checks_paused = !!paused;
  return tg_config_service_apply (self, prefs, error);
}

gboolean
tg_config_service_set_enabled_providers (TgConfigService     *self,
                                         const char * const  *provider_ids,
                                         GError             **error)
{
  g_autoptr(TgPreferences) prefs = NULL;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);

  prefs = edit_copy (self);
  g_strfreev (prefs->enabled_providers);
  prefs->enabled_providers = provider_ids != NULL ? g_strdupv ((char **) provider_ids) : g_new0 (char *, 1);
  return tg_config_service_apply (self, prefs, error);
}

const char * const *
tg_config_service_list_keys (void)
{
  return key_names;
}

char *
tg_config_service_get_string (TgConfigService  *self,
                              const char       *key,
                              GError          **error)
{
  const KeyInfo *info;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(info = find_key (key, error)))
    return NULL;
  return info->get (self->prefs);
}

gboolean
tg_config_service_set_string (TgConfigService  *self,
                              const char       *key,
                              const char       *value,
                              GError          **error)
{
  g_autoptr(TgPreferences) prefs = NULL;
  const KeyInfo *info;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(info = find_key (key, error)))
    return FALSE;

  prefs = edit_copy (self);
  if (!info->parse (self, prefs, value, error))
    return FALSE;
  return tg_config_service_apply (self, prefs, error);
}

static gboolean
is_cheaper (const TgModelCapabilities *a,
            const TgModelCapabilities *b)
{
  gint64 price_a = a->price_input_micros + a->price_output_micros;
  gint64 price_b = b->price_input_micros + b->price_output_micros;

  if (price_a != price_b)
    return price_a < price_b;
  return strcmp (a->model_id, b->model_id) < 0;
}

char *
tg_config_service_get_fallback_model (TgConfigService           *self,
                                      const char                *provider_id,
                                      const TgModelCapabilities *model,
                                      gboolean                  *is_explicit)
{
  const TgCatalogProvider *provider;
  const TgModelCapabilities *best = NULL;
  const char *chosen;

  if (is_explicit != NULL)
    *is_explicit = FALSE;

  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (self), NULL);
  g_return_val_if_fail (provider_id != NULL, NULL);

  provider = tg_catalog_get_provider (self->catalog, provider_id);
  if (provider == NULL)
    return NULL;

  /* Checked again: the catalogue may have dropped the model since it was chosen. */
  chosen = g_hash_table_lookup (self->prefs->fallback_models, provider_id);
  if (chosen != NULL && tg_catalog_get_model (self->catalog, provider_id, chosen) != NULL)
    {
      if (is_explicit != NULL)
        *is_explicit = TRUE;
      return g_strdup (chosen);
    }

  /* A custom model nobody described: nothing to match, so the provider's default. */
  if (model == NULL)
    return g_strdup (provider_default_model (self, provider));

  for (guint i = 0; i < provider->models->len; i++)
    {
      const TgModelCapabilities *candidate = g_ptr_array_index (provider->models, i);

      if ((candidate->capabilities & model->capabilities) != model->capabilities ||
          candidate->context_window < model->context_window)
        continue;
      if (best == NULL || is_cheaper (candidate, best))
        best = candidate;
    }
  return best != NULL ? g_strdup (best->model_id) : NULL;
}

/* GObject */

static void
tg_config_service_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TgConfigService *self = TG_CONFIG_SERVICE (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_PROVIDER:
      g_value_set_string (value, self->prefs->default_provider);
      break;
    case PROP_DEFAULT_MODEL:
      g_value_set_string (value, self->prefs->default_model);
      break;
    case PROP_BUDGET_MICROS:
      g_value_set_int64 (value, self->prefs->budget_micros);
      break;
    case PROP_BUDGET_PERIOD:
      g_value_set_int (value, self->prefs->budget_period);
      break;
    case PROP_HARD_LIMIT:
      g_value_set_boolean (value, self->prefs->hard_limit);
      break;
    case PROP_HEALTH_CHECK_INTERVAL:
      g_value_set_uint (value, self->prefs->health_check_interval_s);
      break;
    case PROP_HEALTH_CHECKS_PAUSED:
      g_value_set_boolean (value, self->prefs->health_checks_paused);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_config_service_dispose (GObject *object)
{
  TgConfigService *self = TG_CONFIG_SERVICE (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->store_monitor != NULL)
    g_file_monitor_cancel (self->store_monitor);
  g_clear_object (&self->store_monitor);

  g_clear_object (&self->db);
  g_clear_object (&self->catalog);

  G_OBJECT_CLASS (tg_config_service_parent_class)->dispose (object);
}

static void
tg_config_service_finalize (GObject *object)
{
  TgConfigService *self = TG_CONFIG_SERVICE (object);

  g_clear_pointer (&self->prefs, tg_preferences_free);
  g_clear_error (&self->load_error);

  G_OBJECT_CLASS (tg_config_service_parent_class)->finalize (object);
}

static void
tg_config_service_class_init (TgConfigServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tg_config_service_get_property;
  object_class->dispose = tg_config_service_dispose;
  object_class->finalize = tg_config_service_finalize;

  /* Read-only: changes go through the setters, which validate and can fail. */
  properties[PROP_DEFAULT_PROVIDER] =
    g_param_spec_string ("default-provider", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEFAULT_MODEL] =
    g_param_spec_string ("default-model", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUDGET_MICROS] =
    g_param_spec_int64 ("budget-micros", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUDGET_PERIOD] =
    g_param_spec_int ("budget-period", NULL, NULL,
                      TG_BUDGET_PERIOD_DAILY, TG_BUDGET_PERIOD_MONTHLY, TG_BUDGET_PERIOD_MONTHLY,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HARD_LIMIT] =
    g_param_spec_boolean ("hard-limit", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEALTH_CHECK_INTERVAL] =
    g_param_spec_uint ("health-check-interval", NULL, NULL,
                       TG_CONFIG_MIN_CHECK_INTERVAL_S, TG_CONFIG_MAX_CHECK_INTERVAL_S, 300,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEALTH_CHECKS_PAUSED] =
    g_param_spec_boolean ("health-checks-paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TgConfigService::changed:
   * @key: the preference that changed (a TG_CONFIG_KEY_*), also the detail
   *
   * Emitted once per changed key after a change is saved; never for a value
   * set to what it already was, never when a change fails.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
tg_config_service_init (TgConfigService *self)
{
}
