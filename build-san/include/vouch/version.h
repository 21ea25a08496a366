/*
 * vouch: the version of the headers a program was compiled with.  Compare
 * with vouch_version(), the version of the library it runs with.
 */
#ifndef VOUCH_VERSION_H
#define VOUCH_VERSION_H

#define VOUCH_VERSION_MAJOR 0
#define VOUCH_VERSION_MINOR 1
#define VOUCH_VERSION_PATCH 0
#define VOUCH_VERSION_STRING "0.1.0"
/* 0xMMmmpp: compare with >= in #if */
#define VOUCH_VERSION_NUMBER ((VOUCH_VERSION_MAJOR << 16) | \
    (VOUCH_VERSION_MINOR << 8) | VOUCH_VERSION_PATCH)

#endif
