/* tg-recommendations.h: concrete savings from the user's own usage (DESIGN §4).
 *
 * Pure analysis over the store: reads the last 30 days of ai_usage_analytics
 * and the catalogue's prices, writes nothing. TgAnalyticsService exposes it;
 * every estimate is a monthly figure scaled from those 30 days. */
#pragma once

#include <gio/gio.h>

#include "tg-catalog.h"
#include "tg-db.h"

G_BEGIN_DECLS

typedef enum {
  TG_RECOMMENDATION_CHEAPER_MODEL,  /* same capabilities, context large enough, lower price */
  TG_RECOMMENDATION_FAILED_SPEND,   /* money spent on attempts that failed */
  TG_RECOMMENDATION_CACHE_SHARE,    /* a provider discounts cache reads the user barely uses */
} TgRecommendationKind;

typedef struct {
  TgRecommendationKind kind;
  char   *title;                  /* one line, translated */
  char   *description;            /* a sentence or two with the figures, translated */
  char   *provider_id;            /* what the saving is about */
  char   *model_id;               /* nullable */
  char   *alt_provider_id;        /* CHEAPER_MODEL: the suggested one; else NULL */
  char   *alt_model_id;
  gint64  monthly_saving_micros;  /* estimated from the last 30 days */
} TgRecommendation;

#define TG_TYPE_RECOMMENDATION (tg_recommendation_get_type ())
GType             tg_recommendation_get_type (void) G_GNUC_CONST;
TgRecommendation *tg_recommendation_copy     (const TgRecommendation *self);
void              tg_recommendation_free     (TgRecommendation *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgRecommendation, tg_recommendation_free)

/* Recommendations from the 30 days before @now_ms, biggest saving first; none
 * whose saving rounds to less than a cent a month.
 * @keyed_provider_ids: providers the user can switch to (NULL: only the ones
 * already used in those 30 days). Element type TgRecommendation. */
GPtrArray *tg_recommendations_compute (TgDb               *db,
                                       TgCatalog          *catalog,
                                       const char * const *keyed_provider_ids,
                                       gint64              now_ms,
                                       GError            **error);

G_END_DECLS
