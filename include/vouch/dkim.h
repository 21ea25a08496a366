/* vouch: dkim */
#ifndef VOUCH_DKIM_H
#define VOUCH_DKIM_H
#include <vouch/error.h>
#endif
