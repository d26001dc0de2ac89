/* tg-provider-selector.h: the providers the catalogue knows, their models and
 * prices, whether a key is stored for each, their health, and the choice of
 * the default provider and model (DESIGN §5). */
#pragma once

#include <gtk/gtk.h>

#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-health-monitor.h"
#include "tg-secret-store.h"

G_BEGIN_DECLS

#define TG_TYPE_PROVIDER_SELECTOR (tg_provider_selector_get_type ())
G_DECLARE_FINAL_TYPE (TgProviderSelector, tg_provider_selector, TG, PROVIDER_SELECTOR, GtkWidget)

GtkWidget     *tg_provider_selector_new              (TgCatalog          *catalog,
                                                      TgSecretStore      *secret_store);

TgCatalog     *tg_provider_selector_get_catalog      (TgProviderSelector *self);
void           tg_provider_selector_set_catalog      (TgProviderSelector *self,
                                                      TgCatalog          *catalog);
TgSecretStore *tg_provider_selector_get_secret_store (TgProviderSelector *self);
void           tg_provider_selector_set_secret_store (TgProviderSelector *self,
                                                      TgSecretStore      *secret_store);

/* Asks the keyring again which providers have a key (one call, no secret is
 * loaded). The rows keep their current status until the answer arrives, then
 * ::keys-refreshed is emitted. Setting the secret store does this too. */
void           tg_provider_selector_refresh_keys     (TgProviderSelector *self);

/* Choosing a provider or model saves it through @config at once; the rows
 * follow @config's ::changed and @health's ::status-changed and
 * ::check-completed. Either may be NULL. Errors, and the hint that a chosen
 * provider has no key yet, are emitted as ::toast (const char *message) for
 * the window to show. */
void             tg_provider_selector_set_services       (TgProviderSelector *self,
                                                          TgConfigService    *config,
                                                          TgHealthMonitor    *health);
TgConfigService *tg_provider_selector_get_config         (TgProviderSelector *self);
TgHealthMonitor *tg_provider_selector_get_health_monitor (TgProviderSelector *self);

G_END_DECLS
