/* tg-fuzz.h: the libFuzzer entry point every target defines, and how a target fails. */
#pragma once

#include <glib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

/* abort(), not g_error(): g_error() stops with SIGTRAP, which libFuzzer does
 * not catch, so it would keep no crash input. */
G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static inline void
fuzz_fail (const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  abort ();
}
