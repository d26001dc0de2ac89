/* tg-circuit-breaker.h: closed / open / half-open per provider (DESIGN §4).
 *
 * Pure: no timers, no I/O. Every call takes the current time, so tests drive
 * it with any clock they like. Defaults and their reasoning: docs/health.md. */
#pragma once

#include <glib.h>

#include "tg-db.h"   /* TgCircuitState */

G_BEGIN_DECLS

typedef struct {
  guint window_size;           /* outcomes kept in the sliding window (count based) */
  guint min_calls;             /* outcomes needed in the window before the rate can trip */
  guint failure_rate_percent;  /* trips when failures / window >= this */
  guint consecutive_failures;  /* trips after this many failures in a row (0: off) */
  guint open_base_ms;          /* wait before the first half-open probe */
  guint open_max_ms;           /* the wait doubles on each trip without a recovery, up to this */
  guint half_open_probes;      /* calls allowed through while half-open; all must succeed to close */
} TgCircuitBreakerConfig;

/* See docs/health.md for why these numbers. */
#define TG_CIRCUIT_BREAKER_CONFIG_DEFAULT { 20, 5, 50, 5, 30000, 600000, 1 }

typedef struct _TgCircuitBreaker TgCircuitBreaker;

const char       *tg_circuit_state_to_string       (TgCircuitState state); /* "closed", "open", "half-open" */
gboolean          tg_circuit_state_from_string     (const char *str, TgCircuitState *out);

/* @config NULL: the defaults. */
TgCircuitBreaker *tg_circuit_breaker_new            (const TgCircuitBreakerConfig *config);
void              tg_circuit_breaker_free           (TgCircuitBreaker *self);
const TgCircuitBreakerConfig *
                  tg_circuit_breaker_get_config     (TgCircuitBreaker *self);

/* The state at @now_ms: an open circuit whose wait is over reads half-open. */
TgCircuitState    tg_circuit_breaker_get_state      (TgCircuitBreaker *self, gint64 now_ms);
/* May a call go out now? Closed: yes. Open: no. Half-open: yes for the first
 * half_open_probes callers (each call here takes one probe), then no until
 * their outcomes are recorded. */
gboolean          tg_circuit_breaker_try_acquire    (TgCircuitBreaker *self, gint64 now_ms);
void              tg_circuit_breaker_record_success (TgCircuitBreaker *self, gint64 now_ms);
void              tg_circuit_breaker_record_failure (TgCircuitBreaker *self, gint64 now_ms);
/* Open: when it turns half-open. Otherwise 0. */
gint64            tg_circuit_breaker_get_open_until (TgCircuitBreaker *self);
/* Trips since the circuit last closed after a recovery (drives the growing wait). */
guint             tg_circuit_breaker_get_trips      (TgCircuitBreaker *self);
/* Restores a state read back from the store after a restart: OPEN waits
 * open_base_ms from @since_ms, HALF_OPEN and CLOSED start with an empty window. */
void              tg_circuit_breaker_restore        (TgCircuitBreaker *self, TgCircuitState state, gint64 since_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgCircuitBreaker, tg_circuit_breaker_free)

G_END_DECLS
