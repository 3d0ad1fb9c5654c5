#ifndef CALLOCCOUNTER_H
#define CALLOCCOUNTER_H

// Counts heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by
// the calling thread between alloc_counter_start() and alloc_counter_stop(). Linked only into the
// test executable, where its definitions of these functions replace the C library's (they forward to
// glibc's __libc_* implementations). Thread-local, so tests running in parallel do not interfere.

// 1 when allocations are counted on this platform (glibc), 0 otherwise.
int alloc_counter_available(void);
void alloc_counter_start(void);
// The number of allocations since alloc_counter_start() on this thread.
long alloc_counter_stop(void);

#endif
