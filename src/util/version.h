#ifndef WEBCRON_VERSION_H
#define WEBCRON_VERSION_H
/* PACKAGE_VERSION comes from configure, on the compiler's command line. */
#define WEBCRON_VERSION PACKAGE_VERSION
#endif
