/* tg-provider-selector.h: the providers the catalogue knows, their models and
 * prices, and whether a key is stored for each (DESIGN §5). */
#pragma once

#include <gtk/gtk.h>

#include "tg-catalog.h"
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

G_END_DECLS
