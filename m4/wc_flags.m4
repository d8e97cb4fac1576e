# Compiler and linker flag checks for webcron's configure.ac.
#
# Small on purpose, so that building from a clone needs no autoconf-archive.
# A flag is kept only if the compiler (and, for a link flag, the linker)
# accepts it with -Werror, so that one that is merely warned about ("unused
# argument", "unknown option") is not kept either.

# WC_CHECK_CFLAG(FLAG, VARIABLE)
# Appends FLAG to the shell VARIABLE when the C compiler accepts it.
AC_DEFUN([WC_CHECK_CFLAG], [
  AS_VAR_PUSHDEF([wc_cache], [wc_cv_cflag_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [wc_cache], [
    wc_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $1"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <string.h>]],
        [[char b[8]; return (int)strlen(strcpy(b, "x"));]])],
      [AS_VAR_SET([wc_cache], [yes])], [AS_VAR_SET([wc_cache], [no])])
    CFLAGS=$wc_save_CFLAGS])
  AS_VAR_IF([wc_cache], [yes], [$2="$$2 $1"])
  AS_VAR_POPDEF([wc_cache])])

# WC_CHECK_LDFLAG(FLAG, VARIABLE, [CFLAGS])
# Appends FLAG to the shell VARIABLE when a program compiled with CFLAGS
# links with it.
AC_DEFUN([WC_CHECK_LDFLAG], [
  AS_VAR_PUSHDEF([wc_cache], [wc_cv_ldflag_$1])
  AC_CACHE_CHECK([whether the linker accepts $1], [wc_cache], [
    wc_save_CFLAGS=$CFLAGS
    wc_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS -Werror $3"
    LDFLAGS="$LDFLAGS $1"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([wc_cache], [yes])], [AS_VAR_SET([wc_cache], [no])])
    CFLAGS=$wc_save_CFLAGS
    LDFLAGS=$wc_save_LDFLAGS])
  AS_VAR_IF([wc_cache], [yes], [$2="$$2 $1"])
  AS_VAR_POPDEF([wc_cache])])
