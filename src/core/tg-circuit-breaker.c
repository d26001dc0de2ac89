/* tg-circuit-breaker.c: closed / open / half-open, driven by the caller's clock.
 *
 * The window is a ring of the last window_size outcomes; a trip empties it, so
 * a circuit that closes again starts from nothing rather than from the
 * failures that opened it. The open state turns half-open lazily: whichever
 * call first sees that the wait is over makes the move. */

#include "tg-circuit-breaker.h"

#include <string.h>

struct _TgCircuitBreaker
{
  TgCircuitBreakerConfig config;

  TgCircuitState state;
  gboolean      *window;          /* TRUE: a failure */
  guint          window_len;      /* outcomes held, <= window_size */
  guint          window_pos;      /* where the next outcome goes */
  guint          window_failures;
  guint          consecutive;     /* failures in a row */
  guint          trips;
  gint64         open_until;
  guint          probes_taken;
  guint          probes_succeeded;
  gint64         probe_taken_ms;  /* when the last probe was handed out */
};

static const char * const state_names[] = { "closed", "open", "half-open" };

const char *
tg_circuit_state_to_string (TgCircuitState state)
{
  if ((guint) state >= G_N_ELEMENTS (state_names))
    return NULL;
  return state_names[state];
}

gboolean
tg_circuit_state_from_string (const char     *str,
                              TgCircuitState *out)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (str, state_names[i]))
      {
        if (out != NULL)
          *out = (TgCircuitState) i;
        return TRUE;
      }
  return FALSE;
}

/* Nonsense settings are bent into the nearest meaningful ones rather than
 * refused: a breaker must always be able to decide. */
static void
sanitize_config (TgCircuitBreakerConfig *config)
{
  config->window_size = MAX (config->window_size, 1);
  config->min_calls = CLAMP (config->min_calls, 1, config->window_size);
  config->failure_rate_percent = MIN (config->failure_rate_percent, 100);
  config->open_base_ms = MAX (config->open_base_ms, 1);
  config->open_max_ms = MAX (config->open_max_ms, config->open_base_ms);
  config->half_open_probes = MAX (config->half_open_probes, 1);
}

TgCircuitBreaker *
tg_circuit_breaker_new (const TgCircuitBreakerConfig *config)
{
  static const TgCircuitBreakerConfig defaults = TG_CIRCUIT_BREAKER_CONFIG_DEFAULT;
  TgCircuitBreaker *self = g_new0 (TgCircuitBreaker, 1);

  self->config = config != NULL ? *config : defaults;
  sanitize_config (&self->config);
  self->window = g_new0 (gboolean, self->config.window_size);
  self->state = TG_CIRCUIT_CLOSED;
  return self;
}

void
tg_circuit_breaker_free (TgCircuitBreaker *self)
{
  if (self == NULL)
    return;
  g_free (self->window);
  g_free (self);
}

const TgCircuitBreakerConfig *
tg_circuit_breaker_get_config (TgCircuitBreaker *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->config;
}

static void
clear_window (TgCircuitBreaker *self)
{
  memset (self->window, 0, sizeof (gboolean) * self->config.window_size);
  self->window_len = 0;
  self->window_pos = 0;
  self->window_failures = 0;
  self->consecutive = 0;
}

static void
set_state (TgCircuitBreaker *self,
           TgCircuitState    state,
           gint64            open_until)
{
  self->state = state;
  self->open_until = open_until;
  self->probes_taken = 0;
  self->probes_succeeded = 0;
  self->probe_taken_ms = 0;
}

static void
advance (TgCircuitBreaker *self,
         gint64            now_ms)
{
  if (self->state == TG_CIRCUIT_OPEN && now_ms >= self->open_until)
    set_state (self, TG_CIRCUIT_HALF_OPEN, 0);

  /* A probe whose outcome never came (the request was cancelled, or its
   * result did not count) must not hold the circuit half-open for ever. */
  if (self->state == TG_CIRCUIT_HALF_OPEN && self->probes_taken > self->probes_succeeded &&
      now_ms - self->probe_taken_ms >= (gint64) self->config.open_base_ms)
    self->probes_taken = self->probes_succeeded;
}

static void trip (TgCircuitBreaker *self, gint64 now_ms);

/* Judged after every outcome, as resilience4j does: the call that brings the
 * window to min_calls can trip it, whichever way that call went. */
static void
check_trip (TgCircuitBreaker *self,
            gint64            now_ms)
{
  gboolean by_count, by_rate;

  by_count = self->config.consecutive_failures > 0 &&
             self->consecutive >= self->config.consecutive_failures;
  by_rate = self->config.failure_rate_percent > 0 &&
            self->window_len >= self->config.min_calls &&
            (guint64) self->window_failures * 100 >=
            (guint64) self->config.failure_rate_percent * self->window_len;
  if (by_count || by_rate)
    trip (self, now_ms);
}

static void
trip (TgCircuitBreaker *self,
      gint64            now_ms)
{
  gint64 wait = self->config.open_base_ms;

  self->trips++;
  /* Doubling, stopped at the cap before it can overflow. */
  for (guint i = 1; i < self->trips && wait < (gint64) self->config.open_max_ms; i++)
    wait *= 2;
  wait = MIN (wait, (gint64) self->config.open_max_ms);

  set_state (self, TG_CIRCUIT_OPEN, now_ms + wait);
  clear_window (self);
}

static void
close_circuit (TgCircuitBreaker *self)
{
  set_state (self, TG_CIRCUIT_CLOSED, 0);
  self->trips = 0;
  clear_window (self);
}

static void
push_outcome (TgCircuitBreaker *self,
              gboolean          failed)
{
  if (self->window_len == self->config.window_size)
    {
      /* The oldest outcome leaves. */
      if (self->window[self->window_pos])
        self->window_failures--;
    }
  else
    self->window_len++;

  self->window[self->window_pos] = failed;
  if (failed)
    self->window_failures++;
  self->window_pos = (self->window_pos + 1) % self->config.window_size;
}

TgCircuitState
tg_circuit_breaker_get_state (TgCircuitBreaker *self,
                              gint64            now_ms)
{
  g_return_val_if_fail (self != NULL, TG_CIRCUIT_CLOSED);

  advance (self, now_ms);
  return self->state;
}

gboolean
tg_circuit_breaker_try_acquire (TgCircuitBreaker *self,
                                gint64            now_ms)
{
  g_return_val_if_fail (self != NULL, TRUE);

  advance (self, now_ms);
  switch (self->state)
    {
    case TG_CIRCUIT_CLOSED:
      return TRUE;
    case TG_CIRCUIT_OPEN:
      return FALSE;
    case TG_CIRCUIT_HALF_OPEN:
    default:
      if (self->probes_taken >= self->config.half_open_probes)
        return FALSE;
      self->probes_taken++;
      self->probe_taken_ms = now_ms;
      return TRUE;
    }
}

void
tg_circuit_breaker_record_success (TgCircuitBreaker *self,
                                   gint64            now_ms)
{
  g_return_if_fail (self != NULL);

  advance (self, now_ms);
  switch (self->state)
    {
    case TG_CIRCUIT_CLOSED:
      push_outcome (self, FALSE);
      self->consecutive = 0;
      check_trip (self, now_ms);
      break;
    case TG_CIRCUIT_HALF_OPEN:
      /* Any success is evidence, taken probe or not (an active check). */
      self->probes_succeeded++;
      self->probes_taken = MAX (self->probes_taken, self->probes_succeeded);
      if (self->probes_succeeded >= self->config.half_open_probes)
        close_circuit (self);
      break;
    case TG_CIRCUIT_OPEN:
    default:
      /* A reply to a request sent before the trip says nothing about now. */
      break;
    }
}

void
tg_circuit_breaker_record_failure (TgCircuitBreaker *self,
                                   gint64            now_ms)
{
  g_return_if_fail (self != NULL);

  advance (self, now_ms);
  switch (self->state)
    {
    case TG_CIRCUIT_CLOSED:
      push_outcome (self, TRUE);
      self->consecutive++;
      check_trip (self, now_ms);
      break;
    case TG_CIRCUIT_HALF_OPEN:
      trip (self, now_ms);
      break;
    case TG_CIRCUIT_OPEN:
    default:
      break;
    }
}

gint64
tg_circuit_breaker_get_open_until (TgCircuitBreaker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->state == TG_CIRCUIT_OPEN ? self->open_until : 0;
}

guint
tg_circuit_breaker_get_trips (TgCircuitBreaker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->trips;
}

void
tg_circuit_breaker_restore (TgCircuitBreaker *self,
                            TgCircuitState    state,
                            gint64            since_ms)
{
  g_return_if_fail (self != NULL);

  close_circuit (self);
  switch (state)
    {
    case TG_CIRCUIT_OPEN:
      /* One trip: the history before the restart is not known. */
      self->trips = 1;
      set_state (self, TG_CIRCUIT_OPEN, since_ms + self->config.open_base_ms);
      break;
    case TG_CIRCUIT_HALF_OPEN:
      self->trips = 1;
      set_state (self, TG_CIRCUIT_HALF_OPEN, 0);
      break;
    case TG_CIRCUIT_CLOSED:
    default:
      break;
    }
}
