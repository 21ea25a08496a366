/* vouch: lint */
#ifndef VOUCH_LINT_H
#define VOUCH_LINT_H
#include <vouch/error.h>
#endif
