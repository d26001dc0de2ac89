/* tg-prompt-view.h: the Prompt page: ask the preferred provider, watch the
 * reply stream in, see what it cost (DESIGN §5). */
#pragma once

#include <gtk/gtk.h>

#include "tg-ai-client.h"
#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-config-service.h"

G_BEGIN_DECLS

#define TG_TYPE_PROMPT_VIEW (tg_prompt_view_get_type ())
G_DECLARE_FINAL_TYPE (TgPromptView, tg_prompt_view, TG, PROMPT_VIEW, GtkWidget)

GtkWidget *tg_prompt_view_new          (void);

/* Each may be NULL. Without @client nothing can be sent; @config names the
 * provider and model that will answer; @analytics brings budget alerts as
 * ::toast; @catalog gives display names. */
void       tg_prompt_view_set_services (TgPromptView       *self,
                                        TgAiClient         *client,
                                        TgConfigService    *config,
                                        TgAnalyticsService *analytics,
                                        TgCatalog          *catalog);

/* Whether a request is under way. */
gboolean   tg_prompt_view_is_busy      (TgPromptView       *self);

/* Actions (on the widget, "prompt." prefix): prompt.send (Ctrl+Enter),
 * prompt.cancel (Escape).
 *
 * Signals:
 *   ::toast (const char *title)  a short notice for the window's toast overlay
 *                                (a fallback answered, a budget alert) */

G_END_DECLS
