/* tg-prompt-view-private.h: what the tests read of TgPromptView. */
#pragma once

#include "tg-prompt-view.h"

G_BEGIN_DECLS

GtkTextView *tg_prompt_view_get_prompt_view   (TgPromptView *self);
/* The reply as shown so far (transfer full). */
char        *tg_prompt_view_dup_reply_text    (TgPromptView *self);
GtkLabel    *tg_prompt_view_get_model_label   (TgPromptView *self);
GtkLabel    *tg_prompt_view_get_summary_label (TgPromptView *self);
GtkWidget   *tg_prompt_view_get_send_button   (TgPromptView *self);
GtkWidget   *tg_prompt_view_get_cancel_button (TgPromptView *self);
/* The inline error: its box, message and action button. */
GtkWidget   *tg_prompt_view_get_error_box     (TgPromptView *self);
GtkLabel    *tg_prompt_view_get_error_label   (TgPromptView *self);
GtkButton   *tg_prompt_view_get_error_button  (TgPromptView *self);

G_END_DECLS
