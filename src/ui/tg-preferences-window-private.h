/* tg-preferences-window-private.h: the window's parts, for its tests only. */
#pragma once

#include "tg-chart.h"
#include "tg-preferences-window.h"

G_BEGIN_DECLS

/* Asynchronous work (keyring, checks) still running. */
gboolean             tg_preferences_window_is_busy                  (TgPreferencesWindow *self);

/* Providers page; NULL for a provider without the row. */
AdwExpanderRow      *tg_preferences_window_get_provider_row         (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
AdwPasswordEntryRow *tg_preferences_window_get_key_row              (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
GtkButton           *tg_preferences_window_get_remove_key_button    (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
GtkSwitch           *tg_preferences_window_get_enabled_switch       (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
AdwEntryRow         *tg_preferences_window_get_base_url_row         (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
GtkButton           *tg_preferences_window_get_test_button          (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
AdwActionRow        *tg_preferences_window_get_test_row             (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
AdwActionRow        *tg_preferences_window_get_custom_row           (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
GtkButton           *tg_preferences_window_get_add_endpoint_button  (TgPreferencesWindow *self);
/* The confirmation or "Add Endpoint" dialog on screen, or NULL. */
GtkWindow           *tg_preferences_window_get_dialog               (TgPreferencesWindow *self);

/* Budget page */
AdwEntryRow         *tg_preferences_window_get_budget_row           (TgPreferencesWindow *self);
AdwComboRow         *tg_preferences_window_get_period_row           (TgPreferencesWindow *self);
AdwEntryRow         *tg_preferences_window_get_thresholds_row       (TgPreferencesWindow *self);
GtkSwitch           *tg_preferences_window_get_hard_limit_switch    (TgPreferencesWindow *self);
/* The inline error under the budget rows ("" and hidden when none). */
GtkLabel            *tg_preferences_window_get_budget_error         (TgPreferencesWindow *self);

/* Fallback page */
AdwActionRow        *tg_preferences_window_get_fallback_row         (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
GtkButton           *tg_preferences_window_get_move_up_button       (TgPreferencesWindow *self,
                                                                     const char          *provider_id);
AdwComboRow         *tg_preferences_window_get_add_fallback_row     (TgPreferencesWindow *self);
GtkButton           *tg_preferences_window_get_add_fallback_button  (TgPreferencesWindow *self);
AdwComboRow         *tg_preferences_window_get_fallback_model_row   (TgPreferencesWindow *self,
                                                                     const char          *provider_id);

/* Health page */
GtkSpinButton       *tg_preferences_window_get_interval_spin        (TgPreferencesWindow *self);
GtkSwitch           *tg_preferences_window_get_pause_switch         (TgPreferencesWindow *self);
TgChart             *tg_preferences_window_get_history_chart        (TgPreferencesWindow *self,
                                                                     const char          *provider_id);

G_END_DECLS
