/*
 * build_int.h - the build module's library-internal interface: what the build pipeline
 * (build.c) shares with its other files and with the tests. The public entry point is
 * pv_index_build (provscan.h).
 */
#ifndef PV_BUILD_INT_H
#define PV_BUILD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common_int.h"
#include "provscan.h"

#endif
