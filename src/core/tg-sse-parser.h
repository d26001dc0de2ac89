/* tg-sse-parser.h: incremental Server-Sent Events parser following the WHATWG
 * "event stream interpretation" rules. Pure: no I/O, no main loop. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TG_SSE_PARSER_ERROR (tg_sse_parser_error_quark ())

typedef enum {
  TG_SSE_PARSER_ERROR_TOO_LARGE,  /* a line or event exceeded the size limit */
} TgSseParserError;

GQuark tg_sse_parser_error_quark (void);

typedef struct {
  const char *type;     /* "message" unless an event: field said otherwise */
  const char *data;     /* data: lines joined with "\n", never NULL */
  const char *last_id;  /* the last event ID so far, "" if none */
} TgSseEvent;

typedef void (*TgSseEventFunc) (const TgSseEvent *event,
                                gpointer          user_data);

typedef struct _TgSseParser TgSseParser;

/* @max_size: the most bytes one line or one event's data may take (0: 16 MiB). */
TgSseParser *tg_sse_parser_new              (gsize            max_size,
                                             TgSseEventFunc   func,
                                             gpointer         user_data);
void         tg_sse_parser_free             (TgSseParser     *self);

/* Feeds the next bytes, split anywhere (inside a line, a CRLF or a UTF-8
 * sequence). Dispatches each complete event. FALSE once a limit is passed;
 * the parser then ignores further input. */
gboolean     tg_sse_parser_feed             (TgSseParser     *self,
                                             const char      *data,
                                             gsize            length,
                                             GError         **error);

/* End of stream. Per the spec an unterminated event is discarded; returns
 * TRUE when such a partial event or line was pending, i.e. the stream was cut. */
gboolean     tg_sse_parser_finish           (TgSseParser     *self);

/* The "retry:" value in ms, or -1 when the stream gave none. */
gint64       tg_sse_parser_get_retry        (TgSseParser     *self);
const char  *tg_sse_parser_get_last_event_id(TgSseParser     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSseParser, tg_sse_parser_free)

G_END_DECLS
