/* tg-catalog.h: providers, models and prices (DESIGN §3).
 *
 * The shipped catalogue (data/catalog/providers.json, in the GResource) plus the
 * user's overrides file ($TOLLGATE_DATA_DIR/catalog-overrides.json, same format).
 * tg_catalog_sync_to_db() materialises models into ai_provider_capabilities and
 * then re-reads them, so the models a TgCatalog lists are the effective ones:
 * rows the user owns (source "user") are never overwritten by a catalogue update. */
#pragma once

#include <gio/gio.h>
#include "tg-db.h"

G_BEGIN_DECLS

#define TG_CATALOG_ERROR (tg_catalog_error_quark ())

typedef enum {
  TG_CATALOG_ERROR_IO,       /* cannot read the file */
  TG_CATALOG_ERROR_PARSE,    /* not JSON */
  TG_CATALOG_ERROR_INVALID,  /* JSON, but an entry's field is missing or wrong: message names file, entry, field */
} TgCatalogError;

GQuark tg_catalog_error_quark (void);

typedef enum {
  TG_WIRE_FORMAT_OPENAI,
  TG_WIRE_FORMAT_ANTHROPIC,
  TG_WIRE_FORMAT_GEMINI,
  TG_WIRE_FORMAT_OLLAMA,
} TgWireFormat;

typedef enum {
  TG_AUTH_STYLE_BEARER,          /* Authorization: Bearer KEY */
  TG_AUTH_STYLE_X_API_KEY,       /* x-api-key: KEY (Anthropic) */
  TG_AUTH_STYLE_X_GOOG_API_KEY,  /* x-goog-api-key: KEY (Gemini) */
  TG_AUTH_STYLE_NONE,            /* local servers */
} TgAuthStyle;

typedef struct {
  char         *id;
  char         *name;
  TgWireFormat  wire_format;
  char         *base_url;
  TgAuthStyle   auth_style;
  char         *health_path;     /* free endpoint relative to base_url, e.g. "/models" */
  char         *docs_url;
  char         *pricing_url;     /* where the prices were read */
  char         *prices_as_of;    /* YYYY-MM-DD */
  char         *default_model;
  gboolean      local;           /* runs on this machine; needs no key */
  gboolean      user_defined;    /* added by the user in the overrides file */
  GPtrArray    *models;          /* TgModelCapabilities*, effective prices */
} TgCatalogProvider;

const char   *tg_wire_format_to_string     (TgWireFormat format);
gboolean      tg_wire_format_from_string   (const char *str, TgWireFormat *out);
const char   *tg_auth_style_to_string      (TgAuthStyle style);
gboolean      tg_auth_style_from_string    (const char *str, TgAuthStyle *out);
const char   *tg_capability_to_string      (TgCapabilities capability); /* one bit: "streaming", … */
gboolean      tg_capability_from_string    (const char *str, TgCapabilities *out);

#define TG_TYPE_CATALOG (tg_catalog_get_type ())
G_DECLARE_FINAL_TYPE (TgCatalog, tg_catalog, TG, CATALOG, GObject)

TgCatalog                 *tg_catalog_new                (void);
/* What @self holds now, unaffected by its later changes (a provider added or
 * removed, an address edited), and safe to read from another thread while
 * @self changes in this one. */
TgCatalog                 *tg_catalog_snapshot           (TgCatalog     *self);
/* The shipped catalogue, then the user's overrides file if it exists. */
TgCatalog                 *tg_catalog_new_default        (GError     **error);
gboolean                   tg_catalog_load_resource      (TgCatalog   *self,
                                                          GError     **error);
/* A whole catalogue file (replaces what was loaded). */
gboolean                   tg_catalog_load_file          (TgCatalog   *self,
                                                          GFile       *file,
                                                          GError     **error);
/* Merge an overrides file: patches known providers and models, adds new ones
 * (marked source "user"). A missing file is not an error. */
gboolean                   tg_catalog_load_overrides     (TgCatalog   *self,
                                                          GFile       *file,
                                                          GError     **error);
GFile                     *tg_catalog_get_overrides_file (void);

/* Element type TgCatalogProvider, in catalogue order; transfer none. */
GPtrArray                 *tg_catalog_get_providers      (TgCatalog   *self);
const TgCatalogProvider   *tg_catalog_get_provider       (TgCatalog   *self,
                                                          const char  *provider_id);
const TgModelCapabilities *tg_catalog_get_model          (TgCatalog   *self,
                                                          const char  *provider_id,
                                                          const char  *model_id);

/* Custom endpoints (a local llama.cpp, vLLM or LM Studio server, any
 * OpenAI-compatible URL) live in the overrides file as providers of their own.
 * Saving adds or replaces the entry with @provider->id, after checking that the
 * resulting file loads; the file is replaced atomically and the catalogue
 * reloaded. A catalogue provider's id is refused. Sync to the store afterwards. */
gboolean                   tg_catalog_save_user_provider   (TgCatalog               *self,
                                                            const TgCatalogProvider *provider,
                                                            GError                 **error);
/* Removes a user-added provider from the overrides file and its models from
 * @db (if given). Catalogue providers cannot be removed. */
gboolean                   tg_catalog_remove_user_provider (TgCatalog               *self,
                                                            TgDb                    *db,
                                                            const char              *provider_id,
                                                            GError                 **error);

/* Points @provider_id (a catalogue provider or one of the user's) at another
 * address, kept in the overrides file with the rest of the user's changes;
 * @base_url NULL or "" goes back to the catalogue's own address. It must be
 * an http:// or https:// address. The file is replaced atomically and the
 * catalogue reloaded, as tg_catalog_save_user_provider() does. */
gboolean                   tg_catalog_set_base_url         (TgCatalog               *self,
                                                            const char              *provider_id,
                                                            const char              *base_url,
                                                            GError                 **error);

/* Write catalogue models as source "catalog" (never over a "user" row), overrides
 * as source "user", drop catalogue rows the catalogue no longer has, all in one
 * transaction; then reload the effective models from the store. */
gboolean                   tg_catalog_sync_to_db         (TgCatalog   *self,
                                                          TgDb        *db,
                                                          GError     **error);

G_END_DECLS
