/* tp_flags bits of CPython's type objects that say what a type's objects
 * are, the same from 2.7 to 3.15 (Include/object.h). The *_SUBCLASS bits
 * are inherited by every subclass, whose objects keep their base's layout. */
#ifndef STACKTOP_PYTHON_TYPE_FLAGS_H
#define STACKTOP_PYTHON_TYPE_FLAGS_H

#include <stdint.h>

#define PYTHON_TPFLAG_HEAPTYPE      ((uint64_t)1 << 9)
#define PYTHON_TPFLAG_READY         ((uint64_t)1 << 12)
#define PYTHON_TPFLAG_INT_SUBCLASS  ((uint64_t)1 << 23) /* 2.7's int */
#define PYTHON_TPFLAG_LONG_SUBCLASS ((uint64_t)1 << 24)
#define PYTHON_TPFLAG_LIST_SUBCLASS ((uint64_t)1 << 25)
#define PYTHON_TPFLAG_TUPLE         ((uint64_t)1 << 26)
#define PYTHON_TPFLAG_BYTES         ((uint64_t)1 << 27) /* 2.7: str */
#define PYTHON_TPFLAG_UNICODE       ((uint64_t)1 << 28)
#define PYTHON_TPFLAG_DICT          ((uint64_t)1 << 29)
#define PYTHON_TPFLAG_TYPE          ((uint64_t)1 << 31)

#endif
