/* tg-secret-store.h: API keys in the system keyring (libsecret), keyed by provider id.
 * Keys never touch the database, logs or process arguments. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TG_SECRET_STORE_ERROR (tg_secret_store_error_quark ())

typedef enum {
  TG_SECRET_STORE_ERROR_UNAVAILABLE,  /* no Secret Service on the session bus */
  TG_SECRET_STORE_ERROR_LOCKED,       /* the keyring is locked and was not unlocked */
  TG_SECRET_STORE_ERROR_INVALID,      /* empty key or provider id */
  TG_SECRET_STORE_ERROR_FAILED,
} TgSecretStoreError;

GQuark tg_secret_store_error_quark (void);

#define TG_TYPE_SECRET_STORE (tg_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (TgSecretStore, tg_secret_store, TG, SECRET_STORE, GObject)

TgSecretStore *tg_secret_store_new           (void);

void           tg_secret_store_store_async   (TgSecretStore       *self,
                                              const char          *provider_id,
                                              const char          *key,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       tg_secret_store_store_finish  (TgSecretStore       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Returns the key (free with tg_secret_store_free_key()), or NULL with no error when none is stored. */
void           tg_secret_store_lookup_async  (TgSecretStore       *self,
                                              const char          *provider_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
char          *tg_secret_store_lookup_finish (TgSecretStore       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* TRUE on success; *@deleted says whether a key was there. */
void           tg_secret_store_delete_async  (TgSecretStore       *self,
                                              const char          *provider_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       tg_secret_store_delete_finish (TgSecretStore       *self,
                                              GAsyncResult        *result,
                                              gboolean            *deleted,
                                              GError             **error);

/* Provider ids that have a key, without loading any secret. */
void           tg_secret_store_list_async    (TgSecretStore       *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GStrv          tg_secret_store_list_finish   (TgSecretStore       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Blocking variants, for the command line only (never on the UI's main loop). */
gboolean       tg_secret_store_store_sync    (TgSecretStore *self, const char *provider_id, const char *key,
                                              GCancellable *cancellable, GError **error);
char          *tg_secret_store_lookup_sync   (TgSecretStore *self, const char *provider_id,
                                              GCancellable *cancellable, GError **error);
gboolean       tg_secret_store_delete_sync   (TgSecretStore *self, const char *provider_id, gboolean *deleted,
                                              GCancellable *cancellable, GError **error);
GStrv          tg_secret_store_list_sync     (TgSecretStore *self, GCancellable *cancellable, GError **error);

/* Wipes and frees a key returned by a lookup. */
void           tg_secret_store_free_key      (char *key);

G_END_DECLS
