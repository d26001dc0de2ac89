/* tg-config-service.h: the user's preferences (DESIGN §2 user_ai_preferences, §4).
 *
 * Holds the "default" profile in memory, validates every change against the
 * catalogue, saves it at once and emits ::changed with the key as detail
 * ("changed::budget"). The keys are also the names `tollgate prefs` uses. */
#pragma once

#include <gio/gio.h>

#include "tg-catalog.h"
#include "tg-db.h"

G_BEGIN_DECLS

#define TG_CONFIG_ERROR (tg_config_error_quark ())

typedef enum {
  TG_CONFIG_ERROR_UNKNOWN_KEY,        /* no such preference */
  TG_CONFIG_ERROR_UNKNOWN_PROVIDER,   /* not in the catalogue */
  TG_CONFIG_ERROR_UNKNOWN_MODEL,      /* the provider offers no such model */
  TG_CONFIG_ERROR_INVALID_BUDGET,     /* <= 0, or not a decimal amount */
  TG_CONFIG_ERROR_INVALID_THRESHOLDS, /* not ascending, outside 1–100 %, too many */
  TG_CONFIG_ERROR_INVALID_INTERVAL,   /* outside TG_CONFIG_MIN/MAX_CHECK_INTERVAL_S */
  TG_CONFIG_ERROR_INVALID_FALLBACK,   /* unknown or repeated provider, unusable model mapping */
  TG_CONFIG_ERROR_INVALID_VALUE,      /* a value that does not parse for its key */
  TG_CONFIG_ERROR_STORE,              /* could not be saved (the message says why) */
} TgConfigError;

GQuark tg_config_error_quark (void);

#define TG_CONFIG_MIN_CHECK_INTERVAL_S 30
#define TG_CONFIG_MAX_CHECK_INTERVAL_S 86400

/* Keys, for ::changed details and `tollgate prefs`. */
#define TG_CONFIG_KEY_DEFAULT_PROVIDER  "default-provider"
#define TG_CONFIG_KEY_DEFAULT_MODEL     "default-model"
#define TG_CONFIG_KEY_FALLBACK_ORDER    "fallback-order"     /* "openai,anthropic" */
#define TG_CONFIG_KEY_FALLBACK_MODELS   "fallback-models"    /* "anthropic:claude-x,gemini:gemini-y" */
#define TG_CONFIG_KEY_ENABLED_PROVIDERS "enabled-providers"  /* "" : all with a key */
#define TG_CONFIG_KEY_BUDGET            "budget"             /* "25.00" dollars; "0" or "none": no budget */
#define TG_CONFIG_KEY_BUDGET_PERIOD     "budget-period"      /* daily | weekly | monthly */
#define TG_CONFIG_KEY_ALERT_THRESHOLDS  "alert-thresholds"   /* "50,80,100" */
#define TG_CONFIG_KEY_HARD_LIMIT        "hard-limit"         /* true | false */
#define TG_CONFIG_KEY_CHECK_INTERVAL    "health-check-interval" /* seconds */
#define TG_CONFIG_KEY_CHECKS_PAUSED     "health-checks-paused"  /* true | false */

#define TG_TYPE_CONFIG_SERVICE (tg_config_service_get_type ())
G_DECLARE_FINAL_TYPE (TgConfigService, tg_config_service, TG, CONFIG_SERVICE, GObject)

/* Loads the "default" profile from @db (NULL: a broken store; the defaults
 * are used and saving fails with TG_CONFIG_ERROR_STORE). Stored preferences
 * that no longer validate (a provider the catalogue dropped) are repaired in
 * memory and the repair is logged, never a crash. */
TgConfigService     *tg_config_service_new            (TgDb            *db,
                                                       TgCatalog       *catalog);
/* The preferences as they are now. Transfer none; valid until the next change. */
const TgPreferences *tg_config_service_get_preferences (TgConfigService *self);
/* Whether a profile row exists in the store (FALSE on first run). */
gboolean             tg_config_service_is_stored       (TgConfigService *self);

/* First run: when no default provider is set, picks the first catalogue
 * provider in @keyed_provider_ids (ids with a key) and its default model,
 * and saves. Does nothing when a default is already set. */
gboolean             tg_config_service_choose_defaults (TgConfigService    *self,
                                                        const char * const *keyed_provider_ids,
                                                        GError            **error);

/* Checks a whole set of preferences (TG_CONFIG_ERROR, a sentence naming the
 * offending value and the allowed range). */
gboolean             tg_config_service_validate        (TgConfigService     *self,
                                                        const TgPreferences *prefs,
                                                        GError             **error);
/* Validates, saves and, on success, emits ::changed once per key that
 * changed. Nothing changes on failure. The keys @prefs changes (compared with
 * get_preferences()) are laid over the preferences as stored now, in one
 * transaction: what another process saved meanwhile (`tollgate prefs set`)
 * is kept, and ::changed fires for it too. */
gboolean             tg_config_service_apply           (TgConfigService     *self,
                                                        const TgPreferences *prefs,
                                                        GError             **error);

/* Reads the stored preferences again, for changes another process saved,
 * and emits ::changed once per key that differs. A missing or damaged row
 * changes nothing; an unreadable store is TG_CONFIG_ERROR_STORE. */
gboolean             tg_config_service_reload          (TgConfigService     *self,
                                                        GError             **error);

/* From now on, reloads by itself (within about a second) whenever another
 * process commits to the store, so that `tollgate prefs set` shows in a
 * running app at once. Nothing happens without a store file. */
void                 tg_config_service_follow_store    (TgConfigService     *self);

/* Convenience setters: each validates, saves and emits like apply(). */
/* @model_id NULL: the provider's default model, or the current one when the
 * provider stays the same. @provider_id NULL: no default provider nor model. */
gboolean tg_config_service_set_default_provider (TgConfigService *self, const char *provider_id,
                                                 const char *model_id, GError **error);
gboolean tg_config_service_set_default_model    (TgConfigService *self, const char *model_id, GError **error);
gboolean tg_config_service_set_fallback_order   (TgConfigService *self, const char * const *provider_ids, GError **error);
/* @model_id NULL: back to the automatic choice. */
gboolean tg_config_service_set_fallback_model   (TgConfigService *self, const char *provider_id,
                                                 const char *model_id, GError **error);
gboolean tg_config_service_set_budget           (TgConfigService *self, gint64 budget_micros,
                                                 TgBudgetPeriod period, GError **error);
gboolean tg_config_service_set_alert_thresholds (TgConfigService *self, const guint *percents,
                                                 guint n_percents, GError **error);
gboolean tg_config_service_set_hard_limit       (TgConfigService *self, gboolean hard_limit, GError **error);
gboolean tg_config_service_set_check_interval   (TgConfigService *self, guint seconds, GError **error);
gboolean tg_config_service_set_checks_paused    (TgConfigService *self, gboolean paused, GError **error);
gboolean tg_config_service_set_enabled_providers (TgConfigService *self, const char * const *provider_ids,
                                                  GError **error);

/* String forms, for `tollgate prefs get/set` (the keys above). */
const char * const *tg_config_service_list_keys (void);
char    *tg_config_service_get_string            (TgConfigService *self, const char *key, GError **error);
gboolean tg_config_service_set_string            (TgConfigService *self, const char *key,
                                                  const char *value, GError **error);

/* The model a fallback to @provider_id uses when the request was for
 * @model (a model of another provider): the user's explicit mapping if there
 * is one, else the provider's cheapest model that has every capability of
 * @model and a context window at least as large. NULL when none qualifies.
 * *@is_explicit (nullable) says which. Transfer full. */
char    *tg_config_service_get_fallback_model    (TgConfigService           *self,
                                                  const char                *provider_id,
                                                  const TgModelCapabilities *model,
                                                  gboolean                  *is_explicit);

/* Properties (readable, notify on change): "default-provider", "default-model",
 * "budget-micros", "budget-period" (TgBudgetPeriod as int), "hard-limit",
 * "health-check-interval", "health-checks-paused".
 *
 * Signals:
 *   ::changed (const char *key)  detailed by the key */

G_END_DECLS
