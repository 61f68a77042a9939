/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by floor.bpf.c and floor.ts: how many probe sites can be counted. */
#ifndef __FLOOR_H
#define __FLOOR_H

#define FLOOR_MAX_SITES 256

#endif /* __FLOOR_H */
